// How a canonical value is written into a cell the way respondents and survey tools write it, and the exact
// value a correct pipeline reads back. Every form here is one the codebook defines (CODEBOOK.md "Values"), and
// a value is rounded to what its form can say exactly (£1.2m is exactly 1 200 000), so the truth is exact.
import iconv from 'iconv-lite';
import { BOOLEAN_FALSE, BOOLEAN_NULL, BOOLEAN_TRUE, type CodeList, fold, NUMBER_NULL } from '../../schemas/index.ts';
import type { Rng } from './random.ts';

/** True when every character of the text has a Windows-1252 byte. */
export function isCp1252(text: string): boolean {
  return iconv.decode(iconv.encode(text, 'win1252'), 'win1252') === text;
}

/** Removes accents (NFD, marks dropped, NFC again): what a tired typist or an ASCII-only tool writes. */
function stripAccents(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .normalize('NFC');
}

/** Capitalises the first letter of each word and lower-cases the rest. */
function titleCase(text: string): string {
  return text
    .toLowerCase()
    .replace(/(^|[\s-])(\p{L})/gu, (_, before: string, letter: string) => before + letter.toUpperCase());
}

/**
 * Spellings of an answer that fold to the same text (case, spaces, accents, punctuation between words), each
 * checked against `fold`, and encodable in Windows-1252 when the survey's files are.
 */
export function foldVariants(text: string, cp1252: boolean): string[] {
  const target = fold(text);
  const candidates = [
    text.toLowerCase(),
    text.toUpperCase(),
    `  ${text} `,
    ` ${text.toLowerCase()}`,
    titleCase(text),
    stripAccents(text),
    text.replace(/[\s-]+/g, ' - '),
    text.replace(/ /g, '  '),
    text.replace(/-/g, ' '),
  ];
  const out: string[] = [];
  for (const candidate of candidates) {
    if (candidate === text || out.includes(candidate)) continue;
    if (fold(candidate) !== target || (cp1252 && !isCp1252(candidate))) continue;
    out.push(candidate);
  }
  return out;
}

/** Answers of the code lists that are French (the rest are English, or both). */
const FRENCH = new Set(
  [
    'Coopérative',
    'SCOP',
    'SCIC',
    'SAS',
    'SARL',
    'Mutuelle',
    'Association',
    'Association loi 1901',
    'Fondation',
    'Fonds de dotation',
    'Autre',
    'Santé',
    'Action sociale',
    'Médico-social',
    'Enseignement',
    'Éducation',
    'Jeunesse',
    'Emploi et formation',
    'Insertion',
    'Logement',
    'Culture',
    'Sport',
    'Sport et loisirs',
    'Environnement',
    'Développement local',
    'Banque et assurance',
    'Commerce',
    'Hôpital',
    'Établissement de santé',
    'Collectivité territoriale',
    'Commune',
    'Département',
    'Région',
    'État',
    'Ministère',
    'Autre organisme public',
    'En hausse',
    'Augmenté',
    'Stable',
    'En baisse',
    'Diminué',
  ].map(fold),
);

/** One spelling with its fold-preserving variants. */
interface Spelling {
  readonly text: string;
  readonly variants: readonly string[];
}

/** Writes coded values as answers: mostly in the survey's language, sometimes in the other, with noise. */
export class AnswerWriter {
  private readonly native = new Map<string, Spelling[]>();
  private readonly any = new Map<string, Spelling[]>();

  /**
   * Prepares the answers of one code list; `nativeShare` is how often an answer is in the survey's language,
   * `codeShare` how often the code itself is written (accepted for regions).
   */
  constructor(
    list: CodeList,
    fr: boolean,
    private readonly nativeShare: number,
    private readonly codeShare = 0,
  ) {
    for (const entry of list) {
      const spellings = entry.answers.map((text) => ({ text, variants: foldVariants(text, fr) }));
      const native = spellings.filter((s) => FRENCH.has(fold(s.text)) === fr);
      this.any.set(entry.code, spellings);
      this.native.set(entry.code, native.length > 0 ? native : spellings);
    }
  }

