import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANONICAL_COLUMNS, canonicalRows } from '../../bench/parquet.ts';
import {
  type ParquetColumn,
  type ParquetCompression,
  type ParquetType,
  type ParquetValue,
  writeParquetFile,
} from '../../core/parquet/index.ts';
import { metadataWithHyparquet, readWithHyparquet } from '../unit/core/parquet/read-back.ts';

let dir: string;
let instance: DuckDBInstance;
let db: DuckDBConnection;
let fileNo = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parquet-duckdb-'));
  instance = await DuckDBInstance.create(':memory:');
  db = await instance.connect();
});

afterAll(async () => {
  db?.closeSync();
  instance?.closeSync();
  await rm(dir, { recursive: true, force: true });
});

function nextPath(): string {
  fileNo += 1;
  return join(dir, `f${fileNo}.parquet`);
}

async function query(sql: string, ...params: string[]): Promise<Record<string, unknown>[]> {
  const reader = await db.runAndReadAll(sql, params);
  return reader.getRowObjectsJS() as Record<string, unknown>[];
}

/** Reads the file back through DuckDB, in file order, as plain values (timestamps as epoch milliseconds). */
async function readWithDuckDB(path: string, columns: readonly ParquetColumn[]): Promise<ParquetValue[][]> {
  const select = columns
    .map((c) => (c.type === 'timestamp_millis' ? `epoch_ms("${c.name}") as "${c.name}"` : `"${c.name}"`))
    .join(', ');
  const rows = await query(
    `select ${select} from read_parquet(?, file_row_number = true) order by file_row_number`,
    path,
  );
  return rows.map((r) =>
    columns.map((c) => {
      const v = r[c.name];
      return typeof v === 'bigint' ? Number(v) : (v as ParquetValue);
    }),
  );
}

async function duckTypes(path: string): Promise<Record<string, string>> {
  const rows = await query('describe select * from read_parquet(?)', path);
  return Object.fromEntries(rows.map((r) => [r.column_name as string, r.column_type as string]));
}

const ALL: readonly ParquetColumn[] = [
  { name: 'label', type: 'string', nullable: true },
  { name: 'sector', type: 'string', nullable: true, dictionary: true },
  { name: 'employees', type: 'int32', nullable: true },
  { name: 'turnover', type: 'double', nullable: true },
  { name: 'is_spinout', type: 'boolean', nullable: true },
  { name: 'submitted_at', type: 'timestamp_millis', nullable: true },
  { name: 'source_row', type: 'int32', nullable: false },
  { name: 'ingested_at', type: 'timestamp_millis', nullable: false },
];

const ALL_ROWS: ParquetValue[][] = [
  ['Société coopérative', 'health', 12, 125000.5, true, Date.UTC(2023, 5, 30, 12, 0, 0, 1), 2, 1_700_000_000_123],
  [null, null, null, null, null, null, 3, 0],
  ['', '', 0, -0, false, 0, 4, -1],
  ['日本語 😀 \u0000 tab\tquote"', 'social_care', -2147483648, -1.7976931348623157e308, true, -62135596800000, 5, 1],
  ['x', 'health', 2147483647, 5e-324, false, 253402300799999, 6, 8.64e15],
  ['y', 'ünïcode', -1, Number.NaN, null, null, 7, -8.64e15],
  ['z', 'health', null, Number.POSITIVE_INFINITY, true, 1, 8, 2],
  ['', null, 7, Number.NEGATIVE_INFINITY, false, -2, 9, 3],
];

