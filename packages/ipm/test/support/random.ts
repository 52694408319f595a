/**
 * Seeded randomness for tests. Every randomised test runs once with a fixed seed and once with
 * a fresh one (LPLB_TEST_SEED overrides it); failures print the seed so a run can be repeated.
 */
import { mulberry32 } from "@lplb/test-support";

/** Small, fast, seedable generator (mulberry32) with the draws the tests need. */
export class Rng {
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.random();
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** A Fisher-Yates shuffled copy of 0..n-1. */
  permutation(n: number): number[] {
    const result = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [result[i], result[j]] = [result[j], result[i]];
    }
    return result;
  }

  /** A random permutation of 0..n-1 without fixed points (n >= 2). */
  derangement(n: number): number[] {
    for (;;) {
      const p = this.permutation(n);
      if (p.every((v, i) => v !== i)) return p;
    }
  }
}

/** The fixed seed every randomised test also runs with. */
export const FIXED_SEED = 20240611;

/** A fresh seed for this run, or LPLB_TEST_SEED when set. */
export function freshSeed(): number {
  const fromEnv = process.env.LPLB_TEST_SEED;
  if (fromEnv !== undefined && fromEnv !== "") return Number(fromEnv) >>> 0;
  return (Date.now() ^ Math.floor(Math.random() * 2 ** 31)) >>> 0;
}

/** The seeds of one randomised test: the fixed one and a fresh one. */
export function testSeeds(): number[] {
  return [FIXED_SEED, freshSeed()];
}

/** Label for failure messages: how to reproduce with this seed. */
export function seedLabel(seed: number): string {
  return `seed ${seed} (repeat with LPLB_TEST_SEED=${seed})`;
}
