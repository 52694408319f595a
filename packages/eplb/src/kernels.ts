/**
 * Allocation-free kernels behind the public EPLB functions. They trust their inputs (validated by
 * the callers), read float32 loads from `Float32Array`s, whose stores round every result to float32
 * exactly like the reference's float32 tensors, and write into caller-provided buffers.
 *
 * EPLB's inner loops compare loads that arrive in no predictable order, so the kernels favour
 * branch-free work: a radix sort instead of a comparison sort, and selections computed with integer
 * masks on float32 bit patterns instead of heaps that branch on every comparison. Long loops whose
 * arrays come from variables of more than one typed-array kind, or code that runs only after such a
 * loop, are kept in functions of their own, so that V8 compiles each with complete type feedback.
 */

/** Up to this many items, insertion sort beats the radix sort's fixed cost. */
const INSERTION_SORT_MAX = 16;

/** Smallest power of two >= n. */
export function tournamentSize(n: number): number {
  let size = 1;
  while (size < n) size *= 2;
  return size;
}

/**
 * Most buckets of one radix run's last pass (segments x top-byte values). Segments are sorted in
 * runs of as many as fit, so that the low-byte histograms are shared by many segments.
 */
const MAX_LAST_BUCKETS = 4096;

/** Most items of one radix run: its keys, order and buffers stay in the first-level cache. */
const MAX_RUN_ITEMS = 2048;

/** Reusable buffers of {@link sortDescending}, sized for its largest call. */
export class SortScratch {
  readonly spare: Int32Array;
  /** Last-pass bucket of every item, computed with the histograms. */
  readonly lastBucket: Int32Array;
  /** Three 256-bucket histograms for the low bytes, then the last pass's buckets. */
  readonly histogram: Int32Array;

  constructor(maxItems: number) {
    this.spare = new Int32Array(maxItems);
    this.lastBucket = new Int32Array(maxItems);
    this.histogram = new Int32Array(768 + MAX_LAST_BUCKETS);
  }
}

/**
 * Writes to `order[0..n)` the items `0..n-1` sorted by segment ascending (item `i` is in segment
 * `floor(i / segmentSize)`), then by value descending, then by index ascending: a stable descending
 * sort of each segment, all segments at once.
 *
 * `values` are non-negative float32 numbers (never -0) and `bits` is an `Int32Array` view of the same
 * memory. For such numbers the bit pattern orders like the value, so a least-significant-digit radix
 * sort on the bytes needs no comparison at all; its last pass sorts by segment and top byte
 * together. Usually two passes (the top 16 bits) and an insertion sort that moves few items finish
 * the job; short segments use insertion sort alone.
 */
export function sortDescending(
  values: Float32Array,
  bits: Int32Array,
  n: number,
  segmentSize: number,
  order: Int32Array,
  scratch: SortScratch,
): void {
  // Two functions, so that each is compiled with the type feedback of its own calls.
  if (segmentSize <= INSERTION_SORT_MAX) insertionSortDescending(values, n, segmentSize, order);
  else radixSortDescending(bits, n, segmentSize, order, scratch);
}

/** {@link sortDescending} by insertion sort. */
function insertionSortDescending(values: Float32Array, n: number, segmentSize: number, order: Int32Array): void {
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
}

/** {@link sortDescending} by radix sort, in runs of whole segments. */
function radixSortDescending(
  bits: Int32Array,
  n: number,
  segmentSize: number,
  order: Int32Array,
  scratch: SortScratch,
): void {
  // The top byte (sign and high exponent bits) of real loads takes few values; the last pass needs
  // buckets only for those.
  const topBounds = topByteBounds(bits, n);
  const minTop = topBounds >>> 8;
  const topRange = (topBounds & 255) - minTop + 1;
  const segmentsPerRun = Math.min(Math.floor(MAX_LAST_BUCKETS / topRange), Math.floor(MAX_RUN_ITEMS / segmentSize));
  const runLength = segmentSize * Math.max(1, segmentsPerRun);
  for (let start = 0; start < n; start += runLength) {
    const end = Math.min(n, start + runLength);
    // Two passes order by the top 16 bits, which almost always leaves few items out of place;
    // where it does not, all four passes run.
    if (!radixRun(bits, start, end, segmentSize, minTop, topRange, order, scratch, 2)) {
      radixRun(bits, start, end, segmentSize, minTop, topRange, order, scratch, 0);
    }
  }
}

