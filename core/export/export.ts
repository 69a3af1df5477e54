import { basename, dirname, extname, posix } from 'node:path';
import { assertProtected, type SuppressionCounts, suppress } from '../disclosure/index.ts';
import type { ParamValue, QueryEngine } from '../engine/query-engine.ts';
import {
  checkWeightedResult,
  getSavedQuery,
  KNOWN_SURVEY_IDS,
  type KnownWave,
  QUERIES_DIR,
  validateParams,
} from '../queries/index.ts';
import { LocalStorage } from '../storage/local-storage.ts';
import type { Storage } from '../storage/storage.ts';
import { computeCellStatistics } from './cell-stats.ts';
import { renderCsv } from './csv.ts';
import { type ExportFormat, exportResource, mergeDataPackage } from './datapackage.ts';
import { type ExportDocument, writtenRows } from './document.ts';
import { renderJson } from './json.ts';
import { buildExportTable } from './table.ts';
import { renderXlsx } from './xlsx.ts';

/** A problem with an export request (format, target): one line. Disclosure failures are DisclosureErrors. */
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

/** What to export: a saved query, its raw parameters, and the rules' settings. */
export interface PrepareExportOptions {
  readonly engine: QueryEngine;
  /** The saved query's name. */
  readonly name: string;
  /** Raw `k=v` parameters, validated against the saved query. */
  readonly params: Readonly<Record<string, string>>;
  readonly format: ExportFormat;
  /** The output file's name (the data package's resource path), e.g. "spinouts.xlsx". */
  readonly fileName: string;
  /** @default 5 */
  readonly threshold?: number;
  /** @default 10 */
  readonly p?: number;
  /** Add a Total row (and its additive relations). @default true */
  readonly total?: boolean;
  /** When the export is made. @default now */
  readonly now?: Date;
  /** Survey ids that exist. @default KNOWN_SURVEY_IDS */
  readonly surveys?: readonly string[];
  /** Waves in the lake; default: the engine's own list when it has one. */
  readonly waves?: readonly KnownWave[];
  /** Folder of saved queries. @default the project's queries/ */
  readonly queriesDir?: string;
}

/** An export ready to write: the file's bytes and the resource that describes it. */
export interface PreparedExport {
  readonly bytes: Uint8Array;
  readonly document: ExportDocument;
  /** The Frictionless resource to add to the folder's datapackage.json. */
  readonly resource: Record<string, unknown>;
  readonly counts: SuppressionCounts;
}

function hasWaveListing(engine: QueryEngine): engine is QueryEngine & { listWaves(): Promise<readonly KnownWave[]> } {
  return typeof (engine as { listWaves?: unknown }).listWaves === 'function';
}

/**
 * Runs a saved query, computes its cells' statistics from the microdata, applies disclosure control, verifies
 * the result with exact linear algebra and renders the bytes — writing nothing. Throws a DisclosureError when
 * the protected table fails verification.
 */
export async function prepareExport(options: PrepareExportOptions): Promise<PreparedExport> {
  const query = getSavedQuery(options.name, options.queriesDir ?? QUERIES_DIR);
  const waves = options.waves ?? (hasWaveListing(options.engine) ? await options.engine.listWaves() : undefined);
  const bound = validateParams(query, options.params, { surveys: options.surveys ?? KNOWN_SURVEY_IDS, waves });
  const byName: Record<string, ParamValue> = {};
  query.bind.forEach((name, i) => {
    byName[name] = bound[i]!;
  });
  const result = await options.engine.run(query.sql, bound, query.columns);
  checkWeightedResult(query, result.rows.length, byName);
  const stats = await computeCellStatistics(options.engine, query, byName);
  const total = options.total ?? true;
  const built = buildExportTable(query, result, stats, { total });
  const protectedTable = suppress(built.table, { threshold: options.threshold, p: options.p });
  assertProtected(protectedTable.table);

  const survey = query.parameters.find((p) => p.type === 'survey');
  const waveParams = query.parameters.filter((p) => p.type === 'wave');
  const waveList =
    waveParams.length > 0
      ? waveParams.map((p) => byName[p.name] as number)
      : [
          ...new Set(
            result.rows.map((row) => row.wave).filter((w): w is number => typeof w === 'number' && Number.isInteger(w)),
          ),
        ].sort((a, b) => a - b);
  const surveyId = survey ? String(byName[survey.name]) : undefined;
  const title = `${query.title} — ${surveyId ?? ''}${waveList.length > 0 ? `, wave${waveList.length > 1 ? 's' : ''} ${waveList.join(', ')}` : ''}`;
  const document: ExportDocument = {
    title,
    query: { name: query.name, title: query.title, description: query.description, grain: query.grain },
    parameters: Object.fromEntries(query.parameters.map((p) => [p.name, byName[p.name]!])),
    ...(surveyId ? { survey: surveyId } : {}),
    waves: waveList,
    createdAt: (options.now ?? new Date()).toISOString(),
    columns: built.columns,
    rows: writtenRows(protectedTable.table, built.columns, built.rowCount),
    total,
    rules: protectedTable.settings,
    counts: protectedTable.counts,
    dropped: built.dropped,
  };
  const bytes =
    options.format === 'csv'
      ? renderCsv(document)
      : options.format === 'json'
        ? renderJson(document)
        : await renderXlsx(document, query);
  return {
    bytes,
    document,
    resource: exportResource(document, options.fileName, options.format),
    counts: protectedTable.counts,
  };
}

/** Where an export goes: a local file path, or an object key in a Storage (e.g. exports/<query>/<timestamp>/x.csv). */
export type ExportTarget = string | { readonly storage: Storage; readonly key: string };

/** Options of {@link exportQuery}: {@link PrepareExportOptions} with a target instead of a file name. */
export interface ExportQueryOptions extends Omit<PrepareExportOptions, 'format' | 'fileName'> {
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
  readonly bytes: number;
  /** Rows written, the Total row included. */
  readonly rows: number;
  readonly counts: SuppressionCounts;
  readonly rules: { readonly threshold: number; readonly p: number };
}

/**
 * Exports a saved query with disclosure control: the table (CSV, XLSX or JSON) and, beside it, the folder's
 * datapackage.json with this export's resource added or replaced. Nothing is written when the table fails
 * verification. File writing is a thin layer over {@link prepareExport}.
 */
export async function exportQuery(options: ExportQueryOptions): Promise<ExportSummary> {
  const { storage, key } =
    typeof options.out === 'string'
      ? { storage: new LocalStorage(dirname(options.out)), key: basename(options.out) }
      : options.out;
  const fileName = posix.basename(key);
  const format = options.format ?? formatOf(fileName);
  const prepared = await prepareExport({ ...options, format, fileName });
  const folder = posix.dirname(key);
  const packageKey = folder === '.' ? 'datapackage.json' : `${folder}/datapackage.json`;
  await storage.put(key, prepared.bytes);
  const existing = await storage.getText(packageKey);
  await storage.put(packageKey, mergeDataPackage(existing, prepared.resource, prepared.document.createdAt), {
    contentType: 'application/json',
  });
  const where = (k: string) =>
    typeof options.out === 'string' ? (storage.localPath(k) ?? k) : `${storage.location}/${k}`;
  return {
    query: options.name,
    format,
    file: where(key),
    dataPackage: where(packageKey),
    bytes: prepared.bytes.length,
    rows: prepared.document.rows.length,
    counts: prepared.counts,
    rules: prepared.document.rules,
  };
}
