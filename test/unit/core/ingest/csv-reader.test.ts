import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CsvError,
  type CsvReader,
  type CsvRecord,
  openCsv,
  parseRecordText,
} from '../../../../core/ingest/csv-reader.ts';

let dir: string;
let counter = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csv-reader-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes a real file and returns its path. */
async function file(content: string | Uint8Array): Promise<string> {
  const path = join(dir, `f${counter++}.csv`);
  await writeFile(path, content);
  return path;
}

async function open(path: string, options?: Parameters<typeof openCsv>[1]): Promise<CsvReader> {
  return openCsv(createReadStream(path), options);
}

async function readAll(reader: CsvReader): Promise<CsvRecord[]> {
  const records: CsvRecord[] = [];
  for await (const batch of reader.batches()) records.push(...batch);
  return records;
}

const cells = (records: CsvRecord[]): string[][] => records.map((record) => record.cells);

/**
 * Checks that every record's text, where it has one, reads back as its cells, and, given the stream's bytes, that
 * its offset and byte length pick out those bytes; returns how many had a text (and how many an offset).
 */
function checkTexts(records: readonly CsvRecord[], reader: CsvReader, bytes?: Buffer): number {
  let withText = 0;
  const wrong: unknown[] = [];
  const decoder = new TextDecoder();
  for (const record of records) {
    if (record.text === undefined) {
      if (record.offset !== -1) wrong.push({ offsetWithoutText: record });
      continue;
    }
    withText++;
    const back = parseRecordText(record.text, reader.delimiter);
    if (back.length !== record.cells.length || back.some((cell, i) => cell !== record.cells[i])) {
      wrong.push({ text: record.text, back, cells: record.cells });
    }
    if (bytes !== undefined && record.offset !== -1) {
      const there = decoder.decode(bytes.subarray(record.offset, record.offset + record.byteLength));
      if (there !== record.text) wrong.push({ text: record.text, there, offset: record.offset });
    }
  }
  // One expectation for all records: thousands of them each would be slow.
  expect(wrong).toEqual([]);
  return withText;
}

/**
 * What the reader must produce, from papaparse parsing the whole text in one call: the header row apart,
 * no record for a final line break, no '\r' left at the end of a row by LF parsing of CRLF, and the error count.
 */
function oneShot(text: string, delimiter: string): { header: string[]; rows: string[][]; errors: number } {
  const result = Papa.parse<string[]>(text, { delimiter, newline: '\n', quoteChar: '"' });
  const rows = result.data.map((row) => {
    const last = row.at(-1)!;
    return last.endsWith('\r') ? [...row.slice(0, -1), last.slice(0, -1)] : row;
  });
  const finalBreak = text.endsWith('\n') && result.data.at(-1)?.length === 1 && result.data.at(-1)?.[0] === '';
  if (finalBreak) rows.pop();
  return { header: rows[0] ?? [], rows: rows.slice(1), errors: result.errors.length };
}

/** The bytes cut into chunks of `size`, as a stream. */
const chunked = (bytes: Buffer, size: number): Readable => {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
};

