import { type ParseArgsConfig, parseArgs } from 'node:util';
import { SURVEYS } from '../schemas/index.ts';

/** The survey ids, for help texts: "uk-se or fr-ess". */
export const SURVEY_IDS = SURVEYS.map((survey) => survey.id)
  .join(', ')
  .replace(/, ([^,]+)$/, ' or $1');

/** What `survey <command> --help` prints: usage lines, what the command does, its options, examples. */
export interface CommandHelp {
  /** One line per form, after "survey ", e.g. "report --survey <id> --wave <year> [--json]". */
  readonly usage: readonly string[];
  /** What the command does, in a sentence or two. */
  readonly description: string;
  /** Each option as written ("--wave <year>") and what it does. --lake and --help need not be listed. */
  readonly options?: readonly (readonly [string, string])[];
  /** Command lines to copy, after "survey ". */
  readonly examples?: readonly string[];
}

/** One `survey` sub-command: its help, and a run that parses its own arguments and returns the exit code. */
export interface Command {
  /** Printed by `survey <command> --help`. */
  readonly help: CommandHelp;
  /** Runs the command with the arguments after its name. */
  run(args: string[]): Promise<number>;
}

/** A usage or input problem: printed as one line, exit code 2 by default. */
export class CliError extends Error {
  /** Creates a one-line command-line error. */
  constructor(
    message: string,
    readonly exitCode = 2,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** Words laid out in lines of at most `width` characters (a longer word gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** The text of `survey <name> --help`, wrapped to 80 columns. */
export function renderHelp(name: string, help: CommandHelp): string {
  const lines = ['Usage:', ...help.usage.map((line) => `  survey ${line}`), '', ...wrap(help.description, 80)];
  const options: (readonly [string, string])[] = [
    ...(help.options ?? []),
    ['--lake <dir>', 'the lake: a directory (default ./lake) or s3://bucket/prefix'],
    ['-h, --help', `print this help (survey ${name} --help)`],
  ];
  const width = Math.max(...options.map(([flag]) => flag.length));
  const indent = ' '.repeat(width + 4);
  lines.push('', 'Options:');
  for (const [flag, text] of options) {
    const [first = '', ...more] = wrap(text, 80 - indent.length);
    lines.push(`  ${flag.padEnd(width)}  ${first}`, ...more.map((line) => indent + line));
  }
  if (help.examples?.length) lines.push('', 'Examples:', ...help.examples.map((line) => `  survey ${line}`));
  return `${lines.join('\n')}\n`;
}

/**
 * Edit distance with adjacent transpositions (optimal string alignment): enough to tell a typo ("qeury",
 * "--survy") from another word. git and Commander suggest the same way.
 */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidate closest to `word` when it is near enough to be a typo of it, else undefined. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const distance = candidate.startsWith(word) && word.length >= 3 ? 1 : editDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** " (did you mean "x"?)" when a candidate is near `word`, else "". */
export function didYouMean(word: string, candidates: readonly string[], prefix = ''): string {
  const suggestion = closest(word, candidates);
  return suggestion === undefined ? '' : `; did you mean ${prefix}${suggestion}?`;
}

/** parseArgs with strict checking whose errors become one-line CliErrors; an unknown option gets a suggestion. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
  allowPositionals = true,
) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const unknown = /^Unknown option '(-{1,2})([^']+)'/.exec((error as Error).message);
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
      const [, dashes, name] = unknown;
      throw new CliError(`unknown option ${dashes}${name}${didYouMean(name!, Object.keys(options), '--')}`, 2, {
        cause: error,
      });
    }
    // Node's wording ("argument is ambiguous", "<value> argument missing") said plainly, with the way out.
    const option = /^Option '(-{1,2}[^' ]+)/.exec((error as Error).message)?.[1];
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
      const next = args[args.indexOf(option) + 1];
      const negative = next !== undefined && /^-\.?\d/.test(next);
      throw new CliError(
        negative
          ? `option ${option} needs a value, got the option-like "${next}"; for a value that begins with a dash write ${option}=${next}`
          : `option ${option} needs a value${next === undefined ? '' : ` before ${next}`}`,
        2,
        { cause: error },
      );
    }
    throw new CliError((error as Error).message.split('\n')[0] ?? 'bad arguments', 2, { cause: error });
  }
}

/** A required option was not given; the command line names the command it belongs to. */
export class MissingOptionError extends CliError {
  /** Creates the error for `--<option>`. */
  constructor(readonly option: string) {
    super(`missing --${option}`, 2);
    this.name = 'MissingOptionError';
  }
}

/** Reads a required string option or throws a MissingOptionError naming it. */
export function requireOption(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new MissingOptionError(name);
  return value;
}
