/** Who holds (or asks for) a wave's lock: enough for a one-line message naming them. */
export interface LockHolder {
  /** The ingest attempt's id. */
  readonly attempt: string;
  /** What runs it: "pid 1234 on laptop" or "Lambda request 5f3…". */
  readonly by: string;
  /** When it took the lock, ISO 8601. */
  readonly since: string;
}

/** A lock held: checked before a commit, released at the end. */
export interface Lease {
  /** Throws LockLostError when the lock is no longer this holder's (it expired and another took it). */
  check(): Promise<void>;
  /** Gives the lock up (losing it meanwhile is not an error). */
  release(): Promise<void>;
}

/** The lock of a wave was taken by another ingest while this one held it. */
export class LockLostError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LockLostError';
  }
}

/** Another ingest holds the wave's lock: nothing was done. A transient failure: try again once it has finished. */
export class WaveBusyError extends Error {
  /** Creates the error, naming the holder. */
  constructor(
    readonly survey: string,
    readonly wave: number,
    readonly holder: LockHolder | undefined,
  ) {
    super(
      `ingest: another ingest of ${survey} wave ${wave} is running${holder ? ` (${holder.by}, since ${holder.since})` : ''}; nothing was written: try again once it has finished (a lock its process left when it died frees itself within seconds)`,
    );
    this.name = 'WaveBusyError';
  }
}

/** Another release of the survey holds its release lock, and did not finish within the wait. Nothing was written. */
export class ReleaseBusyError extends Error {
  /** Creates the error, naming the holder. */
  constructor(
    readonly survey: string,
    readonly holder: LockHolder | undefined,
  ) {
    super(
      `export: another release of ${survey} is being recorded${holder ? ` (${holder.by}, since ${holder.since})` : ''}; nothing was written: try again once it has finished`,
    );
    this.name = 'ReleaseBusyError';
  }
}

/**
 * The locks of a lake. One per wave, so that the ingests of a wave run one after the other: each holds it from
 * before it reads the live pointer until after its commit, its catalog switch and its clean-up. And one per
 * survey's release ledger, so that its releases run one after the other: each holds it from reading the ledger
 * to appending its record, or two tables published at once could each be protected without the other in view.
 * Implementations: lock files in a local lake (local-lock.ts), conditional items in DynamoDB for a lake in S3
 * (dynamodb-lock.ts).
 */
export interface LakeLocks {
  /** Takes the wave's lock for `holder`, or throws WaveBusyError naming who holds it. */
  acquire(survey: string, wave: number, holder: LockHolder): Promise<Lease>;
  /** Takes the survey's release lock for `holder`, or throws ReleaseBusyError naming who holds it. */
  acquireReleases(survey: string, holder: LockHolder): Promise<Lease>;
}

/**
 * The lake's locks over one store: the wave's and the releases' locks are subjects of one `take`, which each store
 * implements (a lock directory, a DynamoDB item).
 */
export abstract class SubjectLocks implements LakeLocks {
  acquire(survey: string, wave: number, holder: LockHolder): Promise<Lease> {
    return this.take(waveSubject(survey, wave), holder);
  }

  acquireReleases(survey: string, holder: LockHolder): Promise<Lease> {
    return this.take(releaseSubject(survey), holder);
  }

  /** Takes the subject's lock for `holder`, or throws `subject.busy(…)` naming who holds it. */
  protected abstract take(subject: LockSubject, holder: LockHolder): Promise<Lease>;
}

/** What one lock guards, for the implementations: its name, and the errors that speak of it. */
export interface LockSubject {
  /** The parts of its name: [survey, wave] or [survey, "releases"]. */
  readonly parts: readonly [string, string];
  /** The error when another holds it. */
  busy(holder: LockHolder | undefined): Error;
  /** The message when it was lost: `how` says how ("went stale (…)", "expired"), `by` who took it. */
  lost(how: string, by: string): string;
}

/** The lock of one wave's ingests. */
export function waveSubject(survey: string, wave: number): LockSubject {
  return {
    parts: [survey, String(wave)],
    busy: (holder) => new WaveBusyError(survey, wave, holder),
    lost: (how, by) =>
      `ingest: the lock of ${survey} wave ${wave} ${how} and was taken by ${by}; nothing was committed`,
  };
}

/** The lock of one survey's release ledger (the word cannot be a wave's: waves are years). */
export function releaseSubject(survey: string): LockSubject {
  return {
    parts: [survey, 'releases'],
    busy: (holder) => new ReleaseBusyError(survey, holder),
    lost: (how, by) =>
      `export: the release lock of ${survey} ${how} and was taken by ${by}; the release was not recorded and nothing was written`,
  };
}
