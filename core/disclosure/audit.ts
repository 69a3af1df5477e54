import type { Highs } from 'highs';
import type { ProgramCells, ScaledRelation } from './program.ts';
import type { Requirement } from './rules.ts';
import { Program, type ProgramRow, type ProgramSpec } from './solver.ts';

/** What a reader can say about a suppressed cell: its quantity lies in [lo, hi] (unscaled; ±Infinity when unbounded). */
export interface Interval {
  readonly lo: number;
  readonly hi: number;
}

/** A suppressed cell whose interval falls short of its requirement. */
export interface AuditFailure {
  readonly requirement: Requirement;
  /** What the solver found: the bounds it was asked for (the other side may be unknown). */
  readonly interval: Partial<Interval>;
}

/** The result of {@link auditPattern}. */
export interface AuditResult {
  readonly failures: readonly AuditFailure[];
  /** Linear and integer programs solved. */
  readonly programs: number;
  /** Suppressed cells of the program that were bounded. */
  readonly audited: number;
}

const INTEGRALITY = 1e-6;

/**
 * The intruder's program over a pattern: one column per suppressed cell of the program (`columns[v]` is its
 * program column), one row per relation that names a suppressed cell, the published cells moved to the right.
 */
export function intruderProgram(
  program: ProgramCells,
  relations: readonly ScaledRelation[],
  hidden: ReadonlySet<string>,
): { columns: number[]; spec: ProgramSpec & { integer: boolean[] } } {
  const columns: number[] = [];
  const variable = new Map<number, number>();
  for (const ref of hidden) {
    const col = program.index.get(ref);
    if (col === undefined) continue;
    variable.set(col, columns.length);
    columns.push(col);
  }
  const rows: ProgramRow[] = [];
  for (const relation of relations) {
    const indices: number[] = [];
    const values: number[] = [];
    let fixed = 0;
    let free = 0;
    relation.columns.forEach((col, k) => {
      const v = variable.get(col);
      const term = relation.coefs[k]! * program.value[col]!;
      if (v === undefined) {
        fixed += term;
        return;
      }
      free += term;
      const at = indices.indexOf(v);
      if (at >= 0) values[at]! += relation.coefs[k]!;
      else {
        indices.push(v);
        values.push(relation.coefs[k]!);
      }
    });
    if (indices.length === 0) continue;
    // For an equation the hidden part's total is taken from the true hidden values (no cancellation error).
    if (relation.sense === 'eq') rows.push({ indices, values, lower: free, upper: free });
    else rows.push({ indices, values, lower: Number.NEGATIVE_INFINITY, upper: relation.rhs - fixed });
  }
  const spec = {
    colLower: columns.map((col) => program.lower[col]!),
    colUpper: columns.map(() => Number.POSITIVE_INFINITY),
    integer: columns.map((col) => program.integer[col]!),
    rows,
  };
  return { columns, spec };
}

/**
 * The largest (or smallest) value a cell can take when every cell but the known ones is suppressed: the most any
 * pattern can leave a reader uncertain of it, given what earlier releases published. As a linear program (the
 * bound an integer program reaches is at most this).
 */
export function widestBound(
  highs: Highs,
  program: ProgramCells,
  relations: readonly ScaledRelation[],
  unknown: ReadonlySet<string>,
  ref: string,
  sense: 'max' | 'min',
): number {
  const { columns, spec } = intruderProgram(program, relations, unknown);
  const v = columns.indexOf(program.index.get(ref)!);
  const lp = new Program(highs, { ...spec, integer: undefined });
  try {
    lp.setCost(v, 1);
    const outcome = lp.solve(sense);
    if (outcome.status === 'optimal') return outcome.point[v]!;
    if (outcome.status === 'unbounded') return sense === 'max' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    throw new Error('disclosure: the published cells are inconsistent with their own relations');
  } finally {
    lp.dispose();
  }
}

/**
 * The intruder's audit of a suppression pattern: a linear program whose unknowns are the suppressed cells (the
 * published ones are constants), with every relation the reader knows, cells ≥ their known lower bound (0, or 1
 * for a listed row), counts and numerators whole numbers. For each suppressed cell it maximises and/or minimises
 * the cell as its requirement needs and checks the protection level (or, for cells without one, that the
 * interval is not a single value). Each maximisation starts as a linear program; when the optimum is not whole
 * where it must be, the integer program is solved instead (network tables almost never need it). Points found on
 * the way are kept, so a cell already seen far enough from its value needs no program of its own.
 */
