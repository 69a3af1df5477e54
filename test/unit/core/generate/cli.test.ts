// `survey generate` end to end through the real command (bin/survey.js), against the library call.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../../../core/engine/duckdb-engine.ts';
import { LocalStorage } from '../../../../core/storage/local-storage.ts';
import { generate } from './helpers.ts';

const survey = (args: string[]) => {
  const env = { ...process.env };
  delete env.SURVEY_ORG_KEY;
  return spawnSync(process.execPath, ['bin/survey.js', 'generate', ...args], { encoding: 'utf8', env });
};

describe('survey generate', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'generate-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes the same file and truth as generateWave, the truth's org_ids under the lake's key, and prints one line", async () => {
    const out = join(dir, 'fr.csv');
    const truthPath = join(dir, 'fr.json');
    const lake = join(dir, 'lake');
    const run = survey([
      '--survey',
      'fr-ess',
      '--wave',
      '2022',
      '--rows',
      '700',
      '--seed',
      '5',
      '--out',
      out,
      '--truth',
      truthPath,
      '--lake',
      lake,
    ]);
    // The lake had no key: it has one now, the one survey ingest will use, and the command says so.
    expect(run.stderr).toMatch(
      /^survey: generate: SURVEY_ORG_KEY is not set: this lake's org_ids use a key of its own, made now in .*\n$/,
    );
    const orgKey = (await readFile(join(lake, '.survey', 'org-key'), 'utf8')).trim();
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(run.stdout).toMatch(/^generated 700 rows \(\d+ valid, \d+ to reject, \d+ blank\)/);
    const expected = await generate({
      survey: 'fr-ess',
      wave: 2022,
      rows: 700,
      seed: 5,
      orgKey,
      sourceFile: 'fr.csv',
    });
    expect((await readFile(out)).equals(expected.bytes)).toBe(true);
    const truth = JSON.parse(await readFile(truthPath, 'utf8'));
    expect(truth).toEqual(JSON.parse(JSON.stringify(expected.truth)));
  });

  it('gives the truth the org_ids survey ingest then writes into the same lake', async () => {
    const lake = join(dir, 'shared-lake');
    const out = join(dir, 'uk.csv');
    const truthPath = join(dir, 'uk.json');
    const args = ['--survey', 'uk-se', '--wave', '2023', '--rows', '200', '--seed', '8', '--out', out];
    expect(survey([...args, '--truth', truthPath, '--lake', lake]).status).toBe(0);
    const env = { ...process.env };
    delete env.SURVEY_ORG_KEY;
    const ingest = spawnSync(
      process.execPath,
      ['bin/survey.js', 'ingest', out, '--survey', 'uk-se', '--wave', '2023', '--lake', lake],
      { encoding: 'utf8', env },
    );
    expect(ingest.status, ingest.stderr).toBe(0);
    const truth = JSON.parse(await readFile(truthPath, 'utf8')) as { records: { org_id: string }[] };
    const engine = await DuckDbEngine.open(new LocalStorage(lake));
    try {
      const { rows } = await engine.run(
        'select distinct org_id from responses order by org_id',
        [],
        [{ name: 'org_id', type: 'string' }],
      );
      expect(rows.map((row) => row.org_id)).toEqual([...new Set(truth.records.map((r) => r.org_id))].sort());
    } finally {
      await engine.close();
    }
  });

  it.each([
    [['--survey', 'nope', '--wave', '2023', '--rows', '10', '--seed', '1'], /unknown survey "nope"/],
    [['--survey', 'uk-se', '--wave', '1990', '--rows', '10', '--seed', '1'], /wave must be a year from 2010/],
    [
      ['--survey', 'uk-se', '--wave', '2023', '--rows', 'many', '--seed', '1'],
      /--rows must be a whole number, got "many"/,
    ],
    [['--survey', 'uk-se', '--wave', '2023', '--rows', '0', '--seed', '1'], /rows must be a whole number from 1/],
  ])('refuses %j with a one-line error and exit code 2', (args, message) => {
    const run = survey([...args, '--out', join(dir, 'x.csv')]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });
});
