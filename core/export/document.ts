import type { AuditReport, DisclosureSettings, ProtectedTable, SuppressionCounts } from '../disclosure/index.ts';
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

/** What the comparison with earlier releases (the ledger) found. */
export interface ReleaseHistory {
  /** Earlier releases that show cells of this table or of a table linked to it. */
  readonly releases: number;
  /** Cells published before from another version of a wave, compared organisation by organisation. */
  readonly compared: number;
  /** Waves whose earlier version is no longer in the lake (compared by published value instead). */
  readonly missingVersions: readonly string[];
  /** Primary cells (under the settings asked for) that an earlier release already published. */
  readonly knownPrimaries: number;
  /** Suppressed cells whose protection level earlier releases under laxer settings put out of reach. */
  readonly capped?: number;
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
  /** The curated version of each wave the table was computed from. */
  readonly versions?: Readonly<Record<string, string>>;
  /** ISO 8601 UTC. */
  readonly createdAt: string;
  readonly columns: readonly ExportColumn[];
  readonly rows: readonly (readonly WrittenCell[])[];
  /** True when the last row is the Total row (false: `--no-total`, the row is left out, the pattern unchanged). */
  readonly total: boolean;
  /** The settings the rules ran with. */
  readonly rules: DisclosureSettings;
  /** The deployment's settings, which a request may only make stricter. @default rules */
  readonly deployment?: DisclosureSettings;
  /** Cells of this table suppressed by each rule (the written rows only). */
  readonly counts: Partial<SuppressionCounts> &
    Pick<SuppressionCounts, 'threshold' | 'dominance' | 'linked' | 'secondary'>;
  /** Columns left out (minimums, maximums). */
  readonly dropped: readonly string[];
  /** What the audit verified; absent only in documents not made by an export. */
  readonly audit?: AuditReport;
  /** Tables protected together with this one because they share cells, e.g. "wave_summary (uk-se)". */
  readonly linkedTables?: readonly string[];
  /** What the ledger of earlier releases contributed. */
  readonly history?: ReleaseHistory;
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
