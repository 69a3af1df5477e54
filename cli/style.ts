// Colour for people at a terminal, never in a pipe or a file: a stream gets escapes only when it is a TTY that
// can show colours, and NO_COLOR (https://no-color.org) is not set. Node's util.styleText writes the escapes.
import * as util from 'node:util';

/** The stream's side of the question: a TTY, and how many colours it shows for an environment. */
export type StyledStream = Pick<NodeJS.WriteStream, 'isTTY'> & Partial<Pick<NodeJS.WriteStream, 'hasColors'>>;

/** True when `stream` is a terminal that shows colours and NO_COLOR is not set (to anything but ""). */
export function colourEnabled(stream: StyledStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (stream.isTTY !== true) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.hasColors?.(env) ?? false;
}

/** The styles the command line uses. */
export type Style = 'bold' | 'red' | 'yellow' | 'dim';

/** `text` in `style` on a stream that shows colour, else the text as it is. */
export function paint(stream: StyledStream, style: Style, text: string, env: NodeJS.ProcessEnv = process.env): string {
  // styleText arrived in Node 20.12 (an older Node prints plain text); by default it would judge process.stdout,
  // whichever stream the text is for, so the decision above is the one that counts.
  const styleText = (util as { styleText?: (format: Style, text: string, options?: object) => string }).styleText;
  return styleText && colourEnabled(stream, env) ? styleText(style, text, { validateStream: false }) : text;
}
