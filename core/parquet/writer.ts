import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { gzip } from 'node:zlib';
import {
  type ColumnBuffer,
  type ColumnData,
  columnOfRows,
  createColumnBuffer,
  type EncodedChunk,
  type ParquetColumn,
  type ParquetValue,
} from './column.ts';
import {
  type ChunkMeta,
  Codec,
  dataPageHeader,
  dictionaryPageHeader,
  fileMetaData,
  type RowGroupMeta,
} from './format.ts';

/** Page compression: none, or GZIP (RFC 1952 framing, which is what Parquet's GZIP codec means). */
export type ParquetCompression = 'uncompressed' | 'gzip';

/** Options of {@link ParquetWriter}. */
export interface ParquetWriterOptions {
  /** Rows per row group (default 100 000); the writer's memory is bounded by one or two row groups. */
  readonly rowGroupSize?: number;
  /** A row group is also cut when its strings exceed this many bytes (default 64 MiB). */
  readonly rowGroupBytes?: number;
  /** The footer's created_by (default "survey parquet writer"). */
  readonly createdBy?: string;
  /** Page compression (default "uncompressed"). */
  readonly compression?: ParquetCompression;
  /** zlib level for GZIP pages (default 1: most of the size gain for a fraction of the time). */
  readonly gzipLevel?: number;
}

/** What a finished file holds. */
export interface ParquetWriteResult {
  readonly rows: number;
  readonly bytes: number;
  readonly rowGroups: number;
}

const MAGIC = Uint8Array.of(0x50, 0x41, 0x52, 0x31); // "PAR1"
/** Rows are taken from a batch in slices of this size, so a byte-limited row group is cut close to its limit. */
const SLICE = 1024;

