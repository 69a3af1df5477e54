// The one stand-in of these tests: Glue cannot run here, so the catalog is a record of the version each wave's
// partition names. It can be told to take its time (a slow Glue call), to fail once before or after the switch,
// to pause, or to kill its process; with a path it keeps its record in a file, so a test can read what a killed
// child process left in it.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Catalog } from '../../core/catalog/catalog.ts';
import type { WavePointer } from '../../core/lake.ts';
import { InjectedFault, killSelf } from './faulty-storage.ts';

/** throw / throw-after: fails before / after switching; pause: waits for resume(); kill / kill-after: SIGKILL. */
export type CatalogFault = 'throw' | 'throw-after' | 'pause' | 'kill' | 'kill-after';

/** Options of {@link RecordingCatalog}. */
export interface RecordingCatalogOptions {
  /** A JSON file that keeps the record across processes. */
  readonly path?: string;
  /** How long each ensure() takes before it switches. */
  readonly delayMs?: number;
  /** A fault injected in the first ensure() call (one time). */
  readonly fault?: CatalogFault;
}

/** One ensure() call: the version asked for, and when it landed. */
export interface CatalogCall {
  readonly survey: string;
  readonly wave: number;
  readonly version: string;
  readonly landedAt: number;
}

/** A catalog that records, per wave, the version its partition names. */
export class RecordingCatalog implements Catalog {
  readonly calls: CatalogCall[] = [];
  /** Resolves when the fault given to the constructor strikes (for a pause: once it is waiting). */
  readonly reached: Promise<void>;
  private reach: () => void = () => undefined;
  private go: (() => void) | undefined;
  private resumed = false;
  private fault: CatalogFault | undefined;
  private readonly memory = new Map<string, string>();
  delayMs: number;

  /** A new record (or the one kept at `options.path`). */
  constructor(private readonly options: RecordingCatalogOptions = {}) {
    this.delayMs = options.delayMs ?? 0;
    this.reached = options.fault === undefined ? new Promise(() => undefined) : this.inject(options.fault);
  }

  /** Arms a fault for the next ensure() call; resolves when it strikes (for a pause: once it is waiting). */
  inject(fault: CatalogFault): Promise<void> {
    this.fault = fault;
    this.resumed = false;
    return new Promise((resolve) => {
      this.reach = resolve;
    });
  }

  /** Lets a paused ensure() go on. */
  resume(): void {
    this.resumed = true;
    this.go?.();
  }

  /** The version the wave's partition names, or undefined when it has none. */
  version(survey: string, wave: number): string | undefined {
    return this.load().get(`${survey}/${wave}`);
  }

  async ensure(pointer: WavePointer): Promise<boolean> {
    const fault = this.fault;
    this.fault = undefined;
    if (fault === 'kill') await killSelf();
    if (fault === 'throw') {
      this.reach();
      throw new InjectedFault(`catalog ensure ${pointer.version}`);
    }
    if (fault === 'pause') {
      const waiting = this.resumed ? Promise.resolve() : new Promise<void>((resolve) => (this.go = resolve));
      this.reach();
      await waiting;
    }
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const record = this.load();
    const key = `${pointer.survey}/${pointer.wave}`;
    const switched = record.get(key) !== pointer.version;
    record.set(key, pointer.version);
    this.save(record);
    this.calls.push({ survey: pointer.survey, wave: pointer.wave, version: pointer.version, landedAt: Date.now() });
    if (fault === 'kill-after') await killSelf();
    if (fault === 'throw-after') {
      this.reach();
      throw new InjectedFault(`catalog ensure ${pointer.version} (after the switch)`);
    }
    return switched;
  }

  private load(): Map<string, string> {
    if (this.options.path === undefined) return this.memory;
    try {
      return new Map(Object.entries(JSON.parse(readFileSync(this.options.path, 'utf8')) as Record<string, string>));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw error;
    }
  }

  private save(record: Map<string, string>): void {
    if (this.options.path === undefined) return;
    const temp = `${this.options.path}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(Object.fromEntries(record)));
    renameSync(temp, this.options.path);
  }
}
