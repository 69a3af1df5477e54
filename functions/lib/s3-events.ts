import type { S3Event } from 'aws-lambda';

/** A raw upload named by an S3 event: raw/survey=<id>/wave=<year>/<file>. */
export interface RawObject {
  readonly bucket: string;
  readonly key: string;
  readonly survey: string;
  readonly wave: number;
  readonly fileName: string;
  /** The object's size, as the event gives it. */
  readonly bytes?: number;
  /** The object's ETag, as the event gives it: a second delivery of the same upload is known by it. */
  readonly etag?: string;
}

/** A message that names no raw upload the pipeline can ingest: retrying it cannot help. */
export class RawKeyError extends Error {
  /** Creates a one-line error. */
  constructor(message: string) {
    super(message);
    this.name = 'RawKeyError';
  }
}

const RAW_KEY = /^raw\/survey=([a-z][a-z0-9-]*)\/wave=(\d{4})\/([^/]+)$/;

/** Reads the raw uploads named by one SQS message body holding an S3 event notification (test events: none). */
export function rawObjectsOf(body: string): RawObject[] {
  let event: Partial<S3Event> & { Event?: string };
  try {
    event = JSON.parse(body) as typeof event;
  } catch {
    throw new RawKeyError(`ingest: the message is not JSON, got ${JSON.stringify(body.slice(0, 60))}`);
  }
  if (event.Event === 's3:TestEvent') return [];
  if (!Array.isArray(event.Records)) throw new RawKeyError('ingest: the message is not an S3 event notification');
  return event.Records.filter((record) => record.eventName.startsWith('ObjectCreated')).map((record) => {
    // S3 event keys are URL-encoded with "+" for spaces.
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    const match = RAW_KEY.exec(key);
    if (!match)
      throw new RawKeyError(`ingest: raw object key must be raw/survey=<id>/wave=<year>/<file>, got "${key}"`);
    return {
      bucket: record.s3.bucket.name,
      key,
      survey: match[1]!,
      wave: Number(match[2]),
      fileName: match[3]!,
      bytes: record.s3.object.size,
      ...(record.s3.object.eTag ? { etag: record.s3.object.eTag } : {}),
    };
  });
}
