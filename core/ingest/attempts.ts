// The ingest ledger: one small object per attempt, under the wave's reports, written once and never changed
// (so two attempts never write the same object). `survey status` lists them.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { reportsPrefix } from '../lake.ts';
import type { Storage } from '../storage/storage.ts';

/** How an attempt ended. */
export const OUTCOMES = ['committed', 'unchanged', 'refused', 'failed'] as const;

/** One ingest attempt, as the ledger keeps it. */
export const AttemptSchema = z.object({
  attempt: z.string().min(1),
  survey: z.string().min(1),
  wave: z.int(),
  /** The uploaded object's key or the file name. */
  file: z.string(),
  bytes: z.int().min(0).optional(),
  sha256: z.string().optional(),
  startedAt: z.string(),
  endedAt: z.string(),
  outcome: z.enum(OUTCOMES),
  /** The version committed, or the live version an unchanged attempt found. */
  version: z.string().optional(),
  counts: z.object({ rows: z.int(), valid: z.int(), rejected: z.int(), blank: z.int() }).optional(),
  /** Why it was refused or failed; for an unchanged attempt, what it completed that an earlier one left undone. */
  reason: z.string().optional(),
  /** Where the refusal's report is. */
  refusedReport: z.string().optional(),
});

/** One ingest attempt, as the ledger keeps it. */
export type Attempt = z.infer<typeof AttemptSchema>;

/** An instant as attempt ids begin with it: "20261206T170639413Z", sorting as the time does. */
function stamp(time: Date): string {
  return time.toISOString().replace(/[-:.]/g, '');
}

/** A new attempt id: sortable by time, unique. */
export function newAttemptId(now: Date): string {
  return `${stamp(now)}-${randomBytes(4).toString('hex')}`;
}

/** Where the reports of a survey id that is not a safe path segment go. */
function safeSurvey(survey: string): string {
  return /^[a-z][a-z0-9-]{0,40}$/.test(survey) ? survey : '_unknown';
}

/** The folder of one wave's attempts. */
export function attemptsPrefix(survey: string, wave: number): string {
  return `${reportsPrefix(safeSurvey(survey), wave)}attempts/`;
}

/** The key of a refused file's report. */
export function refusedKey(survey: string, wave: number, attempt: string): string {
  return `${reportsPrefix(safeSurvey(survey), wave)}refused/${attempt}.json`;
}

/** Records one attempt. */
export async function recordAttempt(storage: Storage, attempt: Attempt): Promise<void> {
  await storage.put(`${attemptsPrefix(attempt.survey, attempt.wave)}${attempt.attempt}.json`, JSON.stringify(attempt), {
    contentType: 'application/json',
  });
}

/** Every recorded attempt, of one survey or all, newest first. */
export async function listAttempts(storage: Storage, survey?: string): Promise<Attempt[]> {
  const prefix = survey === undefined ? 'reports/' : `reports/survey=${safeSurvey(survey)}/`;
  return readAttempts(
    storage,
    (await storage.list(prefix)).filter((key) => /\/attempts\/[^/]+\.json$/.test(key)),
  );
}

/** Reads the attempts at these keys, newest first. */
async function readAttempts(storage: Storage, keys: readonly string[]): Promise<Attempt[]> {
  const attempts: Attempt[] = [];
  for (const key of keys) {
    const text = await storage.getText(key);
    const parsed = text === undefined ? undefined : AttemptSchema.safeParse(JSON.parse(text));
    if (parsed?.success) attempts.push(parsed.data);
  }
  return attempts.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.attempt.localeCompare(a.attempt));
}

/**
 * The attempts of one wave, newest first: all of them, or those started from `since` on. Their keys begin with
 * the time they started, so only those objects are read.
 */
export async function waveAttempts(storage: Storage, survey: string, wave: number, since?: Date): Promise<Attempt[]> {
  const prefix = attemptsPrefix(survey, wave);
  const from = since === undefined ? '' : `${prefix}${stamp(since)}`;
  const keys = (await storage.list(prefix)).filter((key) => key.endsWith('.json') && key >= from);
  return readAttempts(storage, keys);
}

/** The newest attempt of one wave, read alone, or undefined. */
export async function latestAttempt(storage: Storage, survey: string, wave: number): Promise<Attempt | undefined> {
  const keys = (await storage.list(attemptsPrefix(survey, wave))).filter((key) => key.endsWith('.json'));
  const newest = keys.at(-1);
  return newest === undefined ? undefined : (await readAttempts(storage, [newest]))[0];
}

/**
 * The attempt that ingested an upload, once there is one: the latest attempt on the object's key that started
 * after `since` (a clock allowance is the caller's), or undefined.
 */
export async function findAttempt(
  storage: Storage,
  upload: { readonly survey: string; readonly wave: number; readonly file: string; readonly since: Date },
): Promise<Attempt | undefined> {
  const attempts = await waveAttempts(storage, upload.survey, upload.wave, upload.since);
  return attempts.find((attempt) => attempt.file === upload.file);
}
