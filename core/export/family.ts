import type { DisclosureTable, LinearRelation, TableCell } from '../disclosure/index.ts';
import type { ParamValue } from '../engine/query-engine.ts';
import type { SavedQuery } from '../queries/index.ts';
import { baseConditions, canonicalConditions, columnIdentity, type KeyCondition } from './cell-key.ts';
import type { ExportTable } from './table.ts';

/**
 * Linked tables. Tables that show a cell of one identity (cell-key.ts) share a margin — wave_summary's row for a
 * wave is sector_profile's Total of that wave; sector_profile and spinouts_by_sector show the same organisations
 * per sector — and a reader who holds both can subtract one from the other. Such tables are protected together,
 * as one table whose shared cells are one cell, so that each shows one suppression pattern whichever of them is
 * exported, and in whatever order.
 */

/** A saved query bound to parameter values: one table that could be published. */
export interface QueryInstance {
  readonly query: SavedQuery;
  readonly params: Readonly<Record<string, ParamValue>>;
}

/** What the cells of one column of an instance compute, up to the row: `wildcards` are its group fields. */
interface Signature {
  readonly stat: string;
  readonly conds: readonly KeyCondition[];
  readonly wildcards: readonly string[];
}

const GROUP_OPS = new Set(['eq', 'is-true', 'is-false', 'is-null']);

function signatures(instance: QueryInstance): Signature[] {
  const { query, params } = instance;
  const base = baseConditions(query, params);
  const groupFields = query.columns.flatMap((c) => (c.disclosure.role === 'group' ? [c.disclosure.field] : []));
  const out: Signature[] = [];
  // A body row adds one condition per group field ("is not null" on it is then implied); a row of margins adds
  // one, for one group field at a time, and a table of margins has no Total row.
  const rowKinds = query.margins ? groupFields.map((f) => [f]) : [groupFields];
  for (const column of query.columns) {
    const id = columnIdentity(column, base);
    if (!id) continue;
    const stat = JSON.stringify(id.stat);
    if (!query.margins) out.push({ stat, conds: id.conds, wildcards: [] });
    for (const wildcards of rowKinds) {
      const conds = canonicalConditions(id.conds.filter((c) => !(c.op === 'is-not-null' && wildcards.includes(c.f))));
      out.push({ stat, conds, wildcards });
    }
  }
  return out;
}

/** Whether some cell of signature a can be the same cell as some cell of signature b. */
function unify(a: Signature, b: Signature): boolean {
  if (a.stat !== b.stat) return false;
  const text = (c: KeyCondition) => JSON.stringify(c);
  const inB = new Set(b.conds.map(text));
  const inA = new Set(a.conds.map(text));
  const restA = a.conds.filter((c) => !inB.has(text(c)));
  const restB = b.conds.filter((c) => !inA.has(text(c)));
  const freeA = [...a.wildcards];
  const freeB = [...b.wildcards];
  // A group value of one side may be a fixed condition of the other (a wave row against a wave parameter).
  const absorb = (rest: KeyCondition[], free: string[]) =>
    rest.every((c) => {
      const at = free.indexOf(c.f);
      if (at < 0 || !GROUP_OPS.has(c.op)) return false;
      free.splice(at, 1);
      return true;
    });
  if (!absorb(restB, freeA) || !absorb(restA, freeB)) return false;
  // Group fields left on both sides must pair up (rows of the same grouping).
  return freeA.length === freeB.length && [...freeA].sort().join() === [...freeB].sort().join();
}

function linked(a: QueryInstance, b: QueryInstance, cache: Map<QueryInstance, Signature[]>): boolean {
  const sa = cache.get(a) ?? signatures(a);
  const sb = cache.get(b) ?? signatures(b);
  cache.set(a, sa);
  cache.set(b, sb);
  return sa.some((x) => sb.some((y) => unify(x, y)));
}

/**
 * The instances a reader could combine with the requested one: every saved query of the same survey bound to
 * each wave in the lake (a panel only as requested), kept when it shares a cell with the requested table or,
 * transitively, with another kept one. The requested instance comes first.
 */
