import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CsvError,
  type CsvFile,
  type CsvRecord,
  MAX_QUOTED_LINES,
  openCsv,
  parseRecordText,
} from '../../../../core/ingest/read-csv.ts';

let dir: string;
let counter = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'read-csv-'));
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

async function open(path: string, options?: Parameters<typeof openCsv>[1]): Promise<CsvFile> {
  return openCsv(createReadStream(path), options);
}

async function readAll(csv: CsvFile): Promise<CsvRecord[]> {
  const records: CsvRecord[] = [];
  for await (const batch of csv.records()) records.push(...batch);
  return records;
}

const cells = (records: readonly CsvRecord[]): string[][] => records.map((record) => record.cells);

/** The bytes as a stream of chunks: the first `first` bytes in one, then `size` bytes at a time. */
function chunked(bytes: Buffer, size: number, first = size): Readable {
  const chunks: Buffer[] = [bytes.subarray(0, first)];
  for (let i = first; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks.filter((chunk) => chunk.length > 0));
}

/** A cell written as a spreadsheet would: quoted when it must be (or always), inner quotes doubled. */
const quote = (value: string, always = false): string =>
  always || /[,;\t"\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;

/**
 * Walks `text` from `from` (just after the header's line break) along the records, and returns what does not
 * hold: each record's text must be the next stretch of the input, the records separated by exactly one line
 * break (CRLF or the file's break), starting on the physical line the record says, until the input ends.
 */
function unaccounted(text: string, from: number, records: readonly CsvRecord[], lineBreak: string): unknown[] {
  const problems: unknown[] = [];
  let at = from;
  let line = 1 + text.slice(0, from).split(lineBreak).length - 1;
  for (const [i, record] of records.entries()) {
    if (record.rowNumber !== i + 2) problems.push({ rowNumber: record.rowNumber, expected: i + 2 });
    if (record.line !== line) problems.push({ rowNumber: record.rowNumber, line: record.line, expected: line });
    if (!text.startsWith(record.text, at)) {
      problems.push({ rowNumber: record.rowNumber, text: record.text, there: text.slice(at, at + 80) });
      return problems;
    }
    at += record.text.length;
    line += record.text.split(lineBreak).length - 1;
    if (at === text.length) continue;
    const separator = lineBreak === '\n' && text.startsWith('\r\n', at) ? '\r\n' : lineBreak;
    if (!text.startsWith(separator, at)) {
      problems.push({ rowNumber: record.rowNumber, noLineBreakAfter: text.slice(at, at + 20) });
      return problems;
    }
    at += separator.length;
    line++;
  }
  if (at !== text.length) problems.push({ notInAnyRecord: text.slice(at, at + 80) });
  return problems;
}

/** papaparse on the whole text at once: the header row apart, and no row for a final line break. */
function oneShot(
  text: string,
  delimiter: string,
  newline: '\n' | '\r\n' | '\r',
): { header: string[]; rows: string[][] } {
  const result = Papa.parse<string[]>(text, { delimiter, newline, quoteChar: '"' });
  expect(result.errors).toEqual([]);
  const rows = result.data;
  if (text.endsWith(newline)) expect(rows.pop()).toEqual(['']);
  return { header: rows[0] ?? [], rows: rows.slice(1) };
}

describe('openCsv encodings and delimiters', () => {
  it('reads a UTF-8 comma file with its header and records numbered from 2', async () => {
    const csv = await open(await file('id,name\n1,Café\n2,Ünïcödé €\n'));
    expect([csv.encoding, csv.delimiter, csv.lineBreak]).toEqual(['utf-8', ',', '\n']);
    expect(csv.header).toEqual(['id', 'name']);
    expect(await readAll(csv)).toEqual([
      { rowNumber: 2, line: 2, text: '1,Café', cells: ['1', 'Café'] },
      { rowNumber: 3, line: 3, text: '2,Ünïcödé €', cells: ['2', 'Ünïcödé €'] },
    ]);
    expect(csv.summary().decodeErrors).toBe(0);
  });

  it('strips the byte-order mark of a UTF-8 BOM file from the header', async () => {
    const csv = await open(await file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id,name\n1,a\n')])));
    expect(csv.encoding).toBe('utf-8-bom');
    expect(csv.header).toEqual(['id', 'name']);
    expect(csv.header[0]?.charCodeAt(0)).toBe(0x69);
    expect(cells(await readAll(csv))).toEqual([['1', 'a']]);
  });

  it('decodes a Windows-1252 semicolon CRLF file with é and € and leaves no carriage returns', async () => {
    const rows = [
      ['nom', 'chiffre'],
      ['Café', '1,5 €'],
      ['École', '12\r\n€'],
    ];
    const text = `${rows.map((row) => row.map((cell) => quote(cell)).join(';')).join('\r\n')}\r\n`;
    const bytes = iconv.encode(text, 'windows1252');
    // One byte a character: é = 0xE9, € = 0x80, so the file is not UTF-8.
    expect(bytes.length).toBe(text.length);
    expect(bytes.includes(0x80)).toBe(true);
    const csv = await open(await file(bytes));
    expect([csv.encoding, csv.delimiter, csv.lineBreak]).toEqual(['windows-1252', ';', '\n']);
    expect(csv.header).toEqual(rows[0]);
    const records = await readAll(csv);
    expect(cells(records)).toEqual(rows.slice(1));
    expect(records.map((record) => record.text)).toEqual(
      rows.slice(1).map((row) => row.map((cell) => quote(cell)).join(';')),
    );
    expect(unaccounted(text, text.indexOf('\n') + 1, records, '\n')).toEqual([]);
    expect(csv.summary().decodeErrors).toBe(0);
  });

  it('reads a tab-delimited file whose cells hold commas and semicolons', async () => {
    const csv = await open(await file('id\tname\tnote\n1\tA, B\tx;y\n2\tC\t"y\tz"\n'));
    expect(csv.delimiter).toBe('\t');
    expect(cells(await readAll(csv))).toEqual([
      ['1', 'A, B', 'x;y'],
      ['2', 'C', 'y\tz'],
    ]);
  });

  it('reads an old Mac file whose lines end in CR alone, quoted CRs included', async () => {
    const text = 'a;b\r1;"x\ry"\r2;z\r';
    const csv = await open(await file(text));
    expect([csv.delimiter, csv.lineBreak]).toEqual([';', '\r']);
    const records = await readAll(csv);
    expect(records).toEqual([
      { rowNumber: 2, line: 2, text: '1;"x\ry"', cells: ['1', 'x\ry'] },
      { rowNumber: 3, line: 4, text: '2;z', cells: ['2', 'z'] },
    ]);
    expect(unaccounted(text, 4, records, '\r')).toEqual([]);
  });
});

describe('openCsv records', () => {
  it('keeps doubled quotes, delimiters and line breaks inside a quoted field as one record', async () => {
    const text = 'id,note,n\r\n1,"He said ""hi"", then\r\nleft\nfor good",5\r\n2,"a\rb",6\r\n3,plain,7\r\n';
    const records = await readAll(await open(await file(text)));
    expect(records).toEqual([
      {
        rowNumber: 2,
        line: 2,
        text: '1,"He said ""hi"", then\r\nleft\nfor good",5',
        cells: ['1', 'He said "hi", then\r\nleft\nfor good', '5'],
      },
      { rowNumber: 3, line: 5, text: '2,"a\rb",6', cells: ['2', 'a\rb', '6'] },
      { rowNumber: 4, line: 6, text: '3,plain,7', cells: ['3', 'plain', '7'] },
    ]);
    expect(unaccounted(text, 11, records, '\n')).toEqual([]);
  });

  it('leaves no carriage return in any cell or text of a CRLF file, quoted or not', async () => {
    const text = 'a,b\r\n1,2\r\n"x","y"\r\n\r\n3,"z"\r\n4,\r\n';
    const records = await readAll(await open(await file(text)));
    expect(cells(records)).toEqual([['1', '2'], ['x', 'y'], [''], ['3', 'z'], ['4', '']]);
    expect(records.map((record) => record.text)).toEqual(['1,2', '"x","y"', '', '3,"z"', '4,']);
  });

  it('makes no record of a final line break but keeps a blank line in the middle as a record', async () => {
    const records = await readAll(await open(await file('a,b\n1,2\n\n,\n3,4\n')));
    expect(records).toEqual([
      { rowNumber: 2, line: 2, text: '1,2', cells: ['1', '2'] },
      { rowNumber: 3, line: 3, text: '', cells: [''] },
      { rowNumber: 4, line: 4, text: ',', cells: ['', ''] },
      { rowNumber: 5, line: 5, text: '3,4', cells: ['3', '4'] },
    ]);
  });

  it('keeps a blank last line before the final line break as a record', async () => {
    expect(cells(await readAll(await open(await file('a,b\n1,2\n\n'))))).toEqual([['1', '2'], ['']]);
  });

  it('reads a last record without a final line break', async () => {
    for (const text of ['a,b\n1,2\n3,"4"', 'a,b\r\n1,2\r\n3,"4"']) {
      expect(cells(await readAll(await open(await file(text))))).toEqual([
        ['1', '2'],
        ['3', '4'],
      ]);
    }
  });

  it('keeps ragged rows with their own cell counts', async () => {
    const records = await readAll(await open(await file('a,b,c\n1,2\n1,2,3,4\n1\n')));
    expect(cells(records)).toEqual([['1', '2'], ['1', '2', '3', '4'], ['1']]);
  });

  it('reads a header-only file as a header and no batches', async () => {
    const csv = await open(await file('a,b,c\n'));
    expect(csv.header).toEqual(['a', 'b', 'c']);
    let batches = 0;
    for await (const _batch of csv.records()) batches++;
    expect(batches).toBe(0);
    expect(csv.summary().bytes).toBe(6);
  });

  it('reads a header longer than 64 KiB, arriving in small chunks', async () => {
    const header = Array.from({ length: 6000 }, (_, i) => `column_${i}`);
    const row = header.map((_, i) => String(i % 10));
    const content = `${header.join(';')}\n${row.join(';')}\n`;
    expect(header.join(';').length).toBeGreaterThan(64 * 1024);
    const csv = await openCsv(createReadStream(await file(content), { highWaterMark: 4096 }));
    expect(csv.delimiter).toBe(';');
    expect(csv.header).toEqual(header);
    expect(cells(await readAll(csv))).toEqual([row]);
  });

  it('reads a single quoted field of 10 MB holding delimiters, quotes and a few hundred line breaks', async () => {
    const piece = 'lorem, "ipsum"; dolor\t'.repeat(1000);
    const big = Array.from({ length: 460 }, (_, i) => piece + (i % 2 ? '\r\n' : '\n')).join('');
    expect(big.length).toBeGreaterThan(10_000_000);
    const content = `id,text,end\n1,${quote(big)},z\n2,small,y\n`;
    const records = await readAll(await openCsv(createReadStream(await file(content))));
    expect(records).toHaveLength(2);
    expect(records[0]?.cells[1]?.length).toBe(big.length);
    // One comparison of the 10 MB strings, not a diff of them.
    expect(records[0]?.cells[1] === big).toBe(true);
    expect(records[0]?.text === `1,${quote(big)},z`).toBe(true);
    expect(records[1]).toEqual({ rowNumber: 3, line: 3 + 460, text: '2,small,y', cells: ['2', 'small', 'y'] });
  });
});

describe('openCsv malformed quoting spoils only its own line', () => {
  const HEADER = ['Registered number', 'Legal form', 'Spun out of the public sector?', 'Main sector', 'Notes'];
  /** The file: ten one-line records, the third data line's Notes replaced by `notes`. */
  const tenLines = (notes: string, delimiter = ',', lineBreak = '\n'): { text: string; lines: string[] } => {
    const lines = Array.from({ length: 10 }, (_, i) =>
      [`1000000${i + 1}`, 'CIC', 'no', 'Health', i === 2 ? notes : 'ok'].join(delimiter),
    );
    return { text: `${[HEADER.join(delimiter), ...lines].join(lineBreak)}${lineBreak}`, lines };
  };

  for (const [bad, kind] of [
    ['"abc"x', 'a quote closed and followed by text'],
    ['"abc', 'a quote never closed'],
  ] as const) {
    for (const delimiter of [',', ';', '\t']) {
      for (const lineBreak of ['\n', '\r\n']) {
        it(`reads ten records from ten lines when the third holds ${kind} (delimiter ${JSON.stringify(delimiter)}, line break ${JSON.stringify(lineBreak)})`, async () => {
          const { text, lines } = tenLines(bad, delimiter, lineBreak);
          const csv = await open(await file(text));
          expect(csv.delimiter).toBe(delimiter);
          expect(csv.header).toEqual(HEADER);
          const records = await readAll(csv);
          expect(records).toHaveLength(10);
          expect(records.map((record) => record.text)).toEqual(lines);
          expect(records.map((record) => record.line)).toEqual(lines.map((_, i) => i + 2));
          expect(records.map((record) => record.rowNumber)).toEqual(lines.map((_, i) => i + 2));
          expect(records.map((record) => record.quoteError !== undefined)).toEqual(lines.map((_, i) => i === 2));
          expect(records[2]?.quoteError).toMatch(/\S/);
          // Every cell as written, the spoiled record's too: the line split at the delimiter.
          expect(cells(records)).toEqual(lines.map((line) => line.split(delimiter)));
          expect(records[2]?.cells[4]).toBe(bad);
          expect(unaccounted(text, text.indexOf('\n') + 1, records, '\n')).toEqual([]);
        });
      }
    }
  }

  it('spoils only the last line when its quote is left open to the end of the file', async () => {
    for (const end of ['', '\n']) {
      const text = `a,b\n1,ok\n2,"abc${end}`;
      const records = await readAll(await open(await file(text)));
      expect(records.map((record) => [record.text, record.cells, record.quoteError !== undefined])).toEqual([
        ['1,ok', ['1', 'ok'], false],
        ['2,"abc', ['2', '"abc'], true],
      ]);
    }
  });

  it('keeps legitimate multi-line quoted cells whole around a closed-then-text quote and an unclosed one', async () => {
    // Each row: its cells, or the raw line of a malformed one.
    const rows: ({ cells: string[] } | { raw: string })[] = [
      { cells: ['10000001', 'CIC', 'no', 'Health', 'first line\nsecond line'] },
      { raw: '10000002,CIC,no,Health,"abc"x' },
      { cells: ['10000003', 'CIC', 'no', 'Health', 'a "quoted" word, and a comma\r\nthen a CRLF\nand an LF'] },
      { raw: '10000004,CIC,no,Health,"abc' },
      { cells: ['10000005', 'CIC', 'no', 'Health', 'ok'] },
      { cells: ['10000006', 'CIC', 'no', 'Health', 'multi\n\nline, with a blank line'] },
      { raw: '10000007,CIC,"no"x,Health,"also\nnot closed' },
      { cells: ['10000008', 'CIC', 'yes', 'Health', '"'] },
      { cells: ['10000009', 'CIC', 'no', 'Health', 'last\r\nlines'] },
    ];
    const lines = rows.map((row) => ('raw' in row ? row.raw : row.cells.map((cell) => quote(cell)).join(',')));
    const text = `${HEADER.join(',')}\n${lines.join('\n')}\n`;
    const records = await readAll(await open(await file(text)));
    // The raw row that spans two lines (`"no"x` then an unclosed quote) spoils its first line only: its second
    // line is a record of its own.
    const expected = rows.flatMap((row) =>
      'raw' in row
        ? row.raw.split('\n').map((line, i) => ({ text: line, cells: line.split(','), spoiled: i === 0 }))
        : [{ text: row.cells.map((cell) => quote(cell)).join(','), cells: row.cells, spoiled: false }],
    );
    expect(
      records.map((record) => ({ text: record.text, cells: record.cells, spoiled: record.quoteError !== undefined })),
    ).toEqual(expected);
    expect(unaccounted(text, text.indexOf('\n') + 1, records, '\n')).toEqual([]);
  });

  it(`spoils an open quote still open after ${MAX_QUOTED_LINES} lines and reads each following line as a record`, async () => {
    const after = Array.from({ length: MAX_QUOTED_LINES + 50 }, (_, i) => `${i + 3},ok ${i}`);
    // A closing quote comes, but too late to close the cell.
    after[MAX_QUOTED_LINES + 10] = 'late",close';
    const lines = ['2,"open', ...after];
    const text = `id,note\n${lines.join('\n')}\n`;
    const records = await readAll(await open(await file(text)));
    expect(records).toHaveLength(lines.length);
    expect(records[0]).toMatchObject({ line: 2, text: '2,"open', cells: ['2', '"open'] });
    expect(records[0]?.quoteError).toMatch(/\S/);
    expect(records.slice(1).filter((record) => record.quoteError !== undefined)).toEqual([]);
    expect(records.map((record) => record.text)).toEqual(lines);
    expect(records.at(-1)?.line).toBe(lines.length + 1);
    expect(unaccounted(text, 8, records, '\n')).toEqual([]);
  });

  it(`keeps a quoted cell spanning ${MAX_QUOTED_LINES + 1} lines whole, and spoils one that needs a line more`, async () => {
    const cell = (spanned: number) => ['open', ...Array.from({ length: spanned - 2 }, (_, i) => `inner ${i}`), 'end'];
    const within = cell(MAX_QUOTED_LINES + 1);
    const withinText = `id,note,n\n2,"${within.join('\n')}",z\n3,next,y\n`;
    const kept = await readAll(await open(await file(withinText)));
    expect(kept.map((record) => [record.line, record.cells, record.quoteError])).toEqual([
      [2, ['2', within.join('\n'), 'z'], undefined],
      [2 + within.length, ['3', 'next', 'y'], undefined],
    ]);

    const beyond = cell(MAX_QUOTED_LINES + 2);
    const beyondText = `id,note,n\n2,"${beyond.join('\n')}",z\n3,next,y\n`;
    const spoiled = await readAll(await open(await file(beyondText)));
    expect(spoiled).toHaveLength(beyond.length + 1);
    expect(spoiled[0]).toMatchObject({ line: 2, text: '2,"open', cells: ['2', '"open'] });
    expect(spoiled[0]?.quoteError).toMatch(/\S/);
    expect(spoiled.map((record) => record.text)).toEqual(['2,"open', ...beyond.slice(1, -1), 'end",z', '3,next,y']);
  });

  it('reads a closing quote followed by spaces the same wherever the record stands in the file', async () => {
    const lines = Array.from({ length: 2500 }, (_, i) => `${i + 2},"a\nb"  `);
    for (const end of ['', '\n']) {
      const records = await readAll(await open(await file(`id,note\n${lines.join('\n')}${end}`)));
      expect(records).toHaveLength(lines.length);
      const wrong = records.filter(
        (record, i) =>
          record.quoteError !== undefined || record.cells.join('|') !== `${i + 2}|a\nb` || record.text !== lines[i],
      );
      expect.soft(wrong.slice(0, 2), `${wrong.length} of ${lines.length} records read otherwise`).toEqual([]);
    }
    expect.soft(parseRecordText('1,"x"  ', ',', '\n')).toEqual(['1', 'x']);
    const header = await open(await file('id,"note" \n1,2\n')).then(
      (csv) => csv.header,
      (error: unknown) => String(error),
    );
    expect.soft(header).toEqual(['id', 'note']);
  });

  it('refuses a header row with malformed quoting, naming its line', async () => {
    const error = await open(await file('id,"no"te\n1,2\n')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsvError);
    expect((error as Error).message).toMatch(/^ingest: .*line 1\b/);
  });

  it('accounts for every line of any text of quotes, delimiters, spaces and line breaks', async () => {
    const pieces = fc.oneof(
      { weight: 40, arbitrary: fc.constantFrom('a', 'b', ' ', '\t', 'é', ',', '"', '\n', '\r\n') },
      // Whole quoted cells, closed properly or not, now and then.
      { weight: 8, arbitrary: fc.constantFrom('"a"', '""', '"a" ', '"a"b', ',"', '"\n"') },
      // Runs of plain lines, so that open quotes meet the MAX_QUOTED_LINES bound.
      { weight: 1, arbitrary: fc.constantFrom('a\n'.repeat(MAX_QUOTED_LINES / 2), 'b\n'.repeat(MAX_QUOTED_LINES)) },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(pieces, { maxLength: 60 }),
        fc.integer({ min: 1, max: 64 }),
        async (parts, chunkSize) => {
          const header = 'h1,h2';
          const text = `${header}\n${parts.join('')}`;
          const csv = await openCsv(chunked(Buffer.from(text), chunkSize));
          expect(csv.header).toEqual(['h1', 'h2']);
          const records = await readAll(csv);
          expect(unaccounted(text, header.length + 1, records, '\n')).toEqual([]);
          const wrong: unknown[] = [];
          for (const record of records) {
            const spans = record.text.split('\n').length;
            if (spans > MAX_QUOTED_LINES + 1) wrong.push({ spans, line: record.line });
            if (record.quoteError !== undefined) {
              if (spans !== 1) wrong.push({ spoiledAcrossLines: record.text });
              if (record.cells.join('\u0000') !== record.text.split(',').join('\u0000')) {
                wrong.push({ spoiledCells: record.cells, text: record.text });
              }
            } else if (record.text === '') {
              if (record.cells.length !== 1 || record.cells[0] !== '') wrong.push({ blank: record.cells });
            } else {
              if (JSON.stringify(parseRecordText(record.text, ',', '\n')) !== JSON.stringify(record.cells)) {
                wrong.push({ parseRecordText: record.text, cells: record.cells });
              }
              // With its line break: papaparse refuses spaces after a closing quote at the very end of its input.
              const back = Papa.parse<string[]>(`${record.text}\n`, { delimiter: ',', newline: '\n' });
              if (back.errors.length > 0 || JSON.stringify(back.data) !== JSON.stringify([record.cells, ['']])) {
                wrong.push({ text: record.text, cells: record.cells, papaparse: back.data, errors: back.errors });
              }
            }
          }
          expect(wrong).toEqual([]);
          // Where papaparse reads the whole text without a complaint (and it is too short for the bound on quoted
          // lines to matter), the records are its rows, less the CR that reading CRLF as LF leaves on a row's end.
          const whole = Papa.parse<string[]>(text, { delimiter: ',', newline: '\n' });
          if (whole.errors.length === 0 && text.split('\n').length <= MAX_QUOTED_LINES) {
            const rows = whole.data
              .slice(1)
              .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell.replace(/\r$/, '') : cell)));
            if (text.endsWith('\n')) rows.pop();
            expect(cells(records)).toEqual(rows);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('openCsv reads well-formed tables as papaparse does, whatever the chunking', () => {
  it('reads any table the same whatever the encoding, delimiter, quoting, line ends, chunk sizes and sample boundary', async () => {
    const cell = fc.oneof(
      fc.string({ maxLength: 6 }),
      fc.constantFrom('', 'a,b', 'x;y', 't\tu', 'q"q', 'l1\nl2', 'c\r\nd', 'e\rf', 'é€', '""', ' ', '"'),
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
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.constantFrom('utf-8', 'utf-8-bom', 'windows-1252'),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: 23 }),
        // Put the end of the 64 KiB sample somewhere among the generated rows: filler rows before them, and the
        // first chunk ending up to 300 bytes short of 64 KiB.
        fc.option(fc.record({ filler: fc.integer({ min: 0, max: 400 }), short: fc.integer({ min: 1, max: 300 }) })),
        async (rows, delimiter, lineEnd, encoding, finalBreak, quoteAll, chunkSize, sample) => {
          // A non-ASCII header makes a Windows-1252 file show in its first bytes.
          const header = rows[0]!.map((_, i) => `colé${i}`);
          const filler: string[][] = [];
          if (sample) {
            let length = 0;
            while (length < 64 * 1024 - sample.filler) {
              const row = header.map((_, i) => `${filler.length}${'x'.repeat(20 + i)}`);
              filler.push(row);
              length += row.join(delimiter).length + lineEnd.length;
            }
          }
          const all = [header, ...filler, ...rows];
          const text =
            all.map((row) => row.map((value) => quote(value, quoteAll)).join(delimiter)).join(lineEnd) +
            (finalBreak ? lineEnd : '');
          const bytes =
            encoding === 'windows-1252'
              ? iconv.encode(text, 'windows1252')
              : Buffer.concat([Buffer.from(encoding === 'utf-8-bom' ? [0xef, 0xbb, 0xbf] : []), Buffer.from(text)]);
          const stream = chunked(bytes, chunkSize, sample ? 64 * 1024 - sample.short : chunkSize);
          const csv = await openCsv(stream);
          expect([csv.encoding, csv.delimiter, csv.lineBreak]).toEqual([
            encoding,
            delimiter,
            lineEnd === '\r' ? '\r' : '\n',
          ]);
          const expected = oneShot(text, delimiter, lineEnd);
          expect(csv.header).toEqual(expected.header);
          const records = await readAll(csv);
          // A deep comparison of thousands of filler rows is slow: compare as JSON, and diff only on a mismatch.
          if (JSON.stringify(cells(records)) !== JSON.stringify(expected.rows)) {
            expect(cells(records)).toEqual(expected.rows);
          }
          expect(records.filter((record) => record.quoteError !== undefined)).toEqual([]);
          // rejected.csv reads a record's text back to the same cells.
          const back = records.filter(
            (record) =>
              JSON.stringify(parseRecordText(record.text, csv.delimiter, csv.lineBreak)) !==
              JSON.stringify(record.cells),
          );
          expect(back).toEqual([]);
          const headerLength = header.map((value) => quote(value, quoteAll)).join(delimiter).length + lineEnd.length;
          expect(unaccounted(text, headerLength, records, lineEnd === '\r' ? '\r' : '\n')).toEqual([]);
          expect(csv.summary().bytes).toBe(bytes.length);
          expect(csv.summary().decodeErrors).toBe(0);
        },
      ),
      { numRuns: 250 },
    );
  });
});

describe('openCsv decode errors', () => {
  /** Data rows enough to fill the 64 KiB sample, so that what follows is decoded chunk by chunk. */
  const pastTheSample = (): Buffer => {
    const lines = ['id,name\n'];
    for (let i = 0; i < 5000; i++) lines.push(`${i},name number ${i} é\n`);
    const bytes = Buffer.from(lines.join(''));
    expect(bytes.length).toBeGreaterThan(64 * 1024);
    return bytes;
  };

  it('replaces invalid UTF-8 after the sample with U+FFFD and counts it, not a genuine U+FFFD', async () => {
    const content = Buffer.concat([
      pastTheSample(),
      Buffer.from('bad,Caf'),
      Buffer.from([0xe9]), // a Windows-1252 é in a UTF-8 file
      Buffer.from('\ngenuine,\uFFFD\n'),
    ]);
    const csv = await open(await file(content));
    expect(csv.encoding).toBe('utf-8');
    const records = await readAll(csv);
    expect(records.at(-2)?.cells).toEqual(['bad', 'Caf\uFFFD']);
    expect(records.at(-1)?.cells).toEqual(['genuine', '\uFFFD']);
    expect(csv.summary().decodeErrors).toBe(1);
  });

  it('counts invalid bytes and genuine U+FFFD the same when the chunks cut them in any place', async () => {
    const tail = Buffer.concat([
      Buffer.from('x,\uFFFD\uFFFD'),
      Buffer.from([0xe2, 0x82]), // a euro sign cut short: one error
      Buffer.from(',\uFFFD'),
      Buffer.from([0xff, 0xfe, 0xc3]), // three invalid bytes: three errors
      Buffer.from('\uFFFD\n'),
    ]);
    const prefix = pastTheSample();
    const content = Buffer.concat([prefix, tail]);
    // TextDecoder decoding the whole file at once, as the oracle for the text.
    const whole = new TextDecoder().decode(content);
    const lastLine = whole.slice(whole.lastIndexOf('\n', whole.length - 2) + 1, -1);
    for (const size of [1, 2, 3, 5, 7]) {
      // The sample is the first chunk; it ends before the last line or inside its first U+FFFD.
      for (const first of [prefix.length - 1, prefix.length + 3, prefix.length + 4]) {
        const csv = await openCsv(chunked(content, size, first));
        const records = await readAll(csv);
        expect(records.at(-1)?.cells.join(',')).toBe(lastLine);
        expect(csv.summary().decodeErrors).toBe(4);
      }
    }
  });

  it('counts the five unassigned Windows-1252 bytes as decode errors', async () => {
    const unassigned = [0x81, 0x8d, 0x8f, 0x90, 0x9d];
    const csv = await open(
      await file(Buffer.concat([Buffer.from('a;b\nx'), Buffer.from([0xe9, ...unassigned, 0x80]), Buffer.from(';y\n')])),
    );
    expect(csv.encoding).toBe('windows-1252');
    expect(cells(await readAll(csv))).toEqual([[`x\u00e9${'\uFFFD'.repeat(5)}\u20ac`, 'y']]);
    expect(csv.summary().decodeErrors).toBe(unassigned.length);
  });

  it('treats a multi-byte character cut by the end of the sample as UTF-8', async () => {
    const head = 'a,b\n';
    const content = Buffer.from(`${head}1,${'x'.repeat(64 * 1024 - head.length - 3)}€\n`);
    // The sample's 64 KiB end inside the euro sign's three bytes.
    expect(content.subarray(64 * 1024 - 1, 64 * 1024 + 2)).toEqual(Buffer.from('€'));
    const csv = await openCsv(chunked(content, 64 * 1024));
    expect(csv.encoding).toBe('utf-8');
    expect((await readAll(csv))[0]?.cells[1]?.endsWith('x€')).toBe(true);
    expect(csv.summary().decodeErrors).toBe(0);
  });
});

describe('openCsv refusals', () => {
  const refusal = async (content: string | Uint8Array): Promise<string> => {
    const error = await open(await file(content)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CsvError);
    const message = (error as CsvError).message;
    expect(message).not.toContain('\n');
    expect(message).toMatch(/^ingest: /);
    return message;
  };

  it('refuses an empty file', async () => {
    expect(await refusal('')).toMatch(/empty/);
  });

  it('refuses a file of only a byte-order mark as having no header', async () => {
    expect(await refusal(Buffer.from([0xef, 0xbb, 0xbf]))).toMatch(/header/);
  });

  it('refuses PNG bytes as binary at byte 0', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    expect(await refusal(png)).toMatch(/binary.*byte 0\b/);
  });

  it('refuses a gzipped CSV as binary', async () => {
    expect(await refusal(gzipSync(Buffer.from('a,b\n1,2\n')))).toMatch(/binary/);
  });

  it('refuses a NUL byte inside the sample, naming its offset', async () => {
    const content = Buffer.from('a,b\n1,\u00002\n');
    expect(await refusal(content)).toMatch(new RegExp(`byte ${content.indexOf(0)}\\b`));
  });

  it('refuses a UTF-16 file', async () => {
    expect(await refusal(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\n', 'utf16le')]))).toMatch(
      /UTF-16/,
    );
  });
});

describe('openCsv source facts', () => {
  it('reports the byte count and the SHA-256 of all raw bytes, and calls onBytes as it reads', async () => {
    const lines = ['k,v'];
    for (let i = 0; i < 40_000; i++) lines.push(`${i},${'v'.repeat(i % 17)}${i % 5 ? '' : ',"q\r\nq"'}`);
    const path = await file(`${lines.join('\r\n')}\r\n`);
    const raw = await readFile(path);
    const progress: number[] = [];
    const csv = await openCsv(createReadStream(path, { highWaterMark: 16 * 1024 }), {
      onBytes: (n) => progress.push(n),
    });
    const records = await readAll(csv);
    expect(records).toHaveLength(40_000);
    const summary = csv.summary();
    expect(summary.bytes).toBe(raw.length);
    expect(summary.sha256).toBe(createHash('sha256').update(raw).digest('hex'));
    expect(csv.summary()).toEqual(summary);
    expect(progress.length).toBeGreaterThan(10);
    expect(progress.at(-1)).toBe(raw.length);
    expect(progress.every((n, i) => i === 0 || n > progress[i - 1]!)).toBe(true);
  });

  it('hashes the same bytes to the same SHA-256 however the stream cuts them', async () => {
    const bytes = Buffer.from(`k;v\n${'1;é€\n'.repeat(20_000)}`);
    const expected = createHash('sha256').update(bytes).digest('hex');
    for (const size of [1000, 4096, 65_537]) {
      const csv = await openCsv(chunked(bytes, size));
      expect(await readAll(csv)).toHaveLength(20_000);
      expect(csv.summary()).toEqual({ bytes: bytes.length, sha256: expected, decodeErrors: 0 });
    }
  });
});
