// The part worker's entry: worker threads do not inherit the parent's module hooks, so TypeScript is registered
// again here (tsx, as bin/survey.js does) before the worker proper is loaded.
import { register } from 'tsx/esm/api';

register();
await import('./part-worker.ts');
