import { AthenaClient } from '@aws-sdk/client-athena';
import middy from '@middy/core';
import { z } from 'zod';
import { DisclosureError } from '../core/disclosure/index.ts';
import { AthenaEngine, AthenaQueryError } from '../core/engine/athena-engine.ts';
import { ExportError } from '../core/export/index.ts';
import { QueryError } from '../core/queries/index.ts';
import { bucketName, parseEnv, s3EndpointShape } from './lib/config.ts';
import { functionUrl } from './lib/function-url.ts';
import { lakeStorage, s3Client } from './lib/lake.ts';
import { type BulletinResponse, bulletinToLake } from './lib/lake-bulletin.ts';
import { type ExportResponse, exportToLake, type LakeExportDeps } from './lib/lake-export.ts';
import { presignDownload } from './lib/presign.ts';
import { exportRequestSchemaOf, parseRequest, RequestError } from './lib/requests.ts';
import { SAVED_QUERIES_DIR } from './lib/saved-queries.ts';

/** What the export handler needs; built once per cold start (or by a test). */
export interface ExportDeps extends Omit<LakeExportDeps, 'queriesDir' | 'now'> {
  /** @default the saved queries beside the bundle, or the project's queries/ */
  readonly queriesDir?: string;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export type { BulletinResponse } from './lib/lake-bulletin.ts';
export type { ExportResponse } from './lib/lake-export.ts';

/**
 * { name, params, format, threshold?, p?, total? } → an export in exports/ and a presigned GET (15 min);
 * { bulletin: { survey, wave }, threshold?, p? } → the wave's bulletin page and a link that opens it.
 */
export function createExportHandler(deps: () => ExportDeps) {
  return middy<unknown, ExportResponse | BulletinResponse>()
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
      const { queriesDir = SAVED_QUERIES_DIR, now = () => new Date(), ...rest } = deps();
      const request = parseRequest(exportRequestSchemaOf(event), event, 'export');
      const lakeDeps = { ...rest, queriesDir, now: now() };
      return 'bulletin' in request ? bulletinToLake(lakeDeps, request) : exportToLake(lakeDeps, request);
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
    presign: (key, options) => presignDownload(client, env.EXPORTS_BUCKET, key, 900, options),
  };
}

let deps: ExportDeps | undefined;

/** The Lambda entry point (direct invoke or function URL). */
export const handler = createExportHandler(() => (deps ??= fromEnvironment()));
