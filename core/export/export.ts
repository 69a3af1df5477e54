import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { basename, dirname, extname, posix } from 'node:path';
import {
  type CellHistory,
  DEFAULT_SETTINGS,
  type DisclosureSettings,
  effectiveSettings,
  type ProtectedCell,
  type ProtectedTable,
  protectTable,
  type SuppressionCounts,
  type TableCell,
} from '../disclosure/index.ts';
import type { ParamValue, QueryEngine, QueryResult } from '../engine/query-engine.ts';
import { listWavePointers } from '../lake.ts';
import type { LakeLocks } from '../lock/lake-locks.ts';
import { localLocksOf } from '../lock/local-lock.ts';
import {
  checkWeightedResult,
  getSavedQuery,
  KNOWN_SURVEY_IDS,
  type KnownWave,
  loadSavedQueries,
  QUERIES_DIR,
  type SavedQuery,
  validateParams,
} from '../queries/index.ts';
import { LocalStorage } from '../storage/local-storage.ts';
import type { Storage } from '../storage/storage.ts';
import type { CellIdentity } from './cell-key.ts';
import { computeCellStatistics } from './cell-stats.ts';
import { renderCsv } from './csv.ts';
import { type ExportFormat, exportResource, mergeDataPackage } from './datapackage.ts';
import { type ExportDocument, presentNumber, type WrittenCell, writtenRows } from './document.ts';
import { familyOf, jointTable, type QueryInstance } from './family.ts';
import { cellHistories, type HistoryCell, type HistoryOutcome, type LiveWave } from './history.ts';
import { renderJson } from './json.ts';
import {
  appendLedger,
  type LedgerCell,
  type LedgerRecord,
  ledgerId,
  RELEASE_WAIT_MS,
  readLedger,
  underReleaseLock,
} from './ledger.ts';
import { VersionRows } from './revision.ts';
import { buildExportTable, type ExportColumn, type ExportTable } from './table.ts';
import { renderXlsx } from './xlsx.ts';

/** A problem with an export request (format, target, a lake that changed): one line. */
export class ExportError extends Error {
  /** Creates a one-line export error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ExportError';
  }
}

/** The formats `survey export` writes, by file extension. */
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'xlsx', 'json'];

/** The format of an output file from its extension, or an ExportError naming the ones that exist. */
export function formatOf(fileName: string): ExportFormat {
  const ext = extname(fileName).slice(1).toLowerCase();
  if ((EXPORT_FORMATS as readonly string[]).includes(ext)) return ext as ExportFormat;
  throw new ExportError(
    `export: unknown format ${JSON.stringify(ext || fileName)} of output file ${JSON.stringify(fileName)}; expected .csv, .xlsx or .json`,
  );
}

/** What to release: a saved query, its raw parameters, and the rules' settings. */
export interface ReleaseOptions {
  readonly engine: QueryEngine;
  /** The lake: the waves' versions are read from its pointers, and the release ledger lives in it. */
  readonly lake: Storage;
  /** The saved query's name. */
  readonly name: string;
  /** Raw `k=v` parameters, validated against the saved query. */
  readonly params: Readonly<Record<string, string>>;
  /** The deployment's settings (hard floors: threshold ≥ 3, p > 0). @default threshold 5, p 10 */
  readonly deployment?: DisclosureSettings;
  /** Settings the request asks for; only stricter ones than the deployment's are accepted. */
  readonly request?: Partial<DisclosureSettings>;
  /** Write the Total row (the suppression pattern is the same either way). @default true */
  readonly total?: boolean;
  /** When the release is made. @default now */
  readonly now?: Date;
  /** Survey ids that exist. @default KNOWN_SURVEY_IDS */
  readonly surveys?: readonly string[];
  /** Waves in the lake; default: the engine's own list when it has one, else the lake's pointers. */
  readonly waves?: readonly KnownWave[];
  /** Folder of saved queries. @default the project's queries/ */
  readonly queriesDir?: string;
  /**
   * The lake's locks: a release is recorded under its survey's release lock. Needed only to publish (not by
   * {@link prepareRelease}). @default a local lake's lock files
   */
  readonly locks?: LakeLocks;
  /** Who publishes, for the message another release waiting on the lock gets. @default "pid … on <host>" */
  readonly by?: string;
}

