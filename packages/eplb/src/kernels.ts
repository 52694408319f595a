/**
 * Allocation-free kernels behind the public EPLB functions. They trust their inputs (validated by
 * the callers), read float32 loads from `Float32Array`s, whose stores round every result to float32
 * exactly like the reference's float32 tensors, and write into caller-provided buffers.
 *
 * EPLB's inner loops compare loads that arrive in no predictable order, so the kernels favour
 * branch-free work: a radix sort instead of a comparison sort, and selections computed with integer
 * masks on float32 bit patterns instead of heaps that branch on every comparison.
 */

/** Up to this many items, insertion sort beats the radix sort's fixed cost. */
const INSERTION_SORT_MAX = 32;

/** Smallest power of two >= n. */
export function tournamentSize(n: number): number {
  let size = 1;
  while (size < n) size *= 2;
  return size;
}

/** Buckets of the last radix pass per segment: the top byte of a non-negative float32 is below 128. */
const TOP_DIGITS = 128;

/** Reusable buffers of {@link sortDescending}, sized for its largest call. */
export class SortScratch {
  readonly spare: Int32Array;
  /** Last-pass bucket of every item, computed with the histograms. */
  readonly lastBucket: Int32Array;
  /** Three 256-bucket histograms for the low bytes, then 128 buckets of the top byte per segment. */
  readonly histogram: Int32Array;

  constructor(maxItems: number, maxSegments: number) {
    this.spare = new Int32Array(maxItems);
    this.lastBucket = new Int32Array(maxItems);
    this.histogram = new Int32Array(768 + TOP_DIGITS * maxSegments);
  }
}

/**
 * Writes to `order[0..n)` the items `0..n-1` sorted by segment ascending (item `i` is in segment
 * `floor(i / segmentSize)`), then by value descending, then by index ascending: a stable descending
 * sort of each segment, all segments at once.
 *
 * `values` are non-negative float32 numbers (never -0) and `bits` is a `Uint32Array` view of the same
 * memory. For such numbers the bit pattern orders like the value, so a least-significant-digit radix
 * sort on the bytes needs no comparison at all; its last pass sorts by segment and top byte
 * together. Short segments use insertion sort instead.
 */
export function sortDescending(
  values: Float32Array,
  bits: Uint32Array,
  n: number,
  segmentSize: number,
  order: Int32Array,
  scratch: SortScratch,
): void {
  if (segmentSize <= INSERTION_SORT_MAX) {
    for (let start = 0; start < n; start += segmentSize) {
      const end = start + segmentSize;
      for (let i = start; i < end; i++) {
        const value = values[i];
        let j = i - 1;
        // Strictly smaller values move right, so equal values keep index order.
        while (j >= start && values[order[j]] < value) {
          order[j + 1] = order[j];
          j--;
        }
        order[j + 1] = i;
      }
    }
    return;
  }

  const segments = (n / segmentSize) | 0;
  const histogram = scratch.histogram;
  const lastBucket = scratch.lastBucket;
  const histogramEnd = 768 + TOP_DIGITS * segments;
  histogram.fill(0, 0, histogramEnd);
  // Bucket `top - digit`: ascending buckets hold descending digits.
  for (let segment = 0, i = 0; segment < segments; segment++) {
    const topOfSegment = 768 + segment * TOP_DIGITS + (TOP_DIGITS - 1);
    const end = i + segmentSize;
    for (; i < end; i++) {
      const b = bits[i];
      histogram[255 - (b & 255)]++;
      histogram[511 - ((b >>> 8) & 255)]++;
      histogram[767 - ((b >>> 16) & 255)]++;
      const last = topOfSegment - (b >>> 24);
      lastBucket[i] = last;
      histogram[last]++;
    }
  }
  // `source` null stands for the identity order, which is where the items start.
  let source: Int32Array | null = null;
  let target = order;
  let spare = scratch.spare;
  for (let pass = 0; pass < 4; pass++) {
    const base = pass * 256;
    const end = pass < 3 ? base + 256 : histogramEnd;
    const shift = pass * 8;
    const top = base + 255;
    // A pass that puts every item into one bucket does not reorder anything.
    const firstBucket = pass < 3 ? top - ((bits[0] >>> shift) & 255) : lastBucket[0];
    if (histogram[firstBucket] === n) continue;
    let sum = 0;
    for (let d = base; d < end; d++) {
      const count = histogram[d];
      histogram[d] = sum;
      sum += count;
    }
    if (pass === 3) {
      if (source === null) {
        for (let i = 0; i < n; i++) target[histogram[lastBucket[i]]++] = i;
      } else {
        for (let k = 0; k < n; k++) {
          const i = source[k];
          target[histogram[lastBucket[i]]++] = i;
        }
      }
    } else if (source === null) {
      for (let i = 0; i < n; i++) target[histogram[top - ((bits[i] >>> shift) & 255)]++] = i;
    } else {
      for (let k = 0; k < n; k++) {
        const i = source[k];
        target[histogram[top - ((bits[i] >>> shift) & 255)]++] = i;
      }
    }
    source = target;
    target = spare;
    spare = source;
  }
  if (source === null) {
    for (let i = 0; i < n; i++) order[i] = i;
  } else if (source !== order) {
    for (let k = 0; k < n; k++) order[k] = source[k];
  }
}

