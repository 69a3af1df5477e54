import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { GenerateError, generateWave, type TruthRecord } from '../../core/generate/index.ts';
import { DEMO_ORG_KEY } from '../../core/ingest/org-id.ts';
import { frameCsv } from '../../core/weight/index.ts';
import { CliError, type Command, parseCommandArgs, requireOption, SURVEY_IDS } from '../command.ts';
import { openStorage, parseWave, resolveOrgKey } from '../lake.ts';
import { formatBytes } from '../progress.ts';

/** A whole number option, or a CliError naming it. */
function wholeNumber(name: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new CliError(`generate: --${name} must be a whole number, got "${value}"`);
  return Number(value);
}

/**
 * `survey generate --survey <id> --wave <year> --rows N --seed S --out <file.csv> [--truth <file.json>]`
 * `[--frame <frame.csv>]`
 *
 * The truth file holds the records first and the summary after them, so a million records stream to disk
 * instead of being held in memory; JSON readers do not care about key order. With --frame, the frame of the
 * population the wave samples is written, and the truth gains that population's true values (`population`).
 */
export const command: Command = {
  help: {
    usage: [
      'generate --survey <id> --wave <year> --rows N --seed S --out <file.csv> [--truth <file.json>] [--frame <frame.csv>]',
    ],
    description:
      'A realistic, messy synthetic wave (header aliases, typos, duplicates, blank and invalid rows), the same for the same seed; with --truth, the clean records it was built from.',
    options: [
      ['--survey <id>', `the survey: ${SURVEY_IDS}`],
      ['--wave <year>', 'the wave: its year, e.g. 2023'],
      ['--rows N', 'rows to write'],
      ['--seed S', 'the random seed (a whole number)'],
      ['--out <file.csv>', 'where to write the wave'],
      [
        '--truth <file.json>',
        "also write the clean truth and the expected counts; its org_ids are those survey ingest will compute into --lake (SURVEY_ORG_KEY, or the lake's own key, made now if it has none)",
      ],
      [
        '--frame <frame.csv>',
        'also write the frame of the population the wave samples (for survey weight), and add the population true values to the truth',
      ],
    ],
    examples: ['generate --survey uk-se --wave 2023 --rows 2000 --seed 1 --out wave.csv'],
  },
  async run(args) {
    const { values } = parseCommandArgs(
      args,
      {
        survey: { type: 'string' },
        wave: { type: 'string' },
        rows: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        truth: { type: 'string' },
        frame: { type: 'string' },
        lake: { type: 'string' },
      },
      false,
    );
    const survey = requireOption(values, 'survey');
    const wave = parseWave(requireOption(values, 'wave'));
    const rows = wholeNumber('rows', requireOption(values, 'rows'));
    const seed = wholeNumber('seed', requireOption(values, 'seed'));
    const out = requireOption(values, 'out');
    const truthPath = values.truth;
    // The truth's org_id must be what `survey ingest` will compute into the lake, so it takes the key ingest takes.
    // Without a truth no org_id is written anywhere, and the lake is left alone.
    const orgKey = truthPath ? await resolveOrgKey(await openStorage(values.lake), 'generate') : DEMO_ORG_KEY;

    const truthStream = truthPath ? createWriteStream(truthPath, { highWaterMark: 1 << 20 }) : undefined;
    if (truthStream) {
      // Fail before generating anything when the truth file cannot be created.
      try {
        await once(truthStream, 'open');
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        throw new CliError(`generate: cannot write "${truthPath}": ${reason}`, 1, { cause: error });
      }
    }
    let first = true;
    let pending = '';
    const onRecord = truthStream
      ? async (record: TruthRecord) => {
          pending += `${first ? '{"records":[\n' : ',\n'}${JSON.stringify(record)}`;
          first = false;
          if (pending.length >= 1 << 16) {
            const ok = truthStream.write(pending);
            pending = '';
            if (!ok) await once(truthStream, 'drain');
          }
        }
      : undefined;
    let truth: Awaited<ReturnType<typeof generateWave>>;
    try {
      truth = await generateWave(
        { survey, wave, rows, seed, orgKey, keepRecords: false, onRecord, population: values.frame !== undefined },
        out,
      );
    } catch (error) {
      truthStream?.destroy();
      if (error instanceof GenerateError) throw new CliError(error.message, 2, { cause: error });
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new CliError(`generate: cannot write "${out}": ${reason}`, 1, { cause: error });
    }
    if (truthStream) {
      const { records: _records, ...summary } = truth;
      pending += `${first ? '{"records":[' : '\n],'}${first ? '],' : ''}${JSON.stringify(summary).slice(1)}\n`;
      truthStream.end(pending);
      await once(truthStream, 'close');
    }
    if (values.frame !== undefined && truth.population) {
      try {
        await writeFile(values.frame, frameCsv(truth.population.frame));
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        throw new CliError(`generate: cannot write "${values.frame}": ${reason}`, 1, { cause: error });
      }
    }
    const { expected } = truth;
    const frameNote = truth.population
      ? `; frame of ${truth.population.organisations} organisations in ${truth.population.frame.length} cells → ${values.frame}`
      : '';
    process.stdout.write(
      `generated ${expected.rows} rows (${expected.valid} valid, ${expected.rejected} to reject, ${expected.blank} blank), ${formatBytes(truth.bytes)} → ${out}${truthPath ? `; truth → ${truthPath}` : ''}${frameNote}\n`,
    );
    return 0;
  },
};
