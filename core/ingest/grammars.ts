// The value grammars of CODEBOOK.md "Values": one pure function per kind of cell. Each returns the value,
// null for a cell that says "not known" (blank, n/a, ...), or undefined for a cell it cannot read; deciding
// whether that is an error or a warning is the normaliser's job, and range checks are the schema's.
import { BOOLEAN_FALSE, BOOLEAN_NULL, BOOLEAN_TRUE, type CodeList, fold, NUMBER_NULL } from '../../schemas/index.ts';

/** What a cell can be read as: a value, null ("not known") or undefined (unreadable). */
export type Parsed<T> = T | null | undefined;

/** Space-like characters: ordinary, tab, no-break (U+00A0), figure, thin and narrow no-break (U+202F). */
function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 0xa0 || code === 0x202f || code === 0x2009 || code === 0x2007;
}

/** Hyphen-minus, en dash, em dash and the minus sign: a cell made only of these means "not known". */
function isDash(code: number): boolean {
  return code === 45 || code === 0x2013 || code === 0x2014 || code === 0x2212;
}

/** True when every character of text[start, end) is a dash. */
function allDashes(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isDash(text.charCodeAt(i))) return false;
  return end > start;
}

/** The folded null words of numbers (and years and timestamps); "-" folds to "" and is handled by allDashes. */
const NUMBER_NULL_FOLDED = new Set(NUMBER_NULL.map(fold).filter((word) => word !== ''));

/** True when a trimmed, non-empty cell that is not a number says "not known": n/a, -, nc, ns (folded). */
function isNumberNullWord(trimmed: string): boolean {
  if (allDashes(trimmed, 0, trimmed.length)) return true;
  const folded = fold(trimmed);
  return folded !== '' && NUMBER_NULL_FOLDED.has(folded);
}

// ---------------------------------------------------------------------------------------------------------
// Booleans

/** Folded boolean answers: every word of BOOLEAN_TRUE/FALSE/NULL; "-" and other punctuation fold to "" (null). */
const BOOLEAN_WORDS: ReadonlyMap<string, boolean | null> = new Map<string, boolean | null>([
  ...BOOLEAN_NULL.map((word) => [fold(word), null] as const),
  ...BOOLEAN_TRUE.map((word) => [fold(word), true] as const),
  ...BOOLEAN_FALSE.map((word) => [fold(word), false] as const),
]);

/**
 * Reads a boolean answer (CODEBOOK.md "Booleans") after folding: yes/oui/1/x... → true, no/non/0... → false,
 * blank/n/a/don't know/ne sait pas → null, anything else → undefined.
 */
export function parseBoolean(raw: string): Parsed<boolean> {
  const value = BOOLEAN_WORDS.get(fold(raw));
  return value === undefined ? undefined : value;
}

// ---------------------------------------------------------------------------------------------------------
// Numbers

/** Options of parseNumber. */
export interface NumberOptions {
  /** The survey reads a comma not followed by exactly three digits as a decimal comma ("1,5" = 1.5). */
  readonly decimalComma: boolean;
  /**
   * The survey's ISO 4217 currency: when given, only that currency's code and sign are accepted, because
   * "€5000" in a pound-sterling survey is not an amount the pipeline may store as pounds.
   * @default any of £ € GBP EUR (CODEBOOK.md "Numbers")
   */
  readonly currency?: string;
  /**
   * What the column holds: an `amount` takes a currency and a multiplier but no `%`; a `percent` takes a `%`
   * but no currency or multiplier; a `count` takes a multiplier only ("1.2k").
   * @default any of them
   */
  readonly unit?: 'amount' | 'percent' | 'count';
}

/** The currency signs the codebook knows, by ISO code. */
const CURRENCY_SIGNS: Readonly<Record<string, string>> = { GBP: '£', EUR: '€' };

/** The currency tokens accepted, lower case: codes, signs and the French spelt-out "euros". */
function currencyTokens(currency: string | undefined): readonly string[] {
  const codes = currency === undefined ? Object.keys(CURRENCY_SIGNS) : [currency.toUpperCase()];
  const tokens: string[] = [];
  for (const code of codes) {
    tokens.push(code.toLowerCase());
    const sign = CURRENCY_SIGNS[code];
    if (sign !== undefined) tokens.push(sign);
    if (code === 'EUR') tokens.push('euros', 'euro');
  }
  // Longest first, so "euros" is tried before "euro".
  return tokens.sort((a, b) => b.length - a.length);
}

