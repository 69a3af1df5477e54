// The pages as a reader gets them: `survey bulletin` and `survey report --html` run on generated and ingested
// waves, then opened from a file (and from a presigned URL of a real S3-compatible server) in Debian's chromium.
// Every table is compared with the saved query run independently on the engine, and every chart with its table.
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import Papa from 'papaparse';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../core/engine/duckdb-engine.ts';
import type { CellValue } from '../../core/engine/query-engine.ts';
import { generateWave } from '../../core/generate/index.ts';
import { ingestWave } from '../../core/ingest/ingest.ts';
import { BULLETIN_SECTIONS } from '../../core/pages/index.ts';
import { getSavedQuery, runSavedQuery } from '../../core/queries/index.ts';
import { LocalStorage } from '../../core/storage/local-storage.ts';
import { S3Storage } from '../../core/storage/s3-storage.ts';
import type { Report } from '../../schemas/index.ts';
import { type Browser, launchBrowser, type OpenedPage } from '../helpers/browser.ts';
import { type LocalS3, startLocalS3 } from '../helpers/s3rver.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const ORG_KEY = 'pages-browser-test-key';
const SURVEY = 'uk-se';
const WAVE = 2023;
const EARLIER = 2021;

/** The parameters each section's query is run with here, written out rather than taken from the bulletin. */
const PARAMS: Record<string, Record<string, string>> = {
  wave_summary: { survey: SURVEY },
  panel_growth: { survey: SURVEY, from_wave: String(EARLIER), to_wave: String(WAVE) },
};
const paramsOf = (query: string) => PARAMS[query] ?? { survey: SURVEY, wave: String(WAVE) };

let dir: string;
let lake: string;
let engine: DuckDbEngine;
let browser: Browser;
let bulletin: OpenedPage;
let report: OpenedPage;

