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

  it('quotes commas, quotes and line breaks so the row reads back intact', () => {
    const cells = ['Smith, Jones & "Co"', 'line one\nline two', '=HYPERLINK("x")', 'plain'];
    const parsed = Papa.parse<string[]>(csvLine(cells), { newline: '\r\n' }).data[0];
    expect(parsed).toEqual(['Smith, Jones & "Co"', 'line one\nline two', `'=HYPERLINK("x")`, 'plain']);
  });
});