  /** Every text this writer can write (codes, answers, variants), for checks at layout time. */
  texts(): string[] {
    return [...this.any.entries()].flatMap(([code, spellings]) => [
      code,
      ...spellings.flatMap((spelling) => [spelling.text, ...spelling.variants]),
    ]);
  }

  /** An answer for `code`. */
  write(code: string, rng: Rng): string {
    if (this.codeShare > 0 && rng.chance(this.codeShare)) return code;
    const pool = rng.chance(this.nativeShare) ? this.native.get(code) : this.any.get(code);
    if (pool === undefined) throw new Error(`generate: no answers for code "${code}"`);
    const spelling = rng.pick(pool);
    return spelling.variants.length > 0 && rng.chance(0.25) ? rng.pick(spelling.variants) : spelling.text;
  }
}

/** Capitalisations of a word as people type them: "yes", "Yes", "YES". */
function capitalisations(word: string): string[] {
  const title = word.charAt(0).toUpperCase() + word.slice(1);
  return [...new Set([word, title, word.toUpperCase()])];
}

/** Writes booleans and "don't know" with the words of the survey's language (and sometimes the other's). */
export class BooleanWriter {
  private readonly yes: string[];
  private readonly no: string[];
  private readonly unknown: string[];
  private readonly allYes: string[];
  private readonly allNo: string[];

  /** Builds the weighted word pools from the schema's lists, so every word of them is written. */
  constructor(fr: boolean) {
    const french = ['oui', 'o', 'vrai', 'non', 'faux', 'ne sait pas'];
    const shared = ['1', '0', 'x', 'n'];
    const native = (word: string) => shared.includes(word) || french.includes(word) === fr;
    // The survey's own words, the main one most; the other language's words only now and then (see write).
    const pool = (words: readonly string[], main: string, onlyNative: boolean) => {
      const out: string[] = [];
      for (const word of words) {
        if (onlyNative && !native(word)) continue;
        const weight = word === main ? 12 : 2;
        for (let i = 0; i < weight; i++) out.push(...capitalisations(word));
      }
      return out;
    };
    this.yes = pool(BOOLEAN_TRUE, fr ? 'oui' : 'yes', true);
    this.no = pool(BOOLEAN_FALSE, fr ? 'non' : 'no', true);
    this.allYes = pool(BOOLEAN_TRUE, fr ? 'oui' : 'yes', false);
    this.allNo = pool(BOOLEAN_FALSE, fr ? 'non' : 'no', false);
    const unknown = pool(
      BOOLEAN_NULL.filter((word) => word !== ''),
      fr ? 'ne sait pas' : "don't know",
      false,
    );
    if (!fr) unknown.push('Don’t know', 'Don’t know');
    this.unknown = unknown;
  }

  /** Every text this writer can write, for checks at layout time. */
  texts(): string[] {
    return [...this.allYes, ...this.allNo, ...this.unknown];
  }

  /** A cell for a known boolean. */
  write(value: boolean, rng: Rng): string {
    if (rng.chance(0.03)) return rng.pick(value ? this.allYes : this.allNo);
    return rng.pick(value ? this.yes : this.no);
  }

  /** A cell for a boolean the respondent did not give: blank mostly, else a "don't know" word. */
  blank(rng: Rng): string {
    return rng.chance(0.6) ? '' : rng.pick(this.unknown);
  }
}

/** A cell for a number the respondent did not give: blank mostly, else n/a, -, nc, ns. */
export function numberBlank(rng: Rng, fr: boolean): string {
  if (rng.chance(0.6)) return '';
  const word = rng.pick(NUMBER_NULL.filter((w) => w !== '' && (fr || (w !== 'nc' && w !== 'ns'))));
  return rng.chance(0.3) ? word.toUpperCase() : word;
}

/** Digits grouped by thousands with a separator: 1250000 → "1 250 000". */
export function group(digits: string, separator: string): string {
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += separator;
    out += digits[i];
  }
  return out;
}

