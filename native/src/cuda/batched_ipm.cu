// Batched homogeneous self-dual interior-point kernel; see batched_ipm.cuh.
//
// Internal problem of one LP (lower bounds shifted to zero, one slack per inequality row):
//     min c'x   s.t.  A x + s = b,  x_B + w = u,  x, s, w >= 0
// with N = n + m columns (structural, then slacks) and B the columns with a finite upper bound.
// The embedding (Xu-Hung-Ye / Andersen-Andersen) adds tau, kappa >= 0:
//     A x - b tau = 0,  x_B + w - u tau = 0,  A'y - v_B + z - c tau = 0,
//     -c'x + b'y - u'v - kappa = 0.
// Every Newton system reduces to [-D A'; A 0] [p; q] = [f; g] with D = Z/X + V/W (on B), solved
// through M = A (D + rho)^-1 A' + delta I (m x m) and refined against the unregularised system.
#include "batched_ipm.cuh"

#include <cmath>
#include <cstdio>

namespace lplb {
namespace cuda {
namespace {

constexpr int kMaxThreads = 256;
constexpr int kReduceSlots = 8;       // values reduced together by one block reduction
constexpr float kStepFactor = 0.99f;  // fraction of the way to the boundary
constexpr float kRegPrimal = 1e-6f;   // rho
constexpr float kRegDual = 1e-6f;     // delta
constexpr float kPivotFloor = 1e-7f;  // smaller Cholesky pivots are skipped
constexpr float kTinyStep = 1e-6f;
constexpr int kStallSteps = 5;
constexpr int kNoProgress = 5;  // iterations without a better optimality measure end the run
constexpr float kTauCollapse = 1e-8f;  // tau / kappa below this: infeasibility suspected

// Offsets (in floats) of the block's arrays in dynamic shared memory, after a double region of
// kReduceSlots * 32 (reductions) + n + m (the float64 answer).
struct Layout {
  int n, m, N, lda;
  // [m][lda] A, [m][m] normal matrix / its Cholesky factor, [m] inverse pivots
  int A, M, inv_diag;
  // [N]
  int x, z, c, rd, dd, theta, dx, dz, dxa, dza, p1, p2, f, rxz, rf, ep, bx, bz;
  // [n]
  int u, box, w, v, ru, dw, dv, dwa, dva, rwv, bw, bv;
  // [m]
  int b, y, rp, dy, q1, q2, g, rg, eq, by;
  int red;  // [kReduceSlots][32]
  int floats;
  int doubles;
};

__host__ __device__ inline Layout make_layout(int n, int m) {
  Layout L{};
  L.n = n;
  L.m = m;
  L.N = n + m;
  L.lda = (n % 2 == 1) ? n : n + 1;  // odd row stride: rows of a column in distinct banks
  int at = 0;
  auto take = [&at](int count) {
    const int offset = at;
    at += (count + 3) & ~3;
    return offset;
  };
  L.A = take(m * L.lda);
  L.M = take(m * m);
  L.inv_diag = take(m);
  int* vec_n_total[] = {&L.x, &L.z, &L.c, &L.rd, &L.dd, &L.theta, &L.dx, &L.dz, &L.dxa,
                        &L.dza, &L.p1, &L.p2, &L.f, &L.rxz, &L.rf, &L.ep, &L.bx, &L.bz};
  for (int* p : vec_n_total) *p = take(L.N);
  int* vec_n[] = {&L.u, &L.box, &L.w, &L.v, &L.ru, &L.dw, &L.dv, &L.dwa, &L.dva, &L.rwv, &L.bw, &L.bv};
  for (int* p : vec_n) *p = take(n);
  int* vec_m[] = {&L.b, &L.y, &L.rp, &L.dy, &L.q1, &L.q2, &L.g, &L.rg, &L.eq, &L.by};
  for (int* p : vec_m) *p = take(m);
  L.red = take(kReduceSlots * 32);
  L.floats = at;
  L.doubles = kReduceSlots * 32 + n + m;
  return L;
}

inline size_t layout_bytes(const Layout& L) {
  return static_cast<size_t>(L.doubles) * sizeof(double) + static_cast<size_t>(L.floats) * sizeof(float);
}

struct Params {
  Layout L;
  int batch;
  int supported_shape;  // 0 when the shape itself is outside this kernel's scope (m_eq > 0)
  int max_iterations;
  float tolerance;
  double check_tolerance;
  const double* c;
  const double* a;
  const double* b;
  const double* lower;
  const double* upper;
  DeviceSolutionBatch out;
};

struct SumOp {
  template <typename T>
  __device__ T operator()(T a, T b) const { return a + b; }
};
struct MaxOp {
  template <typename T>
  __device__ T operator()(T a, T b) const { return a > b ? a : b; }
};
struct MinOp {
  template <typename T>
  __device__ T operator()(T a, T b) const { return a < b ? a : b; }
};

template <typename T, typename Op>
__device__ __forceinline__ T warp_reduce(T v, Op op) {
  for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Reduces K values per thread over the block; every thread gets the same results (the partial
// results are combined in the same order by every thread).
template <int K, typename T, typename Op>
__device__ __forceinline__ void block_reduce(T (&v)[K], T* red, Op op) {
  static_assert(K <= kReduceSlots, "too many values for one reduction");
  const int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, warps = blockDim.x >> 5;
#pragma unroll
  for (int k = 0; k < K; ++k) v[k] = warp_reduce(v[k], op);
  __syncthreads();  // earlier readers of red are done
  if (lane == 0) {
#pragma unroll
    for (int k = 0; k < K; ++k) red[k * 32 + wid] = v[k];
  }
  __syncthreads();
#pragma unroll
  for (int k = 0; k < K; ++k) {
    T r = red[k * 32];
    for (int i = 1; i < warps; ++i) r = op(r, red[k * 32 + i]);
    v[k] = r;
  }
}

// Per-block context: pointers into shared memory.
struct Block {
  Layout L;
  float* s;
  float* red;
  double* dred;
  double* xd;  // [n]
  double* yd;  // [m]
  int tid, lane, wid, warps, threads;
  __device__ float* at(int offset) const { return s + offset; }
};

// out[i] = (A x)_i + x[n + i] (slack columns) for every row; warp per row.
__device__ void multiply(const Block& B, const float* x, float* out) {
  const Layout& L = B.L;
  const float* A = B.at(L.A);
  for (int i = B.wid; i < L.m; i += B.warps) {
    float sum = 0.f;
    for (int j = B.lane; j < L.n; j += 32) sum += A[i * L.lda + j] * x[j];
    sum = warp_reduce(sum, SumOp());
    if (B.lane == 0) out[i] = sum + x[L.n + i];
  }
}

// (A' y)_j for column j (structural or slack).
__device__ __forceinline__ float multiply_transpose(const Block& B, const float* y, int j) {
  const Layout& L = B.L;
  if (j >= L.n) return y[j - L.n];
  const float* A = B.at(L.A);
  float sum = 0.f;
  for (int i = 0; i < L.m; ++i) sum += A[i * L.lda + j] * y[i];
  return sum;
}

// M = A Theta A' + delta I (lower triangle), then its Cholesky factor in place.
__device__ void factor(const Block& B) {
  const Layout& L = B.L;
  const int m = L.m, n = L.n;
  const float* A = B.at(L.A);
  const float* theta = B.at(L.theta);
  float* M = B.at(L.M);
  float* inv_diag = B.at(L.inv_diag);
  for (int idx = B.tid; idx < m * m; idx += B.threads) {
    const int i = idx / m, k = idx % m;
    if (k > i) continue;
    const float* ai = A + i * L.lda;
    const float* ak = A + k * L.lda;
    float sum = 0.f;
    for (int j = 0; j < n; ++j) sum += ai[j] * theta[j] * ak[j];
    if (i == k) sum += theta[n + i] + kRegDual;
    M[i * m + k] = sum;
  }
  __syncthreads();
  // Right-looking, one barrier per column: step k updates the trailing matrix with the
  // unscaled column k (times 1 / pivot) and scales column k - 1, which step k no longer reads.
  for (int k = 0; k < m; ++k) {
    const float d = M[k * m + k];
    // A pivot lost to rounding is skipped (its row and column are left out of the factor).
    const float inv = (d > kPivotFloor && isfinite(d)) ? 1.f / sqrtf(d) : 0.f;
    const float inv2 = inv * inv;
    if (B.tid == 0) inv_diag[k] = inv;
    if (k > 0) {
      const float previous = inv_diag[k - 1];
      for (int i = k + B.tid; i < m; i += B.threads) M[i * m + k - 1] *= previous;
    }
    const int r = m - k - 1;
    for (int idx = B.tid; idx < r * r; idx += B.threads) {
      const int i = k + 1 + idx / r, j = k + 1 + idx % r;
      if (j <= i) M[i * m + j] -= M[i * m + k] * M[j * m + k] * inv2;
    }
    __syncthreads();
  }
}

// t := M^-1 t with the factor (warp 0; the others wait at the closing barrier).
__device__ void cholesky_solve(const Block& B, float* t) {
  const Layout& L = B.L;
  const int m = L.m;
  const float* M = B.at(L.M);
  const float* inv_diag = B.at(L.inv_diag);
  if (B.wid == 0) {
    for (int k = 0; k < m; ++k) {
      const float yk = t[k] * inv_diag[k];
      __syncwarp();
      for (int i = k + 1 + B.lane; i < m; i += 32) t[i] -= M[i * m + k] * yk;
      if (B.lane == 0) t[k] = yk;
      __syncwarp();
    }
    for (int k = m - 1; k >= 0; --k) {
      const float xk = t[k] * inv_diag[k];
      __syncwarp();
      for (int i = B.lane; i < k; i += 32) t[i] -= M[k * m + i] * xk;
      if (B.lane == 0) t[k] = xk;
      __syncwarp();
    }
  }
  __syncthreads();
}

// Solves the regularised system [-(D + rho) A'; A delta] [p; q] = [f; g].
__device__ void base_solve(const Block& B, const float* f, const float* g, float* p, float* q) {
  const Layout& L = B.L;
  const float* theta = B.at(L.theta);
  for (int j = B.tid; j < L.N; j += B.threads) p[j] = theta[j] * f[j];
  __syncthreads();
  multiply(B, p, q);
  __syncthreads();
  for (int i = B.tid; i < L.m; i += B.threads) q[i] += g[i];
  __syncthreads();
  cholesky_solve(B, q);
  for (int j = B.tid; j < L.N; j += B.threads) p[j] = theta[j] * (multiply_transpose(B, q, j) - f[j]);
  __syncthreads();
}

// Solves [-D A'; A 0] [p; q] = [f; g] with `refine` steps of iterative refinement.
__device__ void solve_kkt(const Block& B, const float* f, const float* g, float* p, float* q, int refine) {
  const Layout& L = B.L;
  base_solve(B, f, g, p, q);
  float* rf = B.at(L.rf);
  float* rg = B.at(L.rg);
  float* ep = B.at(L.ep);
  float* eq = B.at(L.eq);
  const float* dd = B.at(L.dd);
  for (int r = 0; r < refine; ++r) {
    for (int j = B.tid; j < L.N; j += B.threads) rf[j] = f[j] + dd[j] * p[j] - multiply_transpose(B, q, j);
    multiply(B, p, rg);
    __syncthreads();
    for (int i = B.tid; i < L.m; i += B.threads) rg[i] = g[i] - rg[i];
    __syncthreads();
    base_solve(B, rf, rg, ep, eq);
    for (int j = B.tid; j < L.N; j += B.threads) p[j] += ep[j];
    for (int i = B.tid; i < L.m; i += B.threads) q[i] += eq[i];
    __syncthreads();
  }
}

struct Scalars {
  float tau, kappa, rg, den;
  float dtau, dkappa, dtau_a, dkappa_a;
};

// Newton direction for residual reduction eta and centring target smu; `corrector` adds the
// second-order term of the affine direction. Writes dx, dz, dw, dv, dy, S.dtau, S.dkappa.
__device__ void direction(const Block& B, Scalars& S, float eta, float smu, float corrector, int refine) {
  const Layout& L = B.L;
  const int n = L.n;
  float *x = B.at(L.x), *z = B.at(L.z), *w = B.at(L.w), *v = B.at(L.v);
  const float *u = B.at(L.u), *box = B.at(L.box), *rd = B.at(L.rd), *ru = B.at(L.ru), *rp = B.at(L.rp);
  const float *c = B.at(L.c), *b = B.at(L.b), *p1 = B.at(L.p1), *q1 = B.at(L.q1);
  float *rxz = B.at(L.rxz), *rwv = B.at(L.rwv), *f = B.at(L.f), *g = B.at(L.g);
  float *p2 = B.at(L.p2), *q2 = B.at(L.q2);
  float *dx = B.at(L.dx), *dz = B.at(L.dz), *dw = B.at(L.dw), *dv = B.at(L.dv), *dy = B.at(L.dy);
  const float *dxa = B.at(L.dxa), *dza = B.at(L.dza), *dwa = B.at(L.dwa), *dva = B.at(L.dva);

  float local_u = 0.f;  // sum over B of u (rwv - v eta ru) / w
  for (int j = B.tid; j < L.N; j += B.threads) {
    const float r = smu - x[j] * z[j] - corrector * dxa[j] * dza[j];
    rxz[j] = r;
    float fj = eta * rd[j] - r / x[j];
    if (j < n && box[j] != 0.f) {
      const float rw = smu - w[j] * v[j] - corrector * dwa[j] * dva[j];
      rwv[j] = rw;
      const float t = (rw - v[j] * eta * ru[j]) / w[j];
      fj += t;
      local_u += u[j] * t;
    } else if (j < n) {
      rwv[j] = 0.f;
    }
    f[j] = fj;
  }
  for (int i = B.tid; i < L.m; i += B.threads) g[i] = eta * rp[i];
  __syncthreads();
  const float rtk = smu - S.tau * S.kappa - corrector * S.dtau_a * S.dkappa_a;
  solve_kkt(B, f, g, p2, q2, refine);
  float acc[3] = {local_u, 0.f, 0.f};  // u-term, c2'p2, b'q2
  for (int j = B.tid; j < L.N; j += B.threads) {
    float c2 = c[j];
    if (j < n && box[j] != 0.f) c2 += v[j] * u[j] / w[j];
    acc[1] += c2 * p2[j];
  }
  for (int i = B.tid; i < L.m; i += B.threads) acc[2] += b[i] * q2[i];
  block_reduce<3>(acc, B.red, SumOp());
  const float num = eta * S.rg + acc[0] + rtk / S.tau + acc[1] - acc[2];
  const float dtau = num / S.den;
  S.dtau = dtau;
  S.dkappa = (rtk - S.kappa * dtau) / S.tau;
  for (int j = B.tid; j < L.N; j += B.threads) {
    const float d = p2[j] + dtau * p1[j];
    dx[j] = d;
    dz[j] = (rxz[j] - z[j] * d) / x[j];
    if (j < n) {
      if (box[j] != 0.f) {
        const float dwj = eta * ru[j] - d + u[j] * dtau;
        dw[j] = dwj;
        dv[j] = (rwv[j] - v[j] * dwj) / w[j];
      } else {
        dw[j] = 0.f;
        dv[j] = 0.f;
      }
    }
  }
  for (int i = B.tid; i < L.m; i += B.threads) dy[i] = q2[i] + dtau * q1[i];
  __syncthreads();
}

// Largest step in (0, inf) keeping x, z, w, v, tau, kappa non-negative.
__device__ float max_step(const Block& B, const Scalars& S) {
  const Layout& L = B.L;
  const float *x = B.at(L.x), *z = B.at(L.z), *w = B.at(L.w), *v = B.at(L.v), *box = B.at(L.box);
  const float *dx = B.at(L.dx), *dz = B.at(L.dz), *dw = B.at(L.dw), *dv = B.at(L.dv);
  float a = 1e30f;
  for (int j = B.tid; j < L.N; j += B.threads) {
    if (dx[j] < 0.f) a = fminf(a, -x[j] / dx[j]);
    if (dz[j] < 0.f) a = fminf(a, -z[j] / dz[j]);
    if (j < L.n && box[j] != 0.f) {
      if (dw[j] < 0.f) a = fminf(a, -w[j] / dw[j]);
      if (dv[j] < 0.f) a = fminf(a, -v[j] / dv[j]);
    }
  }
  if (S.dtau < 0.f) a = fminf(a, -S.tau / S.dtau);
  if (S.dkappa < 0.f) a = fminf(a, -S.kappa / S.dkappa);
  float r[1] = {a};
  block_reduce<1>(r, B.red, MinOp());
  return r[0];
}

__device__ void copy(const Block& B, float* dst, const float* src, int count) {
  for (int j = B.tid; j < count; j += B.threads) dst[j] = src[j];
}

struct LpData {
  const double *c, *a, *b, *lower, *upper;
};

struct Check {
  double primal, dual, gap, objective;
  __device__ bool within(double tol) const { return primal <= tol && dual <= tol && gap <= tol; }
};

// The answer of the iterate (xs, ys, tau) in float64 against the caller's data: x = lower +
// xs / tau clipped to the bounds, y_ub = max(0, -ys / tau), reduced costs r = c + A'y_ub with
// z_lower = max(r, 0), z_upper = max(-r, 0) (a sign without a finite bound on its side is dual
// infeasibility), dual objective -b'y_ub + l'z_lower - u'z_upper. Leaves x and y_ub in B.xd,
// B.yd. Called by every thread of the block.
__device__ Check check64(const Block& B, const LpData& D, const float* xs, const float* ys, float tau) {
  const int n = B.L.n, m = B.L.m;
  double* xd = B.xd;
  double* yd = B.yd;
  for (int j = B.tid; j < n; j += B.threads) {
    const double lo = D.lower ? D.lower[j] : 0.0;
    const double hi = D.upper ? D.upper[j] : INFINITY;
    const double value = lo + static_cast<double>(xs[j]) / static_cast<double>(tau);
    xd[j] = fmin(fmax(value, lo), hi);
  }
  for (int i = B.tid; i < m; i += B.threads) yd[i] = fmax(0.0, -static_cast<double>(ys[i]) / static_cast<double>(tau));
  __syncthreads();
  double pres = 0.0, bmax = 0.0, dual_part = 0.0;
  for (int i = B.wid; i < m; i += B.warps) {
    double sum = 0.0;
    for (int j = B.lane; j < n; j += 32) sum += D.a[static_cast<size_t>(i) * n + j] * xd[j];
    sum = warp_reduce(sum, SumOp());
    if (B.lane == 0) {
      pres = fmax(pres, sum - D.b[i]);
      bmax = fmax(bmax, fabs(D.b[i]));
      dual_part -= D.b[i] * yd[i];
    }
  }
  double dres = 0.0, cmax = 0.0, pobj = 0.0;
  for (int j = B.tid; j < n; j += B.threads) {
    double r = D.c[j];
    for (int i = 0; i < m; ++i) r += D.a[static_cast<size_t>(i) * n + j] * yd[i];
    const double lo = D.lower ? D.lower[j] : 0.0;
    const double hi = D.upper ? D.upper[j] : INFINITY;
    cmax = fmax(cmax, fabs(D.c[j]));
    pobj += D.c[j] * xd[j];
    if (r > 0.0) {
      if (lo > -INFINITY) dual_part += lo * r;
      else dres = fmax(dres, r);
    } else if (r < 0.0) {
      if (hi < INFINITY) dual_part += hi * r;
      else dres = fmax(dres, -r);
    }
  }
  double mx[4] = {pres, bmax, dres, cmax};
  double sm[2] = {dual_part, pobj};
  block_reduce<4>(mx, B.dred, MaxOp());
  block_reduce<2>(sm, B.dred, SumOp());
  Check r;
  r.primal = mx[0] / (1.0 + mx[1]);
  r.dual = mx[2] / (1.0 + mx[3]);
  r.gap = fabs(sm[1] - sm[0]) / (1.0 + fabs(sm[1]));
  r.objective = sm[1];
  return r;
}

__global__ void __launch_bounds__(kMaxThreads) batched_hsd_kernel(const Params P) {
  extern __shared__ double shared_d[];
  Block B;
  B.L = P.L;
  B.dred = shared_d;
  B.xd = shared_d + kReduceSlots * 32;
  B.yd = B.xd + P.L.n;
  B.s = reinterpret_cast<float*>(shared_d + P.L.doubles);
  B.red = B.s + P.L.red;
  B.tid = threadIdx.x;
  B.lane = threadIdx.x & 31;
  B.wid = threadIdx.x >> 5;
  B.warps = blockDim.x >> 5;
  B.threads = blockDim.x;
  const Layout& L = B.L;
  const int n = L.n, m = L.m, N = L.N;
  const int lp = blockIdx.x;
  if (lp >= P.batch) return;  // uniform over the block

  const double* c64 = P.c + static_cast<size_t>(lp) * n;
  const double* a64 = P.a + static_cast<size_t>(lp) * m * n;
  const double* b64 = P.b + static_cast<size_t>(lp) * m;
  const double* l64 = P.lower ? P.lower + static_cast<size_t>(lp) * n : nullptr;
  const double* u64 = P.upper ? P.upper + static_cast<size_t>(lp) * n : nullptr;

  float *A = B.at(L.A), *c = B.at(L.c), *b = B.at(L.b), *u = B.at(L.u), *box = B.at(L.box);
  float *x = B.at(L.x), *z = B.at(L.z), *w = B.at(L.w), *v = B.at(L.v), *y = B.at(L.y);
  float *rp = B.at(L.rp), *ru = B.at(L.ru), *rd = B.at(L.rd), *dd = B.at(L.dd), *theta = B.at(L.theta);
  float *dx = B.at(L.dx), *dz = B.at(L.dz), *dw = B.at(L.dw), *dv = B.at(L.dv), *dy = B.at(L.dy);
  float *dxa = B.at(L.dxa), *dza = B.at(L.dza), *dwa = B.at(L.dwa), *dva = B.at(L.dva);
  float *p1 = B.at(L.p1), *q1 = B.at(L.q1), *f = B.at(L.f), *g = B.at(L.g);
  float *bx = B.at(L.bx), *bz = B.at(L.bz), *bw = B.at(L.bw), *bv = B.at(L.bv), *by = B.at(L.by);

  // Load: shifted bounds, A in float, b - A l in float64 then float.
  float unsupported = P.supported_shape ? 0.f : 1.f;
  for (int j = B.tid; j < n; j += B.threads) {
    const double lo = l64 ? l64[j] : 0.0;
    const double hi = u64 ? u64[j] : INFINITY;
    if (!(lo > -INFINITY) || !(hi > lo)) unsupported = 1.f;
    const bool boxed = hi < INFINITY;
    u[j] = boxed ? static_cast<float>(hi - lo) : 0.f;
    box[j] = boxed ? 1.f : 0.f;
    c[j] = static_cast<float>(c64[j]);
  }
  for (int j = n + B.tid; j < N; j += B.threads) c[j] = 0.f;
  for (int idx = B.tid; idx < m * n; idx += B.threads) {
    const int i = idx / n, j = idx % n;
    A[i * L.lda + j] = static_cast<float>(a64[idx]);
  }
  for (int i = B.wid; i < m; i += B.warps) {
    double shift = 0.0;
    if (l64)
      for (int j = B.lane; j < n; j += 32) shift += a64[static_cast<size_t>(i) * n + j] * l64[j];
    shift = warp_reduce(shift, SumOp());
    if (B.lane == 0) b[i] = static_cast<float>(b64[i] - shift);
  }
  {
    float flag[1] = {unsupported};
    block_reduce<1>(flag, B.red, MaxOp());  // also the barrier after the loads
    unsupported = flag[0];
  }
  int iterations = 0;
  bool hit_limit = false, accepted = false;
  Check current{NAN, NAN, NAN, NAN};
  const LpData D{c64, a64, b64, l64, u64};
  float best_tau = 1.f;
  if (unsupported == 0.f) {
    float norms[3] = {0.f, 0.f, 0.f};  // max |b|, max |c|, max u
    for (int i = B.tid; i < m; i += B.threads) norms[0] = fmaxf(norms[0], fabsf(b[i]));
    for (int j = B.tid; j < n; j += B.threads) {
      norms[1] = fmaxf(norms[1], fabsf(c[j]));
      norms[2] = fmaxf(norms[2], u[j]);
    }
    block_reduce<3>(norms, B.red, MaxOp());
    const float bnorm = norms[0], cnorm = norms[1], unorm = norms[2];

    int boxes = 0;
    for (int j = B.tid; j < N; j += B.threads) {
      x[j] = 1.f;
      z[j] = 1.f;
      bx[j] = 1.f;
      bz[j] = 1.f;
      if (j < n) {
        w[j] = box[j];
        v[j] = box[j];
        bw[j] = box[j];
        bv[j] = box[j];
        boxes += box[j] != 0.f;
        dxa[j] = dza[j] = dwa[j] = dva[j] = 0.f;
      } else {
        dxa[j] = dza[j] = 0.f;
      }
    }
    for (int i = B.tid; i < m; i += B.threads) y[i] = by[i] = 0.f;
    float count[1] = {static_cast<float>(boxes)};
    block_reduce<1>(count, B.red, SumOp());
    const float nu = static_cast<float>(N) + count[0] + 1.f;

    Scalars S{1.f, 1.f, 0.f, 1.f, 0.f, 0.f, 0.f, 0.f};
    float best_merit = INFINITY;
    int stalls = 0, since_best = 0;
    for (int it = 0;; ++it) {
      iterations = it;
      // Residuals of the embedding.
      multiply(B, x, rp);
      for (int j = B.tid; j < N; j += B.threads) {
        float r = c[j] * S.tau - multiply_transpose(B, y, j) - z[j];
        if (j < n) {
          r += box[j] * v[j];
          ru[j] = box[j] * (u[j] * S.tau - x[j] - w[j]);
        }
        rd[j] = r;
      }
      __syncthreads();
      for (int i = B.tid; i < m; i += B.threads) rp[i] = b[i] * S.tau - rp[i];
      __syncthreads();
      float mx[3] = {0.f, 0.f, 0.f};  // max |rp|, |ru|, |rd|
      float sm[4] = {0.f, 0.f, 0.f, 0.f};  // c'x, b'y, u'v, x'z + w'v
      for (int i = B.tid; i < m; i += B.threads) {
        mx[0] = fmaxf(mx[0], fabsf(rp[i]));
        sm[1] += b[i] * y[i];
      }
      for (int j = B.tid; j < N; j += B.threads) {
        mx[2] = fmaxf(mx[2], fabsf(rd[j]));
        sm[0] += c[j] * x[j];
        sm[3] += x[j] * z[j];
        if (j < n) {
          mx[1] = fmaxf(mx[1], fabsf(ru[j]));
          sm[2] += box[j] * u[j] * v[j];
          sm[3] += box[j] * w[j] * v[j];
        }
      }
      block_reduce<3>(mx, B.red, MaxOp());
      block_reduce<4>(sm, B.red, SumOp());
      S.rg = S.kappa + sm[0] - sm[1] + sm[2];
      const float mu = (sm[3] + S.tau * S.kappa) / nu;
      const float pinf = fmaxf(mx[0] / (1.f + bnorm), mx[1] / (1.f + unorm)) / S.tau;
      const float dinf = mx[2] / (1.f + cnorm) / S.tau;
      const float pobj = sm[0] / S.tau, dobj = (sm[1] - sm[2]) / S.tau;
      const float gap = fabsf(pobj - dobj) / (1.f + fabsf(pobj));
      const float merit = fmaxf(pinf, fmaxf(dinf, gap));
      ++since_best;
      const bool improved = merit < best_merit;
      if (improved) {  // uniform over the block
        since_best = 0;
        best_merit = merit;
        best_tau = S.tau;
        copy(B, bx, x, N);
        copy(B, bz, z, N);
        copy(B, bw, w, n);
        copy(B, bv, v, n);
        copy(B, by, y, m);
      }
      if (improved && merit <= P.tolerance) {
        // Accepted only when the float64 check of this iterate passes; otherwise every further
        // improvement is checked until one passes or the iterations stall.
        current = check64(B, D, x, y, S.tau);
        if (current.within(P.check_tolerance)) {
          accepted = true;
          break;
        }
      }
      if (it >= P.max_iterations || stalls >= kStallSteps || since_best > kNoProgress || !isfinite(mu) || !isfinite(merit) ||
          S.tau < kTauCollapse * S.kappa)
        break;
      const int refine = mu < 1e-2f ? 2 : 1;  // tau column and corrector; the predictor one less

      // Normal matrix and its factor.
      for (int j = B.tid; j < N; j += B.threads) {
        float d = z[j] / x[j];
        if (j < n && box[j] != 0.f) d += v[j] / w[j];
        dd[j] = d;
        theta[j] = 1.f / (d + kRegPrimal);
      }
      __syncthreads();
      factor(B);

      // The tau column: [-D A'; A 0] [p1; q1] = [c - V/W u; b].
      for (int j = B.tid; j < N; j += B.threads) {
        float cj = c[j];
        if (j < n && box[j] != 0.f) cj -= v[j] * u[j] / w[j];
        f[j] = cj;
      }
      for (int i = B.tid; i < m; i += B.threads) g[i] = b[i];
      __syncthreads();
      solve_kkt(B, f, g, p1, q1, refine);
      {
        // -c2'p1 + b'q1 + u'(V/W)u with c2 = c + V/W u, written as the sum of squares it equals
        // (b'q1 = p1'(D p1 + c1)), so that rounding cannot make it negative.
        float acc[1] = {0.f};
        for (int j = B.tid; j < N; j += B.threads) {
          const float pj = p1[j];
          float term = z[j] / x[j] * pj * pj;
          if (j < n && box[j] != 0.f) {
            const float over = pj - u[j];
            term += v[j] / w[j] * over * over;
          }
          acc[0] += term;
        }
        block_reduce<1>(acc, B.red, SumOp());
        S.den = acc[0] + S.kappa / S.tau;
      }
      if (!(S.den > 0.f) || !isfinite(S.den)) break;

      // Predictor.
      S.dtau_a = S.dkappa_a = 0.f;
      direction(B, S, 1.f, 0.f, 0.f, refine - 1);
      const float alpha_aff = fminf(1.f, max_step(B, S));
      float mu_aff;
      {
        float acc[1] = {0.f};
        for (int j = B.tid; j < N; j += B.threads) {
          acc[0] += (x[j] + alpha_aff * dx[j]) * (z[j] + alpha_aff * dz[j]);
          if (j < n && box[j] != 0.f) acc[0] += (w[j] + alpha_aff * dw[j]) * (v[j] + alpha_aff * dv[j]);
        }
        block_reduce<1>(acc, B.red, SumOp());
        mu_aff = (acc[0] + (S.tau + alpha_aff * S.dtau) * (S.kappa + alpha_aff * S.dkappa)) / nu;
      }
      float ratio = fmaxf(0.f, fminf(1.f, mu_aff / mu));
      const float sigma = ratio * ratio * ratio;
      copy(B, dxa, dx, N);
      copy(B, dza, dz, N);
      copy(B, dwa, dw, n);
      copy(B, dva, dv, n);
      S.dtau_a = S.dtau;
      S.dkappa_a = S.dkappa;
      __syncthreads();

      // Corrector.
      direction(B, S, 1.f - sigma, sigma * mu, 1.f, refine);
      const float alpha = fminf(1.f, kStepFactor * max_step(B, S));
      stalls = alpha < kTinyStep ? stalls + 1 : 0;
      for (int j = B.tid; j < N; j += B.threads) {
        x[j] += alpha * dx[j];
        z[j] += alpha * dz[j];
        if (j < n && box[j] != 0.f) {
          w[j] += alpha * dw[j];
          v[j] += alpha * dv[j];
        }
      }
      for (int i = B.tid; i < m; i += B.threads) y[i] += alpha * dy[i];
      S.tau += alpha * S.dtau;
      S.kappa += alpha * S.dkappa;
      __syncthreads();
    }
    hit_limit = iterations >= P.max_iterations;
    if (!accepted && (!(best_tau > 0.f) || !(best_merit < INFINITY))) unsupported = 1.f;  // nothing to check
  }
  __syncthreads();

  Check result{NAN, NAN, NAN, NAN};
  if (!accepted && unsupported == 0.f) result = check64(B, D, bx, by, best_tau);
  else if (accepted) result = current;
  const bool have = unsupported == 0.f || accepted;
  int status = LPLB_STATUS_NUMERICAL_ERROR;
  if (have) {
    if (result.within(P.check_tolerance)) status = LPLB_STATUS_OPTIMAL;
    else if (hit_limit) status = LPLB_STATUS_ITERATION_LIMIT;
  }
  const double* xd = B.xd;
  const double* yd = B.yd;
  const DeviceSolutionBatch& out = P.out;
  if (out.x)
    for (int j = B.tid; j < n; j += B.threads) out.x[static_cast<size_t>(lp) * n + j] = have ? xd[j] : NAN;
  if (out.y_ub)
    for (int i = B.tid; i < m; i += B.threads) out.y_ub[static_cast<size_t>(lp) * m + i] = have ? yd[i] : NAN;
  if (B.tid == 0) {
    out.status[lp] = status;
    if (out.objective) out.objective[lp] = have ? result.objective : NAN;
    if (out.primal_residual) out.primal_residual[lp] = have ? result.primal : NAN;
    if (out.dual_residual) out.dual_residual[lp] = have ? result.dual : NAN;
    if (out.duality_gap) out.duality_gap[lp] = have ? result.gap : NAN;
    if (out.iterations) out.iterations[lp] = iterations;
  }
}

int threads_for(int N) {
  int warps = (N + 31) / 32;
  if (warps < 2) warps = 2;
  if (warps > kMaxThreads / 32) warps = kMaxThreads / 32;
  return warps * 32;
}

}  // namespace
}  // namespace cuda
}  // namespace lplb

namespace lplb {
namespace cuda {

size_t batched_ipm_shared_bytes(const lplb_shape& shape) {
  return layout_bytes(make_layout(shape.n_vars, shape.m_ub));
}

lplb_error BatchedIpm::create(const lplb_shape& shape, const BatchedIpmOptions& options,
                              std::unique_ptr<BatchedIpm>* out, std::string* message) {
  auto fail = [message](lplb_error code, const std::string& text) {
    if (message) *message = text;
    return code;
  };
  if (!out) return fail(LPLB_ERR_INVALID_ARGUMENT, "out is null");
  out->reset();
  if (shape.n_vars < 1 || shape.m_eq < 0 || shape.m_ub < 0 || shape.n_vars > (1 << 20) || shape.m_ub > (1 << 20))
    return fail(LPLB_ERR_INVALID_ARGUMENT, "invalid shape");
  if (options.max_iterations < 1 || !(options.tolerance > 0.f) || !(options.check_tolerance > 0.0))
    return fail(LPLB_ERR_INVALID_ARGUMENT, "invalid options");
  int device = 0;
  cudaError_t err = cudaGetDevice(&device);
  if (err != cudaSuccess) {
    cudaGetLastError();
    return fail(LPLB_ERR_BACKEND_UNAVAILABLE, std::string("no CUDA device: ") + cudaGetErrorString(err));
  }
  int optin = 0;
  err = cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device);
  if (err != cudaSuccess) {
    cudaGetLastError();
    return fail(LPLB_ERR_BACKEND_UNAVAILABLE, std::string("cudaDeviceGetAttribute: ") + cudaGetErrorString(err));
  }
  const double bytes_d = (static_cast<double>(shape.m_ub) * (shape.n_vars + 1) + static_cast<double>(shape.m_ub) * shape.m_ub +
                          30.0 * (shape.n_vars + shape.m_ub) + 4096.0) * 8.0;
  const size_t bytes = bytes_d < 1e9 ? batched_ipm_shared_bytes(shape) : static_cast<size_t>(-1);
  if (bytes_d >= 1e9 || bytes > static_cast<size_t>(optin)) {
    char text[256];
    std::snprintf(text, sizeof text,
                  "shape n_vars=%d m_ub=%d needs %zu bytes of shared memory per block; the device allows %d",
                  shape.n_vars, shape.m_ub, bytes, optin);
    return fail(LPLB_ERR_INVALID_ARGUMENT, text);
  }
  err = cudaFuncSetAttribute(batched_hsd_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes));
  if (err != cudaSuccess) {
    cudaGetLastError();
    return fail(LPLB_ERR_BACKEND_UNAVAILABLE, std::string("cudaFuncSetAttribute: ") + cudaGetErrorString(err));
  }
  std::unique_ptr<BatchedIpm> ipm(new BatchedIpm());
  ipm->shape_ = shape;
  ipm->options_ = options;
  ipm->shared_bytes_ = bytes;
  ipm->threads_ = threads_for(shape.n_vars + shape.m_ub);
  *out = std::move(ipm);
  return LPLB_OK;
}

cudaError_t BatchedIpm::solve(const DeviceLpBatch& lps, const DeviceSolutionBatch& out, cudaStream_t stream) const {
  if (lps.batch < 0 || !out.status || (lps.batch > 0 && (!lps.c || (shape_.m_ub > 0 && (!lps.a_ub || !lps.b_ub)))))
    return cudaErrorInvalidValue;
  if (lps.batch == 0) return cudaSuccess;
  Params p;
  p.L = make_layout(shape_.n_vars, shape_.m_ub);
  p.batch = lps.batch;
  p.supported_shape = shape_.m_eq == 0 ? 1 : 0;
  p.max_iterations = options_.max_iterations;
  p.tolerance = options_.tolerance;
  p.check_tolerance = options_.check_tolerance;
  p.c = lps.c;
  p.a = lps.a_ub;
  p.b = lps.b_ub;
  p.lower = lps.lower;
  p.upper = lps.upper;
  p.out = out;
  batched_hsd_kernel<<<lps.batch, threads_, shared_bytes_, stream>>>(p);
  return cudaGetLastError();
}

}  // namespace cuda
}  // namespace lplb
