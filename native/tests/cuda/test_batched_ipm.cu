// The batched GPU kernel against the CPU float64 solver on random LPLB LPs (reference section
// 3.4): cube (8 ranks, D=2: 17 vars / 8 rows), torus 8x4 (32 ranks, D=2: 65 / 32), 64 ranks
// D=4 (257 / 64), with uniform, heavy-tailed, all-zero and one-dominant loads. Per group: both
// report optimal, objectives agree within 1e-4 relative, and the GPU answer is feasible in an
// independent float64 check. Also the statuses of what the kernel does not handle.
//
// Usage: test_batched_ipm [--batch N] [--seed S]   correctness (exit 0 all passed, 1 failure,
//                                                  77 no CUDA device)
//        test_batched_ipm --bench [--launches K]   median microseconds per launch
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "batched_ipm.cuh"
#include "lplb/ipm.h"
#include "../lplb_group_lp.h"

using lplb::cuda::BatchedIpm;
using lplb::cuda::BatchedIpmOptions;
using lplb::cuda::DeviceLpBatch;
using lplb::cuda::DeviceSolutionBatch;

namespace {

#define CUDA_OK(expr)                                                                          \
  do {                                                                                         \
    const cudaError_t e_ = (expr);                                                             \
    if (e_ != cudaSuccess) {                                                                   \
      std::fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #expr, cudaGetErrorString(e_)); \
      std::exit(1);                                                                            \
    }                                                                                          \
  } while (0)

struct Topology {
  std::string name;
  int ranks, slots;
  std::vector<int> r2o;  // [ranks][slots]
};

Topology cube() { return Topology{"cube", 8, 2, lplb_group_lp::cube_r2o()}; }

// 2-D torus rows x cols: rank i*cols+j pairs with [((i+1)%rows)*cols+j, i*cols+(j+1)%cols].
Topology torus(int rows, int cols) {
  Topology t{"torus" + std::to_string(rows) + "x" + std::to_string(cols), rows * cols, 2,
             std::vector<int>(rows * cols * 2)};
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) {
      const int r = i * cols + j;
      t.r2o[r * 2] = ((i + 1) % rows) * cols + j;
      t.r2o[r * 2 + 1] = i * cols + (j + 1) % cols;
    }
  return t;
}

// 64 ranks, D = 4: slot d of rank i replicates rank (i + 2^d) mod 64.
Topology group64() {
  Topology t{"64rank-D4", 64, 4, std::vector<int>(256)};
  for (int i = 0; i < 64; ++i)
    for (int d = 0; d < 4; ++d) t.r2o[i * 4 + d] = (i + (1 << d)) % 64;
  return t;
}

enum class Loads { kUniform, kHeavyTailed, kZeros, kOneDominant };
const char* load_name(Loads k) {
  switch (k) {
    case Loads::kUniform: return "uniform";
    case Loads::kHeavyTailed: return "heavy-tailed";
    case Loads::kZeros: return "zeros";
    case Loads::kOneDominant: return "one-dominant";
  }
  return "?";
}

// Loads w[ranks][slots], f[ranks], normalised by their largest value (when not all zero).
void make_loads(Loads kind, std::mt19937_64& rng, int ranks, int slots, std::vector<double>* w,
                std::vector<double>* f) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  w->assign(static_cast<size_t>(ranks) * slots, 0.0);
  f->assign(ranks, 0.0);
  auto draw = [&]() -> double {
    switch (kind) {
      case Loads::kUniform: return unit(rng);
      case Loads::kHeavyTailed: return std::pow(1.0 - unit(rng), -1.0 / 1.1);  // Pareto, alpha 1.1
      case Loads::kZeros: return 0.0;
      case Loads::kOneDominant: return 0.01 * unit(rng);
    }
    return 0.0;
  };
  for (double& v : *w) v = draw();
  for (double& v : *f) v = draw();
  if (kind == Loads::kOneDominant) {
    std::uniform_int_distribution<int> pick(0, ranks * slots - 1);
    (*w)[pick(rng)] = 1.0;
  }
  double largest = 0;
  for (double v : *w) largest = std::max(largest, v);
  for (double v : *f) largest = std::max(largest, v);
  if (largest > 0) {
    for (double& v : *w) v /= largest;
    for (double& v : *f) v /= largest;
  }
}

