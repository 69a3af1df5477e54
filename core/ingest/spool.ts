// The spool between the ingest's two passes. The duplicate rule can reject a row only once a later row of its
// organisation has been read, so valid rows wait on disk until the end of the file. They wait in the Parquet
// writer's own typed form: blocks of rows, column by column (validity bytes, Int32/Float64 values, booleans as
// bytes, strings as UTF-8 with offsets), so pass one writes no text per row and pass two hands typed arrays to
// ParquetWriter.appendColumns without making a JS value per cell. Each row's raw cells ride along in the same
// block (UTF-8, cells separated by U+001F), because a row that later loses to a newer submission of its
// organisation goes to rejected.csv with its original cells; they are decoded only for those rows.
import { type FileHandle, open } from 'node:fs/promises';
import { type ColumnData, columnDataKind, type ParquetColumn, writeUtf8 } from '../parquet/index.ts';

/** Rows per block: large enough that per-block costs vanish, small enough (about 1 MB) to stay in cache. */
const DEFAULT_BLOCK_ROWS = 4096;
const HEADER_BYTES = 8;
const utf8 = new TextEncoder();

/** Rounds up to a multiple of 8, so every section of a block starts where a Float64Array view may start. */
function pad8(n: number): number {
  return (n + 7) & ~7;
}

/** One column of the block being filled. */
class ColumnBuilder {
  readonly kind: ColumnData['kind'];
  readonly valid: Uint8Array;
  private readonly ints: Int32Array;
  private readonly doubles: Float64Array;
  private readonly bools: Uint8Array;
  private readonly offsets: Uint32Array;
  private bytes: Uint8Array;

  constructor(
    readonly column: ParquetColumn,
    capacity: number,
  ) {
    this.kind = columnDataKind(column.type);
    this.valid = new Uint8Array(capacity);
    this.ints = new Int32Array(this.kind === 'int32' ? capacity : 0);
    this.doubles = new Float64Array(this.kind === 'float64' ? capacity : 0);
    this.bools = new Uint8Array(this.kind === 'boolean' ? capacity : 0);
    this.offsets = new Uint32Array(this.kind === 'utf8' ? capacity + 1 : 0);
    this.bytes = new Uint8Array(this.kind === 'utf8' ? capacity * 16 : 0);
  }

  /** Puts row `r`'s value; a value of the wrong type is a bug upstream (records are validated first). */
  put(r: number, v: unknown): void {
    if (v === null || v === undefined) {
      this.valid[r] = 0;
      if (this.kind === 'utf8') this.offsets[r + 1] = this.offsets[r] as number;
      return;
    }
    this.valid[r] = 1;
    switch (this.kind) {
      case 'int32':
        if (typeof v !== 'number') throw this.typeError(v);
        this.ints[r] = v;
        return;
      case 'float64':
        if (typeof v !== 'number') throw this.typeError(v);
        this.doubles[r] = v;
        return;
      case 'boolean':
        if (typeof v !== 'boolean') throw this.typeError(v);
        this.bools[r] = v ? 1 : 0;
        return;
      default: {
        if (typeof v !== 'string') throw this.typeError(v);
        const at = this.offsets[r] as number;
        if (at + v.length * 3 > this.bytes.length) this.grow(at + v.length * 3);
        this.offsets[r + 1] = writeUtf8(v, this.bytes, at);
      }
    }
  }

  private typeError(v: unknown): Error {
    return new Error(
      `spool: column "${this.column.name}" (${this.column.type}) expects a ${this.kind} value, got ${typeof v} ${String(v)}`,
    );
  }

