// A statistical bulletin of one wave, as an HTML page: headline figures, then one section per saved query with a
// chart in plain words and its table. Every number on the page comes from a table that went through the export's
// own disclosure control (prepareRelease, recorded in the release ledger when published): suppressed cells read
// [c] and their bars are left out.
import { getSurvey, type SurveyDefinition, UnknownSurveyError } from '../../schemas/index.ts';
import type { DisclosureSettings } from '../disclosure/index.ts';
import type { QueryEngine } from '../engine/query-engine.ts';
import {
  disclosureNotes,
  type ExportDocument,
  prepareRelease,
  releaseTable,
  type WrittenCell,
} from '../export/index.ts';
import { type ColumnLabel, columnLabels, formatValue, valueLabel } from '../labels/index.ts';
import type { LakeLocks } from '../lock/lake-locks.ts';
import { getSavedQuery, type KnownWave, QUERIES_DIR, QueryError } from '../queries/index.ts';
import type { Storage } from '../storage/storage.ts';
import { BULLETIN_SECTIONS, type BulletinSectionSpec, type SectionContext } from './bulletin-sections.ts';
import { type BarChart, type ChartDatum, chartFigure } from './charts.ts';
import { type Html, type HtmlValue, html } from './html.ts';
import { renderPage } from './page.ts';
import { MARK_MEANINGS, markCell, type PageCell, renderTable } from './tables.ts';

/** One section, its table protected: what the page is rendered from. */
export interface BulletinSection {
  readonly spec: BulletinSectionSpec;
  readonly title: string;
  /** The protected table, exactly as an export of the same query and parameters would write it. */
  readonly document: ExportDocument;
  /** The document's columns, presented. */
  readonly columns: readonly ColumnLabel[];
}

/** Everything the bulletin page shows. */
export interface Bulletin {
  readonly survey: SurveyDefinition;
  readonly wave: number;
  readonly createdAt: string;
  readonly rules: { readonly threshold: number; readonly p: number };
  readonly sections: readonly BulletinSection[];
}

/** What to build a bulletin of, and the disclosure rules' settings (those of `survey export`). */
export interface BulletinOptions {
  readonly engine: QueryEngine;
  /** The lake: the waves' versions, and the release ledger every published table is recorded in. */
  readonly lake: Storage;
  readonly survey: string;
  readonly wave: number;
  /** The deployment's settings. @default threshold 5, p 10 */
  readonly deployment?: DisclosureSettings;
  /** A stricter threshold than the deployment's, if asked for (never a laxer one). */
  readonly threshold?: number;
  /** A stricter p than the deployment's, if asked for (never a laxer one). */
  readonly p?: number;
  /**
   * Where the bulletin is published: each of its tables is recorded in the release ledger as released there.
   * Without it nothing is recorded (a preview that is not published).
   */
  readonly file?: string;
  /** @default now */
  readonly now?: Date;
  /** Waves in the lake; default: the engine's own list when it has one. */
  readonly waves?: readonly KnownWave[];
  /** @default the project's queries/ */
  readonly queriesDir?: string;
  /** @default BULLETIN_SECTIONS */
  readonly sections?: readonly BulletinSectionSpec[];
  /** The lake's locks, to record the tables under the survey's release lock. @default a local lake's lock files */
  readonly locks?: LakeLocks;
  /** Who publishes, for the message another release waiting on the lock gets. */
  readonly by?: string;
}

function hasWaveListing(engine: QueryEngine): engine is QueryEngine & { listWaves(): Promise<readonly KnownWave[]> } {
  return typeof (engine as { listWaves?: unknown }).listWaves === 'function';
}

/**
 * Runs every section's saved query through the export's disclosure control and collects the protected tables.
 * Throws what an export throws: a QueryError for an unknown survey or a wave never ingested, a DisclosureError
 * when a table cannot be protected.
 */
