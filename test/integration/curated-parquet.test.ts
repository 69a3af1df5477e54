import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Loser, ValidRows } from '../../core/ingest/curated.ts';
import {
  type CanonicalRecord,
  CanonicalRecordSchema,
  LEGAL_FORMS,
  PARENT_BODIES,
  type ParquetType,
  parquetColumns,
  SECTORS,
  TURNOVER_TRENDS,
} from '../../schemas/index.ts';
import { GOOD_RECORD } from '../helpers/records.ts';

/** The stored columns, in Parquet order, as the schema derives them. */
const COLUMNS = parquetColumns();

let root: string;
let instance: DuckDBInstance;
let db: DuckDBConnection;
let runs = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'curated-parquet-'));
  instance = await DuckDBInstance.create(':memory:');
  db = await instance.connect();
});

afterAll(async () => {
  db?.closeSync();
  instance?.closeSync();
  await rm(root, { recursive: true, force: true });
});

type Row = Record<string, unknown>;

/** Adds the records (with their texts) to a fresh ValidRows, writes the Parquet file and collects the losers. */
async function write(
  records: readonly CanonicalRecord[],
  texts: readonly string[] = records.map((record) => `row ${record.source_row}`),
): Promise<{ path: string; kept: number; losers: Loser[] }> {
  const dir = join(root, `run-${runs++}`);
  await mkdir(dir);
  const rows = new ValidRows(dir);
  for (const [i, record] of records.entries()) {
    const busy = rows.add(record, texts[i]!);
    if (busy !== undefined) await busy;
  }
  await rows.close();
  const losers: Loser[] = [];
  const path = join(dir, 'curated.parquet');
  const kept = await rows.writeParquet(path, async (loser) => {
    losers.push(loser);
  });
  return { path, kept, losers };
}

/** The stored columns of a record, as they should read back (timestamps as epoch milliseconds). */
const stored = (record: CanonicalRecord): Row =>
  Object.fromEntries(COLUMNS.map((column) => [column.name, record[column.name as keyof CanonicalRecord]]));

async function query(sql: string, ...params: string[]): Promise<Row[]> {
  return (await db.runAndReadAll(sql, params)).getRowObjectsJS() as Row[];
}

/** The file read back by DuckDB, in file order, timestamps as epoch milliseconds. */
async function readWithDuckDB(path: string): Promise<Row[]> {
  const select = COLUMNS.map((column) =>
    column.type === 'timestamp_millis' ? `epoch_ms("${column.name}") as "${column.name}"` : `"${column.name}"`,
  ).join(', ');
  const rows = await query(
    `select ${select} from read_parquet(?, file_row_number = true) order by file_row_number`,
    path,
  );
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([name, value]) => [name, typeof value === 'bigint' ? Number(value) : value]),
    ),
  );
}

async function fileBytes(path: string): Promise<ArrayBuffer> {
  const bytes = await readFile(path);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
}

/** The file read back by hyparquet, a reader independent of DuckDB, timestamps as epoch milliseconds. */
async function readWithHyparquet(path: string): Promise<Row[]> {
  return (await parquetReadObjects({
    file: await fileBytes(path),
    compressors,
    parsers: { timestampFromMilliseconds: (ms: bigint | number) => Number(ms) },
  })) as Row[];
}

const bySourceRow = (a: Row, b: Row): number => Number(a.source_row) - Number(b.source_row);

/**
 * Both readers' rows equal `expected`, whatever their order (the file-order test is about that), with every
 * double compared by Object.is (so -0 is not 0).
 */
async function expectReadBack(path: string, expectedRows: readonly Row[]): Promise<void> {
  const expected = [...expectedRows].sort(bySourceRow);
  for (const rows of [
    (await readWithDuckDB(path)).sort(bySourceRow),
    (await readWithHyparquet(path)).sort(bySourceRow),
  ]) {
    // One JSON comparison first: a deep diff of thousands of rows is slow, and wanted only on a mismatch.
    if (JSON.stringify(rows) !== JSON.stringify(expected)) expect(rows).toEqual(expected);
    const signs = rows.flatMap((row, i) =>
      COLUMNS.filter((c) => c.type === 'double' && !Object.is(row[c.name], expected[i]![c.name])).map((c) => ({
        row: i,
        column: c.name,
        got: Object.is(row[c.name], -0) ? '-0' : row[c.name],
        expected: Object.is(expected[i]![c.name], -0) ? '-0' : expected[i]![c.name],
      })),
    );
    expect(signs).toEqual([]);
  }
}

