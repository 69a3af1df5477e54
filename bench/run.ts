// npm run bench — figures, not tests. Quote them as ratios against the baselines measured in the same run.
//   ingest:     100k and 1M-row uk-se waves: throughput and peak RSS, beside papaparse alone and DuckDB's COPY
//   queries:    each saved query's median latency (5 warm runs) on DuckDB over the 1M-row wave
//   disclosure: suppress + verify a 200 × 12 table with totals (median of 5)
//   bundles:    each Lambda bundle's size and cold import time (median of 5)
//   pages:      the bulletin and report pages of a 100k-row wave: build, render, size (median of 3)
// BENCH_ROWS=100000,1000000 (default) and BENCH_ONLY=ingest,queries,disclosure,bundles,pages narrow a run; BENCH_RUNS
// (default 3) sets the runs per ingest figure, interleaved so that a noisy machine hurts each figure alike.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFile } from '../bin/build-worker.js';
import { INGEST_NODE_FLAGS } from '../bin/heap.js';
import { generateWave } from '../core/generate/index.ts';

const root = new URL('..', import.meta.url).pathname;
const only = new Set((process.env.BENCH_ONLY ?? 'ingest,queries,disclosure,bundles,pages').split(','));
const sizes = (process.env.BENCH_ROWS ?? '100000,1000000').split(',').map(Number);
const work = await mkdtemp(join(tmpdir(), 'survey-bench-'));

interface Measured {
  seconds: number;
  /** The process's loading of its modules, before `seconds` starts. */
  importSeconds: number;
  maxRssMB: number;
  [key: string]: unknown;
}

/** Runs per figure of the ingest table (BENCH_RUNS): the median time is shown, with the largest peak RSS. */
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));

/** The run with the median time, carrying the largest peak RSS of all the runs. */
function median(measured: Measured[]): Measured {
  const sorted = [...measured].sort((a, b) => a.seconds - b.seconds);
  const middle = sorted[Math.floor(sorted.length / 2)]!;
  return { ...middle, maxRssMB: Math.max(...measured.map((m) => m.maxRssMB)) };
}

/**
 * The children run as `survey` does: bundled (as `npm ci` bundles the command line), not through tsx, whose
 * compiler would add its own start-up and memory to every figure. Built afresh, so it is never stale.
 */
const childBundle = await buildFile('bench/child.ts', join(root, 'dist', 'bench', 'child.mjs'));

/** Runs one measurement in a fresh process; an ingest gets the Node flags that `survey ingest` runs with. */
function child(mode: string, ...args: string[]): Measured {
  return childWith({}, mode, ...args);
}

/** child() with extra environment variables (BENCH_PARALLEL=0: the ingest reads on one thread). */
function childWith(extraEnv: Record<string, string>, mode: string, ...args: string[]): Measured {
  // An ingest runs with the flags that `survey ingest` gives itself (bin/heap.js).
  const flags = mode === 'ingest' ? [...INGEST_NODE_FLAGS] : [];
  const output = execFileSync(process.execPath, [...flags, childBundle, mode, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    env: { ...process.env, NODE_NO_WARNINGS: '1', ...extraEnv },
  });
  return JSON.parse(output.trim().split('\n').pop() ?? '{}') as Measured;
}

const fmt = (value: number, digits = 1) => value.toFixed(digits);
let largestLake: string | undefined;

