/**
 * A minimal Thrift compact-protocol writer: just what Parquet's FileMetaData and PageHeader need
 * (structs, lists, i32/i64, binary, bool). Parquet stores both in this encoding; the spec is
 * https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md
 */

/** Compact-protocol type ids, as they appear in field headers and list headers. */
export const CT = {
  BOOL_TRUE: 1,
  BOOL_FALSE: 2,
  I32: 5,
  I64: 6,
  BINARY: 8,
  LIST: 9,
  STRUCT: 12,
} as const;

const utf8 = new TextEncoder();

/** Serialises Thrift structs into a growable byte buffer; fields must be written in ascending id order. */
export class CompactWriter {
  private buf = new Uint8Array(256);
  private pos = 0;
  private lastField = 0;
  private readonly fieldStack: number[] = [];

  /** The bytes written so far (a copy that the caller owns). */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /** How many bytes have been written. */
  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Unsigned LEB128; arithmetic rather than bit operations so values up to 2^53 survive. */
  private varint(v: number): void {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  private zigzag(v: number): void {
    this.varint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  private fieldHeader(id: number, type: number): void {
    const delta = id - this.lastField;
    if (delta > 0 && delta <= 15) {
      this.byte((delta << 4) | type);
    } else {
      this.byte(type);
      this.zigzag(id);
    }
    this.lastField = id;
  }

  /** Writes an i32 (or enum) field. */
  i32(id: number, v: number): void {
    this.fieldHeader(id, CT.I32);
    this.zigzag(v);
  }

  /** Writes an i64 field from a JS number (exact up to 2^53). */
  i64(id: number, v: number): void {
    this.fieldHeader(id, CT.I64);
    this.zigzag(v);
  }

  /** Writes a bool field (the value lives in the field header's type nibble). */
  bool(id: number, v: boolean): void {
    this.fieldHeader(id, v ? CT.BOOL_TRUE : CT.BOOL_FALSE);
  }

  /** Writes a binary field. */
  binary(id: number, v: Uint8Array): void {
    this.fieldHeader(id, CT.BINARY);
    this.rawBinary(v);
  }

  /** Writes a string field as UTF-8 binary. */
  string(id: number, v: string): void {
    this.binary(id, utf8.encode(v));
  }

  /** Starts a nested struct field; close it with {@link endStruct}. */
  beginStruct(id: number): void {
    this.fieldHeader(id, CT.STRUCT);
    this.fieldStack.push(this.lastField);
    this.lastField = 0;
  }

  /** Starts a struct that is an element of a list (no field header). */
  beginListStruct(): void {
    this.fieldStack.push(this.lastField);
    this.lastField = 0;
  }

  /** Ends the current struct with a stop byte. */
  endStruct(): void {
    this.byte(0);
    this.lastField = this.fieldStack.pop() ?? 0;
  }

  /** Writes a list field header; the caller then writes `size` elements of `elemType`. */
  beginList(id: number, elemType: number, size: number): void {
    this.fieldHeader(id, CT.LIST);
    if (size < 15) {
      this.byte((size << 4) | elemType);
    } else {
      this.byte(0xf0 | elemType);
      this.varint(size);
    }
  }

  /** Writes one i32 list element. */
  listI32(v: number): void {
    this.zigzag(v);
  }

  /** Writes one binary list element. */
  rawBinary(v: Uint8Array): void {
    this.varint(v.length);
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  /** Writes one string list element. */
  listString(v: string): void {
    this.rawBinary(utf8.encode(v));
  }

  /** Ends a top-level struct (the message itself). */
  end(): void {
    this.byte(0);
  }
}
