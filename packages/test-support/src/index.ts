/**
 * What the packages' tests and benchmarks share: a small seeded generator, so that a failing
 * random case can be replayed from its seed, and the median of timing samples.
 *
 * @packageDocumentation
 */

/**
 * A seeded generator of uniform numbers in [0, 1) (Mulberry32: 32 bits of state, fast, and good
 * enough for test inputs; not for anything that needs statistical quality).
 *
 * @param seed - any number; only its low 32 bits are used.
 * @returns a function giving the next number of the sequence on each call.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The median of `values` (the mean of the two middle values for an even count); the array is
 * not modified.
 *
 * @throws RangeError when `values` is empty.
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median: values is empty");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Median wall time of `body` in microseconds per call: `inner` calls of warm-up, then `samples`
 * samples of `inner` calls each.
 */
export function medianMicroseconds(body: () => unknown, inner: number, samples = 31): number {
  for (let k = 0; k < inner; k++) body();
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    const start = process.hrtime.bigint();
    for (let k = 0; k < inner; k++) body();
    times.push(Number(process.hrtime.bigint() - start) / 1e3 / inner);
  }
  return median(times);
}
