import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { s3ClientConfig } from '../../core/storage/s3-storage.ts';

/** A real S3-compatible server (s3rver) on loopback, with buckets, and a real SDK client pointed at it. */
export interface LocalS3 {
  readonly endpoint: string;
  readonly client: S3Client;
  readonly server: S3rver;
  close(): Promise<void>;
}

/** Starts s3rver on a free loopback port with the given buckets. Needs NODE_OPTIONS=--openssl-legacy-provider. */
export async function startLocalS3(buckets: string[]): Promise<LocalS3> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  const address = (await server.run()) as { address: string; port: number };
  const endpoint = `http://127.0.0.1:${address.port}`;
  const client = new S3Client(
    s3ClientConfig({
      endpoint,
      region: 'eu-west-2',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    }),
  );
  return {
    endpoint,
    client,
    server,
    async close() {
      client.destroy();
      // A browser keeps its connections alive; they must not hold the server's close up.
      (server as unknown as { httpServer?: import('node:http').Server }).httpServer?.closeAllConnections();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
