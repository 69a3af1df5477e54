import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { rawKey } from '../../core/lake.ts';
import { checkWave, getSurvey } from '../../schemas/index.ts';
import { CliError, type Command, parseCommandArgs, requireOption } from '../command.ts';
import { openStorage, parseWave } from '../lake.ts';
import { formatBytes, ProgressBar } from '../progress.ts';

/** `survey upload <file.csv> --survey <id> --wave <year> --lake s3://bucket/prefix` — multipart, with progress. */
export const command: Command = {
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, {
      survey: { type: 'string' },
      wave: { type: 'string' },
      lake: { type: 'string' },
    });
    const [file, ...more] = positionals;
    if (!file || more.length) {
      throw new CliError('usage: survey upload <file.csv> --survey <id> --wave <year> --lake s3://bucket/prefix');
    }
    const survey = getSurvey(requireOption(values, 'survey'));
    const wave = parseWave(requireOption(values, 'wave'));
    checkWave(survey, wave);
    const lake = requireOption(values, 'lake');
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch (error) {
      throw new CliError(`upload: cannot read "${file}": ${(error as NodeJS.ErrnoException).code ?? error}`, 1, {
        cause: error,
      });
    }
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