const hex16 = (n: number): string => n.toString(16).padStart(16, '0');

/** A record of GOOD_RECORD's with its own org_id and row, and the given fields replaced. */
function recordAt(i: number, fields: Partial<CanonicalRecord> = {}): CanonicalRecord {
  return CanonicalRecordSchema.parse({ ...GOOD_RECORD, org_id: hex16(i), source_row: i + 2, ...fields });
}

const codes = (list: readonly { code: string }[]) => fc.constantFrom(...list.map((item) => item.code));
const nullable = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: null, freq: 4 });
const text = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
  fc.constantFrom('\\N', '"', '""', ',', 'a,"b"', 'x\r\ny', '\n', '\r', ' padded ', 'NULL', '😀 é ñ 日本', '\\'),
);
const double = (max: number) =>
  fc.oneof(
    fc.double({ min: -0, max, noNaN: true }),
    fc.constantFrom(...[0, 0.1, 1e-300, 5e-324, 2.2250738585072014e-308, 1 / 3, max].filter((x) => x <= max)),
  );
const timestamp = fc.oneof(
  fc.maxSafeInteger(),
  fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) }),
  fc.constantFrom(0, -1, 1, -8.64e15, 8.64e15),
);

/** Any valid canonical record, within the schema's ranges and cross-field rules; org_id and row set later. */
const anyRecord = fc
  .record({
    response_id: text,
    submitted_at: nullable(timestamp),
    country: fc.stringMatching(/^[A-Z]{2}$/),
    region: nullable(text),
    legal_form: codes(LEGAL_FORMS),
    is_spinout: fc.boolean(),
    spinout_year: nullable(fc.integer({ min: 1948, max: 2200 })),
    parent_body: nullable(codes(PARENT_BODIES)),
    sector: codes(SECTORS),
    founded_year: nullable(fc.integer({ min: 1800, max: 2200 })),
    employees: nullable(fc.oneof(fc.nat(), fc.constantFrom(0, 2_147_483_647))),
    volunteers: nullable(fc.oneof(fc.nat(), fc.constantFrom(0, 2_147_483_647))),
    currency: fc.stringMatching(/^[A-Z]{3}$/),
    turnover: nullable(double(Number.MAX_VALUE)),
    turnover_prev: nullable(double(Number.MAX_VALUE)),
    turnover_trend: nullable(codes(TURNOVER_TRENDS)),
    public_income_pct: nullable(double(100)),
    surplus_reinvested_pct: nullable(double(100)),
    employee_owned: nullable(fc.boolean()),
    staff_voice_strategy: nullable(fc.boolean()),
    staff_voice_policy: nullable(fc.boolean()),
    staff_voice_operations: nullable(fc.boolean()),
    measures_social_value: nullable(fc.boolean()),
    new_services: nullable(fc.boolean()),
    source_file: text,
    ingested_at: timestamp,
    survey: fc.constantFrom('uk-se', 'fr-ess'),
    wave: fc.integer({ min: 1800, max: 2200 }),
  })
  .map((record) => {
    // The cross-field rules: no year after the wave, no spin-out details when not a spin-out.
    const wave = Math.max(record.wave, record.spinout_year ?? 0, record.founded_year ?? 0);
    return record.is_spinout ? { ...record, wave } : { ...record, wave, spinout_year: null, parent_body: null };
  });