const DEFAULT_CURRENCY_TOKENS = currencyTokens(undefined);
const CURRENCY_TOKENS_BY_CODE = new Map<string, readonly string[]>();

/** Multiplier words, lower case, longest first, with their power of ten. */
const MULTIPLIERS: readonly (readonly [string, number])[] = [
  ['millions', 6],
  ['million', 6],
  ['mn', 6],
  ['m', 6],
  ['k', 3],
];

/** True when text[start, end) ends with `word` (lower case), compared case-insensitively (ASCII and signs). */
function endsWithWord(text: string, start: number, end: number, word: string): boolean {
  const from = end - word.length;
  if (from < start) return false;
  for (let i = 0; i < word.length; i++) {
    const code = text.charCodeAt(from + i);
    const lower = code >= 65 && code <= 90 ? code + 32 : code;
    if (lower !== word.charCodeAt(i)) return false;
  }
  return true;
}

/** True when text[start, end) starts with `word` (lower case), compared case-insensitively. */
function startsWithWord(text: string, start: number, end: number, word: string): boolean {
  if (start + word.length > end) return false;
  for (let i = 0; i < word.length; i++) {
    const code = text.charCodeAt(start + i);
    const lower = code >= 65 && code <= 90 ? code + 32 : code;
    if (lower !== word.charCodeAt(i)) return false;
  }
  return true;
}

/** True for an ASCII letter: a word-like token (k, m, EUR) must not be glued to another letter. */
function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** True when a word token ("eur", not "€") starting at `at` is glued to a letter before it ("heur"). */
function gluedBefore(text: string, at: number, token: string): boolean {
  return isLetter(token.charCodeAt(0)) && isLetter(text.charCodeAt(at - 1));
}

/** True when a word token ending before `at` is glued to a letter after it ("eurk"). */
function gluedAfter(text: string, at: number, token: string): boolean {
  return isLetter(token.charCodeAt(0)) && isLetter(text.charCodeAt(at));
}

const DIGIT_0 = 48;
const COMMA = 44;
const DOT = 46;
const SEP_COMMA = 1;
const SEP_DOT = 2;
const SEP_SPACE = 3;

// Separator positions of the number being read: parseNumber is synchronous, so one pair serves every call.
const sepAt: number[] = [];
const sepKind: number[] = [];

/** True when a separator kind may group thousands: a space-like character, a comma, a dot in decimal-comma surveys. */
function thousandsAllowed(kind: number, decimalComma: boolean): boolean {
  return kind === SEP_SPACE || kind === SEP_COMMA || (kind === SEP_DOT && decimalComma);
}

/**
 * Reads the numeric core text[start, end): digits with thousands separators and at most one decimal separator.
 * `power` is the multiplier's power of ten. Returns undefined when the core is not a well-formed number.
 *
 * Thousands separators: a space-like character always (each group after it exactly three digits); a comma when
 * the group after it has exactly three digits; a dot likewise, but only in decimal-comma surveys. The first
 * group of a grouped number has one to three digits and does not start with 0, so "0,500" is a decimal comma
 * (fr-ess) rather than five hundred. Only the last separator can be a decimal one; it is a dot, or a comma in
 * decimal-comma surveys, and it must differ from the thousands separator ("1.234.5" is unreadable).
 */