/**
 * The smallest and largest top byte of `bits[0..n)`, as `smallest << 8 | largest`. A function of its
 * own: V8 compiles a long loop while it runs, and code after the loop that has not run yet would
 * lack type feedback, which here made every call leave the compiled code.
 */
function topByteBounds(bits: Int32Array, n: number): number {
  let minTop = bits[0] >>> 24;
  let maxTop = minTop;
  for (let i = 1; i < n; i++) {
    const top = bits[i] >>> 24;
    if (top < minTop) minTop = top;
    if (top > maxTop) maxTop = top;
  }
  return (minTop << 8) | maxTop;
}

/**
 * {@link sortDescending} of the whole segments `[start, end)` by a radix sort: passes on the low
 * bytes from `firstPass` (0 to 2), and a last one on the segment and the top byte (`minTop` to
 * `minTop + topRange - 1`). From `firstPass` 2, the items are then ordered by their top 16 bits and
 * an insertion sort finishes each segment, unless it would move more than one item per item on
 * average: then it stops and returns false, leaving `order` unfinished.
 */
function radixRun(
  bits: Int32Array,
  start: number,
  end: number,
  segmentSize: number,
  minTop: number,
  topRange: number,
  order: Int32Array,
  scratch: SortScratch,
  firstPass: number,
): boolean {
  const n = end - start;
  const histogram = scratch.histogram;
  const lastBucket = scratch.lastBucket;
  const histogramEnd = 768 + ((n / segmentSize) | 0) * topRange;
  histogram.fill(0, firstPass * 256, histogramEnd);
  // Bucket `top - digit`: ascending buckets hold descending digits.
  for (let i = start, topOfSegment = 767 + topRange + minTop; i < end; topOfSegment += topRange) {
    for (const segmentEnd = i + segmentSize; i < segmentEnd; i++) {
      const b = bits[i];
      if (firstPass === 0) {
        histogram[255 - (b & 255)]++;
        histogram[511 - ((b >>> 8) & 255)]++;
      }
      histogram[767 - ((b >>> 16) & 255)]++;
      const last = topOfSegment - (b >>> 24);
      lastBucket[i] = last;
      histogram[last]++;
    }
  }
  // A pass that puts every item into one bucket does not reorder anything. The passes alternate
  // between `order` and the spare buffer, starting so that the last one writes `order`.
  let passes = 0;
  for (let pass = firstPass; pass < 4; pass++) {
    passes += histogram[firstBucketOf(bits, lastBucket, start, pass)] === n ? 0 : 1;
  }
  // `source` null stands for the identity order, which is where the items start.
  let source: Int32Array | null = null;
  let target = passes % 2 === 1 ? order : scratch.spare;
  let spare = passes % 2 === 1 ? scratch.spare : order;
  for (let pass = firstPass; pass < 4; pass++) {
    const base = pass * 256;
    const bucketsEnd = pass < 3 ? base + 256 : histogramEnd;
    const shift = pass * 8;
    const top = base + 255;
    if (histogram[firstBucketOf(bits, lastBucket, start, pass)] === n) continue;
    // Bucket offsets start at `start`: the run's place in `order`.
    let sum = start;
    for (let d = base; d < bucketsEnd; d++) {
      const count = histogram[d];
      histogram[d] = sum;
      sum += count;
    }
    if (pass === 3) {
      if (source === null) {
        for (let i = start; i < end; i++) target[histogram[lastBucket[i]]++] = i;
      } else {
        for (let k = start; k < end; k++) {
          const i = source[k];
          target[histogram[lastBucket[i]]++] = i;
        }
      }
    } else if (source === null) {
      for (let i = start; i < end; i++) target[histogram[top - ((bits[i] >>> shift) & 255)]++] = i;
    } else {
      for (let k = start; k < end; k++) {
        const i = source[k];
        target[histogram[top - ((bits[i] >>> shift) & 255)]++] = i;
      }
    }
    source = target;
    target = spare;
    spare = source;
  }
  if (source === null) for (let i = start; i < end; i++) order[i] = i;
  if (firstPass === 0) return true;
  // Stable insertion sort by all bits: items move only past strictly smaller ones, so equal items
  // keep the index order the passes gave them.
  let movesLeft = n;
  for (let segmentStart = start; segmentStart < end; segmentStart += segmentSize) {
    const segmentEnd = segmentStart + segmentSize;
    for (let k = segmentStart + 1; k < segmentEnd; k++) {
      const item = order[k];
      const b = bits[item];
      let j = k - 1;
      if (bits[order[j]] >= b) continue;
      do {
        order[j + 1] = order[j];
        j--;
      } while (j >= segmentStart && bits[order[j]] < b);
      order[j + 1] = item;
      movesLeft -= k - 1 - j;
      if (movesLeft < 0) return false;
    }
  }
  return true;
}