/** A written number and the exact value it reads as. */
export interface Written {
  readonly cell: string;
  readonly value: number;
}

/**
 * A money amount in one of the codebook's forms, rounded to what the form says exactly: plain, grouped,
 * with £/GBP or €/EUR/euros before or after, `£1.2m`, `1,2 M€`, `850k`, `125000.50`, `1 250 000,5`, `125.000,50`.
 */
export function writeAmount(amount: number, fr: boolean, rng: Rng): Written {
  const whole = Math.round(amount);
  const r = rng.next();
  if (whole >= 1_000_000 && r < 0.12) {
    // Millions with one decimal (two now and then): the value is the decimal literal, so exact.
    const twoDecimals = rng.chance(0.2);
    const scaled = Math.round(whole / (twoDecimals ? 10_000 : 100_000));
    const decimals = twoDecimals ? 2 : 1;
    let mantissa = (scaled / 10 ** decimals).toFixed(decimals).replace(/0+$/, '').replace(/\.$/, '');
    const value = Number(`${scaled}e${6 - decimals}`);
    if (fr) {
      mantissa = mantissa.replace('.', ',');
      return { cell: `${mantissa}${rng.pick([' M€', ' M€', 'M€', ' M', ' millions', ' million'])}`, value };
    }
    return { cell: rng.pick([`£${mantissa}m`, `${mantissa}m`, `£${mantissa} million`, `${mantissa}M`]), value };
  }
  if (whole >= 10_000 && whole < 1_000_000 && r < 0.24) {
    const thousands = Math.round(whole / 1000);
    const value = thousands * 1000;
    if (fr)
      return { cell: rng.pick([`${thousands}k€`, `${thousands} k€`, `${thousands}k`, `${thousands} k €`]), value };
    return { cell: rng.pick([`${thousands}k`, `£${thousands}k`, `${thousands}K`]), value };
  }
  if (whole >= 1000 && r < 0.32) {
    // Pence or cents: an exact binary fraction, written with one or two decimals.
    const fraction = rng.pick([0.5, 0.25, 0.75]);
    const value = whole + fraction;
    const decimals = fraction === 0.5 && rng.chance(0.5) ? '5' : String(Math.round(fraction * 100));
    const digits = String(whole);
    if (fr) {
      const form = rng.int(3);
      const cell =
        form === 0
          ? `${group(digits, ' ')},${decimals}`
          : form === 1
            ? `${group(digits, '.')},${decimals}`
            : `${digits},${decimals}`;
      return { cell, value };
    }
    return { cell: rng.chance(0.5) ? `${digits}.${decimals}` : `${group(digits, ',')}.${decimals}`, value };
  }
  const digits = String(whole);
  // French spreadsheets group thousands with a no-break space (U+00A0, which Windows-1252 has) as often as
  // with a plain one; the codebook's reader takes any space-like separator.
  const f = rng.next();
  const grouped = fr ? group(digits, f < 0.6 ? ' ' : f < 0.9 ? '\u00a0' : ',') : group(digits, f < 0.9 ? ',' : ' ');
  const body = rng.chance(0.45) ? digits : grouped;
  const c = rng.next();
  let cell: string;
  if (fr) {
    cell =
      c < 0.55
        ? body
        : c < 0.8
          ? `${body} €`
          : c < 0.88
            ? `${body}€`
            : c < 0.94
              ? `${body} euros`
              : c < 0.97
                ? `EUR ${body}`
                : `${body} EUR`;
  } else {
    cell = c < 0.55 ? body : c < 0.88 ? `£${body}` : c < 0.95 ? `GBP ${body}` : `${body} GBP`;
  }
  return { cell, value: whole };
}

/** A headcount: plain, grouped by thousands ("1,250" / "1 250"), sometimes padded with spaces. */
export function writeCount(count: number, fr: boolean, rng: Rng): string {
  const digits = String(count);
  if (count >= 1000 && rng.chance(0.5)) return group(digits, fr ? ' ' : ',');
  return rng.chance(0.05) ? ` ${digits} ` : digits;
}

