#!/usr/bin/env node
// The `survey` command: the command line's TypeScript, run through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
