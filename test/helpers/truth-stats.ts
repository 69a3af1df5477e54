// An independent computation of the nine saved queries: plain loops over in-memory records and sorting for
// medians, written from DESIGN.md "Saved queries (contract)" without looking at the SQL. Tests compare it
// with what the engines return; agreeing by construction (the same SQL run twice) would prove nothing.
import type { CellValue } from '../../core/engine/query-engine.ts';

/** The canonical fields the saved queries read (CODEBOOK.md); timestamps are not read by any of them. */
export interface StatsRecord {
  readonly survey: string;
  readonly wave: number;
  readonly org_id: string;
  readonly region: string | null;
  readonly is_spinout: boolean;
  readonly spinout_year: number | null;
  readonly parent_body: string | null;
  readonly sector: string;
  readonly employees: number | null;
  readonly turnover: number | null;
  readonly turnover_prev: number | null;
  readonly turnover_trend: string | null;
  readonly employee_owned: boolean | null;
  readonly staff_voice_strategy: boolean | null;
  readonly staff_voice_policy: boolean | null;
  readonly staff_voice_operations: boolean | null;
  readonly measures_social_value: boolean | null;
  readonly new_services: boolean | null;
}

/** One result row, keys in column order. */
export type Row = Record<string, CellValue>;

/** The exact median: the middle value, or the mean of the two middle values; null when there are none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[mid] as number;
  return ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The sum of the known values, or null when none is known. */
function total(values: readonly (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0 ? null : known.reduce((sum, value) => sum + value, 0);
}

/** The share of known answers that meet `yes`, or null when no answer is known. */
function share<T>(answers: readonly (T | null)[], yes: (answer: T) => boolean): number | null {
  let known = 0;
  let hits = 0;
  for (const answer of answers) {
    if (answer === null) continue;
    known += 1;
    if (yes(answer)) hits += 1;
  }
  return known === 0 ? null : hits / known;
}

/** Groups records by a key, keeping keys in first-seen order. */
function groupBy<R, K>(records: readonly R[], key: (record: R) => K): Map<K, R[]> {
  const groups = new Map<K, R[]>();
  for (const record of records) {
    const k = key(record);
    const list = groups.get(k);
    if (list) list.push(record);
    else groups.set(k, [record]);
  }
  return groups;
}

/** Code-point order, as both engines sort text. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function known(values: readonly (number | null)[]): number[] {
  return values.filter((value): value is number => value !== null);
}

function ofWave(records: readonly StatsRecord[], survey: string, wave: number): StatsRecord[] {
  return records.filter((record) => record.survey === survey && record.wave === wave);
}

/** wave_summary */
export function waveSummary(records: readonly StatsRecord[], survey: string): Row[] {
  const groups = groupBy(
    records.filter((record) => record.survey === survey),
    (record) => record.wave,
  );
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([wave, rows]) => ({
      wave,
      responses: rows.length,
      spinouts: rows.filter((record) => record.is_spinout === true).length,
      employees_total: total(rows.map((record) => record.employees)),
      turnover_total: total(rows.map((record) => record.turnover)),
    }));
}

/** spinouts_by_sector */
export function spinoutsBySector(records: readonly StatsRecord[], survey: string, wave: number): Row[] {
  const groups = groupBy(ofWave(records, survey, wave), (record) => record.sector);
  return [...groups.entries()]
    .map(([sector, rows]) => ({
      sector,
      organisations: rows.length,
      spinouts: rows.filter((record) => record.is_spinout === true).length,
      spinout_share: share(
        rows.map((record) => record.is_spinout),
        (answer) => answer,
      ),
    }))
    .sort((a, b) => b.spinouts - a.spinouts || compareText(a.sector, b.sector));
}

/** spinouts_by_parent_body */
export function spinoutsByParentBody(records: readonly StatsRecord[], survey: string, wave: number): Row[] {
  const spinouts = ofWave(records, survey, wave).filter(
    (record) => record.is_spinout === true && record.parent_body !== null,
  );
  const groups = groupBy(spinouts, (record) => record.parent_body as string);
  return [...groups.keys()].sort(compareText).map((parent_body) => {
    const rows = groups.get(parent_body) ?? [];
    return {
      parent_body,
      spinouts: rows.length,
      employees_total: total(rows.map((record) => record.employees)),
      median_employees: median(known(rows.map((record) => record.employees))),
      median_turnover: median(known(rows.map((record) => record.turnover))),
    };
  });
}

/** spinout_cohorts */
export function spinoutCohorts(records: readonly StatsRecord[], survey: string, wave: number): Row[] {
  const spinouts = ofWave(records, survey, wave).filter(
    (record) => record.is_spinout === true && record.spinout_year !== null,
  );
  const groups = groupBy(spinouts, (record) => record.spinout_year as number);
  let running = 0;
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([spinout_year, rows]) => {
      running += rows.length;
      return { spinout_year, spinouts: rows.length, cumulative_spinouts: running };
    });
}

/** sector_profile */
export function sectorProfile(records: readonly StatsRecord[], survey: string, wave: number): Row[] {
  const groups = groupBy(ofWave(records, survey, wave), (record) => record.sector);
  return [...groups.keys()].sort(compareText).map((sector) => {
    const rows = groups.get(sector) ?? [];
    return {
      sector,
      organisations: rows.length,
      employees_total: total(rows.map((record) => record.employees)),
      median_employees: median(known(rows.map((record) => record.employees))),
      turnover_total: total(rows.map((record) => record.turnover)),
      median_turnover: median(known(rows.map((record) => record.turnover))),
    };
  });
}

