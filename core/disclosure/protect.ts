import type { Highs } from 'highs';
import { type AuditFailure, auditPattern, widestBound } from './audit.ts';
import { determinedUnknowns } from './linear.ts';
import {
  type AuditReport,
  type CellStatus,
  DisclosureError,
  type DisclosureSettings,
  type DisclosureTable,
  PRIMARY_STATUSES,
  type ProtectedCell,
  type ProtectionResult,
  type SuppressionCounts,
  type TableCell,
} from './model.ts';
import { type ProgramCells, programCells, type ScaledRelation, scaledRelations } from './program.ts';
import { exactnessLevel, inProgram, primaryStatus, type Requirement, requirementOf } from './rules.ts';
import { checkSettings } from './settings.ts';
import { loadSolver, Program, type ProgramRow, solverName } from './solver.ts';

/** Rounds of repair after the audit before a table is refused (each hides what the failures need). */
const REPAIR_ROUNDS = 4;

function validate(table: DisclosureTable): Map<string, TableCell> {
  const byRef = new Map<string, TableCell>();
  for (const cell of table.cells) {
    if (byRef.has(cell.ref)) throw new DisclosureError(`disclosure: duplicate cell ref "${cell.ref}"`, [cell.ref]);
    byRef.set(cell.ref, cell);
  }
  for (const relation of table.relations) {
    for (const term of relation.terms) {
      const cell = byRef.get(term.ref);
      if (!cell) {
        throw new DisclosureError(`disclosure: a relation names cell "${term.ref}", which is not in the table`, [
          term.ref,
        ]);
      }
      if (!inProgram(cell)) {
        throw new DisclosureError(
          `disclosure: a relation names cell "${term.ref}" of kind ${cell.kind}; expected a count, a total or a share with a published denominator`,
          [term.ref],
        );
      }
      if (!Number.isFinite(term.coef) || term.coef === 0) {
        throw new DisclosureError(`disclosure: a relation gives cell "${term.ref}" coefficient ${term.coef}`, [
          term.ref,
        ]);
      }
    }
  }
  for (const cell of table.cells) {
    for (const ref of [...(cell.links ?? []), ...(cell.denominator ? [cell.denominator] : [])]) {
      if (!byRef.has(ref)) {
        throw new DisclosureError(`disclosure: cell "${cell.ref}" refers to "${ref}", which is not in the table`, [
          cell.ref,
        ]);
      }
    }
  }
  return byRef;
}

/**
 * The cost of suppressing each published cell, per unit of deviation: suppressing few cells, and cells of small
 * contribution, is cheaper (1 + the cell's share of the largest cell it adds up with), as in τ-Argus' cost
 * functions; a cell whose suppression also hides shares and medians, or that several tables show, costs more.
 */
function weights(program: ProgramCells, relations: readonly ScaledRelation[], dependants: Map<string, string[]>) {
  const largest = program.value.map((v) => Math.abs(v));
  for (const relation of relations) {
    const top = Math.max(...relation.columns.map((col) => Math.abs(program.value[col]!)));
    for (const col of relation.columns) largest[col] = Math.max(largest[col]!, top);
  }
  return program.cells.map((cell, col) => {
    const share = largest[col]! > 0 ? Math.abs(program.value[col]!) / largest[col]! : 0;
    return (cell.cost ?? 1) * (1 + share + 0.5 * (dependants.get(cell.ref)?.length ?? 0));
  });
}

/**
 * The partner search: for one requirement, the cheapest deviation of the table that keeps every relation, moves
 * no published cell the reader already knows, and moves the cell by its protection level. Its support (the cells
 * it moves) is a set of suppressions under which the requirement holds, because the true table plus the
 * deviation is a table the reader cannot tell apart from the truth. This is the single-cell subproblem of
 * Fischetti and Salazar's model of secondary suppression, which τ-Argus and sdcTable solve cell by cell too.
 * Columns 2c and 2c+1 are the upward and downward deviation of program column c.
 */
class DeviationModel {
  private readonly lp: Program;
  private mip: Program | undefined;
  private readonly spec;
  private readonly costs: number[];