/** A disclosure-controlled table, ready to write and to record in the ledger. */
export interface Release {
  readonly document: ExportDocument;
  /** The ledger record to append when the table is published (`file` is where it went). */
  readonly record: Omit<LedgerRecord, 'file'>;
  /** Cells of the written table suppressed by each rule. */
  readonly counts: SuppressionCounts;
}

interface WaveListingEngine {
  listWaves(): Promise<readonly (KnownWave & { version?: string })[]>;
}

function hasWaveListing(engine: QueryEngine): engine is QueryEngine & WaveListingEngine {
  return typeof (engine as Partial<WaveListingEngine>).listWaves === 'function';
}

/** The waves an instance's cells draw on. */
function wavesOf(instance: QueryInstance, surveyWaves: readonly number[]): number[] {
  const bound = instance.query.parameters
    .filter((p) => p.type === 'wave')
    .map((p) => instance.params[p.name] as number);
  return bound.length > 0 ? [...new Set(bound)].sort((a, b) => a - b) : [...surveyWaves];
}

/** How a family member is named in the notes: "sector_profile (uk-se, 2023)". */
function instanceName(instance: QueryInstance): string {
  return `${instance.query.name} (${instance.query.parameters.map((p) => instance.params[p.name]).join(', ')})`;
}

/** The value a cell is written with, for comparisons with the ledger. */
function writtenValue(column: ExportColumn | undefined, cell: TableCell): number | string | boolean | null {
  if (typeof cell.value === 'number' && column) return presentNumber(column, cell.value);
  return cell.value;
}

function countOf(cells: readonly ProtectedCell[]): SuppressionCounts {
  const counts: SuppressionCounts = { threshold: 0, dominance: 0, revision: 0, linked: 0, secondary: 0, release: 0 };
  for (const cell of cells) if (cell.status !== 'published') counts[cell.status]++;
  return counts;
}

/** Reads the live version of every wave of a survey. */
async function liveWaves(lake: Storage, survey: string): Promise<Map<number, LiveWave>> {
  const pointers = (await listWavePointers(lake)).filter((p) => p.survey === survey);
  return new Map(pointers.map((p) => [p.wave, { version: p.version, files: p.files }]));
}

/**
 * Runs a saved query and returns it disclosure-controlled, writing nothing: the public entry point for anything
 * that publishes a saved query's numbers (exports, bulletins).
 *
 * The table is protected together with every table it is linked to (family.ts): all their cells' statistics are
 * computed from the microdata, shared cells merged, and the earlier releases recorded in the ledger taken into
 * account (history.ts). The pattern is computed with the Total row whether or not it is written. The
 * deployment's settings apply; a request may only make them stricter (SettingsError otherwise). The pattern is
 * audited with HiGHS before anything is returned; a table that cannot be protected throws a DisclosureError.
 */
export async function prepareRelease(options: ReleaseOptions): Promise<Release> {
  const family = await computeFamily(options);
  return protectFamily(options, family, await readLedger(options.lake, family.survey));
}

/** A release recorded in the ledger. */
export interface RecordedRelease extends Release {
  /** The ledger record's key in the lake. */
  readonly ledger: string;
}

/**
 * Prepares a release and records it in the ledger as published at `file`, under the survey's release lock: the
 * queries run first, then, holding the lock, the ledger is read, the table protected with every earlier release
 * in view, and its record appended. So two releases at once are protected one after the other, each seeing the
 * other's record. Write the table only after this returns (a ledger naming more than was published is safe).
 */
export async function releaseTable(options: ReleaseOptions & { readonly file: string }): Promise<RecordedRelease> {
  const family = await computeFamily(options);
  const locks = options.locks ?? localLocksOf(options.lake);
  if (locks === undefined) {
    throw new ExportError(
      `export: a release into the lake ${options.lake.location} is recorded under the survey's release lock; give it the lake's locks (SURVEY_LOCK_TABLE)`,
    );
  }
  const holder = {
    attempt: `release-${randomUUID()}`,
    by: options.by ?? `pid ${process.pid} on ${hostname()}`,
    since: new Date().toISOString(),
  };
  return underReleaseLock(locks, family.survey, holder, RELEASE_WAIT_MS, async (lease) => {
    const release = await protectFamily(options, family, await readLedger(options.lake, family.survey));
    await lease.check();
    const ledger = await appendLedger(options.lake, { ...release.record, file: options.file });
    return { ...release, ledger };
  });
}