describe('openCsv encodings and delimiters', () => {
  it('reads a UTF-8 comma file with its header and numbered records', async () => {
    const path = await file('id,name\n1,Café\n2,Ünïcödé €\n');
    const reader = await open(path);
    expect(reader.encoding).toBe('utf-8');
    expect(reader.delimiter).toBe(',');
    expect(reader.header).toEqual(['id', 'name']);
    const records = await readAll(reader);
    // Offsets count bytes: "é" is two, "€" three.
    expect(records.map((record) => [record.offset, record.byteLength])).toEqual([
      [8, 7],
      [16, 17],
    ]);
    expect(checkTexts(records, reader, await readFile(path))).toBe(2);
    expect(records).toMatchObject([
      { rowNumber: 2, cells: ['1', 'Café'], text: '1,Café' },
      { rowNumber: 3, cells: ['2', 'Ünïcödé €'], text: '2,Ünïcödé €' },
    ]);
    expect((await reader.done()).decodeErrors).toBe(0);
  });

  it('strips the byte-order mark of a UTF-8 BOM file from the header', async () => {
    const reader = await open(
      await file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id,name\n1,a\n')])),
    );
    expect(reader.encoding).toBe('utf-8-bom');
    expect(reader.header).toEqual(['id', 'name']);
    expect(cells(await readAll(reader))).toEqual([['1', 'a']]);
  });

  it('decodes a Windows-1252 semicolon CRLF file with é and € and leaves no carriage returns', async () => {
    // "nom;chiffre\r\nCafé;1,5 €\r\nÉcole;\"12\r\n€\"\r\n" in Windows-1252: é = 0xE9, É = 0xC9, € = 0x80.
    const latin = Buffer.concat([
      Buffer.from('nom;chiffre\r\nCaf'),
      Buffer.from([0xe9]),
      Buffer.from(';1,5 '),
      Buffer.from([0x80]),
      Buffer.from('\r\n'),
      Buffer.from([0xc9]),
      Buffer.from('cole;"12\r\n'),
      Buffer.from([0x80]),
      Buffer.from('"\r\n'),
    ]);
    const reader = await open(await file(latin));
    expect(reader.encoding).toBe('windows-1252');
    expect(reader.delimiter).toBe(';');
    expect(reader.header).toEqual(['nom', 'chiffre']);
    const records = await readAll(reader);
    expect(cells(records)).toEqual([
      ['Café', '1,5 €'],
      ['École', '12\r\n€'],
    ]);
    // One byte a character: each record's bytes, decoded as Windows-1252, are its text.
    for (const record of records) {
      const bytes = latin.subarray(record.offset, record.offset + record.byteLength);
      expect(iconv.decode(bytes, 'windows1252')).toBe(record.text);
    }
    expect(records.map((record) => record.offset)).toEqual([13, 25]);
  });

  it('reads a tab-delimited file whose cells hold commas', async () => {
    const reader = await open(await file('id\tname\tnote\n1\tA, B\tx\n2\tC\t"y\tz"\n'));
    expect(reader.delimiter).toBe('\t');
    expect(cells(await readAll(reader))).toEqual([
      ['1', 'A, B', 'x'],
      ['2', 'C', 'y\tz'],
    ]);
  });
});

