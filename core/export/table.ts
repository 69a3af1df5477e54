import {
  additiveRelation,
  type CellKind,
  cellRef,
  contributionStats,
  DisclosureError,
  type DisclosureTable,
  type LinearRelation,
  type PublishedValue,
  type TableCell,
} from '../disclosure/index.ts';
import type { CellValue, QueryResult, ResultColumn } from '../engine/query-engine.ts';
import type { Column, Condition, SavedQuery } from '../queries/index.ts';
import { type CellStatistics, exactMedian, groupKey, poolStatistics } from './cell-stats.ts';

/** One column of an export, as the writers and the data package describe it. */
export interface ExportColumn {
  readonly name: string;
  /** The type written: group columns of a table with a Total row are text (the row reads "Total"). */
  readonly type: ResultColumn['type'];
  readonly description: string;
  readonly format?: 'percent' | 'year';
  /** How the column's cells are built (the saved query's disclosure role). */
  readonly role: Column['disclosure']['role'];
}

/** A saved query's result turned into a table to protect, with the layout the writers need. */
export interface ExportTable {
  readonly columns: readonly ExportColumn[];
  /** Rows of the result, then the Total row when there is one. */
  readonly rowCount: number;
  /** Index of the Total row, when the table has one. */
  readonly totalRow?: number;
  readonly table: DisclosureTable;
  /** Columns left out because they may never be published (minimums, maximums). */
  readonly dropped: readonly string[];
}

/** Names that say a column is an extreme value: minimums and maximums are never published. */
const EXTREME = /(^|_)(min|max|minimum|maximum)(_|$)/;

/** Kinds of cell per disclosure role (cumulative takes the kind of the column it accumulates). */
function kindOf(role: Column['disclosure']['role']): CellKind {
  switch (role) {
    case 'group':
      return 'text';
    case 'count':
    case 'cumulative':
      return 'count';
    case 'sum':
      return 'sum';
    case 'median':
      return 'median';
    case 'share':
      return 'share';
    case 'estimate':
      // A weighted estimate is a statistic of its contributors, suppressed with them (see statCell).
      return 'mean';
  }
}

function sameConditions(a: readonly Condition[], b: readonly Condition[]): boolean {
  const key = (c: Condition) => JSON.stringify([c.field, c.op, 'value' in c ? c.value : null]);
  const sa = a.map(key).sort();
  const sb = b.map(key).sort();
  return sa.length === sb.length && sa.every((k, i) => k === sb[i]);
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
}

/**
 * Builds the table to protect from a saved query's result and the microdata statistics of its cells: cells
 * with their statistics, links (a share or median to its count; a share to a count column that publishes its
 * numerator) and the additive relations (body rows add up to the Total row for counts and sums; a cumulative
 * column adds its column up row by row). The published values are checked against the microdata: a count
 * that differs from its contributors means the metadata does not describe the SQL, and the export stops.
 */
