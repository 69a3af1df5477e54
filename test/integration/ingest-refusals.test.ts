import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ingest-refusals-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const HEADER = 'Respondent ID,Organisation name,Postcode,Legal form,Spun out of the public sector?,Main sector';
const ROW = '1,Acme,AB1 2CD,CIC,no,Health';

function ingest(file: string, survey = 'uk-se', wave = '2023') {
  const lake = join(dir, `lake-${Math.random().toString(36).slice(2)}`);
  const result = spawnSync(
    process.execPath,
    [join(root, 'bin/survey.js'), 'ingest', file, '--survey', survey, '--wave', wave, '--lake', lake],
    {
      encoding: 'utf8',
      env: { ...process.env, SURVEY_ORG_KEY: 'test-key' },
    },
  );
  return { ...result, lake };
}

async function file(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

describe('survey ingest refuses a bad file with one line, writes no wave, and leaves a report saying why', () => {
  const cases: [string, () => Promise<string>, RegExp, string?, string?][] = [
    ['a missing file', async () => join(dir, 'nope.csv'), /cannot read .*no such file/],
    ['an empty file', () => file('empty.csv', ''), /the file is empty/],
    [
      'a binary file',
      () => file('image.csv', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])),
      /not a CSV text file/,
    ],
    ['an unknown survey id', () => file('ok1.csv', `${HEADER}\n${ROW}\n`), /unknown survey "nope"/, 'nope'],
    ['a wave year out of range', () => file('ok2.csv', `${HEADER}\n${ROW}\n`), /wave must be a year/, 'uk-se', '1890'],
    [
      'a wave that is not a year',
      () => file('ok3.csv', `${HEADER}\n${ROW}\n`),
      /--wave must be a four-digit year/,
      'uk-se',
      '20x3',
    ],
    [
      'a required column missing',
      () =>
        file(
          'nosector.csv',
          'Respondent ID,Organisation name,Legal form,Spun out of the public sector?\n1,Acme,CIC,no\n',
        ),
      /required column "sector" is missing/,
    ],
    [
      'one field matched by two columns',
      () => file('twice.csv', `${HEADER},Primary sector of activity\n${ROW},Health\n`),
      /both match field "sector"/,
    ],
    ['a header with no data rows', () => file('header-only.csv', `${HEADER}\n`), /header but no data rows/],
  ];
  it.each(cases)('%s', async (_name, make, message, survey, wave) => {
    const path = await make();
    const result = ingest(path, survey, wave);
    expect(result.status).not.toBe(0);
    const lines = result.stderr
      .trim()
      .split('\n')
      .filter((line) => !line.includes('warning'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    // Arguments refused before any attempt leave nothing; a file refused by the ingest leaves its refusal's
    // report and the attempt in the ledger, and no wave.
    const written = existsSync(result.lake)
      ? ((await readdir(result.lake, { recursive: true })) as string[]).filter(
          (name) => !name.startsWith('.') && name.endsWith('.json'),
        )
      : [];
    expect(written.filter((name) => !/\/(refused|attempts)\/[^/]+\.json$/.test(name))).toEqual([]);
    const refused = written.filter((name) => name.includes('/refused/'));
    if (refused.length > 0) {
      const report = JSON.parse(await readFile(join(result.lake, refused[0]!), 'utf8'));
      expect(report.reason).toMatch(message);
      expect(lines[0]).toContain(refused[0]);
    }
  });
});
