// The numbers of a bulletin page are those of protected tables: a suppressed cell reads [c], has no bar, and
// cannot surface in a headline. Hand-made protected tables stand in for what prepareExport returns.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ExportDocument, WrittenCell } from '../../../../core/export/index.ts';
import { columnLabels } from '../../../../core/labels/index.ts';
import {
  BULLETIN_SECTIONS,
  type Bulletin,
  type BulletinSection,
  barChartSpec,
  renderBulletinPage,
  renderSvg,
  sectionChart,
} from '../../../../core/pages/index.ts';
import { getSavedQuery } from '../../../../core/queries/index.ts';
import { getSurvey } from '../../../../schemas/index.ts';

const UK = getSurvey('uk-se');

/** A protected table of a saved query: its columns as the export writes them, and the given rows. */
function document(query: string, rows: WrittenCell[][], total: boolean): ExportDocument {
  const q = getSavedQuery(query);
  return {
    title: q.title,
    query: { name: q.name, title: q.title, description: q.description, grain: q.grain },
    parameters: { survey: 'uk-se', wave: 2023 },
    survey: 'uk-se',
    waves: [2023],
    createdAt: '2026-11-24T12:00:00.000Z',
    columns: q.columns.map((c) => ({
      name: c.name,
      type: c.disclosure.role === 'group' && total ? 'string' : c.type,
      description: c.description,
      ...(c.format ? { format: c.format } : {}),
      role: c.disclosure.role,
    })),
    rows,
    total,
    rules: { threshold: 5, p: 10 },
    counts: { threshold: 1, dominance: 0, linked: 1, secondary: 1 },
    dropped: [],
  };
}

function section(query: string, doc: ExportDocument): BulletinSection {
  const spec = BULLETIN_SECTIONS.find((s) => s.query === query)!;
  const labels = columnLabels(getSavedQuery(query).columns, UK);
  return {
    spec,
    title: spec.title({ survey: UK, wave: 2023, previousWave: 2021 }),
    document: doc,
    columns: doc.columns.map((c) => labels.find((l) => l.name === c.name)!),
  };
}

const c = (): WrittenCell => ({ value: null, mark: 'c' });
const x = (): WrittenCell => ({ value: null, mark: 'x' });
const v = (value: string | number | boolean): WrittenCell => ({ value });

// Health and social care are published; housing is suppressed (a count of 3 and its share, and the count
// that would give it away); "<img ...>" is a code no list holds, to see that text is escaped.
const bySector = document(
  'spinouts_by_sector',
  [
    [v('health'), v(40), v(12), v(0.3)],
    [v('social_care'), v(25), v(7), v(0.28)],
    [v('housing'), v(9), c(), c()],
    [v('<img src=x onerror=alert(1)>'), v(11), c(), c()],
    [v('finance'), v(4), v(0), x()],
    [v('Total'), v(89), v(22), v(0.2472)],
  ],
  true,
);
// 2023's turnover is suppressed: the headline must say [c], not a figure.
const summary = document(
  'wave_summary',
  [
    [v(2021), v(1930), v(362), v(108724), v(3853206326)],
    [v(2023), v(2090), v(394), v(122730), c()],
  ],
  false,
);

const bulletin: Bulletin = {
  survey: UK,
  wave: 2023,
  createdAt: '2026-11-24T12:00:00.000Z',
  rules: { threshold: 5, p: 10 },
  sections: [section('wave_summary', summary), section('spinouts_by_sector', bySector)],
};

/** The cells of one table row of the page, as data-* attributes and text. */
function rowOf(page: string, tableId: string, label: string): string {
  const table = page.slice(page.indexOf(`<table id="${tableId}">`));
  const row = table.split('<tr').find((tr) => tr.includes(`>${label}</th>`));
  if (!row) throw new Error(`no row ${label} in ${tableId}`);
  return row.slice(0, row.indexOf('</tr>'));
}