/** The bucket of pass `pass` (0-2: a low byte, 3: the last pass) that holds item `item`. */
function firstBucketOf(bits: Int32Array, lastBucket: Int32Array, item: number, pass: number): number {
  return pass < 3 ? pass * 256 + 255 - ((bits[item] >>> (pass * 8)) & 255) : lastBucket[item];
}

/**
 * Load of a pack that can take no more items: its bit pattern is above that of every finite float32,
 * so it never looks lightest. (Pack sums stay finite: loads sum to at most MAX_LOAD_SUM.)
 */
const FULL_PACK_LOAD = Number.POSITIVE_INFINITY;

/** Up to this many packs, a branch-free scan finds the lightest pack faster than a tournament tree. */
const SCAN_MAX_PACKS = 16;

/** Reusable buffers of {@link packGreedy}, sized for its largest call. */
export class PackScratch {
  /**
   * Per segment and pack: running float32 load (FULL_PACK_LOAD once the pack is full, and for the
   * padding leaves of a tournament tree) and item count.
   */
  readonly load: Float32Array;
  /** Bit patterns of `load`, which order like the loads (they are non-negative). */
  readonly loadBits: Int32Array;
  readonly count: Int32Array;
  readonly tree: Int32Array;

  constructor(maxPacks: number, maxSegments: number) {
    const size = tournamentSize(maxPacks);
    const scanned = maxPacks <= SCAN_MAX_PACKS;
    this.load = new Float32Array(scanned ? maxPacks * maxSegments : size);
    this.loadBits = new Int32Array(this.load.buffer);
    this.count = new Int32Array(this.load.length);
    this.tree = new Int32Array(scanned ? 0 : 2 * size);
  }
}

/**
 * Greedy balanced packing of `numSegments` independent segments of `segmentLength` items each, item
 * `i` weighing `values[valueOffset + i]`. The items of segment `s` (from `s * segmentLength`, sorted
 * by value descending) are visited in order and go into the segment's own `numPacks` packs of
 * `segmentLength / numPacks` items: each to the pack with the smallest float32 running sum among the
 * packs that are not full, ties to the lowest pack index. Writes `slot[s * segmentLength + k] = pack *
 * (segmentLength / numPacks) + rank` for the k-th item of segment `s`, where `rank` is the order of
 * arrival in the pack: the item's place when the packs are laid out one after another.
 *
 * Packs are compared by the bit patterns of their float32 loads as int32, which order like the loads
 * and allow branch-free selection: `(a - b) >> 31` is -1 exactly when `a < b` (both are below 2^31).
 * A few packs are scanned, the segments taking turns item by item: each item's choice waits for the
 * previous item's pack sum of the same segment, and the turns of the other segments fill that wait.
 * Many packs go into a tournament tree whose leaves are in index order, so that the left child winning
 * ties gives the lowest index.
 */