  constructor(
    private readonly highs: Highs,
    private readonly program: ProgramCells,
    relations: readonly ScaledRelation[],
    private readonly fixed: (col: number) => boolean,
    costs: number[],
  ) {
    const n = program.cells.length;
    const colLower = new Array<number>(2 * n).fill(0);
    const colUpper = new Array<number>(2 * n);
    for (let c = 0; c < n; c++) {
      colUpper[2 * c] = fixed(c) ? 0 : Number.POSITIVE_INFINITY;
      colUpper[2 * c + 1] = fixed(c) ? 0 : Math.max(0, program.value[c]! - program.lower[c]!);
    }
    const rows: ProgramRow[] = relations.map((relation) => {
      const indices: number[] = [];
      const values: number[] = [];
      relation.columns.forEach((col, k) => {
        const at = indices.indexOf(2 * col);
        if (at >= 0) {
          values[at]! += relation.coefs[k]!;
          values[at + 1]! -= relation.coefs[k]!;
          return;
        }
        indices.push(2 * col, 2 * col + 1);
        values.push(relation.coefs[k]!, -relation.coefs[k]!);
      });
      if (relation.sense === 'eq') return { indices, values, lower: 0, upper: 0 };
      const truth = relation.columns.reduce((s, col, k) => s + relation.coefs[k]! * program.value[col]!, 0);
      return { indices, values, lower: Number.NEGATIVE_INFINITY, upper: Math.max(0, relation.rhs - truth) };
    });
    this.costs = costs.flatMap((w) => [w, w]);
    this.spec = {
      colLower,
      colUpper,
      cost: this.costs,
      integer: program.integer.flatMap((i) => [i, i]),
      rows,
    };
    this.lp = new Program(highs, { ...this.spec, integer: undefined });
  }

  /** A cell that is now suppressed costs nothing more to move. */
  free(col: number): void {
    this.costs[2 * col] = 0;
    this.costs[2 * col + 1] = 0;
    for (const p of [this.lp, this.mip]) {
      p?.setCost(2 * col, 0);
      p?.setCost(2 * col + 1, 0);
    }
  }

  /**
   * The cheapest deviation meeting one option of a requirement, as the net change of every program column
   * (scaled), or undefined when no set of suppressions can meet it. `whole` asks for whole deviations of counts.
   */
  certificate(col: number, direction: 'up' | 'down', level: number, whole: boolean): Float64Array | undefined {
    const need = level / this.program.scale[col]!;
    const room = this.program.value[col]! - this.program.lower[col]!;
    if (this.fixed(col) || (direction === 'down' && need > room + 1e-9)) return undefined;
    let p = this.lp;
    if (whole && this.program.integer.some(Boolean)) {
      this.mip ??= new Program(this.highs, { ...this.spec, cost: this.costs });
      p = this.mip;
    }
    const up = 2 * col;
    const down = 2 * col + 1;
    if (direction === 'up') {
      p.setBounds(up, need, Number.POSITIVE_INFINITY);
      p.setBounds(down, 0, 0);
    } else {
      p.setBounds(up, 0, 0);
      p.setBounds(down, need, room);
    }
    try {
      const outcome = p.solve('min');
      // Costs are ≥ 0, so "unbounded" can only mean that no deviation exists.
      if (outcome.status !== 'optimal') return undefined;
      const n = this.program.cells.length;
      const net = new Float64Array(n);
      for (let c = 0; c < n; c++) net[c] = outcome.point[2 * c]! - outcome.point[2 * c + 1]!;
      return net;
    } finally {
      p.setBounds(up, 0, Number.POSITIVE_INFINITY);
      p.setBounds(down, 0, Math.max(0, room));
    }
  }

  /** Linear and integer programs solved. */
  get solves(): number {
    return this.lp.solves + (this.mip?.solves ?? 0);
  }

  dispose(): void {
    this.lp.dispose();
    this.mip?.dispose();
  }
}

function countStatuses(cells: readonly ProtectedCell[]): SuppressionCounts {
  const counts: SuppressionCounts = { threshold: 0, dominance: 0, revision: 0, linked: 0, secondary: 0, release: 0 };
  for (const cell of cells) if (cell.status !== 'published') counts[cell.status]++;
  return counts;
}

/**
 * One failure in words a requester may read: the cell by its row and column, and which requirement it misses —
 * never its value or the bounds found, which would disclose what the suppression protects.
 */
function describeFailure(failure: AuditFailure, byRef: Map<string, TableCell>): string {
  const { requirement } = failure;
  const name = byRef.get(requirement.ref)?.label ?? requirement.ref;
  const what: Record<Requirement['why'], string> = {
    exactness: 'it could be worked out exactly from the published cells',
    threshold: 'its protection level under the threshold rule cannot be met',
    dominance: 'its protection level under the p% rule cannot be met',
    revision: 'its change since an earlier release cannot be protected',
  };
  return `${name}: ${what[requirement.why]}`;
}

