// The `survey` command: arguments → core → output. Each command lives in cli/commands/<name>.ts and exports
// `command: Command` (its help and its run); this file only lists them, answers --help and --version, and turns
// errors into one line on stderr. Adding a command is one line in COMMANDS.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../core/project-root.ts';
import { CliError, type Command, didYouMean, MissingOptionError, renderHelp } from './command.ts';
import { paint } from './style.ts';

/** Every command: what it does in a line (for `survey --help`, without loading it) and its module. */
const COMMANDS: Readonly<Record<string, readonly [summary: string, load: () => Promise<{ command: Command }>]>> = {
  ingest: ['ingest one wave: validate, write the curated wave and the report', () => import('./commands/ingest.ts')],
  report: ['the validation report of the last ingest (text, JSON or a page)', () => import('./commands/report.ts')],
  status: ['every ingest attempt: file, sha256, when, outcome, counts', () => import('./commands/status.ts')],
  codebook: ['the survey instrument, printed from the schema', () => import('./commands/codebook.ts')],
  generate: ['a realistic, messy synthetic wave (demos, tests, benchmarks)', () => import('./commands/generate.ts')],
  queries: ['list the saved queries: name, title, grain, parameters', () => import('./commands/queries.ts')],
  query: ['run a saved query (table, CSV or JSON)', () => import('./commands/query.ts')],
  export: ['aggregate export with disclosure control (CSV, XLSX, JSON)', () => import('./commands/export.ts')],
  bulletin: ['a statistical bulletin of one wave as an HTML page', () => import('./commands/bulletin.ts')],
  upload: ['upload a wave to the cloud lake (multipart)', () => import('./commands/upload.ts')],
  demo: ['the whole job on the embedded default: generate, ingest, query, export', () => import('./commands/demo.ts')],
  weight: ['calibrate a wave to a population frame, for sector-wide estimates', () => import('./commands/weight.ts')],
};

/** The package's version, from its package.json (beside the TypeScript or above the bundle). */
function version(): string {
  const root = projectRoot(resolve(dirname(fileURLToPath(import.meta.url)), '..'));
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const list = Object.entries(COMMANDS).map(([name, [summary]]) => `  ${name.padEnd(width)}  ${summary}`);
  return [
    'survey — a data pipeline for surveys of the social-enterprise sector',
    '',
    'Usage: survey <command> [options]',
    '',
    'Commands:',
    ...list,
    '',
    'Every command takes --lake <dir> (default ./lake, or s3://bucket/prefix).',
    'survey <command> --help prints its usage and options; survey --version prints the version.',
    '',
  ].join('\n');
}

/** True when the arguments ask for help: -h or --help anywhere before a "--" that ends the options. */
function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return 0;
  }
  if (name === '--version' || name === '-v' || name === '-V' || name === 'version') {
    process.stdout.write(`survey ${version()}\n`);
    return 0;
  }
  // `survey help <command>` is `survey <command> --help`.
  if (name === 'help') return main(rest.length > 0 ? [rest[0]!, '--help'] : []);
  const entry = COMMANDS[name];
  if (!entry) {
    const known = Object.keys(COMMANDS);
    const hint = name.startsWith('-')
      ? `unknown option ${name}${didYouMean(name.replace(/^-+/, ''), ['help', 'version'], '--')}`
      : `unknown command "${name}"${didYouMean(name, known)}`;
    throw new CliError(`${hint} (survey --help lists the commands)`);
  }
  const { command } = await entry[1]();
  if (wantsHelp(rest)) {
    process.stdout.write(renderHelp(name, command.help));
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (!(error instanceof MissingOptionError)) throw error;
    throw new CliError(`${name}: missing --${error.option}; survey ${name} --help lists its options`, 2, {
      cause: error,
    });
  }
}

// `survey query ... | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${paint(process.stderr, 'red', 'survey:')} ${message.split('\n')[0]}\n`);
  if (process.env.SURVEY_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exitCode = error instanceof CliError ? error.exitCode : 1;
}