struct HostBatch {
  int batch = 0, n = 0, m_eq = 0, m = 0;
  std::vector<double> c, a_eq, b_eq, a, b, lower, upper;
};

HostBatch make_batch(const Topology& t, Loads kind, int batch, std::mt19937_64& rng) {
  HostBatch h;
  h.batch = batch;
  h.n = t.ranks * t.slots + 1;
  h.m = t.ranks;
  h.c.resize(static_cast<size_t>(batch) * h.n);
  h.a.resize(static_cast<size_t>(batch) * h.m * h.n);
  h.b.resize(static_cast<size_t>(batch) * h.m);
  h.lower.resize(h.c.size());
  h.upper.resize(h.c.size());
  std::vector<double> w, f;
  for (int k = 0; k < batch; ++k) {
    make_loads(kind, rng, t.ranks, t.slots, &w, &f);
    lplb_group_lp::fill_lplb_lp(t.r2o.data(), t.ranks, t.slots, w.data(), f.data(),
                                &h.c[static_cast<size_t>(k) * h.n], &h.a[static_cast<size_t>(k) * h.m * h.n],
                                &h.b[static_cast<size_t>(k) * h.m], &h.lower[static_cast<size_t>(k) * h.n],
                                &h.upper[static_cast<size_t>(k) * h.n]);
  }
  return h;
}

template <typename T>
T* upload(const std::vector<T>& v) {
  if (v.empty()) return nullptr;
  T* d = nullptr;
  CUDA_OK(cudaMalloc(&d, v.size() * sizeof(T)));
  CUDA_OK(cudaMemcpy(d, v.data(), v.size() * sizeof(T), cudaMemcpyHostToDevice));
  return d;
}

struct DeviceBatch {
  DeviceLpBatch lps{};
  DeviceSolutionBatch out{};
  std::vector<void*> owned;
  explicit DeviceBatch(const HostBatch& h) {
    lps.batch = h.batch;
    lps.c = track(upload(h.c));
    lps.a_eq = track(upload(h.a_eq));
    lps.b_eq = track(upload(h.b_eq));
    lps.a_ub = track(upload(h.a));
    lps.b_ub = track(upload(h.b));
    lps.lower = track(upload(h.lower));
    lps.upper = track(upload(h.upper));
    out.status = track(alloc<int32_t>(h.batch));
    out.x = track(alloc<double>(static_cast<size_t>(h.batch) * h.n));
    out.y_ub = h.m > 0 ? track(alloc<double>(static_cast<size_t>(h.batch) * h.m)) : nullptr;
    out.objective = track(alloc<double>(h.batch));
    out.primal_residual = track(alloc<double>(h.batch));
    out.dual_residual = track(alloc<double>(h.batch));
    out.duality_gap = track(alloc<double>(h.batch));
    out.iterations = track(alloc<int32_t>(h.batch));
  }
  ~DeviceBatch() {
    for (void* p : owned) cudaFree(p);
  }
  DeviceBatch(const DeviceBatch&) = delete;
  DeviceBatch& operator=(const DeviceBatch&) = delete;
  template <typename T>
  T* track(T* p) {
    if (p) owned.push_back(const_cast<void*>(static_cast<const void*>(p)));
    return p;
  }
  template <typename T>
  static T* alloc(size_t count) {
    T* d = nullptr;
    CUDA_OK(cudaMalloc(&d, std::max<size_t>(count, 1) * sizeof(T)));
    return d;
  }
};

struct GpuResult {
  std::vector<int32_t> status, iterations;
  std::vector<double> x, objective, primal, dual, gap;
};

