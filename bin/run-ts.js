#!/usr/bin/env node
// Runs one TypeScript file (benchmarks, scripts) through tsx: node bin/run-ts.js <file.ts> [args...]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error('run-ts: usage: node bin/run-ts.js <file.ts> [args...]');
  process.exit(2);
}
process.argv = [process.argv[0] ?? 'node', resolve(file), ...rest];
await import(pathToFileURL(resolve(file)).href);
