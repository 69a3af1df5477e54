import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
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

/** Reads the org_id HMAC key from Secrets Manager once per cold start. */
export async function loadOrgKey(secretArn: string): Promise<string> {
  const client = new SecretsManagerClient({});
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  client.destroy();
  if (!SecretString) throw new Error(`config: secret ${secretArn} has no string value`);
  return SecretString;
}
