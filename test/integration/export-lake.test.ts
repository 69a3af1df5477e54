// End to end on fixture lakes (canonical records written as Parquet and committed with wave pointers, as an
// ingest commits them): every saved query is exported, and the exports are checked against the records with
// plain loops written here, not with the export code.
import { copyFileSync, createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../core/engine/duckdb-engine.ts';
import { exportQuery } from '../../core/export/index.ts';
import { generateWave } from '../../core/generate/index.ts';
import { ingestWave } from '../../core/ingest/ingest.ts';
import { loadSavedQueries, QUERIES_DIR } from '../../core/queries/index.ts';
import { LocalStorage } from '../../core/storage/local-storage.ts';
import type { StatsRecord } from '../helpers/truth-stats.ts';
import { type FixtureRecord, randomRecords, writeLake } from './queries-lake.ts';

// ajv-formats is CommonJS: its default import is module.exports, whose `default` is the plugin.
const addFormats = addFormatsModule.default;

const SURVEY = 'uk-se';
const FROM = 2021;
const TO = 2023;

/** The saved queries these unweighted lakes can export (weighted ones: test/integration/weights-export.test.ts). */
const unweighted = () => loadSavedQueries().filter((query) => !query.weighted);

/** Which organisations make up each row of each query, written from DESIGN.md, independently of the metadata. */
const GROUPS: Record<
  string,
  { rows: (r: StatsRecord, all: readonly StatsRecord[]) => boolean; key: (r: StatsRecord) => unknown }
> = {
  wave_summary: { rows: () => true, key: (r) => r.wave },
  spinouts_by_sector: { rows: (r) => r.wave === TO, key: (r) => r.sector },
  spinouts_by_parent_body: {
    rows: (r) => r.wave === TO && r.is_spinout && r.parent_body !== null,
    key: (r) => r.parent_body,
  },
  spinout_cohorts: {
    rows: (r) => r.wave === TO && r.is_spinout && r.spinout_year !== null,
    key: (r) => r.spinout_year,
  },
  sector_profile: { rows: (r) => r.wave === TO, key: (r) => r.sector },
  growth_by_sector: { rows: (r) => r.wave === TO, key: (r) => r.sector },
  panel_growth: {
    rows: (r, all) => r.wave === TO && all.some((o) => o.wave === FROM && o.org_id === r.org_id),
    key: (r) => r.sector,
  },
  regional_profile: { rows: (r) => r.wave === TO && r.region !== null, key: (r) => r.region },
  governance_and_value: { rows: (r) => r.wave === TO, key: (r) => r.is_spinout },
};

/** For magnitudes, shares and medians: the organisations of a row that contribute to the column. */
const CONTRIBUTES: Record<string, (r: StatsRecord) => boolean> = {
  employees_total: (r) => r.employees !== null,
  median_employees: (r) => r.employees !== null,
  turnover_total: (r) => r.turnover !== null,
  median_turnover: (r) => r.turnover !== null,
  spinout_share: () => true,
  share_increased: (r) => r.turnover_trend !== null,
  share_same: (r) => r.turnover_trend !== null,
  share_decreased: (r) => r.turnover_trend !== null,
  share_employee_owned: (r) => r.employee_owned !== null,
  share_staff_voice_strategy: (r) => r.staff_voice_strategy !== null,
  share_staff_voice_policy: (r) => r.staff_voice_policy !== null,
  share_staff_voice_operations: (r) => r.staff_voice_operations !== null,
  share_measures_social_value: (r) => r.measures_social_value !== null,
  share_new_services: (r) => r.new_services !== null,
};

const COUNT_COLUMNS = new Set([
  'responses',
  'spinouts',
  'organisations',
  'respondents',
  'matched_organisations',
  'cumulative_spinouts',
]);

function paramsOf(names: readonly string[], survey = SURVEY): Record<string, string> {
  const values: Record<string, string> = {
    survey,
    wave: String(TO),
    from_wave: String(FROM),
    to_wave: String(TO),
  };
  return Object.fromEntries(names.map((n) => [n, values[n]!]));
}

function readCsv(path: string): string[][] {
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  return Papa.parse<string[]>(text, { skipEmptyLines: true }).data;
}

/**
 * Checks one exported table against the records: no published cell stands on fewer organisations than the
 * threshold, no column with a published total has exactly one hidden body cell, and no hidden year of a
 * running total can be read off two published neighbours.
 */
function checkSafe(
  name: string,
  table: string[][],
  allRecords: readonly StatsRecord[],
  threshold: number,
  survey = SURVEY,
): void {
  const [header, ...rows] = table;
  const body = rows.filter((row) => row[0] !== 'Total');
  const total = rows.find((row) => row[0] === 'Total');
  const group = GROUPS[name]!;
  const records = allRecords.filter((r) => r.survey === survey);
  const population = records.filter((r) => group.rows(r, records));
  for (const row of body) {
    const members = population.filter((r) => String(group.key(r)) === row[0]);
    header!.forEach((column, c) => {
      if (c === 0) return;
      const cell = row[c]!;
      if (cell === '[c]' || cell === '[x]') return;
      const where = `${name} row ${row[0]} column ${column}`;
      if (COUNT_COLUMNS.has(column)) {
        const value = Number(cell);
        expect(value === 0 || value >= threshold, `${where}: a count of ${value} is published`).toBe(true);
      } else if (name !== 'panel_growth') {
        const contributors = members.filter(CONTRIBUTES[column] ?? (() => true)).length;
        expect(contributors, `${where}: published from ${contributors} organisation(s)`).toBeGreaterThanOrEqual(
          threshold,
        );
      }
    });
  }
  if (total) {
    header!.forEach((column, c) => {
      if (c === 0 || !COUNT_COLUMNS.has(column) || column.startsWith('cumulative') || total[c] === '[c]') return;
      const hidden = body.filter((row) => row[c] === '[c]').length;
      expect(hidden, `${name} column ${column}: one hidden cell beside a published total`).not.toBe(1);
    });
  }
  const spin = header!.indexOf('spinouts');
  const cum = header!.indexOf('cumulative_spinouts');
  if (cum >= 0) {
    body.forEach((row, i) => {
      const before = i === 0 ? '0' : body[i - 1]![cum]!;
      if (row[spin] === '[c]') expect(row[cum] !== '[c]' && before !== '[c]', `${name} ${row[0]}`).toBe(false);
    });
  }
}

describe('survey export on a fixture lake', () => {
  let small: string;
  let large: string;
  let out: string;
  let smallRecords: FixtureRecord[];

  beforeAll(async () => {
    smallRecords = randomRecords(11, SURVEY, [FROM, TO], 70);
    small = await writeLake(smallRecords);
    large = await writeLake(randomRecords(12, SURVEY, [FROM, TO], 400));
    out = mkdtempSync(join(tmpdir(), 'export-out-'));
  });

  afterAll(() => {
    for (const dir of [small, large, out]) rmSync(dir, { recursive: true, force: true });
  });

  for (const threshold of [5, 10]) {
    it(`exports every saved query, and nothing reveals a cell below a threshold of ${threshold}`, async () => {
      const lake = new LocalStorage(small);
      const engine = await DuckDbEngine.open(lake);
      let suppressed = 0;
      try {
        for (const query of unweighted()) {
          const file = join(out, `t${threshold}`, `${query.name}.csv`);
          const summary = await exportQuery({
            engine,
            lake,
            name: query.name,
            params: paramsOf(query.parameters.map((p) => p.name)),
            out: file,
            deployment: { threshold, p: 10 },
          });
          suppressed += summary.counts.threshold + summary.counts.secondary + summary.counts.linked;
          const table = readCsv(file);
          expect(table[0]).toEqual(query.columns.map((c) => c.name));
          expect(table.at(-1)?.[0]).toBe('Total');
          checkSafe(query.name, table, smallRecords, threshold);
        }
      } finally {
        await engine.close();
      }
      // The small lake has small groups: the rules must have had work to do.
      expect(suppressed).toBeGreaterThan(10);
    });
  }

  it('refuses, writing nothing, when the metadata does not describe the SQL', async () => {
    // A copy of spinouts_by_sector whose metadata forgets that spinouts counts spin-outs only.
    const dir = mkdtempSync(join(tmpdir(), 'export-queries-'));
    const meta = JSON.parse(readFileSync(join(QUERIES_DIR, 'spinouts_by_sector.meta.json'), 'utf8'));
    delete meta.columns.find((c: { name: string }) => c.name === 'spinouts').disclosure.where;
    writeFileSync(join(dir, 'spinouts_by_sector.meta.json'), JSON.stringify(meta));
    copyFileSync(join(QUERIES_DIR, 'spinouts_by_sector.sql'), join(dir, 'spinouts_by_sector.sql'));
    const folder = join(out, 'refused');
    const lake = new LocalStorage(large);
    const engine = await DuckDbEngine.open(lake);
    try {
      await expect(
        exportQuery({
          engine,
          lake,
          name: 'spinouts_by_sector',
          params: paramsOf(['survey', 'wave']),
          out: join(folder, 'spinouts.csv'),
          queriesDir: dir,
        }),
      ).rejects.toThrow(/cell statistics disagree with saved query "spinouts_by_sector" at row 1, column "spinouts"/);
    } finally {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(existsSync(folder)).toBe(false);
  });

  it('writes every format of every query into one folder described by one valid data package', async () => {
    const lake = new LocalStorage(large);
    const engine = await DuckDbEngine.open(lake);
    const folder = join(out, 'all');
    try {
      for (const query of unweighted()) {
        for (const format of ['csv', 'xlsx', 'json']) {
          await exportQuery({
            engine,
            lake,
            name: query.name,
            params: paramsOf(query.parameters.map((p) => p.name)),
            out: join(folder, `${query.name}.${format}`),
          });
        }
      }
    } finally {
      await engine.close();
    }
    const profile = JSON.parse(readFileSync(new URL('../fixtures/datapackage-profile.json', import.meta.url), 'utf8'));
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const descriptor = JSON.parse(readFileSync(join(folder, 'datapackage.json'), 'utf8'));
    expect(ajv.validate(profile, descriptor), JSON.stringify(ajv.errors)).toBe(true);
    expect(descriptor.resources).toHaveLength(unweighted().length * 3);
    const sector = descriptor.resources.find((r: { name: string }) => r.name === 'sector_profile.xlsx');
    expect(sector.schema.missingValues).toEqual(['[c]', '[x]']);
    expect(sector.provenance).toMatchObject({ survey: SURVEY, waves: [TO], savedQuery: 'sector_profile' });

    // The three formats agree cell for cell on what is hidden.
    const csv = readCsv(join(folder, 'spinout_cohorts.csv'));
    const json = JSON.parse(readFileSync(join(folder, 'spinout_cohorts.json'), 'utf8'));
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(join(folder, 'spinout_cohorts.xlsx'));
    const sheet = book.getWorksheet('Table')!;
    const hiddenCsv = csv.slice(1).flatMap((row, r) => row.flatMap((cell, c) => (cell === '[c]' ? [`${r}:${c}`] : [])));
    const names = csv[0]!;
    const hiddenJson = json.flatMap((row: Record<string, unknown> & { _status: Record<string, string> }, r: number) =>
      names.flatMap((n, c) => (row._status[n] === 'c' && row[n] === null ? [`${r}:${c}`] : [])),
    );
    const hiddenXlsx: string[] = [];
    sheet.eachRow((row, n) => {
      if (n <= 3) return;
      (row.values as unknown[]).slice(1).forEach((v, c) => {
        if (v === '[c]') hiddenXlsx.push(`${n - 4}:${c}`);
      });
    });
    expect(hiddenCsv.length).toBeGreaterThan(0);
    expect(hiddenJson).toEqual(hiddenCsv);
    expect(hiddenXlsx).toEqual(hiddenCsv);
  });
});

describe('survey export on generated and ingested waves', () => {
  const ORG_KEY = 'export-test-key';
  let dir: string;
  let engine: DuckDbEngine;
  let lake: LocalStorage;
  let records: StatsRecord[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'export-generated-'));
    const storage = new LocalStorage(join(dir, 'lake'));
    for (const [survey, wave, seed] of [
      ['uk-se', FROM, 1],
      ['uk-se', TO, 2],
      ['fr-ess', FROM, 3],
      ['fr-ess', TO, 4],
    ] as const) {
      const file = join(dir, `${survey}-${wave}.csv`);
      await generateWave({ survey, wave, rows: 500, seed, orgKey: ORG_KEY }, file);
      await ingestWave({
        storage,
        input: createReadStream(file),
        survey,
        wave,
        sourceFile: `${survey}-${wave}.csv`,
        orgKey: ORG_KEY,
      });
    }
    engine = await DuckDbEngine.open(storage);
    lake = storage;
    const fields: [string, 'string' | 'int' | 'double' | 'boolean'][] = [
      ['survey', 'string'],
      ['wave', 'int'],
      ['org_id', 'string'],
      ['region', 'string'],
      ['is_spinout', 'boolean'],
      ['spinout_year', 'int'],
      ['parent_body', 'string'],
      ['sector', 'string'],
      ['employees', 'int'],
      ['turnover', 'double'],
      ['turnover_prev', 'double'],
      ['turnover_trend', 'string'],
      ['employee_owned', 'boolean'],
      ['staff_voice_strategy', 'boolean'],
      ['staff_voice_policy', 'boolean'],
      ['staff_voice_operations', 'boolean'],
      ['measures_social_value', 'boolean'],
      ['new_services', 'boolean'],
    ];
    const result = await engine.run(
      `select ${fields.map(([n]) => n).join(', ')} from responses`,
      [],
      fields.map(([name, type]) => ({ name, type })),
    );
    records = result.rows as unknown as StatsRecord[];
  });

  afterAll(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const survey of ['uk-se', 'fr-ess']) {
    it(`exports every saved query of ${survey}, and nothing reveals a cell below the threshold`, async () => {
      expect(records.filter((r) => r.survey === survey).length).toBeGreaterThan(500);
      for (const query of unweighted()) {
        const file = join(dir, 'out', survey, `${query.name}.csv`);
        await exportQuery({
          engine,
          lake,
          name: query.name,
          params: paramsOf(
            query.parameters.map((p) => p.name),
            survey,
          ),
          out: file,
        });
        checkSafe(query.name, readCsv(file), records, 5, survey);
      }
    });
  }
});
