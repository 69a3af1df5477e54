// Input a hostile or careless user gives `survey ingest`: each gets one line on stderr (no stack trace, no
// unhandled rejection), loses nothing and leaves nothing behind. Run through the real command, in processes.
import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const survey = join(root, 'bin/survey.js');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ingest-hostile-'));
  chmodSync(dir, 0o755);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const HEADER = 'Respondent ID,Organisation name,Postcode,Legal form,Spun out of the public sector?,Main sector,Notes';

function run(args: string[], env: NodeJS.ProcessEnv = { SURVEY_ORG_KEY: 'test-key' }, user?: string) {
  const command = user ? ['runuser', '-u', user, '--', process.execPath, survey] : [process.execPath, survey];
  return spawnSync(command[0]!, [...command.slice(1), ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: dir, ...env },
    maxBuffer: 1 << 28,
  });
}

/** stderr without the warning lines: what the user is told went wrong. */
function errorLines(result: SpawnSyncReturns<string>): string[] {
  return result.stderr.split('\n').filter((line) => line !== '' && !line.includes('warning'));
}

/** The ingest's work files in a temporary folder (tsx keeps its own cache there too). */
function workFiles(folder: string): string[] {
  return filesUnder(folder).filter((name) => name.startsWith('survey-'));
}

/** Every file under a folder, as paths relative to it. */
function filesUnder(folder: string): string[] {
  return existsSync(folder) ? (readdirSync(folder, { recursive: true }) as string[]) : [];
}

async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  chmodSync(path, 0o644);
  return path;
}