/** A saved query and the tables linked to it, computed from the microdata; nothing protected yet. */
interface ComputedFamily {
  readonly query: SavedQuery;
  readonly byName: Record<string, ParamValue>;
  readonly survey: string;
  readonly settings: DisclosureSettings;
  /** The version of every wave of the survey the tables were computed from. */
  readonly live: ReadonlyMap<number, LiveWave>;
  readonly surveyWaves: readonly number[];
  readonly requested: QueryInstance;
  readonly family: readonly QueryInstance[];
  readonly result: QueryResult;
  readonly built: readonly ExportTable[];
  readonly joint: ReturnType<typeof jointTable>;
}

/** Validates the request and runs the saved query and the statistics of its family (on Athena, all at once). */
async function computeFamily(options: ReleaseOptions): Promise<ComputedFamily> {
  const queriesDir = options.queriesDir ?? QUERIES_DIR;
  const query = getSavedQuery(options.name, queriesDir);
  const settings = effectiveSettings(options.deployment ?? DEFAULT_SETTINGS, options.request);
  const engineWaves = hasWaveListing(options.engine) ? await options.engine.listWaves() : undefined;
  const pointers = await listWavePointers(options.lake);
  const waves = options.waves ?? engineWaves ?? pointers.map(({ survey, wave }) => ({ survey, wave }));
  const bound = validateParams(query, options.params, { surveys: options.surveys ?? KNOWN_SURVEY_IDS, waves });
  const byName: Record<string, ParamValue> = {};
  query.bind.forEach((name, i) => {
    byName[name] = bound[i]!;
  });
  const surveyParam = query.parameters.find((p) => p.type === 'survey');
  if (!surveyParam) throw new ExportError(`export: saved query "${query.name}" has no survey parameter`);
  const survey = String(byName[surveyParam.name]);
  const live = new Map(
    pointers.filter((p) => p.survey === survey).map((p) => [p.wave, { version: p.version, files: p.files }]),
  );
  // The engine reads the waves it opened with; the ledger must name those versions.
  for (const w of engineWaves ?? []) {
    if (w.survey === survey && w.version !== undefined && live.get(w.wave)?.version !== w.version) {
      throw new ExportError(
        `export: wave ${w.wave} of ${survey} was re-ingested after the query engine opened the lake; run the export again`,
      );
    }
  }
  const surveyWaves = [...live.keys()].sort((a, b) => a - b);

  const requested: QueryInstance = { query, params: byName };
  const family = familyOf(requested, loadSavedQueries(queriesDir), surveyWaves);
  // All at once: on Athena each statement waits for its own queue slot and scan, not for the others.
  const [result, ...stats] = await Promise.all([
    options.engine.run(query.sql, bound, query.columns),
    ...family.map((instance) => computeCellStatistics(options.engine, instance.query, instance.params)),
  ]);
  // A weighted query over a wave that was not weighted (again, since its last ingest) is refused in one line.
  checkWeightedResult(query, result.rows.length, byName);
  const built: ExportTable[] = family.map((instance, i) =>
    buildExportTable(instance.query, stats[i]!, {
      params: instance.params,
      result: i === 0 ? result : undefined,
      waves: wavesOf(instance, surveyWaves),
    }),
  );
  const joint = jointTable(built);
  return { query, byName, survey, settings, live, surveyWaves, requested, family, result, built, joint };
}

