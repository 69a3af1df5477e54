// A storage wrapper that injects one fault at one write or delete of a real storage (LocalStorage, S3Storage):
// it throws before the write, throws after it (the write happened but its reply was lost), pauses until told to
// go on, or SIGKILLs its own process. Every write and delete is recorded as a step, so a test can enumerate the
// steps of an attempt and then fault each in turn.
import type { Readable } from 'node:stream';
import type { Storage, StorageBody } from '../../core/storage/storage.ts';

/** What one step of an attempt writes or deletes, by the lake's layout. */
export type StepKind =
  | 'running'
  | 'parquet'
  | 'rejected'
  | 'report'
  | 'pointer'
  | 'clean-up'
  | 'attempt'
  | 'refused'
  | 'other';

/** One write or delete, in the order the wrapped storage saw them. */
export interface Step {
  readonly index: number;
  readonly op: 'put' | 'delete' | 'deletePrefix';
  readonly key: string;
  readonly kind: StepKind;
}

/**
 * throw: the step is not done and throws; throw-after: the step is done, then throws (a lost reply);
 * pause / pause-after: waits for resume() before / after doing the step; kill / kill-after: SIGKILLs this process.
 */
export type Fault = 'throw' | 'throw-after' | 'pause' | 'pause-after' | 'kill' | 'kill-after';

/** Where the one fault strikes: the step of that index, or the first step the predicate accepts. */
export interface FaultPlan {
  readonly at: number | ((step: Step) => boolean);
  readonly fault: Fault;
}

/** The error an injected fault throws, so a test can tell it from a real failure. */
export class InjectedFault extends Error {
  /** Creates the error for one step. */
  constructor(readonly step: Step | string) {
    super(`injected fault at ${typeof step === 'string' ? step : `${step.op} ${step.key}`}`);
    this.name = 'InjectedFault';
  }
}

/** The kind of a step, from its key (core/lake.ts layout, core/ingest/attempts.ts). */
export function stepKind(op: Step['op'], key: string): StepKind {
  if (key.endsWith('/_current.json')) return 'pointer';
  if (/\/running\/[^/]+\.json$/.test(key)) return 'running';
  if (op !== 'put') return 'clean-up';
  if (/\/attempts\/[^/]+\.json$/.test(key)) return 'attempt';
  if (/\/refused\/[^/]+\.json$/.test(key)) return 'refused';
  if (key.endsWith('.parquet')) return 'parquet';
  if (key.endsWith('/rejected.csv')) return 'rejected';
  if (key.endsWith('/report.json')) return 'report';
  return 'other';
}

/** Kills this process at once, as `kill -9` would: no finally, no exit handler runs. */
export function killSelf(): Promise<never> {
  process.kill(process.pid, 'SIGKILL');
  return new Promise<never>(() => undefined);
}

/** A storage that passes everything to `inner` and injects the planned fault once. */
export class FaultyStorage implements Storage {
  readonly location: string;
  /** Every write and delete seen, in order. */
  readonly steps: Step[] = [];
  /** Resolves with the faulted step when the fault strikes (for a pause: once it is waiting). */
  readonly reached: Promise<Step>;
  private reach!: (step: Step) => void;
  private go: (() => void) | undefined;
  private resumed = false;
  private fired = false;

  /** Wraps `inner`; with no plan it only records the steps. */
  constructor(
    readonly inner: Storage,
    private readonly plan?: FaultPlan,
  ) {
    this.location = inner.location;
    this.reached = new Promise((resolve) => {
      this.reach = resolve;
    });
  }

  /** Lets a paused step go on. */
  resume(): void {
    this.resumed = true;
    this.go?.();
  }

  get(key: string): Promise<Readable> {
    return this.inner.get(key);
  }

  getText(key: string): Promise<string | undefined> {
    return this.inner.getText(key);
  }

  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }

  localPath(key: string): string | undefined {
    return this.inner.localPath(key);
  }

  put(
    key: string,
    body: StorageBody,
    options?: { contentType?: string; onProgress?: (bytes: number) => void },
  ): Promise<void> {
    return this.step('put', key, () => this.inner.put(key, body, options), body);
  }

  delete(key: string): Promise<void> {
    return this.step('delete', key, () => this.inner.delete(key));
  }

  deletePrefix(prefix: string): Promise<void> {
    return this.step('deletePrefix', prefix, () => this.inner.deletePrefix(prefix));
  }

  private async step(op: Step['op'], key: string, run: () => Promise<void>, body?: StorageBody): Promise<void> {
    const step: Step = { index: this.steps.length, op, key, kind: stepKind(op, key) };
    this.steps.push(step);
    const plan = this.plan;
    const strikes =
      plan !== undefined && !this.fired && (typeof plan.at === 'number' ? plan.at === step.index : plan.at(step));
    if (!strikes) return run();
    this.fired = true;
    switch (plan.fault) {
      case 'throw':
        if (body !== undefined && typeof body === 'object' && 'destroy' in body) body.destroy();
        this.reach(step);
        throw new InjectedFault(step);
      case 'throw-after':
        await run();
        this.reach(step);
        throw new InjectedFault(step);
      case 'pause':
        await this.pause(step);
        return run();
      case 'pause-after':
        await run();
        await this.pause(step);
        return;
      case 'kill':
        return killSelf();
      case 'kill-after':
        await run();
        return killSelf();
    }
  }

  private async pause(step: Step): Promise<void> {
    const waiting = this.resumed
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          this.go = resolve;
        });
    this.reach(step);
    await waiting;
  }
}

/** Waits for a fault to strike; fails at once, saying why, if the attempt ended without reaching it. */
export function strikes<T>(reached: Promise<T>, attempt: Promise<unknown>): Promise<T> {
  const ended = attempt.then(
    (value) => {
      throw new Error(`test: the attempt ended before its fault struck: ${JSON.stringify(value).slice(0, 200)}`);
    },
    (error: unknown) => {
      throw new Error(`test: the attempt failed before its fault struck: ${String(error)}`, { cause: error });
    },
  );
  return Promise.race([reached, ended]);
}
