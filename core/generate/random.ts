// Deterministic randomness for the generator. Two kinds: stateless hashes of integers (an organisation's
// attributes are a function of (seed, survey, index) alone, so any wave can be generated without the others)
// and a fast seeded stream (sfc32) for the choices of one wave, drawn in file order.

/** The 32-bit finaliser of MurmurHash3: a bijection with good avalanche, cheap on V8. */
function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A 32-bit hash of a list of non-negative safe integers (each mixed in as its high and low words). */
export function hash32(...parts: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    const lo = part >>> 0;
    const hi = Math.floor(part / 0x1_0000_0000) >>> 0;
    h = fmix32(h ^ fmix32(lo + 0x632be5ab));
    h = fmix32(h ^ fmix32(hi + 0x7f4a7c15));
  }
  return h;
}

/** Mixes a small salt into a 32-bit hash: one finaliser round, for many attributes of one hashed key. */
export function mix(h: number, salt: number): number {
  return fmix32(h ^ Math.imul(salt + 1, 0x9e3779b9));
}

/** A 32-bit FNV-1a hash of a string, to key hashes by survey id or field name. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h >>> 0);
}

/** A uniform number in [0, 1) from a 32-bit hash. */
export function unit(h: number): number {
  return h / 0x1_0000_0000;
}

/** A seeded pseudo-random stream (Chris Doty-Humphrey's sfc32): fast, 128-bit state, passes PractRand. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Seeds the stream from a 32-bit key; different keys give independent-looking streams. */
  constructor(key: number) {
    this.a = fmix32(key ^ 0xa0761d65);
    this.b = fmix32(key ^ 0xe7037ed1);
    this.c = fmix32(key ^ 0x8ebc6af0);
    this.d = 1;
    // Warm-up: the first outputs of a fresh sfc32 state are poorly mixed.
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** The next 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    return this.uint32() / 0x1_0000_0000;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A uniform integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** A uniform element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** A standard normal variate (Box–Muller; one of the pair is discarded for simplicity). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** A discrete distribution over values, sampled by inverting its cumulative weights. */
export class Weighted<T> {
  private readonly values: T[];
  private readonly cumulative: number[];

  /** Builds the distribution; the weights need not sum to 1. */
  constructor(entries: readonly (readonly [T, number])[]) {
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    this.values = entries.map(([value]) => value);
    let running = 0;
    this.cumulative = entries.map(([, weight]) => {
      running += weight / total;
      return running;
    });
  }

  /** The value at a uniform draw u in [0, 1). */
  at(u: number): T {
    for (let i = 0; i < this.cumulative.length; i++) if (u < this.cumulative[i]!) return this.values[i]!;
    return this.values[this.values.length - 1]!;
  }

  /** A value drawn from the stream. */
  draw(rng: Rng): T {
    return this.at(rng.next());
  }
}
