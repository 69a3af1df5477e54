import { neutraliseText } from './csv.ts';
import type { ExportDocument } from './document.ts';

/** The name of the per-row status object in JSON exports. */
export const STATUS_KEY = '_status';

/**
 * The table as JSON: an array of row objects keyed by column name. A suppressed cell is `null`, and the row's
 * `_status` object gives it the GSS mark `"c"` (confidential); a value that does not exist is `null` with
 * `"x"`. Published cells are absent from `_status`, which is `{}` on a row with nothing to flag, so
 * `row[col] === null && row._status[col] === "c"` is the one test for a suppressed cell. Text is neutralised
 * as in CSV, since JSON is often pasted into spreadsheets.
 */
export function renderJson(doc: ExportDocument): Uint8Array {
  const rows = doc.rows.map((row) => {
    const out: Record<string, unknown> = {};
    const status: Record<string, 'c' | 'x'> = {};
    doc.columns.forEach((column, i) => {
      const cell = row[i]!;
      out[column.name] = typeof cell.value === 'string' ? neutraliseText(cell.value) : cell.value;
      if (cell.mark) status[column.name] = cell.mark;
    });
    out[STATUS_KEY] = status;
    return out;
  });
  return new TextEncoder().encode(`${JSON.stringify(rows, null, 2)}\n`);
}