  private grow(need: number): void {
    let size = Math.max(this.bytes.length * 2, 1024);
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes);
    this.bytes = next;
  }

  /** The bytes this column takes in a block of `rows` rows. */
  size(rows: number): number {
    const valid = pad8(rows);
    switch (this.kind) {
      case 'int32':
        return valid + pad8(rows * 4);
      case 'float64':
        return valid + rows * 8;
      case 'boolean':
        return valid + pad8(rows);
      default:
        return valid + pad8((rows + 1) * 4) + pad8(this.offsets[rows] as number);
    }
  }

  /** Copies the first `rows` rows into `out` at `at`; returns where the next section starts. */
  writeTo(out: Uint8Array, at: number, rows: number): number {
    out.set(this.valid.subarray(0, rows), at);
    let p = at + pad8(rows);
    const section = (view: ArrayBufferView, length: number) => {
      out.set(new Uint8Array(view.buffer, view.byteOffset, length), p);
      p += pad8(length);
    };
    switch (this.kind) {
      case 'int32':
        section(this.ints, rows * 4);
        break;
      case 'float64':
        section(this.doubles, rows * 8);
        break;
      case 'boolean':
        section(this.bools, rows);
        break;
      default:
        section(this.offsets, (rows + 1) * 4);
        section(this.bytes, this.offsets[rows] as number);
    }
    return p;
  }
}

/** A row's raw cells, when some cell holds the separator itself: JSON (which escapes it) after this byte. */
const RAW_JSON = 0x02;
const RAW_SEPARATOR = 0x1f;

/** The row numbers and raw cells of the rows of the block being filled: UTF-8, cells separated by U+001F. */
class RawBuilder {
  readonly rowNumbers: Int32Array;
  readonly offsets: Uint32Array;
  bytes: Uint8Array;

  constructor(capacity: number) {
    this.rowNumbers = new Int32Array(capacity);
    this.offsets = new Uint32Array(capacity + 1);
    this.bytes = new Uint8Array(capacity * 256);
  }

  /** Puts row `r`'s cells. ASCII is copied by a plain loop that also looks for the separator, for free. */
  put(r: number, rowNumber: number, cells: readonly string[]): void {
    this.rowNumbers[r] = rowNumber;
    const start = this.offsets[r] as number;
    let p = start;
    let clash = false;
    for (let j = 0; j < cells.length; j++) {
      const cell = cells[j] as string;
      const len = cell.length;
      if (p + len * 3 + 1 > this.bytes.length) this.grow(p + len * 3 + 1);
      const bytes = this.bytes;
      if (j > 0) bytes[p++] = RAW_SEPARATOR;
      let k = 0;
      for (; k < len; k++) {
        const c = cell.charCodeAt(k);
        if (c >= 0x80) break;
        if (c === RAW_SEPARATOR) clash = true;
        bytes[p++] = c;
      }
      if (k < len) {
        const rest = cell.slice(k);
        if (rest.indexOf('\u001f') !== -1) clash = true;
        p += utf8.encodeInto(rest, bytes.subarray(p)).written;
      }
    }
    // A row whose text starts with the JSON marker itself is written as JSON too, or it would be read as JSON.
    if (clash || (p > start && this.bytes[start] === RAW_JSON)) {
      const json = utf8.encode(JSON.stringify(cells));
      if (start + 1 + json.length > this.bytes.length) this.grow(start + 1 + json.length);
      this.bytes[start] = RAW_JSON;
      this.bytes.set(json, start + 1);
      p = start + 1 + json.length;
    }
    this.offsets[r + 1] = p;
  }

  private grow(need: number): void {
    let size = this.bytes.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes);
    this.bytes = next;
  }

  size(rows: number): number {
    return pad8(rows * 4) + pad8((rows + 1) * 4) + pad8(this.offsets[rows] as number);
  }

  writeTo(out: Uint8Array, at: number, rows: number): number {
    out.set(new Uint8Array(this.rowNumbers.buffer, 0, rows * 4), at);
    at += pad8(rows * 4);
    out.set(new Uint8Array(this.offsets.buffer, 0, (rows + 1) * 4), at);
    at += pad8((rows + 1) * 4);
    out.set(this.bytes.subarray(0, this.offsets[rows] as number), at);
    return at + pad8(this.offsets[rows] as number);
  }
}

const decoder = new TextDecoder();

/** The cells of one row's raw bytes (as RawBuilder wrote them). */
function decodeRaw(bytes: Uint8Array): string[] {
  if (bytes.length > 0 && bytes[0] === RAW_JSON) return JSON.parse(decoder.decode(bytes.subarray(1))) as string[];
  return decoder.decode(bytes).split('\u001f');
}

