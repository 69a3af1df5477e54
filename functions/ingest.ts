import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GlueClient } from '@aws-sdk/client-glue';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { GlueCatalog } from '../core/catalog/glue-catalog.ts';
import { DynamoLakeLocks } from '../core/lock/dynamodb-lock.ts';
import { bucketName, parseEnv, s3EndpointShape } from './lib/config.ts';
import { type IngestDeps, ingestMessage } from './lib/ingest-message.ts';
import { lakeStorage, orgKeyFromSecret, s3Client, tagObject } from './lib/lake.ts';
import { logger, tracer } from './lib/powertools.ts';

export type { IngestDeps } from './lib/ingest-message.ts';

const processor = new BatchProcessor(EventType.SQS, { logger });

/**
 * An SQS batch of S3 events → each raw upload ingested, one message after another (each may be the largest file
 * the function is sized for); a message that failed transiently is reported alone (Powertools' batch processor).
 */
export function createIngestHandler(deps: () => IngestDeps) {
  // No logMetrics middleware: each upload's metrics are published as it is done (a batch may hold several surveys),
  // and its end-of-invocation flush would log a warning that nothing was left to publish.
  return middy<SQSEvent, SQSBatchResponse>()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler((event, context) =>
      processPartialResponse(event, (record: SQSRecord) => ingestMessage(deps(), record), processor, {
        context,
        processInParallel: false,
      }),
    );
}

/** Builds the handler's dependencies from the environment the CDK set; clients only, no network call. */
function fromEnvironment(): IngestDeps {
  const env = parseEnv({
    RAW_BUCKET: bucketName,
    CURATED_BUCKET: bucketName,
    REPORTS_BUCKET: bucketName,
    REJECTED_ROWS_TAG: z.string().regex(/^[^=]+=[^=]+$/, 'expected key=value'),
    GLUE_DATABASE: z.string().min(1),
    GLUE_TABLE: z.string().min(1),
    ORG_KEY_SECRET_ARN: z.string().startsWith('arn:'),
    LOCK_TABLE: z.string().min(3),
    ...s3EndpointShape,
  });
  const client = tracer.captureAWSv3Client(s3Client(env));
  const catalog = new GlueCatalog(tracer.captureAWSv3Client(new GlueClient({})), {
    database: env.GLUE_DATABASE,
    table: env.GLUE_TABLE,
    curatedRoot: `s3://${env.CURATED_BUCKET}/`,
  });
  return {
    storage: lakeStorage(client, env),
    orgKey: orgKeyFromSecret(env.ORG_KEY_SECRET_ARN, { capture: (sdk) => tracer.captureAWSv3Client(sdk) }),
    locks: new DynamoLakeLocks(tracer.captureAWSv3Client(new DynamoDBClient({})), env.LOCK_TABLE),
    catalog,
    expireRejectedRows: (key) => tagObject(client, env.REPORTS_BUCKET, key, env.REJECTED_ROWS_TAG),
  };
}

let deps: IngestDeps | undefined;

/** The Lambda entry point. */
export const handler = createIngestHandler(() => (deps ??= fromEnvironment()));