function gzipAsync(body: Uint8Array, level: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    gzip(body, { level }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

/** One column chunk's pages ready to lay out: headers and (possibly compressed) bodies. */
interface ReadyChunk {
  readonly encoded: EncodedChunk;
  readonly dictionary?: Uint8Array;
  readonly data: Uint8Array;
}

/**
 * A streaming Parquet writer for flat tables: rows go in, row groups go to the sink as soon as they are full, and
 * the footer is written on close. Memory is bounded by the row group size, not by the file. Output: data page v1,
 * PLAIN and RLE_DICTIONARY encodings, RLE/bit-packed definition levels, Thrift compact footer with column
 * statistics — the subset every reader (DuckDB, Athena/Trino, Spark, Arrow, hyparquet) reads.
 */
export class ParquetWriter {
  private readonly buffers: ColumnBuffer[];
  private readonly capacity: number;
  private readonly rowGroupBytes: number;
  private readonly createdBy: string;
  private readonly codec: number;
  private readonly gzipLevel: number;
  private readonly rowGroupMetas: RowGroupMeta[] = [];
  private groupRows = 0;
  private totalRows = 0;
  private offset = 0;
  /** The previous row group, still compressing or being written: at most one is in flight. */
  private pending: Promise<void> = Promise.resolve();
  private closed = false;
  /** Set when a row was rejected or the sink failed: the buffered row group is then incomplete. */
  private failure: Error | undefined;

  /** Creates a writer for `columns`; every chunk of the file is passed to `sink` in order (awaited when async). */
  constructor(
    readonly columns: readonly ParquetColumn[],
    private readonly sink: (chunk: Uint8Array) => void | Promise<void>,
    options: ParquetWriterOptions = {},
  ) {
    const rowGroupSize = options.rowGroupSize ?? 100_000;
    if (!Number.isInteger(rowGroupSize) || rowGroupSize < 1) {
      throw new Error(`parquet: rowGroupSize must be a whole number >= 1, got ${rowGroupSize}`);
    }
    if (columns.length === 0) throw new Error('parquet: a file needs at least one column, got none');
    const names = new Set<string>();
    for (const c of columns) {
      if (names.has(c.name)) throw new Error(`parquet: column "${c.name}" is declared twice, expected unique names`);
      names.add(c.name);
    }
    this.capacity = rowGroupSize;
    this.rowGroupBytes = options.rowGroupBytes ?? 64 * 1024 * 1024;
    this.createdBy = options.createdBy ?? 'survey parquet writer';
    const compression = options.compression ?? 'uncompressed';
    if (compression !== 'uncompressed' && compression !== 'gzip') {
      throw new Error(`parquet: compression must be "uncompressed" or "gzip", got ${JSON.stringify(compression)}`);
    }
    this.codec = compression === 'gzip' ? Codec.GZIP : Codec.UNCOMPRESSED;
    this.gzipLevel = options.gzipLevel ?? 1;
    if (!Number.isInteger(this.gzipLevel) || this.gzipLevel < 0 || this.gzipLevel > 9) {
      throw new Error(`parquet: gzipLevel must be a whole number from 0 to 9, got ${this.gzipLevel}`);
    }
    this.buffers = columns.map((c) => createColumnBuffer(c, rowGroupSize));
  }

  /** Rows written so far, including the ones still buffered. */
  get rows(): number {
    return this.totalRows + this.groupRows;
  }

  /** Appends one row (values in column order). */
  appendRow(row: readonly ParquetValue[]): Promise<void> {
    return this.appendRows([row]);
  }

  /**
   * Appends rows (values in column order; undefined counts as null); flushes a row group to the sink when it is
   * full. Await each call before the next. A row that does not fit the schema rejects the call and the writer.
   */
  async appendRows(rows: readonly (readonly ParquetValue[])[]): Promise<void> {
    if (this.closed) throw new Error('parquet: appendRows called after close');
    this.assertUsable();
    try {
      await this.append(rows);
    } catch (error) {
      this.failure = error as Error;
      throw error;
    }
  }

  /**
   * Appends rows [start..end) given column by column in typed form (ColumnData, one per column, in column order):
   * the same file, byte for byte, as appendRows with the same values, without a JS value per cell. A range lets a
   * caller skip rows without copying the rest. Await each call.
   */
  async appendColumns(data: readonly ColumnData[], start: number, end: number): Promise<void> {
    if (this.closed) throw new Error('parquet: appendColumns called after close');
    this.assertUsable();
    try {
      const width = this.buffers.length;
      if (data.length !== width) {
        throw new Error(`parquet: appendColumns got ${data.length} columns, expected ${width} (one per column)`);
      }
      let i = start;
      while (i < end) {
        const to = Math.min(end, i + SLICE, i + this.capacity - this.groupRows);
        const rowBase = this.rows;
        for (let j = 0; j < width; j++)
          (this.buffers[j] as ColumnBuffer).appendData(data[j] as ColumnData, i, to, rowBase);
        this.groupRows += to - i;
        i = to;
        if (this.groupRows >= this.capacity || this.variableBytes() >= this.rowGroupBytes) await this.flushRowGroup();
      }
    } catch (error) {
      this.failure = error as Error;
      throw error;
    }
  }

  private assertUsable(): void {
    if (this.failure) {
      throw new Error(`parquet: the writer failed earlier (${this.failure.message}); start a new file`, {
        cause: this.failure,
      });
    }
  }

  private async append(rows: readonly (readonly ParquetValue[])[]): Promise<void> {
    const width = this.buffers.length;
    let i = 0;
    while (i < rows.length) {
      const end = Math.min(rows.length, i + SLICE, i + this.capacity - this.groupRows);
      for (let k = i; k < end; k++) {
        const len = (rows[k] as readonly ParquetValue[]).length;
        if (len !== width) {
          throw new Error(`parquet: row ${this.rows + k - i} has ${len} values, expected ${width} (one per column)`);
        }
      }
      const rowBase = this.rows;
      for (let j = 0; j < width; j++) {
        const buffer = this.buffers[j] as ColumnBuffer;
        buffer.appendData(columnOfRows(buffer.column, rows, j, i, end, rowBase), 0, end - i, rowBase);
      }
      this.groupRows += end - i;
      i = end;
      if (this.groupRows >= this.capacity || this.variableBytes() >= this.rowGroupBytes) await this.flushRowGroup();
    }
  }

  private variableBytes(): number {
    let total = 0;
    for (const b of this.buffers) total += b.variableBytes();
    return total;
  }

  /**
   * Encodes the buffered rows (synchronously, into fresh buffers, so the column buffers can take the next rows at
   * once), then compresses and writes them behind the previous row group. Only the previous group is awaited:
   * with GZIP the compression of one group runs on libuv's thread pool while the next group is being filled.
   */
  private async flushRowGroup(): Promise<void> {
    const numRows = this.groupRows;
    if (numRows === 0) return;
    const encoded = this.buffers.map((b) => b.encodeAndReset());
    this.totalRows += numRows;
    this.groupRows = 0;
    const previous = this.pending;
    const ready = this.compress(encoded);
    this.pending = (async () => {
      const chunks = await ready;
      await previous;
      await this.writeRowGroup(numRows, chunks);
    })();
    // A failure surfaces at the next await of `pending`; until then it must not count as unhandled.
    this.pending.catch(() => undefined);
    await previous;
  }

  private async compress(encoded: EncodedChunk[]): Promise<ReadyChunk[]> {
    if (this.codec === Codec.UNCOMPRESSED) {
      return encoded.map((e) =>
        e.dictionary ? { encoded: e, dictionary: e.dictionary.body, data: e.data } : { encoded: e, data: e.data },
      );
    }
    const level = this.gzipLevel;
    return Promise.all(
      encoded.map(async (e) => {
        const [dictionary, data] = await Promise.all([
          e.dictionary ? gzipAsync(e.dictionary.body, level) : undefined,
          gzipAsync(e.data, level),
        ]);
        return dictionary ? { encoded: e, dictionary, data } : { encoded: e, data };
      }),
    );
  }

  private async writeRowGroup(numRows: number, chunks: ReadyChunk[]): Promise<void> {
    const parts: Uint8Array[] = [];
    if (this.offset === 0) parts.push(MAGIC);
    let at = this.offset === 0 ? MAGIC.length : this.offset;
    const fileOffset = at;
    const metas: ChunkMeta[] = [];
    let totalByteSize = 0;
    chunks.forEach((chunk, j) => {
      const e = chunk.encoded;
      const buffer = this.buffers[j] as ColumnBuffer;
      let dictionaryPageOffset: number | undefined;
      let uncompressed = 0;
      let compressed = 0;
      if (e.dictionary && chunk.dictionary) {
        const header = dictionaryPageHeader(e.dictionary.body.length, chunk.dictionary.length, e.dictionary.numValues);
        dictionaryPageOffset = at;
        parts.push(header, chunk.dictionary);
        at += header.length + chunk.dictionary.length;
        uncompressed += header.length + e.dictionary.body.length;
        compressed += header.length + chunk.dictionary.length;
      }
      const header = dataPageHeader(e.data.length, chunk.data.length, e.numValues, e.dataEncoding);
      const dataPageOffset = at;
      parts.push(header, chunk.data);
      at += header.length + chunk.data.length;
      uncompressed += header.length + e.data.length;
      compressed += header.length + chunk.data.length;
      totalByteSize += uncompressed;
      const meta: ChunkMeta = {
        leaf: buffer.leaf,
        codec: this.codec,
        numValues: e.numValues,
        uncompressedSize: uncompressed,
        compressedSize: compressed,
        dataPageOffset,
        dataEncoding: e.dataEncoding,
        statistics: e.statistics,
      };
      metas.push(dictionaryPageOffset === undefined ? meta : { ...meta, dictionaryPageOffset });
    });
    this.rowGroupMetas.push({
      numRows,
      fileOffset,
      totalByteSize,
      totalCompressedSize: at - fileOffset,
      columns: metas,
    });
    // Page by page: a row group is tens of MB, and one concatenated copy of it would double the peak.
    for (const part of parts) await this.emit(part);
  }

  private async emit(chunk: Uint8Array): Promise<void> {
    this.offset += chunk.length;
    await this.sink(chunk);
  }

  /** Writes the last row group and the footer; returns the row count and the file size. */
  async close(): Promise<ParquetWriteResult> {
    if (this.closed) throw new Error('parquet: close called twice');
    this.assertUsable();
    this.closed = true;
    await this.flushRowGroup();
    await this.pending;
    const footer = fileMetaData(
      this.buffers.map((b) => b.leaf),
      this.rowGroupMetas,
      this.totalRows,
      this.createdBy,
    );
    const parts: Uint8Array[] = this.offset === 0 ? [MAGIC] : [];
    const tail = new Uint8Array(4);
    new DataView(tail.buffer).setUint32(0, footer.length, true);
    parts.push(footer, tail, MAGIC);
    await this.emit(
      concat(
        parts,
        parts.reduce((n, p) => n + p.length, 0),
      ),
    );
    return { rows: this.totalRows, bytes: this.offset, rowGroups: this.rowGroupMetas.length };
  }
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

/**
 * A sink that writes into a Node stream and waits for 'drain' when the stream is full, so a slow consumer (an S3
 * upload reading a PassThrough) holds the writer back instead of letting row groups pile up in memory. Start the
 * consumer before writing rows, or the first full buffer waits forever.
 */
export function writableSink(stream: Writable): (chunk: Uint8Array) => Promise<void> {
  return (chunk) =>
    new Promise<void>((resolve, reject) => {
      if (stream.destroyed) {
        reject(new Error('parquet: the output stream was destroyed before the file was complete'));
        return;
      }
      if (stream.write(chunk)) {
        resolve();
        return;
      }
      const onDrain = (): void => {
        stream.off('error', onError);
        resolve();
      };
      const onError = (error: Error): void => {
        stream.off('drain', onDrain);
        reject(error);
      };
      stream.once('drain', onDrain);
      stream.once('error', onError);
    });
}

/** Rows per appendRows call when rows come from an iterable. */
const BATCH = 4096;

/** Writes rows to a Parquet file at `path` (created or replaced); for tests, fixtures and scripts. */
export async function writeParquetFile(
  path: string,
  columns: readonly ParquetColumn[],
  rows: Iterable<readonly ParquetValue[]> | AsyncIterable<readonly ParquetValue[]>,
  options: ParquetWriterOptions = {},
): Promise<ParquetWriteResult> {
  const file = await open(path, 'w');
  try {
    const writer = new ParquetWriter(
      columns,
      async (chunk) => {
        await file.write(chunk);
      },
      options,
    );
    let batch: (readonly ParquetValue[])[] = [];
    for await (const row of rows) {
      batch.push(row);
      if (batch.length === BATCH) {
        await writer.appendRows(batch);
        batch = [];
      }
    }
    await writer.appendRows(batch);
    return await writer.close();
  } finally {
    await file.close();
  }
}
