// Two ingests of one wave at once (DESIGN.md "One ingest, one commit"): they end as if run one after the other,
// or the later one fails cleanly, writing nothing but its attempt record. On the local lake (lock file) and on a
// real S3-compatible server (s3rver) with the locks in a real DynamoDB implementation (dynalite) and a catalog
// whose switch takes its time. Also a duplicate delivery of one upload, and files refused as a whole.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWave } from '../../core/generate/index.ts';
import { listAttempts } from '../../core/ingest/attempts.ts';
import { type IngestOutcome, ingestWave } from '../../core/ingest/ingest.ts';
import { readWavePointer } from '../../core/lake.ts';
import { DynamoLakeLocks } from '../../core/lock/dynamodb-lock.ts';
import { type LakeLocks, LockLostError, WaveBusyError } from '../../core/lock/lake-locks.ts';
import { LocalLakeLocks } from '../../core/lock/local-lock.ts';
import { LocalStorage } from '../../core/storage/local-storage.ts';
import { S3Storage } from '../../core/storage/s3-storage.ts';
import type { Storage } from '../../core/storage/storage.ts';
import { type LocalDynamo, startLocalDynamo } from '../helpers/dynalite.ts';
import { FaultyStorage, strikes } from '../helpers/faulty-storage.ts';
import { expectSettledWave, versionFolders } from '../helpers/lake-invariants.ts';
import { RecordingCatalog } from '../helpers/recording-catalog.ts';
import { type LocalS3, startLocalS3 } from '../helpers/s3rver.ts';

const ORG_KEY = 'ingest-race-test-key';
const SURVEY = 'uk-se';
const WAVE = 2023;

let dir: string;
let s3: LocalS3;
let dynamo: LocalDynamo;
const files: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };
const sha: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ingest-race-'));
  [s3, dynamo] = await Promise.all([startLocalS3(['lake']), startLocalDynamo('ingest-locks')]);
  for (const [name, seed] of [
    ['a', 11],
    ['b', 12],
    ['c', 13],
  ] as const) {
    files[name] = join(dir, `${name}.csv`);
    await generateWave({ survey: SURVEY, wave: WAVE, rows: 60, seed, orgKey: ORG_KEY }, files[name]);
    sha[name] = createHash('sha256')
      .update(await readFile(files[name]))
      .digest('hex');
  }
});
afterAll(async () => {
  await Promise.allSettled([s3?.close(), dynamo?.close()]);
  await rm(dir, { recursive: true, force: true });
});

/** A lake of its own: a local directory with its lock files, or a prefix of the bucket with a lock table. */
interface Lake {
  readonly storage: Storage;
  readonly locks: LakeLocks;
  /** Every key in the lake. */
  keys(): Promise<string[]>;
}

let lakes = 0;
function localLake(): Lake {
  const root = join(dir, `lake-${++lakes}`);
  const storage = new LocalStorage(root);
  return { storage, locks: new LocalLakeLocks(root), keys: () => storage.list('') };
}

async function s3Lake(leaseSeconds = 30): Promise<Lake & { table: string }> {
  const n = ++lakes;
  const storage = new S3Storage(s3.client, 'lake', `lake-${n}/`);
  const table = await dynamo.createTable(`locks-${n}`);
  return {
    storage,
    table,
    locks: new DynamoLakeLocks(dynamo.client, table, { leaseSeconds }),
    keys: () => storage.list(''),
  };
}

interface Run {
  storage?: Storage;
  locks?: LakeLocks;
  catalog?: RecordingCatalog;
  sourceFile?: string;
  sourceTag?: string;
  input?: () => Promise<Readable>;
  survey?: string;
}

function ingest(lake: Lake, file: string, run: Run = {}): Promise<IngestOutcome> {
  return ingestWave({
    storage: run.storage ?? lake.storage,
    input: run.input ?? (async () => createReadStream(file)),
    survey: run.survey ?? SURVEY,
    wave: WAVE,
    sourceFile: run.sourceFile ?? basename(file),
    orgKey: ORG_KEY,
    locks: run.locks ?? lake.locks,
    tempDir: dir,
    ...(run.catalog ? { catalog: run.catalog } : {}),
    ...(run.sourceTag ? { sourceTag: run.sourceTag } : {}),
  });
}

