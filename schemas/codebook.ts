// The printed codebook of one survey, derived from the canonical schema, its metadata and the survey
// definition (STYLE.md 4): what an uploader reads to know which columns and answers a wave may carry.
import { CODE_LISTS, type CodeListName } from './canonical.ts';
import { BOOLEAN_FALSE, BOOLEAN_NULL, BOOLEAN_TRUE, type CodeList, NUMBER_NULL } from './code-lists.ts';
import { FIELDS, type FieldSpec, type JsonSchema, toJsonSchema } from './derive.ts';
import {
  DROPPED_FIELDS,
  IDENTITY_FIELDS,
  lastWave,
  SOURCE_FIELDS,
  type SourceField,
  type SurveyDefinition,
} from './survey-definition.ts';

/** How canonical columns that no raw header feeds get their value. */
const DERIVED: Readonly<Record<string, string>> = {
  org_id: `derived from ${IDENTITY_FIELDS.join(', ')}`,
  country: 'from the survey definition',
  currency: 'from the survey definition',
  source_file: 'set by the pipeline',
  source_row: 'set by the pipeline',
  ingested_at: 'set by the pipeline',
  survey: 'the --survey of the upload',
  wave: 'the --wave of the upload',
};

/** The code list a column draws from, for this survey. */
function codeList(survey: SurveyDefinition, name: CodeListName): CodeList {
  return name === 'region' ? survey.regions : CODE_LISTS[name];
}

function isSourceField(name: string): name is SourceField {
  return (SOURCE_FIELDS as readonly string[]).includes(name);
}

function quoted(aliases: readonly string[]): string {
  return aliases.map((alias) => `"${alias}"`).join(', ');
}

function typeText(field: FieldSpec): string {
  return field.codes ? `enum (${field.codes})` : field.kind;
}

/** The readable text codebook of one survey: every column, its raw headers, then the code lists. */
export function renderCodebook(survey: SurveyDefinition): string {
  const lines: string[] = [];
  lines.push(`Codebook — ${survey.id}: ${survey.title}`);
  lines.push(
    `country ${survey.country} · currency ${survey.currency} · language ${survey.language} · ` +
      `decimal comma: ${survey.decimalComma ? 'yes' : 'no'} · waves ${survey.firstWave} to ${lastWave()}`,
  );
  lines.push('');
  lines.push('Columns of table `responses` (partitioned by survey and wave):');
  for (const field of FIELDS) {
    const flags = [typeText(field), field.required ? 'required' : 'optional'];
    if (field.unit) flags.push(`unit: ${field.unit}`);
    flags.push(field.pii ? 'PII: yes, never published' : 'PII: no');
    if (field.partition) flags.push('partition');
    lines.push('');
    lines.push(`${field.name}  (${flags.join(', ')})`);
    lines.push(`  ${field.description}`);
    if (isSourceField(field.name)) {
      const aliases = survey.headers[field.name];
      lines.push(`  raw headers: ${aliases.length > 0 ? quoted(aliases) : '(none for this survey)'}`);
    } else {
      lines.push(`  raw headers: none (${DERIVED[field.name] ?? 'set by the pipeline'})`);
    }
    if (field.codes) lines.push(`  codes: see "${field.codes}" below`);
  }
  lines.push('');
  lines.push('Identity columns (read only to derive org_id, never stored):');
  for (const field of IDENTITY_FIELDS) lines.push(`  ${field}: ${quoted(survey.headers[field])}`);
  lines.push('Dropped columns (never read, never stored):');
  for (const field of DROPPED_FIELDS) lines.push(`  ${field}: ${quoted(survey.headers[field])}`);
  lines.push(`Required columns (a file without one is refused whole): ${survey.requiredHeaders.join(', ')}`);
  lines.push('');
  lines.push('Code lists (answers match after folding: case, accents, spaces and punctuation never matter;');
  lines.push('the code itself is accepted too):');
  for (const name of ['legal_form', 'sector', 'parent_body', 'turnover_trend', 'region'] as const) {
    lines.push('');
    lines.push(name === 'sector' ? `${name} (NACE Rev. 2 section in brackets)` : name);
    for (const entry of codeList(survey, name)) {
      const nace = name === 'sector' ? ` [NACE ${entry.nace ?? '—'}]` : '';
      lines.push(`  ${entry.code}${nace}  ${entry.label} ← ${entry.answers.join(' · ')}`);
    }
  }
  lines.push('');
  lines.push(`Booleans: true ← ${BOOLEAN_TRUE.join(', ')}; false ← ${BOOLEAN_FALSE.join(', ')};`);
  lines.push(`  null ← blank, ${BOOLEAN_NULL.filter((word) => word !== '').join(', ')}`);
  lines.push(`Numbers: null ← blank, ${NUMBER_NULL.filter((word) => word !== '').join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** The machine-readable codebook of one survey: JSON Schema, columns with raw headers, code lists. */
export function codebookJson(survey: SurveyDefinition): {
  survey: Omit<SurveyDefinition, 'headers' | 'regions'> & { lastWave: number };
  jsonSchema: JsonSchema;
  fields: (FieldSpec & { headers: readonly string[] })[];
  identityHeaders: Partial<Record<SourceField, readonly string[]>>;
  droppedHeaders: Partial<Record<SourceField, readonly string[]>>;
  codeLists: Record<CodeListName, CodeList>;
  values: { booleanTrue: readonly string[]; booleanFalse: readonly string[]; booleanNull: readonly string[] };
  numberNull: readonly string[];
} {
  const { headers, regions, ...identity } = survey;
  return {
    survey: { ...identity, lastWave: lastWave() },
    jsonSchema: toJsonSchema(survey),
    fields: FIELDS.map((field) => ({ ...field, headers: isSourceField(field.name) ? headers[field.name] : [] })),
    identityHeaders: Object.fromEntries(IDENTITY_FIELDS.map((field) => [field, headers[field]])),
    droppedHeaders: Object.fromEntries(DROPPED_FIELDS.map((field) => [field, headers[field]])),
    codeLists: { ...CODE_LISTS, region: regions },
    values: { booleanTrue: BOOLEAN_TRUE, booleanFalse: BOOLEAN_FALSE, booleanNull: BOOLEAN_NULL },
    numberNull: NUMBER_NULL,
  };
}
