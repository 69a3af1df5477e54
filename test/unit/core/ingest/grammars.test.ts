import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createCodeMatcher,
  parseBoolean,
  parseNumber,
  parseTimestamp,
  parseYear,
} from '../../../../core/ingest/grammars.ts';
import {
  type CodeList,
  LEGAL_FORMS,
  PARENT_BODIES,
  REGIONS_FR,
  REGIONS_GB,
  SECTORS,
  TURNOVER_TRENDS,
} from '../../../../schemas/index.ts';

const UK = { decimalComma: false } as const;
const FR = { decimalComma: true } as const;

/** The same answer as respondents type it: other case, extra spaces, accents dropped, punctuation changed. */
function noisy(answer: string): string[] {
  const unaccented = answer.normalize('NFD').replace(/\p{M}/gu, '');
  return [
    answer,
    answer.toUpperCase(),
    answer.toLowerCase(),
    `  ${answer}\t`,
    answer.replace(/ /g, '   '),
    unaccented,
    unaccented.toUpperCase().replace(/ /g, '-'),
    `${answer}.`,
  ];
}

describe('parseBoolean', () => {
  // CODEBOOK.md "Booleans", transcribed.
  const table: [string, boolean | null][] = [
    ...['yes', 'y', 'true', '1', 'x', 'oui', 'o', 'vrai'].map((word) => [word, true] as [string, boolean]),
    ...['no', 'n', 'false', '0', 'non', 'faux'].map((word) => [word, false] as [string, boolean]),
    ...['', 'n/a', 'na', '-', "don't know", 'ne sait pas'].map((word) => [word, null] as [string, null]),
  ];

  it.each(table)('reads %j and its noisy spellings as %s', (word, expected) => {
    for (const variant of noisy(word)) expect(parseBoolean(variant), JSON.stringify(variant)).toBe(expected);
  });

  it('reads "Don\'t know" with a typographic apostrophe as null', () => {
    expect(parseBoolean('Don’t know')).toBeNull();
    expect(parseBoolean('DON T KNOW')).toBeNull();
  });

  it.each(['maybe', 'yes please', 'nope', '2', 'oui/non', 'true false'])('cannot read %j', (word) => {
    expect(parseBoolean(word)).toBeUndefined();
  });

  it('reads any casing and spacing of a known word', () => {
    const words = fc.constantFrom(
      ['yes', true],
      ['oui', true],
      ['vrai', true],
      ['true', true],
      ['no', false],
      ['non', false],
      ['faux', false],
      ['false', false],
      ['ne sait pas', null],
      ["don't know", null],
    );
    const space = fc.constantFrom(' ', '\t', '\u00a0', '');
    fc.assert(
      fc.property(
        words,
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        space,
        space,
        (pair, upper, before, after) => {
          const [word, expected] = pair as [string, boolean | null];
          const cased = [...word].map((char, i) => (upper[i] ? char.toUpperCase() : char)).join('');
          expect(parseBoolean(`${before}${cased}${after}`)).toBe(expected);
        },
      ),
    );
  });
});

