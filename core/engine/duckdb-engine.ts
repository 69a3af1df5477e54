import { type DuckDBConnection, DuckDBInstance, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { type ParquetType, parquetColumns, weightsParquetColumns } from '../../schemas/index.ts';
import { listWavePointers, type WavePointer } from '../lake.ts';
import type { Storage } from '../storage/storage.ts';
import type { CellValue, ParamValue, QueryEngine, QueryResult, ResultColumn } from './query-engine.ts';

const DUCKDB_TYPES: Readonly<Record<ParquetType, string>> = {
  string: 'varchar',
  int32: 'integer',
  double: 'double',
  boolean: 'boolean',
  timestamp_millis: 'timestamp',
};

/**
 * The canonical record's stored columns (from schemas/, in order, without the partition columns) with the
 * DuckDB type the view exposes. Every file column is cast to it, so a Parquet writer's choice of physical
 * type (INT32 or INT64, timestamp millis or micros) never changes what a query sees.
 */
const STORED_COLUMNS: readonly (readonly [string, string])[] = parquetColumns().map((column) => [
  column.name,
  DUCKDB_TYPES[column.type],
]);

/** One committed wave as the engine sees it. */
export interface WaveInfo {
  readonly survey: string;
  readonly wave: number;
  readonly rows: number;
  /** The fingerprint of the org_id key the wave was ingested under. */
  readonly keyId?: string;
  /** The committed version the engine reads (the pointer's), so that a release can name it. */
  readonly version: string;
}

/**
 * An in-memory DuckDB that never installs or loads an extension by itself (offline: nothing downloads at run time)
 * and need not keep scan order (every saved query orders its rows explicitly; faster windows).
 */
export function memoryDuckDb(): Promise<DuckDBInstance> {
  return DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    preserve_insertion_order: 'false',
  });
}

/**
 * A SQL string literal. The only text the DuckDB adapters ever write into SQL is paths and pointer values; the
 * ingest's and the weights' Parquet writers use this one too.
 */
export function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The SELECT of one committed wave: its listed files only, partition columns from the pointer. */
function waveSelect(pointer: WavePointer, paths: readonly string[]): string {
  if (!Number.isInteger(pointer.wave)) {
    throw new Error(`duckdb engine: wave pointer of "${pointer.survey}" has wave ${pointer.wave}, expected a year`);
  }
  const columns = STORED_COLUMNS.map(([name, type]) => `cast(${name} as ${type}) as ${name}`);
  // union_by_name: a column missing from a file reads as null instead of shifting the others.
  return `select cast(${literal(pointer.survey)} as varchar) as survey, cast(${pointer.wave} as integer) as wave, ${columns.join(', ')} from read_parquet([${paths.map(literal).join(', ')}], union_by_name = true)`;
}

/** The stored columns of the `weights` table (schemas/weights.ts) with the DuckDB type the view exposes. */
const WEIGHT_COLUMNS: readonly (readonly [string, string])[] = weightsParquetColumns().map((column) => [
  column.name,
  DUCKDB_TYPES[column.type],
]);

/** The key of a wave's weights file: one object, replaced whole by survey weight. */
const WEIGHTS_KEY = /^weights\/survey=([^/]+)\/wave=(\d{4})\/weights\.parquet$/;

/** The SELECT of one wave's weights file, partition columns from its key. */
function weightsSelect(survey: string, wave: number, path: string): string {
  const columns = WEIGHT_COLUMNS.map(([name, type]) => `cast(${name} as ${type}) as ${name}`);
  return `select cast(${literal(survey)} as varchar) as survey, cast(${wave} as integer) as wave, ${columns.join(', ')} from read_parquet(${literal(path)})`;
}

/** The `weights` view of a lake with no weights: the columns and no rows. */
function emptyWeightsSelect(): string {
  const columns = WEIGHT_COLUMNS.map(([name, type]) => `cast(null as ${type}) as ${name}`);
  return `select cast(null as varchar) as survey, cast(null as integer) as wave, ${columns.join(', ')} where false`;
}

/** The `responses` view of a lake with no committed wave: the canonical columns and no rows. */
function emptySelect(): string {
  const columns = STORED_COLUMNS.map(([name, type]) => `cast(null as ${type}) as ${name}`);
  return `select cast(null as varchar) as survey, cast(null as integer) as wave, ${columns.join(', ')} where false`;
}

/** Turns one DuckDB value into the JSON-ready value of a result column, or throws on a type mismatch. */
function toCell(value: unknown, column: ResultColumn): CellValue {
  if (value === null || value === undefined) return null;
  let cell: unknown = value;
  if (typeof cell === 'bigint') {
    if (cell > BigInt(Number.MAX_SAFE_INTEGER) || cell < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new Error(`duckdb engine: column "${column.name}" holds ${cell}, beyond the exact range of a JSON number`);
    }
    cell = Number(cell);
  }
  switch (column.type) {
    case 'string':
      if (typeof cell === 'string') return cell;
      break;
    case 'boolean':
      if (typeof cell === 'boolean') return cell;
      break;
    case 'int':
      if (typeof cell === 'number' && Number.isInteger(cell)) return cell;
      break;
    case 'double':
      // JSON has no NaN or Infinity; a statistic that is not a number is not known.
      if (typeof cell === 'number') return Number.isFinite(cell) ? cell : null;
      break;
  }
  throw new Error(
    `duckdb engine: column "${column.name}" should be ${column.type}, got ${typeof cell} ${JSON.stringify(String(cell))}`,
  );
}

