/**
 * Parquet encoding benchmark: N rows shaped like the canonical record (CODEBOOK.md, 28 columns) written by this
 * project's writer (core/parquet) and by hyparquet-writer fed column-wise. Each variant runs in its own child
 * process so that its peak RSS is its own. Encode time = (generate + write) - (generate only), both measured in
 * the same process, so the row generator's cost is not charged to the writer. CPU time is the figure to compare:
 * wall time on a shared machine measures the neighbours as much as the writer.
 *
 *   node bin/run-ts.js bench/parquet.ts [rows]          (default 1 000 000)
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parquetMetadata } from 'hyparquet';
import { fileWriter, ParquetWriter as HyparquetWriter, schemaFromColumnData } from 'hyparquet-writer';
import { type ParquetColumn, type ParquetValue, ParquetWriter } from '../core/parquet/index.ts';

/** One measured variant. */
export interface ParquetBenchFigure {
  /** Which writer and settings. */
  readonly variant: string;
  readonly rows: number;
  /** CPU milliseconds (all threads, so GZIP on the thread pool counts) spent in the writer, generation excluded. */
  readonly encodeCpuMs: number;
  /** Wall-clock milliseconds spent in the writer, generation excluded (noisy on a shared machine). */
  readonly encodeMs: number;
  /** Wall-clock milliseconds of generation + writing. */
  readonly totalMs: number;
  /** MB of column data (the uncompressed Parquet size of the same rows) encoded per CPU second. */
  readonly mbPerSecond: number;
  /** Output file size in bytes. */
  readonly bytes: number;
  /** Peak resident set size of the variant's process, in MB. */
  readonly peakRssMb: number;
}

/** The canonical record's 28 columns, as the curated table holds them. */
export const CANONICAL_COLUMNS: readonly ParquetColumn[] = [
  { name: 'response_id', type: 'string', nullable: false },
  { name: 'org_id', type: 'string', nullable: false },
  { name: 'submitted_at', type: 'timestamp_millis', nullable: true },
  { name: 'country', type: 'string', nullable: false, dictionary: true },
  { name: 'region', type: 'string', nullable: true, dictionary: true },
  { name: 'legal_form', type: 'string', nullable: false, dictionary: true },
  { name: 'is_spinout', type: 'boolean', nullable: false },
  { name: 'spinout_year', type: 'int32', nullable: true },
  { name: 'parent_body', type: 'string', nullable: true, dictionary: true },
  { name: 'sector', type: 'string', nullable: false, dictionary: true },
  { name: 'founded_year', type: 'int32', nullable: true },
  { name: 'employees', type: 'int32', nullable: true },
  { name: 'volunteers', type: 'int32', nullable: true },
  { name: 'currency', type: 'string', nullable: false, dictionary: true },
  { name: 'turnover', type: 'double', nullable: true },
  { name: 'turnover_prev', type: 'double', nullable: true },
  { name: 'turnover_trend', type: 'string', nullable: true, dictionary: true },
  { name: 'public_income_pct', type: 'double', nullable: true },
  { name: 'surplus_reinvested_pct', type: 'double', nullable: true },
  { name: 'employee_owned', type: 'boolean', nullable: true },
  { name: 'staff_voice_strategy', type: 'boolean', nullable: true },
  { name: 'staff_voice_policy', type: 'boolean', nullable: true },
  { name: 'staff_voice_operations', type: 'boolean', nullable: true },
  { name: 'measures_social_value', type: 'boolean', nullable: true },
  { name: 'new_services', type: 'boolean', nullable: true },
  { name: 'source_file', type: 'string', nullable: false, dictionary: true },
  { name: 'source_row', type: 'int32', nullable: false },
  { name: 'ingested_at', type: 'timestamp_millis', nullable: false },
];

