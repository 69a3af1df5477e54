import { describe, expect, it } from 'vitest';
import { CompactWriter, CT } from '../../../../core/parquet/thrift.ts';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

describe('CompactWriter', () => {
  it('writes small field-id deltas in the header byte and zigzag varints for integers', () => {
    const w = new CompactWriter();
    w.i32(1, 0);
    w.i32(2, -1);
    w.i32(3, 300);
    w.end();
    // 0x15 = delta 1, type I32; zigzag(-1) = 1; zigzag(300) = 600 = 0xd8 0x04
    expect(hex(w.bytes())).toBe('1500150115d80400');
  });

  it('writes a long field id jump as a type byte followed by the zigzag id', () => {
    const w = new CompactWriter();
    w.i32(1, 1);
    w.i32(20, 2);
    w.end();
    expect(hex(w.bytes())).toBe('1502052804' + '00');
  });

  it('encodes i64 values beyond 32 bits exactly', () => {
    const w = new CompactWriter();
    w.i64(1, 2 ** 40 + 3);
    w.end();
    const bytes = w.bytes();
    expect(bytes[0]).toBe(0x16);
    // decode the varint back
    let v = 0;
    let mul = 1;
    for (let i = 1; i < bytes.length - 1; i++) {
      v += ((bytes[i] as number) & 0x7f) * mul;
      mul *= 128;
    }
    expect(v / 2).toBe(2 ** 40 + 3);
  });

  it('carries booleans in the field header and restores field ids after a nested struct', () => {
    const w = new CompactWriter();
    w.bool(1, true);
    w.beginStruct(2);
    w.bool(5, false);
    w.endStruct();
    w.bool(3, false);
    w.end();
    expect(hex(w.bytes())).toBe('11' + '1c' + '52' + '00' + '12' + '00');
  });

  it('writes list sizes of 15 or more in a separate varint', () => {
    const w = new CompactWriter();
    w.beginList(1, CT.I32, 3);
    for (const v of [1, 2, 3]) w.listI32(v);
    w.beginList(2, CT.I32, 20);
    for (let i = 0; i < 20; i++) w.listI32(0);
    w.end();
    const bytes = hex(w.bytes());
    expect(bytes.startsWith('19' + '35' + '020406' + '19' + 'f5' + '14')).toBe(true);
    expect(w.length).toBe(1 + 1 + 3 + 1 + 1 + 1 + 20 + 1);
  });

  it('writes strings as length-prefixed UTF-8', () => {
    const w = new CompactWriter();
    w.string(4, 'é');
    w.end();
    expect(hex(w.bytes())).toBe('48' + '02c3a9' + '00');
  });
});
