import ExcelJS from 'exceljs';
import { SURVEYS } from '../../schemas/index.ts';
import { type ColumnLabel, columnLabels, valueLabel } from '../labels/index.ts';
import type { SavedQuery } from '../queries/index.ts';
import { cellText, neutraliseText } from './csv.ts';
import { CONFIDENTIAL, type ExportDocument, NOT_AVAILABLE, type WrittenCell } from './document.ts';
import { disclosureNotes } from './notes.ts';
import type { ExportColumn } from './table.ts';

const findSurvey = (id: string) => SURVEYS.find((survey) => survey.id === id);

/** Row of the Table sheet that holds the column headers (title and a note above it, GSS style). */
export const TABLE_HEADER_ROW = 3;

/** The placeholder a department replaces with its own contact before publication. */
export const CONTACT_PLACEHOLDER = '[contact: add the e-mail address of the team that publishes these statistics]';

function parametersText(doc: ExportDocument): string {
  return Object.entries(doc.parameters)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
}

/** One column of the Table sheet: its heading, how a written cell becomes a value, and its number format. */
interface SheetColumn {
  readonly heading: string;
  /** The export column it comes from. */
  readonly index: number;
  /** True for the column that keeps a coded group column's codes. */
  readonly code?: boolean;
  readonly numFmt: string;
  value(cell: WrittenCell | undefined, isTotal: boolean): string | number | boolean;
}

/** The cell as written: a number or boolean as itself, text neutralised, a mark as [c] or [x]. */
function plainValue(cell: WrittenCell | undefined): string | number | boolean {
  if (!cell) return NOT_AVAILABLE;
  return cell.mark === undefined && (typeof cell.value === 'number' || typeof cell.value === 'boolean')
    ? cell.value
    : cellText(cell);
}

/** Excel's number format for a column: percentages, years, money in its currency, whole or decimal numbers. */
function numberFormat(column: ExportColumn, label: ColumnLabel | undefined): string {
  if (column.format === 'percent') return '0.0%';
  if (column.format === 'year' || label?.unit?.kind === 'year') return '0';
  if (label?.unit?.kind === 'currency') return `"${label.unit.symbol}"#,##0`;
  return column.type === 'int' ? '#,##0' : '#,##0.00';
}

/**
 * The Table sheet's columns. Without labels, the export's columns by name. With them, headings in plain words
 * with units ("Turnover (£)"), coded group columns by their labels with the codes in a column of their own
 * ("Sector", "Sector code"), so that the sheet reads well and still joins with other data by code.
 */
function sheetColumns(doc: ExportDocument, labels: readonly ColumnLabel[] | undefined): SheetColumn[] {
  return doc.columns.flatMap((column, index): SheetColumn[] => {
    const label = labels?.find((l) => l.name === column.name);
    const numFmt = numberFormat(column, label);
    if (!label) return [{ heading: column.name, index, numFmt, value: plainValue }];
    if (column.role !== 'group' || (!label.codes && !label.booleans)) {
      return [{ heading: label.heading, index, numFmt, value: plainValue }];
    }
    return [
      {
        heading: label.heading,
        index,
        numFmt,
        value: (cell, isTotal) =>
          isTotal || cell?.value === null || cell?.mark
            ? plainValue(cell)
            : neutraliseText(valueLabel(label, cell?.value ?? null)),
      },
      {
        heading: `${label.label} code`,
        index,
        code: true,
        numFmt,
        // The Total row has no code: not applicable.
        value: (cell, isTotal) => (isTotal ? NOT_AVAILABLE : plainValue(cell)),
      },
    ];
  });
}

/**
 * The table as an Excel workbook following the GSS guidance for releasing statistics in spreadsheets: a Cover
 * sheet (title, source, waves, query, parameters, when, contact), a Notes sheet (rules, settings, cells
 * suppressed by each), and the Table sheet with its title in A1, one header row, no merged cells, no blank
 * rows or columns inside the table, numbers stored as numbers, `[c]` in suppressed cells and a filter on the
 * headings. Given the saved query, headings are plain words with units and codes are shown by their labels, the
 * codes kept in a column of their own.
 */
export async function renderXlsx(doc: ExportDocument, query?: Pick<SavedQuery, 'columns'>): Promise<Uint8Array> {
  const labels = query ? columnLabels(query.columns, doc.survey ? findSurvey(doc.survey) : undefined) : undefined;
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
  const layout = sheetColumns(doc, labels);
  const head = table.addRow(layout.map((c) => c.heading));
  head.font = { bold: true };
  doc.rows.forEach((row, r) => {
    const isTotal = doc.total && r === doc.rows.length - 1;
    const values = layout.map((c) => c.value(row[c.index], isTotal));
    const added = table.addRow(values);
    layout.forEach((c, i) => {
      const cell = added.getCell(i + 1);
      if (typeof cell.value === 'number') cell.numFmt = c.numFmt;
      else if (row[c.index]?.mark && !c.code) cell.alignment = { horizontal: 'right' };
    });
  });
  layout.forEach((c, i) => {
    table.getColumn(i + 1).width = Math.max(12, c.heading.length + 4);
  });
  // A filter on each heading; the Total row stays outside it, so sorting or filtering never moves or hides it.
  const lastBodyRow = TABLE_HEADER_ROW + doc.rows.length - (doc.total ? 1 : 0);
  if (layout.length > 0 && lastBodyRow > TABLE_HEADER_ROW) {
    table.autoFilter = {
      from: { row: TABLE_HEADER_ROW, column: 1 },
      to: { row: lastBodyRow, column: layout.length },
    };
  }
  const buffer = await workbook.xlsx.writeBuffer();
  return new Uint8Array(buffer as ArrayBuffer);
}
