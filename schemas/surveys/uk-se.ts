// The UK survey of social enterprises and public service mutuals (CODEBOOK.md "Surveys", "Raw headers").
import { REGIONS_GB } from '../code-lists.ts';
import { defineSurvey } from '../survey-definition.ts';

/** The `uk-se` survey: English headers and answers, GBP, ITL1 regions, one wave every two years. */
export const UK_SE = defineSurvey({
  id: 'uk-se',
  title: 'UK survey of social enterprises and public service mutuals',
  country: 'GB',
  currency: 'GBP',
  language: 'en',
  // UK exports write "1,250" for one thousand two hundred and fifty: a comma is never a decimal comma.
  decimalComma: false,
  // 2010: the public service mutuals programme and the sector panels this survey continues began around
  // then, so back-loading historical waves must work; anything earlier is almost surely a typo (1890,
  // 201, a two-digit year) and is refused rather than partitioned under a nonsensical wave.
  firstWave: 2010,
  headers: {
    response_id: ['Respondent ID', 'Response ID', 'ID'],
    submitted_at: ['Submitted', 'Date submitted', 'End Date'],
    org_name: ['Organisation name', 'Name of your organisation'],
    registration_number: ['Registered number', 'Company or charity number'],
    postcode: ['Postcode'],
    contact_name: ['Your name', 'Contact name'],
    contact_email: ['Email', 'Contact email'],
    legal_form: ['Legal form', 'Which legal form does your organisation have?'],
    is_spinout: ['Spun out of the public sector?', 'Did your organisation spin out of a public sector body?'],
    spinout_year: ['Year of spin-out', 'Spin-out year'],
    parent_body: ['Parent public body', 'Which public body did you spin out from?'],
    sector: ['Main sector', 'Primary sector of activity'],
    region: ['Region', 'Region of head office'],
    founded_year: ['Year established', 'Year founded'],
    employees: ['Number of employees', 'Paid staff (headcount)'],
    volunteers: ['Number of volunteers', 'Volunteers'],
    turnover: ['Turnover (last financial year)', 'Annual turnover'],
    turnover_prev: ['Turnover (previous financial year)', 'Turnover, year before'],
    turnover_trend: ['Has your turnover increased, decreased or stayed the same?', 'Turnover trend'],
    public_income_pct: ['% income from public sector', 'Share of income from the public sector (%)'],
    surplus_reinvested_pct: ['% of surplus reinvested', 'Surplus reinvested (%)'],
    employee_owned: ['Employee-owned?', 'Is the organisation owned by its employees?'],
    staff_voice_strategy: ['Staff involved in strategy decisions'],
    staff_voice_policy: ['Staff involved in policy and procedures'],
    staff_voice_operations: ['Staff involved in day-to-day operations'],
    measures_social_value: ['Do you measure your social impact?', 'Measures social value'],
    new_services: ['Introduced new services since the last survey?', 'New services'],
  },
  regions: REGIONS_GB,
  requiredHeaders: ['legal_form', 'is_spinout', 'sector'],
});
