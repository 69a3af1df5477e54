// The grammars' fast paths (arithmetic numbers, fixed-width timestamps, memoised look-ups) must give exactly
// what the general paths give: the same double, the same epoch ms, and undefined (unreadable) kept apart from
// null (not known). Each property compares with Object.is, so even a -0 against a 0 fails.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../../core/generate/random.ts';
import {
  AnswerWriter,
  BooleanWriter,
  DATE_FORMS,
  numberBlank,
  writeAmount,
  writeCount,
  writePercent,
  writeTimestamp,
} from '../../../../core/generate/render.ts';
import {
  createCodeMatcher,
  type NumberOptions,
  parseBoolean,
  parseNumber,
  parseNumberGeneral,
  parseTimestamp,
  parseTimestampGeneral,
} from '../../../../core/ingest/grammars.ts';
import {
  BOOLEAN_FALSE,
  BOOLEAN_NULL,
  BOOLEAN_TRUE,
  CODE_LISTS,
  type CodeList,
  fold,
  REGIONS_FR,
  REGIONS_GB,
} from '../../../../schemas/index.ts';

/** Every combination of options the normaliser can pass, and the defaults. */
const OPTIONS: readonly NumberOptions[] = [false, true].flatMap((decimalComma) =>
  [undefined, 'GBP', 'EUR', 'USD'].flatMap((currency) =>
    ([undefined, 'amount', 'percent', 'count'] as const).map((unit) => ({ decimalComma, currency, unit })),
  ),
);

/** Fails with the cell and options when parseNumber and the general path differ in any way. */
function expectSameNumber(cell: string): void {
  for (const opts of OPTIONS) {
    const fast = parseNumber(cell, opts);
    const general = parseNumberGeneral(cell, opts);
    if (!Object.is(fast, general)) {
      expect.fail(`parseNumber(${JSON.stringify(cell)}, ${JSON.stringify(opts)}) is ${fast}, general ${general}`);
    }
  }
}

/** Fails with the cell when parseTimestamp and the general path differ in any way. */
function expectSameTimestamp(cell: string): void {
  const fast = parseTimestamp(cell);
  const general = parseTimestampGeneral(cell);
  if (!Object.is(fast, general)) {
    expect.fail(`parseTimestamp(${JSON.stringify(cell)}) is ${fast}, general ${general}`);
  }
}

const seeds = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/** Numbers as respondents write them: digits grouped or not, a decimal part, a sign, a currency, a multiplier. */
const numberCells = fc
  .tuple(
    fc.bigInt({ min: 0n, max: 10n ** 20n }),
    fc.integer({ min: 0, max: 20 }),
    fc.constantFrom('', '', '£', '€', 'GBP ', 'EUR', '-', '−', '+', '-£', '£-', '.', ',', ' '),
    fc.constantFrom('', '', 'k', 'K', 'm', ' M€', '%', ' %', ' million', ' euros', ' GBP', '€', ' ', 'x'),
    fc.constantFrom(',', '.', ' ', '\u00a0', '\u202f', '', ''),
    fc.constantFrom('.', ','),
  )
  .map(([value, decimals, before, after, separator, point]) => {
    const digits = String(value);
    const cut = Math.min(decimals, digits.length);
    const whole = digits.slice(0, digits.length - cut).replace(/\B(?=(\d{3})+$)/g, separator);
    return `${before}${whole}${cut > 0 ? point : ''}${digits.slice(digits.length - cut)}${after}`;
  });

/** Characters numbers are made of, so random strings often come close to a number. */
const numberChars = fc.constantFrom(...'0123456789.,- %£€kKmMeEuroGBPn/a\u00a0\u202f\u2013\u2212'.split(''));

