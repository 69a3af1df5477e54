import type { CellValue, QueryResult } from '../engine/query-engine.ts';
import type { Column } from './saved-query.ts';

/** The output formats of `survey query`. */
export const RESULT_FORMATS = ['table', 'csv', 'json'] as const;
/** One output format of `survey query`. */
export type ResultFormat = (typeof RESULT_FORMATS)[number];

/** JSON: an array of objects keyed by column name, in column order; numbers as numbers, nulls as null. */
export function formatJson(result: QueryResult): string {
  const rows = result.rows.map((row) => Object.fromEntries(result.columns.map((c) => [c.name, row[c.name] ?? null])));
  return `${JSON.stringify(rows, null, 2)}\n`;
}

/** One CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
function csvField(value: CellValue): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** CSV (RFC 4180): a header of column names, then one line per row, CRLF line ends; null is an empty field. */
export function formatCsv(result: QueryResult): string {
  const lines = [result.columns.map((c) => csvField(c.name)).join(',')];
  for (const row of result.rows) lines.push(result.columns.map((c) => csvField(row[c.name] ?? null)).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** A cell as a person reads it: thousands separators, shares as percentages, "n/a" for unknown. */
export function formatCell(value: CellValue, type: string, format?: 'percent' | 'year'): string {
  if (value === null) return 'n/a';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') return value;
  if (format === 'percent') return `${(value * 100).toFixed(1)}%`;
  if (format === 'year') return String(value);
  if (type === 'int') return value.toLocaleString('en-GB');
  const digits = Math.abs(value) >= 1000 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * An aligned text table for people: text left-aligned, numbers right-aligned, columns whose metadata says
 * `format: percent` shown as percentages.
 */
export function formatTable(result: QueryResult, columns: readonly Pick<Column, 'name' | 'format'>[] = []): string {
  const formats = new Map(columns.map((c) => [c.name, c.format]));
  const header = result.columns.map((c) => c.name);
  const body = result.rows.map((row) =>
    result.columns.map((c) => formatCell(row[c.name] ?? null, c.type, formats.get(c.name))),
  );
  const widths = header.map((name, i) => Math.max(name.length, ...body.map((cells) => cells[i]?.length ?? 0)));
  const right = result.columns.map((c) => c.type === 'int' || c.type === 'double');
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (right[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const lines = [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)];
  if (result.rows.length === 0) lines.push('(no rows)');
  return `${lines.join('\n')}\n`;
}

/** Formats a result as table, CSV or JSON. */
export function formatResult(
  result: QueryResult,
  format: ResultFormat,
  columns: readonly Pick<Column, 'name' | 'format'>[] = [],
): string {
  if (format === 'json') return formatJson(result);
  if (format === 'csv') return formatCsv(result);
  return formatTable(result, columns);
}
