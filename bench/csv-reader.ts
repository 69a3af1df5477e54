/**
 * Micro-benchmark: raw papaparse streaming vs openCsv over the same synthetic file, and the reader's
 * own pieces (reading, SHA-256, decoding) alone; median of RUNS (default 5) runs of each, interleaved.
 * Both read with 1 MiB chunks, as `survey ingest` does.
 * Usage: node bin/run-ts.js bench/csv-reader.ts [megabytes=300] [dir=os tmpdir]
 *    or: node bin/run-ts.js bench/csv-reader.ts <existing.csv>   (comma-delimited)
 */

import { createHash } from 'node:crypto';
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
const runs = Number(process.env.RUNS ?? 5);
const highWaterMark = 1 << 20;

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
    Papa.parse(createReadStream(path, { highWaterMark }) as unknown as File, {
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
  const csv = await openCsv(createReadStream(path, { highWaterMark }));
  let rows = 1;
  for await (const batch of csv.batches()) rows += batch.length;
  await csv.done();
  return rows;
}

/** The reader's fixed costs alone: every chunk read, optionally hashed and decoded. */
async function pieces(path: string, hash: boolean, decode: boolean): Promise<number> {
  const sha = createHash('sha256');
  const decoder = new TextDecoder('utf-8');
  let chars = 0;
  for await (const chunk of createReadStream(path, { highWaterMark })) {
    if (hash) sha.update(chunk as Buffer);
    if (decode) chars += decoder.decode(chunk as Buffer, { stream: true }).length;
  }
  sha.digest('hex');
  return chars;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1] ?? Number.NaN;

async function time(jobs: [label: string, run: () => Promise<number>][], bytes: number): Promise<Map<string, number>> {
  const seconds = new Map<string, number[]>(jobs.map(([label]) => [label, []]));
  for (let i = 0; i < runs; i++) {
    for (const [label, run] of jobs) {
      const start = process.hrtime.bigint();
      await run();
      seconds.get(label)?.push(Number(process.hrtime.bigint() - start) / 1e9);
    }
  }
  const medians = new Map<string, number>();
  for (const [label, values] of seconds) {
    const m = median(values);
    medians.set(label, m);
    const rate = bytes / 1e6 / m;
    console.log(
      `${label.padEnd(22)} median ${m.toFixed(3)} s  ${rate.toFixed(1)} MB/s  (${values.map((v) => v.toFixed(2)).join(' ')})`,
    );
  }
  return medians;
}

try {
  if (given === undefined) console.log(`generated ${await generate(file, megabytes * 1e6)} data rows`);
  const { size } = await stat(file);
  console.log(`${file}: ${(size / 1e6).toFixed(1)} MB`);
  console.log(`records: raw papaparse ${await rawPapaparse(file)}, openCsv ${await reader(file)}`);
  const medians = await time(
    [
      ['raw papaparse', () => rawPapaparse(file)],
      ['openCsv', () => reader(file)],
      ['read only', () => pieces(file, false, false)],
      ['read + sha256', () => pieces(file, true, false)],
      ['read + decode', () => pieces(file, false, true)],
    ],
    size,
  );
  const ratio = (medians.get('raw papaparse') ?? 0) / (medians.get('openCsv') ?? 1);
  console.log(`openCsv throughput / raw papaparse = ${(ratio * 100).toFixed(0)}%`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