/** growth_by_sector */
export function growthBySector(records: readonly StatsRecord[], survey: string, wave: number): Row[] {
  const groups = groupBy(ofWave(records, survey, wave), (record) => record.sector);
  return [...groups.keys()].sort(compareText).map((sector) => {
    const rows = groups.get(sector) ?? [];
    const trends = rows.map((record) => record.turnover_trend);
    const growth: number[] = [];
    for (const record of rows) {
      if (record.turnover !== null && record.turnover_prev !== null && record.turnover_prev > 0) {
        growth.push(record.turnover / record.turnover_prev - 1);
      }
    }
    return {
      sector,
      respondents: trends.filter((trend) => trend !== null).length,
      share_increased: share(trends, (trend) => trend === 'increased'),
      share_same: share(trends, (trend) => trend === 'same'),
      share_decreased: share(trends, (trend) => trend === 'decreased'),
      median_turnover_growth: median(growth),
    };
  });
}

/** panel_growth */
export function panelGrowth(records: readonly StatsRecord[], survey: string, fromWave: number, toWave: number): Row[] {
  const earlier = new Map(ofWave(records, survey, fromWave).map((record) => [record.org_id, record]));
  const pairs: { from: StatsRecord; to: StatsRecord }[] = [];
  for (const to of ofWave(records, survey, toWave)) {
    const from = earlier.get(to.org_id);
    if (from) pairs.push({ from, to });
  }
  const groups = groupBy(pairs, (pair) => pair.to.sector);
  return [...groups.keys()].sort(compareText).map((sector) => {
    const matched = groups.get(sector) ?? [];
    const turnoverGrowth: number[] = [];
    const employeeGrowth: number[] = [];
    let bothKnown = 0;
    let grew = 0;
    for (const { from, to } of matched) {
      if (to.turnover !== null && from.turnover !== null) {
        bothKnown += 1;
        if (to.turnover > from.turnover) grew += 1;
        if (from.turnover > 0) turnoverGrowth.push(to.turnover / from.turnover - 1);
      }
      if (to.employees !== null && from.employees !== null && from.employees > 0) {
        employeeGrowth.push(to.employees / from.employees - 1);
      }
    }
    return {
      sector,
      matched_organisations: matched.length,
      median_turnover_growth: median(turnoverGrowth),
      median_employee_growth: median(employeeGrowth),
      share_grew: bothKnown === 0 ? null : grew / bothKnown,
    };
  });
}

/** regional_profile */
export function regionalProfile(records: readonly StatsRecord[], survey: string, wave: number): Row[] {
  const withRegion = ofWave(records, survey, wave).filter((record) => record.region !== null);
  const groups = groupBy(withRegion, (record) => record.region as string);
  return [...groups.keys()].sort(compareText).map((region) => {
    const rows = groups.get(region) ?? [];
    return {
      region,
      organisations: rows.length,
      spinouts: rows.filter((record) => record.is_spinout === true).length,
      employees_total: total(rows.map((record) => record.employees)),
    };
  });
}

/** governance_and_value */
export function governanceAndValue(records: readonly StatsRecord[], survey: string, wave: number): Row[] {
  const groups = groupBy(ofWave(records, survey, wave), (record) => record.is_spinout);
  const yes = (answer: boolean) => answer;
  return [false, true]
    .filter((kind) => groups.has(kind))
    .map((is_spinout) => {
      const rows = groups.get(is_spinout) ?? [];
      return {
        is_spinout,
        organisations: rows.length,
        share_employee_owned: share(
          rows.map((record) => record.employee_owned),
          yes,
        ),
        share_staff_voice_strategy: share(
          rows.map((record) => record.staff_voice_strategy),
          yes,
        ),
        share_staff_voice_policy: share(
          rows.map((record) => record.staff_voice_policy),
          yes,
        ),
        share_staff_voice_operations: share(
          rows.map((record) => record.staff_voice_operations),
          yes,
        ),
        share_measures_social_value: share(
          rows.map((record) => record.measures_social_value),
          yes,
        ),
        share_new_services: share(
          rows.map((record) => record.new_services),
          yes,
        ),
      };
    });
}

/** The truth of one saved query by name, with its parameters as the CLI takes them. */
export function truthOf(name: string, records: readonly StatsRecord[], params: Record<string, string>): Row[] {
  const survey = params.survey ?? '';
  const wave = Number(params.wave);
  switch (name) {
    case 'wave_summary':
      return waveSummary(records, survey);
    case 'spinouts_by_sector':
      return spinoutsBySector(records, survey, wave);
    case 'spinouts_by_parent_body':
      return spinoutsByParentBody(records, survey, wave);
    case 'spinout_cohorts':
      return spinoutCohorts(records, survey, wave);
    case 'sector_profile':
      return sectorProfile(records, survey, wave);
    case 'growth_by_sector':
      return growthBySector(records, survey, wave);
    case 'panel_growth':
      return panelGrowth(records, survey, Number(params.from_wave), Number(params.to_wave));
    case 'regional_profile':
      return regionalProfile(records, survey, wave);
    case 'governance_and_value':
      return governanceAndValue(records, survey, wave);
    default:
      throw new Error(`truth-stats: no independent computation for "${name}"`);
  }
}
