// An independent check of LPLB group answers by maximum flow, written from the definition of the
// group LP and nothing else: every replicated slot's load w_e is split between its original rank
// and its copy's rank, and a split keeping every rank at or below z exists exactly when the
// network source -> slot e (capacity w_e) -> {original, copy} -> rank r (capacity z - f_r) ->
// sink carries the whole load. So "no split beats z" is a max-flow computation, which certifies
// lower bounds and near-optimality without any LP solver.
#ifndef LPLB_TESTS_FLOW_CERTIFICATE_H
#define LPLB_TESTS_FLOW_CERTIFICATE_H

#include <algorithm>
#include <cstdint>
#include <limits>
#include <queue>
#include <vector>

namespace lplb_test {

class MaxFlow {
 public:
  explicit MaxFlow(int nodes) : head_(nodes, -1), level_(nodes), next_(nodes) {}

  void add_edge(int from, int to, double capacity) {
    arcs_.push_back({to, head_[from], capacity});
    head_[from] = static_cast<int>(arcs_.size()) - 1;
    arcs_.push_back({from, head_[to], 0.0});
    head_[to] = static_cast<int>(arcs_.size()) - 1;
  }

  // Dinic's algorithm; residual capacities below `epsilon` count as saturated.
  double run(int source, int sink, double epsilon) {
    double total = 0;
    while (levels(source, sink, epsilon)) {
      next_ = head_;
      for (double pushed; (pushed = push(source, sink, std::numeric_limits<double>::infinity(), epsilon)) > 0;)
        total += pushed;
    }
    return total;
  }

 private:
  struct Arc {
    int to, next;
    double capacity;
  };

  bool levels(int source, int sink, double epsilon) {
    std::fill(level_.begin(), level_.end(), -1);
    std::queue<int> queue;
    level_[source] = 0;
    queue.push(source);
    while (!queue.empty()) {
      const int node = queue.front();
      queue.pop();
      for (int a = head_[node]; a >= 0; a = arcs_[a].next) {
        if (arcs_[a].capacity > epsilon && level_[arcs_[a].to] < 0) {
          level_[arcs_[a].to] = level_[node] + 1;
          queue.push(arcs_[a].to);
        }
      }
    }
    return level_[sink] >= 0;
  }

  double push(int node, int sink, double limit, double epsilon) {
    if (node == sink) return limit;
    for (int& a = next_[node]; a >= 0; a = arcs_[a].next) {
      Arc& arc = arcs_[a];
      if (arc.capacity <= epsilon || level_[arc.to] != level_[node] + 1) continue;
      const double pushed = push(arc.to, sink, std::min(limit, arc.capacity), epsilon);
      if (pushed > 0) {
        arc.capacity -= pushed;
        arcs_[a ^ 1].capacity += pushed;
        return pushed;
      }
    }
    return 0;
  }

  std::vector<Arc> arcs_;
  std::vector<int> head_, level_, next_;
};

// True when some split keeps every rank's load at or below z. `replica[i * slots + d]` is the rank
// holding the copy of rank i's slot d, `w` the slots' loads, `f` the ranks' fixed loads. Loads
// within `slack` of fitting count as fitting (the flow is computed in floating point).
inline bool split_fits(int ranks, int slots, const int32_t* replica, const std::vector<double>& w,
                       const std::vector<double>& f, double z, double slack) {
  double total = 0;
  for (int r = 0; r < ranks; ++r)
    if (f[r] > z + slack) return false;
  const int edges = ranks * slots, source = edges + ranks, sink = source + 1;
  MaxFlow flow(sink + 1);
  for (int e = 0; e < edges; ++e) {
    if (!(w[e] > 0)) continue;
    total += w[e];
    flow.add_edge(source, e, w[e]);
    flow.add_edge(e, edges + e / slots, w[e]);
    flow.add_edge(e, edges + replica[e], w[e]);
  }
  for (int r = 0; r < ranks; ++r) flow.add_edge(edges + r, sink, std::max(0.0, z - f[r]));
  return flow.run(source, sink, 1e-15 * (total + 1)) >= total - slack;
}

}  // namespace lplb_test

#endif  // LPLB_TESTS_FLOW_CERTIFICATE_H
