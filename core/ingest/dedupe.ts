/** The most the table fills before it doubles: linear probing stays short below this. */
const MAX_LOAD = 0.7;

/**
 * The duplicate rule (CODEBOOK.md): two rows of one wave with the same org_id are duplicates; the one with the
 * latest submitted_at is kept (on a tie, or when neither has a date, the later row in the file).
 *
 * State is a compact open-addressing hash over the 64-bit org_id (16 hex characters), about 24 bytes per
 * slot in typed arrays (at most 70% full), so a million-organisation wave costs tens of MB, not a Map of strings.
 */
export class DuplicateTracker {
  private capacity!: number;
  private size = 0;
  private hi!: Uint32Array;
  private lo!: Uint32Array;
  private used!: Uint8Array;
  /** Spool index of the row currently kept for the organisation. */
  private keptIndex!: Int32Array;
  private keptRow!: Int32Array;
  private keptAt!: Float64Array;
  /** Spool indexes of rows that lost to a later or newer row: a growable bitset. */
  private losers = new Uint8Array(1 << 12);
  private loserCount = 0;

  /**
   * Sizes the table for about `expectedOrganisations` (at most 70% full), so a large wave never pays for a
   * resize, which would hold the old and the new table at once.
   */
  constructor(expectedOrganisations = 0) {
    let capacity = 1 << 12;
    while (capacity * MAX_LOAD < expectedOrganisations) capacity *= 2;
    this.allocate(capacity);
  }

  /** Replaces the table with an empty one of `capacity` slots. */
  private allocate(capacity: number): void {
    this.capacity = capacity;
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.used = new Uint8Array(capacity);
    this.keptIndex = new Int32Array(capacity);
    this.keptRow = new Int32Array(capacity);
    this.keptAt = new Float64Array(capacity);
  }

  /** How many rows have been rejected as duplicates so far. */
  get duplicates(): number {
    return this.loserCount;
  }

  /**
   * Records a valid row; returns the spool index of the row that now loses (this one or an earlier one),
   * or -1 when the organisation is new.
   */
  offer(orgId: string, submittedAt: number | null, spoolIndex: number, rowNumber: number): number {
    if (this.size >= this.capacity * MAX_LOAD) this.grow();
    const hi = Number.parseInt(orgId.slice(0, 8), 16) >>> 0;
    const lo = Number.parseInt(orgId.slice(8, 16), 16) >>> 0;
    const at = submittedAt ?? Number.NEGATIVE_INFINITY;
    const slot = this.find(hi, lo);
    if (!this.used[slot]) {
      this.used[slot] = 1;
      this.hi[slot] = hi;
      this.lo[slot] = lo;
      this.keptIndex[slot] = spoolIndex;
      this.keptRow[slot] = rowNumber;
      this.keptAt[slot] = at;
      this.size++;
      return -1;
    }
    let loser: number;
    if (at >= this.keptAt[slot]!) {
      loser = this.keptIndex[slot]!;
      this.keptIndex[slot] = spoolIndex;
      this.keptRow[slot] = rowNumber;
      this.keptAt[slot] = at;
    } else {
      loser = spoolIndex;
    }
    this.markLoser(loser);
    return loser;
  }

  /** Whether the row at this spool index lost to another row of the same organisation. */
  isLoser(spoolIndex: number): boolean {
    const byte = spoolIndex >>> 3;
    return byte < this.losers.length && (this.losers[byte]! & (1 << (spoolIndex & 7))) !== 0;
  }

  /** The row number of the row kept for an organisation (for the duplicate's message). */
  keptRowOf(orgId: string): number | undefined {
    const hi = Number.parseInt(orgId.slice(0, 8), 16) >>> 0;
    const lo = Number.parseInt(orgId.slice(8, 16), 16) >>> 0;
    const slot = this.find(hi, lo);
    return this.used[slot] ? this.keptRow[slot] : undefined;
  }

  private markLoser(index: number): void {
    const byte = index >>> 3;
    if (byte >= this.losers.length) {
      const next = new Uint8Array(Math.max(this.losers.length * 2, byte + 1));
      next.set(this.losers);
      this.losers = next;
    }
    this.losers[byte]! |= 1 << (index & 7);
    this.loserCount++;
  }

  private find(hi: number, lo: number): number {
    const mask = this.capacity - 1;
    let slot = (Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> 0) & mask;
    while (this.used[slot] && (this.hi[slot] !== hi || this.lo[slot] !== lo)) slot = (slot + 1) & mask;
    return slot;
  }

  private grow(): void {
    const old = {
      hi: this.hi,
      lo: this.lo,
      used: this.used,
      keptIndex: this.keptIndex,
      keptRow: this.keptRow,
      keptAt: this.keptAt,
    };
    this.allocate(this.capacity * 2);
    for (let i = 0; i < old.used.length; i++) {
      if (!old.used[i]) continue;
      const slot = this.find(old.hi[i]!, old.lo[i]!);
      this.used[slot] = 1;
      this.hi[slot] = old.hi[i]!;
      this.lo[slot] = old.lo[i]!;
      this.keptIndex[slot] = old.keptIndex[i]!;
      this.keptRow[slot] = old.keptRow[i]!;
      this.keptAt[slot] = old.keptAt[i]!;
    }
  }
}
