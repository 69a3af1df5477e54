import { reportsPrefix } from '../../core/lake.ts';
import { getSurvey, type Report } from '../../schemas/index.ts';
import { CliError, type Command, parseCommandArgs, requireOption } from '../command.ts';
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

/** `survey report --survey <id> --wave <year> [--json] [--lake <dir>]` */
export const command: Command = {
  async run(args) {
    const { values } = parseCommandArgs(
      args,
      { survey: { type: 'string' }, wave: { type: 'string' }, json: { type: 'boolean' }, lake: { type: 'string' } },
      false,
    );
    const survey = getSurvey(requireOption(values, 'survey'));
    const wave = parseWave(requireOption(values, 'wave'));
    const storage = await openStorage(values.lake);
    const text = await storage.getText(`${reportsPrefix(survey.id, wave)}report.json`);
    if (text === undefined) {
      throw new CliError(
        `report: no report for ${survey.id} wave ${wave} in ${storage.location}; run survey ingest first`,
        1,
      );
    }
    if (values.json) {
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      return 0;
    }
    const report = JSON.parse(text) as Report;
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
    out.write(`\nrejected rows to fix: ${storage.location}/${reportsPrefix(survey.id, wave)}rejected.csv\n`);
    return 0;
  },
};
