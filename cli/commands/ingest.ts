import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { type IngestOutcome, ingestWave } from '../../core/ingest/ingest.ts';
import { CliError, type Command, SURVEY_IDS } from '../command.ts';
import { openLocks, openStorage, parseWaveFileArgs, resolveOrgKey } from '../lake.ts';
import { formatBytes, ProgressBar } from '../progress.ts';
import { printSummary } from './report.ts';

/** `survey ingest <file.csv> --survey <id> --wave <year> [--lake <dir>]` */
export const command: Command = {
  help: {
    usage: ['ingest <file.csv> --survey <id> --wave <year>'],
    description:
      "Validates every row of one wave and writes the curated wave, report.json and rejected.csv into the lake as one commit, then prints the counts. Exits 0 even when rows were rejected; a byte-identical file changes nothing; a file refused as a whole (exit 1) leaves a report saying why and the live wave as it was. Ctrl-C stops it, the live wave as it was. The org_id key is SURVEY_ORG_KEY, or a key of the local lake's own.",
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
    const storage = await openStorage(lake);
    const orgKey = await resolveOrgKey(storage, 'ingest');
    const locks = await openLocks(storage, 'ingest');
    // Ctrl-C or a TERM stops the work; the live wave stays as it was (a second Ctrl-C does not wait).
    const stop = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      if (stop.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
      stop.abort(new IngestStopped(signal));
    };
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
    const bar = new ProgressBar(size);
    let outcome: IngestOutcome;
    try {
      outcome = await ingestWave({
        storage,
        locks,
        input: createReadStream(file),
        survey: survey.id,
        wave,
        sourceFile: basename(file),
        sourceBytes: size,
        orgKey,
        signal: stop.signal,
        onProgress: ({ bytes, rows }) => bar.update(bytes, rows),
      });
    } catch (error) {
      if (stop.signal.aborted) {
        const signal = (stop.signal.reason as IngestStopped).signal;
        process.stderr.write(`survey: ingest: stopped by ${signal}; the live ${survey.id} wave ${wave} is as it was\n`);
        return signal === 'SIGINT' ? 130 : 143;
      }
      throw error;
    } finally {
      bar.done();
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    }
    if (outcome.outcome === 'refused') {
      throw new CliError(
        `${outcome.refusal?.reason}; the live wave is unchanged (report: ${storage.location}/${outcome.refusal?.report})`,
        1,
      );
    }
    const { pointer, report } = outcome;
    if (outcome.outcome === 'unchanged') {
      process.stdout.write(
        `unchanged: ${basename(file)} is byte-identical to the live ${survey.id} wave ${wave} (committed ${pointer?.committedAt}); nothing was written\n`,
      );
      for (const done of outcome.completed)
        process.stdout.write(`  completed what an earlier ingest left undone: ${done}\n`);
      return 0;
    }
    process.stdout.write(`ingested ${basename(file)} (${formatBytes(size)}) as ${survey.id} wave ${wave}\n`);
    if (report) printSummary(report);
    process.stdout.write(
      `\n  curated   ${storage.location}/${pointer?.files[0]}\n  report    ${storage.location}/${pointer?.report}\n  rejected  ${storage.location}/${pointer?.rejected}\n`,
    );
    return 0;
  },
};

/** The reason an ingest was stopped: a signal. */
class IngestStopped extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`ingest: stopped by ${signal}`);
    this.name = 'IngestStopped';
  }
}
