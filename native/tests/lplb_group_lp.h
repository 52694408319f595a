// The LPLB min-max LP of one redundancy group (reference section 3.4) in the dense form the
// general IPM reads, plus the cube topology and random loads: one definition for the CPU tests,
// the CPU benchmark and the CUDA kernel test.
#ifndef LPLB_TESTS_LPLB_GROUP_LP_H
#define LPLB_TESTS_LPLB_GROUP_LP_H

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

namespace lplb_group_lp {

// r2o of the 8-rank cube group, D = 2, as [ranks][slots].
inline std::vector<int> cube_r2o() {
  const int column0[8] = {3, 0, 1, 2, 7, 4, 5, 6};
  const int column1[8] = {6, 7, 4, 5, 0, 1, 2, 3};
  std::vector<int> r2o(16);
  for (int i = 0; i < 8; ++i) {
    r2o[i * 2] = column0[i];
    r2o[i * 2 + 1] = column1[i];
  }
  return r2o;
}

// The min-max solver's view of the same group: replica[j][d] = i where r2o[i][d] = j.
inline std::vector<int32_t> replica_from_r2o(const std::vector<int>& r2o, int ranks, int slots) {
  std::vector<int32_t> replica(static_cast<size_t>(ranks) * slots);
  for (int i = 0; i < ranks; ++i)
    for (int d = 0; d < slots; ++d) replica[r2o[i * slots + d] * slots + d] = i;
  return replica;
}

// Random normalised loads: w[ranks][slots], f[ranks] ~ U(0, 1), divided by their largest value.
inline void random_loads(std::mt19937_64& rng, int ranks, int slots, double* w, double* f) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const int slots_total = ranks * slots;
  double largest = 0;
  for (int k = 0; k < slots_total; ++k) largest = std::max(largest, w[k] = unit(rng));
  for (int i = 0; i < ranks; ++i) largest = std::max(largest, f[i] = unit(rng));
  for (int k = 0; k < slots_total; ++k) w[k] /= largest;
  for (int i = 0; i < ranks; ++i) f[i] /= largest;
}

// A random group of `ranks` x `slots` in both views: per slot column a derangement (no rank
// copies itself), a random cyclic shift of a random order of the ranks.
struct RandomGroup {
  int ranks, slots;
  std::vector<int> r2o;          // [ranks][slots]: rank i receives slot d of rank r2o[i][d]
  std::vector<int32_t> replica;  // [ranks][slots]: the rank that holds the copy of slot d of rank i
};

inline RandomGroup random_group(std::mt19937_64& rng, int ranks, int slots) {
  RandomGroup g{ranks, slots, std::vector<int>(static_cast<size_t>(ranks) * slots),
                std::vector<int32_t>(static_cast<size_t>(ranks) * slots)};
  std::vector<int> perm(ranks);
  for (int d = 0; d < slots; ++d) {
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng);
    const int shift = 1 + static_cast<int>(rng() % static_cast<uint64_t>(ranks - 1));
    for (int k = 0; k < ranks; ++k) {
      const int original = perm[k], holder = perm[(k + shift) % ranks];
      g.r2o[holder * slots + d] = original;
      g.replica[original * slots + d] = holder;
    }
  }
  return g;
}

// Loads of one of four kinds, not normalised (the solvers scale them themselves): 0 uniform,
// 1 heavy-tailed, 2 with zeros, 3 with one dominant slot.
inline void kind_loads(std::mt19937_64& rng, int kind, int ranks, int slots, std::vector<double>* w,
                       std::vector<double>* f) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  w->assign(static_cast<size_t>(ranks) * slots, 0.0);
  f->assign(ranks, 0.0);
  for (double& v : *w) v = 4096 * unit(rng);
  for (double& v : *f) v = 4096 * unit(rng);
  if (kind == 1) {
    for (double& v : *w) v = std::pow(v, 1.5);
    for (double& v : *f) v = std::pow(v, 1.5);
  } else if (kind == 2) {
    for (double& v : *w) v = unit(rng) < 0.4 ? 0.0 : v;
    for (double& v : *f) v = unit(rng) < 0.4 ? 0.0 : v;
  } else if (kind == 3) {
    (*w)[rng() % w->size()] *= 1000;
  }
}

// Largest rank load of the split p (its first ranks * slots entries): rank i keeps p of its
// slots' loads and receives 1 - p of every slot whose copy it holds (a slot copied to its own
// rank stays whole).
inline double heaviest_rank(const RandomGroup& g, const std::vector<double>& w, const std::vector<double>& f,
                            const std::vector<double>& p) {
  std::vector<double> load(f);
  for (int e = 0; e < g.ranks * g.slots; ++e) {
    load[e / g.slots] += w[e] * p[e];
    load[g.replica[e]] += w[e] * (1 - p[e]);
  }
  return *std::max_element(load.begin(), load.end());
}

// Fills one LP (n = ranks * slots + 1 variables, ranks inequality rows, a_ub row-major):
// variables p[i][d] (index i * slots + d) in [0, 1] and z >= 0 (last); one row per rank i:
//   sum_d w[i][d] p[i][d] - sum_d w[j][d] p[j][d] - z <= -f[i] - sum_d w[j][d],  j = r2o[i][d].
inline void fill_lplb_lp(const int* r2o, int ranks, int slots, const double* w, const double* f, double* c,
                         double* a_ub, double* b_ub, double* lower, double* upper) {
  const int n = ranks * slots + 1;
  for (int j = 0; j < n; ++j) {
    c[j] = j == n - 1 ? 1.0 : 0.0;
    lower[j] = 0.0;
    upper[j] = j == n - 1 ? INFINITY : 1.0;
  }
  std::fill(a_ub, a_ub + static_cast<size_t>(ranks) * n, 0.0);
  for (int i = 0; i < ranks; ++i) {
    double* row = a_ub + static_cast<size_t>(i) * n;
    double rhs = -f[i];
    for (int d = 0; d < slots; ++d) {
      const int j = r2o[i * slots + d];
      row[i * slots + d] += w[i * slots + d];
      row[j * slots + d] -= w[j * slots + d];
      rhs -= w[j * slots + d];
    }
    row[n - 1] = -1.0;
    b_ub[i] = rhs;
  }
}

}  // namespace lplb_group_lp

#endif  // LPLB_TESTS_LPLB_GROUP_LP_H
