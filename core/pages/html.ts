// HTML built from template literals in which every interpolated value is escaped (escape-html), unless it is
// already Html: markup can only come from a template of this module or, explicitly, from `trusted`.
import escapeHtml from 'escape-html';

/** A piece of markup: written as is into a page. */
export class Html {
  /** Wraps markup that is already safe. */
  constructor(readonly text: string) {}

  /** The markup itself. */
  toString(): string {
    return this.text;
  }
}

/** What a template may interpolate: text (escaped), numbers, Html, lists of them; null, undefined and false vanish. */
export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** A template whose interpolations are escaped: html`<td>${cell}</td>`. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  let text = strings[0] ?? '';
  values.forEach((value, i) => {
    text += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(text);
}

/** Markup from a trusted producer (the SVG a chart library rendered): written as is. */
export function trusted(markup: string): Html {
  return new Html(markup);
}
