// Charts as static SVG: a Vega-Lite specification compiled by vega-lite and rendered by vega in Node, headless.
// Expressions are evaluated by vega-interpreter rather than compiled to functions, so no code is generated at run
// time. Nothing is fetched: the data are inline and the text uses the reader's own sans-serif font.
import type { TopLevelSpec } from 'vega-lite';
import type { Unit } from '../labels/index.ts';
import { type Html, html, trusted } from './html.ts';

/** One bar: its category (and series, for grouped bars), its published value, or the mark that hides it. */
export interface ChartDatum {
  readonly category: string;
  readonly series?: string;
  /** The published value; null when the cell is suppressed ([c]) or has no value ([x]). */
  readonly value: number | null;
  /** "c" confidential or "x" not available: the bar is left out and the mark written in its place. */
  readonly mark?: 'c' | 'x';
  /** What a screen reader says for the bar, e.g. "Health: 12 spin-outs". */
  readonly text: string;
}

/** A bar chart: one bar per published cell, a [c] or [x] where a cell is not published. */
export interface BarChart {
  /** The chart's title in plain words, e.g. "Spin-outs by sector, 2023". */
  readonly title: string;
  /** One or two sentences for screen readers: what the chart shows. */
  readonly description: string;
  readonly data: readonly ChartDatum[];
  /** The value axis' title, with its unit. */
  readonly valueTitle: string;
  readonly unit?: Unit;
  /** Bars along a vertical axis of categories (sectors), or up from a horizontal one (years). */
  readonly orientation: 'horizontal' | 'vertical';
  /** The legend's title when bars are grouped by series. */
  readonly seriesTitle?: string;
  /** Series stacked in one bar per category (parts of a whole) rather than side by side. */
  readonly stacked?: boolean;
}

/** The colours of the Office for National Statistics' charts: dark blue first, then a categorical palette. */
const COLOURS = ['#206095', '#a8bd3a', '#871a5b', '#27a0cc', '#f66068', '#746cb1'];

/** Money axes in £ or € millions or billions, as statistical releases write them, instead of long digit runs. */
function moneyScale(unit: Unit | undefined, data: readonly ChartDatum[]): { divisor: number; words: string } {
  if (unit?.kind !== 'currency') return { divisor: 1, words: '' };
  const max = Math.max(0, ...data.map((d) => Math.abs(d.value ?? 0)));
  if (max >= 1e9) return { divisor: 1e9, words: ' billion' };
  if (max >= 1e6) return { divisor: 1e6, words: ' million' };
  return { divisor: 1, words: '' };
}

/** d3-format of the value axis: whole percentages, whole counts, otherwise up to two decimals (£ millions). */
function axisFormat(unit: Unit | undefined): string {
  if (unit?.kind === 'percent') return '.0%';
  if (unit?.kind === 'organisations') return ',.0f';
  return ',.2~f';
}

/** The Vega-Lite specification of a bar chart; exported so tests can read what is drawn. */
export function barChartSpec(chart: BarChart): TopLevelSpec {
  const { divisor, words } = moneyScale(chart.unit, chart.data);
  const valueTitle = words ? chart.valueTitle.replace(/\)$/, `${words})`) : chart.valueTitle;
  const values = chart.data.map((d) => ({
    category: d.category,
    series: d.series ?? '',
    value: d.value === null ? null : d.value / divisor,
    mark: d.mark ? `[${d.mark}]` : '',
    text: d.text,
  }));
  const horizontal = chart.orientation === 'horizontal';
  const grouped = chart.data.some((d) => d.series !== undefined);
  const categories = [...new Set(chart.data.map((d) => d.category))];
  const category = {
    field: 'category',
    type: 'nominal' as const,
    title: null,
    sort: categories,
    axis: { labelLimit: 320, ticks: false },
  };
  const value = {
    field: 'value',
    type: 'quantitative' as const,
    title: valueTitle,
    axis: { format: axisFormat(chart.unit), tickCount: 5, grid: true },
    scale: { zero: true, ...(chart.unit?.kind === 'percent' ? { domainMin: 0 } : {}) },
  };
  const offset =
    grouped && !chart.stacked ? { [horizontal ? 'yOffset' : 'xOffset']: { field: 'series', sort: null } } : {};
  const colour = grouped
    ? {
        color: {
          field: 'series',
          type: 'nominal' as const,
          title: chart.seriesTitle ?? null,
          scale: { range: COLOURS },
          legend: { orient: 'bottom' as const, direction: 'vertical' as const },
        },
      }
    : { color: { value: COLOURS[0] } };
  const axes = horizontal ? { y: category, x: value } : { x: { ...category, axis: { labelAngle: 0 } }, y: value };
  const step = grouped && !chart.stacked ? 12 : 20;
  return {
    // The title is the figure's caption (chartFigure), not drawn twice.
    description: chart.description,
    background: 'white',
    ...(horizontal ? { width: 520, height: { step } } : { width: { step: Math.max(step, 28) }, height: 240 }),
    data: { values },
    config: {
      font: 'sans-serif',
      view: { stroke: null },
      axis: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal', domainColor: '#707070' },
      legend: { labelFontSize: 12, titleFontSize: 12 },
    },
    layer: [
      {
        transform: [{ filter: 'datum.value !== null' }],
        mark: { type: 'bar', ...(horizontal ? { cornerRadiusEnd: 1 } : {}) },
        encoding: { ...axes, ...offset, ...colour, description: { field: 'text' } },
      },
      {
        // Where a cell is not published there is no bar, only its mark at the axis: the gap is visible and named.
        transform: [{ filter: 'datum.value === null' }],
        mark: {
          type: 'text',
          ...(horizontal ? { align: 'left', dx: 4 } : { baseline: 'bottom', dy: -3 }),
          fontSize: 11,
          color: '#414042',
        },
        encoding: {
          ...(horizontal ? { y: category, x: { datum: 0, type: 'quantitative' } } : { x: category, y: { datum: 0 } }),
          ...offset,
          text: { field: 'mark' },
          description: { field: 'text' },
        },
      },
    ],
  } as TopLevelSpec;
}

/** Renders a Vega-Lite specification to SVG in Node (no browser, no network). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  // Loaded on first use: a command that draws no chart does not pay for the libraries.
  const [vega, vegaLite, { expressionInterpreter }] = await Promise.all([
    import('vega'),
    import('vega-lite'),
    import('vega-interpreter'),
  ]);
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled, undefined, { ast: true }), {
    renderer: 'none',
    expr: expressionInterpreter,
  });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * A chart as an accessible figure: its caption is the title, the SVG is labelled by the caption and described by
 * the sentence under it and by the table `tableId` (its text alternative). `id` must be unique on the page.
 */
export async function chartFigure(
  chart: BarChart,
  ids: { readonly id: string; readonly tableId: string },
): Promise<Html> {
  const { id, tableId } = ids;
  const svg = (await renderSvg(barChartSpec(chart))).replace(
    /^<svg /,
    `<svg role="img" aria-labelledby="${id}-title" aria-describedby="${id}-desc ${tableId}" `,
  );
  return html`<figure class="chart" aria-labelledby="${id}-title">
<figcaption id="${id}-title">${chart.title}</figcaption>
${trusted(svg)}
<p class="chart-description" id="${id}-desc">${chart.description}</p>
</figure>`;
}
