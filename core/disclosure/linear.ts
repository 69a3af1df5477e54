import type { LinearRelation } from './model.ts';

/**
 * Exact linear algebra for the audit of a suppression pattern.
 *
 * Published cells are constants and suppressed cells unknowns, so the relations read A·x = b with A restricted
 * to the unknown columns. An unknown x_i is determined iff the unit vector e_i lies in the row space of A
 * (b never matters: it only has to be consistent, which it is since the true table satisfies it). In the
 * reduced row echelon form of A that means some row has a single non-zero entry, at column i.
 *
 * Arithmetic is exact: rows are vectors of BigInt integers, each kept primitive (divided by the gcd of its
 * entries). A rational row is an integer row times a scalar, and scaling a row never changes the row space,
 * so this is Gauss–Jordan elimination over the rationals without fractions (and without floating point).
 * The relations of tables with totals are network-like with ±1 entries, so entries stay tiny in practice.
 *
 * Relations that share no unknown are independent, so the system is split into connected components first;
 * a component is eliminated with sparse rows (Map column → entry).
 */

type SparseRow = Map<number, bigint>;

function abs(a: bigint): bigint {
  return a < 0n ? -a : a;
}

function gcd(a: bigint, b: bigint): bigint {
  a = abs(a);
  b = abs(b);
  while (b !== 0n) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/** Divides a row by the gcd of its entries, so that entries stay as small as the row space allows. */
function makePrimitive(row: SparseRow): void {
  let g = 0n;
  for (const v of row.values()) {
    const a = abs(v);
    if (a === 1n) return;
    g = g === 0n ? a : gcd(g, a);
    if (g === 1n) return;
  }
  if (g > 1n) for (const [k, v] of row) row.set(k, v / g);
}

/** row := row·(pv/g) − pivotRow·(a/g), eliminating column `col` from row. */
function eliminate(row: SparseRow, pivotRow: SparseRow, col: number): void {
  const a = row.get(col);
  if (a === undefined) return;
  const pv = pivotRow.get(col)!;
  const g = gcd(pv, a);
  const m = pv / g;
  const n = a / g;
  if (m !== 1n) for (const [k, v] of row) row.set(k, v * m);
  for (const [k, v] of pivotRow) {
    const next = (row.get(k) ?? 0n) - v * n;
    if (next === 0n) row.delete(k);
    else row.set(k, next);
  }
  makePrimitive(row);
}

/** Reduces rows to reduced row echelon form and returns the columns whose pivot row is a unit vector. */
function determinedColumns(rows: SparseRow[]): number[] {
  const pivotRows = new Map<number, SparseRow>();
  for (const row of rows) {
    for (const [col, pivotRow] of pivotRows) if (row.has(col)) eliminate(row, pivotRow, col);
    if (row.size === 0) continue;
    // The sparsest choice of pivot is any column; the first keeps the result deterministic.
    const col = row.keys().next().value as number;
    for (const other of pivotRows.values()) if (other.has(col)) eliminate(other, row, col);
    pivotRows.set(col, row);
  }
  const out: number[] = [];
  for (const [col, row] of pivotRows) if (row.size === 1) out.push(col);
  return out;
}

/**
 * The unknowns (refs) whose value is fixed by the relations once every other cell is known.
 * Exact: BigInt Gauss–Jordan elimination, no floating point.
 */
export function determinedUnknowns(relations: readonly LinearRelation[], unknowns: ReadonlySet<string>): string[] {
  const index = new Map<string, number>();
  const refs: string[] = [];
  for (const ref of unknowns) {
    index.set(ref, refs.length);
    refs.push(ref);
  }
  // Rows restricted to unknown columns; a relation with no unknown says nothing about them.
  const rows: SparseRow[] = [];
  for (const relation of relations) {
    const row: SparseRow = new Map();
    for (const term of relation.terms) {
      const col = index.get(term.ref);
      if (col === undefined || term.coef === 0) continue;
      if (!Number.isInteger(term.coef)) {
        throw new RangeError(`disclosure: relation coefficients must be whole numbers, got ${term.coef}`);
      }
      const next = (row.get(col) ?? 0n) + BigInt(term.coef);
      if (next === 0n) row.delete(col);
      else row.set(col, next);
    }
    if (row.size > 0) rows.push(row);
  }
  // Union-find over unknowns: rows that share no unknown are eliminated separately.
  const parent = refs.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  for (const row of rows) {
    let first: number | undefined;
    for (const col of row.keys()) {
      if (first === undefined) first = find(col);
      else {
        const r = find(col);
        if (r !== first) parent[r] = first;
      }
    }
  }
  const components = new Map<number, SparseRow[]>();
  for (const row of rows) {
    const root = find(row.keys().next().value as number);
    const list = components.get(root);
    if (list) list.push(row);
    else components.set(root, [row]);
  }
  const out: string[] = [];
  for (const component of components.values()) {
    for (const col of determinedColumns(component)) out.push(refs[col]!);
  }
  return out.sort();
}