export function packGreedy(
  values: Float32Array,
  valueOffset: number,
  numSegments: number,
  segmentLength: number,
  numPacks: number,
  slot: Int32Array,
  scratch: PackScratch,
): void {
  const perPack = (segmentLength / numPacks) | 0;
  const { load, loadBits, count, tree } = scratch;
  if (numPacks <= SCAN_MAX_PACKS) {
    // While the items are positive, the k-th of the first numPacks items finds packs 0..k-1 heavier
    // and goes to pack k: that round needs no search when it holds for every segment.
    let firstSearched = numPacks;
    for (let item = numPacks - 2; item >= 0 && item < numSegments * segmentLength; item += segmentLength) {
      if (!(values[valueOffset + item] > 0)) firstSearched = 0;
    }
    for (let segment = 0, state = 0; segment < numSegments; segment++) {
      for (let p = 0; p < numPacks; p++, state++) {
        const item = segment * segmentLength + p;
        const filled = p < firstSearched;
        count[state] = filled ? 1 : 0;
        load[state] = 0;
        if (filled) {
          slot[item] = p * perPack;
          load[state] = perPack === 1 ? FULL_PACK_LOAD : values[valueOffset + item];
        }
      }
    }
    for (let k = firstSearched; k < segmentLength; k++) {
      for (let segment = 0, first = 0, item = k; segment < numSegments; segment++) {
        const end = first + numPacks;
        let best = loadBits[first];
        let pack = first;
        let p = first;
        // Blocks of eight packs reduce as a tree of pairs (fewer steps and no index arithmetic in the
        // first round); the left side wins ties, so the lowest index does.
        for (; p + 8 <= end; p += 8) {
          const k0 = loadBits[p];
          const k1 = loadBits[p + 1];
          const k2 = loadBits[p + 2];
          const k3 = loadBits[p + 3];
          const k4 = loadBits[p + 4];
          const k5 = loadBits[p + 5];
          const k6 = loadBits[p + 6];
          const k7 = loadBits[p + 7];
          const l01 = (k1 - k0) >> 31;
          const l23 = (k3 - k2) >> 31;
          const l45 = (k5 - k4) >> 31;
          const l67 = (k7 - k6) >> 31;
          // `| 0` marks each sum as int32 (it cannot overflow), which saves V8 an overflow check.
          const b01 = (k0 + ((k1 - k0) & l01)) | 0;
          const b23 = (k2 + ((k3 - k2) & l23)) | 0;
          const b45 = (k4 + ((k5 - k4) & l45)) | 0;
          const b67 = (k6 + ((k7 - k6) & l67)) | 0;
          const i01 = l01 & 1;
          const i23 = 2 + (l23 & 1);
          const i45 = 4 + (l45 & 1);
          const i67 = 6 + (l67 & 1);
          const l03 = (b23 - b01) >> 31;
          const l47 = (b67 - b45) >> 31;
          const b03 = (b01 + ((b23 - b01) & l03)) | 0;
          const b47 = (b45 + ((b67 - b45) & l47)) | 0;
          const i03 = (i01 + ((i23 - i01) & l03)) | 0;
          const i47 = (i45 + ((i67 - i45) & l47)) | 0;
          const l07 = (b47 - b03) >> 31;
          const blockBest = (b03 + ((b47 - b03) & l07)) | 0;
          const blockPack = (p + i03 + ((i47 - i03) & l07)) | 0;
          const lighter = (blockBest - best) >> 31;
          best = (best + ((blockBest - best) & lighter)) | 0;
          pack = (pack + ((blockPack - pack) & lighter)) | 0;
        }
        for (; p < end; p++) {
          const candidate = loadBits[p];
          const lighter = (candidate - best) >> 31;
          best = (best + ((candidate - best) & lighter)) | 0;
          pack = (pack + ((p - pack) & lighter)) | 0;
        }
        const rank = count[pack];
        slot[item] = (pack - first) * perPack + rank;
        count[pack] = rank + 1;
        if (rank + 1 === perPack) load[pack] = FULL_PACK_LOAD;
        else load[pack] += values[valueOffset + item];
        first += numPacks;
        item += segmentLength;
      }
    }
    return;
  }
  const size = tournamentSize(numPacks);
  for (let start = 0; start < numSegments * segmentLength; start += segmentLength) {
    for (let p = 0; p < size; p++) {
      load[p] = p < numPacks ? 0 : FULL_PACK_LOAD;
      count[p] = 0;
      tree[size + p] = p;
    }
    for (let node = size - 1; node >= 1; node--) {
      const left = tree[2 * node];
      const right = tree[2 * node + 1];
      tree[node] = left + ((right - left) & ((loadBits[right] - loadBits[left]) >> 31));
    }
    for (let k = start, end = start + segmentLength; k < end; k++) {
      const pack = tree[1];
      const rank = count[pack];
      slot[k] = pack * perPack + rank;
      count[pack] = rank + 1;
      if (rank + 1 === perPack) load[pack] = FULL_PACK_LOAD;
      else load[pack] += values[valueOffset + k];
      for (let node = (size + pack) >> 1; node >= 1; node >>= 1) {
        const left = tree[2 * node];
        const right = tree[2 * node + 1];
        tree[node] = left + ((right - left) & ((loadBits[right] - loadBits[left]) >> 31));
      }
    }
  }
}

