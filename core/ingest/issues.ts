/** Frictionless error names used in reports (https://specs.frictionlessdata.io/ "errors"). */
export type IssueType =
  | 'type-error'
  | 'constraint-error'
  | 'missing-cell'
  | 'extra-cell'
  | 'blank-row'
  | 'duplicate-row'
  | 'missing-label'
  | 'duplicate-label'
  | 'encoding-error'
  | 'quote-error'
  | 'unknown-value'
  | 'report-capped';

/** One problem with one cell or row: bad data is a result, not an exception (STYLE.md 7). */
export interface RowIssue {
  readonly type: IssueType;
  /** The row's number as the report gives it (header = 1, first data record = 2); null for a file-level issue. */
  readonly rowNumber: number | null;
  /** The canonical field name, when the issue is about one field. */
  readonly fieldName?: string;
  /** The raw cell text, when the issue is about one cell (capped: see capText). */
  readonly cell?: string;
  /** "ingest: column "employees" must be a whole number >= 0, got "-5" (row 17)" */
  readonly message: string;
}

/** How much of a cell a report quotes: the whole cell is in rejected.csv. */
export const QUOTED_CHARS = 200;

/** A cell's text as a report quotes it: at most QUOTED_CHARS characters, saying how many more there are. */
export function capText(text: string): string {
  return text.length <= QUOTED_CHARS
    ? text
    : `${text.slice(0, QUOTED_CHARS)}… (${text.length - QUOTED_CHARS} more characters)`;
}

/** A cell quoted for a message: JSON-quoted and capped. */
export function quoteCell(cell: string): string {
  return JSON.stringify(capText(cell));
}
