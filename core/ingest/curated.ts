// The second half of an ingest: the valid rows wait in a temporary CSV (typed values) and a file of their
// original texts; DuckDB then applies the duplicate rule and writes the curated Parquet (ZSTD), spilling to
// disk rather than growing with the file. Only the rows that lose a duplicate come back to JavaScript.
import { closeSync, createWriteStream, openSync, readSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { type CanonicalRecord, type ParquetColumn, parquetColumns } from '../../schemas/index.ts';
import { literal } from '../engine/duckdb-engine.ts';
import { closed, drained, guarded } from './streams.ts';

/** The curated table's stored columns, in Parquet order (partitions live in the path). */
const COLUMNS = parquetColumns();

/** DuckDB's type for each Parquet type: timestamps stay milliseconds, as the Glue table declares. */
const DUCKDB_TYPE: Record<ParquetColumn['type'], string> = {
  string: 'varchar',
  int32: 'integer',
  double: 'double',
  boolean: 'boolean',
  timestamp_millis: 'bigint',
};

/** How much memory DuckDB may use before it spills to the temporary directory. */
const DUCKDB_MEMORY = '64MB';
/** Rows per Parquet row group: the writer holds one in memory, so this bounds what the COPY needs. */
const ROW_GROUP_ROWS = 32_768;

/** How valid.csv writes null: DuckDB reads it back as NULL (a quoted "\\N" stays text). */
const NULL = '\\N';

/** One CSV field of a value, quoted only when it must be. */
function field(value: unknown): string {
  if (value === null || value === undefined) return NULL;
  if (typeof value !== 'string') return Object.is(value, -0) ? '-0' : String(value);
  return value === NULL || /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A row that lost to a later submission of its organisation. */
export interface Loser {
  readonly rowNumber: number;
  readonly orgId: string;
  /** The row kept instead. */
  readonly keptRow: number;
  /** Its original text. */
  readonly text: string;
}

/** Valid rows on their way to DuckDB: typed values in valid.csv, original texts in texts.txt. */
export class ValidRows {
  private readonly values: WriteStream;
  private readonly texts: WriteStream;
  private textBytes = 0;
  private buffered: string[] = [];
  private bufferedTexts: string[] = [];
  /** How many rows were added. */
  count = 0;

  /** Opens the two files in `dir`. */
  constructor(private readonly dir: string) {
    this.values = guarded(createWriteStream(join(dir, 'valid.csv')));
    this.texts = guarded(createWriteStream(join(dir, 'texts.txt')));
  }

  /** Adds one valid row and the text it was read from; returns a promise to wait for when the files are busy. */
  add(record: CanonicalRecord, text: string): Promise<void> | undefined {
    const bytes = Buffer.byteLength(text);
    let line = '';
    for (const column of COLUMNS) line += `${field(record[column.name as keyof CanonicalRecord])},`;
    this.buffered.push(`${line}${this.textBytes},${bytes}`);
    this.bufferedTexts.push(text);
    this.textBytes += bytes;
    this.count++;
    return this.buffered.length >= 500 ? this.flush() : undefined;
  }

  private async flush(): Promise<void> {
    const values = this.values.write(`${this.buffered.join('\n')}\n`);
    const texts = this.texts.write(this.bufferedTexts.join(''));
    this.buffered = [];
    this.bufferedTexts = [];
    // Both waits are set up at once: a stream that drains while the other is awaited must not be missed.
    await Promise.all([values || drained(this.values), texts || drained(this.texts)]);
  }

  /** Writes what is buffered and closes both files. */
  async close(): Promise<void> {
    if (this.buffered.length > 0) await this.flush();
    await Promise.all([closed(this.values), closed(this.texts)]);
  }

  /** Closes both files without waiting (after a failure). */
  destroy(): void {
    this.values.destroy();
    this.texts.destroy();
  }

  /**
   * Applies the duplicate rule (the latest submitted_at wins, a missing one being the oldest; on a tie, the later
   * row) and writes the kept rows, in file order, to `parquetPath`. Calls `onLoser` for each losing row in row
   * order; returns how many rows were kept.
   */
  async writeParquet(parquetPath: string, onLoser: (loser: Loser) => Promise<void>): Promise<number> {
    const instance = await DuckDBInstance.create(join(this.dir, 'work.duckdb'), {
      memory_limit: DUCKDB_MEMORY,
      temp_directory: join(this.dir, 'spill'),
      // One thread reads valid.csv in order and keeps it: the Parquet is in file order without a sort.
      threads: '1',
    });
    const connection = await instance.connect();
    const texts = openSync(join(this.dir, 'texts.txt'), 'r');
    try {
      const columns = [
        ...COLUMNS.map((c) => `'${c.name}': '${DUCKDB_TYPE[c.type]}'`),
        `'_text_at': 'bigint'`,
        `'_text_bytes': 'bigint'`,
      ];
      const valid = `read_csv(${literal(join(this.dir, 'valid.csv'))}, columns = {${columns.join(', ')}}, header = false,
        auto_detect = false, delim = ',', quote = '"', escape = '"', new_line = '\\n', nullstr = '${NULL}',
        allow_quoted_nulls = false, max_line_size = 262144, buffer_size = 2097152)`;
      const stored = COLUMNS.map((c) =>
        c.type === 'timestamp_millis' ? `cast(epoch_ms(${c.name}) as timestamp_ms) as ${c.name}` : c.name,
      );
      // The rule needs four narrow columns; the kept rows are then copied from the file, less the losers.
      await connection.run(
        `create table losers as
         select source_row, org_id, kept_row, _text_at, _text_bytes from (
           select source_row, org_id, _text_at, _text_bytes,
             row_number() over latest as rank,
             first_value(source_row) over latest as kept_row
           from ${valid}
           window latest as (partition by org_id order by submitted_at desc nulls last, source_row desc))
         where rank > 1`,
      );
      const losers = await connection.stream('select * from losers order by source_row');
      for await (const rows of losers.yieldRowsJs()) {
        for (const [rowNumber, orgId, keptRow, at, length] of rows) {
          const bytes = Buffer.alloc(Number(length));
          readSync(texts, bytes, 0, bytes.length, Number(at));
          await onLoser({
            rowNumber: Number(rowNumber),
            orgId: String(orgId),
            keptRow: Number(keptRow),
            text: bytes.toString('utf8'),
          });
        }
      }
      const kept = await connection.runAndReadAll(
        `copy (select ${stored.join(', ')} from ${valid} where source_row not in (select source_row from losers))
         to ${literal(parquetPath)} (format parquet, compression zstd, row_group_size ${ROW_GROUP_ROWS})`,
      );
      return Number(kept.getRows()[0]?.[0] ?? 0);
    } finally {
      closeSync(texts);
      connection.closeSync();
      instance.closeSync();
    }
  }
}