export function buildExportTable(
  query: SavedQuery,
  result: QueryResult,
  stats: ReadonlyMap<string, Readonly<Record<string, CellStatistics>>>,
  options: { total: boolean },
): ExportTable {
  const dropped = query.columns.filter((c) => EXTREME.test(c.name)).map((c) => c.name);
  const columns = query.columns.filter((c) => !dropped.includes(c.name));
  const groupColumns = columns.filter((c) => c.disclosure.role === 'group');
  if (groupColumns.length === 0) {
    throw new DisclosureError(`export: saved query "${query.name}" has no group column; expected at least one`);
  }
  const bodyRows = result.rows.length;
  // Rows that are the margins of several group columns add up margin by margin, not to one Total row.
  const withTotal = options.total && !query.margins;
  const totalRow = withTotal ? bodyRows : undefined;
  const rowCount = bodyRows + (withTotal ? 1 : 0);
  const cells: TableCell[] = [];
  const relations: LinearRelation[] = [];
  const ref = (row: number, column: string) => cellRef(row, column);
  const mismatch = (row: number, column: string, published: CellValue, micro: unknown): never => {
    throw new DisclosureError(
      `export: cell statistics disagree with saved query "${query.name}" at row ${row + 1}, column "${column}": ` +
        `the query published ${JSON.stringify(published)}, the microdata give ${JSON.stringify(micro)}; ` +
        'expected the same (the metadata must describe the SQL)',
      [ref(row, column)],
    );
  };

  const rowStats: (Readonly<Record<string, CellStatistics>> | undefined)[] = result.rows.map((row) =>
    stats.get(groupKey(groupColumns.map((c) => row[c.name] ?? null))),
  );

  for (const column of columns) {
    const d = column.disclosure;
    // A running total is a statistic of the same kind as the column it accumulates.
    const accumulated = d.role === 'cumulative' ? columns.find((c) => c.name === d.of)?.disclosure.role : undefined;
    if (d.role === 'cumulative' && accumulated !== 'count' && accumulated !== 'sum') {
      throw new DisclosureError(
        `export: cumulative column "${column.name}" of saved query "${query.name}" accumulates "${d.of}", expected a count or sum column`,
      );
    }
    const role = accumulated ?? d.role;
    // A share estimate publishes about its numerator as a share does: the share rules apply to it.
    const kind = d.role === 'estimate' && d.statistic === 'share' ? 'share' : kindOf(role);
    const links: string[] = [];
    if (d.role === 'share' || d.role === 'median' || d.role === 'estimate') links.push(d.countColumn);
    if (d.role === 'share') {
      // A count column that counts exactly the share's numerator: hiding it must hide the share (share × count).
      const numerator = [...(d.where ?? []), ...(d.numerator ?? [])];
      for (const other of columns) {
        const od = other.disclosure;
        if (od.role === 'count' && numerator.length > 0 && sameConditions(od.where ?? [], numerator)) {
          links.push(other.name);
        }
      }
    }
    let running: CellStatistics | undefined;
    for (let r = 0; r < bodyRows; r++) {
      const row = result.rows[r]!;
      const published = row[column.name] ?? null;
      const base = { ref: ref(r, column.name), row: r, column: column.name, kind };
      if (d.role === 'group') {
        cells.push({ ...base, value: withTotal ? label(published) : published, contributors: 0 });
        continue;
      }
      let s: CellStatistics;
      if (d.role === 'cumulative') {
        running = poolStatistics([running, rowStats[r]?.[d.of]]);
        s = running;
        relations.push({
          terms: [
            { ref: ref(r, column.name), coef: 1 },
            ...(r > 0 ? [{ ref: ref(r - 1, column.name), coef: -1 }] : []),
            { ref: ref(r, d.of), coef: -1 },
          ],
        });
        check(role, published, s, (micro) => mismatch(r, column.name, published, micro));
      } else {
        s = rowStats[r]?.[column.name] ?? { contributors: 0, values: [], numerator: 0 };
        // A weighted estimate cannot be recomputed from unweighted microdata; its contributors can.
        if (d.role !== 'estimate') check(d.role, published, s, (micro) => mismatch(r, column.name, published, micro));
      }
      cells.push(
        statCell(
          base,
          kind === 'share' ? 'share' : role,
          published as PublishedValue,
          s,
          links.map((l) => ref(r, l)),
        ),
      );
    }
    if (totalRow === undefined) continue;
    const base = { ref: ref(totalRow, column.name), row: totalRow, column: column.name, kind };
    if (d.role === 'group') {
      cells.push({ ...base, value: column === groupColumns[0] ? 'Total' : null, contributors: 0 });
      continue;
    }
    if (d.role === 'cumulative' || d.role === 'estimate') {
      // A running total has no total of its own, and the Total row does not re-estimate: not applicable.
      cells.push({ ...base, kind: 'text', value: null, contributors: 0 });
      continue;
    }
    const pooled = poolStatistics(rowStats.map((s) => s?.[column.name]));
    cells.push(
      statCell(
        base,
        d.role,
        pooledValue(d.role, pooled),
        pooled,
        links.map((l) => ref(totalRow, l)),
      ),
    );
    if (d.role === 'count' || d.role === 'sum') {
      relations.push(
        additiveRelation(
          Array.from({ length: bodyRows }, (_, r) => ref(r, column.name)),
          ref(totalRow, column.name),
        ),
      );
    }
  }

  relations.push(...shareRelations(columns, cells, bodyRows, totalRow));

  const exportColumns: ExportColumn[] = columns.map((c) => ({
    name: c.name,
    type: c.disclosure.role === 'group' && withTotal ? 'string' : c.type,
    description: c.description,
    ...(c.format ? { format: c.format } : {}),
    role: c.disclosure.role,
  }));
  return { columns: exportColumns, rowCount, totalRow, table: { cells, relations }, dropped };
}

