import middy from '@middy/core';
import { z } from 'zod';
import { bucketName, parseEnv, s3EndpointShape } from './lib/config.ts';
import { s3Client } from './lib/lake.ts';
import { presignUpload, type UploadUrl } from './lib/upload-url.ts';

const env = parseEnv({
  RAW_BUCKET: bucketName,
  MAX_UPLOAD_BYTES: z.coerce.number().int().positive(),
  URL_EXPIRES_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
  ...s3EndpointShape,
});
const client = s3Client(env);

/** { survey, wave, fileName, bytes } (direct invoke, or a function-URL body) → a presigned, size-bound PUT. */
export const lambdaHandler = async (event: unknown): Promise<UploadUrl> => {
  const body = (event as { body?: unknown } | null)?.body;
  const request = typeof body === 'string' ? JSON.parse(body) : event;
  return presignUpload(client, env.RAW_BUCKET, request, {
    maxBytes: env.MAX_UPLOAD_BYTES,
    expiresIn: env.URL_EXPIRES_SECONDS,
  });
};

/** The Lambda entry point. */
export const handler = middy().handler(lambdaHandler);
