// The synthetic population behind every generated wave: organisation i of (seed, survey) has attributes that
// are a pure function of a hash of (seed, survey, i), so any wave of any size can be drawn without the others,
// and the same organisations (same registration number, or same name and postcode, hence the same org_id)
// answer wave after wave. A wave asks organisations 0, 1, 2, ... in turn; each answers with its own response
// propensity and only once it exists, which gives attrition, returners and newcomers between waves.
//
// The register: the survey writes to one organisation in REGISTER_STRIDE of a register (a systematic sample),
// so organisation i of the panel is register organisation (i, 0), and (i, 1) ... (i, STRIDE - 1) are the
// organisations of its block that were not asked. They have the same distributions (their own hashes), and
// only what a frame and the population truth need is ever computed for them (registerFacts).
//
// Non-response (what weighting must correct): the propensity to answer rises with size and differs by
// region, on top of each organisation's own persistent propensity. Voluntary-sector surveys report the same
// pattern: NCVO's 2023 survey "The true cost of delivering public services" had 33% of respondents with incomes
// over £1m and 12% under £100k, while most of the sector is under £100k (NCVO Civil Society Almanac), and it
// found Wales, the North West, the North East, Yorkshire, the East Midlands and the South East over-represented
// and Scotland under-represented. The factors below give a sample in which organisations with 10 or more
// employees are about one and a half times their share of the population, and a response rate of about 43% of
// those asked; no published regional response profile was found for France, so fr-ess varies by size only.
//
// Calibration (figures to keep the synthetic sector recognisable, not to reproduce any statistic):
// - DCMS, "Public Service Mutuals: State of the Sector 2018–19": about 115 public service mutuals in England,
//   delivering about £1.6bn of services (a mean near £14m over a median near £1m: a heavy right tail), over
//   half of them in health and social care. Spin-outs cluster from 2011 (Right to Request, Right to Provide,
//   the Mutuals Support Programme from December 2011) through 2015; their parent bodies are mostly NHS bodies
//   and local authorities.
// - Social Enterprise UK, "State of Social Enterprise 2023": 747 responses; about 65% reported higher turnover
//   than a year before. Most social enterprises are far smaller than mutuals (median turnover in the low
//   hundreds of thousands of pounds).
// - ESS France / Observatoire national de l'ESS: associations employ about 78% of ESS employees,
//   co-operatives 13%, mutuelles 6%, foundations 3%.
import { type SizeBand, type SurveyDefinition, sizeBand } from '../../schemas/index.ts';
import {
  baseName,
  contact,
  FR_NAMES,
  frPostcode,
  type NameModel,
  orgName,
  placeOf,
  UK_NAMES,
  ukPostcode,
} from './names.ts';
import { hash32, hashString, mix, unit, Weighted } from './random.ts';

/** Organisation indexes at and above this are reserved for invalid rows, so they never meet the panel. */
export const INVALID_BASE = 5_000_000;
/** Register organisations per organisation the survey asks: a systematic one-in-twenty sample of the register. */
export const REGISTER_STRIDE = 20;

/** Relative propensity to answer by size band (see the header). */
export const SIZE_RESPONSE: Readonly<Record<SizeBand, number>> = {
  '0': 0.25,
  '1-9': 0.45,
  '10-49': 0.75,
  '50-249': 0.95,
  '250+': 1,
};
/** Relative propensity to answer by region (see the header); regions not listed answer at 1. */
export const REGION_RESPONSE: Readonly<Record<string, number>> = {
  TLL: 1.15,
  TLD: 1.15,
  TLC: 1.15,
  TLE: 1.15,
  TLF: 1.15,
  TLJ: 1.15,
  TLM: 0.7,
};

/** What a frame and the population truth need of one register organisation in one wave. */
export interface RegisterFacts {
  /** Whether the organisation exists by the wave's last financial year (it is in the population). */
  readonly exists: boolean;
  readonly region: string;
  readonly legalForm: string;
  readonly sector: string;
  readonly isSpinout: boolean;
  readonly parentBody: string | null;
  /** Paid staff in the wave's last financial year, as a respondent reports it. */
  readonly employees: number;
  readonly sizeBand: SizeBand;
  /** Turnover in the wave's last financial year and the year before. */
  readonly turnover: number;
  readonly turnoverPrev: number;
  /** The probability that it answers the wave when asked (see the header). */
  readonly propensity: number;
}
/** The reference year of the turnover model. */
const BASE_YEAR = 2019;

