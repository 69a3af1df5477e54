// The ingest Lambda handler against a real S3-compatible server: real uploads through the SDK, the S3 event
// notifications s3rver emits for them, wrapped in an SQS batch as the queue delivers them. What the handler writes to
// stdout (Powertools' JSON log lines and EMF metric records, as CloudWatch receives them) is captured and read.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FullBatchFailureError } from '@aws-lambda-powertools/batch';
import { GetObjectTaggingCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Context, S3Event, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateWave } from '../../core/generate/index.ts';
import { ingestWave } from '../../core/ingest/ingest.ts';
import { readWavePointer } from '../../core/lake.ts';
import { DynamoLakeLocks } from '../../core/lock/dynamodb-lock.ts';
import { LocalStorage } from '../../core/storage/local-storage.ts';
import type { Storage } from '../../core/storage/storage.ts';
import { createIngestHandler, type IngestDeps } from '../../functions/ingest.ts';
import { lakeStorage, tagObject } from '../../functions/lib/lake.ts';
import { type LocalDynamo, startLocalDynamo } from '../helpers/dynalite.ts';
import { type LocalS3, startLocalS3 } from '../helpers/s3rver.ts';

// As the CDK sets them for the deployed function; read by Powertools when the handler module is loaded.
vi.hoisted(() => {
  process.env.POWERTOOLS_SERVICE_NAME = 'ingest';
  process.env.POWERTOOLS_METRICS_NAMESPACE = 'survey/test';
});

const ORG_KEY = 'ingest-handler-test-key';
const BUCKETS = { RAW_BUCKET: 'raw', CURATED_BUCKET: 'curated', REPORTS_BUCKET: 'reports' };
const REJECTED_ROWS_TAG = 'retention=rejected-rows';

let s3: LocalS3;
let dynamo: LocalDynamo;
let lake: Storage;
let work: string;
const events: S3Event[] = [];

