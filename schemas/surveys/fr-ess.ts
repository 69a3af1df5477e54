// The French survey of social and solidarity economy (ESS) structures (CODEBOOK.md "Surveys", "Raw headers").
import { REGIONS_FR } from '../code-lists.ts';
import { defineSurvey } from '../survey-definition.ts';

/** The `fr-ess` survey: French headers (English answers also occur), EUR, ISO 3166-2 regions. */
export const FR_ESS = defineSurvey({
  id: 'fr-ess',
  title: "Enquête sur les structures de l'économie sociale et solidaire (ESS)",
  country: 'FR',
  currency: 'EUR',
  language: 'fr',
  // French style: "1 250 000,5" and "1,2 M€". A comma followed by exactly three digits stays a thousands
  // separator (CODEBOOK.md "Numbers"), so "125,000" from an English answer still reads as 125000.
  decimalComma: true,
  // 2010: same floor as uk-se (see there), early enough for the ESS observatory series that predate the
  // 2014 ESS law, late enough to refuse typed-in nonsense such as 1890.
  firstWave: 2010,
  headers: {
    response_id: ['Identifiant', 'N° de réponse'],
    submitted_at: ['Date de réponse', 'Date de soumission'],
    org_name: ['Nom de la structure', 'Raison sociale'],
    registration_number: ['SIREN', 'Numéro SIREN'],
    postcode: ['Code postal'],
    contact_name: ['Nom du contact'],
    contact_email: ['Courriel', 'E-mail'],
    legal_form: ['Forme juridique', 'Statut juridique'],
    is_spinout: ['Issue du secteur public ?', "Essaimage d'une structure publique ?"],
    spinout_year: ["Année d'essaimage"],
    parent_body: ["Organisme public d'origine"],
    sector: ["Secteur d'activité principal", 'Secteur'],
    region: ['Région', 'Région du siège'],
    founded_year: ['Année de création'],
    employees: ['Nombre de salariés', 'Effectif salarié'],
    volunteers: ['Nombre de bénévoles', 'Bénévoles'],
    turnover: ["Chiffre d'affaires (dernier exercice)", 'Budget annuel'],
    turnover_prev: ["Chiffre d'affaires (exercice précédent)"],
    turnover_trend: ["Évolution du chiffre d'affaires"],
    public_income_pct: ['Part des recettes publiques (%)'],
    surplus_reinvested_pct: ['Part des excédents réinvestis (%)'],
    employee_owned: ['Détenue par les salariés ?'],
    staff_voice_strategy: ['Salariés associés à la stratégie'],
    staff_voice_policy: ['Salariés associés aux règles et procédures'],
    staff_voice_operations: ['Salariés associés au fonctionnement quotidien'],
    measures_social_value: ["Mesure de l'utilité sociale ?"],
    new_services: ['Nouveaux services ?'],
  },
  regions: REGIONS_FR,
  requiredHeaders: ['legal_form', 'is_spinout', 'sector'],
});
