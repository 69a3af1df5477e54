// What a survey definition file declares (CODEBOOK.md "Surveys" and "Raw headers"). Adding a survey is adding
// one definition file under schemas/surveys/ and its line in schemas/surveys/index.ts: the pipeline reads
// everything survey-specific from here.
import { z } from 'zod';
import type { CodeList } from './code-lists.ts';
import { fold } from './fold.ts';

/** Every field a raw file can carry, in CODEBOOK.md "Raw headers" order. */
export const SOURCE_FIELDS = [
  'response_id',
  'submitted_at',
  'org_name',
  'registration_number',
  'postcode',
  'contact_name',
  'contact_email',
  'legal_form',
  'is_spinout',
  'spinout_year',
  'parent_body',
  'sector',
  'region',
  'founded_year',
  'employees',
  'volunteers',
  'turnover',
  'turnover_prev',
  'turnover_trend',
  'public_income_pct',
  'surplus_reinvested_pct',
  'employee_owned',
  'staff_voice_strategy',
  'staff_voice_policy',
  'staff_voice_operations',
  'measures_social_value',
  'new_services',
] as const;

/** A field a raw file can carry. */
export type SourceField = (typeof SOURCE_FIELDS)[number];

/** Source fields used only to derive org_id; never written to the curated table. */
export const IDENTITY_FIELDS: readonly SourceField[] = ['org_name', 'registration_number', 'postcode'];

/** Source fields dropped on read: never used and never written. */
export const DROPPED_FIELDS: readonly SourceField[] = ['contact_name', 'contact_email'];

/** A survey: its identity, its raw header aliases and its region list. */
export type SurveyDefinition = {
  readonly id: string;
  readonly title: string;
  /** ISO 3166-1 alpha-2, e.g. "GB" or "FR"; copied into every canonical record. */
  readonly country: string;
  /** ISO 4217, e.g. "GBP" or "EUR"; copied into every canonical record. */
  readonly currency: string;
  /** BCP 47 language of the headers and answers, e.g. "en" or "fr". */
  readonly language: string;
  /** True when a comma not followed by exactly three digits is a decimal comma ("1,5" = 1.5). */
  readonly decimalComma: boolean;
  /** The first wave (year) the survey accepts. */
  readonly firstWave: number;
  /** Raw header aliases per source field; every source field is present, maybe with no alias. */
  readonly headers: Readonly<Record<SourceField, readonly string[]>>;
  /** The region code list of this survey's country. */
  readonly regions: CodeList;
  /** A file missing a column for one of these fields is refused whole. */
  readonly requiredHeaders: readonly SourceField[];
};

const CodeEntrySchema = z.strictObject({
  code: z.string().min(1),
  label: z.string().min(1),
  answers: z.array(z.string().min(1)).min(1),
  nace: z.string().min(1).optional(),
});

const SourceFieldSchema = z.enum(SOURCE_FIELDS);

/** Validates a survey definition, including that no folded header alias or region answer is claimed twice. */
export const SurveyDefinitionSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a lower-case kebab-case id such as "uk-se"'),
    title: z.string().min(1),
    country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as "GB"'),
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as "GBP"'),
    language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]+)*$/, 'a BCP 47 language tag such as "en"'),
    decimalComma: z.boolean(),
    firstWave: z.int().min(1900).max(2100),
    // A record keyed by an enum is exhaustive in zod 4: every source field must be listed.
    headers: z.record(SourceFieldSchema, z.array(z.string().min(1))),
    regions: z.array(CodeEntrySchema).min(1),
    requiredHeaders: z.array(SourceFieldSchema),
  })
  .superRefine((survey, ctx) => {
    const owner = new Map<string, string>();
    for (const field of SOURCE_FIELDS) {
      for (const alias of survey.headers[field]) {
        const key = fold(alias);
        const previous = owner.get(key);
        if (key === '' || (previous !== undefined && previous !== field)) {
          ctx.addIssue({
            code: 'custom',
            path: ['headers', field],
            message: `header alias "${alias}" must fold to a text no other field claims, got "${key}" (also ${previous ?? 'blank'})`,
          });
        }
        owner.set(key, field);
      }
    }
    const regionOwner = new Map<string, string>();
    for (const region of survey.regions) {
      for (const answer of [region.code, ...region.answers]) {
        const key = fold(answer);
        const previous = regionOwner.get(key);
        if (previous !== undefined && previous !== region.code) {
          ctx.addIssue({
            code: 'custom',
            path: ['regions'],
            message: `region answer "${answer}" must belong to one region, got ${previous} and ${region.code}`,
          });
        }
        regionOwner.set(key, region.code);
      }
    }
  }) satisfies z.ZodType<SurveyDefinition>;

/** A survey definition file that does not satisfy SurveyDefinitionSchema. */
export class SurveyDefinitionError extends Error {
  /** Creates the error with the zod issues as its cause. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SurveyDefinitionError';
  }
}

/** Validates a survey definition at load and freezes nothing: a bad definition file fails on import. */
export function defineSurvey(definition: SurveyDefinition): SurveyDefinition {
  const result = SurveyDefinitionSchema.safeParse(definition);
  if (!result.success) {
    const first = result.error.issues[0];
    const where = first?.path.join('.') || '(root)';
    throw new SurveyDefinitionError(
      `schemas: survey definition "${definition.id}" is invalid at ${where}: ${first?.message ?? 'unknown problem'}`,
      { cause: result.error },
    );
  }
  return definition;
}

/** A wave (year) outside the survey's accepted range. */
export class WaveRangeError extends Error {
  /** Creates a one-line wave range error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WaveRangeError';
  }
}

/** The last wave accepted today: next year, so a wave fielded late in a year can be loaded early. */
export function lastWave(now: Date = new Date()): number {
  return now.getUTCFullYear() + 1;
}

/** Throws WaveRangeError unless `wave` is a whole year from survey.firstWave to the current UTC year + 1. */
export function checkWave(survey: SurveyDefinition, wave: number, now: Date = new Date()): number {
  const last = lastWave(now);
  if (!Number.isInteger(wave) || wave < survey.firstWave || wave > last) {
    throw new WaveRangeError(
      `schemas: wave must be a year from ${survey.firstWave} to ${last} for survey "${survey.id}", got ${String(wave)}`,
    );
  }
  return wave;
}
