// `survey generate`: a realistic, messy, deterministic synthetic wave, streamed to a file, and the clean truth it
// was built from (the canonical records a correct pipeline must produce, and the rows it must reject).
//
// The file is laid out row by row in one pass: each data row is a blank row, an invalid row (a few of each
// kind, spread over the file), the second submission of an organisation seen a few rows before, or the next
// organisation of the population that answers this wave. Every value is rendered by render.ts in a form whose
// reading is exact, so the truth holds exactly what the ingest must produce.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { basename } from 'node:path';
import type { Writable } from 'node:stream';
import {
  type CanonicalRecord,
  checkWave,
  fold,
  getSurvey,
  LEGAL_FORMS,
  PARENT_BODIES,
  SECTORS,
  SOURCE_FIELDS,
  type SourceField,
  type SurveyDefinition,
  TURNOVER_TRENDS,
} from '../../schemas/index.ts';
import type { IssueType } from '../ingest/issues.ts';
import { DEMO_ORG_KEY, orgId } from '../ingest/org-id.ts';
import { CsvSink, csvCell, csvRecord, type FileEncoding } from './csv-sink.ts';
import { NOTES, OTHER_SPECIFY } from './names.ts';
import { INVALID_BASE, type OrgProfile, Population } from './population.ts';
import { type PopulationTruth, populationTruth } from './population-truth.ts';
import { hash32, hashString, Rng, Weighted } from './random.ts';
import {
  AnswerWriter,
  BooleanWriter,
  DATE_FORMS,
  type DateForm,
  MINUTE_FORMS,
  noisyHeader,
  numberBlank,
  writeAmount,
  writeCount,
  writePercent,
  writeTimestamp,
  writeYear,
} from './render.ts';

/** What to generate. */
export interface GenerateOptions {
  /** The survey id, e.g. "uk-se". */
  readonly survey: string;
  /** The wave (year). */
  readonly wave: number;
  /** Data records to write, blank, duplicate and invalid ones included. */
  readonly rows: number;
  /** The seed: same options, same bytes. */
  readonly seed: number;
  /** The org_id HMAC key the truth is computed under. @default DEMO_ORG_KEY */
  readonly orgKey?: string;
  /** What the truth's source_file says. @default the basename of `out`, or "<survey>-<wave>.csv" */
  readonly sourceFile?: string;
  /** Keep the truth's records in memory (false for benchmarks: `records` is then empty). @default true */
  readonly keepRecords?: boolean;
  /** Called with each kept record in file order, e.g. to stream the truth to a file. */
  readonly onRecord?: (record: TruthRecord) => void | Promise<void>;
  /**
   * Also count the population the wave samples: its frame and the true value of every sector-wide estimate
   * (`truth.population`). Costs a pass over the register, about twenty organisations per one asked.
   * @default false
   */
  readonly population?: boolean;
}

/** A canonical record as the truth holds it: everything but ingested_at, which only the ingest knows. */
export type TruthRecord = Omit<CanonicalRecord, 'ingested_at'>;

/** A row a correct ingest rejects, with its main error. */
export interface RejectedRow {
  readonly rowNumber: number;
  readonly type: IssueType;
  readonly fieldName?: string;
}

/** The clean truth a generated wave was built from. */
export interface Truth {
  readonly survey: string;
  readonly wave: number;
  readonly seed: number;
  readonly sourceFile: string;
  readonly encoding: FileEncoding;
  readonly delimiter: string;
  /** Bytes written. */
  readonly bytes: number;
  readonly expected: {
    readonly rows: number;
    readonly valid: number;
    readonly rejected: number;
    readonly blank: number;
    readonly rejectedRows: readonly RejectedRow[];
  };
  /** The valid, deduplicated canonical records in file order, each with the source_row of the kept row. */
  readonly records: TruthRecord[];
  /** The population the wave samples, when asked for (GenerateOptions.population). */
  readonly population?: PopulationTruth;
}

