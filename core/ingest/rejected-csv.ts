/** Characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection). */
const FORMULA_LEAD = /^[=+\-@\t\r]/;

/** Neutralises a cell a spreadsheet would run as a formula by prefixing a single quote. */
export function neutraliseCell(cell: string): string {
  return FORMULA_LEAD.test(cell) ? `'${cell}` : cell;
}

/** Quotes one CSV field (RFC 4180) when it holds a comma, quote or line break. */
export function csvField(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** One line of rejected.csv: every cell neutralised against formulas, then quoted. */
export function csvLine(cells: readonly string[]): string {
  return `${cells.map((cell) => csvField(neutraliseCell(cell))).join(',')}\r\n`;
}
