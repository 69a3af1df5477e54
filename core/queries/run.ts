import { SURVEYS } from '../../schemas/index.ts';
import type { QueryEngine, QueryResult } from '../engine/query-engine.ts';
import { getSavedQuery } from './load.ts';
import { type KnownWave, validateParams } from './params.ts';

/** The survey ids a `survey` parameter accepts: those with a definition in schemas/. */
export const KNOWN_SURVEY_IDS: readonly string[] = SURVEYS.map((survey) => survey.id);

/** An engine that can also say which waves the lake holds (DuckDB can; used to refuse waves never ingested). */
export interface WaveListing {
  /** The committed waves of the lake. */
  listWaves(): Promise<readonly KnownWave[]>;
}

/** Options of {@link runSavedQuery}. */
export interface RunSavedQueryOptions {
  /** Survey ids that exist; default {@link KNOWN_SURVEY_IDS}. */
  readonly surveys?: readonly string[];
  /** Waves that were ingested; default: the engine's own list when it has one. */
  readonly waves?: readonly KnownWave[];
}

function hasWaveListing(engine: QueryEngine): engine is QueryEngine & WaveListing {
  return typeof (engine as Partial<WaveListing>).listWaves === 'function';
}

/** Runs a saved query by name with raw `k=v` parameters: validated and bound, never pasted into the SQL. */
export async function runSavedQuery(
  engine: QueryEngine,
  name: string,
  rawParams: Readonly<Record<string, string>>,
  options: RunSavedQueryOptions = {},
): Promise<QueryResult> {
  const query = getSavedQuery(name);
  const waves = options.waves ?? (hasWaveListing(engine) ? await engine.listWaves() : undefined);
  const values = validateParams(query, rawParams, { surveys: options.surveys ?? KNOWN_SURVEY_IDS, waves });
  return engine.run(query.sql, values, query.columns);
}
