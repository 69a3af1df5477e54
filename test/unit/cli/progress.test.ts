import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { formatBytes, ProgressBar, progressEnabled } from '../../../cli/progress.ts';

/** A stand-in terminal: collects what the bar draws. */
function terminal() {
  const written: string[] = [];
  const stream = { write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe('the ingest progress bar', () => {
  it('draws bytes read, the share done and rows per second on a terminal', async () => {
    const { stream, written } = terminal();
    const bar = new ProgressBar(2 * 1024 * 1024, stream, true);
    await new Promise((resolve) => setTimeout(resolve, 150));
    bar.update(1024 * 1024, 5000);
    bar.done();
    expect(written[0]).toMatch(/^\r\[#{15}-{15}\] {2}50% {2}1\.0 MB \/ 2\.0 MB {2}5,000 rows {2}[\d,]+ rows\/s/);
    expect(written.at(-1)).toBe('\r\x1b[K');
  });

  it('draws nothing when the output is not a terminal', () => {
    const { stream, written } = terminal();
    const bar = new ProgressBar(100, stream, false);
    bar.update(50, 10);
    bar.done();
    expect(written).toEqual([]);
  });

  it('prints no bar from survey ingest when stdout is a pipe', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'progress-'));
    const file = join(dir, 'w.csv');
    await writeFile(
      file,
      'Organisation name,Legal form,Spun out of the public sector?,Main sector\nAcme,CIC,no,Health\n',
    );
    const root = new URL('../../..', import.meta.url).pathname;
    const result = spawnSync(
      process.execPath,
      [join(root, 'bin/survey.js'), 'ingest', file, '--survey', 'uk-se', '--wave', '2023', '--lake', join(dir, 'lake')],
      { encoding: 'utf8' },
    );
    await rm(dir, { recursive: true, force: true });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('rows');
    expect(result.stdout).not.toContain('\r');
    expect(result.stdout).not.toContain('[#');
  });

  it('is drawn on stderr, never stdout, and only on a terminal that understands cursor control', async () => {
    expect(progressEnabled({ isTTY: true }, { TERM: 'xterm' })).toBe(true);
    expect(progressEnabled({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(progressEnabled({ isTTY: false }, {})).toBe(false);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const wasTty = process.stderr.isTTY;
    let onStderr: string[] = [];
    let onStdout = 0;
    try {
      process.stderr.isTTY = true;
      const bar = new ProgressBar(100);
      await new Promise((resolve) => setTimeout(resolve, 150));
      bar.update(50, 10);
      bar.done();
      onStderr = stderr.mock.calls.map(([text]) => String(text).slice(0, 2));
      onStdout = stdout.mock.calls.length;
    } finally {
      process.stderr.isTTY = wasTty;
      stderr.mockRestore();
      stdout.mockRestore();
    }
    expect(onStderr).toEqual(['\r[', '\r\x1b']);
    expect(onStdout).toBe(0);
  });

  it('formats sizes for people', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(5 * 1024 ** 3)]).toEqual(['512 B', '1.5 KB', '5.0 GB']);
  });
});
