// `survey generate` end to end through the real command (bin/survey.js), against the library call.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ORG_KEY } from '../../../../core/ingest/org-id.ts';
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

  it('writes the same file and truth as generateWave and prints one line', async () => {
    const out = join(dir, 'fr.csv');
    const truthPath = join(dir, 'fr.json');
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
    ]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(run.stdout).toMatch(/^generated 700 rows \(\d+ valid, \d+ to reject, \d+ blank\)/);
    const expected = await generate({
      survey: 'fr-ess',
      wave: 2022,
      rows: 700,
      seed: 5,
      orgKey: DEMO_ORG_KEY,
      sourceFile: 'fr.csv',
    });
    expect((await readFile(out)).equals(expected.bytes)).toBe(true);
    const truth = JSON.parse(await readFile(truthPath, 'utf8'));
    expect(truth).toEqual(JSON.parse(JSON.stringify(expected.truth)));
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
