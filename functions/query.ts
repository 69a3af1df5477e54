import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { AthenaClient } from '@aws-sdk/client-athena';
import middy from '@middy/core';
import { z } from 'zod';
import { AthenaEngine } from '../core/engine/athena-engine.ts';
import type { QueryEngine, QueryResult } from '../core/engine/query-engine.ts';
import { listWavePointers } from '../core/lake.ts';
import { getSavedQuery, KNOWN_SURVEY_IDS, QueryError, validateParams } from '../core/queries/index.ts';
import type { Storage } from '../core/storage/storage.ts';
import { bucketName, parseEnv, s3EndpointShape } from './lib/config.ts';
import { lakeStorage, s3Client } from './lib/lake.ts';
import { logErrors, logger, tracer } from './lib/powertools.ts';
import { parseRequest, QueryRequestSchema, RequestError, rawParams } from './lib/requests.ts';
import { SAVED_QUERIES_DIR } from './lib/saved-queries.ts';

/** What the query handler needs; built once per cold start (or by a test). */
export interface QueryDeps {
  readonly engine: QueryEngine;
  /** The lake holding curated/: its wave pointers say which waves a parameter may name. */
  readonly lake: Storage;
  /** @default the saved queries beside the bundle, or the project's queries/ */
  readonly queriesDir?: string;
}

/** The handler's answer: the saved query's name, typed columns and rows keyed by column name. */
export interface QueryResponse extends QueryResult {
  readonly name: string;
}

/** { name, params } → { name, columns, rows }; a bad request fails the invoke with one line. */
export function createQueryHandler(deps: () => QueryDeps) {
  return middy<unknown, QueryResponse>()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logErrors([RequestError, QueryError]))
    .handler(async (event) => {
      const { engine, lake, queriesDir = SAVED_QUERIES_DIR } = deps();
      const request = parseRequest(QueryRequestSchema, event, 'query');
      const query = getSavedQuery(request.name, queriesDir);
      // The pointers are the commit: a wave without one has no rows in Athena either, so it is refused by name.
      const waves = await listWavePointers(lake);
      const values = validateParams(query, rawParams(request.params), { surveys: KNOWN_SURVEY_IDS, waves });
      const result = await engine.run(query.sql, values, query.columns);
      logger.info('answered', { query: query.name, rows: result.rows.length });
      // Columns as the DuckDB engine returns them (name and type), not the saved query's whole metadata.
      return { name: query.name, columns: result.columns.map(({ name, type }) => ({ name, type })), rows: result.rows };
    });
}

/** Builds the dependencies from the environment the CDK set; clients only, no network call. */
function fromEnvironment(): QueryDeps {
  const env = parseEnv({
    ATHENA_WORKGROUP: z.string().min(1),
    ATHENA_WAIT_SECONDS: z.coerce.number().int().positive(),
    GLUE_DATABASE: z.string().min(1),
    CURATED_BUCKET: bucketName,
    ...s3EndpointShape,
  });
  const engine = new AthenaEngine(tracer.captureAWSv3Client(new AthenaClient({})), {
    workgroup: env.ATHENA_WORKGROUP,
    database: env.GLUE_DATABASE,
    timeoutMs: env.ATHENA_WAIT_SECONDS * 1000,
  });
  const client = tracer.captureAWSv3Client(s3Client(env));
  return { engine, lake: lakeStorage(client, { CURATED_BUCKET: env.CURATED_BUCKET }) };
}

let deps: QueryDeps | undefined;

/** The Lambda entry point (direct invoke). */
export const handler = createQueryHandler(() => (deps ??= fromEnvironment()));
