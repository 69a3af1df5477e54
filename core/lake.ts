import { z } from 'zod';
import type { Storage } from './storage/storage.ts';

/**
 * The lake layout (DESIGN.md "The lake layout") and atomic replacement of a wave.
 *
 * A wave's curated Parquet lives under a version prefix:
 *   curated/survey=<id>/wave=<year>/<version>/part-00000.parquet
 * and one small pointer object names the live version:
 *   curated/survey=<id>/wave=<year>/_current.json
 * Putting the pointer is the commit (an atomic put, locally and on S3). Readers read the pointer once and
 * then only the files it lists, so they see the old wave or the new one, never a mix and never both.
 * Old versions are deleted after the switch; a reader still holding the old pointer for longer than that
 * grace period is the only one that can fail, and it fails loudly (missing file), never silently mixes.
 */

/** The pointer object that commits one version of one wave. */
export interface WavePointer {
  readonly survey: string;
  readonly wave: number;
  /** The version prefix's last segment, e.g. "v20261124T212400Z-3f2a9c1b". */
  readonly version: string;
  /** The Parquet keys of this version, relative to the storage root. */
  readonly files: readonly string[];
  /** SHA-256 of the source file: a byte-identical re-ingest is recognised by it and changes nothing. */
  readonly sourceSha256: string;
  readonly sourceFile: string;
  readonly rows: number;
  readonly committedAt: string;
}

const WavePointerSchema = z.object({
  survey: z.string().min(1),
  wave: z.int(),
  version: z.string().min(1),
  files: z.array(z.string().min(1)),
  sourceSha256: z.string(),
  sourceFile: z.string(),
  rows: z.int().min(0),
  committedAt: z.string(),
});

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

/** The prefix of one wave's curated data: "curated/survey=uk-se/wave=2023/". */
export function curatedWavePrefix(survey: string, wave: number): string {
  return `curated/survey=${survey}/wave=${wave}/`;
}

/** The key of one wave's pointer object. */
export function pointerKey(survey: string, wave: number): string {
  return `${curatedWavePrefix(survey, wave)}_current.json`;
}

/** The prefix of one wave's reports: report.json and rejected.csv. */
export function reportsPrefix(survey: string, wave: number): string {
  return `reports/survey=${survey}/wave=${wave}/`;
}

/** The key of a raw upload. */
export function rawKey(survey: string, wave: number, fileName: string): string {
  return `raw/survey=${survey}/wave=${wave}/${fileName}`;
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

/**
 * Commits a new version of a wave by putting its pointer, then removes versions older than the one it replaced.
 * The version it replaced is kept, so a query that read the old pointer a moment ago can still finish; versions
 * newer than this one (a concurrent ingest still writing) are left alone.
 */
export async function commitWave(storage: Storage, pointer: WavePointer): Promise<void> {
  const previous = await readWavePointer(storage, pointer.survey, pointer.wave);
  const key = pointerKey(pointer.survey, pointer.wave);
  await storage.put(key, `${JSON.stringify(pointer, null, 2)}\n`, { contentType: 'application/json' });
  const prefix = curatedWavePrefix(pointer.survey, pointer.wave);
  for (const file of await storage.list(prefix)) {
    if (file === key) continue;
    const version = file.slice(prefix.length).split('/')[0] ?? '';
    if (version === pointer.version || version === previous?.version || version > pointer.version) continue;
    await storage.delete(file);
  }
}
