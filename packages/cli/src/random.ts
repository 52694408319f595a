/** Small seeded generators for reproducible simulations. */

/** A uniform generator on [0, 1) (xoshiro128**, seeded through splitmix32). */
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
 * Returns a flat Int32Array `[tokens][topK]` of logical ids.
 */
export function drawTokens(weights: ArrayLike<number>, tokens: number, topK: number, random: () => number): Int32Array {
  const E = weights.length;
  const cumulative = new Float64Array(E);
  let total = 0;
  for (let e = 0; e < E; e++) {
    total += weights[e];
    cumulative[e] = total;
  }
  const positive = Array.from(weights).filter((w) => w > 0).length;
  if (positive < topK) throw new Error(`the distribution has ${positive} experts with load > 0, fewer than topK = ${topK}`);
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
      } while (picked[e] === 1);
      picked[e] = 1;
      out[row + k] = e;
    }
    for (let k = 0; k < topK; k++) picked[out[row + k]] = 0;
  }
  return out;
}
