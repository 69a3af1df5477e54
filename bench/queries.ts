// Each saved query's median latency over 5 warm runs on DuckDB, for `npm run bench` (bench/run.ts) or alone:
//   node bin/run-ts.js bench/queries.ts <lake-dir>
import { DuckDbEngine } from '../core/engine/duckdb-engine.ts';
import { loadSavedQueries, validateParams } from '../core/queries/index.ts';
import { KNOWN_SURVEY_IDS } from '../core/queries/run.ts';
import { LocalStorage } from '../core/storage/local-storage.ts';

const RUNS = 5;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Prints a Markdown table of each saved query's median latency (5 warm runs) over the lake's largest wave. */
export async function benchQueries(lakeDir: string): Promise<void> {
  const engine = await DuckDbEngine.open(new LocalStorage(lakeDir));
  try {
    const waves = await engine.listWaves();
    const largest = [...waves].sort((a, b) => b.rows - a.rows)[0];
    if (!largest) throw new Error(`bench: the lake ${lakeDir} holds no wave`);
    const ofSurvey = waves.filter((wave) => wave.survey === largest.survey).map((wave) => wave.wave);
    const earlier = ofSurvey.filter((wave) => wave < largest.wave).pop();
    console.log(`lake: ${largest.survey} ${largest.wave}, ${largest.rows.toLocaleString('en-GB')} rows\n`);
    console.log('| query | result rows | median ms | min ms | max ms |');
    console.log('|---|---:|---:|---:|---:|');
    for (const query of loadSavedQueries()) {
      // This lake has no calibration weights: the weighted queries are timed under "Sector-wide estimates".
      if (query.weighted) continue;
      const raw: Record<string, string> = { survey: largest.survey, wave: String(largest.wave) };
      let params: (string | number)[];
      let note = '';
      if (query.panel) {
        if (earlier !== undefined) {
          params = validateParams(
            query,
            { survey: largest.survey, from_wave: String(earlier), to_wave: String(largest.wave) },
            { surveys: KNOWN_SURVEY_IDS, waves },
          );
        } else {
          // One wave only: match the wave with itself, the worst case (every organisation matched).
          params = [largest.survey, largest.wave, largest.survey, largest.wave];
          note = ' (wave matched with itself)';
        }
      } else {
        const names = query.parameters.map((parameter) => parameter.name);
        params = validateParams(query, Object.fromEntries(names.map((name) => [name, raw[name] ?? ''])), {
          surveys: KNOWN_SURVEY_IDS,
          waves,
        });
      }
      let rows = 0;
      await engine.run(query.sql, params, query.columns); // warm-up: file metadata, plan
      const times: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const start = performance.now();
        rows = (await engine.run(query.sql, params, query.columns)).rows.length;
        times.push(performance.now() - start);
      }
      console.log(
        `| ${query.name}${note} | ${rows} | ${median(times).toFixed(1)} | ${Math.min(...times).toFixed(1)} | ${Math.max(...times).toFixed(1)} |`,
      );
    }
  } finally {
    await engine.close();
  }
}

if (process.argv[1]?.endsWith('bench/queries.ts')) {
  const lake = process.argv[2];
  if (!lake) {
    console.error('bench: usage: node bin/run-ts.js bench/queries.ts <lake-dir>');
    process.exit(2);
  }
  await benchQueries(lake);
}
