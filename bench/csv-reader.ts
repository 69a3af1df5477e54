/**
 * Micro-benchmark: raw papaparse streaming vs openCsv over the same synthetic file.
 * Usage: node bin/run-ts.js bench/csv-reader.ts [megabytes=300] [dir=os tmpdir]
 *    or: node bin/run-ts.js bench/csv-reader.ts <existing.csv>   (comma-delimited)
 */

import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { openCsv } from '../core/ingest/csv-reader.ts';

const given = process.argv[2] !== undefined && Number.isNaN(Number(process.argv[2])) ? process.argv[2] : undefined;
const megabytes = Number(given === undefined ? (process.argv[2] ?? 300) : 0);
const dir = await mkdtemp(join(process.argv[3] ?? tmpdir(), 'csv-bench-'));
const file = given ?? join(dir, 'synthetic.csv');

/** Survey-like rows: ids, names with a few quoted commas, quotes and line breaks, numbers, dates. */
async function generate(path: string, targetBytes: number): Promise<number> {
  const out = createWriteStream(path);
  out.write('org_id,name,region,employees,turnover,founded,notes,trend\r\n');
  const regions = ['North East', 'London', 'Wales', 'Scotland', 'South West'];
  let written = 0;
  let rows = 0;
  let seed = 42;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  while (written < targetBytes) {
    const lines: string[] = [];
    for (let i = 0; i < 1000; i++, rows++) {
      const r = rand();
      const name = r < 0.1 ? `"Co-op ${rows}, Ltd"` : `Enterprise ${rows}`;
      const notes = r < 0.02 ? '"line one\nline ""two"""' : r < 0.5 ? '' : 'café, bar'.replace(',', ';');
      lines.push(
        `ORG${rows},${name},${regions[rows % 5]},${Math.floor(r * 500)},${(r * 1e6).toFixed(2)},${2000 + (rows % 24)}-01-15,${notes},increased\r\n`,
      );
    }
    const block = lines.join('');
    written += Buffer.byteLength(block);
    if (!out.write(block)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return rows;
}

async function rawPapaparse(path: string): Promise<number> {
  let rows = 0;
  await new Promise<void>((resolve, reject) => {
    Papa.parse(createReadStream(path) as unknown as File, {
      delimiter: ',',
      chunk: (results: Papa.ParseResult<string[]>) => {
        rows += results.data.length;
      },
      complete: () => resolve(),
      error: (error: Error) => reject(error),
    });
  });
  return rows;
}

async function reader(path: string): Promise<number> {
  const csv = await openCsv(createReadStream(path));
  let rows = 1;
  for await (const batch of csv.batches()) rows += batch.length;
  await csv.done();
  return rows;
}

async function time(label: string, bytes: number, run: () => Promise<number>): Promise<number> {
  const start = process.hrtime.bigint();
  const rows = await run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rate = bytes / 1e6 / seconds;
  const rss = Math.round(process.memoryUsage().rss / 1e6);
  console.log(`${label.padEnd(16)} ${rows} records  ${seconds.toFixed(2)} s  ${rate.toFixed(1)} MB/s  rss ${rss} MB`);
  return rate;
}

try {
  if (given === undefined) console.log(`generated ${await generate(file, megabytes * 1e6)} data rows`);
  const { size } = await stat(file);
  console.log(`${file}: ${(size / 1e6).toFixed(1)} MB`);
  const raw = await time('raw papaparse', size, () => rawPapaparse(file));
  const ours = await time('openCsv', size, () => reader(file));
  console.log(`openCsv / raw papaparse = ${((ours / raw) * 100).toFixed(0)}%`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