const newKeys = (before: string[], after: string[]) => after.filter((key) => !before.includes(key));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The race of the issue: the first ingest is paused right after its Parquet is written, a second one runs, the
 * first goes on; then the second is tried again. Returns the catalog for further checks.
 */
async function pausedFirstThenSecond(lake: Lake, catalog: RecordingCatalog) {
  expect((await ingest(lake, files.a, { catalog })).outcome).toBe('committed');
  const storage = new FaultyStorage(lake.storage, { at: (step) => step.kind === 'parquet', fault: 'pause-after' });
  const first = ingest(lake, files.b, { storage, catalog });
  await strikes(storage.reached, first);

  const before = await lake.keys();
  const second = await ingest(lake, files.c, { catalog }).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(second).toBeInstanceOf(WaveBusyError);
  expect((second as Error).message).toMatch(/another ingest of uk-se wave 2023 is running \(pid \d+ on .+, since /);
  // Nothing of the second was written but its attempt record.
  const written = newKeys(before, await lake.keys());
  expect(written).toHaveLength(1);
  expect(written[0]).toMatch(/^reports\/survey=uk-se\/wave=2023\/attempts\/[^/]+\.json$/);

  storage.resume();
  const firstOutcome = await first;
  expect(firstOutcome.outcome).toBe('committed');
  const afterFirst = await expectSettledWave(lake.storage, SURVEY, WAVE, catalog);
  expect(afterFirst.pointer.sourceSha256).toBe(sha.b);

  const retried = await ingest(lake, files.c, { catalog });
  expect(retried.outcome).toBe('committed');
  const { pointer } = await expectSettledWave(lake.storage, SURVEY, WAVE, catalog);
  expect(pointer.sourceSha256).toBe(sha.c);
  expect(pointer.replaced).toBe(firstOutcome.pointer?.version);
  expect((await listAttempts(lake.storage, SURVEY)).map((attempt) => attempt.outcome)).toEqual([
    'committed',
    'failed',
    'committed',
    'committed',
  ]);
  expect((await listAttempts(lake.storage, SURVEY))[1]?.reason).toMatch(/another ingest of uk-se wave 2023/);
  return { pointer, first: firstOutcome, retried };
}

/** Two ingests of different files started at the same moment: one commits and the other is busy, or both serialise. */
async function startedTogether(lake: Lake, catalog?: RecordingCatalog) {
  const results = await Promise.allSettled([
    ingest(lake, files.b, catalog ? { catalog } : {}),
    ingest(lake, files.c, catalog ? { catalog } : {}),
  ]);
  const committed = results.flatMap((result, i) =>
    result.status === 'fulfilled' && result.value.outcome === 'committed' ? [{ i, outcome: result.value }] : [],
  );
  for (const result of results) {
    if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(WaveBusyError);
    else expect(result.value.outcome).toBe('committed');
  }
  expect(committed.length).toBeGreaterThanOrEqual(1);
  const { pointer } = await expectSettledWave(lake.storage, SURVEY, WAVE, catalog);
  // The live version is the last one committed.
  const last = committed.sort((x, y) => x.outcome.attempt.endedAt.localeCompare(y.outcome.attempt.endedAt)).at(-1)!;
  expect(pointer).toEqual(last.outcome.pointer);
  expect(pointer.sourceSha256).toBe(last.i === 0 ? sha.b : sha.c);
}

describe('two ingests of one wave on the local lake', () => {
  it('the second fails cleanly while the first is paused after its Parquet; the first commits; the retry commits', async () => {
    const lake = localLake();
    await pausedFirstThenSecond(lake, new RecordingCatalog());
  });

  it('started at the same moment: one commits, the other is busy (or they run one after the other)', async () => {
    await startedTogether(localLake(), new RecordingCatalog());
  });
});

describe('two ingests of one wave on S3 (s3rver), locked in DynamoDB (dynalite), with a slow catalog', () => {
  it('the second fails cleanly while the first is paused, and also while the first switches the catalog', async () => {
    const lake = await s3Lake();
    const catalog = new RecordingCatalog({ delayMs: 300 });
    const { pointer, first, retried } = await pausedFirstThenSecond(lake, catalog);
    expect(catalog.calls.map((call) => call.version)).toEqual([
      catalog.calls[0]?.version,
      first.pointer?.version,
      retried.pointer?.version,
    ]);

    // A third file while an ingest is in its catalog switch: the lock covers the switch too. (The switch is
    // caught by a pause rather than by polling the pointer: s3rver, unlike S3, writes objects in place, so a
    // read racing a put can see a torn object.)
    const switching = catalog.inject('pause');
    const running = ingest(lake, files.a, { catalog });
    await strikes(switching, running);
    expect((await readWavePointer(lake.storage, SURVEY, WAVE))?.sourceSha256).toBe(sha.a);
    expect(catalog.version(SURVEY, WAVE)).toBe(pointer.version);
    await expect(ingest(lake, files.b, { catalog })).rejects.toBeInstanceOf(WaveBusyError);
    catalog.resume();
    const third = await running;
    expect(third.outcome).toBe('committed');

    // At every moment after both finished, the catalog names the live pointer's version.
    for (let i = 0; i < 8; i++) {
      const live = await readWavePointer(lake.storage, SURVEY, WAVE);
      expect(catalog.version(SURVEY, WAVE)).toBe(live?.version);
      await sleep(100);
    }
    await expectSettledWave(lake.storage, SURVEY, WAVE, catalog);
    expect(catalog.calls.at(-1)?.version).toBe(third.pointer?.version);
  });

  it('started at the same moment: one commits, the other is busy (or they run one after the other)', async () => {
    await startedTogether(await s3Lake(), new RecordingCatalog({ delayMs: 200 }));
  });

  it('a first ingest frozen past its lease before its report loses the lock; the second commits alone', async () => {
    const lake = await s3Lake();
    const catalog = new RecordingCatalog({ delayMs: 100 });
    expect((await ingest(lake, files.a, { catalog })).outcome).toBe('committed');
    const frozen = dynamo.connect();
    const storage = new FaultyStorage(lake.storage, { at: (step) => step.kind === 'report', fault: 'pause' });
    const first = ingest(lake, files.b, {
      storage,
      catalog,
      locks: new DynamoLakeLocks(frozen.client, lake.table, { leaseSeconds: 2 }),
    });
    await strikes(storage.reached, first);
    frozen.partitioned = true;
    await waitForExpiry(lake.table);

    const second = await ingest(lake, files.c, { catalog });
    expect(second.outcome).toBe('committed');
    frozen.partitioned = false;
    storage.resume();
    await expect(first).rejects.toBeInstanceOf(LockLostError);

    const { pointer } = await expectSettledWave(lake.storage, SURVEY, WAVE, catalog);
    expect(pointer).toEqual(second.pointer);
    expect(pointer.sourceSha256).toBe(sha.c);
    // Nothing of the first is left.
    const firstVersion = storage.steps.find((step) => step.kind === 'parquet')!.key.split('/')[3]!;
    expect(firstVersion).toMatch(/^v\d{8}T\d{6}Z-/);
    expect((await versionFolders(lake.storage, SURVEY, WAVE)).filter((f) => f.includes(firstVersion))).toEqual([]);
    const attempts = await listAttempts(lake.storage, SURVEY);
    expect(attempts.map((attempt) => attempt.outcome).sort()).toEqual(['committed', 'committed', 'failed']);
    expect(attempts.find((attempt) => attempt.outcome === 'failed')?.reason).toMatch(/expired and was taken by/);
    // The first never got to its commit or its catalog switch.
    expect(storage.steps.map((step) => step.kind)).not.toContain('pointer');
    expect(catalog.calls.map((call) => call.version)).not.toContain(firstVersion);
    expect(catalog.calls.at(-1)?.version).toBe(second.pointer?.version);
  });

  // Not tested: a freeze between the lease check and the pointer put; s3rver ignores If-Match, so nothing fences it.
});

/** Waits until the wave's lock item has expired (its holder stopped renewing it). */
async function waitForExpiry(table: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const { Item } = await dynamo.client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: `lock#${SURVEY}#${WAVE}` } }, ConsistentRead: true }),
    );
    if (Number(Item?.expiresAt?.N ?? 0) < Math.floor(Date.now() / 1000)) return;
    await sleep(100);
  }
  throw new Error('test: the lock never expired');
}

