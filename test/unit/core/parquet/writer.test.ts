import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ParquetColumn,
  type ParquetValue,
  ParquetWriter,
  writableSink,
  writeParquetFile,
} from '../../../../core/parquet/index.ts';
import { ALL_TYPES, metadataWithHyparquet, readWithHyparquet } from './read-back.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parquet-writer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ALL_TYPES_ROWS: ParquetValue[][] = [
  ['héllo wörld', 'a', 1, 1.5, true, Date.UTC(2024, 1, 29, 23, 59, 59, 999), 0],
  [null, null, null, null, null, null, 1],
  ['', 'b', -2147483648, -1e308, false, -1, 2],
  ['日本語 😀', 'a', 2147483647, 5e-324, true, 0, 3],
  ['x', '', 0, 123456789.125, false, Date.UTC(1900, 0, 1), 4],
];

describe('ParquetWriter read back by hyparquet', () => {
  it('round-trips every type with nulls, empty strings and extreme values', async () => {
    const path = join(dir, 'all.parquet');
    const result = await writeParquetFile(path, ALL_TYPES, ALL_TYPES_ROWS);
    expect(result).toEqual({ rows: 5, bytes: (await readFile(path)).length, rowGroups: 1 });
    expect(await readWithHyparquet(path, ALL_TYPES)).toEqual(ALL_TYPES_ROWS);
  });

  it('round-trips GZIP-compressed pages', async () => {
    const path = join(dir, 'gzip.parquet');
    await writeParquetFile(path, ALL_TYPES, ALL_TYPES_ROWS, { compression: 'gzip', rowGroupSize: 2 });
    expect(await readWithHyparquet(path, ALL_TYPES)).toEqual(ALL_TYPES_ROWS);
    const meta = await metadataWithHyparquet(path);
    expect(meta.row_groups.map((g) => Number(g.num_rows))).toEqual([2, 2, 1]);
    expect(meta.row_groups[0]?.columns[0]?.meta_data?.codec).toBe('GZIP');
  });

  it('streams each row group as soon as it is full, page by page, then the footer, and counts the bytes', async () => {
    const chunks: Uint8Array[] = [];
    const writer = new ParquetWriter(
      ALL_TYPES,
      (c) => {
        chunks.push(c);
      },
      { rowGroupSize: 2 },
    );
    await writer.appendRows(ALL_TYPES_ROWS.slice(0, 3));
    // the first full group is in flight or written; the third row is still buffered
    expect(writer.rows).toBe(3);
    for (const row of ALL_TYPES_ROWS.slice(3)) await writer.appendRow(row);
    const result = await writer.close();
    // The magic; for each of three row groups a page header and a page per column, and a dictionary page with its
    // header for the dictionary column; then the footer.
    const perGroup = ALL_TYPES.length * 2 + ALL_TYPES.filter((column) => column.dictionary).length * 2;
    expect(chunks).toHaveLength(1 + 3 * perGroup + 1);
    expect(result.bytes).toBe(chunks.reduce((n, c) => n + c.length, 0));
    expect(Buffer.from(chunks[0]!).toString()).toBe('PAR1');
    expect(Buffer.from(chunks.at(-1)!.subarray(-4)).toString()).toBe('PAR1');
  });

  it('waits for an asynchronous sink before handing it the next chunk', async () => {
    const order: string[] = [];
    const writer = new ParquetWriter(
      [{ name: 'n', type: 'int32', nullable: false }],
      async (c) => {
        order.push(`start ${c.length}`);
        await new Promise((r) => setTimeout(r, 5));
        order.push('end');
      },
      { rowGroupSize: 1 },
    );
    await writer.appendRows([[1], [2], [3]]);
    await writer.close();
    for (let i = 0; i < order.length; i += 2) {
      expect(order[i]).toMatch(/^start/);
      expect(order[i + 1]).toBe('end');
    }
    // The magic, a page header and a page for each of three row groups, then the footer.
    expect(order).toHaveLength(2 * (1 + 3 * 2 + 1));
  });

  it('streams into a Node stream through writableSink, waiting for a slow consumer to drain', async () => {
    const path = join(dir, 'stream.parquet');
    const pass = new PassThrough({ highWaterMark: 1024 });
    let drains = 0;
    pass.on('drain', () => {
      drains += 1;
    });
    const consumer = pipeline(
      pass,
      new Transform({
        highWaterMark: 1024,
        transform(chunk, _enc, done) {
          setTimeout(() => done(null, chunk), 1);
        },
      }),
      createWriteStream(path),
    );
    const cols: ParquetColumn[] = [{ name: 'n', type: 'int32', nullable: false }];
    const writer = new ParquetWriter(cols, writableSink(pass), { rowGroupSize: 1000 });
    await writer.appendRows(Array.from({ length: 50_000 }, (_, i) => [i]));
    await writer.close();
    pass.end();
    await consumer;
    expect(drains).toBeGreaterThan(0);
    expect((await readWithHyparquet(path, cols)).map((r) => r[0])).toEqual(Array.from({ length: 50_000 }, (_, i) => i));
  });

  it('accepts rows from an async iterable', async () => {
    const path = join(dir, 'async.parquet');
    async function* rows(): AsyncGenerator<ParquetValue[]> {
      for (let i = 0; i < 10_000; i++) yield [i];
    }
    const cols: ParquetColumn[] = [{ name: 'n', type: 'int32', nullable: false }];
    const result = await writeParquetFile(path, cols, rows(), { rowGroupSize: 3000 });
    expect(result.rowGroups).toBe(4);
    const back = await readWithHyparquet(path, cols);
    expect(back.map((r) => r[0])).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
  });

  it('cuts a row group early when its strings exceed rowGroupBytes', async () => {
    const path = join(dir, 'bytes.parquet');
    const cols: ParquetColumn[] = [{ name: 's', type: 'string', nullable: false }];
    const big = 'x'.repeat(1000);
    const rows = Array.from({ length: 20_000 }, () => [big]);
    const result = await writeParquetFile(path, cols, rows, { rowGroupBytes: 4 * 1024 * 1024 });
    expect(result.rowGroups).toBeGreaterThan(3);
    expect((await readWithHyparquet(path, cols)).length).toBe(20_000);
  });
});

