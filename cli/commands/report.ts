import { writeFile } from 'node:fs/promises';
import { latestAttempt } from '../../core/ingest/attempts.ts';
import { readWavePointer, type WavePointer } from '../../core/lake.ts';
import { readRejectedSample, renderReportPage } from '../../core/pages/index.ts';
import { NotFoundError, type Storage } from '../../core/storage/index.ts';
import { getSurvey, type Report } from '../../schemas/index.ts';
import { CliError, type Command, parseCommandArgs, requireOption, SURVEY_IDS } from '../command.ts';
import { openStorage, parseWave } from '../lake.ts';

const pad = (value: number | string, width: number) => String(value).padStart(width);

/** Prints the counts of a report: the identity rows = valid + rejected + blank, then problems by type and field. */
export function printSummary(report: Report): void {
  const s = report.stats;
  const out = process.stdout;
  out.write(
    `  rows      ${pad(s.rows, 9)}  = valid ${s.valid} + rejected ${s.rejected} + blank ${s.blank}\n` +
      `  errors    ${pad(s.errors, 9)}\n  warnings  ${pad(s.warnings, 9)}\n  seconds   ${pad(s.seconds.toFixed(2), 9)}\n`,
  );
  const byKind = new Map<string, number>();
  for (const issue of report.errors) {
    const kind = `${issue.type}${issue.fieldName ? ` ${issue.fieldName}` : ''}`;
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  }
  if (byKind.size) {
    out.write(
      `  rejected by error${report.errors.length < s.errors ? ` (first ${report.errors.length} errors)` : ''}:\n`,
    );
    for (const [kind, count] of [...byKind].sort((a, b) => b[1] - a[1])) out.write(`    ${pad(count, 7)}  ${kind}\n`);
  }
}

/** Writes the report as one self-contained page, with the first rows of its rejected.csv when there is one. */
async function writeReportPage(storage: Storage, report: Report, pointer: WavePointer, file: string): Promise<void> {
  const rejectedKey = pointer.rejected;
  const rejectedSample = await storage.get(rejectedKey).then(
    (stream) => readRejectedSample(stream, { hide: report.header.dropped }),
    (error: unknown) => {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    },
  );
  const page = await renderReportPage(report, {
    ...(rejectedSample ? { rejectedSample } : {}),
    rejectedLocation: `${storage.location}/${rejectedKey}`,
  });
  await writeFile(file, page).catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`report: cannot write "${file}": ${error.code ?? error.message}`, 1, { cause: error });
  });
  process.stdout.write(`report: ${report.survey} wave ${report.wave} → ${file}\n`);
}

/** `survey report --survey <id> --wave <year> [--json | --html <file.html>] [--lake <dir>]` */
export const command: Command = {
  help: {
    usage: ['report --survey <id> --wave <year> [--json]', 'report --survey <id> --wave <year> --html <file.html>'],
    description:
      'The validation report of the last ingest of a wave: the counts (rows = valid + rejected + blank), the problems by type and field, the header matching and the first rejected rows.',
    options: [
      ['--survey <id>', `the survey: ${SURVEY_IDS}`],
      ['--wave <year>', 'the wave: its year, e.g. 2023'],
      ['--json', 'print report.json as it is stored'],
      ['--html <file.html>', 'write the report as one self-contained page, with a chart of errors by field and type'],
    ],
    examples: ['report --survey uk-se --wave 2023', 'report --survey uk-se --wave 2023 --html report.html'],
  },
  async run(args) {
    const { values } = parseCommandArgs(
      args,
      {
        survey: { type: 'string' },
        wave: { type: 'string' },
        json: { type: 'boolean' },
        html: { type: 'string' },
        lake: { type: 'string' },
      },
      false,
    );
    if (values.json && values.html) throw new CliError('report: --json and --html write different things; give one');
    const survey = getSurvey(requireOption(values, 'survey'));
    const wave = parseWave(requireOption(values, 'wave'));
    const storage = await openStorage(values.lake);
    // The report of the live version, read through its pointer: it describes the data that queries see.
    const pointer = await readWavePointer(storage, survey.id, wave);
    const latest = await latestAttempt(storage, survey.id, wave);
    const text = pointer === undefined ? undefined : await storage.getText(pointer.report);
    if (pointer === undefined || text === undefined) {
      const why =
        latest && latest.outcome !== 'committed' && latest.outcome !== 'unchanged'
          ? `its last ingest attempt (${latest.file}, ${latest.startedAt}) was ${latest.outcome}: ${latest.reason}`
          : 'run survey ingest first';
      throw new CliError(`report: no report for ${survey.id} wave ${wave} in ${storage.location}; ${why}`, 1);
    }
    // A later attempt that did not change the live wave is worth knowing about.
    if (
      latest &&
      (latest.outcome === 'refused' || latest.outcome === 'failed') &&
      latest.startedAt > pointer.committedAt
    ) {
      process.stderr.write(
        `survey: report: note: the latest attempt (${latest.file}, ${latest.startedAt}) was ${latest.outcome}: ${latest.reason}; this report is of the live wave (survey status)\n`,
      );
    }
    if (values.json) {
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      return 0;
    }
    const report = JSON.parse(text) as Report;
    if (values.html) {
      await writeReportPage(storage, report, pointer, values.html);
      return 0;
    }
    const out = process.stdout;
    out.write(
      `${report.survey} wave ${report.wave}: ${report.valid ? 'valid' : 'rows rejected'}\n` +
        `  source    ${report.source.file} (${report.source.bytes} bytes, ${report.source.encoding}, delimiter ${JSON.stringify(report.source.delimiter)})\n` +
        `  sha256    ${report.source.sha256}\n`,
    );
    printSummary(report);
    const matched = Object.entries(report.header.matched);
    out.write(
      `  columns   ${matched.length} matched, ${report.header.unknown.length} unknown, ${report.header.dropped.length} dropped (identity and contact)\n`,
    );
    if (report.header.unknown.length)
      out.write(`  unknown   ${report.header.unknown.map((h) => JSON.stringify(h)).join(', ')}\n`);
    const show = (title: string, issues: Report['errors']) => {
      if (!issues.length) return;
      out.write(`\n${title}:\n`);
      for (const issue of issues.slice(0, 20)) {
        out.write(`  row ${pad(issue.rowNumber ?? '-', 6)}  ${issue.type.padEnd(16)} ${issue.message}\n`);
      }
      if (issues.length > 20) out.write(`  ... ${issues.length - 20} more in report.json (survey report --json)\n`);
    };
    show('errors', report.errors);
    show('warnings', report.warnings);
    out.write(`\nrejected rows to fix: ${storage.location}/${pointer.rejected}\n`);
    return 0;
  },
};
