import type { CellStatus, DisclosureSettings, TableCell } from './model.ts';

/** Kinds that the threshold rule covers (text labels never are). */
const STATISTIC_KINDS = new Set(['count', 'sum', 'share', 'median', 'mean']);

/** The p% rule: unsafe when total − top1 − top2 < p% of top1 (one contributor could estimate another). */
export function isDominated(cell: Pick<TableCell, 'total' | 'top1' | 'top2'>, p: number): boolean {
  if (cell.total === undefined || cell.top1 === undefined) return false;
  const top2 = cell.top2 ?? 0;
  return cell.total - cell.top1 - top2 < (p / 100) * cell.top1;
}

/** The primary rule a cell fails on its own data, or undefined when it is safe on its own. */
export function primaryStatus(cell: TableCell, settings: DisclosureSettings): CellStatus | undefined {
  if (!STATISTIC_KINDS.has(cell.kind)) return undefined;
  const { threshold, p } = settings;
  // A cell with no contributor discloses nobody (a structural zero, or a share with no known answer).
  if (cell.contributors > 0 && cell.contributors < threshold) return 'threshold';
  // A share also publishes its numerator (share × contributors): a small one is a small count.
  if (cell.kind === 'share' && cell.numerator !== undefined && cell.numerator > 0 && cell.numerator < threshold) {
    return 'threshold';
  }
  if ((cell.kind === 'sum' || cell.kind === 'mean') && cell.contributors > 0 && isDominated(cell, p)) {
    return 'dominance';
  }
  if (cell.history?.kind === 'revised') return 'revision';
  return undefined;
}

/** Cells whose quantity a reader can bound with linear relations: counts, totals, and shares of a published count. */
export function inProgram(cell: TableCell): boolean {
  return cell.kind === 'count' || cell.kind === 'sum' || (cell.kind === 'share' && cell.denominator !== undefined);
}

/** Counts and numerators are whole numbers; totals are not. */
export function isInteger(cell: TableCell): boolean {
  return cell.kind === 'count' || cell.kind === 'share';
}

/** The quantity a cell puts into the relations: a count, a total, or a share's numerator. */
export function quantity(cell: TableCell): number {
  if (cell.kind === 'share') return cell.numerator ?? 0;
  if (cell.kind === 'sum') return cell.total ?? (typeof cell.value === 'number' ? cell.value : 0);
  return typeof cell.value === 'number' ? cell.value : 0;
}

/** One way to meet a requirement: the intruder's interval reaches `level` above (up) or below (down) the value. */
export interface ProtectionOption {
  readonly direction: 'up' | 'down';
  readonly level: number;
}

/**
 * What the audit asks of one suppressed cell of the program. `protection` requirements are the protection levels of
 * τ-Argus (met when any option is); `exactness` ones only ask that the cell is not worked out exactly.
 */
export interface Requirement {
  readonly ref: string;
  readonly why: 'threshold' | 'dominance' | 'revision' | 'exactness';
  readonly options: readonly ProtectionOption[];
}

/** The smallest width of interval that is not an exact recovery, for the deviation step (with a margin). */
export function exactnessLevel(cell: TableCell): number {
  return isInteger(cell) ? 1 : Math.max(1, 1e-3 * Math.abs(quantity(cell)));
}

/**
 * The requirement of a suppressed cell of the program:
 * - a count under the threshold: its upper bound must reach the threshold (upper protection level T − x);
 * - a share's numerator under the threshold: likewise;
 * - a dominated (or too few contributors) magnitude: upper bound ≥ x + p% of its largest contribution;
 * - a revised cell: the change since the earlier release must look as large as T organisations (counts) or
 *   p% of the largest changed contribution beyond itself (magnitudes), in either direction;
 * - any other suppressed count or total: not worked out exactly; any other share: nothing (undefined).
 */
export function requirementOf(
  cell: TableCell,
  status: CellStatus,
  settings: DisclosureSettings,
): Requirement | undefined {
  const { threshold, p } = settings;
  const ref = cell.ref;
  const q = quantity(cell);
  // A share is suppressed for its numerator only when that is small or changed; hidden for its count's sake, or as
  // a partner, it needs nothing of its own (its numerator may well be a published count).
  const exact: Requirement | undefined =
    cell.kind === 'share'
      ? undefined
      : { ref, why: 'exactness', options: [{ direction: 'up', level: exactnessLevel(cell) }] };
  if (cell.history?.kind === 'revised' && status === 'revision') {
    const { change, largest } = cell.history;
    if (isInteger(cell)) {
      if (cell.kind === 'share' && change === 0) return undefined;
      // Some x' with |x' − old| ≥ T must stay possible: x' ≥ old + T (up T − change) or x' ≤ old − T (down T + change).
      const up = { direction: 'up' as const, level: threshold - change };
      const down = { direction: 'down' as const, level: threshold + change };
      const options = [up, down].filter((o) => o.level > 0).sort((a, b) => a.level - b.level);
      return options.length > 0 ? { ref, why: 'revision', options } : exact;
    }
    const level = (p / 100) * Math.abs(largest);
    if (level <= 0) return exact;
    const first = change < 0 ? 'down' : 'up';
    const second = first === 'up' ? 'down' : 'up';
    return {
      ref,
      why: 'revision',
      options: [
        { direction: first, level },
        { direction: second, level },
      ],
    };
  }
  if ((cell.kind === 'count' || cell.kind === 'share') && q > 0 && q < threshold) {
    return { ref, why: 'threshold', options: [{ direction: 'up', level: threshold - q }] };
  }
  if (cell.kind === 'sum' && (status === 'dominance' || status === 'threshold') && (cell.top1 ?? 0) > 0) {
    return { ref, why: status, options: [{ direction: 'up', level: (p / 100) * (cell.top1 ?? 0) }] };
  }
  return exact;
}
