import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { UnknownSurveyError, WaveRangeError } from '../schemas/index.ts';
import { bucketName, parseEnv, s3EndpointShape } from './lib/config.ts';
import { s3Client } from './lib/lake.ts';
import { logErrors, logger, tracer } from './lib/powertools.ts';
import { aliasSurvey, presignUpload, UploadRequestError, type UploadUrl } from './lib/upload-url.ts';

/** What the handler needs; built on the first call, so importing the module never throws. */
interface UploadDeps {
  readonly client: S3Client;
  readonly bucket: string;
  readonly maxBytes: number;
  readonly expiresIn: number;
}

/** Builds the dependencies from the environment the CDK set; a client only, no network call. */
function fromEnvironment(): UploadDeps {
  const env = parseEnv({
    RAW_BUCKET: bucketName,
    MAX_UPLOAD_BYTES: z.coerce.number().int().positive(),
    URL_EXPIRES_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
    ...s3EndpointShape,
  });
  return {
    client: tracer.captureAWSv3Client(s3Client(env)),
    bucket: env.RAW_BUCKET,
    maxBytes: env.MAX_UPLOAD_BYTES,
    expiresIn: env.URL_EXPIRES_SECONDS,
  };
}

let deps: UploadDeps | undefined;

/** { survey, wave, fileName, bytes }, invoked through the survey's alias → a presigned, size-bound PUT. */
export const lambdaHandler = async (event: unknown, context: Context): Promise<UploadUrl> => {
  deps ??= fromEnvironment();
  const { client, bucket, maxBytes, expiresIn } = deps;
  const survey = aliasSurvey(context.invokedFunctionArn);
  const signed = await presignUpload(client, bucket, event, { survey, maxBytes, expiresIn });
  logger.info('presigned', { s3Key: signed.key, bytes: Number(signed.headers['content-length']) });
  return signed;
};

/** The Lambda entry point. */
export const handler = middy<unknown, UploadUrl>()
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logErrors([UploadRequestError, UnknownSurveyError, WaveRangeError]))
  .handler(lambdaHandler);
