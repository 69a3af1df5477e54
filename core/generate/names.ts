// Identity text for synthetic organisations: names, postcodes, contacts, free-text notes.
//
// org_id hashes the registration number, or when there is none the folded name plus postcode, so two
// different organisations must never share a name and postcode. Names and postcodes are therefore built as an
// injection of the organisation's index: the name from (index mod NAME_COUNT), the postcode's digits and
// letters from floor(index / NAME_COUNT). Every name of one survey folds to a different text (a unit test
// checks), so no two organisations of a population can collide.
import { fold } from '../../schemas/index.ts';

const UK_PLACE_STARTS = [
  'Ash',
  'Black',
  'Brad',
  'Brook',
  'Burn',
  'Castle',
  'Chester',
  'Clay',
  'Cold',
  'Cran',
  'Dun',
  'East',
  'Elm',
  'Fair',
  'Glen',
  'Green',
  'Hart',
  'Hazel',
  'High',
  'Holm',
  'Kings',
  'Lang',
  'Lin',
  'Long',
  'March',
  'Mill',
  'Moor',
  'New',
  'North',
  'Oak',
  'Pen',
  'Red',
  'Rich',
  'Rose',
  'Salt',
  'Stan',
  'Stone',
  'Thorn',
  'West',
  'Wood',
] as const;
const UK_PLACE_ENDS = ['ford', 'field', 'ham', 'ton', 'wick', 'bury', 'by', 'ley', 'worth', 'stow'] as const;

const UK_THINGS = [
  'Community Health',
  'Care Partnership',
  'Leisure Trust',
  'Community Futures',
  'Together',
  'Works',
  'Pathways',
  'Bridges',
  'Horizons',
  'Roots',
  'Foundations',
  'Links',
  'Alliance',
  'Voices',
  'Enterprise',
  'Action',
  'Living',
  'Hub',
  'Network',
  'Connect',
  'Youth Partnership',
  'Arts Collective',
  'Food Bank',
  'Energy',
  'Homes',
  'Bikes',
  'Bakery',
  'Recycling',
  'Learning',
  'Training',
  'Café',
  'Gardens',
  'Print Works',
  'Transport',
  'Wellbeing',
  'Carers',
  'Sport',
  'Heritage',
  'Smith, Jones & "Co"',
  'Fish, Chips & Co',
  "O'Neill & Daughters",
  'Harbour',
  'Makers',
  'Kitchen',
  'Social Care',
  'Housing Partnership',
  'Theatre',
  'Library Services',
  'Community Dental',
  'Therapies',
] as const;

const FR_SAINTS = [
  'Martin',
  'Pierre',
  'Jean',
  'Paul',
  'Denis',
  'Germain',
  'Laurent',
  'Étienne',
  'André',
  'Michel',
  'Julien',
  'Georges',
  'Louis',
  'Nicolas',
  'Vincent',
  'Rémy',
  'Amand',
  'Benoît',
  'Cyr',
  'Didier',
  'Éloi',
  'Fiacre',
  'Gilles',
  'Hilaire',
  'Jacques',
  'Léger',
  'Marcel',
  'Maurice',
  'Médard',
  'Ouen',
  'Priest',
  'Quentin',
  'Roch',
  'Sauveur',
  'Sulpice',
  'Thibault',
  'Urbain',
  'Valéry',
  'Victor',
  'Yrieix',
] as const;
const FR_PLACE_ENDS = [
  'sur-Loire',
  'sur-Mer',
  'les-Bains',
  'en-Vercors',
  'de-Ré',
  'le-Vieux',
  'la-Forêt',
  'des-Champs',
  'du-Lac',
  "d'Oléron",
  'sur-Seine',
  'en-Bresse',
  'le-Château',
  'de-Rivière',
  'sur-Marne',
  'des-Bois',
  'en-Auge',
  'la-Montagne',
  'du-Mont',
  'les-Vignes',
] as const;