/** Protects a computed family with the earlier releases `records` in view: the requested table and its record. */
async function protectFamily(
  options: ReleaseOptions,
  computed: ComputedFamily,
  records: readonly LedgerRecord[],
): Promise<Release> {
  const { query, byName, survey, settings, live, surveyWaves, requested, family, result, built, joint } = computed;
  // What earlier releases tell every reader about the cells of this family.
  let history: HistoryOutcome | undefined;
  let cells = joint.table.cells;
  if (records.length > 0) {
    const seen = new Set<string>();
    const historyCells: HistoryCell[] = [];
    built.forEach((member, i) => {
      const columns = new Map(member.columns.map((c) => [c.name, c]));
      for (const cell of member.table.cells) {
        const key = member.identity.get(cell.ref);
        const ref = joint.refs[i]!.get(cell.ref)!;
        if (key === undefined || seen.has(ref)) continue;
        seen.add(ref);
        historyCells.push({
          ref,
          key,
          identity: JSON.parse(key) as CellIdentity,
          waves: member.waves.get(cell.ref) ?? [],
          kind: cell.kind === 'count' || cell.kind === 'sum' ? cell.kind : 'other',
          written: writtenValue(columns.get(cell.column), cell),
        });
      }
    });
    history = await cellHistories(
      historyCells,
      records,
      live,
      survey,
      settings.threshold,
      new VersionRows(options.lake),
    );
    const histories: ReadonlyMap<string, CellHistory> = history.histories;
    cells = cells.map((cell) => {
      const h = histories.get(cell.ref);
      return h ? { ...cell, history: h } : cell;
    });
  }

  const protectedJoint = await protectTable({ cells, relations: joint.table.relations }, settings);

  // Nothing may have been committed meanwhile: the release names the versions it was computed from.
  const after = await liveWaves(options.lake, survey);
  for (const [wave, { version }] of live) {
    if (after.get(wave)?.version !== version) {
      throw new ExportError(`export: wave ${wave} of ${survey} was re-ingested during the export; run it again`);
    }
  }

  // The requested table, with the joint pattern.
  const own = built[0]!;
  const ownRefs = joint.refs[0]!;
  const statusOf = new Map(protectedJoint.table.cells.map((c) => [c.ref, c.status]));
  // A table of margins has no Total row to write.
  const total = (options.total ?? true) && own.rowCount > own.bodyRows;
  const rowCount = total ? own.rowCount : own.bodyRows;
  const localCells: ProtectedCell[] = own.table.cells
    .filter((c) => c.row < rowCount)
    .map((c) => {
      const cell = { ...c, status: statusOf.get(ownRefs.get(c.ref)!)! };
      // With a Total row, the group columns are text ("Total").
      if (total && c.kind === 'text' && c.value !== null && typeof c.value !== 'string') {
        return { ...cell, value: String(c.value) };
      }
      return cell;
    });
  const columns: ExportColumn[] = own.columns.map((c) => (total && c.role === 'group' ? { ...c, type: 'string' } : c));
  const table: ProtectedTable = { cells: localCells, relations: [] };
  const rows = writtenRows(table, columns, rowCount);
  const counts = countOf(localCells);
  const knownPrimaries = new Set(protectedJoint.knownPrimaries);
  const capped = new Set(protectedJoint.capped);

  const waveList =
    query.parameters.filter((p) => p.type === 'wave').length > 0
      ? query.parameters.filter((p) => p.type === 'wave').map((p) => byName[p.name] as number)
      : [
          ...new Set(
            result.rows.map((row) => row.wave).filter((w): w is number => typeof w === 'number' && Number.isInteger(w)),
          ),
        ].sort((a, b) => a - b);
  const ownWaves = wavesOf(requested, surveyWaves);
  const versions = Object.fromEntries(ownWaves.map((w) => [String(w), live.get(w)?.version ?? '(none)']));
  const title = `${query.title} — ${survey}${waveList.length > 0 ? `, wave${waveList.length > 1 ? 's' : ''} ${waveList.join(', ')}` : ''}`;
  const createdAt = (options.now ?? new Date()).toISOString();
  const document: ExportDocument = {
    title,
    query: { name: query.name, title: query.title, description: query.description, grain: query.grain },
    parameters: Object.fromEntries(query.parameters.map((p) => [p.name, byName[p.name]!])),
    survey,
    waves: waveList,
    versions,
    createdAt,
    columns,
    rows,
    total,
    rules: settings,
    deployment: options.deployment ?? DEFAULT_SETTINGS,
    counts,
    dropped: own.dropped,
    audit: protectedJoint.audit,
    linkedTables: family.slice(1).map(instanceName),
    ...(history
      ? {
          history: {
            releases: history.releases,
            compared: history.compared,
            missingVersions: history.missingVersions,
            knownPrimaries: localCells.filter((c) => knownPrimaries.has(ownRefs.get(c.ref)!)).length,
            capped: localCells.filter((c) => capped.has(ownRefs.get(c.ref)!)).length,
          },
        }
      : {}),
  };

  const ledgerCells: LedgerCell[] = [];
  for (const cell of localCells) {
    const key = own.identity.get(cell.ref);
    if (key === undefined) continue;
    const column = columns.find((c) => c.name === cell.column);
    const published = cell.status === 'published';
    ledgerCells.push({
      key,
      waves: [...(own.waves.get(cell.ref) ?? [])],
      row: own.rowLabels[cell.row]!,
      column: cell.column,
      status: published ? 'published' : 'suppressed',
      value: published ? writtenValue(column, cell) : null,
    });
  }
  const record: Omit<LedgerRecord, 'file'> = {
    ledger: 1,
    id: ledgerId(createdAt, query.name),
    createdAt,
    query: query.name,
    parameters: Object.fromEntries(query.parameters.map((p) => [p.name, byName[p.name] as string | number])),
    survey,
    versions,
    settings,
    total,
    cells: ledgerCells,
  };
  return { document, record, counts };
}