describe('parseNumber', () => {
  // CODEBOOK.md "Numbers": every form it lists, in both surveys.
  const both: [string, number | null][] = [
    ['125000', 125000],
    ['125000.50', 125000.5],
    ['125,000', 125000],
    ['125 000', 125000],
    ['125\u00a0000', 125000],
    ['125\u202f000', 125000],
    ['1,250,000', 1250000],
    ['£125,000', 125000],
    ['£ 125,000', 125000],
    ['125,000£', 125000],
    ['GBP 125000', 125000],
    ['125000 gbp', 125000],
    ['€125 000', 125000],
    ['125 000 €', 125000],
    ['EUR 125000', 125000],
    ['125000 Eur', 125000],
    ['£1.2m', 1200000],
    ['£1.2M', 1200000],
    ['1.2 million', 1200000],
    ['1.2 M€', 1200000],
    ['3mn', 3000000],
    ['850k', 850000],
    ['850K', 850000],
    ['£850k', 850000],
    ['45%', 45],
    ['45 %', 45],
    ['12.5%', 12.5],
    ['0', 0],
    ['-5', -5],
    ['-£5', -5],
    ['£-5', -5],
    ['  42  ', 42],
    ['0.5', 0.5],
    ['', null],
    ['   ', null],
    ['-', null],
    ['n/a', null],
    ['N/A', null],
    ['nc', null],
    ['NC', null],
    ['ns', null],
    ['Ns', null],
  ];

  it.each(both)('reads %j as %s in uk-se', (raw, expected) => {
    expect(parseNumber(raw, UK)).toBe(expected);
  });

  it.each(both)('reads %j as %s in fr-ess', (raw, expected) => {
    expect(parseNumber(raw, FR)).toBe(expected);
  });

  const frenchOnly: [string, number][] = [
    ['125.000,50', 125000.5],
    ['1 250 000,5', 1250000.5],
    ['1\u202f250\u202f000,5', 1250000.5],
    ['1,2 M€', 1200000],
    ['1,2M€', 1200000],
    ['1,5', 1.5],
    ['0,500', 0.5],
    ['12,5 %', 12.5],
    ['1.234', 1234],
    ['1.234.567', 1234567],
    [',5', 0.5],
    ['1,000k', 1000000],
  ];

  it.each(frenchOnly)('reads %j as %s in fr-ess, where a comma is a decimal comma', (raw, expected) => {
    expect(parseNumber(raw, FR)).toBe(expected);
  });

  it.each(['125.000,50', '1 250 000,5', '1,2 M€', '1,5', '0,500', '1,2345'])(
    'cannot read %j in uk-se, where a comma not followed by three digits is not a decimal comma',
    (raw) => {
      expect(parseNumber(raw, UK)).toBeUndefined();
    },
  );

  it('reads a dot followed by three digits as a decimal point in uk-se and a thousands separator in fr-ess', () => {
    expect(parseNumber('1.234', UK)).toBe(1.234);
    expect(parseNumber('1.234', FR)).toBe(1234);
  });

  it('reads English thousands with a decimal point in both surveys', () => {
    expect(parseNumber('1,234.5', UK)).toBe(1234.5);
    expect(parseNumber('1,234.5', FR)).toBe(1234.5);
  });

  it.each([
    'abc',
    '12 5',
    '1.2.3',
    '1,,000',
    '1,000,00',
    '1 000,000.5',
    '1e5',
    '£',
    '5£€',
    '12 apples',
    '5 heures',
    '--5',
    '1.234.5',
    '?',
  ])('cannot read %j', (raw) => {
    expect(parseNumber(raw, UK)).toBeUndefined();
    expect(parseNumber(raw, FR)).toBeUndefined();
  });

  it('reads decimal values without float noise', () => {
    expect(parseNumber('125000.50', UK)).toBe(125000.5);
    expect(parseNumber('1,2 M€', FR)).toBe(1200000);
    expect(parseNumber('£1.1m', UK)).toBe(1100000);
    expect(parseNumber('0.3k', UK)).toBe(300);
    expect(parseNumber('4.35 million', UK)).toBe(4350000);
  });

  it('accepts only the survey currency when one is given', () => {
    expect(parseNumber('£5,000', { ...UK, currency: 'GBP' })).toBe(5000);
    expect(parseNumber('5000 GBP', { ...UK, currency: 'GBP' })).toBe(5000);
    expect(parseNumber('€5,000', { ...UK, currency: 'GBP' })).toBeUndefined();
    expect(parseNumber('5 000 euros', { ...FR, currency: 'EUR' })).toBe(5000);
    expect(parseNumber('£5 000', { ...FR, currency: 'EUR' })).toBeUndefined();
  });

  it('refuses a percent sign in an amount and a currency in a percentage or a count', () => {
    expect(parseNumber('45%', { ...UK, unit: 'amount' })).toBeUndefined();
    expect(parseNumber('£45', { ...UK, unit: 'percent' })).toBeUndefined();
    expect(parseNumber('4k', { ...UK, unit: 'percent' })).toBeUndefined();
    expect(parseNumber('£45', { ...UK, unit: 'count' })).toBeUndefined();
    expect(parseNumber('1.2k', { ...UK, unit: 'count' })).toBe(1200);
    expect(parseNumber('45%', { ...UK, unit: 'percent' })).toBe(45);
    expect(parseNumber('£45k', { ...UK, unit: 'amount' })).toBe(45000);
  });

  /** "1234567" grouped in threes with `separator`. */
  const group = (digits: string, separator: string) => digits.replace(/\B(?=(\d{3})+$)/g, separator);

  const integers = fc.bigInt({ min: 0n, max: 999_999_999_999n }).map(String);

  it('reads back any whole number written plain or with thousands separators, with a currency before or after', () => {
    const style = fc.constantFrom(',', ' ', '\u00a0', '\u202f', '');
    const currency = fc.constantFrom(['', ''], ['£', ''], ['', ' £'], ['GBP ', ''], ['', 'EUR'], ['€ ', ''], ['', '€']);
    fc.assert(
      fc.property(integers, style, currency, fc.boolean(), (digits, separator, [before, after], french) => {
        const text = `${before}${group(digits, separator)}${after}`;
        expect(parseNumber(text, french ? FR : UK)).toBe(Number(digits));
      }),
    );
  });

  it('reads back any decimal number in English and in French style', () => {
    const fraction = fc.stringMatching(/^\d{1,2}$/);
    fc.assert(
      fc.property(integers, fraction, fc.constantFrom(' ', '.', '\u202f'), (digits, frac, separator) => {
        const expected = Number(`${digits}.${frac}`);
        expect(parseNumber(`${digits}.${frac}`, UK)).toBe(expected);
        expect(parseNumber(`${group(digits, ',')}.${frac}`, UK)).toBe(expected);
        expect(parseNumber(`${group(digits, ',')}.${frac}`, FR)).toBe(expected);
        expect(parseNumber(`${group(digits, separator)},${frac}`, FR)).toBe(expected);
      }),
    );
  });

  it('reads back any amount written with a k or m multiplier, exactly', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 999_999 }),
        fc.constantFrom(['k', 3], ['K', 3], ['m', 6], ['M', 6], [' million', 6], [' M€', 6]),
        fc.integer({ min: 0, max: 3 }),
        fc.boolean(),
        (mantissa, [suffix, power], decimals, french) => {
          // A French comma followed by exactly three digits is a thousands separator (the codebook's rule).
          fc.pre(!(french && decimals === 3));
          const text = String(mantissa).padStart(decimals + 1, '0');
          const whole = text.slice(0, text.length - decimals);
          const frac = text.slice(text.length - decimals);
          const written = decimals === 0 ? whole : `${whole}${french ? ',' : '.'}${frac}`;
          const expected = mantissa * 10 ** ((power as number) - decimals);
          expect(parseNumber(`${written}${suffix}`, french ? FR : UK)).toBe(expected);
        },
      ),
    );
  });

  it('reads back any negative number and any percentage', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (value) => {
        expect(parseNumber(`-${value}`, UK)).toBe(-value);
        expect(parseNumber(`${value}%`, FR)).toBe(value);
      }),
    );
  });
});

