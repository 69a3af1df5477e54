// The intruder, written for the tests from DESIGN.md and the codebook, not from the export code: it reads
// published tables (CSV) and knows what each saved query means — which organisations each cell counts or adds
// up, that rows add up to the Total, that a listed row has at least one organisation, that spin-outs are at most
// the organisations of a row, that a share times its published count is a count, that the three turnover trends
// are all the answers, that a running total adds its column up, and that two tables showing the same
// organisations show the same number. It solves the integer program of everything published with HiGHS
// (test/helpers/intruder-lp.ts) for every suppressed cell, and reports every interval narrower than the cell's
// protection level and every exact recovery — judged from the microdata, which it also reads.
import Papa from 'papaparse';
import { type Bounds, type Constraint, intervals, type Unknown } from './intruder-lp.ts';
import type { StatsRecord } from './truth-stats.ts';

/** One published table: which query, with which parameters, from which version of each wave, and its rows. */
export interface PublishedTable {
  readonly query: string;
  readonly params: Readonly<Record<string, string | number>>;
  /**
   * The version of each wave of the survey it was computed from (e.g. { 2022: 'v1', 2023: 'v2' }): cells of one
   * meaning over the same versions of their waves are the same number.
   */
  readonly data: Readonly<Record<number, string>>;
  /** The CSV text as written. */
  readonly csv: string;
}

/** The records of each wave version, keyed "<wave>:<version>". */
export type VersionedRecords = Readonly<Record<string, readonly StatsRecord[]>>;

/** The organisations of one cell and what it computes over them. */
export interface CellMeaning {
  /** Identity across tables: the same name is the same number. */
  readonly name: string;
  /** The wave versions it reads ("<wave>:<version>"). */
  readonly data: readonly string[];
  readonly stat: 'count' | 'employees' | 'turnover' | 'other';
  /** Is this record one of the cell's organisations? */
  readonly member: (r: StatsRecord, all: readonly StatsRecord[]) => boolean;
  /** A listed row's own count: at least one organisation. */
  readonly listed?: boolean;
}

type Filter = readonly [string, (r: StatsRecord) => boolean];

function cell(
  data: readonly string[],
  survey: string,
  scope: string,
  filters: readonly Filter[],
  stat: CellMeaning['stat'],
  inScope: (r: StatsRecord, all: readonly StatsRecord[]) => boolean,
  listed = false,
): CellMeaning {
  const names = filters.map(([n]) => n).sort();
  return {
    name: JSON.stringify([data.join(','), survey, scope, names, stat]),
    data,
    stat,
    member: (r, all) => r.survey === survey && inScope(r, all) && filters.every(([, f]) => f(r)),
    listed,
  };
}

const SPINOUT: Filter = ['spinout', (r) => r.is_spinout === true];
const NOT_SPINOUT: Filter = ['not spinout', (r) => r.is_spinout === false];
const eq = (field: keyof StatsRecord, value: unknown): Filter => [
  `${String(field)}=${String(value)}`,
  (r) => String(r[field]) === String(value) && r[field] !== null,
];
const known = (field: keyof StatsRecord): Filter => [`${String(field)} known`, (r) => r[field] !== null];

/** The meaning of the columns of one saved query that a linear relation can use. */
interface Layout {
  /** Filters of a body row from its label. */
  readonly row: (label: string) => Filter[];
  /** Filters every cell has. */
  readonly population: Filter[];
  /** Published counts and totals. */
  readonly columns: Readonly<Record<string, { stat: CellMeaning['stat']; filters?: Filter[]; listed?: boolean }>>;
  /** Published shares of a published count (`of`) whose numerator counts the organisations `numerator` selects. */
  readonly shares?: Readonly<Record<string, { of: string; numerator: Filter[] }>>;
}

const trendShares = { share_increased: 'increased', share_same: 'same', share_decreased: 'decreased' } as const;

