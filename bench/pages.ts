// Benchmark: the pages. The bulletin of a 100k-row uk-se wave (with an earlier wave for the panel section):
// building its protected tables, rendering the page (the first render also loads vega and vega-lite), its size;
// and the report page of the same ingest. Runnable alone: node bin/run-ts.js bench/pages.ts
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DuckDbEngine } from '../core/engine/duckdb-engine.ts';
import { generateWave } from '../core/generate/index.ts';
import { ingestWave } from '../core/ingest/ingest.ts';
import { readWavePointer } from '../core/lake.ts';
import { buildBulletin, readRejectedSample, renderBulletinPage, renderReportPage } from '../core/pages/index.ts';
import { LocalStorage } from '../core/storage/local-storage.ts';
import type { Report } from '../schemas/index.ts';

const median = (times: number[]) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;

/** Prints the pages' timings (median of 3 after a first run) on a lake of two `rows`-row waves. */
export async function benchPages(rows = 100_000): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'bench-pages-'));
  try {
    const storage = new LocalStorage(join(work, 'lake'));
    for (const [wave, seed] of [
      [2021, 1],
      [2023, 2],
    ] as const) {
      const file = join(work, `uk-se-${wave}.csv`);
      await generateWave({ survey: 'uk-se', wave, rows, seed, orgKey: 'bench' }, file);
      await ingestWave({
        storage,
        input: createReadStream(file),
        survey: 'uk-se',
        wave,
        sourceFile: file,
        orgKey: 'bench',
      });
    }
    const engine = await DuckDbEngine.open(storage);
    try {
      const timed = async <T>(run: () => Promise<T>): Promise<[T, number]> => {
        const start = performance.now();
        const result = await run();
        return [result, performance.now() - start];
      };
      const [bulletin, firstBuild] = await timed(() =>
        buildBulletin({ engine, lake: storage, survey: 'uk-se', wave: 2023 }),
      );
      const [page, firstRender] = await timed(() => renderBulletinPage(bulletin));
      const builds: number[] = [];
      const renders: number[] = [];
      for (let i = 0; i < 3; i++) {
        builds.push((await timed(() => buildBulletin({ engine, lake: storage, survey: 'uk-se', wave: 2023 })))[1]);
        renders.push((await timed(() => renderBulletinPage(bulletin)))[1]);
      }
      const charts = bulletin.sections.length;
      console.log(
        `bulletin (${rows.toLocaleString('en-GB')}-row wave, ${charts} sections): protected tables ${median(builds).toFixed(0)} ms ` +
          `(first ${firstBuild.toFixed(0)} ms), page ${median(renders).toFixed(0)} ms (first, loading vega: ${firstRender.toFixed(0)} ms), ` +
          `${(Buffer.byteLength(page) / 1024).toFixed(0)} KB`,
      );
      // The live version's report and rejected rows, as the pointer names them.
      const pointer = (await readWavePointer(storage, 'uk-se', 2023))!;
      const report = JSON.parse((await storage.getText(pointer.report))!) as Report;
      const reports: number[] = [];
      let size = 0;
      for (let i = 0; i < 3; i++) {
        const [html, ms] = await timed(async () =>
          renderReportPage(report, {
            rejectedSample: await readRejectedSample(await storage.get(pointer.rejected), {
              hide: report.header.dropped,
            }),
          }),
        );
        reports.push(ms);
        size = Buffer.byteLength(html);
      }
      console.log(
        `report page (${report.errors.length.toLocaleString('en-GB')} errors listed): ${median(reports).toFixed(0)} ms, ${(size / 1024).toFixed(0)} KB`,
      );
    } finally {
      await engine.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchPages();
