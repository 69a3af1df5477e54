import { additiveRelation, cellRef, type DisclosureTable, type LinearRelation, type TableCell } from './model.ts';

/** Statistics of a list of non-negative contributions: count, total and the two largest. */
export function contributionStats(values: readonly number[]): {
  contributors: number;
  total: number;
  top1: number;
  top2: number;
} {
  let total = 0;
  let top1 = 0;
  let top2 = 0;
  for (const v of values) {
    total += v;
    if (v > top1) {
      top2 = top1;
      top1 = v;
    } else if (v > top2) top2 = v;
  }
  return { contributors: values.length, total, top1, top2 };
}

/** Where a grid puts its total row and total column. */
export interface GridShape {
  /** Index of the total row (= number of body rows). */
  readonly totalRow: number;
  /** Name of the total column, present when the grid is two-way. */
  readonly totalColumn?: string;
  /** Body column names, in order. */
  readonly columns: readonly string[];
}

/**
 * The additive relations of a grid: for each column, body rows add up to the total row; when the grid has a
 * total column, each row's body cells (the total row's included) add up to its total-column cell.
 */
export function gridRelations(bodyRows: number, shape: GridShape): LinearRelation[] {
  const relations: LinearRelation[] = [];
  const allColumns = shape.totalColumn ? [...shape.columns, shape.totalColumn] : shape.columns;
  for (const column of allColumns) {
    const members = Array.from({ length: bodyRows }, (_, r) => cellRef(r, column));
    relations.push(additiveRelation(members, cellRef(shape.totalRow, column)));
  }
  if (shape.totalColumn) {
    for (let r = 0; r <= bodyRows; r++) {
      relations.push(
        additiveRelation(
          shape.columns.map((c) => cellRef(r, c)),
          cellRef(r, shape.totalColumn),
        ),
      );
    }
  }
  return relations;
}

/**
 * Builds a one-way (one column, `twoWay` false) or two-way table with totals from the contributions of the
 * organisations in each body cell: counts publish how many contribute, sums publish their total. Totals are
 * computed from the pooled contributions, as they would be from the microdata.
 */
export function gridFromContributions(
  body: readonly (readonly (readonly number[])[])[],
  kind: 'count' | 'sum',
  twoWay = true,
): DisclosureTable {
  const rows = body.length;
  const columnCount = body[0]?.length ?? 0;
  const columns = Array.from({ length: columnCount }, (_, c) => `c${c}`);
  const shape: GridShape = { totalRow: rows, totalColumn: twoWay ? 'total' : undefined, columns };
  const cells: TableCell[] = [];
  const make = (row: number, column: string, values: readonly number[]): TableCell => {
    const stats = contributionStats(values);
    const base = { ref: cellRef(row, column), row, column, contributors: stats.contributors };
    return kind === 'count'
      ? { ...base, kind, value: stats.contributors }
      : { ...base, kind, value: stats.total, total: stats.total, top1: stats.top1, top2: stats.top2 };
  };
  const columnPools: number[][] = columns.map(() => []);
  const grand: number[] = [];
  for (let r = 0; r < rows; r++) {
    const rowPool: number[] = [];
    for (let c = 0; c < columnCount; c++) {
      const values = body[r]?.[c] ?? [];
      cells.push(make(r, columns[c]!, values));
      rowPool.push(...values);
      columnPools[c]!.push(...values);
    }
    if (twoWay) cells.push(make(r, 'total', rowPool));
    grand.push(...rowPool);
  }
  for (let c = 0; c < columnCount; c++) cells.push(make(rows, columns[c]!, columnPools[c]!));
  if (twoWay) cells.push(make(rows, 'total', grand));
  return { cells, relations: gridRelations(rows, shape) };
}