try {
  if (only.has('ingest') || only.has('queries')) {
    console.log(
      `\n## Ingest (uk-se wave, one process per run; median of ${runs} interleaved runs, largest peak RSS)\n`,
    );
    console.log(
      'seconds: reading the file, from once the process has loaded its modules (as papaparse, a static import, always\n' +
        'was); start-up: that loading, apart; the last column compares start-up included.\n',
    );
    console.log(
      '| rows | file MB | what | seconds | start-up s | MB/s | rows/s | peak RSS MB | vs papaparse | with start-up |',
    );
    console.log('|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|');
    const peaks: Record<number, number> = {};
    const onePeaks: Record<number, number> = {};
    const twoPeaks: Record<number, number> = {};
    for (const rows of sizes) {
      const file = join(work, `uk-se-${rows}.csv`);
      await generateWave({ survey: 'uk-se', wave: 2023, rows, seed: 7, keepRecords: false }, file);
      const mb = (await stat(file)).size / 1e6;
      const lake = join(work, `lake-${rows}`);
      const measured: Record<'papa' | 'auto' | 'one' | 'two', Measured[]> = { papa: [], auto: [], one: [], two: [] };
      for (let run = 0; run < runs; run++) {
        measured.papa.push(child('papaparse', file));
        for (const [mode, env] of [
          ['auto', {}],
          ['one', { BENCH_PARALLEL: '0' }],
          ['two', { BENCH_PARALLEL: '1' }],
        ] as const) {
          await rm(lake, { recursive: true, force: true });
          measured[mode].push(childWith(env, 'ingest', file, lake));
        }
      }
      const papa = median(measured.papa);
      const duck = child('duckdb', file, join(work, `duck-${rows}.parquet`));
      const ingest = median(measured.auto);
      const oneThread = median(measured.one);
      const twoThreads = median(measured.two);
      largestLake = lake;
      peaks[rows] = ingest.maxRssMB;
      onePeaks[rows] = oneThread.maxRssMB;
      twoPeaks[rows] = twoThreads.maxRssMB;
      for (const [what, m] of [
        ['papaparse alone (floor)', papa],
        ['DuckDB COPY, 1 thread (ceiling)', duck],
        [`survey ingest, as it chooses (${ingest.threads === 2 ? 'two threads' : 'one thread'})`, ingest],
        ['survey ingest, one thread', oneThread],
        ['survey ingest, two threads', twoThreads],
      ] as const) {
        console.log(
          `| ${rows.toLocaleString('en-GB')} | ${fmt(mb)} | ${what} | ${fmt(m.seconds, 2)} | ${fmt(m.importSeconds, 2)} | ${fmt(mb / m.seconds)} | ${Math.round(rows / m.seconds).toLocaleString('en-GB')} | ${fmt(m.maxRssMB, 0)} | ${fmt((papa.seconds / m.seconds) * 100, 0)}% | ${fmt(((papa.seconds + papa.importSeconds) / (m.seconds + m.importSeconds)) * 100, 0)}% |`,
        );
      }
      console.log(`|  |  | ingest stats | ${JSON.stringify(ingest.stats)} |  |  |  |  |  |  |`);
    }
    if (sizes.length > 1) {
      const [small, large] = [sizes[0]!, sizes[sizes.length - 1]!];
      const ratio = (p: Record<number, number>) => fmt(p[large]! / p[small]!, 2);
      console.log(
        `\npeak RSS at ${large.toLocaleString('en-GB')} rows / at ${small.toLocaleString('en-GB')} rows (target ≤ 1.25×, and < 350 MB): one thread at both ${ratio(onePeaks)}×, two threads at both ${ratio(twoPeaks)}×, as survey ingest chooses ${ratio(peaks)}× (it takes two threads from 64 MiB)`,
      );
    }
  }

  if (only.has('queries') && largestLake) {
    const { benchQueries } = await import('./queries.ts');
    console.log('\n## Saved queries on DuckDB (median of 5 warm runs)\n');
    await benchQueries(largestLake);
  }

  if (only.has('disclosure')) {
    const { benchDisclosure } = await import('./disclosure.ts');
    console.log('\n## Disclosure control\n');
    await benchDisclosure();
  }

  if (only.has('pages')) {
    const { benchPages } = await import('./pages.ts');
    console.log('\n## Pages\n');
    await benchPages();
  }

  if (only.has('bundles')) {
    const { benchBundles } = await import('./bundles.ts');
    console.log('\n## Lambda bundles\n');
    await benchBundles();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
