// The ingest Lambda handler against a real S3-compatible server: real uploads through the SDK, the S3 event
// notifications s3rver emits for them, wrapped in an SQS batch as the queue delivers them.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import type { S3Event, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWave } from '../../core/generate/index.ts';
import { ingestWave } from '../../core/ingest/ingest.ts';
import { readWavePointer } from '../../core/lake.ts';
import { LocalStorage } from '../../core/storage/local-storage.ts';
import type { Storage } from '../../core/storage/storage.ts';
import { createIngestHandler } from '../../functions/ingest.ts';
import { lakeStorage } from '../../functions/lib/lake.ts';
import { type LocalS3, startLocalS3 } from '../helpers/s3rver.ts';

const ORG_KEY = 'ingest-handler-test-key';
const BUCKETS = { RAW_BUCKET: 'raw', CURATED_BUCKET: 'curated', REPORTS_BUCKET: 'reports' };

let s3: LocalS3;
let lake: Storage;
let work: string;
const events: S3Event[] = [];

beforeAll(async () => {
  s3 = await startLocalS3(Object.values(BUCKETS));
  s3.server.on('event', (event: S3Event) => events.push(event));
  lake = lakeStorage(s3.client, BUCKETS);
  work = await mkdtemp(join(tmpdir(), 'ingest-handler-'));
});
afterAll(async () => {
  await s3.close();
  await rm(work, { recursive: true, force: true });
});

