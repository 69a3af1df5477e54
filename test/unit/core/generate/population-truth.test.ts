import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Population, REGISTER_STRIDE, type RegisterFacts } from '../../../../core/generate/index.ts';
import { parseFrame } from '../../../../core/weight/index.ts';
import { getSurvey, sizeBand } from '../../../../schemas/index.ts';
import { generate } from './helpers.ts';

const UK = { survey: 'uk-se', wave: 2023, rows: 1500, seed: 21, population: true };

/** Every register organisation of the blocks asked, counted afresh from registerFacts. */
function census(population: Population, asked: number, wave: number): RegisterFacts[] {
  const all: RegisterFacts[] = [];
  for (let block = 0; block < asked; block++) {
    for (let k = 0; k < REGISTER_STRIDE; k++) all.push(population.registerFacts(block, k, wave));
  }
  return all.filter((facts) => facts.exists);
}

describe('the population of a generated wave', () => {
  it('gives the panel organisations the facts their answers report', () => {
    const population = new Population(getSurvey('uk-se'), 3);
    for (let index = 0; index < 3000; index += 7) {
      const org = population.org(index);
      const facts = population.registerFacts(index, 0, 2023);
      const last = population.turnover(org, 2022);
      expect(facts.region).toBe(org.region);
      expect(facts.sector).toBe(org.sector);
      expect(facts.legalForm).toBe(org.legalForm);
      expect(facts.parentBody).toBe(org.parentBody);
      expect(facts.turnover).toBe(last);
      expect(facts.turnoverPrev).toBe(population.turnover(org, 2021));
      expect(facts.employees).toBe(population.employees(org, 2022, last));
      expect(facts.sizeBand).toBe(sizeBand(facts.employees));
    }
  });

  it('counts, in the frame and the truth, every register organisation of the blocks the wave asked', async () => {
    const { truth } = await generate(UK);
    const p = truth.population!;
    const all = census(new Population(getSurvey('uk-se'), UK.seed), p.asked, UK.wave);
    expect(p.organisations).toBe(all.length);
    expect(p.frame.reduce((sum, cell) => sum + cell.organisations, 0)).toBe(all.length);
    for (const cell of p.frame.slice(0, 40)) {
      const count = all.filter(
        (f) => f.region === cell.region && f.legalForm === cell.legal_form && f.sizeBand === cell.size_band,
      ).length;
      expect(count, `${cell.region} ${cell.legal_form} ${cell.size_band}`).toBe(cell.organisations);
    }
    for (const row of p.sector_estimates) {
      expect(row.spinouts).toBe(all.filter((f) => f.sector === row.sector && f.isSpinout).length);
    }
    for (const row of p.spinout_estimates) {
      const count = all.filter(
        (f) => f.isSpinout && (row.parent_body === null ? f.region === row.region : f.parentBody === row.parent_body),
      ).length;
      expect(count).toBe(row.spinouts);
    }
    for (const row of p.growth_estimates) {
      const sector = all.filter((f) => f.sector === row.sector);
      expect(row.share_grew).toBeCloseTo(sector.filter((f) => f.turnover > f.turnoverPrev).length / sector.length, 12);
      const growth = sector.map((f) => f.turnover / f.turnoverPrev - 1).sort((a, b) => a - b);
      const mid = Math.floor(growth.length / 2);
      const median = growth.length % 2 === 1 ? growth[mid]! : (growth[mid - 1]! + growth[mid]!) / 2;
      expect(row.median_turnover_growth).toBeCloseTo(median, 12);
    }
  });

  it('is a frame the wave reaches: every respondent with a region and a headcount lies in a cell of it', async () => {
    const { truth } = await generate(UK);
    const frame = parseFrame(
      [
        'region,legal_form,size_band,organisations',
        ...truth.population!.frame.map((c) => Object.values(c).join(',')),
      ].join('\n'),
      getSurvey('uk-se'),
    );
    const cells = new Set(frame.cells.map((c) => `${c.region},${c.legal_form},${c.size_band}`));
    const placed = truth.records.filter((r) => r.region !== null && r.employees !== null);
    expect(placed.length).toBeGreaterThan(1000);
    for (const r of placed) expect(cells.has(`${r.region},${r.legal_form},${sizeBand(r.employees!)}`)).toBe(true);
    // The survey asks one organisation in REGISTER_STRIDE: the population is much larger than the sample.
    expect(truth.population!.organisations).toBeGreaterThan(15 * truth.records.length);
  });

  it('answers more among large organisations, and less in Scotland, than the population holds', async () => {
    const { truth } = await generate(UK);
    const p = truth.population!;
    const share = (test: (r: (typeof truth.records)[number]) => boolean) =>
      truth.records.filter((r) => r.employees !== null && r.region !== null && test(r)).length /
      truth.records.filter((r) => r.employees !== null && r.region !== null).length;
    const population = (test: (c: (typeof p.frame)[number]) => boolean) =>
      p.frame.filter(test).reduce((sum, c) => sum + c.organisations, 0) / p.organisations;
    const large = (band: string) => band === '10-49' || band === '50-249' || band === '250+';
    expect(share((r) => large(sizeBand(r.employees!)))).toBeGreaterThan(1.2 * population((c) => large(c.size_band)));
    expect(share((r) => sizeBand(r.employees!) === '0')).toBeLessThan(0.6 * population((c) => c.size_band === '0'));
    expect(share((r) => r.region === 'TLM')).toBeLessThan(0.85 * population((c) => c.region === 'TLM'));
  });

  it('is counted only when asked for', async () => {
    const { truth } = await generate({ ...UK, population: false });
    expect(truth.population).toBeUndefined();
  });

  it('is written as a frame CSV by survey generate --frame, and its truth joins the truth file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'generate-frame-'));
    try {
      const env = { ...process.env };
      delete env.SURVEY_ORG_KEY;
      const args = ['--survey', 'uk-se', '--wave', '2023', '--rows', '300', '--seed', '4', '--out', join(dir, 'w.csv')];
      const run = spawnSync(
        process.execPath,
        [
          'bin/survey.js',
          'generate',
          ...args,
          '--truth',
          join(dir, 't.json'),
          '--frame',
          join(dir, 'f.csv'),
          '--lake',
          join(dir, 'lake'),
        ],
        { encoding: 'utf8', env },
      );
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/; frame of \d+ organisations in \d+ cells → .*f\.csv\n$/);
      const frame = parseFrame(await readFile(join(dir, 'f.csv'), 'utf8'), getSurvey('uk-se'));
      const truthFile = JSON.parse(await readFile(join(dir, 't.json'), 'utf8'));
      expect(truthFile.population.organisations).toBe(frame.organisations);
      expect(truthFile.population.frame).toEqual(frame.cells);
      const { truth } = await generate({ survey: 'uk-se', wave: 2023, rows: 300, seed: 4, population: true });
      expect(truthFile.population.sector_estimates).toEqual(truth.population!.sector_estimates);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