export async function buildBulletin(options: BulletinOptions): Promise<Bulletin> {
  let survey: SurveyDefinition;
  try {
    survey = getSurvey(options.survey);
  } catch (error) {
    // A request's mistake, like a survey parameter an export refuses.
    if (error instanceof UnknownSurveyError) throw new QueryError(error.message, { cause: error });
    throw error;
  }
  const now = options.now ?? new Date();
  const waves = options.waves ?? (hasWaveListing(options.engine) ? await options.engine.listWaves() : undefined);
  const ofSurvey = (waves ?? []).filter((w) => w.survey === survey.id).map((w) => w.wave);
  if (waves && !ofSurvey.includes(options.wave)) {
    throw new QueryError(
      `bulletin: wave ${options.wave} of survey ${survey.id} was never ingested; waves in the lake: ${ofSurvey.join(', ') || '(none)'}`,
    );
  }
  const earlier = (waves ?? []).filter((w) => w.survey === survey.id && w.wave < options.wave).map((w) => w.wave);
  const context: SectionContext = {
    survey,
    wave: options.wave,
    ...(earlier.length > 0 ? { previousWave: Math.max(...earlier) } : {}),
  };
  const queriesDir = options.queriesDir ?? QUERIES_DIR;
  const sections: BulletinSection[] = [];
  let rules = { threshold: options.deployment?.threshold ?? 5, p: options.deployment?.p ?? 10 };
  for (const spec of options.sections ?? BULLETIN_SECTIONS) {
    const params = spec.params(context);
    if (!params) continue;
    const release = {
      engine: options.engine,
      lake: options.lake,
      name: spec.query,
      params,
      ...(options.deployment ? { deployment: options.deployment } : {}),
      request: {
        ...(options.threshold !== undefined ? { threshold: options.threshold } : {}),
        ...(options.p !== undefined ? { p: options.p } : {}),
      },
      total: spec.total ?? true,
      now,
      ...(waves ? { waves } : {}),
      queriesDir,
      ...(options.locks ? { locks: options.locks } : {}),
      ...(options.by ? { by: options.by } : {}),
    };
    const prepared = options.file
      ? await releaseTable({ ...release, file: `${options.file}#${spec.query}` })
      : await prepareRelease(release);
    const query = getSavedQuery(spec.query, queriesDir);
    const labels = columnLabels(query.columns, survey);
    const columns = prepared.document.columns.map((c) => labels.find((l) => l.name === c.name)!);
    rules = prepared.document.rules;
    sections.push({ spec, title: spec.title(context), document: prepared.document, columns });
  }
  return { survey, wave: options.wave, createdAt: now.toISOString(), rules, sections };
}

/** The index of a document's Total row, or -1. */
function totalRowIndex(doc: ExportDocument): number {
  return doc.total ? doc.rows.length - 1 : -1;
}

/** A published number and its column, or the mark that stands in its place. */
function cellContent(
  column: ColumnLabel,
  cell: WrittenCell | undefined,
): { content: HtmlValue; data: PageCell['data'] } {
  if (!cell || cell.mark) return { content: markCell(cell?.mark ?? 'x'), data: { mark: cell?.mark ?? 'x' } };
  if (typeof cell.value === 'number') {
    return { content: formatValue(column.unit, cell.value), data: { value: cell.value } };
  }
  return { content: valueLabel(column, cell.value), data: { value: String(cell.value) } };
}

/** The row's label: the group columns' labels joined ("Health", "Public-sector spin-outs", "2023"). */
function rowLabel(section: BulletinSection, row: readonly WrittenCell[], index: number): string {
  if (index === totalRowIndex(section.document)) return 'Total';
  return section.columns
    .map((column, i) => (column.role === 'group' ? valueLabel(column, row[i]?.value ?? null) : ''))
    .filter((text) => text !== '')
    .join(', ');
}

