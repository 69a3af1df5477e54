import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenerateError, generateWave } from '../../../../core/generate/index.ts';
import {
  BOOLEAN_FALSE,
  BOOLEAN_NULL,
  BOOLEAN_TRUE,
  CanonicalRecordSchema,
  type CodeList,
  fold,
  getSurvey,
  LEGAL_FORMS,
  PARENT_BODIES,
  REGIONS_FR,
  REGIONS_GB,
  SECTORS,
  type SourceField,
  TURNOVER_TRENDS,
} from '../../../../schemas/index.ts';
import { type Generated, generate, generated } from './helpers.ts';

const UK = { survey: 'uk-se', wave: 2023, rows: 1500, seed: 1 };
const FR = { survey: 'fr-ess', wave: 2023, rows: 1500, seed: 1 };

/** The column of each field in a generated table, by folding the header as the pipeline does. */
function columnsOf(g: Generated): Map<SourceField, number> {
  const survey = getSurvey(g.truth.survey);
  const byFold = new Map<string, SourceField>();
  for (const [field, aliases] of Object.entries(survey.headers) as [SourceField, string[]][]) {
    for (const alias of aliases) byFold.set(fold(alias), field);
  }
  const columns = new Map<SourceField, number>();
  g.table[0]!.forEach((header, i) => {
    const field = byFold.get(fold(header));
    if (field !== undefined) columns.set(field, i);
  });
  return columns;
}

/** The cells of one field over every data record. */
function cellsOf(g: Generated, field: SourceField): string[] {
  const column = columnsOf(g).get(field);
  if (column === undefined) return [];
  return g.table.slice(1).map((row) => row[column] ?? '');
}

