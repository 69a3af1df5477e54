import type { DisclosureSettings, SuppressionCounts } from '../../core/disclosure/index.ts';
import type { QueryEngine } from '../../core/engine/query-engine.ts';
import { exportQuery } from '../../core/export/index.ts';
import { listWavePointers } from '../../core/lake.ts';
import type { LakeLocks } from '../../core/lock/lake-locks.ts';
import type { Storage } from '../../core/storage/storage.ts';
import { type ExportRequest, rawParams } from './requests.ts';

/** Where an export runs and goes: the engine, the lake (curated/ read, exports/ written) and a presigner. */
export interface LakeExportDeps {
  readonly engine: QueryEngine;
  readonly lake: Storage;
  /** The lake's locks: each release is recorded under its survey's release lock (the stack's lock table). */
  readonly locks: LakeLocks;
  /** Who publishes, for another release waiting on the lock: "Lambda request …". */
  readonly by?: string;
  /** Presigns a GET of an exports/ key; `inline` for a page to open in a browser rather than download. */
  readonly presign: (key: string, options?: { inline?: boolean }) => Promise<{ url: string; expiresAt: string }>;
  readonly queriesDir: string;
  readonly now: Date;
  /** The deployment's disclosure settings (a request may only make them stricter). */
  readonly disclosure: DisclosureSettings;
}

/** What an export did: where it went, a download link, and what disclosure control suppressed. */
export interface ExportResponse {
  readonly name: string;
  readonly format: ExportRequest['format'];
  readonly key: string;
  readonly dataPackageKey: string;
  readonly url: string;
  readonly expiresAt: string;
  readonly rows: number;
  readonly bytes: number;
  readonly counts: SuppressionCounts;
  readonly rules: DisclosureSettings;
  /** The release ledger record written for this export. */
  readonly ledgerKey: string;
}

/**
 * Exports a saved query to exports/<query>/<timestamp>/<query>.<format> with datapackage.json beside it, records
 * it in the release ledger (exports/_ledger/), then presigns its download. Waves are checked against the lake's
 * pointers, as the local engine does.
 */
export async function exportToLake(deps: LakeExportDeps, request: ExportRequest): Promise<ExportResponse> {
  const { name, format } = request;
  // Milliseconds in the folder name: two exports of one query a second apart never share a data package.
  const folder = `exports/${name}/${deps.now.toISOString().replace(/[-:.]/g, '')}`;
  const key = `${folder}/${name}.${format}`;
  const summary = await exportQuery({
    engine: deps.engine,
    name,
    params: rawParams(request.params),
    lake: deps.lake,
    locks: deps.locks,
    ...(deps.by ? { by: deps.by } : {}),
    out: { storage: deps.lake, key },
    format,
    deployment: deps.disclosure,
    request: {
      ...(request.threshold !== undefined ? { threshold: request.threshold } : {}),
      ...(request.p !== undefined ? { p: request.p } : {}),
    },
    total: request.total,
    now: deps.now,
    waves: await listWavePointers(deps.lake),
    queriesDir: deps.queriesDir,
  });
  const { rows, bytes, counts, rules, ledger } = summary;
  return {
    name,
    format,
    key,
    dataPackageKey: `${folder}/datapackage.json`,
    ...(await deps.presign(key)),
    rows,
    bytes,
    counts,
    rules,
    ledgerKey: ledger,
  };
}
