// `survey status`, the real command in a child process, while an ingest is paused in this process at its Parquet
// put (under way, holding the wave's lock) and after it went on.
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWave } from '../../core/generate/index.ts';
import { type Attempt, runningPrefix } from '../../core/ingest/attempts.ts';
import { ingestWave } from '../../core/ingest/ingest.ts';
import { LocalStorage } from '../../core/storage/local-storage.ts';
import { FaultyStorage, strikes } from '../helpers/faulty-storage.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const run = promisify(execFile);
const status = async (lake: string, ...args: string[]) =>
  (await run(process.execPath, [join(ROOT, 'bin/survey.js'), 'status', '--lake', lake, ...args], { cwd: ROOT })).stdout;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'status-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('survey status', () => {
  it('lists an ingest under way, then its record once it ended', async () => {
    const lake = join(dir, 'lake');
    const file = join(dir, 'uk-se-2023.csv');
    await generateWave({ survey: 'uk-se', wave: 2023, rows: 40, seed: 3, orgKey: 'status-key' }, file);
    expect(await status(lake)).toBe(`no ingest attempts in ${lake}\n`);

    const storage = new FaultyStorage(new LocalStorage(lake), {
      at: (step) => step.kind === 'parquet',
      fault: 'pause',
    });
    const ingest = ingestWave({
      storage,
      input: createReadStream(file),
      survey: 'uk-se',
      wave: 2023,
      sourceFile: 'uk-se-2023.csv',
      orgKey: 'status-key',
      by: 'the test',
    });
    await strikes(storage.reached, ingest);
    const during = await status(lake);
    expect(during).toMatch(
      /^no ingest attempts in .*\nunder way: uk-se wave 2023, uk-se-2023\.csv, the test since \d{4}-\d\d-\d\dT[\d:.]+Z \(/,
    );
    expect(JSON.parse(await status(lake, '--json'))).toEqual([]);

    storage.resume();
    const outcome = await ingest;
    expect(outcome.outcome).toBe('committed');
    const after = await status(lake);
    expect(after).not.toContain('under way');
    expect(after.split('\n')[2]).toMatch(/ uk-se +2023 +committed +40 /);
    const attempts = JSON.parse(await status(lake, '--survey', 'uk-se', '--json')) as Attempt[];
    expect(attempts.map((attempt) => [attempt.attempt, attempt.outcome])).toEqual([
      [outcome.attempt.attempt, 'committed'],
    ]);
  });

  it('skips a marker that cannot be read, and the next ingest removes it without recording anything for it', async () => {
    const lake = join(dir, 'torn');
    const file = join(dir, 'uk-se-2022.csv');
    await generateWave({ survey: 'uk-se', wave: 2022, rows: 20, seed: 4, orgKey: 'status-key' }, file);
    const storage = new LocalStorage(lake);
    const torn = `${runningPrefix('uk-se', 2022)}20260101T000000000Z-0badf00d.json`;
    await storage.put(torn, '{"attempt": "20260101T0');
    expect(await status(lake)).toBe(`no ingest attempts in ${lake}\n`);
    const outcome = await ingestWave({
      storage,
      input: createReadStream(file),
      survey: 'uk-se',
      wave: 2022,
      sourceFile: 'uk-se-2022.csv',
      orgKey: 'status-key',
    });
    expect(outcome.outcome).toBe('committed');
    expect(await storage.list(runningPrefix('uk-se', 2022))).toEqual([]);
    const attempts = JSON.parse(await status(lake, '--json')) as Attempt[];
    expect(attempts.map((attempt) => attempt.outcome)).toEqual(['committed']);
  });
});
