// The registry of surveys. Adding a survey = one definition file beside this one + its line in SURVEYS;
// nothing in the pipeline names a survey.
import type { SurveyDefinition } from '../survey-definition.ts';
import { FR_ESS } from './fr-ess.ts';
import { UK_SE } from './uk-se.ts';

/** Every known survey, each validated by SurveyDefinitionSchema when its file is loaded. */
export const SURVEYS: readonly SurveyDefinition[] = Object.freeze([UK_SE, FR_ESS]);

// Two definition files claiming one id would make getSurvey pick one silently: fail on import instead.
const ids = SURVEYS.map((survey) => survey.id);
const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
if (duplicate !== undefined) {
  throw new Error(`schemas: survey ids must be unique, got "${duplicate}" in more than one definition file`);
}

/** A survey id that no definition file declares. */
export class UnknownSurveyError extends Error {
  /** Creates a one-line unknown-survey error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UnknownSurveyError';
  }
}

/** The survey with this id, or UnknownSurveyError naming the known ids. */
export function getSurvey(id: string): SurveyDefinition {
  const survey = SURVEYS.find((candidate) => candidate.id === id);
  if (!survey) {
    throw new UnknownSurveyError(
      `schemas: unknown survey "${id}"; expected one of ${SURVEYS.map((known) => known.id).join(', ')}`,
    );
  }
  return survey;
}
