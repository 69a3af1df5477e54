import { type Attempt, readStatus } from '../../core/ingest/attempts.ts';
import { getSurvey } from '../../schemas/index.ts';
import { type Command, parseCommandArgs, SURVEY_IDS } from '../command.ts';
import { openStorage } from '../lake.ts';

/** `survey status [--survey <id>] [--json]`: every ingest attempt, newest first. */
export const command: Command = {
  help: {
    usage: ['status [--survey <id>] [--json]'],
    description:
      'Every ingest attempt, newest first: when, the survey and wave, the file and its SHA-256, the outcome (committed, unchanged, refused, failed), the counts, and why a file was refused or an attempt failed; then the attempts under way.',
    options: [
      ['--survey <id>', `only this survey's attempts: ${SURVEY_IDS}`],
      ['--json', 'the attempts as a JSON array'],
    ],
    examples: ['status', 'status --survey uk-se --json'],
  },
  async run(args) {
    const { values } = parseCommandArgs(
      args,
      { survey: { type: 'string' }, json: { type: 'boolean' }, lake: { type: 'string' } },
      false,
    );
    const survey = values.survey === undefined ? undefined : getSurvey(values.survey).id;
    const storage = await openStorage(values.lake);
    const { attempts, running: underWay } = await readStatus(storage, survey);
    if (values.json) {
      process.stdout.write(`${JSON.stringify(attempts, null, 2)}\n`);
      return 0;
    }
    const running = underWay.map(
      (marker) =>
        `under way: ${marker.survey} wave ${marker.wave}, ${marker.file}, ${marker.by} since ${marker.startedAt} (one killed stays here until the wave's next ingest records it)`,
    );
    if (attempts.length === 0) {
      const none = `no ingest attempts in ${storage.location}${survey ? ` for ${survey}` : ''}`;
      process.stdout.write(`${[none, ...running].join('\n')}\n`);
      return 0;
    }
    const rows = attempts.map(row);
    const header = ['when', 'survey', 'wave', 'outcome', 'rows', 'valid', 'rejected', 'blank', 'sha256', 'file'];
    const widths = header.map((name, i) => Math.max(name.length, ...rows.map((cells) => cells[i]?.length ?? 0)));
    const line = (cells: readonly string[]) =>
      cells
        .map((cell, i) => (i >= 4 && i <= 7 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd();
    const out = [line(header), line(widths.map((width) => '-'.repeat(width)))];
    attempts.forEach((attempt, i) => {
      out.push(line(rows[i]!));
      if (attempt.reason) out.push(`    ${attempt.outcome === 'unchanged' ? '' : 'why: '}${attempt.reason}`);
    });
    process.stdout.write(`${[...out, ...running].join('\n')}\n`);
    return 0;
  },
};

/** One attempt's cells in the table. */
function row(attempt: Attempt): string[] {
  const counts = attempt.counts;
  return [
    attempt.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    attempt.survey,
    String(attempt.wave),
    attempt.outcome,
    counts ? String(counts.rows) : '',
    counts ? String(counts.valid) : '',
    counts ? String(counts.rejected) : '',
    counts ? String(counts.blank) : '',
    attempt.sha256?.slice(0, 12) ?? '',
    attempt.file,
  ];
}