function sectionTable(section: BulletinSection, id: string): Html {
  const doc = section.document;
  const total = totalRowIndex(doc);
  return renderTable({
    id,
    caption: html`${section.title}. <span class="muted">${doc.query.grain}; [c] confidential, [x] not available.</span>`,
    headings: section.columns.map((c) => ({ text: c.heading, numeric: c.role !== 'group' })),
    rows: doc.rows.map((row, r) => ({
      total: r === total,
      cells: section.columns.map((column, i): PageCell => {
        const cell = row[i];
        if (column.role === 'group') {
          if (r === total) return { content: i === 0 ? 'Total' : '', data: { code: 'total' } };
          return { content: valueLabel(column, cell?.value ?? null), data: { code: String(cell?.value ?? '') } };
        }
        return { ...cellContent(column, cell), numeric: true };
      }),
    })),
  });
}

/** The value axis' title when bars of several columns share it: what the unit counts. */
function sharedTitle(column: ColumnLabel): string {
  switch (column.unit?.kind) {
    case 'percent':
      return 'Share of organisations (%)';
    case 'organisations':
      return 'Organisations';
    default:
      return column.heading;
  }
}

/** What a bar or its absence says to a screen reader: "Health: 131" or "Other: [c] (confidential)". */
function barText(name: string, column: ColumnLabel, cell: WrittenCell | undefined): string {
  if (cell && !cell.mark && typeof cell.value === 'number') return `${name}: ${formatValue(column.unit, cell.value)}`;
  const mark = cell?.mark ?? 'x';
  return `${name}: [${mark}] (${MARK_MEANINGS[mark].split(':')[0]})`;
}

/** The chart of a section: one bar per published cell of its measures, the Total row left out. */
export function sectionChart(section: BulletinSection): BarChart {
  const { spec, document: doc } = section;
  const total = totalRowIndex(doc);
  const measures = spec.measures.map((name) => {
    const index = section.columns.findIndex((c) => c.name === name);
    if (index < 0) throw new Error(`bulletin: section ${spec.query} charts "${name}", which its table does not have`);
    return { index, column: section.columns[index]! };
  });
  const first = measures[0]!.column;
  const byMeasure = spec.categories === 'measures';
  const grouped = measures.length > 1;
  const data: ChartDatum[] = [];
  doc.rows.forEach((row, r) => {
    if (r === total) return;
    const label = rowLabel(section, row, r);
    for (const { index, column } of measures) {
      const cell = row[index];
      const published = cell !== undefined && !cell.mark && typeof cell.value === 'number';
      // Categories along the axis; a series (colour) only when bars are grouped.
      const category = byMeasure ? column.label : label;
      const series = byMeasure ? label : grouped ? column.label : undefined;
      data.push({
        category,
        ...(series === undefined ? {} : { series }),
        value: published ? (cell.value as number) : null,
        ...(published ? {} : { mark: cell?.mark ?? 'x' }),
        text: barText(series === undefined ? category : `${category}, ${series}`, column, cell),
      });
    }
  });
  const hidden = data.filter((d) => d.mark === 'c').length;
  const what = grouped ? measures.map((m) => m.column.label.toLowerCase()).join(', ') : first.label.toLowerCase();
  const by = byMeasure ? 'for each kind of organisation' : `by ${section.columns[0]?.label.toLowerCase()}`;
  const confidential =
    hidden === 0 ? '' : ` ${hidden} value${hidden > 1 ? 's are' : ' is'} confidential: no bar, [c] in its place.`;
  return {
    title: section.title,
    description: `Bar chart of ${what} ${by}.${confidential} The table below gives every value.`,
    data,
    valueTitle: grouped ? sharedTitle(first) : first.heading,
    ...(first.unit ? { unit: first.unit } : {}),
    orientation: spec.orientation ?? 'horizontal',
    ...(byMeasure ? { seriesTitle: section.columns[0]?.label } : {}),
  };
}

/** One headline figure: a published cell of a section's table, and what it counts. */
interface Headline {
  readonly figure: HtmlValue;
  readonly what: HtmlValue;
  /** Where the figure comes from, for readers that check the page: query, row label, column. */
  readonly source: string;
}