/** What each saved query's cells are, from DESIGN.md "Saved queries". */
function layout(query: string): Layout {
  switch (query) {
    case 'wave_summary':
      return {
        row: () => [],
        population: [],
        columns: {
          responses: { stat: 'count', listed: true },
          spinouts: { stat: 'count', filters: [SPINOUT] },
          employees_total: { stat: 'employees' },
          turnover_total: { stat: 'turnover' },
        },
      };
    case 'spinouts_by_sector':
      return {
        row: (s) => [eq('sector', s)],
        population: [],
        columns: {
          organisations: { stat: 'count', listed: true },
          spinouts: { stat: 'count', filters: [SPINOUT] },
        },
        // Spin-out status is a required answer, so the share is over every organisation of the row.
        shares: { spinout_share: { of: 'organisations', numerator: [SPINOUT] } },
      };
    case 'sector_profile':
      return {
        row: (s) => [eq('sector', s)],
        population: [],
        columns: {
          organisations: { stat: 'count', listed: true },
          employees_total: { stat: 'employees' },
          turnover_total: { stat: 'turnover' },
        },
      };
    case 'regional_profile':
      return {
        row: (s) => [eq('region', s)],
        population: [known('region')],
        columns: {
          organisations: { stat: 'count', listed: true },
          spinouts: { stat: 'count', filters: [SPINOUT] },
          employees_total: { stat: 'employees' },
        },
      };
    case 'spinouts_by_parent_body':
      return {
        row: (s) => [eq('parent_body', s)],
        population: [SPINOUT, known('parent_body')],
        columns: { spinouts: { stat: 'count', listed: true }, employees_total: { stat: 'employees' } },
      };
    case 'spinout_cohorts':
      return {
        row: (s) => [eq('spinout_year', s)],
        population: [SPINOUT, known('spinout_year')],
        columns: { spinouts: { stat: 'count', listed: true } },
      };
    case 'governance_and_value':
      return {
        row: (s) => [s === 'true' ? SPINOUT : NOT_SPINOUT],
        // Spin-out status is a required answer: "known" selects every organisation.
        population: [],
        columns: { organisations: { stat: 'count', listed: true } },
      };
    case 'growth_by_sector':
      return {
        row: (s) => [eq('sector', s)],
        population: [],
        columns: { respondents: { stat: 'count', filters: [known('turnover_trend')] } },
        shares: Object.fromEntries(
          Object.entries(trendShares).map(([column, answer]) => [
            column,
            { of: 'respondents', numerator: [eq('turnover_trend', answer)] },
          ]),
        ),
      };
    case 'panel_growth':
      return {
        row: (s) => [eq('sector', s)],
        population: [],
        columns: { matched_organisations: { stat: 'count', listed: true } },
      };
    default:
      throw new Error(`attack: no meaning written for saved query "${query}"`);
  }
}

/** The scope of a table's cells: its wave, its waves (wave_summary), or its panel. */
function scopeOf(
  table: PublishedTable,
  label: string | undefined,
): { scope: string; data: string[]; inScope: (r: StatsRecord, all: readonly StatsRecord[]) => boolean } {
  const p = table.params;
  const data = (waves: readonly number[]) =>
    waves.map((w) => {
      const version = table.data[w];
      if (version === undefined) throw new Error(`attack: no version given for wave ${w} of ${table.query}`);
      return `${w}:${version}`;
    });
  if (table.query === 'panel_growth') {
    const from = Number(p.from_wave);
    const to = Number(p.to_wave);
    return {
      scope: `panel ${from}-${to}`,
      data: data([from, to]),
      inScope: (r, all) =>
        r.wave === to && all.some((o) => o.survey === r.survey && o.wave === from && o.org_id === r.org_id),
    };
  }
  if (table.query === 'wave_summary') {
    if (label !== undefined && label !== 'Total') {
      return { scope: `wave ${label}`, data: data([Number(label)]), inScope: (r) => r.wave === Number(label) };
    }
    return { scope: 'every wave', data: data(Object.keys(table.data).map(Number).sort()), inScope: () => true };
  }
  return { scope: `wave ${p.wave}`, data: data([Number(p.wave)]), inScope: (r) => r.wave === Number(p.wave) };
}

