import { loadSavedQueries } from '../../core/queries/index.ts';
import { type Command, parseCommandArgs } from '../command.ts';

/** `survey queries [--json]`: the saved queries with their title, grain and parameters. */
export const command: Command = {
  help: {
    usage: ['queries [--json]'],
    description: 'Lists the saved queries: name, title, grain ("one row per ...") and parameters.',
    options: [['--json', "the list as JSON, with each query's columns"]],
  },
  async run(args) {
    const { values } = parseCommandArgs(args, { json: { type: 'boolean' }, lake: { type: 'string' } }, false);
    const queries = loadSavedQueries();
    if (values.json) {
      const list = queries.map((query) => ({
        name: query.name,
        title: query.title,
        grain: query.grain,
        parameters: query.parameters,
        columns: query.columns.map((column) => ({ name: column.name, type: column.type })),
      }));
      process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      return 0;
    }
    const rows = queries.map((query) => [
      query.name,
      query.title,
      query.grain,
      query.parameters.map((parameter) => `${parameter.name}=<${parameter.type}>`).join(' '),
    ]);
    const header = ['name', 'title', 'grain', 'parameters'];
    const widths = header.map((name, i) => Math.max(name.length, ...rows.map((row) => row[i]?.length ?? 0)));
    const line = (cells: readonly string[]) =>
      cells
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd();
    const out = [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
    out.push('', 'Run one: survey query <name> --param survey=uk-se --param wave=2023 [--format table|csv|json]');
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  },
};
