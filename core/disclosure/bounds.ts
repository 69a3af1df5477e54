import type { ProtectedTable, TableCell } from './model.ts';

/** What a reader can say about a hidden cell: its value lies in [lo, hi]. */
export interface CellBounds {
  readonly lo: number;
  readonly hi: number;
}

/** What a reader knows before any relation: counts and sums are ≥ 0, shares lie in 0..1. */
function priorBounds(cell: TableCell): { lo: number; hi: number } {
  if (cell.kind === 'share') return { lo: 0, hi: 1 };
  if (cell.kind === 'count' || cell.kind === 'sum') return { lo: 0, hi: Number.POSITIVE_INFINITY };
  return { lo: Number.NEGATIVE_INFINITY, hi: Number.POSITIVE_INFINITY };
}

/**
 * A simple interval audit: the bounds a reader gets for each hidden cell from the relations one at a time and
 * the prior bounds (non-negativity, shares within 0..1), tightened round after round. This catches exact
 * disclosure that linear algebra alone misses — hidden cells of a relation whose published cells leave them
 * nothing to share (e.g. a hidden zero beside a published total that the published cells already make up).
 * It is weaker than the protection intervals of τ-Argus and sdcTable, which solve a linear programme over all
 * relations at once and require each interval to be wide enough; that remains out of scope.
 */
export function intervalBounds(table: ProtectedTable, rounds = 25): Map<string, CellBounds> {
  const bounds = new Map<string, { lo: number; hi: number }>();
  const value = new Map<string, number>();
  for (const cell of table.cells) {
    if (cell.status === 'published') continue;
    bounds.set(cell.ref, priorBounds(cell));
    value.set(cell.ref, typeof cell.value === 'number' ? cell.value : 0);
  }
  for (let round = 0; round < rounds; round++) {
    let changed = false;
    for (const relation of table.relations) {
      const hidden = relation.terms.filter((t) => bounds.has(t.ref) && t.coef !== 0);
      if (hidden.length === 0) continue;
      // What the published cells leave for the hidden ones: Σ coef × value over the hidden cells.
      const rest = hidden.reduce((sum, t) => sum + t.coef * value.get(t.ref)!, 0);
      // Range of coef × x for each hidden term.
      const ranges = hidden.map((t) => {
        const b = bounds.get(t.ref)!;
        const a = t.coef * b.lo;
        const c = t.coef * b.hi;
        return { min: Math.min(a, c), max: Math.max(a, c) };
      });
      // Sums of the finite ends, and how many ends are infinite, so that "all but one" never subtracts ∞ from ∞.
      let finiteMin = 0;
      let infiniteMin = 0;
      let finiteMax = 0;
      let infiniteMax = 0;
      for (const r of ranges) {
        if (Number.isFinite(r.min)) finiteMin += r.min;
        else infiniteMin++;
        if (Number.isFinite(r.max)) finiteMax += r.max;
        else infiniteMax++;
      }
      hidden.forEach((t, i) => {
        const r = ranges[i]!;
        // coef × x = rest − Σ others, and Σ others lies in [othersMin, othersMax].
        const othersMin =
          infiniteMin - (Number.isFinite(r.min) ? 0 : 1) > 0
            ? Number.NEGATIVE_INFINITY
            : finiteMin - (Number.isFinite(r.min) ? r.min : 0);
        const othersMax =
          infiniteMax - (Number.isFinite(r.max) ? 0 : 1) > 0
            ? Number.POSITIVE_INFINITY
            : finiteMax - (Number.isFinite(r.max) ? r.max : 0);
        const low = rest - othersMax;
        const high = rest - othersMin;
        const lo = t.coef > 0 ? low / t.coef : high / t.coef;
        const hi = t.coef > 0 ? high / t.coef : low / t.coef;
        const b = bounds.get(t.ref)!;
        if (lo > b.lo + 1e-12 * Math.max(1, Math.abs(lo))) {
          b.lo = lo;
          changed = true;
        }
        if (hi < b.hi - 1e-12 * Math.max(1, Math.abs(hi))) {
          b.hi = hi;
          changed = true;
        }
      });
    }
    if (!changed) break;
  }
  return bounds;
}

/** Hidden cells whose interval has shrunk to their value: a reader knows them exactly. */
export function pinnedCells(table: ProtectedTable): string[] {
  const out: string[] = [];
  for (const [ref, b] of intervalBounds(table)) {
    if (Number.isFinite(b.hi - b.lo) && b.hi - b.lo <= 1e-9 * Math.max(1, Math.abs(b.lo), Math.abs(b.hi))) {
      out.push(ref);
    }
  }
  return out.sort();
}