describe('parseNumber against its general path', () => {
  it('gives the same value for every amount, count, percentage and blank the generator writes', () => {
    fc.assert(
      fc.property(seeds, fc.double({ min: 0, max: 5e8, noNaN: true }), fc.boolean(), (seed, amount, fr) => {
        const rng = new Rng(seed);
        expectSameNumber(writeAmount(amount, fr, rng).cell);
        expectSameNumber(writeCount(Math.round(amount / 1000), fr, rng));
        expectSameNumber(writePercent((amount / 5e6) % 100, fr, rng).cell);
        expectSameNumber(numberBlank(rng, fr));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the same value for any digits, separators, decimals, sign, currency and multiplier', () => {
    fc.assert(fc.property(numberCells, expectSameNumber), { numRuns: 3000 });
  });

  it('gives the same result for any string, readable or not', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: numberChars, maxLength: 24 }), fc.string({ maxLength: 16 })), (cell) =>
        expectSameNumber(cell),
      ),
      { numRuns: 3000 },
    );
  });

  it('builds every decimal of up to 15 digits as Number() reads its decimal string, multiplier included', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 15n - 1n }),
        fc.integer({ min: 0, max: 15 }),
        fc.constantFrom(['', 0], ['k', 3], ['m', 6]),
        (mantissa, decimals, [suffix, power]) => {
          const digits = String(mantissa).padStart(decimals + 1, '0');
          const whole = digits.slice(0, digits.length - decimals);
          const cell = decimals === 0 ? whole : `${whole}.${digits.slice(digits.length - decimals)}`;
          expect(parseNumber(`${cell}${suffix}`, { decimalComma: false })).toBe(
            Number(`${digits}e${(power as number) - decimals}`),
          );
        },
      ),
    );
  });

  it.each([
    ['0.1', '0.1'],
    ['0.3', '0.3'],
    ['123456789012.345', '123456789012.345'],
    ['999999999999999', '999999999999999'],
    ['1234567890123456.7', '1234567890123456.7'],
    ['0.000000000000000000000001', '1e-24'],
    ['£9,007,199,254,740,993', '9007199254740993'],
    ['1.2m', '1.2e6'],
    ['0.1k', '100'],
  ])('reads %j as exactly the double nearest %s, past the 15-digit fast path too', (cell, literal) => {
    expect(parseNumber(cell, { decimalComma: false })).toBe(Number(literal));
    expectSameNumber(cell);
  });
});

describe('parseTimestamp against its general path', () => {
  const pad = (value: number, length = 2) => String(value).padStart(length, '0');

  /** Fixed-width date-times with every part in or out of range, and the near-misses around the shapes. */
  const timestampCells = fc
    .tuple(
      fc.integer({ min: 0, max: 9999 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
      fc.integer({ min: 0, max: 25 }),
      fc.integer({ min: 0, max: 61 }),
      fc.integer({ min: 0, max: 61 }),
      fc.constantFrom(
        '',
        'Z',
        'z',
        '+01:00',
        '-01:00',
        '-00:00',
        '+23:59',
        '+24:00',
        '-00:60',
        '+0100',
        '+01',
        ' Z',
        'Q',
      ),
      fc.constantFrom('T', 't', ' ', '_'),
      fc.constantFrom(['', ''], [' ', ''], ['', ' '], ['\u00a0', '\n'], ['', '.5']),
    )
    .chain(([y, mo, d, h, mi, s, zone, t, [before, after]]) => {
      const date = `${pad(y, 4)}-${pad(mo)}-${pad(d)}`;
      const uk = `${pad(d)}/${pad(mo)}/${pad(y, 4)}`;
      return fc
        .constantFrom(
          date,
          `${date}${t}${pad(h)}:${pad(mi)}`,
          `${date}${t}${pad(h)}:${pad(mi)}${zone}`,
          `${date}${t}${pad(h)}:${pad(mi)}:${pad(s)}`,
          `${date}${t}${pad(h)}:${pad(mi)}:${pad(s)}${zone}`,
          uk,
          `${uk} ${pad(h)}:${pad(mi)}`,
          `${uk} ${pad(h)}:${pad(mi)}:${pad(s)}`,
          `${uk}${t}${pad(h)}:${pad(mi)}`,
          `${d}/${mo}/${y} ${h}:${pad(mi)}`,
        )
        .map((cell) => `${before}${cell}${after}`);
    });

  it('gives the same epoch ms, or undefined, for any fixed-width date-time, possible or not', () => {
    fc.assert(fc.property(timestampCells, expectSameTimestamp), { numRuns: 5000 });
  });

  it('gives the same epoch ms for every timestamp the generator writes, and the one it meant', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -2_208_988_800, max: 4_102_444_800 }),
        fc.constantFrom(...DATE_FORMS),
        (s, form) => {
          const { cell, value } = writeTimestamp(s, form);
          expectSameTimestamp(cell);
          expect(parseTimestamp(cell)).toBe(value);
        },
      ),
    );
  });

  it('gives the same result for any string, readable or not', () => {
    const chars = fc.constantFrom(...'0123456789--//::TtZz +.,'.split(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: chars, minLength: 8, maxLength: 26 }), fc.string()), (cell) =>
        expectSameTimestamp(cell),
      ),
      { numRuns: 3000 },
    );
  });
});

