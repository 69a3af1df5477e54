import { describe, expect, it } from 'vitest';
import { HeaderError, matchHeaders } from '../../../../core/ingest/headers.ts';
import { getSurvey, type SourceField } from '../../../../schemas/index.ts';

// CODEBOOK.md "Raw headers", transcribed: field | uk-se headers | fr-ess headers.
const CODEBOOK_HEADERS = `
response_id | Respondent ID · Response ID · ID | Identifiant · N° de réponse
submitted_at | Submitted · Date submitted · End Date | Date de réponse · Date de soumission
org_name | Organisation name · Name of your organisation | Nom de la structure · Raison sociale
registration_number | Registered number · Company or charity number | SIREN · Numéro SIREN
postcode | Postcode | Code postal
contact_name | Your name · Contact name | Nom du contact
contact_email | Email · Contact email | Courriel · E-mail
legal_form | Legal form · Which legal form does your organisation have? | Forme juridique · Statut juridique
is_spinout | Spun out of the public sector? · Did your organisation spin out of a public sector body? | Issue du secteur public ? · Essaimage d'une structure publique ?
spinout_year | Year of spin-out · Spin-out year | Année d'essaimage
parent_body | Parent public body · Which public body did you spin out from? | Organisme public d'origine
sector | Main sector · Primary sector of activity | Secteur d'activité principal · Secteur
region | Region · Region of head office | Région · Région du siège
founded_year | Year established · Year founded | Année de création
employees | Number of employees · Paid staff (headcount) | Nombre de salariés · Effectif salarié
volunteers | Number of volunteers · Volunteers | Nombre de bénévoles · Bénévoles
turnover | Turnover (last financial year) · Annual turnover | Chiffre d'affaires (dernier exercice) · Budget annuel
turnover_prev | Turnover (previous financial year) · Turnover, year before | Chiffre d'affaires (exercice précédent)
turnover_trend | Has your turnover increased, decreased or stayed the same? · Turnover trend | Évolution du chiffre d'affaires
public_income_pct | % income from public sector · Share of income from the public sector (%) | Part des recettes publiques (%)
surplus_reinvested_pct | % of surplus reinvested · Surplus reinvested (%) | Part des excédents réinvestis (%)
employee_owned | Employee-owned? · Is the organisation owned by its employees? | Détenue par les salariés ?
staff_voice_strategy | Staff involved in strategy decisions | Salariés associés à la stratégie
staff_voice_policy | Staff involved in policy and procedures | Salariés associés aux règles et procédures
staff_voice_operations | Staff involved in day-to-day operations | Salariés associés au fonctionnement quotidien
measures_social_value | Do you measure your social impact? · Measures social value | Mesure de l'utilité sociale ?
new_services | Introduced new services since the last survey? · New services | Nouveaux services ?`
  .trim()
  .split('\n')
  .map((line) => {
    const [field, uk, fr] = line.split(' | ') as [SourceField, string, string];
    return { field, uk: uk.split(' · '), fr: fr.split(' · ') };
  });

const ALIASES: [string, SourceField, string][] = CODEBOOK_HEADERS.flatMap(({ field, uk, fr }) => [
  ...uk.map((alias) => ['uk-se', field, alias] as [string, SourceField, string]),
  ...fr.map((alias) => ['fr-ess', field, alias] as [string, SourceField, string]),
]);

/** The same header as survey tools export it: other case, doubled spaces, accents dropped, punctuation changed. */
function noisy(header: string): string[] {
  const unaccented = header.normalize('NFD').replace(/\p{M}/gu, '');
  return [
    header,
    header.toUpperCase(),
    `  ${header.toLowerCase()} `,
    header.replace(/ /g, '  '),
    unaccented,
    `${unaccented}:`,
  ];
}

/** A minimal valid header for a survey: the required columns and an organisation name, by their first alias. */
function minimalHeader(survey: 'uk-se' | 'fr-ess'): string[] {
  const fields: SourceField[] = ['org_name', 'legal_form', 'is_spinout', 'sector'];
  return fields.map((field) => getSurvey(survey).headers[field][0]!);
}