export function familyOf(
  requested: QueryInstance,
  queries: readonly SavedQuery[],
  surveyWaves: readonly number[],
): QueryInstance[] {
  const survey = requested.query.parameters.find((p) => p.type === 'survey');
  if (!survey) return [requested];
  const surveyId = requested.params[survey.name]!;
  const candidates: QueryInstance[] = [];
  for (const query of queries) {
    if (query.name === requested.query.name || query.panel) continue;
    if (!query.parameters.every((p) => p.type === 'survey' || p.type === 'wave')) continue;
    const waveParams = query.parameters.filter((p) => p.type === 'wave');
    if (waveParams.length > 1) continue;
    const surveyParams = Object.fromEntries(
      query.parameters.filter((p) => p.type === 'survey').map((p) => [p.name, surveyId]),
    );
    if (waveParams.length === 0) candidates.push({ query, params: surveyParams });
    else
      for (const wave of surveyWaves)
        candidates.push({ query, params: { ...surveyParams, [waveParams[0]!.name]: wave } });
  }
  // Other bindings of the requested query too (its wave_summary-linked Totals of other waves, for instance).
  if (!requested.query.panel) {
    const waveParams = requested.query.parameters.filter((p) => p.type === 'wave');
    if (waveParams.length === 1) {
      for (const wave of surveyWaves) {
        if (wave !== requested.params[waveParams[0]!.name]) {
          candidates.push({ query: requested.query, params: { ...requested.params, [waveParams[0]!.name]: wave } });
        }
      }
    }
  }
  const cache = new Map<QueryInstance, Signature[]>();
  const family = [requested];
  const queue = [requested];
  const left = new Set(candidates);
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const candidate of [...left]) {
      if (!linked(current, candidate, cache)) continue;
      left.delete(candidate);
      family.push(candidate);
      queue.push(candidate);
    }
  }
  return family;
}

/** Several built tables as one: shared cells merged into one, refs prefixed by the table's position. */
export interface JointTable {
  readonly table: DisclosureTable;
  /** For each member (in order), its local ref → the joint ref. */
  readonly refs: readonly ReadonlyMap<string, string>[];
  /** How many of the members show each joint cell. */
  readonly appearances: ReadonlyMap<string, number>;
}

/**
 * Merges built tables into one table to protect: a cell whose identity appears in several is one cell (the first
 * member's, its lower bound the largest known), so its status is one; relations, links and denominators follow.
 * Suppressing a cell shown by several tables costs more (it is hidden in each).
 */
export function jointTable(members: readonly ExportTable[]): JointTable {
  const byKey = new Map<string, string>();
  const cells = new Map<string, TableCell>();
  const appearances = new Map<string, number>();
  const refs = members.map((member, i) => {
    const map = new Map<string, string>();
    for (const cell of member.table.cells) {
      const key = member.identity.get(cell.ref);
      const existing = key !== undefined ? byKey.get(key) : undefined;
      if (existing !== undefined) {
        map.set(cell.ref, existing);
        appearances.set(existing, (appearances.get(existing) ?? 1) + 1);
        const kept = cells.get(existing)!;
        if ((cell.lower ?? 0) > (kept.lower ?? 0)) cells.set(existing, { ...kept, lower: cell.lower });
        continue;
      }
      const ref = `${i}|${cell.ref}`;
      map.set(cell.ref, ref);
      if (key !== undefined) byKey.set(key, ref);
      cells.set(ref, cell);
    }
    return map;
  });
  // Links and denominators of every member, rewritten; a merged cell keeps the union of its members' links.
  const links = new Map<string, Set<string>>();
  const denominators = new Map<string, string>();
  members.forEach((member, i) => {
    const map = refs[i]!;
    for (const cell of member.table.cells) {
      const at = map.get(cell.ref)!;
      for (const link of cell.links ?? []) {
        const set = links.get(at) ?? new Set<string>();
        set.add(map.get(link)!);
        links.set(at, set);
      }
      if (cell.denominator && !denominators.has(at)) denominators.set(at, map.get(cell.denominator)!);
    }
  });
  const jointCells: TableCell[] = [...cells.entries()].map(([ref, cell]) => {
    const out: TableCell = { ...cell, ref, cost: appearances.get(ref) ?? 1 };
    const l = links.get(ref);
    const d = denominators.get(ref);
    return { ...out, links: l ? [...l] : undefined, denominator: d };
  });
  const relations: LinearRelation[] = members.flatMap((member, i) =>
    member.table.relations.map((relation) => ({
      ...relation,
      terms: relation.terms.map((t) => ({ ...t, ref: refs[i]!.get(t.ref)! })),
    })),
  );
  return { table: { cells: jointCells, relations }, refs, appearances };
}
