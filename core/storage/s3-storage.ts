import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { NotFoundError, type Storage, type StorageBody } from './storage.ts';

/** Where an S3 lake lives: a bucket and an optional key prefix ("surveys/"). */
export interface S3Location {
  readonly bucket: string;
  readonly prefix: string;
}

/** Parses s3://bucket/prefix into a bucket and a prefix that ends with "/" (or is empty). */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match) throw new Error(`storage: expected s3://bucket/prefix, got "${url}"`);
  const rest = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  return { bucket: match[1]!, prefix: rest ? `${rest}/` : '' };
}

/** The client settings the lake needs: no checksum trailers on streamed bodies (S3-compatible servers store them). */
export function s3ClientConfig(extra: S3ClientConfig = {}): S3ClientConfig {
  return { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED', ...extra };
}

const MULTIPART_PART_SIZE = 8 * 1024 * 1024;

/**
 * A lake in an S3 bucket. Every put is atomic per object (S3 never shows a partial object), streams go through
 * lib-storage's multipart Upload, and the wave pointer (core/lake.ts) makes a wave's replacement atomic.
 */
export class S3Storage implements Storage {
  readonly location: string;

  /** Wraps a client, bucket and prefix. */
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    readonly prefix = '',
  ) {
    this.location = `s3://${bucket}${prefix ? `/${prefix.replace(/\/$/, '')}` : ''}`;
  }

  /** Opens s3://bucket/prefix with the default credential chain (and AWS_ENDPOINT_URL_S3 when set). */
  static fromUrl(url: string, config: S3ClientConfig = {}): S3Storage {
    const { bucket, prefix } = parseS3Url(url);
    return new S3Storage(new S3Client(s3ClientConfig(config)), bucket, prefix);
  }

  private key(key: string): string {
    return `${this.prefix}${key}`;
  }

  async get(key: string): Promise<Readable> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      if (!(response.Body instanceof Readable))
        throw new Error(`storage: no body for s3://${this.bucket}/${this.key(key)}`);
      return response.Body;
    } catch (error) {
      if (isMissing(error)) throw new NotFoundError(key, { cause: error });
      throw error;
    }
  }

  async getText(key: string): Promise<string | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return await response.Body?.transformToString('utf-8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async put(
    key: string,
    body: StorageBody,
    options?: { contentType?: string; onProgress?: (bytes: number) => void },
  ): Promise<void> {
    if (typeof body === 'string' || body instanceof Uint8Array) {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key(key),
          Body: body,
          ContentType: options?.contentType,
        }),
      );
      options?.onProgress?.(typeof body === 'string' ? Buffer.byteLength(body) : body.length);
      return;
    }
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.key(key), Body: body, ContentType: options?.contentType },
      partSize: MULTIPART_PART_SIZE,
      queueSize: 4,
      leavePartsOnError: false,
    });
    if (options?.onProgress) {
      const report = options.onProgress;
      upload.on('httpUploadProgress', (progress) => {
        if (progress.loaded !== undefined) report(progress.loaded);
      });
    }
    await upload.done();
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.key(prefix), ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key) keys.push(object.Key.slice(this.prefix.length));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
  }

  async deletePrefix(prefix: string): Promise<void> {
    const keys = await this.list(prefix);
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000).map((key) => ({ Key: this.key(key) }));
      await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch, Quiet: true } }),
      );
    }
  }

  localPath(): undefined {
    return undefined;
  }
}

/** Whether an SDK error means the object does not exist. */
function isMissing(error: unknown): boolean {
  if (error instanceof NoSuchKey) return true;
  const name = (error as { name?: string }).name;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return name === 'NoSuchKey' || name === 'NotFound' || status === 404;
}