describe('openCsv records', () => {
  it('keeps doubled quotes, delimiters and line breaks inside a quoted field as one record', async () => {
    const text = 'id,note,n\r\n1,"He said ""hi"", then\r\nleft\nfor good",5\r\n2,"a\rb",6\r\n3,plain,7\r\n';
    const reader = await open(await file(text));
    const records = await readAll(reader);
    // Line breaks inside quotes are passed over; each record's bytes stop before its CRLF.
    expect(checkTexts(records, reader, Buffer.from(text))).toBe(3);
    expect(records.every((record) => record.offset >= 0)).toBe(true);
    expect(records).toMatchObject([
      {
        rowNumber: 2,
        cells: ['1', 'He said "hi", then\r\nleft\nfor good', '5'],
        text: '1,"He said ""hi"", then\r\nleft\nfor good",5',
      },
      { rowNumber: 3, cells: ['2', 'a\rb', '6'], text: '2,"a\rb",6' },
      { rowNumber: 4, cells: ['3', 'plain', '7'], text: '3,plain,7' },
    ]);
  });

  it('leaves no carriage return in any cell of a CRLF file, quoted or not', async () => {
    const text = 'a,b\r\n1,2\r\n"x","y"\r\n\r\n3,"z"\r\n4,\r\n';
    const records = await readAll(await open(await file(text)));
    expect(cells(records)).toEqual([['1', '2'], ['x', 'y'], [''], ['3', 'z'], ['4', '']]);
    expect(records.map((record) => record.text)).toEqual(['1,2', '"x","y"', '', '3,"z"', '4,']);
  });

  it('makes no record of a final line break but keeps a blank line in the middle as a record of empty cells', async () => {
    const records = await readAll(await open(await file('a,b\n1,2\n\n,\n3,4\n')));
    expect(records.map((record) => record.offset)).toEqual([4, 8, 9, 11]);
    expect(records).toMatchObject([
      { rowNumber: 2, cells: ['1', '2'], text: '1,2' },
      { rowNumber: 3, cells: [''], text: '' },
      { rowNumber: 4, cells: ['', ''], text: ',' },
      { rowNumber: 5, cells: ['3', '4'], text: '3,4' },
    ]);
  });

  it('keeps a blank last line before the final line break as a record', async () => {
    expect(cells(await readAll(await open(await file('a,b\n1,2\n\n'))))).toEqual([['1', '2'], ['']]);
  });

  it('reads a last record without a final line break', async () => {
    expect(cells(await readAll(await open(await file('a,b\n1,2\n3,"4"'))))).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('keeps ragged rows with their own cell counts', async () => {
    const records = await readAll(await open(await file('a,b,c\n1,2\n1,2,3,4\n1\n')));
    expect(records.map((record) => record.cells.length)).toEqual([2, 4, 1]);
  });

  it('reads a header-only file as a header and no batches', async () => {
    const reader = await open(await file('a,b,c\n'));
    expect(reader.header).toEqual(['a', 'b', 'c']);
    let batches = 0;
    for await (const _batch of reader.batches()) batches++;
    expect(batches).toBe(0);
    expect((await reader.done()).bytes).toBe(6);
  });

  it('does not crash on malformed quotes and counts them', async () => {
    const reader = await open(await file('a,b\n1,"bad"quote",x\n2,"unterminated\n'));
    const records = await readAll(reader);
    expect(records.length).toBeGreaterThanOrEqual(1);
    expect(records[0]?.rowNumber).toBe(2);
    expect((await reader.done()).parseErrors).toBeGreaterThan(0);
  });

  it('gives a record no text where its cells do not map back onto it, and the records after it in its window', async () => {
    // Papaparse drops the spaces after a closing quote without complaint: the cells alone cannot say where
    // the record's text ends, so neither its text nor the next one's is given.
    const records = await readAll(await open(await file('h,i,j\n1,"a"  ,b\n2,c,d\n')));
    expect(cells(records)).toEqual([
      ['1', 'a', 'b'],
      ['2', 'c', 'd'],
    ]);
    expect(records.map((record) => record.text)).toEqual([undefined, undefined]);
    // And no offset: past a record without a text, the line breaks can no longer be counted.
    expect(records.map((record) => record.offset)).toEqual([-1, -1]);
    // Malformed quotes: papaparse reports them, and no record of that window has a text.
    const malformed = await readAll(await open(await file('h,i\n1,"bad"quote",x\n2,y\n')));
    expect(malformed.map((record) => record.text)).toEqual([undefined, undefined]);
  });

  it('locates a last record without a line break, and not one left ending in a lone carriage return', async () => {
    for (const [text, located] of [
      ['a,b\r\n1,2\r\n3,4', 2],
      ['a,b\n1,2\n"3",4', 2],
      // Read as LF, the CR is taken off the last cell: its text cannot be checked, so it keeps its cells.
      ['a,b\r\n1,2\r\n3,4\r', 1],
    ] as const) {
      const reader = await open(await file(text));
      const records = await readAll(reader);
      expect(cells(records)).toEqual([
        ['1', '2'],
        ['3', '4'],
      ]);
      expect(checkTexts(records, reader, Buffer.from(text))).toBe(located);
      expect(records.filter((record) => record.offset >= 0)).toHaveLength(located);
    }
  });

  it('locates no record when told not to, and reads the same records', async () => {
    const text = 'a,b\n1,2\n"x\ny",3\n';
    const located = await readAll(await open(await file(text)));
    const unlocated = await readAll(await open(await file(text), { locate: false }));
    expect(unlocated.map((record) => record.offset)).toEqual([-1, -1]);
    expect(located.map((record) => record.offset)).toEqual([4, 8]);
    expect(unlocated.map(({ rowNumber, cells, text }) => ({ rowNumber, cells, text }))).toEqual(
      located.map(({ rowNumber, cells, text }) => ({ rowNumber, cells, text })),
    );
  });

  it('gives file offsets to a later part of a file read after its header, when told where the part starts', async () => {
    const text = 'h1,h2\nkeep,1\nskip,2\n"x\ny",3\nlast,4\n';
    const bytes = Buffer.from(text);
    const headerEnd = text.indexOf('\n') + 1;
    const partStart = text.indexOf('"x');
    const stream = Readable.from([bytes.subarray(0, headerEnd), bytes.subarray(partStart)]);
    const reader = await openCsv(stream, { shift: { from: headerEnd, to: partStart } });
    const records = await readAll(reader);
    expect(cells(records)).toEqual([
      ['x\ny', '3'],
      ['last', '4'],
    ]);
    for (const record of records) {
      expect(bytes.subarray(record.offset, record.offset + record.byteLength).toString()).toBe(record.text);
    }
    expect(records[0]?.offset).toBe(partStart);
  });

  it('reads a header longer than the sniff window', async () => {
    const header = Array.from({ length: 50 }, (_, i) => `column_${i}`);
    const reader = await open(await file(`${header.join(';')}\n${header.map(() => 'x').join(';')}\n`), {
      sniffBytes: 16,
    });
    expect(reader.header).toEqual(header);
    expect((await readAll(reader))[0]?.cells).toHaveLength(50);
  });

  it('reads a single quoted field of 10 MB', async () => {
    const big = 'lorem, "ipsum"\r\ndolor\n'.repeat(476_191); // ~10 MB, every special character
    const quoted = big.replaceAll('"', '""');
    const reader = await open(await file(`id,text,end\n1,"${quoted}",z\n2,small,y\n`));
    const records = await readAll(reader);
    expect(records).toHaveLength(2);
    expect(records[0]?.cells[1]?.length).toBe(big.length);
    expect(records[0]?.cells[1] === big).toBe(true);
    expect(records[1]).toMatchObject({ rowNumber: 3, cells: ['2', 'small', 'y'], text: '2,small,y' });
    // The 10 MB record's line breaks were passed over: the next record's bytes are found.
    expect(records[1]?.offset).toBe(Buffer.byteLength(`id,text,end\n1,"${quoted}",z\n`));
    expect(records[1]?.byteLength).toBe(9);
    expect(records[0]?.text).toBe(`1,"${quoted}",z`);
  });
});

describe('openCsv decode errors', () => {
  it('replaces invalid UTF-8 after the sniff window with U+FFFD and counts it, not a genuine U+FFFD', async () => {
    const lines = ['id,name\n'];
    for (let i = 0; i < 5000; i++) lines.push(`${i},name number ${i} é\n`);
    const valid = Buffer.from(lines.join(''));
    expect(valid.length).toBeGreaterThan(64 * 1024);
    const content = Buffer.concat([
      valid,
      Buffer.from('bad,Caf'),
      Buffer.from([0xe9]), // a Windows-1252 é in a UTF-8 file
      Buffer.from('\ngenuine,\uFFFD\n'),
    ]);
    const reader = await open(await file(content));
    expect(reader.encoding).toBe('utf-8');
    const records = await readAll(reader);
    expect(records.at(-2)?.cells).toEqual(['bad', 'Caf\uFFFD']);
    expect(records.at(-1)?.cells).toEqual(['genuine', '\uFFFD']);
    expect((await reader.done()).decodeErrors).toBe(1);
  });

  it('counts the five unassigned Windows-1252 bytes as decode errors', async () => {
    const reader = await open(
      await file(Buffer.concat([Buffer.from('a;b\nx'), Buffer.from([0xe9, 0x81]), Buffer.from(';y\n')])),
    );
    expect(reader.encoding).toBe('windows-1252');
    expect(cells(await readAll(reader))).toEqual([['x\u00e9\uFFFD', 'y']]);
    expect((await reader.done()).decodeErrors).toBe(1);
  });

  it('treats a multi-byte character cut by the sniff window as UTF-8', async () => {
    // '€' is 3 bytes; with sniffBytes 9 the window ends inside it.
    const reader = await open(await file('a,b\n1,x€\n'), { sniffBytes: 9 });
    expect(reader.encoding).toBe('utf-8');
    expect(cells(await readAll(reader))).toEqual([['1', 'x€']]);
    expect((await reader.done()).decodeErrors).toBe(0);
  });
});

describe('openCsv refusals', () => {
  const refusal = async (content: string | Uint8Array): Promise<CsvError> => {
    const error = await open(await file(content)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CsvError);
    expect((error as CsvError).message).not.toContain('\n');
    return error as CsvError;
  };

  it('refuses an empty file', async () => {
    expect((await refusal('')).message).toBe('ingest: the file is empty');
  });

  it('refuses a file of only a byte-order mark or only whitespace as empty', async () => {
    expect((await refusal(Buffer.from([0xef, 0xbb, 0xbf]))).message).toBe('ingest: the file is empty');
    expect((await refusal(' \r\n\n\t \n')).message).toBe('ingest: the file is empty');
  });

  it('refuses PNG bytes as binary', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    expect((await refusal(png)).message).toBe('ingest: the file is not a CSV text file (binary content at byte 0)');
  });

  it('refuses a gzipped CSV as binary', async () => {
    expect((await refusal(gzipSync(Buffer.from('a,b\n1,2\n')))).message).toMatch(/^ingest: the file is not a CSV text/);
  });

  it('refuses a NUL byte inside the sniff window, naming its offset', async () => {
    expect((await refusal(Buffer.from('a,b\n1,\u00002\n'))).message).toBe(
      'ingest: the file is not a CSV text file (binary content at byte 6)',
    );
  });
});

describe('openCsv source facts', () => {
  it('reports the byte count and the SHA-256 of all raw bytes, and calls onBytes as it reads', async () => {
    const lines = ['k,v'];
    for (let i = 0; i < 40_000; i++) lines.push(`${i},${'v'.repeat(i % 17)}`);
    const path = await file(`${lines.join('\r\n')}\r\n`);
    const raw = await readFile(path);
    const progress: number[] = [];
    const reader = await openCsv(createReadStream(path, { highWaterMark: 16 * 1024 }), {
      onBytes: (n) => progress.push(n),
    });
    const records = await readAll(reader);
    const source = await reader.done();
    expect(records).toHaveLength(40_000);
    expect(source.bytes).toBe(raw.length);
    expect(source.sha256).toBe(createHash('sha256').update(raw).digest('hex'));
    expect(progress.length).toBeGreaterThan(10);
    expect(progress.at(-1)).toBe(raw.length);
    expect(progress.every((n, i) => i === 0 || n > progress[i - 1]!)).toBe(true);
  });

  it('stops hashing when told to, reading the same records and reporting no SHA-256', async () => {
    const path = await file(`k,v\n${'1,x\n'.repeat(30_000)}`);
    const reader = await openCsv(createReadStream(path, { highWaterMark: 16 * 1024 }));
    reader.stopHashing();
    const records = await readAll(reader);
    expect(records).toHaveLength(30_000);
    expect(records[29_999]?.cells).toEqual(['1', 'x']);
    const source = await reader.done();
    expect(source.sha256).toBe('');
    expect(source.bytes).toBe((await readFile(path)).length);
  });

  it('resolves done() awaited by several callers while the records are still being read', async () => {
    const reader = await open(await file('k\n1\n2\n'));
    const early = [reader.done(), reader.done()];
    expect(await readAll(reader)).toHaveLength(2);
    const [a, b] = await Promise.all(early);
    expect(a?.bytes).toBe(6);
    expect(b).toBe(a);
  });

  it('rejects done() when the records were abandoned before the end', async () => {
    const lines = ['k'];
    for (let i = 0; i < 50_000; i++) lines.push(String(i));
    const reader = await open(await file(`${lines.join('\n')}\n`));
    for await (const _batch of reader.batches()) break;
    await expect(reader.done()).rejects.toThrow(/^ingest: the records were not all read/);
  });
});

describe('openCsv streaming', () => {
  it('streams a 1M-row file in bounded batches without reading far ahead of the consumer', async () => {
    const path = join(dir, 'million.csv');
    const out = createWriteStream(path);
    out.write('id,group,value\n');
    for (let block = 0; block < 1000; block++) {
      let text = '';
      for (let i = block * 1000; i < (block + 1) * 1000; i++) text += `${i},g${i % 7},${i * 3}\n`;
      out.write(text);
    }
    out.end();
    await finished(out);
    const size = (await readFile(path)).length;

    let bytesRead = 0;
    const reader = await open(path, { onBytes: (n) => (bytesRead = n) });
    let records = 0;
    let largest = 0;
    let readAheadAtFirst = Number.POSITIVE_INFINITY;
    let last: CsvRecord | undefined;
    for await (const batch of reader.batches()) {
      if (records === 0) readAheadAtFirst = bytesRead;
      records += batch.length;
      largest = Math.max(largest, batch.length);
      last = batch.at(-1);
    }
    expect(records).toBe(1_000_000);
    expect(last).toMatchObject({ rowNumber: 1_000_001, cells: ['999999', 'g0', '2999997'], text: '999999,g0,2999997' });
    expect(last?.offset).toBe(size - '999999,g0,2999997\n'.length);
    expect(largest).toBeLessThan(20_000);
    // Only the sniff window and a chunk or two are read before the first batch is consumed.
    expect(readAheadAtFirst).toBeLessThan(size / 20);
    expect((await reader.done()).bytes).toBe(size);
  });

  it('reads any table the same whatever the chunking, delimiter, quoting and line ends', async () => {
    const cell = fc.oneof(
      fc.string({ maxLength: 6 }),
      fc.constantFrom('', 'a,b', 'x;y', 't\tu', 'q"q', 'l1\nl2', 'c\r\nd', 'é€', '""', ' '),
    );
    const table = fc
      .integer({ min: 2, max: 4 })
      .chain((width) =>
        fc.array(fc.array(cell, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 12 }),
      );
    await fc.assert(
      fc.asyncProperty(
        table,
        fc.constantFrom(',', ';', '\t'),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: 23 }),
        async (rows, delimiter, lineEnd, finalBreak, quoteAll, chunkSize) => {
          const header = rows[0]!.map((_, i) => `h${i}`);
          const all = [header, ...rows];
          const quote = (value: string): string =>
            quoteAll || /[,;\t"\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
          const text = all.map((row) => row.map(quote).join(delimiter)).join(lineEnd) + (finalBreak ? lineEnd : '');
          const bytes = Buffer.from(text, 'utf-8');
          const chunks: Buffer[] = [];
          for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
          // A tiny sniff window exercises header and chunk seams; other delimiters need to be seen to be detected.
          const reader = await openCsv(Readable.from(chunks), { sniffBytes: delimiter === ',' ? 7 : 65536 });
          expect(reader.delimiter).toBe(delimiter);
          expect(reader.header).toEqual(header);
          const records = await readAll(reader);
          expect(cells(records)).toEqual(rows);
          expect(records.map((record) => record.rowNumber)).toEqual(rows.map((_, i) => i + 2));
          expect((await reader.done()).bytes).toBe(bytes.length);
          // Well-formed quoting: every record's text is known, reads back as its cells, and is found in the bytes.
          expect(checkTexts(records, reader, bytes)).toBe(records.length);
          expect(records.every((record) => record.offset >= 0)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads malformed quoting the same as papaparse parsing the whole text at once, whatever the chunking', async () => {
    // Stray and unterminated quotes make papaparse look far ahead; the reader must still cut records where
    // a one-shot parse does, and count the same problems.
    const piece = fc.constantFrom('a', 'b,c', '"', '""', '"q"', '"x"y', '\n', '\r\n', ' ', 'é€', ',', '"\n"');
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 17 }),
        async (pieces, chunkSize) => {
          const text = `h1,h2\n${pieces.join('')}`;
          const expected = oneShot(text, ',');
          const reader = await openCsv(chunked(Buffer.from(text, 'utf-8'), chunkSize), { sniffBytes: 5 });
          expect(reader.header).toEqual(expected.header);
          const records = await readAll(reader);
          expect(cells(records)).toEqual(expected.rows);
          expect(records.map((record) => record.rowNumber)).toEqual(expected.rows.map((_, i) => i + 2));
          expect((await reader.done()).parseErrors).toBe(expected.errors);
          checkTexts(records, reader, Buffer.from(text, 'utf-8'));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('reads records far longer than a chunk, among short ones, the same as a one-shot parse', async () => {
    // Records of 20k to 300k characters cross every internal boundary (chunks, parse windows, the
    // carried unfinished record) at different places for each chunk size.
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return (seed >>> 8) % n;
    };
    const lines = ['id,text,tail'];
    for (let i = 0; i < 400; i++) {
      const long = rand(8) === 0 ? 20_000 + rand(280_000) : rand(200);
      const body = 'ab, "c"\r\nd\né'
        .repeat(Math.ceil(long / 13))
        .slice(0, long)
        .replaceAll('"', '""');
      lines.push(`${i},"${body}",${rand(3) === 0 ? '' : `t${i}`}`);
    }
    const text = `${lines.join(rand(2) === 0 ? '\r\n' : '\n')}\r\n`;
    const expected = oneShot(text, ',');
    expect(expected.rows).toHaveLength(400);
    const bytes = Buffer.from(text, 'utf-8');
    for (const chunkSize of [1 << 20, 65_536, 9_999]) {
      const reader = await openCsv(chunked(bytes, chunkSize));
      const records = await readAll(reader);
      expect(records.length).toBe(400);
      expect(cells(records)).toEqual(expected.rows);
      expect(records.at(-1)?.rowNumber).toBe(401);
      expect((await reader.done()).parseErrors).toBe(0);
    }
  });
});