/** A published cell as a headline figure, or [c] where the cell is suppressed. */
function headlineFigure(column: ColumnLabel, cell: WrittenCell | undefined): { figure: HtmlValue; value?: number } {
  if (!cell || cell.mark || typeof cell.value !== 'number') return { figure: markCell(cell?.mark ?? 'x') };
  return { figure: formatValue(column.unit, cell.value, { compact: true }), value: cell.value };
}

/** The headline figures: the wave's row of wave_summary and the share of spin-outs, all published cells. */
function headlines(bulletin: Bulletin): Headline[] {
  const out: Headline[] = [];
  const find = (query: string) => bulletin.sections.find((s) => s.spec.query === query);
  const column = (section: BulletinSection, name: string) => section.columns.findIndex((c) => c.name === name);
  const add = (section: BulletinSection, rowIndex: number, name: string, what: (value?: number) => HtmlValue) => {
    const c = column(section, name);
    const row = section.document.rows[rowIndex];
    if (c < 0 || !row) return;
    const { figure, value } = headlineFigure(section.columns[c]!, row[c]);
    out.push({
      figure,
      what: what(value),
      source: `${section.spec.query}:${rowLabel(section, row, rowIndex)}:${name}`,
    });
  };

  const summary = find('wave_summary');
  if (summary) {
    const waveIndex = summary.columns.findIndex((c) => c.name === 'wave');
    const rowOf = (wave: number | undefined) =>
      summary.document.rows.findIndex((row) => Number(row[waveIndex]?.value) === wave);
    const at = rowOf(bulletin.wave);
    const earlier = summary.document.rows
      .map((row) => Number(row[waveIndex]?.value))
      .filter((wave) => wave < bulletin.wave);
    const previous = earlier.length > 0 ? Math.max(...earlier) : undefined;
    // "up from 1,950 in 2021": only when both figures are published.
    const compared = (name: string) => (value?: number) => {
      const c = column(summary, name);
      const before = summary.document.rows[rowOf(previous)]?.[c];
      if (value === undefined || previous === undefined || !before || before.mark || typeof before.value !== 'number') {
        return '';
      }
      const word = value > before.value ? 'up from' : value < before.value ? 'down from' : 'the same as';
      return html` <span class="muted">(${word} ${formatValue(summary.columns[c]!.unit, before.value, { compact: true })} in ${previous})</span>`;
    };
    if (at >= 0) {
      add(
        summary,
        at,
        'responses',
        (v) => html`organisations responded in ${bulletin.wave}${compared('responses')(v)}`,
      );
      add(summary, at, 'spinouts', (v) => html`of them are public-sector spin-outs${compared('spinouts')(v)}`);
      add(summary, at, 'employees_total', () => 'paid staff (headcount) in the organisations that gave it');
      add(summary, at, 'turnover_total', () => 'combined turnover of the organisations that gave it');
    }
  }
  const bySector = find('spinouts_by_sector');
  if (bySector?.document.total) {
    add(
      bySector,
      bySector.document.rows.length - 1,
      'spinout_share',
      () => 'of organisations are public-sector spin-outs',
    );
  }
  return out;
}

/** The command that exports the same table, so a reader can get it as CSV, XLSX or JSON. */
function exportCommand(doc: ExportDocument): string {
  const params = Object.entries(doc.parameters)
    .map(([k, v]) => ` --param ${k}=${v}`)
    .join('');
  const rules = ` --threshold ${doc.rules.threshold} --p ${doc.rules.p}${doc.total ? '' : ' --no-total'}`;
  return `npx --no-install survey export ${doc.query.name}${params} --out ${doc.query.name}.xlsx${rules}`;
}

