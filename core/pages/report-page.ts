// The validation report of one ingest as a page, in the spirit of Great Expectations' Data Docs: the verdict and
// counts first, then what to fix, a chart of errors by field and type, the header matching and the first
// rejected rows with their reasons.
import { getSurvey, type Issue, type Report } from '../../schemas/index.ts';
import { formatValue } from '../labels/index.ts';
import { chartFigure } from './charts.ts';
import { type Html, type HtmlValue, html } from './html.ts';
import { renderPage } from './page.ts';
import type { RejectedSample } from './rejected-sample.ts';
import { type PageCell, renderTable } from './tables.ts';

/** Options of {@link renderReportPage}. */
export interface ReportPageOptions {
  /** The first rows of rejected.csv (readRejectedSample); without it the rows are listed from the report. */
  readonly rejectedSample?: RejectedSample;
  /** How a reader gets rejected.csv: a path or URL shown as text. */
  readonly rejectedLocation?: string;
  /** Rows listed under "first rejected rows". @default 20 */
  readonly rows?: number;
}

/** What to do about each kind of problem (Frictionless error names), in plain words. */
const ADVICE: Readonly<Record<string, string>> = {
  'type-error': 'Use an answer the codebook lists for this field, or leave the cell blank when it is not known.',
  'constraint-error': 'Correct the value to meet the field’s rule (the message in the table below gives it).',
  'missing-cell': 'Fill in the required answer, or remove the row if it is not a real response.',
  'extra-cell': 'The row has more cells than the header: look for an unquoted delimiter or a stray quote in it.',
  'duplicate-row':
    'Nothing to fix unless the kept submission is the wrong one: an organisation that submitted twice keeps its latest answer.',
  'encoding-error': 'Save the file again as UTF-8 (or Windows-1252) and ingest it again.',
  'missing-label': 'Add the missing column to the file, with one of the headers the survey definition lists.',
  'duplicate-label': 'Rename or remove one of the two columns that map to the same field.',
  'unknown-value': 'Use one of the answers the codebook lists for this field.',
};

/** Advice for a row-level problem, which has no field: the row's cells do not line up with the header. */
const ROW_ADVICE: Readonly<Record<string, string>> = {
  'missing-cell':
    'The row has fewer cells than the header: look for a line break inside an unquoted cell, or a lost delimiter.',
};

/** Said of problems that are not about one field. */
const WHOLE_ROW = '(whole row)';

const count = (n: number) => formatValue({ kind: 'organisations' }, n);

function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** Problems grouped by type and field, most frequent first: the "what to fix" list and the chart's data. */
function groupIssues(issues: readonly Issue[]): { type: string; field: string; issues: Issue[] }[] {
  const groups = new Map<string, { type: string; field: string; issues: Issue[] }>();
  for (const issue of issues) {
    const field = issue.fieldName ?? WHOLE_ROW;
    const key = `${issue.type}\u0000${field}`;
    const group = groups.get(key) ?? { type: issue.type, field, issues: [] };
    group.issues.push(issue);
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => b.issues.length - a.issues.length || a.field.localeCompare(b.field));
}

/** The file's header for a canonical field, as the report matched it: "sector" → "Primary sector of activity". */
function headerOf(report: Report, field: string): string | undefined {
  return Object.entries(report.header.matched).find(([, f]) => f === field)?.[0];
}

function fieldName(report: Report, field: string): HtmlValue {
  const header = headerOf(report, field);
  return header ? html`<code>${field}</code> (column “${header.trim()}”)` : html`<code>${field}</code>`;
}

/** A list of row numbers, cut short: "rows 28, 75, 96 and 75 more". */
function rowList(rows: readonly number[]): string {
  if (rows.length === 0) return '';
  const shown = rows.slice(0, 6).join(', ');
  return rows.length > 6
    ? `rows ${shown} and ${count(rows.length - 6)} more`
    : `row${rows.length > 1 ? 's' : ''} ${shown}`;
}

