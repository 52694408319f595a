// The exact method of native/src/minmax/minmax_flow.h on the GPU: one block of one warp per
// group, the warp's lanes as the group's ranks.
//
// The CPU method walks augmenting paths one rank at a time; on a GPU lane every such step waits
// on shared memory, so here the same certificate is reached by a synchronous push-relabel with
// Dinkelbach rises, where each round is a handful of warp-wide steps:
// - two levelling sweeps over the edges, one colour class (a matching: no rank twice) per
//   step, so the lanes of a class level their edges' two ends side by side;
// - per round, the ranks above the level (excess) and below it (shortfall) as ballots, each
//   rank's residual neighbours as a 32-bit mask, and every rank's distance to a rank short of
//   the level by a breadth-first search over those masks (one ballot per layer), until every
//   rank above the level has its distance;
// - when a rank above the level cannot reach a rank short of it, the ranks it reaches form a
//   set whose every outside edge already sits outside, so their density exceeds the level: it
//   rises to that density, as in the CPU method;
// - otherwise every rank above the level pushes its excess to neighbours one step nearer a
//   rank short of the level. An edge is pushed on by at most one of its ends per round (the one
//   farther from a shortfall), so the lanes never write the same edge.
// It ends when no rank is above the level by more than the slack, with the level the density
// of an explicit set, exactly as the CPU method. In the rare case that rounding stalls it (a
// round limit, or a rise that does not rise), lane 0 runs the CPU method itself on the group.
// Either way the warp then recomputes the split's largest rank load in float64 from the keep
// fractions it returns and certifies it against the level. Blocks are independent, so the
// groups of a step run side by side on the SMs.
//
// A lane's code is latency-bound (one warp per SM issues an instruction every several cycles,
// and every dependent shared-memory load costs tens), so the hot loops keep a lane's edges in
// registers and are written without branches: the loads of a loop are issued together and only
// arithmetic waits. Groups whose ranks' edges fit in a few lanes each (the cube: 8 ranks of 4
// edges) go further: minmax_flow_small_kernel gives each edge end its own lane, so a round has
// no per-edge loop at all.
#include <cstdint>

#include "minmax/minmax_flow.h"
#include "minmax_kernel.cuh"
#include "warp_reduce.cuh"