const FR_THINGS = [
  'Les Jardins Solidaires',
  'Solidarité Emploi',
  'Accueil et Partage',
  'Aide à Domicile',
  "Insertion par l'Activité",
  'Culture et Loisirs',
  'Sport pour Tous',
  'Crèche Parentale',
  'Épicerie Solidaire',
  'Ressourcerie',
  'Maison des Jeunes',
  'Foyer Rural',
  'Amicale Laïque',
  'Habitat Partagé',
  'Énergies Citoyennes',
  'Vélo-École',
  'Théâtre du Quartier',
  'Musique en Fête',
  'Entraide Familiale',
  'Soins à Domicile',
  'Petite Enfance',
  'Handicap et Travail',
  'Restauration Collective',
  'Transport Solidaire',
  'Formation et Avenir',
  'Santé pour Tous',
  'Recyclerie',
  'Écoute et Soutien',
  'Tiers-Lieu',
  'Boulangerie Coopérative',
  'Imprimerie',
  'Services à la Personne',
  'Maraîchage Bio',
  'Café Associatif',
  'Radio Locale',
  'Patrimoine Vivant',
  'Lire et Écrire',
  'Mobilité Solidaire',
  "Chantier d'Insertion",
  'Auberge de Jeunesse',
  'Centre Social',
  'Caisse Solidaire',
  'Atelier Vélo',
  'Ciné-Club',
  'Ludothèque',
  'Brocante Solidaire',
  'Accompagnement Emploi',
  'Logement Jeunes',
  'Aide Alimentaire',
  'Danse et Expression',
  'Éducation Populaire',
  'Arts de la Rue',
  'Nature et Environnement',
  'Dupont, Martin & "Fils"',
  'Cœur de Village',
] as const;

/** Places of the UK name model: "Ashford", "Thornley", ... (start × end). */
const UK_PLACES: readonly string[] = UK_PLACE_STARTS.flatMap((start) => UK_PLACE_ENDS.map((end) => start + end));
/** Places of the French name model: "Saint-Martin-sur-Loire", ... (saint × end). */
const FR_PLACES: readonly string[] = FR_SAINTS.flatMap((saint) => FR_PLACE_ENDS.map((end) => `Saint-${saint}-${end}`));

/** The name model of one survey's language. */
export interface NameModel {
  readonly places: readonly string[];
  readonly things: readonly string[];
  /** How many distinct base names there are (places × things). */
  readonly count: number;
  /** The legal-form words added to a name, by legal-form code; one is chosen per organisation. */
  readonly forms: Readonly<Record<string, readonly (readonly [prefix: string, suffix: string])[]>>;
}

/** The English name model (uk-se). */
export const UK_NAMES: NameModel = {
  places: UK_PLACES,
  things: UK_THINGS,
  count: UK_PLACES.length * UK_THINGS.length,
  forms: {
    cic: [
      ['', ' CIC'],
      ['', ' C.I.C.'],
      ['', ' Community Interest Company'],
    ],
    cooperative: [
      ['', ' Co-operative'],
      ['', ' Co-op Ltd'],
    ],
    community_benefit_society: [
      ['', ' Community Benefit Society'],
      ['', ' Society Ltd'],
    ],
    company_limited_by_guarantee: [
      ['', ' Ltd'],
      ['', ''],
    ],
    company_limited_by_shares: [
      ['', ' Ltd'],
      ['', ' Limited'],
    ],
    charity: [
      ['', ''],
      ['', ' Trust'],
    ],
    mutual: [['', ' Mutual']],
    association: [['', ' Association']],
    foundation: [['', ' Foundation']],
    other: [['', '']],
  },
};

/** The French name model (fr-ess). */
export const FR_NAMES: NameModel = {
  places: FR_PLACES,
  things: FR_THINGS,
  count: FR_PLACES.length * FR_THINGS.length,
  forms: {
    association: [
      ['Association ', ''],
      ['', ''],
    ],
    cooperative: [
      ['SCOP ', ''],
      ['SCIC ', ''],
      ['Coopérative ', ''],
    ],
    mutual: [['Mutuelle ', '']],
    foundation: [
      ['Fondation ', ''],
      ['Fonds de dotation ', ''],
    ],
    company_limited_by_shares: [
      ['', ' SAS'],
      ['', ' SARL'],
    ],
    cic: [['', '']],
    community_benefit_society: [['', '']],
    company_limited_by_guarantee: [['', '']],
    charity: [['Fondation ', '']],
    other: [['', '']],
  },
};