/** The duplicate rule, written plainly: per org_id, the latest submitted_at (null oldest), then the later row. */
function reference(records: readonly CanonicalRecord[], texts: readonly string[]) {
  const groups = new Map<string, CanonicalRecord[]>();
  for (const record of records) groups.set(record.org_id, [...(groups.get(record.org_id) ?? []), record]);
  const winner = new Map<string, number>();
  for (const [orgId, group] of groups) {
    const sorted = [...group].sort(
      (a, b) =>
        (b.submitted_at ?? Number.NEGATIVE_INFINITY) - (a.submitted_at ?? Number.NEGATIVE_INFINITY) ||
        b.source_row - a.source_row,
    );
    winner.set(orgId, sorted[0]!.source_row);
  }
  const kept = records.filter((record) => winner.get(record.org_id) === record.source_row);
  const losers: Loser[] = records.flatMap((record, i) =>
    winner.get(record.org_id) === record.source_row
      ? []
      : [{ rowNumber: record.source_row, orgId: record.org_id, keptRow: winner.get(record.org_id)!, text: texts[i]! }],
  );
  return { kept, losers };
}

describe('the curated Parquet file', () => {
  it('round-trips every value exactly through DuckDB and hyparquet: nulls, awkward strings, int32 bounds, doubles, timestamps', async () => {
    const strings = [
      'a "quoted" word',
      'a, b',
      'line\r\nbreak\nand\rCR',
      '\\N',
      'NULL',
      'null',
      '😀 émoji ñ 日本語',
      ' padded ',
      '"',
      '""',
      ',',
      '\t',
      'ends in a backslash \\',
      "'single'",
      '#not a comment',
      'x'.repeat(100_000),
    ];
    const doubles = [
      0.1,
      1e-300,
      5e-324,
      2.2250738585072014e-308,
      1.7976931348623157e308,
      0,
      1 / 3,
      123456789.12345679,
    ];
    const timestamps = [0, -1, 1, Date.UTC(1900, 0, 1), Date.UTC(2023, 4, 2, 9, 30, 15, 123), -8.64e15, 8.64e15];
    const records: CanonicalRecord[] = [];
    const add = (fields: Partial<CanonicalRecord>) => records.push(recordAt(records.length, fields));
    // response_id is bounded by the schema; region and source_file are not.
    for (const value of strings) add({ response_id: value.slice(0, 200), region: value, source_file: value });
    for (const value of doubles)
      add({ turnover: value, turnover_prev: value, public_income_pct: Math.min(value, 100) });
    for (const value of timestamps) add({ submitted_at: value, ingested_at: value });
    add({ employees: 2_147_483_647, volunteers: 0, founded_year: 1800, spinout_year: 1948 });
    add({ employees: 0, volunteers: 2_147_483_647, source_row: 2_147_483_647 });
    add({
      submitted_at: null,
      region: null,
      spinout_year: null,
      parent_body: null,
      founded_year: null,
      employees: null,
      volunteers: null,
      turnover: null,
      turnover_prev: null,
      turnover_trend: null,
      public_income_pct: null,
      surplus_reinvested_pct: null,
      employee_owned: null,
      staff_voice_strategy: null,
      staff_voice_policy: null,
      staff_voice_operations: null,
      measures_social_value: null,
      new_services: null,
    });
    add({ is_spinout: false, spinout_year: null, parent_body: null, employee_owned: false, new_services: true });

    const { path, kept, losers } = await write(records);
    expect(kept).toBe(records.length);
    expect(losers).toEqual([]);
    await expectReadBack(path, records.map(stored));
  });

  it('keeps the sign of a negative zero', async () => {
    const records = [recordAt(0, { turnover: -0, turnover_prev: -0, public_income_pct: -0 })];
    const { path } = await write(records);
    await expectReadBack(path, records.map(stored));
  });

  it('stores strings holding carriage returns in the first row', async () => {
    for (const value of ['x\r\ny', '\r', 'ends in CR\r']) {
      const records = [recordAt(0, { response_id: value, region: value, source_file: value }), recordAt(1)];
      const { path } = await write(records);
      await expectReadBack(path, records.map(stored));
    }
  });

  it('stores any valid canonical records exactly, read back by DuckDB and by hyparquet', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyRecord, { minLength: 1, maxLength: 12 }), async (drafts) => {
        // Each its own organisation and row: the duplicate rule keeps them all.
        const records = drafts.map((draft, i) =>
          CanonicalRecordSchema.parse({ ...draft, org_id: hex16(i * 7919), source_row: 2 + i * 3 }),
        );
        const { path, kept, losers } = await write(records);
        expect(kept).toBe(records.length);
        expect(losers).toEqual([]);
        await expectReadBack(path, records.map(stored));
      }),
      // Each run writes a file through DuckDB: shrinking a failure is bounded in time, not in steps.
      { numRuns: 20, interruptAfterTimeLimit: 6_000 },
    );
  });

  it('declares INT32, DOUBLE, BOOLEAN, UTF-8 BYTE_ARRAY and INT64 TIMESTAMP_MILLIS (not UTC-adjusted) columns, ZSTD-compressed', async () => {
    const { path } = await write([recordAt(0), recordAt(1, { submitted_at: null })]);
    await expectSchema(path);
  });

  it('writes a valid empty file with the same column types when no row is valid', async () => {
    const { path, kept, losers } = await write([]);
    expect(kept).toBe(0);
    expect(losers).toEqual([]);
    expect(await query('select count(*)::integer as n from read_parquet(?)', path)).toEqual([{ n: 0 }]);
    expect(await readWithHyparquet(path)).toEqual([]);
    expect(Number(parquetMetadata(await fileBytes(path)).num_rows)).toBe(0);
    await expectSchema(path, { empty: true });
  });
});

