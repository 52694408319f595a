/**
 * The reference topologies of LPLB: cube, hypercube, ring and 2-D torus.
 */
import { expectInteger, invalid } from "@lplb/errors";
import { Topology } from "./topology.js";
import { MAX_GROUP_SIZE } from "./validate.js";

/** `r2o` row by row from a rule giving each rank's originals. */
function fromRule(name: string, groupSize: number, originals: (rank: number) => number[]): Topology {
  const r2o: number[][] = [];
  for (let rank = 0; rank < groupSize; rank++) r2o.push(originals(rank));
  return Topology.fromR2o(r2o, { name });
}

/**
 * The cube topology of one 8-GPU node (`"cube"`, 8 ranks, 2 slots). The ranks form two rings
 * of four, 0-3 and 4-7. Slot 0: each rank copies its predecessor on its ring (rank 0 copies 3,
 * rank 1 copies 0, ...). Slot 1: rank `4 + k` copies rank `k` straight across, and rank `k`
 * copies the rank diagonally across, `4 + (k + 2) % 4`. Columns `[3,0,1,2,7,4,5,6]` and
 * `[6,7,4,5,0,1,2,3]`.
 */
export function cube(): Topology {
  return fromRule("cube", 8, (rank) => [
    4 * Math.floor(rank / 4) + ((rank + 3) % 4),
    rank < 4 ? 4 + ((rank + 2) % 4) : rank - 4,
  ]);
}

/**
 * The hypercube topology over 16 GPUs (`"hypercube"`, 16 ranks, 2 slots). Slot 0: four rings of
 * four (each rank copies its predecessor within its block of four). Slot 1: rank `i` copies rank
 * `(i - 4) mod 16`, the same position in the previous block. Columns
 * `[3,0,1,2,7,4,5,6,11,8,9,10,15,12,13,14]` and `[12,13,14,15,0,1,...,11]`.
 */
export function hypercube(): Topology {
  return fromRule("hypercube", 16, (rank) => [4 * Math.floor(rank / 4) + ((rank + 3) % 4), (rank + 12) % 16]);
}

/**
 * A ring of `n` ranks with one slot (`"ring<n>"`): rank `i` copies rank `(i + 1) % n`, column
 * `[1, 2, ..., n-1, 0]`.
 *
 * @param n ranks, an integer in `[2, MAX_GROUP_SIZE]`; default 8.
 */
export function ring(n = 8): Topology {
  expectInteger("n", n, 2, MAX_GROUP_SIZE);
  return fromRule(`ring${n}`, n, (rank) => [(rank + 1) % n]);
}

/**
 * A 2-D torus of `m x n` ranks with two slots (`"torus2d-<m>x<n>"`): rank `i*n + j` copies
 * `((i+1) % m)*n + j` (the next row, usually the next node) in slot 0 and `i*n + (j+1) % n`
 * (the next rank of its row) in slot 1.
 *
 * @param m rows, an integer >= 2; @param n columns, an integer >= 2; `m * n <= MAX_GROUP_SIZE`.
 */
export function torus2d(m: number, n: number): Topology {
  expectInteger("m", m, 2, MAX_GROUP_SIZE / 2);
  expectInteger("n", n, 2, MAX_GROUP_SIZE / 2);
  if (m * n > MAX_GROUP_SIZE) invalid("n", `an integer with m * n <= ${MAX_GROUP_SIZE} (m = ${m})`, n);
  return fromRule(`torus2d-${m}x${n}`, m * n, (rank) => {
    const i = Math.floor(rank / n);
    const j = rank % n;
    return [((i + 1) % m) * n + j, i * n + ((j + 1) % n)];
  });
}