/**
 * The base-name number of an index: index mod count, put through an affine bijection of [0, count) so that
 * consecutive organisations get unrelated names (7919 is a prime that divides neither count).
 */
export function baseName(model: NameModel, index: number): number {
  return ((index % model.count) * 7919 + 104_729) % model.count;
}

/** The organisation name of index `index` with its legal-form words (chosen by `formPick` in [0, 1)). */
export function orgName(model: NameModel, index: number, legalForm: string, formPick: number): string {
  const base = baseName(model, index);
  const place = model.places[base % model.places.length]!;
  const thing = model.things[Math.floor(base / model.places.length)]!;
  const forms = model.forms[legalForm] ?? [['', '']];
  const [prefix, suffix] = forms[Math.floor(formPick * forms.length)]!;
  return `${prefix}${place} ${thing}${suffix}`;
}

/** UK postcode areas by ITL1 region. */
const UK_AREAS: Readonly<Record<string, readonly string[]>> = {
  TLC: ['NE', 'DH', 'SR', 'TS', 'DL'],
  TLD: ['M', 'L', 'WA', 'BL', 'PR', 'CA'],
  TLE: ['LS', 'S', 'HU', 'YO', 'BD'],
  TLF: ['NG', 'LE', 'DE', 'NN', 'LN'],
  TLG: ['B', 'CV', 'WV', 'WS', 'ST'],
  TLH: ['CB', 'NR', 'IP', 'CM', 'LU'],
  TLI: ['E', 'N', 'SE', 'SW', 'W', 'NW'],
  TLJ: ['BN', 'OX', 'RG', 'GU', 'ME', 'MK'],
  TLK: ['BS', 'EX', 'PL', 'BA', 'TR', 'GL'],
  TLL: ['CF', 'SA', 'LL', 'NP'],
  TLM: ['EH', 'G', 'AB', 'DD', 'KY'],
  TLN: ['BT'],
};
/** The letters used in the inward code of a UK postcode (Royal Mail leaves out C, I, K, M, O, V). */
const INWARD_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

/** French departments (postcode prefixes) by ISO 3166-2 region. */
const FR_DEPARTMENTS: Readonly<Record<string, readonly string[]>> = {
  'FR-ARA': ['01', '03', '07', '15', '26', '38', '42', '43', '63', '69', '73', '74'],
  'FR-BFC': ['21', '25', '39', '58', '70', '71', '89', '90'],
  'FR-BRE': ['22', '29', '35', '56'],
  'FR-CVL': ['18', '28', '36', '37', '41', '45'],
  'FR-20R': ['20'],
  'FR-GES': ['08', '10', '51', '52', '54', '55', '57', '67', '68', '88'],
  'FR-HDF': ['02', '59', '60', '62', '80'],
  'FR-IDF': ['75', '77', '78', '91', '92', '93', '94', '95'],
  'FR-NOR': ['14', '27', '50', '61', '76'],
  'FR-NAQ': ['16', '17', '19', '23', '24', '33', '40', '47', '64', '79', '86', '87'],
  'FR-OCC': ['09', '11', '12', '30', '31', '32', '34', '46', '48', '65', '66', '81', '82'],
  'FR-PDL': ['44', '49', '53', '72', '85'],
  'FR-PAC': ['04', '05', '06', '13', '83', '84'],
  'FR-971': ['971'],
  'FR-972': ['972'],
  'FR-973': ['973'],
  'FR-974': ['974'],
  'FR-976': ['976'],
};

/**
 * A UK postcode in the region: the area is free (pick in [0, 1)); the district, sector digit and unit letters
 * encode (q + offset) mod 80 000, where q = floor(index / names) and the offset depends only on the name, so
 * for one name the code is injective in q (q < 80 000) and same-named organisations never share a postcode.
 */
export function ukPostcode(region: string, q: number, offset: number, pick: number): string {
  const areas = UK_AREAS[region] ?? UK_AREAS.TLI!;
  const area = areas[Math.floor(pick * areas.length)]!;
  q = (q + offset) % 80_000;
  const district = 1 + (q % 20);
  const digit = Math.floor(q / 20) % 10;
  const letters = Math.floor(q / 200) % 400;
  return `${area}${district} ${digit}${INWARD_LETTERS[Math.floor(letters / 20)]}${INWARD_LETTERS[letters % 20]}`;
}

