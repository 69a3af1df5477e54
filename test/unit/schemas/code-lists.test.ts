import { describe, expect, it } from 'vitest';
import {
  BOOLEAN_FALSE,
  BOOLEAN_NULL,
  BOOLEAN_TRUE,
  type CodeList,
  fold,
  LEGAL_FORMS,
  NUMBER_NULL,
  PARENT_BODIES,
  REGIONS_FR,
  REGIONS_GB,
  SECTORS,
  TURNOVER_TRENDS,
} from '../../../schemas/index.ts';

// Transcribed from CODEBOOK.md "Values" as written there ("·"-separated), independently of schemas/, so a
// typo on either side fails.
const CODEBOOK_LEGAL_FORMS: [string, string][] = [
  ['cic', 'Community Interest Company · CIC · C.I.C.'],
  ['cooperative', 'Co-operative · Cooperative · Co-op · Worker co-operative · Coopérative · SCOP · SCIC'],
  ['community_benefit_society', 'Community Benefit Society · BenCom · CBS'],
  ['company_limited_by_guarantee', 'Company limited by guarantee · CLG'],
  ['company_limited_by_shares', 'Company limited by shares · Ltd · Private limited company · SAS · SARL'],
  ['charity', 'Charity · Registered charity · CIO · Charitable Incorporated Organisation'],
  ['mutual', 'Mutual · Mutuelle · Mutual society'],
  ['association', 'Association · Association loi 1901'],
  ['foundation', 'Foundation · Fondation · Fonds de dotation'],
  ['other', 'Other · Autre'],
];

const CODEBOOK_SECTORS: [string, string, string][] = [
  ['health', 'Q86', 'Health · Healthcare · Health care · Santé'],
  ['social_care', 'Q87-88', 'Social care · Adult social care · Care · Action sociale · Médico-social'],
  ['education', 'P', 'Education · Enseignement · Éducation'],
  ['youth', 'Q88/R', 'Youth services · Youth · Jeunesse'],
  [
    'employment_skills',
    'N78/P85',
    'Employment and skills · Employment & skills · Employment · Emploi et formation · Insertion',
  ],
  ['housing', 'L68', 'Housing · Logement'],
  ['arts_culture', 'R90-91', 'Arts and culture · Arts & culture · Culture · Arts'],
  ['leisure_sport', 'R93', 'Leisure · Sport and leisure · Sport · Sport et loisirs'],
  ['environment', 'E', 'Environment · Environnement · Recycling'],
  ['community_development', 'S94', 'Community development · Community · Développement local'],
  ['finance', 'K', 'Finance · Financial services · Banque et assurance'],
  ['retail', 'G', 'Retail · Trading · Commerce'],
  ['other', '—', 'Other · Autre'],
];

const CODEBOOK_PARENT_BODIES: [string, string][] = [
  ['health_service', 'NHS · NHS trust · CCG · Health service · Hôpital · Établissement de santé'],
  [
    'local_authority',
    'Local authority · Council · County council · Collectivité territoriale · Commune · Département · Région',
  ],
  ['central_government', 'Central government · Government department · État · Ministère'],
  ['other_public', 'Other public body · Other · Autre organisme public'],
];

const CODEBOOK_TURNOVER_TRENDS: [string, string][] = [
  ['increased', 'Increased · Up · Grew · En hausse · Augmenté'],
  ['same', 'Stayed the same · Same · Stable'],
  ['decreased', 'Decreased · Down · Fell · En baisse · Diminué'],
];

const CODEBOOK_REGIONS_GB =
  'TLC North East · TLD North West · TLE Yorkshire and The Humber (Yorkshire & Humber) · TLF East Midlands · TLG West Midlands · TLH East of England (East) · TLI London · TLJ South East · TLK South West · TLL Wales · TLM Scotland · TLN Northern Ireland';

const CODEBOOK_REGIONS_FR =
  "FR-ARA Auvergne-Rhône-Alpes · FR-BFC Bourgogne-Franche-Comté · FR-BRE Bretagne · FR-CVL Centre-Val de Loire · FR-20R Corse · FR-GES Grand Est · FR-HDF Hauts-de-France · FR-IDF Île-de-France · FR-NOR Normandie · FR-NAQ Nouvelle-Aquitaine · FR-OCC Occitanie · FR-PDL Pays de la Loire · FR-PAC Provence-Alpes-Côte d'Azur · FR-971 Guadeloupe · FR-972 Martinique · FR-973 Guyane · FR-974 La Réunion · FR-976 Mayotte";

const split = (answers: string) => answers.split(' · ');

