/**
 * Token routing kernels of the native core (`lplb/routing.h`): counting tokens per logical
 * expert and rewriting logical expert ids to physical ones. `@lplb/planner` builds on them;
 * they are exported for callers that route tokens themselves.
 */
import { nativeBinding } from "./binding.js";
import { callNative } from "./native-errors.js";

/** Logical expert ids, -1 meaning "no expert". */
export type ExpertIdArray = Int32Array | BigInt64Array;

/**
 * Counts `ids` per expert into `counts` (length `nExperts`, overwritten). The ids are cut into
 * `nChunks` chunks of `chunkSize`; `chunkOffsets` (`[nChunks][nExperts]`), when given, receives
 * for every chunk the counts of everything before it.
 *
 * @returns -1, or the index of the first id outside `[-1, nExperts)` (then `counts` and
 *   `chunkOffsets` are unspecified).
 * @throws InvalidArgumentError for arrays of the wrong kind or length, or overlapping arrays.
 */
export function countExperts(
  ids: ExpertIdArray,
  nExperts: number,
  chunkSize: number,
  nChunks: number,
  counts: Int32Array,
  chunkOffsets?: Int32Array,
): number {
  const { binding } = nativeBinding();
  return callNative(() => binding.countExperts(ids, nExperts, chunkSize, nChunks, counts, chunkOffsets ?? null));
}

/**
 * Rewrites `ids` into physical ids in `out` (same length; may be `ids` itself when that is an
 * Int32Array). `routes` holds five integers per expert, `keep, stride, total, first, second`:
 * the token of ordinal k among the expert's tokens goes to `first` when `h(k) < keep`, else to
 * `second`, with `h(0) = 0` and `h(k + 1) = (h(k) + stride) mod total`. -1 stays -1.
 *
 * @returns -1, or the index of the first id outside `[-1, nExperts)` (then `out` is unspecified).
 * @throws InvalidArgumentError for arrays of the wrong kind or length, overlapping arrays, or a
 *   route whose stride is not in `[0, total)`.
 */
export function mapExperts(ids: ExpertIdArray, nExperts: number, routes: Int32Array, out: Int32Array): number {
  const { binding } = nativeBinding();
  return callNative(() => binding.mapExperts(ids, nExperts, routes, out));
}
