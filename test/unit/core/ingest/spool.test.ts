import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRecordText } from '../../../../core/ingest/csv-reader.ts';
import { RecordSpool, readSpool } from '../../../../core/ingest/spool.ts';
import type { ColumnData, ParquetColumn } from '../../../../core/parquet/index.ts';

const COLUMNS: readonly ParquetColumn[] = [
  { name: 's', type: 'string', nullable: true },
  { name: 'i', type: 'int32', nullable: true },
  { name: 'f', type: 'double', nullable: true },
  { name: 'b', type: 'boolean', nullable: true },
  { name: 't', type: 'timestamp_millis', nullable: false },
  { name: 'c', type: 'string', nullable: true, dictionary: true },
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spool-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const decoder = new TextDecoder();
/** A string as it comes back from UTF-8: lone surrogates become U+FFFD. */
const utf8 = (text: string) => decoder.decode(new TextEncoder().encode(text));

/** Row `i` of a block's column, back as a JS value (null when not valid). */
function valueAt(column: ColumnData, i: number): unknown {
  if (column.valid[i] === 0) return null;
  switch (column.kind) {
    case 'codes':
      return decoder.decode(column.entries[column.codes[i]!]);
    case 'utf8':
      return decoder.decode(column.bytes.subarray(column.offsets[i], column.offsets[i + 1]));
    case 'boolean':
      return column.values[i] === 1;
    default:
      return column.values[i];
  }
}

/** Raw cells as a CSV row may hold them, including the spool's own separator U+001F now and then. */
const cells = fc.array(
  fc.oneof(fc.string(), fc.constantFrom('', 'a\u001fb', '\u001f', 'é\u001f', '日本語', ' x ', '\u0002', '\u0002[1]')),
  {
    minLength: 1,
    maxLength: 6,
  },
);

const record = fc.record({
  s: fc.option(fc.oneof(fc.string(), fc.constantFrom('', 'héllo', '日本語 😀', 'x'.repeat(200)))),
  i: fc.option(fc.integer({ min: -2147483648, max: 2147483647 })),
  f: fc.option(fc.double()),
  b: fc.option(fc.boolean()),
  t: fc.integer({ min: -8.64e15, max: 8.64e15 }),
  // A coded column: few distinct values, new ones turning up in later blocks.
  c: fc.option(fc.oneof(fc.constantFrom('GB', 'health', 'héllo', ''), fc.string({ maxLength: 3 }))),
});

describe('RecordSpool and readSpool', () => {
  it('give back every record that did not lose, in order, with its values exact, and the raw cells of those that did', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(record, cells), { maxLength: 200 }),
        fc.integer({ min: 1, max: 50 }),
        fc.func(fc.boolean()),
        fc.constantFrom('cells', 'text', 'range'),
        async (rows, blockRows, loses, how) => {
          const records = rows.map(([r]) => r);
          const path = join(dir, `spool-${run++}`);
          const spool = await RecordSpool.create(path, COLUMNS, { blockRows, ranges: how === 'range' });
          // The "source file" the ranges point into: each row's text on a line of its own.
          const source: Buffer[] = [];
          let sourceBytes = 0;
          for (const [index, [r, raw]] of rows.entries()) {
            // Raw cells go as they are, or as some rows' record text, read back by the CSV reader's parser, or as
            // where that text lies in the source file (the others then fall back to the text, or the cells).
            const known = (how === 'text' || how === 'range') && index % 3 !== 0;
            const text = known ? Papa.unparse([raw], { quotes: true }) : undefined;
            let offset = -1;
            let byteLength = 0;
            if (how === 'range' && text !== undefined && index % 2 === 0) {
              const bytes = Buffer.from(`${text}\n`);
              offset = sourceBytes;
              byteLength = bytes.length - 1;
              source.push(bytes);
              sourceBytes += bytes.length;
            }
            spool.add(r, { rowNumber: index + 2, cells: raw, text, offset, byteLength });
            await spool.drain();
          }
          const file = Buffer.concat(source);
          await spool.close();
          expect(spool.count).toBe(records.length);
          const isLoser = (index: number) => loses(index);
          const back: unknown[] = [];
          const lost: [number, number, string[]][] = [];
          let next = 0;
          const onLoser = (index: number, rowNumber: number, raw: string[]) => lost.push([index, rowNumber, raw]);
          const parseText = (text: string) => parseRecordText(text, ',');
          const readRange = (offset: number, length: number) =>
            parseRecordText(file.subarray(offset, offset + length).toString('utf8'), ',');
          for await (const block of readSpool(path, COLUMNS, isLoser, onLoser, 0, { parseText, readRange })) {
            expect(block.first).toBe(next);
            expect(block.rows).toBe(Math.min(blockRows, records.length - next));
            next += block.rows;
            let previousEnd = 0;
            for (const [start, end] of block.kept) {
              expect(start).toBeGreaterThanOrEqual(previousEnd);
              previousEnd = end;
              for (let i = start; i < end; i++) {
                back.push(Object.fromEntries(COLUMNS.map((c, j) => [c.name, valueAt(block.columns[j]!, i)])));
              }
            }
          }
          expect(next).toBe(records.length);
          // Lone surrogates are written as U+FFFD, as UTF-8 must.
          const expected = records
            .filter((_, index) => !isLoser(index))
            .map((r) => ({ ...r, s: r.s === null ? null : utf8(r.s), c: r.c === null ? null : utf8(r.c) }));
          expect(back).toEqual(expected);
          expect(lost).toEqual(
            rows.flatMap(([, raw], index) => (isLoser(index) ? [[index, index + 2, raw.map(utf8)]] : [])),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses a value of the wrong type for its column', async () => {
    const spool = await RecordSpool.create(join(dir, 'bad'), COLUMNS);
    expect(() => spool.add({ s: 'a', i: 'one', f: 1, b: true, t: 0, c: null }, { rowNumber: 2, cells: ['a'] })).toThrow(
      /spool: column "i" \(int32\) expects a int32 value, got string one/,
    );
    await spool.close();
  });
});