/** Writes validated records to a spool file in blocks. add() is synchronous; await drain() now and then. */
export class RecordSpool {
  private readonly builders: ColumnBuilder[];
  private readonly raw: RawBuilder;
  private readonly names: string[];
  private rows = 0;
  private total = 0;
  private writing: Promise<unknown> = Promise.resolve();
  private position = 0;
  private readonly free: Uint8Array[] = [];

  private constructor(
    private readonly handle: FileHandle,
    columns: readonly ParquetColumn[],
    private readonly blockRows: number,
  ) {
    this.builders = columns.map((column) => new ColumnBuilder(column, blockRows));
    this.raw = new RawBuilder(blockRows);
    this.names = columns.map((column) => column.name);
  }

  /** Creates (or truncates) the spool file at `path` for records of these columns. */
  static async create(
    path: string,
    columns: readonly ParquetColumn[],
    blockRows = DEFAULT_BLOCK_ROWS,
  ): Promise<RecordSpool> {
    return new RecordSpool(await open(path, 'w'), columns, blockRows);
  }

  /** Records spooled so far. */
  get count(): number {
    return this.total;
  }

  /** Appends one record (its value of each column, by the column's name), its row number and its raw cells. */
  add(record: Readonly<Record<string, unknown>>, rowNumber: number, cells: readonly string[]): void {
    const r = this.rows;
    const builders = this.builders;
    const names = this.names;
    for (let j = 0; j < builders.length; j++) (builders[j] as ColumnBuilder).put(r, record[names[j] as string]);
    this.raw.put(r, rowNumber, cells);
    this.total++;
    if (++this.rows === this.blockRows) this.seal();
  }

  /** Waits for the blocks sealed so far to be written: call between batches so blocks never pile up. */
  async drain(): Promise<void> {
    await this.writing;
  }

  /** Writes the last block and closes the file. */
  async close(): Promise<void> {
    try {
      if (this.rows > 0) this.seal();
      await this.writing;
    } finally {
      await this.handle.close();
    }
  }

  private seal(): void {
    const rows = this.rows;
    let size = HEADER_BYTES + this.raw.size(rows);
    for (const builder of this.builders) size += builder.size(rows);
    // Block buffers are reused once written, so a long ingest leaves no trail of megabyte buffers behind it.
    // The padding between sections keeps whatever a reused buffer held: it is never read.
    let block = this.free.pop();
    if (block === undefined || block.length < size) block = new Uint8Array(Math.max(size, block?.length ?? 0));
    const header = new DataView(block.buffer, block.byteOffset, HEADER_BYTES);
    header.setUint32(0, rows, true);
    header.setUint32(4, size, true);
    let at = HEADER_BYTES;
    for (const builder of this.builders) at = builder.writeTo(block, at, rows);
    this.raw.writeTo(block, at, rows);
    this.rows = 0;
    const position = this.position;
    this.position += size;
    const previous = this.writing;
    this.writing = previous.then(async () => {
      await this.handle.write(block, 0, size, position);
      this.free.push(block);
    });
  }
}

/** One block read back: rows [0..rows) of `columns`, the first being spool index `first`. */
export interface SpoolBlock {
  readonly first: number;
  readonly rows: number;
  readonly columns: ColumnData[];
  /** The kept rows as [start, end) ranges, in order: the block less the rows that lost. */
  readonly kept: readonly (readonly [number, number])[];
}

