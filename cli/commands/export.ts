import {
  checkSettings,
  DEFAULT_SETTINGS,
  DisclosureError,
  type DisclosureSettings,
  SettingsError,
} from '../../core/disclosure/index.ts';
import { ExportError, exportQuery, formatOf } from '../../core/export/index.ts';
import { getSavedQuery, QueryError } from '../../core/queries/index.ts';
import { CliError, type Command, parseCommandArgs, requireOption } from '../command.ts';
import { openLocks, openStorage } from '../lake.ts';
import { openEngine, parseParams } from './query.ts';

function numberOption(name: string, raw: string | undefined, whole: boolean): number | undefined {
  if (raw === undefined) return undefined;
  if (!(whole ? /^\d+$/ : /^\d+(\.\d+)?$/).test(raw)) {
    throw new CliError(`export: --${name} must be ${whole ? 'a whole number' : 'a number'}, got "${raw}"`);
  }
  return Number(raw);
}

/**
 * The deployment's settings: SURVEY_DISCLOSURE_THRESHOLD and SURVEY_DISCLOSURE_P, else threshold 5 and p 10.
 * Hard floors (threshold 3, p > 0) hold here too.
 */
export function deploymentSettings(env: NodeJS.ProcessEnv = process.env): DisclosureSettings {
  const read = (key: string, fallback: number) => {
    const raw = env[key];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!/^\d+(\.\d+)?$/.test(raw)) throw new CliError(`export: ${key} must be a number, got "${raw}"`);
    return value;
  };
  try {
    return checkSettings(
      {
        threshold: read('SURVEY_DISCLOSURE_THRESHOLD', DEFAULT_SETTINGS.threshold),
        p: read('SURVEY_DISCLOSURE_P', DEFAULT_SETTINGS.p),
      },
      'export: the deployment (SURVEY_DISCLOSURE_THRESHOLD, SURVEY_DISCLOSURE_P)',
    );
  } catch (error) {
    if (error instanceof SettingsError) throw new CliError(error.message, 2, { cause: error });
    throw error;
  }
}

/**
 * `survey export <name> [--param k=v ...] --out <file.csv|file.xlsx|file.json> [--threshold N] [--p P]
 * [--no-total] [--lake <dir>]`: an aggregate export with disclosure control, and datapackage.json beside it,
 * recorded in the lake's release ledger. --threshold and --p may only make the deployment's settings stricter.
 */
export const command: Command = {
  help: {
    usage: [
      'export <name> [--param k=v ...] --out <file.csv|file.xlsx|file.json> [--threshold N] [--p P] [--no-total]',
    ],
    description:
      "An aggregate export that is safe to publish: the saved query's table with disclosure control (threshold, dominance and secondary suppression, verified), written with datapackage.json beside it.",
    options: [
      ['--param k=v', 'a parameter of the query, once per parameter'],
      ['--out <file>', 'the output file; its extension chooses CSV, XLSX or JSON'],
      [
        '--threshold N',
        "the fewest organisations a published cell may count; only stricter than the deployment's (SURVEY_DISCLOSURE_THRESHOLD, default 5)",
      ],
      [
        '--p P',
        "the dominance rule's p, in per cent; only stricter than the deployment's (SURVEY_DISCLOSURE_P, default 10)",
      ],
      ['--no-total', 'no Total row'],
      ['--engine <engine>', 'duckdb (default, over --lake) or athena'],
    ],
    examples: ['export sector_profile --param survey=uk-se --param wave=2023 --out profile.xlsx'],
  },
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, {
      param: { type: 'string', multiple: true },
      out: { type: 'string' },
      threshold: { type: 'string' },
      p: { type: 'string' },
      'no-total': { type: 'boolean' },
      lake: { type: 'string' },
      engine: { type: 'string' },
    });
    const [name, ...extra] = positionals;
    if (!name)
      throw new CliError('export: name a saved query: survey export <name> --out <file> (survey queries lists them)');
    if (extra.length > 0) throw new CliError(`export: one saved query at a time, got also "${extra.join(' ')}"`);
    const out = requireOption(values, 'out');
    const threshold = numberOption('threshold', values.threshold, true);
    const p = numberOption('p', values.p, false);
    const params = parseParams(values.param ?? []);
    const deployment = deploymentSettings();
    if ((values.engine ?? 'duckdb') === 'athena' && !values.lake?.startsWith('s3://')) {
      throw new CliError(
        'export: the release ledger lives in the lake: with --engine athena, give --lake s3://<bucket>',
      );
    }
    try {
      // Fail fast, before opening the lake: an unknown format or query.
      const format = formatOf(out);
      getSavedQuery(name);
      const lake = await openStorage(values.lake);
      const locks = await openLocks(lake, 'export');
      const engine = await openEngine(values);
      try {
        const summary = await exportQuery({
          engine,
          lake,
          locks,
          name,
          params,
          out,
          format,
          deployment,
          request: { ...(threshold !== undefined ? { threshold } : {}), ...(p !== undefined ? { p } : {}) },
          total: values['no-total'] !== true,
        });
        const c = summary.counts;
        const lines = [
          `export: ${summary.query}: ${summary.rows} row(s) written as ${summary.format} (threshold ${summary.rules.threshold}, p = ${summary.rules.p})`,
          `  cells suppressed: threshold ${c.threshold}, dominance ${c.dominance}, revision ${c.revision}, linked ${c.linked}, secondary ${c.secondary}, earlier release ${c.release}`,
          `  table:        ${summary.file}`,
          `  data package: ${summary.dataPackage}`,
          `  ledger:       ${lake.localPath(summary.ledger) ?? `${lake.location}/${summary.ledger}`}`,
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        await engine.close();
      }
    } catch (error) {
      if (
        error instanceof QueryError ||
        error instanceof ExportError ||
        error instanceof DisclosureError ||
        error instanceof SettingsError
      ) {
        throw new CliError(error.message, 2, { cause: error });
      }
      throw error;
    }
    return 0;
  },
};
