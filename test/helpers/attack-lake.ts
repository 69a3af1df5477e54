// A generated lake for the disclosure attacks (test/integration/disclosure-*.test.ts): waves of one survey generated,
// ingested and revised, every export kept (with the version of each wave it was made from) for the intruder.
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { DuckDbEngine } from '../../core/engine/duckdb-engine.ts';
import { exportQuery } from '../../core/export/index.ts';
import { generateWave, type Truth } from '../../core/generate/index.ts';
import { ingestWave } from '../../core/ingest/ingest.ts';
import { loadSavedQueries } from '../../core/queries/index.ts';
import { LocalStorage } from '../../core/storage/local-storage.ts';
import type { PublishedTable } from './attack.ts';
import type { StatsRecord } from './truth-stats.ts';

const ORG_KEY = 'attack-test-key';
/** The two waves of every generated lake. */
export const FROM = 2021;
export const TO = 2023;
/** The deployment's settings in these tests. */
export const RULES = { threshold: 5, p: 10 };

const FIELDS: [string, 'string' | 'int' | 'double' | 'boolean'][] = [
  ['survey', 'string'],
  ['wave', 'int'],
  ['org_id', 'string'],
  ['region', 'string'],
  ['is_spinout', 'boolean'],
  ['spinout_year', 'int'],
  ['parent_body', 'string'],
  ['sector', 'string'],
  ['employees', 'int'],
  ['turnover', 'double'],
  ['turnover_prev', 'double'],
  ['turnover_trend', 'string'],
];

/** One generated lake: two waves of one survey, ingested. */
export class Lake {
  readonly dir = mkdtempSync(join(tmpdir(), 'disclosure-attack-'));
  readonly storage = new LocalStorage(join(this.dir, 'lake'));
  readonly tables: PublishedTable[] = [];
  /** The version label of each wave now. */
  readonly versions: Record<number, string> = {};
  /** The lake's version id of each labelled wave version ("<wave>:<label>"). */
  readonly committed: Record<string, string> = {};
  readonly records: Record<string, readonly StatsRecord[]> = {};
  private exports = 0;

  constructor(
    readonly survey: string,
    readonly rows: number,
    readonly seed: number,
  ) {}

  /** The generator's truth of each wave it wrote. */
  readonly truths: Record<number, Truth> = {};

  /** Generates and ingests a wave (or ingests `bytes`), labelling its version. */
  async ingest(wave: number, label: string, bytes?: Buffer): Promise<string> {
    const file = join(this.dir, `${this.survey}-${wave}-${label}.csv`);
    if (bytes === undefined) {
      this.truths[wave] = await generateWave(
        { survey: this.survey, wave, rows: this.rows, seed: this.seed * 10 + wave, orgKey: ORG_KEY },
        file,
      );
    } else writeFileSync(file, bytes);
    const { outcome, pointer } = await ingestWave({
      storage: this.storage,
      input: createReadStream(file),
      survey: this.survey,
      wave,
      sourceFile: file,
      orgKey: ORG_KEY,
    });
    if (outcome !== 'committed' || !pointer) throw new Error(`attack-lake: the ingest of ${file} ended ${outcome}`);
    this.versions[wave] = label;
    this.committed[`${wave}:${label}`] = pointer.version;
    const engine = await DuckDbEngine.open(this.storage);
    try {
      const result = await engine.run(
        `select ${FIELDS.map(([n]) => n).join(', ')} from responses where survey = ? and wave = ?`,
        [this.survey, wave],
        FIELDS.map(([name, type]) => ({ name, type })),
      );
      this.records[`${wave}:${label}`] = result.rows as unknown as StatsRecord[];
    } finally {
      await engine.close();
    }
    return file;
  }

  /** Exports a saved query as CSV and keeps the file for the attack. */
  async export(
    name: string,
    params: Record<string, string>,
    options: { total?: boolean; request?: { threshold?: number; p?: number } } = {},
  ): Promise<string> {
    const engine = await DuckDbEngine.open(this.storage);
    const out = join(this.dir, 'out', `${++this.exports}-${name}.csv`);
    try {
      await exportQuery({ engine, lake: this.storage, name, params, out, deployment: RULES, ...options });
    } finally {
      await engine.close();
    }
    const csv = readFileSync(out, 'utf8');
    this.tables.push({ query: name, params, data: { ...this.versions }, csv });
    return csv;
  }

  /** Every unweighted saved query of the survey (waves: the later one, the panel across both). */
  async exportAll(options: { total?: boolean } = {}): Promise<void> {
    // Weighted queries need calibration weights (their disclosure control: test/integration/weights-export.test.ts).
    for (const query of loadSavedQueries().filter((q) => !q.weighted)) {
      const params: Record<string, string> = { survey: this.survey };
      for (const p of query.parameters) {
        if (p.name === 'wave') params.wave = String(TO);
        if (p.name === 'from_wave') params.from_wave = String(FROM);
        if (p.name === 'to_wave') params.to_wave = String(TO);
      }
      await this.export(query.name, params, options);
    }
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The bytes of a generated wave file without the record of one kept organisation (the `index`-th of the truth). */
export function withoutRecord(file: string, truth: Truth, index: number): { bytes: Buffer; orgId: string } {
  const victim = truth.records[index]!;
  // Record boundaries by papaparse over the bytes read as latin1 (one character per byte), since a quoted cell may
  // span lines; source_row counts the header as row 1.
  const text = readFileSync(file).toString('latin1');
  const ends: number[] = [];
  Papa.parse<string[]>(text, {
    delimiter: truth.delimiter,
    step: (row) => {
      ends.push(row.meta.cursor);
    },
  });
  const start = ends[victim.source_row - 2]!;
  const end = ends[victim.source_row - 1]!;
  return { bytes: Buffer.from(text.slice(0, start) + text.slice(end), 'latin1'), orgId: victim.org_id };
}

/** The first findings, for a readable failure. */
export const show = (findings: readonly { cell: string; problem: string }[]) =>
  findings.slice(0, 10).map((f) => `${f.cell}: ${f.problem}`);
