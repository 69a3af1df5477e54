import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bucketName, ConfigError, parseEnv } from '../../../../functions/lib/config.ts';

const shape = { RAW_BUCKET: bucketName, MAX_UPLOAD_BYTES: z.coerce.number().int().positive() };

describe('parseEnv', () => {
  it('gives typed values from the environment', () => {
    expect(parseEnv(shape, { RAW_BUCKET: 'raw-bucket', MAX_UPLOAD_BYTES: '1000' })).toEqual({
      RAW_BUCKET: 'raw-bucket',
      MAX_UPLOAD_BYTES: 1000,
    });
  });

  it('fails fast naming a missing key', () => {
    expect(() => parseEnv(shape, { MAX_UPLOAD_BYTES: '1000' })).toThrow(
      new ConfigError('config: environment variable RAW_BUCKET is missing'),
    );
  });

  it('fails naming an invalid key and what is expected', () => {
    expect(() => parseEnv(shape, { RAW_BUCKET: 'Raw_Bucket', MAX_UPLOAD_BYTES: '1000' })).toThrow(
      /^config: environment variable RAW_BUCKET is invalid \(expected an S3 bucket name\)$/,
    );
  });
});
