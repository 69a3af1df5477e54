import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The duplicate rule's verdict, known once every row has been offered. */
export interface DuplicateOutcome {
  /** How many rows lost. */
  readonly duplicates: number;
  /** Whether the row at this spool index lost to another row of its organisation. */
  isLoser(spoolIndex: number): boolean;
  /** For a losing row: its org_id and the row number of the row kept for that organisation; undefined otherwise. */
  loser(spoolIndex: number): { readonly orgId: string; readonly keptRow: number } | undefined;
}

/** Where and how a DuplicateTracker spills. */
export interface DuplicateTrackerOptions {
  /** A directory the tracker may write its spill files into (the caller creates it and removes it afterwards). */
  readonly dir: string;
  /** Rows per spill bucket the tracker aims for; default 65,536. Mostly for tests (small values force many buckets). */
  readonly bucketRows?: number;
  /** The input's expected row count, when known (0 = unknown): picks the number of buckets up front. */
  readonly expectedRows?: number;
}

/**
 * The high (`at` 0) or low (`at` 8) 32 bits of an org_id, as an unsigned integer: its 16 hex digits parsed in
 * place, with no substrings (a bad character is a -1 digit, caught by one sign check).
 */
export function orgIdWord(orgId: string, at: 0 | 8): number {
  let word = 0;
  let signs = 0;
  for (let i = at; i < at + 8; i++) {
    const code = orgId.charCodeAt(i);
    const digit = code < 128 ? HEX[code]! : -1;
    signs |= digit;
    word = (word << 4) | digit;
  }
  if (signs < 0 || orgId.length !== 16)
    throw new Error(`dedupe: org_id must be 16 lowercase hex characters, got "${orgId}"`);
  return word >>> 0;
}

/** One offered row on disk and in the buffers: hi u32, lo u32, submittedAt f64, spoolIndex i32, rowNumber i32. */
const RECORD_BYTES = 24;
/** The same record in 32-bit words (the f64 is words 2-3, 8-byte aligned since 24 is a multiple of 8). */
const RECORD_WORDS = 6;
/** What all of one level's bucket buffers may hold together, so the budget does not grow with the bucket count. */
const BUFFER_BUDGET_BYTES = 2 << 20;
/** A new buffer's size; buffers double from here up to their cap, so small inputs stay small. */
const FIRST_BUFFER_RECORDS = 128;
/** Spill files are read back in chunks of about 1 MiB. */
const CHUNK_RECORDS = 43_690;
/** Caps the number of spill files one partition step makes. */
const MAX_BUCKETS = 256;
/** How many times an oversized bucket may be split again; past it the bucket's table simply grows. */
const MAX_LEVEL = 3;
/** A bucket more than this many times bucketRows is split before its table is built. */
const SPLIT_FACTOR = 2;
/** The most a bucket's table fills before it doubles: linear probing stays short below this. */
const MAX_LOAD = 0.7;
/** Hash seeds: index 0 for the table slots, index level + 1 for partitioning at that level, so they are independent. */
const SEEDS = [0x2545f491, 0x9e3779b9, 0x7f4a7c15, 0x6a09e667, 0xbb67ae85];

/** The value of each lowercase hex digit by character code, -1 for anything else. */
const HEX = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let digit = 0; digit < 16; digit++) table['0123456789abcdef'.charCodeAt(digit)] = digit;
  return table;
})();

/** Murmur3's 32-bit finaliser: a bijection with full avalanche. */
function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** A seeded hash of a 64-bit org id: different seeds give unrelated partitions of the same ids. */
function hash(hi: number, lo: number, seed: number): number {
  return fmix(fmix(lo ^ seed) ^ hi);
}

