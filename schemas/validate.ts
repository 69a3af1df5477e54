// The per-row accept check, compiled from the canonical zod schema (STYLE.md 4: derived, never written by hand).
// zod's safeParse costs about 2 µs a record, as much as parsing the CSV row itself; most rows are valid, so the
// ingest first asks this straight-line function, generated from the schema's own definitions, whether the record
// passes, and only runs safeParse (for zod's issues) on a record it does not accept. The two must agree on every
// record: a property test holds them to it, and compilation throws on any zod construct it does not know, so a
// schema change can never be skipped silently.
import type { z } from 'zod';
import { CanonicalRecordSchema, checkCrossFields } from './canonical.ts';
import { SchemaDerivationError } from './derive.ts';

/** True when the record would pass CanonicalRecordSchema.safeParse; for records with exactly the schema's keys. */
export type RecordCheck = (record: Readonly<Record<string, unknown>>) => boolean;

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/** A JavaScript number literal for a bound read from the schema (never from data). */
function literal(name: string, value: unknown): string {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new SchemaDerivationError(`schemas: column "${name}" has a bound that is not a number, got ${String(value)}`);
  }
  return Object.is(value, -0) ? '0' : String(value);
}

/**
 * For a pattern of the form ^[a-z0-9...]{n}$ (character ranges only, no flags), such as org_id's, a test that
 * compares the length and each character's code: several times cheaper per row than running the regex. Else
 * undefined, and the regex itself is used.
 */
function fixedClassTest(pattern: RegExp): ((v: string) => boolean) | undefined {
  const match = /^\^\[((?:[0-9A-Za-z]-[0-9A-Za-z])+)\]\{(\d+)\}\$$/.exec(pattern.source);
  if (!match || pattern.flags !== '') return undefined;
  const ranges: [number, number][] = [];
  for (let i = 0; i < match[1]!.length; i += 3) {
    ranges.push([match[1]!.charCodeAt(i), match[1]!.charCodeAt(i + 2)]);
  }
  const length = Number(match[2]);
  const allowed = new Uint8Array(128);
  for (const [from, to] of ranges) for (let code = from; code <= to; code++) allowed[code] = 1;
  return (v) => {
    if (v.length !== length) return false;
    for (let i = 0; i < length; i++) {
      const code = v.charCodeAt(i);
      if (code >= 128 || allowed[code] === 0) return false;
    }
    return true;
  };
}

/** The condition (a JS expression over `v`) under which one column's value passes its zod type. */
function condition(name: string, schema: z.ZodType, constants: unknown[]): string {
  const def = schema._zod.def as unknown as {
    type: string;
    format?: string;
    checks?: { _zod: { def: Record<string, unknown> } }[];
    innerType?: z.ZodType;
    entries?: Record<string, string | number>;
  };
  const constant = (value: unknown): string => {
    constants.push(value);
    return `c[${constants.length - 1}]`;
  };
  const checks = (def.checks ?? []).map((check) => {
    const c = check._zod.def;
    switch (c.check) {
      case 'greater_than':
        return `v ${c.inclusive ? '>=' : '>'} ${literal(name, c.value)}`;
      case 'less_than':
        return `v ${c.inclusive ? '<=' : '<'} ${literal(name, c.value)}`;
      case 'min_length':
        return `v.length >= ${literal(name, c.minimum)}`;
      case 'max_length':
        return `v.length <= ${literal(name, c.maximum)}`;
      case 'string_format': {
        if (c.format !== 'regex' || !(c.pattern instanceof RegExp) || c.pattern.global || c.pattern.sticky) {
          throw new SchemaDerivationError(
            `schemas: column "${name}" has a string format the record check cannot compile, got ${String(c.format)}`,
          );
        }
        const fixed = fixedClassTest(c.pattern);
        return fixed ? `${constant(fixed)}(v)` : `${constant(c.pattern)}.test(v)`;
      }
      default:
        throw new SchemaDerivationError(
          `schemas: column "${name}" has a zod check the record check cannot compile, got ${String(c.check)}`,
        );
    }
  });
  let base: string;
  switch (def.type) {
    case 'nullable':
      if (checks.length > 0 || def.innerType === undefined) {
        throw new SchemaDerivationError(`schemas: column "${name}" has checks on its nullable wrapper, got ${checks}`);
      }
      return `(v === null || (${condition(name, def.innerType, constants)}))`;
    case 'string':
      if (def.format !== undefined) {
        throw new SchemaDerivationError(
          `schemas: column "${name}" has a string format the record check cannot compile, got ${def.format}`,
        );
      }
      base = `typeof v === 'string'`;
      break;
    case 'boolean':
      base = `typeof v === 'boolean'`;
      break;
    case 'enum':
      if (def.entries === undefined)
        throw new SchemaDerivationError(`schemas: column "${name}" is an enum without entries`);
      base = `${constant(new Set(Object.values(def.entries)))}.has(v)`;
      break;
    case 'number':
      switch (def.format) {
        case undefined:
          // z.number() takes finite numbers only.
          base = `typeof v === 'number' && Number.isFinite(v)`;
          break;
        case 'int32':
          base = `typeof v === 'number' && Number.isInteger(v) && v >= ${INT32_MIN} && v <= ${INT32_MAX}`;
          break;
        case 'safeint':
          base = `typeof v === 'number' && Number.isSafeInteger(v)`;
          break;
        default:
          throw new SchemaDerivationError(
            `schemas: column "${name}" has a number format the record check cannot compile, got ${def.format}`,
          );
      }
      break;
    default:
      throw new SchemaDerivationError(
        `schemas: column "${name}" has a zod type the record check cannot compile, got ${def.type}`,
      );
  }
  return [base, ...checks].join(' && ');
}

let crossFieldViolated = false;
function flagViolation(): void {
  crossFieldViolated = true;
}

/**
 * Compiles the field checks of a strict object schema: one generated function of straight-line conditions, one
 * per column (no allocation). Object-level refinements are not part of it: see compileRecordCheck.
 */
export function compileFieldsCheck(schema: z.ZodObject): RecordCheck {
  const def = schema._zod.def;
  if (def.catchall?._zod.def.type !== 'never') {
    throw new SchemaDerivationError('schemas: the record check needs a strict object schema, got a non-strict one');
  }
  const constants: unknown[] = [];
  const lines = Object.entries(def.shape).map(
    ([name, field]) =>
      `v = r[${JSON.stringify(name)}];\nif (!(${condition(name, field as z.ZodType, constants)})) return false;`,
  );
  return new Function('c', `return function check(r) {\nlet v;\n${lines.join('\n')}\nreturn true;\n};`)(
    constants,
  ) as RecordCheck;
}

/**
 * Compiles the canonical record's accept check: its field checks, then the cross-field rules (checkCrossFields,
 * the very function the schema's refinement runs). Throws if the schema has grown another object-level check.
 */
export function compileRecordCheck(): RecordCheck {
  const refinements = CanonicalRecordSchema._zod.def.checks ?? [];
  if (refinements.length !== 1 || refinements[0]?._zod.def.check !== 'custom') {
    throw new SchemaDerivationError(
      `schemas: the record check knows exactly one cross-field refinement, got ${refinements.length} object checks`,
    );
  }
  const fields = compileFieldsCheck(CanonicalRecordSchema);
  return (record) => {
    if (!fields(record)) return false;
    crossFieldViolated = false;
    checkCrossFields(record, flagViolation);
    return !crossFieldViolated;
  };
}