describe('Parquet files read back by DuckDB', () => {
  it('round-trips every type exactly: nulls, empty strings, unicode, int32 bounds, -0, NaN, infinities, timestamps', async () => {
    for (const compression of ['uncompressed', 'gzip'] as const) {
      const path = nextPath();
      await writeParquetFile(path, ALL, ALL_ROWS, { compression });
      expect(await readWithDuckDB(path, ALL)).toEqual(ALL_ROWS);
      expect(await readWithHyparquet(path, ALL)).toEqual(ALL_ROWS);
    }
  });

  it('gives DuckDB the SQL types VARCHAR, INTEGER, DOUBLE, BOOLEAN and TIMESTAMP', async () => {
    const path = nextPath();
    await writeParquetFile(path, ALL, ALL_ROWS);
    expect(await duckTypes(path)).toEqual({
      label: 'VARCHAR',
      sector: 'VARCHAR',
      employees: 'INTEGER',
      turnover: 'DOUBLE',
      is_spinout: 'BOOLEAN',
      submitted_at: 'TIMESTAMP',
      source_row: 'INTEGER',
      ingested_at: 'TIMESTAMP',
    });
    const timestamps = await query(
      `select cast(ingested_at as varchar) as v from read_parquet(?, file_row_number = true) order by file_row_number limit 1`,
      path,
    );
    expect(timestamps[0]?.v).toBe('2023-11-14 22:13:20.123');
  });

  it('declares the physical, converted and logical types Athena and DuckDB expect in parquet_schema()', async () => {
    const path = nextPath();
    await writeParquetFile(path, ALL, ALL_ROWS);
    const schema = await query(
      'select name, type, repetition_type, converted_type, logical_type from parquet_schema(?)',
      path,
    );
    const byName = Object.fromEntries(schema.map((r) => [r.name as string, r]));
    expect(byName.label).toMatchObject({ type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL', converted_type: 'UTF8' });
    expect(String(byName.label?.logical_type)).toContain('StringType');
    expect(byName.employees).toMatchObject({ type: 'INT32', converted_type: null, logical_type: null });
    expect(byName.turnover).toMatchObject({ type: 'DOUBLE' });
    expect(byName.is_spinout).toMatchObject({ type: 'BOOLEAN' });
    expect(byName.source_row).toMatchObject({ type: 'INT32', repetition_type: 'REQUIRED' });
    expect(byName.ingested_at).toMatchObject({
      type: 'INT64',
      repetition_type: 'REQUIRED',
      converted_type: 'TIMESTAMP_MILLIS',
    });
    expect(String(byName.ingested_at?.logical_type)).toMatch(/TimestampType\(isAdjustedToUTC=0, unit=TimeUnit\(MILLIS/);
  });

  it('records encodings, offsets and min/max/null-count statistics in parquet_metadata()', async () => {
    const path = nextPath();
    await writeParquetFile(path, ALL, ALL_ROWS);
    const meta = await query(
      `select path_in_schema as col, type, encodings, compression, stats_null_count as nulls,
              stats_min_value as min, stats_max_value as max, dictionary_page_offset as dict
       from parquet_metadata(?)`,
      path,
    );
    const by = Object.fromEntries(meta.map((r) => [r.col as string, r]));
    expect(by.sector).toMatchObject({ encodings: 'PLAIN, RLE, RLE_DICTIONARY', nulls: 2n, min: '', max: 'ünïcode' });
    expect(typeof by.sector?.dict).toBe('bigint');
    expect(by.label).toMatchObject({ encodings: 'PLAIN, RLE', nulls: 1n, min: '', max: ALL_ROWS[3]?.[0] });
    expect(by.employees).toMatchObject({ type: 'INT32', nulls: 2n, min: '-2147483648', max: '2147483647' });
    // DuckDB shows no infinite bounds (it treats them as unknown); hyparquet decodes the stored ones
    expect(by.turnover).toMatchObject({ nulls: 1n });
    const stats = (await metadataWithHyparquet(path)).row_groups[0]?.columns[3]?.meta_data?.statistics;
    expect(stats).toMatchObject({
      null_count: 1n,
      min_value: Number.NEGATIVE_INFINITY,
      max_value: Number.POSITIVE_INFINITY,
    });
    expect(by.is_spinout).toMatchObject({ nulls: 2n, min: 'false', max: 'true' });
    expect(by.source_row).toMatchObject({ nulls: 0n, min: '2', max: '9' });
    expect(by.submitted_at).toMatchObject({ min: '0001-01-01 00:00:00', max: '9999-12-31 23:59:59.999' });
    expect(by.label?.compression).toBe('UNCOMPRESSED');
  });

  it('orders string statistics by UTF-8 bytes', async () => {
    const path = nextPath();
    const cols: ParquetColumn[] = [
      { name: 'plain', type: 'string', nullable: false },
      { name: 'dict', type: 'string', nullable: false, dictionary: true },
    ];
    const values = ['ｚ', '😀', 'z', 'é', '日本'];
    await writeParquetFile(
      path,
      cols,
      values.map((v) => [v, v]),
    );
    const meta = await query('select stats_min_value as min, stats_max_value as max from parquet_metadata(?)', path);
    expect(meta).toEqual([
      { min: 'z', max: '😀' },
      { min: 'z', max: '😀' },
    ]);
  });

  it('lets DuckDB prune row groups with the statistics and still count every row', async () => {
    const path = nextPath();
    const cols: ParquetColumn[] = [{ name: 'n', type: 'int32', nullable: false }];
    await writeParquetFile(
      path,
      cols,
      Array.from({ length: 1000 }, (_, i) => [i]),
      { rowGroupSize: 100 },
    );
    const rows = await query('select count(*) as c, min(n) as lo from read_parquet(?) where n >= 950', path);
    expect(rows).toEqual([{ c: 50n, lo: 950 }]);
  });

  it('splits rows into several row groups and keeps their order', async () => {
    const path = nextPath();
    const rows = Array.from({ length: 50 }, (_, i) => ALL_ROWS[i % ALL_ROWS.length]!.map((v, j) => (j === 6 ? i : v)));
    const result = await writeParquetFile(path, ALL, rows, { rowGroupSize: 7 });
    expect(result.rowGroups).toBe(8);
    const groups = await query(
      'select row_group_id, row_group_num_rows as n from parquet_metadata(?) where column_id = 0 order by row_group_id',
      path,
    );
    expect(groups.map((g) => Number(g.n))).toEqual([7, 7, 7, 7, 7, 7, 7, 1]);
    expect(await readWithDuckDB(path, ALL)).toEqual(rows);
  });

  it('writes a valid empty file with the right column types when there are no rows', async () => {
    const path = nextPath();
    const result = await writeParquetFile(path, ALL, []);
    expect(result).toMatchObject({ rows: 0, rowGroups: 0 });
    expect(await query('select count(*) as c from read_parquet(?)', path)).toEqual([{ c: 0n }]);
    expect(await duckTypes(path)).toMatchObject({ label: 'VARCHAR', employees: 'INTEGER', ingested_at: 'TIMESTAMP' });
    expect(await readWithHyparquet(path, ALL)).toEqual([]);
  });

  it('keeps a dictionary of tens of thousands of values and falls back to PLAIN past 65 536', async () => {
    const cols: ParquetColumn[] = [{ name: 'code', type: 'string', nullable: true, dictionary: true }];
    const rows = Array.from({ length: 80_000 }, (_, i) => [i % 11 === 0 ? null : `v${i % 70_000}`]);
    const path = nextPath();
    await writeParquetFile(path, cols, rows, { rowGroupSize: 40_000 });
    const enc = await query('select encodings from parquet_metadata(?) order by row_group_id', path);
    // each group holds 36 000 to 40 000 distinct values: still a dictionary, with 16-bit indices
    expect(enc.map((e) => e.encodings)).toEqual(['PLAIN, RLE, RLE_DICTIONARY', 'PLAIN, RLE, RLE_DICTIONARY']);
    expect(await readWithDuckDB(path, cols)).toEqual(rows);

    const wide = Array.from({ length: 75_000 }, (_, i) => [i % 13 === 5 ? null : `w${i}`]);
    const path2 = nextPath();
    await writeParquetFile(path2, cols, wide, { rowGroupSize: 75_000 });
    const enc2 = await query('select encodings, stats_min_value as min from parquet_metadata(?)', path2);
    expect(enc2).toEqual([{ encodings: 'PLAIN, RLE', min: 'w0' }]);
    expect(await readWithDuckDB(path2, cols)).toEqual(wide);
  });

  it('writes columns that are entirely null in a row group, the dictionary one without a dictionary page', async () => {
    const nullable = ALL.filter((c) => c.nullable);
    const rows: ParquetValue[][] = [nullable.map(() => null), nullable.map(() => null), ALL_ROWS[0]!.slice(0, 6)];
    const path = nextPath();
    await writeParquetFile(path, nullable, rows, { rowGroupSize: 2 });
    expect(await readWithDuckDB(path, nullable)).toEqual(rows);
    expect(await readWithHyparquet(path, nullable)).toEqual(rows);
    const meta = await query(
      `select row_group_id as g, stats_null_count as nulls, dictionary_page_offset as dict
       from parquet_metadata(?) where path_in_schema = 'sector' order by g`,
      path,
    );
    expect(meta).toEqual([
      { g: 0n, nulls: 2n, dict: null },
      { g: 1n, nulls: 0n, dict: expect.any(BigInt) },
    ]);
  });

  it('round-trips a dictionary column holding a single value as one RLE run', async () => {
    const cols: ParquetColumn[] = [{ name: 'source_file', type: 'string', nullable: false, dictionary: true }];
    const rows = Array.from({ length: 1000 }, () => ['raw/survey=uk-se/wave=2023/a.csv']);
    const path = nextPath();
    await writeParquetFile(path, cols, rows);
    expect(await readWithDuckDB(path, cols)).toEqual(rows);
  });
});

describe('Parquet at scale', () => {
  it('agrees row for row with hyparquet-writer on 110 000 canonical rows (two default row groups, GZIP)', async () => {
    const rows = [...canonicalRows(110_000)].flat();
    const ours = nextPath();
    const theirs = nextPath();
    const result = await writeParquetFile(ours, CANONICAL_COLUMNS, rows, { compression: 'gzip' });
    expect(result).toMatchObject({ rows: 110_000, rowGroups: 2 });
    const types = {
      string: 'STRING',
      int32: 'INT32',
      double: 'DOUBLE',
      boolean: 'BOOLEAN',
      timestamp_millis: 'TIMESTAMP',
    };
    parquetWriteFile({
      filename: theirs,
      columnData: CANONICAL_COLUMNS.map((c, j) => ({
        name: c.name,
        type: types[c.type] as 'STRING',
        nullable: c.nullable,
        data: rows.map((r) => r[j] as string),
      })),
    });
    const diff = await query(
      `select (select count(*) from (from read_parquet($1) except all from read_parquet($2))) as missing,
              (select count(*) from (from read_parquet($2) except all from read_parquet($1))) as extra,
              (select count(*) from read_parquet($1)) as n`,
      ours,
      theirs,
    );
    expect(diff).toEqual([{ missing: 0n, extra: 0n, n: 110_000n }]);
    expect(await duckTypes(ours)).toEqual(await duckTypes(theirs));
  });
});

const TYPES: readonly ParquetType[] = ['string', 'int32', 'double', 'boolean', 'timestamp_millis'];
const MAX_MS = 8_640_000_000_000_000n;

function valueArbitrary(type: ParquetType): fc.Arbitrary<ParquetValue> {
  switch (type) {
    case 'string':
      return fc.oneof(fc.constantFrom('a', 'b', 'ç', ''), fc.string({ unit: 'binary', maxLength: 12 }));
    case 'int32':
      return fc.integer();
    case 'double':
      return fc.double();
    case 'boolean':
      return fc.boolean();
    case 'timestamp_millis':
      return fc.bigInt({ min: -MAX_MS, max: MAX_MS }).map(Number);
  }
}

const schemaArbitrary = fc
  .array(
    fc.record({
      type: fc.constantFrom(...TYPES),
      nullable: fc.boolean(),
      dictionary: fc.boolean(),
    }),
    { minLength: 1, maxLength: 6 },
  )
  .map((cols) =>
    cols.map(
      (c, i): ParquetColumn => ({
        name: `c${i}`,
        type: c.type,
        nullable: c.nullable,
        dictionary: c.type === 'string' && c.dictionary,
      }),
    ),
  );

const caseArbitrary = schemaArbitrary.chain((columns) =>
  fc.record({
    columns: fc.constant(columns),
    rows: fc.array(
      fc.tuple(
        ...columns.map((c) =>
          c.nullable ? fc.option(valueArbitrary(c.type), { nil: null, freq: 3 }) : valueArbitrary(c.type),
        ),
      ),
      { maxLength: 40 },
    ),
    rowGroupSize: fc.integer({ min: 1, max: 16 }),
    compression: fc.constantFrom<ParquetCompression>('uncompressed', 'gzip'),
  }),
);

describe('Parquet round trip, property-based', () => {
  it('reads back arbitrary rows of an arbitrary schema exactly, through DuckDB and through hyparquet', async () => {
    await fc.assert(
      fc.asyncProperty(caseArbitrary, async ({ columns, rows, rowGroupSize, compression }) => {
        const path = nextPath();
        const result = await writeParquetFile(path, columns, rows, { rowGroupSize, compression });
        expect(result.rows).toBe(rows.length);
        expect(await readWithDuckDB(path, columns)).toEqual(rows);
        expect(await readWithHyparquet(path, columns)).toEqual(rows);
      }),
      { numRuns: 60 },
    );
  });
});
