import type { CellValue, ParamValue, QueryEngine, ResultColumn } from '../engine/query-engine.ts';
import type { Column, Condition, SavedQuery, Value } from '../queries/index.ts';

/**
 * Cell statistics from the microdata, never from the published table: for every group of a saved query, and
 * for the whole population (the Total row), how many organisations contribute to each cell, and for
 * magnitudes their total and two largest contributions.
 *
 * One portable statement (plain select, `?` parameters, `cast`, `case`) fetches, per organisation of the
 * query's population, its group key and its contribution to each column, read from the saved query's
 * metadata (`disclosure`); the statistics (including exact medians) are then computed here. The same text
 * runs on DuckDB and Athena, and it returns one row per organisation of one or two waves, which is small.
 */

/** The statistics of one cell. */
export interface CellStatistics {
  /** Organisations behind the cell: rows meeting the column's conditions with a known value. */
  readonly contributors: number;
  /** Sums and medians: every contribution (non-negative for sums). */
  readonly values: readonly number[];
  /** Shares: how many contributors have the attribute. */
  readonly numerator: number;
}

/** The key of a group: its group-column values in order, as JSON. */
export function groupKey(values: readonly CellValue[]): string {
  return JSON.stringify(values);
}

/** A SQL fragment and its positional parameters, composed in order. */
interface Fragment {
  readonly sql: string;
  readonly params: readonly ParamValue[];
}

function sqlError(query: SavedQuery, what: string): Error {
  return new Error(`export: cannot derive cell statistics for saved query "${query.name}": ${what}`);
}

/** Field names come from validated metadata (snake_case); checked again because they are written into SQL. */
function identifier(query: SavedQuery, field: string): string {
  if (!/^[a-z][a-z0-9_]*$/.test(field)) throw sqlError(query, `field "${field}" is not a snake_case column name`);
  return field;
}

function condition(query: SavedQuery, c: Condition, alias: string): Fragment {
  const f = `${alias}${identifier(query, c.field)}`;
  switch (c.op) {
    case 'is-true':
      return { sql: `${f} = true`, params: [] };
    case 'is-false':
      return { sql: `${f} = false`, params: [] };
    case 'is-not-null':
      return { sql: `${f} is not null`, params: [] };
    case 'eq':
      // Booleans cannot be bound as parameters on both engines; true/false are the only literals written.
      if (typeof c.value === 'boolean') return { sql: `${f} = ${c.value ? 'true' : 'false'}`, params: [] };
      return { sql: `${f} = ?`, params: [c.value] };
    case 'gt':
      return { sql: `${f} > ?`, params: [c.value] };
  }
}

function all(query: SavedQuery, conditions: readonly Condition[] | undefined, alias: string): Fragment {
  const parts = (conditions ?? []).map((c) => condition(query, c, alias));
  if (parts.length === 0) return { sql: 'true', params: [] };
  return { sql: parts.map((p) => `(${p.sql})`).join(' and '), params: parts.flatMap((p) => p.params) };
}

/** The per-row value of a magnitude, and the condition under which it is known. */
function value(query: SavedQuery, v: Value, alias: string): { expr: string; known: string } {
  if (typeof v === 'string') {
    const f = `${alias}${identifier(query, v)}`;
    return { expr: `cast(${f} as double)`, known: `${f} is not null` };
  }
  if ('growth' in v) {
    const n = `${alias}${identifier(query, v.growth.numerator)}`;
    const d = `${alias}${identifier(query, v.growth.denominator)}`;
    const known = `${n} is not null and ${d} > 0`;
    return { expr: `case when ${known} then cast(${n} as double) / ${d} - 1 end`, known };
  }
  if (!query.panel) throw sqlError(query, 'a panel growth needs the query to be a panel (metadata "panel")');
  const f = identifier(query, v.panelGrowth);
  const known = `later.${f} is not null and earlier.${f} > 0`;
  return { expr: `case when ${known} then cast(later.${f} as double) / earlier.${f} - 1 end`, known };
}

