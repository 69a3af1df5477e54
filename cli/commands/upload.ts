import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { rawKey } from '../../core/lake.ts';
import { CliError, type Command, SURVEY_IDS } from '../command.ts';
import { openStorage, parseWaveFileArgs } from '../lake.ts';
import { formatBytes, ProgressBar } from '../progress.ts';

/** `survey upload <file.csv> --survey <id> --wave <year> --lake s3://bucket/prefix` — multipart, with progress. */
export const command: Command = {
  help: {
    usage: ['upload <file.csv> --survey <id> --wave <year> --lake s3://bucket/prefix'],
    description:
      'Uploads a wave to the raw bucket of the cloud lake (multipart, with progress on a terminal); the ingest function validates it there.',
    options: [
      ['--survey <id>', `the survey: ${SURVEY_IDS}`],
      ['--wave <year>', 'the wave: its year, e.g. 2023'],
    ],
    examples: ['upload wave.csv --survey uk-se --wave 2023 --lake s3://my-raw-bucket'],
  },
  async run(args) {
    const { file, size, survey, wave, lake } = await parseWaveFileArgs(
      'upload',
      args,
      'survey upload <file.csv> --survey <id> --wave <year> --lake s3://bucket/prefix',
    );
    if (!lake) throw new CliError('missing --lake (the raw bucket: --lake s3://bucket/prefix)');
    if (size === 0) throw new CliError(`upload: "${file}" is empty`, 1);
    const storage = await openStorage(lake);
    const key = rawKey(survey.id, wave, basename(file));
    const bar = new ProgressBar(size);
    await storage
      .put(key, createReadStream(file, { highWaterMark: 1 << 20 }), {
        contentType: 'text/csv',
        onProgress: (bytes) => bar.update(bytes, 0),
      })
      .finally(() => bar.done());
    process.stdout.write(`uploaded ${basename(file)} (${formatBytes(size)}) to ${storage.location}/${key}\n`);
    if (storage.localPath(key) === undefined) {
      process.stdout.write('the ingest function validates it; its report appears under reports/ in a few seconds\n');
    }
    return 0;
  },
};
