// Test lakes for the saved queries: canonical records written as Parquet by DuckDB's COPY, committed with
// wave pointers (core/lake.ts) exactly as an ingest commits them, plus a seeded generator of messy records.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll } from 'vitest';
import { commitWave, curatedWavePrefix } from '../../core/lake.ts';
import { loadSavedQueries } from '../../core/queries/index.ts';
import { LocalStorage } from '../../core/storage/local-storage.ts';
import type { StatsRecord } from '../helpers/truth-stats.ts';

/** The lakes writeLake made in temporary directories. */
const madeRoots: string[] = [];
// A hook at a helper's top level joins the suite of the test file being collected, which imports this module
// afresh (each file runs isolated): the lakes that file made are removed when it is done.
afterAll(() => {
  for (const root of madeRoots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** The stored columns of a curated Parquet file (CODEBOOK order, without survey and wave) and their types. */
const COLUMNS: readonly (readonly [string, string])[] = [
  ['response_id', 'varchar'],
  ['org_id', 'varchar'],
  ['submitted_at', 'timestamp'],
  ['country', 'varchar'],
  ['region', 'varchar'],
  ['legal_form', 'varchar'],
  ['is_spinout', 'boolean'],
  ['spinout_year', 'integer'],
  ['parent_body', 'varchar'],
  ['sector', 'varchar'],
  ['founded_year', 'integer'],
  ['employees', 'integer'],
  ['volunteers', 'integer'],
  ['currency', 'varchar'],
  ['turnover', 'double'],
  ['turnover_prev', 'double'],
  ['turnover_trend', 'varchar'],
  ['public_income_pct', 'double'],
  ['surplus_reinvested_pct', 'double'],
  ['employee_owned', 'boolean'],
  ['staff_voice_strategy', 'boolean'],
  ['staff_voice_policy', 'boolean'],
  ['staff_voice_operations', 'boolean'],
  ['measures_social_value', 'boolean'],
  ['new_services', 'boolean'],
  ['source_file', 'varchar'],
  ['source_row', 'integer'],
  ['ingested_at', 'timestamp'],
];

/** A record with every field the saved queries read; the others get plain defaults. */
export type FixtureRecord = StatsRecord & Partial<Record<string, unknown>>;

/** A record with defaults for everything, overridden by `fields`. */
export function record(fields: Partial<StatsRecord> & { org_id: string }): FixtureRecord {
  return {
    survey: 'uk-se',
    wave: 2023,
    region: null,
    is_spinout: false,
    spinout_year: null,
    parent_body: null,
    sector: 'health',
    employees: null,
    turnover: null,
    turnover_prev: null,
    turnover_trend: null,
    employee_owned: null,
    staff_voice_strategy: null,
    staff_voice_policy: null,
    staff_voice_operations: null,
    measures_social_value: null,
    new_services: null,
    ...fields,
  };
}

/** A timestamp as DuckDB casts text to TIMESTAMP: epoch milliseconds (as records hold them) or text as is. */
function timestampText(value: unknown): string {
  if (typeof value !== 'number') return String(value);
  return new Date(value).toISOString().replace('T', ' ').replace('Z', '');
}

function defaults(r: FixtureRecord, index: number): Record<string, unknown> {
  return {
    response_id: `r${index}`,
    submitted_at: '2023-05-01 10:00:00',
    country: r.survey === 'fr-ess' ? 'FR' : 'GB',
    legal_form: 'cic',
    founded_year: null,
    volunteers: null,
    currency: r.survey === 'fr-ess' ? 'EUR' : 'GBP',
    public_income_pct: null,
    surplus_reinvested_pct: null,
    source_file: 'fixture.csv',
    source_row: index + 2,
    ingested_at: '2026-11-24 12:00:00',
    ...r,
  };
}

/**
 * Writes records as a lake in `root` (a new temporary directory by default): one Parquet file per
 * (survey, wave) plus its pointer; `emptyWaves` are committed with a file of zero rows. Returns the root.
 */
export async function writeLake(
  records: readonly FixtureRecord[],
  options: { root?: string; emptyWaves?: readonly { survey: string; wave: number }[] } = {},
): Promise<string> {
  let root = options.root;
  if (root === undefined) {
    root = mkdtempSync(join(tmpdir(), 'queries-lake-'));
    madeRoots.push(root);
  }
  const storage = new LocalStorage(root);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`create table staging (${COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ')})`);
    const waves = new Map<string, { survey: string; wave: number; rows: FixtureRecord[] }>();
    for (const empty of options.emptyWaves ?? []) waves.set(`${empty.survey}/${empty.wave}`, { ...empty, rows: [] });
    for (const r of records) {
      const key = `${r.survey}/${r.wave}`;
      const entry = waves.get(key) ?? { survey: r.survey, wave: r.wave, rows: [] };
      entry.rows.push(r);
      waves.set(key, entry);
    }
    for (const { survey, wave, rows } of waves.values()) {
      await connection.run('delete from staging');
      const appender = await connection.createAppender('staging');
      rows.forEach((r, index) => {
        const full = defaults(r, index);
        for (const [name, type] of COLUMNS) {
          const value = full[name];
          if (value === null || value === undefined) appender.appendNull();
          else if (type === 'timestamp') appender.appendVarchar(timestampText(value));
          else if (type === 'varchar') appender.appendVarchar(String(value));
          else if (type === 'boolean') appender.appendBoolean(Boolean(value));
          else if (type === 'integer') appender.appendInteger(Number(value));
          else appender.appendDouble(Number(value));
        }
        appender.endRow();
      });
      appender.closeSync();
      const version = 'v20261124T120000Z-fixture';
      const key = `${curatedWavePrefix(survey, wave)}${version}/part-00000.parquet`;
      const path = storage.localPath(key);
      mkdirSync(dirname(path), { recursive: true });
      await connection.run(`copy staging to '${path.replaceAll("'", "''")}' (format parquet)`);
      await commitWave(storage, {
        survey,
        wave,
        version,
        files: [key],
        report: `reports/survey=${survey}/wave=${wave}/${version}/report.json`,
        rejected: `reports/survey=${survey}/wave=${wave}/${version}/rejected.csv`,
        sourceSha256: '0'.repeat(64),
        sourceFile: 'fixture.csv',
        rows: rows.length,
        committedAt: '2026-11-24T12:00:00Z',
      });
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return root;
}

/** A small seeded PRNG (mulberry32): the same seed gives the same records on every machine. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SECTORS = ['health', 'social_care', 'education', 'youth', 'housing', 'arts_culture', 'other'];
const PARENTS = ['health_service', 'local_authority', 'central_government', 'other_public'];
const TRENDS = ['increased', 'same', 'decreased'];
const REGIONS = ['TLC', 'TLD', 'TLI', 'TLM', 'TLN'];

/**
 * Messy canonical records for one survey and several waves: a panel of organisations answering more than
 * one wave, nulls everywhere they are allowed, ties, zero and missing previous turnover, small groups.
 */
export function randomRecords(
  seed: number,
  survey: string,
  waves: readonly number[],
  perWave: number,
): FixtureRecord[] {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const maybe = <T>(value: T, nullRate = 0.2): T | null => (random() < nullRate ? null : value);
  const bool = (): boolean | null => maybe(random() < 0.5, 0.25);
  const records: FixtureRecord[] = [];
  const pool = Array.from({ length: Math.ceil(perWave * 1.5) }, (_, i) => `org-${seed}-${i}`);
  for (const wave of waves) {
    const members = pool.filter(() => random() < perWave / pool.length);
    for (const org_id of members) {
      const is_spinout = random() < 0.35;
      // Ties on purpose: a few round values make equal middle values common.
      const employees = maybe(random() < 0.2 ? pick([0, 5, 10]) : Math.floor(random() * 200));
      const turnover = maybe(random() < 0.1 ? 0 : Math.round(random() * 2_000_000) / 4);
      const turnover_prev = maybe(random() < 0.1 ? 0 : Math.round(random() * 2_000_000) / 4);
      records.push(
        record({
          survey,
          wave,
          org_id,
          region: maybe(pick(REGIONS)),
          is_spinout,
          spinout_year: is_spinout ? maybe(1990 + Math.floor(random() * (wave - 1990))) : null,
          parent_body: is_spinout ? maybe(pick(PARENTS)) : null,
          sector: pick(SECTORS),
          employees,
          turnover,
          turnover_prev,
          turnover_trend: maybe(pick(TRENDS), 0.3),
          employee_owned: bool(),
          staff_voice_strategy: bool(),
          staff_voice_policy: bool(),
          staff_voice_operations: bool(),
          measures_social_value: bool(),
          new_services: bool(),
        }),
      );
    }
  }
  return records;
}

/**
 * Compares result rows with expected rows: same rows in the same order, same keys in the same order, text,
 * booleans, whole numbers and nulls exactly, doubles to 1e-9 relative (sums may add in another order).
 */
export function rowsDiffer(
  actual: readonly Record<string, unknown>[],
  expected: readonly Record<string, unknown>[],
): string | undefined {
  if (actual.length !== expected.length) return `${actual.length} rows, expected ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] ?? {};
    const e = expected[i] ?? {};
    if (Object.keys(a).join(',') !== Object.keys(e).join(',')) {
      return `row ${i}: columns ${Object.keys(a).join(',')}, expected ${Object.keys(e).join(',')}`;
    }
    for (const key of Object.keys(e)) {
      const x = a[key];
      const y = e[key];
      const close =
        typeof x === 'number' && typeof y === 'number'
          ? x === y || Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y))
          : x === y;
      if (!close) return `row ${i} column ${key}: ${JSON.stringify(x)}, expected ${JSON.stringify(y)}`;
    }
  }
  return undefined;
}

/** One saved query with one set of parameters. */
export interface QueryCase {
  readonly name: string;
  readonly params: Record<string, string>;
}

/** Every saved query with every parameter combination the waves of each survey allow, panels included. */
export function queryCases(surveyWaves: Readonly<Record<string, readonly number[]>>): QueryCase[] {
  const all: QueryCase[] = [];
  for (const query of loadSavedQueries()) {
    // These lakes have no calibration weights; the weighted queries are checked in test/integration/weights-*.
    if (query.weighted) continue;
    const names = query.parameters.map((parameter) => parameter.name);
    for (const [survey, waves] of Object.entries(surveyWaves)) {
      if (names.includes('from_wave')) {
        for (const from of waves) {
          for (const to of waves.filter((wave) => wave > from)) {
            all.push({ name: query.name, params: { survey, from_wave: String(from), to_wave: String(to) } });
          }
        }
      } else if (names.includes('wave')) {
        for (const wave of waves) all.push({ name: query.name, params: { survey, wave: String(wave) } });
      } else {
        all.push({ name: query.name, params: { survey } });
      }
    }
  }
  return all;
}
