import { DuckDbEngine } from '../../core/engine/duckdb-engine.ts';
import type { QueryEngine } from '../../core/engine/query-engine.ts';
import { listWavePointers } from '../../core/lake.ts';
import {
  formatResult,
  getSavedQuery,
  QueryError,
  RESULT_FORMATS,
  type ResultFormat,
  runSavedQuery,
} from '../../core/queries/index.ts';
import { CliError, type Command, parseCommandArgs } from '../command.ts';
import { openStorage } from '../lake.ts';

/** The options of `survey query` that choose and reach an engine. */
export interface EngineOptions {
  readonly lake?: string;
  readonly engine?: string;
  readonly workgroup?: string;
  /** The Glue database of the Athena engine. */
  readonly database?: string;
}

/**
 * Opens the query engine the options ask for: DuckDB over the --lake (default), or Athena in a workgroup.
 * The one place that knows the engines, so that `survey export` can run saved queries the same way.
 */
export async function openEngine(options: EngineOptions): Promise<QueryEngine> {
  const engine = options.engine ?? 'duckdb';
  if (engine === 'duckdb') return DuckDbEngine.open(await openStorage(options.lake));
  if (engine === 'athena') {
    if (!options.workgroup) {
      throw new CliError('query: --engine athena needs --workgroup <name> (the stack output AthenaWorkGroupName)');
    }
    const { AthenaEngine } = await import('../../core/engine/athena-engine.ts');
    const athena = AthenaEngine.create({ workgroup: options.workgroup, database: options.database });
    // With the curated bucket as --lake, waves are checked against its pointers as DuckDB checks them;
    // without it, a wave never ingested simply returns no rows.
    if (!options.lake?.startsWith('s3://')) return athena;
    const storage = await openStorage(options.lake);
    return Object.assign(athena, {
      listWaves: async () =>
        (await listWavePointers(storage)).map(({ survey, wave, keyId }) => ({
          survey,
          wave,
          ...(keyId ? { keyId } : {}),
        })),
    });
  }
  throw new CliError(`query: --engine must be duckdb or athena, got "${engine}"`);
}

/** Parses repeated `--param k=v` into an object; a parameter given twice or without "=" is an error. */
export function parseParams(raw: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const item of raw) {
    const at = item.indexOf('=');
    if (at <= 0) throw new CliError(`query: --param must be name=value, got "${item}"`);
    const name = item.slice(0, at);
    if (Object.hasOwn(params, name)) throw new CliError(`query: --param ${name} is given twice`);
    params[name] = item.slice(at + 1);
  }
  return params;
}

/**
 * `survey query <name> [--param k=v ...] [--format table|csv|json] [--lake <dir>]`
 * `[--engine duckdb|athena --workgroup <wg> [--database <glue db>]]`
 */
export const command: Command = {
  help: {
    usage: [
      'query <name> [--param k=v ...] [--format table|csv|json]',
      'query <name> [--param k=v ...] --engine athena --workgroup <wg> [--database <db>]',
    ],
    description:
      'Runs a saved query on the lake (DuckDB) or in Athena; parameters are checked and bound, never pasted into the SQL. survey queries lists the names.',
    options: [
      ['--param k=v', 'a parameter of the query, once per parameter (e.g. --param survey=uk-se --param wave=2023)'],
      ['--format <format>', 'table (default), csv, or json (an array of objects keyed by column name)'],
      ['--engine <engine>', 'duckdb (default, over --lake) or athena'],
      ['--workgroup <wg>', 'the Athena workgroup (with --engine athena)'],
      ['--database <db>', 'the Glue database (with --engine athena)'],
    ],
    examples: ['query spinouts_by_sector --param survey=uk-se --param wave=2023 --format csv'],
  },
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, {
      param: { type: 'string', multiple: true },
      format: { type: 'string' },
      lake: { type: 'string' },
      engine: { type: 'string' },
      workgroup: { type: 'string' },
      database: { type: 'string' },
    });
    const [name, ...extra] = positionals;
    if (!name) throw new CliError('query: name a saved query: survey query <name> (survey queries lists them)');
    if (extra.length > 0) throw new CliError(`query: one saved query at a time, got also "${extra.join(' ')}"`);
    const format = (values.format ?? 'table') as ResultFormat;
    if (!RESULT_FORMATS.includes(format)) {
      throw new CliError(`query: --format must be one of ${RESULT_FORMATS.join(', ')}, got "${values.format}"`);
    }
    const params = parseParams(values.param ?? []);
    try {
      // Resolve the name before opening anything: an unknown query fails fast.
      const query = getSavedQuery(name);
      const engine = await openEngine(values);
      try {
        const result = await runSavedQuery(engine, name, params);
        process.stdout.write(formatResult(result, format, query.columns));
      } finally {
        await engine.close();
      }
    } catch (error) {
      if (error instanceof QueryError) throw new CliError(error.message, 2, { cause: error });
      throw error;
    }
    return 0;
  },
};