/** One synthetic organisation: everything that stays the same from wave to wave. */
export interface OrgProfile {
  readonly index: number;
  /** The registration number in its tidy form, or '' when the organisation is identified by name and postcode. */
  readonly registrationNumber: string;
  readonly name: string;
  readonly postcode: string;
  readonly contactName: string;
  readonly contactEmail: string;
  readonly region: string;
  readonly legalForm: string;
  readonly isSpinout: boolean;
  readonly spinoutYear: number | null;
  readonly parentBody: string | null;
  readonly sector: string;
  readonly foundedYear: number;
  /** Natural log of turnover in BASE_YEAR. */
  readonly logTurnover: number;
  /** Persistent yearly log-growth on top of the sector-wide shocks. */
  readonly growth: number;
  /** Turnover per paid employee (staff cost and overheads), in the survey currency. */
  readonly turnoverPerEmployee: number;
  /** Median number of volunteers (0 for organisations without volunteers). */
  readonly volunteers: number;
  readonly publicIncomePct: number;
  readonly surplusReinvestedPct: number;
  readonly employeeOwned: boolean;
  readonly voiceStrategy: boolean;
  readonly voicePolicy: boolean;
  readonly voiceOperations: boolean;
  readonly measuresSocialValue: boolean;
}

type Dist = readonly (readonly [string, number])[];

/** The distributions of one survey's population. */
interface PopulationModel {
  readonly names: NameModel;
  readonly spinoutShare: number;
  readonly regions: Weighted<string>;
  readonly spinoutSectors: Weighted<string>;
  readonly sectors: Weighted<string>;
  readonly spinoutForms: Weighted<string>;
  readonly forms: Weighted<string>;
  /** Share of organisations with no registration number (identified by name and postcode). */
  readonly unregistered: Readonly<Record<string, number>>;
  readonly medianTurnover: Readonly<Record<string, number>>;
  readonly turnoverPerEmployee: number;
}

const UK_REGIONS: Dist = [
  ['TLC', 5],
  ['TLD', 12],
  ['TLE', 9],
  ['TLF', 7],
  ['TLG', 9],
  ['TLH', 8],
  ['TLI', 17],
  ['TLJ', 12],
  ['TLK', 10],
  ['TLL', 4],
  ['TLM', 5],
  ['TLN', 2],
];
const FR_REGIONS: Dist = [
  ['FR-ARA', 12],
  ['FR-BFC', 4.5],
  ['FR-BRE', 5.5],
  ['FR-CVL', 3.5],
  ['FR-20R', 0.8],
  ['FR-GES', 8],
  ['FR-HDF', 8.5],
  ['FR-IDF', 19],
  ['FR-NOR', 4.5],
  ['FR-NAQ', 9],
  ['FR-OCC', 9],
  ['FR-PDL', 6],
  ['FR-PAC', 7.5],
  ['FR-971', 1],
  ['FR-972', 1],
  ['FR-973', 0.6],
  ['FR-974', 1.6],
  ['FR-976', 0.6],
];

// Over half of public service mutuals work in health and social care (DCMS 2018–19).
const SPINOUT_SECTORS: Dist = [
  ['health', 33],
  ['social_care', 25],
  ['leisure_sport', 10],
  ['youth', 7],
  ['education', 5],
  ['arts_culture', 5],
  ['community_development', 5],
  ['employment_skills', 4],
  ['housing', 3],
  ['environment', 1],
  ['other', 2],
];