/**
 * Up to this many replicated experts in one list, {@link listCopies} orders them by counting, without
 * branches; beyond, or when two of them weigh the same per copy, it sorts their copies.
 */
const COUNTED_MAX_EXPERTS = 32;

/** Reusable buffers of {@link replicateSorted} and {@link listCopies}, sized for their largest call. */
export class ReplicateScratch {
  /**
   * Per replicated expert, by its place in the sorted list (the replicated experts are always the
   * first places): its copies so far and its float32 load per copy (with bit patterns). These are
   * also the leaves of a tournament tree, where places not replicated yet hold ratio -1, so they
   * never win.
   */
  readonly copies: Int32Array;
  readonly ratio: Float32Array;
  readonly ratioBits: Int32Array;
  /** Item of each leaf, for ties; the largest int32 for leaves not replicated yet. */
  readonly leafItem: Int32Array;
  readonly tree: Int32Array;
  /** Per extra copy, in the order they were added: its expert's place in the sorted list and its replica rank. */
  readonly extraPlace: Int32Array;
  readonly extraRank: Int32Array;
  /** Per replicated expert: where its next copy goes in `copyData`; by rank: the expert. */
  readonly nextCopy: Int32Array;
  readonly byRank: Int32Array;
  /**
   * The copies of the replicated experts by weight descending, then physical id, four entries each:
   * weight bits, physical id, item, replica rank (one array: the merge reads fewer arrays).
   */
  readonly copyData: Int32Array;
  /** The same copies in the order they are listed, and their sorted order, when they need a sort. */
  readonly listedBits: Int32Array;
  readonly listedId: Int32Array;
  readonly listedItem: Int32Array;
  readonly listedRank: Int32Array;
  readonly listedOrder: Int32Array;
  /** The sort's order of two listed copies (weight descending, then physical id), made once. */
  readonly compareListed: (a: number, b: number) => number;

  constructor(maxExperts: number, maxExtras: number) {
    const size = tournamentSize(Math.max(1, Math.min(maxExperts, maxExtras)));
    this.copies = new Int32Array(size);
    this.ratio = new Float32Array(size);
    this.ratioBits = new Int32Array(this.ratio.buffer);
    this.leafItem = new Int32Array(size);
    this.tree = new Int32Array(2 * size);
    this.extraPlace = new Int32Array(maxExtras);
    this.extraRank = new Int32Array(maxExtras);
    this.nextCopy = new Int32Array(size);
    this.byRank = new Int32Array(size);
    const maxCopies = Math.min(maxExperts, maxExtras) + maxExtras;
    this.copyData = new Int32Array(4 * maxCopies);
    this.listedBits = new Int32Array(maxCopies);
    this.listedId = new Int32Array(maxCopies);
    this.listedItem = new Int32Array(maxCopies);
    this.listedRank = new Int32Array(maxCopies);
    this.listedOrder = new Int32Array(maxCopies);
    const { listedBits, listedId } = this;
    this.compareListed = (a, b) => listedBits[b] - listedBits[a] || listedId[a] - listedId[b];
  }
}

