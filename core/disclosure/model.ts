/**
 * The table model of disclosure control (DESIGN.md "Disclosure control for exports"): cells that carry their
 * published value and the statistics of the microdata behind them, and linear relations between cells.
 */

/** What a cell publishes; decides which rules apply to it. */
export type CellKind = 'count' | 'sum' | 'share' | 'median' | 'mean' | 'text';

/** Why a cell is (not) published; every status but `published` prints as `[c]`. */
export type CellStatus = 'published' | 'threshold' | 'dominance' | 'linked' | 'secondary';

/** A value a cell can publish. */
export type PublishedValue = number | string | boolean | null;

/** One cell of a table and the statistics of the organisations behind it. */
export interface TableCell {
  /** Unique within the table; by convention `${row}:${column}` (see {@link cellRef}). */
  readonly ref: string;
  /** Row index in the table (the total row included). */
  readonly row: number;
  /** Column name. */
  readonly column: string;
  readonly kind: CellKind;
  readonly value: PublishedValue;
  /** How many organisations contribute to the cell (for a share or median: the rows with a known answer). */
  readonly contributors: number;
  /** Magnitudes: the sum of all contributions. */
  readonly total?: number;
  /** Magnitudes: the largest contribution. */
  readonly top1?: number;
  /** Magnitudes: the second largest contribution (0 when there is only one). */
  readonly top2?: number;
  /** Shares: how many contributors have the attribute (share × contributors); a small one is a small count. */
  readonly numerator?: number;
  /** Shares, medians and means: the cells whose suppression must suppress this one too (e.g. the backing count). */
  readonly links?: readonly string[];
}

/** A cell after suppression. */
export interface ProtectedCell extends TableCell {
  readonly status: CellStatus;
}

/** One term of a linear relation: coefficient × cell. */
export interface RelationTerm {
  readonly ref: string;
  /** A whole number (usually +1 for a member, −1 for the total). */
  readonly coef: number;
}

/**
 * A linear equation over cells that a reader knows holds: Σ coef × value = c. The constant c is left out:
 * whether a suppressed cell is determined depends only on the coefficients (shares of one answer add up to 1).
 */
export interface LinearRelation {
  readonly terms: readonly RelationTerm[];
}

/** A table to protect: its cells and every additive relation a reader can use. */
export interface DisclosureTable {
  readonly cells: readonly TableCell[];
  readonly relations: readonly LinearRelation[];
}

/** A table after suppression: every cell has a status. */
export interface ProtectedTable {
  readonly cells: readonly ProtectedCell[];
  readonly relations: readonly LinearRelation[];
}

/** The settings of the primary rules. */
export interface SuppressionOptions {
  /** Threshold rule: fewer contributors than this is unsafe. @default 5 */
  readonly threshold?: number;
  /** p% dominance rule on magnitudes. @default 10 */
  readonly p?: number;
}

/** Cells suppressed by each rule. */
export interface SuppressionCounts {
  threshold: number;
  dominance: number;
  linked: number;
  secondary: number;
}

/** The result of {@link suppress}. */
export interface SuppressionResult {
  readonly table: ProtectedTable;
  readonly counts: SuppressionCounts;
  /** The settings the rules ran with. */
  readonly settings: Required<SuppressionOptions>;
}

/** The result of {@link verifyProtected}. */
export interface VerifyResult {
  readonly ok: boolean;
  /** Refs of suppressed cells whose value follows exactly from the published cells and the relations. */
  readonly determined: readonly string[];
  /** Refs of other suppressed cells that the relations and non-negativity pin to one value (interval audit). */
  readonly pinned: readonly string[];
}

/** Thrown when a table cannot be protected or fails verification: the export is refused. */
export class DisclosureError extends Error {
  /** Creates the error; `cells` names the cells at fault. */
  constructor(
    message: string,
    readonly cells: readonly string[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'DisclosureError';
  }
}

/** The conventional ref of a cell. */
export function cellRef(row: number, column: string): string {
  return `${row}:${column}`;
}

/** The relation "members add up to total": Σ members − total = 0. */
export function additiveRelation(members: readonly string[], total: string): LinearRelation {
  return { terms: [...members.map((ref) => ({ ref, coef: 1 })), { ref: total, coef: -1 }] };
}

/** Default settings: threshold 5 contributors, p = 10. */
export const DEFAULT_SUPPRESSION: Required<SuppressionOptions> = { threshold: 5, p: 10 };