const UK_MODEL: PopulationModel = {
  names: UK_NAMES,
  spinoutShare: 0.18,
  regions: new Weighted(UK_REGIONS),
  spinoutSectors: new Weighted(SPINOUT_SECTORS),
  sectors: new Weighted([
    ['community_development', 12],
    ['education', 10],
    ['retail', 10],
    ['social_care', 9],
    ['employment_skills', 8],
    ['arts_culture', 8],
    ['health', 6],
    ['environment', 6],
    ['leisure_sport', 6],
    ['housing', 5],
    ['youth', 5],
    ['finance', 3],
    ['other', 12],
  ]),
  spinoutForms: new Weighted([
    ['cic', 45],
    ['community_benefit_society', 20],
    ['company_limited_by_guarantee', 20],
    ['company_limited_by_shares', 7],
    ['cooperative', 5],
    ['mutual', 3],
  ]),
  forms: new Weighted([
    ['cic', 28],
    ['company_limited_by_guarantee', 22],
    ['charity', 14],
    ['cooperative', 12],
    ['community_benefit_society', 9],
    ['company_limited_by_shares', 9],
    ['mutual', 2],
    ['other', 4],
  ]),
  unregistered: { other: 0.6, charity: 0.1 },
  // Mutuals: median about £1m (DCMS); other social enterprises much smaller (SEUK).
  medianTurnover: { spinout: 1_000_000, default: 180_000, cooperative: 350_000, mutual: 2_000_000 },
  turnoverPerEmployee: 45_000,
};

const FR_MODEL: PopulationModel = {
  names: FR_NAMES,
  spinoutShare: 0.06,
  regions: new Weighted(FR_REGIONS),
  spinoutSectors: new Weighted(SPINOUT_SECTORS),
  sectors: new Weighted([
    ['social_care', 28],
    ['education', 10],
    ['arts_culture', 10],
    ['leisure_sport', 10],
    ['employment_skills', 8],
    ['health', 7],
    ['community_development', 6],
    ['finance', 5],
    ['environment', 4],
    ['youth', 4],
    ['housing', 3],
    ['retail', 3],
    ['other', 2],
  ]),
  spinoutForms: new Weighted([
    ['association', 55],
    ['cooperative', 30],
    ['company_limited_by_shares', 10],
    ['other', 5],
  ]),
  // Shares of ESS employment by family (ESS France): associations 78%, co-operatives 13%, mutuelles 6%,
  // foundations 3%, with a sliver of ESS commercial companies (SAS/SARL ESUS) and others.
  forms: new Weighted([
    ['association', 75],
    ['cooperative', 12],
    ['mutual', 6],
    ['foundation', 3],
    ['company_limited_by_shares', 2.5],
    ['other', 1.5],
  ]),
  unregistered: { association: 0.45, other: 0.5 },
  medianTurnover: {
    spinout: 900_000,
    default: 120_000,
    cooperative: 800_000,
    mutual: 6_000_000,
    foundation: 2_000_000,
  },
  turnoverPerEmployee: 55_000,
};

/** Spin-out years: a few early ones, then the 2011–2015 wave of Right to Request and the Mutuals Programme. */
const SPINOUT_ERAS = new Weighted<readonly [number, number]>([
  [[1995, 2007], 5],
  [[2008, 2010], 8],
  [[2011, 2015], 62],
  [[2016, 2023], 25],
]);

/** The parent body of a spin-out, by its sector: NHS bodies for health, councils for most of the rest. */
function parentBodies(sector: string): Weighted<string> {
  return PARENT_BY_SECTOR[sector] ?? PARENT_DEFAULT;
}
const PARENT_DEFAULT = new Weighted([
  ['local_authority', 80],
  ['central_government', 8],
  ['other_public', 7],
  ['health_service', 5],
]);
const PARENT_BY_SECTOR: Readonly<Record<string, Weighted<string>>> = {
  health: new Weighted([
    ['health_service', 88],
    ['local_authority', 8],
    ['other_public', 4],
  ]),
  social_care: new Weighted([
    ['local_authority', 58],
    ['health_service', 37],
    ['other_public', 5],
  ]),
  employment_skills: new Weighted([
    ['central_government', 55],
    ['local_authority', 40],
    ['other_public', 5],
  ]),
  education: new Weighted([
    ['local_authority', 70],
    ['central_government', 20],
    ['other_public', 10],
  ]),
};

/** Sector-wide log-growth of turnover by financial year (2020 down with the pandemic, then recovery). */
function yearShock(year: number): number {
  if (year === 2020) return -0.04;
  if (year === 2021 || year === 2022) return 0.08;
  return 0.05;
}

