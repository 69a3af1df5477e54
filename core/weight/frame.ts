// Population frames (DESIGN.md "Sector-wide estimates"): a CSV of organisations per calibration cell,
// `region,legal_form,size_band,organisations`, checked against the survey's code lists.
import Papa from 'papaparse';
import {
  FRAME_COLUMNS,
  type FrameCell,
  LEGAL_FORMS,
  SIZE_BANDS,
  type SizeBand,
  type SurveyDefinition,
} from '../../schemas/index.ts';

/** A frame that cannot be used, or a wave the frame cannot reach: one line, what and what was expected. */
export class WeightError extends Error {
  /** Creates a one-line weighting error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WeightError';
  }
}

/** The three margins a wave is raked to, in the order raking visits them. */
export const MARGINS = ['region', 'legal_form', 'size_band'] as const;
/** One margin of a frame. */
export type Margin = (typeof MARGINS)[number];

/** A parsed frame: its cells and, per margin, the organisations of each category. */
export interface Frame {
  readonly cells: readonly FrameCell[];
  /** Organisations in the population: the sum of the cells. */
  readonly organisations: number;
  /** Per margin, the categories in code-list order and their organisations (categories of no cell left out). */
  readonly margins: Readonly<Record<Margin, ReadonlyMap<string, number>>>;
}

/** The codes a margin accepts for a survey, in code-list order. */
export function marginCodes(survey: SurveyDefinition, margin: Margin): readonly string[] {
  switch (margin) {
    case 'region':
      return survey.regions.map((entry) => entry.code);
    case 'legal_form':
      return LEGAL_FORMS.map((entry) => entry.code);
    case 'size_band':
      return SIZE_BANDS;
  }
}

/** Builds a frame from cells already checked; margins list categories in code-list order. */
export function frameOf(survey: SurveyDefinition, cells: readonly FrameCell[]): Frame {
  const margins = {} as Record<Margin, Map<string, number>>;
  for (const margin of MARGINS) {
    const totals = new Map<string, number>();
    for (const code of marginCodes(survey, margin)) {
      let sum = 0;
      let seen = false;
      for (const cell of cells) {
        if (cell[margin] !== code) continue;
        sum += cell.organisations;
        seen = true;
      }
      if (seen) totals.set(code, sum);
    }
    margins[margin] = totals;
  }
  return { cells, organisations: cells.reduce((sum, cell) => sum + cell.organisations, 0), margins };
}

/** A list of codes for a message: all of them when few, else the first ones and how many more. */
function listed(codes: readonly string[]): string {
  return codes.length <= 20 ? codes.join(', ') : `${codes.slice(0, 20).join(', ')}, ... (${codes.length} in all)`;
}

/**
 * Parses a frame CSV for a survey: a header with exactly the columns region, legal_form, size_band and
 * organisations (in any order), then one row per cell with the survey's codes and a whole number of
 * organisations. Throws a one-line WeightError naming the row (the header is row 1) and what was expected.
 */
export function parseFrame(text: string, survey: SurveyDefinition, name = 'frame'): Frame {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: 'greedy' });
  const rows = parsed.data;
  const fail = (what: string): never => {
    throw new WeightError(`weight: ${name}: ${what}`);
  };
  if (parsed.errors.length > 0) {
    const error = parsed.errors[0]!;
    fail(`row ${(error.row ?? 0) + 1}: ${error.message}`);
  }
  const header = (rows[0] ?? []).map((cell) => cell.trim());
  const expected = FRAME_COLUMNS.join(',');
  const missing = FRAME_COLUMNS.filter((column) => !header.includes(column));
  const unknown = header.filter((column) => !(FRAME_COLUMNS as readonly string[]).includes(column));
  if (missing.length > 0 || unknown.length > 0 || header.length !== FRAME_COLUMNS.length) {
    fail(`the header must be ${expected}, got ${JSON.stringify(header.join(','))}`);
  }
  const at = Object.fromEntries(FRAME_COLUMNS.map((column) => [column, header.indexOf(column)])) as Record<
    (typeof FRAME_COLUMNS)[number],
    number
  >;
  const seen = new Map<string, number>();
  const cells: FrameCell[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!;
    const rowNumber = r + 1;
    if (row.length !== FRAME_COLUMNS.length) {
      fail(`row ${rowNumber} has ${row.length} cells, expected ${FRAME_COLUMNS.length}`);
    }
    const value = (column: (typeof FRAME_COLUMNS)[number]) => (row[at[column]] ?? '').trim();
    for (const margin of MARGINS) {
      const codes = marginCodes(survey, margin);
      if (!codes.includes(value(margin))) {
        fail(
          `row ${rowNumber}: unknown ${margin} ${JSON.stringify(value(margin))} for survey ${survey.id}; expected one of ${listed(codes)}`,
        );
      }
    }
    const count = value('organisations');
    if (!/^\d+$/.test(count) || !Number.isSafeInteger(Number(count))) {
      fail(`row ${rowNumber}: organisations must be a whole number >= 0, got ${JSON.stringify(count)}`);
    }
    const cell: FrameCell = {
      region: value('region'),
      legal_form: value('legal_form'),
      size_band: value('size_band') as SizeBand,
      organisations: Number(count),
    };
    const key = `${cell.region},${cell.legal_form},${cell.size_band}`;
    const before = seen.get(key);
    if (before !== undefined) fail(`row ${rowNumber} repeats the cell ${key} of row ${before}`);
    seen.set(key, rowNumber);
    cells.push(cell);
  }
  const frame = frameOf(survey, cells);
  if (frame.organisations === 0) fail(`no organisations: the frame needs at least one cell with organisations > 0`);
  return frame;
}

/** A frame as CSV text: the header `region,legal_form,size_band,organisations` and one line per cell. */
export function frameCsv(cells: readonly FrameCell[]): string {
  const lines: string[] = [FRAME_COLUMNS.join(',')];
  for (const cell of cells) lines.push(`${cell.region},${cell.legal_form},${cell.size_band},${cell.organisations}`);
  return `${lines.join('\n')}\n`;
}