/** The contribution of one row to one column: 1/0 for counts, a number for magnitudes, 1/0/null for shares. */
function contribution(query: SavedQuery, column: Column, alias: string): Fragment | undefined {
  const d = column.disclosure;
  switch (d.role) {
    case 'group':
    case 'cumulative':
      return undefined;
    case 'count': {
      const where = all(query, d.where, alias);
      return { sql: `case when ${where.sql} then 1 else 0 end`, params: where.params };
    }
    case 'sum':
    case 'median': {
      const where = all(query, d.where, alias);
      const v = value(query, d.of, alias);
      return { sql: `case when ${where.sql} and ${v.known} then ${v.expr} end`, params: where.params };
    }
    case 'estimate': {
      // Disclosure control applies to an estimate's unweighted contributors, counted like a count or a share.
      const where = all(query, d.where, alias);
      if (d.statistic === 'total') return { sql: `case when ${where.sql} then 1 else 0 end`, params: where.params };
      if (!d.of) throw sqlError(query, `share estimate "${column.name}" does not say what it is a share of`);
      const v = value(query, d.of, alias);
      let numerator: Fragment;
      if (d.numerator) numerator = all(query, d.numerator, alias);
      else if (typeof d.of === 'object' && 'growth' in d.of) {
        const n = `${alias}${identifier(query, d.of.growth.numerator)}`;
        numerator = { sql: `${n} > ${alias}${identifier(query, d.of.growth.denominator)}`, params: [] };
      } else if (typeof d.of === 'string') numerator = { sql: `${alias}${identifier(query, d.of)} = true`, params: [] };
      else throw sqlError(query, `share estimate "${column.name}" has no numerator`);
      return {
        sql: `case when ${where.sql} and ${v.known} then (case when ${numerator.sql} then 1 else 0 end) end`,
        params: [...where.params, ...numerator.params],
      };
    }
    case 'share': {
      const where = all(query, d.where, alias);
      let known: string;
      let numerator: Fragment;
      if (typeof d.of === 'object' && 'panelGrowth' in d.of) {
        // The metadata gives no numerator for a panel share: it is "grew", over both values known.
        const f = identifier(query, d.of.panelGrowth);
        known = `later.${f} is not null and earlier.${f} is not null`;
        numerator = d.numerator ? all(query, d.numerator, alias) : { sql: `later.${f} > earlier.${f}`, params: [] };
      } else {
        known = value(query, d.of, alias).known;
        if (!d.numerator && typeof d.of !== 'string') throw sqlError(query, `share "${column.name}" has no numerator`);
        numerator = d.numerator
          ? all(query, d.numerator, alias)
          : { sql: `${alias}${identifier(query, d.of as string)} = true`, params: [] };
      }
      return {
        sql: `case when ${where.sql} and ${known} then (case when ${numerator.sql} then 1 else 0 end) end`,
        params: [...where.params, ...numerator.params],
      };
    }
  }
}