/** A standard normal from two 32-bit hashes. */
function normalOf(h1: number, h2: number): number {
  const u = 1 - unit(h1);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * unit(h2));
}

/** A uniform number in [0, 1) from an organisation's hash and a salt. */
function uOf(h: number, salt: number): number {
  return unit(mix(h, salt));
}

/** A standard normal from an organisation's hash and a salt. */
function zOf(h: number, salt: number): number {
  return normalOf(mix(h, 2 * salt + 100_001), mix(h, 2 * salt + 100_002));
}

/** Turnover in financial year `year` of the organisation with hash `h`: a random walk in logs around its trend. */
function turnoverAt(h: number, logTurnover: number, growth: number, year: number): number {
  let log = logTurnover;
  if (year >= BASE_YEAR) {
    for (let y = BASE_YEAR + 1; y <= year; y++) log += yearShock(y) + growth + 0.14 * zOf(h, 2000 + y);
  } else {
    for (let y = BASE_YEAR; y > year; y--) log -= yearShock(y) + growth + 0.14 * zOf(h, 2000 + y);
  }
  return Math.exp(log);
}

/** Paid staff in financial year `year`, following that year's turnover. */
function employeesAt(h: number, turnover: number, turnoverPerEmployee: number, year: number): number {
  const noise = Math.exp(0.15 * zOf(h, 4000 + year));
  return Math.max(0, Math.round((turnover / turnoverPerEmployee) * noise));
}

/** Reverses the decimal digits of x written with `digits` digits: a bijection of [0, 10^digits). */
function reverseDigits(x: number, digits: number): number {
  let out = 0;
  for (let i = 0; i < digits; i++) {
    out = out * 10 + (x % 10);
    x = Math.floor(x / 10);
  }
  return out;
}

/**
 * A bijection of [0, 10^digits) that scatters consecutive indexes: affine (a multiplier coprime to 10),
 * digits reversed, affine again. Registration numbers built from it are unique and look unpatterned.
 */
function scatter(index: number, digits: number): number {
  const modulus = 10 ** digits;
  const once = (index * 3_141_593 + 1_234_567) % modulus;
  return (reverseDigits(once, digits) * 2_718_281 + 7_654_321) % modulus;
}

/** The population of one survey and seed. */
export class Population {
  private readonly model: PopulationModel;
  private readonly key: number;
  private readonly fr: boolean;

  /** Creates the population of (seed, survey). */
  constructor(
    readonly survey: SurveyDefinition,
    readonly seed: number,
  ) {
    this.fr = survey.country === 'FR';
    this.model = this.fr ? FR_MODEL : UK_MODEL;
    this.key = hashString(survey.id);
  }

  private lastIndex = -1;
  private lastHash = 0;

  /** The hash of (seed, survey, index), remembered for the index asked last (attributes come in runs). */
  private base(index: number): number {
    if (index !== this.lastIndex) {
      this.lastHash = hash32(this.seed, this.key, index);
      this.lastIndex = index;
    }
    return this.lastHash;
  }

  /** A uniform number in [0, 1) that depends only on (seed, survey, index, salt). */
  private u(index: number, salt: number): number {
    return unit(mix(this.base(index), salt));
  }

  /** A standard normal that depends only on (seed, survey, index, salt). */
  private z(index: number, salt: number): number {
    return zOf(this.base(index), salt);
  }

  /** The attributes that decide when an organisation exists: spin-out or not, legal form, years. */
  private years(h: number) {
    const m = this.model;
    const isSpinout = uOf(h, 1) < m.spinoutShare;
    const legalForm = (isSpinout ? m.spinoutForms : m.forms).at(uOf(h, 3));
    let spinoutYear: number | null = null;
    let foundedYear: number;
    if (isSpinout) {
      const [from, to] = SPINOUT_ERAS.at(uOf(h, 5));
      spinoutYear = from + Math.floor(uOf(h, 6) * (to - from + 1));
      // Most mutuals were incorporated to spin out; a few existed as a shell company a little before.
      foundedYear = uOf(h, 8) < 0.85 ? spinoutYear : spinoutYear - 1 - Math.floor(uOf(h, 9) * 3);
    } else {
      const old = legalForm === 'cooperative' || legalForm === 'mutual' || legalForm === 'foundation';
      const age = Math.max(1, Math.round(Math.exp(Math.log(old ? 30 : 12) + 0.9 * zOf(h, 10))));
      // Associations loi 1901 cannot predate the law; the oldest co-operatives go back to the 1840s.
      const floor = legalForm === 'association' ? 1901 : 1844;
      foundedYear = Math.max(floor, 2024 - age);
    }
    return { isSpinout, legalForm, spinoutYear, foundedYear };
  }

