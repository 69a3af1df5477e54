import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  detectDelimiter,
  detectEncoding,
  detectLineBreak,
  findBinaryContent,
  isUtf16,
} from '../../../../core/ingest/detect.ts';

const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf-8') : Buffer.from(part))));

describe('detectEncoding', () => {
  it('reads a UTF-8 byte-order mark as utf-8-bom', () => {
    expect(detectEncoding(bytes([0xef, 0xbb, 0xbf], 'a,b\n'))).toBe('utf-8-bom');
  });

  it('reads plain ASCII and valid multi-byte UTF-8 as utf-8', () => {
    expect(detectEncoding(bytes('a,b\n1,2\n'))).toBe('utf-8');
    expect(detectEncoding(bytes('name\nCafé €\n'))).toBe('utf-8');
  });

  it('does not call a multi-byte character cut by the end of the sample invalid', () => {
    const euro = Buffer.from('€', 'utf-8'); // 3 bytes
    expect(detectEncoding(bytes('a,b\nx,', [euro[0]!]))).toBe('utf-8');
    expect(detectEncoding(bytes('a,b\nx,', [euro[0]!, euro[1]!]))).toBe('utf-8');
    expect(detectEncoding(bytes('a,b\nx,', [0xf0, 0x9f, 0x98]))).toBe('utf-8');
  });

  it('reads bytes that are not UTF-8 as windows-1252', () => {
    expect(detectEncoding(bytes('name\nCaf', [0xe9], '\n'))).toBe('windows-1252');
    expect(detectEncoding(bytes('price\n', [0x80], '5\n'))).toBe('windows-1252');
  });

  it('still calls a lone continuation byte before the end invalid', () => {
    expect(detectEncoding(bytes('a', [0xbf], 'b'))).toBe('windows-1252');
  });
});

describe('findBinaryContent', () => {
  it('finds nothing in CSV text', () => {
    expect(findBinaryContent(bytes('a,b\tc\r\n"x\ny",2\n'))).toBeUndefined();
  });

  it('flags PNG, gzip and ZIP signatures at byte 0', () => {
    expect(findBinaryContent(bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(0);
    expect(findBinaryContent(gzipSync(Buffer.from('a,b\n1,2\n')))).toBe(0);
    expect(findBinaryContent(bytes('PK', [0x03, 0x04], 'rest'))).toBe(0);
  });

  it('gives the offset of the first NUL byte', () => {
    expect(findBinaryContent(bytes('a,b\n1,', [0], '2\n'))).toBe(6);
  });

  it('flags a sample dense in control bytes at the first of them', () => {
    const dense = bytes('ab', [0x01, 0x02, 0x03, 0x04], 'cd');
    expect(findBinaryContent(dense)).toBe(2);
    expect(findBinaryContent(bytes('a'.repeat(200), [0x01]))).toBeUndefined();
  });

  it('recognises a UTF-16 byte-order mark', () => {
    expect(isUtf16(bytes([0xff, 0xfe], 'a'))).toBe(true);
    expect(isUtf16(bytes('a,b'))).toBe(false);
  });
});

describe('detectDelimiter', () => {
  it('picks the comma for an ordinary CSV', () => {
    expect(detectDelimiter('id,name,size\n1,a,2\n2,b,3\n')).toBe(',');
  });

  it('picks the semicolon when commas are decimal marks', () => {
    expect(detectDelimiter('id;turnover;employees\n1;1,5;2\n2;12,75;3\n3;4;5\n')).toBe(';');
  });

  it('picks the tab for a tab-separated file', () => {
    expect(detectDelimiter('id\tname, full\tsize\n1\tA, B\t2\n2\tC\t3\n')).toBe('\t');
  });

  it('ignores candidates inside quoted fields, across quoted line breaks', () => {
    const text = 'id;notes;region\n1;"a, b, c";"x"\n2;"one,\ntwo, ""three"", four";y\n3;;z\n';
    expect(detectDelimiter(text)).toBe(';');
  });

  it('ignores a last line cut by the end of the sample', () => {
    expect(detectDelimiter('a;b\n1;2\n3;4\n5,6,7,8,9')).toBe(';');
  });

  it('prefers the candidate most lines agree on when rows are ragged', () => {
    expect(detectDelimiter('a,b,c\n1,2,3\n1,2\n1,2,3\n1,2,3;4\n')).toBe(',');
  });

  it('falls back to the comma for a single column', () => {
    expect(detectDelimiter('name\nalpha\nbeta\n')).toBe(',');
  });
});

describe('detectLineBreak', () => {
  it('uses LF for LF and CRLF files and CR only when no LF is seen', () => {
    expect(detectLineBreak('a,b\n1,2\n')).toBe('\n');
    expect(detectLineBreak('a,b\r\n1,2\r\n')).toBe('\n');
    expect(detectLineBreak('a,b\r1,2\r')).toBe('\r');
    expect(detectLineBreak('a,"x\ny"\r1,2\r')).toBe('\r');
  });

  it('does not take a CR cut from its LF by the end of the sample for an old Mac line end', () => {
    expect(detectLineBreak('"h0","h1"\r')).toBe('\n');
  });
});