const REGIONS = ['TLC', 'TLD', 'TLE', 'TLF', 'TLG', 'TLH', 'TLI', 'TLJ', 'TLK', 'TLL', 'TLM', 'TLN'];
const LEGAL_FORMS = ['cic', 'cooperative', 'community_benefit_society', 'company_limited_by_guarantee', 'charity'];
const PARENTS = ['health_service', 'local_authority', 'central_government', 'other_public'];
const SECTORS = ['health', 'social_care', 'education', 'youth', 'employment_skills', 'housing', 'arts_culture'];
const TRENDS = ['increased', 'same', 'decreased'];
const HEX_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** Deterministic rows of the canonical shape, about 30% nulls in optional columns, generated batch by batch. */
export function* canonicalRows(count: number, batchSize = 4096, seed = 42): Generator<ParquetValue[][]> {
  let s = seed >>> 0;
  const rand = (): number => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  // Flat strings, like the ones papaparse slices and digest('hex') returns (a concatenation would build a rope).
  const codes = new Array<number>(16);
  const hex16 = (): string => {
    for (let k = 0; k < 16; k++) codes[k] = HEX_CODES[(rand() * 16) | 0] as number;
    return String.fromCharCode(...codes);
  };
  const pick = (list: readonly string[]): string => list[(rand() * list.length) | 0] as string;
  const opt = <T>(f: () => T): T | null => (rand() < 0.3 ? null : f());
  const ingestedAt = Date.UTC(2026, 10, 24, 21, 0, 0, 123);
  for (let done = 0; done < count; ) {
    const n = Math.min(batchSize, count - done);
    const batch: ParquetValue[][] = new Array(n);
    for (let i = 0; i < n; i++) {
      const spinout = rand() < 0.4;
      batch[i] = [
        hex16(),
        hex16(),
        opt(() => Date.UTC(2023, 0, 1) + Math.floor(rand() * 3e10)),
        'GB',
        opt(() => pick(REGIONS)),
        pick(LEGAL_FORMS),
        spinout,
        spinout ? opt(() => 1990 + ((rand() * 33) | 0)) : null,
        spinout ? opt(() => pick(PARENTS)) : null,
        pick(SECTORS),
        opt(() => 1900 + ((rand() * 123) | 0)),
        opt(() => (rand() * 500) | 0),
        opt(() => (rand() * 50) | 0),
        'GBP',
        opt(() => Math.round(rand() * 5e8) / 100),
        opt(() => Math.round(rand() * 5e8) / 100),
        opt(() => pick(TRENDS)),
        opt(() => Math.round(rand() * 1000) / 10),
        opt(() => Math.round(rand() * 1000) / 10),
        opt(() => rand() < 0.5),
        opt(() => rand() < 0.5),
        opt(() => rand() < 0.5),
        opt(() => rand() < 0.5),
        opt(() => rand() < 0.5),
        opt(() => rand() < 0.5),
        'raw/survey=uk-se/wave=2023/uk-se-2023.csv',
        done + i + 2,
        ingestedAt,
      ];
    }
    done += n;
    yield batch;
  }
}

/** Each variant and how it writes `rows` canonical rows to `path`. */
const VARIANTS = {
  // No writer at all: the process's own RSS and the generator's garbage, to read the others' RSS against.
  'baseline-generate-only': async (_path: string, rows: number) => {
    for (const batch of canonicalRows(rows)) void batch;
  },
  'ours-uncompressed': (path: string, rows: number) => writeOurs(path, rows, 'uncompressed'),
  'ours-gzip1': (path: string, rows: number) => writeOurs(path, rows, 'gzip', 1),
  'hyparquet-writer-snappy': (path: string, rows: number) => writeHyparquet(path, rows, 'SNAPPY'),
  'hyparquet-writer-uncompressed': (path: string, rows: number) => writeHyparquet(path, rows, 'UNCOMPRESSED'),
} as const;
type Variant = keyof typeof VARIANTS;

async function writeOurs(
  path: string,
  rows: number,
  compression: 'uncompressed' | 'gzip',
  gzipLevel = 1,
): Promise<void> {
  // appendRows on whole batches, as the ingest will call it (no per-row iterator overhead).
  const file = await open(path, 'w');
  const writer = new ParquetWriter(
    CANONICAL_COLUMNS,
    async (chunk) => {
      await file.write(chunk);
    },
    { compression, gzipLevel },
  );
  for (const batch of canonicalRows(rows)) await writer.appendRows(batch);
  await writer.close();
  await file.close();
}

const HYPARQUET_TYPES = {
  string: 'STRING',
  int32: 'INT32',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp_millis: 'TIMESTAMP',
} as const;

/** hyparquet-writer fed column-wise: rows are transposed into per-column arrays, one row group at a time. */
async function writeHyparquet(path: string, rows: number, codec: 'SNAPPY' | 'UNCOMPRESSED'): Promise<void> {
  const groupSize = 100_000;
  const cols = CANONICAL_COLUMNS;
  const fresh = (): ParquetValue[][] => cols.map(() => []);
  let data = fresh();
  const columnData = () =>
    cols.map((c, j) => ({
      name: c.name,
      data: data[j] as ParquetValue[],
      type: HYPARQUET_TYPES[c.type],
      nullable: c.nullable,
    }));
  const schema = schemaFromColumnData({ columnData: columnData() });
  const writer = new HyparquetWriter({ writer: fileWriter(path), schema, codec });
  let buffered = 0;
  const flush = async (): Promise<void> => {
    await writer.write({ columnData: columnData(), rowGroupSize: groupSize });
    data = fresh();
    buffered = 0;
  };
  for (const batch of canonicalRows(rows)) {
    for (const row of batch) {
      for (let j = 0; j < cols.length; j++) (data[j] as ParquetValue[]).push(row[j] as ParquetValue);
    }
    buffered += batch.length;
    if (buffered >= groupSize) await flush();
  }
  if (buffered > 0) await flush();
  await writer.finish();
}