describe('survey ingest against hostile input', () => {
  it('rejects a row holding a 50 MB cell, keeps the cell whole in rejected.csv and quotes 200 characters of it', async () => {
    const big = 'x'.repeat(50 * 1024 * 1024);
    const path = await file(
      'big.csv',
      `${HEADER}\n1,Acme,AB1 2CD,${big},no,Health,\n2,Beta,AB1 2CE,CIC,no,Health,ok\n`,
    );
    const lake = join(dir, 'lake-big');
    const result = run(['ingest', path, '--survey', 'uk-se', '--wave', '2023', '--lake', lake]);
    expect(errorLines(result)).toEqual([]);
    expect(result.status).toBe(0);
    const pointer = JSON.parse(await readFile(join(lake, 'curated/survey=uk-se/wave=2023/_current.json'), 'utf8'));
    const reportPath = join(lake, pointer.report);
    expect((await stat(reportPath)).size).toBeLessThan(20_000);
    const report = JSON.parse(await readFile(reportPath, 'utf8'));
    expect(report.stats).toMatchObject({ rows: 2, valid: 1, rejected: 1 });
    const [error] = report.errors;
    expect(error.fieldName).toBe('legal_form');
    expect(error.cell).toBe(`${'x'.repeat(200)}… (${big.length - 200} more characters)`);
    const rejected = await readFile(join(lake, pointer.rejected), 'utf8');
    expect(rejected).toContain(`,${big},`);
  }, 120_000);

  it('says in one line that a read-only lake cannot be written, and leaves no work files', async () => {
    const path = await file('ok.csv', `${HEADER}\n1,Acme,AB1 2CD,CIC,no,Health,\n`);
    const lake = join(dir, 'read-only-lake');
    await writeFile(join(dir, 'placeholder'), '');
    spawnSync('mkdir', ['-p', lake]);
    chmodSync(lake, 0o555);
    const work = await mkdtemp(join(dir, 'work-'));
    chmodSync(work, 0o777);
    // Root may write anywhere: the command runs as an unprivileged user when this test runs as root.
    const asRoot = process.getuid?.() === 0;
    const result = run(
      ['ingest', path, '--survey', 'uk-se', '--wave', '2023', '--lake', lake],
      { SURVEY_ORG_KEY: 'test-key', TMPDIR: work },
      asRoot ? 'nobody' : undefined,
    );
    expect(result.status).toBe(1);
    expect(errorLines(result)).toEqual([
      expect.stringMatching(/^survey: storage: cannot write .* the lake is not writable/),
    ]);
    expect(result.stderr).not.toMatch(/\n\s+at |Unhandled|unhandled/);
    expect(filesUnder(lake)).toEqual([]);
    expect(workFiles(work)).toEqual([]);
  });

  it('refuses an empty --lake instead of writing into the working directory', async () => {
    const path = await file('ok2.csv', `${HEADER}\n1,Acme,AB1 2CD,CIC,no,Health,\n`);
    const result = run(['ingest', path, '--survey', 'uk-se', '--wave', '2023', '--lake', '']);
    expect(result.status).toBe(2);
    expect(errorLines(result)).toEqual([
      'survey: --lake must name a directory or s3://bucket/prefix, got an empty value',
    ]);
  });

  it('refuses an empty SURVEY_ORG_KEY rather than hashing with it', async () => {
    const path = await file('ok3.csv', `${HEADER}\n1,Acme,AB1 2CD,CIC,no,Health,\n`);
    const lake = join(dir, 'lake-empty-key');
    const result = run(['ingest', path, '--survey', 'uk-se', '--wave', '2023', '--lake', lake], { SURVEY_ORG_KEY: '' });
    expect(result.status).toBe(2);
    expect(errorLines(result)).toEqual([expect.stringMatching(/SURVEY_ORG_KEY is set but empty/)]);
    expect(filesUnder(lake)).toEqual([]);
  });

  it('reports the live wave and notes, on stderr, a later attempt that was refused', async () => {
    const lake = join(dir, 'lake-later-refusal');
    const good = await file('good-later.csv', `${HEADER}\n1,Acme,AB1 2CD,CIC,no,Health,\n`);
    const bad = await file('bad-later.csv', 'Respondent ID,Organisation name\n1,Acme\n');
    expect(run(['ingest', good, '--survey', 'uk-se', '--wave', '2023', '--lake', lake]).status).toBe(0);
    expect(run(['ingest', bad, '--survey', 'uk-se', '--wave', '2023', '--lake', lake]).status).toBe(1);
    const result = run(['report', '--survey', 'uk-se', '--wave', '2023', '--lake', lake]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/source {4}good-later\.csv/);
    expect(errorLines(result)).toEqual([
      expect.stringMatching(
        /^survey: report: note: the latest attempt \(bad-later\.csv, .*\) was refused: ingest: required column/,
      ),
    ]);
  });

  it('names the pointer file when a truncated _current.json stops a query', async () => {
    const path = await file('ok4.csv', `${HEADER}\n1,Acme,AB1 2CD,CIC,no,Health,\n`);
    const lake = join(dir, 'lake-truncated');
    expect(run(['ingest', path, '--survey', 'uk-se', '--wave', '2023', '--lake', lake]).status).toBe(0);
    const pointer = join(lake, 'curated/survey=uk-se/wave=2023/_current.json');
    const text = await readFile(pointer, 'utf8');
    await writeFile(pointer, text.slice(0, text.length / 2));
    const result = run(['query', 'wave_summary', '--param', 'survey=uk-se', '--lake', lake]);
    expect(result.status).not.toBe(0);
    expect(errorLines(result)).toEqual([expect.stringContaining(`the pointer ${pointer} is not valid JSON`)]);
  });

  it('leaves nothing behind once the next ingest runs after one killed mid-write', async () => {
    // Long enough to be killed while it writes: rows of one repeated line.
    const rows = Array.from({ length: 200_000 }, (_, i) => `${i},Org ${i},AB1 2CD,CIC,no,Health,note ${i}`);
    const path = await file('long.csv', `${HEADER}\n${rows.join('\n')}\n`);
    const lake = join(dir, 'lake-killed');
    const work = await mkdtemp(join(dir, 'work-killed-'));
    const env = { PATH: process.env.PATH, SURVEY_ORG_KEY: 'test-key', TMPDIR: work };
    const child = spawn(
      process.execPath,
      [survey, 'ingest', path, '--survey', 'uk-se', '--wave', '2023', '--lake', lake],
      {
        env,
        stdio: 'ignore',
      },
    );
    // Killed (SIGKILL: nothing of it runs again) once its work directory holds the rows read so far.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        const valid = workFiles(work).find((name) => name.endsWith('valid.csv'));
        if (valid !== undefined || child.exitCode !== null) {
          clearInterval(poll);
          child.kill('SIGKILL');
          resolve();
        }
      }, 20);
    });
    await new Promise((resolve) => child.once('exit', resolve));
    expect(workFiles(work).length).toBeGreaterThan(0);
    // The killed process's lock is taken over once stale (seconds): until then the next ingest says it is busy.
    const args = [survey, 'ingest', path, '--survey', 'uk-se', '--wave', '2023', '--lake', lake];
    const started = Date.now();
    let again = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
    while (again.status !== 0 && /is running/.test(again.stderr) && Date.now() - started < 15_000) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      again = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
    }
    expect(again.status).toBe(0);
    expect(workFiles(work)).toEqual([]);
    expect(filesUnder(join(lake, '.tmp'))).toEqual([]);
    expect(filesUnder(lake).filter((name) => name !== '.tmp' && name.endsWith('.tmp'))).toEqual([]);
  }, 120_000);

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'stops at %s, says so in one line, and leaves the live wave, its folders and the work files as they were',
    async (signal) => {
      const lake = join(dir, `lake-${signal}`);
      const small = await file(`small-${signal}.csv`, `${HEADER}\n1,Acme,AB1 2CD,CIC,no,Health,\n`);
      expect(run(['ingest', small, '--survey', 'uk-se', '--wave', '2023', '--lake', lake]).status).toBe(0);
      const pointer = await readFile(join(lake, 'curated/survey=uk-se/wave=2023/_current.json'), 'utf8');
      const before = filesUnder(lake)
        .filter((name) => !name.startsWith('.'))
        .sort();
      const rows = Array.from({ length: 200_000 }, (_, i) => `${i},Org ${i},AB1 2CD,CIC,no,Health,note ${i}`);
      const big = await file(`big-${signal}.csv`, `${HEADER}\n${rows.join('\n')}\n`);
      const work = await mkdtemp(join(dir, `work-${signal}-`));
      const child = spawn(
        process.execPath,
        [survey, 'ingest', big, '--survey', 'uk-se', '--wave', '2023', '--lake', lake],
        {
          env: { PATH: process.env.PATH, SURVEY_ORG_KEY: 'test-key', TMPDIR: work },
        },
      );
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      // Stopped once it is reading: its work directory holds the rows read so far.
      await new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          if (workFiles(work).some((name) => name.endsWith('valid.csv')) || child.exitCode !== null) {
            clearInterval(poll);
            child.kill(signal);
            resolve();
          }
        }, 20);
      });
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(stderr.trim().split('\n')).toEqual([
        `survey: ingest: stopped by ${signal}; the live uk-se wave 2023 is as it was`,
      ]);
      expect(await readFile(join(lake, 'curated/survey=uk-se/wave=2023/_current.json'), 'utf8')).toBe(pointer);
      const after = filesUnder(lake)
        .filter((name) => !name.startsWith('.'))
        .sort();
      const attempts = (names: string[]) => names.filter((name) => name.includes('/attempts/'));
      expect(after.filter((name) => !name.includes('/attempts/'))).toEqual(
        before.filter((name) => !name.includes('/attempts/')),
      );
      expect(attempts(after)).toHaveLength(attempts(before).length + 1);
      const record = JSON.parse(
        await readFile(join(lake, attempts(after).find((name) => !before.includes(name))!), 'utf8'),
      );
      expect(record).toMatchObject({ outcome: 'failed', reason: `ingest: stopped by ${signal}` });
      expect(workFiles(work)).toEqual([]);
    },
    120_000,
  );
});