/**
 * Protects a table to the standard of τ-Argus and sdcTable and audits the result; throws a one-line
 * DisclosureError when it cannot.
 *
 * 1. Primary suppression: the threshold rule, the p% dominance rule, and cells whose change since an earlier
 *    release comes from fewer organisations than the threshold. A share or median whose count is suppressed is
 *    suppressed too (linked); a cell suppressed in an earlier release of the same data stays suppressed, and one
 *    published then stays published (every reader knows it).
 * 2. Secondary suppression: each primary cell's requirement (its protection level) is met by the cheapest
 *    deviation found by linear programming, whose cells are suppressed (see {@link DeviationModel}).
 * 3. The audit: the intruder's program ({@link auditPattern}) bounds every suppressed cell; a requirement it finds
 *    unmet (e.g. only in whole numbers) gets another, whole-number, partner search, up to a few rounds; exact
 *    rational elimination checks that no suppressed cell follows from the equations alone.
 */
export async function protectTable(table: DisclosureTable, settingsIn: DisclosureSettings): Promise<ProtectionResult> {
  const settings = checkSettings(settingsIn);
  const byRef = validate(table);
  const highs = await loadSolver();

  const status = new Map<string, CellStatus>();
  const known = new Set<string>();
  for (const cell of table.cells) {
    const primary = primaryStatus(cell, settings);
    if (cell.history?.kind === 'published') known.add(cell.ref);
    status.set(cell.ref, primary ?? (cell.history?.kind === 'suppressed' ? 'release' : 'published'));
  }
  const hidden = (ref: string) => status.get(ref) !== 'published';
  const dependants = new Map<string, string[]>();
  for (const cell of table.cells) {
    for (const link of cell.links ?? []) dependants.set(link, [...(dependants.get(link) ?? []), cell.ref]);
  }
  const newlyLinked: string[] = [];
  const propagate = (from: readonly string[]) => {
    const queue = [...from];
    while (queue.length > 0) {
      const ref = queue.pop()!;
      for (const dependant of dependants.get(ref) ?? []) {
        if (hidden(dependant)) continue;
        status.set(dependant, 'linked');
        newlyLinked.push(dependant);
        queue.push(dependant);
      }
    }
  };
  propagate(table.cells.filter((c) => hidden(c.ref)).map((c) => c.ref));

  const program = programCells(table.cells, table.relations);
  const relations = scaledRelations(program);
  const fixed = (col: number) => known.has(program.cells[col]!.ref);
  // Requirements that earlier releases (under laxer settings) make unreachable, lowered to what is reachable.
  const capped = new Map<string, Requirement>();
  // Cells that the values earlier releases published already pin to one value: nothing here can change that.
  const disclosedBefore = new Set<string>();
  const requirementFor = (cell: TableCell): Requirement | undefined =>
    hidden(cell.ref) && !known.has(cell.ref) && !disclosedBefore.has(cell.ref) && inProgram(cell)
      ? (capped.get(cell.ref) ?? requirementOf(cell, status.get(cell.ref)!, settings))
      : undefined;
  /**
   * A protection level no pattern can reach because earlier releases published the cells it needs: the level is
   * lowered to the most that suppressing every other cell leaves (those releases were protected under their
   * settings; this one must not disclose more than they do). When they pin the cell to one value it joins
   * `disclosedBefore` and has no requirement; undefined when nothing is reachable.
   */
  const cap = (req: Requirement): Requirement | undefined => {
    if (known.size === 0 || req.why === 'exactness') return undefined;
    const col = program.index.get(req.ref)!;
    const unknown = new Set(program.cells.filter((c) => !known.has(c.ref)).map((c) => c.ref));
    const room = (direction: 'up' | 'down') => {
      const bound = widestBound(highs, program, relations, unknown, req.ref, direction === 'up' ? 'max' : 'min');
      const r = (direction === 'up' ? bound - program.value[col]! : program.value[col]! - bound) * program.scale[col]!;
      return program.integer[col] ? Math.floor(r + 1e-9) : r * (1 - 1e-6);
    };
    const options = req.options.flatMap((o) => {
      const reachable = room(o.direction);
      return reachable > 0 ? [{ direction: o.direction, level: Math.min(o.level, reachable) }] : [];
    });
    if (options.length > 0) return { ...req, options };
    // At the edge of what earlier releases allow: it can still be kept from being worked out exactly.
    const level = exactnessLevel(byRef.get(req.ref)!);
    const either = (['up', 'down'] as const).filter((d) => room(d) >= level * (1 - 1e-9));
    if (either.length > 0) {
      return { ref: req.ref, why: 'exactness', options: either.map((direction) => ({ direction, level })) };
    }
    if (room('up') <= 0 && room('down') <= 0) disclosedBefore.add(req.ref);
    return undefined;
  };

  const model = new DeviationModel(highs, program, relations, fixed, weights(program, relations, dependants));
  let searchPrograms = 0;
  try {
    program.cells.forEach((cell, col) => {
      if (hidden(cell.ref)) model.free(col);
    });
    // Net deviations found so far: each is a table the reader cannot rule out, under the pattern as it grows.
    const pool: Float64Array[] = [];
    const shown = (req: Requirement) => {
      const col = program.index.get(req.ref)!;
      const need = (req.options[0]!.level / program.scale[col]!) * (1 - 1e-9);
      return pool.some((y) =>
        req.options.some((o) => {
          const level = (o.level / program.scale[col]!) * (1 - 1e-9);
          if (req.why === 'exactness') return Math.abs(y[col]!) >= need;
          return o.direction === 'up' ? y[col]! >= level : -y[col]! >= level;
        }),
      );
    };
    /** The opposite of a deviation, when it keeps every bound and inequality: a second table, for free. */
    const reverse = (y: Float64Array): Float64Array | undefined => {
      for (let c = 0; c < y.length; c++) {
        if (y[c]! > 0 && (fixed(c) || y[c]! > program.value[c]! - program.lower[c]! + 1e-9)) return undefined;
      }
      for (const relation of relations) {
        if (relation.sense !== 'le') continue;
        const truth = relation.columns.reduce((sum, col, k) => sum + relation.coefs[k]! * program.value[col]!, 0);
        const moved = relation.columns.reduce((sum, col, k) => sum + relation.coefs[k]! * y[col]!, 0);
        if (-moved > relation.rhs - truth + 1e-9) return undefined;
      }
      return y.map((v) => -v);
    };
    const hide = (ref: string) => {
      status.set(ref, 'secondary');
      const col = program.index.get(ref);
      if (col !== undefined) model.free(col);
      newlyLinked.length = 0;
      propagate([ref]);
      for (const linked of newlyLinked) {
        const c = program.index.get(linked);
        if (c !== undefined) model.free(c);
      }
      return [...newlyLinked];
    };
    const integral = (y: Float64Array) =>
      program.integer.every((isInt, c) => !isInt || Math.abs(y[c]! - Math.round(y[c]!)) <= 1e-6);

    /** Meets one requirement with the cheapest partners; returns cells that became linked (new requirements). */
    const meet = (req: Requirement, whole: boolean): { met: boolean; linked: string[] } => {
      const col = program.index.get(req.ref)!;
      const options =
        req.why === 'exactness'
          ? [
              { direction: 'up' as const, level: req.options[0]!.level },
              { direction: 'down' as const, level: req.options[0]!.level },
            ]
          : req.options;
      for (const option of options) {
        const y = model.certificate(col, option.direction, option.level, whole);
        if (!y) continue;
        const linked: string[] = [];
        const tol = 1e-7 * Math.max(1, option.level / program.scale[col]!);
        program.cells.forEach((cell, c) => {
          if (Math.abs(y[c]!) > tol && !hidden(cell.ref)) linked.push(...hide(cell.ref));
        });
        if (integral(y)) {
          pool.push(y);
          const opposite = reverse(y);
          if (opposite) pool.push(opposite);
        }
        return { met: true, linked };
      }
      return { met: false, linked: [] };
    };

    // Primary cells first, largest protection level first (their partners often protect the smaller ones).
    const queue: Requirement[] = program.cells
      .map(requirementFor)
      .filter((r): r is Requirement => r !== undefined)
      .sort((a, b) => {
        const rank = (r: Requirement) => (r.why === 'exactness' ? 1 : 0);
        const size = (r: Requirement) => r.options[0]!.level / program.scale[program.index.get(r.ref)!]!;
        return rank(a) - rank(b) || size(b) - size(a) || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0);
      });
    for (let i = 0; i < queue.length; i++) {
      let req = queue[i]!;
      if (shown(req)) continue;
      let { met, linked } = meet(req, false);
      const lowered = met ? undefined : cap(req);
      if (disclosedBefore.has(req.ref)) continue;
      if (lowered) {
        capped.set(req.ref, lowered);
        req = lowered;
        ({ met, linked } = meet(req, false));
      }
      // A linked share of a count enters the audit, so it gets its own requirement.
      for (const ref of linked) {
        const r = requirementFor(byRef.get(ref)!);
        if (r) queue.push(r);
      }
    }

    // The audit, with repairs: a requirement the intruder's (integer) program finds unmet gets a whole-number
    // partner search. Cells hidden meanwhile join the audit.
    let failures: AuditFailure[] = [];
    let auditPrograms = 0;
    let audited = 0;
    let levels = 0;
    for (let round = 0; ; round++) {
      const hiddenRefs = new Set(
        table.cells.filter((c) => hidden(c.ref) && !known.has(c.ref) && inProgram(c)).map((c) => c.ref),
      );
      const requirements = new Map<string, Requirement>();
      for (const ref of hiddenRefs) {
        const r = requirementFor(byRef.get(ref)!);
        if (r) requirements.set(ref, r);
      }
      levels = [...requirements.values()].filter((r) => r.why !== 'exactness').length;
      const audit = auditPattern(highs, program, relations, hiddenRefs, requirements);
      auditPrograms += audit.programs;
      audited = audit.audited;
      failures = [...audit.failures];
      // A second opinion in exact arithmetic: no suppressed cell follows from the equations alone.
      const determined = determinedUnknowns(
        table.relations.filter((r) => (r.sense ?? 'eq') === 'eq'),
        hiddenRefs,
      );
      for (const ref of determined) {
        if (requirements.has(ref) && !failures.some((f) => f.requirement.ref === ref)) {
          failures.push({ requirement: { ...requirements.get(ref)!, why: 'exactness' }, interval: {} });
        }
      }
      if (process.env.PROTECT_DEBUG)
        console.log(
          'round',
          round,
          JSON.stringify(failures.map((f) => [byRef.get(f.requirement.ref)?.label, f.requirement, f.interval])),
        );
      if (failures.length === 0 || round >= REPAIR_ROUNDS) break;
      let progressed = false;
      for (const failure of failures) {
        const before = [...status.values()].filter((s) => s !== 'published').length;
        const req =
          failure.requirement.why === 'exactness'
            ? {
                ...failure.requirement,
                options: [{ direction: 'up' as const, level: exactnessLevel(byRef.get(failure.requirement.ref)!) }],
              }
            : failure.requirement;
        let { met } = meet(req, true);
        const lowered = met ? undefined : cap(req);
        if (disclosedBefore.has(req.ref)) progressed = true;
        if (lowered) {
          capped.set(req.ref, lowered);
          progressed = true;
          ({ met } = meet(lowered, true));
        }
        if (met && [...status.values()].filter((s) => s !== 'published').length > before) progressed = true;
      }
      if (!progressed) break;
    }
    searchPrograms = model.solves;
    if (failures.length > 0) {
      const shownFailures = failures.slice(0, 2).map((f) => describeFailure(f, byRef));
      const more = failures.length > 2 ? ` (and ${failures.length - 2} more)` : '';
      throw new DisclosureError(
        `disclosure: refusing to publish: the table cannot be protected: ${shownFailures.join('; ')}${more}`,
        failures.map((f) => f.requirement.ref),
      );
    }

    const cells: ProtectedCell[] = table.cells.map((cell) => ({ ...cell, status: status.get(cell.ref)! }));
    const knownPrimaries = cells
      .filter((c) => (known.has(c.ref) || disclosedBefore.has(c.ref)) && PRIMARY_STATUSES.has(c.status))
      .map((c) => c.ref);
    const cappedRefs = [...capped.keys()].sort();
    const audit: AuditReport = {
      solver: solverName(highs),
      cellsAudited: audited,
      protectionLevels: levels,
      programs: auditPrograms + searchPrograms,
      model: describeModel(table, known),
    };
    return {
      table: { cells, relations: table.relations },
      counts: countStatuses(cells),
      settings,
      audit,
      knownPrimaries,
      capped: cappedRefs,
    };
  } finally {
    model.dispose();
  }
}

/** What the intruder's program knows, in words. */
function describeModel(table: DisclosureTable, known: ReadonlySet<string>): string[] {
  const equations = table.relations.filter((r) => (r.sense ?? 'eq') === 'eq').length;
  const inequalities = table.relations.length - equations;
  const lines = [
    'every count, total and numerator is at least 0, and counts and numerators are whole numbers',
    `${equations} additive relation(s) between cells: totals, running totals, shares of one question, and cells that linked tables share`,
  ];
  if (table.cells.some((c) => (c.lower ?? 0) > 0)) lines.push('every listed row has at least one organisation');
  if (inequalities > 0 || table.cells.some((c) => c.kind === 'share' && c.denominator)) {
    lines.push(
      `${inequalities} inequality(ies) such as a subset count being at most its row's count, and a share's numerator at most its count`,
    );
  }
  if (known.size > 0) lines.push(`${known.size} cell value(s) published in earlier releases of the same data`);
  return lines;
}