/** What each Parquet type must be declared as, physically and logically, and what DuckDB must see. */
const DECLARED: Record<ParquetType, { physical: string; converted: string | null; duckdb: string }> = {
  string: { physical: 'BYTE_ARRAY', converted: 'UTF8', duckdb: 'VARCHAR' },
  // INT_32 annotates a signed 32-bit integer: what Athena reads as int.
  int32: { physical: 'INT32', converted: 'INT_32', duckdb: 'INTEGER' },
  double: { physical: 'DOUBLE', converted: null, duckdb: 'DOUBLE' },
  boolean: { physical: 'BOOLEAN', converted: null, duckdb: 'BOOLEAN' },
  timestamp_millis: { physical: 'INT64', converted: 'TIMESTAMP_MILLIS', duckdb: 'TIMESTAMP' },
};

async function expectSchema(path: string, { empty = false } = {}): Promise<void> {
  const described = await query('describe select * from read_parquet(?)', path);
  expect(described.map((row) => [row.column_name, row.column_type])).toEqual(
    COLUMNS.map((column) => [column.name, DECLARED[column.type].duckdb]),
  );

  const schema = await query(
    `select name, type, converted_type, logical_type from parquet_schema(?) where name <> 'duckdb_schema'`,
    path,
  );
  expect(schema.map((row) => [row.name, row.type, row.converted_type])).toEqual(
    COLUMNS.map((column) => [column.name, DECLARED[column.type].physical, DECLARED[column.type].converted]),
  );
  for (const row of schema.filter((row) => row.converted_type === 'TIMESTAMP_MILLIS')) {
    expect(String(row.logical_type)).toMatch(/TimestampType\(isAdjustedToUTC=(0|false), unit=TimeUnit\(MILLIS/);
  }

  // hyparquet's reading of the footer, independently of DuckDB's.
  const metadata = parquetMetadata(await fileBytes(path));
  const elements = metadata.schema.slice(1);
  expect(elements.map((element) => [element.name, element.type])).toEqual(
    COLUMNS.map((column) => [column.name, DECLARED[column.type].physical]),
  );
  for (const [i, column] of COLUMNS.entries()) {
    if (column.type === 'timestamp_millis') {
      expect(elements[i]?.logical_type).toEqual({ type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MILLIS' });
    }
    if (column.type === 'string') expect(elements[i]?.converted_type).toBe('UTF8');
  }

  if (!empty) {
    const chunks = await query('select path_in_schema as name, compression from parquet_metadata(?)', path);
    expect(new Set(chunks.map((chunk) => chunk.name))).toEqual(new Set(COLUMNS.map((column) => column.name)));
    expect(new Set(chunks.map((chunk) => chunk.compression))).toEqual(new Set(['ZSTD']));
    const codecs = metadata.row_groups.flatMap((group) => group.columns.map((chunk) => chunk.meta_data?.codec));
    expect(codecs.length).toBeGreaterThanOrEqual(COLUMNS.length);
    expect(new Set(codecs)).toEqual(new Set(['ZSTD']));
  }
}

describe('the duplicate rule', () => {
  it('keeps per org_id the latest submission (a missing date the oldest, a tie to the later row), as a plain sort does', async () => {
    const orgIds = ['00000000000000aa', '00000000000000bb', '00000000000000cc', '00000000000000dd'];
    const draft = fc.record({
      org: fc.integer({ min: 0, max: orgIds.length - 1 }),
      // Few dates, so that ties and missing dates are common; sometimes any date.
      submitted: fc.oneof(fc.constantFrom(null, -1, 0, 1000, 2000), nullable(timestamp)),
      gap: fc.integer({ min: 1, max: 3 }),
      text: fc.oneof(
        fc.string({ unit: 'binary', maxLength: 30 }),
        fc.constantFrom('1,"two\r\nlines",3', 'é€😀,"a ""b""",\n\n', ''),
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(draft, { minLength: 1, maxLength: 30 }), async (drafts) => {
        let row = 1;
        const records = drafts.map((d, i) => {
          row += d.gap;
          return recordAt(i, { org_id: orgIds[d.org]!, submitted_at: d.submitted, source_row: row });
        });
        const texts = drafts.map((d) => d.text);
        const expected = reference(records, texts);
        const { path, kept, losers } = await write(records, texts);
        expect(kept).toBe(expected.kept.length);
        expect(losers).toEqual(expected.losers);
        await expectReadBack(path, expected.kept.map(stored));
      }),
      { numRuns: 30, interruptAfterTimeLimit: 10_000 },
    );
  });

  it('gives back every loser of a large file with its text byte for byte, multi-byte and multi-line texts included', async () => {
    const orgIds = Array.from({ length: 7 }, (_, i) => hex16(0xabc000 + i));
    const pieces = ['ünïcödé', '😀', '€', '\r\n', '\n', '"', ',', 'plain', '日本語', '\\N', ''];
    const texts: string[] = [];
    const records: CanonicalRecord[] = [];
    let seed = 12345;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return (seed >>> 8) % n;
    };
    for (let i = 0; i < 2600; i++) {
      texts.push(Array.from({ length: 1 + next(12) }, () => pieces[next(pieces.length)]).join(''));
      records.push(
        recordAt(i, {
          org_id: orgIds[next(orgIds.length)]!,
          submitted_at: next(4) === 0 ? null : Date.UTC(2023, 0, 1 + next(5)),
        }),
      );
    }
    const expected = reference(records, texts);
    const { path, kept, losers } = await write(records, texts);
    expect(kept).toBe(orgIds.length);
    expect(losers.length).toBe(records.length - orgIds.length);
    const wrong = losers.filter(
      (loser, i) =>
        Buffer.compare(Buffer.from(loser.text), Buffer.from(expected.losers[i]?.text ?? '\u0000')) !== 0 ||
        loser.rowNumber !== expected.losers[i]?.rowNumber,
    );
    expect(wrong.slice(0, 3), `${wrong.length} losers differ`).toEqual([]);
    expect(losers).toEqual(expected.losers);
    await expectReadBack(path, expected.kept.map(stored));
  });

  it('writes the kept rows in file order', async () => {
    const records = Array.from({ length: 6000 }, (_, i) => recordAt(i, { org_id: hex16((i * 7) % 1500) }));
    const expected = reference(
      records,
      records.map(() => ''),
    );
    const { path, kept } = await write(records);
    expect(kept).toBe(expected.kept.length);
    const order = (await readWithDuckDB(path)).map((row) => row.source_row);
    expect(order).toEqual(expected.kept.map((record) => record.source_row));
  });
});