  /** Sector, region and parent body, drawn the same way for the panel and the rest of the register. */
  private activity(h: number, isSpinout: boolean) {
    const m = this.model;
    const sector = (isSpinout ? m.spinoutSectors : m.sectors).at(uOf(h, 2));
    const region = m.regions.at(uOf(h, 4));
    const parentBody = isSpinout ? parentBodies(sector).at(uOf(h, 7)) : null;
    return { sector, region, parentBody };
  }

  /** The turnover model's parameters: log turnover in BASE_YEAR, yearly growth, turnover per employee. */
  private economics(h: number, isSpinout: boolean, legalForm: string) {
    const m = this.model;
    const medians = m.medianTurnover;
    const median = isSpinout ? medians.spinout! : (medians[legalForm] ?? medians.default!);
    const sigma = isSpinout ? 2.1 : 1.7;
    // Capped so one outlier does not dominate a wave: the largest mutuals turn over a few hundred million.
    const logTurnover = Math.min(Math.log(median) + sigma * zOf(h, 11), Math.log(300_000_000));
    return {
      logTurnover,
      growth: 0.03 * zOf(h, 22),
      turnoverPerEmployee: m.turnoverPerEmployee * Math.exp(0.6 * zOf(h, 23)),
    };
  }

  /**
   * Register organisation `k` of block `block` in wave `wave`: k = 0 is organisation `block` of the panel (the
   * one the survey asks; its facts are what it reports), k = 1 .. REGISTER_STRIDE - 1 the others of the block.
   */
  registerFacts(block: number, k: number, wave: number): RegisterFacts {
    const h = k === 0 ? this.base(block) : hash32(this.seed, this.key, block, k);
    const { isSpinout, legalForm, spinoutYear, foundedYear } = this.years(h);
    const { sector, region, parentBody } = this.activity(h, isSpinout);
    const e = this.economics(h, isSpinout, legalForm);
    const turnover = turnoverAt(h, e.logTurnover, e.growth, wave - 1);
    const employees = employeesAt(h, turnover, e.turnoverPerEmployee, wave - 1);
    const band = sizeBand(employees);
    // Its own persistent propensity times the factors of its size band and region that wave, at most 1.
    const own = 0.6 + 0.35 * uOf(h, 29);
    const regional = this.fr ? 1 : (REGION_RESPONSE[region] ?? 1);
    return {
      exists: foundedYear <= wave - 1 && (spinoutYear === null || spinoutYear <= wave - 1),
      region,
      legalForm,
      sector,
      isSpinout,
      parentBody,
      employees,
      sizeBand: band,
      turnover,
      turnoverPrev: turnoverAt(h, e.logTurnover, e.growth, wave - 2),
      propensity: Math.min(1, own * SIZE_RESPONSE[band] * regional),
    };
  }

  /**
   * Whether organisation `index` answers wave `wave`: it must exist by the wave's last financial year, and
   * answers with its propensity (RegisterFacts.propensity).
   */
  answersWave(index: number, wave: number): boolean {
    const facts = this.registerFacts(index, 0, wave);
    return facts.exists && this.u(index, 1000 + wave) < facts.propensity;
  }

