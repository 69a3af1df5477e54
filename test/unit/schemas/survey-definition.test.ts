import { describe, expect, it } from 'vitest';
import {
  checkWave,
  DROPPED_FIELDS,
  defineSurvey,
  fold,
  getSurvey,
  IDENTITY_FIELDS,
  REGIONS_FR,
  REGIONS_GB,
  SOURCE_FIELDS,
  SURVEYS,
  type SurveyDefinition,
  SurveyDefinitionError,
  SurveyDefinitionSchema,
  UnknownSurveyError,
  WaveRangeError,
} from '../../../schemas/index.ts';

// CODEBOOK.md "Raw headers", transcribed row by row: field, uk-se headers, fr-ess headers.
const CODEBOOK_HEADERS: [string, string, string][] = [
  ['response_id', 'Respondent ID · Response ID · ID', 'Identifiant · N° de réponse'],
  ['submitted_at', 'Submitted · Date submitted · End Date', 'Date de réponse · Date de soumission'],
  ['org_name', 'Organisation name · Name of your organisation', 'Nom de la structure · Raison sociale'],
  ['registration_number', 'Registered number · Company or charity number', 'SIREN · Numéro SIREN'],
  ['postcode', 'Postcode', 'Code postal'],
  ['contact_name', 'Your name · Contact name', 'Nom du contact'],
  ['contact_email', 'Email · Contact email', 'Courriel · E-mail'],
  ['legal_form', 'Legal form · Which legal form does your organisation have?', 'Forme juridique · Statut juridique'],
  [
    'is_spinout',
    'Spun out of the public sector? · Did your organisation spin out of a public sector body?',
    "Issue du secteur public ? · Essaimage d'une structure publique ?",
  ],
  ['spinout_year', 'Year of spin-out · Spin-out year', "Année d'essaimage"],
  ['parent_body', 'Parent public body · Which public body did you spin out from?', "Organisme public d'origine"],
  ['sector', 'Main sector · Primary sector of activity', "Secteur d'activité principal · Secteur"],
  ['region', 'Region · Region of head office', 'Région · Région du siège'],
  ['founded_year', 'Year established · Year founded', 'Année de création'],
  ['employees', 'Number of employees · Paid staff (headcount)', 'Nombre de salariés · Effectif salarié'],
  ['volunteers', 'Number of volunteers · Volunteers', 'Nombre de bénévoles · Bénévoles'],
  [
    'turnover',
    'Turnover (last financial year) · Annual turnover',
    "Chiffre d'affaires (dernier exercice) · Budget annuel",
  ],
  [
    'turnover_prev',
    'Turnover (previous financial year) · Turnover, year before',
    "Chiffre d'affaires (exercice précédent)",
  ],
  [
    'turnover_trend',
    'Has your turnover increased, decreased or stayed the same? · Turnover trend',
    "Évolution du chiffre d'affaires",
  ],
  [
    'public_income_pct',
    '% income from public sector · Share of income from the public sector (%)',
    'Part des recettes publiques (%)',
  ],
  ['surplus_reinvested_pct', '% of surplus reinvested · Surplus reinvested (%)', 'Part des excédents réinvestis (%)'],
  ['employee_owned', 'Employee-owned? · Is the organisation owned by its employees?', 'Détenue par les salariés ?'],
  ['staff_voice_strategy', 'Staff involved in strategy decisions', 'Salariés associés à la stratégie'],
  ['staff_voice_policy', 'Staff involved in policy and procedures', 'Salariés associés aux règles et procédures'],
  [
    'staff_voice_operations',
    'Staff involved in day-to-day operations',
    'Salariés associés au fonctionnement quotidien',
  ],
  [
    'measures_social_value',
    'Do you measure your social impact? · Measures social value',
    "Mesure de l'utilité sociale ?",
  ],
  ['new_services', 'Introduced new services since the last survey? · New services', 'Nouveaux services ?'],
];

const split = (text: string) => text.split(' · ');

