// `survey ingest` re-runs itself with the Node flags of bin/heap.js (the bench measures with the same ones). A
// flag this Node does not know makes it refuse to start ("bad option"), so each one is tried here.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { INGEST_HEAP_MB, INGEST_NODE_FLAGS } from '../../../bin/heap.js';

/** Runs `script` in a fresh Node with `flags`; returns its exit status and output. */
function runNode(flags: readonly string[], script: string) {
  const result = spawnSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the ingest Node flags', () => {
  it.each(INGEST_NODE_FLAGS.map((flag) => [flag]))('%s is accepted by this Node', (flag) => {
    expect(runNode([flag], 'process.stdout.write("ok")')).toEqual({ status: 0, stdout: 'ok', stderr: '' });
  });

  it('cap the heap together, as the ingest process sees it', () => {
    const script = 'process.stdout.write(String(require("node:v8").getHeapStatistics().heap_size_limit))';
    const capped = Number(runNode(INGEST_NODE_FLAGS, script).stdout) / 2 ** 20;
    const uncapped = Number(runNode([], script).stdout) / 2 ** 20;
    // The limit is the old generation's cap plus the young generation's room.
    expect(capped).toBeGreaterThanOrEqual(INGEST_HEAP_MB);
    expect(capped).toBeLessThan(INGEST_HEAP_MB + 128);
    expect(uncapped).toBeGreaterThan(capped);
  });

  it('are rejected as a whole when one is unknown, which is why each is tried above', () => {
    const result = runNode([...INGEST_NODE_FLAGS, '--no-such-v8-flag-for-survey'], 'process.stdout.write("ok")');
    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/bad option|unrecognized flag/);
  });
});
