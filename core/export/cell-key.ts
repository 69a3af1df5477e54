import { FIELDS } from '../../schemas/index.ts';
import type { CellValue, ParamValue } from '../engine/query-engine.ts';
import type { Column, Condition, SavedQuery, Value } from '../queries/index.ts';

/**
 * The identity of a published cell, independent of the table that shows it: what is computed (a count, the total
 * or median of a value, the share of an answer) over which organisations (survey, wave, population, the column's
 * conditions, the row's group). Two tables that show a cell of one identity show the same number, so they are
 * protected together (linked tables), and the release ledger recognises a cell published before by it.
 */

/** One condition in canonical form; `le` appears only in running totals ("year ≤ y"). */
export interface KeyCondition {
  readonly f: string;
  readonly op: 'eq' | 'gt' | 'le' | 'is-true' | 'is-false' | 'is-null' | 'is-not-null';
  readonly v?: string | number | boolean | readonly (string | number)[];
}

/** What a cell computes. */
export type KeyStatistic =
  | readonly ['count']
  | readonly ['sum', Value]
  | readonly ['median', Value]
  | readonly ['share', Value, readonly KeyCondition[]]
  | readonly ['estimate', string, string, Value | null, readonly KeyCondition[]];

/** A cell's identity: its statistic over the organisations its conditions select. */
export interface CellIdentity {
  readonly stat: KeyStatistic;
  readonly conds: readonly KeyCondition[];
}

/** Fields every record has (never null), so "is not null" on them selects every row. */
const REQUIRED = new Set(FIELDS.filter((field) => !field.nullable).map((field) => field.name));

/** The canonical form of a condition list: implied "is not null" dropped, duplicates removed, sorted. */
export function canonicalConditions(conds: readonly KeyCondition[]): KeyCondition[] {
  const nonNull = new Set(conds.filter((c) => c.op !== 'is-not-null' && c.op !== 'is-null').map((c) => c.f));
  const kept = conds.filter((c) => !(c.op === 'is-not-null' && (REQUIRED.has(c.f) || nonNull.has(c.f))));
  const byText = new Map(kept.map((c) => [JSON.stringify([c.f, c.op, c.v ?? null]), c]));
  return [...byText.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
}

/** A saved query's condition as a key condition; in a panel, `field` is read in the later wave. */
export function keyCondition(c: Condition): KeyCondition {
  if (c.op === 'eq') {
    if (c.value === true) return { f: c.field, op: 'is-true' };
    if (c.value === false) return { f: c.field, op: 'is-false' };
    return { f: c.field, op: 'eq', v: c.value };
  }
  if (c.op === 'gt') return { f: c.field, op: 'gt', v: c.value };
  return { f: c.field, op: c.op };
}

/** The condition "the group field has this row's value". */
export function groupCondition(field: string, value: CellValue): KeyCondition {
  if (value === null) return { f: field, op: 'is-null' };
  if (value === true) return { f: field, op: 'is-true' };
  if (value === false) return { f: field, op: 'is-false' };
  return { f: field, op: 'eq', v: value };
}

/** The conditions under which a per-row value is known (as the cell statistics read it). */
export function knownConditions(of: Value): KeyCondition[] {
  if (typeof of === 'string') return [{ f: of, op: 'is-not-null' }];
  if ('growth' in of) {
    return [
      { f: of.growth.numerator, op: 'is-not-null' },
      { f: of.growth.denominator, op: 'gt', v: 0 },
    ];
  }
  return [
    { f: of.panelGrowth, op: 'is-not-null' },
    { f: `earlier.${of.panelGrowth}`, op: 'is-not-null' },
  ];
}

/**
 * The conditions every cell of a query instance has: survey, wave (or the panel's two waves), population.
 * `waves` is the wave each wave parameter is bound to.
 */
export function baseConditions(query: SavedQuery, params: Readonly<Record<string, ParamValue>>): KeyCondition[] {
  const conds: KeyCondition[] = [];
  for (const p of query.parameters) {
    if (p.type === 'survey') conds.push({ f: 'survey', op: 'eq', v: params[p.name] as string });
  }
  if (query.panel) {
    conds.push({
      f: '@panel',
      op: 'eq',
      v: [query.panel.key, params[query.panel.from] as number, params[query.panel.to] as number],
    });
  } else {
    for (const p of query.parameters) {
      if (p.type === 'wave') conds.push({ f: 'wave', op: 'eq', v: params[p.name] as number });
    }
  }
  conds.push(...query.population.map(keyCondition));
  return conds;
}

/** The identity of a column's cell given the row's conditions (base + group), or undefined for text columns. */
export function columnIdentity(column: Column, rowConds: readonly KeyCondition[]): CellIdentity | undefined {
  const d = column.disclosure;
  switch (d.role) {
    case 'group':
    case 'cumulative':
      return undefined;
    case 'count':
      return { stat: ['count'], conds: canonicalConditions([...rowConds, ...(d.where ?? []).map(keyCondition)]) };
    case 'sum':
    case 'median':
      return {
        stat: [d.role, d.of],
        conds: canonicalConditions([...rowConds, ...(d.where ?? []).map(keyCondition)]),
      };
    case 'estimate':
      // A weighted estimate (or its standard error, or an end of its interval): never the same as an unweighted cell.
      return {
        stat: [
          'estimate',
          d.statistic,
          d.part,
          d.of ?? null,
          canonicalConditions((d.numerator ?? []).map(keyCondition)),
        ],
        conds: canonicalConditions([
          ...rowConds,
          ...(d.where ?? []).map(keyCondition),
          ...(d.statistic === 'share' && d.of ? knownConditions(d.of) : []),
        ]),
      };
    case 'share': {
      const numerator = d.numerator ?? (typeof d.of === 'string' ? [{ field: d.of, op: 'is-true' as const }] : []);
      return {
        stat: ['share', d.of, canonicalConditions(numerator.map(keyCondition))],
        conds: denominatorConditions(column, rowConds),
      };
    }
  }
}

/** The organisations a share is over: the row's, the column's `where`, and a known answer. */
export function denominatorConditions(column: Column, rowConds: readonly KeyCondition[]): KeyCondition[] {
  const d = column.disclosure;
  if (d.role !== 'share') return [...rowConds];
  return canonicalConditions([...rowConds, ...(d.where ?? []).map(keyCondition), ...knownConditions(d.of)]);
}

/** The organisations counted by a share's numerator. */
export function numeratorConditions(column: Column, rowConds: readonly KeyCondition[]): KeyCondition[] | undefined {
  const d = column.disclosure;
  if (d.role !== 'share') return undefined;
  const numerator = d.numerator ?? (typeof d.of === 'string' ? [{ field: d.of, op: 'is-true' as const }] : undefined);
  if (!numerator) return undefined;
  return canonicalConditions([...denominatorConditions(column, rowConds), ...numerator.map(keyCondition)]);
}

/** The running total "of column `of`, over rows whose group value is ≤ this row's": a count or sum over a range. */
export function cumulativeIdentity(
  accumulated: Column,
  baseConds: readonly KeyCondition[],
  groupField: string,
  upTo: CellValue,
): CellIdentity | undefined {
  const le: KeyCondition = { f: groupField, op: 'le', v: upTo as number };
  return columnIdentity(accumulated, [...baseConds, le]);
}

/** The text form of an identity: stable JSON (conditions already sorted). */
export function identityKey(identity: CellIdentity): string {
  return JSON.stringify(identity);
}

/** Two condition lists are the same set (both canonical). */
export function sameConditions(a: readonly KeyCondition[], b: readonly KeyCondition[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