/** A percentage: whole (mostly) or one decimal of .5, with or without a trailing %. */
export function writePercent(percent: number, fr: boolean, rng: Rng): Written {
  const value = rng.chance(0.85) ? Math.round(percent) : Math.round(percent * 2) / 2;
  const text = fr ? String(value).replace('.', ',') : String(value);
  const c = rng.next();
  return { cell: c < 0.45 ? text : c < 0.8 ? `${text}%` : `${text} %`, value };
}

/** A year in one of the codebook's forms: 2014, FY2014, 2014/15, 2014-15, 2014/2015. */
export function writeYear(year: number, rng: Rng): string {
  const next2 = String((year + 1) % 100).padStart(2, '0');
  const c = rng.next();
  if (c < 0.72) return String(year);
  if (c < 0.78) return `FY${year}`;
  if (c < 0.8) return `FY ${year}`;
  if (c < 0.88) return `${year}/${next2}`;
  if (c < 0.96) return `${year}-${next2}`;
  return `${year}/${year + 1}`;
}

/** How a timestamp is written. */
export type DateForm = 'iso-z' | 'iso-space' | 'iso-offset' | 'iso-date' | 'uk-minutes' | 'uk-seconds' | 'uk-date';

/** The forms that keep whole minutes exactly (used for duplicate submissions, whose order must hold). */
export const MINUTE_FORMS: readonly DateForm[] = ['iso-z', 'iso-space', 'iso-offset', 'uk-minutes', 'uk-seconds'];
/** Every form. */
export const DATE_FORMS: readonly DateForm[] = [...MINUTE_FORMS, 'iso-date', 'uk-date'];

const pad = (n: number) => String(n).padStart(2, '0');

/** Writes a UTC time (epoch seconds) in a form; returns the cell and the epoch ms it reads as. */
export function writeTimestamp(seconds: number, form: DateForm): Written {
  const shown = form === 'iso-offset' ? seconds + 3600 : seconds;
  const d = new Date(shown * 1000);
  const y = d.getUTCFullYear();
  const mo = pad(d.getUTCMonth() + 1);
  const da = pad(d.getUTCDate());
  const h = pad(d.getUTCHours());
  const mi = pad(d.getUTCMinutes());
  const s = pad(d.getUTCSeconds());
  const midnight = Math.floor(seconds / 86_400) * 86_400_000;
  const minute = Math.floor(seconds / 60) * 60_000;
  switch (form) {
    case 'iso-z':
      return { cell: `${y}-${mo}-${da}T${h}:${mi}:${s}Z`, value: seconds * 1000 };
    case 'iso-space':
      return { cell: `${y}-${mo}-${da} ${h}:${mi}:${s}`, value: seconds * 1000 };
    case 'iso-offset':
      return { cell: `${y}-${mo}-${da}T${h}:${mi}:${s}+01:00`, value: seconds * 1000 };
    case 'iso-date':
      return { cell: `${y}-${mo}-${da}`, value: midnight };
    case 'uk-minutes':
      return { cell: `${da}/${mo}/${y} ${h}:${mi}`, value: minute };
    case 'uk-seconds':
      return { cell: `${da}/${mo}/${y} ${h}:${mi}:${s}`, value: seconds * 1000 };
    case 'uk-date':
      return { cell: `${da}/${mo}/${y}`, value: midnight };
  }
}

/** A header as exported, with the noise of hand-edited files: case, padding, accents dropped, punctuation. */
export function noisyHeader(alias: string, fr: boolean, rng: Rng): string {
  if (rng.chance(0.55)) return alias;
  const target = fold(alias);
  const words = alias.split(' ');
  const candidates = [
    ...foldVariants(alias, fr),
    `  ${words.map((w) => (rng.chance(0.5) ? w.toUpperCase() : w.toLowerCase())).join(' ')} `,
  ].filter((c) => fold(c) === target && (!fr || isCp1252(c)));
  return candidates.length > 0 ? rng.pick(candidates) : alias;
}
