/** A value of a query result, as JSON carries it: numbers as numbers, nulls as null. */
export type CellValue = string | number | boolean | null;

/** One column of a result: its name and its logical type. */
export interface ResultColumn {
  readonly name: string;
  readonly type: 'string' | 'int' | 'double' | 'boolean';
}

/** The result of a saved query: columns in the saved query's order, rows keyed by column name. */
export interface QueryResult {
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly Record<string, CellValue>[];
}

/** A typed, already-validated parameter value, bound positionally to the `?` marks of the SQL. */
export type ParamValue = string | number;

/**
 * Runs SQL over the curated table `responses`. Implementations: DuckDB (embedded, over the lake's Parquet)
 * and Athena (workgroup, ExecutionParameters). Callers pass saved-query SQL and positional parameters;
 * nothing is ever pasted into the SQL text.
 */
export interface QueryEngine {
  /** Runs one statement with positional `?` parameters and returns typed columns and rows. */
  run(sql: string, params: readonly ParamValue[], columns: readonly ResultColumn[]): Promise<QueryResult>;
  /** Releases connections and files. */
  close(): Promise<void>;
}