/** The smallest power of two >= n (and >= 1). */
function powerOfTwoAtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Counts the set bits of a 32-bit word. */
function popcount(word: number): number {
  word -= (word >>> 1) & 0x55555555;
  word = (word & 0x33333333) + ((word >>> 2) & 0x33333333);
  return (Math.imul((word + (word >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Eight lowercase hex digits of a 32-bit word. */
function hex8(word: number): string {
  return word.toString(16).padStart(8, '0');
}

/** The three views of one record buffer. */
interface Views {
  readonly u32: Uint32Array;
  readonly f64: Float64Array;
  readonly i32: Int32Array;
}

/** Views of a fresh buffer of `records` records. */
function allocateViews(records: number): Views {
  const buffer = new ArrayBuffer(records * RECORD_BYTES);
  return { u32: new Uint32Array(buffer), f64: new Float64Array(buffer), i32: new Int32Array(buffer) };
}

/** A growable Int32Array or Uint32Array: doubles and copies when full. */
function grown<T extends Int32Array | Uint32Array>(array: T, needed: number): T {
  if (needed <= array.length) return array;
  const next = new (array.constructor as new (length: number) => T)(Math.max(needed, array.length * 2));
  next.set(array);
  return next;
}

/**
 * The rows of one partition: a buffer of records in offer order, appended to its spill file whenever full, so
 * the file followed by the buffer is every row of the bucket in file order.
 */
class Bucket {
  private views: Views;
  /** How many records the current buffer holds when full. */
  private limit: number;
  private buffered = 0;
  private fileRows = 0;

  constructor(
    private readonly path: string,
    private readonly maxRecords: number,
  ) {
    this.limit = Math.min(FIRST_BUFFER_RECORDS, maxRecords);
    this.views = allocateViews(this.limit);
  }

  /** How many rows the bucket holds. */
  get rows(): number {
    return this.fileRows + this.buffered;
  }

  /** Appends one record. */
  push(hi: number, lo: number, at: number, spoolIndex: number, rowNumber: number): void {
    if (this.buffered === this.limit) this.makeRoom();
    const { u32, f64, i32 } = this.views;
    const word = this.buffered * RECORD_WORDS;
    u32[word] = hi;
    u32[word + 1] = lo;
    f64[(word >>> 1) + 1] = at;
    i32[word + 4] = spoolIndex;
    i32[word + 5] = rowNumber;
    this.buffered++;
  }

  /** Appends a record copied word for word (the f64's bits included) from another buffer. */
  copy(from: Uint32Array, word: number): void {
    if (this.buffered === this.limit) this.makeRoom();
    const u32 = this.views.u32;
    const to = this.buffered * RECORD_WORDS;
    for (let i = 0; i < RECORD_WORDS; i++) u32[to + i] = from[word + i]!;
    this.buffered++;
  }

  /** Doubles a buffer below its cap, or spills a full one to the file. */
  private makeRoom(): void {
    if (this.limit < this.maxRecords) {
      this.limit = Math.min(this.limit * 2, this.maxRecords);
      const next = allocateViews(this.limit);
      next.u32.set(this.views.u32);
      this.views = next;
      return;
    }
    // Open, append, close: no descriptor outlives the call, so a tracker abandoned mid-file leaks nothing.
    const fd = openSync(this.path, 'a');
    try {
      const bytes = new Uint8Array(this.views.u32.buffer, 0, this.buffered * RECORD_BYTES);
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    } finally {
      closeSync(fd);
    }
    this.fileRows += this.buffered;
    this.buffered = 0;
  }

  /** Calls `visit` on the records in order, a chunk at a time (the file's, read into `chunk`, then the buffer's). */
  forEachChunk(chunk: Views, visit: (views: Views, count: number) => void): void {
    if (this.fileRows > 0) {
      const fd = openSync(this.path, 'r');
      try {
        const bytes = new Uint8Array(chunk.u32.buffer);
        let position = 0;
        const total = this.fileRows * RECORD_BYTES;
        while (position < total) {
          const want = Math.min(bytes.length, total - position);
          let got = 0;
          while (got < want) {
            const read = readSync(fd, bytes, got, want - got, position + got);
            if (read === 0)
              throw new Error(`dedupe: spill file ${this.path} ended at ${position + got} bytes, expected ${total}`);
            got += read;
          }
          visit(chunk, want / RECORD_BYTES);
          position += want;
        }
      } finally {
        closeSync(fd);
      }
    }
    if (this.buffered > 0) visit(this.views, this.buffered);
  }

  /** Deletes the file and drops the buffer. */
  dispose(): void {
    if (this.fileRows > 0) unlinkSync(this.path);
    this.limit = 0;
    this.views = allocateViews(0);
    this.buffered = 0;
    this.fileRows = 0;
  }
}

/**
 * The duplicate rule (CODEBOOK.md): two rows of one wave with the same org_id are duplicates; the one with the
 * latest submitted_at is kept (a missing date is older than any date; on a tie, the later row in the file).
 *
 * Memory does not grow with the number of organisations: offer() partitions rows by a hash of the 64-bit org id
 * into buckets, each a small buffer spilled to a file when full; finish() then reads one bucket at a time and
 * applies the rule with a hash table sized for that bucket only. What stays is a bit per row and 12 bytes per
 * losing row.
 */
export class DuplicateTracker {
  private readonly dir: string;
  private readonly bucketRows: number;
  /** Tells apart the files of trackers sharing a directory, even across processes and worker threads. */
  private readonly token = randomBytes(6).toString('hex');
  private files = 0;
  private buckets: Bucket[];
  private readonly bucketMask: number;
  private readonly partitionSeed = SEEDS[1]!;
  private rows = 0;
  private finished = false;

  // State of finish(), kept on the instance so the bucket loop does not allocate per bucket.
  private generation = 0;
  private capacity = 0;
  private size = 0;
  private stamp = new Int32Array(0);
  private slotHi = new Uint32Array(0);
  private slotLo = new Uint32Array(0);
  private slotAt = new Float64Array(0);
  private slotSpool = new Int32Array(0);
  private slotRow = new Int32Array(0);
  private bits = new Uint32Array(0);
  private lost = 0;
  private lostSpool = new Int32Array(0);
  private lostHi = new Uint32Array(0);
  private lostLo = new Uint32Array(0);
  private lostKept = new Int32Array(0);

  /** Picks the number of buckets from the expected row count; nothing is written until a buffer fills. */
  constructor(options: DuplicateTrackerOptions) {
    const bucketRows = options.bucketRows ?? 1 << 16;
    if (!Number.isInteger(bucketRows) || bucketRows < 1) {
      throw new Error(`dedupe: bucketRows must be a whole number >= 1, got ${bucketRows}`);
    }
    this.dir = options.dir;
    this.bucketRows = bucketRows;
    const expected = options.expectedRows ?? 0;
    const count = Math.min(MAX_BUCKETS, powerOfTwoAtLeast(Math.ceil(Math.max(0, expected) / bucketRows)));
    this.bucketMask = count - 1;
    this.buckets = this.makeBuckets(count);
  }

  /** `count` empty buckets whose buffers share the budget. */
  private makeBuckets(count: number): Bucket[] {
    const maxRecords = Math.min(
      this.bucketRows,
      Math.max(FIRST_BUFFER_RECORDS, Math.floor(BUFFER_BUDGET_BYTES / count / RECORD_BYTES)),
    );
    return Array.from(
      { length: count },
      () => new Bucket(join(this.dir, `dedupe-${this.token}-${this.files++}.bin`), maxRecords),
    );
  }

  /** Records a valid row (spool indexes are 0, 1, 2, ... in file order). Synchronous and cheap. */
  offer(orgId: string, submittedAt: number | null, spoolIndex: number, rowNumber: number): void {
    this.offerParsed(orgIdWord(orgId, 0), orgIdWord(orgId, 8), submittedAt, spoolIndex, rowNumber);
  }

  /**
   * offer() for an org_id already split into its high and low 32 bits (as unsigned integers): how rows read by
   * another thread are handed over without their id strings.
   */
  offerParsed(hi: number, lo: number, submittedAt: number | null, spoolIndex: number, rowNumber: number): void {
    if (this.finished) throw new Error('dedupe: offer() after finish(); a tracker applies the rule once');
    if (!(spoolIndex >= 0 && spoolIndex <= 0x7fffffff && (spoolIndex | 0) === spoolIndex)) {
      throw new Error(`dedupe: spoolIndex must be a whole number from 0 to 2^31-1, got ${spoolIndex}`);
    }
    // null (and NaN, which no comparison would order) is older than any date.
    const at = submittedAt === null || Number.isNaN(submittedAt) ? Number.NEGATIVE_INFINITY : submittedAt;
    if (spoolIndex >= this.rows) this.rows = spoolIndex + 1;
    this.buckets[hash(hi, lo, this.partitionSeed) & this.bucketMask]!.push(hi, lo, at, spoolIndex, rowNumber);
  }

  /** Applies the rule to everything offered; the tracker cannot be offered to afterwards. */
  async finish(): Promise<DuplicateOutcome> {
    if (this.finished) throw new Error('dedupe: finish() was called twice; a tracker applies the rule once');
    this.finished = true;
    this.bits = new Uint32Array(Math.ceil(this.rows / 32));
    const chunk = allocateViews(CHUNK_RECORDS);
    const buckets = this.buckets;
    this.buckets = [];
    for (const bucket of buckets) this.process(bucket, 0, chunk);
    return this.outcome();
  }

  /** Applies the rule to one bucket, first splitting it when it is far over bucketRows (an underestimated input). */
  private process(bucket: Bucket, level: number, chunk: Views): void {
    const rows = bucket.rows;
    if (rows === 0) return;
    if (rows > SPLIT_FACTOR * this.bucketRows && level < MAX_LEVEL) {
      const count = Math.max(2, Math.min(MAX_BUCKETS, powerOfTwoAtLeast(Math.ceil(rows / this.bucketRows))));
      const parts = this.makeBuckets(count);
      const seed = SEEDS[level + 2]!;
      bucket.forEachChunk(chunk, ({ u32 }, records) => {
        for (let word = 0; word < records * RECORD_WORDS; word += RECORD_WORDS) {
          parts[hash(u32[word]!, u32[word + 1]!, seed) & (count - 1)]!.copy(u32, word);
        }
      });
      bucket.dispose();
      for (const part of parts) this.process(part, level + 1, chunk);
      return;
    }
    // Sized for bucketRows: a bucket between one and two times that, or a skewed one past the last split, grows.
    this.startTable(Math.min(rows, this.bucketRows));
    const firstLoser = this.lost;
    bucket.forEachChunk(chunk, (views, records) => this.apply(views, records));
    bucket.dispose();
    // Only now is each organisation's kept row final (a loser may have lost to an intermediate winner).
    for (let i = firstLoser; i < this.lost; i++) {
      this.lostKept[i] = this.slotRow[this.find(this.lostHi[i]!, this.lostLo[i]!)]!;
    }
  }

  /** Empties the table (a new generation) and sizes it for `rows` organisations at most. */
  private startTable(rows: number): void {
    this.generation++;
    this.size = 0;
    this.capacity = Math.max(16, powerOfTwoAtLeast(Math.ceil(rows / MAX_LOAD)));
    if (this.stamp.length < this.capacity) this.allocateTable(this.capacity);
  }

  /** Replaces the table's arrays with empty ones of `length` slots. */
  private allocateTable(length: number): void {
    this.stamp = new Int32Array(length);
    this.slotHi = new Uint32Array(length);
    this.slotLo = new Uint32Array(length);
    this.slotAt = new Float64Array(length);
    this.slotSpool = new Int32Array(length);
    this.slotRow = new Int32Array(length);
  }

  /** The slot of an organisation in the current table, or the empty slot where it would go. */
  private find(hi: number, lo: number): number {
    const mask = this.capacity - 1;
    const stamp = this.stamp;
    const generation = this.generation;
    let slot = hash(hi, lo, SEEDS[0]!) & mask;
    while (stamp[slot] === generation && (this.slotHi[slot] !== hi || this.slotLo[slot] !== lo)) {
      slot = (slot + 1) & mask;
    }
    return slot;
  }

  /** Runs the rule over a chunk of records, in the bucket's (file) order. */
  private apply({ u32, f64, i32 }: Views, records: number): void {
    for (let word = 0; word < records * RECORD_WORDS; word += RECORD_WORDS) {
      const hi = u32[word]!;
      const lo = u32[word + 1]!;
      const at = f64[(word >>> 1) + 1]!;
      const spoolIndex = i32[word + 4]!;
      const slot = this.find(hi, lo);
      if (this.stamp[slot] !== this.generation) {
        this.stamp[slot] = this.generation;
        this.slotHi[slot] = hi;
        this.slotLo[slot] = lo;
        this.slotAt[slot] = at;
        this.slotSpool[slot] = spoolIndex;
        this.slotRow[slot] = i32[word + 5]!;
        if (++this.size > this.capacity * MAX_LOAD) this.growTable();
        continue;
      }
      const keptAt = this.slotAt[slot]!;
      const keptSpool = this.slotSpool[slot]!;
      // Comparing spool indexes, not relying on the order of arrival, makes "the later row" explicit.
      if (at > keptAt || (at === keptAt && spoolIndex > keptSpool)) {
        this.slotAt[slot] = at;
        this.slotSpool[slot] = spoolIndex;
        this.slotRow[slot] = i32[word + 5]!;
        this.markLoser(keptSpool, hi, lo);
      } else {
        this.markLoser(spoolIndex, hi, lo);
      }
    }
  }

  /** Doubles the current table when a bucket holds more organisations than it was sized for. */
  private growTable(): void {
    const old = {
      stamp: this.stamp,
      hi: this.slotHi,
      lo: this.slotLo,
      at: this.slotAt,
      spool: this.slotSpool,
      row: this.slotRow,
      capacity: this.capacity,
    };
    this.capacity *= 2;
    this.allocateTable(this.capacity);
    for (let i = 0; i < old.capacity; i++) {
      if (old.stamp[i] !== this.generation) continue;
      const slot = this.find(old.hi[i]!, old.lo[i]!);
      this.stamp[slot] = this.generation;
      this.slotHi[slot] = old.hi[i]!;
      this.slotLo[slot] = old.lo[i]!;
      this.slotAt[slot] = old.at[i]!;
      this.slotSpool[slot] = old.spool[i]!;
      this.slotRow[slot] = old.row[i]!;
    }
  }

  /** Records a losing row; its kept row is filled in once its bucket is done. */
  private markLoser(spoolIndex: number, hi: number, lo: number): void {
    this.bits[spoolIndex >>> 5]! |= 1 << (spoolIndex & 31);
    const i = this.lost++;
    if (i === this.lostSpool.length) {
      this.lostSpool = grown(this.lostSpool, i + 1);
      this.lostHi = grown(this.lostHi, i + 1);
      this.lostLo = grown(this.lostLo, i + 1);
      this.lostKept = grown(this.lostKept, i + 1);
    }
    this.lostSpool[i] = spoolIndex;
    this.lostHi[i] = hi;
    this.lostLo[i] = lo;
  }

  /**
   * The verdict: the loser bitset with a rank per 32-bit word, and the losers' org ids and kept rows placed in
   * spool-index order (a loser's place is its rank among the set bits), so loser() is O(1) without a sort.
   */
  private outcome(): DuplicateOutcome {
    const bits = this.bits;
    const rank = new Uint32Array(bits.length);
    let total = 0;
    for (let w = 0; w < bits.length; w++) {
      rank[w] = total;
      total += popcount(bits[w]!);
    }
    const placeOf = (spoolIndex: number): number =>
      rank[spoolIndex >>> 5]! + popcount(bits[spoolIndex >>> 5]! & ((1 << (spoolIndex & 31)) - 1));
    const hi = new Uint32Array(total);
    const lo = new Uint32Array(total);
    const kept = new Int32Array(total);
    for (let i = 0; i < this.lost; i++) {
      const place = placeOf(this.lostSpool[i]!);
      hi[place] = this.lostHi[i]!;
      lo[place] = this.lostLo[i]!;
      kept[place] = this.lostKept[i]!;
    }
    // Free everything finish() built but the outcome does not need.
    this.lostSpool = new Int32Array(0);
    this.lostHi = new Uint32Array(0);
    this.lostLo = new Uint32Array(0);
    this.lostKept = new Int32Array(0);
    this.allocateTable(0);
    this.bits = new Uint32Array(0);
    const isLoser = (spoolIndex: number): boolean =>
      (spoolIndex | 0) === spoolIndex &&
      spoolIndex >= 0 &&
      spoolIndex >>> 5 < bits.length &&
      (bits[spoolIndex >>> 5]! & (1 << (spoolIndex & 31))) !== 0;
    return {
      duplicates: total,
      isLoser,
      loser(spoolIndex) {
        if (!isLoser(spoolIndex)) return undefined;
        const place = placeOf(spoolIndex);
        return { orgId: hex8(hi[place]!) + hex8(lo[place]!), keptRow: kept[place]! };
      },
    };
  }
}