describe('a duplicate delivery of one upload (S3 → SQS is at least once)', () => {
  it('is unchanged without opening the file, and a re-upload of the same bytes is read and found unchanged', async () => {
    const lake = await s3Lake();
    const catalog = new RecordingCatalog();
    const key = 'raw/survey=uk-se/wave=2023/c.csv';
    const first = await ingest(lake, files.c, { catalog, sourceFile: key, sourceTag: '"etag-1"' });
    expect(first.outcome).toBe('committed');
    expect(first.pointer?.sourceTag).toBe('"etag-1"');

    let opened = 0;
    const refuseToOpen = async (): Promise<Readable> => {
      opened++;
      throw new Error('test: a duplicate delivery must not open the file');
    };
    const duplicate = await ingest(lake, files.c, {
      catalog,
      sourceFile: key,
      sourceTag: '"etag-1"',
      input: refuseToOpen,
    });
    expect(duplicate.outcome).toBe('unchanged');
    expect(opened).toBe(0);
    expect(duplicate.pointer).toEqual(first.pointer);
    expect(duplicate.report?.source.sha256).toBe(sha.c);

    // Another upload (another ETag) of the same key is opened, read, and found to be the same bytes.
    const counting = async () => {
      opened++;
      return createReadStream(files.c);
    };
    const reupload = await ingest(lake, files.c, { catalog, sourceFile: key, sourceTag: '"etag-2"', input: counting });
    expect(reupload.outcome).toBe('unchanged');
    expect(opened).toBe(1);
    // The same ETag under another key is another upload too: it is opened.
    const other = await ingest(lake, files.c, {
      catalog,
      sourceFile: 'raw/survey=uk-se/wave=2023/copy.csv',
      sourceTag: '"etag-1"',
      input: counting,
    });
    expect(other.outcome).toBe('unchanged');
    expect(opened).toBe(2);

    await expectSettledWave(lake.storage, SURVEY, WAVE, catalog);
    expect((await listAttempts(lake.storage, SURVEY)).map((attempt) => attempt.outcome)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
      'committed',
    ]);
  });

  it('delivered again while the first delivery runs: busy, then unchanged without opening the file', async () => {
    const lake = await s3Lake();
    const catalog = new RecordingCatalog();
    const key = 'raw/survey=uk-se/wave=2023/b.csv';
    const storage = new FaultyStorage(lake.storage, { at: (step) => step.kind === 'report', fault: 'pause' });
    const first = ingest(lake, files.b, { storage, catalog, sourceFile: key, sourceTag: '"etag-b"' });
    await strikes(storage.reached, first);
    const refuseToOpen = async (): Promise<Readable> => {
      throw new Error('test: a duplicate delivery must not open the file');
    };
    const again = { catalog, sourceFile: key, sourceTag: '"etag-b"', input: refuseToOpen };
    await expect(ingest(lake, files.b, again)).rejects.toBeInstanceOf(WaveBusyError);
    storage.resume();
    expect((await first).outcome).toBe('committed');
    expect((await ingest(lake, files.b, again)).outcome).toBe('unchanged');
    const { pointer } = await expectSettledWave(lake.storage, SURVEY, WAVE, catalog);
    expect(pointer.sourceSha256).toBe(sha.b);
  });
});