describe('matchHeaders', () => {
  it.each(ALIASES)(
    'matches the %s header of %s, %j, with case, space, accent and punctuation noise',
    (id, field, alias) => {
      const survey = getSurvey(id);
      // The other columns a file needs, without the one under test.
      const others: SourceField[] = ['org_name', 'registration_number', 'legal_form', 'is_spinout', 'sector'];
      const base = others.filter((other) => other !== field).map((other) => survey.headers[other][0]!);
      for (const variant of noisy(alias)) {
        const match = matchHeaders([...base, variant], survey);
        expect(match.fields[base.length], JSON.stringify(variant)).toBe(field);
        expect(match.matched[variant]).toBe(field);
        expect(match.unknown).toEqual([]);
      }
    },
  );

  it.each(['uk-se', 'fr-ess'] as const)('knows every %s alias of the codebook and no other', (id) => {
    const survey = getSurvey(id);
    for (const { field, uk, fr } of CODEBOOK_HEADERS) {
      expect(survey.headers[field], field).toEqual(id === 'uk-se' ? uk : fr);
    }
    expect(Object.keys(survey.headers).sort()).toEqual(CODEBOOK_HEADERS.map(({ field }) => field).sort());
  });

  it('maps every column of a full uk-se header, in order, and reports the unknown ones', () => {
    const header = [
      'ID',
      'Name of your organisation',
      'Postcode',
      'Legal form',
      'Notes',
      'Spun out of the public sector?',
      'Main sector',
      'Email',
    ];
    const match = matchHeaders(header, getSurvey('uk-se'));
    expect(match).toEqual({
      fields: ['response_id', 'org_name', 'postcode', 'legal_form', null, 'is_spinout', 'sector', 'contact_email'],
      matched: {
        ID: 'response_id',
        'Name of your organisation': 'org_name',
        Postcode: 'postcode',
        'Legal form': 'legal_form',
        'Spun out of the public sector?': 'is_spinout',
        'Main sector': 'sector',
        Email: 'contact_email',
      },
      unknown: ['Notes'],
      dropped: ['Name of your organisation', 'Postcode', 'Email'],
    });
  });

  it('lists identity and contact columns as dropped, and nothing else', () => {
    const survey = getSurvey('fr-ess');
    const header = [
      'SIREN',
      'Raison sociale',
      'Code postal',
      'Nom du contact',
      'Courriel',
      ...minimalHeader('fr-ess').slice(1),
      'Région',
    ];
    expect(matchHeaders(header, survey).dropped).toEqual([
      'SIREN',
      'Raison sociale',
      'Code postal',
      'Nom du contact',
      'Courriel',
    ]);
  });

  it('reports an empty header cell as an unknown column "" rather than refusing the file', () => {
    const match = matchHeaders([...minimalHeader('uk-se'), '', '  '], getSurvey('uk-se'));
    expect(match.unknown).toEqual(['', '  ']);
    expect(match.fields.slice(-2)).toEqual([null, null]);
  });

  it('does not match an English header in the French survey', () => {
    const match = matchHeaders([...minimalHeader('fr-ess'), 'Number of employees'], getSurvey('fr-ess'));
    expect(match.unknown).toEqual(['Number of employees']);
  });

  it('refuses a file whose required column is missing, naming the headers it expected', () => {
    const header = minimalHeader('uk-se').filter((cell) => cell !== 'Main sector');
    expect(() => matchHeaders(header, getSurvey('uk-se'))).toThrow(
      new HeaderError(
        'ingest: required column "sector" is missing; expected one of the headers "Main sector", "Primary sector of activity"',
      ),
    );
  });

  it('refuses a file with two columns for one field', () => {
    const header = [...minimalHeader('fr-ess'), 'Secteur'];
    expect(() => matchHeaders(header, getSurvey('fr-ess'))).toThrow(
      'ingest: column "Secteur d\'activité principal" and column "Secteur" both match field "sector"',
    );
  });

  it('refuses a file with the same header twice', () => {
    const header = [...minimalHeader('uk-se'), 'Number of employees', 'number of employees'];
    expect(() => matchHeaders(header, getSurvey('uk-se'))).toThrow(
      'ingest: column "Number of employees" and column "number of employees" both match field "employees"',
    );
    expect(() => matchHeaders([...minimalHeader('uk-se'), 'Legal form'], getSurvey('uk-se'))).toThrow(HeaderError);
  });

  it('refuses a file with neither a registration number nor an organisation name', () => {
    const header = minimalHeader('uk-se').slice(1);
    expect(() => matchHeaders([...header, 'Postcode'], getSurvey('uk-se'))).toThrow(
      /^ingest: no column identifies organisations; expected a registration number \("Registered number", "Company or charity number"\)/,
    );
  });

  it('accepts a registration number alone as the identity column', () => {
    const header = ['Numéro SIREN', ...minimalHeader('fr-ess').slice(1)];
    expect(matchHeaders(header, getSurvey('fr-ess')).fields[0]).toBe('registration_number');
  });
});