describe('parseYear', () => {
  it.each([
    ['2014', 2014],
    ['FY2014', 2014],
    ['fy2014', 2014],
    ['FY 2014', 2014],
    ['2014/15', 2014],
    ['2014-15', 2014],
    ['2014–15', 2014],
    ['2014/2015', 2014],
    ['1999/00', 1999],
    [' 2014 ', 2014],
    ['', null],
    ['n/a', null],
    ['-', null],
  ])('reads %j as %s', (raw, expected) => {
    expect(parseYear(raw)).toBe(expected);
  });

  it.each(['14', '20144', '2014/16', '2014/2016', '2014/1', 'FY', 'twenty', '2014.5', '2014/15/16'])(
    'cannot read %j',
    (raw) => {
      expect(parseYear(raw)).toBeUndefined();
    },
  );

  it('reads any year from 1800 to 2100 in every form', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1800, max: 2100 }), (year) => {
        const next = String((year + 1) % 100).padStart(2, '0');
        for (const form of [
          `${year}`,
          `FY${year}`,
          `fy ${year}`,
          `${year}/${next}`,
          `${year}-${next}`,
          `${year}/${year + 1}`,
          ` ${year}-${year + 1} `,
        ]) {
          expect(parseYear(form), form).toBe(year);
        }
      }),
    );
  });
});

