import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ColumnData,
  type ParquetColumn,
  type ParquetValue,
  ParquetWriter,
} from '../../../../core/parquet/index.ts';
import { ALL_TYPES } from './read-back.ts';

/** Every type, plus a required string. */
const COLUMNS: readonly ParquetColumn[] = [...ALL_TYPES, { name: 'name', type: 'string', nullable: false }];

const utf8 = new TextEncoder();

/** Each string column's list of coded values, grown as new values turn up (as a spool's are). */
type CodeLists = Map<number, { entries: Uint8Array[]; codeOf: Map<string, number> }>;

/**
 * The rows as typed columns, built the obvious way (one array per column, strings encoded one by one); with
 * `codes`, strings are given as codes into those lists instead.
 */
function toColumns(rows: readonly (readonly ParquetValue[])[], codes?: CodeLists): ColumnData[] {
  return COLUMNS.map((column, j) => {
    if (codes !== undefined && column.type === 'string') {
      let list = codes.get(j);
      if (list === undefined) {
        list = { entries: [], codeOf: new Map() };
        codes.set(j, list);
      }
      const { entries, codeOf } = list;
      const codeOfValue = (value: string) => {
        let code = codeOf.get(value);
        if (code === undefined) {
          code = entries.length;
          codeOf.set(value, code);
          entries.push(utf8.encode(value));
        }
        return code;
      };
      return {
        kind: 'codes',
        valid: Uint8Array.from(rows, (row) => (row[j] === null ? 0 : 1)),
        codes: Int32Array.from(rows, (row) => (row[j] === null ? 0 : codeOfValue(row[j] as string))),
        entries,
      };
    }
    const valid = Uint8Array.from(rows, (row) => (row[j] === null ? 0 : 1));
    switch (column.type) {
      case 'int32':
        return { kind: 'int32', valid, values: Int32Array.from(rows, (row) => (row[j] as number | null) ?? 0) };
      case 'double':
      case 'timestamp_millis':
        return { kind: 'float64', valid, values: Float64Array.from(rows, (row) => (row[j] as number | null) ?? 0) };
      case 'boolean':
        return { kind: 'boolean', valid, values: Uint8Array.from(rows, (row) => (row[j] === true ? 1 : 0)) };
      default: {
        const encoded = rows.map((row) => utf8.encode((row[j] as string | null) ?? ''));
        const offsets = new Uint32Array(rows.length + 1);
        encoded.forEach((bytes, i) => {
          offsets[i + 1] = (offsets[i] as number) + bytes.length;
        });
        const bytes = new Uint8Array(offsets[rows.length] as number);
        for (const [i, value] of encoded.entries()) bytes.set(value, offsets[i]);
        return { kind: 'utf8', valid, offsets, bytes };
      }
    }
  });
}

async function write(fill: (writer: ParquetWriter) => Promise<void>, rowGroupSize: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const writer = new ParquetWriter(
    COLUMNS,
    (chunk) => {
      chunks.push(chunk.slice());
    },
    { rowGroupSize },
  );
  await fill(writer);
  await writer.close();
  return Buffer.concat(chunks);
}

const text = fc.oneof(fc.string(), fc.constantFrom('', 'a', 'b', 'héllo', '日本語 😀', 'zz'));
const row = fc.tuple(
  fc.option(text),
  fc.option(fc.constantFrom('a', 'b', 'c', '')),
  fc.option(fc.integer({ min: -2147483648, max: 2147483647 })),
  fc.option(fc.double({ noNaN: false })),
  fc.option(fc.boolean()),
  fc.option(fc.integer({ min: -8.64e15, max: 8.64e15 })),
  fc.integer({ min: -2147483648, max: 2147483647 }),
  text,
);

describe('ParquetWriter.appendColumns', () => {
  it('writes the same file, byte for byte, as appendRows with the same values', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { maxLength: 300 }),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 200 }),
        fc.boolean(),
        async (rows, rowGroupSize, batch, coded) => {
          const byRows = await write((writer) => writer.appendRows(rows), rowGroupSize);
          const byColumns = await write(async (writer) => {
            // Batches with a row of padding on either side, appended by range. Coded strings index lists that
            // grow from batch to batch, and a second set of lists, numbered afresh, takes over halfway (as a
            // second spool's does).
            const pad = rows[0] ?? [];
            const first: CodeLists = new Map();
            const second: CodeLists = new Map();
            for (let start = 0; start < rows.length; start += batch) {
              const slice = rows.slice(start, start + batch);
              const codes = coded ? (start < rows.length / 2 ? first : second) : undefined;
              await writer.appendColumns(toColumns([pad, ...slice, pad], codes), 1, slice.length + 1);
            }
          }, rowGroupSize);
          expect(Buffer.from(byColumns).equals(Buffer.from(byRows))).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('writes coded values like their bytes when a dictionary grows too large and falls back to plain', async () => {
    // 300 distinct values of 5 kB: more than the dictionary's 1 MiB, so the row group goes on in PLAIN.
    const rows = Array.from({ length: 600 }, (_, i): ParquetValue[] => [
      null,
      `${i % 300}`.padEnd(5000, 'x'),
      null,
      null,
      null,
      null,
      i,
      'n',
    ]);
    const byRows = await write((writer) => writer.appendRows(rows), 1000);
    const byColumns = await write(async (writer) => {
      const codes: CodeLists = new Map();
      for (let start = 0; start < rows.length; start += 100) {
        await writer.appendColumns(toColumns(rows.slice(start, start + 100), codes), 0, 100);
      }
    }, 1000);
    expect(Buffer.from(byColumns).equals(Buffer.from(byRows))).toBe(true);
  });

  it('refuses a code with no entry', async () => {
    const columns = toColumns([['a', 'a', 1, 1, true, 1, 1, 'x']], new Map());
    const codes = columns[0] as Extract<ColumnData, { kind: 'codes' }>;
    columns[0] = { ...codes, codes: Int32Array.of(1) };
    await expect(new ParquetWriter(COLUMNS, () => undefined).appendColumns(columns, 0, 1)).rejects.toThrow(
      /column "s" got code 1 at row 0, expected one of the 1 entries/,
    );
  });

  it('refuses a null in a column that is not nullable, and data of the wrong kind', async () => {
    const rows: ParquetValue[][] = [['a', 'a', 1, 1, true, 1, 1, 'x']];
    const nulled = toColumns(rows);
    nulled[6] = { kind: 'int32', valid: Uint8Array.of(0), values: Int32Array.of(0) };
    const writer = new ParquetWriter(COLUMNS, () => undefined);
    await expect(writer.appendColumns(nulled, 0, 1)).rejects.toThrow(/column "req".*not nullable/);
    const swapped = toColumns(rows);
    swapped[2] = swapped[3] as ColumnData;
    await expect(new ParquetWriter(COLUMNS, () => undefined).appendColumns(swapped, 0, 1)).rejects.toThrow(
      /column "i" \(int32\) takes int32 column data, got float64/,
    );
  });
});
