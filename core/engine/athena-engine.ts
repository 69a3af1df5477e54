import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  QueryExecutionState,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import type { CellValue, ParamValue, QueryEngine, QueryResult, ResultColumn } from './query-engine.ts';

/** Where Athena queries run. */
export interface AthenaEngineOptions {
  readonly workgroup: string;
  /** The Glue database holding `responses`. Default "survey_lake", the stack's. */
  readonly database?: string;
  readonly catalog?: string;
  /** Give up (and stop the query) after this long. Default 120 s. */
  readonly timeoutMs?: number;
  /** First poll delay; grows by half each poll up to maxPollMs. Default 200 ms. */
  readonly pollMs?: number;
  readonly maxPollMs?: number;
  /** Injected for tests; default setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** An Athena query that failed, was cancelled or timed out; the message carries Athena's own reason. */
export class AthenaQueryError extends Error {
  /** Creates the error with the query execution id. */
  constructor(
    message: string,
    readonly queryExecutionId?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'AthenaQueryError';
  }
}

/**
 * Athena's form of a positional parameter: ExecutionParameters are SQL literals, so a string is single-quoted
 * with its quotes doubled. Parameters are validated before they get here (survey ids, years).
 */
export function toExecutionParameter(value: ParamValue): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`athena: parameter must be a finite number, got ${value}`);
    return String(value);
  }
  return `'${value.replace(/'/g, "''")}'`;
}

/** Converts Athena's string cell to the JSON value the DuckDB engine returns for the same column. */
export function convertCell(raw: string | undefined, column: ResultColumn): CellValue {
  if (raw === undefined) return null;
  switch (column.type) {
    case 'string':
      return raw;
    case 'boolean':
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      throw new Error(`athena: column "${column.name}" expected a boolean, got "${raw}"`);
    case 'int':
    case 'double': {
      if (raw === 'NaN') return null;
      const value = Number(raw);
      if (raw.trim() === '' || Number.isNaN(value)) {
        throw new Error(`athena: column "${column.name}" expected a number, got "${raw}"`);
      }
      return value;
    }
  }
}

/** Runs saved queries on Amazon Athena: StartQueryExecution with ExecutionParameters, polling, paginated results. */
export class AthenaEngine implements QueryEngine {
  private readonly sleep: (ms: number) => Promise<void>;

  /** Wraps a client and the workgroup settings. */
  constructor(
    private readonly client: AthenaClient,
    private readonly options: AthenaEngineOptions,
  ) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Opens an engine with the default credential chain. */
  static create(options: AthenaEngineOptions): AthenaEngine {
    return new AthenaEngine(new AthenaClient({}), options);
  }

  async run(sql: string, params: readonly ParamValue[], columns: readonly ResultColumn[]): Promise<QueryResult> {
    const started = await this.client.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        WorkGroup: this.options.workgroup,
        QueryExecutionContext: { Database: this.options.database ?? 'survey_lake', Catalog: this.options.catalog },
        ExecutionParameters: params.length ? params.map(toExecutionParameter) : undefined,
      }),
    );
    const id = started.QueryExecutionId;
    if (!id) throw new AthenaQueryError('athena: StartQueryExecution returned no query execution id');
    await this.waitFor(id);
    return { columns, rows: await this.fetchRows(id, columns) };
  }

  /** Polls with backoff until the query succeeds; throws with Athena's reason when it fails or times out. */
  private async waitFor(id: string): Promise<void> {
    const timeout = this.options.timeoutMs ?? 120_000;
    let delay = this.options.pollMs ?? 200;
    let waited = 0;
    for (;;) {
      const { QueryExecution } = await this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const status = QueryExecution?.Status;
      switch (status?.State) {
        case QueryExecutionState.SUCCEEDED:
          return;
        case QueryExecutionState.FAILED:
        case QueryExecutionState.CANCELLED: {
          const reason = status.AthenaError?.ErrorMessage ?? status.StateChangeReason ?? 'no reason given';
          throw new AthenaQueryError(`athena: query ${id} ${status.State.toLowerCase()}: ${reason}`, id);
        }
      }
      if (waited >= timeout) {
        await this.client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })).catch(() => undefined);
        throw new AthenaQueryError(`athena: query ${id} did not finish within ${timeout / 1000} s; it was stopped`, id);
      }
      await this.sleep(delay);
      waited += delay;
      delay = Math.min(Math.round(delay * 1.5), this.options.maxPollMs ?? 2000);
    }
  }

  /** Reads every page of results, skipping the header row, converting cells by the saved query's column types. */
  private async fetchRows(id: string, columns: readonly ResultColumn[]): Promise<Record<string, CellValue>[]> {
    const rows: Record<string, CellValue>[] = [];
    let token: string | undefined;
    let first = true;
    do {
      const page: GetQueryResultsCommandOutput = await this.client.send(
        new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: 1000 }),
      );
      const data = page.ResultSet?.Rows ?? [];
      for (let i = first ? 1 : 0; i < data.length; i++) {
        const cells = data[i]?.Data ?? [];
        const row: Record<string, CellValue> = {};
        columns.forEach((column, index) => {
          row[column.name] = convertCell(cells[index]?.VarCharValue, column);
        });
        rows.push(row);
      }
      first = false;
      token = page.NextToken;
    } while (token);
    return rows;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
