// Hand-made edge cases with answers worked out by hand: an empty wave, one row, odd and even counts for
// medians, all-null columns, a sector with no spin-outs, a turnover_prev of 0, panels with and without matches.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../core/engine/duckdb-engine.ts';
import { runSavedQuery } from '../../core/queries/index.ts';
import { LocalStorage } from '../../core/storage/local-storage.ts';
import { truthOf } from '../helpers/truth-stats.ts';
import { type FixtureRecord, record, rowsDiffer, writeLake } from './queries-lake.ts';

const wave2023: FixtureRecord[] = [
  record({
    org_id: 'A',
    sector: 'health',
    is_spinout: true,
    parent_body: 'health_service',
    spinout_year: 2010,
    employees: 10,
    turnover: 100,
    turnover_prev: 50,
    turnover_trend: 'increased',
    region: 'TLI',
    employee_owned: true,
  }),
  record({
    org_id: 'B',
    sector: 'health',
    is_spinout: true,
    parent_body: 'health_service',
    employees: 2,
    turnover: 300,
    turnover_prev: 0,
    turnover_trend: 'same',
    region: 'TLI',
    employee_owned: false,
  }),
  record({ org_id: 'C', sector: 'health', turnover: 200 }),
  record({
    org_id: 'D',
    sector: 'health',
    employees: 7,
    turnover: 400,
    turnover_prev: 400,
    turnover_trend: 'decreased',
    region: 'TLC',
  }),
  // A sector with one organisation, no spin-outs and nothing known.
  record({ org_id: 'E', sector: 'education' }),
];
const wave2019: FixtureRecord[] = [
  // A changes sector between waves: the panel counts it in its 2023 sector.
  record({ org_id: 'A', wave: 2019, sector: 'education', employees: 5, turnover: 100 }),
  record({ org_id: 'B', wave: 2019, sector: 'health', employees: 0, turnover: 0 }),
  record({ org_id: 'X', wave: 2019, sector: 'health', employees: 3, turnover: 10 }),
];
const frEss: FixtureRecord[] = [
  record({
    survey: 'fr-ess',
    wave: 2023,
    org_id: 'F',
    sector: 'housing',
    employees: 3,
    turnover: 12.5,
    region: 'FR-IDF',
  }),
];
const records = [...wave2023, ...wave2019, ...frEss];

let engine: DuckDbEngine;
beforeAll(async () => {
  const root = await writeLake(records, { emptyWaves: [{ survey: 'uk-se', wave: 2021 }] });
  engine = await DuckDbEngine.open(new LocalStorage(root));
});
afterAll(() => engine.close());

async function rows(name: string, params: Record<string, string>) {
  const result = await runSavedQuery(engine, name, params);
  // The hand-worked answers and the independent computation must both hold.
  expect(rowsDiffer(result.rows, truthOf(name, records, params)), `${name} against truth`).toBeUndefined();
  return result.rows;
}

const uk2023 = { survey: 'uk-se', wave: '2023' };

