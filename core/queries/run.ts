import { SURVEYS } from '../../schemas/index.ts';
import type { QueryEngine, QueryResult } from '../engine/query-engine.ts';
import { getSavedQuery, QueryError } from './load.ts';
import { type KnownWave, validateParams } from './params.ts';
import type { SavedQuery } from './saved-query.ts';

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

/**
 * A weighted query (one that reads the calibration weights) with no row found no weights for its wave, or
 * only weights of an earlier ingest of it: say so in one line rather than return an empty table.
 */
export function checkWeightedResult(
  query: Pick<SavedQuery, 'name' | 'weighted'>,
  rowCount: number,
  params: Readonly<Record<string, unknown>>,
): void {
  if (!query.weighted || rowCount > 0) return;
  const survey = String(params.survey ?? '<id>');
  const wave = String(params.wave ?? '<year>');
  throw new QueryError(
    `queries: ${query.name} found no calibration weights for survey ${survey} wave ${wave}; run survey weight --survey ${survey} --wave ${wave} --frame <frame.csv> first (weights made before the wave was last ingested do not apply)`,
  );
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
  const result = await engine.run(query.sql, values, query.columns);
  checkWeightedResult(query, result.rows.length, rawParams);
  return result;
}
