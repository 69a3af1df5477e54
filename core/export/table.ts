import {
  additiveRelation,
  type CellKind,
  cellRef,
  contributionStats,
  DisclosureError,
  type DisclosureTable,
  type LinearRelation,
  type PublishedValue,
  subsetRelation,
  type TableCell,
} from '../disclosure/index.ts';
import type { CellValue, ParamValue, QueryResult, ResultColumn } from '../engine/query-engine.ts';
import type { Column, SavedQuery } from '../queries/index.ts';
import {
  baseConditions,
  type CellIdentity,
  columnIdentity,
  cumulativeIdentity,
  denominatorConditions,
  groupCondition,
  identityKey,
  type KeyCondition,
  numeratorConditions,
  sameConditions,
} from './cell-key.ts';
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

/** A saved query's result (or its microdata statistics) turned into a table to protect. */
export interface ExportTable {
  readonly query: SavedQuery;
  /** The typed parameters of this instance of the query. */
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly columns: readonly ExportColumn[];
  /** Body rows; the Total row follows them (index `totalRow`). */
  readonly bodyRows: number;
  readonly totalRow: number;
  /** Body rows, then the Total row. */
  readonly rowCount: number;
  /** How each row is named in messages and the ledger: its group values, or "Total". */
  readonly rowLabels: readonly string[];
  readonly table: DisclosureTable;
  /** The identity (cell-key.ts) of every statistic cell, by ref. */
  readonly identity: ReadonlyMap<string, string>;
  /** The waves every statistic cell draws on, by ref. */
  readonly waves: ReadonlyMap<string, readonly number[]>;
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

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
}

function compareValues(a: CellValue, b: CellValue): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** What to build the table from. */
export interface BuildOptions {
  /** The typed parameter values by name. */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** The query's own result (the table to be published); without it, rows come from the statistics. */
  readonly result?: QueryResult;
  /** The waves the query's rows draw on (for a query without a wave parameter: every wave in its result). */
  readonly waves: readonly number[];
}

/**
 * Builds the table to protect from a saved query and the microdata statistics of its cells: every cell with its
 * statistics and identity, a Total row computed from the pooled microdata, and every relation a reader knows —
 * body rows add up to the Total for counts, totals and numerators of shares over a published count; a running
 * total adds its column up row by row; a count with a condition is at most its row's count; the numerator of a
 * share over a published count is that count times the share, and equals a published count of the same
 * organisations; the shares of the answers to one question add up. A listed row has at least one organisation.
 * The published values are checked against the microdata: a count that differs from its contributors means the
 * metadata does not describe the SQL, and the export stops.
 */