describe('memoised look-ups', () => {
  /** The boolean reading of a cell computed from the word lists alone, with no cache. */
  function booleanOf(cell: string): boolean | null | undefined {
    const key = fold(cell);
    if (BOOLEAN_NULL.some((word) => fold(word) === key)) return null;
    if (BOOLEAN_TRUE.some((word) => fold(word) === key)) return true;
    if (BOOLEAN_FALSE.some((word) => fold(word) === key)) return false;
    return undefined;
  }

  it('parseBoolean reads a cell the same the first time and every time after, null and undefined kept apart', () => {
    const writers = [new BooleanWriter(false), new BooleanWriter(true)];
    fc.assert(
      fc.property(seeds, fc.string({ unit: 'binary', maxLength: 5 }), fc.boolean(), (seed, noise, value) => {
        const rng = new Rng(seed);
        const writer = writers[seed % 2]!;
        for (const cell of [writer.write(value, rng), writer.blank(rng), noise, `${noise}x`]) {
          const expected = booleanOf(cell);
          expect(parseBoolean(cell), JSON.stringify(cell)).toBe(expected);
          expect(parseBoolean(cell), JSON.stringify(cell)).toBe(expected);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps a cached "not known" apart from a cached "unreadable"', () => {
    for (let round = 0; round < 3; round++) {
      expect(parseBoolean('N/A ')).toBeNull();
      expect(parseBoolean('maybe so')).toBeUndefined();
    }
    const match = createCodeMatcher(CODE_LISTS.sector);
    for (let round = 0; round < 3; round++) {
      expect(match(' - ')).toBeNull();
      expect(match('astrology')).toBeUndefined();
      expect(match('HEALTH-care')).toBe('health');
    }
  });

  it('tells apart cells of one length that differ only where the slot hash does not look, taking turns', () => {
    // The slot is picked from the length and the characters at 0, 1, the middle and the last two: "health" and
    // "hezlth" share one, so each reading evicts the other and must still be right.
    const match = createCodeMatcher(CODE_LISTS.sector);
    const long = 'Health care';
    const near = `${long.slice(0, 2)}z${long.slice(3)}`;
    for (let round = 0; round < 3; round++) {
      expect(match('health')).toBe('health');
      expect(match('hezlth')).toBeUndefined();
      expect(match(long)).toBe('health');
      expect(match(near)).toBeUndefined();
    }
  });

  it('tells apart short cells that differ by a control or high character, their length, or pack alike in base 64', () => {
    const match = createCodeMatcher(CODE_LISTS.legal_form);
    const cells = [
      '',
      '\u0000',
      '\u0000\u0000',
      'CIC',
      '\u0000CIC',
      'CIC\u0000',
      'C\u00c9C',
      'CBS',
      'CBS\u0080',
      'cbs',
      'Sas',
    ];
    for (let round = 0; round < 2; round++) {
      expect(cells.map(match)).toEqual([
        null,
        null,
        null,
        'cic',
        'cic',
        'cic',
        undefined,
        'community_benefit_society',
        'community_benefit_society',
        'community_benefit_society',
        'company_limited_by_shares',
      ]);
      expect(
        ['', '\u0000', 'y', 'y\u0000', 'Y', '\u0019', 'o', 'O', '0', '00', '1', '11', 'no', 'o/', 'o\u007f', 'nO'].map(
          parseBoolean,
        ),
      ).toEqual([
        null,
        null,
        true,
        true,
        true,
        null,
        true,
        true,
        false,
        undefined,
        true,
        undefined,
        false,
        true,
        true,
        false,
      ]);
    }
  });

  const lists: readonly [string, CodeList, boolean][] = [
    ['legal forms', CODE_LISTS.legal_form, false],
    ['sectors', CODE_LISTS.sector, true],
    ['parent bodies', CODE_LISTS.parent_body, false],
    ['turnover trends', CODE_LISTS.turnover_trend, true],
    ['GB regions', REGIONS_GB, false],
    ['French regions', REGIONS_FR, true],
  ];

  it.each(lists)('a matcher of %s answers as a fresh one, before and past its memo limit', (_, list, fr) => {
    const shared = createCodeMatcher(list);
    const writer = new AnswerWriter(list, fr, 0.8, 0.1);
    const rng = new Rng(list.length);
    // Six thousand distinct cells share the memo's 2048 slots, then every cell is read again.
    const cells = [
      ...new Set([
        ...writer.texts(),
        ...Array.from({ length: 6000 }, (_, i) => `${i} ${list[i % list.length]!.label}`),
      ]),
    ];
    for (let i = 0; i < 2000; i++) cells.push(writer.write(list[rng.int(list.length)]!.code, rng));
    const first = cells.map((cell) => shared(cell));
    const again = cells.map((cell) => shared(cell));
    expect(again).toEqual(first);
    for (let i = 0; i < cells.length; i += 7) {
      expect(first[i], JSON.stringify(cells[i])).toBe(createCodeMatcher(list)(cells[i]!));
    }
    expect(first.filter((code) => typeof code === 'string').length).toBeGreaterThan(2000);
  });
});
