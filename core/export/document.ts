import type { ProtectedTable, SuppressionCounts } from '../disclosure/index.ts';
import type { ParamValue } from '../engine/query-engine.ts';
import type { ExportColumn } from './table.ts';

/** The GSS shorthand for a suppressed (confidential) cell. */
export const CONFIDENTIAL = '[c]';
/** The GSS shorthand for a value that is not available (no organisation answered, or not applicable). */
export const NOT_AVAILABLE = '[x]';

/**
 * One written cell. `mark` is the only status a reader sees: `c` (confidential) or `x` (not available).
 * Which rule hid a cell is never written per cell: "threshold" would tell a reader that the count is 1 to 4.
 */
export interface WrittenCell {
  readonly value: string | number | boolean | null;
  readonly mark?: 'c' | 'x';
}

/** Everything a writer needs: the protected table as rows of written cells, and its provenance. */
export interface ExportDocument {
  /** e.g. "Spin-outs by sector — uk-se, wave 2023". */
  readonly title: string;
  readonly query: {
    readonly name: string;
    readonly title: string;
    readonly description: string;
    readonly grain: string;
  };
  readonly parameters: Readonly<Record<string, ParamValue>>;
  readonly survey?: string;
  readonly waves: readonly number[];
  /** ISO 8601 UTC. */
  readonly createdAt: string;
  readonly columns: readonly ExportColumn[];
  readonly rows: readonly (readonly WrittenCell[])[];
  /** True when the last row is the Total row. */
  readonly total: boolean;
  readonly rules: { readonly threshold: number; readonly p: number };
  readonly counts: SuppressionCounts;
  /** Columns left out (minimums, maximums). */
  readonly dropped: readonly string[];
}

/** Rounds what is published: shares and growth rates to 4 decimals, other decimals to 2; whole numbers as is. */
export function presentNumber(column: ExportColumn, value: number): number {
  if (column.type === 'int') return value;
  const digits = column.format === 'percent' ? 4 : 2;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Lays a protected table out as rows of written cells, in column order. */
export function writtenRows(
  table: ProtectedTable,
  columns: readonly ExportColumn[],
  rowCount: number,
): WrittenCell[][] {
  const byRef = new Map(table.cells.map((c) => [`${c.row}:${c.column}`, c]));
  return Array.from({ length: rowCount }, (_, r) =>
    columns.map((column): WrittenCell => {
      const cell = byRef.get(`${r}:${column.name}`);
      if (!cell) return { value: null, mark: 'x' };
      if (cell.status !== 'published') return { value: null, mark: 'c' };
      if (cell.value === null) return { value: null, mark: 'x' };
      if (typeof cell.value === 'number') return { value: presentNumber(column, cell.value) };
      return { value: cell.value };
    }),
  );
}
