import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { curatedWavePrefix } from '../lake.ts';
import type { Storage } from '../storage/storage.ts';
import type { CellIdentity, KeyCondition } from './cell-key.ts';

/**
 * What changed in one cell between two versions of its waves, organisation by organisation: the microdata of
 * both versions are read from the lake's curated Parquet (the version a commit replaced is kept, so the one a
 * release was made from usually is), and each organisation's contribution to the cell — membership, value,
 * answer — is compared. This is what the revision rule needs: a change that comes from fewer organisations than
 * the threshold would let a reader difference two releases.
 */

/** One record of a wave, with its survey and wave. */
export type WaveRow = Readonly<Record<string, unknown>>;

/** The change of one cell between two versions. */
export interface CellChange {
  /** Organisations whose contribution differs (added, removed, or changed). */
  readonly organisations: number;
  /** New − old, in the cell's quantity (a count, a total, or a share's numerator). */
  readonly change: number;
  /** The largest change of one organisation's contribution. */
  readonly largest: number;
}

/** Reads and caches the rows of wave versions. */
export class VersionRows {
  private readonly cache = new Map<string, Promise<WaveRow[] | undefined>>();

  constructor(private readonly storage: Storage) {}

  /**
   * The rows of one version of a wave, or undefined when the lake no longer has it (versions older than the one
   * a commit replaced are deleted). `files` lists the version's Parquet when known (the live pointer's files).
   */
  rows(survey: string, wave: number, version: string, files?: readonly string[]): Promise<WaveRow[] | undefined> {
    const key = `${survey}/${wave}/${version}`;
    let loading = this.cache.get(key);
    if (!loading) {
      loading = this.load(survey, wave, version, files);
      this.cache.set(key, loading);
    }
    return loading;
  }

  private async load(
    survey: string,
    wave: number,
    version: string,
    files?: readonly string[],
  ): Promise<WaveRow[] | undefined> {
    const keys =
      files ??
      (await this.storage.list(`${curatedWavePrefix(survey, wave)}${version}/`)).filter((k) => k.endsWith('.parquet'));
    if (keys.length === 0) return undefined;
    const rows: WaveRow[] = [];
    for (const key of keys) {
      const chunks: Buffer[] = [];
      for await (const chunk of await this.storage.get(key)) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
      const objects = await parquetReadObjects({
        file,
        // Every codec a Parquet writer may choose (the curated files are ZSTD).
        compressors,
      });
      for (const o of objects) rows.push({ ...o, survey, wave });
    }
    return rows;
  }
}

function holds(c: KeyCondition, row: WaveRow): boolean {
  const v = row[c.f];
  switch (c.op) {
    case 'is-true':
      return v === true;
    case 'is-false':
      return v === false;
    case 'is-null':
      return v === null || v === undefined;
    case 'is-not-null':
      return v !== null && v !== undefined;
    case 'eq':
      return v !== null && v !== undefined && v === c.v;
    case 'gt':
      return typeof v === 'number' && typeof c.v === 'number' && v > c.v;
    case 'le':
      return typeof v === 'number' && typeof c.v === 'number' && v <= c.v;
  }
}

/** A per-row value as the cell statistics read it, or undefined when it is not known. */
function rowValue(of: unknown, row: WaveRow): number | undefined {
  if (typeof of === 'string') {
    const v = row[of];
    return typeof v === 'number' ? v : undefined;
  }
  const growth = (of as { growth?: { numerator: string; denominator: string } }).growth;
  if (growth) {
    const n = row[growth.numerator];
    const d = row[growth.denominator];
    return typeof n === 'number' && typeof d === 'number' && d > 0 ? n / d - 1 : undefined;
  }
  return undefined;
}

/** Whether the cell can be evaluated row by row (panels join two waves, weighted estimates read the weights). */
export function evaluable(identity: CellIdentity): boolean {
  return identity.stat[0] !== 'estimate' && identity.conds.every((c) => !c.f.startsWith('@') && !c.f.includes('.'));
}

/** One organisation's contribution to a cell: undefined when it is not among the cell's organisations. */
function contribution(identity: CellIdentity, row: WaveRow): number | undefined {
  if (!identity.conds.every((c) => holds(c, row))) return undefined;
  const [stat] = identity.stat;
  if (stat === 'count') return 1;
  if (stat === 'share') return identity.stat[2]!.every((c) => holds(c as KeyCondition, row)) ? 1 : 0;
  return rowValue(identity.stat[1], row);
}

/**
 * How a cell changed between two sets of rows (old and new, each the union of the versions of the cell's waves),
 * matched by `org_id` within a wave.
 */
export function cellChange(
  identity: CellIdentity,
  oldRows: readonly WaveRow[],
  newRows: readonly WaveRow[],
): CellChange {
  const byOrg = (rows: readonly WaveRow[]) => {
    const map = new Map<string, number>();
    for (const row of rows) {
      const c = contribution(identity, row);
      if (c !== undefined) map.set(`${row.wave}/${String(row.org_id)}`, c);
    }
    return map;
  };
  const before = byOrg(oldRows);
  const after = byOrg(newRows);
  let organisations = 0;
  let change = 0;
  let largest = 0;
  for (const org of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(org);
    const b = after.get(org);
    if (a === b) continue;
    organisations++;
    // For a median the contributions are values that do not add up; the count of organisations is what matters.
    const delta = identity.stat[0] === 'median' ? 0 : (b ?? 0) - (a ?? 0);
    change += delta;
    largest = Math.max(largest, Math.abs(delta));
  }
  return { organisations, change, largest };
}
