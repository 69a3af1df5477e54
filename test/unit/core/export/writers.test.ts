import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import {
  CONTACT_PLACEHOLDER,
  type ExportDocument,
  exportResource,
  mergeDataPackage,
  neutraliseText,
  renderCsv,
  renderJson,
  renderXlsx,
  TABLE_HEADER_ROW,
} from '../../../../core/export/index.ts';

// ajv-formats is CommonJS: its default import is module.exports, whose `default` is the plugin.
const addFormats = addFormatsModule.default;

const profile = JSON.parse(
  readFileSync(new URL('../../../fixtures/datapackage-profile.json', import.meta.url), 'utf8'),
);

/** A small protected table: a formula-leading label, a suppressed pair, a value that does not exist. */
function document(): ExportDocument {
  return {
    title: 'Spin-outs by sector — uk-se, wave 2023',
    query: {
      name: 'spinouts_by_sector',
      title: 'Spin-outs by sector',
      description: 'For each sector: organisations, spin-outs and the spin-out share.',
      grain: 'one row per sector',
    },
    parameters: { survey: 'uk-se', wave: 2023 },
    survey: 'uk-se',
    waves: [2023],
    createdAt: '2026-11-24T12:00:00.000Z',
    columns: [
      { name: 'sector', type: 'string', description: 'main sector', role: 'group' },
      { name: 'organisations', type: 'int', description: 'organisations', role: 'count' },
      { name: 'spinouts', type: 'int', description: 'spin-outs', role: 'count' },
      { name: 'spinout_share', type: 'double', description: 'share', format: 'percent', role: 'share' },
    ],
    rows: [
      [{ value: 'health' }, { value: 40 }, { value: 12 }, { value: 0.3 }],
      [{ value: '=HYPERLINK("http://x")' }, { value: 9 }, { value: null, mark: 'c' }, { value: null, mark: 'c' }],
      [{ value: 'social, care' }, { value: 0 }, { value: 0 }, { value: null, mark: 'x' }],
      [{ value: 'youth' }, { value: 11 }, { value: null, mark: 'c' }, { value: null, mark: 'c' }],
      [{ value: 'Total' }, { value: 60 }, { value: 17 }, { value: 0.2833 }],
    ],
    total: true,
    rules: { threshold: 5, p: 10 },
    counts: { threshold: 1, dominance: 0, linked: 2, secondary: 1 },
    dropped: [],
  };
}

describe('text neutralisation', () => {
  it('prefixes text that a spreadsheet would run as a formula, and leaves other text alone', () => {
    for (const lead of ['=', '+', '-', '@', '\t', '\r']) expect(neutraliseText(`${lead}1+1`)).toBe(`'${lead}1+1`);
    expect(neutraliseText('health')).toBe('health');
    expect(neutraliseText('a=b')).toBe('a=b');
  });
});

describe('CSV writer', () => {
  const bytes = renderCsv(document());
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);

  it('starts with a UTF-8 byte-order mark and ends lines with CRLF', () => {
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(text.split('\r\n')).toHaveLength(7);
  });

  it('reads back with papaparse: [c] in suppressed cells, [x] where no value exists, the label neutralised', () => {
    const parsed = Papa.parse<string[]>(text.slice(1), { skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.data).toEqual([
      ['sector', 'organisations', 'spinouts', 'spinout_share'],
      ['health', '40', '12', '0.3'],
      ['\'=HYPERLINK("http://x")', '9', '[c]', '[c]'],
      ['social, care', '0', '0', '[x]'],
      ['youth', '11', '[c]', '[c]'],
      ['Total', '60', '17', '0.2833'],
    ]);
  });
});

describe('JSON writer', () => {
  it('writes rows of objects with null for suppressed cells and their status in _status', () => {
    const rows = JSON.parse(new TextDecoder().decode(renderJson(document())));
    expect(rows[0]).toEqual({ sector: 'health', organisations: 40, spinouts: 12, spinout_share: 0.3, _status: {} });
    expect(rows[1]).toEqual({
      sector: '\'=HYPERLINK("http://x")',
      organisations: 9,
      spinouts: null,
      spinout_share: null,
      _status: { spinouts: 'c', spinout_share: 'c' },
    });
    expect(rows[2]._status).toEqual({ spinout_share: 'x' });
  });
});

