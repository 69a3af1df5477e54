import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HmacSha256 } from '../../../../core/ingest/hmac-sha256.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const repeat = (byte: number, count: number): Uint8Array => new Uint8Array(count).fill(byte);
const hex = (digest: Uint8Array): string => Buffer.from(digest).toString('hex');

// RFC 4231 section 4, HMAC-SHA-256 (test case 5 is truncated to 128 bits).
const RFC_4231 = [
  {
    key: repeat(0x0b, 20),
    data: bytes('Hi There'),
    mac: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
  },
  {
    key: bytes('Jefe'),
    data: bytes('what do ya want for nothing?'),
    mac: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  },
  {
    key: repeat(0xaa, 20),
    data: repeat(0xdd, 50),
    mac: '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
  },
  {
    key: Uint8Array.from({ length: 25 }, (_, i) => i + 1),
    data: repeat(0xcd, 50),
    mac: '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
  },
  { key: repeat(0x0c, 20), data: bytes('Test With Truncation'), mac: 'a3b6167473100ee06e0c796c2955552b' },
  {
    key: repeat(0xaa, 131),
    data: bytes('Test Using Larger Than Block-Size Key - Hash Key First'),
    mac: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
  },
  {
    key: repeat(0xaa, 131),
    data: bytes(
      'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
    ),
    mac: '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
  },
];

describe('HmacSha256', () => {
  it.each(RFC_4231.map((vector, i) => ({ ...vector, n: i + 1 })))('matches RFC 4231 test case $n', (vector) => {
    const hmac = new HmacSha256(vector.key);
    expect(hex(hmac.digest(vector.data))).toMatch(new RegExp(`^${vector.mac}`));
    expect(hmac.hex16(vector.data)).toBe(vector.mac.slice(0, 16));
  });

  it('equals node:crypto for arbitrary keys and subjects across the block boundaries', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 100 }), fc.string({ unit: 'binary', maxLength: 100 })),
        fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 })),
        (key, subject) => {
          const expected = createHmac('sha256', key).update(subject).digest('hex');
          const hmac = new HmacSha256(key);
          expect(hmac.hex16(bytes(subject))).toBe(expected.slice(0, 16));
          expect(hex(hmac.digest(bytes(subject)))).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('equals node:crypto for every message length from 0 to 200 bytes, one hasher reused', () => {
    const key = repeat(0x5a, 70);
    const hmac = new HmacSha256(key);
    const message = Uint8Array.from({ length: 200 }, (_, i) => (i * 37) & 0xff);
    for (let length = 0; length <= 200; length++) {
      const expected = createHmac('sha256', key).update(message.subarray(0, length)).digest('hex');
      expect(hmac.hex16(message, length)).toBe(expected.slice(0, 16));
    }
  });

  it('rejects a length beyond the message', () => {
    expect(() => new HmacSha256('k').hex16(new Uint8Array(4), 5)).toThrow(
      'hmac-sha256: length must be between 0 and 4, got 5',
    );
  });
});
