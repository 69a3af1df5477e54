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

/**
 * One lock per wave, so that the ingests of a wave run one after the other: each holds it from before it reads
 * the live pointer until after its commit, its catalog switch and its clean-up. Implementations: a lock file
 * in a local lake (local-lock.ts), a conditional item in DynamoDB for a lake in S3 (dynamodb-lock.ts).
 */
export interface WaveLocks {
  /** Takes the wave's lock for `holder`, or throws WaveBusyError naming who holds it. */
  acquire(survey: string, wave: number, holder: LockHolder): Promise<Lease>;
}