/** Uploads a file to the raw bucket with the SDK and returns the S3 event notification s3rver emitted for it. */
async function upload(key: string, body: Buffer): Promise<S3Event> {
  const before = events.length;
  await s3.client.send(new PutObjectCommand({ Bucket: 'raw', Key: key, Body: body, ContentType: 'text/csv' }));
  for (let i = 0; i < 100 && !events.slice(before).some((e) => e.Records[0]?.s3.object.key === key); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const event = events.slice(before).find((e) => e.Records[0]?.s3.object.key === key);
  if (!event) throw new Error(`test: s3rver emitted no event for ${key}`);
  return event;
}

/** An SQS message as the ingest queue delivers it: the S3 notification is the body. */
function message(messageId: string, event: S3Event): SQSRecord {
  return {
    messageId,
    receiptHandle: `${messageId}-receipt`,
    body: JSON.stringify(event),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDAS3EVENTS',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-2:123456789012:ingest',
    awsRegion: 'eu-west-2',
  };
}

async function keysOf(bucket: string): Promise<string[]> {
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (listed.Contents ?? []).map((object) => object.Key ?? '').sort();
}

/** Every row of a Parquet file, read by DuckDB, in file order. */
async function readParquet(path: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(
      `select * from read_parquet('${path.replaceAll("'", "''")}', hive_partitioning = false)`,
    );
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Downloads an object of the lake to a local file. */
async function download(key: string): Promise<string> {
  const path = join(work, key.replaceAll('/', '_'));
  await pipeline(await lake.get(key), createWriteStream(path));
  return path;
}

const withoutIngestedAt = (rows: Record<string, unknown>[]) => rows.map(({ ingested_at: _, ...rest }) => rest);

async function generated(wave: number, seed: number): Promise<Buffer> {
  const path = join(work, `uk-se-${wave}.csv`);
  await generateWave({ survey: 'uk-se', wave, rows: 400, seed, orgKey: ORG_KEY }, path);
  return readFile(path);
}

describe('the ingest handler on an SQS batch of real S3 events', () => {
  it('ingests an uploaded wave into the curated and reports buckets, row for row as a local ingest', async () => {
    const key = 'raw/survey=uk-se/wave=2023/uk-se-2023.csv';
    const csv = await generated(2023, 11);
    const event = await upload(key, csv);
    expect(event.Records[0]?.eventName).toBe('ObjectCreated:Put');

    const handler = createIngestHandler({ storage: lake, orgKey: ORG_KEY });
    const response = await handler({ Records: [message('m-2023', event)] } satisfies SQSEvent);
    expect(response.batchItemFailures).toEqual([]);

    const pointer = await readWavePointer(lake, 'uk-se', 2023);
    expect(pointer?.files).toHaveLength(1);
    const curated = await keysOf('curated');
    expect(curated).toEqual([...(pointer?.files ?? []), 'curated/survey=uk-se/wave=2023/_current.json'].sort());
    expect(await keysOf('reports')).toEqual([
      'reports/survey=uk-se/wave=2023/rejected.csv',
      'reports/survey=uk-se/wave=2023/report.json',
    ]);

    // The same file through the same core on the local filesystem.
    const localDir = join(work, 'local-lake');
    const csvPath = join(work, 'local.csv');
    await writeFile(csvPath, csv);
    const local = new LocalStorage(localDir);
    const localResult = await ingestWave({
      storage: local,
      input: createReadStream(csvPath),
      survey: 'uk-se',
      wave: 2023,
      sourceFile: key,
      orgKey: ORG_KEY,
      now: new Date('2024-01-15T12:00:00Z'),
    });
    const localParquet = local.localPath(localResult.pointer.files[0]!)!;

    const cloudRows = await readParquet(await download(pointer!.files[0]!));
    const localRows = await readParquet(localParquet);
    expect(cloudRows.length).toBe(localResult.report.stats.valid);
    expect(cloudRows.length).toBeGreaterThan(300);
    expect(withoutIngestedAt(cloudRows)).toEqual(withoutIngestedAt(localRows));
    expect(new Set(cloudRows.map((row) => row.source_file))).toEqual(new Set([key]));

    const cloudReport = JSON.parse((await lake.getText('reports/survey=uk-se/wave=2023/report.json'))!);
    expect(cloudReport.source).toEqual(localResult.report.source);
    expect({ ...cloudReport.stats, seconds: 0 }).toEqual({ ...localResult.report.stats, seconds: 0 });
    expect(cloudReport.errors).toEqual(localResult.report.errors);
    expect(await lake.getText('reports/survey=uk-se/wave=2023/rejected.csv')).toBe(
      await local.getText('reports/survey=uk-se/wave=2023/rejected.csv'),
    );
  }, 60_000);

  it('changes nothing when the queue delivers the same notification again', async () => {
    const key = 'raw/survey=uk-se/wave=2023/uk-se-2023.csv';
    const event = events.find((e) => e.Records[0]?.s3.object.key === key);
    const before = await readWavePointer(lake, 'uk-se', 2023);
    const curated = await keysOf('curated');
    const handler = createIngestHandler({ storage: lake, orgKey: ORG_KEY });
    const response = await handler({ Records: [message('m-2023-again', event!)] });
    expect(response.batchItemFailures).toEqual([]);
    expect(await readWavePointer(lake, 'uk-se', 2023)).toEqual(before);
    expect(await keysOf('curated')).toEqual(curated);
  }, 60_000);

  it('reports exactly the bad messages of a batch as failures and still ingests the good one', async () => {
    const good = await upload('raw/survey=uk-se/wave=2022/uk-se-2022.csv', await generated(2022, 12));
    const outside = await upload('raw/misc/notes.csv', Buffer.from('a,b\r\n1,2\r\n'));
    const binary = await upload('raw/survey=uk-se/wave=2021/photo.csv', randomBytes(4096));

    const handler = createIngestHandler({ storage: lake, orgKey: ORG_KEY });
    const response = await handler({
      Records: [message('m-outside', outside), message('m-good', good), message('m-binary', binary)],
    });

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-outside' }, { itemIdentifier: 'm-binary' }]);
    expect((await readWavePointer(lake, 'uk-se', 2022))?.sourceFile).toBe('raw/survey=uk-se/wave=2022/uk-se-2022.csv');
    expect(await readWavePointer(lake, 'uk-se', 2021)).toBeUndefined();
    expect((await keysOf('curated')).filter((key) => key.includes('wave=2021'))).toEqual([]);
    expect((await keysOf('reports')).filter((key) => key.includes('wave=2021'))).toEqual([]);
  }, 60_000);
});
