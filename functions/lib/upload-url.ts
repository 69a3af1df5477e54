import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { z } from 'zod';
import { rawKey } from '../../core/lake.ts';
import { checkWave, getSurvey } from '../../schemas/index.ts';

/** What a research team asks for: where its wave file will go and how big it is. */
export const UploadRequestSchema = z.object({
  survey: z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a survey id such as "uk-se"'),
  wave: z.number().int(),
  fileName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._ -]{0,150}\.csv$/, 'expected a plain file name ending in .csv'),
  bytes: z.number().int().positive(),
});

/** A request the upload-url function refuses: one line, safe to show to the caller. */
export class UploadRequestError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'UploadRequestError';
  }
}

/** A presigned PUT: the client must send exactly `headers`, within `expiresIn` seconds. */
export interface UploadUrl {
  readonly url: string;
  readonly method: 'PUT';
  readonly key: string;
  readonly headers: Record<string, string>;
  readonly expiresAt: string;
}

/** What a presigned upload may be: the caller's survey, the largest size, how long the URL lives. */
export interface UploadLimits {
  /** The survey the caller may upload to (the alias it invoked), or undefined when it invoked none. */
  readonly survey: string | undefined;
  /** The largest file, in bytes, that may be uploaded. */
  readonly maxBytes: number;
  /** How long the URL stays valid, in seconds. */
  readonly expiresIn: number;
  /** The signing time (tests). @default now */
  readonly now?: Date;
}

/**
 * The survey an invocation may upload to: the qualifier of the ARN it was invoked by, which is the alias named after
 * the survey (IAM lets each research team invoke its own survey's alias only); undefined when it has none.
 */
export function aliasSurvey(invokedFunctionArn: string): string | undefined {
  const qualifier = invokedFunctionArn.split(':')[7];
  return qualifier === undefined || qualifier === '$LATEST' || /^\d+$/.test(qualifier) ? undefined : qualifier;
}

/**
 * Presigns a PUT of one raw wave file to the caller's own survey. The Content-Length is part of the signature, so
 * the declared size, checked against the limit here, is the only size S3 accepts.
 */
export async function presignUpload(
  client: S3Client,
  bucket: string,
  request: unknown,
  limits: UploadLimits,
): Promise<UploadUrl> {
  const parsed = UploadRequestSchema.safeParse(request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UploadRequestError(`upload-url: ${issue?.path.join('.') || 'request'}: ${issue?.message}`);
  }
  const { survey, wave, fileName, bytes } = parsed.data;
  if (limits.survey === undefined) {
    throw new UploadRequestError(
      "upload-url: invoke your survey's alias of the function (function name, qualifier = survey id), got no alias",
    );
  }
  if (survey !== limits.survey) {
    throw new UploadRequestError(
      `upload-url: survey: this alias uploads to survey "${limits.survey}" only, got "${survey}"`,
    );
  }
  checkWave(getSurvey(survey), wave);
  if (bytes > limits.maxBytes) {
    throw new UploadRequestError(`upload-url: the file is ${bytes} bytes; the limit is ${limits.maxBytes} bytes`);
  }
  const key = rawKey(survey, wave, fileName);
  const command = new PutObjectCommand({ Bucket: bucket, Key: key, ContentLength: bytes, ContentType: 'text/csv' });
  const url = await getSignedUrl(client, command, {
    expiresIn: limits.expiresIn,
    signableHeaders: new Set(['content-length', 'content-type']),
  });
  const expiresAt = new Date((limits.now ?? new Date()).getTime() + limits.expiresIn * 1000).toISOString();
  return {
    url,
    method: 'PUT',
    key,
    headers: { 'content-length': String(bytes), 'content-type': 'text/csv' },
    expiresAt,
  };
}