/** Where an export goes: a local file path, or an object key in a Storage (e.g. exports/<query>/<timestamp>/x.csv). */
export type ExportTarget = string | { readonly storage: Storage; readonly key: string };

/** Options of {@link exportQuery}: a release and where to write it. */
export interface ExportQueryOptions extends ReleaseOptions {
  readonly out: ExportTarget;
  /** @default from the target's extension */
  readonly format?: ExportFormat;
}

/** What an export did. */
export interface ExportSummary {
  readonly query: string;
  readonly format: ExportFormat;
  /** Where the table went: a file path or a storage key. */
  readonly file: string;
  /** Where the data package descriptor went. */
  readonly dataPackage: string;
  /** The release ledger record's key in the lake. */
  readonly ledger: string;
  readonly bytes: number;
  /** Rows written, the Total row included. */
  readonly rows: number;
  readonly counts: SuppressionCounts;
  readonly rules: DisclosureSettings;
}

/** The bytes of a release in one format; given the saved query, the XLSX has headings and labels for people. */
export async function renderRelease(
  document: ExportDocument,
  format: ExportFormat,
  query?: Pick<SavedQuery, 'columns'>,
): Promise<Uint8Array> {
  return format === 'csv'
    ? renderCsv(document)
    : format === 'json'
      ? renderJson(document)
      : await renderXlsx(document, query);
}

/**
 * Exports a saved query with disclosure control: the release is recorded in the ledger, then the table (CSV,
 * XLSX or JSON) is written with, beside it, the folder's datapackage.json (this export's resource added or
 * replaced). Nothing is written when the table cannot be protected.
 */
export async function exportQuery(options: ExportQueryOptions): Promise<ExportSummary> {
  const { storage, key } =
    typeof options.out === 'string'
      ? { storage: new LocalStorage(dirname(options.out)), key: basename(options.out) }
      : options.out;
  const fileName = posix.basename(key);
  const format = options.format ?? formatOf(fileName);
  const folder = posix.dirname(key);
  const packageKey = folder === '.' ? 'datapackage.json' : `${folder}/datapackage.json`;
  const where = (k: string) =>
    typeof options.out === 'string' ? (storage.localPath(k) ?? k) : `${storage.location}/${k}`;
  const release = await releaseTable({ ...options, file: where(key) });
  const bytes = await renderRelease(
    release.document,
    format,
    getSavedQuery(options.name, options.queriesDir ?? QUERIES_DIR),
  );
  await storage.put(key, bytes);
  const existing = await storage.getText(packageKey);
  await storage.put(
    packageKey,
    mergeDataPackage(existing, exportResource(release.document, fileName, format), release.document.createdAt),
    { contentType: 'application/json' },
  );
  return {
    query: options.name,
    format,
    file: where(key),
    dataPackage: where(packageKey),
    ledger: release.ledger,
    bytes: bytes.length,
    rows: release.document.rows.length,
    counts: release.counts,
    rules: release.document.rules,
  };
}

/** The written cells of a release, for callers that lay the table out themselves (a bulletin). */
export type { WrittenCell };
