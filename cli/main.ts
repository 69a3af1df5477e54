// The `survey` command: arguments → core → output. Each command lives in cli/commands/<name>.ts and
// exports `command: Command`; this file only dispatches and turns errors into one line on stderr.
import { CliError, type Command } from './command.ts';

const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  ingest: () => import('./commands/ingest.ts'),
  report: () => import('./commands/report.ts'),
  codebook: () => import('./commands/codebook.ts'),
  generate: () => import('./commands/generate.ts'),
  queries: () => import('./commands/queries.ts'),
  query: () => import('./commands/query.ts'),
  export: () => import('./commands/export.ts'),
  upload: () => import('./commands/upload.ts'),
  demo: () => import('./commands/demo.ts'),
};

const USAGE = `survey — sector survey pipeline

  survey ingest <file.csv> --survey <id> --wave <year> [--lake <dir>]
  survey report --survey <id> --wave <year> [--json] [--lake <dir>]
  survey codebook --survey <id> [--json]
  survey generate --survey <id> --wave <year> --rows N --seed S --out <file.csv> [--truth <file.json>]
  survey queries
  survey query <name> [--param k=v ...] [--format table|csv|json] [--lake <dir>] [--engine duckdb|athena]
  survey export <name> [--param k=v ...] --out <file.csv|file.xlsx|file.json> [--threshold N] [--p P] [--no-total]
  survey upload <file.csv> --survey <id> --wave <year> --lake s3://bucket/prefix
  survey demo

Every command takes --lake <dir> (default ./lake, or s3://bucket/prefix).`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) throw new CliError(`unknown command "${name}"; expected one of ${Object.keys(COMMANDS).join(', ')}`);
  const { command } = await load();
  return command.run(rest);
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
  process.stderr.write(`survey: ${message.split('\n')[0]}\n`);
  if (process.env.SURVEY_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exitCode = error instanceof CliError ? error.exitCode : 1;
}