function survey(...args: string[]) {
  const result = spawnSync(process.execPath, [join(ROOT, 'bin/survey.js'), ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (result.status !== 0) throw new Error(`survey ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pages-browser-'));
  lake = join(dir, 'lake');
  const storage = new LocalStorage(lake);
  for (const [wave, rows, seed] of [
    [EARLIER, 1200, 1],
    [WAVE, 1500, 2],
  ] as const) {
    const file = join(dir, `${SURVEY}-${wave}.csv`);
    await generateWave({ survey: SURVEY, wave, rows, seed, orgKey: ORG_KEY }, file);
    await ingestWave({
      storage,
      input: createReadStream(file),
      survey: SURVEY,
      wave,
      sourceFile: `${SURVEY}-${wave}.csv`,
      orgKey: ORG_KEY,
    });
  }
  survey('bulletin', '--survey', SURVEY, '--wave', String(WAVE), '--out', join(dir, 'bulletin.html'), '--lake', lake);
  survey('report', '--survey', SURVEY, '--wave', String(WAVE), '--html', join(dir, 'report.html'), '--lake', lake);
  engine = await DuckDbEngine.open(storage);
  browser = await launchBrowser();
  bulletin = await browser.open(pathToFileURL(join(dir, 'bulletin.html')).href);
  report = await browser.open(pathToFileURL(join(dir, 'report.html')).href);
});

afterAll(async () => {
  await browser?.close();
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The little of the DOM these tests read (the project's TypeScript has no DOM library). */
interface DomNode {
  readonly id: string;
  readonly tagName: string;
  readonly textContent: string | null;
  readonly classList: { contains(name: string): boolean };
  readonly ownerDocument: { getElementById(id: string): DomNode | null };
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  querySelector(selector: string): DomNode | null;
  querySelectorAll(selector: string): Iterable<DomNode>;
}

/** What a table shows, read in the browser: its rows' group code and label, and each cell's text and data. */
interface ShownTable {
  readonly rows: {
    readonly code: string;
    readonly label: string;
    readonly total: boolean;
    readonly cells: { readonly text: string; readonly value?: string; readonly mark?: string }[];
  }[];
}

/** Each section of the bulletin: the bars and marks of its chart, its table, and how its SVG is labelled. */
async function sections(page: Page) {
  return page.$$eval('main section.query', (elements) =>
    (elements as unknown as DomNode[]).map((section) => {
      const svg = section.querySelector('figure.chart svg');
      const ids = (name: string) => (svg?.getAttribute(name) ?? '').split(' ').filter(Boolean);
      const byId = (id: string) => section.ownerDocument.getElementById(id);
      const table = section.querySelector('table');
      return {
        id: section.id,
        bars: [...section.querySelectorAll('svg [aria-roledescription="bar"]')].map((b) =>
          b.getAttribute('aria-label'),
        ),
        marks: [...section.querySelectorAll('svg [aria-roledescription="text mark"]')].map((t) => ({
          text: t.textContent,
          label: t.getAttribute('aria-label'),
        })),
        labelledBy: ids('aria-labelledby').map((id) => byId(id)?.textContent ?? null),
        describedBy: ids('aria-describedby').map((id) => byId(id)?.tagName ?? null),
        table:
          table &&
          <ShownTable>{
            rows: [...table.querySelectorAll('tbody tr')].map((tr) => ({
              code: tr.querySelector('th')?.getAttribute('data-code') ?? '',
              label: tr.querySelector('th')?.textContent ?? '',
              total: tr.classList.contains('total'),
              cells: [...tr.querySelectorAll('td')].map((td) => ({
                text: td.textContent ?? '',
                ...(td.hasAttribute('data-value') ? { value: td.getAttribute('data-value')! } : {}),
                ...(td.hasAttribute('data-mark') ? { mark: td.getAttribute('data-mark')! } : {}),
              })),
            })),
          },
      };
    }),
  );
}

/** A shown number read back: "£1,234", "28.7%" and "1,234" give 1234, 0.287 and 1234. */
function readBack(text: string): number {
  const n = Number(text.replace(/[£€,%]/g, ''));
  return text.endsWith('%') ? n / 100 : n;
}

function close(shown: number, expected: number, tolerance: number): boolean {
  return Math.abs(shown - expected) <= tolerance * Math.max(1, Math.abs(expected));
}

describe('the bulletin in chromium', () => {
  it('opens from a file with no console error and requests nothing but itself', () => {
    expect(bulletin.problems).toEqual([]);
    expect(bulletin.requests).toEqual([pathToFileURL(join(dir, 'bulletin.html')).href]);
  });

  it('has a section for every saved query of the bulletin, each chart labelled by its title and described by its table', async () => {
    const shown = await sections(bulletin.page);
    expect(shown.map((s) => s.id)).toEqual(BULLETIN_SECTIONS.map((s) => s.query));
    for (const section of shown) {
      expect(section.labelledBy[0], section.id).toMatch(/\w/);
      expect(section.describedBy, section.id).toEqual(['P', 'TABLE']);
    }
  });

  it('draws one bar per published cell and none for a suppressed one, whose [c] stands in its place', async () => {
    let suppressed = 0;
    for (const section of await sections(bulletin.page)) {
      const spec = BULLETIN_SECTIONS.find((s) => s.query === section.id)!;
      const columns = getSavedQuery(section.id).columns;
      const body = section.table!.rows.filter((row) => !row.total);
      const cells = body.flatMap((row) =>
        spec.measures.map((measure) => ({
          row,
          // The first column heads the row (a th); td cells start at the second column.
          cell: row.cells[columns.findIndex((c) => c.name === measure) - 1]!,
        })),
      );
      const published = cells.filter(({ cell }) => cell.mark === undefined);
      const hidden = cells.filter(({ cell }) => cell.mark === 'c');
      suppressed += hidden.length;
      expect(section.bars, section.id).toHaveLength(published.length);
      expect(
        section.marks.filter((m) => m.text === '[c]'),
        section.id,
      ).toHaveLength(hidden.length);
      if (spec.measures.length === 1) {
        // Each bar is named by its row; no bar is named by a row whose cell is suppressed.
        expect(section.bars.map((b) => b?.split(': ')[0]).sort()).toEqual(published.map(({ row }) => row.label).sort());
        for (const { row } of hidden) {
          expect(section.bars.some((b) => b?.startsWith(`${row.label}:`))).toBe(false);
          expect(section.marks.some((m) => m.label?.startsWith(`${row.label}: [c]`))).toBe(true);
        }
      }
    }
    // The waves are made so that disclosure control has work to do here.
    expect(suppressed).toBeGreaterThan(0);
  });

  it('shows in every table the numbers of the saved query, run on its own, [c] where suppressed', async () => {
    for (const section of await sections(bulletin.page)) {
      const query = getSavedQuery(section.id);
      const result = await runSavedQuery(engine, section.id, paramsOf(section.id));
      // Published rows come in the order of their group values, not the query's (which may rank by a value).
      const groups = query.columns.filter((c) => c.disclosure.role === 'group').map((c) => c.name);
      const rows = [...result.rows].sort((a, b) => {
        for (const name of groups) {
          const [x, y] = [a[name] ?? null, b[name] ?? null];
          if (x === y) continue;
          if (x === null || y === null) return x === null ? 1 : -1;
          return typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : 1;
        }
        return 0;
      });
      const body = section.table!.rows.filter((row) => !row.total);
      expect(
        body.map((row) => row.code),
        section.id,
      ).toEqual(rows.map((row) => String(row[query.columns[0]!.name])));
      rows.forEach((expected, r) => {
        query.columns.slice(1).forEach((column, j) => {
          const cell = body[r]!.cells[j]!;
          const value = expected[column.name] as CellValue;
          const where = `${section.id} row ${r + 1} ${column.name}`;
          if (cell.mark === 'c') {
            expect(cell.text, where).toBe('[c]');
            return;
          }
          if (cell.mark === 'x') {
            expect(value, where).toBeNull();
            return;
          }
          expect(typeof value, where).toBe('number');
          // Published numbers are rounded as an export rounds them: shares to 4 decimals, others to 2.
          const tolerance = column.type === 'int' ? 0 : 1e-4;
          expect(close(Number(cell.value), value as number, tolerance), `${where}: ${cell.value} vs ${value}`).toBe(
            true,
          );
          // The text a reader sees says the same number, to the precision shown (after the export's rounding).
          const precision = column.format === 'percent' ? 0.00055 : column.type === 'int' ? 0 : 0.505;
          expect(Math.abs(readBack(cell.text) - (value as number)), `${where}: "${cell.text}"`).toBeLessThanOrEqual(
            precision + 1e-9,
          );
        });
      });
    }
  });

  it('makes each headline a published cell of its table', async () => {
    const result = await runSavedQuery(engine, 'wave_summary', paramsOf('wave_summary'));
    const row = result.rows.find((r) => r.wave === WAVE)!;
    const headline = (source: string) =>
      bulletin.page.$eval(
        `li[data-source="${source}"] .figure`,
        (node) => (node as unknown as DomNode).textContent ?? '',
      );
    expect(readBack(await headline(`wave_summary:${WAVE}:responses`))).toBe(row.responses);
    expect(readBack(await headline(`wave_summary:${WAVE}:spinouts`))).toBe(row.spinouts);
  });

  it('writes a screenshot', async () => {
    const file = join(dir, 'bulletin.png');
    await bulletin.page.screenshot({ path: file, fullPage: true });
    expect(statSync(file).size).toBeGreaterThan(50_000);
  });

  it('opens the same from a presigned URL of an S3-compatible server, requesting nothing else', async () => {
    let s3: LocalS3 | undefined;
    try {
      s3 = await startLocalS3(['pages']);
      const storage = new S3Storage(s3.client, 'pages', 'reports/');
      await storage.put('bulletin.html', readFileSync(join(dir, 'bulletin.html')), { contentType: 'text/html' });
      const url = await getSignedUrl(
        s3.client,
        new GetObjectCommand({ Bucket: 'pages', Key: 'reports/bulletin.html' }),
        {
          expiresIn: 60,
        },
      );
      const opened = await browser.open(url);
      expect({ status: opened.status, problems: opened.problems, requests: opened.requests }).toEqual({
        status: 200,
        problems: [],
        requests: [url],
      });
      expect(opened.requests).toEqual([url]);
      expect(await opened.page.$$eval('svg [aria-roledescription="bar"]', (bars) => bars.length)).toBeGreaterThan(20);
      await opened.page.close();
    } finally {
      await s3?.close();
    }
  });
});

describe('the report page in chromium', () => {
  const stored = () =>
    JSON.parse(
      readFileSync(
        join(
          lake,
          JSON.parse(readFileSync(join(lake, `curated/survey=${SURVEY}/wave=${WAVE}/_current.json`), 'utf8')).report,
        ),
        'utf8',
      ),
    ) as Report;

  it('opens from a file with no console error and requests nothing but itself', () => {
    expect(report.problems).toEqual([]);
    expect(report.requests).toEqual([pathToFileURL(join(dir, 'report.html')).href]);
  });

  it('shows the counts of report.json', async () => {
    const { stats } = stored();
    for (const name of ['rows', 'valid', 'rejected', 'blank'] as const) {
      const shown = await report.page.$eval(
        `li[data-count="${name}"] .figure`,
        (node) => (node as unknown as DomNode).textContent ?? '',
      );
      expect(readBack(shown)).toBe(stats[name]);
    }
  });

  it('draws one bar segment per field and type of error', async () => {
    const kinds = new Set(stored().errors.map((e) => `${e.fieldName ?? '(whole row)'}, ${e.type}:`));
    const bars = await report.page.$$eval('#errors-heading ~ figure svg [aria-roledescription="bar"]', (nodes) =>
      (nodes as unknown as DomNode[]).map((n) => n.getAttribute('aria-label') ?? ''),
    );
    expect(kinds.size).toBeGreaterThan(3);
    expect(bars.map((b) => `${b.slice(0, b.indexOf(':'))}:`).sort()).toEqual([...kinds].sort());
  });

  it('lists the first rejected rows of rejected.csv, without identity or contact columns', async () => {
    const { header } = stored();
    const csv = readFileSync(
      join(
        lake,
        JSON.parse(readFileSync(join(lake, `curated/survey=${SURVEY}/wave=${WAVE}/_current.json`), 'utf8')).rejected,
      ),
      'utf8',
    ).replace(/^\ufeff/, '');
    const [names = [], ...rows] = Papa.parse<string[]>(csv, { skipEmptyLines: true }).data;
    const rowAt = names.indexOf('_row');
    const shown = await report.page.$$eval('#rejected-table tbody tr th', (ths) =>
      (ths as unknown as DomNode[]).map((th) => th.textContent),
    );
    expect(shown).toEqual(rows.slice(0, 20).map((row) => row[rowAt]));
    const headings = await report.page.$$eval('#rejected-table thead th', (ths) =>
      (ths as unknown as DomNode[]).map((th) => th.textContent),
    );
    expect(header.dropped.length).toBeGreaterThan(0);
    for (const dropped of header.dropped) expect(headings).not.toContain(dropped.trim());
    const screenshot = join(dir, 'report.png');
    await report.page.screenshot({ path: screenshot, fullPage: true });
    expect(existsSync(screenshot)).toBe(true);
  });
});
