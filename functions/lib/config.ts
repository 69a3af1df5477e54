import { z } from 'zod';

/** Thrown at cold start when the environment the CDK set is incomplete: fail fast, naming the key. */
export class ConfigError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Parses process.env once with zod (STYLE.md 9: CDK → environment → zod → arguments). */
export function parseEnv<T extends z.ZodRawShape>(
  shape: T,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<T>> {
  const result = z.object(shape).safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = String(issue?.path[0] ?? '?');
    throw new ConfigError(
      `config: environment variable ${key} ${env[key] === undefined ? 'is missing' : `is invalid (${issue?.message})`}`,
    );
  }
  return result.data;
}

/** A bucket name as S3 accepts it. */
export const bucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name');

/** Optional S3 endpoint settings, for S3-compatible stores (tests, local stacks); unset in AWS. */
export const s3EndpointShape = {
  S3_ENDPOINT: z.string().url().optional(),
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).optional(),
};