function label(value: CellValue): string | null {
  return value === null ? null : String(value);
}

function statCell(
  base: Pick<TableCell, 'ref' | 'row' | 'column' | 'kind'>,
  role: Column['disclosure']['role'],
  value: PublishedValue,
  s: CellStatistics,
  links: string[],
): TableCell {
  const cell: TableCell = { ...base, value, contributors: s.contributors };
  if (role === 'sum') {
    const m = contributionStats(s.values);
    return { ...cell, total: m.total, top1: m.top1, top2: m.top2 };
  }
  if (role === 'share') return { ...cell, numerator: s.numerator, links };
  if (role === 'median') return { ...cell, links };
  return cell;
}

/** The Total row's value, computed over the pooled microdata. */
function pooledValue(role: Column['disclosure']['role'], s: CellStatistics): PublishedValue {
  switch (role) {
    case 'count':
      return s.contributors;
    case 'sum':
      return s.contributors === 0 ? null : s.values.reduce((a, b) => a + b, 0);
    case 'median':
      return exactMedian(s.values);
    case 'share':
      return s.contributors === 0 ? null : s.numerator / s.contributors;
    default:
      return null;
  }
}

/** Compares a published value with what the microdata give; calls `fail` with the microdata value if not. */
function check(
  role: Column['disclosure']['role'],
  published: CellValue,
  s: CellStatistics,
  fail: (micro: unknown) => void,
): void {
  const expected = pooledValue(role, s);
  if (expected === null) {
    // No contributor: the query may say null (no value) or 0 (a count of none).
    if (published !== null && published !== 0) fail(expected);
    return;
  }
  if (typeof published !== 'number' || typeof expected !== 'number') {
    if (published !== expected) fail(expected);
    return;
  }
  if (role === 'count' ? published !== expected : !close(published, expected)) fail(expected);
}

/**
 * The relations that shares carry without saying so, so that the audit sees them (a reader can use them):
 * - down a column with a Total row: Σ (denominator × share) over the rows = the Total's denominator × share,
 *   since numerators add up (denominators are the cells' contributors, taken as known: the safe assumption);
 * - across a row: shares of different answers to one question over the same organisations add up to 1
 *   (conservatively assumed whenever two or more such shares are published side by side).
 */
function shareRelations(
  columns: readonly Column[],
  cells: readonly TableCell[],
  bodyRows: number,
  totalRow: number | undefined,
): LinearRelation[] {
  const byRef = new Map(cells.map((c) => [c.ref, c]));
  const relations: LinearRelation[] = [];
  const shares = columns.filter((c) => c.disclosure.role === 'share');
  if (totalRow !== undefined) {
    for (const column of shares) {
      const total = byRef.get(cellRef(totalRow, column.name));
      if (!total || total.contributors === 0) continue;
      const terms = Array.from({ length: bodyRows }, (_, r) => byRef.get(cellRef(r, column.name)))
        .filter((c): c is TableCell => c !== undefined && c.contributors > 0)
        .map((c) => ({ ref: c.ref, coef: c.contributors }));
      if (terms.length > 0) relations.push({ terms: [...terms, { ref: total.ref, coef: -total.contributors }] });
    }
  }
  const questions = new Map<string, string[]>();
  for (const column of shares) {
    const d = column.disclosure;
    if (d.role !== 'share' || typeof d.of !== 'string' || d.numerator?.length !== 1) continue;
    if (d.numerator[0]?.field !== d.of) continue;
    const key = JSON.stringify([d.of, d.where ?? []]);
    questions.set(key, [...(questions.get(key) ?? []), column.name]);
  }
  const rows = totalRow === undefined ? bodyRows : bodyRows + 1;
  for (const names of questions.values()) {
    if (names.length < 2) continue;
    for (let r = 0; r < rows; r++) {
      const terms = names
        .map((n) => byRef.get(cellRef(r, n)))
        .filter((c): c is TableCell => c !== undefined && c.contributors > 0)
        .map((c) => ({ ref: c.ref, coef: 1 }));
      if (terms.length >= 2) relations.push({ terms });
    }
  }
  return relations;
}