describe('a bulletin chart', () => {
  it('has one bar per published cell and, for a suppressed one, no bar but its [c]', async () => {
    const chart = sectionChart(section('spinouts_by_sector', bySector));
    expect(chart.data.map((d) => [d.category, d.value, d.mark])).toEqual([
      ['Health', 12, undefined],
      ['Social care', 7, undefined],
      ['Housing', null, 'c'],
      ['<img src=x onerror=alert(1)>', null, 'c'],
      ['Finance', 0, undefined],
    ]);
    const svg = await renderSvg(barChartSpec(chart));
    const bars = [...svg.matchAll(/<path aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="bar"/g)];
    expect(bars.map((m) => m[1])).toEqual(['Health: 12', 'Social care: 7', 'Finance: 0']);
    const marks = [...svg.matchAll(/aria-roledescription="text mark"[^>]*>([^<]*)</g)].map((m) => m[1]);
    expect(marks).toEqual(['[c]', '[c]']);
    expect(svg).not.toContain('<img');
  });
});

describe('a bulletin page', () => {
  it('writes [c] in the table for every suppressed cell and the published value for every other', async () => {
    const page = await renderBulletinPage(bulletin);
    const housing = rowOf(page, 'spinouts_by_sector-table', 'Housing');
    expect(housing).toContain('data-value="9"');
    expect([...housing.matchAll(/data-mark="c"[^>]*><abbr[^>]*>\[c\]<\/abbr>/g)]).toHaveLength(2);
    const health = rowOf(page, 'spinouts_by_sector-table', 'Health');
    expect([...health.matchAll(/data-value="([^"]*)"/g)].map((m) => m[1])).toEqual(['40', '12', '0.3']);
    expect(health).toContain('>30.0%</td>');
    expect(rowOf(page, 'spinouts_by_sector-table', 'Finance')).toContain('data-mark="x"');
  });

  it('shows a suppressed headline figure as [c], and only published cells as numbers', async () => {
    const page = await renderBulletinPage(bulletin);
    const turnover = /<li data-source="wave_summary:2023:turnover_total">(.*?)<\/li>/s.exec(page)?.[1];
    expect(turnover).toContain('[c]');
    expect(turnover).not.toMatch(/£/);
    expect(page).toMatch(/<li data-source="wave_summary:2023:responses"><span class="figure">2,090<\/span>/);
    expect(page).toMatch(/up from 1,930 in 2021/);
    // Every number the page carries is a published cell of one of its tables.
    const published = new Set(
      bulletin.sections.flatMap((s) =>
        s.document.rows.flat().flatMap((cell) => (cell.mark || typeof cell.value !== 'number' ? [] : [cell.value])),
      ),
    );
    const carried = [...page.matchAll(/data-value="(-?[\d.]+)"/g)].map((m) => Number(m[1]));
    expect(carried.length).toBeGreaterThan(10);
    for (const value of carried) expect(published.has(value), String(value)).toBe(true);
  });

  it('escapes every text that comes from the data', async () => {
    const page = await renderBulletinPage(bulletin);
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).not.toContain('<img');
  });

  it('runs no script and may fetch nothing: only its own stylesheet, by hash', async () => {
    const page = await renderBulletinPage(bulletin);
    // Nothing that loads or runs: no script, link, frame or image, no source, and links only within the page.
    const tags = [...page.matchAll(/<([a-z][a-z0-9-]*)\b([^>]*)>/gi)];
    expect(tags.length).toBeGreaterThan(100);
    for (const [, name, attributes] of tags) {
      expect(name).not.toMatch(/^(script|iframe|object|embed|img|image|use|base)$/i);
      // The one link is the empty icon, so that no browser asks a server for /favicon.ico.
      if (name === 'link') expect(attributes).toBe(' rel="icon" href="data:,"');
      for (const [, attribute, value] of (attributes ?? '').matchAll(/\s([a-z:-]+)="([^"]*)"/gi)) {
        expect(attribute).not.toMatch(/^(src|srcset|on\w+)$/i);
        if (/href$/i.test(attribute!) && name !== 'link') expect(value).toMatch(/^#/);
        expect(value).not.toMatch(/url\((?!#)|javascript:/i);
      }
    }
    const style = /<style>([\s\S]*?)<\/style>/.exec(page)?.[1] ?? '';
    const hash = createHash('sha256').update(style).digest('base64');
    const policy = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(page)?.[1]?.replaceAll('&#39;', "'");
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain(`style-src 'sha256-${hash}'`);
  });
});
