import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { PutObjectTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { RoutedStorage } from '../../core/storage/routed-storage.ts';
import { S3Storage, s3ClientConfig } from '../../core/storage/s3-storage.ts';
import type { Storage } from '../../core/storage/storage.ts';

/** The lake's buckets, as the CDK passes them. */
export interface LakeBuckets {
  readonly RAW_BUCKET?: string;
  readonly CURATED_BUCKET?: string;
  readonly REPORTS_BUCKET?: string;
  readonly EXPORTS_BUCKET?: string;
  readonly S3_ENDPOINT?: string;
  readonly S3_FORCE_PATH_STYLE?: 'true' | 'false';
}

/** One S3 client for the function's lifetime, honouring an S3-compatible endpoint when one is configured. */
export function s3Client(env: LakeBuckets): S3Client {
  return new S3Client(
    s3ClientConfig({
      ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}),
      forcePathStyle: env.S3_FORCE_PATH_STYLE === 'true',
    }),
  );
}

/** The lake as one key space over the buckets this function was granted. */
export function lakeStorage(client: S3Client, env: LakeBuckets): Storage {
  const routes: Record<string, Storage> = {};
  if (env.RAW_BUCKET) routes['raw/'] = new S3Storage(client, env.RAW_BUCKET);
  if (env.CURATED_BUCKET) routes['curated/'] = new S3Storage(client, env.CURATED_BUCKET);
  if (env.REPORTS_BUCKET) routes['reports/'] = new S3Storage(client, env.REPORTS_BUCKET);
  if (env.EXPORTS_BUCKET) routes['exports/'] = new S3Storage(client, env.EXPORTS_BUCKET);
  return new RoutedStorage(routes);
}

/** Puts one tag ("key=value") on an object, replacing its tag set: the reports bucket expires what carries it. */
export async function tagObject(client: S3Client, bucket: string, key: string, tag: string): Promise<void> {
  const at = tag.indexOf('=');
  await client.send(
    new PutObjectTaggingCommand({
      Bucket: bucket,
      Key: key,
      Tagging: { TagSet: [{ Key: tag.slice(0, at), Value: tag.slice(at + 1) }] },
    }),
  );
}

/**
 * The org_id HMAC key from Secrets Manager through Powertools Parameters: fetched on first use and cached for
 * `maxAgeSeconds`, so a failed fetch is retried by the next invocation rather than remembered.
 */
export function orgKeyFromSecret(
  secretArn: string,
  options: { capture?: <T>(client: T) => T; maxAgeSeconds?: number } = {},
): () => Promise<string> {
  const client = new SecretsManagerClient({});
  const secrets = new SecretsProvider({ awsSdkV3Client: options.capture ? options.capture(client) : client });
  return async () => {
    const value = await secrets.get(secretArn, { maxAge: options.maxAgeSeconds ?? 900 });
    if (typeof value !== 'string' || value === '') {
      throw new Error(`config: secret ${secretArn} has no string value`);
    }
    return value;
  };
}