function readCore(text: string, start: number, end: number, decimalComma: boolean, power: number): number | undefined {
  let count = 0;
  let afterDigit = false;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code >= DIGIT_0 && code <= DIGIT_0 + 9) {
      afterDigit = true;
      continue;
    }
    const kind = code === COMMA ? SEP_COMMA : code === DOT ? SEP_DOT : isSpace(code) ? SEP_SPACE : 0;
    if (kind === 0) return undefined;
    // A separator must follow a digit, except a leading decimal separator (".5", ",5" in fr-ess).
    if (!afterDigit && !(i === start && (kind === SEP_DOT || (kind === SEP_COMMA && decimalComma)))) return undefined;
    sepAt[count] = i;
    sepKind[count] = kind;
    count++;
    afterDigit = false;
  }
  if (!afterDigit) return undefined;

  // Where the decimal separator is (-1: none); every other separator is a thousands one.
  let decimalAt = -1;
  if (count > 0) {
    const last = count - 1;
    const lastAt = sepAt[last]!;
    const lastKind = sepKind[last]!;
    const firstAt = sepAt[0]!;
    const firstLength = firstAt - start;
    const groupable = firstLength >= 1 && firstLength <= 3 && text.charCodeAt(start) !== DIGIT_0;
    // Every separator but the last is a thousands separator, all of one kind, each followed by three digits.
    const thousandsKind = sepKind[0]!;
    if (count > 1) {
      if (!groupable || !thousandsAllowed(thousandsKind, decimalComma)) return undefined;
      for (let k = 1; k < count; k++) {
        if ((k < last && sepKind[k] !== thousandsKind) || sepAt[k]! - sepAt[k - 1]! !== 4) return undefined;
      }
    }
    const lastGroup = end - lastAt - 1;
    const lastIsThousands =
      lastGroup === 3 &&
      groupable &&
      thousandsAllowed(lastKind, decimalComma) &&
      (count === 1 || lastKind === thousandsKind);
    if (!lastIsThousands) {
      const decimal = lastKind === SEP_DOT || (lastKind === SEP_COMMA && decimalComma);
      if (!decimal || (count > 1 && lastKind === thousandsKind)) return undefined;
      decimalAt = lastAt;
    }
  }
  return decimalString(text, start, end, count, decimalAt, power);
}

/** The value of a classified core built as a decimal string ("1,2 M€" is the literal 12e5): exact, allocating. */
function decimalString(
  text: string,
  start: number,
  end: number,
  count: number,
  decimalAt: number,
  power: number,
): number | undefined {
  let intText: string;
  let fracText = '';
  if (count === 0) {
    intText = text.slice(start, end);
  } else if (decimalAt < 0) {
    intText = removeSeparators(text, start, end, count);
  } else {
    intText = count === 1 ? text.slice(start, decimalAt) : removeSeparators(text, start, decimalAt, count - 1);
    fracText = text.slice(decimalAt + 1, end);
  }
  if (power === 0 && fracText === '' && intText.length <= 15) return Number(intText);
  // Decimal-string arithmetic: "1,2 M€" is the literal 12e5, which Number() rounds correctly, so no float noise.
  const value = Number(`${intText}${fracText}e${power - fracText.length}`);
  return Number.isFinite(value) ? value : undefined;
}

/** The digits of text[start, end) without its first `count` recorded separators. */
function removeSeparators(text: string, start: number, end: number, count: number): string {
  let digits = '';
  let from = start;
  for (let k = 0; k < count; k++) {
    const at = sepAt[k]!;
    digits += text.slice(from, at);
    from = at + 1;
  }
  return digits + text.slice(from, end);
}