describe('survey definitions', () => {
  it('lists the source fields in the order of the codebook', () => {
    expect(SOURCE_FIELDS).toEqual(CODEBOOK_HEADERS.map(([field]) => field));
    expect(IDENTITY_FIELDS).toEqual(['org_name', 'registration_number', 'postcode']);
    expect(DROPPED_FIELDS).toEqual(['contact_name', 'contact_email']);
  });

  it.each(CODEBOOK_HEADERS)('gives %s exactly the raw headers of the codebook in both surveys', (field, uk, fr) => {
    const key = field as (typeof SOURCE_FIELDS)[number];
    expect(getSurvey('uk-se').headers[key]).toEqual(split(uk));
    expect(getSurvey('fr-ess').headers[key]).toEqual(split(fr));
  });

  it('describes uk-se and fr-ess as the codebook does', () => {
    expect(getSurvey('uk-se')).toMatchObject({ country: 'GB', currency: 'GBP', decimalComma: false, firstWave: 2010 });
    expect(getSurvey('fr-ess')).toMatchObject({ country: 'FR', currency: 'EUR', decimalComma: true, firstWave: 2010 });
    expect(getSurvey('uk-se').regions).toBe(REGIONS_GB);
    expect(getSurvey('fr-ess').regions).toBe(REGIONS_FR);
    for (const survey of SURVEYS) expect(survey.requiredHeaders).toEqual(['legal_form', 'is_spinout', 'sector']);
  });

  it('accepts every listed survey with SurveyDefinitionSchema and no two with one id', () => {
    for (const survey of SURVEYS) expect(SurveyDefinitionSchema.safeParse(survey).success).toBe(true);
    expect(new Set(SURVEYS.map((survey) => survey.id)).size).toBe(SURVEYS.length);
  });

  it('never lets one folded header alias name two fields within a survey', () => {
    for (const survey of SURVEYS) {
      const folded = SOURCE_FIELDS.flatMap((field) => survey.headers[field].map(fold));
      expect(new Set(folded).size).toBe(folded.length);
    }
  });

  it('refuses a definition that leaves out a source field', () => {
    const uk = getSurvey('uk-se');
    const { new_services: _, ...headers } = uk.headers;
    expect(SurveyDefinitionSchema.safeParse({ ...uk, headers }).success).toBe(false);
  });

  it('refuses a definition where one folded alias is claimed by two fields, naming it', () => {
    const uk = getSurvey('uk-se');
    const bad: SurveyDefinition = {
      ...uk,
      id: 'bad',
      headers: { ...uk.headers, volunteers: ['employees!'], employees: ['Employees'] },
    };
    expect(() => defineSurvey(bad)).toThrow(SurveyDefinitionError);
    expect(() => defineSurvey(bad)).toThrow(
      /survey definition "bad" is invalid at headers\.volunteers: header alias "employees!"/,
    );
  });

  it('refuses a definition whose currency is not an ISO 4217 code', () => {
    expect(() => defineSurvey({ ...getSurvey('fr-ess'), currency: '€' })).toThrow(/at currency/);
  });
});

describe('getSurvey', () => {
  it('finds a survey by its id', () => {
    expect(getSurvey('fr-ess').id).toBe('fr-ess');
  });

  it('throws UnknownSurveyError naming the known ids for an unknown one', () => {
    expect(() => getSurvey('nope')).toThrow(UnknownSurveyError);
    expect(() => getSurvey('nope')).toThrow('schemas: unknown survey "nope"; expected one of uk-se, fr-ess');
  });
});

describe('checkWave', () => {
  const uk = getSurvey('uk-se');
  const now = new Date('2026-11-24T12:00:00Z');

  it('accepts the first wave, this year and next year', () => {
    expect(checkWave(uk, 2010, now)).toBe(2010);
    expect(checkWave(uk, 2026, now)).toBe(2026);
    expect(checkWave(uk, 2027, now)).toBe(2027);
  });

  it.each([1890, 2009, 2028, 2023.5, Number.NaN])('rejects the wave %s with a one-line message', (wave) => {
    expect(() => checkWave(uk, wave, now)).toThrow(WaveRangeError);
    expect(() => checkWave(uk, wave, now)).toThrow(
      `schemas: wave must be a year from 2010 to 2027 for survey "uk-se", got ${wave}`,
    );
  });

  it('takes the upper bound from the current UTC year by default', () => {
    const next = new Date().getUTCFullYear() + 1;
    expect(checkWave(uk, next)).toBe(next);
    expect(() => checkWave(uk, next + 1)).toThrow(WaveRangeError);
  });
});