describe('saved queries on hand-made edge cases', () => {
  it('summarise each wave with rows; an empty wave has no row', async () => {
    expect(await rows('wave_summary', { survey: 'uk-se' })).toEqual([
      { wave: 2019, responses: 3, spinouts: 0, employees_total: 8, turnover_total: 110 },
      { wave: 2023, responses: 5, spinouts: 2, employees_total: 19, turnover_total: 1000 },
    ]);
  });

  it('return no rows for an empty wave', async () => {
    for (const name of ['spinouts_by_sector', 'sector_profile', 'growth_by_sector', 'governance_and_value']) {
      expect(await rows(name, { survey: 'uk-se', wave: '2021' })).toEqual([]);
    }
  });

  it('keep a sector with no spin-outs, with a share of 0, after the sectors with spin-outs', async () => {
    expect(await rows('spinouts_by_sector', uk2023)).toEqual([
      { sector: 'health', organisations: 4, spinouts: 2, spinout_share: 0.5 },
      { sector: 'education', organisations: 1, spinouts: 0, spinout_share: 0 },
    ]);
  });

  it('take the exact median: the middle value for an odd count, the mean of the two middle for an even one', async () => {
    expect(await rows('sector_profile', uk2023)).toEqual([
      {
        sector: 'education',
        organisations: 1,
        employees_total: null,
        median_employees: null,
        turnover_total: null,
        median_turnover: null,
      },
      // employees 2, 7, 10 (one unknown) → 7; turnover 100, 200, 300, 400 → 250
      {
        sector: 'health',
        organisations: 4,
        employees_total: 19,
        median_employees: 7,
        turnover_total: 1000,
        median_turnover: 250,
      },
    ]);
  });

  it('give the median of one row as that row, and of two rows as their mean', async () => {
    expect(await rows('sector_profile', { survey: 'fr-ess', wave: '2023' })).toEqual([
      {
        sector: 'housing',
        organisations: 1,
        employees_total: 3,
        median_employees: 3,
        turnover_total: 12.5,
        median_turnover: 12.5,
      },
    ]);
    expect(await rows('spinouts_by_parent_body', uk2023)).toEqual([
      { parent_body: 'health_service', spinouts: 2, employees_total: 12, median_employees: 6, median_turnover: 200 },
    ]);
  });

  it('count cohorts only for spin-outs with a known year', async () => {
    expect(await rows('spinout_cohorts', uk2023)).toEqual([
      { spinout_year: 2010, spinouts: 1, cumulative_spinouts: 1 },
    ]);
  });

  it('leave out a turnover_prev of 0 from growth, and give null shares where no trend is known', async () => {
    expect(await rows('growth_by_sector', uk2023)).toEqual([
      {
        sector: 'education',
        respondents: 0,
        share_increased: null,
        share_same: null,
        share_decreased: null,
        median_turnover_growth: null,
      },
      // growth 100/50-1 = 1 and 400/400-1 = 0; B's previous turnover is 0 → median 0.5
      {
        sector: 'health',
        respondents: 3,
        share_increased: 1 / 3,
        share_same: 1 / 3,
        share_decreased: 1 / 3,
        median_turnover_growth: 0.5,
      },
    ]);
  });

  it('leave out rows without a region', async () => {
    expect(await rows('regional_profile', uk2023)).toEqual([
      { region: 'TLC', organisations: 1, spinouts: 0, employees_total: 7 },
      { region: 'TLI', organisations: 2, spinouts: 2, employees_total: 12 },
    ]);
  });

  it('give shares over known answers only, and null where nobody answered', async () => {
    expect(await rows('governance_and_value', uk2023)).toEqual([
      {
        is_spinout: false,
        organisations: 3,
        share_employee_owned: null,
        share_staff_voice_strategy: null,
        share_staff_voice_policy: null,
        share_staff_voice_operations: null,
        share_measures_social_value: null,
        share_new_services: null,
      },
      {
        is_spinout: true,
        organisations: 2,
        share_employee_owned: 0.5,
        share_staff_voice_strategy: null,
        share_staff_voice_policy: null,
        share_staff_voice_operations: null,
        share_measures_social_value: null,
        share_new_services: null,
      },
    ]);
  });

  it('match a panel on org_id, in the later sector, leaving out growth from 0', async () => {
    // A: turnover 100 → 100 (growth 0, did not grow), employees 5 → 10 (growth 1).
    // B: turnover 0 → 300 (grew, but no growth rate from 0), employees 0 → 2 (no rate from 0).
    expect(await rows('panel_growth', { survey: 'uk-se', from_wave: '2019', to_wave: '2023' })).toEqual([
      {
        sector: 'health',
        matched_organisations: 2,
        median_turnover_growth: 0,
        median_employee_growth: 1,
        share_grew: 0.5,
      },
    ]);
  });

  it('return no rows for a panel with no matched organisations', async () => {
    expect(await rows('panel_growth', { survey: 'uk-se', from_wave: '2021', to_wave: '2023' })).toEqual([]);
  });
});