describe('XLSX writer', () => {
  async function workbook(): Promise<ExcelJS.Workbook> {
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await renderXlsx(document())).buffer as ArrayBuffer);
    return book;
  }

  it('has a Cover, a Notes and a Table sheet, in that order', async () => {
    expect((await workbook()).worksheets.map((s) => s.name)).toEqual(['Cover', 'Notes', 'Table']);
  });

  it('puts the title, source, waves, query, parameters, date and a contact placeholder on the cover', async () => {
    const cover = (await workbook()).getWorksheet('Cover')!;
    const text: Record<string, unknown> = {};
    cover.eachRow((row) => {
      text[String(row.getCell(1).value)] = row.getCell(2).value;
    });
    expect(cover.getCell('A1').value).toBe('Spin-outs by sector — uk-se, wave 2023');
    expect(text.Source).toBe('survey uk-se');
    expect(text.Waves).toBe('2023');
    expect(text['Saved query']).toMatch(/^spinouts_by_sector: /);
    expect(text.Parameters).toBe('survey=uk-se; wave=2023');
    expect(text.Created).toBe('2026-11-24T12:00:00.000Z');
    expect(text.Contact).toBe(CONTACT_PLACEHOLDER);
  });

  it('lists each rule with its setting and the cells it suppressed on the notes sheet', async () => {
    const notes = (await workbook()).getWorksheet('Notes')!;
    const rows: unknown[][] = [];
    notes.eachRow((row) => {
      rows.push((row.values as unknown[]).slice(1));
    });
    expect(rows[2]).toEqual(['Note number', 'Note text', 'Setting', 'Cells suppressed']);
    expect(rows[3]?.[2]).toBe('5 organisations');
    expect(rows[3]?.[3]).toBe(1);
    expect(rows[4]?.[2]).toBe('p = 10');
    expect(rows[6]?.[3]).toBe(1);
  });

  it('writes one header row, numbers as numbers, [c] in suppressed cells and the label neutralised, unmerged', async () => {
    const table = (await workbook()).getWorksheet('Table')!;
    const header = table.getRow(TABLE_HEADER_ROW).values as unknown[];
    expect(header.slice(1)).toEqual(['sector', 'organisations', 'spinouts', 'spinout_share']);
    const row = (n: number) => (table.getRow(TABLE_HEADER_ROW + n).values as unknown[]).slice(1);
    expect(row(1)).toEqual(['health', 40, 12, 0.3]);
    expect(typeof row(1)[1]).toBe('number');
    expect(row(2)).toEqual(['\'=HYPERLINK("http://x")', 9, '[c]', '[c]']);
    expect(row(3)).toEqual(['social, care', 0, 0, '[x]']);
    expect(row(5)).toEqual(['Total', 60, 17, 0.2833]);
    expect(table.getCell(TABLE_HEADER_ROW + 1, 4).numFmt).toBe('0.0%');
    // No formulas anywhere: the neutralised label is a plain string.
    expect(table.getCell(TABLE_HEADER_ROW + 2, 1).type).toBe(ExcelJS.ValueType.String);
    expect((table.model as { merges?: unknown[] }).merges ?? []).toEqual([]);
  });
});

