// The XLSX for people: headings in plain words with units, labels instead of codes (the codes in a column of their
// own), money in the survey's currency, and a filter on the headings that leaves the Total row alone.
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { type ExportDocument, renderXlsx, TABLE_HEADER_ROW } from '../../../../core/export/index.ts';
import { getSavedQuery } from '../../../../core/queries/index.ts';

function sectorProfile(survey: string): ExportDocument {
  const query = getSavedQuery('sector_profile');
  return {
    title: `Sector profile — ${survey}, wave 2023`,
    query: { name: query.name, title: query.title, description: query.description, grain: query.grain },
    parameters: { survey, wave: 2023 },
    survey,
    waves: [2023],
    createdAt: '2026-11-24T12:00:00.000Z',
    columns: [
      { name: 'sector', type: 'string', description: 'sector', role: 'group' },
      { name: 'organisations', type: 'int', description: 'organisations', role: 'count' },
      { name: 'employees_total', type: 'int', description: 'staff', role: 'sum' },
      { name: 'median_employees', type: 'double', description: 'median staff', role: 'median' },
      { name: 'turnover_total', type: 'double', description: 'turnover', role: 'sum' },
      { name: 'median_turnover', type: 'double', description: 'median turnover', role: 'median' },
    ],
    rows: [
      [
        { value: 'social_care' },
        { value: 40 },
        { value: 900 },
        { value: 12.5 },
        { value: 1_250_000 },
        { value: 30_000 },
      ],
      [
        { value: '=cmd|calc' },
        { value: 3 },
        { value: null, mark: 'c' },
        { value: null, mark: 'c' },
        { value: null, mark: 'c' },
        { value: null, mark: 'c' },
      ],
      [{ value: 'Total' }, { value: 43 }, { value: 950 }, { value: 12 }, { value: 1_300_000 }, { value: 29_000 }],
    ],
    total: true,
    rules: { threshold: 5, p: 10 },
    counts: { threshold: 1, dominance: 0, linked: 3, secondary: 0 },
    dropped: [],
  };
}

async function tableSheet(doc: ExportDocument, withQuery = true): Promise<ExcelJS.Worksheet> {
  const book = new ExcelJS.Workbook();
  const bytes = await renderXlsx(doc, withQuery ? getSavedQuery(doc.query.name) : undefined);
  await book.xlsx.load(bytes.buffer as ArrayBuffer);
  return book.getWorksheet('Table')!;
}

const rowValues = (sheet: ExcelJS.Worksheet, n: number) => (sheet.getRow(n).values as unknown[]).slice(1);

describe('the XLSX table for people', () => {
  it('heads its columns in plain words with units, and keeps the codes in a column of their own', async () => {
    const sheet = await tableSheet(sectorProfile('uk-se'));
    expect(rowValues(sheet, TABLE_HEADER_ROW)).toEqual([
      'Sector',
      'Sector code',
      'Organisations',
      'Paid staff (headcount)',
      'Median paid staff (headcount)',
      'Turnover (£)',
      'Median turnover (£)',
    ]);
    expect(rowValues(sheet, TABLE_HEADER_ROW + 1)).toEqual([
      'Social care',
      'social_care',
      40,
      900,
      12.5,
      1_250_000,
      30_000,
    ]);
    // A code that is not in the list stays itself, neutralised in both columns; suppressed cells read [c].
    expect(rowValues(sheet, TABLE_HEADER_ROW + 2)).toEqual(["'=cmd|calc", "'=cmd|calc", 3, '[c]', '[c]', '[c]', '[c]']);
    expect(rowValues(sheet, TABLE_HEADER_ROW + 3)).toEqual(['Total', '[x]', 43, 950, 12, 1_300_000, 29_000]);
  });

  it('shows money in the survey currency', async () => {
    const uk = await tableSheet(sectorProfile('uk-se'));
    const fr = await tableSheet(sectorProfile('fr-ess'));
    expect(uk.getCell(TABLE_HEADER_ROW + 1, 6).numFmt).toBe('"£"#,##0');
    expect(fr.getCell(TABLE_HEADER_ROW + 1, 6).numFmt).toBe('"€"#,##0');
    expect(fr.getCell(TABLE_HEADER_ROW, 6).value).toBe('Turnover (€)');
    expect(uk.getCell(TABLE_HEADER_ROW + 1, 3).numFmt).toBe('#,##0');
  });

  it('puts a filter on the headings over the body rows, leaving the Total row outside it', async () => {
    const sheet = await tableSheet(sectorProfile('uk-se'));
    // Read back as the range Excel stores: the heading row to the last body row, all seven columns.
    expect(sheet.autoFilter).toBe(`A${TABLE_HEADER_ROW}:G${TABLE_HEADER_ROW + 2}`);
  });

  it('keeps the machine names when no saved query describes the table', async () => {
    const sheet = await tableSheet(sectorProfile('uk-se'), false);
    expect(rowValues(sheet, TABLE_HEADER_ROW)).toEqual([
      'sector',
      'organisations',
      'employees_total',
      'median_employees',
      'turnover_total',
      'median_turnover',
    ]);
    expect(rowValues(sheet, TABLE_HEADER_ROW + 1)[0]).toBe('social_care');
  });
});
