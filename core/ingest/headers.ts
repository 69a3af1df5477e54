// Header matching (CODEBOOK.md "Matching raw headers"): a raw header names a field when its folded text equals
// the folded text of one of the field's aliases in the survey definition. Problems that make the whole file
// unusable throw HeaderError; everything else is reported.
import { DROPPED_FIELDS, fold, IDENTITY_FIELDS, type SourceField, type SurveyDefinition } from '../../schemas/index.ts';

/** How a file's header row maps onto the survey's fields. */
export interface HeaderMatch {
  /** Per column index, the field the column holds, or null for an unknown column. */
  readonly fields: readonly (SourceField | null)[];
  /** Raw header → field, for every matched column, identity and contact columns included. */
  readonly matched: Readonly<Record<string, string>>;
  /**
   * Raw headers that match no field, in column order; their cells are ignored. An empty header cell is an
   * unknown column "" (exports often end the header with a stray delimiter, which must not refuse the file).
   */
  readonly unknown: readonly string[];
  /** Raw headers of identity and contact columns: matched (org_id is derived from them) but never written. */
  readonly dropped: readonly string[];
}

/** A header row the pipeline cannot ingest at all: a required column missing, or a field matched twice. */
export class HeaderError extends Error {
  /** Creates a one-line header error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HeaderError';
  }
}

/** Folded alias → field, built once per survey definition. */
const aliasMaps = new WeakMap<SurveyDefinition, ReadonlyMap<string, SourceField>>();

function aliasMap(survey: SurveyDefinition): ReadonlyMap<string, SourceField> {
  let map = aliasMaps.get(survey);
  if (map === undefined) {
    const built = new Map<string, SourceField>();
    for (const [field, aliases] of Object.entries(survey.headers) as [SourceField, readonly string[]][]) {
      for (const alias of aliases) built.set(fold(alias), field);
    }
    map = built;
    aliasMaps.set(survey, map);
  }
  return map;
}

const NEVER_WRITTEN: ReadonlySet<SourceField> = new Set([...IDENTITY_FIELDS, ...DROPPED_FIELDS]);

/** `"a", "b"` for a message. */
function quoted(texts: readonly string[]): string {
  return texts.map((text) => JSON.stringify(text)).join(', ');
}

/**
 * Matches a file's header row against a survey. Throws HeaderError when a field is matched by two columns
 * (two identical header cells included), when a required column is missing, or when there is neither a
 * registration-number nor an organisation-name column to derive org_id from.
 */
export function matchHeaders(header: readonly string[], survey: SurveyDefinition): HeaderMatch {
  const aliases = aliasMap(survey);
  const fields: (SourceField | null)[] = [];
  const matched: Record<string, string> = {};
  const unknown: string[] = [];
  const dropped: string[] = [];
  const columnOf = new Map<SourceField, number>();
  header.forEach((raw, index) => {
    const field = aliases.get(fold(raw)) ?? null;
    fields.push(field);
    if (field === null) {
      unknown.push(raw);
      return;
    }
    const first = columnOf.get(field);
    if (first !== undefined) {
      throw new HeaderError(
        `ingest: column ${JSON.stringify(header[first])} and column ${JSON.stringify(raw)} both match field "${field}"; expected one column per field`,
      );
    }
    columnOf.set(field, index);
    matched[raw] = field;
    if (NEVER_WRITTEN.has(field)) dropped.push(raw);
  });
  for (const field of survey.requiredHeaders) {
    if (!columnOf.has(field)) {
      throw new HeaderError(
        `ingest: required column "${field}" is missing; expected one of the headers ${quoted(survey.headers[field])}`,
      );
    }
  }
  if (!columnOf.has('registration_number') && !columnOf.has('org_name')) {
    throw new HeaderError(
      `ingest: no column identifies organisations; expected a registration number (${quoted(survey.headers.registration_number)}) or an organisation name (${quoted(survey.headers.org_name)})`,
    );
  }
  return { fields, matched, unknown, dropped };
}
