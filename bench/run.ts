// npm run bench — figures, not tests. Quote them as ratios against the baselines measured in the same run.
//   ingest:     100k and 1M-row uk-se waves: throughput, peak RSS and Parquet size, beside papaparse alone (the
//               baseline) and DuckDB's own CSV-to-Parquet COPY
//   queries:    each saved query's median latency (5 warm runs) on DuckDB over the 1M-row wave
//   disclosure: protect + audit (HiGHS) a 200 × 12 table with totals (first run, median of 5 warm), information loss
//   bundles:    each Lambda bundle's size and cold import time (median of 5)
//   lambda:     the ingest function's cost per MiB and peak /tmp, on the largest wave read as a stream
//   pages:      the bulletin and report pages of a 100k-row wave: build, render, size (median of 3)
//   weights:    survey weight on a 50k-row wave (median of 3), the weighted queries on it, and coverage and
//               bias of the sector-wide estimates over 200 samples of one generated population per survey
// BENCH_ROWS=100000,1000000 (default) and BENCH_ONLY=ingest,queries,disclosure,bundles,lambda,pages,weights narrow a run; BENCH_RUNS
// (default 3) sets the runs per ingest figure, interleaved so that a noisy machine hurts each figure alike.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { generateWave } from '../core/generate/index.ts';

const root = new URL('..', import.meta.url).pathname;
const only = new Set((process.env.BENCH_ONLY ?? 'ingest,queries,disclosure,bundles,lambda,pages,weights').split(','));
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

/** The children run bundled, not through tsx, whose compiler would add its own start-up and memory to every figure. */
const childBundle = join(root, '.bench', 'child.mjs');
await build({
  entryPoints: [join(root, 'bench', 'child.ts')],
  outfile: childBundle,
  bundle: true,
  platform: 'node',
  format: 'esm',
  external: ['@duckdb/*'],
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  logLevel: 'error',
});

/** Runs one measurement in a fresh process, with Node's defaults, as `survey` runs. */
function child(mode: string, ...args: string[]): Measured {
  const output = execFileSync(process.execPath, [childBundle, mode, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
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
      '| rows | file MB | what | seconds | start-up s | MB/s | rows/s | peak RSS MB | throughput vs papaparse | with start-up |',
    );
    console.log('|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|');
    const peaks: Record<number, number> = {};
    for (const rows of sizes) {
      const file = join(work, `uk-se-${rows}.csv`);
      await generateWave({ survey: 'uk-se', wave: 2023, rows, seed: 7, keepRecords: false }, file);
      const bytes = (await stat(file)).size;
      const mb = bytes / 1e6;
      const lake = join(work, `lake-${rows}`);
      const measured: Record<'papa' | 'ingest', Measured[]> = { papa: [], ingest: [] };
      for (let run = 0; run < runs; run++) {
        measured.papa.push(child('papaparse', file));
        await rm(lake, { recursive: true, force: true });
        measured.ingest.push(child('ingest', file, lake));
      }
      const papa = median(measured.papa);
      const duck = child('duckdb', file, join(work, `duck-${rows}.parquet`));
      const ingest = median(measured.ingest);
      largestLake = lake;
      peaks[rows] = ingest.maxRssMB;
      for (const [what, m] of [
        ['papaparse alone (baseline)', papa],
        ['DuckDB COPY, 1 thread (native)', duck],
        ['survey ingest', ingest],
      ] as const) {
        console.log(
          `| ${rows.toLocaleString('en-GB')} | ${fmt(mb)} | ${what} | ${fmt(m.seconds, 2)} | ${fmt(m.importSeconds, 2)} | ${fmt(mb / m.seconds)} | ${Math.round(rows / m.seconds).toLocaleString('en-GB')} | ${fmt(m.maxRssMB, 0)} | ${fmt(papa.seconds / m.seconds, 2)} | ${fmt((papa.seconds + papa.importSeconds) / (m.seconds + m.importSeconds), 2)} |`,
        );
      }
      console.log(`|  |  | ingest stats | ${JSON.stringify(ingest.stats)} |  |  |  |  |  |  |`);
      const parquetBytes = Number(ingest.parquetBytes);
      console.log(
        `\ncurated Parquet at ${rows.toLocaleString('en-GB')} rows: ${fmt(parquetBytes / 1e6, 2)} MB, ${fmt(parquetBytes / bytes, 3)}× the CSV's bytes (target ≤ 0.20×)\n`,
      );
    }
    if (sizes.length > 1) {
      const [small, large] = [sizes[0]!, sizes[sizes.length - 1]!];
      console.log(
        `peak RSS at ${large.toLocaleString('en-GB')} rows / at ${small.toLocaleString('en-GB')} rows: ${fmt(peaks[large]! / peaks[small]!, 2)}× (target ≤ 1.25×, and ≤ 350 MB); throughput vs papaparse target ≥ 0.25`,
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

  if (only.has('weights')) {
    const { benchCoverage, benchWeighting } = await import('./weights.ts');
    console.log('\n## Sector-wide estimates\n');
    await benchWeighting();
    console.log('\n### Coverage and bias by simulation\n');
    benchCoverage();
  }

  if (only.has('bundles')) {
    const { benchBundles } = await import('./bundles.ts');
    console.log('\n## Lambda bundles\n');
    await benchBundles();
  }

  if (only.has('lambda')) {
    const { benchLambdaLimits } = await import('./lambda-limits.ts');
    console.log('\n## The ingest function: cost per MiB and /tmp, one thread from a stream\n');
    await benchLambdaLimits(sizes[sizes.length - 1]!);
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
