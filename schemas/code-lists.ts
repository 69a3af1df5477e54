// The coded answers of CODEBOOK.md "Values", transcribed exactly. Matching (core/ingest) folds both the raw
// answer and every entry of `answers` with `fold`, and also accepts the code itself.

/** One coded value: its code (what is stored), a readable label and every answer that maps to it. */
export type CodeEntry = {
  readonly code: string;
  readonly label: string;
  readonly answers: readonly string[];
  readonly nace?: string;
};

/** An ordered list of coded values. */
export type CodeList = readonly CodeEntry[];

/** Builds an entry whose label is its first answer (the codebook lists the canonical wording first). */
function entry(code: string, answers: readonly string[], nace?: string): CodeEntry {
  const label = answers[0];
  if (label === undefined) throw new Error(`schemas: code "${code}" must have at least one answer, got none`);
  return nace === undefined ? { code, label, answers } : { code, label, answers, nace };
}

/** Legal forms (CODEBOOK.md "Legal forms"). */
export const LEGAL_FORMS: CodeList = [
  entry('cic', ['Community Interest Company', 'CIC', 'C.I.C.']),
  entry('cooperative', ['Co-operative', 'Cooperative', 'Co-op', 'Worker co-operative', 'Coopérative', 'SCOP', 'SCIC']),
  entry('community_benefit_society', ['Community Benefit Society', 'BenCom', 'CBS']),
  entry('company_limited_by_guarantee', ['Company limited by guarantee', 'CLG']),
  entry('company_limited_by_shares', ['Company limited by shares', 'Ltd', 'Private limited company', 'SAS', 'SARL']),
  entry('charity', ['Charity', 'Registered charity', 'CIO', 'Charitable Incorporated Organisation']),
  entry('mutual', ['Mutual', 'Mutuelle', 'Mutual society']),
  entry('association', ['Association', 'Association loi 1901']),
  entry('foundation', ['Foundation', 'Fondation', 'Fonds de dotation']),
  entry('other', ['Other', 'Autre']),
];

/** Sectors, each tied to its NACE Rev. 2 section so UK SIC and French NAF both map (CODEBOOK.md "Sectors"). */
export const SECTORS: CodeList = [
  entry('health', ['Health', 'Healthcare', 'Health care', 'Santé'], 'Q86'),
  entry('social_care', ['Social care', 'Adult social care', 'Care', 'Action sociale', 'Médico-social'], 'Q87-88'),
  entry('education', ['Education', 'Enseignement', 'Éducation'], 'P'),
  entry('youth', ['Youth services', 'Youth', 'Jeunesse'], 'Q88/R'),
  entry(
    'employment_skills',
    ['Employment and skills', 'Employment & skills', 'Employment', 'Emploi et formation', 'Insertion'],
    'N78/P85',
  ),
  entry('housing', ['Housing', 'Logement'], 'L68'),
  entry('arts_culture', ['Arts and culture', 'Arts & culture', 'Culture', 'Arts'], 'R90-91'),
  entry('leisure_sport', ['Leisure', 'Sport and leisure', 'Sport', 'Sport et loisirs'], 'R93'),
  entry('environment', ['Environment', 'Environnement', 'Recycling'], 'E'),
  entry('community_development', ['Community development', 'Community', 'Développement local'], 'S94'),
  entry('finance', ['Finance', 'Financial services', 'Banque et assurance'], 'K'),
  entry('retail', ['Retail', 'Trading', 'Commerce'], 'G'),
  // The codebook gives "—" (no NACE section) for other: the key is left out rather than holding a dash.
  entry('other', ['Other', 'Autre']),
];

/** The public body a spin-out came from (CODEBOOK.md "Parent bodies"); the label is the plainest answer. */
export const PARENT_BODIES: CodeList = [
  {
    code: 'health_service',
    label: 'Health service',
    answers: ['NHS', 'NHS trust', 'CCG', 'Health service', 'Hôpital', 'Établissement de santé'],
  },
  {
    code: 'local_authority',
    label: 'Local authority',
    answers: [
      'Local authority',
      'Council',
      'County council',
      'Collectivité territoriale',
      'Commune',
      'Département',
      'Région',
    ],
  },
  {
    code: 'central_government',
    label: 'Central government',
    answers: ['Central government', 'Government department', 'État', 'Ministère'],
  },
  {
    code: 'other_public',
    label: 'Other public body',
    answers: ['Other public body', 'Other', 'Autre organisme public'],
  },
];

/** Self-reported turnover trend (CODEBOOK.md "Turnover trend"). */
export const TURNOVER_TRENDS: CodeList = [
  entry('increased', ['Increased', 'Up', 'Grew', 'En hausse', 'Augmenté']),
  entry('same', ['Stayed the same', 'Same', 'Stable']),
  entry('decreased', ['Decreased', 'Down', 'Fell', 'En baisse', 'Diminué']),
];

/** Great Britain and Northern Ireland regions, ITL1 codes (CODEBOOK.md "Regions, GB"). */
export const REGIONS_GB: CodeList = [
  entry('TLC', ['North East']),
  entry('TLD', ['North West']),
  entry('TLE', ['Yorkshire and The Humber', 'Yorkshire & Humber']),
  entry('TLF', ['East Midlands']),
  entry('TLG', ['West Midlands']),
  entry('TLH', ['East of England', 'East']),
  entry('TLI', ['London']),
  entry('TLJ', ['South East']),
  entry('TLK', ['South West']),
  entry('TLL', ['Wales']),
  entry('TLM', ['Scotland']),
  entry('TLN', ['Northern Ireland']),
];

/** French regions, ISO 3166-2 codes (CODEBOOK.md "Regions, FR"). */
export const REGIONS_FR: CodeList = [
  entry('FR-ARA', ['Auvergne-Rhône-Alpes']),
  entry('FR-BFC', ['Bourgogne-Franche-Comté']),
  entry('FR-BRE', ['Bretagne']),
  entry('FR-CVL', ['Centre-Val de Loire']),
  entry('FR-20R', ['Corse']),
  entry('FR-GES', ['Grand Est']),
  entry('FR-HDF', ['Hauts-de-France']),
  entry('FR-IDF', ['Île-de-France']),
  entry('FR-NOR', ['Normandie']),
  entry('FR-NAQ', ['Nouvelle-Aquitaine']),
  entry('FR-OCC', ['Occitanie']),
  entry('FR-PDL', ['Pays de la Loire']),
  entry('FR-PAC', ["Provence-Alpes-Côte d'Azur"]),
  entry('FR-971', ['Guadeloupe']),
  entry('FR-972', ['Martinique']),
  entry('FR-973', ['Guyane']),
  entry('FR-974', ['La Réunion']),
  entry('FR-976', ['Mayotte']),
];

/** Answers read as true (CODEBOOK.md "Booleans"); compared after folding. */
export const BOOLEAN_TRUE: readonly string[] = ['yes', 'y', 'true', '1', 'x', 'oui', 'o', 'vrai'];

/** Answers read as false (CODEBOOK.md "Booleans"); compared after folding. */
export const BOOLEAN_FALSE: readonly string[] = ['no', 'n', 'false', '0', 'non', 'faux'];

/** Answers read as "not known" (null) for a boolean; blank is the empty string. Compared after folding. */
export const BOOLEAN_NULL: readonly string[] = ['', 'n/a', 'na', '-', "don't know", 'ne sait pas'];

/** Answers read as "not known" (null) for a number; blank is the empty string (CODEBOOK.md "Numbers"). */
export const NUMBER_NULL: readonly string[] = ['', 'n/a', '-', 'nc', 'ns'];
