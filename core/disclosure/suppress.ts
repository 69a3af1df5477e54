import { pinnedCells } from './bounds.ts';
import { determinedUnknowns } from './linear.ts';
import {
  type CellStatus,
  DEFAULT_SUPPRESSION,
  DisclosureError,
  type DisclosureTable,
  type ProtectedCell,
  type ProtectedTable,
  type SuppressionCounts,
  type SuppressionOptions,
  type SuppressionResult,
  type TableCell,
  type VerifyResult,
} from './model.ts';

/** Kinds that the threshold rule covers (text labels never are). */
const STATISTIC_KINDS = new Set(['count', 'sum', 'share', 'median', 'mean']);

/** The p% rule: unsafe when total − top1 − top2 < p% of top1 (one contributor could estimate another). */
export function isDominated(cell: Pick<TableCell, 'total' | 'top1' | 'top2'>, p: number): boolean {
  if (cell.total === undefined || cell.top1 === undefined) return false;
  const top2 = cell.top2 ?? 0;
  return cell.total - cell.top1 - top2 < (p / 100) * cell.top1;
}

/** The primary rule a cell fails, or undefined when it is safe on its own. */
function primaryStatus(cell: TableCell, threshold: number, p: number): CellStatus | undefined {
  if (!STATISTIC_KINDS.has(cell.kind)) return undefined;
  // A cell with no contributor discloses nobody (a structural zero, or a share with no known answer).
  if (cell.contributors > 0 && cell.contributors < threshold) return 'threshold';
  // A share also publishes its numerator (share × contributors): a small one is a small count.
  if (cell.kind === 'share' && cell.numerator !== undefined && cell.numerator > 0 && cell.numerator < threshold) {
    return 'threshold';
  }
  if ((cell.kind === 'sum' || cell.kind === 'mean') && cell.contributors > 0 && isDominated(cell, p)) {
    return 'dominance';
  }
  return undefined;
}

function validate(table: DisclosureTable, threshold: number, p: number): Map<string, TableCell> {
  if (!Number.isInteger(threshold) || threshold < 1) {
    throw new DisclosureError(`disclosure: threshold must be a whole number >= 1, got ${threshold}`);
  }
  if (!Number.isFinite(p) || p < 0 || p > 100) {
    throw new DisclosureError(`disclosure: p must be a number from 0 to 100, got ${p}`);
  }
  const byRef = new Map<string, TableCell>();
  for (const cell of table.cells) {
    if (byRef.has(cell.ref)) throw new DisclosureError(`disclosure: duplicate cell ref "${cell.ref}"`, [cell.ref]);
    byRef.set(cell.ref, cell);
  }
  for (const relation of table.relations) {
    for (const term of relation.terms) {
      if (!byRef.has(term.ref)) {
        throw new DisclosureError(`disclosure: a relation names cell "${term.ref}", which is not in the table`, [
          term.ref,
        ]);
      }
    }
  }
  for (const cell of table.cells) {
    for (const link of cell.links ?? []) {
      if (!byRef.has(link)) {
        throw new DisclosureError(`disclosure: cell "${cell.ref}" is linked to "${link}", which is not in the table`, [
          cell.ref,
        ]);
      }
    }
  }
  return byRef;
}

/**
 * Least informative first: smallest |value|, then fewest contributors, then ref (deterministic). Cells with no
 * contributor come last: hiding a zero beside a hidden cell x leaves a reader the bound x ≤ total, whose
 * upper end is the true value, so a zero partner protects in name only.
 */
function lessInformative(a: TableCell, b: TableCell): number {
  const za = a.contributors === 0 ? 1 : 0;
  const zb = b.contributors === 0 ? 1 : 0;
  const va = typeof a.value === 'number' ? Math.abs(a.value) : 0;
  const vb = typeof b.value === 'number' ? Math.abs(b.value) : 0;
  return za - zb || va - vb || a.contributors - b.contributors || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0);
}

/**
 * Applies the primary rules (threshold, p% dominance), links (a share or median over a suppressed count) and
 * secondary suppression until no suppressed cell can be worked out from the published cells and the relations.
 * Returns the table with a status per cell and how many cells each rule suppressed; it does not throw when the
 * pattern cannot be completed — {@link verifyProtected} is the gate an export must pass.
 */
