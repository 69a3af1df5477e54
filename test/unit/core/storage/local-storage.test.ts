import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalStorage } from '../../../../core/storage/local-storage.ts';
import { NotFoundError } from '../../../../core/storage/storage.ts';

let root: string;
let storage: LocalStorage;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'local-storage-'));
  storage = new LocalStorage(join(root, 'lake'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('LocalStorage', () => {
  it('puts text, bytes and streams and reads them back', async () => {
    await storage.put('a/b/text.txt', 'hello');
    await storage.put('a/bytes.bin', new Uint8Array([1, 2, 3]));
    await storage.put('c/stream.txt', Readable.from(['x', 'y', 'z']));
    expect(await storage.getText('a/b/text.txt')).toBe('hello');
    expect(await text(await storage.get('c/stream.txt'))).toBe('xyz');
    expect(await storage.list('a/')).toEqual(['a/b/text.txt', 'a/bytes.bin']);
    expect(await storage.list('')).toHaveLength(3);
  });

  it('reports a missing key as NotFoundError and undefined text', async () => {
    await expect(storage.get('nope.txt')).rejects.toBeInstanceOf(NotFoundError);
    expect(await storage.getText('nope.txt')).toBeUndefined();
    expect(await storage.list('nope/')).toEqual([]);
  });

  it('leaves no partial object when a streamed put fails', async () => {
    await storage.put('w/file.txt', 'old');
    const failing = new Readable({
      read() {
        this.push('new-partial');
        this.destroy(new Error('disk on fire'));
      },
    });
    await expect(storage.put('w/file.txt', failing)).rejects.toThrow('disk on fire');
    expect(await storage.getText('w/file.txt')).toBe('old');
    expect(await readdir(join(root, 'lake', 'w'))).toEqual(['file.txt']);
  });

  it("sweeps the temporary files a killed process left, keeps a running process's, and never lists them", async () => {
    // The pid of a process that has ended: what a put interrupted by a kill leaves is named after such a pid.
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!;
    await mkdir(join(root, 'lake', '.tmp'), { recursive: true });
    await writeFile(join(root, 'lake', '.tmp', `${dead}-abandoned`), 'half a file');
    await writeFile(join(root, 'lake', '.tmp', `${process.pid}-in-flight`), 'being written');
    expect(await storage.list('')).toEqual([]);
    await storage.put('a.txt', 'whole');
    expect(await readdir(join(root, 'lake', '.tmp'))).toEqual([`${process.pid}-in-flight`]);
    expect(await storage.list('')).toEqual(['a.txt']);
  });

  it('refuses keys that leave the lake root', async () => {
    await expect(storage.put('../escape.txt', 'x')).rejects.toThrow(/leaves the lake root/);
  });

  it('deletes one key and whole prefixes', async () => {
    await storage.put('p/1.txt', '1');
    await storage.put('p/q/2.txt', '2');
    await storage.put('r/3.txt', '3');
    await storage.delete('p/1.txt');
    await storage.delete('p/missing.txt');
    expect(await storage.list('')).toEqual(['p/q/2.txt', 'r/3.txt']);
    await storage.deletePrefix('p/');
    expect(await storage.list('')).toEqual(['r/3.txt']);
  });
});
