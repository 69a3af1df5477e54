import { describe, expect, it } from 'vitest';
import type { QueryResult } from '../../../../core/engine/query-engine.ts';
import { formatCsv, formatJson, formatTable } from '../../../../core/queries/index.ts';

const result: QueryResult = {
  columns: [
    { name: 'sector', type: 'string' },
    { name: 'organisations', type: 'int' },
    { name: 'spinout_share', type: 'double' },
  ],
  rows: [
    { sector: 'health', organisations: 12345, spinout_share: 0.25 },
    { sector: 'a "quoted", odd\nname', organisations: 0, spinout_share: null },
  ],
};

describe('result formats', () => {
  it('writes JSON as an array of objects keyed by column name, numbers as numbers and nulls as null', () => {
    expect(JSON.parse(formatJson(result))).toEqual([
      { sector: 'health', organisations: 12345, spinout_share: 0.25 },
      { sector: 'a "quoted", odd\nname', organisations: 0, spinout_share: null },
    ]);
  });

  it('writes RFC 4180 CSV: header, CRLF, quoted fields with doubled quotes, null as empty', () => {
    expect(formatCsv(result)).toBe(
      'sector,organisations,spinout_share\r\nhealth,12345,0.25\r\n"a ""quoted"", odd\nname",0,\r\n',
    );
  });

  it('writes an aligned table with shares as percentages and unknown values as n/a', () => {
    const table = formatTable({ ...result, rows: [result.rows[0] ?? {}, { ...result.rows[1], sector: 'x' }] }, [
      { name: 'spinout_share', format: 'percent' },
    ]);
    const lines = table.trimEnd().split('\n');
    expect(lines[0]).toBe('sector  organisations  spinout_share');
    expect(lines[2]).toBe('health         12,345          25.0%');
    expect(lines[3]).toBe('x                   0            n/a');
  });

  it('says so when a table has no rows', () => {
    expect(formatTable({ columns: result.columns, rows: [] })).toMatch(/\(no rows\)\n$/);
  });
});
