import type { LinearRelation, TableCell } from './model.ts';
import { inProgram, isInteger, quantity } from './rules.ts';

/**
 * The cells of a table as the columns of a linear program, scaled so that the solver sees numbers of a
 * reasonable size: counts and numerators as they are (whole numbers), totals divided by one power of ten that
 * brings the largest to about 10^4 (a turnover total of 10^10 next to a cell of 10^4 would otherwise sit at the
 * edge of the solver's tolerances).
 */
export interface ProgramCells {
  /** The cells in the program, in column order. */
  readonly cells: readonly TableCell[];
  /** Column of each ref. */
  readonly index: ReadonlyMap<string, number>;
  /** Divisor of each column: quantity = scale × column value. */
  readonly scale: readonly number[];
  /** The true quantity of each column, scaled. */
  readonly value: readonly number[];
  /** The least value of each column a reader knows, scaled. */
  readonly lower: readonly number[];
  readonly integer: readonly boolean[];
  /** Every relation a reader knows, the share-denominator bounds included. */
  readonly relations: readonly LinearRelation[];
}

/** Lays out the program's columns: every count, total, and share of a published count. */
export function programCells(cells: readonly TableCell[], relations: readonly LinearRelation[]): ProgramCells {
  const inside = cells.filter(inProgram);
  let largest = 0;
  for (const cell of inside) if (!isInteger(cell)) largest = Math.max(largest, Math.abs(quantity(cell)));
  const sumScale = largest > 1e4 ? 10 ** Math.floor(Math.log10(largest) - 4) : 1;
  const index = new Map(inside.map((cell, i) => [cell.ref, i]));
  const scale = inside.map((cell) => (isInteger(cell) ? 1 : sumScale));
  const all: LinearRelation[] = [...relations];
  // A share's numerator is at most its count: n − count ≤ 0.
  for (const cell of inside) {
    if (cell.kind === 'share' && cell.denominator !== undefined) {
      all.push({
        terms: [
          { ref: cell.ref, coef: 1 },
          { ref: cell.denominator, coef: -1 },
        ],
        sense: 'le',
        bound: 0,
      });
    }
  }
  return {
    cells: inside,
    index,
    scale,
    value: inside.map((cell, i) => quantity(cell) / scale[i]!),
    lower: inside.map((cell, i) => (cell.lower ?? 0) / scale[i]!),
    integer: inside.map(isInteger),
    relations: all,
  };
}

/** One relation over the program's columns: Σ coef × column (sense) rhs, with the true values satisfying it. */
export interface ScaledRelation {
  readonly columns: readonly number[];
  readonly coefs: readonly number[];
  readonly sense: 'eq' | 'le';
  /** The right-hand side over all terms: for `eq` the true Σ, for `le` the bound. */
  readonly rhs: number;
}

/**
 * The relations over scaled columns, each row divided by its largest coefficient so that rows of totals and
 * rows of counts are of one size.
 */
export function scaledRelations(program: ProgramCells): ScaledRelation[] {
  return program.relations.map((relation) => {
    const columns: number[] = [];
    const raw: number[] = [];
    for (const term of relation.terms) {
      const col = program.index.get(term.ref);
      if (col === undefined) {
        throw new Error(`disclosure: a relation names "${term.ref}", which is not a count, total or share of a count`);
      }
      columns.push(col);
      raw.push(term.coef * program.scale[col]!);
    }
    const norm = Math.max(...raw.map(Math.abs), 1e-300);
    const coefs = raw.map((c) => c / norm);
    const truth = columns.reduce((s, col, k) => s + coefs[k]! * program.value[col]!, 0);
    const sense = relation.sense ?? 'eq';
    return { columns, coefs, sense, rhs: sense === 'eq' ? truth : (relation.bound ?? 0) / norm };
  });
}
