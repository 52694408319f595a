// CPU backend: one HsdIpm per workspace, LPs of a batch solved one after another on the
// calling thread. In float32, an LP whose iterations end without a verdict (iteration limit or
// numerical breakdown), or with an "optimal" answer that fails its float64 residual check, is
// solved again in float64: single precision alone cannot always reach
// the tolerance, and the GPU kernel takes the same float64 safeguard.
#include <algorithm>
#include <exception>
#include <memory>
#include <type_traits>

#include "backend.h"
#include "cpu/hsd_ipm.h"
#include "last_error.h"

namespace lplb {
namespace cpu {
namespace {

// A float32 "optimal" answer whose float64 residuals or gap, measured on the caller's data,
// exceed this multiple of the tolerance is not trusted: single-precision iterations can stop on
// a scaled problem that looks converged while the original one is not, and a gap of 1e-5 can
// already move the objective by 1e-4.
constexpr double kFloat32AcceptanceFactor = 10;

template <typename T>
class CpuBackend final : public Backend {
 public:
  CpuBackend(const lplb_shape& shape, const lplb_ipm_settings& settings)
      : shape_(shape),
        ipm_(shape, IpmOptions{settings.max_iterations, settings.tolerance}),
        acceptance_(kFloat32AcceptanceFactor * settings.tolerance) {
    if (std::is_same<T, float>::value) {
      // The float64 re-solve uses float64's own default tolerance: its infeasibility and
      // unboundedness tests are tuned to it.
      lplb_ipm_settings float64_defaults;
      lplb_ipm_default_settings(LPLB_PRECISION_FLOAT64, &float64_defaults);
      fallback_ = std::make_unique<HsdIpm<double>>(
          shape, IpmOptions{settings.max_iterations, std::min(settings.tolerance, float64_defaults.tolerance)});
    }
  }

  lplb_error solve_batch(const lplb_lp_batch& lps, const lplb_solution_batch& out) override {
    const size_t n = static_cast<size_t>(shape_.n_vars);
    const size_t me = static_cast<size_t>(shape_.m_eq);
    const size_t mu = static_cast<size_t>(shape_.m_ub);
    auto at = [](auto* base, size_t offset) { return base ? base + offset : nullptr; };
    for (int32_t lp_index = 0; lp_index < lps.batch; ++lp_index) {
      const size_t b = static_cast<size_t>(lp_index);
      const LpView lp{lps.c + b * n,          at(lps.a_eq, b * me * n), at(lps.b_eq, b * me), at(lps.a_ub, b * mu * n),
                      at(lps.b_ub, b * mu), at(lps.lower, b * n),     at(lps.upper, b * n)};
      const SolutionView solution{out.status + b,
                                  at(out.x, b * n),
                                  at(out.y_eq, b * me),
                                  at(out.y_ub, b * mu),
                                  at(out.z_lower, b * n),
                                  at(out.z_upper, b * n),
                                  at(out.objective, b),
                                  at(out.primal_residual, b),
                                  at(out.dual_residual, b),
                                  at(out.duality_gap, b),
                                  at(out.iterations, b)};
      double primal = 0, dual = 0, gap = 0;
      SolutionView checked = solution;  // the residuals are needed even when the caller did not ask for them
      if (fallback_) {
        if (!checked.primal_residual) checked.primal_residual = &primal;
        if (!checked.dual_residual) checked.dual_residual = &dual;
        if (!checked.duality_gap) checked.duality_gap = &gap;
      }
      ipm_.solve(lp, checked);
      const int32_t status = *solution.status;
      const bool unverified = fallback_ && status == LPLB_STATUS_OPTIMAL &&
                              (*checked.primal_residual > acceptance_ || *checked.dual_residual > acceptance_ ||
                               *checked.duality_gap > acceptance_);
      if (fallback_ && (unverified || status == LPLB_STATUS_ITERATION_LIMIT || status == LPLB_STATUS_NUMERICAL_ERROR)) {
        const int32_t single_iterations = solution.iterations ? *solution.iterations : 0;
        fallback_->solve(lp, solution);
        if (solution.iterations) *solution.iterations += single_iterations;
      }
    }
    return LPLB_OK;
  }

 private:
  lplb_shape shape_;
  HsdIpm<T> ipm_;
  double acceptance_;  // largest float64-measured residual or gap of a trusted float32 answer
  std::unique_ptr<HsdIpm<double>> fallback_;  // float32 workspaces only
};

}  // namespace

lplb_error create_cpu_backend(const lplb_shape& shape, const lplb_ipm_settings& settings,
                              std::unique_ptr<Backend>* out) {
  try {
    if (settings.precision == LPLB_PRECISION_FLOAT32) {
      out->reset(new CpuBackend<float>(shape, settings));
    } else {
      out->reset(new CpuBackend<double>(shape, settings));
    }
  } catch (const std::exception&) {  // bad_alloc, or length_error for absurd sizes
    return set_last_error(LPLB_ERR_OUT_OF_MEMORY, "out of memory allocating the CPU workspace for n_vars=%d, m_eq=%d, m_ub=%d",
                          shape.n_vars, shape.m_eq, shape.m_ub);
  }
  return LPLB_OK;
}

}  // namespace cpu
}  // namespace lplb
