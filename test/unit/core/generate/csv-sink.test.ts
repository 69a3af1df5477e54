import { PassThrough } from 'node:stream';
import iconv from 'iconv-lite';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { CsvSink, csvRecord, encodeCp1252 } from '../../../../core/generate/csv-sink.ts';

describe('encodeCp1252', () => {
  it('encodes every character exactly as iconv-lite does', () => {
    let text = '';
    for (let code = 0; code < 0x2200; code++) if (code < 0xd800 || code > 0xdfff) text += String.fromCharCode(code);
    expect(encodeCp1252(text).equals(iconv.encode(text, 'win1252'))).toBe(true);
    const words = 'Coopérative € œ Œ ’ “ ” — – … • ™ Ÿ ž š ő 😀 x';
    expect(encodeCp1252(words).equals(iconv.encode(words, 'win1252'))).toBe(true);
    expect(encodeCp1252('é')).toEqual(Buffer.from([0xe9]));
  });
});

describe('csvRecord', () => {
  it('quotes only cells that need it, doubles quotes, and papaparse reads the cells back', () => {
    const cells = ['plain', 'a,b', 'say "hi"', 'two\nlines', ' padded ', ''];
    const line = csvRecord(cells, ',', false);
    expect(line).toBe('plain,"a,b","say ""hi""","two\nlines", padded ,');
    expect(Papa.parse<string[]>(line, { delimiter: ',' }).data[0]).toEqual(cells);
    expect(csvRecord(['a;b', 'c,d'], ';', false)).toBe('"a;b";c,d');
    expect(csvRecord(['x', ''], ',', true)).toBe('"x",""');
  });
});

describe('CsvSink', () => {
  it('writes a byte-order mark first when asked, and counts the bytes it wrote', async () => {
    const stream = new PassThrough();
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    const sink = new CsvSink(stream, 'utf-8-bom');
    await sink.write('£1');
    await sink.end();
    const bytes = Buffer.concat(chunks);
    expect(bytes).toEqual(Buffer.from([0xef, 0xbb, 0xbf, 0xc2, 0xa3, 0x31]));
    expect(sink.bytes).toBe(6);
  });
});
