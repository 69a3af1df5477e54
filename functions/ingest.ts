import { GlueClient } from '@aws-sdk/client-glue';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { GlueCatalog } from '../core/catalog/glue-catalog.ts';
import { ingestWave } from '../core/ingest/ingest.ts';
import type { WavePointer } from '../core/lake.ts';
import type { Storage } from '../core/storage/storage.ts';
import { bucketName, parseEnv, s3EndpointShape } from './lib/config.ts';
import { lakeStorage, loadOrgKey, s3Client } from './lib/lake.ts';
import { rawObjectsOf } from './lib/s3-events.ts';

/** What the ingest handler needs; built once per cold start (or by a test). */
export interface IngestDeps {
  readonly storage: Storage;
  readonly orgKey: string;
  readonly afterCommit?: (pointer: WavePointer) => Promise<void>;
}

/** An SQS batch of S3 events → ingest each raw object; a failed message is reported alone, not the batch. */
export function createIngestHandler(deps: IngestDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const message of event.Records) {
      try {
        for (const object of rawObjectsOf(message.body)) {
          const result = await ingestWave({
            storage: deps.storage,
            input: await deps.storage.get(object.key),
            survey: object.survey,
            wave: object.wave,
            sourceFile: object.key,
            orgKey: deps.orgKey,
            afterCommit: deps.afterCommit,
          });
          console.log(
            JSON.stringify({
              level: 'info',
              message: 'ingested',
              key: object.key,
              unchanged: result.unchanged,
              stats: result.report.stats,
            }),
          );
        }
      } catch (error) {
        console.error(
          JSON.stringify({ level: 'error', message: (error as Error).message, messageId: message.messageId }),
        );
        batchItemFailures.push({ itemIdentifier: message.messageId });
      }
    }
    return { batchItemFailures };
  };
}

/** Builds the handler's dependencies from the environment the CDK set. */
async function fromEnvironment(): Promise<IngestDeps> {
  const env = parseEnv({
    RAW_BUCKET: bucketName,
    CURATED_BUCKET: bucketName,
    REPORTS_BUCKET: bucketName,
    GLUE_DATABASE: z.string().min(1),
    GLUE_TABLE: z.string().min(1),
    ORG_KEY_SECRET_ARN: z.string().startsWith('arn:'),
    ...s3EndpointShape,
  });
  const catalog = new GlueCatalog(new GlueClient({}), {
    database: env.GLUE_DATABASE,
    table: env.GLUE_TABLE,
    curatedRoot: `s3://${env.CURATED_BUCKET}/`,
  });
  return {
    storage: lakeStorage(s3Client(env), env),
    orgKey: await loadOrgKey(env.ORG_KEY_SECRET_ARN),
    afterCommit: (pointer) => catalog.switchPartition(pointer),
  };
}

let deps: Promise<IngestDeps> | undefined;

/** The Lambda entry point. */
export const handler = middy<SQSEvent, SQSBatchResponse>().handler(async (event) => {
  deps ??= fromEnvironment();
  return createIngestHandler(await deps)(event);
});
