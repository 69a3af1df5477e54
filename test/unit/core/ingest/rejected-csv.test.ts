import fc from 'fast-check';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { csvLine, neutraliseCell } from '../../../../core/ingest/rejected-csv.ts';

describe('rejected.csv lines', () => {
  it.each(['=SUM(A1)', '+1', '-5', '@cmd', '\tx', '\rx'])('neutralises the formula-leading cell %j', (cell) => {
    expect(neutraliseCell(cell)).toBe(`'${cell}`);
  });

  it('leaves ordinary cells alone', () => {
    expect(neutraliseCell('Health care')).toBe('Health care');
    expect(neutraliseCell('1-2')).toBe('1-2');
  });

  it('neutralises exactly the cells that start with = + - @ tab or carriage return, and reads back any row', () => {
    const cell = fc.oneof(fc.string(), fc.constantFrom('', '=1', '+', '-', '@', '\t', '\r', '"', ',', '\n', 'a\r\nb'));
    fc.assert(
      fc.property(fc.array(cell, { minLength: 2, maxLength: 6 }), (cells) => {
        const neutral = cells.map((c) => (/^[=+\-@\t\r]/.test(c) ? `'${c}` : c));
        expect(cells.map(neutraliseCell)).toEqual(neutral);
        const line = csvLine(cells);
        expect(line.endsWith('\r\n')).toBe(true);
        expect(Papa.parse<string[]>(line.slice(0, -2), { delimiter: ',', newline: '\r\n' }).data).toEqual([neutral]);
      }),
      { numRuns: 2000 },
    );
  });

  it('quotes commas, quotes and line breaks so the row reads back intact', () => {
    const cells = ['Smith, Jones & "Co"', 'line one\nline two', '=HYPERLINK("x")', 'plain'];
    const parsed = Papa.parse<string[]>(csvLine(cells), { newline: '\r\n' }).data[0];
    expect(parsed).toEqual(['Smith, Jones & "Co"', 'line one\nline two', `'=HYPERLINK("x")`, 'plain']);
  });
});