template <typename T>
std::vector<T> download(const T* d, size_t count) {
  std::vector<T> v(count);
  if (count) CUDA_OK(cudaMemcpy(v.data(), d, count * sizeof(T), cudaMemcpyDeviceToHost));
  return v;
}

GpuResult solve_gpu(const BatchedIpm& ipm, const HostBatch& h) {
  DeviceBatch d(h);
  CUDA_OK(ipm.solve(d.lps, d.out, nullptr));
  CUDA_OK(cudaDeviceSynchronize());
  GpuResult r;
  r.status = download(d.out.status, h.batch);
  r.iterations = download(d.out.iterations, h.batch);
  r.x = download(d.out.x, static_cast<size_t>(h.batch) * h.n);
  r.objective = download(d.out.objective, h.batch);
  r.primal = download(d.out.primal_residual, h.batch);
  r.dual = download(d.out.dual_residual, h.batch);
  r.gap = download(d.out.duality_gap, h.batch);
  return r;
}

struct CpuResult {
  std::vector<int32_t> status;
  std::vector<double> x, objective;
};

bool solve_cpu(const HostBatch& h, CpuResult* r) {
  lplb_shape shape{h.n, h.m_eq, h.m};
  lplb_ipm_settings settings;
  lplb_ipm_default_settings(LPLB_PRECISION_FLOAT64, &settings);
  lplb_ipm_workspace* ws = nullptr;
  if (lplb_ipm_workspace_create(&shape, &settings, &ws) != LPLB_OK) {
    std::printf("CPU workspace: %s\n", lplb_last_error_message());
    return false;
  }
  lplb_lp_batch lps{h.batch,
                    h.c.data(),
                    h.a_eq.empty() ? nullptr : h.a_eq.data(),
                    h.b_eq.empty() ? nullptr : h.b_eq.data(),
                    h.a.data(),
                    h.b.data(),
                    h.lower.data(),
                    h.upper.data()};
  r->status.assign(h.batch, -1);
  r->x.assign(static_cast<size_t>(h.batch) * h.n, 0.0);
  r->objective.assign(h.batch, 0.0);
  lplb_solution_batch out{};
  out.status = r->status.data();
  out.x = r->x.data();
  out.objective = r->objective.data();
  const lplb_error e = lplb_ipm_solve_batch(ws, &lps, &out);
  lplb_ipm_workspace_destroy(ws);
  if (e != LPLB_OK) std::printf("CPU solve: %s\n", lplb_last_error_message());
  return e == LPLB_OK;
}

// Independent float64 feasibility of x for LP k: bounds and A x <= b, relative to 1 + max|b|.
double violation(const HostBatch& h, int k, const double* x) {
  double worst = 0, bmax = 0;
  for (int j = 0; j < h.n; ++j) {
    const double lo = h.lower[static_cast<size_t>(k) * h.n + j], hi = h.upper[static_cast<size_t>(k) * h.n + j];
    if (!std::isfinite(x[j])) return INFINITY;
    worst = std::max({worst, lo - x[j], x[j] - hi});
  }
  for (int i = 0; i < h.m; ++i) {
    const double* row = &h.a[(static_cast<size_t>(k) * h.m + i) * h.n];
    double s = 0;
    for (int j = 0; j < h.n; ++j) s += row[j] * x[j];
    const double bi = h.b[static_cast<size_t>(k) * h.m + i];
    bmax = std::max(bmax, std::fabs(bi));
    worst = std::max(worst, s - bi);
  }
  return worst / (1 + bmax);
}

int passed = 0, failed = 0;

void report(bool ok, const std::string& line) {
  std::printf("%s %s\n", ok ? "PASS" : "FAIL", line.c_str());
  (ok ? passed : failed)++;
}

