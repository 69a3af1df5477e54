import type { CellHistory } from '../disclosure/index.ts';
import type { CellIdentity } from './cell-key.ts';
import type { LedgerRecord } from './ledger.ts';
import { cellChange, evaluable, type VersionRows, type WaveRow } from './revision.ts';

/** A cell of the table being released, as the ledger comparison needs it. */
export interface HistoryCell {
  readonly ref: string;
  readonly key: string;
  readonly identity: CellIdentity;
  readonly waves: readonly number[];
  /** A count (its change in organisations can be read off its value), a total, or another statistic. */
  readonly kind: 'count' | 'sum' | 'other';
  /** The value it would be written with now. */
  readonly written: number | string | boolean | null;
}

/** The live version of a wave. */
export interface LiveWave {
  readonly version: string;
  readonly files: readonly string[];
}

/** What the comparison with earlier releases found. */
export interface HistoryOutcome {
  readonly histories: ReadonlyMap<string, CellHistory>;
  /** Earlier releases the cells appear in. */
  readonly releases: number;
  /** Cells published before from another version of a wave, compared organisation by organisation. */
  readonly compared: number;
  /** Cells whose change comes from fewer organisations than the threshold. */
  readonly revised: number;
  /** Waves whose earlier version was no longer in the lake: their cells were compared by published value. */
  readonly missingVersions: readonly string[];
}

function sameWaves(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && [...a].sort().every((w, i) => w === [...b].sort()[i]);
}

/**
 * Each cell's history from the ledger, combined over every earlier release that shows it:
 * - published from the same data (same waves, same versions) → known to every reader;
 * - published from another version, and the change comes from 1 to threshold − 1 organisations → revised (a
 *   primary cell with a protection level on its change); from none → known as before; from more → nothing;
 * - suppressed before, from the same data or with a change from fewer organisations than the threshold → stays
 *   suppressed, so that no earlier pattern is undone.
 * When an earlier version is no longer in the lake, a published cell counts as unchanged if its written value is,
 * a count whose value moved by at least the threshold as changed by that many, and anything else as revised.
 */
export async function cellHistories(
  cells: readonly HistoryCell[],
  records: readonly LedgerRecord[],
  live: ReadonlyMap<number, LiveWave>,
  survey: string,
  threshold: number,
  rows: VersionRows,
): Promise<HistoryOutcome> {
  const byKey = new Map<string, { record: LedgerRecord; cell: LedgerRecord['cells'][number] }[]>();
  for (const record of records) {
    for (const cell of record.cells) {
      const list = byKey.get(cell.key);
      if (list) list.push({ record, cell });
      else byKey.set(cell.key, [{ record, cell }]);
    }
  }
  const histories = new Map<string, CellHistory>();
  const used = new Set<string>();
  const missing = new Set<string>();
  let compared = 0;
  let revised = 0;

  const rowsOf = async (waves: readonly number[], versionOf: (w: number) => string | undefined, liveFiles: boolean) => {
    const out: WaveRow[] = [];
    for (const wave of waves) {
      const version = versionOf(wave);
      if (version === undefined) continue;
      const got = await rows.rows(survey, wave, version, liveFiles ? live.get(wave)?.files : undefined);
      if (!got) {
        missing.add(`${wave} (${version})`);
        return undefined;
      }
      out.push(...got);
    }
    return out;
  };

  for (const cell of cells) {
    const entries = byKey.get(cell.key);
    if (!entries) continue;
    let known = false;
    let suppressed = false;
    let revision: Extract<CellHistory, { kind: 'revised' }> | undefined;
    for (const { record, cell: before } of entries) {
      used.add(record.id);
      const same =
        sameWaves(before.waves, cell.waves) &&
        cell.waves.every(
          (w) => record.versions[String(w)] !== undefined && record.versions[String(w)] === live.get(w)?.version,
        );
      if (same) {
        if (before.status === 'published') known = true;
        else suppressed = true;
        continue;
      }
      compared++;
      let organisations: number;
      let change = 0;
      let largest = 0;
      const oldRows = evaluable(cell.identity)
        ? await rowsOf(before.waves, (w) => record.versions[String(w)], false)
        : undefined;
      const newRows = oldRows ? await rowsOf(cell.waves, (w) => live.get(w)?.version, true) : undefined;
      if (oldRows && newRows) {
        ({ organisations, change, largest } = cellChange(cell.identity, oldRows, newRows));
      } else if (before.status === 'suppressed') {
        suppressed = true;
        continue;
      } else if (before.value === cell.written) {
        organisations = 0;
      } else if (cell.kind === 'count' && typeof before.value === 'number' && typeof cell.written === 'number') {
        change = cell.written - before.value;
        organisations = Math.abs(change) >= threshold ? Math.abs(change) : Math.max(1, Math.abs(change));
        largest = 1;
      } else {
        // A total's change is taken as one organisation's; a share's or median's says nothing of its numerator.
        const both = typeof before.value === 'number' && typeof cell.written === 'number';
        change = cell.kind === 'sum' && both ? (cell.written as number) - (before.value as number) : 0;
        organisations = 1;
        largest = Math.abs(change);
      }
      if (organisations === 0) {
        if (before.status === 'published') known = true;
        else suppressed = true;
      } else if (organisations < threshold) {
        if (before.status === 'published') {
          if (!revision || organisations < revision.organisations) {
            revision = { kind: 'revised', change, organisations, largest };
          }
        } else suppressed = true;
      }
    }
    if (known) histories.set(cell.ref, { kind: 'published' });
    else if (revision) {
      histories.set(cell.ref, revision);
      revised++;
    } else if (suppressed) histories.set(cell.ref, { kind: 'suppressed' });
  }
  return { histories, releases: used.size, compared, revised, missingVersions: [...missing].sort() };
}