function footerRows(path: string): number {
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const tail = Buffer.alloc(8);
    readSync(fd, tail, 0, 8, size - 8);
    const len = tail.readUInt32LE(0);
    const footer = Buffer.alloc(len + 8);
    readSync(fd, footer, 0, len + 8, size - len - 8);
    return Number(parquetMetadata(footer.buffer.slice(footer.byteOffset, footer.byteOffset + footer.length)).num_rows);
  } finally {
    closeSync(fd);
  }
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Runs one variant in this process and returns its raw figures (called in the child). */
async function runVariant(
  variant: Variant,
  rows: number,
  dir: string,
): Promise<Omit<ParquetBenchFigure, 'mbPerSecond'>> {
  const c0 = cpuMs();
  const t0 = performance.now();
  let sink = 0;
  for (const batch of canonicalRows(rows)) sink += batch.length;
  const generateMs = performance.now() - t0;
  const generateCpuMs = cpuMs() - c0;
  if (sink !== rows) throw new Error(`bench: generated ${sink} rows, expected ${rows}`);
  const path = join(dir, `${variant}.parquet`);
  const c1 = cpuMs();
  const t1 = performance.now();
  const write = VARIANTS[variant];
  if (!write)
    throw new Error(`bench: unknown variant ${JSON.stringify(variant)}, expected one of ${Object.keys(VARIANTS)}`);
  await write(path, rows);
  const totalMs = performance.now() - t1;
  const encodeCpuMs = cpuMs() - c1 - generateCpuMs;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  let bytes = 0;
  if (variant !== 'baseline-generate-only') {
    const written = footerRows(path);
    if (written !== rows) throw new Error(`bench: ${variant} wrote ${written} rows, expected ${rows}`);
    bytes = statSync(path).size;
  }
  return { variant, rows, encodeCpuMs, encodeMs: totalMs - generateMs, totalMs, bytes, peakRssMb };
}

const here = fileURLToPath(import.meta.url);
const runTs = join(here, '..', '..', 'bin', 'run-ts.js');

/** Measures every variant on `rows` canonical rows, each in a fresh child process; returns the figures. */
export async function benchParquet(rows: number): Promise<ParquetBenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-parquet-'));
  try {
    const raw: Omit<ParquetBenchFigure, 'mbPerSecond'>[] = [];
    for (const variant of Object.keys(VARIANTS)) {
      const child = spawnSync(process.execPath, [runTs, here, '--child', variant, String(rows), dir], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      });
      if (child.status !== 0) throw new Error(`bench: variant ${variant} failed: ${child.stderr.trim()}`);
      raw.push(JSON.parse(child.stdout.trim().split('\n').at(-1) as string));
    }
    const reference = raw.find((r) => r.variant === 'ours-uncompressed')?.bytes ?? 0;
    return raw.map((r) => ({
      ...r,
      mbPerSecond: r.variant === 'baseline-generate-only' ? 0 : reference / 1e6 / (r.encodeCpuMs / 1000),
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Prints the figures as a table. */
export function printParquetBench(figures: readonly ParquetBenchFigure[]): void {
  console.log(`parquet encode, ${figures[0]?.rows ?? 0} canonical rows (28 columns):`);
  console.table(
    figures.map((f) => ({
      variant: f.variant,
      'encode CPU ms': Math.round(f.encodeCpuMs),
      'encode wall ms': Math.round(f.encodeMs),
      'gen+write ms': Math.round(f.totalMs),
      'MB/CPU s': Math.round(f.mbPerSecond),
      'size MB': +(f.bytes / 1e6).toFixed(1),
      'peak RSS MB': Math.round(f.peakRssMb),
    })),
  );
}

if (process.argv[1] === here) {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const [, variant, rows, dir] = args;
    const figure = await runVariant(variant as Variant, Number(rows), dir as string);
    console.log(JSON.stringify(figure));
  } else {
    const rows = Number(args[0] ?? 1_000_000);
    printParquetBench(await benchParquet(rows));
  }
}
