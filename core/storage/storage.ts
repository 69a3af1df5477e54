import type { Readable } from 'node:stream';

/** Body accepted by {@link Storage.put}: a stream for large objects, bytes or text for small ones. */
export type StorageBody = Readable | Uint8Array | string;

/** Thrown by {@link Storage.get} when the key does not exist. */
export class NotFoundError extends Error {
  /** Creates the error for one missing key. */
  constructor(
    readonly key: string,
    options?: ErrorOptions,
  ) {
    super(`storage: no object at "${key}"`, options);
    this.name = 'NotFoundError';
  }
}

/**
 * The lake's one side effect: a flat key space of objects ("curated/survey=uk-se/wave=2023/v.../part-0.parquet").
 * Keys use "/" and never start with "/". Every put is atomic per object: a reader sees the old object or the
 * new one, never a partial one. Atomic replacement of a whole wave is built on that (core/lake.ts): the wave's
 * files go under a new version prefix, then one small pointer object is put.
 */
export interface Storage {
  /** Where this storage lives, for messages: an absolute directory or s3://bucket/prefix. */
  readonly location: string;
  /** Streams an object; rejects with NotFoundError when it does not exist. */
  get(key: string): Promise<Readable>;
  /** Reads a whole (small) object as UTF-8 text, or undefined when it does not exist. */
  getText(key: string): Promise<string | undefined>;
  /** Writes an object atomically (temp file + rename locally; a single or multipart upload on S3). */
  put(
    key: string,
    body: StorageBody,
    options?: { contentType?: string; onProgress?: (bytes: number) => void },
  ): Promise<void>;
  /** Lists the keys under a prefix (recursively), sorted. */
  list(prefix: string): Promise<string[]>;
  /** Deletes one object; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Deletes every object under a prefix. */
  deletePrefix(prefix: string): Promise<void>;
  /** A local file path for the key when the storage is a local directory (DuckDB reads it in place), else undefined. */
  localPath(key: string): string | undefined;
}