/** What to fix, one item per kind of problem and field: actionable ones first, duplicates (nothing to do) last. */
function fixes(report: Report): Html {
  const groups = groupIssues(report.errors).sort(
    (a, b) => Number(a.type === 'duplicate-row') - Number(b.type === 'duplicate-row'),
  );
  if (groups.length === 0) return html`<p>Nothing: no row was rejected.</p>`;
  const items = groups.map((group) => {
    const rows = group.issues.map((i) => i.rowNumber).filter((n): n is number => n !== null);
    const cells = group.type === 'duplicate-row' ? [] : group.issues.map((i) => i.cell).filter((c) => c !== undefined);
    const examples = [...new Set(cells)]
      .slice(0, 3)
      .map((cell, i) => html`${i > 0 ? ', ' : ''}${cell === '' ? 'blank' : html`“<code>${cell}</code>”`}`);
    const where = group.field === WHOLE_ROW ? 'whole rows' : fieldName(report, group.field);
    const advice = (group.field === WHOLE_ROW ? ROW_ADVICE[group.type] : undefined) ?? ADVICE[group.type];
    return html`<li data-type="${group.type}" data-field="${group.field}"><strong>${where}: ${plural(group.issues.length, 'error')} of type <code>${group.type}</code></strong> (${rowList(rows)}${examples.length > 0 ? html`; ${examples}` : ''}).
${advice ?? group.issues[0]?.message}</li>
`;
  });
  return html`<ol class="fixes">
${items}</ol>`;
}

async function errorChart(report: Report): Promise<HtmlValue> {
  const groups = groupIssues(report.errors);
  if (groups.length === 0) return '';
  // Fields with the most errors first.
  const totals = new Map<string, number>();
  for (const g of groups) totals.set(g.field, (totals.get(g.field) ?? 0) + g.issues.length);
  groups.sort((a, b) => totals.get(b.field)! - totals.get(a.field)! || a.field.localeCompare(b.field));
  const data = groups.map((g) => ({
    category: g.field,
    series: g.type,
    value: g.issues.length,
    text: `${g.field}, ${g.type}: ${plural(g.issues.length, 'error')}`,
  }));
  const fields = new Set(groups.map((g) => g.field)).size;
  return chartFigure(
    {
      title: 'Errors by field and type',
      description: `Stacked bar chart of ${plural(report.errors.length, 'error')} over ${plural(fields, 'field')}, coloured by the type of error. The table below gives the same counts.`,
      data,
      valueTitle: 'Errors',
      unit: { kind: 'organisations' },
      orientation: 'horizontal',
      seriesTitle: 'Type of error',
      stacked: true,
    },
    { id: 'errors-chart', tableId: 'errors-table' },
  );
}

function errorTable(issues: readonly Issue[], id: string, caption: string): Html {
  return renderTable({
    id,
    caption,
    headings: [{ text: 'Field' }, { text: 'Type' }, { text: 'Count', numeric: true }, { text: 'First message' }],
    rows: groupIssues(issues).map((g) => ({
      cells: <PageCell[]>[
        { content: g.field, data: { field: g.field } },
        { content: html`<code>${g.type}</code>` },
        { content: count(g.issues.length), numeric: true, data: { value: g.issues.length } },
        { content: g.issues[0]?.message ?? '' },
      ],
    })),
  });
}

function headerTable(report: Report): Html {
  const dropped = new Set(report.header.dropped);
  const rows = [
    ...Object.entries(report.header.matched).map(([header, field]) => ({
      cells: [
        { content: html`<code>${header}</code>` },
        { content: html`<code>${field}</code>` },
        { content: dropped.has(header) ? 'dropped on read: identity or contact, never stored' : 'kept' },
      ],
    })),
    ...report.header.unknown.map((header) => ({
      cells: [
        { content: html`<code>${header}</code>` },
        { content: '—' },
        { content: 'not in the survey definition: ignored' },
      ],
    })),
  ];
  return renderTable({
    id: 'header-table',
    caption: 'Each column of the file and the field it was matched to',
    headings: [{ text: 'Column in the file' }, { text: 'Field' }, { text: 'What happened' }],
    rows,
  });
}

function rejectedRows(report: Report, options: ReportPageOptions): Html {
  const limit = options.rows ?? 20;
  const sample = options.rejectedSample;
  if (sample && sample.rows.length > 0) {
    const shown = sample.rows.slice(0, limit);
    return html`${renderTable({
      id: 'rejected-table',
      caption: `The first ${plural(shown.length, 'rejected row')} of rejected.csv, with the reasons`,
      headings: [
        { text: 'Row', numeric: true },
        { text: 'Reasons' },
        ...sample.columns.map((c) => ({ text: c.trim() })),
      ],
      rows: shown.map((r) => ({
        cells: [
          { content: String(r.row), numeric: true, data: { row: r.row } },
          { content: r.errors.replace(/^ingest: /, '').replace(/ \| ingest: /g, ' | ') },
          ...r.cells.map((cell) => ({ content: cell })),
        ],
      })),
    })}
<p class="note">Identity and contact columns (${report.header.dropped.map((h, i) => html`${i > 0 ? ', ' : ''}“${h.trim()}”`)}) are left out of this page; find a row by its number in the source file.</p>`;
  }
  const byRow = new Map<number, Issue[]>();
  for (const issue of report.errors) {
    if (issue.rowNumber === null) continue;
    byRow.set(issue.rowNumber, [...(byRow.get(issue.rowNumber) ?? []), issue]);
  }
  if (byRow.size === 0) return html`<p>No row was rejected.</p>`;
  const rows = [...byRow].sort((a, b) => a[0] - b[0]).slice(0, limit);
  return renderTable({
    id: 'rejected-table',
    caption: `The first ${plural(rows.length, 'rejected row')}, with the reasons`,
    headings: [{ text: 'Row', numeric: true }, { text: 'Reasons' }],
    rows: rows.map(([row, issues]) => ({
      cells: [
        { content: String(row), numeric: true, data: { row } },
        { content: issues.map((i) => i.message.replace(/^ingest: /, '')).join(' | ') },
      ],
    })),
  });
}

