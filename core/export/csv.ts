import { CONFIDENTIAL, type ExportDocument, NOT_AVAILABLE, type WrittenCell } from './document.ts';

/** Characters that make a spreadsheet read a cell as a formula (or, for tab and CR, start one after a paste). */
const FORMULA_LEAD = /^[=+\-@\t\r]/;

/** Prefixes a text cell that a spreadsheet would run as a formula with a single quote (OWASP's advice). */
export function neutraliseText(text: string): string {
  return FORMULA_LEAD.test(text) ? `'${text}` : text;
}

/** One RFC 4180 field: quoted when it holds a comma, a quote, CR or LF; quotes doubled. */
function field(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The text of a written cell in CSV and XLSX: `[c]`, `[x]`, a number, or neutralised text. */
export function cellText(cell: WrittenCell): string {
  if (cell.mark === 'c') return CONFIDENTIAL;
  if (cell.mark === 'x' || cell.value === null) return NOT_AVAILABLE;
  if (typeof cell.value === 'number' || typeof cell.value === 'boolean') return String(cell.value);
  return neutraliseText(cell.value);
}

/**
 * The table as CSV: UTF-8 with a byte-order mark (so that Excel reads accents), RFC 4180 (CRLF, quoted fields),
 * a header row of column names, `[c]` in suppressed cells and `[x]` where no value exists.
 */
export function renderCsv(doc: ExportDocument): Uint8Array {
  const lines = [doc.columns.map((c) => field(neutraliseText(c.name))).join(',')];
  for (const row of doc.rows) lines.push(row.map((cell) => field(cellText(cell))).join(','));
  return new TextEncoder().encode(`\uFEFF${lines.join('\r\n')}\r\n`);
}
