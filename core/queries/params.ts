import type { ParamValue } from '../engine/query-engine.ts';
import { QueryError } from './load.ts';
import type { Parameter, SavedQuery } from './saved-query.ts';

/** A committed wave of the lake, as the engine lists it. */
export interface KnownWave {
  readonly survey: string;
  readonly wave: number;
  /** The fingerprint of the org_id key the wave was ingested under, when known. */
  readonly keyId?: string;
}

/** What parameter values are checked against: the surveys that exist and the waves that were ingested. */
export interface ParamContext {
  /** Survey ids that have a definition (schemas/). */
  readonly surveys: readonly string[];
  /** Waves that were ingested; when undefined, a wave is checked for its form only. */
  readonly waves?: readonly KnownWave[];
}

const SURVEY_ID = /^[a-z][a-z0-9-]{0,31}$/;
const YEAR = /^[0-9]{4}$/;
const WHOLE_NUMBER = /^-?[0-9]{1,9}$/;

/** Quotes a received value for a message, cut short so that one line stays one line. */
function shown(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
}

/** Checks one raw value against its parameter's type; returns the typed value. */
function parseOne(query: SavedQuery, parameter: Parameter, raw: string, context: ParamContext): ParamValue {
  const prefix = `query: ${query.name}: parameter ${parameter.name}`;
  switch (parameter.type) {
    case 'survey': {
      if (!SURVEY_ID.test(raw) || !context.surveys.includes(raw)) {
        throw new QueryError(`${prefix} must be a survey id, one of ${context.surveys.join(', ')}; got ${shown(raw)}`);
      }
      return raw;
    }
    case 'wave': {
      if (!YEAR.test(raw)) throw new QueryError(`${prefix} must be a year like 2023, got ${shown(raw)}`);
      return Number(raw);
    }
    case 'int': {
      if (!WHOLE_NUMBER.test(raw)) throw new QueryError(`${prefix} must be a whole number, got ${shown(raw)}`);
      return Number(raw);
    }
    case 'string': {
      // Bound, never pasted into SQL; the limits only keep messages and logs readable.
      if (raw.length > 200 || /[\u0000-\u001f\u007f]/.test(raw)) {
        throw new QueryError(`${prefix} must be one line of at most 200 characters, got ${shown(raw)}`);
      }
      return raw;
    }
  }
}

/**
 * Checks raw `k=v` parameters against a saved query: every declared parameter present, none extra, each of
 * its type (a survey that exists, a wave that is a year and was ingested), and returns the values in the
 * order of the SQL's `?` marks. Throws a one-line QueryError before anything runs.
 */
export function validateParams(
  query: SavedQuery,
  raw: Readonly<Record<string, string>>,
  context: ParamContext,
): ParamValue[] {
  const declared = query.parameters.map((parameter) => parameter.name);
  for (const name of Object.keys(raw)) {
    if (!declared.includes(name)) {
      throw new QueryError(
        `query: ${query.name} has no parameter ${shown(name)}; its parameters are ${declared.join(', ') || '(none)'}`,
      );
    }
  }
  const values = new Map<string, ParamValue>();
  for (const parameter of query.parameters) {
    const value = raw[parameter.name];
    if (value === undefined) {
      throw new QueryError(
        `query: ${query.name} needs parameter ${parameter.name} (${parameter.description}): add --param ${parameter.name}=<value>`,
      );
    }
    values.set(parameter.name, parseOne(query, parameter, value, context));
  }
  const surveyParam = query.parameters.find((parameter) => parameter.type === 'survey');
  const survey = surveyParam ? (values.get(surveyParam.name) as string) : undefined;
  if (context.waves) {
    const ingested = context.waves.filter((known) => survey === undefined || known.survey === survey);
    for (const parameter of query.parameters) {
      if (parameter.type !== 'wave') continue;
      const wave = values.get(parameter.name) as number;
      if (!ingested.some((known) => known.wave === wave)) {
        const list = [...new Set(ingested.map((known) => known.wave))].sort((a, b) => a - b);
        throw new QueryError(
          `query: ${query.name}: wave ${wave}${survey ? ` of survey ${survey}` : ''} was never ingested; ` +
            `waves in the lake: ${list.length > 0 ? list.join(', ') : 'none'}`,
        );
      }
    }
  }
  if (query.panel) {
    const from = values.get(query.panel.from) as number;
    const to = values.get(query.panel.to) as number;
    if (!(from < to)) {
      throw new QueryError(
        `query: ${query.name}: ${query.panel.from} must be an earlier wave than ${query.panel.to}, got ${from} and ${to}`,
      );
    }
    // Organisations are matched by org_id, which only one key makes comparable across waves.
    const keyOf = (wave: number) =>
      context.waves?.find((known) => known.wave === wave && (survey === undefined || known.survey === survey))?.keyId;
    const [fromKey, toKey] = [keyOf(from), keyOf(to)];
    if (fromKey !== undefined && toKey !== undefined && fromKey !== toKey) {
      throw new QueryError(
        `query: ${query.name}: waves ${from} and ${to}${survey ? ` of ${survey}` : ''} were ingested under different org_id keys (key ids ${fromKey} and ${toKey}), so their organisations cannot be matched; re-ingest one wave under the other's key`,
      );
    }
  }
  return query.bind.map((name) => values.get(name) as ParamValue);
}
