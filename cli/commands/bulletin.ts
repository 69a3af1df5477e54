import { writeFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { DisclosureError, SettingsError } from '../../core/disclosure/index.ts';
import { ExportError } from '../../core/export/index.ts';
import { buildBulletin, renderBulletinPage } from '../../core/pages/index.ts';
import { QueryError } from '../../core/queries/index.ts';
import { getSurvey, UnknownSurveyError } from '../../schemas/index.ts';
import { CliError, type Command, parseCommandArgs, requireOption, SURVEY_IDS } from '../command.ts';
import { openLocks, openStorage, parseWave } from '../lake.ts';
import { deploymentSettings } from './export.ts';
import { openEngine } from './query.ts';

/** A disclosure rule's setting from the command line; only a stricter one than the deployment's is accepted. */
function ruleSetting(name: 'threshold' | 'p', raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const whole = name === 'threshold';
  if (!(whole ? /^\d+$/ : /^\d+(\.\d+)?$/).test(raw)) {
    throw new CliError(`bulletin: --${name} must be ${whole ? 'a whole number' : 'a number'}, got "${raw}"`);
  }
  return Number(raw);
}

/**
 * `survey bulletin --survey <id> --wave <year> --out <file.html> [--threshold N] [--p P] [--lake <dir>]`: the
 * statistical bulletin of a wave as one self-contained page.
 */
export const command: Command = {
  help: {
    usage: ['bulletin --survey <id> --wave <year> --out <file.html> [--threshold N] [--p P]'],
    description:
      'A statistical bulletin of one wave as one self-contained HTML page: headline figures, then a chart and its table for each saved query, with labels and units. Every number passes the same disclosure control as an export: suppressed cells read [c] and have no bar.',
    options: [
      ['--survey <id>', `the survey: ${SURVEY_IDS}`],
      ['--wave <year>', 'the wave: its year, e.g. 2023'],
      ['--out <file.html>', 'where to write the page'],
      [
        '--threshold N',
        'a stricter threshold than the deployment’s (SURVEY_DISCLOSURE_THRESHOLD, default 5), as survey export',
      ],
      ['--p P', "a stricter p than the deployment's (SURVEY_DISCLOSURE_P, default 10), as survey export"],
      ['--engine <engine>', 'duckdb (default, over --lake) or athena (with --workgroup <wg>)'],
    ],
    examples: ['bulletin --survey uk-se --wave 2023 --out bulletin.html'],
  },
  async run(args) {
    const { values } = parseCommandArgs(
      args,
      {
        survey: { type: 'string' },
        wave: { type: 'string' },
        out: { type: 'string' },
        threshold: { type: 'string' },
        p: { type: 'string' },
        lake: { type: 'string' },
        engine: { type: 'string' },
        workgroup: { type: 'string' },
        database: { type: 'string' },
      },
      false,
    );
    const id = requireOption(values, 'survey');
    const wave = parseWave(requireOption(values, 'wave'));
    const out = requireOption(values, 'out');
    if (!['.html', '.htm'].includes(extname(out).toLowerCase())) {
      throw new CliError(`bulletin: --out must be an .html file, got "${out}"`);
    }
    const threshold = ruleSetting('threshold', values.threshold);
    const p = ruleSetting('p', values.p);
    const deployment = deploymentSettings();
    try {
      getSurvey(id);
      const lake = await openStorage(values.lake);
      const locks = await openLocks(lake, 'bulletin');
      const engine = await openEngine(values);
      let page: string;
      let suppressed = 0;
      let sections = 0;
      try {
        // A bulletin is a release: each of its tables is recorded in the lake's ledger as published in this page.
        const bulletin = await buildBulletin({
          engine,
          lake,
          locks,
          survey: id,
          wave,
          deployment,
          threshold,
          p,
          file: resolve(out),
        });
        page = await renderBulletinPage(bulletin);
        sections = bulletin.sections.length;
        for (const { document } of bulletin.sections) {
          const c = document.counts;
          suppressed += c.threshold + c.dominance + (c.revision ?? 0) + c.linked + c.secondary + (c.release ?? 0);
        }
      } finally {
        await engine.close();
      }
      await writeFile(out, page).catch((error: NodeJS.ErrnoException) => {
        throw new CliError(`bulletin: cannot write "${out}": ${error.code ?? error.message}`, 1, { cause: error });
      });
      process.stdout.write(
        `bulletin: ${id} wave ${wave}: ${sections} sections, ${suppressed} cell(s) suppressed → ${out}\n`,
      );
    } catch (error) {
      if (
        error instanceof QueryError ||
        error instanceof ExportError ||
        error instanceof DisclosureError ||
        error instanceof SettingsError ||
        error instanceof UnknownSurveyError
      ) {
        throw new CliError(error.message, 2, { cause: error });
      }
      throw error;
    }
    return 0;
  },
};