/** Key of a pack that can take no more items: above the bit pattern of every finite float32. */
const FULL_PACK_KEY = 0x7fffffff;

/** Up to this many packs, a branch-free scan finds the lightest pack faster than a tournament tree. */
const SCAN_MAX_PACKS = 16;

/** Reusable buffers of {@link packGreedy}, sized for its largest call. */
export class PackScratch {
  readonly load: Float32Array;
  /** Bit patterns of `load`, which order like the loads (they are non-negative). */
  readonly loadBits: Int32Array;
  readonly count: Int32Array;
  /** `loadBits` of an open pack; FULL_PACK_KEY for a full pack or a padding leaf, so it never wins. */
  readonly key: Int32Array;
  readonly tree: Int32Array;

  constructor(maxPacks: number) {
    const size = tournamentSize(maxPacks);
    this.load = new Float32Array(size);
    this.loadBits = new Int32Array(this.load.buffer);
    this.count = new Int32Array(size);
    this.key = new Int32Array(size);
    this.tree = new Int32Array(2 * size);
  }
}

/**
 * Greedy balanced packing of the items `order[start..start+n)`, already sorted by value descending,
 * into `numPacks` packs of `n / numPacks` items: each item goes to the pack with the smallest
 * float32 running sum among the packs that are not full, ties to the lowest pack index. Writes
 * `position[item] = pack * (n / numPacks) + rank`, where `rank` is the order of arrival in the pack:
 * the item's place when the packs are laid out one after another.
 *
 * Packs are compared by the bit patterns of their float32 loads as int32, which order like the loads
 * and allow branch-free selection: `(a - b) >> 31` is -1 exactly when `a < b` (both are below 2^31).
 * A few packs are scanned; many go into a tournament tree whose leaves are in index order, so that
 * the left child winning ties gives the lowest index.
 */
export function packGreedy(
  values: Float32Array,
  order: Int32Array,
  start: number,
  n: number,
  numPacks: number,
  position: Int32Array,
  scratch: PackScratch,
): void {
  const perPack = (n / numPacks) | 0;
  const { load, loadBits, count, key, tree } = scratch;
  const end = start + n;
  if (numPacks <= SCAN_MAX_PACKS) {
    for (let p = 0; p < numPacks; p++) {
      load[p] = 0;
      count[p] = 0;
      key[p] = 0;
    }
    // Two independent scans (packs [0, half) and [half, numPacks)) halve the dependency chain; the
    // upper half wins the final comparison only when strictly lighter.
    const half = numPacks >> 1;
    for (let k = start; k < end; k++) {
      const item = order[k];
      let best = key[0];
      let pack = 0;
      let upperBest = key[half];
      let upperPack = half;
      for (let p = 1; p < half; p++) {
        const candidate = key[p];
        const lighter = (candidate - best) >> 31;
        best += (candidate - best) & lighter;
        pack += (p - pack) & lighter;
        const upperCandidate = key[half + p];
        const upperLighter = (upperCandidate - upperBest) >> 31;
        upperBest += (upperCandidate - upperBest) & upperLighter;
        upperPack += (half + p - upperPack) & upperLighter;
      }
      if (numPacks > 2 * half) {
        const last = numPacks - 1;
        const upperLighter = (key[last] - upperBest) >> 31;
        upperBest += (key[last] - upperBest) & upperLighter;
        upperPack += (last - upperPack) & upperLighter;
      }
      pack += (upperPack - pack) & ((upperBest - best) >> 31);
      position[item] = pack * perPack + count[pack];
      load[pack] += values[item];
      key[pack] = ++count[pack] === perPack ? FULL_PACK_KEY : loadBits[pack];
    }
    return;
  }
  const size = tournamentSize(numPacks);
  for (let p = 0; p < size; p++) {
    load[p] = 0;
    count[p] = 0;
    key[p] = p < numPacks ? 0 : FULL_PACK_KEY;
    tree[size + p] = p;
  }
  for (let node = size - 1; node >= 1; node--) {
    const left = tree[2 * node];
    const right = tree[2 * node + 1];
    tree[node] = left + ((right - left) & ((key[right] - key[left]) >> 31));
  }
  for (let k = start; k < end; k++) {
    const item = order[k];
    const pack = tree[1];
    position[item] = pack * perPack + count[pack];
    load[pack] += values[item];
    key[pack] = ++count[pack] === perPack ? FULL_PACK_KEY : loadBits[pack];
    for (let node = (size + pack) >> 1; node >= 1; node >>= 1) {
      const left = tree[2 * node];
      const right = tree[2 * node + 1];
      tree[node] = left + ((right - left) & ((key[right] - key[left]) >> 31));
    }
  }
}