/** The records a cell reads: those of the versions of its waves. */
function recordsOf(meaning: CellMeaning, records: VersionedRecords): StatsRecord[] {
  return meaning.data.flatMap((key) => {
    const got = records[key];
    if (!got) throw new Error(`attack: no records given for wave version ${key}`);
    return got;
  });
}

function parse(csv: string): { header: string[]; rows: string[][] } {
  const data = Papa.parse<string[]>(csv.replace(/^\uFEFF/, ''), { skipEmptyLines: true }).data;
  return { header: data[0]!, rows: data.slice(1) };
}

/** Truth of one cell from the microdata: value, contributors, the two largest contributions. */
function truth(meaning: CellMeaning, records: readonly StatsRecord[]) {
  const members = records.filter((r) => meaning.member(r, records));
  if (meaning.stat === 'count') return { value: members.length, contributors: members.length, top1: 1, top2: 1 };
  const values = members
    .map((r) => (meaning.stat === 'employees' ? r.employees : r.turnover))
    .filter((v): v is number => v !== null)
    .sort((a, b) => b - a);
  return {
    value: values.reduce((a, b) => a + b, 0),
    contributors: values.length,
    top1: values[0] ?? 0,
    top2: values[1] ?? 0,
  };
}

/** One finding of the attack. */
export interface Finding {
  readonly cell: string;
  readonly problem: string;
}

/** The rules the attack judges by. */
export interface AttackRules {
  readonly threshold: number;
  readonly p: number;
}

/** A cell's truth: its value and the contributions behind it. */
export interface Truth {
  readonly value: number;
  readonly contributors: number;
  readonly top1: number;
  readonly top2: number;
}

/** What the attack found and how much it looked at. */
export interface AttackResult {
  readonly findings: readonly Finding[];
  /** Suppressed cells bounded by the integer program. */
  readonly bounded: number;
  /** Cells published. */
  readonly published: ReadonlyMap<string, number>;
  /** Counts and totals written as [c]. */
  readonly suppressed: ReadonlySet<string>;
  /** The interval of every suppressed cell. */
  readonly intervals: ReadonlyMap<string, Bounds>;
  readonly meanings: ReadonlyMap<string, CellMeaning>;
  readonly truths: ReadonlyMap<string, Truth>;
}

const EPSILON = 0.5e-4; // shares are written to 4 decimals

/**
 * Attacks a set of published tables, each computed from the records of its data label (`records[data]`): one
 * integer program over everything published (cells of one name are one unknown), intervals for every suppressed
 * cell, and the findings: a published cell that the threshold or p% rule forbids, a suppressed cell recovered
 * exactly, a count under the threshold whose upper bound stays under it, a small or dominated total whose upper
 * bound stays under the total plus p% of its largest contribution.
 */