export function suppress(table: DisclosureTable, options: SuppressionOptions = {}): SuppressionResult {
  const threshold = options.threshold ?? DEFAULT_SUPPRESSION.threshold;
  const p = options.p ?? DEFAULT_SUPPRESSION.p;
  const byRef = validate(table, threshold, p);
  const status = new Map<string, CellStatus>();
  for (const cell of table.cells) status.set(cell.ref, primaryStatus(cell, threshold, p) ?? 'published');
  const hidden = (ref: string) => status.get(ref) !== 'published';

  // Cells a suppression may spread to through links (count → shares and medians over it).
  const dependants = new Map<string, string[]>();
  for (const cell of table.cells) {
    for (const link of cell.links ?? []) {
      const list = dependants.get(link);
      if (list) list.push(cell.ref);
      else dependants.set(link, [cell.ref]);
    }
  }
  const propagateLinks = (from: string[] = table.cells.filter((c) => hidden(c.ref)).map((c) => c.ref)) => {
    const queue = [...from];
    while (queue.length > 0) {
      const ref = queue.pop()!;
      for (const dependant of dependants.get(ref) ?? []) {
        if (hidden(dependant)) continue;
        status.set(dependant, 'linked');
        queue.push(dependant);
      }
    }
  };
  propagateLinks();

  const relationsOf = new Map<string, number[]>();
  table.relations.forEach((relation, i) => {
    for (const term of relation.terms) {
      const list = relationsOf.get(term.ref);
      if (list) list.push(i);
      else relationsOf.set(term.ref, [i]);
    }
  });
  const leastInformativePublished = (refs: Iterable<string>): string | undefined => {
    let best: TableCell | undefined;
    for (const ref of refs) {
      if (hidden(ref)) continue;
      const cell = byRef.get(ref)!;
      if (!best || lessInformative(cell, best) < 0) best = cell;
    }
    return best?.ref;
  };
  // A cell hidden for a relation's sake hides its dependants at once, before the next relation is looked at.
  const hide = (ref: string) => {
    status.set(ref, 'secondary');
    propagateLinks([ref]);
  };

  // Secondary suppression. First the classic local rule, to a fixpoint: a relation with exactly one hidden cell
  // gives it away, so hide the least informative published cell of that relation. Then the exact audit finds
  // what the local rule cannot see (e.g. a bridge between two protected blocks of a two-way table); for each
  // determined cell hide the least informative published cell sharing a relation with it, and repeat.
  // Every round hides at least one cell, so this ends.
  for (;;) {
    let changed = true;
    while (changed) {
      changed = false;
      for (const relation of table.relations) {
        let hiddenCount = 0;
        for (const term of relation.terms) if (hidden(term.ref)) hiddenCount++;
        if (hiddenCount !== 1) continue;
        const pick = leastInformativePublished(relation.terms.map((t) => t.ref));
        if (pick === undefined) continue;
        hide(pick);
        changed = true;
      }
    }
    const determined = audit(table, hidden);
    if (determined.length === 0) break;
    let progressed = false;
    const touched = new Set<number>();
    for (const ref of determined) {
      const relations = relationsOf.get(ref) ?? [];
      // One fix per relation per round: the next audit tells whether more is needed.
      if (relations.some((i) => touched.has(i))) continue;
      const candidates = relations.flatMap((i) => table.relations[i]!.terms.map((t) => t.ref));
      const pick = leastInformativePublished(candidates);
      if (pick === undefined) continue;
      hide(pick);
      for (const i of relationsOf.get(pick) ?? []) touched.add(i);
      progressed = true;
    }
    if (!progressed) break;
  }

  const counts: SuppressionCounts = { threshold: 0, dominance: 0, linked: 0, secondary: 0 };
  const cells: ProtectedCell[] = table.cells.map((cell) => {
    const s = status.get(cell.ref)!;
    if (s !== 'published') counts[s]++;
    return { ...cell, status: s };
  });
  return { table: { cells, relations: table.relations }, counts, settings: { threshold, p } };
}

function determined(table: DisclosureTable, hidden: (ref: string) => boolean): string[] {
  const unknowns = new Set<string>();
  for (const relation of table.relations) {
    for (const term of relation.terms) if (hidden(term.ref)) unknowns.add(term.ref);
  }
  return determinedUnknowns(table.relations, unknowns);
}

/** Hidden cells a reader can work out: exactly by linear algebra, or pinned by the interval audit. */
function audit(table: DisclosureTable, hidden: (ref: string) => boolean): string[] {
  const exact = determined(table, hidden);
  const view: ProtectedTable = {
    relations: table.relations,
    cells: table.cells.map((c) => ({ ...c, status: hidden(c.ref) ? 'secondary' : 'published' })),
  };
  return [...new Set([...exact, ...pinnedCells(view)])].sort();
}

/**
 * Checks that no suppressed cell can be worked out from the published cells and the table's relations: with
 * exact linear algebra (`determined`), and with a simple interval audit using non-negativity (`pinned`, see
 * intervalBounds). The stricter protection intervals of τ-Argus and sdcTable (each suppressed cell must stay
 * uncertain by a set margin, found by linear programming) are out of scope.
 */
export function verifyProtected(table: ProtectedTable): VerifyResult {
  const status = new Map(table.cells.map((c) => [c.ref, c.status]));
  const exact = determined(table, (ref) => (status.get(ref) ?? 'published') !== 'published');
  const pinned = pinnedCells(table).filter((ref) => !exact.includes(ref));
  return { ok: exact.length === 0 && pinned.length === 0, determined: exact, pinned };
}

/** Throws a one-line DisclosureError when {@link verifyProtected} finds a determined cell. */
export function assertProtected(table: ProtectedTable): void {
  const { ok, determined, pinned } = verifyProtected(table);
  if (ok) return;
  const cells = [...determined, ...pinned];
  const shown = cells.slice(0, 5).join(', ');
  const more = cells.length > 5 ? ` and ${cells.length - 5} more` : '';
  throw new DisclosureError(
    `disclosure: refusing to publish: ${cells.length} suppressed cell(s) can be worked out from the published cells and totals (${shown}${more}); expected none`,
    cells,
  );
}