void run_group(const Topology& t, Loads kind, int batch, std::mt19937_64& rng) {
  const HostBatch h = make_batch(t, kind, batch, rng);
  const std::string name = t.name + " " + load_name(kind);
  std::unique_ptr<BatchedIpm> ipm;
  std::string message;
  const lplb_shape shape{h.n, 0, h.m};
  if (BatchedIpm::create(shape, BatchedIpmOptions(), &ipm, &message) != LPLB_OK) {
    report(false, name + ": create failed: " + message);
    return;
  }
  const GpuResult g = solve_gpu(*ipm, h);
  CpuResult c;
  if (!solve_cpu(h, &c)) {
    report(false, name + ": CPU solver failed");
    return;
  }
  int gpu_optimal = 0, cpu_optimal = 0, agree = 0, feasible = 0, it_max = 0;
  double worst_rel = 0, worst_viol = 0, it_sum = 0, worst_gap = 0;
  for (int k = 0; k < batch; ++k) {
    gpu_optimal += g.status[k] == LPLB_STATUS_OPTIMAL;
    cpu_optimal += c.status[k] == LPLB_STATUS_OPTIMAL;
    const double ref = c.objective[k];
    const double denom = std::fabs(ref) > 1e-6 ? std::fabs(ref) : 1.0;
    const double rel = std::fabs(g.objective[k] - ref) / denom;
    worst_rel = std::max(worst_rel, std::isfinite(rel) ? rel : INFINITY);
    agree += rel <= 1e-4;
    const double viol = violation(h, k, &g.x[static_cast<size_t>(k) * h.n]);
    // The objective is c'x of the returned x (z is the last variable).
    const double cx = g.x[static_cast<size_t>(k) * h.n + h.n - 1];
    const bool consistent = std::fabs(cx - g.objective[k]) <= 1e-12 * (1 + std::fabs(cx));
    worst_viol = std::max(worst_viol, viol);
    feasible += viol <= 1e-5 && consistent;
    worst_gap = std::max(worst_gap, g.gap[k]);
    it_sum += g.iterations[k];
    it_max = std::max(it_max, g.iterations[k]);
    if (g.status[k] != LPLB_STATUS_OPTIMAL || rel > 1e-4 || viol > 1e-5)
      std::printf("  LP %d: gpu status %d obj %.9g (pres %.2e dres %.2e gap %.2e, %d it) cpu status %d obj %.9g\n", k,
                  g.status[k], g.objective[k], g.primal[k], g.dual[k], g.gap[k], g.iterations[k], c.status[k], ref);
  }
  const bool ok = gpu_optimal == batch && cpu_optimal == batch && agree == batch && feasible == batch;
  char line[512];
  std::snprintf(line, sizeof line,
                "%-24s %3d LPs (n=%d, m=%d): optimal gpu %d cpu %d, objective within 1e-4: %d (worst rel %.2e), "
                "feasible: %d (worst %.2e), worst gap %.2e, iterations mean %.1f max %d",
                name.c_str(), batch, h.n, h.m, gpu_optimal, cpu_optimal, agree, worst_rel, feasible, worst_viol,
                worst_gap, it_sum / batch, it_max);
  report(ok, line);
}

