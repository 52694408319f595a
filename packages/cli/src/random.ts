/** Small seeded generators for reproducible simulations. */
import { expectFinite, expectFiniteArray, expectInteger, InvalidArgumentError } from "@lplb/errors";

/**
 * A uniform generator on [0, 1) (xoshiro128**, seeded through splitmix32). The same seed always
 * gives the same sequence.
 *
 * @param seed any number; only its low 32 bits are used.
 */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  const next32 = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = next32();
  let b = next32();
  let c = next32();
  let d = next32();
  return () => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result / 4294967296;
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Draws routing decisions: each token picks `topK` distinct experts, with probability proportional
 * to `weights` (sequential sampling without replacement, as a router's top-k of noisy logits).
 *
 * @param weights load per expert (borrowed), finite and >= 0, with at least `topK` positive.
 * @param tokens number of tokens, an integer >= 0.
 * @param topK experts per token, an integer >= 1.
 * @param random a uniform generator on [0, 1), e.g. {@link seededRandom}.
 * @returns a new flat Int32Array `[tokens][topK]` of expert ids.
 * @throws InvalidArgumentError when fewer than `topK` experts have a positive weight.
 */
export function drawTokens(weights: ArrayLike<number>, tokens: number, topK: number, random: () => number): Int32Array {
  expectFiniteArray("weights", weights, { min: 0 });
  expectInteger("tokens", tokens, 0);
  expectInteger("topK", topK, 1);
  const E = weights.length;
  const cumulative = new Float64Array(E);
  let total = 0;
  let positive = 0;
  for (let e = 0; e < E; e++) {
    total += weights[e];
    cumulative[e] = total;
    if (weights[e] > 0) positive++;
  }
  if (positive < topK) {
    throw new InvalidArgumentError(
      "topK",
      `expected topK at most the number of experts with load > 0 (${positive}), got ${topK}`,
    );
  }
  const out = new Int32Array(tokens * topK);
  const picked = new Uint8Array(E);
  for (let t = 0; t < tokens; t++) {
    const row = t * topK;
    for (let k = 0; k < topK; k++) {
      let e: number;
      do {
        const target = random() * total;
        let lo = 0;
        let hi = E - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (cumulative[mid] > target) hi = mid;
          else lo = mid + 1;
        }
        e = lo;
      } while (picked[e] === 1 || weights[e] === 0);
      picked[e] = 1;
      out[row + k] = e;
    }
    for (let k = 0; k < topK; k++) picked[out[row + k]] = 0;
  }
  return out;
}

/**
 * Zipf loads: the expert of popularity rank `k` (0 = hottest) weighs `1 / (k + 1)^exponent`,
 * normalised to sum to 1. Popularity ranks are a seeded random permutation of the experts, so
 * hot experts are scattered over the id range as in trained routers.
 *
 * @param experts number of experts, an integer >= 1.
 * @param exponent Zipf exponent `s` >= 0 (0 is uniform; 1 to 1.5 is strongly skewed).
 * @param random a uniform generator on [0, 1) used for the permutation.
 * @returns a new Float64Array of length `experts`.
 */
export function zipfWeights(experts: number, exponent: number, random: () => number): Float64Array {
  expectInteger("experts", experts, 1);
  expectFinite("exponent", exponent, 0);
  const order = shuffle(
    Int32Array.from({ length: experts }, (_, i) => i),
    random,
  );
  const weights = new Float64Array(experts);
  let total = 0;
  for (let k = 0; k < experts; k++) {
    const w = 1 / (k + 1) ** exponent;
    weights[order[k]] = w;
    total += w;
  }
  for (let e = 0; e < experts; e++) weights[e] /= total;
  return weights;
}

/** Shuffles `values` in place (Fisher-Yates) and returns it. */
export function shuffle<T extends { length: number; [index: number]: number }>(values: T, random: () => number): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = values[i];
    values[i] = values[j];
    values[j] = t;
  }
  return values;
}
