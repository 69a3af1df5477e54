// Kept out of core/queries/index.ts on purpose: the SQL parser is large, and `survey query` never needs it.
import sqlParser from 'node-sql-parser';

/** One reason a saved query's SQL might not run the same on DuckDB and on Athena (Trino). */
export interface PortabilityProblem {
  readonly rule: 'parse' | 'function' | 'cast' | 'division' | 'avg' | 'operator' | 'syntax' | 'table';
  readonly message: string;
}

/**
 * Functions known to behave the same on DuckDB and on Trino for the argument types the saved queries use.
 * An allow-list, not a deny-list: a grammar that accepts `median(x)` does not mean Athena runs it.
 */
export const PORTABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'coalesce',
  'nullif',
  'row_number',
  'lag',
  'lead',
  'round',
  'abs',
  'floor',
  'ceil',
  'greatest',
  'least',
  'lower',
  'upper',
  'trim',
  'length',
  // IEEE 754 square root, correctly rounded on both engines (C++ std::sqrt, Java Math.sqrt): standard errors.
  'sqrt',
]);

/** The tables a saved query may read: the curated responses and the calibration weights (survey weight). */
export const PORTABLE_TABLES: ReadonlySet<string> = new Set(['responses', 'weights']);

/** Cast targets with the same meaning on both engines. */
const PORTABLE_TYPES: ReadonlySet<string> = new Set(['DOUBLE', 'BIGINT', 'INTEGER', 'VARCHAR', 'BOOLEAN']);

/** Spellings the parser accepts but Athena rejects or reads differently, checked on the text. */
const TEXT_RULES: readonly (readonly [RegExp, string])[] = [
  [/::/, 'the cast shorthand "::" (write cast(x as type))'],
  [/\bilike\b/i, 'ILIKE (write lower(x) like ...)'],
  [/\bqualify\b/i, 'QUALIFY (filter a window column in a CTE)'],
  [/\bgroup\s+by\s+all\b/i, 'GROUP BY ALL (list the columns)'],
  [/\bexclude\s*\(/i, 'SELECT * EXCLUDE (list the columns)'],
  [/\$[0-9]+/, 'a $n parameter (write ?)'],
  [/\b(list|struct|array)_[a-z_]+\s*\(/i, 'a list_/struct_/array_ function'],
];

/** The SQL text with comments and string literals blanked, so text rules never match inside them. */
function code(sql: string): string {
  return sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^']|'')*'/g, (match) => ' '.repeat(match.length));
}

type Node = Record<string, unknown>;

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null;
}

function functionName(node: Node): string {
  if (node.type === 'aggr_func') return String(node.name).toLowerCase();
  const name = node.name as { name?: { value?: string }[] } | string | undefined;
  if (typeof name === 'string') return name.toLowerCase();
  return (name?.name ?? [])
    .map((part) => part.value ?? '')
    .join('.')
    .toLowerCase();
}

function isDoubleCast(node: unknown): boolean {
  if (!isNode(node) || node.type !== 'cast') return false;
  const target = (node.target as { dataType?: string }[] | undefined)?.[0]?.dataType;
  return node.symbol === 'as' && String(target).toUpperCase() === 'DOUBLE';
}

function isDecimalLiteral(node: unknown): boolean {
  return isNode(node) && node.type === 'number' && String(node.value).includes('.');
}

/**
 * Checks one saved query's SQL for portability between DuckDB and Athena: it must parse with the Trino
 * grammar; call only allow-listed functions; cast with `cast(x as type)`; divide with a `cast(... as double)`
 * or a decimal literal on one side (Trino truncates integer division); average only `cast(... as double)`
 * (Trino averages a decimal to a decimal of the same scale); read no table but `responses`, `weights` and its
 * CTEs.
 * Returns the problems found, none when the SQL is portable.
 */
export function checkPortableSql(sql: string): PortabilityProblem[] {
  const problems: PortabilityProblem[] = [];
  const text = code(sql);
  for (const [pattern, what] of TEXT_RULES) {
    if (pattern.test(text)) problems.push({ rule: 'syntax', message: `uses ${what}` });
  }
  let ast: unknown;
  try {
    ast = new sqlParser.Parser().astify(sql, { database: 'trino' });
  } catch (error) {
    problems.push({
      rule: 'parse',
      message: `does not parse as Trino SQL: ${(error as Error).message.split('\n')[0]}`,
    });
    return problems;
  }
  const statements = Array.isArray(ast) ? ast : [ast];
  if (statements.length !== 1)
    problems.push({ rule: 'syntax', message: `has ${statements.length} statements, expected 1` });
  const ctes = new Set<string>();
  const tables: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
      return;
    }
    if (!isNode(value)) return;
    if (Array.isArray(value.with)) {
      for (const cte of value.with as { name?: { value?: string } }[]) {
        if (cte.name?.value) ctes.add(cte.name.value.toLowerCase());
      }
    }
    if (Array.isArray(value.from)) {
      for (const source of value.from as Node[]) if (typeof source.table === 'string') tables.push(source.table);
    }
    if (value.type === 'function' || value.type === 'aggr_func') {
      const name = functionName(value);
      if (!PORTABLE_FUNCTIONS.has(name)) {
        problems.push({ rule: 'function', message: `calls ${name}(), which is not on the portable allow-list` });
      }
      if (name === 'avg') {
        const argument = (value.args as { expr?: unknown } | undefined)?.expr;
        if (!isDoubleCast(argument)) {
          problems.push({ rule: 'avg', message: 'averages something other than cast(... as double)' });
        }
      }
    }
    if (value.type === 'cast') {
      const target = String((value.target as { dataType?: string }[] | undefined)?.[0]?.dataType).toUpperCase();
      if (value.symbol !== 'as') problems.push({ rule: 'cast', message: `casts with "${String(value.symbol)}"` });
      if (!PORTABLE_TYPES.has(target)) problems.push({ rule: 'cast', message: `casts to ${target}` });
    }
    if (value.type === 'binary_expr') {
      const operator = String(value.operator).toUpperCase();
      if (operator === '/') {
        const safe = [value.left, value.right].some((side) => isDoubleCast(side) || isDecimalLiteral(side));
        if (!safe) {
          problems.push({
            rule: 'division',
            message: 'divides without a cast(... as double) or a decimal literal on either side',
          });
        }
      }
      if (operator === 'ILIKE' || operator === 'NOT ILIKE' || operator === 'SIMILAR TO' || operator === '~') {
        problems.push({ rule: 'operator', message: `uses the operator ${operator}` });
      }
    }
    for (const child of Object.values(value)) visit(child);
  };
  visit(statements);
  for (const table of tables) {
    if (!PORTABLE_TABLES.has(table.toLowerCase()) && !ctes.has(table.toLowerCase())) {
      problems.push({
        rule: 'table',
        message: `reads the table ${table}; saved queries read only ${[...PORTABLE_TABLES].join(' and ')}`,
      });
    }
  }
  return problems;
}
