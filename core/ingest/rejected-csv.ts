// rejected.csv's cells: neutralised against spreadsheet formulas (OWASP CSV injection), then quoted as RFC 4180
// needs. Every rejected row passes here, cell by cell, so the tests are character comparisons, not regexes.

/** Whether a cell's first character makes a spreadsheet treat it as a formula: = + - @ tab or carriage return. */
function isFormulaLead(code: number): boolean {
  return code === 0x3d || code === 0x2b || code === 0x2d || code === 0x40 || code === 0x09 || code === 0x0d;
}

/** Neutralises a cell a spreadsheet would run as a formula by prefixing a single quote. */
export function neutraliseCell(cell: string): string {
  return isFormulaLead(cell.charCodeAt(0)) ? `'${cell}` : cell;
}

/** Quotes one CSV field (RFC 4180) when it holds a comma, quote or line break. */
export function csvField(cell: string): string {
  for (let i = 0; i < cell.length; i++) {
    const code = cell.charCodeAt(i);
    if (code === 0x22 || code === 0x2c || code === 0x0d || code === 0x0a) return `"${cell.replace(/"/g, '""')}"`;
  }
  return cell;
}

/** One line of rejected.csv: every cell neutralised against formulas, then quoted. */
export function csvLine(cells: readonly string[]): string {
  let line = '';
  for (let i = 0; i < cells.length; i++) {
    if (i > 0) line += ',';
    line += csvField(neutraliseCell(cells[i] as string));
  }
  return `${line}\r\n`;
}