/** Reusable buffers of {@link replicate}, sized for its largest call. */
export class ReplicateScratch {
  /** `load / copies` per expert. */
  readonly ratio: Float32Array;
  /** Bit patterns of `ratio` (ordering like the ratios); -1 for padding leaves, so they never win. */
  readonly key: Int32Array;
  readonly tree: Int32Array;

  constructor(maxLogical: number) {
    const size = tournamentSize(maxLogical);
    this.ratio = new Float32Array(size);
    this.key = new Int32Array(this.ratio.buffer);
    this.tree = new Int32Array(2 * size);
  }
}

/**
 * Replicates `load[0..n)` into `numPhysical` physical experts: one copy each (physical `i < n` is
 * expert `i`), then every extra copy goes to the expert with the largest float32 `load / copies`,
 * ties to the lowest index. A tournament tree over the experts finds it in log2(n) branch-free
 * matches (see {@link packGreedy} for the comparison of bit patterns).
 */
export function replicate(
  load: Float32Array,
  n: number,
  numPhysical: number,
  phy2log: Int32Array,
  phyRank: Int32Array,
  logcnt: Int32Array,
  scratch: ReplicateScratch,
): void {
  for (let i = 0; i < n; i++) {
    phy2log[i] = i;
    phyRank[i] = 0;
    logcnt[i] = 1;
  }
  if (numPhysical === n) return;
  const { ratio, key, tree } = scratch;
  const size = tournamentSize(n);
  for (let i = 0; i < size; i++) {
    if (i < n) ratio[i] = load[i];
    else key[i] = -1;
    tree[size + i] = i;
  }
  for (let node = size - 1; node >= 1; node--) {
    const left = tree[2 * node];
    const right = tree[2 * node + 1];
    tree[node] = left + ((right - left) & ((key[left] - key[right]) >> 31));
  }
  for (let p = n; p < numPhysical; p++) {
    const top = tree[1];
    phy2log[p] = top;
    phyRank[p] = logcnt[top];
    ratio[top] = load[top] / ++logcnt[top];
    for (let node = (size + top) >> 1; node >= 1; node >>= 1) {
      const left = tree[2 * node];
      const right = tree[2 * node + 1];
      tree[node] = left + ((right - left) & ((key[left] - key[right]) >> 31));
    }
  }
}

/**
 * Balanced packing of `values[0..n)` into `numPacks` packs of exactly `n / numPacks` items: visit
 * items by value descending (stable) and put each into the lightest pack that is not full (ties to
 * the lowest pack index). Writes `position` as {@link packGreedy} does. With one item per pack, item
 * `i` goes to pack `i`, as in the reference.
 */
export function packBalanced(
  values: Float32Array,
  bits: Uint32Array,
  n: number,
  numPacks: number,
  position: Int32Array,
  order: Int32Array,
  sortScratch: SortScratch,
  packScratch: PackScratch,
): void {
  if (n === numPacks) {
    for (let i = 0; i < n; i++) position[i] = i;
    return;
  }
  sortDescending(values, bits, n, n, order, sortScratch);
  packGreedy(values, order, 0, n, numPacks, position, packScratch);
}
