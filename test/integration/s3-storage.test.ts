import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer, text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseS3Url, S3Storage } from '../../core/storage/s3-storage.ts';
import { NotFoundError } from '../../core/storage/storage.ts';
import { type LocalS3, startLocalS3 } from '../helpers/s3rver.ts';

let s3: LocalS3;
let storage: S3Storage;
beforeAll(async () => {
  s3 = await startLocalS3(['lake']);
  storage = new S3Storage(s3.client, 'lake', 'team-a/');
});
afterAll(() => s3.close());

describe('S3Storage against a real S3-compatible server', () => {
  it('parses s3 URLs into a bucket and a prefix', () => {
    expect(parseS3Url('s3://my-bucket')).toEqual({ bucket: 'my-bucket', prefix: '' });
    expect(parseS3Url('s3://my-bucket/a/b/')).toEqual({ bucket: 'my-bucket', prefix: 'a/b/' });
    expect(() => parseS3Url('http://x')).toThrow(/expected s3:\/\/bucket\/prefix/);
  });

  it('puts and gets text under its prefix', async () => {
    await storage.put('reports/x/report.json', '{"ok":true}', { contentType: 'application/json' });
    expect(await storage.getText('reports/x/report.json')).toBe('{"ok":true}');
    expect(await storage.list('reports/')).toEqual(['reports/x/report.json']);
  });

  it('streams a multipart upload byte for byte, with progress', async () => {
    const payload = randomBytes(20 * 1024 * 1024 + 123);
    const chunks = Array.from({ length: Math.ceil(payload.length / 65536) }, (_, i) =>
      payload.subarray(i * 65536, (i + 1) * 65536),
    );
    let progress = 0;
    await storage.put('curated/big.bin', Readable.from(chunks), { onProgress: (bytes) => (progress = bytes) });
    const back = await buffer(await storage.get('curated/big.bin'));
    expect(back.equals(payload)).toBe(true);
    expect(progress).toBe(payload.length);
  });

  it('reports a missing object as NotFoundError and undefined text', async () => {
    await expect(storage.get('nope')).rejects.toBeInstanceOf(NotFoundError);
    expect(await storage.getText('nope')).toBeUndefined();
  });

  it('lists past one page and deletes whole prefixes', async () => {
    for (let i = 0; i < 1005; i++) await storage.put(`many/${String(i).padStart(4, '0')}.txt`, String(i));
    const keys = await storage.list('many/');
    expect(keys).toHaveLength(1005);
    expect(await text(await storage.get(keys[1004]!))).toBe('1004');
    await storage.deletePrefix('many/');
    expect(await storage.list('many/')).toEqual([]);
  }, 120_000);
});