// What the kernel does not handle is reported, not mis-solved.
void run_scope_checks(std::mt19937_64& rng) {
  const Topology t = cube();
  // Equality rows: NUMERICAL_ERROR for every LP.
  {
    HostBatch h = make_batch(t, Loads::kUniform, 3, rng);
    h.m_eq = 1;
    h.a_eq.assign(static_cast<size_t>(h.batch) * h.n, 1.0);
    h.b_eq.assign(h.batch, 1.0);
    std::unique_ptr<BatchedIpm> ipm;
    std::string message;
    bool ok = BatchedIpm::create({h.n, 1, h.m}, BatchedIpmOptions(), &ipm, &message) == LPLB_OK;
    if (ok) {
      const GpuResult g = solve_gpu(*ipm, h);
      for (int k = 0; k < h.batch; ++k) ok = ok && g.status[k] == LPLB_STATUS_NUMERICAL_ERROR;
    }
    report(ok, "scope: LPs with equality rows are reported NUMERICAL_ERROR");
  }
  // A free variable (lower = -inf) in LP 1 only: LP 1 NUMERICAL_ERROR, LPs 0 and 2 optimal.
  {
    HostBatch h = make_batch(t, Loads::kUniform, 3, rng);
    h.lower[static_cast<size_t>(1) * h.n + 0] = -INFINITY;
    std::unique_ptr<BatchedIpm> ipm;
    std::string message;
    bool ok = BatchedIpm::create({h.n, 0, h.m}, BatchedIpmOptions(), &ipm, &message) == LPLB_OK;
    if (ok) {
      const GpuResult g = solve_gpu(*ipm, h);
      ok = g.status[0] == LPLB_STATUS_OPTIMAL && g.status[1] == LPLB_STATUS_NUMERICAL_ERROR &&
           g.status[2] == LPLB_STATUS_OPTIMAL;
    }
    report(ok, "scope: a free variable is reported NUMERICAL_ERROR for its LP only");
  }
  // A shape whose shared memory does not fit one block is refused at creation.
  {
    std::unique_ptr<BatchedIpm> ipm;
    std::string message;
    const lplb_error e = BatchedIpm::create({4097, 0, 512}, BatchedIpmOptions(), &ipm, &message);
    report(e == LPLB_ERR_INVALID_ARGUMENT && !ipm, "scope: oversized shape refused (" + message + ")");
  }
  // An empty batch enqueues nothing.
  {
    std::unique_ptr<BatchedIpm> ipm;
    std::string message;
    bool ok = BatchedIpm::create({17, 0, 8}, BatchedIpmOptions(), &ipm, &message) == LPLB_OK;
    DeviceLpBatch lps{};
    DeviceSolutionBatch out{};
    int32_t* status = nullptr;
    CUDA_OK(cudaMalloc(&status, sizeof(int32_t)));
    out.status = status;
    ok = ok && ipm->solve(lps, out, nullptr) == cudaSuccess;
    CUDA_OK(cudaFree(status));
    report(ok, "scope: an empty batch is a no-op");
  }
}

