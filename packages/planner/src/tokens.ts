/**
 * Counting tokens per logical expert and redirecting them to physical copies (reference 3.5).
 * The per-token loops run in the native core (`countExperts`, `mapExperts` of @lplb/ipm); the
 * per-expert decisions (how many tokens stay, the permutation's stride) are made here.
 */
import { describe, InvalidArgumentError } from "@lplb/errors";
import { countExperts, mapExperts } from "@lplb/ipm";

/** Router output: logical expert ids per (token, k), -1 meaning "no expert". */
export type ExpertIds = Int32Array | BigInt64Array;

/** Result of {@link countTokens}. */
export interface TokenCounts {
  /** Tokens routed to each logical expert (ignoring -1), length E. */
  readonly counts: Float64Array;
  /** Number of chunks `idx` was cut into. */
  readonly nChunks: number;
  /** Chunk length: `ceil(idx.length / nChunks)` rounded up to a multiple of 256. */
  readonly chunkSize: number;
  /**
   * Exclusive prefix counts, row-major `[nChunks][E]`: tokens of expert e in the chunks before
   * chunk c, so each chunk knows the ordinal of its first token of every expert.
   */
  readonly chunkOffsets: Int32Array;
}

const CHUNK_ALIGN = 256;

function badId(name: string, i: number, value: number | bigint, nExperts: number): never {
  throw new InvalidArgumentError(
    name,
    `expected an expert id in [-1, ${nExperts - 1}] for ${name}[${i}], got ${describe(value)}`,
  );
}

/** Checks the type of `idx`; ids themselves are checked while counting. */
export function expectExpertIds(name: string, idx: unknown): ExpertIds {
  if (!(idx instanceof Int32Array) && !(idx instanceof BigInt64Array)) {
    throw new InvalidArgumentError(name, `expected an Int32Array or BigInt64Array for ${name}, got ${describe(idx)}`);
  }
  return idx;
}

/**
 * Counts tokens per logical expert. `idx` is borrowed; ids outside `[-1, nExperts)` throw
 * {@link InvalidArgumentError} and nothing is returned.
 */
export function countTokens(idx: ExpertIds, nExperts: number, nChunks: number): TokenCounts {
  const n = idx.length;
  const chunkSize = Math.max(CHUNK_ALIGN, Math.ceil(Math.ceil(n / nChunks) / CHUNK_ALIGN) * CHUNK_ALIGN);
  const chunkOffsets = new Int32Array(nChunks * nExperts);
  const running = new Int32Array(nExperts);
  const bad = countExperts(idx, nExperts, chunkSize, nChunks, running, chunkOffsets);
  if (bad >= 0) badId("idx", bad, idx[bad], nExperts);
  return { counts: Float64Array.from(running), nChunks, chunkSize, chunkOffsets };
}

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const rest = a % b;
    a = b;
    b = rest;
  }
  return a;
}

/**
 * Stride of the permutation `h(k) = (k * stride) mod total` used to choose which tokens stay on
 * the original: near `total / phi` so kept tokens are spread evenly through the batch, and coprime
 * with `total` so h is a true permutation of `0..total-1` for every total.
 */
export function spreadStride(total: number): number {
  if (total <= 2) return 1;
  const cached = total < STRIDE_CACHE_SIZE ? strideCache[total] : 0;
  if (cached !== 0) return cached;
  let stride = Math.round(total * 0.6180339887498949);
  while (gcd(stride, total) !== 1) stride++;
  if (total < STRIDE_CACHE_SIZE) strideCache[total] = stride;
  return stride;
}

/**
 * Strides of the token counts seen so far (0: not computed yet). The same counts recur from
 * batch to batch, and the gcd search costs more than the rest of the per-expert work.
 */
const STRIDE_CACHE_SIZE = 1 << 16;
const strideCache = new Int32Array(STRIDE_CACHE_SIZE);

/**
 * How many of `total` tokens stay on the original for keep-probability `p`: `p * total` rounded to
 * the nearest integer (halves up), so the realised split is within half a token of `p`.
 */
export function keptTokens(p: number, total: number): number {
  return Math.min(total, Math.floor(p * total + 0.5));
}

/** Static routing tables derived from a placement, shared by every batch. */
export interface RoutingTable {
  /** Physical id of each logical expert's original copy. */
  readonly originalOf: Int32Array;
  /** Physical id of each logical expert's second copy, -1 when it has none. */
  readonly copyOf: Int32Array;
  /** Index into `probs` of each replicated expert's slot, -1 when not replicated. */
  readonly probIndexOf: Int32Array;
}

/**
 * Maps logical ids to physical ids: for a replicated expert with `T` tokens in `idx`, the token of
 * ordinal k goes to the original when `h(k) < keptTokens(p, T)`, else to the copy. Ordinals run over
 * the whole of `idx` in order (what chunked kernels compute from `chunkOffsets`), so the result
 * does not depend on the chunking. -1 stays -1. Deterministic. Ids must have been validated by
 * {@link countTokens} on the same `idx`.
 */
export function selectTargets(
  idx: ExpertIds,
  counts: Float64Array,
  probs: Float64Array,
  table: RoutingTable,
  out: Int32Array,
): Int32Array {
  const nExperts = counts.length;
  const { originalOf, copyOf, probIndexOf } = table;
  // Per expert (keep, stride, total, first, second): h(k) = k * stride mod total, and the token
  // goes to `first` when h(k) < keep. A non-replicated expert (or one without tokens) gets
  // keep 1, stride 0, total 1: always its only copy.
  const routes = new Int32Array(5 * nExperts);
  for (let e = 0; e < nExperts; e++) {
    const slot = probIndexOf[e];
    const replicated = slot >= 0 && counts[e] > 0;
    const total = replicated ? counts[e] : 1;
    routes[5 * e] = replicated ? keptTokens(probs[slot], total) : 1;
    routes[5 * e + 1] = replicated ? spreadStride(total) % total : 0;
    routes[5 * e + 2] = total;
    routes[5 * e + 3] = originalOf[e];
    routes[5 * e + 4] = replicated ? copyOf[e] : originalOf[e];
  }
  const bad = mapExperts(idx, nExperts, routes, out);
  if (bad >= 0) badId("idx", bad, idx[bad], nExperts);
  return out;
}
