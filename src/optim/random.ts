// Seeded randomness: every random choice in depthstyle (weight init, crops,
// noise images) goes through one of these so runs are reproducible per seed.

/** mulberry32: small, fast, and its whole state is one uint32 (easy to checkpoint). */
export class Rng {
  state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  fill(n: number, f: () => number): Float32Array {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = f();
    return a;
  }
}

/** He (Kaiming) normal init for a conv/linear weight with `fanIn` inputs per output. */
export function heNormal(rng: Rng, n: number, fanIn: number): Float32Array {
  const std = Math.sqrt(2 / fanIn);
  return rng.fill(n, () => rng.normal() * std);
}