/**
 * Replicates one list of `numExperts` experts: adds `extras` copies one at a time, each to the expert
 * with the largest float32 `load / copies`, ties to the lowest item. The experts are the items
 * `order[offset..offset + numExperts)`, sorted by load descending and then by item (see
 * {@link sortDescending}); `load[item]` is an expert's load.
 *
 * The sorted list makes the search short: an expert gets a copy only after every expert before it in
 * the list has one (until then, each of those has at least its load per copy, and wins ties by its
 * lower item), so the replicated experts are always the first places of the list. Each copy goes
 * either to the best of them, found with a tournament tree over their places, or to the next place.
 *
 * Writes, for the t-th extra copy, its expert's place in the list and its replica rank (its copies
 * before it) to `scratch.extraPlace[t]` and `scratch.extraRank[t]`; afterwards, for every place `q`
 * below the returned count of replicated experts (every other expert has one copy),
 * `scratch.copies[q]`, `scratch.ratio[q]` and `scratch.leafItem[q]` hold the copy count, the final
 * load per copy and the item of the expert at place `q`.
 */
export function replicateSorted(
  load: Float32Array,
  order: Int32Array,
  offset: number,
  numExperts: number,
  extras: number,
  scratch: ReplicateScratch,
): number {
  const { copies, ratio, leafItem, tree, extraPlace, extraRank } = scratch;
  const size = tournamentSize(Math.max(1, Math.min(numExperts, extras)));
  for (let leaf = 0; leaf < size; leaf++) {
    ratio[leaf] = -1;
    leafItem[leaf] = 0x7fffffff;
    tree[size + leaf] = leaf;
  }
  for (let node = size - 1; node >= 1; node--) tree[node] = tree[2 * node];
  let replicated = 0;
  for (let t = 0; t < extras; t++) {
    const top = tree[1];
    let place = top;
    if (replicated < numExperts) {
      const next = order[offset + replicated];
      const nextLoad = load[next];
      const topRatio = ratio[top];
      if (nextLoad > topRatio || (nextLoad === topRatio && next < leafItem[top])) {
        place = replicated++;
        copies[place] = 1;
        leafItem[place] = next;
      }
    }
    const rank = copies[place];
    copies[place] = rank + 1;
    ratio[place] = load[leafItem[place]] / (rank + 1);
    extraPlace[t] = place;
    extraRank[t] = rank;
    for (let node = (size + place) >> 1; node >= 1; node >>= 1) {
      const left = tree[2 * node];
      const right = tree[2 * node + 1];
      const rightRatio = ratio[right];
      const leftRatio = ratio[left];
      tree[node] =
        rightRatio > leftRatio || (rightRatio === leftRatio && leafItem[right] < leafItem[left]) ? right : left;
    }
  }
  return replicated;
}

/** Where {@link listCopies} writes the physical experts of a list: one entry each. */
export interface CopyList {
  /** Bit patterns of the float32 load per copy (of the copy's expert). */
  readonly loadBits: Int32Array;
  /** The copy's expert, as `itemExpert[item] - expertBase`. */
  readonly expert: Int32Array;
  /** Replica rank: 0 for an expert's original, 1 for its first extra copy, ... */
  readonly rank: Int32Array;
}

