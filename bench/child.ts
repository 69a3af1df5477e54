// One measurement per process, so each figure's peak RSS is its own: bench/run.ts bundles this file and runs
// node dist/bench/child.mjs <mode> ... (or, unbundled: node bin/run-ts.js bench/child.ts <mode> ...).
// Prints one JSON line: { seconds, maxRssMB, ...extra }.
import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import Papa from 'papaparse';

const [mode, file, out] = process.argv.slice(2);
if (!mode || !file) throw new Error('bench child: usage: <papaparse|duckdb|ingest> <file> [out]');

// Each mode's modules are loaded before the clock starts, as papaparse's (a static import) always was: the
// figures compare reading the file, and a process's start-up is reported apart, as importSeconds.
const importing = performance.now();
const duckdb = mode === 'duckdb' ? await import('@duckdb/node-api') : undefined;
const ingestModules =
  mode === 'ingest'
    ? {
        ...(await import('../core/ingest/ingest.ts')),
        ...(await import('../core/storage/local-storage.ts')),
        ...(await import('../core/ingest/org-id.ts')),
      }
    : undefined;
const importSeconds = (performance.now() - importing) / 1000;

const started = performance.now();
let extra: Record<string, unknown> = {};

if (mode === 'papaparse') {
  // The baseline: papaparse's own streaming parse of 1 MiB chunks, no header handling, doing nothing per row.
  let rows = 0;
  await new Promise<void>((resolve, reject) => {
    Papa.parse(createReadStream(file, { highWaterMark: 1 << 20 }) as unknown as File, {
      header: false,
      step: () => {
        rows++;
      },
      complete: () => resolve(),
      error: (error: Error) => reject(error),
    });
  });
  extra = { rows };
} else if (mode === 'duckdb') {
  // The native ceiling: DuckDB reading the CSV and writing Parquet on one thread.
  const { DuckDBInstance } = duckdb!;
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  const quote = (path: string) => path.replace(/'/g, "''");
  await connection.run(
    `copy (select * from read_csv('${quote(file)}', all_varchar = true, header = true)) to '${quote(out ?? `${file}.parquet`)}' (format parquet)`,
  );
} else if (mode === 'ingest') {
  const { ingestWave, LocalStorage, DEMO_ORG_KEY } = ingestModules!;
  const lake = out ?? `${file}.lake`;
  await mkdir(lake, { recursive: true });
  const [survey, wave] = (process.env.BENCH_WAVE ?? 'uk-se:2023').split(':');
  const result = await ingestWave({
    storage: new LocalStorage(lake),
    input: createReadStream(file),
    survey: survey!,
    wave: Number(wave),
    sourceFile: file,
    orgKey: DEMO_ORG_KEY,
  });
  const parquetBytes = (await stat(join(lake, result.pointer!.files[0]!))).size;
  extra = { stats: result.report!.stats, parquetBytes };
} else {
  throw new Error(`bench child: unknown mode ${mode}`);
}

const seconds = (performance.now() - started) / 1000;
const maxRssMB = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ seconds, importSeconds, maxRssMB, ...extra })}\n`);
