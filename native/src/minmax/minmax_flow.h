// The LPLB min-max LP of one redundancy group solved exactly by moving load along edges, on the
// CPU and, as the fallback of its warp-parallel form (minmax_flow_kernel.cu), inside the CUDA
// kernel.
//
// Edge e carries the load w_e of one replicated slot, shared between its original rank from_e
// and its copy's rank to_e. The optimum is the largest density of a set of ranks,
//
//     z* = max over non-empty S of ( f(S) + w(edges with both ends in S) ) / |S|,
//
// because an edge with an end outside S can put all its load there, and by max-flow/min-cut no
// split does better. The method keeps a split and a level that is always the density of an
// explicit set, so a valid lower bound. It starts from the even split and levels each edge's two
// ends. Then, in rounds, load moves from ranks above the level to ranks below it along edges
// that still have load to move. When some rank above the level can reach no rank below it, the
// ranks it reaches are a set whose every outside edge already sits outside, so their density
// exceeds the level: it rises to it (Dinkelbach's step). It ends when no rank is above the level
// by more than the slack: the split's max load and the set's density then certify each other.
// Degenerate optima are no harder than others.
//
// Two forms move the load. solve_by_lists (any group, and device code) settles every rank at
// the level along a spanning forest, then searches from every rank above the level over the
// incidence lists and sends load down the paths found. solve_by_masks (groups of up to 64 ranks
// on the host) holds sets of ranks as 64-bit masks and runs a push-relabel: per round a
// breadth-first search of a few word operations per rank labels every rank with its distance to
// a rank below the level, and load flows down those distances; it executes about a third of the
// instructions of the other form on 64-rank groups.
//
// Header-only and free of allocation so that a GPU thread can run it on shared-memory scratch.
#ifndef LPLB_SRC_MINMAX_MINMAX_FLOW_H
#define LPLB_SRC_MINMAX_MINMAX_FLOW_H

#include <cstdint>

#if defined(__CUDACC__)
#define LPLB_FLOW_HD __host__ __device__
#else
#define LPLB_FLOW_HD
#endif