/**
 * Lists the physical experts of one list after {@link replicateSorted} (same `order`, `offset`,
 * `numExperts` and `extras`, and the count of replicated experts it returned). The physical id of
 * the expert at item `offset + j` is `j` for its original and `numExperts + t` for its copy added
 * t-th. Writes them to `out` from `outOffset`, with `sorted` in packing order (load per copy
 * descending, then physical id; `loadBits` holds the bit patterns of the loads by item), else by
 * physical id (and without loads).
 *
 * The experts of one copy are already in packing order from place `replicated` on; the copies of
 * the replicated experts are ordered apart and merged in without branches, since where they fall
 * is unpredictable.
 */
export function listCopies(
  loadBits: Int32Array,
  order: Int32Array,
  offset: number,
  numExperts: number,
  extras: number,
  replicated: number,
  sorted: boolean,
  itemExpert: Int32Array,
  expertBase: number,
  out: CopyList,
  outOffset: number,
  scratch: ReplicateScratch,
): void {
  const { leafItem, extraPlace, extraRank } = scratch;
  const { expert: outExpert, rank: outRank, loadBits: outBits } = out;
  let k = outOffset;
  if (!sorted) {
    for (let j = 0; j < numExperts; j++, k++) {
      outExpert[k] = itemExpert[offset + j] - expertBase;
      outRank[k] = 0;
    }
    for (let t = 0; t < extras; t++, k++) {
      outExpert[k] = itemExpert[leafItem[extraPlace[t]]] - expertBase;
      outRank[k] = extraRank[t];
    }
    return;
  }
  const copiesEnd = 4 * (replicated + extras);
  orderCopies(numExperts, extras, replicated, offset, scratch);
  const copyData = scratch.copyData;
  // Merge: a copy goes first when it is heavier, or as heavy with a lower physical id. Weight bits
  // are non-negative int32, so differences do not overflow (see packGreedy), and `| 0` spares V8
  // the overflow checks of the sums.
  let c = 0;
  let q = replicated;
  while (c < copiesEnd && q < numExperts) {
    const item = order[offset + q];
    const singleBits = loadBits[item];
    const bits = copyData[c];
    const copyFirst =
      ((singleBits - bits) >> 31) | ((((singleBits ^ bits) - 1) >> 31) & ((copyData[c + 1] - (item - offset)) >> 31));
    outBits[k] = (singleBits + ((bits - singleBits) & copyFirst)) | 0;
    outExpert[k] = (itemExpert[(item + ((copyData[c + 2] - item) & copyFirst)) | 0] - expertBase) | 0;
    outRank[k] = copyData[c + 3] & copyFirst;
    c = (c - 4 * copyFirst) | 0;
    q = (q + 1 + copyFirst) | 0;
    k++;
  }
  for (; c < copiesEnd; c += 4, k++) {
    outBits[k] = copyData[c];
    outExpert[k] = itemExpert[copyData[c + 2]] - expertBase;
    outRank[k] = copyData[c + 3];
  }
  for (; q < numExperts; q++, k++) {
    const item = order[offset + q];
    outBits[k] = loadBits[item];
    outExpert[k] = itemExpert[item] - expertBase;
    outRank[k] = 0;
  }
}

/**
 * Writes the copies of the replicated experts (`scratch.copyData`, `replicated + extras` of them) by
 * weight descending, then physical id. An expert's copies weigh the same and their physical ids
 * grow (original first, then the extra copies in the order they were added), so each expert's
 * copies stay together, and with distinct weights only the experts need ordering: each expert's
 * rank is the count of heavier ones.
 */
