#!/usr/bin/env node
// The `survey` command: runs the TypeScript CLI through tsx, so `npx survey` works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