/**
 * The validation report as one self-contained page (inline CSS and SVG, no script, nothing fetched), readable from
 * a file or a presigned URL. Pure: everything comes from the arguments.
 */
export async function renderReportPage(report: Report, options: ReportPageOptions = {}): Promise<string> {
  const s = report.stats;
  let title = report.survey;
  try {
    title = getSurvey(report.survey).title;
  } catch {
    // A report of a survey this build does not define still renders, under its id.
  }
  const verdict =
    s.rejected === 0
      ? html`<span class="verdict ok">every row passed</span>`
      : html`<span class="verdict rejected">${plural(s.rejected, 'row')} rejected</span>`;
  const capped = report.capped
    ? html`<p class="note">The report lists the first ${count(report.errors.length)} errors and ${count(report.warnings.length)} warnings; the counts above are complete.</p>`
    : '';
  const main = html`<section aria-labelledby="counts-heading">
<h2 id="counts-heading">The counts</h2>
<ul class="headlines">
<li data-count="rows"><span class="figure">${count(s.rows)}</span> <span class="what">rows in the file</span></li>
<li data-count="valid"><span class="figure">${count(s.valid)}</span> <span class="what">valid, kept in the wave</span></li>
<li data-count="rejected"><span class="figure">${count(s.rejected)}</span> <span class="what">rejected, written to rejected.csv</span></li>
<li data-count="blank"><span class="figure">${count(s.blank)}</span> <span class="what">blank, skipped</span></li>
</ul>
<p>Rows = valid + rejected + blank. ${plural(s.errors, 'error')} rejected their rows; ${plural(s.warnings, 'warning')} left their row in with the value set to blank.</p>
${capped}
<dl class="facts">
<dt>File</dt><dd><code>${report.source.file}</code>, ${count(report.source.bytes)} bytes</dd>
<dt>Read as</dt><dd>${report.source.encoding}, delimiter <code>${JSON.stringify(report.source.delimiter)}</code></dd>
<dt>SHA-256</dt><dd class="mono">${report.source.sha256}</dd>
${report.ingestedAt ? html`<dt>Ingested</dt><dd>${report.ingestedAt}</dd>` : ''}
<dt>Took</dt><dd>${s.seconds.toFixed(2)} s</dd>
</dl>
</section>
<section aria-labelledby="fix-heading">
<h2 id="fix-heading">What to fix</h2>
${options.rejectedLocation ? html`<p>The rejected rows, with their original cells and reasons, are in <code>${options.rejectedLocation}</code>. Correct them in the source file and ingest the whole file again: a wave is replaced as a whole.</p>` : ''}
${fixes(report)}
</section>
<section aria-labelledby="errors-heading">
<h2 id="errors-heading">Errors by field and type</h2>
${await errorChart(report)}
${report.errors.length > 0 ? errorTable(report.errors, 'errors-table', 'Errors by field and type') : html`<p>No errors.</p>`}
${report.warnings.length > 0 ? html`<h3>Warnings (the row was kept, the value set to blank)</h3>${errorTable(report.warnings, 'warnings-table', 'Warnings by field and type')}` : ''}
</section>
<section aria-labelledby="header-heading">
<h2 id="header-heading">Header matching</h2>
<p>${plural(Object.keys(report.header.matched).length, 'column')} matched, ${plural(report.header.unknown.length, 'unknown column')}, ${plural(report.header.dropped.length, 'column')} dropped on read.</p>
${headerTable(report)}
</section>
<section aria-labelledby="rows-heading">
<h2 id="rows-heading">The first rejected rows</h2>
${rejectedRows(report, options)}
</section>`;
  return renderPage({
    title: `Validation report: ${report.survey} wave ${report.wave}`,
    heading: html`Validation report: ${report.survey} wave ${report.wave}`,
    subheading: html`${title} · ${verdict}`,
    main,
    footer: html`Made by <code>survey report --survey ${report.survey} --wave ${report.wave} --html</code> from report.json.`,
  });
}