describe('generateWave', () => {
  it('writes byte-identical files for the same options and different files for another seed', async () => {
    const a = await generate({ ...UK, rows: 800 });
    const b = await generate({ ...UK, rows: 800 });
    const c = await generate({ ...UK, rows: 800, seed: 2 });
    expect(a.bytes.equals(b.bytes)).toBe(true);
    expect(a.truth).toEqual(b.truth);
    expect(a.bytes.equals(c.bytes)).toBe(false);
  });

  it('writes the same bytes to a file path as to a stream, and names the file in source_file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'generate-'));
    try {
      const path = join(dir, 'wave.csv');
      const truth = await generateWave({ ...FR, rows: 300 }, path);
      const streamed = await generate({ ...FR, rows: 300, sourceFile: 'wave.csv' });
      expect((await readFile(path)).equals(streamed.bytes)).toBe(true);
      expect(truth.sourceFile).toBe('wave.csv');
      expect(truth.records.every((record) => record.source_file === 'wave.csv')).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([UK, FR])('accounts for every row of $survey: rows = valid + rejected + blank', async (options) => {
    const { truth, table } = await generated(options);
    const { expected } = truth;
    expect(expected.rows).toBe(options.rows);
    expect(table.length - 1).toBe(expected.rows);
    expect(expected.valid + expected.rejected + expected.blank).toBe(expected.rows);
    expect(truth.records).toHaveLength(expected.valid);
    expect(expected.rejectedRows).toHaveLength(expected.rejected);
    const rejectedNumbers = expected.rejectedRows.map((row) => row.rowNumber);
    const keptNumbers = truth.records.map((record) => record.source_row);
    expect([...rejectedNumbers].sort((a, b) => a - b)).toEqual(rejectedNumbers);
    expect([...keptNumbers].sort((a, b) => a - b)).toEqual(keptNumbers);
    expect(new Set([...rejectedNumbers, ...keptNumbers]).size).toBe(expected.valid + expected.rejected);
    expect(new Set(truth.records.map((record) => record.org_id)).size).toBe(expected.valid);
  });

  it.each([UK, FR])(
    'puts each rejected row of $survey where the truth says, as papaparse reads it',
    async (options) => {
      const g = await generated(options);
      const width = g.table[0]!.length;
      const columns = columnsOf(g);
      const cell = (rowNumber: number, field: SourceField) => g.table[rowNumber - 1]![columns.get(field)!]!.trim();
      const kinds = new Set<string>();
      for (const { rowNumber, type, fieldName } of g.truth.expected.rejectedRows) {
        const row = g.table[rowNumber - 1]!;
        kinds.add(`${type}:${fieldName ?? ''}`);
        if (type === 'extra-cell') expect(row).toHaveLength(width + 1);
        else if (type === 'missing-cell') expect(row).toHaveLength(width - 1);
        else expect(row).toHaveLength(width);
        if (type === 'constraint-error' && fieldName === 'org_id') {
          expect(cell(rowNumber, 'org_name')).toBe('');
          expect(cell(rowNumber, 'registration_number')).toBe('');
        }
        if (type === 'constraint-error' && fieldName === 'employees')
          expect(cell(rowNumber, 'employees')).toMatch(/^-\d+$/);
        if (type === 'constraint-error' && fieldName === 'founded_year') {
          expect(Number(cell(rowNumber, 'founded_year'))).toBeLessThan(1800);
        }
        if (type === 'type-error' && fieldName === 'sector') {
          expect(cell(rowNumber, 'sector')).toMatch(/Spaceflight|Conquête spatiale/);
        }
      }
      // Every invalid kind shows up in a wave of this size.
      for (const kind of [
        'extra-cell:',
        'missing-cell:',
        'duplicate-row:org_id',
        'constraint-error:org_id',
        'constraint-error:employees',
        'constraint-error:founded_year',
        'constraint-error:spinout_year',
      ]) {
        expect(kinds).toContain(kind);
      }
      expect([...kinds].some((kind) => kind.startsWith('type-error:'))).toBe(true);
      expect(
        kinds.has('constraint-error:public_income_pct') || kinds.has('constraint-error:surplus_reinvested_pct'),
      ).toBe(true);
      // Blank rows: every cell empty (after trimming, as the pipeline reads them).
      const kept = new Set([
        ...g.truth.records.map((record) => record.source_row),
        ...g.truth.expected.rejectedRows.map((row) => row.rowNumber),
      ]);
      let blank = 0;
      for (let rowNumber = 2; rowNumber <= g.truth.expected.rows + 1; rowNumber++) {
        if (kept.has(rowNumber)) continue;
        expect(g.table[rowNumber - 1]!.every((value) => value.trim() === '')).toBe(true);
        blank++;
      }
      expect(blank).toBe(g.truth.expected.blank);
    },
  );

  it('keeps, of two submissions of one organisation, the latest, and on a tie the later row', async () => {
    const g = await generated(UK);
    const columns = columnsOf(g);
    const keptRows = new Set(g.truth.records.map((record) => record.source_row));
    const byRow = new Map(g.truth.records.map((record) => [record.source_row, record]));
    const registration = (rowNumber: number) =>
      fold(g.table[rowNumber - 1]![columns.get('registration_number')!]!).replace(/ /g, '');
    const name = (rowNumber: number) => fold(g.table[rowNumber - 1]![columns.get('org_name')!]!).replace(/ /g, '');
    let checked = 0;
    for (const { rowNumber, type } of g.truth.expected.rejectedRows) {
      if (type !== 'duplicate-row') continue;
      const key = registration(rowNumber) || name(rowNumber);
      const winners = [...keptRows].filter((row) => (registration(row) || name(row)) === key);
      expect(winners).toHaveLength(1);
      const winner = byRow.get(winners[0]!)!;
      expect(winner.submitted_at).not.toBeNull();
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('writes fr-ess in Windows-1252 with ";" and CRLF line ends', async () => {
    const { bytes } = await generated(FR);
    expect(bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(false);
    expect(bytes.includes(Buffer.from([0xe9]))).toBe(true); // é
    expect(bytes.includes(Buffer.from('é', 'utf8'))).toBe(false);
    const lf = bytes.filter((byte) => byte === 0x0a).length;
    const crlf = bytes.toString('latin1').split('\r\n').length - 1;
    // Every record ends in CRLF; only line breaks inside quoted notes are bare LFs.
    expect(crlf).toBeGreaterThan(1500 - 1);
    expect(lf - crlf).toBeLessThan(100);
    expect(bytes.toString('latin1').split('\n')[0]).toContain(';');
  });

  it('writes uk-se in UTF-8 with "," and LF line ends, with a byte-order mark in some waves only', async () => {
    const boms = new Set<boolean>();
    for (const wave of [2019, 2021, 2023, 2025]) {
      const { bytes, truth } = await generate({ ...UK, wave, rows: 50 });
      const bom = bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]));
      boms.add(bom);
      expect(truth.encoding).toBe(bom ? 'utf-8-bom' : 'utf-8');
      expect(bytes.includes(Buffer.from('\r\n'))).toBe(false);
      expect(truth.delimiter).toBe(',');
    }
    expect(boms).toEqual(new Set([true, false]));
    const { bytes } = await generated(UK);
    expect(bytes.includes(Buffer.from('£', 'utf8'))).toBe(true);
  });

  it('quotes cells holding the delimiter, quotes and line breaks, and a multi-line cell is still one record', async () => {
    const g = await generated(UK);
    const text = g.bytes.toString('utf8');
    expect(text).toMatch(/"[^"\n]*Smith, Jones & ""Co""/);
    const multiLine = g.table.slice(1).filter((row) => row.some((value) => value.includes('\n')));
    expect(multiLine.length).toBeGreaterThan(0);
    expect(g.table.length - 1).toBe(g.truth.expected.rows);
  });

  it.each([UK, FR])('gives truth records of $survey that satisfy CanonicalRecordSchema', async (options) => {
    const { truth } = await generated(options);
    for (const record of truth.records) {
      const result = CanonicalRecordSchema.safeParse({ ...record, ingested_at: 0 });
      expect(result.success, JSON.stringify(result.error?.issues[0])).toBe(true);
      expect(Object.keys(record)).toEqual(Object.keys(CanonicalRecordSchema.shape).filter((k) => k !== 'ingested_at'));
    }
    const sample = truth.records[0]!;
    expect(sample.country).toBe(options.survey === 'uk-se' ? 'GB' : 'FR');
    expect(sample.currency).toBe(options.survey === 'uk-se' ? 'GBP' : 'EUR');
    expect(truth.records.every((record) => record.is_spinout || record.spinout_year === null)).toBe(true);
  });

  it('derives response_id from the raw row when a wave has no respondent id column', async () => {
    const waves = await Promise.all(
      [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => generated({ survey: 'uk-se', wave: 2021, rows: 60, seed })),
    );
    const without = waves.filter((g) => !columnsOf(g).has('response_id'));
    const withId = waves.filter((g) => columnsOf(g).has('response_id'));
    expect(without.length).toBeGreaterThan(0);
    expect(withId.length).toBeGreaterThan(0);
    for (const g of without) {
      for (const record of g.truth.records) {
        const { createHash } = await import('node:crypto');
        const row = g.table[record.source_row - 1]!;
        expect(record.response_id).toBe(createHash('sha256').update(row.join('\u001f')).digest('hex').slice(0, 16));
      }
    }
  });

  it('refuses an unknown survey, a wave out of range and a bad row count with one-line errors', async () => {
    const sink = () => join(tmpdir(), 'never-written.csv');
    await expect(generateWave({ ...UK, survey: 'nope' }, sink())).rejects.toThrow(
      /^generate: unknown survey "nope"; expected one of uk-se, fr-ess$/,
    );
    await expect(generateWave({ ...UK, wave: 1990 }, sink())).rejects.toThrow(GenerateError);
    await expect(generateWave({ ...UK, rows: 0 }, sink())).rejects.toThrow(/rows must be a whole number from 1/);
    await expect(generateWave({ ...UK, rows: 2.5 }, sink())).rejects.toThrow(/got 2.5/);
    await expect(generateWave({ ...UK, seed: -1 }, sink())).rejects.toThrow(/seed must be a whole number >= 0/);
  });
});

describe('the panel across waves of one seed', () => {
  let w2021: Generated;
  let w2023: Generated;
  beforeAll(async () => {
    w2021 = await generate({ ...UK, wave: 2021, rows: 1200 });
    w2023 = await generate({ ...UK, wave: 2023, rows: 1500 });
  });

  it('brings most organisations back under the same org_id, with some attrition and some newcomers', () => {
    const before = new Map(w2021.truth.records.map((record) => [record.org_id, record]));
    const after = w2023.truth.records;
    const back = after.filter((record) => before.has(record.org_id));
    expect(back.length / before.size).toBeGreaterThan(0.5);
    expect(back.length).toBeLessThan(after.length);
    expect(back.length).toBeLessThan(before.size);
    for (const record of back) {
      const old = before.get(record.org_id)!;
      expect(record.is_spinout).toBe(old.is_spinout);
      expect(record.sector).toBe(old.sector);
      if (record.founded_year !== null && old.founded_year !== null) expect(record.founded_year).toBe(old.founded_year);
      if (record.spinout_year !== null && old.spinout_year !== null) expect(record.spinout_year).toBe(old.spinout_year);
    }
    // Turnover moves between waves.
    const moved = back.filter((record) => {
      const old = before.get(record.org_id)!;
      return record.turnover !== null && old.turnover !== null && record.turnover !== old.turnover;
    });
    expect(moved.length / back.length).toBeGreaterThan(0.8);
  });

  it('gives a sector that looks like the public-service-mutual sector', () => {
    const records = w2023.truth.records;
    const spinouts = records.filter((record) => record.is_spinout);
    expect(spinouts.length / records.length).toBeGreaterThan(0.1);
    const healthAndCare = spinouts.filter((r) => r.sector === 'health' || r.sector === 'social_care');
    expect(healthAndCare.length / spinouts.length).toBeGreaterThan(0.5);
    const years = spinouts.map((r) => r.spinout_year).filter((y): y is number => y !== null);
    expect(years.filter((y) => y >= 2011 && y <= 2015).length / years.length).toBeGreaterThan(0.45);
    const parents = spinouts.map((r) => r.parent_body).filter((p) => p !== null);
    const nhsOrCouncil = parents.filter((p) => p === 'health_service' || p === 'local_authority');
    expect(nhsOrCouncil.length / parents.length).toBeGreaterThan(0.7);
    const trends = records.map((r) => r.turnover_trend).filter((t) => t !== null);
    const up = trends.filter((t) => t === 'increased').length / trends.length;
    expect(up).toBeGreaterThan(0.45);
    expect(up).toBeLessThan(0.8);
  });
});

describe('coverage over a handful of waves', () => {
  const waves: Generated[] = [];
  afterAll(() => {
    waves.length = 0;
  });
  beforeAll(async () => {
    // Six consecutive seeds: header aliases and the respondent-id column take turns with the seed.
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      waves.push(await generate({ survey: 'uk-se', wave: 2023, rows: 1000, seed }));
      waves.push(await generate({ survey: 'fr-ess', wave: 2022, rows: 1000, seed }));
    }
  });

  it('uses every header alias of both surveys, with noise in case, spaces and accents', () => {
    const missing: string[] = [];
    let noisy = 0;
    for (const id of ['uk-se', 'fr-ess']) {
      const survey = getSurvey(id);
      const headers = waves.filter((g) => g.truth.survey === id).flatMap((g) => g.table[0]!);
      const folded = new Set(headers.map(fold));
      for (const aliases of Object.values(survey.headers)) {
        for (const alias of aliases) if (!folded.has(fold(alias))) missing.push(`${id}: ${alias}`);
      }
      const all = new Set(Object.values(survey.headers).flat());
      noisy += headers.filter((header) => !all.has(header) && folded.has(fold(header))).length;
    }
    expect(missing).toEqual([]);
    expect(noisy).toBeGreaterThan(10);
  });

  it('uses every answer of every code list and every boolean word', () => {
    const lists: [SourceField, CodeList][] = [
      ['legal_form', LEGAL_FORMS],
      ['sector', SECTORS],
      ['parent_body', PARENT_BODIES],
      ['turnover_trend', TURNOVER_TRENDS],
    ];
    const missing: string[] = [];
    const seen = (field: SourceField, id?: string) =>
      new Set(
        waves.filter((g) => id === undefined || g.truth.survey === id).flatMap((g) => cellsOf(g, field).map(fold)),
      );
    for (const [field, list] of lists) {
      const cells = seen(field);
      for (const entry of list) for (const answer of entry.answers) if (!cells.has(fold(answer))) missing.push(answer);
    }
    for (const [id, regions] of [
      ['uk-se', REGIONS_GB],
      ['fr-ess', REGIONS_FR],
    ] as const) {
      const cells = seen('region', id);
      for (const entry of regions) {
        for (const answer of [...entry.answers, entry.code]) if (!cells.has(fold(answer))) missing.push(answer);
      }
    }
    const booleans = seen('employee_owned');
    for (const word of [...BOOLEAN_TRUE, ...BOOLEAN_FALSE, ...BOOLEAN_NULL]) {
      const anywhere = (['staff_voice_strategy', 'staff_voice_policy', 'new_services', 'is_spinout'] as const).some(
        (field) => seen(field).has(fold(word)),
      );
      if (!booleans.has(fold(word)) && !anywhere) missing.push(`boolean ${word}`);
    }
    expect(missing).toEqual([]);
  });

  it('writes every number, year and date form of the codebook', () => {
    const uk = waves.filter((g) => g.truth.survey === 'uk-se');
    const fr = waves.filter((g) => g.truth.survey === 'fr-ess');
    const cells = (gs: Generated[], fields: SourceField[]) => gs.flatMap((g) => fields.flatMap((f) => cellsOf(g, f)));
    const ukMoney = cells(uk, ['turnover', 'turnover_prev']);
    const frMoney = cells(fr, ['turnover', 'turnover_prev']);
    const patterns: [string[], RegExp][] = [
      [ukMoney, /^\d+$/],
      [ukMoney, /^\d{1,3}(,\d{3})+$/],
      [ukMoney, /^\d{1,3}( \d{3})+$/],
      [ukMoney, /^£\d+(\.\d+)?m$/],
      [ukMoney, /^£\d+(\.\d+)? million$/],
      [ukMoney, /^\d+k$/i],
      [ukMoney, /^£[\d,]+$/],
      [ukMoney, /^GBP [\d,]+$/],
      [ukMoney, /^[\d,]+\.\d{1,2}$/],
      [frMoney, /^\d{1,3}( \d{3})+,\d{1,2}$/],
      [frMoney, /^\d{1,3}(\.\d{3})+,\d{1,2}$/],
      [frMoney, /^\d+(,\d{1,2})? M€$/],
      [frMoney, /^[\d ]+ €$/],
      [frMoney, /^\d{1,3}(\u00a0\d{3})+( €)?$/],
      [frMoney, /^\d+ ?k€$/],
      [frMoney, /^[\d ]+ euros$/],
      [cells(uk, ['public_income_pct', 'surplus_reinvested_pct']), /^\d+(\.5)?%$/],
      [cells(fr, ['public_income_pct', 'surplus_reinvested_pct']), /^\d+,5 ?%?$/],
      [cells(waves, ['employees', 'volunteers']), /^\d{1,3}(,\d{3})+$/],
      [cells(waves, ['founded_year', 'spinout_year']), /^FY ?\d{4}$/],
      [cells(waves, ['founded_year', 'spinout_year']), /^\d{4}\/\d{2}$/],
      [cells(waves, ['founded_year', 'spinout_year']), /^\d{4}-\d{2}$/],
      [cells(waves, ['submitted_at']), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|\+01:00)$/],
      [cells(waves, ['submitted_at']), /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/],
      [cells(waves, ['submitted_at']), /^\d{2}\/\d{2}\/\d{4}$/],
      [cells(waves, ['employees', 'turnover', 'founded_year']), /^(n\/a|N\/A|-|nc|NC|ns|NS)$/],
      [cells(waves, ['region']), /^(Atlantis|Narnia|Various|Middle Earth|Atlantide|Plusieurs régions|Europe)$/],
    ];
    const absent = patterns.filter(([values, pattern]) => !values.some((value) => pattern.test(value)));
    expect(absent.map(([, pattern]) => String(pattern))).toEqual([]);
  });

  it('answers fr-ess mostly in French and sometimes in English', () => {
    const fr = waves.filter((g) => g.truth.survey === 'fr-ess');
    const sectors = fr.flatMap((g) => cellsOf(g, 'sector').map(fold));
    const french = new Set(
      SECTORS.flatMap((entry) => entry.answers)
        .filter((a) =>
          /[éè]|Enseignement|Jeunesse|Emploi|Insertion|Logement|Environnement|Banque|Commerce|Autre|Sport et|Action/.test(
            a,
          ),
        )
        .map(fold),
    );
    const share = sectors.filter((s) => french.has(s)).length / sectors.length;
    expect(share).toBeGreaterThan(0.5);
    expect(share).toBeLessThan(0.97);
  });
});
