/** Seeded generators for the tests: every failure message carries the seed that reproduces it. */
import { mulberry32 } from "@lplb/test-support";

/** mulberry32: a small, well-mixed 32-bit generator returning numbers in [0, 1). */
export const seededRandom: (seed: number) => () => number = mulberry32;

/** Integer in [min, max]. */
export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export type LoadKind = "distinct" | "integers" | "skewed" | "zeros";

/**
 * A row of loads. "distinct": float32 values, all different (no ties in the input); "integers":
 * small integers with many ties; "skewed": a few hot experts; "zeros": mostly zero.
 */
export function randomLoads(random: () => number, length: number, kind: LoadKind): number[] {
  switch (kind) {
    case "distinct": {
      const seen = new Set<number>();
      const row: number[] = [];
      while (row.length < length) {
        const v = Math.fround(random() * 1000);
        if (!seen.has(v)) {
          seen.add(v);
          row.push(v);
        }
      }
      return row;
    }
    case "integers":
      return Array.from({ length }, () => randomInt(random, 0, 9));
    case "skewed":
      return Array.from({ length }, () => Math.round(1e4 * random() * (random() < 0.15 ? 20 : 1)));
    case "zeros":
      return Array.from({ length }, () => (random() < 0.8 ? 0 : randomInt(random, 1, 5)));
  }
}

export interface EplbConfig {
  numExperts: number;
  numReplicas: number;
  numGroups: number;
  numNodes: number;
  numGpus: number;
}

/** A random valid configuration; `hierarchical` decides whether numGroups is a multiple of numNodes. */
export function randomConfig(random: () => number, hierarchical: boolean): EplbConfig {
  const numNodes = hierarchical ? randomInt(random, 1, 4) : randomInt(random, 2, 4);
  const numGpus = numNodes * randomInt(random, 1, 4);
  let numGroups: number;
  if (hierarchical) {
    numGroups = numNodes * randomInt(random, 1, 3);
  } else {
    do numGroups = randomInt(random, 1, 9);
    while (numGroups % numNodes === 0);
  }
  const numExperts = numGroups * randomInt(random, 1, 5);
  const numReplicas = numGpus * (Math.ceil(numExperts / numGpus) + randomInt(random, 0, 3));
  return { numExperts, numReplicas, numGroups, numNodes, numGpus };
}
