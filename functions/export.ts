import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { AthenaClient } from '@aws-sdk/client-athena';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import { z } from 'zod';
import { DEFAULT_SETTINGS, DisclosureError, FLOORS, SettingsError } from '../core/disclosure/index.ts';
import { AthenaEngine } from '../core/engine/athena-engine.ts';
import { ExportError } from '../core/export/index.ts';
import { DynamoLakeLocks } from '../core/lock/dynamodb-lock.ts';
import { QueryError } from '../core/queries/index.ts';
import { bucketName, parseEnv, s3EndpointShape } from './lib/config.ts';
import { lakeStorage, s3Client } from './lib/lake.ts';
import { type BulletinResponse, bulletinToLake } from './lib/lake-bulletin.ts';
import { type ExportResponse, exportToLake, type LakeExportDeps } from './lib/lake-export.ts';
import { logErrors, logger, tracer } from './lib/powertools.ts';
import { presignDownload } from './lib/presign.ts';
import { exportRequestSchemaOf, parseRequest, RequestError } from './lib/requests.ts';
import { SAVED_QUERIES_DIR } from './lib/saved-queries.ts';

/** What the export handler needs; built once per cold start (or by a test). */
export interface ExportDeps extends Omit<LakeExportDeps, 'queriesDir' | 'now' | 'disclosure'> {
  /** The deployment's disclosure settings. @default threshold 5, p 10 */
  readonly disclosure?: LakeExportDeps['disclosure'];
  /** @default the saved queries beside the bundle, or the project's queries/ */
  readonly queriesDir?: string;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export type { BulletinResponse } from './lib/lake-bulletin.ts';
export type { ExportResponse } from './lib/lake-export.ts';

/**
 * { name, params, format, threshold?, p?, total? } → an export in exports/, recorded in the release ledger, and a
 * presigned GET (15 min); { bulletin: { survey, wave }, threshold?, p? } → the wave's bulletin page and a link that
 * opens it. threshold and p may only make the deployment's settings stricter.
 */
export function createExportHandler(deps: () => ExportDeps) {
  // The request was wrong, or the table could not be protected as asked (nothing was written).
  const callerErrors = [RequestError, QueryError, ExportError, DisclosureError, SettingsError];
  return middy<unknown, ExportResponse | BulletinResponse>()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logErrors(callerErrors))
    .handler(async (event, context) => {
      const { queriesDir = SAVED_QUERIES_DIR, now = () => new Date(), disclosure = DEFAULT_SETTINGS, ...rest } = deps();
      const request = parseRequest(exportRequestSchemaOf(event), event, 'export');
      const by = `Lambda request ${context.awsRequestId}`;
      const lakeDeps = { ...rest, queriesDir, now: now(), disclosure, by };
      if ('bulletin' in request) {
        const response = await bulletinToLake(lakeDeps, request);
        logger.info('bulletin', { key: response.key });
        return response;
      }
      const response = await exportToLake(lakeDeps, request);
      logger.info('exported', {
        query: response.name,
        key: response.key,
        rows: response.rows,
        counts: response.counts,
      });
      return response;
    });
}

/** Builds the dependencies from the environment the CDK set; clients only, no network call. */
function fromEnvironment(): ExportDeps {
  const env = parseEnv({
    ATHENA_WORKGROUP: z.string().min(1),
    ATHENA_WAIT_SECONDS: z.coerce.number().int().positive(),
    GLUE_DATABASE: z.string().min(1),
    CURATED_BUCKET: bucketName,
    EXPORTS_BUCKET: bucketName,
    // The deployment's disclosure settings (CDK context); the hard floors hold here too.
    DISCLOSURE_THRESHOLD: z.coerce.number().int().min(FLOORS.threshold).max(1000).default(DEFAULT_SETTINGS.threshold),
    DISCLOSURE_P: z.coerce.number().gt(FLOORS.p).max(100).default(DEFAULT_SETTINGS.p),
    // The stack's lock table: releases of one survey are recorded one at a time.
    LOCK_TABLE: z.string().min(3),
    ...s3EndpointShape,
  });
  const client = tracer.captureAWSv3Client(s3Client(env));
  return {
    engine: new AthenaEngine(tracer.captureAWSv3Client(new AthenaClient({})), {
      workgroup: env.ATHENA_WORKGROUP,
      database: env.GLUE_DATABASE,
      timeoutMs: env.ATHENA_WAIT_SECONDS * 1000,
    }),
    lake: lakeStorage(client, { CURATED_BUCKET: env.CURATED_BUCKET, EXPORTS_BUCKET: env.EXPORTS_BUCKET }),
    // A release holds its lock for seconds; a short lease frees the lock of a function that timed out holding it
    // within the minute another release waits for it.
    locks: new DynamoLakeLocks(tracer.captureAWSv3Client(new DynamoDBClient({})), env.LOCK_TABLE, { leaseSeconds: 60 }),
    presign: (key, options) => presignDownload(client, env.EXPORTS_BUCKET, key, 900, options),
    disclosure: { threshold: env.DISCLOSURE_THRESHOLD, p: env.DISCLOSURE_P },
  };
}

let deps: ExportDeps | undefined;

/** The Lambda entry point (direct invoke). */
export const handler = createExportHandler(() => (deps ??= fromEnvironment()));