function suppressedNote(counts: ExportDocument['counts']): string {
  const total =
    counts.threshold +
    counts.dominance +
    (counts.revision ?? 0) +
    counts.linked +
    counts.secondary +
    (counts.release ?? 0);
  if (total === 0) return 'No cell of this table needed to be suppressed.';
  const more = [
    (counts.revision ?? 0) > 0 ? `, ${counts.revision} revised since an earlier release` : '',
    (counts.release ?? 0) > 0 ? `, ${counts.release} as in an earlier release` : '',
  ].join('');
  return `${total} cell${total > 1 ? 's' : ''} suppressed: ${counts.threshold} by the threshold rule, ${counts.dominance} by dominance, ${counts.linked} linked, ${counts.secondary} secondary${more}.`;
}

/**
 * The bulletin as one self-contained HTML page: headline figures, a chart and a table per section, and how the
 * figures were protected. Pure: everything comes from `bulletin`.
 */
export async function renderBulletinPage(bulletin: Bulletin): Promise<string> {
  const { survey, wave } = bulletin;
  const sections: Html[] = [];
  for (const section of bulletin.sections) {
    const id = section.spec.query;
    const doc = section.document;
    const body = doc.rows.length - (doc.total ? 1 : 0);
    const chart =
      body > 0 ? await chartFigure(sectionChart(section), { id: `${id}-chart`, tableId: `${id}-table` }) : '';
    sections.push(html`<section class="query" id="${id}" aria-labelledby="${id}-heading">
<h2 id="${id}-heading">${section.title}</h2>
<p>${doc.query.description}</p>
${body > 0 ? chart : html`<p><strong>No organisation in this wave is in this table.</strong></p>`}
${sectionTable(section, `${id}-table`)}
<p class="note">${suppressedNote(doc.counts)} Source: saved query <code>${doc.query.name}</code> (${doc.query.grain}). The same table as a spreadsheet: <code>${exportCommand(doc)}</code></p>
</section>
`);
  }
  const first = bulletin.sections[0]?.document;
  const notes = first ? disclosureNotes(first).map((note) => html`<li>${note.text}</li>`) : [];
  const main = html`<section aria-labelledby="main-points">
<h2 id="main-points">Main points</h2>
<ul class="headlines">
${headlines(bulletin).map((h) => html`<li data-source="${h.source}"><span class="figure">${h.figure}</span> <span class="what">${h.what}</span></li>\n`)}</ul>
<p>Statistics from the ${wave} wave of the ${survey.title} (<code>${survey.id}</code>). Figures count the organisations whose answers passed validation; money is in ${survey.currency === 'GBP' ? 'pounds sterling (£)' : survey.currency === 'EUR' ? 'euros (€)' : survey.currency}, staff is a headcount of paid employees.</p>
</section>
<nav aria-labelledby="contents"><h2 id="contents">Contents</h2><ol>
${bulletin.sections.map((s) => html`<li><a href="#${s.spec.query}">${s.title}</a></li>\n`)}<li><a href="#about">About these statistics</a></li>
</ol></nav>
${sections}
<section id="about" aria-labelledby="about-heading">
<h2 id="about-heading">About these statistics</h2>
<p>Every figure on this page went through the same disclosure control as an export (threshold ${bulletin.rules.threshold} organisations, p = ${bulletin.rules.p}%), so that no organisation's answers can be worked out from it:</p>
<ul>${notes}</ul>
<p>${markCell('c')} ${MARK_MEANINGS.c}. ${markCell('x')} ${MARK_MEANINGS.x}. A chart draws no bar for either; the mark stands where the bar would be.</p>
</section>`;
  return renderPage({
    title: `${survey.title}: ${wave} bulletin`,
    heading: `${survey.title}: ${wave}`,
    subheading: html`Statistical bulletin · made ${bulletin.createdAt.slice(0, 10)} · disclosure-controlled (threshold ${bulletin.rules.threshold}, p = ${bulletin.rules.p}%)`,
    main,
    footer: html`Made by <code>survey bulletin --survey ${survey.id} --wave ${wave}</code> at ${bulletin.createdAt} from the waves committed in the lake. [contact: add the e-mail address of the team that publishes these statistics]`,
  });
}