function orderCopies(
  numExperts: number,
  extras: number,
  replicated: number,
  offset: number,
  scratch: ReplicateScratch,
): void {
  const { copies, ratioBits, leafItem, extraPlace, extraRank, nextCopy, byRank, copyData } = scratch;
  let ties = 0;
  if (replicated <= COUNTED_MAX_EXPERTS) {
    for (let e = 0; e < replicated; e++) {
      const bits = ratioBits[e];
      let rank = 0;
      for (let other = 0; other < replicated; other++) {
        const otherBits = ratioBits[other];
        rank += (bits - otherBits) >>> 31;
        ties += ((bits ^ otherBits) - 1) >>> 31;
      }
      byRank[rank] = e;
    }
  }
  if (replicated > COUNTED_MAX_EXPERTS || ties > replicated) {
    sortCopies(numExperts, extras, replicated, offset, scratch);
    return;
  }
  for (let rank = 0, start = 0; rank < replicated; rank++) {
    const e = byRank[rank];
    copyData[start] = ratioBits[e];
    copyData[start + 1] = leafItem[e] - offset;
    copyData[start + 2] = leafItem[e];
    copyData[start + 3] = 0;
    nextCopy[e] = start + 4;
    start += 4 * copies[e];
  }
  for (let t = 0; t < extras; t++) {
    const e = extraPlace[t];
    const k = nextCopy[e];
    nextCopy[e] = k + 4;
    copyData[k] = ratioBits[e];
    copyData[k + 1] = numExperts + t;
    copyData[k + 2] = leafItem[e];
    copyData[k + 3] = extraRank[t];
  }
}

/** {@link orderCopies} by a comparison sort: for many replicated experts, or some of equal weight. */
function sortCopies(numExperts: number, extras: number, replicated: number, offset: number, scratch: ReplicateScratch) {
  const { ratioBits, leafItem, extraPlace, extraRank } = scratch;
  const { listedBits, listedId, listedItem, listedRank, listedOrder } = scratch;
  let n = 0;
  for (let e = 0; e < replicated; e++, n++) {
    listedBits[n] = ratioBits[e];
    listedId[n] = leafItem[e] - offset;
    listedItem[n] = leafItem[e];
    listedRank[n] = 0;
  }
  for (let t = 0; t < extras; t++, n++) {
    const e = extraPlace[t];
    listedBits[n] = ratioBits[e];
    listedId[n] = numExperts + t;
    listedItem[n] = leafItem[e];
    listedRank[n] = extraRank[t];
  }
  for (let k = 0; k < n; k++) listedOrder[k] = k;
  listedOrder.subarray(0, n).sort(scratch.compareListed);
  const copyData = scratch.copyData;
  for (let k = 0; k < n; k++) {
    const listed = listedOrder[k];
    copyData[4 * k] = listedBits[listed];
    copyData[4 * k + 1] = listedId[listed];
    copyData[4 * k + 2] = listedItem[listed];
    copyData[4 * k + 3] = listedRank[listed];
  }
}

/** Reusable buffers of {@link packBalanced}, sized for its largest call. */
export class BalancedPackingScratch {
  /** Items by value descending, their values and the slot of each in the packs, in that order. */
  readonly order: Int32Array;
  readonly sortedValues: Float32Array;
  readonly slot: Int32Array;
  readonly sort: SortScratch;
  readonly pack: PackScratch;

  constructor(maxItems: number, maxPacks: number) {
    this.order = new Int32Array(maxItems);
    this.sortedValues = new Float32Array(maxItems);
    this.slot = new Int32Array(maxItems);
    this.sort = new SortScratch(maxItems);
    this.pack = new PackScratch(maxPacks, 1);
  }
}

/**
 * Balanced packing of `values[0..n)` into `numPacks` packs of exactly `n / numPacks` items: visit
 * items by value descending (stable) and put each into the lightest pack that is not full (ties to
 * the lowest pack index). Writes `position[item] = pack * (n / numPacks) + rank`, as
 * {@link packGreedy} does. With one item per pack, item `i` goes to pack `i`, as in the reference.
 */
export function packBalanced(
  values: Float32Array,
  bits: Int32Array,
  n: number,
  numPacks: number,
  position: Int32Array,
  scratch: BalancedPackingScratch,
): void {
  if (n === numPacks) {
    for (let i = 0; i < n; i++) position[i] = i;
    return;
  }
  const { order, sortedValues, slot } = scratch;
  sortDescending(values, bits, n, n, order, scratch.sort);
  for (let k = 0; k < n; k++) sortedValues[k] = values[order[k]];
  packGreedy(sortedValues, 0, 1, n, numPacks, slot, scratch.pack);
  for (let k = 0; k < n; k++) position[order[k]] = slot[k];
}