export function auditPattern(
  highs: Highs,
  program: ProgramCells,
  relations: readonly ScaledRelation[],
  hidden: ReadonlySet<string>,
  requirements: ReadonlyMap<string, Requirement>,
): AuditResult {
  const { columns, spec } = intruderProgram(program, relations, hidden);
  if (columns.length === 0) return { failures: [], programs: 0, audited: 0 };
  const anyInteger = spec.integer.some(Boolean);
  const lp = new Program(highs, { ...spec, integer: undefined });
  let mip: Program | undefined;
  // Observed range of each variable over feasible points (integral where it must be).
  const seenLo = columns.map((col) => program.value[col]!);
  const seenHi = columns.map((col) => program.value[col]!);
  const unboundedAbove = columns.map(() => false);
  const integral = (point: Float64Array) =>
    !anyInteger ||
    spec.integer.every((isInt, v) => !isInt || Math.abs(point[v]! - Math.round(point[v]!)) <= INTEGRALITY);
  const observe = (point: Float64Array) => {
    if (!integral(point)) return;
    point.forEach((value, v) => {
      if (value < seenLo[v]!) seenLo[v] = value;
      if (value > seenHi[v]!) seenHi[v] = value;
    });
  };
  // The column each program currently maximises or minimises (its cost 1, every other 0).
  const objectives = new Map<Program, number>();
  const optimise = (p: Program, v: number, sense: 'max' | 'min') => {
    const previous = objectives.get(p);
    if (previous !== undefined && previous !== v) p.setCost(previous, 0);
    p.setCost(v, 1);
    objectives.set(p, v);
    return p.solve(sense);
  };
  /** The extreme of variable v: its max or min; ±Infinity when unbounded. */
  const extreme = (v: number, sense: 'max' | 'min'): number => {
    const relaxed = optimise(lp, v, sense);
    if (relaxed.status === 'unbounded') {
      if (sense === 'max') unboundedAbove[v] = true;
      return sense === 'max' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    }
    if (relaxed.status === 'infeasible') {
      throw new Error('disclosure: the audit found the published table inconsistent with its own relations');
    }
    if (integral(relaxed.point)) {
      observe(relaxed.point);
      return relaxed.point[v]!;
    }
    mip ??= new Program(highs, spec);
    const exact = optimise(mip, v, sense);
    if (exact.status !== 'optimal') {
      throw new Error(`disclosure: the integer audit program ended ${exact.status}, expected an optimum`);
    }
    observe(exact.point);
    return exact.point[v]!;
  };

  const failures: AuditFailure[] = [];
  try {
    columns.forEach((col, v) => {
      const cell = program.cells[col]!;
      const requirement = requirements.get(cell.ref);
      if (!requirement) return;
      const value = program.value[col]!;
      const scale = program.scale[col]!;
      const tol = 1e-6 * Math.max(1, Math.abs(value));
      const reaches = (direction: 'up' | 'down', level: number, hi: number, lo: number) => {
        const need = level / scale;
        const slack = 1e-6 * Math.max(1, Math.abs(value) + need);
        return direction === 'up' ? hi >= value + need - slack : lo <= value - need + slack;
      };
      let hi: number | undefined;
      let lo: number | undefined;
      const high = () => {
        hi ??= unboundedAbove[v] ? Number.POSITIVE_INFINITY : extreme(v, 'max');
        return hi;
      };
      const low = () => {
        lo ??= extreme(v, 'min');
        return lo;
      };
      let met: boolean;
      if (requirement.why === 'exactness') {
        const width = program.integer[col] ? 1 - INTEGRALITY : tol;
        met = seenHi[v]! - seenLo[v]! >= width || high() - seenLo[v]! >= width || high() - low() >= width;
      } else {
        met = requirement.options.some((o) => reaches(o.direction, o.level, seenHi[v]!, seenLo[v]!));
        for (const option of requirement.options) {
          if (met) break;
          met =
            option.direction === 'up'
              ? reaches('up', option.level, high(), seenLo[v]!)
              : reaches('down', option.level, seenHi[v]!, low());
        }
      }
      if (!met) {
        const interval: { lo?: number; hi?: number } = {};
        if (hi !== undefined) interval.hi = hi * scale;
        if (lo !== undefined) interval.lo = lo * scale;
        failures.push({ requirement, interval });
      }
    });
  } finally {
    lp.dispose();
    (mip as Program | undefined)?.dispose();
  }
  return {
    failures,
    programs: lp.solves + ((mip as Program | undefined)?.solves ?? 0),
    audited: columns.length,
  };
}