beforeAll(async () => {
  s3 = await startLocalS3(Object.values(BUCKETS));
  dynamo = await startLocalDynamo();
  s3.server.on('event', (event: S3Event) => events.push(event));
  lake = lakeStorage(s3.client, BUCKETS);
  work = await mkdtemp(join(tmpdir(), 'ingest-handler-'));
});
afterAll(async () => {
  await s3.close();
  await dynamo.close();
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

/** A Lambda context as the runtime passes it. */
function lambdaContext(requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'SurveyPipeline-test-IngestFunction',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-2:123456789012:function:SurveyPipeline-test-IngestFunction',
    memoryLimitInMB: '2048',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/ingest',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => 240_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The handler's dependencies as the deployed function builds them, on s3rver. */
function deps(overrides: Partial<IngestDeps> = {}): IngestDeps {
  return {
    storage: lake,
    orgKey: async () => ORG_KEY,
    locks: new DynamoLakeLocks(dynamo.client, dynamo.table),
    expireRejectedRows: (key) => tagObject(s3.client, 'reports', key, REJECTED_ROWS_TAG),
    ...overrides,
  };
}

type Line = Record<string, unknown> & {
  _aws?: {
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
};

/**
 * Invokes a handler as Lambda would and returns its answer (or the error it failed with) and every JSON line it wrote
 * to stdout and stderr: Powertools' log lines and EMF metric records.
 */
async function invoke(
  handler: ReturnType<typeof createIngestHandler>,
  records: SQSRecord[],
  requestId = `req-${records.map((r) => r.messageId).join('+')}`,
): Promise<{ response?: SQSBatchResponse; error?: unknown; lines: Line[]; plain: string[] }> {
  const written: string[] = [];
  // Lambda sends both streams to the function's log group: Powertools writes warnings and errors to stderr.
  const spies = [process.stdout, process.stderr].map((stream) =>
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }),
  );
  try {
    const response = await handler({ Records: records } satisfies SQSEvent, lambdaContext(requestId));
    return { response, ...parse() };
  } catch (error) {
    return { error, ...parse() };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  function parse() {
    const all = written.join('').split('\n').filter(Boolean);
    const lines = all.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Line);
    return { lines, plain: all.filter((line) => !line.startsWith('{')) };
  }
}

const logLines = (lines: Line[], message: string) => lines.filter((line) => line.message === message);
const emf = (lines: Line[]) => lines.filter((line) => line._aws !== undefined);

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

async function generated(wave: number, seed: number, survey = 'uk-se'): Promise<Buffer> {
  const path = join(work, `${survey}-${wave}.csv`);
  await generateWave({ survey, wave, rows: 400, seed, orgKey: ORG_KEY }, path);
  return readFile(path);
}

const frenchWave = () => generated(2023, 14, 'fr-ess');

describe('the ingest handler on an SQS batch of real S3 events', () => {
  it('ingests an uploaded wave into the curated and reports buckets, row for row as a local ingest', async () => {
    const key = 'raw/survey=uk-se/wave=2023/uk-se-2023.csv';
    const csv = await generated(2023, 11);
    const event = await upload(key, csv);
    expect(event.Records[0]?.eventName).toBe('ObjectCreated:Put');

    const handler = createIngestHandler(() => deps());
    const { response, lines, plain } = await invoke(handler, [message('m-2023', event)], 'req-2023');
    expect(response?.batchItemFailures).toEqual([]);
    expect(plain).toEqual([]);

    const pointer = await readWavePointer(lake, 'uk-se', 2023);
    expect(pointer?.files).toHaveLength(1);
    const curated = await keysOf('curated');
    expect(curated).toEqual([...(pointer?.files ?? []), 'curated/survey=uk-se/wave=2023/_current.json'].sort());
    // The version's report and rejected rows, named by the pointer, and the attempt in the ledger.
    const reportKeys = await keysOf('reports');
    expect(reportKeys.filter((k) => !k.includes('/attempts/'))).toEqual(
      [pointer!.page!, pointer!.rejected, pointer!.report].sort(),
    );
    // The cloud ingest also writes the report as one page, beside report.json.
    const page = (await lake.getText(pointer!.page!))!;
    expect(page).toMatch(/^<!doctype html>/i);
    expect(reportKeys.filter((k) => k.includes('/attempts/'))).toHaveLength(1);

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
    const localPointer = localResult.pointer!;
    const localReport = localResult.report!;
    const localParquet = local.localPath(localPointer.files[0]!)!;

    const cloudRows = await readParquet(await download(pointer!.files[0]!));
    const localRows = await readParquet(localParquet);
    expect(cloudRows.length).toBe(localReport.stats.valid);
    expect(cloudRows.length).toBeGreaterThan(300);
    expect(withoutIngestedAt(cloudRows)).toEqual(withoutIngestedAt(localRows));
    expect(new Set(cloudRows.map((row) => row.source_file))).toEqual(new Set([key]));

    const cloudReport = JSON.parse((await lake.getText(pointer!.report))!);
    expect(cloudReport.source).toEqual(localReport.source);
    expect({ ...cloudReport.stats, seconds: 0 }).toEqual({ ...localReport.stats, seconds: 0 });
    expect(cloudReport.errors).toEqual(localReport.errors);
    // The page shows the report's own counts.
    expect(page).toContain(localReport.stats.rows.toLocaleString('en-GB'));
    expect(await lake.getText(pointer!.rejected)).toBe(await local.getText(localPointer.rejected));

    // One Powertools log line says what was ingested, with the request id, the S3 key, the survey and the wave.
    const [logged, ...more] = logLines(lines, 'ingested');
    expect(more).toEqual([]);
    expect(logged).toMatchObject({
      level: 'INFO',
      service: 'ingest',
      function_request_id: 'req-2023',
      cold_start: expect.any(Boolean),
      s3Key: key,
      survey: 'uk-se',
      wave: 2023,
      messageId: 'm-2023',
      stats: cloudReport.stats,
    });

    // One EMF record carries the report's counts and time, per survey, in the stage's namespace.
    const [record, ...others] = emf(lines);
    expect(others).toEqual([]);
    expect(record?._aws?.CloudWatchMetrics).toEqual([
      expect.objectContaining({ Namespace: 'survey/test', Dimensions: [['service', 'survey']] }),
    ]);
    const { rows, valid, rejected, blank, seconds } = cloudReport.stats;
    expect(record).toMatchObject({ service: 'ingest', survey: 'uk-se', wave: '2023', s3Key: key });
    expect(record).toMatchObject({ ingested: 1, rows, valid, rejected, blank, seconds });
    expect(rows).toBe(valid + rejected + blank);
    expect(rejected).toBeGreaterThan(0);
    const units = Object.fromEntries(
      (record?._aws?.CloudWatchMetrics[0]?.Metrics ?? []).map((metric) => [metric.Name, metric.Unit]),
    );
    expect(units).toEqual({
      ingested: 'Count',
      rows: 'Count',
      valid: 'Count',
      rejected: 'Count',
      blank: 'Count',
      seconds: 'Seconds',
    });

    // The rejected rows (personal data) carry the tag the reports bucket expires them by; the report does not.
    const tags = async (key: string) =>
      (await s3.client.send(new GetObjectTaggingCommand({ Bucket: 'reports', Key: key }))).TagSet;
    expect(await tags(pointer!.rejected)).toEqual([{ Key: 'retention', Value: 'rejected-rows' }]);
    expect(await tags(pointer!.report)).toEqual([]);
  }, 60_000);

  it('changes nothing when the queue delivers the same notification again', async () => {
    const key = 'raw/survey=uk-se/wave=2023/uk-se-2023.csv';
    const event = events.find((e) => e.Records[0]?.s3.object.key === key);
    const before = await readWavePointer(lake, 'uk-se', 2023);
    const curated = await keysOf('curated');
    // A second delivery is known by the object's ETag: the file is not even read again.
    const unread: Storage = Object.assign(Object.create(lake) as Storage, {
      get: (k: string) => (k === key ? Promise.reject(new Error('test: the file was read again')) : lake.get(k)),
    });
    const handler = createIngestHandler(() => deps({ storage: unread }));
    const { response, lines } = await invoke(handler, [message('m-2023-again', event!)]);
    expect(response?.batchItemFailures).toEqual([]);
    expect(await readWavePointer(lake, 'uk-se', 2023)).toEqual(before);
    expect(await keysOf('curated')).toEqual(curated);
    expect(logLines(lines, 'unchanged')).toHaveLength(1);
    expect(emf(lines)).toEqual([expect.objectContaining({ survey: 'uk-se', unchanged: 1 })]);
    expect(emf(lines)[0]).not.toHaveProperty('rows');
  }, 60_000);

  it('tags the rejected rows on the retry when tagging failed after the commit', async () => {
    const key = 'raw/survey=uk-se/wave=2019/uk-se-2019.csv';
    const uploaded = await upload(key, await generated(2019, 14));
    let tagFails = true;
    const handler = createIngestHandler(() =>
      deps({
        expireRejectedRows: async (rejected) => {
          if (tagFails) throw new Error('test: PutObjectTagging failed');
          await tagObject(s3.client, 'reports', rejected, REJECTED_ROWS_TAG);
        },
      }),
    );
    const first = await invoke(handler, [message('m-2019', uploaded)]);
    expect(first.error).toBeInstanceOf(FullBatchFailureError);
    const pointer = await readWavePointer(lake, 'uk-se', 2019);
    expect(pointer?.sourceFile).toBe(key);
    const tags = async () =>
      (await s3.client.send(new GetObjectTaggingCommand({ Bucket: 'reports', Key: pointer!.rejected }))).TagSet;
    expect(await tags()).toEqual([]);
    tagFails = false;
    const retry = await invoke(handler, [message('m-2019', uploaded)]);
    expect(retry.response?.batchItemFailures).toEqual([]);
    expect(logLines(retry.lines, 'unchanged')).toHaveLength(1);
    expect(await readWavePointer(lake, 'uk-se', 2019)).toEqual(pointer);
    expect(await tags()).toEqual([{ Key: 'retention', Value: 'rejected-rows' }]);
  }, 60_000);

  it('does not retry a refused file, logs why and counts it as refused, and still ingests the good one', async () => {
    const good = await upload('raw/survey=uk-se/wave=2022/uk-se-2022.csv', await generated(2022, 12));
    const outside = await upload('raw/misc/notes.csv', Buffer.from('a,b\r\n1,2\r\n'));
    const binary = await upload('raw/survey=uk-se/wave=2021/photo.csv', randomBytes(4096));
    const missingColumns = await upload(
      'raw/survey=fr-ess/wave=2021/missing-columns.csv',
      Buffer.from('Respondent ID,Organisation name\r\n1,Acme\r\n'),
    );

    const handler = createIngestHandler(() => deps());
    const { response, lines } = await invoke(handler, [
      message('m-outside', outside),
      message('m-good', good),
      message('m-binary', binary),
      message('m-missing', missingColumns),
    ]);

    expect(response?.batchItemFailures).toEqual([]);
    expect((await readWavePointer(lake, 'uk-se', 2022))?.sourceFile).toBe('raw/survey=uk-se/wave=2022/uk-se-2022.csv');
    expect(await readWavePointer(lake, 'uk-se', 2021)).toBeUndefined();
    expect((await keysOf('curated')).filter((key) => key.includes('wave=2021'))).toEqual([]);

    const refusals = logLines(lines, 'refused; the message will not be retried');
    expect(refusals.map((line) => [line.level, line.messageId, line.s3Key])).toEqual([
      ['WARN', 'm-outside', undefined],
      ['WARN', 'm-binary', 'raw/survey=uk-se/wave=2021/photo.csv'],
      ['WARN', 'm-missing', 'raw/survey=fr-ess/wave=2021/missing-columns.csv'],
    ]);
    expect(refusals[0]?.reason).toMatch(/^ingest: raw object key must be raw\/survey=<id>\/wave=<year>\/<file>/);
    expect(refusals[1]?.reason).toMatch(/^ingest: /);
    expect(refusals[2]?.reason).toMatch(/^ingest: required column ".*" is missing/);
    expect(emf(lines).map((record) => [record.survey, record.refused ?? record.ingested])).toEqual([
      ['unknown', 1],
      ['uk-se', 1],
      ['uk-se', 1],
      ['fr-ess', 1],
    ]);
    expect(emf(lines)[1]).toHaveProperty('rows');
    // Each refused upload of a wave left a report saying why, beside the wave's reports.
    const refused = (await keysOf('reports')).filter((k) => k.includes('/refused/'));
    expect(refused.filter((k) => k.startsWith('reports/survey=uk-se/wave=2021/refused/'))).toHaveLength(1);
    expect(refused.filter((k) => k.startsWith('reports/survey=fr-ess/wave=2021/refused/'))).toHaveLength(1);
    const why = JSON.parse((await lake.getText(refused.find((k) => k.includes('fr-ess'))!))!);
    expect(why).toMatchObject({ refused: true, file: 'raw/survey=fr-ess/wave=2021/missing-columns.csv' });
    expect(why.reason).toMatch(/^ingest: required column ".*" is missing/);
  }, 60_000);

  it('retries only the message whose ingest failed transiently, and logs it with its S3 key', async () => {
    const good = await upload('raw/survey=fr-ess/wave=2023/fr-ess-2023.csv', await frenchWave());
    const unlucky = await upload('raw/survey=uk-se/wave=2020/uk-se-2020.csv', await generated(2020, 13));
    // S3 answers 503 SlowDown for one object: the kind of failure a retry fixes.
    const flaky: Storage = Object.assign(Object.create(lake) as Storage, {
      get: (key: string) =>
        key.includes('wave=2020')
          ? Promise.reject(new Error('SlowDown: Please reduce your request rate'))
          : lake.get(key),
    });
    const handler = createIngestHandler(() => deps({ storage: flaky }));

    const { response, lines } = await invoke(handler, [message('m-fr', good), message('m-2020', unlucky)]);
    expect(response?.batchItemFailures).toEqual([{ itemIdentifier: 'm-2020' }]);
    expect((await readWavePointer(lake, 'fr-ess', 2023))?.sourceFile).toBe(
      'raw/survey=fr-ess/wave=2023/fr-ess-2023.csv',
    );
    const [failed] = logLines(lines, 'ingest failed; the message will be retried');
    expect(failed).toMatchObject({
      level: 'ERROR',
      s3Key: 'raw/survey=uk-se/wave=2020/uk-se-2020.csv',
      survey: 'uk-se',
      wave: 2020,
      messageId: 'm-2020',
      error: expect.objectContaining({ message: 'SlowDown: Please reduce your request rate' }),
    });
    expect(emf(lines).map((record) => [record.survey, record.failed ?? record.ingested])).toEqual([
      ['fr-ess', 1],
      ['uk-se', 1],
    ]);
    expect(await readWavePointer(lake, 'uk-se', 2020)).toBeUndefined();

    // A batch whose every message failed fails the invocation, so Lambda's error metric (and its alarm) sees it.
    const alone = await invoke(handler, [message('m-2020-again', unlucky)]);
    expect(alone.error).toBeInstanceOf(FullBatchFailureError);
  }, 60_000);
});
