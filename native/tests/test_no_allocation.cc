// solve_batch does not allocate: every buffer is sized when the workspace is created. A counting
// global operator new watches a batch solve (optimal, infeasible, unbounded, float32, and an
// argument error).
#include <atomic>
#include <cstdlib>
#include <new>

#include "test_support.h"

namespace {
std::atomic<long> allocations{0};
std::atomic<bool> counting{false};
}  // namespace

void* operator new(std::size_t size) {
  if (counting.load()) ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  if (counting.load()) ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  if (counting.load()) ++allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  if (counting.load()) ++allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

using namespace lplb_test;

namespace {

// Allocations made by solving `lps` (already laid out) with a fresh workspace.
long allocations_during_solve(const std::vector<Lp>& lps, lplb_precision precision, bool break_input) {
  const Lp& first = lps.front();
  const int n = first.n, me = first.m_eq, mu = first.m_ub;
  BatchArrays a = concatenate(lps);
  if (break_input) a.c.back() = INFINITY;
  const size_t count = lps.size();
  std::vector<int32_t> status(count), iterations(count);
  std::vector<double> x(count * n), y_eq(count * me + 1), y_ub(count * mu + 1), zl(count * n), zu(count * n);
  std::vector<double> objective(count), primal(count), dual(count), gap(count);
  lplb_shape shape{n, me, mu};
  lplb_ipm_settings settings = settings_for(precision);
  lplb_ipm_workspace* workspace = nullptr;
  CHECK(lplb_ipm_workspace_create(&shape, &settings, &workspace) == LPLB_OK);
  lplb_lp_batch in{static_cast<int32_t>(count), a.c.data(), a.a_eq.data(), a.b_eq.data(), a.a_ub.data(),
                   a.b_ub.data(), a.lower.data(), a.upper.data()};
  lplb_solution_batch out{status.data(), x.data(), y_eq.data(), y_ub.data(), zl.data(), zu.data(),
                          objective.data(), primal.data(), dual.data(), gap.data(), iterations.data()};
  allocations = 0;
  counting = true;
  const lplb_error error = lplb_ipm_solve_batch(workspace, &in, &out);
  counting = false;
  CHECK(error == (break_input ? LPLB_ERR_INVALID_ARGUMENT : LPLB_OK));
  lplb_ipm_workspace_destroy(workspace);
  return allocations.load();
}

std::vector<Lp> mixed_lps() {
  std::mt19937_64 rng(5);
  std::vector<Lp> lps;
  for (int t = 0; t < 3; ++t) lps.push_back(make_optimal(rng, 6, 2, 5, BoundMix::kMixed, true).lp);
  lps.push_back(make_infeasible(rng, 6, 2, 3));  // 5 inequality rows, like the others
  lps.push_back(make_unbounded(rng, 6, 2, 5));
  return lps;
}

}  // namespace

TEST(counter_sees_allocations) {
  // The counter works: a vector allocates.
  allocations = 0;
  counting = true;
  std::vector<double>* v = new std::vector<double>(10);
  counting = false;
  delete v;
  CHECK(allocations.load() >= 1);
}

TEST(solve_batch_does_not_allocate_float64) {
  CHECK(allocations_during_solve(mixed_lps(), LPLB_PRECISION_FLOAT64, false) == 0);
}

TEST(solve_batch_does_not_allocate_float32) {
  CHECK(allocations_during_solve(mixed_lps(), LPLB_PRECISION_FLOAT32, false) == 0);
}

TEST(argument_error_does_not_allocate) {
  CHECK(allocations_during_solve(mixed_lps(), LPLB_PRECISION_FLOAT64, true) == 0);
}

TEST(lplb_cube_does_not_allocate) {
  std::mt19937_64 rng(6);
  std::vector<Lp> lps;
  for (int t = 0; t < 8; ++t) {
    std::vector<double> w, f;
    random_loads(rng, 8, 2, &w, &f);
    lps.push_back(make_lplb(cube_r2o(), 8, 2, w, f));
  }
  CHECK(allocations_during_solve(lps, LPLB_PRECISION_FLOAT64, false) == 0);
}

LPLB_TEST_MAIN
