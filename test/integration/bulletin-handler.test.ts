// The export function also makes bulletins: a real S3-compatible server holds the lake and the exports bucket,
// DuckDB stands in for Athena (the handler takes any QueryEngine), and the link it returns is fetched.
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../core/engine/duckdb-engine.ts';
import { prepareRelease } from '../../core/export/index.ts';
import { generateWave } from '../../core/generate/index.ts';
import { ingestWave } from '../../core/ingest/ingest.ts';
import { DynamoLakeLocks } from '../../core/lock/dynamodb-lock.ts';
import { BULLETIN_SECTIONS } from '../../core/pages/index.ts';
import { LocalStorage } from '../../core/storage/local-storage.ts';
import type { Storage } from '../../core/storage/storage.ts';
import { type BulletinResponse, createExportHandler } from '../../functions/export.ts';
import { lakeStorage } from '../../functions/lib/lake.ts';
import { presignDownload } from '../../functions/lib/presign.ts';
import { type LocalDynamo, startLocalDynamo } from '../helpers/dynalite.ts';
import { type LocalS3, startLocalS3 } from '../helpers/s3rver.ts';

const ORG_KEY = 'bulletin-handler-key';
const NOW = new Date('2026-03-02T10:20:30.456Z');
const context = { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

let work: string;
let local: LocalStorage;
let s3: LocalS3;
let dynamo: LocalDynamo;
let lake: Storage;
let engine: DuckDbEngine;
let handler: (event: unknown, context: Context) => Promise<unknown>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bulletin-handler-'));
  local = new LocalStorage(join(work, 'lake'));
  const csv = join(work, 'uk-se-2023.csv');
  await generateWave({ survey: 'uk-se', wave: 2023, rows: 600, seed: 5, orgKey: ORG_KEY }, csv);
  await ingestWave({
    storage: local,
    input: createReadStream(csv),
    survey: 'uk-se',
    wave: 2023,
    sourceFile: 'uk-se-2023.csv',
    orgKey: ORG_KEY,
  });
  s3 = await startLocalS3(['curated', 'exports']);
  lake = lakeStorage(s3.client, { CURATED_BUCKET: 'curated', EXPORTS_BUCKET: 'exports' });
  for (const key of await local.list('curated/')) await lake.put(key, await readFile(local.localPath(key)!));
  engine = await DuckDbEngine.open(local);
  dynamo = await startLocalDynamo();
  const locks = new DynamoLakeLocks(dynamo.client, dynamo.table);
  handler = createExportHandler(() => ({
    engine,
    lake,
    locks,
    presign: (key, options) => presignDownload(s3.client, 'exports', key, 900, options),
    now: () => NOW,
  })) as unknown as typeof handler;
});

afterAll(async () => {
  await engine?.close();
  await s3?.close();
  await dynamo?.close();
  await rm(work, { recursive: true, force: true });
});

describe('the export function asked for a bulletin', () => {
  it('writes the page to exports/ and returns a link that opens it in a browser, not a download', async () => {
    const response = (await handler({ bulletin: { survey: 'uk-se', wave: 2023 } }, context)) as BulletinResponse;
    expect(response.key).toBe('exports/bulletin/20260302T102030456Z/bulletin-uk-se-2023.html');
    // No earlier wave: no panel section.
    expect(response.sections).toEqual(BULLETIN_SECTIONS.map((s) => s.query).filter((q) => q !== 'panel_growth'));
    const opened = await fetch(response.url);
    expect(opened.status).toBe(200);
    expect(opened.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(opened.headers.get('content-disposition')).toBe('inline; filename="bulletin-uk-se-2023.html"');
    const page = await opened.text();
    expect(Buffer.byteLength(page)).toBe(response.bytes);
    expect(page).toMatch(/^<!doctype html>/);
    for (const query of response.sections) expect(page).toContain(`<section class="query" id="${query}"`);
  });

  it('suppresses exactly what the exports of the same tables suppress', async () => {
    const response = (await handler(
      { bulletin: { survey: 'uk-se', wave: 2023 }, threshold: 10, p: 20 },
      context,
    )) as BulletinResponse;
    const expected = { threshold: 0, dominance: 0, revision: 0, linked: 0, secondary: 0, release: 0 };
    for (const spec of BULLETIN_SECTIONS.filter((s) => response.sections.includes(s.query))) {
      // The same tables released now from the same lake (its ledger holds the bulletin's releases).
      const { counts } = await prepareRelease({
        engine,
        lake,
        name: spec.query,
        params: spec.params({ survey: { id: 'uk-se' } as never, wave: 2023 })!,
        request: { threshold: 10, p: 20 },
        total: spec.total ?? true,
      });
      for (const rule of Object.keys(expected) as (keyof typeof expected)[]) expected[rule] += counts[rule];
    }
    expect(response.rules).toEqual({ threshold: 10, p: 20 });
    expect(response.counts).toEqual(expected);
    expect(expected.threshold).toBeGreaterThan(0);
  });

  it('refuses a wave never ingested or a malformed request in one line, and writes nothing', async () => {
    const before = await lake.list('exports/');
    await expect(handler({ bulletin: { survey: 'uk-se', wave: 2021 } }, context)).rejects.toThrow(
      /^bulletin: wave 2021 of survey uk-se was never ingested; waves in the lake: 2023$/,
    );
    await expect(handler({ bulletin: { survey: 'uk-se', wave: '2023' } }, context)).rejects.toThrow(
      /^export: bulletin\.wave: .*; got "2023"$/,
    );
    await expect(handler({ bulletin: { survey: 'nope', wave: 2023 } }, context)).rejects.toThrow(/survey/);
    expect(await lake.list('exports/')).toEqual(before);
  });
});