/** Views one column of a block read into `buffer` at `at`; returns the column and where the next one starts. */
function viewColumn(kind: ColumnData['kind'], buffer: ArrayBuffer, at: number, rows: number): [ColumnData, number] {
  const valid = new Uint8Array(buffer, at, rows);
  let p = at + pad8(rows);
  switch (kind) {
    case 'int32':
      return [{ kind, valid, values: new Int32Array(buffer, p, rows) }, p + pad8(rows * 4)];
    case 'float64':
      return [{ kind, valid, values: new Float64Array(buffer, p, rows) }, p + rows * 8];
    case 'boolean':
      return [{ kind, valid, values: new Uint8Array(buffer, p, rows) }, p + pad8(rows)];
    default: {
      const offsets = new Uint32Array(buffer, p, rows + 1);
      p += pad8((rows + 1) * 4);
      const length = offsets[rows] as number;
      return [{ kind, valid, offsets, bytes: new Uint8Array(buffer, p, length) }, p + pad8(length)];
    }
  }
}

/**
 * Reads a spool back block by block, with the kept rows as ranges around the rows `isLoser` names (by spool
 * index, counted from `firstIndex`), whose raw cells go to `onLoser`. Each block is valid until the next one is
 * asked for.
 */
export async function* readSpool(
  path: string,
  columns: readonly ParquetColumn[],
  isLoser: (spoolIndex: number) => boolean,
  onLoser: (spoolIndex: number, rowNumber: number, cells: string[]) => void = () => undefined,
  firstIndex = 0,
): AsyncGenerator<SpoolBlock> {
  const kinds = columns.map((column) => columnDataKind(column.type));
  const handle = await open(path, 'r');
  // Two buffers, each reused (a block's sections are 8-aligned, so typed arrays view it without copying): the
  // next block is read into one while the caller works on the block in the other.
  const buffers = [new ArrayBuffer(0), new ArrayBuffer(0)];
  const header = new Uint8Array(HEADER_BYTES);
  const view = new DataView(header.buffer);
  /** Reads the block at `position` into buffers[slot]: its row count and size, or undefined at the end. */
  const readBlock = async (position: number, slot: number) => {
    const { bytesRead } = await handle.read(header, 0, HEADER_BYTES, position);
    if (bytesRead === 0) return undefined;
    if (bytesRead < HEADER_BYTES) throw new Error(`spool: ${path} ends inside a block header at byte ${position}`);
    const rows = view.getUint32(0, true);
    const size = view.getUint32(4, true);
    let buffer = buffers[slot] as ArrayBuffer;
    if (buffer.byteLength < size) {
      buffer = new ArrayBuffer(Math.max(size, buffer.byteLength * 2));
      buffers[slot] = buffer;
    }
    const read = await handle.read(new Uint8Array(buffer, 0, size), 0, size, position);
    if (read.bytesRead !== size) throw new Error(`spool: ${path} ends inside a block at byte ${position}`);
    return { rows, size, buffer };
  };
  let pending = readBlock(0, 0);
  // A read in flight when the caller stops early must still be awaited before the file is closed.
  pending.catch(() => undefined);
  try {
    let position = 0;
    let first = firstIndex;
    for (let slot = 0; ; slot ^= 1) {
      const current = await pending;
      if (current === undefined) return;
      const { rows, size, buffer } = current;
      position += size;
      pending = readBlock(position, slot ^ 1);
      pending.catch(() => undefined);
      let at = HEADER_BYTES;
      const data: ColumnData[] = [];
      for (const kind of kinds) {
        const [column, next] = viewColumn(kind, buffer, at, rows);
        data.push(column);
        at = next;
      }
      const rowNumbers = new Int32Array(buffer, at, rows);
      at += pad8(rows * 4);
      const rawOffsets = new Uint32Array(buffer, at, rows + 1);
      const rawBytes = new Uint8Array(buffer, at + pad8((rows + 1) * 4), rawOffsets[rows] as number);
      const kept: [number, number][] = [];
      let from = 0;
      for (let i = 0; i < rows; i++) {
        if (!isLoser(first + i)) continue;
        if (i > from) kept.push([from, i]);
        from = i + 1;
        onLoser(first + i, rowNumbers[i] as number, decodeRaw(rawBytes.subarray(rawOffsets[i], rawOffsets[i + 1])));
      }
      if (rows > from) kept.push([from, rows]);
      yield { first, rows, columns: data, kept };
      first += rows;
    }
  } finally {
    await pending.catch(() => undefined);
    await handle.close();
  }
}
