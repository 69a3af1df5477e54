import type { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import { z } from 'zod';
import { bucketName, parseEnv, s3EndpointShape } from './lib/config.ts';
import { s3Client } from './lib/lake.ts';
import { presignUpload, type UploadUrl } from './lib/upload-url.ts';

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
    client: s3Client(env),
    bucket: env.RAW_BUCKET,
    maxBytes: env.MAX_UPLOAD_BYTES,
    expiresIn: env.URL_EXPIRES_SECONDS,
  };
}

let deps: UploadDeps | undefined;

/** { survey, wave, fileName, bytes } (direct invoke, or a function-URL body) → a presigned, size-bound PUT. */
export const lambdaHandler = async (event: unknown): Promise<UploadUrl> => {
  deps ??= fromEnvironment();
  const body = (event as { body?: unknown } | null)?.body;
  const request = typeof body === 'string' ? JSON.parse(body) : event;
  return presignUpload(deps.client, deps.bucket, request, { maxBytes: deps.maxBytes, expiresIn: deps.expiresIn });
};

/** The Lambda entry point. */
export const handler = middy().handler(lambdaHandler);
