import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { ingestWave } from '../../core/ingest/ingest.ts';
import { LOCAL_DEFAULT_ORG_KEY } from '../../core/ingest/org-id.ts';
import { CliError, type Command, SURVEY_IDS } from '../command.ts';
import { openStorage, parseWaveFileArgs } from '../lake.ts';
import { formatBytes, ProgressBar } from '../progress.ts';
import { paint } from '../style.ts';
import { printSummary } from './report.ts';

/** `survey ingest <file.csv> --survey <id> --wave <year> [--lake <dir>]` */
export const command: Command = {
  help: {
    usage: ['ingest <file.csv> --survey <id> --wave <year>'],
    description:
      'Validates every row of one wave and writes the curated wave, report.json and rejected.csv into the lake, then prints the counts. Exits 0 even when rows were rejected; a byte-identical file changes nothing.',
    options: [
      ['--survey <id>', `the survey: ${SURVEY_IDS}`],
      ['--wave <year>', 'the wave: its year, e.g. 2023'],
    ],
    examples: ['ingest wave.csv --survey uk-se --wave 2023'],
  },
  async run(args) {
    const { file, size, survey, wave, lake } = await parseWaveFileArgs(
      'ingest',
      args,
      'survey ingest <file.csv> --survey <id> --wave <year>',
    );
    const orgKey = process.env.SURVEY_ORG_KEY;
    if (orgKey !== undefined && orgKey.trim() === '') {
      throw new CliError('ingest: SURVEY_ORG_KEY is set but empty; set it to the secret key of org_id, or unset it');
    }
    if (!orgKey) {
      process.stderr.write(
        `${paint(process.stderr, 'yellow', 'survey: warning:')} SURVEY_ORG_KEY is not set; org_id uses the local default key, which is not for production\n`,
      );
    }
    const storage = await openStorage(lake);
    const bar = new ProgressBar(size);
    let bytesRead = 0;
    const result = await ingestWave({
      storage,
      input: createReadStream(file),
      survey: survey.id,
      wave,
      sourceFile: basename(file),
      orgKey: orgKey ?? LOCAL_DEFAULT_ORG_KEY,
      onProgress: ({ bytes, rows }) => {
        if (bytes >= 0) bytesRead = bytes;
        bar.update(bytesRead, rows);
      },
    }).finally(() => bar.done());
    if (result.unchanged) {
      process.stdout.write(
        `unchanged: ${basename(file)} is byte-identical to the live ${survey.id} wave ${wave} (committed ${result.pointer.committedAt}); nothing was written\n`,
      );
      return 0;
    }
    process.stdout.write(`ingested ${basename(file)} (${formatBytes(size)}) as ${survey.id} wave ${wave}\n`);
    printSummary(result.report);
    process.stdout.write(
      `\n  curated   ${storage.location}/${result.pointer.files[0]}\n  report    ${storage.location}/${result.reportKey}\n  rejected  ${storage.location}/${result.rejectedKey}\n`,
    );
    return 0;
  },
};