export async function attack(
  tables: readonly PublishedTable[],
  records: VersionedRecords,
  rules: AttackRules,
): Promise<AttackResult> {
  const findings: Finding[] = [];
  const meanings = new Map<string, CellMeaning>();
  const published = new Map<string, number>();
  // Counts and totals written as [c] somewhere: those must not be recovered exactly.
  const suppressed = new Set<string>();
  const constraints: Constraint[] = [];
  const use = (m: CellMeaning) => {
    meanings.set(m.name, m);
    return m.name;
  };
  const publish = (n: string, value: number) => {
    const before = published.get(n);
    if (before !== undefined && Math.abs(before - value) > 1e-6 * Math.max(1, Math.abs(value))) {
      findings.push({ cell: n, problem: `published twice with different values (${before}, ${value})` });
    }
    published.set(n, value);
  };
  const sharesOf = new Map<string, number>();
  const numeric = (text: string | undefined) =>
    text === undefined || text === '[c]' || text === '[x]' ? undefined : Number(text);

  for (const table of tables) {
    const { header, rows } = parse(table.csv);
    const meaning = layout(table.query);
    const survey = String(table.params.survey);
    const bodyLabels = rows.map((r) => r[0]!).filter((l) => l !== 'Total');
    const labels = [...bodyLabels, 'Total'];
    const rowFilters = (label: string) => [...meaning.population, ...(label === 'Total' ? [] : meaning.row(label))];
    const count = (label: string, filters: Filter[], listed = false) => {
      const { scope, data, inScope } = scopeOf(table, label);
      return use(cell(data, survey, scope, [...rowFilters(label), ...filters], 'count', inScope, listed));
    };
    const name = (label: string, column: string) => {
      const spec = meaning.columns[column]!;
      const { scope, data, inScope } = scopeOf(table, label);
      return use(
        cell(
          data,
          survey,
          scope,
          [...rowFilters(label), ...(spec.filters ?? [])],
          spec.stat,
          inScope,
          (spec.listed ?? false) && label !== 'Total',
        ),
      );
    };
    const numerator = (label: string, share: string) => count(label, meaning.shares![share]!.numerator);
    const textOf = (label: string, column: string) => {
      const row = rows.find((r) => r[0] === label);
      const c = header.indexOf(column);
      return row && c >= 0 ? row[c] : undefined;
    };
    // Counts and totals: every row, the Total whether it was written or not, and what was published.
    for (const column of Object.keys(meaning.columns)) {
      for (const label of labels) {
        const n = name(label, column);
        const text = textOf(label, column);
        const value = numeric(text);
        if (value !== undefined) publish(n, value);
        if (text === '[c]') suppressed.add(n);
      }
      // Rows add up to the Total.
      constraints.push({
        terms: [...bodyLabels.map((l) => [name(l, column), 1] as const), [name('Total', column), -1] as const],
        sense: '=',
        rhs: 0,
      });
    }
    for (const [share, spec] of Object.entries(meaning.shares ?? {})) {
      // Numerators add up to the Total's too, and each is at most its count.
      constraints.push({
        terms: [...bodyLabels.map((l) => [numerator(l, share), 1] as const), [numerator('Total', share), -1] as const],
        sense: '=',
        rhs: 0,
      });
      for (const label of labels) {
        const n = numerator(label, share);
        const of = name(label, spec.of);
        constraints.push({
          terms: [
            [n, 1],
            [of, -1],
          ],
          sense: '<=',
          rhs: 0,
        });
        // A published share s of count c: s − ε ≤ n / c ≤ s + ε.
        // (A suppressed share's numerator may be known — a published count — without its share being: only a
        // numerator under the threshold is protected, as a count.)
        const s = numeric(textOf(label, share));
        if (s !== undefined) {
          // A published share over a small numerator publishes a small count.
          sharesOf.set(n, s);
          constraints.push({
            terms: [
              [n, 1],
              [of, -(s + EPSILON)],
            ],
            sense: '<=',
            rhs: 0,
          });
          constraints.push({
            terms: [
              [n, -1],
              [of, s - EPSILON],
            ],
            sense: '<=',
            rhs: 0,
          });
        }
      }
    }
    for (const label of labels) {
      // Spin-outs are at most the organisations of their row.
      const whole = meaning.columns.organisations
        ? 'organisations'
        : meaning.columns.responses
          ? 'responses'
          : undefined;
      if (meaning.columns.spinouts?.filters && whole) {
        constraints.push({
          terms: [
            [name(label, 'spinouts'), 1],
            [name(label, whole), -1],
          ],
          sense: '<=',
          rhs: 0,
        });
      }
      // The three turnover trends are all the answers.
      if (table.query === 'growth_by_sector') {
        constraints.push({
          terms: [
            ...Object.keys(trendShares).map((c) => [numerator(label, c), 1] as const),
            [name(label, 'respondents'), -1] as const,
          ],
          sense: '=',
          rhs: 0,
        });
      }
    }
    // A running total adds its column up in year order.
    if (table.query === 'spinout_cohorts') {
      const years = bodyLabels.map(Number).sort((a, b) => a - b);
      const running = (y: number) =>
        count('Total', [[`year<=${y}`, (r) => r.spinout_year !== null && r.spinout_year <= y]]);
      years.forEach((y, i) => {
        constraints.push({
          terms: [
            [running(y), 1],
            ...(i > 0 ? [[running(years[i - 1]!), -1] as const] : []),
            [name(String(y), 'spinouts'), -1],
          ],
          sense: '=',
          rhs: 0,
        });
        const text = textOf(String(y), 'cumulative_spinouts');
        const value = numeric(text);
        if (value !== undefined) publish(running(y), value);
        if (text === '[c]') suppressed.add(running(y));
      });
    }
  }

  // Truth of every cell, and the rules applied to what was published.
  const truths = new Map<string, Truth>();
  for (const [n, m] of meanings) truths.set(n, truth(m, recordsOf(m, records)));
  const level = (n: string): number | undefined => {
    const t = truths.get(n)!;
    if (meanings.get(n)!.stat === 'count')
      return t.value > 0 && t.value < rules.threshold ? rules.threshold : undefined;
    if (t.contributors === 0) return undefined;
    const dominated = t.value - t.top1 - t.top2 < (rules.p / 100) * t.top1;
    return t.contributors < rules.threshold || dominated ? t.value + (rules.p / 100) * t.top1 : undefined;
  };
  for (const [n, value] of published) {
    const t = truths.get(n)!;
    if (Math.abs(t.value - value) > 0.01 + 1e-9 * Math.abs(value)) {
      findings.push({ cell: n, problem: `published ${value}, the microdata give ${t.value} (the attack misreads it)` });
    }
    if (level(n) !== undefined)
      findings.push({ cell: n, problem: `published although the rules forbid it (${value})` });
  }
  for (const [n, share] of sharesOf) {
    if (level(n) !== undefined)
      findings.push({ cell: n, problem: `a share (${share}) published over a numerator the rules forbid` });
  }

  // The integer program: every cell not published is unknown.
  const unknownNames = [...meanings.keys()].filter((n) => !published.has(n));
  const isUnknown = new Set(unknownNames);
  const unknowns: Unknown[] = unknownNames.map((n) => ({
    name: n,
    lower: meanings.get(n)!.listed ? 1 : 0,
    integer: meanings.get(n)!.stat === 'count',
  }));
  const program: Constraint[] = [];
  for (const c of constraints) {
    const terms: [string, number][] = [];
    let rhs = c.rhs;
    for (const [n, coef] of c.terms) {
      if (!isUnknown.has(n)) {
        rhs -= coef * published.get(n)!;
        continue;
      }
      const at = terms.find(([m]) => m === n);
      if (at) at[1] += coef;
      else terms.push([n, coef]);
    }
    const kept = terms.filter(([, coef]) => coef !== 0);
    if (kept.length > 0) program.push({ terms: kept, sense: c.sense, rhs });
    else if (c.sense === '=' ? Math.abs(rhs) > 0.01 : rhs < -0.01) {
      findings.push({
        cell: '(relation)',
        problem: `the published cells break a relation the attack relies on: ${JSON.stringify(c)}`,
      });
    }
  }
  // The attack's own model must hold at the truth, or its intervals would mean nothing.
  const at = (n: string) => truths.get(n)!.value;
  for (const c of constraints) {
    const lhs = c.terms.reduce((sum, [n, coef]) => sum + coef * at(n), 0);
    const tolerance = 1e-6 * Math.max(1, ...c.terms.map(([n, coef]) => Math.abs(coef * at(n))));
    if (c.sense === '=' ? Math.abs(lhs - c.rhs) > tolerance : lhs > c.rhs + tolerance) {
      throw new Error(`attack: its model does not hold at the truth: ${JSON.stringify(c)} gives ${lhs}`);
    }
  }
  const bounds = await intervals(unknowns, program, unknownNames);
  for (const n of unknownNames) {
    const b = bounds.get(n)!;
    const t = truths.get(n)!;
    const integer = meanings.get(n)!.stat === 'count';
    if (suppressed.has(n) && b.hi - b.lo < (integer ? 0.5 : 1e-6 * Math.max(1, Math.abs(t.value)))) {
      findings.push({ cell: n, problem: `recovered exactly: ${b.lo} (true ${t.value})` });
    }
    const l = level(n);
    if (l !== undefined && b.hi < l - 1e-6 * Math.max(1, l)) {
      findings.push({ cell: n, problem: `upper bound ${b.hi} under its protection level ${l} (true ${t.value})` });
    }
  }
  return { findings, bounded: unknownNames.length, published, suppressed, intervals: bounds, meanings, truths };
}