namespace lplb {
namespace minmax {
namespace flow {

// The group's structure, fixed per shape: edge e goes from rank from[e] to rank to[e]; rank r's
// incident edges (edges with from != to only) are incident[offset[r] .. offset[r + 1]).
struct Structure {
  int32_t n_ranks;
  int32_t n_edges;
  const int32_t* from;
  const int32_t* to;
  const int32_t* offset;    // [n_ranks + 1]
  const int32_t* incident;  // [offset[n_ranks]]
};

// Per-solve scratch, n_ranks or n_edges long as named.
struct Scratch {
  double* kept;     // [n_edges] load of the edge kept on its original rank
  double* load;     // [n_ranks]
  int32_t* parent;  // [n_ranks] edge that reached the rank in the current search
  int32_t* queue;   // [n_ranks]
  int32_t* mark;    // [n_ranks] search stamp
  int32_t* in_set;  // [n_ranks] 1 for the ranks of the set whose density is the level
};

enum class Outcome : int32_t {
  kSettled,        // no rank above level * (1 + slack)
  kStepLimit,      // ran out of steps
  kNumerical,      // a stuck search found no denser set (rounding); the caller falls back
};

// Sweeps of pairwise levelling before solve_by_lists' forest pass: each cuts the paths left to
// find; three did best on random groups of 8 to 64 ranks (by instructions executed, 1 to 6 tried).
constexpr int32_t kLevellingSweeps = 3;

// The slack callers pass, as a fraction of their tolerance on the certified gap: the rest of the
// tolerance absorbs rounding in the certificate recomputed on their data.
constexpr double kSlackOfTolerance = 0.25;

// A limit on search phases far above what groups need (a few to a few tens): reaching it means
// progress has stalled in rounding, and the caller falls back.
LPLB_FLOW_HD inline int32_t max_phases(int32_t n_ranks, int32_t n_edges) { return 16 * (n_ranks + n_edges) + 64; }

struct Result {
  Outcome outcome;
  double level;   // the density of the set in Scratch::in_set
  int32_t steps;  // search phases
};

// Fills `offset`/`incident` for `structure`-sized arrays (offset [n_ranks + 1], incident
// [2 * n_edges]); self-edges are left out.
LPLB_FLOW_HD inline void build_incidence(int32_t n_ranks, int32_t n_edges, const int32_t* from, const int32_t* to,
                                         int32_t* offset, int32_t* incident) {
  for (int32_t r = 0; r <= n_ranks; ++r) offset[r] = 0;
  for (int32_t e = 0; e < n_edges; ++e) {
    if (from[e] == to[e]) continue;
    ++offset[from[e] + 1];
    ++offset[to[e] + 1];
  }
  for (int32_t r = 0; r < n_ranks; ++r) offset[r + 1] += offset[r];
  const int32_t total = offset[n_ranks];
  // Fill from the back so that no second cursor array is needed; edges stay in order per rank.
  for (int32_t e = n_edges - 1; e >= 0; --e) {
    if (from[e] == to[e]) continue;
    incident[--offset[from[e] + 1]] = e;
    incident[--offset[to[e] + 1]] = e;
  }
  // offset[r + 1] now points at rank r's first entry; shift back.
  for (int32_t r = 0; r < n_ranks; ++r) offset[r] = offset[r + 1];
  offset[n_ranks] = total;
}

// Density of the marked set: its fixed loads and the edges with both ends inside, per rank.
// `member[r] == stamp` picks the set (in_set with stamp 1, or the ranks a search marked).
LPLB_FLOW_HD inline double set_density(const Structure& s, const double* fixed, const double* weight,
                                       const int32_t* member, int32_t stamp = 1) {
  double sum = 0;
  int32_t size = 0;
  for (int32_t r = 0; r < s.n_ranks; ++r) {
    if (member[r] != stamp) continue;
    sum += fixed[r];
    ++size;
  }
  for (int32_t e = 0; e < s.n_edges; ++e) {
    if (member[s.from[e]] == stamp && member[s.to[e]] == stamp) sum += weight[e];
  }
  return size > 0 ? sum / size : 0;
}

// A rank short of the level by less than this fraction counts as at the level (rounding).
constexpr double kShortfall = 1e-14;

// The fraction of the level a rank may be short of it and still count as at it: kShortfall, or
// less where n ranks that short could make up for one rank over by the slack (a tolerance near
// 1e-14), so that a stuck search still proves a denser set.
LPLB_FLOW_HD inline double shortfall_fraction(double slack, int32_t n) {
  return kShortfall < 0.5 * slack / n ? kShortfall : 0.5 * slack / n;
}

// The first level: the whole group's density (`total` over n ranks), or the largest fixed load
// when that is larger. Returns the rank with that load, -1 for the group's density.
LPLB_FLOW_HD inline int32_t first_level(const double* fixed, int32_t n, double total, double* level) {
  *level = total / n;
  int32_t single = -1;
  for (int32_t r = 0; r < n; ++r) {
    if (fixed[r] > *level) {
      *level = fixed[r];
      single = r;
    }
  }
  return single;
}

// `value` within [0, weight], exactly weight at the top.
LPLB_FLOW_HD inline double keep_within(double value, double weight) {
  return value < 0 ? 0 : (value > weight ? weight : value);
}

// Moves load along a spanning forest of the edges with load so that every rank but each tree's
// root ends at `level`, as far as the edges allow: in reverse breadth-first order each rank
// settles its subtree's excess or shortfall with its parent. One pass does most of the work of
// a balanced group; nothing it does can break feasibility, so the paths of solve_by_lists finish.
LPLB_FLOW_HD inline void tree_pass(const Structure& s, const double* weight, double level, int32_t stamp,
                                   const Scratch& scratch) {
  const int32_t *from = s.from, *to = s.to, *offset = s.offset, *incident = s.incident;
  double *kept = scratch.kept, *load = scratch.load;
  int32_t *parent = scratch.parent, *queue = scratch.queue, *mark = scratch.mark;
  int32_t tail = 0;
  for (int32_t root = 0; root < s.n_ranks; ++root) {
    if (mark[root] == stamp) continue;
    mark[root] = stamp;
    parent[root] = -1;
    int32_t head = tail;
    queue[tail++] = root;
    while (head < tail) {
      const int32_t q = queue[head++];
      for (int32_t k = offset[q]; k < offset[q + 1]; ++k) {
        const int32_t e = incident[k];
        const int32_t other = from[e] == q ? to[e] : from[e];
        if (!(weight[e] > 0) || mark[other] == stamp) continue;
        mark[other] = stamp;
        parent[other] = e;
        queue[tail++] = other;
      }
    }
  }
  for (int32_t t = tail - 1; t >= 0; --t) {
    const int32_t v = queue[t], e = parent[v];
    if (e < 0) continue;
    // Positive: v sends to its parent. As kept load, the edge moves from[e] -> to[e] by lowering
    // kept[e], down to 0, or the other way, up to weight[e].
    const double excess = load[v] - level;
    const double toward_to = from[e] == v ? excess : -excess;
    const double moved_kept = keep_within(kept[e] - toward_to, weight[e]);
    const double moved = kept[e] - moved_kept;
    kept[e] = moved_kept;
    const double send = from[e] == v ? moved : -moved;
    load[v] -= send;
    load[from[e] == v ? to[e] : from[e]] += send;
  }
}

// solve() by searches over the incidence lists, for groups of any size.
LPLB_FLOW_HD inline Result solve_by_lists(const Structure& s, const double* fixed, const double* weight, double slack,
                                          int32_t max_steps, const Scratch& scratch) {
  const int32_t *from = s.from, *to = s.to, *offset = s.offset, *incident = s.incident;
  double *kept = scratch.kept, *load = scratch.load;
  int32_t *parent = scratch.parent, *queue = scratch.queue, *mark = scratch.mark;
  const int32_t n = s.n_ranks;
  // Start from the even split, the original's fallback: close to balanced on typical loads.
  double total = 0;
  for (int32_t r = 0; r < n; ++r) {
    load[r] = fixed[r];
    total += fixed[r];
    mark[r] = 0;
  }
  for (int32_t e = 0; e < s.n_edges; ++e) {
    const double half = 0.5 * weight[e];
    kept[e] = half;
    load[from[e]] += half;
    load[to[e]] += weight[e] - half;
    total += weight[e];
  }
  // A few sweeps that level each edge's two ends as far as the edge allows: cheap, and they
  // leave the paths below only small remainders to move.
  for (int32_t sweep = 0; sweep < kLevellingSweeps; ++sweep) {
    for (int32_t e = 0; e < s.n_edges; ++e) {
      const int32_t a = from[e], b = to[e];
      const double moved = keep_within(kept[e] - 0.5 * (load[a] - load[b]), weight[e]);
      const double move = kept[e] - moved;
      kept[e] = moved;
      load[a] -= move;
      load[b] += move;
    }
  }
  double level = 0;
  const int32_t single = first_level(fixed, n, total, &level);
  for (int32_t r = 0; r < n; ++r) scratch.in_set[r] = single < 0 || r == single;
  if (single >= 0) level = set_density(s, fixed, weight, scratch.in_set);

  int32_t steps = 0, stamp = 0;
  tree_pass(s, weight, level, ++stamp, scratch);
  // A rank is short of the level only by more than rounding (shortfall_fraction), and a rank is
  // above it when over by more than the slack.
  const double short_fraction = shortfall_fraction(slack, n);
  for (;;) {
    // One phase: a breadth-first search from every rank above the level at once, over edges
    // that can move load away from the searching end; then load goes down the search forest to
    // every rank short of the level, nearest first. Edges that saturate may cut later paths of
    // the phase: the walk up the path sees that, and the next phase searches again.
    ++stamp;
    int32_t head = 0, tail = 0;
    double excess = 0;
    for (int32_t r = 0; r < n; ++r) {
      if (!(load[r] > level * (1 + slack))) continue;
      mark[r] = stamp;
      parent[r] = -1;
      queue[tail++] = r;
      excess += load[r] - level;
    }
    if (tail == 0) break;
    if (++steps > max_steps) return {Outcome::kStepLimit, level, steps};
    const int32_t roots = tail;
    const double floor_level = level * (1 - short_fraction);
    bool short_found = false;
    // The search stops once the ranks found short of the level could take all the excess.
    double shortfall = 0;
    while (head < tail && shortfall < excess) {
      const int32_t q = queue[head++];
      for (int32_t k = offset[q]; k < offset[q + 1]; ++k) {
        const int32_t e = incident[k];
        const bool forward = from[e] == q;
        const int32_t other = forward ? to[e] : from[e];
        const double movable = forward ? kept[e] : weight[e] - kept[e];
        if (!(movable > 0) || mark[other] == stamp) continue;
        mark[other] = stamp;
        parent[other] = e;
        queue[tail++] = other;
        if (load[other] < floor_level) {
          short_found = true;
          shortfall += level - load[other];
        }
      }
    }
    if (short_found) {
      for (int32_t t = roots; t < tail; ++t) {
        const int32_t target = queue[t];
        if (!(load[target] < floor_level)) continue;
        // As much as the root's excess, the shortfall and every edge on the path allow.
        double amount = level - load[target];
        int32_t root = target;
        for (int32_t e; (e = parent[root]) >= 0;) {
          const bool forward = to[e] == root;  // the load moves from[e] -> to[e]
          const double movable = forward ? kept[e] : weight[e] - kept[e];
          if (movable < amount) amount = movable;
          root = forward ? from[e] : to[e];
        }
        if (load[root] - level < amount) amount = load[root] - level;
        if (!(amount > 0)) continue;
        for (int32_t v = target, e; (e = parent[v]) >= 0;) {
          const bool forward = to[e] == v;
          kept[e] = keep_within(forward ? kept[e] - amount : kept[e] + amount, weight[e]);
          v = forward ? from[e] : to[e];
        }
        load[root] -= amount;
        load[target] += amount;
      }
      continue;
    }
    // Stuck: the ranks reached hold all the load of the edges between them and none of the
    // edges leaving them, and are at or above the level, some above: a denser set.
    const double density = set_density(s, fixed, weight, mark, stamp);
    if (!(density > level)) return {Outcome::kNumerical, level, steps};
    for (int32_t r = 0; r < n; ++r) scratch.in_set[r] = mark[r] == stamp;
    level = density;
    tree_pass(s, weight, level, ++stamp, scratch);
  }
  return {Outcome::kSettled, level, steps};
}

// Groups of up to this many ranks run solve_by_masks: a set of ranks is one 64-bit word.
constexpr int32_t kMaskRanks = 64;

LPLB_FLOW_HD inline uint64_t rank_bit(int32_t r) { return uint64_t{1} << r; }

// The lowest rank of a non-empty set.
LPLB_FLOW_HD inline int32_t lowest_rank(uint64_t set) {
#if defined(__CUDA_ARCH__)
  return __ffsll(static_cast<long long>(set)) - 1;
#elif defined(__GNUC__) || defined(__clang__)
  return __builtin_ctzll(set);
#else
  // De Bruijn multiplication of the lowest bit.
  constexpr int8_t kIndex[64] = {0,  1,  48, 2,  57, 49, 28, 3,  61, 58, 50, 42, 38, 29, 17, 4,
                                 62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24, 18, 12, 5,
                                 63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11,
                                 46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9,  13, 8,  7,  6};
  return kIndex[((set & (~set + 1)) * 0x03f79d71b4cb0a89ULL) >> 58];
#endif
}

// set_density of the ranks in the bit set `set`, with `member` [n_ranks] as its scratch.
LPLB_FLOW_HD inline double mask_density(const Structure& s, const double* fixed, const double* weight, uint64_t set,
                                        int32_t* member) {
  for (int32_t r = 0; r < s.n_ranks; ++r) member[r] = static_cast<int32_t>((set >> r) & 1);
  return set_density(s, fixed, weight, member);
}

// True when some edge of v's can still move load from rank u to v.
LPLB_FLOW_HD inline bool can_move(const Structure& s, const double* weight, const double* kept, int32_t u, int32_t v) {
  for (int32_t k = s.offset[v]; k < s.offset[v + 1]; ++k) {
    const int32_t e = s.incident[k];
    if (s.from[e] == u ? kept[e] > 0 : s.to[e] == u && weight[e] - kept[e] > 0) return true;
  }
  return false;
}

// solve() for groups of up to kMaskRanks ranks, as a push-relabel over sets of ranks held as bit
// masks: reach[r] holds the ranks r can still move load to (along some edge), feed[r] the ranks
// that can move load to r; both follow every move (at worst a bit stays set for an edge that
// rounding left unchanged, which only widens a search). Per round:
// - the ranks above the level and those short of it are bit sets, kept up to date push by push;
// - every rank's distance to a rank short of the level, one layer (a bit set) per distance, by
//   a breadth-first search backwards from those ranks: a layer is the union of its predecessor
//   layer's feed sets, so a round's search costs a few operations per rank reached, and it stops
//   once it has reached every rank above the level;
// - when a rank above the level cannot reach one short of it, the ranks it reaches (the union of
//   reach sets to a fixed point) hold all the load of the edges between them and none of the
//   edges leaving them, and are all at or above the level, some above: their density exceeds
//   the level, and it rises to it (as in solve_by_lists);
// - else, from the farthest layer in, every rank above the level pushes its excess along edges
//   to ranks one layer nearer, which pass it on in turn when their own layer comes; what an
//   edge cannot carry waits for the next round's search.
// After the even split it levels each edge's two ends once (more sweeps cost more than they save
// here, by instructions on the benchmark's groups and random groups of 8 to 64 ranks).
// `reach`, `feed` [kMaskRanks] and `layer` [kMaskRanks + 1] are the caller's; scratch.mark holds
// the members of a set whose density is taken, parent and queue are not used.
LPLB_FLOW_HD inline Result solve_by_masks(const Structure& s, const double* fixed, const double* weight, double slack,
                                          int32_t max_steps, const Scratch& scratch, uint64_t* reach, uint64_t* feed,
                                          uint64_t* layer) {
  const int32_t *from = s.from, *to = s.to, *offset = s.offset, *incident = s.incident;
  double *kept = scratch.kept, *load = scratch.load;
  const int32_t n = s.n_ranks;
  // The even split, then one levelling sweep, which also notes which way each edge can move load.
  double total = 0;
  for (int32_t r = 0; r < n; ++r) {
    load[r] = fixed[r];
    total += fixed[r];
    reach[r] = feed[r] = 0;
  }
  for (int32_t e = 0; e < s.n_edges; ++e) {
    const double half = 0.5 * weight[e];
    load[from[e]] += half;
    load[to[e]] += weight[e] - half;
    total += weight[e];
  }
  for (int32_t e = 0; e < s.n_edges; ++e) {
    const int32_t a = from[e], b = to[e];
    const double w = weight[e], half = 0.5 * w;
    const double moved = keep_within(half - 0.5 * (load[a] - load[b]), w);
    const double move = half - moved;
    kept[e] = moved;
    load[a] -= move;
    load[b] += move;
    const uint64_t forward = moved > 0, backward = w - moved > 0;
    reach[a] |= forward << b;
    feed[b] |= forward << a;
    reach[b] |= backward << a;
    feed[a] |= backward << b;
  }
  double level = 0;
  const int32_t single = first_level(fixed, n, total, &level);
  uint64_t set = single >= 0 ? rank_bit(single) : (n == 64 ? ~uint64_t{0} : rank_bit(n) - 1);
  if (single >= 0) level = mask_density(s, fixed, weight, set, scratch.mark);

  int32_t steps = 0;
  Outcome outcome = Outcome::kSettled;
  // As in solve_by_lists.
  const double short_fraction = shortfall_fraction(slack, n);
  double ceiling = 0, floor_level = 0;
  uint64_t above = 0, short_of = 0;
  bool relevel = true;
  for (;;) {
    if (relevel) {
      ceiling = level * (1 + slack);
      floor_level = level * (1 - short_fraction);
      above = short_of = 0;
      for (int32_t r = 0; r < n; ++r) {
        above |= static_cast<uint64_t>(load[r] > ceiling) << r;
        short_of |= static_cast<uint64_t>(load[r] < floor_level) << r;
      }
      relevel = false;
    }
    if (above == 0) break;
    if (++steps > max_steps) {
      outcome = Outcome::kStepLimit;
      break;
    }
    uint64_t reached = short_of, frontier = short_of;
    int32_t depth = 0;
    layer[0] = short_of;
    while (frontier != 0 && (above & ~reached) != 0) {
      uint64_t next = 0;
      for (uint64_t m = frontier; m != 0; m &= m - 1) next |= feed[lowest_rank(m)];
      frontier = next & ~reached;
      reached |= frontier;
      layer[++depth] = frontier;
    }
    const uint64_t stuck = above & ~reached;
    if (stuck != 0) {
      uint64_t closure = stuck, grown = stuck;
      while (grown != 0) {
        uint64_t next = 0;
        for (uint64_t m = grown; m != 0; m &= m - 1) next |= reach[lowest_rank(m)];
        grown = next & ~closure;
        closure |= grown;
      }
      const double density = mask_density(s, fixed, weight, closure, scratch.mark);
      if (!(density > level)) {
        outcome = Outcome::kNumerical;
        break;
      }
      set = closure;
      level = density;
      relevel = true;
      continue;
    }
    for (int32_t d = depth; d >= 1; --d) {
      const uint64_t nearer = layer[d - 1];
      for (uint64_t m = layer[d] & above; m != 0; m &= m - 1) {
        const int32_t u = lowest_rank(m);
        double excess = load[u] - level;
        for (int32_t k = offset[u]; k < offset[u + 1]; ++k) {
          const int32_t e = incident[k];
          const bool forward = from[e] == u;  // the load moves from[e] -> to[e]
          const int32_t v = forward ? to[e] : from[e];
          if (!((nearer >> v) & 1)) continue;
          const double movable = forward ? kept[e] : weight[e] - kept[e];
          if (!(movable > 0)) continue;
          const double amount = movable < excess ? movable : excess;
          kept[e] = keep_within(forward ? kept[e] - amount : kept[e] + amount, weight[e]);
          load[u] -= amount;
          load[v] += amount;
          excess -= amount;
          reach[v] |= rank_bit(u);
          feed[u] |= rank_bit(v);
          if (!((forward ? kept[e] : weight[e] - kept[e]) > 0) && !can_move(s, weight, kept, u, v)) {
            reach[u] &= ~rank_bit(v);
            feed[v] &= ~rank_bit(u);
          }
          above |= static_cast<uint64_t>(load[v] > ceiling) << v;
          short_of &= ~(static_cast<uint64_t>(!(load[v] < floor_level)) << v);
          if (!(excess > 0)) break;
        }
        above &= ~(static_cast<uint64_t>(!(load[u] > ceiling)) << u);
      }
    }
  }
  for (int32_t r = 0; r < n; ++r) scratch.in_set[r] = static_cast<int32_t>((set >> r) & 1);
  return {outcome, level, steps};
}

// Solves the group with fixed loads `fixed` [n_ranks] and edge loads `weight` [n_edges] (finite,
// >= 0; any scale). On return scratch.kept holds the split and scratch.in_set the certifying set.
// `slack` is the relative excess over the level accepted at the end. On the host, groups of up
// to kMaskRanks ranks take solve_by_masks; larger ones, and every group in device code (where
// the masks' kilobyte and a half of stack would be the kernel's), solve_by_lists.
LPLB_FLOW_HD inline Result solve(const Structure& s, const double* fixed, const double* weight, double slack,
                                 int32_t max_steps, const Scratch& scratch) {
#if !defined(__CUDA_ARCH__)
  if (s.n_ranks <= kMaskRanks) {
    uint64_t reach[kMaskRanks], feed[kMaskRanks], layer[kMaskRanks + 1];
    return solve_by_masks(s, fixed, weight, slack, max_steps, scratch, reach, feed, layer);
  }
#endif
  return solve_by_lists(s, fixed, weight, slack, max_steps, scratch);
}

}  // namespace flow
}  // namespace minmax
}  // namespace lplb

#endif  // LPLB_SRC_MINMAX_MINMAX_FLOW_H