/** Binds positional values with explicit types: whole numbers as INTEGER, others as DOUBLE, text as VARCHAR. */
function bindAll(statement: DuckDBPreparedStatement, params: readonly ParamValue[]): void {
  if (statement.parameterCount !== params.length) {
    throw new Error(
      `duckdb engine: the statement has ${statement.parameterCount} parameter(s), got ${params.length} value(s)`,
    );
  }
  params.forEach((value, index) => {
    const position = index + 1;
    if (typeof value === 'string') statement.bindVarchar(position, value);
    else if (Number.isSafeInteger(value) && Math.abs(value) <= 2_147_483_647) statement.bindInteger(position, value);
    else statement.bindDouble(position, value);
  });
}

/**
 * The embedded engine: an in-memory DuckDB over the lake's Parquet, read in place. The view `responses`
 * lists exactly the files of the waves committed when the engine opened (never a directory glob), so a
 * re-ingest in progress is never seen half-done; the view `weights` lists each wave's calibration weights. No extension is installed or loaded (parquet is built in),
 * and once the view exists DuckDB may read only those files and write nothing.
 */
export class DuckDbEngine implements QueryEngine {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly waves: readonly WaveInfo[],
  ) {}

  /** Opens a local lake read-only: reads the wave pointers once and registers the `responses` view. */
  static async open(storage: Storage): Promise<DuckDbEngine> {
    const pointers = await listWavePointers(storage);
    const selects: string[] = [];
    const allowed: string[] = [];
    for (const pointer of pointers) {
      if (pointer.files.length === 0) continue;
      const paths = pointer.files.map((key) => {
        const path = storage.localPath(key);
        if (path === undefined) {
          throw new Error(
            `duckdb engine: the lake ${storage.location} is not a local directory; use a local lake or the Athena engine`,
          );
        }
        return path;
      });
      allowed.push(...paths);
      selects.push(waveSelect(pointer, paths));
    }
    // The calibration weights of each wave (survey weight): one file per wave, read as Athena reads its table.
    const weights: string[] = [];
    for (const key of await storage.list('weights/')) {
      const match = WEIGHTS_KEY.exec(key);
      const path = match ? storage.localPath(key) : undefined;
      if (!match || path === undefined) continue;
      allowed.push(path);
      weights.push(weightsSelect(match[1]!, Number(match[2]), path));
    }
    const instance = await memoryDuckDb();
    const connection = await instance.connect();
    try {
      const body = selects.length === 0 ? emptySelect() : selects.join('\nunion all\n');
      await connection.run(`create view responses as ${body}`);
      await connection.run(
        `create view weights as ${weights.length === 0 ? emptyWeightsSelect() : weights.join('\nunion all\n')}`,
      );
      // From here on DuckDB can touch nothing but the committed files, and cannot be reconfigured by a query.
      await connection.run(`set allowed_paths = [${allowed.map(literal).join(', ')}]`);
      await connection.run('set enable_external_access = false');
      await connection.run('set lock_configuration = true');
    } catch (error) {
      connection.closeSync();
      instance.closeSync();
      throw new Error(`duckdb engine: cannot open the lake ${storage.location}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const waves = pointers.map(({ survey, wave, rows, keyId, version }) => ({
      survey,
      wave,
      rows,
      version,
      ...(keyId ? { keyId } : {}),
    }));
    return new DuckDbEngine(instance, connection, waves);
  }

  /** The waves committed when the engine opened, sorted by survey then wave. */
  listWaves(): Promise<WaveInfo[]> {
    return Promise.resolve(this.waves.map((wave) => ({ ...wave })));
  }

  /** Runs one statement with positional `?` parameters; checks the result's column names and types. */
  async run(sql: string, params: readonly ParamValue[], columns: readonly ResultColumn[]): Promise<QueryResult> {
    let statement: DuckDBPreparedStatement;
    try {
      statement = await this.connection.prepare(sql);
    } catch (error) {
      throw new Error(`duckdb engine: cannot prepare the query: ${firstLine(error)}`, { cause: error });
    }
    try {
      bindAll(statement, params);
      const reader = await statement.runAndReadAll();
      const names = reader.columnNames();
      const expected = columns.map((column) => column.name);
      if (names.join(',') !== expected.join(',')) {
        throw new Error(
          `duckdb engine: the query returned columns ${names.join(', ')}, expected ${expected.join(', ')}`,
        );
      }
      const rows = reader.getRowsJS().map((values) => {
        const row: Record<string, CellValue> = {};
        columns.forEach((column, index) => {
          row[column.name] = toCell(values[index], column);
        });
        return row;
      });
      return { columns: columns.map((column) => ({ name: column.name, type: column.type })), rows };
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('duckdb engine:')) throw error;
      throw new Error(`duckdb engine: the query failed: ${firstLine(error)}`, { cause: error });
    } finally {
      statement.destroySync();
    }
  }

  /** Closes the connection and the in-memory database. */
  close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
    return Promise.resolve();
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