double median(std::vector<float> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

void bench_one(const std::string& name, const Topology& t, int batch, int launches, std::mt19937_64& rng) {
  const HostBatch h = make_batch(t, Loads::kUniform, batch, rng);
  std::unique_ptr<BatchedIpm> ipm;
  std::string message;
  if (BatchedIpm::create({h.n, 0, h.m}, BatchedIpmOptions(), &ipm, &message) != LPLB_OK) {
    std::printf("%s: create failed: %s\n", name.c_str(), message.c_str());
    ++failed;
    return;
  }
  DeviceBatch d(h);
  cudaStream_t stream;
  CUDA_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  cudaEvent_t start, stop;
  CUDA_OK(cudaEventCreate(&start));
  CUDA_OK(cudaEventCreate(&stop));
  for (int i = 0; i < 20; ++i) CUDA_OK(ipm->solve(d.lps, d.out, stream));
  CUDA_OK(cudaStreamSynchronize(stream));
  std::vector<float> plain, graph;
  for (int i = 0; i < launches; ++i) {
    CUDA_OK(cudaEventRecord(start, stream));
    CUDA_OK(ipm->solve(d.lps, d.out, stream));
    CUDA_OK(cudaEventRecord(stop, stream));
    CUDA_OK(cudaEventSynchronize(stop));
    float ms = 0;
    CUDA_OK(cudaEventElapsedTime(&ms, start, stop));
    plain.push_back(ms * 1000.f);
  }
  cudaGraph_t g;
  cudaGraphExec_t exec;
  CUDA_OK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  CUDA_OK(ipm->solve(d.lps, d.out, stream));
  CUDA_OK(cudaStreamEndCapture(stream, &g));
  CUDA_OK(cudaGraphInstantiate(&exec, g, 0));
  for (int i = 0; i < 20; ++i) CUDA_OK(cudaGraphLaunch(exec, stream));
  CUDA_OK(cudaStreamSynchronize(stream));
  for (int i = 0; i < launches; ++i) {
    CUDA_OK(cudaEventRecord(start, stream));
    CUDA_OK(cudaGraphLaunch(exec, stream));
    CUDA_OK(cudaEventRecord(stop, stream));
    CUDA_OK(cudaEventSynchronize(stop));
    float ms = 0;
    CUDA_OK(cudaEventElapsedTime(&ms, start, stop));
    graph.push_back(ms * 1000.f);
  }
  // Back to back: `launches` graph replays between two events (no host wait in between).
  CUDA_OK(cudaEventRecord(start, stream));
  for (int i = 0; i < launches; ++i) CUDA_OK(cudaGraphLaunch(exec, stream));
  CUDA_OK(cudaEventRecord(stop, stream));
  CUDA_OK(cudaEventSynchronize(stop));
  float total_ms = 0;
  CUDA_OK(cudaEventElapsedTime(&total_ms, start, stop));
  // The benchmarked answers are checked too.
  const std::vector<int32_t> status = download(d.out.status, batch);
  const std::vector<int32_t> its = download(d.out.iterations, batch);
  int optimal = 0, it_max = 0;
  for (int k = 0; k < batch; ++k) {
    optimal += status[k] == LPLB_STATUS_OPTIMAL;
    it_max = std::max(it_max, its[k]);
  }
  std::printf("%-22s %3d LPs (n=%d, m=%d, %d threads, %zu B shared): launch median %7.1f us, graph replay median %7.1f us, "
              "back-to-back replays %7.1f us each (%d launches; optimal %d/%d, max iterations %d)\n",
              name.c_str(), batch, h.n, h.m, ipm->threads_per_block(), ipm->shared_bytes(), median(plain), median(graph),
              1000.0 * total_ms / launches, launches, optimal, batch, it_max);
  CUDA_OK(cudaGraphExecDestroy(exec));
  CUDA_OK(cudaGraphDestroy(g));
  CUDA_OK(cudaEventDestroy(start));
  CUDA_OK(cudaEventDestroy(stop));
  CUDA_OK(cudaStreamDestroy(stream));
}

}  // namespace

int main(int argc, char** argv) {
  bool bench = false;
  int batch = 64, launches = 500;
  uint64_t seed = 20260101;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--bench")) bench = true;
    else if (!std::strcmp(argv[i], "--batch") && i + 1 < argc) batch = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--launches") && i + 1 < argc) launches = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 10);
    else {
      std::fprintf(stderr, "usage: %s [--batch N] [--seed S] | --bench [--launches K]\n", argv[0]);
      return 2;
    }
  }
  int devices = 0;
  const cudaError_t e = cudaGetDeviceCount(&devices);
  if (e != cudaSuccess || devices == 0) {
    std::printf("SKIP: no CUDA device (%s)\n", e != cudaSuccess ? cudaGetErrorString(e) : "device count 0");
    return 77;
  }
  cudaDeviceProp prop;
  CUDA_OK(cudaGetDeviceProperties(&prop, 0));
  std::printf("device: %s (sm_%d%d), seed %llu\n", prop.name, prop.major, prop.minor,
              static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  if (bench) {
    const Topology c = cube();
    bench_one("EP32 cube", c, 4, launches, rng);
    bench_one("EP256 cube", c, 32, launches, rng);
    bench_one("torus8x4", torus(8, 4), 8, launches, rng);
    bench_one("64rank-D4", group64(), 4, launches, rng);
  } else {
    const Topology tops[] = {cube(), torus(8, 4), group64()};
    const Loads kinds[] = {Loads::kUniform, Loads::kHeavyTailed, Loads::kZeros, Loads::kOneDominant};
    for (const Topology& t : tops)
      for (Loads k : kinds) run_group(t, k, batch, rng);
    run_scope_checks(rng);
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