describe('ParquetWriter refuses what it cannot write faithfully', () => {
  const cols: ParquetColumn[] = [
    { name: 'employees', type: 'int32', nullable: true },
    { name: 'sector', type: 'string', nullable: false, dictionary: true },
  ];

  it('rejects a fractional number in an int32 column, naming the column, value and row', async () => {
    const writer = new ParquetWriter(cols, () => undefined);
    await expect(
      writer.appendRows([
        [1, 'a'],
        [1.5, 'b'],
      ]),
    ).rejects.toThrow(
      'parquet: column "employees" (int32) expects a whole number in the int32 range, got 1.5 (number) at row 1',
    );
  });

  it('rejects a number beyond the int32 range', async () => {
    const writer = new ParquetWriter(cols, () => undefined);
    await expect(writer.appendRows([[2147483648, 'a']])).rejects.toThrow('int32 range, got 2147483648');
  });

  it('rejects a null in a column that is not nullable', async () => {
    const writer = new ParquetWriter(cols, () => undefined);
    await expect(writer.appendRows([[null, null]])).rejects.toThrow(
      'parquet: column "sector" (string) expects a value (the column is not nullable), got null',
    );
  });

  it('rejects a value of the wrong type', async () => {
    const mixed: ParquetColumn[] = [
      { name: 'flag', type: 'boolean', nullable: true },
      { name: 'at', type: 'timestamp_millis', nullable: true },
      { name: 's', type: 'string', nullable: true },
      { name: 'f', type: 'double', nullable: true },
    ];
    const attempt = (row: ParquetValue[]) => new ParquetWriter(mixed, () => undefined).appendRows([row]);
    await expect(attempt(['yes', null, null, null])).rejects.toThrow('expects a boolean, got "yes"');
    await expect(attempt([null, 1.5, null, null])).rejects.toThrow('whole milliseconds');
    await expect(attempt([null, null, 3, null])).rejects.toThrow('expects a string, got 3 (number)');
    await expect(attempt([null, null, null, '3'])).rejects.toThrow('expects a number, got "3"');
  });

  it('refuses further rows after a rejected one, since its row group is incomplete', async () => {
    const writer = new ParquetWriter(cols, () => undefined);
    await expect(writer.appendRows([[1.5, 'a']])).rejects.toThrow('int32 range');
    await expect(writer.appendRows([[1, 'a']])).rejects.toThrow('parquet: the writer failed earlier');
    await expect(writer.close()).rejects.toThrow('parquet: the writer failed earlier');
  });

  it('rejects a row with the wrong number of values', async () => {
    const writer = new ParquetWriter(cols, () => undefined);
    await expect(writer.appendRows([[1]])).rejects.toThrow('parquet: row 0 has 1 values, expected 2');
  });

  it('rejects duplicate column names, an empty schema, a bad row group size and a bad gzip level', () => {
    expect(() => new ParquetWriter([cols[0]!, cols[0]!], () => undefined)).toThrow('declared twice');
    expect(() => new ParquetWriter([], () => undefined)).toThrow('at least one column');
    expect(() => new ParquetWriter(cols, () => undefined, { rowGroupSize: 0 })).toThrow('rowGroupSize');
    expect(() => new ParquetWriter(cols, () => undefined, { compression: 'gzip', gzipLevel: 12 })).toThrow(
      'gzipLevel must be a whole number from 0 to 9, got 12',
    );
  });

  it('rejects appends after close and a second close', async () => {
    const writer = new ParquetWriter(cols, () => undefined);
    await writer.close();
    await expect(writer.appendRows([[1, 'a']])).rejects.toThrow('after close');
    await expect(writer.close()).rejects.toThrow('close called twice');
  });

  it('surfaces a sink failure to the caller', async () => {
    const writer = new ParquetWriter(cols, () => Promise.reject(new Error('disk full')), { rowGroupSize: 1 });
    await writer.appendRows([[1, 'a']]);
    await expect(writer.appendRows([[2, 'b']])).rejects.toThrow('disk full');
  });
});
