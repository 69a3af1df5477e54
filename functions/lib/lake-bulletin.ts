import type { SuppressionCounts } from '../../core/disclosure/index.ts';
import { listWavePointers } from '../../core/lake.ts';
import { buildBulletin, renderBulletinPage } from '../../core/pages/index.ts';
import type { LakeExportDeps } from './lake-export.ts';
import type { BulletinRequest } from './requests.ts';

/** What a bulletin request did: where the page went, a link that opens it, and what was suppressed. */
export interface BulletinResponse {
  readonly bulletin: { readonly survey: string; readonly wave: number };
  readonly key: string;
  readonly url: string;
  readonly expiresAt: string;
  readonly bytes: number;
  /** The saved queries the page shows, in order. */
  readonly sections: readonly string[];
  /** Cells suppressed over all the page's tables. */
  readonly counts: SuppressionCounts;
  readonly rules: { readonly threshold: number; readonly p: number };
}

/**
 * Writes the bulletin of a wave to exports/bulletin/<timestamp>/bulletin-<survey>-<wave>.html and presigns a link
 * that opens it in a browser. Its numbers pass the same disclosure control as an export; waves are checked
 * against the lake's pointers.
 */
export async function bulletinToLake(deps: LakeExportDeps, request: BulletinRequest): Promise<BulletinResponse> {
  const { survey, wave } = request.bulletin;
  const key = `exports/bulletin/${deps.now.toISOString().replace(/[-:.]/g, '')}/bulletin-${survey}-${wave}.html`;
  // A bulletin is a release: its tables are recorded in the ledger (before the page is written) as published in it.
  const bulletin = await buildBulletin({
    engine: deps.engine,
    lake: deps.lake,
    locks: deps.locks,
    ...(deps.by ? { by: deps.by } : {}),
    survey,
    wave,
    deployment: deps.disclosure,
    threshold: request.threshold,
    p: request.p,
    file: key,
    now: deps.now,
    waves: await listWavePointers(deps.lake),
    queriesDir: deps.queriesDir,
  });
  const page = Buffer.from(await renderBulletinPage(bulletin));
  await deps.lake.put(key, page, { contentType: 'text/html; charset=utf-8' });
  const counts: SuppressionCounts = { threshold: 0, dominance: 0, revision: 0, linked: 0, secondary: 0, release: 0 };
  for (const { document } of bulletin.sections) {
    for (const rule of Object.keys(counts) as (keyof SuppressionCounts)[]) counts[rule] += document.counts[rule] ?? 0;
  }
  return {
    bulletin: { survey, wave },
    key,
    ...(await deps.presign(key, { inline: true })),
    bytes: page.length,
    sections: bulletin.sections.map((s) => s.spec.query),
    counts,
    rules: bulletin.rules,
  };
}
