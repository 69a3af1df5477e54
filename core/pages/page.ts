import { createHash } from 'node:crypto';
import { type Html, type HtmlValue, html, trusted } from './html.ts';

/** The pages' one stylesheet: system fonts, a readable measure, tables with figures aligned, and print. */
const STYLE = `
:root { color-scheme: light; --ink: #222; --muted: #5f6368; --rule: #d0d4d8; --accent: #206095; --warn: #b3261e; --ok: #0f7b45; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #fff; }
header.masthead { background: var(--accent); color: #fff; padding: 1.25rem 1rem 1rem; }
header.masthead .inner, main { max-width: 62rem; margin: 0 auto; }
header.masthead p { margin: .25rem 0 0; opacity: .9; }
main { padding: 0 1rem 3rem; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: 0; }
h2 { font-size: 1.35rem; margin: 2.25rem 0 .5rem; padding-top: .75rem; border-top: 1px solid var(--rule); }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .4rem; }
p, li { max-width: 46rem; }
a { color: var(--accent); }
.muted, .chart-description, .note { color: var(--muted); font-size: .9rem; }
.headlines { display: grid; grid-template-columns: repeat(auto-fit, minmax(13rem, 1fr)); gap: .75rem; margin: 1.25rem 0; padding: 0; list-style: none; }
.headlines li { border-left: 4px solid var(--accent); background: #f5f7f9; padding: .6rem .8rem; }
.headlines .figure { display: block; font-size: 1.6rem; font-weight: 700; line-height: 1.2; }
.headlines .what { display: block; font-size: .9rem; }
.verdict { display: inline-block; padding: .15rem .6rem; border-radius: 3px; font-weight: 700; background: #fff; }
.verdict.ok { color: var(--ok); }
.verdict.rejected { color: var(--warn); }
figure.chart { margin: 1rem 0 .5rem; }
figure.chart figcaption { font-weight: 700; margin-bottom: .4rem; }
figure.chart svg { max-width: 100%; height: auto; }
.table-wrap { overflow-x: auto; margin: .5rem 0 1rem; }
table { border-collapse: collapse; font-size: .92rem; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 700; padding: .3rem 0; }
caption .muted { font-weight: 400; }
th, td { padding: .3rem .7rem; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid var(--ink); }
td.num, th.num { text-align: right; white-space: nowrap; }
tr.total th, tr.total td { font-weight: 700; border-top: 2px solid var(--ink); }
abbr.mark { text-decoration: none; color: var(--muted); cursor: help; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .88em; }
.mono, .note code { overflow-wrap: anywhere; }
main > section:first-child h2 { border-top: 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .5rem 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
ol.fixes li { margin-bottom: .5rem; }
nav ol { columns: 2 20rem; column-gap: 2rem; margin: 0; }
nav li { break-inside: avoid; }
footer { max-width: 62rem; margin: 0 auto; padding: 1rem; color: var(--muted); font-size: .85rem; border-top: 1px solid var(--rule); }
@media print { header.masthead { background: none; color: var(--ink); } h2 { break-after: avoid; } figure, table { break-inside: avoid; } }
`;

/**
 * The Content-Security-Policy of every page: no scripts, no fetches, no fonts or images from anywhere, only this
 * stylesheet (by its hash). A page opened from a file or a presigned URL can reach nothing.
 */
export const CONTENT_SECURITY_POLICY = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; img-src data:; base-uri 'none'; form-action 'none'`;

/** What a page is made of. */
export interface PageParts {
  /** The document title (browser tab, bookmarks). */
  readonly title: string;
  /** The masthead: the page's h1 and a line under it. */
  readonly heading: HtmlValue;
  readonly subheading?: HtmlValue;
  readonly main: HtmlValue;
  readonly footer: HtmlValue;
}

/**
 * A complete, self-contained HTML document: inline CSS and SVG, nothing loaded from elsewhere (an empty icon, so
 * that a browser asks no server for /favicon.ico).
 */
export function renderPage(parts: PageParts): string {
  const page: Html = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="survey">
<link rel="icon" href="data:,">
<title>${parts.title}</title>
<style>${trusted(STYLE)}</style>
</head>
<body>
<header class="masthead"><div class="inner">
<h1>${parts.heading}</h1>
${parts.subheading ? html`<p>${parts.subheading}</p>` : ''}
</div></header>
<main>
${parts.main}
</main>
<footer>${parts.footer}</footer>
</body>
</html>
`;
  return page.text;
}
