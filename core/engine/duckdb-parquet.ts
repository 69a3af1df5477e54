// Writes Parquet with DuckDB's own writer (COPY ... (FORMAT parquet, COMPRESSION zstd)): small tables are
// appended from memory in column chunks and a SELECT over them is copied to the file. The one other file
// that imports DuckDB, beside the engine (STYLE.md 3).
import { DOUBLE, DuckDBDataChunk, type DuckDBType, INTEGER, VARCHAR } from '@duckdb/node-api';
import { literal, memoryDuckDb } from './duckdb-engine.ts';

/** One column of a table to load. */
export interface TableColumn {
  readonly name: string;
  readonly type: 'varchar' | 'integer' | 'double';
  readonly values: ArrayLike<string | number>;
}

const TYPES: Readonly<Record<TableColumn['type'], DuckDBType>> = { varchar: VARCHAR, integer: INTEGER, double: DOUBLE };

/** DuckDB's vector size: a chunk appended at once. */
const CHUNK = 2048;

function identifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`duckdb parquet: "${name}" is not a plain identifier`);
  return name;
}

/**
 * Loads `tables` (name → columns of equal length) into an in-memory DuckDB, then writes the result of
 * `select` (a query over those tables, written by the caller) to `path` as zstd-compressed Parquet.
 */
export async function copyToParquet(
  tables: Readonly<Record<string, readonly TableColumn[]>>,
  select: string,
  path: string,
): Promise<void> {
  const instance = await memoryDuckDb();
  const connection = await instance.connect();
  try {
    for (const [name, columns] of Object.entries(tables)) {
      const length = columns[0]?.values.length ?? 0;
      if (columns.some((column) => column.values.length !== length)) {
        throw new Error(`duckdb parquet: the columns of table ${name} differ in length`);
      }
      const definition = columns.map((column) => `${identifier(column.name)} ${column.type}`).join(', ');
      await connection.run(`create table ${identifier(name)} (${definition})`);
      const appender = await connection.createAppender(name);
      const types = columns.map((column) => TYPES[column.type]);
      for (let at = 0; at < length; at += CHUNK) {
        const size = Math.min(CHUNK, length - at);
        const chunk = DuckDBDataChunk.create(types, size);
        chunk.setColumns(columns.map((column) => Array.from({ length: size }, (_, i) => column.values[at + i]!)));
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
      appender.closeSync();
    }
    await connection.run(`copy (${select}) to ${literal(path)} (format parquet, compression zstd)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
