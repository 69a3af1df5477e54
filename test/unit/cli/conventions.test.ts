// The command line's conventions, as a user meets them: the real `survey` in child processes, in pipes and on a
// pseudo-terminal (util-linux `script`).
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Command, closest, renderHelp } from '../../../cli/command.ts';
import { colourEnabled, paint } from '../../../cli/style.ts';

const ROOT = new URL('../../..', import.meta.url).pathname;
const SURVEY = join(ROOT, 'bin/survey.js');
const ESC = '\x1b';
const run = promisify(execFile);

/** Runs `survey` with its output in pipes; resolves with the exit code and both outputs. */
async function survey(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [SURVEY, ...args], {
      env: { ...process.env, ...env },
      cwd: ROOT,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The environment minus what makes Node's hasColors() say no whatever the terminal (CI=true does, in CI). */
function colourNeutralEnv(): NodeJS.ProcessEnv {
  const { CI: _ci, NO_COLOR: _no, NODE_DISABLE_COLORS: _off, FORCE_COLOR: _force, ...rest } = process.env;
  return rest;
}

/** Runs `survey` on a pseudo-terminal (stdout and stderr both the terminal); returns what the terminal showed. */
function onTerminal(args: readonly string[], env: NodeJS.ProcessEnv) {
  const line = [process.execPath, SURVEY, ...args].map((a) => `'${a}'`).join(' ');
  const result = spawnSync('script', ['-qec', line, '/dev/null'], {
    encoding: 'utf8',
    env: { ...colourNeutralEnv(), TERM: 'xterm-256color', ...env },
  });
  return { code: result.status, shown: result.stdout };
}

/** Commands of DESIGN.md "The command line"; `survey --help` may list more (each is then checked too). */
const COMMANDS = [
  'ingest',
  'report',
  'codebook',
  'generate',
  'queries',
  'query',
  'export',
  'bulletin',
  'upload',
  'demo',
];

/** The commands a `survey --help` lists, in its order. */
const listedIn = (help: string) => [...help.matchAll(/^ {2}([a-z]+) {2,}\S/gm)].map((m) => m[1]!);

describe('survey --help', () => {
  let help: Awaited<ReturnType<typeof survey>>;
  beforeAll(async () => {
    help = await survey(['--help']);
  });

  it('lists every command with what it does, on stdout, exit 0, and so does survey alone', async () => {
    for (const { code, stdout, stderr } of [help, await survey([])]) {
      expect([code, stderr]).toEqual([0, '']);
      expect(listedIn(stdout)).toEqual(expect.arrayContaining(COMMANDS));
    }
  });

  it('is written by every command it lists, for itself: usage lines of its own, what it does, its options', async () => {
    for (const name of listedIn(help.stdout)) {
      const { command } = (await import(`../../../cli/commands/${name}.ts`)) as { command: Command };
      const text = renderHelp(name, command.help);
      expect(
        command.help.usage.every((line) => line.startsWith(`${name} `) || line === name),
        name,
      ).toBe(true);
      expect(text, name).toMatch(new RegExp(`^Usage:\\n  survey ${name}\\b`));
      expect(text, name).toMatch(/\nOptions:\n(.*\n)* {2}-h, --help /);
      // Prose within 80 columns; usage and example lines are command lines, kept whole.
      for (const line of text.split('\n').filter((l) => !l.startsWith('  survey '))) {
        expect(line.length, `${name}: ${line}`).toBeLessThanOrEqual(80);
      }
    }
  });

  it('is printed by --help, -h and survey help <command> alike, exit 0, before anything else is checked', async () => {
    const [long, short, viaHelp, withOthers] = await Promise.all([
      survey(['export', '--help']),
      survey(['export', '-h']),
      survey(['help', 'export']),
      // Nothing is run and nothing is refused: not the missing query name, not the unknown option.
      survey(['export', '--out', 'x.csv', '--nonsense', '--help']),
    ]);
    const { command } = (await import('../../../cli/commands/export.ts')) as { command: Command };
    expect(long).toEqual({ code: 0, stdout: renderHelp('export', command.help), stderr: '' });
    for (const result of [short, viaHelp, withOthers]) expect(result).toEqual(long);
  });
});

describe('survey --version', () => {
  it('prints the package version, exit 0', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    for (const { code, stdout, stderr } of await Promise.all([survey(['--version']), survey(['-V'])])) {
      expect([code, stdout, stderr]).toEqual([0, `survey ${version}\n`, '']);
    }
  });
});

describe('a typo', () => {
  it('in a command gets one line on stderr naming the command meant, exit 2', async () => {
    const { code, stdout, stderr } = await survey(['bulletn']);
    expect([code, stdout]).toEqual([2, '']);
    expect(stderr).toBe(
      'survey: unknown command "bulletn"; did you mean bulletin? (survey --help lists the commands)\n',
    );
    // Swapped, missing and extra letters.
    expect(['qeury', 'exprot', 'repot', 'ingests'].map((typo) => closest(typo, COMMANDS))).toEqual([
      'query',
      'export',
      'report',
      'ingest',
    ]);
  });

  it('in an option gets the option meant, exit 2', async () => {
    const { code, stderr } = await survey(['report', '--survy', 'uk-se', '--wave', '2023']);
    expect(code).toBe(2);
    expect(stderr).toBe('survey: unknown option --survy; did you mean --survey?\n');
    expect((await survey(['--verison'])).stderr).toMatch(/unknown option --verison; did you mean --version\?/);
  });

  it('in a value gets a line that says what is missing, exit 2', async () => {
    const missing = await survey(['bulletin', '--survey', 'uk-se', '--wave', '2023']);
    expect([missing.code, missing.stderr]).toEqual([
      2,
      'survey: bulletin: missing --out; survey bulletin --help lists its options\n',
    ]);
    const negative = await survey(['export', 'spinouts_by_sector', '--out', 'x.csv', '--p', '-1']);
    expect([negative.code, negative.stderr]).toEqual([
      2,
      'survey: option --p needs a value, got the option-like "-1"; for a value that begins with a dash write --p=-1\n',
    ]);
    const last = await survey(['export', 'spinouts_by_sector', '--out']);
    expect([last.code, last.stderr]).toEqual([2, 'survey: option --out needs a value\n']);
    expect((await survey(['-v'])).stdout).toMatch(/^survey \d+\.\d+\.\d+\n$/);
  });

  it('suggests nothing for a word that is not near any name', async () => {
    const { stderr } = await survey(['frobnicate']);
    expect(stderr).toBe('survey: unknown command "frobnicate" (survey --help lists the commands)\n');
    expect(closest('xyz', COMMANDS)).toBeUndefined();
    expect(closest('querie', COMMANDS)).toBe('queries');
    expect(closest('querys', COMMANDS)).toBe('query');
  });
});

describe('colour', () => {
  it('is shown on a terminal, and not with NO_COLOR', () => {
    const coloured = onTerminal(['qeury'], {});
    expect(coloured.code).toBe(2);
    expect(coloured.shown).toContain(`${ESC}[31msurvey:${ESC}[39m unknown command "qeury"`);
    const plain = onTerminal(['qeury'], { NO_COLOR: '1' });
    expect(plain.shown).toContain('survey: unknown command "qeury"');
    expect(plain.shown).not.toContain(ESC);
  });

  it('never reaches a pipe, even with FORCE_COLOR', async () => {
    const { stderr } = await survey(['qeury'], { FORCE_COLOR: '3' });
    expect(stderr).toBe('survey: unknown command "qeury"; did you mean query? (survey --help lists the commands)\n');
  });

  it('is decided per stream: a terminal that shows colours, without NO_COLOR (an empty NO_COLOR does not count)', () => {
    const tty = { isTTY: true as const, hasColors: () => true };
    expect(colourEnabled(tty, {})).toBe(true);
    expect(colourEnabled(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colourEnabled(tty, { NO_COLOR: '' })).toBe(true);
    expect(colourEnabled({ isTTY: false }, {})).toBe(false);
    expect(colourEnabled({ isTTY: true, hasColors: () => false }, {})).toBe(false);
    expect(paint({ isTTY: false }, 'bold', 'x', {})).toBe('x');
    expect(paint(tty, 'bold', 'x', {})).toBe(`${ESC}[1mx${ESC}[22m`);
  });
});

describe('survey demo in a pipe', () => {
  const dir = mkdtempSync(join(tmpdir(), 'demo-pipe-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes no escape sequence at all, and points at commands npx will not fetch from the registry', async () => {
    const { code, stdout, stderr } = await survey(['demo', '--lake', join(dir, 'lake')], { FORCE_COLOR: '1' });
    expect(code).toBe(0);
    expect(stdout).toContain('Spin-outs by sector');
    expect(stdout + stderr).not.toContain(ESC);
    expect(stdout).toMatch(/bulletin-uk-se-2023\.html/);
    const suggested = stdout.split('\n').filter((line) => /\bnpx\b/.test(line));
    expect(suggested.length).toBeGreaterThan(5);
    for (const line of suggested) expect(line).toMatch(/^ {2}npx --no-install survey /);
  });
});

describe('the package', () => {
  it('is not named like a registry package, and npx --no-install runs its own survey', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.name).not.toBe('survey');
    expect(pkg.bin).toEqual({ survey: 'bin/survey.js' });
    const result = spawnSync('npx', ['--no-install', 'survey', '--version'], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`survey ${pkg.version}\n`);
  });

  it('has README examples that npx can never fetch from the registry', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const lines = readme.split('\n').filter((line) => /\bnpx survey\b/.test(line));
    expect(lines).toEqual([]);
    expect(readme).toMatch(/npx --no-install survey bulletin /);
  });
});
