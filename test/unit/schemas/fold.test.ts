import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold, foldUnicode } from '../../../schemas/fold.ts';

/** The definition of fold as it stood before the ASCII scan, kept here as the independent reference. */
function reference(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Text mixing what survey cells hold: ASCII of every kind, accents, combining marks, compatibility forms. */
const mixed = fc.string({
  unit: fc.constantFrom(
    ...'aZm09 -_.,;/|()&\'"\t\n\r\u000b\f\u0000\u007f',
    ...'éÉçÀüßøŒæ\u0301\u0327ﬁ①²Ａｚ\u00a0\u2003\u200b\u3000İıſΣς€¼',
    '\ud83d\ude00',
    '\ud800',
  ),
  maxLength: 40,
});

describe('fold', () => {
  it('folds typical coded answers and headers', () => {
    expect(fold('  HEALTH-care ')).toBe('health care');
    expect(fold('Health and social care')).toBe('health and social care');
    expect(fold('CIC')).toBe('cic');
    expect(fold('Yes')).toBe('yes');
    expect(fold('yes')).toBe('yes');
    expect(fold('% OF SURPLUS REINVESTED')).toBe('of surplus reinvested');
    expect(fold('Has your turnover increased, decreased or stayed the same?')).toBe(
      'has your turnover increased decreased or stayed the same',
    );
    expect(fold('')).toBe('');
    expect(fold(' -- ')).toBe('');
  });

  it('folds accented and compatibility characters through the Unicode path', () => {
    expect(fold('Coopérative  Les Jardins')).toBe('cooperative les jardins');
    expect(fold('ÉCONOMIE sociale & solidaire')).toBe('economie sociale solidaire');
    expect(fold('Ｆｉｎａｎｃｅ ①')).toBe('finance 1');
  });

  it('keeps foldUnicode equal to the reference definition', () => {
    fc.assert(
      fc.property(fc.oneof(mixed, fc.string({ unit: 'binary', maxLength: 40 })), (text) => {
        expect(foldUnicode(text)).toBe(reference(text));
      }),
      { numRuns: 500 },
    );
  });

  it('gives the reference result for ASCII text of every kind', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary-ascii' })), (text) => {
        expect(fold(text)).toBe(reference(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('gives the reference result for arbitrary Unicode text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })), (text) => {
        expect(fold(text)).toBe(reference(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('gives the reference result for ASCII mixed with accents, marks and punctuation', () => {
    fc.assert(
      fc.property(mixed, (text) => {
        expect(fold(text)).toBe(reference(text));
      }),
      { numRuns: 5000 },
    );
  });
});
