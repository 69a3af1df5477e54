// The ingest ledger: one small object per attempt, under the wave's reports, written when the attempt ends (two
// attempts never write the same object). `survey status` lists them. An attempt under way has a marker beside
// them, so that one killed before it could write its record (kill -9, a Lambda timeout) is recorded by the next.
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

/** The key of one attempt's record. */
function attemptKey(survey: string, wave: number, attempt: string): string {
  return `${attemptsPrefix(survey, wave)}${attempt}.json`;
}

/** The key of an attempt's marker while it is under way. */
function markerKey(survey: string, wave: number, attempt: string): string {
  return `${runningPrefix(survey, wave)}${attempt}.json`;
}

/** The key of a refused file's report. */
export function refusedKey(survey: string, wave: number, attempt: string): string {
  return `${reportsPrefix(safeSurvey(survey), wave)}refused/${attempt}.json`;
}

/** The folder of one wave's attempts under way: a marker each, from taking the wave's lock to its record. */
export function runningPrefix(survey: string, wave: number): string {
  return `${reportsPrefix(safeSurvey(survey), wave)}running/`;
}

/** An attempt under way, as its marker says: what its record would start with, and what runs it. */
const MarkerSchema = AttemptSchema.pick({
  attempt: true,
  survey: true,
  wave: true,
  file: true,
  bytes: true,
  startedAt: true,
}).extend({ by: z.string() });
/** An attempt under way, as its marker says. */
export type RunningMarker = z.infer<typeof MarkerSchema>;

/** Marks an attempt as under way; called once it holds the wave's lock, removed once its record is written. */
export async function markRunning(storage: Storage, marker: RunningMarker): Promise<void> {
  await storage.put(markerKey(marker.survey, marker.wave, marker.attempt), JSON.stringify(marker), {
    contentType: 'application/json',
  });
}

/** A marker, or undefined when it is gone or unreadable (it names nothing to record then, and is only removed). */
async function readMarker(storage: Storage, key: string): Promise<RunningMarker | undefined> {
  const text = await storage.getText(key);
  if (text === undefined) return undefined;
  try {
    const marker = MarkerSchema.safeParse(JSON.parse(text));
    return marker.success ? marker.data : undefined;
  } catch {
    return undefined;
  }
}

/** Removes an attempt's marker. */
export async function unmarkRunning(storage: Storage, survey: string, wave: number, attempt: string): Promise<void> {
  await storage.delete(markerKey(survey, wave, attempt));
}

/**
 * Records, as failed, the attempts of a wave whose markers outlived them, and removes the markers; returns their
 * ids. Called by the holder of the wave's lock (`by`, its attempt id): no other attempt of the wave is under way,
 * so each was stopped before it ended (killed, or its function timed out). One that wrote its record before it
 * died only loses its marker.
 */
export async function recordStopped(storage: Storage, survey: string, wave: number, by: string): Promise<string[]> {
  const stopped: string[] = [];
  for (const key of await storage.list(runningPrefix(survey, wave))) {
    const marker = await readMarker(storage, key);
    if (marker !== undefined && marker.attempt !== by) {
      const { by: ranBy, ...start } = marker;
      const recorded = await storage.getText(attemptKey(survey, wave, start.attempt));
      if (recorded === undefined) {
        await recordAttempt(storage, {
          ...start,
          endedAt: new Date().toISOString(),
          outcome: 'failed',
          reason: `stopped before it ended (${ranBy} was killed or timed out); recorded by attempt ${by}, which found its marker`,
        });
        stopped.push(start.attempt);
      }
    }
    await storage.delete(key);
  }
  return stopped;
}

/** Records one attempt. */
export async function recordAttempt(storage: Storage, attempt: Attempt): Promise<void> {
  await storage.put(attemptKey(attempt.survey, attempt.wave, attempt.attempt), JSON.stringify(attempt), {
    contentType: 'application/json',
  });
}

/** Where the attempts of one survey, or of all, are found. */
function surveyReports(survey: string | undefined): string {
  return survey === undefined ? 'reports/' : `reports/survey=${safeSurvey(survey)}/`;
}

const RECORD_KEY = /\/attempts\/[^/]+\.json$/;
const MARKER_KEY = /\/running\/[^/]+\.json$/;

/** Every recorded attempt, of one survey or all, newest first. */
export async function listAttempts(storage: Storage, survey?: string): Promise<Attempt[]> {
  return readAttempts(
    storage,
    (await storage.list(surveyReports(survey))).filter((key) => RECORD_KEY.test(key)),
  );
}

/**
 * What `survey status` shows, from one listing: every recorded attempt, newest first, and the attempts under way,
 * oldest first (a marker without a record; one killed is among them until the next ingest of its wave records it).
 */
export async function readStatus(
  storage: Storage,
  survey?: string,
): Promise<{ attempts: Attempt[]; running: RunningMarker[] }> {
  const keys = await storage.list(surveyReports(survey));
  const recorded = keys.filter((key) => RECORD_KEY.test(key));
  const isRecorded = new Set(recorded);
  const running: RunningMarker[] = [];
  for (const key of keys.filter((k) => MARKER_KEY.test(k))) {
    const marker = await readMarker(storage, key);
    if (marker && !isRecorded.has(attemptKey(marker.survey, marker.wave, marker.attempt))) running.push(marker);
  }
  running.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  return { attempts: await readAttempts(storage, recorded), running };
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
