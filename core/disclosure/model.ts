/**
 * The table model of disclosure control (DESIGN.md "Disclosure control for exports"): cells that carry their
 * published value and the statistics of the microdata behind them, and the linear relations a reader knows hold
 * between them (totals, running totals, shares of one answer, linked tables).
 */

/** What a cell publishes; decides which rules apply to it. */
export type CellKind = 'count' | 'sum' | 'share' | 'median' | 'mean' | 'text';

/**
 * Why a cell is (not) published; every status but `published` prints as `[c]`.
 * - threshold, dominance: the primary rules;
 * - revision: published before from another version of the data, and the change comes from fewer organisations
 *   than the threshold;
 * - linked: a share or median whose count is suppressed;
 * - secondary: suppressed to protect another cell;
 * - release: suppressed in an earlier release of the same data, so it stays suppressed.
 */
export type CellStatus = 'published' | 'threshold' | 'dominance' | 'revision' | 'linked' | 'secondary' | 'release';

/** A value a cell can publish. */
export type PublishedValue = number | string | boolean | null;

/**
 * What earlier releases tell every reader about a cell (from the release ledger):
 * - published: it was published from the same data, so its value is known;
 * - suppressed: it was suppressed in a release of the same data;
 * - revised: it was published from another version of the data and its change comes from `organisations`
 *   (fewer than the threshold) organisations: `change` is new − old, `largest` the largest change of one of them.
 */
export type CellHistory =
  | { readonly kind: 'published' }
  | { readonly kind: 'suppressed' }
  | { readonly kind: 'revised'; readonly change: number; readonly organisations: number; readonly largest: number };

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
  /**
   * Shares: the published count cell that is the share's denominator. A reader then knows the numerator
   * (share × count), so the share enters the audit as that numerator, bounded by the count.
   */
  readonly denominator?: string;
  /** The least value a reader knows the cell has, e.g. 1 for the count of a row that is listed. @default 0 */
  readonly lower?: number;
  /** What earlier releases tell every reader about the cell. */
  readonly history?: CellHistory;
  /** How much suppressing this cell costs relative to others, e.g. the number of tables that show it. @default 1 */
  readonly cost?: number;
  /** How messages name the cell, e.g. `sector_profile, sector "health", employees_total`. @default the ref */
  readonly label?: string;
}

/** A cell after suppression. */
export interface ProtectedCell extends TableCell {
  readonly status: CellStatus;
}

/** One term of a linear relation: coef × the cell's quantity (a count, a total, or a share's numerator). */
export interface RelationTerm {
  readonly ref: string;
  /** A whole number (usually +1 for a member, −1 for the total). */
  readonly coef: number;
}

/**
 * A linear relation over cells that every reader knows holds.
 * - `eq` (the default): Σ coef × quantity equals a constant, which is taken from the true values (a reader who
 *   knows a little more, e.g. that the answers to a question are exhaustive, knows it exactly);
 * - `le`: Σ coef × quantity ≤ `bound`, e.g. spin-outs ≤ organisations in one row.
 */
export interface LinearRelation {
  readonly terms: readonly RelationTerm[];
  /** @default 'eq' */
  readonly sense?: 'eq' | 'le';
  /** The right-hand side of an `le` relation. @default 0 */
  readonly bound?: number;
}

/** A table to protect: its cells and every relation a reader can use. */
export interface DisclosureTable {
  readonly cells: readonly TableCell[];
  readonly relations: readonly LinearRelation[];
}

/** A table after suppression: every cell has a status. */
export interface ProtectedTable {
  readonly cells: readonly ProtectedCell[];
  readonly relations: readonly LinearRelation[];
}

/** The settings of the rules. */
export interface DisclosureSettings {
  /** Threshold rule: fewer contributors than this is unsafe. */
  readonly threshold: number;
  /** p% dominance rule on magnitudes, and the upper protection level of a dominated magnitude (p% of x1). */
  readonly p: number;
}

/** Cells suppressed by each rule. */
export interface SuppressionCounts {
  threshold: number;
  dominance: number;
  revision: number;
  linked: number;
  secondary: number;
  release: number;
}

/** What the audit of a suppression pattern verified. */
export interface AuditReport {
  /** The solver, e.g. "HiGHS 1.15.1". */
  readonly solver: string;
  /** Suppressed cells the intruder's linear program bounds (those in a relation). */
  readonly cellsAudited: number;
  /** Suppressed cells with a protection level, all of which were met. */
  readonly protectionLevels: number;
  /** Linear programs solved (maximisations and minimisations, integer where the cells are counts). */
  readonly programs: number;
  /** What the intruder was allowed to know, in words. */
  readonly model: readonly string[];
}

/** The result of {@link protectTable}. */
export interface ProtectionResult {
  readonly table: ProtectedTable;
  readonly counts: SuppressionCounts;
  readonly settings: DisclosureSettings;
  readonly audit: AuditReport;
  /** Primary cells that earlier releases already published (or pin exactly), so no pattern can protect them now. */
  readonly knownPrimaries: readonly string[];
  /**
   * Cells whose protection level earlier releases under laxer settings put out of reach: they keep the widest
   * interval any pattern can leave them (this release discloses nothing more about them than those did).
   */
  readonly capped: readonly string[];
}

/** Thrown when a table cannot be protected or fails the audit: the export is refused. */
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

/** The relation "part ≤ whole", e.g. the spin-outs of a row are at most its organisations. */
export function subsetRelation(part: string, whole: string): LinearRelation {
  return {
    terms: [
      { ref: part, coef: 1 },
      { ref: whole, coef: -1 },
    ],
    sense: 'le',
    bound: 0,
  };
}

/** Default settings of a deployment: threshold 5 organisations, p = 10. */
export const DEFAULT_SETTINGS: DisclosureSettings = { threshold: 5, p: 10 };

/** Hard floors no deployment or request may go below: 3 organisations (the usual floor for business tables), p > 0. */
export const FLOORS = { threshold: 3, p: 0 } as const;

/** Statuses that suppress a cell because of the cell itself (primary suppression). */
export const PRIMARY_STATUSES: ReadonlySet<CellStatus> = new Set(['threshold', 'dominance', 'revision']);
