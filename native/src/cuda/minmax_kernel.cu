// The min-max kernel; see minmax_kernel.cuh and, for the method, native/src/minmax/minmax_ipm.cc
// (the same iteration, step for step: start point, residuals, normal matrix, predictor,
// corrector, step lengths, stall rules and certificate).
#include "minmax_kernel.cuh"
#include "warp_reduce.cuh"

#include <cfloat>
#include <cmath>

namespace lplb {
namespace cuda {
namespace {

static_assert(kMinMaxMaxEdges <= 4 * 32, "at most four edges per lane");
constexpr double kStepFactor = 0.995;
constexpr double kTinyStep = 1e-8;
constexpr double kProgress = 0.9;
constexpr int kStallSteps = 5;
constexpr double kCertifyBelow = 100;

// Reciprocals by the hardware-assisted correctly rounded sequences, cheaper than a division.
__device__ inline double reciprocal(double x) { return __drcp_rn(x); }
__device__ inline float reciprocal(float x) { return __frcp_rn(x); }

// The group structure, copied to shared memory once per block: per rank, the edges whose copy
// it holds.
struct Structure {
  int32_t in_start[kMinMaxMaxRanks + 1];
  int32_t in_edge[kMinMaxMaxEdges];
};

template <typename T>
struct Shared {
  T normal[kMinMaxMaxRanks][kMinMaxMaxRanks + 1];
  T rank_value[kMinMaxMaxRanks];  // y or dy, read by the edges
  T edge_value[kMinMaxMaxEdges];  // per-edge terms gathered by the ranks
  double edge_double[kMinMaxMaxEdges];
  double rank_double[kMinMaxMaxRanks];
  int32_t tight[kMinMaxMaxRanks];  // polish: ranks at the max load
  double weight[kMinMaxMaxEdges];  // scaled loads of the edges (0 for an edge to its own rank)
  int32_t to[kMinMaxMaxEdges];
};

// Per-rank sum over the rank's edges: + for the edges it keeps from (its own slots), - for the
// edges whose copy it holds; `values` is indexed by edge.
template <typename V>
__device__ inline V rank_gather(const V* values, int rank, int slots, const int32_t* in_start, const int32_t* in_edge) {
  V sum = 0;
  for (int d = 0; d < slots; ++d) sum += values[rank * slots + d];
  for (int k = in_start[rank]; k < in_start[rank + 1]; ++k) sum -= values[in_edge[k]];
  return sum;
}

// Inverts the G x G symmetric positive definite matrix whose row `lane` each lane holds in `row`
// (lanes >= G hold zeros), by Gauss-Jordan elimination in registers: the pivot row goes to
// every lane by shuffles, no shared memory, no pivoting (the matrix is positive definite). A
// pivot not above `floor` drops its unknown: its row and column of the inverse are zero, as
// the CPU factorisation does. Solves are then one product with the inverse (times_rows), G
// independent shuffles instead of 2 G dependent substitution steps.
template <typename T, int GMAX>
__device__ inline void invert_rows(T (&row)[GMAX], int G, T floor) {
  const int lane = threadIdx.x;
#pragma unroll
  for (int k = 0; k < GMAX; ++k) {
    if (k >= G) break;
    T pivot_row[GMAX];
#pragma unroll
    for (int j = 0; j < GMAX; ++j) pivot_row[j] = __shfl_sync(kFull, row[j], k);
    const T pivot = pivot_row[k];
    const T inverse = pivot > floor && isfinite(pivot) ? reciprocal(pivot) : T(0);
    const T factor = lane == k ? T(0) : row[k] * inverse;
#pragma unroll
    for (int j = 0; j < GMAX; ++j) {
      if (lane == k) {
        row[j] = j == k ? inverse : row[j] * inverse;
      } else {
        row[j] = j == k ? -factor : row[j] - factor * pivot_row[j];
      }
    }
  }
}

// (A x)[lane] for the matrix of `row` and x[j] held by lane j (zero on lanes >= G).
template <typename T, int GMAX>
__device__ inline T times_rows(const T (&row)[GMAX], T x) {
  T sum = 0;
#pragma unroll
  for (int j = 0; j < GMAX; ++j) sum += row[j] * __shfl_sync(kFull, x, j);
  return sum;
}

// Solves one group with iterations in T; writes the outputs when the answer is certified or
// `final` is set (iterations counted from `prior`). Returns the status and sets *iterations.
template <typename T, int EPL, int GMAX>
__device__ __forceinline__ int solve_group(const DeviceMinMaxShape& shape, const MinMaxKernelOptions& options,
                                           const lplb_minmax_batch& groups, const lplb_minmax_solution& out,
                                           Shared<T>& sh, const Structure& structure, bool final, int prior,
                                           int* iterations) {
  const int32_t* in_start = structure.in_start;
  const int32_t* in_edge = structure.in_edge;
  const int lane = threadIdx.x;
  const int group = blockIdx.x;
  const int G = shape.n_ranks, D = shape.n_slots, E = G * D;
  const bool is_rank = lane < G;
  const double* fixed = groups.fixed_load + static_cast<size_t>(group) * G;
  const double* slot = groups.slot_load + static_cast<size_t>(group) * E;
  double* keep_out = out.keep + static_cast<size_t>(group) * E;

  // Scale: the largest load becomes 1.
  double scale = is_rank ? fixed[lane] : 0.0;
  for (int e = lane; e < E; e += 32) scale = fmax(scale, slot[e]);
  scale = warp_max(scale);
  if (scale == 0) {
    for (int e = lane; e < E; e += 32) keep_out[e] = 0.5;
    if (lane == 0) {
      out.status[group] = LPLB_STATUS_OPTIMAL;
      if (out.max_load) out.max_load[group] = 0;
      if (out.lower_bound) out.lower_bound[group] = 0;
      if (out.gap) out.gap[group] = 0;
      if (out.iterations) out.iterations[group] = prior;
    }
    *iterations = 0;
    return LPLB_STATUS_OPTIMAL;
  }
  const double inv_scale = 1 / scale;
  for (int e = lane; e < E; e += 32) {
    sh.to[e] = shape.replica_rank[e];
    sh.weight[e] = slot[e] * inv_scale;
  }
  __syncwarp();

  // Edges of this lane: e = lane + 32 k. An edge to its own rank moves nothing: weight 0 in the
  // iterations (its load is part of the rank's base either way).
  T w[EPL];
  int from[EPL], to[EPL];
  bool owned[EPL];
#pragma unroll
  for (int k = 0; k < EPL; ++k) {
    const int e = lane + 32 * k;
    owned[k] = e < E;
    from[k] = owned[k] ? e / D : 0;
    to[k] = owned[k] ? sh.to[e] : 0;
    w[k] = owned[k] && from[k] != to[k] ? static_cast<T>(sh.weight[e]) : T(0);
  }
  // Rank base g_r: fixed load plus every copy it holds, all sent over (p = 0).
  double base = 0;
  if (is_rank) {
    base = fixed[lane] * inv_scale;
    for (int k = in_start[lane]; k < in_start[lane + 1]; ++k) base += sh.weight[in_edge[k]];
  }

  // ---- Start point (see MinMaxIpm::start) ----
  double total_base = warp_sum(base);
  double in_weight = 0;
  if (is_rank)
    for (int k = in_start[lane]; k < in_start[lane + 1]; ++k) in_weight += sh.weight[in_edge[k]];
  const double fixed_max = warp_max(is_rank ? base - in_weight : -DBL_MAX);
  double out_weight = 0;
  if (is_rank)
    for (int d = 0; d < D; ++d) out_weight += sh.weight[lane * D + d];
  // Loads at p = 1/2 (self edges cancel: they are in both sums).
  const double half_load = base + 0.5 * (out_weight - in_weight);
  const double z_start = warp_max(is_rank ? half_load : -DBL_MAX);
  const double z_low = fmax(total_base / G, fixed_max);
  const double margin = 0.1 * (z_start - z_low) + 0.01 * z_start + 1e-3;
  T zeta = static_cast<T>(z_start + margin - z_low);
  T s = static_cast<T>(is_rank ? z_start + margin - half_load : 1.0);
  const double inverse_sum = warp_sum(is_rank ? 1.0 / static_cast<double>(s) : 0.0);
  const double mu0 = static_cast<double>(zeta) / (1 + static_cast<double>(zeta) * inverse_sum);
  T y = is_rank ? static_cast<T>(-mu0 / static_cast<double>(s)) : T(0);
  T zs = is_rank ? -y : T(1);
  T zz = static_cast<T>(1 / (1 + static_cast<double>(zeta) * inverse_sum));
  const T z_low_t = static_cast<T>(z_low);
  sh.rank_value[lane] = y;
  __syncwarp();
  T p[EPL], t[EPL], zp[EPL], v[EPL];
#pragma unroll
  for (int k = 0; k < EPL; ++k) {
    p[k] = T(0.5);
    t[k] = T(0.5);
    const T reduced = owned[k] ? -w[k] * (sh.rank_value[from[k]] - sh.rank_value[to[k]]) : T(0);
    zp[k] = static_cast<T>(2 * mu0) + fmax(reduced, T(0));
    v[k] = static_cast<T>(2 * mu0) + fmax(-reduced, T(0));
  }
  __syncwarp();

  // Best point and multipliers, judged in float64 on the scaled data.
  double best_keep[EPL];
#pragma unroll
  for (int k = 0; k < EPL; ++k) best_keep[k] = 0.5;
  double best_max = DBL_MAX, best_lower = 0;
  // Certificate of a split (keep, per owned edge) and multipliers y (per rank); see
  // max_rank_load and lagrangian_bound.
  auto record_point = [&](const double (&keep)[EPL], double y_value) {
    __syncwarp();
#pragma unroll
    for (int k = 0; k < EPL; ++k) {
      const int e = lane + 32 * k;
      if (owned[k]) sh.edge_double[e] = sh.weight[e] * fmin(1.0, fmax(0.0, keep[k]));
    }
    const double lambda = is_rank ? fmax(0.0, -y_value) : 0.0;
    sh.rank_double[lane] = lambda;
    __syncwarp();
    const double load = is_rank ? base + rank_gather(sh.edge_double, lane, D, in_start, in_edge) : -DBL_MAX;
    const double max_load = warp_max(load);
    const double lambda_total = warp_sum(lambda);
    double part = is_rank ? lambda * base : 0.0;
#pragma unroll
    for (int k = 0; k < EPL; ++k) {
      const int e = lane + 32 * k;
      if (owned[k]) part += sh.weight[e] * fmin(0.0, sh.rank_double[from[k]] - sh.rank_double[to[k]]);
    }
    const double bound = lambda_total > 0 ? warp_sum(part) / lambda_total : 0.0;
    __syncwarp();
    if (max_load < best_max) {
      best_max = max_load;
#pragma unroll
      for (int k = 0; k < EPL; ++k) best_keep[k] = fmin(1.0, fmax(0.0, keep[k]));
    }
    if (bound > best_lower) best_lower = bound;
    return best_max - best_lower <= options.tolerance * best_max;
  };
  auto record = [&]() {
    double keep[EPL];
#pragma unroll
    for (int k = 0; k < EPL; ++k) keep[k] = static_cast<double>(p[k]);
    return record_point(keep, static_cast<double>(y));
  };

  // Iteration state.
  T rp = 0, rd_s = 0, theta_s = 0, inv_s = 0, inv_zs = 0, rxz_s = 0, h_s = 0, ds = 0, dzs = 0, ds_aff = 0, dzs_aff = 0;
  T rd_p[EPL], ru[EPL], theta_p[EPL], inv_p[EPL], inv_t[EPL];
  T inv_zp[EPL], inv_v[EPL], rxz_p[EPL], rtv[EPL], h_p[EPL];
  T dp[EPL], dt[EPL], dzp[EPL], dv[EPL];
  T dp_aff[EPL], dt_aff[EPL], dzp_aff[EPL], dv_aff[EPL];
#pragma unroll
  for (int k = 0; k < EPL; ++k) dp_aff[k] = dt_aff[k] = dzp_aff[k] = dv_aff[k] = T(0);
  T rd_zeta = 0, theta_zeta = 0, inv_zeta = 0, inv_zz = 0, rxz_zeta = 0, h_zeta = 0, dzeta = 0, dzz = 0;
  T dzeta_aff = 0, dzz_aff = 0;
  const T pivot_floor = sizeof(T) == 4 ? T(1e-7) : T(1e-14);
  T inverse_rows[GMAX];  // row `lane` of the inverse of the normal matrix
  const T pairs = static_cast<T>(2 * E + 1 + G);

  // Newton direction for centring target sigma_mu (see MinMaxIpm::direction).
  auto direction = [&](T sigma_mu, T corrector) {
    rxz_zeta = sigma_mu - zeta * zz - corrector * dzeta_aff * dzz_aff;
    h_zeta = rd_zeta - rxz_zeta * inv_zeta;
    rxz_s = sigma_mu - s * zs - corrector * ds_aff * dzs_aff;
    h_s = rd_s - rxz_s * inv_s;
#pragma unroll
    for (int k = 0; k < EPL; ++k) {
      rxz_p[k] = sigma_mu - p[k] * zp[k] - corrector * dp_aff[k] * dzp_aff[k];
      rtv[k] = sigma_mu - t[k] * v[k] - corrector * dt_aff[k] * dv_aff[k];
      h_p[k] = rd_p[k] - rxz_p[k] * inv_p[k] + (rtv[k] - v[k] * ru[k]) * inv_t[k];
      if (owned[k]) sh.edge_value[lane + 32 * k] = w[k] * theta_p[k] * h_p[k];
    }
    __syncwarp();
    T rhs = is_rank ? rp + theta_s * h_s - theta_zeta * h_zeta +
                          rank_gather(sh.edge_value, lane, D, in_start, in_edge)
                    : T(0);
    // Every lane takes part in the shuffles of the product, ranks or not.
    const T solved = times_rows(inverse_rows, rhs);
    const T dy = is_rank ? solved : T(0);
    sh.rank_value[lane] = dy;
    const T dy_sum = warp_sum(dy);
    __syncwarp();
    ds = theta_s * (dy - h_s);
    dzs = (rxz_s - zs * ds) * inv_s;
    dzeta = theta_zeta * (-dy_sum - h_zeta);
    dzz = (rxz_zeta - zz * dzeta) * inv_zeta;
#pragma unroll
    for (int k = 0; k < EPL; ++k) {
      const T moved = owned[k] ? sh.rank_value[from[k]] - sh.rank_value[to[k]] : T(0);
      dp[k] = theta_p[k] * (w[k] * moved - h_p[k]);
      dzp[k] = (rxz_p[k] - zp[k] * dp[k]) * inv_p[k];
      dt[k] = ru[k] - dp[k];
      dv[k] = (rtv[k] - v[k] * dt[k]) * inv_t[k];
    }
    __syncwarp();
    return dy;
  };
  // Longest primal and dual steps (at most 1) keeping the bounded variables non-negative.
  auto step_lengths = [&](T* primal, T* dual) {
    T largest_primal = is_rank ? -ds * inv_s : T(0);
    T largest_dual = is_rank ? -dzs * inv_zs : T(0);
#pragma unroll
    for (int k = 0; k < EPL; ++k) {
      if (!owned[k]) continue;
      largest_primal = fmax(largest_primal, fmax(-dp[k] * inv_p[k], -dt[k] * inv_t[k]));
      largest_dual = fmax(largest_dual, fmax(-dzp[k] * inv_zp[k], -dv[k] * inv_v[k]));
    }
    largest_primal = fmax(warp_max(largest_primal), -dzeta * inv_zeta);
    largest_dual = fmax(warp_max(largest_dual), -dzz * inv_zz);
    *primal = largest_primal > T(1) ? reciprocal(largest_primal) : T(1);
    *dual = largest_dual > T(1) ? reciprocal(largest_dual) : T(1);
  };

  // Active-set polish in float64 (see MinMaxIpm::polish): ranks at the max load (R), edges at
  // 0, at 1 or free, z free or at z_low; the point moves the least that puts every rank of R at
  // z, the multipliers of R the least that makes them stationary on the free columns, both
  // through K = P P' + delta I (a row e_r for a rank outside R, so one G x G inverse serves).
  // Only the certificate decides whether the guess was right.
  auto polish = [&]() {
    __syncwarp();
    const double z_current = static_cast<double>(z_low_t) + static_cast<double>(zeta);
    const bool z_free = !(static_cast<double>(zeta) < static_cast<double>(zz) * z_current);
    const bool tight = is_rank && static_cast<double>(s) < static_cast<double>(zs) * z_current;
    double value[EPL];
    bool free_edge[EPL];
#pragma unroll
    for (int k = 0; k < EPL; ++k) {
      const double pk = static_cast<double>(p[k]), wk = static_cast<double>(w[k]);
      free_edge[k] = false;
      value[k] = fmin(1.0, fmax(0.0, pk));
      if (!owned[k] || w[k] == T(0)) continue;
      if (pk * wk < static_cast<double>(zp[k])) {
        value[k] = 0;
      } else if (static_cast<double>(t[k]) * wk < static_cast<double>(v[k])) {
        value[k] = 1;
      } else {
        free_edge[k] = true;
      }
      if (free_edge[k]) sh.edge_double[lane + 32 * k] = wk * wk;
    }
#pragma unroll
    for (int k = 0; k < EPL; ++k)
      if (owned[k] && !free_edge[k]) sh.edge_double[lane + 32 * k] = 0;
    sh.tight[lane] = tight ? 1 : 0;
    __syncwarp();
    if (__all_sync(kFull, !tight)) return false;
    // K, full rows, in the shared normal matrix (as double rows of registers after).
    double k_row[GMAX];
#pragma unroll
    for (int j = 0; j < GMAX; ++j) k_row[j] = 0;
    double my_diag = is_rank ? 1.0 : 0.0;
    if (tight) {
      const double z_weight = z_free ? 1.0 : 0.0;
#pragma unroll
      for (int j = 0; j < GMAX; ++j) k_row[j] = j < G && sh.tight[j] ? z_weight : 0.0;
      double diag = z_weight + 1e-12;
      for (int d = 0; d < D; ++d) {
        const int e = lane * D + d;
        const double c = sh.edge_double[e];
        if (c == 0) continue;
        diag += c;
        const int other = sh.to[e];
#pragma unroll
        for (int j = 0; j < GMAX; ++j)
          if (j == other && sh.tight[j]) k_row[j] -= c;
      }
      for (int k = in_start[lane]; k < in_start[lane + 1]; ++k) {
        const int e = in_edge[k];
        const double c = sh.edge_double[e];
        if (c == 0) continue;
        diag += c;
        const int other = e / D;
#pragma unroll
        for (int j = 0; j < GMAX; ++j)
          if (j == other && sh.tight[j]) k_row[j] -= c;
      }
#pragma unroll
      for (int j = 0; j < GMAX; ++j)
        if (j == lane) k_row[j] = diag;
      my_diag = diag;
    } else if (is_rank) {
#pragma unroll
      for (int j = 0; j < GMAX; ++j) k_row[j] = j == lane ? 1.0 : 0.0;
    }
    __syncwarp();
    invert_rows(k_row, G, 1e-14 * warp_max(my_diag));
    double unknown[EPL];
#pragma unroll
    for (int k = 0; k < EPL; ++k) unknown[k] = value[k];
    double z_unknown = z_current;
    double lambda = tight ? fmax(0.0, static_cast<double>(zs)) : 0.0;
    for (int pass = 0; pass < 2; ++pass) {
      // Primal: P u = z - load on R.
#pragma unroll
      for (int k = 0; k < EPL; ++k)
        if (owned[k]) sh.edge_double[lane + 32 * k] = static_cast<double>(w[k]) * unknown[k];
      __syncwarp();
      const double load = is_rank ? base + rank_gather(sh.edge_double, lane, D, in_start, in_edge) : 0.0;
      const double z = z_free ? z_unknown : static_cast<double>(z_low_t);
      const double x = times_rows(k_row, tight ? z - load : 0.0);
      sh.rank_double[lane] = tight ? x : 0.0;
      const double x_total = warp_sum(tight ? x : 0.0);
      __syncwarp();
#pragma unroll
      for (int k = 0; k < EPL; ++k)
        if (free_edge[k])
          unknown[k] += static_cast<double>(w[k]) * (sh.rank_double[from[k]] - sh.rank_double[to[k]]);
      if (z_free) z_unknown -= x_total;
      __syncwarp();
      // Dual: P' lambda = (0 on free edges, -1 on z).
      sh.rank_double[lane] = lambda;
      const double lambda_total = warp_sum(lambda);
      __syncwarp();
#pragma unroll
      for (int k = 0; k < EPL; ++k) {
        if (!owned[k]) continue;
        const double column =
            free_edge[k] ? -static_cast<double>(w[k]) * (sh.rank_double[from[k]] - sh.rank_double[to[k]]) : 0.0;
        sh.edge_double[lane + 32 * k] = static_cast<double>(w[k]) * column;
      }
      __syncwarp();
      const double column_z = z_free ? lambda_total - 1.0 : 0.0;
      const double row = tight ? rank_gather(sh.edge_double, lane, D, in_start, in_edge) - column_z : 0.0;
      lambda += times_rows(k_row, row);
      if (!tight) lambda = 0;
      __syncwarp();
    }
    double keep[EPL];
#pragma unroll
    for (int k = 0; k < EPL; ++k) keep[k] = free_edge[k] ? fmin(1.0, fmax(0.0, unknown[k])) : value[k];
    return record_point(keep, tight ? -fmax(lambda, 0.0) : 0.0);
  };

  int status = LPLB_STATUS_ITERATION_LIMIT;
  int iteration = 0;
  int polishes = 0;
  double polish_below = 0.1 * static_cast<double>(z_low_t + zeta);
  int tiny_steps = 0, idle_steps = 0;
  T smallest_total = sizeof(T) == 4 ? T(FLT_MAX) : T(DBL_MAX);
  bool done = record();
  if (done) status = LPLB_STATUS_OPTIMAL;
  for (; !done; ++iteration) {
    // Residuals (see MinMaxIpm::compute_residuals). Every lane has finished reading the shared
    // vectors of the previous iteration before any overwrites them.
    __syncwarp();
    sh.rank_value[lane] = y;
#pragma unroll
    for (int k = 0; k < EPL; ++k)
      if (owned[k]) sh.edge_value[lane + 32 * k] = w[k] * p[k];
    __syncwarp();
    rp = is_rank ? z_low_t - static_cast<T>(base) + zeta - s -
                       rank_gather(sh.edge_value, lane, D, in_start, in_edge)
                 : T(0);
    rd_s = is_rank ? -y - zs : T(0);
    rd_zeta = T(1) + warp_sum(y) - zz;
    T total = is_rank ? s * zs : T(0);
#pragma unroll
    for (int k = 0; k < EPL; ++k) {
      rd_p[k] = owned[k] ? -w[k] * (sh.rank_value[from[k]] - sh.rank_value[to[k]]) - zp[k] + v[k] : T(0);
      ru[k] = owned[k] ? T(1) - p[k] - t[k] : T(0);
      if (owned[k]) total += p[k] * zp[k] + t[k] * v[k];
    }
    total = warp_sum(total) + zeta * zz;
    __syncwarp();
    const bool last = iteration >= options.max_iterations;
    if (last || static_cast<double>(total) <= kCertifyBelow * options.tolerance * static_cast<double>(z_low_t + zeta)) {
      if (record()) {
        status = LPLB_STATUS_OPTIMAL;
        break;
      }
    }
    if (last) break;
    // Polish once below a tenth of z, then each time the total has fallen 100x more. Unlike
    // MinMaxIpm::solve the kernel does not stop once the total is far below the tolerance: it has
    // no multiplier search, and later iterations are its only way to certify a near-degenerate
    // group (an early stop failed such a group on the H200).
    if (polishes < 3 && static_cast<double>(total) <= polish_below) {
      ++polishes;
      polish_below = 1e-2 * static_cast<double>(total);
      if (polish()) {
        status = LPLB_STATUS_OPTIMAL;
        break;
      }
    }
    idle_steps = total < static_cast<T>(kProgress) * smallest_total ? 0 : idle_steps + 1;
    smallest_total = fmin(smallest_total, total);
    if (idle_steps >= kStallSteps || !isfinite(total)) {
      status = LPLB_STATUS_NUMERICAL_ERROR;
      break;
    }
    const T mu = total / pairs;

    // Normal matrix (see MinMaxIpm::factor): lane r builds its full row r.
    inv_zeta = reciprocal(zeta);
    inv_zz = reciprocal(zz);
    theta_zeta = zeta * inv_zz;
    inv_s = is_rank ? reciprocal(s) : T(0);
    inv_zs = is_rank ? reciprocal(zs) : T(0);
    theta_s = s * inv_zs;
#pragma unroll
    for (int k = 0; k < EPL; ++k) {
      inv_p[k] = owned[k] ? reciprocal(p[k]) : T(0);
      inv_t[k] = owned[k] ? reciprocal(t[k]) : T(0);
      inv_zp[k] = owned[k] ? reciprocal(zp[k]) : T(0);
      inv_v[k] = owned[k] ? reciprocal(v[k]) : T(0);
      theta_p[k] = owned[k] ? reciprocal(zp[k] * inv_p[k] + v[k] * inv_t[k]) : T(0);
      if (owned[k]) sh.edge_value[lane + 32 * k] = theta_p[k] * w[k] * w[k];
    }
    __syncwarp();
    if (is_rank) {
      for (int j = 0; j < G; ++j) sh.normal[lane][j] = theta_zeta;
      T diag = theta_zeta + theta_s;
      for (int d = 0; d < D; ++d) {
        const int e = lane * D + d;
        const int other = sh.to[e];
        if (other == lane) continue;
        diag += sh.edge_value[e];
        sh.normal[lane][other] -= sh.edge_value[e];
      }
      for (int k = in_start[lane]; k < in_start[lane + 1]; ++k) {
        const int e = in_edge[k];
        const int other = e / D;
        if (other == lane) continue;
        diag += sh.edge_value[e];
        sh.normal[lane][other] -= sh.edge_value[e];
      }
      sh.normal[lane][lane] = diag;
    }
    __syncwarp();
#pragma unroll
    for (int j = 0; j < GMAX; ++j) inverse_rows[j] = is_rank && j < G ? sh.normal[lane][j] : T(0);
    __syncwarp();
    const T floor = pivot_floor * warp_max(is_rank ? sh.normal[lane][lane] : T(0));
    invert_rows(inverse_rows, G, floor);

    // Predictor, then the centring parameter from how far it gets.
    direction(T(0), T(0));
    T alpha_primal = 0, alpha_dual = 0;
    step_lengths(&alpha_primal, &alpha_dual);
    T part = is_rank ? (s + alpha_primal * ds) * (zs + alpha_dual * dzs) : T(0);
#pragma unroll
    for (int k = 0; k < EPL; ++k) {
      if (!owned[k]) continue;
      part += (p[k] + alpha_primal * dp[k]) * (zp[k] + alpha_dual * dzp[k]);
      part += (t[k] + alpha_primal * dt[k]) * (v[k] + alpha_dual * dv[k]);
    }
    const T total_aff = warp_sum(part) + (zeta + alpha_primal * dzeta) * (zz + alpha_dual * dzz);
    const T ratio = fmax(T(0), fmin(T(1), total_aff / total));
    const T sigma = ratio * ratio * ratio;
#pragma unroll
    for (int k = 0; k < EPL; ++k) {
      dp_aff[k] = dp[k];
      dt_aff[k] = dt[k];
      dzp_aff[k] = dzp[k];
      dv_aff[k] = dv[k];
    }
    ds_aff = ds;
    dzs_aff = dzs;
    dzeta_aff = dzeta;
    dzz_aff = dzz;

    // Corrector: centring plus the second-order term.
    const T dy = direction(sigma * mu, T(1));
    step_lengths(&alpha_primal, &alpha_dual);
    alpha_primal *= static_cast<T>(kStepFactor);
    alpha_dual *= static_cast<T>(kStepFactor);
    if (!isfinite(alpha_primal) || !isfinite(alpha_dual)) {
      status = LPLB_STATUS_NUMERICAL_ERROR;
      break;
    }
#pragma unroll
    for (int k = 0; k < EPL; ++k) {
      if (!owned[k]) continue;
      p[k] += alpha_primal * dp[k];
      t[k] += alpha_primal * dt[k];
      zp[k] += alpha_dual * dzp[k];
      v[k] += alpha_dual * dv[k];
    }
    if (is_rank) {
      s += alpha_primal * ds;
      zs += alpha_dual * dzs;
      y += alpha_dual * dy;
    }
    zeta += alpha_primal * dzeta;
    zz += alpha_dual * dzz;
    const bool tiny = alpha_primal < static_cast<T>(kTinyStep) && alpha_dual < static_cast<T>(kTinyStep);
    tiny_steps = tiny ? tiny_steps + 1 : 0;
    if (tiny_steps >= kStallSteps) {
      status = LPLB_STATUS_NUMERICAL_ERROR;
      break;
    }
  }
  // A run that ends without a verdict still offers its last point to the certificate.
  if (status != LPLB_STATUS_OPTIMAL) {
    bool finite = isfinite(zeta) && isfinite(zz) && isfinite(y);
#pragma unroll
    for (int k = 0; k < EPL; ++k) finite = finite && isfinite(p[k]);
    finite = __all_sync(kFull, finite);
    if (finite && record()) status = LPLB_STATUS_OPTIMAL;
  }

  *iterations = iteration;
  if (status != LPLB_STATUS_OPTIMAL && !final) return status;
#pragma unroll
  for (int k = 0; k < EPL; ++k) {
    const int e = lane + 32 * k;
    if (owned[k]) keep_out[e] = w[k] > T(0) ? best_keep[k] : 0.5;
  }
  if (lane == 0) {
    out.status[group] = status;
    if (out.max_load) out.max_load[group] = best_max * scale;
    if (out.lower_bound) out.lower_bound[group] = fmax(best_lower, 0.0) * scale;
    if (out.gap) out.gap[group] = best_max > 0 ? fmax(0.0, best_max - best_lower) / best_max : 0.0;
    if (out.iterations) out.iterations[group] = prior + iteration;
  }
  return status;
}

__device__ inline void load_structure(const DeviceMinMaxShape& shape, Structure* structure) {
  const int E = shape.n_ranks * shape.n_slots;
  for (int k = threadIdx.x; k <= shape.n_ranks; k += 32) structure->in_start[k] = shape.in_start[k];
  for (int k = threadIdx.x; k < E; k += 32) structure->in_edge[k] = shape.in_edge[k];
  __syncwarp();
}

template <int EPL, int GMAX>
__global__ void __launch_bounds__(32) minmax_kernel_double(DeviceMinMaxShape shape, MinMaxKernelOptions options,
                                                           lplb_minmax_batch groups, lplb_minmax_solution out) {
  __shared__ Structure structure;
  __shared__ Shared<double> sh;
  load_structure(shape, &structure);
  int iterations = 0;
  solve_group<double, EPL, GMAX>(shape, options, groups, out, sh, structure, true, 0, &iterations);
}

// float32 iterations; a group they leave without a certificate is solved again in float64 (on
// H100/H200 float64 runs at half the float32 rate, so the safeguard is cheap).
template <int EPL, int GMAX>
__global__ void __launch_bounds__(32) minmax_kernel_float(DeviceMinMaxShape shape, MinMaxKernelOptions options,
                                                          lplb_minmax_batch groups, lplb_minmax_solution out) {
  __shared__ Structure structure;
  __shared__ union {
    Shared<float> single;
    Shared<double> twice;
  } sh;
  load_structure(shape, &structure);
  int iterations = 0;
  const int status = solve_group<float, EPL, GMAX>(shape, options, groups, out, sh.single, structure, false, 0, &iterations);
  if (status == LPLB_STATUS_OPTIMAL) return;
  __syncwarp();
  int more = 0;
  solve_group<double, EPL, GMAX>(shape, options, groups, out, sh.twice, structure, true, iterations, &more);
}

}  // namespace

cudaError_t launch_minmax(const DeviceMinMaxShape& shape, const MinMaxKernelOptions& options,
                          const lplb_minmax_batch& groups, const lplb_minmax_solution& out, cudaStream_t stream) {
  if (groups.batch <= 0) return cudaSuccess;
  // Edges per lane and the largest group as compile-time counts, so that the per-edge state
  // and the rows of the inverse stay in registers: the smallest of three sizes that fits.
  const int ranks = shape.n_ranks, edges = ranks * shape.n_slots;
  const int size = ranks <= 8 && edges <= 32 ? 0 : (ranks <= 16 && edges <= 64 ? 1 : 2);
  const dim3 grid(groups.batch), block(32);
  if (options.single_precision) {
    if (size == 0) {
      minmax_kernel_float<1, 8><<<grid, block, 0, stream>>>(shape, options, groups, out);
    } else if (size == 1) {
      minmax_kernel_float<2, 16><<<grid, block, 0, stream>>>(shape, options, groups, out);
    } else {
      minmax_kernel_float<4, 32><<<grid, block, 0, stream>>>(shape, options, groups, out);
    }
  } else if (size == 0) {
    minmax_kernel_double<1, 8><<<grid, block, 0, stream>>>(shape, options, groups, out);
  } else if (size == 1) {
    minmax_kernel_double<2, 16><<<grid, block, 0, stream>>>(shape, options, groups, out);
  } else {
    minmax_kernel_double<4, 32><<<grid, block, 0, stream>>>(shape, options, groups, out);
  }
  return cudaGetLastError();
}

}  // namespace cuda
}  // namespace lplb