/** Each organisation's contribution to a cell: membership and, for a total, its value. */
function contributions(meaning: CellMeaning, records: readonly StatsRecord[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of records) {
    if (!meaning.member(r, records)) continue;
    const v = meaning.stat === 'count' ? 1 : meaning.stat === 'employees' ? r.employees : r.turnover;
    if (v !== null) out.set(`${r.wave}/${r.org_id}`, v);
  }
  return out;
}

/**
 * Differencing two versions of a wave (`before`, `after`: "<wave>:<version>"), as a reader of the releases of both
 * does: for every cell published (or
 * bounded) in both, the change new − old lies in [lo_new − hi_old, hi_new − lo_old]. A change that comes from
 * fewer organisations than the threshold must stay uncertain: for a count, a change of T organisations or more
 * must stay possible; for a total, the change must not be pinned to within p% of the largest changed contribution.
 */
export function differencing(
  result: AttackResult,
  before: string,
  after: string,
  records: VersionedRecords,
  rules: AttackRules,
): { findings: Finding[]; pairs: number; sensitive: number } {
  const findings: Finding[] = [];
  const range = (n: string): Bounds => {
    const v = result.published.get(n);
    return v !== undefined ? { lo: v, hi: v } : result.intervals.get(n)!;
  };
  let pairs = 0;
  let sensitive = 0;
  for (const [n, meaning] of result.meanings) {
    if (!meaning.data.includes(before)) continue;
    const parts = JSON.parse(n) as unknown[];
    const m = JSON.stringify([meaning.data.map((d) => (d === before ? after : d)).join(','), ...parts.slice(1)]);
    const later = result.meanings.get(m);
    if (!later) continue;
    pairs++;
    const old = contributions(meaning, recordsOf(meaning, records));
    const now = contributions(later, recordsOf(later, records));
    let changed = 0;
    let largest = 0;
    for (const org of new Set([...old.keys(), ...now.keys()])) {
      const d = (now.get(org) ?? 0) - (old.get(org) ?? 0);
      if (old.get(org) === now.get(org)) continue;
      changed++;
      largest = Math.max(largest, Math.abs(d));
    }
    if (changed === 0 || changed >= rules.threshold) continue;
    sensitive++;
    const a = range(n);
    const b = range(m);
    const lo = b.lo - a.hi;
    const hi = b.hi - a.lo;
    const truth = result.truths.get(m)!.value - result.truths.get(n)!.value;
    if (meaning.stat === 'count') {
      if (Math.max(Math.abs(lo), Math.abs(hi)) < rules.threshold) {
        findings.push({
          cell: m,
          problem: `its change from ${changed} organisation(s) lies in [${lo}, ${hi}] (true ${truth})`,
        });
      }
    } else {
      const margin = (rules.p / 100) * largest;
      if (!(hi >= truth + margin - 1e-6 || lo <= truth - margin + 1e-6)) {
        findings.push({
          cell: m,
          problem: `its change from ${changed} organisation(s) lies in [${lo}, ${hi}], within ${rules.p}% of the largest (true ${truth})`,
        });
      }
    }
  }
  return { findings, pairs, sensitive };
}