describe('data package', () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(profile);

  it('describes a CSV export with a valid Frictionless descriptor: fields, [c] missing value, licence, provenance', () => {
    const descriptor = JSON.parse(
      mergeDataPackage(undefined, exportResource(document(), 'spinouts.csv', 'csv'), '2026-11-24T12:00:00.000Z'),
    );
    expect(validate(descriptor), JSON.stringify(validate.errors)).toBe(true);
    const resource = descriptor.resources[0];
    expect(resource).toMatchObject({
      name: 'spinouts.csv',
      path: 'spinouts.csv',
      format: 'csv',
      mediatype: 'text/csv',
    });
    expect(resource.schema.missingValues).toContain('[c]');
    expect(resource.schema.fields.map((f: { name: string; type: string }) => [f.name, f.type])).toEqual([
      ['sector', 'string'],
      ['organisations', 'integer'],
      ['spinouts', 'integer'],
      ['spinout_share', 'number'],
    ]);
    expect(descriptor.licenses[0].name).toBe('OGL-UK-3.0');
    expect(resource.provenance).toMatchObject({
      survey: 'uk-se',
      waves: [2023],
      savedQuery: 'spinouts_by_sector',
      parameters: { survey: 'uk-se', wave: 2023 },
    });
    expect(resource.provenance.disclosureControl.rules.threshold).toEqual({
      minimumContributors: 5,
      cellsSuppressed: 1,
    });
  });

  it('records every setting, the Total row left out, and what the audit verified, in words', () => {
    const doc: ExportDocument = {
      ...document(),
      rows: document().rows.slice(0, -1),
      total: false,
      rules: { threshold: 7, p: 15 },
      deployment: { threshold: 5, p: 10 },
      counts: { threshold: 1, dominance: 0, revision: 0, linked: 2, secondary: 1, release: 0 },
      audit: {
        solver: 'HiGHS 1.15.1',
        cellsAudited: 4,
        protectionLevels: 1,
        programs: 9,
        model: ['every count, total and numerator is at least 0, and counts and numerators are whole numbers'],
      },
      linkedTables: ['sector_profile (uk-se, 2023)', 'wave_summary (uk-se)'],
    };
    const resource = JSON.parse(mergeDataPackage(undefined, exportResource(doc, 's.csv', 'csv'), doc.createdAt))
      .resources[0];
    const control = resource.provenance.disclosureControl;
    expect(control.settings).toEqual({ threshold: 7, p: 15, deploymentThreshold: 5, deploymentP: 10, totalRow: false });
    expect(control.audit).toMatchObject({ solver: 'HiGHS 1.15.1', protectionLevelsMet: 1, exactRecoveries: 0 });
    expect(control.linkedTables).toEqual(['sector_profile (uk-se, 2023)', 'wave_summary (uk-se)']);
    const notes = control.notes.join('\n');
    expect(notes).toMatch(/stricter than this deployment's threshold 5, p = 10, as requested/);
    expect(notes).toMatch(/Secondary suppression to protection levels: .*linear programming at least cost/);
    expect(notes).toMatch(/Audit: before this table was written, HiGHS 1\.15\.1 solved the intruder's linear program/);
    expect(notes).toMatch(
      /The Total row is left out of this file \(--no-total\); the suppression pattern is the one the table has with it/,
    );
    expect(notes).toMatch(
      /Linked tables: this table shares cells with sector_profile \(uk-se, 2023\); wave_summary \(uk-se\)/,
    );
  });

  it('keeps the other exports of the folder and replaces its own resource by name', () => {
    const first = mergeDataPackage(undefined, exportResource(document(), 'a.csv', 'csv'), '2026-11-24T12:00:00Z');
    const second = mergeDataPackage(first, exportResource(document(), 'b.xlsx', 'xlsx'), '2026-11-24T12:01:00Z');
    const again = JSON.parse(
      mergeDataPackage(second, exportResource({ ...document(), title: 'new' }, 'a.csv', 'csv'), '2026-11-24T12:02:00Z'),
    );
    expect(validate(again), JSON.stringify(validate.errors)).toBe(true);
    expect(again.resources.map((r: { name: string; title: string }) => [r.name, r.title])).toEqual([
      ['a.csv', 'new'],
      ['b.xlsx', 'Spin-outs by sector — uk-se, wave 2023'],
    ]);
  });

  it('is rejected by the profile when a resource lacks a path, so the validation can fail', () => {
    const descriptor = JSON.parse(
      mergeDataPackage(undefined, exportResource(document(), 'x.json', 'json'), '2026-11-24T12:00:00Z'),
    );
    expect(validate(descriptor), JSON.stringify(validate.errors)).toBe(true);
    delete descriptor.resources[0].path;
    expect(validate(descriptor)).toBe(false);
  });
});
