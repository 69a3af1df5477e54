import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../project-root.ts';
import { type SavedQuery, SavedQueryMetaSchema } from './saved-query.ts';

/** A problem with a saved query or its parameters: one line, safe to show to the person who asked. */
export class QueryError extends Error {
  /** Creates a one-line saved-query error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'QueryError';
  }
}

/**
 * The queries/ folder of the project, found from this module (from its TypeScript or a bundle in dist/) so that
 * it works from any working directory.
 */
export const QUERIES_DIR = join(projectRoot(resolve(dirname(fileURLToPath(import.meta.url)), '../..')), 'queries');

/**
 * Counts the `?` parameter marks of a SQL text, skipping string literals, quoted identifiers and comments,
 * so that the metadata's `bind` list can be checked against the text.
 */
export function countParameterMarks(sql: string): number {
  let count = 0;
  let i = 0;
  while (i < sql.length) {
    const char = sql[i];
    const next = sql[i + 1];
    if (char === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (char === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (char === "'" || char === '"') {
      // A quote inside is doubled ('it''s'), which this loop reads as two adjacent literals: same count.
      const end = sql.indexOf(char, i + 1);
      i = end === -1 ? sql.length : end + 1;
    } else {
      if (char === '?') count += 1;
      i += 1;
    }
  }
  return count;
}

/** Reads and checks one saved query: metadata against the zod schema, and the metadata against the SQL. */
function loadOne(dir: string, name: string): SavedQuery {
  const metaPath = join(dir, `${name}.meta.json`);
  const sqlPath = join(dir, `${name}.sql`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(metaPath, 'utf8'));
  } catch (error) {
    throw new QueryError(`queries: cannot read ${metaPath}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = SavedQueryMetaSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new QueryError(
      `queries: ${metaPath} is not valid saved-query metadata: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
      { cause: parsed.error },
    );
  }
  const meta = parsed.data;
  let sql: string;
  try {
    sql = readFileSync(sqlPath, 'utf8');
  } catch (error) {
    throw new QueryError(`queries: saved query "${name}" has no SQL file ${sqlPath}`, { cause: error });
  }
  const fail = (what: string): never => {
    throw new QueryError(`queries: ${metaPath}: ${what}`);
  };
  if (meta.name !== name) fail(`name is "${meta.name}", expected "${name}" (the file name)`);
  const parameterNames = meta.parameters.map((parameter) => parameter.name);
  if (new Set(parameterNames).size !== parameterNames.length) fail('a parameter is declared twice');
  for (const bound of meta.bind) {
    if (!parameterNames.includes(bound)) fail(`bind names "${bound}", which is not a declared parameter`);
  }
  for (const parameter of parameterNames) {
    if (!meta.bind.includes(parameter)) fail(`parameter "${parameter}" is declared but never bound`);
  }
  const marks = countParameterMarks(sql);
  if (marks !== meta.bind.length) fail(`the SQL has ${marks} "?" mark(s), but bind lists ${meta.bind.length}`);
  const columnNames = meta.columns.map((column) => column.name);
  if (new Set(columnNames).size !== columnNames.length) fail('a column is declared twice');
  for (const column of meta.columns) {
    const disclosure = column.disclosure;
    const ref =
      disclosure.role === 'cumulative' ? disclosure.of : 'countColumn' in disclosure ? disclosure.countColumn : '';
    if (ref && !columnNames.includes(ref)) fail(`column "${column.name}" refers to "${ref}", which is not a column`);
    if (disclosure.role === 'estimate' && disclosure.statistic === 'share' && disclosure.of === undefined) {
      fail(`column "${column.name}" estimates a share but does not say of what (disclosure.of)`);
    }
  }
  if (meta.panel && (!parameterNames.includes(meta.panel.from) || !parameterNames.includes(meta.panel.to))) {
    fail('panel.from and panel.to must name parameters');
  }
  return { ...meta, sql, sqlPath };
}

const cache = new Map<string, SavedQuery[]>();

/** Every saved query of a folder (default: the project's queries/), checked, sorted by name, cached. */
export function loadSavedQueries(dir: string = QUERIES_DIR): SavedQuery[] {
  const cached = cache.get(dir);
  if (cached) return cached;
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch (error) {
    throw new QueryError(`queries: cannot list the saved queries in ${dir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const names = files
    .filter((file) => file.endsWith('.sql'))
    .map((file) => file.slice(0, -'.sql'.length))
    .sort();
  for (const file of files) {
    if (file.endsWith('.meta.json') && !names.includes(file.slice(0, -'.meta.json'.length))) {
      throw new QueryError(`queries: ${join(dir, file)} has no SQL file beside it`);
    }
  }
  const queries = names.map((name) => loadOne(dir, name));
  cache.set(dir, queries);
  return queries;
}

/** The saved query of that name, or a QueryError listing the names that exist. */
export function getSavedQuery(name: string, dir: string = QUERIES_DIR): SavedQuery {
  const queries = loadSavedQueries(dir);
  const query = queries.find((candidate) => candidate.name === name);
  if (!query) {
    throw new QueryError(
      `queries: unknown saved query ${JSON.stringify(name)}; expected one of ${queries.map((known) => known.name).join(', ')}`,
    );
  }
  return query;
}