namespace lplb {
namespace cuda {
namespace {

namespace flow = lplb::minmax::flow;

constexpr int kNoLabel = 1 << 30;

// Levelling sweeps before the rounds: two did best on the cube benchmark (0 to 3 measured).
constexpr int kSweeps = 2;

// A lane's first incident edges and its first sweep steps are held in registers: 4 edges when
// no rank has more (the cube, tori and rings of D <= 2), else 8 (up to 4 slots); any further
// ones are read from shared memory. Every cached edge costs instructions in each round, used or
// not, so the kernel is instantiated for both.
constexpr int kCachedEdgesFew = 4;
constexpr int kCachedEdgesMany = 8;
constexpr int kCachedColours = 8;

// Rounds either warp solver takes before it stops with the step limit (the list form falls back).
__device__ inline int round_limit(int n_ranks, int slots) { return 2 * (n_ranks + n_ranks * slots) + 32; }

// Shared memory of one group: the structure and the methods' scratch. Sized for the largest
// group the kernels take; a block uses what its group needs.
struct FlowShared {
  double weight[kMinMaxMaxEdges];
  double fixed[kMinMaxMaxRanks];
  double kept[kMinMaxMaxEdges];
  double load[kMinMaxMaxRanks];
  int32_t from[kMinMaxMaxEdges];
  int32_t to[kMinMaxMaxEdges];
  int32_t offset[kMinMaxMaxRanks + 1];
  int32_t incident[2 * kMinMaxMaxEdges];
  int32_t colour_offset[kMinMaxMaxEdges + 1];
  int32_t colour_edge[kMinMaxMaxEdges];
  int32_t label[kMinMaxMaxRanks];
  // The CPU method's scratch, for the fallback.
  int32_t parent[kMinMaxMaxRanks];
  int32_t queue[kMinMaxMaxRanks];
  int32_t mark[kMinMaxMaxRanks];
  int32_t in_set[kMinMaxMaxRanks];
};

// A rank's edges: the first Cached in registers (slots past `degree` are inert: edge 0,
// weight 0, the rank itself as the other end), the rest at incident[begin + Cached ..).
template <int Cached>
struct LaneEdges {
  int begin, degree;
  int edge[Cached];
  int other[Cached];
  bool forward[Cached];  // the rank holds the edge's original (from) end
  double weight[Cached];
  double mine[Cached];   // the edge's load on the rank: what it can still move away
  double own;            // the rank's own load: fixed load and self-edges
};

template <int Cached>
__device__ inline void cache_edges(const FlowShared& sh, int r, LaneEdges<Cached>* lane) {
  lane->begin = sh.offset[r];
  lane->degree = sh.offset[r + 1] - lane->begin;
#pragma unroll
  for (int k = 0; k < Cached; ++k) {
    const bool valid = k < lane->degree;
    const int e = valid ? sh.incident[lane->begin + k] : 0;
    const int a = sh.from[e], b = sh.to[e];
    lane->edge[k] = e;
    lane->forward[k] = a == r;
    lane->other[k] = valid ? (a == r ? b : a) : r;
    lane->weight[k] = valid ? sh.weight[e] : 0.0;
    lane->mine[k] = 0;
  }
}

// Rank r's load given its own load `own` (fixed load and self-edges), and in `neighbours` the
// ranks its edges can still move load to; refreshes the cached edges' `mine`.
template <int Cached>
__device__ inline double load_and_neighbours(const FlowShared& sh, int r, double own, LaneEdges<Cached>* lane,
                                             uint32_t* neighbours) {
  double kept[Cached];
#pragma unroll
  for (int k = 0; k < Cached; ++k) kept[k] = sh.kept[lane->edge[k]];
  double load = own;
  uint32_t reach = 0;
#pragma unroll
  for (int k = 0; k < Cached; ++k) {
    const double mine = k < lane->degree ? (lane->forward[k] ? kept[k] : lane->weight[k] - kept[k]) : 0.0;
    lane->mine[k] = mine;
    load += mine;
    reach |= mine > 0 ? 1u << lane->other[k] : 0u;
  }
  for (int k = lane->begin + Cached; k < lane->begin + lane->degree; ++k) {
    const int e = sh.incident[k];
    const bool forward = sh.from[e] == r;
    const double mine = forward ? sh.kept[e] : sh.weight[e] - sh.kept[e];
    load += mine;
    if (mine > 0) reach |= 1u << (forward ? sh.to[e] : sh.from[e]);
  }
  *neighbours = reach;
  return load;
}

// Moves up to `excess` of rank r's load along its edges to neighbours labelled `target` (the
// end of each such edge nearer a shortfall); no other lane writes those edges this round. Loads
// are finite here, so plain comparisons stand in for fmin, whose NaN rules cost a dozen
// instructions per edge.
template <int Cached>
__device__ inline void push_excess(FlowShared& sh, int r, const LaneEdges<Cached>& lane, int target, double excess) {
  int label[Cached];
#pragma unroll
  for (int k = 0; k < Cached; ++k) label[k] = sh.label[lane.other[k]];
  double remaining = excess;
#pragma unroll
  for (int k = 0; k < Cached; ++k) {
    const double mine = lane.mine[k];
    const bool eligible = k < lane.degree && label[k] == target && mine > 0;
    const double amount = eligible ? (mine < remaining ? mine : remaining) : 0.0;
    remaining -= amount;
    if (amount > 0) {
      const double w = lane.weight[k], kept = lane.forward[k] ? mine : w - mine;
      sh.kept[lane.edge[k]] = flow::keep_within(lane.forward[k] ? kept - amount : kept + amount, w);
    }
  }
  for (int k = lane.begin + Cached; k < lane.begin + lane.degree && remaining > 0; ++k) {
    const int e = sh.incident[k];
    const bool forward = sh.from[e] == r;
    if (sh.label[forward ? sh.to[e] : sh.from[e]] != target) continue;
    const double movable = forward ? sh.kept[e] : sh.weight[e] - sh.kept[e];
    if (!(movable > 0)) continue;
    const double amount = movable < remaining ? movable : remaining;
    sh.kept[e] = flow::keep_within(forward ? sh.kept[e] - amount : sh.kept[e] + amount, sh.weight[e]);
    remaining -= amount;
  }
}

// One levelling step on edge e (from a to b): its two ends as level as the edge allows.
__device__ inline void level_edge(FlowShared& sh, int a, int b, double weight, double* kept) {
  const double load_a = sh.load[a], load_b = sh.load[b];
  const double moved = flow::keep_within(*kept - 0.5 * (load_a - load_b), weight);
  const double move = *kept - moved;
  *kept = moved;
  sh.load[a] = load_a - move;
  sh.load[b] = load_b + move;
}

// The sweeps. Every edge is in one class and so on one lane, which holds its kept load in a
// register across the sweeps when the classes are few enough.
__device__ void levelling_sweeps(FlowShared& sh, const DeviceMinMaxShape& shape, int lane) {
  const int colours = shape.n_colours;
  if (colours <= kCachedColours) {
    int edge[kCachedColours], a[kCachedColours], b[kCachedColours];
    double weight[kCachedColours], kept[kCachedColours];
#pragma unroll
    for (int c = 0; c < kCachedColours; ++c) {
      const int k = c < colours ? sh.colour_offset[c] + lane : 0;
      const bool valid = c < colours && k < sh.colour_offset[c + 1];
      edge[c] = valid ? sh.colour_edge[k] : -1;
      const int e = valid ? edge[c] : 0;
      a[c] = sh.from[e];
      b[c] = sh.to[e];
      weight[c] = sh.weight[e];
      kept[c] = sh.kept[e];
    }
    for (int sweep = 0; sweep < kSweeps; ++sweep) {
#pragma unroll
      for (int c = 0; c < kCachedColours; ++c) {
        if (c >= colours) break;
        if (edge[c] >= 0) level_edge(sh, a[c], b[c], weight[c], &kept[c]);
        __syncwarp();
      }
    }
#pragma unroll
    for (int c = 0; c < kCachedColours; ++c)
      if (edge[c] >= 0) sh.kept[edge[c]] = kept[c];
    return;
  }
  for (int sweep = 0; sweep < kSweeps; ++sweep) {
    for (int c = 0; c < colours; ++c) {
      const int k = sh.colour_offset[c] + lane;
      if (k < sh.colour_offset[c + 1]) {
        const int e = sh.colour_edge[k];
        level_edge(sh, sh.from[e], sh.to[e], sh.weight[e], &sh.kept[e]);
      }
      __syncwarp();
    }
  }
}

// The density of the ranks in `set` (all lanes get it): their own loads and the edges with both
// ends in the set, per rank; `own` is the lane's rank's own load.
__device__ inline double set_density(const FlowShared& sh, uint32_t set, double own, int slots, int lane) {
  double part = 0;
  if ((set >> lane) & 1) {
    part = own;
    for (int d = 0; d < slots; ++d) {
      const int e = lane * slots + d, other = sh.to[e];
      if (other != lane && ((set >> other) & 1)) part += sh.weight[e];
    }
  }
  return warp_sum(part) / __popc(set);
}

struct WarpOutcome {
  flow::Outcome outcome;
  double level;
  int32_t rounds;
};

// The synchronous push-relabel of the file comment; all lanes return the same outcome.
// `edges` receives the lane's cached edges (lanes of a rank), which the certificate reuses.
template <int Cached>
__device__ WarpOutcome solve_by_rounds(FlowShared& sh, const DeviceMinMaxShape& shape, const MinMaxKernelOptions& options,
                                       int lane, LaneEdges<Cached>& edges) {
  const int n = shape.n_ranks, slots = shape.n_slots;
  const bool active = lane < n;
  const double slack = flow::kSlackOfTolerance * options.tolerance;
  // A rank's own load: its fixed load and its slots whose copy stays on it.
  double own = 0, total = 0;
  uint32_t neighbours = 0;
  double load = 0;
  if (active) {
    own = sh.fixed[lane];
    total = own;
    for (int d = 0; d < slots; ++d) {
      const int e = lane * slots + d;
      total += sh.weight[e];
      if (sh.to[e] == lane) own += sh.weight[e];
    }
    edges.own = own;
    cache_edges(sh, lane, &edges);
    sh.load[lane] = load_and_neighbours(sh, lane, own, &edges, &neighbours);
  }
  __syncwarp();
  levelling_sweeps(sh, shape, lane);
  __syncwarp();
  if (active) load = load_and_neighbours(sh, lane, own, &edges, &neighbours);
  // The first level: the whole group's density, or a single rank's when that is larger.
  double level = warp_sum(total) / n;
  const double heaviest_own = warp_max(own);
  if (heaviest_own > level) level = heaviest_own;
  const double short_fraction = flow::shortfall_fraction(slack, n);
  // The thresholds of "above" and "short of" the level, which changes only when it rises.
  double high = level * (1 + slack), low = level * (1 - short_fraction);
  const int max_rounds = round_limit(n, slots);
  int rounds = 0;
  for (;;) {
    const uint32_t above = __ballot_sync(kFull, active && load > high);
    if (above == 0) return {flow::Outcome::kSettled, level, rounds};
    if (++rounds > max_rounds) return {flow::Outcome::kStepLimit, level, rounds};
    const uint32_t short_of = __ballot_sync(kFull, active && load < low);
    // Distance to the nearest rank short of the level, along edges that can move load.
    int label = (short_of >> lane) & 1 ? 0 : kNoLabel;
    uint32_t reached = short_of, frontier = short_of;
    // Only the ranks above the level push, so the search stops once it has reached them all.
    for (int distance = 1; frontier != 0 && (above & ~reached) != 0; ++distance) {
      const bool joins = active && !((reached >> lane) & 1) && (neighbours & frontier) != 0;
      if (joins) label = distance;
      frontier = __ballot_sync(kFull, joins);
      reached |= frontier;
    }
    const uint32_t stuck = above & ~reached;
    if (stuck != 0) {
      // The ranks the stuck ones reach: a closed set, at or above the level, some above.
      uint32_t set = stuck, grown = stuck;
      while (grown != 0) {
        grown = __reduce_or_sync(kFull, (grown >> lane) & 1 ? neighbours : 0u) & ~set;
        set |= grown;
      }
      const double density = set_density(sh, set, own, slots, lane);
      if (!(density > level)) return {flow::Outcome::kNumerical, level, rounds};
      level = density;
      high = level * (1 + slack);
      low = level * (1 - short_fraction);
      continue;
    }
    if (active) sh.label[lane] = label;
    __syncwarp();
    if ((above >> lane) & 1) push_excess(sh, lane, edges, label - 1, load - level);
    __syncwarp();
    if (active) load = load_and_neighbours(sh, lane, own, &edges, &neighbours);
  }
}

// Copies one group into shared memory. Every global load is issued before the first store to
// shared memory: the loads are independent, and interleaved with the stores they would wait
// one after another.
__device__ void load_group(FlowShared& sh, const DeviceMinMaxShape& shape, const double* fixed, const double* weight,
                           int lane) {
  const int ranks = shape.n_ranks, slots = shape.n_slots, edges = ranks * slots;
  constexpr int kEdgeLoads = kMinMaxMaxEdges / 32, kIncidenceLoads = 2 * kMinMaxMaxEdges / 32;
  double staged_weight[kEdgeLoads];
  int32_t staged_to[kEdgeLoads], staged_from[kEdgeLoads], staged_colour_edge[kEdgeLoads], staged_colour_offset[kEdgeLoads + 1];
  int32_t staged_incident[kIncidenceLoads], staged_offset[2];
#pragma unroll
  for (int i = 0; i < kEdgeLoads; ++i) {
    const int k = lane + 32 * i;
    staged_weight[i] = k < edges ? __ldg(weight + k) : 0;
    staged_to[i] = k < edges ? __ldg(shape.replica_rank + k) : 0;
    staged_from[i] = k < edges ? __ldg(shape.edge_from + k) : 0;
    staged_colour_edge[i] = k < shape.n_coloured ? __ldg(shape.colour_edge + k) : 0;
  }
#pragma unroll
  for (int i = 0; i <= kEdgeLoads; ++i) {
    const int k = lane + 32 * i;
    staged_colour_offset[i] = k <= shape.n_colours ? __ldg(shape.colour_offset + k) : 0;
  }
#pragma unroll
  for (int i = 0; i < kIncidenceLoads; ++i) {
    const int k = lane + 32 * i;
    staged_incident[i] = k < shape.n_incidences ? __ldg(shape.flow_incident + k) : 0;
  }
#pragma unroll
  for (int i = 0; i < 2; ++i) staged_offset[i] = lane + 32 * i <= ranks ? __ldg(shape.flow_offset + lane + 32 * i) : 0;
  const double staged_fixed = lane < ranks ? __ldg(fixed + lane) : 0;
#pragma unroll
  for (int i = 0; i < kEdgeLoads; ++i) {
    const int e = lane + 32 * i;
    if (e < edges) {
      sh.weight[e] = staged_weight[i];
      sh.kept[e] = 0.5 * staged_weight[i];  // the even split, the original's fallback
      sh.from[e] = staged_from[i];
      sh.to[e] = staged_to[i];
    }
    if (e < shape.n_coloured) sh.colour_edge[e] = staged_colour_edge[i];
  }
#pragma unroll
  for (int i = 0; i <= kEdgeLoads; ++i)
    if (lane + 32 * i <= shape.n_colours) sh.colour_offset[lane + 32 * i] = staged_colour_offset[i];
#pragma unroll
  for (int i = 0; i < kIncidenceLoads; ++i)
    if (lane + 32 * i < shape.n_incidences) sh.incident[lane + 32 * i] = staged_incident[i];
#pragma unroll
  for (int i = 0; i < 2; ++i)
    if (lane + 32 * i <= ranks) sh.offset[lane + 32 * i] = staged_offset[i];
  if (lane < ranks) sh.fixed[lane] = staged_fixed;
}

// Small groups (every rank's edges fit in S lanes, n * S <= 32): lane r * S + k holds rank r's
// k-th incident edge, so the per-edge loops of solve_by_rounds become one step on every lane,
// and a rank's sums and prefix sums are shuffles within its S lanes. The rounds follow
// solve_by_rounds: the same ballots (a rank's bit set on all its lanes), the same search, pushes
// in the same edge order. A rank's load and the level's sums add the same terms in another order,
// so their rounding, and now and then a round, can differ; the certificate is the same. The
// kernel is latency-bound, one instruction every few cycles, so fewer instructions per round is
// what makes it faster.
struct SmallLane {
  bool valid;    // holds an edge of its rank
  bool forward;  // the rank holds the edge's original (from) end
  int edge, other;
  double weight;
  double own_part;  // the lane's share of its rank's own load (fixed load and self-edges)
};

// Every bit of a rank's S lanes set where any was: the lowest bit of each segment gathers the
// segment's bits, and a multiplication copies it over the segment (segments never carry).
template <int S>
__device__ inline uint32_t whole_ranks(uint32_t lanes) {
  constexpr uint32_t kLowest = 0xffffffffu / ((1u << S) - 1u);
  uint32_t low = lanes;
#pragma unroll
  for (int offset = 1; offset < S; offset <<= 1) low |= low >> offset;
  return (low & kLowest) * ((1u << S) - 1u);
}

template <int S>
__device__ inline double segment_sum(double value) {
#pragma unroll
  for (int offset = 1; offset < S; offset <<= 1) value += __shfl_xor_sync(kFull, value, offset);
  return value;
}

// `start` less the values of the lanes before this one in its rank's segment, subtracted nearest
// the segment's start first: the same operations, in the same order, as the rank-per-lane
// kernel's `remaining -= amount` over a rank's edges. Each earlier lane's value comes by its own
// shuffle, all independent (no value is recovered by a subtraction, which could lose it).
template <int S>
__device__ inline double minus_earlier_lanes(double start, double value, int k) {
  double earlier[S];
#pragma unroll
  for (int d = 1; d < S; ++d) earlier[d] = __shfl_up_sync(kFull, value, d, S);
  double left = start;
#pragma unroll
  for (int d = S - 1; d >= 1; --d)
    if (k >= d) left -= earlier[d];
  return left;
}

// The sum and the largest over ranks of a value that every lane of a rank holds: only the
// shuffles across segments, S lanes apart and more.
template <int S>
__device__ inline double rank_sum(double value) {
#pragma unroll
  for (int offset = S; offset < 32; offset <<= 1) value += __shfl_xor_sync(kFull, value, offset);
  return value;
}

template <int S>
__device__ inline double rank_max(double value) {
#pragma unroll
  for (int offset = S; offset < 32; offset <<= 1) value = fmax(value, __shfl_xor_sync(kFull, value, offset));
  return value;
}

template <int S>
__device__ WarpOutcome solve_small(FlowShared& sh, const DeviceMinMaxShape& shape, const MinMaxKernelOptions& options,
                                   int lane, SmallLane* me) {
  const int n = shape.n_ranks, slots = shape.n_slots;
  const int r = lane / S, k = lane % S;
  const bool member = r < n;
  const double slack = flow::kSlackOfTolerance * options.tolerance;
  // A rank's own load (fixed load and self-edges) and its total, its slots spread over its lanes.
  double own_part = 0, total_part = 0;
  if (member) {
    if (k == 0) own_part = total_part = sh.fixed[r];
    for (int d = k; d < slots; d += S) {
      const int e = r * slots + d;
      const double w = sh.weight[e];
      total_part += w;
      if (sh.to[e] == r) own_part += w;
    }
  }
  const double own = segment_sum<S>(own_part), total = segment_sum<S>(total_part);
  me->own_part = own_part;
  const int begin = member ? sh.offset[r] : 0;
  me->valid = member && k < sh.offset[r + 1] - begin;
  me->edge = me->valid ? sh.incident[begin + k] : 0;
  const int a = sh.from[me->edge], b = sh.to[me->edge];
  me->forward = a == r;
  me->other = me->valid ? (a == r ? b : a) : r;
  me->weight = me->valid ? sh.weight[me->edge] : 0.0;
  const int other_lane = me->other * S;
  const bool forward = me->forward, valid = me->valid;
  const double weight = me->weight;
  const int edge = me->edge;
  // The edge's load on this lane's rank: what the rank can still move away along it.
  auto mine_of = [&](double kept) { return valid ? (forward ? kept : weight - kept) : 0.0; };
  double kept = sh.kept[edge];
  double mine = mine_of(kept);
  double load = own + segment_sum<S>(mine);
  if (member && k == 0) sh.load[r] = load;
  __syncwarp();
  levelling_sweeps(sh, shape, lane);
  __syncwarp();
  kept = sh.kept[edge];
  mine = mine_of(kept);
  load = own + segment_sum<S>(mine);
  double level = rank_sum<S>(member ? total : 0.0) / n;
  const double heaviest_own = rank_max<S>(member ? own : 0.0);
  if (heaviest_own > level) level = heaviest_own;
  const double short_fraction = flow::shortfall_fraction(slack, n);
  // The thresholds of "above" and "short of" the level, which changes only when it rises.
  double high = level * (1 + slack), low = level * (1 - short_fraction);
  const int max_rounds = round_limit(n, slots);
  int rounds = 0;
  for (;;) {
    const uint32_t above = __ballot_sync(kFull, member && load > high);
    if (above == 0) return {flow::Outcome::kSettled, level, rounds};
    if (++rounds > max_rounds) return {flow::Outcome::kStepLimit, level, rounds};
    const uint32_t short_of = __ballot_sync(kFull, member && load < low);
    const bool residual = mine > 0;
    // Distance to the nearest rank short of the level, along edges that can move load.
    int label = (short_of >> lane) & 1 ? 0 : kNoLabel;
    uint32_t reached = short_of, frontier = short_of;
    // Only the ranks above the level push, so the search stops once it has reached them all.
    for (int distance = 1; frontier != 0 && (above & ~reached) != 0; ++distance) {
      const bool joins = residual && !((reached >> lane) & 1) && ((frontier >> other_lane) & 1);
      frontier = whole_ranks<S>(__ballot_sync(kFull, joins));
      if ((frontier >> lane) & 1) label = distance;
      reached |= frontier;
    }
    const uint32_t stuck = above & ~reached;
    if (stuck != 0) {
      // The ranks the stuck ones reach: a closed set, at or above the level, some above.
      uint32_t set = stuck, grown = stuck;
      while (grown != 0) {
        const uint32_t leads = __reduce_or_sync(kFull, residual && ((grown >> lane) & 1) ? 1u << other_lane : 0u);
        grown = whole_ranks<S>(leads) & ~set;
        set |= grown;
      }
      // Its density: each rank's own load once, each edge inside the set at its original end.
      double part = 0;
      if ((set >> lane) & 1) {
        if (k == 0) part = own;
        if (valid && forward && ((set >> other_lane) & 1)) part += weight;
      }
      const double density = warp_sum(part) / (__popc(set) / S);
      if (!(density > level)) return {flow::Outcome::kNumerical, level, rounds};
      level = density;
      high = level * (1 + slack);
      low = level * (1 - short_fraction);
      continue;
    }
    // A rank above the level moves its excess along its edges to ranks one step nearer a
    // shortfall, in edge order: each lane takes what the lanes before it in the rank left. (At
    // most one end of an edge pushes on it. Handing the new kept load to the other end by a
    // shuffle instead of shared memory measured slower: a float64 shuffle is two.)
    const int other_label = __shfl_sync(kFull, label, other_lane);
    const bool pushes = ((above >> lane) & 1) && residual && other_label == label - 1;
    const double movable = pushes ? mine : 0.0;
    const double left = minus_earlier_lanes<S>(load - level, movable, k);
    const double amount = left < movable ? left : movable;
    if (pushes && amount > 0) sh.kept[edge] = flow::keep_within(forward ? kept - amount : kept + amount, weight);
    __syncwarp();
    kept = sh.kept[edge];
    mine = mine_of(kept);
    load = own + segment_sum<S>(mine);
  }
}

// Rounding stalled the rounds: the CPU method from the start, on lane 0, for the whole warp.
__device__ WarpOutcome solve_serially(FlowShared& sh, const DeviceMinMaxShape& shape,
                                      const MinMaxKernelOptions& options, int lane, const WarpOutcome& stalled) {
  __shared__ double level;
  __shared__ int32_t steps;
  __shared__ flow::Outcome outcome;
  if (lane == 0) {
    const int ranks = shape.n_ranks, edges = ranks * shape.n_slots;
    const flow::Structure structure{ranks, edges, sh.from, sh.to, sh.offset, sh.incident};
    const flow::Scratch scratch{sh.kept, sh.load, sh.parent, sh.queue, sh.mark, sh.in_set};
    const flow::Result serial = flow::solve(structure, sh.fixed, sh.weight, flow::kSlackOfTolerance * options.tolerance,
                                            options.flow_max_steps, scratch);
    level = serial.level;
    steps = serial.steps;
    outcome = serial.outcome;
  }
  __syncwarp();
  return {outcome, level, stalled.rounds + steps};
}

// Loads group `group` into shared memory and solves it by `rounds` (one of the warp methods,
// which leaves its split in sh.kept); when rounding stalls them, by the CPU method on lane 0.
template <typename Rounds>
__device__ inline WarpOutcome solve_group(FlowShared& sh, const DeviceMinMaxShape& shape,
                                          const MinMaxKernelOptions& options, const lplb_minmax_batch& groups,
                                          int group, int lane, Rounds rounds) {
  const int ranks = shape.n_ranks, edges = ranks * shape.n_slots;
  load_group(sh, shape, groups.fixed_load + static_cast<size_t>(group) * ranks,
             groups.slot_load + static_cast<size_t>(group) * edges, lane);
  __syncwarp();
  const WarpOutcome result = rounds();
  __syncwarp();
  return result.outcome == flow::Outcome::kSettled ? result : solve_serially(sh, shape, options, lane, result);
}

// The split's keep fraction of slot e, written to the output and, for the loads after it, over
// the kept load in shared memory.
__device__ inline void write_keep(FlowShared& sh, double* keep, int e) {
  const double w = sh.weight[e];
  const double p = w > 0 ? fmin(1.0, fmax(0.0, sh.kept[e] / w)) : 0.5;
  keep[e] = p;
  sh.kept[e] = p;
}

// Lane 0 reports the group: certified optimal when the largest rank load of the returned split
// (float64, from the caller's data) is within the tolerance of the level, a set's density.
__device__ inline void write_outcome(const lplb_minmax_solution& out, int group, const WarpOutcome& result,
                                     double heaviest, const MinMaxKernelOptions& options) {
  const double lower = result.level > 0 ? result.level : 0;
  const bool certified = heaviest - lower <= options.tolerance * heaviest;
  out.status[group] = certified                                         ? LPLB_STATUS_OPTIMAL
                      : result.outcome == flow::Outcome::kStepLimit ? LPLB_STATUS_ITERATION_LIMIT
                                                                    : LPLB_STATUS_NUMERICAL_ERROR;
  if (out.max_load) out.max_load[group] = heaviest;
  if (out.lower_bound) out.lower_bound[group] = lower;
  if (out.gap) out.gap[group] = heaviest > 0 ? fmax(0.0, heaviest - lower) / heaviest : 0.0;
  if (out.iterations) out.iterations[group] = result.rounds;
}

template <int Cached>
__global__ void __launch_bounds__(32, 1) minmax_flow_kernel(DeviceMinMaxShape shape, MinMaxKernelOptions options,
                                                         lplb_minmax_batch groups, lplb_minmax_solution out) {
  __shared__ FlowShared sh;
  const int lane = threadIdx.x, group = blockIdx.x;
  const int ranks = shape.n_ranks, slots = shape.n_slots, edges = ranks * slots;
  LaneEdges<Cached> lane_edges;
  const WarpOutcome result = solve_group(sh, shape, options, groups, group, lane,
                                         [&] { return solve_by_rounds(sh, shape, options, lane, lane_edges); });
  // The split as keep fractions, written by each slot's original rank, then the rank loads
  // they give on the caller's data, in float64.
  double* keep = out.keep + static_cast<size_t>(group) * edges;
  const bool active = lane < ranks;
  if (active)
    for (int d = 0; d < slots; ++d) write_keep(sh, keep, lane * slots + d);
  __syncwarp();
  double heaviest = 0;
  if (active) {
    double load = lane_edges.own;  // a self-edge's both parts stay
    double fraction[Cached];
#pragma unroll
    for (int k = 0; k < Cached; ++k) fraction[k] = sh.kept[lane_edges.edge[k]];
#pragma unroll
    for (int k = 0; k < Cached; ++k)
      load += lane_edges.weight[k] * (lane_edges.forward[k] ? fraction[k] : 1 - fraction[k]);
    for (int k = lane_edges.begin + Cached; k < lane_edges.begin + lane_edges.degree; ++k) {
      const int e = sh.incident[k];
      load += sh.weight[e] * (sh.from[e] == lane ? sh.kept[e] : 1 - sh.kept[e]);
    }
    heaviest = load;
  }
  heaviest = warp_max(heaviest);
  if (lane == 0) write_outcome(out, group, result, heaviest, options);
}

template <int S>
__global__ void __launch_bounds__(32, 1) minmax_flow_small_kernel(DeviceMinMaxShape shape, MinMaxKernelOptions options,
                                                               lplb_minmax_batch groups, lplb_minmax_solution out) {
  __shared__ FlowShared sh;
  const int lane = threadIdx.x, group = blockIdx.x;
  const int ranks = shape.n_ranks, slots = shape.n_slots, edges = ranks * slots;
  SmallLane me;
  const WarpOutcome result = solve_group(sh, shape, options, groups, group, lane,
                                         [&] { return solve_small<S>(sh, shape, options, lane, &me); });
  const int r = lane / S, k = lane % S;
  const bool member = r < ranks;
  double* keep = out.keep + static_cast<size_t>(group) * edges;
  if (member)
    for (int d = k; d < slots; d += S) write_keep(sh, keep, r * slots + d);
  __syncwarp();
  double part = 0;
  if (member) {
    part = me.own_part;  // a self-edge's both parts stay
    if (me.valid) {
      const double fraction = sh.kept[me.edge];
      part += me.weight * (me.forward ? fraction : 1 - fraction);
    }
  }
  const double heaviest = rank_max<S>(segment_sum<S>(part));
  if (lane == 0) write_outcome(out, group, result, heaviest, options);
}

}  // namespace

cudaError_t launch_minmax_flow(const DeviceMinMaxShape& shape, const MinMaxKernelOptions& options,
                               const lplb_minmax_batch& groups, const lplb_minmax_solution& out, cudaStream_t stream) {
  if (groups.batch <= 0) return cudaSuccess;
  // Lanes per rank for the small-group kernel: the least power of two (2 at least) that holds
  // every rank's edges, when the group then fits in a warp.
  int lanes_per_rank = 2;
  while (lanes_per_rank < shape.max_degree) lanes_per_rank <<= 1;
  const bool small = shape.n_ranks * lanes_per_rank <= 32;
  if (small && lanes_per_rank == 2) {
    minmax_flow_small_kernel<2><<<groups.batch, 32, 0, stream>>>(shape, options, groups, out);
  } else if (small && lanes_per_rank == 4) {
    minmax_flow_small_kernel<4><<<groups.batch, 32, 0, stream>>>(shape, options, groups, out);
  } else if (small && lanes_per_rank == 8) {
    minmax_flow_small_kernel<8><<<groups.batch, 32, 0, stream>>>(shape, options, groups, out);
  } else if (shape.max_degree <= kCachedEdgesFew) {
    minmax_flow_kernel<kCachedEdgesFew><<<groups.batch, 32, 0, stream>>>(shape, options, groups, out);
  } else {
    minmax_flow_kernel<kCachedEdgesMany><<<groups.batch, 32, 0, stream>>>(shape, options, groups, out);
  }
  return cudaGetLastError();
}

}  // namespace cuda
}  // namespace lplb
