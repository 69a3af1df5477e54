import { z } from 'zod';
import type { Storage } from './storage/storage.ts';

/**
 * The lake layout (DESIGN.md "The lake layout") and the commit of a wave (DESIGN.md "One ingest, one commit").
 *
 * One ingest writes a version of a wave, every file of it under the version's name:
 *   curated/survey=<id>/wave=<year>/<version>/part-00000.parquet
 *   reports/survey=<id>/wave=<year>/<version>/report.json, rejected.csv
 * and then commits it by putting one small pointer object that names all of them:
 *   curated/survey=<id>/wave=<year>/_current.json
 * Readers read the pointer once and then only what it names, so queries and `survey report` see the old version
 * or the new one, never a mix. Ingests of one wave hold its lock (core/lock), so the pointer's put, the
 * catalog switch and the clean-up of old versions never interleave with another ingest's.
 */

/** The pointer object that commits one version of one wave. */
export const WavePointerSchema = z.object({
  survey: z.string().min(1),
  wave: z.int(),
  /** The version's name, e.g. "v20261124T212400Z-3f2a9c1b". */
  version: z.string().min(1),
  /** The version's Parquet keys, relative to the storage root. */
  files: z.array(z.string().min(1)),
  /** The version's validation report (JSON) and rejected rows (CSV). */
  report: z.string().min(1),
  rejected: z.string().min(1),
  /** The version's report as a page (report.html), when the ingest wrote one (the cloud's does). */
  page: z.string().min(1).optional(),
  /** The version this one replaced: kept for readers that read the old pointer a moment ago. */
  replaced: z.string().optional(),
  /** SHA-256 of the source file: a byte-identical re-ingest is recognised by it and changes nothing. */
  sourceSha256: z.string(),
  sourceFile: z.string(),
  /** The source object's ETag in S3, when it came from there: a second delivery of one upload is known at once. */
  sourceTag: z.string().optional(),
  /** The fingerprint of the org_id key the wave was ingested under (never the key). */
  keyId: z.string().optional(),
  rows: z.int().min(0),
  committedAt: z.string(),
});

/** The pointer object that commits one version of one wave. */
export type WavePointer = z.infer<typeof WavePointerSchema>;

/** The prefix of one wave's curated data: "curated/survey=uk-se/wave=2023/". */
export function curatedWavePrefix(survey: string, wave: number): string {
  return `curated/survey=${survey}/wave=${wave}/`;
}

/** The key of one wave's pointer object. */
export function pointerKey(survey: string, wave: number): string {
  return `${curatedWavePrefix(survey, wave)}_current.json`;
}

/** The prefix of one wave's reports: a folder per version, attempts/ and refused/. */
export function reportsPrefix(survey: string, wave: number): string {
  return `reports/survey=${survey}/wave=${wave}/`;
}

/** The keys of one version's files. */
export function versionKeys(survey: string, wave: number, version: string) {
  const reports = `${reportsPrefix(survey, wave)}${version}/`;
  return {
    parquet: `${curatedWavePrefix(survey, wave)}${version}/part-00000.parquet`,
    report: `${reports}report.json`,
    rejected: `${reports}rejected.csv`,
    page: `${reports}report.html`,
  };
}

/** The key of a raw upload. */
export function rawKey(survey: string, wave: number, fileName: string): string {
  return `raw/survey=${survey}/wave=${wave}/${fileName}`;
}

/** A pointer object's text read back, or an error that names the object and what is wrong with it. */
function parsePointer(storage: Storage, key: string, text: string): WavePointer {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `lake: the pointer ${storage.location}/${key} is not valid JSON (${(error as Error).message}); re-ingest the wave to repair it`,
      { cause: error },
    );
  }
  const parsed = WavePointerSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `lake: the pointer ${storage.location}/${key} is not a wave pointer (${issue?.path.join('.') || 'its shape'}: ${issue?.message}); re-ingest the wave to repair it`,
    );
  }
  return parsed.data;
}

/** Reads the live pointer of a wave, or undefined when the wave was never ingested. */
export async function readWavePointer(
  storage: Storage,
  survey: string,
  wave: number,
): Promise<WavePointer | undefined> {
  const key = pointerKey(survey, wave);
  const text = await storage.getText(key);
  return text === undefined ? undefined : parsePointer(storage, key, text);
}

/** Every committed wave in the lake, from the pointers (never from a directory glob). */
export async function listWavePointers(storage: Storage): Promise<WavePointer[]> {
  const keys = await storage.list('curated/');
  const pointers: WavePointer[] = [];
  for (const key of keys) {
    if (!key.endsWith('/_current.json')) continue;
    const text = await storage.getText(key);
    if (text !== undefined) pointers.push(parsePointer(storage, key, text));
  }
  return pointers.sort((a, b) => a.survey.localeCompare(b.survey) || a.wave - b.wave);
}

/** Commits a version of a wave: puts its pointer. Call with the wave's lock held and every named file written. */
export async function commitWave(storage: Storage, pointer: WavePointer): Promise<void> {
  const key = pointerKey(pointer.survey, pointer.wave);
  await storage.put(key, `${JSON.stringify(pointer, null, 2)}\n`, { contentType: 'application/json' });
}

/** The version folders of a wave, in curated/ and reports/, that neither the live pointer nor the one it replaced names. */
export async function staleVersions(storage: Storage, pointer: WavePointer): Promise<string[]> {
  const keep = new Set([pointer.version, pointer.replaced]);
  const folders = new Set<string>();
  for (const prefix of [curatedWavePrefix(pointer.survey, pointer.wave), reportsPrefix(pointer.survey, pointer.wave)]) {
    for (const key of await storage.list(prefix)) {
      const [folder, ...rest] = key.slice(prefix.length).split('/');
      // Version folders only: not the pointer, attempts/ or refused/.
      if (rest.length > 0 && folder !== undefined && /^v\d{8}T\d{6}Z-[0-9a-f]{8}$/.test(folder) && !keep.has(folder)) {
        folders.add(`${prefix}${folder}/`);
      }
    }
  }
  return [...folders].sort();
}

/**
 * Deletes the versions of a wave that the live pointer names neither as its own nor as the one it replaced: those
 * an earlier version replaced, and those of ingests that died before their commit. Call with the wave's lock held,
 * so that no ingest is writing a version meanwhile.
 */
export async function removeStaleVersions(storage: Storage, pointer: WavePointer): Promise<string[]> {
  const stale = await staleVersions(storage, pointer);
  for (const folder of stale) await storage.deletePrefix(folder);
  return stale;
}
