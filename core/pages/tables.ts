// Only the marks, not the export module: the ingest renders the report page and needs no solver.
import { CONFIDENTIAL, NOT_AVAILABLE } from '../export/document.ts';
import { type Html, type HtmlValue, html } from './html.ts';

/** What each shorthand means, for the title of its abbreviation and the notes. */
export const MARK_MEANINGS = {
  c: 'confidential: suppressed to protect the organisations behind it',
  x: 'not available: no organisation answered, or not applicable',
} as const;

/** A [c] or [x] cell, with its meaning on hover and for screen readers. */
export function markCell(mark: 'c' | 'x'): Html {
  return html`<abbr class="mark" title="${MARK_MEANINGS[mark]}">${mark === 'c' ? CONFIDENTIAL : NOT_AVAILABLE}</abbr>`;
}

/** One cell of a table on a page. */
export interface PageCell {
  readonly content: HtmlValue;
  /** Right-aligned figures. */
  readonly numeric?: boolean;
  /** Extra attributes' values, written as data-*: the raw value and code, for readers that parse the page. */
  readonly data?: Readonly<Record<string, string | number>>;
}

/** A table on a page: a caption, one header row, rows whose first cell heads the row. */
export interface PageTable {
  readonly id: string;
  readonly caption: HtmlValue;
  readonly headings: readonly { readonly text: string; readonly numeric?: boolean }[];
  readonly rows: readonly { readonly cells: readonly PageCell[]; readonly total?: boolean }[];
}

function dataAttributes(data: PageCell['data']): Html {
  return html`${Object.entries(data ?? {}).map(([key, value]) => html` data-${key}="${value}"`)}`;
}

/** The table's markup, scrolled sideways inside its own box on a narrow screen. */
export function renderTable(table: PageTable): Html {
  const head = table.headings.map((h) => html`<th scope="col"${h.numeric ? html` class="num"` : ''}>${h.text}</th>`);
  const body = table.rows.map((row) => {
    const [first, ...rest] = row.cells;
    const cells = rest.map(
      (cell) => html`<td${cell.numeric ? html` class="num"` : ''}${dataAttributes(cell.data)}>${cell.content}</td>`,
    );
    const header = first ? html`<th scope="row"${dataAttributes(first.data)}>${first.content}</th>` : '';
    return html`<tr${row.total ? html` class="total"` : ''}>${header}${cells}</tr>\n`;
  });
  return html`<div class="table-wrap"><table id="${table.id}">
<caption>${table.caption}</caption>
<thead><tr>${head}</tr></thead>
<tbody>
${body}</tbody>
</table></div>`;
}
