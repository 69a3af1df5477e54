// The intruder's linear program, written for the tests apart from the export code: a reader who knows some
// cells' values and some linear relations between cells solves, with HiGHS (the one-shot `solve` of CPLEX LP
// text, not the persistent models the core uses), the largest and smallest value each unknown cell can take.
import highsModule from 'highs';

type Highs = Awaited<ReturnType<typeof import('highs').default>>;
const loadHighs = ((highsModule as unknown as { default?: unknown }).default ?? highsModule) as () => Promise<Highs>;
let solver: Promise<Highs> | undefined;

/** One unknown: a count (whole, ≥ its lower bound) or a magnitude (≥ its lower bound). */
export interface Unknown {
  readonly name: string;
  readonly lower: number;
  readonly integer: boolean;
  readonly upper?: number;
}

/** Σ coef × term (=, ≤) rhs; a term is an unknown's name. */
export interface Constraint {
  readonly terms: readonly (readonly [string, number])[];
  readonly sense: '=' | '<=';
  readonly rhs: number;
}

/** The interval of one unknown: ±Infinity when unbounded. */
export interface Bounds {
  readonly lo: number;
  readonly hi: number;
}

function num(x: number): string {
  // LP text takes plain decimals; 17 significant digits keep every double.
  return Number.isInteger(x) ? String(x) : x.toPrecision(17);
}

/** The unknowns' intervals under the constraints (integer unknowns solved as an integer program). */
export async function intervals(
  unknowns: readonly Unknown[],
  constraints: readonly Constraint[],
  targets: readonly string[] = unknowns.map((u) => u.name),
): Promise<Map<string, Bounds>> {
  solver ??= loadHighs();
  const highs = await solver;
  const id = new Map(unknowns.map((u, i) => [u.name, `x${i}`]));
  const rows = constraints
    .filter((c) => c.terms.length > 0)
    .map((c, i) => {
      const lhs = c.terms
        .map(([name, coef]) => `${coef < 0 ? '-' : '+'} ${num(Math.abs(coef))} ${id.get(name)}`)
        .join(' ');
      return ` c${i}: ${lhs} ${c.sense} ${num(c.rhs)}`;
    });
  const bounds = unknowns.map(
    (u) => ` ${num(u.lower)} <= ${id.get(u.name)} <= ${u.upper === undefined ? '+inf' : num(u.upper)}`,
  );
  const generals = unknowns.filter((u) => u.integer).map((u) => id.get(u.name)!);
  const out = new Map<string, Bounds>();
  for (const name of targets) {
    const x = id.get(name)!;
    const solve = (sense: 'Maximize' | 'Minimize', presolve: 'on' | 'off' = 'on', integer = true): number => {
      const text = [
        sense,
        ` obj: ${x}`,
        'Subject To',
        ...(rows.length > 0 ? rows : [` c0: ${x} >= -1e30`]),
        'Bounds',
        ...bounds,
        ...(generals.length > 0 && integer ? ['Generals', ` ${generals.join(' ')}`] : []),
        'End',
      ].join('\n');
      const result = highs.solve(text, { output_flag: false, mip_rel_gap: 0, presolve });
      // Presolve may not tell an unbounded program from an infeasible one; without it the simplex does, and an
      // integer program whose relaxation is unbounded (and which has a solution: the truth) is unbounded too.
      if (result.Status === 'Primal infeasible or unbounded') {
        if (presolve === 'on') return solve(sense, 'off', integer);
        if (integer && generals.length > 0) {
          const relaxed = solve(sense, 'off', false);
          if (!Number.isFinite(relaxed)) return relaxed;
        }
      }
      if (result.Status === 'Unbounded')
        return sense === 'Maximize' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
      if (result.Status !== 'Optimal') throw new Error(`intruder-lp: ${sense} ${name} ended ${result.Status}`);
      return result.Columns[x]!.Primal;
    };
    out.set(name, { lo: solve('Minimize'), hi: solve('Maximize') });
  }
  return out;
}