describe('parseTimestamp', () => {
  it.each([
    ['2023-05-04', Date.UTC(2023, 4, 4)],
    ['2023-05-04T10:22', Date.UTC(2023, 4, 4, 10, 22)],
    ['2023-05-04T10:22:33', Date.UTC(2023, 4, 4, 10, 22, 33)],
    ['2023-05-04 10:22:33', Date.UTC(2023, 4, 4, 10, 22, 33)],
    ['2023-05-04T10:22:33.5Z', Date.UTC(2023, 4, 4, 10, 22, 33, 500)],
    ['2023-05-04T10:22:33.123456Z', Date.UTC(2023, 4, 4, 10, 22, 33, 123)],
    ['2023-05-04T10:22:33+01:00', Date.UTC(2023, 4, 4, 9, 22, 33)],
    ['2023-05-04T10:22:33-0230', Date.UTC(2023, 4, 4, 12, 52, 33)],
    ['2023-05-04T00:30+02', Date.UTC(2023, 4, 3, 22, 30)],
    ['04/05/2023', Date.UTC(2023, 4, 4)],
    ['4/5/2023', Date.UTC(2023, 4, 4)],
    ['04/05/2023 10:22', Date.UTC(2023, 4, 4, 10, 22)],
    ['04/05/2023 10:22:33', Date.UTC(2023, 4, 4, 10, 22, 33)],
    ['29/02/2024 23:59:59', Date.UTC(2024, 1, 29, 23, 59, 59)],
    ['2023-05-04t10:22:33z', Date.UTC(2023, 4, 4, 10, 22, 33)],
    ['2023-05-04T10:22:33-00:00', Date.UTC(2023, 4, 4, 10, 22, 33)],
    ['2023-05-04T00:22:33+23:59', Date.UTC(2023, 4, 3, 0, 23, 33)],
    [' 04/05/2023 10:22 ', Date.UTC(2023, 4, 4, 10, 22)],
    ['\u00a02023-05-04\n', Date.UTC(2023, 4, 4)],
    ['', null],
    ['n/a', null],
  ])('reads %j', (raw, expected) => {
    expect(parseTimestamp(raw)).toBe(expected);
  });

  it.each([
    '31/02/2023',
    '29/02/2023',
    '2023-02-29',
    '2023-13-01',
    '2023-04-31',
    '00/01/2023',
    '2023-05-04T24:00',
    '2023-05-04T10:60',
    '2023-05-04T10:22:60',
    '2023-05-04T10:22+25:00',
    '2023-05-04T10:22:33+24:00',
    '2023-05-04T10:22:33-00:60',
    '2023-02-29T10:22:33+01:00',
    '2023-05-04_10:22:33',
    '04/05/2023T10:22',
    '2023-05-04Z',
    '05/04/23',
    'yesterday',
    '2023/05/04',
  ])('rejects %j', (raw) => {
    expect(parseTimestamp(raw)).toBeUndefined();
  });

  const instants = fc.date({
    min: new Date(Date.UTC(1900, 0, 1)),
    max: new Date(Date.UTC(2100, 11, 31, 23, 59, 59)),
    noInvalidDate: true,
  });
  const pad = (value: number, length = 2) => String(value).padStart(length, '0');

  it('reads back any date-time written in ISO 8601, with Z or with an offset', () => {
    fc.assert(
      fc.property(instants, fc.integer({ min: -12 * 60, max: 14 * 60 }), (date, offsetMinutes) => {
        expect(parseTimestamp(date.toISOString())).toBe(date.getTime());
        const local = new Date(date.getTime() + offsetMinutes * 60_000);
        const sign = offsetMinutes < 0 ? '-' : '+';
        const zone = `${sign}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`;
        expect(parseTimestamp(`${local.toISOString().slice(0, 23)}${zone}`)).toBe(date.getTime());
      }),
    );
  });

  it('reads back any date-time written dd/mm/yyyy hh:mm:ss, to the second', () => {
    fc.assert(
      fc.property(instants, (date) => {
        const text = `${pad(date.getUTCDate())}/${pad(date.getUTCMonth() + 1)}/${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
        expect(parseTimestamp(text)).toBe(Math.floor(date.getTime() / 1000) * 1000);
      }),
    );
  });

  it('rejects any day past the end of its month, in both forms', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1900, max: 2100 }), fc.integer({ min: 1, max: 12 }), (year, month) => {
        const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
        for (let day = last + 1; day <= 32; day++) {
          expect(parseTimestamp(`${pad(day)}/${pad(month)}/${year}`)).toBeUndefined();
          expect(parseTimestamp(`${year}-${pad(month)}-${pad(day)}`)).toBeUndefined();
        }
        expect(parseTimestamp(`${last}/${month}/${year}`)).toBe(Date.UTC(year, month - 1, last));
      }),
    );
  });
});

describe('createCodeMatcher', () => {
  /** A codebook table line "code: answer · answer" → [code, answers]. */
  const rows = (lines: string): [string, string[]][] =>
    lines
      .trim()
      .split('\n')
      .map((line) => {
        const [code, answers] = line.split(': ') as [string, string];
        return [code.trim(), answers.split(' · ')];
      });

  // CODEBOOK.md "Values", transcribed.
  const codebook: [string, CodeList, [string, string[]][]][] = [
    [
      'legal forms',
      LEGAL_FORMS,
      rows(`
cic: Community Interest Company · CIC · C.I.C.
cooperative: Co-operative · Cooperative · Co-op · Worker co-operative · Coopérative · SCOP · SCIC
community_benefit_society: Community Benefit Society · BenCom · CBS
company_limited_by_guarantee: Company limited by guarantee · CLG
company_limited_by_shares: Company limited by shares · Ltd · Private limited company · SAS · SARL
charity: Charity · Registered charity · CIO · Charitable Incorporated Organisation
mutual: Mutual · Mutuelle · Mutual society
association: Association · Association loi 1901
foundation: Foundation · Fondation · Fonds de dotation
other: Other · Autre`),
    ],
    [
      'sectors',
      SECTORS,
      rows(`
health: Health · Healthcare · Health care · Santé
social_care: Social care · Adult social care · Care · Action sociale · Médico-social
education: Education · Enseignement · Éducation
youth: Youth services · Youth · Jeunesse
employment_skills: Employment and skills · Employment & skills · Employment · Emploi et formation · Insertion
housing: Housing · Logement
arts_culture: Arts and culture · Arts & culture · Culture · Arts
leisure_sport: Leisure · Sport and leisure · Sport · Sport et loisirs
environment: Environment · Environnement · Recycling
community_development: Community development · Community · Développement local
finance: Finance · Financial services · Banque et assurance
retail: Retail · Trading · Commerce
other: Other · Autre`),
    ],
    [
      'parent bodies',
      PARENT_BODIES,
      rows(`
health_service: NHS · NHS trust · CCG · Health service · Hôpital · Établissement de santé
local_authority: Local authority · Council · County council · Collectivité territoriale · Commune · Département · Région
central_government: Central government · Government department · État · Ministère
other_public: Other public body · Other · Autre organisme public`),
    ],
    [
      'turnover trends',
      TURNOVER_TRENDS,
      rows(`
increased: Increased · Up · Grew · En hausse · Augmenté
same: Stayed the same · Same · Stable
decreased: Decreased · Down · Fell · En baisse · Diminué`),
    ],
    [
      'GB regions',
      REGIONS_GB,
      rows(`
TLC: North East
TLD: North West
TLE: Yorkshire and The Humber · Yorkshire & Humber
TLF: East Midlands
TLG: West Midlands
TLH: East of England · East
TLI: London
TLJ: South East
TLK: South West
TLL: Wales
TLM: Scotland
TLN: Northern Ireland`),
    ],
    [
      'FR regions',
      REGIONS_FR,
      rows(`
FR-ARA: Auvergne-Rhône-Alpes
FR-BFC: Bourgogne-Franche-Comté
FR-BRE: Bretagne
FR-CVL: Centre-Val de Loire
FR-20R: Corse
FR-GES: Grand Est
FR-HDF: Hauts-de-France
FR-IDF: Île-de-France
FR-NOR: Normandie
FR-NAQ: Nouvelle-Aquitaine
FR-OCC: Occitanie
FR-PDL: Pays de la Loire
FR-PAC: Provence-Alpes-Côte d'Azur
FR-971: Guadeloupe
FR-972: Martinique
FR-973: Guyane
FR-974: La Réunion
FR-976: Mayotte`),
    ],
  ];

  it.each(codebook)('maps every answer of the %s, with case, space, accent and punctuation noise', (_, list, table) => {
    const match = createCodeMatcher(list);
    for (const [code, answers] of table) {
      for (const answer of [code, ...answers]) {
        for (const variant of noisy(answer)) expect(match(variant), `${JSON.stringify(variant)} → ${code}`).toBe(code);
      }
    }
  });

  it.each(codebook)('knows no code of the %s that the codebook does not list', (_, list, table) => {
    expect(list.map((entry) => entry.code)).toEqual(table.map(([code]) => code));
  });

  it('reads "  HEALTH-care " as health, as the codebook promises', () => {
    expect(createCodeMatcher(SECTORS)('  HEALTH-care ')).toBe('health');
  });

  it('reads a blank or punctuation-only cell as null and an unknown answer as undefined', () => {
    const match = createCodeMatcher(SECTORS);
    expect(match('')).toBeNull();
    expect(match('  ')).toBeNull();
    expect(match('-')).toBeNull();
    expect(match('Agriculture')).toBeUndefined();
    expect(match('Health and housing')).toBeUndefined();
  });

  it('refuses a code list that maps one answer to two codes', () => {
    const list: CodeList = [
      { code: 'a', label: 'A', answers: ['Same thing'] },
      { code: 'b', label: 'B', answers: ['same-thing'] },
    ];
    expect(() => createCodeMatcher(list)).toThrow(/ingest: answer "same-thing" must map to one code/);
  });
});