/** Bad generate options: unknown survey, wave out of range, rows or seed not acceptable. */
export class GenerateError extends Error {
  /** Creates a one-line generate error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GenerateError';
  }
}

/** The most data rows one call generates (the population reserves indexes above for invalid rows). */
export const MAX_ROWS = 2_000_000;

/** The kinds of invalid row, each with the main error a correct ingest reports. */
const INVALID_KINDS = [
  'unreadable',
  'blank-required',
  'negative-employees',
  'percent-over-100',
  'spinout-after-wave',
  'spinout-year-not-spinout',
  'founded-before-1800',
  'extra-cell',
  'missing-cell',
  'no-identity',
] as const;
type InvalidKind = (typeof INVALID_KINDS)[number];

/**
 * Fields whose cells can hold a delimiter, a quote or a line break: names always ('Smith, Jones & "Co"'),
 * numbers where the delimiter is a comma ("1,250"). Every other cell is written by this module from a
 * bounded alphabet (digits, letters, "/", "-", ":", ".", "%", "@", spaces; a decimal comma only in fr-ess,
 * whose delimiter is ";") or from answer lists checked once per wave, so it is not scanned for quoting.
 */
function mayNeedQuotes(field: SourceField, delimiter: string): boolean {
  if (field === 'org_name' || field === 'contact_name') return true;
  const numeric = field === 'employees' || field === 'volunteers' || field === 'turnover' || field === 'turnover_prev';
  return numeric && delimiter === ',';
}

/** Unknown columns survey tools add; their folded names match no field (checked at layout time). */
const EXTRA_COLUMNS: Readonly<Record<string, readonly (readonly [string, ExtraKind])[]>> = {
  en: [
    ['Notes', 'notes'],
    ['Q27_other', 'other'],
    ['Start Date', 'start'],
    ['Collector ID', 'collector'],
    ['Anything else you would like to tell us?', 'notes'],
  ],
  fr: [
    ['Remarques', 'notes'],
    ['Q27_autre', 'other'],
    ['Date de début', 'start'],
    ['Source', 'collector'],
    ['Commentaires libres', 'notes'],
  ],
};
type ExtraKind = 'notes' | 'other' | 'start' | 'collector';

const COLLECTORS: Readonly<Record<string, readonly string[]>> = {
  en: ['Web Link 1', 'Email Invitation', 'Web Link 2 (partners)'],
  fr: ['Lien web', 'Courriel', 'Téléphone', 'Papier'],
};

/**
 * How often a kept row's value is null (blank or unmappable), for the fields that weighting and the sector-wide
 * estimates read: the items are missing at random, which simulations of the estimators reproduce.
 */
export const ITEM_MISSING = {
  region: 0.034,
  employees: 0.04,
  turnover: 0.05,
  turnover_prev: 0.12,
  /** Of spin-outs. */
  parent_body: 0.045,
} as const;

/** Unmappable answers of optional coded fields: kept rows, a warning and a null. */
const UNMAPPABLE = {
  region: { en: ['Atlantis', 'Narnia', 'Various', 'Middle Earth'], fr: ['Atlantide', 'Plusieurs régions', 'Europe'] },
  trend: { en: ['Not sure', 'Varies'], fr: ['Je ne sais pas', 'Variable'] },
  parent: { en: ['Quango', 'Arm’s-length body'], fr: ['Établissement public', 'Syndicat mixte'] },
} as const;

/** One column of the file: a source field, or an unknown extra column. */
interface Column {
  readonly header: string;
  readonly field: SourceField | null;
  readonly extra: ExtraKind | null;
}

/** Everything fixed for one wave file. */
interface Layout {
  readonly columns: readonly Column[];
  readonly hasResponseId: boolean;
  readonly hasVolunteers: boolean;
  readonly encoding: FileEncoding;
  readonly delimiter: string;
  readonly lineEnd: string;
  readonly quoteAll: boolean;
  readonly finalLineEnd: boolean;
  readonly dateForm: DateForm;
  readonly qualtricsIds: boolean;
}

/** A planned second submission of an organisation. */
interface PendingDuplicate {
  readonly due: number;
  readonly org: OrgProfile;
  readonly submitted: number;
  /** True when the earlier row (already written) is the one kept. */
  readonly firstWins: boolean;
}

/** The cells of one row by source field, before the columns put them in order. */
type Cells = Record<SourceField, string>;

/** A row's cells, every key present from the start so each row object has one shape (cheap on V8). */
function emptyCells(): Cells {
  return {
    response_id: '',
    submitted_at: '',
    org_name: '',
    registration_number: '',
    postcode: '',
    contact_name: '',
    contact_email: '',
    legal_form: '',
    is_spinout: '',
    spinout_year: '',
    parent_body: '',
    sector: '',
    region: '',
    founded_year: '',
    employees: '',
    volunteers: '',
    turnover: '',
    turnover_prev: '',
    turnover_trend: '',
    public_income_pct: '',
    surplus_reinvested_pct: '',
    employee_owned: '',
    staff_voice_strategy: '',
    staff_voice_policy: '',
    staff_voice_operations: '',
    measures_social_value: '',
    new_services: '',
  };
}

/** A row's canonical values, every key present from the start (see emptyCells). */
function emptyValues(): Record<string, unknown> {
  return {
    submitted_at: null,
    legal_form: null,
    is_spinout: null,
    spinout_year: null,
    parent_body: null,
    sector: null,
    region: null,
    founded_year: null,
    employees: null,
    volunteers: null,
    turnover: null,
    turnover_prev: null,
    turnover_trend: null,
    public_income_pct: null,
    surplus_reinvested_pct: null,
    employee_owned: null,
    staff_voice_strategy: null,
    staff_voice_policy: null,
    staff_voice_operations: null,
    measures_social_value: null,
    new_services: null,
  };
}

/** The boolean fields, and the profile attribute of each (new_services changes by wave: see Population). */
const BOOLEAN_FIELDS = [
  'employee_owned',
  'staff_voice_strategy',
  'staff_voice_policy',
  'staff_voice_operations',
  'measures_social_value',
  'new_services',
] as const;
const BOOLEAN_ATTRIBUTES = [
  'employeeOwned',
  'voiceStrategy',
  'voicePolicy',
  'voiceOperations',
  'measuresSocialValue',
  'employeeOwned',
] as const;

/** Draws a wave's file layout: header aliases and noise, column order, encoding, quoting, date style. */
function drawLayout(survey: SurveyDefinition, seed: number, wave: number, rng: Rng): Layout {
  const fr = survey.language === 'fr';
  const key = hashString(survey.id);
  // One wave in four has no respondent id column and one in five no volunteers column; the turn comes round
  // with the seed, so any four consecutive seeds of a wave include a file without respondent ids.
  const hasResponseId = (seed + hash32(key, wave, 1)) % 4 !== 0;
  const hasVolunteers = survey.requiredHeaders.includes('volunteers') || (seed + hash32(key, wave, 2)) % 5 !== 0;
  const columns: Column[] = [];
  const claimed = new Set<string>();
  for (const field of SOURCE_FIELDS) {
    for (const alias of survey.headers[field]) claimed.add(fold(alias));
  }
  SOURCE_FIELDS.forEach((field, i) => {
    const aliases = survey.headers[field];
    if (aliases.length === 0) return;
    if (field === 'response_id' && !hasResponseId) return;
    if (field === 'volunteers' && !hasVolunteers) return;
    // Consecutive seeds walk through every alias of every field, so a handful of waves shows them all.
    const alias = aliases[(seed + hash32(key, wave, i)) % aliases.length]!;
    columns.push({ header: noisyHeader(alias, fr, rng), field, extra: null });
  });
  const extras = [...EXTRA_COLUMNS[fr ? 'fr' : 'en']!];
  shuffle(extras, rng);
  for (const [header, extra] of extras.slice(0, 2 + rng.int(3))) {
    if (claimed.has(fold(header))) throw new Error(`generate: extra column "${header}" must match no field`);
    columns.push({ header, field: null, extra });
  }
  shuffle(columns, rng);
  if (rng.chance(0.6)) {
    // Survey tools usually export the respondent id and the date first.
    for (const field of ['submitted_at', 'response_id'] as const) {
      const at = columns.findIndex((c) => c.field === field);
      if (at > 0) columns.unshift(...columns.splice(at, 1));
    }
  }
  // A missing-cell row drops the last cell: keep a required field out of the last place so its one error stays.
  const required = (c: Column | undefined) => c?.field != null && survey.requiredHeaders.includes(c.field);
  if (required(columns[columns.length - 1])) {
    const swap = columns.findIndex((c) => !required(c));
    [columns[swap], columns[columns.length - 1]] = [columns[columns.length - 1]!, columns[swap]!];
  }
  // A Windows-1252 file must show a non-ASCII byte early or it reads as UTF-8 (which is harmless, but then
  // the report would not say windows-1252); the accented headers are the natural place for one.
  if (fr && columns.every((c) => /^[\x20-\x7e]*$/.test(c.header))) {
    const at = columns.findIndex((c) => c.field === 'founded_year');
    columns[at] = { header: 'Année de création', field: 'founded_year', extra: null };
  }
  const dateForms = new Weighted<DateForm>([
    ['uk-minutes', 35],
    ['iso-z', 20],
    ['iso-space', 20],
    ['uk-seconds', 10],
    ['iso-offset', 5],
    ['iso-date', 5],
    ['uk-date', 5],
  ]);
  return {
    columns,
    hasResponseId,
    hasVolunteers,
    encoding: fr ? 'windows-1252' : hash32(seed, key, wave, 3) % 2 === 1 ? 'utf-8-bom' : 'utf-8',
    delimiter: fr ? ';' : ',',
    lineEnd: fr ? '\r\n' : '\n',
    quoteAll: rng.chance(0.3),
    finalLineEnd: rng.chance(0.85),
    dateForm: dateForms.draw(rng),
    qualtricsIds: !fr && rng.chance(0.5),
  };
}

/** Fisher–Yates in place. */
function shuffle<T>(items: T[], rng: Rng): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

/** Checks the options and returns the survey; throws GenerateError naming the bad value. */
function validate(options: GenerateOptions): SurveyDefinition {
  let survey: SurveyDefinition;
  try {
    survey = getSurvey(options.survey);
    checkWave(survey, options.wave);
  } catch (error) {
    throw new GenerateError(`generate: ${(error as Error).message.replace(/^schemas: /, '')}`, { cause: error });
  }
  if (!Number.isInteger(options.rows) || options.rows < 1 || options.rows > MAX_ROWS) {
    throw new GenerateError(`generate: rows must be a whole number from 1 to ${MAX_ROWS}, got ${options.rows}`);
  }
  if (!Number.isSafeInteger(options.seed) || options.seed < 0) {
    throw new GenerateError(`generate: seed must be a whole number >= 0, got ${options.seed}`);
  }
  return survey;
}

/**
 * Generates one synthetic wave: writes the CSV to `out` (a path, or a stream, which is ended) and returns the
 * truth. Same options, same bytes. Streams with backpressure; with keepRecords false, memory stays bounded
 * whatever the number of rows.
 */
export async function generateWave(options: GenerateOptions, out: Writable | string): Promise<Truth> {
  const survey = validate(options);
  const { wave, rows, seed } = options;
  const fr = survey.language === 'fr';
  const lang = fr ? 'fr' : 'en';
  const orgKey = options.orgKey ?? DEMO_ORG_KEY;
  const sourceFile = options.sourceFile ?? (typeof out === 'string' ? basename(out) : `${survey.id}-${wave}.csv`);
  const keepRecords = options.keepRecords ?? true;
  const needRecords = keepRecords || options.onRecord !== undefined;
  const rng = new Rng(hash32(seed, hashString(survey.id), wave));
  const layout = drawLayout(survey, seed, wave, rng);
  const population = new Population(survey, seed);

  const native = fr ? 0.8 : 0.97;
  const writers = {
    legal: new AnswerWriter(LEGAL_FORMS, fr, native),
    sector: new AnswerWriter(SECTORS, fr, native),
    parent: new AnswerWriter(PARENT_BODIES, fr, native),
    trend: new AnswerWriter(TURNOVER_TRENDS, fr, native),
    region: new AnswerWriter(survey.regions, fr, 1, 0.1),
    bool: new BooleanWriter(fr),
  };

  // Quoting: only columns whose cells can hold the delimiter, a quote or a line break are scanned. The other
  // columns hold codes, booleans, dates, years and percentages, written from lists checked here, once per
  // wave, to be free of those characters.
  const { delimiter, quoteAll, lineEnd } = layout;
  const unsafe = new RegExp(`["\\r\\n${delimiter === '\t' ? '\\t' : delimiter}]`);
  const fixedTexts = [
    ...writers.legal.texts(),
    ...writers.sector.texts(),
    ...writers.parent.texts(),
    ...writers.trend.texts(),
    ...writers.region.texts(),
    ...writers.bool.texts(),
    ...Object.values(UNMAPPABLE).flatMap((words) => words[lang]),
  ];
  const clash = fixedTexts.find((text) => unsafe.test(text));
  if (clash !== undefined) throw new Error(`generate: answer "${clash}" must not need quoting in a wave file`);
  const scanned = layout.columns.map((c) => c.field === null || mayNeedQuotes(c.field, delimiter));
  // Quoting every cell: escape the rare quotes, then one join with '";"' between cells, rather than a
  // wrapped string per cell (thirty small strings a row add up on a million rows).
  const quotedSeparator = `"${delimiter}"`;
  const csvLine = (row: string[]): string => {
    const cells = new Array<string>(row.length);
    for (let i = 0; i < row.length; i++) {
      const value = row[i]!;
      if (quoteAll) cells[i] = value.includes('"') ? value.replace(/"/g, '""') : value;
      else cells[i] = scanned[i] !== false ? csvCell(value, delimiter, false) : value;
    }
    return quoteAll ? `"${cells.join(quotedSeparator)}"` : cells.join(delimiter);
  };

  const stream = typeof out === 'string' ? createWriteStream(out, { highWaterMark: 1 << 20 }) : out;
  const sink = new CsvSink(stream, layout.encoding);

  // Fieldwork runs from March to June of the wave year.
  const fieldworkStart = Date.UTC(wave, 2, 1) / 1000;
  const fieldworkSeconds = 122 * 86_400;

  const records: TruthRecord[] = [];
  const rejectedRows: RejectedRow[] = [];
  let valid = 0;
  let blank = 0;

  // A few rows of every invalid kind: one each from 40 rows, two each from 400, then about 1.2% of the file.
  const nInvalid =
    rows >= 400 ? Math.max(2 * INVALID_KINDS.length, Math.round(rows * 0.012)) : rows >= 40 ? INVALID_KINDS.length : 0;
  const invalidStart = rng.int(INVALID_KINDS.length);
  const slotOf = (k: number) => Math.floor(((k + rng.next()) * rows) / nInvalid);
  let invalidDone = 0;
  let nextInvalidSlot = nInvalid > 0 ? slotOf(0) : Number.POSITIVE_INFINITY;
  let invalidIndex = INVALID_BASE;
  let nextOrg = 0;
  const queue: PendingDuplicate[] = [];

  /** A response id in the style of the wave's survey tool, unique within the wave. */
  const responseId = (rowNumber: number): string => {
    if (fr) return String(10_000 + rowNumber * 3 + rng.int(3));
    if (layout.qualtricsIds) {
      const h = hash32(seed, wave, rowNumber).toString(36).padStart(7, '0');
      return `R_${h}${rowNumber.toString(36).padStart(8, '0')}`;
    }
    return String(114_000_000_000 + rowNumber * 37 + rng.int(37));
  };

  /** A timestamp in the wave's usual form, or another now and then. */
  const dateForm = (exactMinutes: boolean): DateForm => {
    const form = rng.chance(0.75) ? layout.dateForm : rng.pick(DATE_FORMS);
    return exactMinutes && !MINUTE_FORMS.includes(form) ? rng.pick(MINUTE_FORMS) : form;
  };

  /**
   * Renders an organisation's answers: the cells as written and the canonical values they read as.
   * `submitted` forces the submission time (duplicates); `stable` never blanks the registration number, so
   * both submissions of a duplicate pair (and invalid rows) keep the identity they were planned with.
   */
  const renderOrg = (org: OrgProfile, rowNumber: number, submitted: number | null, stable: boolean) => {
    const cells = emptyCells();
    const v = emptyValues();
    cells.response_id = layout.hasResponseId ? responseId(rowNumber) : '';

    if (submitted !== null) {
      const written = writeTimestamp(submitted, dateForm(true));
      cells.submitted_at = written.cell;
      v.submitted_at = written.value;
    } else if (rng.chance(0.03)) {
      cells.submitted_at = '';
      v.submitted_at = null;
    } else {
      const written = writeTimestamp(fieldworkStart + rng.int(fieldworkSeconds), dateForm(false));
      cells.submitted_at = written.cell;
      v.submitted_at = written.value;
    }

    // Identity: noise that folds away; now and then a blank registration number (then name + postcode
    // identify) or a blank name or postcode beside a registration number. Never both blank.
    let registration = org.registrationNumber;
    let name = org.name;
    let postcode = org.postcode;
    const r = rng.next();
    if (registration !== '' && !stable && r < 0.01) registration = '';
    else if (registration !== '' && r < 0.03) name = '';
    else if (registration !== '' && r < 0.05) postcode = '';
    if (registration !== '') {
      if (fr && rng.chance(0.4)) registration = registration.replace(/^(\d{3})(\d{3})(\d{3})$/, '$1 $2 $3');
      else if (!fr && rng.chance(0.1)) registration = registration.toLowerCase();
    }
    const n = rng.next();
    if (name !== '')
      name = n < 0.04 ? name.toUpperCase() : n < 0.08 ? `  ${name} ` : n < 0.1 ? name.toLowerCase() : name;
    const p = rng.next();
    if (postcode !== '') postcode = p < 0.1 ? postcode.toLowerCase() : p < 0.15 ? postcode.replace(' ', '') : postcode;
    cells.org_name = name;
    cells.registration_number = registration;
    cells.postcode = postcode;
    cells.contact_name = rng.chance(0.9) ? org.contactName : '';
    cells.contact_email = rng.chance(0.9) ? org.contactEmail : '';

    cells.legal_form = writers.legal.write(org.legalForm, rng);
    v.legal_form = org.legalForm;
    cells.is_spinout = writers.bool.write(org.isSpinout, rng);
    v.is_spinout = org.isSpinout;
    if (org.isSpinout && org.spinoutYear !== null && rng.chance(0.96)) {
      cells.spinout_year = writeYear(org.spinoutYear, rng);
      v.spinout_year = org.spinoutYear;
    } else {
      cells.spinout_year = org.isSpinout || rng.chance(0.15) ? numberBlank(rng, fr) : '';
      v.spinout_year = null;
    }
    if (org.isSpinout && org.parentBody !== null) {
      const q = rng.next();
      if (q < 0.005) {
        cells.parent_body = rng.pick(UNMAPPABLE.parent[lang]);
        v.parent_body = null;
      } else if (q < ITEM_MISSING.parent_body) {
        cells.parent_body = '';
        v.parent_body = null;
      } else {
        cells.parent_body = writers.parent.write(org.parentBody, rng);
        v.parent_body = org.parentBody;
      }
    } else {
      cells.parent_body = '';
      v.parent_body = null;
    }
    cells.sector = writers.sector.write(org.sector, rng);
    v.sector = org.sector;
    const g = rng.next();
    if (g < 0.004) {
      cells.region = rng.pick(UNMAPPABLE.region[lang]);
      v.region = null;
    } else if (g < ITEM_MISSING.region) {
      cells.region = rng.pick(['', '', '-', 'n/a']);
      v.region = null;
    } else {
      cells.region = writers.region.write(org.region, rng);
      v.region = org.region;
    }
    if (rng.chance(0.96)) {
      cells.founded_year = writeYear(org.foundedYear, rng);
      v.founded_year = org.foundedYear;
    } else {
      cells.founded_year = numberBlank(rng, fr);
      v.founded_year = null;
    }
    const last = population.turnover(org, wave - 1);
    const previous = population.turnover(org, wave - 2);
    if (rng.chance(1 - ITEM_MISSING.employees)) {
      const employees = population.employees(org, wave - 1, last);
      cells.employees = writeCount(employees, fr, rng);
      v.employees = employees;
    } else {
      cells.employees = numberBlank(rng, fr);
      v.employees = null;
    }
    if (layout.hasVolunteers && rng.chance(0.85)) {
      const volunteers = population.volunteers(org, wave);
      cells.volunteers = writeCount(volunteers, fr, rng);
      v.volunteers = volunteers;
    } else {
      cells.volunteers = layout.hasVolunteers ? numberBlank(rng, fr) : '';
      v.volunteers = null;
    }
    if (rng.chance(1 - ITEM_MISSING.turnover)) {
      const written = writeAmount(last, fr, rng);
      cells.turnover = written.cell;
      v.turnover = written.value;
    } else {
      cells.turnover = numberBlank(rng, fr);
      v.turnover = null;
    }
    if (rng.chance(1 - ITEM_MISSING.turnover_prev)) {
      const written = writeAmount(previous, fr, rng);
      cells.turnover_prev = written.cell;
      v.turnover_prev = written.value;
    } else {
      cells.turnover_prev = numberBlank(rng, fr);
      v.turnover_prev = null;
    }
    const t = rng.next();
    if (t < 0.004) {
      cells.turnover_trend = rng.pick(UNMAPPABLE.trend[lang]);
      v.turnover_trend = null;
    } else if (t < 0.064) {
      cells.turnover_trend = '';
      v.turnover_trend = null;
    } else {
      // Self-reported: mostly what the accounts say, sometimes not.
      const ratio = last / previous;
      let trend = ratio > 1.02 ? 'increased' : ratio < 0.98 ? 'decreased' : 'same';
      if (rng.chance(0.1)) trend = rng.pick(['increased', 'same', 'decreased']);
      cells.turnover_trend = writers.trend.write(trend, rng);
      v.turnover_trend = trend;
    }
    if (rng.chance(0.94)) {
      const pct = Math.min(100, Math.max(0, org.publicIncomePct + 3 * rng.normal()));
      const written = writePercent(pct, fr, rng);
      cells.public_income_pct = written.cell;
      v.public_income_pct = written.value;
    } else {
      cells.public_income_pct = numberBlank(rng, fr);
      v.public_income_pct = null;
    }
    if (rng.chance(0.9)) {
      const written = writePercent(org.surplusReinvestedPct, fr, rng);
      cells.surplus_reinvested_pct = written.cell;
      v.surplus_reinvested_pct = written.value;
    } else {
      cells.surplus_reinvested_pct = numberBlank(rng, fr);
      v.surplus_reinvested_pct = null;
    }
    for (let b = 0; b < BOOLEAN_FIELDS.length; b++) {
      const field = BOOLEAN_FIELDS[b]!;
      const value = b === 5 ? population.newServices(org, wave) : org[BOOLEAN_ATTRIBUTES[b]!];
      if (rng.chance(0.95)) {
        cells[field] = writers.bool.write(value, rng);
        v[field] = value;
      } else {
        cells[field] = writers.bool.blank(rng);
        v[field] = null;
      }
    }
    return { cells, values: v, submitted: v.submitted_at as number | null };
  };

  /** The row's cells in column order, extras filled in. */
  const order = (cells: Cells, submittedMs: number | null): string[] => {
    const out: string[] = new Array(layout.columns.length);
    for (let i = 0; i < layout.columns.length; i++) {
      const column = layout.columns[i]!;
      if (column.field !== null) {
        out[i] = cells[column.field];
        continue;
      }
      switch (column.extra) {
        case 'notes':
          out[i] = rng.chance(0.2) ? rng.pick(NOTES[lang]!) : '';
          break;
        case 'other':
          out[i] = rng.chance(0.1) ? rng.pick(OTHER_SPECIFY[lang]!) : '';
          break;
        case 'start':
          out[i] =
            submittedMs === null
              ? ''
              : writeTimestamp(Math.floor(submittedMs / 1000) - 60 * (2 + rng.int(40)), layout.dateForm).cell;
          break;
        default:
          out[i] = rng.pick(COLLECTORS[lang]!);
      }
    }
    return out;
  };

  /** The truth record of a kept row. */
  const toRecord = (values: Record<string, unknown>, cells: Cells, row: readonly string[], rowNumber: number) => {
    const id = cells.response_id;
    const record: TruthRecord = {
      response_id: id !== '' ? id : createHash('sha256').update(row.join('\u001f')).digest('hex').slice(0, 16),
      org_id: orgId(orgKey, {
        registrationNumber: cells.registration_number,
        orgName: cells.org_name,
        postcode: cells.postcode,
      })!,
      submitted_at: values.submitted_at as number | null,
      country: survey.country,
      region: values.region as string | null,
      legal_form: values.legal_form as TruthRecord['legal_form'],
      is_spinout: values.is_spinout as boolean,
      spinout_year: values.spinout_year as number | null,
      parent_body: values.parent_body as TruthRecord['parent_body'],
      sector: values.sector as TruthRecord['sector'],
      founded_year: values.founded_year as number | null,
      employees: values.employees as number | null,
      volunteers: values.volunteers as number | null,
      currency: survey.currency,
      turnover: values.turnover as number | null,
      turnover_prev: values.turnover_prev as number | null,
      turnover_trend: values.turnover_trend as TruthRecord['turnover_trend'],
      public_income_pct: values.public_income_pct as number | null,
      surplus_reinvested_pct: values.surplus_reinvested_pct as number | null,
      employee_owned: values.employee_owned as boolean | null,
      staff_voice_strategy: values.staff_voice_strategy as boolean | null,
      staff_voice_policy: values.staff_voice_policy as boolean | null,
      staff_voice_operations: values.staff_voice_operations as boolean | null,
      measures_social_value: values.measures_social_value as boolean | null,
      new_services: values.new_services as boolean | null,
      source_file: sourceFile,
      source_row: rowNumber,
      survey: survey.id,
      wave,
    };
    return record;
  };

  /** Writes a kept row's record to the truth. */
  const keep = async (values: Record<string, unknown>, cells: Cells, row: readonly string[], rowNumber: number) => {
    valid++;
    if (!needRecords) return;
    const record = toRecord(values, cells, row, rowNumber);
    if (keepRecords) records.push(record);
    if (options.onRecord) await options.onRecord(record);
  };

  /** The next organisation of the population that answers this wave. */
  const nextRespondent = (): OrgProfile => {
    while (!population.answersWave(nextOrg, wave)) nextOrg++;
    return population.org(nextOrg++);
  };

  /** An invalid row of one kind, built from a fresh organisation outside the panel. */
  const invalidRow = (kind: InvalidKind, rowNumber: number, k: number): { row: string[]; rejected: RejectedRow } => {
    let org: OrgProfile;
    do org = population.org(invalidIndex++);
    while (!population.exists(org, wave));
    const spinout = kind === 'spinout-after-wave';
    org = {
      ...org,
      isSpinout: spinout,
      spinoutYear: spinout ? Math.min(wave - 1, 2013) : null,
      parentBody: spinout ? 'local_authority' : null,
      foundedYear: Math.min(org.foundedYear, wave - 1),
    };
    const { cells, submitted } = renderOrg(org, rowNumber, null, true);
    if (cells.org_name === '') cells.org_name = org.name;
    let rejected: RejectedRow;
    switch (kind) {
      case 'unreadable': {
        const field = (['sector', 'legal_form', 'is_spinout'] as const)[k % 3]!;
        const words = {
          sector: fr ? 'Conquête spatiale' : 'Spaceflight',
          legal_form: fr ? 'Auto-entrepreneur' : 'Sole trader',
          is_spinout: fr ? 'Peut-être' : 'Perhaps',
        };
        cells[field] = words[field];
        rejected = { rowNumber, type: 'type-error', fieldName: field };
        break;
      }
      case 'blank-required': {
        const field = (['legal_form', 'sector', 'is_spinout'] as const)[k % 3]!;
        cells[field] = '';
        rejected = { rowNumber, type: 'constraint-error', fieldName: field };
        break;
      }
      case 'negative-employees':
        cells.employees = `-${1 + rng.int(40)}`;
        rejected = { rowNumber, type: 'constraint-error', fieldName: 'employees' };
        break;
      case 'percent-over-100': {
        const field = k % 2 === 0 ? 'public_income_pct' : 'surplus_reinvested_pct';
        cells[field] = `${101 + rng.int(150)}${fr ? ' %' : '%'}`;
        rejected = { rowNumber, type: 'constraint-error', fieldName: field };
        break;
      }
      case 'spinout-after-wave':
        cells.spinout_year = String(wave + 1 + rng.int(3));
        rejected = { rowNumber, type: 'constraint-error', fieldName: 'spinout_year' };
        break;
      case 'spinout-year-not-spinout':
        cells.spinout_year = String(Math.min(2012, wave - 1));
        rejected = { rowNumber, type: 'constraint-error', fieldName: 'spinout_year' };
        break;
      case 'founded-before-1800':
        cells.founded_year = String(1650 + rng.int(150));
        rejected = { rowNumber, type: 'constraint-error', fieldName: 'founded_year' };
        break;
      case 'no-identity':
        cells.org_name = '';
        cells.registration_number = '';
        rejected = { rowNumber, type: 'constraint-error', fieldName: 'org_id' };
        break;
      case 'extra-cell':
        rejected = { rowNumber, type: 'extra-cell' };
        break;
      case 'missing-cell':
        rejected = { rowNumber, type: 'missing-cell' };
        break;
    }
    const row = order(cells, submitted);
    if (kind === 'extra-cell') row.push(fr ? 'merci' : 'thanks');
    if (kind === 'missing-cell') row.pop();
    return { row, rejected };
  };

  // Lines are collected in an array and joined per chunk: cheaper than a growing string rope.
  let lines: string[] = [];
  let chars = 0;
  const flushText = async () => {
    const pending = sink.write(lines.join(''));
    lines = [];
    chars = 0;
    if (pending) await pending;
  };
  lines.push(
    csvRecord(
      layout.columns.map((c) => c.header),
      delimiter,
      quoteAll,
    ),
  );

  for (let p = 0; p < rows; p++) {
    const rowNumber = p + 2;
    const pendingInvalid = nInvalid - invalidDone;
    const mustFlush = rows - p <= queue.length + pendingInvalid;
    let row: string[];
    const dupDue = queue.length > 0 && queue[0]!.due <= p;
    const invalidDue = invalidDone < nInvalid && nextInvalidSlot <= p;
    if (dupDue || (mustFlush && !invalidDue && queue.length > 0)) {
      const dup = queue.shift()!;
      const { cells, values } = renderOrg(dup.org, rowNumber, dup.submitted, true);
      row = order(cells, values.submitted_at as number);
      if (dup.firstWins) rejectedRows.push({ rowNumber, type: 'duplicate-row', fieldName: 'org_id' });
      else await keep(values, cells, row, rowNumber);
    } else if (invalidDue || (mustFlush && invalidDone < nInvalid)) {
      const kind = INVALID_KINDS[(invalidStart + invalidDone) % INVALID_KINDS.length]!;
      const built = invalidRow(kind, rowNumber, Math.floor(invalidDone / INVALID_KINDS.length));
      row = built.row;
      rejectedRows.push(built.rejected);
      invalidDone++;
      nextInvalidSlot = invalidDone < nInvalid ? Math.max(p + 1, slotOf(invalidDone)) : Number.POSITIVE_INFINITY;
    } else if (rows >= 10 && rng.chance(0.005)) {
      const filler = rng.chance(0.1) ? ' ' : '';
      row = layout.columns.map(() => filler);
      blank++;
    } else {
      const org = nextRespondent();
      const gap = 1 + rng.int(40);
      const planDuplicate = rng.chance(0.025) && rows - (p + 1) > queue.length + pendingInvalid + gap + 1;
      if (planDuplicate) {
        // Second submissions: usually later (the later row wins), sometimes earlier (this row wins), sometimes
        // at the very same minute (the later row in the file wins). Whole minutes keep every form exact.
        const at = Math.floor((fieldworkStart + 10 * 86_400 + rng.int(fieldworkSeconds - 20 * 86_400)) / 60) * 60;
        const c = rng.next();
        const other = c < 0.6 ? at + 60 * (5 + rng.int(14_000)) : c < 0.8 ? at - 60 * (5 + rng.int(7_000)) : at;
        const firstWins = other < at;
        const { cells, values } = renderOrg(org, rowNumber, at, true);
        row = order(cells, values.submitted_at as number);
        if (firstWins) await keep(values, cells, row, rowNumber);
        else rejectedRows.push({ rowNumber, type: 'duplicate-row', fieldName: 'org_id' });
        const due = p + gap;
        let at2 = queue.length;
        while (at2 > 0 && queue[at2 - 1]!.due > due) at2--;
        queue.splice(at2, 0, { due, org, submitted: other, firstWins });
      } else {
        const { cells, values } = renderOrg(org, rowNumber, null, false);
        row = order(cells, values.submitted_at as number | null);
        await keep(values, cells, row, rowNumber);
      }
    }
    const line = csvLine(row);
    lines.push(lineEnd, line);
    chars += line.length;
    if (chars >= 1 << 17) await flushText();
  }
  if (queue.length > 0 || invalidDone < nInvalid) {
    throw new Error(
      `generate: internal error: ${queue.length} duplicates and ${nInvalid - invalidDone} invalid rows unplaced`,
    );
  }
  if (layout.finalLineEnd) lines.push(lineEnd);
  await flushText();
  await sink.end();
  if (typeof out === 'string') await once(stream, 'close').catch(() => undefined);

  return {
    survey: survey.id,
    wave,
    seed,
    sourceFile,
    encoding: layout.encoding,
    delimiter,
    bytes: sink.bytes,
    expected: { rows, valid, rejected: rejectedRows.length, blank, rejectedRows },
    records,
    ...(options.population ? { population: populationTruth(population, nextOrg, wave) } : {}),
  };
}