describe('a file refused as a whole', () => {
  const NO_SECTOR = 'Respondent ID,Organisation name,Legal form,Spun out of the public sector?\n1,Acme,CIC,no\n';

  async function refusedOn(
    lake: Lake,
    survey: string,
    content: string,
    reason: RegExp,
    folder: string,
  ): Promise<IngestOutcome> {
    const file = join(dir, `refused-${++lakes}.csv`);
    await writeFile(file, content);
    const catalog = new RecordingCatalog();
    const before = await readWavePointer(lake.storage, SURVEY, WAVE);
    const beforeFolders = await versionFolders(lake.storage, SURVEY, WAVE);
    const outcome = await ingest(lake, file, { survey, catalog });
    expect(outcome.outcome).toBe('refused');
    expect(outcome.refusal?.reason).toMatch(reason);
    expect(outcome.refusal?.reason).not.toContain('\n');
    // A report says why, under reports/…/refused/.
    expect(outcome.refusal?.report).toMatch(new RegExp(`^reports/survey=${folder}/wave=2023/refused/[^/]+\\.json$`));
    const report = JSON.parse((await lake.storage.getText(outcome.refusal!.report))!);
    expect(report).toMatchObject({ refused: true, reason: outcome.refusal?.reason, file: basename(file) });
    // The live wave is untouched and the catalog was not called.
    expect(await readWavePointer(lake.storage, SURVEY, WAVE)).toEqual(before);
    expect(await versionFolders(lake.storage, SURVEY, WAVE)).toEqual(beforeFolders);
    expect(catalog.calls).toEqual([]);
    // The attempt is recorded.
    const attempt = (await listAttempts(lake.storage)).find((each) => each.attempt === outcome.attempt.attempt);
    expect(attempt).toMatchObject({ outcome: 'refused', reason: outcome.refusal?.reason, file: basename(file) });
    expect(attempt?.refusedReport).toBe(outcome.refusal?.report);
    return outcome;
  }

  it('a missing required column: refused with a report saying why; the live wave and the lock untouched', async () => {
    const lake = localLake();
    const catalog = new RecordingCatalog();
    expect((await ingest(lake, files.a, { catalog })).outcome).toBe('committed');
    await refusedOn(lake, SURVEY, NO_SECTOR, /required column "sector" is missing/, 'uk-se');
    await expectSettledWave(lake.storage, SURVEY, WAVE, catalog);
    expect(await readdir(join(lake.storage.location, '.locks'))).toEqual([]);
    // The next good file commits.
    expect((await ingest(lake, files.b, { catalog })).outcome).toBe('committed');
  });

  it('an unknown survey: refused without opening the file, the report under that survey', async () => {
    const lake = localLake();
    expect((await ingest(lake, files.a)).outcome).toBe('committed');
    await refusedOn(lake, 'nope', NO_SECTOR, /unknown survey "nope"/, 'nope');
    let opened = false;
    const outcome = await ingest(lake, files.a, {
      survey: 'nope',
      input: async () => {
        opened = true;
        return createReadStream(files.a);
      },
    });
    expect(outcome.outcome).toBe('refused');
    expect(opened).toBe(false);
  });

  it('a survey id that is not a path: the report goes under survey=_unknown, nothing outside the lake', async () => {
    const lake = localLake();
    expect((await ingest(lake, files.a)).outcome).toBe('committed');
    await refusedOn(lake, '../../escape', NO_SECTOR, /unknown survey/, '_unknown');
    expect(existsSync(join(dir, 'escape'))).toBe(false);
    expect((await lake.keys()).every((key) => key.startsWith('curated/') || key.startsWith('reports/'))).toBe(true);
  });

  it('on S3: refused with its report in the bucket, the live wave untouched', async () => {
    const lake = await s3Lake();
    expect((await ingest(lake, files.a)).outcome).toBe('committed');
    await refusedOn(lake, SURVEY, NO_SECTOR, /required column "sector" is missing/, 'uk-se');
  });
});