/** "TLE Yorkshire and The Humber (Yorkshire & Humber)" → [code, [label, alternative]]. */
function regions(text: string): [string, string[]][] {
  return split(text).map((item) => {
    const match = /^(\S+) ([^(]+?)(?: \((.+)\))?$/.exec(item);
    if (!match?.[1] || !match[2]) throw new Error(`test: cannot read region "${item}"`);
    return [match[1], match[3] ? [match[2], match[3]] : [match[2]]];
  });
}

/** What matching does (core/ingest): fold both sides; the code itself is accepted too. */
function match(list: CodeList, raw: string): string | undefined {
  const key = fold(raw);
  return list.find((entry) => fold(entry.code) === key || entry.answers.some((answer) => fold(answer) === key))?.code;
}

describe('code lists', () => {
  it.each([
    ['legal forms', LEGAL_FORMS, CODEBOOK_LEGAL_FORMS],
    ['parent bodies', PARENT_BODIES, CODEBOOK_PARENT_BODIES],
    ['turnover trends', TURNOVER_TRENDS, CODEBOOK_TURNOVER_TRENDS],
  ] as const)('lists the %s of the codebook, every answer, in order', (_name, list, codebook) => {
    expect(list.map((entry) => [entry.code, entry.answers])).toEqual(
      codebook.map(([code, text]) => [code, split(text)]),
    );
  });

  it('lists the sectors of the codebook with their NACE sections and every answer', () => {
    expect(SECTORS.map((entry) => [entry.code, entry.nace ?? '—', entry.answers])).toEqual(
      CODEBOOK_SECTORS.map(([code, nace, text]) => [code, nace, split(text)]),
    );
  });

  it.each([
    ['GB (ITL1)', REGIONS_GB, CODEBOOK_REGIONS_GB],
    ['FR (ISO 3166-2)', REGIONS_FR, CODEBOOK_REGIONS_FR],
  ] as const)('lists the %s regions of the codebook with their alternative names', (_name, list, codebook) => {
    expect(list.map((entry) => [entry.code, entry.answers])).toEqual(regions(codebook));
  });

  it('labels the ITL1 regions with their plain names', () => {
    expect(REGIONS_GB[0]).toMatchObject({ code: 'TLC', label: 'North East' });
    expect(REGIONS_GB.find((entry) => entry.code === 'TLE')?.answers).toContain('Yorkshire & Humber');
    expect(REGIONS_GB.find((entry) => entry.code === 'TLH')?.answers).toContain('East');
  });

  it.each([
    ['legal forms', LEGAL_FORMS],
    ['sectors', SECTORS],
    ['parent bodies', PARENT_BODIES],
    ['turnover trends', TURNOVER_TRENDS],
    ['GB regions', REGIONS_GB],
    ['FR regions', REGIONS_FR],
  ] as const)('gives every one of the %s a label that is one of its answers and no answer two codes', (_n, list) => {
    const owner = new Map<string, string>();
    for (const entry of list) {
      expect(entry.answers).toContain(entry.label);
      for (const answer of [entry.code, ...entry.answers]) {
        const key = fold(answer);
        expect(owner.get(key) ?? entry.code, `"${answer}" folds to "${key}"`).toBe(entry.code);
        owner.set(key, entry.code);
      }
    }
  });

  it('keeps the boolean and number null words of the codebook', () => {
    expect(BOOLEAN_TRUE).toEqual(['yes', 'y', 'true', '1', 'x', 'oui', 'o', 'vrai']);
    expect(BOOLEAN_FALSE).toEqual(['no', 'n', 'false', '0', 'non', 'faux']);
    expect(BOOLEAN_NULL).toEqual(['', 'n/a', 'na', '-', "don't know", 'ne sait pas']);
    expect(NUMBER_NULL).toEqual(['', 'n/a', '-', 'nc', 'ns']);
  });

  it('never lets a folded boolean word mean two things', () => {
    const t = new Set(BOOLEAN_TRUE.map(fold));
    const f = new Set(BOOLEAN_FALSE.map(fold));
    const n = new Set(BOOLEAN_NULL.map(fold));
    for (const word of t) expect(f.has(word) || n.has(word)).toBe(false);
    for (const word of f) expect(n.has(word)).toBe(false);
  });
});

describe('fold', () => {
  it.each([
    ['  HEALTH-care ', 'health care'],
    ['Santé', 'sante'],
    ['Île-de-France', 'ile de france'],
    ['Année d\u2019essaimage', 'annee d essaimage'],
    ['% income from public sector', 'income from public sector'],
    ['C.I.C.', 'c i c'],
    ['', ''],
  ])('folds %j to %j', (raw, folded) => {
    expect(fold(raw)).toBe(folded);
  });

  it.each([
    ['  HEALTH-care ', 'health', SECTORS],
    ['SANTE', 'health', SECTORS],
    ['medico social', 'social_care', SECTORS],
    ['social_care', 'social_care', SECTORS],
    ['Arts & Culture', 'arts_culture', SECTORS],
    ['c.i.c', 'cic', LEGAL_FORMS],
    ['COOPERATIVE', 'cooperative', LEGAL_FORMS],
    ['region', 'local_authority', PARENT_BODIES],
    ['etat', 'central_government', PARENT_BODIES],
    ['augmente', 'increased', TURNOVER_TRENDS],
    [' YORKSHIRE & humber', 'TLE', REGIONS_GB],
    ['tlh', 'TLH', REGIONS_GB],
    ['ile de france', 'FR-IDF', REGIONS_FR],
    ['fr-20r', 'FR-20R', REGIONS_FR],
    ["Provence Alpes Cote d'Azur", 'FR-PAC', REGIONS_FR],
  ] as const)('matches %j to the code %s', (raw, code, list) => {
    expect(match(list, raw)).toBe(code);
  });

  it('matches nothing for an answer that is not in the list', () => {
    expect(match(SECTORS, 'Aerospace')).toBeUndefined();
    expect(match(REGIONS_GB, 'Bretagne')).toBeUndefined();
  });
});
