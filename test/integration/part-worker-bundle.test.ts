// The two-thread ingest's worker and the command line run from bundles built at install (bin/build-worker.js),
// which load faster than their TypeScript through tsx. The worker bundle must read a part exactly as the
// TypeScript does, and no bundle may be used once any source it was built from has changed.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWave } from '../../core/generate/index.ts';
import { openCsv } from '../../core/ingest/csv-reader.ts';
import {
  freshBundle,
  hashFile,
  OFFER_WIDTH,
  partJob,
  startPartWorker,
  TYPESCRIPT_WORKER,
} from '../../core/ingest/parallel.ts';
import { findSplit } from '../../core/ingest/split.ts';
import { loadSavedQueries, QUERIES_DIR } from '../../core/queries/index.ts';

const ROOT = join(import.meta.dirname, '..', '..');
let dir: string;
/** Built for this test inside the project (its package imports resolve from node_modules), not in dist/. */
let built: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'part-worker-'));
  await mkdir(join(ROOT, 'node_modules', '.cache'), { recursive: true });
  built = await mkdtemp(join(ROOT, 'node_modules', '.cache', 'part-worker-test-'));
  execFileSync(process.execPath, [join(ROOT, 'bin', 'build-worker.js'), built], { stdio: 'pipe' });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(built, { recursive: true, force: true });
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const url = (path: string) => pathToFileURL(`${path}/`);

describe('the part worker bundle', () => {
  it('is used only while every source file it was built from is unchanged', async () => {
    const root = await mkdtemp(join(dir, 'root-'));
    const out = join(root, 'out');
    await mkdir(join(root, 'src'), { recursive: true });
    await mkdir(out);
    await writeFile(join(root, 'src', 'a.ts'), 'one');
    await writeFile(join(root, 'src', 'b.ts'), 'two');
    await writeFile(join(out, 'part-worker.mjs'), '');
    expect(freshBundle(url(root), url(out))).toBeNull(); // no manifest
    const manifest = (inputs: Record<string, string>) =>
      writeFile(join(out, 'part-worker.json'), JSON.stringify({ inputs }));
    await manifest({ 'src/a.ts': sha256('one'), 'src/b.ts': sha256('two') });
    expect(freshBundle(url(root), url(out))?.href).toBe(pathToFileURL(join(out, 'part-worker.mjs')).href);
    await writeFile(join(root, 'src', 'b.ts'), 'two, edited');
    expect(freshBundle(url(root), url(out))).toBeNull();
    await manifest({ 'src/a.ts': sha256('one'), 'src/gone.ts': sha256('x') });
    expect(freshBundle(url(root), url(out))).toBeNull();
    await manifest({});
    expect(freshBundle(url(root), url(out))).toBeNull();
  });

  it('built from the project matches its sources', () => {
    expect(freshBundle(url(ROOT), url(built))).not.toBeNull();
  });

  it('comes with the command line, bundled, which finds the project from wherever it runs', async () => {
    const cli = freshBundle(url(ROOT), url(join(built, 'cli')), 'survey');
    expect(cli).not.toBeNull();
    // Run from another folder: the saved queries are found from the bundle's place, not the working directory.
    const run = (...args: string[]) =>
      execFileSync(process.execPath, [fileURLToPath(cli!), ...args], { cwd: dir, encoding: 'utf8' });
    const listed = run('queries', '--json');
    const names = (JSON.parse(listed) as { name: string }[]).map((query) => query.name);
    expect(names).toEqual(loadSavedQueries(QUERIES_DIR).map((query) => query.name));
    expect(run('codebook', '--survey', 'fr-ess')).toContain('Forme juridique');
  });

  it('hashes a file on a thread of its own, as node:crypto does over the whole file', async () => {
    const file = join(dir, 'hash-me.csv');
    await writeFile(file, 'a,b\n'.repeat(300_000));
    const expected = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
    expect(await hashFile(file).sha256).toBe(expected);
    await expect(hashFile(join(dir, 'gone.csv')).sha256).rejects.toThrow(/ingest: hashing .*gone\.csv failed: ENOENT/);
  });

  it('reads a part exactly as the TypeScript worker does: counts, issues, offers, spool and rejected rows', async () => {
    const file = join(dir, 'wave.csv');
    await generateWave({ survey: 'uk-se', wave: 2023, rows: 3000, seed: 4, orgKey: 'k', keepRecords: false }, file);
    const size = (await stat(file)).size;
    const reader = await openCsv(createReadStream(file));
    for await (const _ of reader.batches());
    const split = await findSplit(file, reader.delimiter, Math.floor(size / 2));
    if (split === undefined) throw new Error('the generated wave should have a clean cut');
    const run = async (entry: URL) => {
      const temp = await mkdtemp(join(dir, 'part-'));
      const job = partJob(file, size, split, reader, {
        survey: 'uk-se',
        wave: 2023,
        orgKey: 'k',
        sourceFile: 'wave.csv',
        ingestedAt: 0,
        temp,
        maxListedIssues: 50,
      });
      const offers: number[] = [];
      const worker = startPartWorker(entry);
      try {
        const done = await worker.run(job, (message) => {
          if (message.type === 'offers') offers.push(...message.offers.subarray(0, message.count * OFFER_WIDTH));
        });
        const { spoolPath, rejectedPath, ...rest } = done;
        return { rest, offers, spool: await readFile(spoolPath), rejected: await readFile(rejectedPath, 'utf8') };
      } finally {
        await worker.terminate();
      }
    };
    const bundled = freshBundle(url(ROOT), url(built));
    if (bundled === null) throw new Error('the bundle built for this test should match the sources');
    const typescript = await run(TYPESCRIPT_WORKER);
    const fromBundle = await run(bundled);
    expect(typescript.rest.counts.valid).toBeGreaterThan(1000);
    expect(typescript.rest.errors.total).toBeGreaterThan(0);
    expect(fromBundle.rest).toEqual(typescript.rest);
    expect(fromBundle.offers).toEqual(typescript.offers);
    expect(fromBundle.spool.equals(typescript.spool)).toBe(true);
    expect(fromBundle.rejected).toBe(typescript.rejected);
  });
});