export function buildExportTable(
  query: SavedQuery,
  stats: ReadonlyMap<string, Readonly<Record<string, CellStatistics>>>,
  options: BuildOptions,
): ExportTable {
  const dropped = query.columns.filter((c) => EXTREME.test(c.name)).map((c) => c.name);
  const columns = query.columns.filter((c) => !dropped.includes(c.name));
  const groupColumns = columns.filter((c) => c.disclosure.role === 'group');
  if (groupColumns.length === 0) {
    throw new DisclosureError(`export: saved query "${query.name}" has no group column; expected at least one`);
  }
  const groupFields = groupColumns.map((c) => (c.disclosure.role === 'group' ? c.disclosure.field : c.name));
  // The rows: the query's result, or every group of the statistics, in the order of their group values whatever
  // the query's `order by`: rows ranked by a value would tell a reader how suppressed values compare.
  const groupRows: { values: CellValue[]; row?: Record<string, CellValue> }[] = (
    options.result
      ? options.result.rows.map((row) => ({ values: groupColumns.map((c) => row[c.name] ?? null), row }))
      : [...stats.keys()].map((key) => ({ values: JSON.parse(key) as CellValue[] }))
  ).sort((a, b) => {
    for (let i = 0; i < a.values.length; i++) {
      const d = compareValues(a.values[i]!, b.values[i]!);
      if (d !== 0) return d;
    }
    return 0;
  });
  const bodyRows = groupRows.length;
  // Rows that are the margins of several group columns (a null group value stands for all its values) add up
  // margin by margin, to nothing published: such a table has no Total row.
  const hasTotal = !query.margins;
  const totalRow = bodyRows;
  const rowCount = hasTotal ? bodyRows + 1 : bodyRows;
  const base = baseConditions(query, options.params);
  const own = (values: readonly CellValue[]) =>
    values.flatMap((v, i) => (query.margins && v === null ? [] : [[groupFields[i]!, v] as const]));
  const rowConds: KeyCondition[][] = groupRows.map((g) => [
    ...base,
    ...own(g.values).map(([field, v]) => groupCondition(field, v)),
  ]);
  rowConds.push(base);
  const rowLabels = [
    ...groupRows.map((g) =>
      own(g.values)
        .map(([, v]) => String(v))
        .join(', '),
    ),
    'Total',
  ];
  const waveOf = (row: number): number[] => {
    const waveGroup = groupFields.indexOf('wave');
    if (waveGroup >= 0 && row < bodyRows) return [groupRows[row]!.values[waveGroup] as number];
    return [...options.waves];
  };

  const cells: TableCell[] = [];
  const relations: LinearRelation[] = [];
  const identity = new Map<string, string>();
  const waves = new Map<string, readonly number[]>();
  const ref = (row: number, column: string) => cellRef(row, column);
  const label = (row: number, column: string) => `${query.name}, ${rowLabels[row]}, ${column}`;
  const mismatch = (row: number, column: string, published: CellValue, micro: unknown): never => {
    throw new DisclosureError(
      `export: cell statistics disagree with saved query "${query.name}" at row ${row + 1}, column "${column}": ` +
        `the query published ${JSON.stringify(published)}, the microdata give ${JSON.stringify(micro)}; ` +
        'expected the same (the metadata must describe the SQL)',
      [ref(row, column)],
    );
  };
  const rowStats: (Readonly<Record<string, CellStatistics>> | undefined)[] = groupRows.map((g) =>
    stats.get(groupKey(g.values)),
  );
  const statsOf = (row: number, column: string): CellStatistics =>
    row === totalRow
      ? poolStatistics(rowStats.map((s) => s?.[column]))
      : (rowStats[row]?.[column] ?? { contributors: 0, values: [], numerator: 0 });
  const identityOf = (row: number, column: Column): CellIdentity | undefined => columnIdentity(column, rowConds[row]!);

  // The count column of a row whose organisations are exactly the row's (no condition of its own).
  const population = columns.find((c) => c.disclosure.role === 'count' && (c.disclosure.where ?? []).length === 0);
  const counts = columns.filter((c) => c.disclosure.role === 'count');

  for (const column of columns) {
    const d = column.disclosure;
    const accumulated = d.role === 'cumulative' ? columns.find((c) => c.name === d.of) : undefined;
    if (d.role === 'cumulative' && accumulated?.disclosure.role !== 'count' && accumulated?.disclosure.role !== 'sum') {
      throw new DisclosureError(
        `export: cumulative column "${column.name}" of saved query "${query.name}" accumulates "${d.role === 'cumulative' ? d.of : ''}", expected a count or sum column`,
      );
    }
    const role = accumulated?.disclosure.role ?? d.role;
    // A share estimate publishes about its numerator as a share does: the share rules apply to it.
    const shareEstimate = d.role === 'estimate' && d.statistic === 'share';
    const kind = shareEstimate ? 'share' : kindOf(role);
    const links: string[] = [];
    if (d.role === 'share' || d.role === 'median' || d.role === 'estimate') links.push(d.countColumn);
    let running: CellStatistics | undefined;
    for (let r = 0; r < rowCount; r++) {
      const at = ref(r, column.name);
      const source = r < bodyRows ? groupRows[r]!.row : undefined;
      const published = source ? (source[column.name] ?? null) : undefined;
      const cellBase = { ref: at, row: r, column: column.name, kind, label: label(r, column.name) };
      if (d.role === 'group') {
        const value = r < bodyRows ? (groupRows[r]!.values[groupColumns.indexOf(column)] ?? null) : null;
        cells.push({
          ...cellBase,
          value: r === totalRow ? (column === groupColumns[0] ? 'Total' : null) : value,
          contributors: 0,
        });
        continue;
      }
      if (d.role === 'cumulative') {
        if (r === totalRow) {
          // A running total has no total of its own: not applicable.
          cells.push({ ...cellBase, kind: 'text', value: null, contributors: 0 });
          continue;
        }
        running = poolStatistics([running, rowStats[r]?.[d.of]]);
        const s = running;
        const value = pooledValue(role, s);
        if (published !== undefined) check(role, published, s, (micro) => mismatch(r, column.name, published, micro));
        cells.push(statCell(cellBase, role, published ?? value, s, []));
        const groupValue = groupRows[r]!.values[0] ?? null;
        const id = cumulativeIdentity(accumulated!, base, groupFields[0]!, groupValue);
        if (id) identity.set(at, identityKey(id));
        waves.set(at, waveOf(r));
        relations.push({
          terms: [
            { ref: at, coef: 1 },
            ...(r > 0 ? [{ ref: ref(r - 1, column.name), coef: -1 }] : []),
            { ref: ref(r, d.of), coef: -1 },
          ],
        });
        continue;
      }
      if (d.role === 'estimate' && r === totalRow) {
        // The Total row does not estimate again: not applicable.
        cells.push({ ...cellBase, kind: 'text', value: null, contributors: 0 });
        continue;
      }
      const s = statsOf(r, column.name);
      const value = pooledValue(d.role, s);
      // A weighted estimate cannot be recomputed from unweighted microdata; its contributors are.
      if (published !== undefined && d.role !== 'estimate') {
        check(d.role, published, s, (micro) => mismatch(r, column.name, published, micro));
      }
      const cell = statCell(
        cellBase,
        shareEstimate ? 'share' : d.role,
        published ?? value,
        s,
        links.map((l) => ref(r, l)),
      );
      const extra: { lower?: number; denominator?: string } = {};
      if (column === population && r < bodyRows) extra.lower = 1;
      if (d.role === 'share') {
        // A share over exactly the organisations of a published count: a reader knows its numerator.
        const den = denominatorConditions(column, rowConds[r]!);
        const denominator = counts.find((c) => sameConditions(identityOf(r, c)!.conds, den));
        if (denominator) extra.denominator = ref(r, denominator.name);
      }
      cells.push({ ...cell, ...extra });
      const id = identityOf(r, column);
      if (id) identity.set(at, identityKey(id));
      waves.set(at, waveOf(r));
    }
  }

  const byRef = new Map(cells.map((c) => [c.ref, c]));
  const inProgram = (at: string) => {
    const c = byRef.get(at);
    return c !== undefined && (c.kind === 'count' || c.kind === 'sum' || (c.kind === 'share' && !!c.denominator));
  };
  for (const column of columns) {
    const d = column.disclosure;
    if (d.role === 'count' || d.role === 'sum' || d.role === 'share') {
      // Body rows add up to the Total (for a share: its numerator, when a reader knows it in every row).
      const members = Array.from({ length: bodyRows }, (_, r) => ref(r, column.name));
      const total = ref(totalRow, column.name);
      if (hasTotal && [...members, total].every(inProgram)) relations.push(additiveRelation(members, total));
    }
    if (d.role === 'count' && column !== population && population) {
      for (let r = 0; r < rowCount; r++) relations.push(subsetRelation(ref(r, column.name), ref(r, population.name)));
    }
    if (d.role === 'share') {
      for (let r = 0; r < rowCount; r++) {
        const at = ref(r, column.name);
        if (!inProgram(at)) continue;
        // A share whose numerator is a published count: numerator − count = 0.
        const numerator = numeratorConditions(column, rowConds[r]!);
        const same = numerator && counts.find((c) => sameConditions(identityOf(r, c)!.conds, numerator));
        if (same) {
          relations.push({
            terms: [
              { ref: at, coef: 1 },
              { ref: ref(r, same.name), coef: -1 },
            ],
          });
        }
      }
    }
  }
  // The answers to one question: the numerators of its shares add up to the count of those who answered (with
  // the true constant: a reader who knows the answers are exhaustive knows it is 0).
  const questions = new Map<string, Column[]>();
  for (const column of columns) {
    const d = column.disclosure;
    if (d.role !== 'share' || typeof d.of !== 'string') continue;
    const key = JSON.stringify([d.of, d.where ?? []]);
    questions.set(key, [...(questions.get(key) ?? []), column]);
  }
  for (const shares of questions.values()) {
    if (shares.length < 2) continue;
    for (let r = 0; r < rowCount; r++) {
      const refs = shares.map((c) => ref(r, c.name));
      if (!refs.every(inProgram)) continue;
      const denominator = byRef.get(refs[0]!)!.denominator!;
      if (!refs.every((at) => byRef.get(at)!.denominator === denominator)) continue;
      relations.push({ terms: [...refs.map((at) => ({ ref: at, coef: 1 })), { ref: denominator, coef: -1 }] });
    }
  }

  const exportColumns: ExportColumn[] = columns.map((c) => ({
    name: c.name,
    type: c.type,
    description: c.description,
    ...(c.format ? { format: c.format } : {}),
    role: c.disclosure.role,
  }));
  return {
    query,
    params: options.params,
    columns: exportColumns,
    bodyRows,
    totalRow,
    rowCount,
    rowLabels,
    table: { cells, relations },
    identity,
    waves,
    dropped,
  };
}

function statCell(
  base: Pick<TableCell, 'ref' | 'row' | 'column' | 'kind' | 'label'>,
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

/** A cell's value computed over its microdata. */
export function pooledValue(role: Column['disclosure']['role'], s: CellStatistics): PublishedValue {
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
