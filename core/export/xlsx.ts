import ExcelJS from 'exceljs';
import { cellText, neutraliseText } from './csv.ts';
import { CONFIDENTIAL, type ExportDocument, NOT_AVAILABLE } from './document.ts';

/** Row of the Table sheet that holds the column headers (title and a note above it, GSS style). */
export const TABLE_HEADER_ROW = 3;

/** The placeholder a department replaces with its own contact before publication. */
export const CONTACT_PLACEHOLDER = '[contact: add the e-mail address of the team that publishes these statistics]';

function parametersText(doc: ExportDocument): string {
  return Object.entries(doc.parameters)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
}

/** The notes a reader needs: each rule, its setting and how many cells it suppressed. */
export function disclosureNotes(doc: ExportDocument): { text: string; setting: string; cells: number | string }[] {
  return [
    {
      text: `Threshold rule: a count from fewer than ${doc.rules.threshold} organisations, and every total, share or median computed from fewer, is suppressed.`,
      setting: `${doc.rules.threshold} organisations`,
      cells: doc.counts.threshold,
    },
    {
      text: `Dominance (p% rule): a total is suppressed where it minus its two largest contributions is less than ${doc.rules.p}% of the largest contribution.`,
      setting: `p = ${doc.rules.p}`,
      cells: doc.counts.dominance,
    },
    {
      text: 'A share or median whose count is suppressed is suppressed too.',
      setting: 'always',
      cells: doc.counts.linked,
    },
    {
      text: 'Secondary suppression: further cells are suppressed so that no suppressed cell can be worked out from the published cells and the totals; checked with exact linear algebra before the table was written.',
      setting: doc.total ? 'totals present' : 'no total row',
      cells: doc.counts.secondary,
    },
    {
      text: `Minimums and maximums are never published.${doc.dropped.length > 0 ? ` Columns left out: ${doc.dropped.join(', ')}.` : ''}`,
      setting: 'always',
      cells: doc.dropped.length > 0 ? `${doc.dropped.length} column(s)` : 0,
    },
    {
      text: `Shorthand: ${CONFIDENTIAL} confidential (suppressed to protect organisations); ${NOT_AVAILABLE} not available (no organisation answered, or not applicable).`,
      setting: '',
      cells: '',
    },
  ];
}

/**
 * The table as an Excel workbook following the GSS guidance for releasing statistics in spreadsheets: a Cover
 * sheet (title, source, waves, query, parameters, when, contact), a Notes sheet (rules, settings, cells
 * suppressed by each), and the Table sheet with its title in A1, one header row, no merged cells, no blank
 * rows or columns inside the table, numbers stored as numbers and `[c]` in suppressed cells.
 */
export async function renderXlsx(doc: ExportDocument): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'survey export';
  workbook.created = new Date(doc.createdAt);
  workbook.title = doc.title;

  const cover = workbook.addWorksheet('Cover');
  cover.getColumn(1).width = 18;
  cover.getColumn(2).width = 100;
  cover.addRow([neutraliseText(doc.title)]).font = { bold: true, size: 14 };
  const coverRows: [string, string][] = [
    ['Description', doc.query.description],
    ['Source', `survey ${doc.survey ?? '(not stated)'}`],
    ['Waves', doc.waves.join(', ') || '(none)'],
    ['Saved query', `${doc.query.name}: ${doc.query.title} (${doc.query.grain})`],
    ['Parameters', parametersText(doc) || '(none)'],
    ['Created', doc.createdAt],
    ['Contact', CONTACT_PLACEHOLDER],
    ['Notes', 'The Notes worksheet lists the disclosure control rules applied and how many cells each suppressed.'],
    ['Shorthand', `${CONFIDENTIAL} confidential (suppressed); ${NOT_AVAILABLE} not available`],
  ];
  for (const [label, text] of coverRows) {
    const row = cover.addRow([label, neutraliseText(text)]);
    row.getCell(1).font = { bold: true };
    row.getCell(2).alignment = { wrapText: true, vertical: 'top' };
  }

  const notes = workbook.addWorksheet('Notes');
  notes.addRow(['Notes']).font = { bold: true, size: 14 };
  notes.addRow(['This worksheet contains one table: the disclosure control rules applied to the Table worksheet.']);
  const header = notes.addRow(['Note number', 'Note text', 'Setting', 'Cells suppressed']);
  header.font = { bold: true };
  disclosureNotes(doc).forEach((note, i) => {
    notes.addRow([`Note ${i + 1}`, note.text, note.setting, note.cells]);
  });
  notes.getColumn(1).width = 12;
  notes.getColumn(2).width = 100;
  notes.getColumn(2).alignment = { wrapText: true, vertical: 'top' };
  notes.getColumn(3).width = 18;
  notes.getColumn(4).width = 16;

  const table = workbook.addWorksheet('Table', { views: [{ state: 'frozen', ySplit: TABLE_HEADER_ROW }] });
  table.addRow([neutraliseText(doc.title)]).font = { bold: true, size: 14 };
  table.addRow([
    `${CONFIDENTIAL} = confidential (suppressed), ${NOT_AVAILABLE} = not available; see the Notes worksheet.${doc.total ? ' The last row is the Total.' : ''}`,
  ]);
  const head = table.addRow(doc.columns.map((c) => c.name));
  head.font = { bold: true };
  for (const row of doc.rows) {
    const values = row.map((cell) =>
      cell.mark === undefined && (typeof cell.value === 'number' || typeof cell.value === 'boolean')
        ? cell.value
        : cellText(cell),
    );
    const added = table.addRow(values);
    doc.columns.forEach((column, i) => {
      const cell = added.getCell(i + 1);
      if (typeof cell.value === 'number') {
        cell.numFmt =
          column.format === 'percent'
            ? '0.0%'
            : column.format === 'year'
              ? '0'
              : column.type === 'int'
                ? '#,##0'
                : '#,##0.00';
      } else if (row[i]?.mark) {
        cell.alignment = { horizontal: 'right' };
      }
    });
  }
  doc.columns.forEach((column, i) => {
    table.getColumn(i + 1).width = Math.max(12, column.name.length + 4);
  });
  const buffer = await workbook.xlsx.writeBuffer();
  return new Uint8Array(buffer as ArrayBuffer);
}