/** Skips space-like characters forwards from `i`. */
function skipSpaceForward(text: string, i: number, end: number): number {
  while (i < end && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** Skips space-like characters backwards from `end`. */
function skipSpaceBackward(text: string, start: number, end: number): number {
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return end;
}

/** Reads text[start, end), already trimmed, as a number with its currency, multiplier, sign and percent. */
function readNumber(text: string, start: number, end: number, opts: NumberOptions): number | undefined {
  const tokens =
    opts.currency === undefined
      ? DEFAULT_CURRENCY_TOKENS
      : (CURRENCY_TOKENS_BY_CODE.get(opts.currency) ??
        CURRENCY_TOKENS_BY_CODE.set(opts.currency, currencyTokens(opts.currency)).get(opts.currency)!);
  const unit = opts.unit;
  let percent = false;
  let currency = false;
  let power = 0;
  if (text.charCodeAt(end - 1) === 37 /* % */) {
    if (unit === 'amount' || unit === 'count') return undefined;
    percent = true;
    end = skipSpaceBackward(text, start, end - 1);
  }
  // Trailing currency ("125 000 €", "1,2 M€", "5000 GBP"), then a multiplier before it ("1,2 M€", "850k").
  if (!percent) {
    for (const token of tokens) {
      if (endsWithWord(text, start, end, token) && !gluedBefore(text, end - token.length, token)) {
        currency = true;
        end = skipSpaceBackward(text, start, end - token.length);
        break;
      }
    }
    for (const [word, wordPower] of MULTIPLIERS) {
      if (endsWithWord(text, start, end, word) && !isLetter(text.charCodeAt(end - word.length - 1))) {
        power = wordPower;
        end = skipSpaceBackward(text, start, end - word.length);
        break;
      }
    }
  }
  // Leading sign, currency and sign again: "-5", "-£5", "£-5", "GBP 1,200".
  let negative = false;
  if (isDash(text.charCodeAt(start)) && text.charCodeAt(start) !== 0x2014) {
    negative = true;
    start = skipSpaceForward(text, start + 1, end);
  } else if (text.charCodeAt(start) === 43 /* + */) {
    start = skipSpaceForward(text, start + 1, end);
  }
  if (!currency && !percent) {
    for (const token of tokens) {
      if (startsWithWord(text, start, end, token) && !gluedAfter(text, start + token.length, token)) {
        currency = true;
        start = skipSpaceForward(text, start + token.length, end);
        break;
      }
    }
    if (currency && !negative && isDash(text.charCodeAt(start)) && text.charCodeAt(start) !== 0x2014) {
      negative = true;
      start = skipSpaceForward(text, start + 1, end);
    }
  }
  if (start >= end) return undefined;
  if ((currency && unit !== undefined && unit !== 'amount') || (power !== 0 && unit === 'percent')) return undefined;
  const value = readCore(text, start, end, opts.decimalComma, power);
  if (value === undefined) return undefined;
  return negative && value !== 0 ? -value : value;
}

/**
 * Reads a number (CODEBOOK.md "Numbers"): plain, with thousands separators (`125,000`, `125 000` with any
 * no-break space, `125.000,50`), a currency code or sign before or after, a k/m/million/M€ multiplier, a
 * trailing `%`, a sign. Returns null for blank, n/a, -, nc, ns; undefined for anything else it cannot read.
 * Ranges are not checked here: `-5` is -5.
 */
export function parseNumber(raw: string, opts: NumberOptions): Parsed<number> {
  let start = 0;
  let end = raw.length;
  while (start < end && isSpace(raw.charCodeAt(start))) start++;
  while (end > start && isSpace(raw.charCodeAt(end - 1))) end--;
  if (start === end) return null;
  const value = readNumber(raw, start, end, opts);
  if (value !== undefined) return value;
  return isNumberNullWord(raw.slice(start, end)) ? null : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Years

/** Reads exactly four digits at text[at, at+4), or -1. */
function fourDigits(text: string, at: number): number {
  let value = 0;
  for (let i = at; i < at + 4; i++) {
    const digit = text.charCodeAt(i) - DIGIT_0;
    if (!(digit >= 0 && digit <= 9)) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * Reads a year (CODEBOOK.md "Years"): `2014`, `FY2014`, `FY 2014`, and a financial year `2014/15`, `2014-15`,
 * `2014/2015` (the second year must follow the first) → 2014. Null words as for numbers; else undefined.
 */
export function parseYear(raw: string): Parsed<number> {
  let start = 0;
  let end = raw.length;
  while (start < end && isSpace(raw.charCodeAt(start))) start++;
  while (end > start && isSpace(raw.charCodeAt(end - 1))) end--;
  if (start === end) return null;
  const year = readYear(raw, start, end);
  if (year !== undefined) return year;
  return isNumberNullWord(raw.slice(start, end)) ? null : undefined;
}

/** The year of a trimmed, non-empty year cell, or undefined. */
function readYear(text: string, start: number, end: number): number | undefined {
  if (startsWithWord(text, start, end, 'fy')) start = skipSpaceForward(text, start + 2, end);
  const year = fourDigits(text, start);
  if (year < 0) return undefined;
  let i = start + 4;
  if (i === end) return year;
  const separator = text.charCodeAt(i);
  if (separator !== 47 /* / */ && !isDash(separator)) return undefined;
  i++;
  const length = end - i;
  if (length === 2) {
    const next = (text.charCodeAt(i) - DIGIT_0) * 10 + (text.charCodeAt(i + 1) - DIGIT_0);
    return isDigits(text, i, end) && next === (year + 1) % 100 ? year : undefined;
  }
  if (length === 4) return fourDigits(text, i) === year + 1 ? year : undefined;
  return undefined;
}

/** True when text[start, end) is all ASCII digits. */
function isDigits(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - DIGIT_0;
    if (digit < 0 || digit > 9) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Timestamps

// Both patterns are anchored and have no nested or overlapping quantifiers, so they run in linear time.
const ISO_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)? ?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const UK_PATTERN = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:,? (\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil); any year, no Date. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** The number of days in a month of a proleptic Gregorian year. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Epoch ms of a UTC date-time, or undefined when any part is out of range (31/02, 24:00, minute 60). */
function epochMs(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
): number | undefined {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + ms;
}

/**
 * Reads a timestamp (CODEBOOK.md "submitted_at") as epoch milliseconds UTC: ISO 8601 (a date, or a date-time
 * with "T" or a space, with or without seconds and fraction, with Z or an offset, which is applied; without
 * one it is read as UTC), or UK `dd/mm/yyyy` (or `d/m/yyyy`) with optional ` hh:mm[:ss]`, read as UTC.
 * Impossible dates (31/02/2023) are undefined; null words as for numbers.
 */
export function parseTimestamp(raw: string): Parsed<number> {
  const text = raw.trim();
  if (text === '') return null;
  const iso = ISO_PATTERN.exec(text);
  if (iso !== null) {
    const [, y, mo, d, h, mi, s, fraction, zone] = iso;
    // A zone needs a time: "2023-05-04Z" is not ISO 8601.
    if (zone !== undefined && h === undefined) return undefined;
    const ms = fraction === undefined ? 0 : Math.round(Number(`0.${fraction}`) * 1000);
    const local = epochMs(Number(y), Number(mo), Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), 0);
    const offset = offsetMs(zone);
    if (local === undefined || offset === undefined) return undefined;
    return local + ms - offset;
  }
  const uk = UK_PATTERN.exec(text);
  if (uk !== null) {
    const [, d, mo, y, h, mi, s] = uk;
    return epochMs(Number(y), Number(mo), Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), 0);
  }
  return isNumberNullWord(text) ? null : undefined;
}

/** The offset of an ISO zone designator in milliseconds ("+01:00" → 3 600 000); Z or none is 0. */
function offsetMs(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === 'Z' || zone === 'z') return 0;
  const sign = zone.charCodeAt(0) === 45 ? -1 : 1;
  const hours = Number(zone.slice(1, 3));
  const minutes = zone.length > 3 ? Number(zone.slice(zone.length - 2)) : 0;
  if (hours > 23 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes) * 60_000;
}

// ---------------------------------------------------------------------------------------------------------
// Coded answers

/**
 * A matcher for one code list (CODEBOOK.md "Values"): the folded cell is looked up among the folded answers,
 * labels and codes, so case, accents, spaces and punctuation never matter. A blank cell, or one of punctuation
 * only ("-"), is null; an answer not in the list is undefined. Throws when the list maps one folded answer to
 * two codes, which is a bug in the list, not in the data.
 */
export function createCodeMatcher(list: CodeList): (raw: string) => Parsed<string> {
  const byFolded = new Map<string, string>();
  for (const entry of list) {
    for (const answer of [entry.code, entry.label, ...entry.answers]) {
      const key = fold(answer);
      const previous = byFolded.get(key);
      if (previous !== undefined && previous !== entry.code) {
        throw new Error(`ingest: answer "${answer}" must map to one code, got "${previous}" and "${entry.code}"`);
      }
      byFolded.set(key, entry.code);
    }
  }
  return (raw) => {
    const key = fold(raw);
    if (key === '') return null;
    const code = byFolded.get(key);
    return code === undefined ? undefined : code;
  };
}
