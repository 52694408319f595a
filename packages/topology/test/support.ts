/**
 * Test support: seeded random numbers and an independent validity check of r2o matrices.
 */

import { mulberry32 } from "@lplb/test-support";

export { mulberry32 };

/** Seed of this run's random inputs: `LPLB_TEST_SEED` when set, otherwise fresh. */
export const runSeed: number =
  process.env.LPLB_TEST_SEED === undefined
    ? Math.floor(Math.random() * 2 ** 32)
    : Number.parseInt(process.env.LPLB_TEST_SEED, 10);

/** Runs `body` with a generator seeded from `runSeed`; a failure names the seed to rerun with. */
export function withSeed(body: (random: () => number) => void): void {
  try {
    body(mulberry32(runSeed));
  } catch (error) {
    if (error instanceof Error)
      error.message += `\n(random inputs from seed ${runSeed}; rerun with LPLB_TEST_SEED=${runSeed})`;
    throw error;
  }
}

/** Options for fast-check that reuse the run's seed, so its failure report names a reproducible seed. */
export const fcOptions = { seed: runSeed | 0, numRuns: 200 };

/**
 * Independent oracle: a matrix is a valid r2o when it has at least 2 rows of equal, non-zero
 * length, and every column, sorted, is exactly 0..n-1 with no entry equal to its row index.
 */
export function isValidR2o(matrix: readonly (readonly unknown[])[]): boolean {
  const n = matrix.length;
  if (n < 2) return false;
  const width = matrix[0].length;
  if (width === 0 || matrix.some((row) => row.length !== width)) return false;
  for (let d = 0; d < width; d++) {
    const column = matrix.map((row) => row[d]);
    if (column.some((value, row) => typeof value !== "number" || value === row)) return false;
    const sorted = [...(column as number[])].sort((a, b) => a - b);
    if (sorted.some((value, k) => value !== k)) return false;
  }
  return true;
}

/** The columns of a matrix, for comparison with the reference's column notation. */
export function columns(matrix: readonly (readonly number[])[]): number[][] {
  return matrix[0].map((_, d) => matrix.map((row) => row[d]));
}
