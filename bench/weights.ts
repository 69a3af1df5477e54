// Sector-wide estimates, for `npm run bench` (bench/run.ts) or alone: node bin/run-ts.js bench/weights.ts
//   - survey weight on a 50,000-row wave (read through DuckDB, rake with 100 re-raked JK1 replicates, write the
//     weights Parquet): median of 3 runs, and its parts;
//   - the weighted saved queries on that wave (median of 5 warm runs);
//   - coverage and bias by simulation: 200 samples of one generated population per survey, the share of
//     (sample, group) pairs whose 95% interval covers the truth, and the weighted vs unweighted bias.
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbEngine } from '../core/engine/duckdb-engine.ts';
import { copyToParquet } from '../core/engine/duckdb-parquet.ts';
import { generateWave } from '../core/generate/index.ts';
import { ingestWave } from '../core/ingest/ingest.ts';
import { DEMO_ORG_KEY } from '../core/ingest/org-id.ts';
import { runSavedQuery } from '../core/queries/index.ts';
import { LocalStorage } from '../core/storage/local-storage.ts';
import { calibrate, frameCsv, parseFrame, weightWave, writeWeightsFile } from '../core/weight/index.ts';
import { getSurvey } from '../schemas/index.ts';
import { simulateCoverage } from '../test/helpers/coverage-simulation.ts';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** survey weight on a 50k-row wave, and the weighted queries on it. */
export async function benchWeighting(rows = 50_000): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'survey-bench-weights-'));
  try {
    const file = join(work, 'wave.csv');
    const truth = await generateWave(
      { survey: 'uk-se', wave: 2023, rows, seed: 7, keepRecords: false, population: true },
      file,
    );
    const storage = new LocalStorage(join(work, 'lake'));
    await ingestWave({
      storage,
      input: createReadStream(file),
      survey: 'uk-se',
      wave: 2023,
      sourceFile: 'wave.csv',
      orgKey: DEMO_ORG_KEY,
    });
    const survey = getSurvey('uk-se');
    const text = frameCsv(truth.population!.frame);
    await writeFile(join(work, 'frame.csv'), text);
    const frame = parseFrame(text, survey);
    const seconds: number[] = [];
    const cpu: number[] = [];
    let report: Awaited<ReturnType<typeof weightWave>> | undefined;
    for (let run = 0; run < 3; run++) {
      const engine = await DuckDbEngine.open(storage);
      const started = performance.now();
      const usage = process.cpuUsage();
      report = await weightWave({
        engine,
        storage,
        survey,
        wave: 2023,
        frame,
        frameName: 'frame.csv',
        frameBytes: text,
        writeParquet: copyToParquet,
      });
      seconds.push((performance.now() - started) / 1000);
      const used = process.cpuUsage(usage);
      cpu.push((used.user + used.system) / 1e6);
      await engine.close();
    }
    // The parts: reading the rows, calibrating, writing the file.
    const engine = await DuckDbEngine.open(storage);
    let started = performance.now();
    const read = await engine.run(
      'select response_id, region, legal_form, employees from responses where survey = ? and wave = ?',
      ['uk-se', 2023],
      [
        { name: 'response_id', type: 'string' },
        { name: 'region', type: 'string' },
        { name: 'legal_form', type: 'string' },
        { name: 'employees', type: 'int' },
      ],
    );
    const readSeconds = (performance.now() - started) / 1000;
    const input = read.rows.map((row) => ({
      responseId: row.response_id as string,
      region: row.region as string | null,
      legalForm: row.legal_form as string,
      employees: row.employees as number | null,
    }));
    started = performance.now();
    const weights = calibrate(survey, input, frame);
    const calibrateSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    const ingested = Array.from(weights.rows, () => '2024-01-01 00:00:00');
    await writeWeightsFile(weights, ingested, join(work, 'parts.parquet'), copyToParquet);
    const writeSeconds = (performance.now() - started) / 1000;
    const r = report!;
    console.log(
      `uk-se wave of ${rows.toLocaleString('en-GB')} rows: ${r.weighted.toLocaleString('en-GB')} weighted to a frame of ${r.frame.organisations.toLocaleString('en-GB')} organisations in ${r.frameCells} cells; ${r.replicates} JK1 replicates; ${r.parquetRows.toLocaleString('en-GB')} Parquet rows\n`,
    );
    console.log(
      `load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores while measuring; CPU seconds count every thread (DuckDB's too)\n`,
    );
    console.log('| what | seconds |');
    console.log('|---|---:|');
    console.log(`| survey weight, whole (median of 3; target < 2 s) | ${median(seconds).toFixed(2)} |`);
    console.log(`| survey weight, whole, CPU seconds (median of 3) | ${median(cpu).toFixed(2)} |`);
    console.log(`| reading the rows through DuckDB | ${readSeconds.toFixed(2)} |`);
    console.log(
      `| raking: the weights (${r.iterations} passes) and 100 replicates (at most ${r.replicateIterations}) | ${calibrateSeconds.toFixed(2)} |`,
    );
    console.log(`| writing the weights Parquet (DuckDB COPY, zstd) | ${writeSeconds.toFixed(2)} |`);
    console.log(
      `\ndesign effect of weighting ${r.designEffect.toFixed(3)}; weights ${r.weightRange.map((x) => x.toFixed(2)).join('–')} × the mean; ${r.atLowerBound + r.atUpperBound} at a bound\n`,
    );
    console.log('| weighted query | result rows | median ms |');
    console.log('|---|---:|---:|');
    for (const name of ['sector_estimates', 'spinout_estimates', 'growth_estimates']) {
      const times: number[] = [];
      let count = 0;
      for (let run = 0; run < 6; run++) {
        const at = performance.now();
        count = (await runSavedQuery(engine, name, { survey: 'uk-se', wave: '2023' })).rows.length;
        if (run > 0) times.push(performance.now() - at);
      }
      console.log(`| ${name} | ${count} | ${median(times).toFixed(0)} |`);
    }
    await engine.close();
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Coverage and bias over 200 samples of one generated population, per survey. */
export function benchCoverage(samples = 200): void {
  // fr-ess: Corsica, Mayotte and French Guiana are calibrated with a neighbour (survey weight --merge), as a
  // wave of this size has too few respondents there to weight them on their own.
  const frMerges = [
    { margin: 'region', from: 'FR-20R', into: 'FR-PAC' },
    { margin: 'region', from: 'FR-976', into: 'FR-974' },
    { margin: 'region', from: 'FR-973', into: 'FR-972' },
  ] as const;
  for (const [survey, seed, merge] of [
    ['uk-se', 11, []],
    ['fr-ess', 12, frMerges],
  ] as const) {
    const started = performance.now();
    const result = simulateCoverage({ survey, wave: 2023, seed, asked: 3000, samples, merge });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `\n${survey} 2023: ${samples} samples of one population of ${result.population.toLocaleString('en-GB')} organisations, ${Math.round(result.meanWeighted).toLocaleString('en-GB')} weighted rows a sample on average, ${result.refused} refused; ${seconds.toFixed(1)} s\n`,
    );
    console.log(
      '| estimate (well-populated groups) | groups | pairs | 95% intervals covering the truth | weighted bias | unweighted bias |',
    );
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const family of result.families) {
      if (family.groups === 0) {
        console.log(`| ${family.name} | 0 | 0 | (no group expects 30 respondents) |  |  |`);
        continue;
      }
      console.log(
        `| ${family.name} | ${family.groups} | ${family.pairs} | ${pct(family.covered / family.pairs)} | ${pct(family.weightedBias)} | ${pct(family.unweightedBias)} |`,
      );
    }
    console.log(`| **all** |  | ${result.pairs} | **${pct(result.coverage)}** (target 93–97%) |  |  |`);
    console.log('\nbias: mean over groups of |mean estimate − truth| / truth; unweighted: the sample scaled by N / n');
    console.log('\n| size band or region | population | unweighted sample |');
    console.log('|---|---:|---:|');
    for (const skew of result.skew.filter((s) => s.margin !== 'legal_form')) {
      console.log(`| ${skew.margin} ${skew.category} | ${pct(skew.populationShare)} | ${pct(skew.sampleShare)} |`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchWeighting();
  benchCoverage();
}
