import { DisclosureError } from '../../core/disclosure/index.ts';
import { ExportError, exportQuery, formatOf } from '../../core/export/index.ts';
import { getSavedQuery, QueryError } from '../../core/queries/index.ts';
import { CliError, type Command, parseCommandArgs, requireOption } from '../command.ts';
import { openEngine, parseParams } from './query.ts';

function wholeNumber(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || value < min || value > max || (name === 'threshold' && !Number.isInteger(value))) {
    const what = name === 'threshold' ? `a whole number from ${min} to ${max}` : `a number from ${min} to ${max}`;
    throw new CliError(`export: --${name} must be ${what}, got "${raw}"`);
  }
  return value;
}

/**
 * `survey export <name> [--param k=v ...] --out <file.csv|file.xlsx|file.json> [--threshold N] [--p P]
 * [--no-total] [--lake <dir>]`: an aggregate export with disclosure control, and datapackage.json beside it.
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
      ['--threshold N', 'the fewest organisations a published cell may count (default 5)'],
      ['--p P', "the dominance rule's p, in per cent (default 10)"],
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
    const threshold = wholeNumber('threshold', values.threshold, 1, 1000);
    const p = wholeNumber('p', values.p, 0, 100);
    const params = parseParams(values.param ?? []);
    try {
      // Fail fast, before opening the lake: an unknown format or query.
      const format = formatOf(out);
      getSavedQuery(name);
      const engine = await openEngine(values);
      try {
        const summary = await exportQuery({
          engine,
          name,
          params,
          out,
          format,
          threshold,
          p,
          total: values['no-total'] !== true,
        });
        const c = summary.counts;
        const lines = [
          `export: ${summary.query}: ${summary.rows} row(s) written as ${summary.format} (threshold ${summary.rules.threshold}, p = ${summary.rules.p})`,
          `  cells suppressed: threshold ${c.threshold}, dominance ${c.dominance}, linked ${c.linked}, secondary ${c.secondary}`,
          `  table:        ${summary.file}`,
          `  data package: ${summary.dataPackage}`,
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        await engine.close();
      }
    } catch (error) {
      if (error instanceof QueryError || error instanceof ExportError || error instanceof DisclosureError) {
        throw new CliError(error.message, 2, { cause: error });
      }
      throw error;
    }
    return 0;
  },
};
