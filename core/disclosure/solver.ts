import highsModule, { type Highs } from 'highs';

// The package's types.d.ts is read as CommonJS under NodeNext (a default export is then `.default`), while the
// ESM build that Node and the bundler load exports the loader itself.
const loadHighs = ((highsModule as unknown as { default?: unknown }).default ?? highsModule) as () => Promise<Highs>;

/**
 * HiGHS (the `highs` package: the solver compiled to WebAssembly), loaded once per process on first use, so that
 * importing the export code costs nothing until a table is protected. In a Lambda bundle the loader finds
 * highs.wasm beside the bundle (the deployment copies it there).
 */
let runtime: Promise<Highs> | undefined;

/** The solver runtime, loaded on first call. */
export function loadSolver(): Promise<Highs> {
  runtime ??= loadHighs().catch((error: unknown) => {
    runtime = undefined;
    throw new Error(`disclosure: cannot load the HiGHS solver: ${(error as Error).message}`, { cause: error });
  });
  return runtime;
}

/** The solver's name and version as the notes cite it, e.g. "HiGHS 1.15.1". */
export function solverName(highs: Highs): string {
  return `HiGHS ${highs.version.string}`;
}

/** One constraint row: lower ≤ Σ values[k] × x[indices[k]] ≤ upper. */
export interface ProgramRow {
  readonly indices: readonly number[];
  readonly values: readonly number[];
  readonly lower: number;
  readonly upper: number;
}

/** A sparse linear (or mixed-integer) program: columns with bounds and costs, rows with bounds. */
export interface ProgramSpec {
  readonly colLower: readonly number[];
  readonly colUpper: readonly number[];
  /** @default all 0 */
  readonly cost?: readonly number[];
  /** Columns that take whole values; none makes it a linear program. */
  readonly integer?: readonly boolean[];
  readonly rows: readonly ProgramRow[];
}

/** The outcome of one solve. */
export type Outcome =
  | { readonly status: 'optimal'; readonly value: number; readonly point: Float64Array }
  | { readonly status: 'unbounded' }
  | { readonly status: 'infeasible' };

/** Beyond this a single solve is given up, and the audit fails safe (the table is refused). */
const TIME_LIMIT_SECONDS = 20;

/**
 * A persistent HiGHS model: built once, then re-solved with changed objectives and bounds, each solve warm-starting
 * from the last basis. `dispose()` must be called: WebAssembly memory is not garbage collected.
 */
export class Program {
  private readonly model;
  private readonly integer: boolean;
  /** Solves run on this program. */
  solves = 0;
  /** How many columns the program has. */
  readonly columns: number;

  /** Builds the model from a spec (rows given sparse, passed to HiGHS as a CSR matrix). */
  constructor(
    private readonly highs: Highs,
    spec: ProgramSpec,
  ) {
    const numCols = spec.colLower.length;
    this.columns = numCols;
    const starts = new Int32Array(spec.rows.length + 1);
    let nonzeros = 0;
    spec.rows.forEach((row, i) => {
      nonzeros += row.indices.length;
      starts[i + 1] = nonzeros;
    });
    const indices = new Int32Array(nonzeros);
    const values = new Float64Array(nonzeros);
    let at = 0;
    for (const row of spec.rows) {
      row.indices.forEach((index, k) => {
        indices[at] = index;
        values[at] = row.values[k]!;
        at++;
      });
    }
    this.integer = spec.integer?.some(Boolean) ?? false;
    this.model = highs.createModel({
      numCols,
      numRows: spec.rows.length,
      colCost: Float64Array.from(spec.cost ?? new Array<number>(numCols).fill(0)),
      colLower: Float64Array.from(spec.colLower, (v) => (v === Number.NEGATIVE_INFINITY ? -highs.infinity : v)),
      colUpper: Float64Array.from(spec.colUpper, (v) => (v === Number.POSITIVE_INFINITY ? highs.infinity : v)),
      rowLower: Float64Array.from(spec.rows, (r) => (r.lower === Number.NEGATIVE_INFINITY ? -highs.infinity : r.lower)),
      rowUpper: Float64Array.from(spec.rows, (r) => (r.upper === Number.POSITIVE_INFINITY ? highs.infinity : r.upper)),
      matrix: { format: 'csr', numRows: spec.rows.length, numCols, starts, indices, values },
      ...(this.integer
        ? {
            integrality: Int32Array.from(spec.integer ?? [], (b) =>
              b ? highs.constants.variableType.integer : highs.constants.variableType.continuous,
            ),
          }
        : {}),
    });
    this.model.options.set({
      output_flag: false,
      time_limit: TIME_LIMIT_SECONDS,
      // A re-solve warm-starts from the previous basis; presolve would throw it away.
      presolve: this.integer ? 'choose' : 'off',
      mip_rel_gap: 0,
    });
  }

  /** Sets one column's bounds (±Infinity for none). */
  setBounds(col: number, lower: number, upper: number): void {
    const inf = this.highs.infinity;
    this.model.changeColBounds(
      col,
      lower === Number.NEGATIVE_INFINITY ? -inf : lower,
      upper === Number.POSITIVE_INFINITY ? inf : upper,
    );
  }

  /** Sets one column's cost. */
  setCost(col: number, cost: number): void {
    this.model.changeColCost(col, cost);
  }

  /** Minimises (or maximises) the current costs. */
  solve(sense: 'min' | 'max' = 'min'): Outcome {
    const { objectiveSense, modelStatus } = this.highs.constants;
    this.model.changeObjectiveSense(sense === 'max' ? objectiveSense.maximize : objectiveSense.minimize);
    this.model.run();
    this.solves++;
    let status = this.model.getModelStatus();
    const answered = (s: number) =>
      s === modelStatus.optimal ||
      s === modelStatus.infeasible ||
      s === modelStatus.unbounded ||
      s === modelStatus.unboundedOrInfeasible;
    // A warm start can end in numerical trouble; the same program solved afresh, with presolve, seldom does.
    if (!answered(status)) {
      this.model.clearSolver();
      this.model.options.set({ presolve: 'on' });
      this.model.run();
      this.solves++;
      status = this.model.getModelStatus();
      this.model.options.set({ presolve: this.integer ? 'choose' : 'off' });
    }
    if (status === modelStatus.optimal) {
      return { status: 'optimal', value: this.model.getObjectiveValue(), point: this.model.getSolution().colValue };
    }
    if (status === modelStatus.unbounded || status === modelStatus.unboundedOrInfeasible) {
      return { status: 'unbounded' };
    }
    if (status === modelStatus.infeasible) return { status: 'infeasible' };
    throw new Error(`disclosure: the solver stopped without an answer (HiGHS model status ${status})`);
  }

  /** Frees the model's WebAssembly memory. */
  dispose(): void {
    this.model.dispose();
  }
}
