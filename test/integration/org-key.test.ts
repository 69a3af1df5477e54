// The org_id key across waves, through the real `survey` command: a panel over waves ingested under different keys
// is refused (their org_ids cannot match), and doing what the refusal says (re-ingesting one wave under the other's
// key, the same bytes) is an ingest, not "unchanged".
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWave } from '../../core/generate/index.ts';
import { orgKeyId } from '../../core/ingest/org-id.ts';
import { readWavePointer } from '../../core/lake.ts';
import { LocalStorage } from '../../core/storage/local-storage.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const [KEY_A, KEY_B] = ['org-key-test-a', 'org-key-test-b'];

let dir: string;
let lake: string;
const files: Record<number, string> = {};

function survey(key: string, ...args: string[]) {
  const run = spawnSync(process.execPath, [join(ROOT, 'bin/survey.js'), ...args, '--lake', lake], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, SURVEY_ORG_KEY: key },
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}
const ingest = (key: string, wave: number) =>
  survey(key, 'ingest', files[wave]!, '--survey', 'uk-se', '--wave', String(wave));
const panel = (key: string) =>
  survey(
    key,
    'query',
    'panel_growth',
    '--param',
    'survey=uk-se',
    '--param',
    'from_wave=2022',
    '--param',
    'to_wave=2023',
    '--format',
    'json',
  );
const keyOf = async (wave: number) => (await readWavePointer(new LocalStorage(lake), 'uk-se', wave))?.keyId;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'org-key-'));
  lake = join(dir, 'lake');
  for (const wave of [2022, 2023]) {
    files[wave] = join(dir, `uk-se-${wave}.csv`);
    await generateWave({ survey: 'uk-se', wave, rows: 120, seed: wave, orgKey: KEY_A }, files[wave]);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('waves ingested under different org_id keys', () => {
  it('are refused as a panel, and re-ingesting the same bytes under the other key mends them', async () => {
    for (const wave of [2022, 2023]) expect(ingest(KEY_A, wave).code).toBe(0);
    const matched = panel(KEY_A);
    expect(matched.code, matched.err).toBe(0);
    expect(JSON.parse(matched.out).length).toBeGreaterThan(0);

    // The same bytes under another key: new org_ids, so a new version, not "unchanged".
    const rekeyed = ingest(KEY_B, 2022);
    expect(rekeyed.code, rekeyed.err).toBe(0);
    expect(rekeyed.out).not.toMatch(/unchanged/);
    expect(await keyOf(2022)).toBe(orgKeyId(KEY_B));
    expect(await keyOf(2023)).toBe(orgKeyId(KEY_A));
    const refused = panel(KEY_A);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(
      `were ingested under different org_id keys (key ids ${orgKeyId(KEY_B)} and ${orgKeyId(KEY_A)}), so their organisations cannot be matched; re-ingest one wave under the other's key`,
    );

    // What the refusal says to do.
    const mended = ingest(KEY_A, 2022);
    expect(mended.code, mended.err).toBe(0);
    expect(mended.out).not.toMatch(/unchanged/);
    expect(await keyOf(2022)).toBe(orgKeyId(KEY_A));
    const again = panel(KEY_A);
    expect(again.code, again.err).toBe(0);
    expect(JSON.parse(again.out)).toEqual(JSON.parse(matched.out));
    // And the same bytes under the same key change nothing.
    expect(ingest(KEY_A, 2022).out).toMatch(/unchanged/);
  });
});
