import { type ParseArgsConfig, parseArgs } from 'node:util';

/** One `survey` sub-command: parses its own arguments and returns the exit code. */
export interface Command {
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

/** parseArgs with strict checking whose errors become one-line CliErrors. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
  allowPositionals = true,
) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw new CliError((error as Error).message.split('\n')[0] ?? 'bad arguments', 2, { cause: error });
  }
}

/** Reads a required string option or throws a CliError naming it. */
export function requireOption(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new CliError(`missing --${name}`);
  return value;
}
