import { AthenaClient } from '@aws-sdk/client-athena';
import middy from '@middy/core';
import { z } from 'zod';
import { DisclosureError, type SuppressionCounts } from '../core/disclosure/index.ts';
import { AthenaEngine, AthenaQueryError } from '../core/engine/athena-engine.ts';
import type { QueryEngine } from '../core/engine/query-engine.ts';
import { ExportError, exportQuery } from '../core/export/index.ts';
import { listWavePointers } from '../core/lake.ts';
import { QueryError } from '../core/queries/index.ts';
import type { Storage } from '../core/storage/storage.ts';
import { bucketName, parseEnv, s3EndpointShape } from './lib/config.ts';
import { functionUrl } from './lib/function-url.ts';
import { lakeStorage, s3Client } from './lib/lake.ts';
import { presignDownload } from './lib/presign.ts';
import { ExportRequestSchema, parseRequest, RequestError, rawParams } from './lib/requests.ts';
import { SAVED_QUERIES_DIR } from './lib/saved-queries.ts';

/** What the export handler needs; built once per cold start (or by a test). */
export interface ExportDeps {
  readonly engine: QueryEngine;
  /** The lake: curated/ (wave pointers) is read, exports/ is written. */
  readonly lake: Storage;
  /** Presigns a GET of an exports/ key for 15 minutes. */
  readonly presign: (key: string) => Promise<{ url: string; expiresAt: string }>;
  /** @default the saved queries beside the bundle, or the project's queries/ */
  readonly queriesDir?: string;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** The handler's answer: where the export went, a download link, and what disclosure control did. */
export interface ExportResponse {
  readonly name: string;
  readonly format: 'csv' | 'xlsx' | 'json';
  readonly key: string;
  readonly dataPackageKey: string;
  readonly url: string;
  readonly expiresAt: string;
  readonly rows: number;
  readonly bytes: number;
  readonly counts: SuppressionCounts;
  readonly rules: { readonly threshold: number; readonly p: number };
}

/** { name, params, format, threshold?, p?, total? } → exports/<query>/<timestamp>/<query>.<format> + a presigned GET. */
export function createExportHandler(deps: () => ExportDeps) {
  return middy<unknown, ExportResponse>()
    .use(
      functionUrl([
        [RequestError, 400],
        [QueryError, 400],
        [ExportError, 400],
        // The table could not be protected as asked: nothing was written.
        [DisclosureError, 422],
        [AthenaQueryError, 502],
      ]),
    )
    .handler(async (event) => {
      const { engine, lake, presign, queriesDir = SAVED_QUERIES_DIR, now = () => new Date() } = deps();
      const { name, params, format, threshold, p, total } = parseRequest(ExportRequestSchema, event, 'export');
      const at = now();
      const folder = `exports/${name}/${at.toISOString().replace(/[-:.]/g, '')}`;
      const key = `${folder}/${name}.${format}`;
      const waves = await listWavePointers(lake);
      const summary = await exportQuery({
        engine,
        name,
        params: rawParams(params),
        out: { storage: lake, key },
        format,
        threshold,
        p,
        total,
        now: at,
        waves,
        queriesDir,
      });
      const download = await presign(key);
      const { rows, bytes, counts, rules } = summary;
      return {
        name,
        format,
        key,
        dataPackageKey: `${folder}/datapackage.json`,
        ...download,
        rows,
        bytes,
        counts,
        rules,
      };
    });
}

/** Builds the dependencies from the environment the CDK set; clients only, no network call. */
function fromEnvironment(): ExportDeps {
  const env = parseEnv({
    ATHENA_WORKGROUP: z.string().min(1),
    GLUE_DATABASE: z.string().min(1),
    CURATED_BUCKET: bucketName,
    EXPORTS_BUCKET: bucketName,
    ...s3EndpointShape,
  });
  const client = s3Client(env);
  return {
    engine: new AthenaEngine(new AthenaClient({}), { workgroup: env.ATHENA_WORKGROUP, database: env.GLUE_DATABASE }),
    lake: lakeStorage(client, { CURATED_BUCKET: env.CURATED_BUCKET, EXPORTS_BUCKET: env.EXPORTS_BUCKET }),
    presign: (key) => presignDownload(client, env.EXPORTS_BUCKET, key, 900),
  };
}

let deps: ExportDeps | undefined;

/** The Lambda entry point (direct invoke or function URL). */
export const handler = createExportHandler(() => (deps ??= fromEnvironment()));