  /** Organisation `index`: a pure function of (seed, survey, index). */
  org(index: number): OrgProfile {
    const m = this.model;
    const h = this.base(index);
    const { isSpinout, legalForm, spinoutYear, foundedYear } = this.years(h);
    const { sector, region, parentBody } = this.activity(h, isSpinout);
    const { logTurnover, growth, turnoverPerEmployee } = this.economics(h, isSpinout, legalForm);
    const registered = this.u(index, 12) >= (m.unregistered[legalForm] ?? 0);
    const registrationNumber = registered ? this.registration(index, legalForm) : '';
    const name = orgName(m.names, index, legalForm, this.u(index, 13));
    const q = Math.floor(index / m.names.count);
    const offset = hash32(this.key, baseName(m.names, index));
    const postcode = this.fr
      ? frPostcode(region, q, offset % 1000, this.u(index, 14))
      : ukPostcode(region, q, offset % 80_000, this.u(index, 14));
    const [contactName, contactEmail] = contact(
      this.survey.language,
      placeOf(m.names, index),
      this.u(index, 15),
      this.u(index, 16),
    );
    const association = legalForm === 'association';
    const volunteerChance = association ? 0.9 : isSpinout ? 0.4 : 0.6;
    const volunteers =
      this.u(index, 17) < volunteerChance
        ? Math.max(1, Math.round(Math.exp(Math.log(association ? 15 : 6) + 1.1 * this.z(index, 18))))
        : 0;
    const publicIncomePct = isSpinout
      ? 100 - 45 * this.u(index, 19) ** 2
      : association
        ? 15 + 65 * this.u(index, 19)
        : 100 * this.u(index, 19) ** 1.4;
    const reinvest = this.u(index, 20);
    const surplusReinvestedPct = reinvest < 0.55 ? 100 : reinvest < 0.6 ? 0 : 50 + 100 * (reinvest - 0.6);
    const workerCoop = legalForm === 'cooperative' && this.u(index, 21) < 0.6;
    return {
      index,
      registrationNumber,
      name,
      postcode,
      contactName,
      contactEmail,
      region,
      legalForm,
      isSpinout,
      spinoutYear,
      parentBody,
      sector,
      foundedYear,
      logTurnover,
      growth,
      turnoverPerEmployee,
      volunteers,
      publicIncomePct,
      surplusReinvestedPct,
      employeeOwned: workerCoop || (isSpinout ? this.u(index, 24) < 0.5 : this.u(index, 24) < 0.06),
      voiceStrategy: this.u(index, 25) < (isSpinout ? 0.82 : 0.55),
      voicePolicy: this.u(index, 26) < (isSpinout ? 0.75 : 0.5),
      voiceOperations: this.u(index, 27) < (isSpinout ? 0.9 : 0.75),
      measuresSocialValue: this.u(index, 28) < (this.fr ? 0.5 : 0.7),
    };
  }

  /** A registration number that no other organisation of the population has (see `scatter`). */
  private registration(index: number, legalForm: string): string {
    if (this.fr) {
      // SIREN: nine digits; the first says little, the other eight are an injection of the index.
      return `${1 + Math.floor(this.u(index, 30) * 9)}${String(scatter(index, 8)).padStart(8, '0')}`;
    }
    const serial = scatter(index, 7);
    if (legalForm === 'charity') return String(1_000_000 + serial);
    if (legalForm === 'cooperative' || legalForm === 'community_benefit_society' || legalForm === 'mutual') {
      return `RS${String(serial).padStart(7, '0')}`;
    }
    return `0${String(serial).padStart(7, '0')}`;
  }

  /** Whether an organisation exists by the wave's last financial year (for invalid rows). */
  exists(org: OrgProfile, wave: number): boolean {
    return org.foundedYear <= wave - 1 && (org.spinoutYear === null || org.spinoutYear <= wave - 1);
  }

  /** Turnover in financial year `year`: a random walk in logs around the organisation's trend. */
  turnover(org: OrgProfile, year: number): number {
    return turnoverAt(this.base(org.index), org.logTurnover, org.growth, year);
  }

  /** Paid staff in financial year `year`, following that year's turnover. */
  employees(org: OrgProfile, year: number, turnover: number): number {
    return employeesAt(this.base(org.index), turnover, org.turnoverPerEmployee, year);
  }

  /** Volunteers in the wave. */
  volunteers(org: OrgProfile, wave: number): number {
    if (org.volunteers === 0) return 0;
    return Math.max(0, Math.round(org.volunteers * Math.exp(0.25 * this.z(org.index, 6000 + wave))));
  }

  /** Whether the organisation introduced new services since the last wave. */
  newServices(org: OrgProfile, wave: number): boolean {
    return this.u(org.index, 8000 + wave) < 0.45;
  }
}