/** The statement that lists, per organisation of the population, its group and its contributions. */
export function cellStatisticsStatement(
  query: SavedQuery,
  params: Readonly<Record<string, ParamValue>>,
): { sql: string; params: ParamValue[]; columns: ResultColumn[] } {
  const panel = query.panel;
  const alias = panel ? 'later.' : '';
  const select: string[] = [];
  /** For margins: the position in `select` of each group column, and its null in the other margins' rows. */
  const groupNulls = new Map<number, string>();
  const selectParams: ParamValue[] = [];
  const columns: ResultColumn[] = [];
  query.columns.forEach((column, i) => {
    const d = column.disclosure;
    if (d.role === 'group') {
      groupNulls.set(select.length, `cast(null as ${column.type === 'int' ? 'integer' : 'varchar'}) as g${i}`);
      select.push(`${alias}${identifier(query, d.field)} as g${i}`);
      columns.push({ name: `g${i}`, type: column.type });
      return;
    }
    const c = contribution(query, column, alias);
    if (!c) return;
    select.push(`cast(${c.sql} as double) as v${i}`);
    selectParams.push(...c.params);
    columns.push({ name: `v${i}`, type: 'double' });
  });
  const population = all(query, query.population, alias);
  const param = (name: string): ParamValue => {
    const v = params[name];
    if (v === undefined) throw sqlError(query, `parameter "${name}" has no value`);
    return v;
  };
  const surveyParam = query.parameters.find((p) => p.type === 'survey');
  if (!surveyParam) throw sqlError(query, 'it has no survey parameter');
  for (const p of query.parameters) {
    if (p.type !== 'survey' && p.type !== 'wave') {
      throw sqlError(query, `parameter "${p.name}" of type ${p.type} has no known meaning for the microdata`);
    }
  }
  if (panel) {
    const sql = [
      'with earlier as (select * from responses where survey = ? and wave = ?),',
      'later as (select * from responses where survey = ? and wave = ?)',
      `select ${select.join(', ')}`,
      'from later',
      `inner join earlier on earlier.${identifier(query, panel.key)} = later.${identifier(query, panel.key)}`,
      `where ${population.sql}`,
    ].join('\n');
    const survey = param(surveyParam.name);
    return {
      sql,
      params: [survey, param(panel.from), survey, param(panel.to), ...selectParams, ...population.params],
      columns,
    };
  }
  const waveParams = query.parameters.filter((p) => p.type === 'wave');
  if (waveParams.length > 1) throw sqlError(query, 'it has two wave parameters but no panel');
  const filters = ['survey = ?', ...waveParams.map(() => 'wave = ?'), `(${population.sql})`];
  const bound = [
    ...selectParams,
    param(surveyParam.name),
    ...waveParams.map((p) => param(p.name)),
    ...population.params,
  ];
  const from = `\nfrom responses\nwhere ${filters.join(' and ')}`;
  if (!query.margins) return { sql: `select ${select.join(', ')}${from}`, params: bound, columns };
  // Margins: each row of the microdata counts once in every margin, under one group column at a time.
  const branches = [...groupNulls.keys()].map((own) =>
    select.map((expression, j) => (j === own ? expression : (groupNulls.get(j) ?? expression))).join(', '),
  );
  return {
    sql: branches.map((branch) => `select ${branch}${from}`).join('\nunion all\n'),
    params: branches.flatMap(() => bound),
    columns,
  };
}

/** Mutable accumulator of one cell. */
interface Accumulator {
  contributors: number;
  values: number[];
  numerator: number;
}

/**
 * Runs the statistics statement and accumulates per group. `params` are the typed parameter values by name
 * (as validated for the saved query).
 */
export async function computeCellStatistics(
  engine: QueryEngine,
  query: SavedQuery,
  params: Readonly<Record<string, ParamValue>>,
): Promise<Map<string, Record<string, CellStatistics>>> {
  const statement = cellStatisticsStatement(query, params);
  const result = await engine.run(statement.sql, statement.params, statement.columns);
  const groups = new Map<string, Record<string, Accumulator>>();
  const groupIndexes = query.columns.flatMap((c, i) => (c.disclosure.role === 'group' ? [i] : []));
  for (const row of result.rows) {
    const key = groupKey(groupIndexes.map((i) => row[`g${i}`] ?? null));
    let cells = groups.get(key);
    if (!cells) {
      cells = {};
      groups.set(key, cells);
    }
    query.columns.forEach((column, i) => {
      const role = column.disclosure.role;
      if (role === 'group' || role === 'cumulative') return;
      cells[column.name] ??= { contributors: 0, values: [], numerator: 0 };
      const acc = cells[column.name]!;
      const v = row[`v${i}`];
      if (typeof v !== 'number') return;
      const d = column.disclosure;
      if (role === 'count' || (d.role === 'estimate' && d.statistic === 'total')) {
        acc.contributors += v;
      } else if (role === 'share' || role === 'estimate') {
        acc.contributors += 1;
        acc.numerator += v;
      } else {
        acc.contributors += 1;
        acc.values.push(v);
      }
    });
  }
  return groups;
}

/** Pools the statistics of several groups into one (the Total row). */
export function poolStatistics(cells: readonly (CellStatistics | undefined)[]): CellStatistics {
  let contributors = 0;
  let numerator = 0;
  const values: number[] = [];
  for (const cell of cells) {
    if (!cell) continue;
    contributors += cell.contributors;
    numerator += cell.numerator;
    for (const v of cell.values) values.push(v);
  }
  return { contributors, values, numerator };
}

/** The exact median (mean of the two middle values when the count is even), or null when there are none. */
export function exactMedian(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