/** A French postcode in the region: department free (pick), the rest encodes (q + offset) as ukPostcode does. */
export function frPostcode(region: string, q: number, offset: number, pick: number): string {
  q += offset;
  const departments = FR_DEPARTMENTS[region] ?? FR_DEPARTMENTS['FR-IDF']!;
  const department = departments[Math.floor(pick * departments.length)]!;
  return department.length === 3
    ? `${department}${String(q % 100).padStart(2, '0')}`
    : `${department}${String(q % 1000).padStart(3, '0')}`;
}

const UK_FIRST = ['Sarah', 'James', 'Aisha', 'Mohammed', 'Emma', 'David', 'Priya', 'Tom', 'Siobhan', 'Gareth'];
const UK_LAST = ['Smith', 'Jones', 'Patel', 'Williams', 'Brown', 'Khan', "O'Connor", 'Taylor', 'Evans', 'Wright'];
const FR_FIRST = ['Marie', 'Jean', 'Camille', 'Léa', 'Hugo', 'Chloé', 'Nicolas', 'Inès', 'Théo', 'Hélène'];
const FR_LAST = ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Petit', 'Durand', 'Lefèvre', 'Moreau', 'Girard'];

/** Lower-case ASCII for an e-mail local part or domain ("Lefèvre" → "lefevre", "O'Connor" → "oconnor"). */
function slug(text: string): string {
  return fold(text).replace(/[^a-z0-9]+/g, '');
}

/** A contact name and e-mail for an organisation, from two picks in [0, 1). */
export function contact(language: string, place: string, pickFirst: number, pickLast: number): [string, string] {
  const fr = language === 'fr';
  const first = (fr ? FR_FIRST : UK_FIRST)[Math.floor(pickFirst * 10)]!;
  const last = (fr ? FR_LAST : UK_LAST)[Math.floor(pickLast * 10)]!;
  const domain = `${slugOf(place)}${fr ? '.fr' : '.org.uk'}`;
  return [`${first} ${last}`, `${slugOf(first)}.${slugOf(last)}@${domain}`];
}

/** Slugs of the few hundred places and names, computed once each (fold is too slow to run per row). */
const SLUGS = new Map<string, string>();
function slugOf(text: string): string {
  let out = SLUGS.get(text);
  if (out === undefined) {
    out = slug(text);
    SLUGS.set(text, out);
  }
  return out;
}

/** The place of an organisation's name, for its e-mail domain. */
export function placeOf(model: NameModel, index: number): string {
  return model.places[baseName(model, index) % model.places.length]!;
}

/** Free-text notes as respondents type them: commas, quotes, semicolons and line breaks included. */
export const NOTES: Readonly<Record<string, readonly string[]>> = {
  en: [
    'Figures are from our draft accounts.',
    'Turnover includes grants, donations and contracts.',
    'We merged with a neighbouring trust in 2021; figures are for the merged body.',
    'Our "turnover" is mostly NHS contract income.',
    'Staff numbers include bank staff.\nVolunteer numbers are estimates.',
    'Happy to be contacted, but please e-mail first.',
    'Line one of a long answer,\nline two, and\nline three.',
    'N/A',
  ],
  fr: [
    'Chiffres provisoires, comptes non encore approuvés.',
    'Le budget inclut les subventions; les dons sont à part.',
    'Fusion avec une association voisine en 2021.\nChiffres de la structure fusionnée.',
    'Notre "chiffre d\'affaires" correspond surtout à des prestations.',
    'Effectif en ETP; bénévoles estimés.',
    'Première ligne;\ndeuxième ligne.',
    'RAS',
  ],
};

/** Answers to the "other, please specify" question. */
export const OTHER_SPECIFY: Readonly<Record<string, readonly string[]>> = {
  en: ['Community energy', 'Credit union', 'Social prescribing', 'Funeral services', 'Childcare, nursery'],
  fr: ['Énergie citoyenne', 'Pompes funèbres', "Garde d'enfants; crèche", 'Finance solidaire', 'Agriculture'],
};
