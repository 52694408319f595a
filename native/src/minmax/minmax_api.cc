// The C API of include/lplb/minmax.h: argument checks, scaling, the certificate on the caller's
// data, and the fallbacks (CUDA or float32 -> float64 -> the general solver). No C++ exception
// crosses this boundary.
#include <algorithm>
#include <cmath>
#include <exception>
#include <memory>
#include <new>
#include <vector>

#include "cpu/hsd_ipm.h"
#include "last_error.h"
#include "lplb/minmax.h"
#include "minmax/minmax_device.h"
#include "minmax/minmax_flow.h"
#include "minmax/minmax_ipm.h"
#include "validate.h"

namespace lplb {
namespace minmax {
namespace {

// The specialised iterations aim below the tolerance so that the certificate, recomputed on the
// caller's unscaled data, still meets it.
constexpr double kToleranceMargin = 0.5;

class Workspace {
 public:
  Workspace(const lplb_minmax_shape& shape, const lplb_ipm_settings& settings)
      : n_ranks_(shape.n_ranks),
        n_slots_(shape.n_slots),
        n_edges_(shape.n_ranks * shape.n_slots),
        settings_(settings),
        double_ipm_(n_ranks_, n_edges_, settings.max_iterations, kToleranceMargin * settings.tolerance) {
    if (settings.precision == LPLB_PRECISION_FLOAT32) {
      float_ipm_ = std::make_unique<MinMaxIpm<float>>(n_ranks_, n_edges_, settings.max_iterations,
                                                      kToleranceMargin * settings.tolerance);
    }
    replica_.assign(shape.replica_rank, shape.replica_rank + n_edges_);
    owner_.resize(n_edges_);
    for (int e = 0; e < n_edges_; ++e) owner_[e] = e / n_slots_;
    for (auto* edges : {&scaled_weight_, &candidate_keep_}) edges->resize(n_edges_);
    for (auto* ranks : {&scaled_base_, &caller_base_, &caller_y_, &loads_}) ranks->resize(n_ranks_);
    active_edge_.resize(n_edges_);
    active_from_.resize(n_edges_);
    active_to_.resize(n_edges_);
    flow_offset_.resize(n_ranks_ + 1);
    flow_incident_.resize(2 * static_cast<size_t>(n_edges_));
    flow::build_incidence(n_ranks_, n_edges_, owner_.data(), replica_.data(), flow_offset_.data(), flow_incident_.data());
    flow_kept_.resize(n_edges_);
    for (auto* ranks : {&flow_parent_, &flow_queue_, &flow_mark_, &flow_in_set_}) ranks->resize(n_ranks_);
    flow_load_.resize(n_ranks_);
    flow_y_.resize(n_ranks_);
  }

  void set_method(lplb_minmax_method method) {
    method_ = method;
    if (device_) device_->set_method(method);
  }

  // Attaches the CUDA solver (workspaces of backend CUDA).
  void attach_device(std::unique_ptr<DeviceSolver> device) { device_ = std::move(device); }
  DeviceSolver* device() const { return device_.get(); }

  lplb_error solve_batch(const lplb_minmax_batch& groups, const lplb_minmax_solution& out) {
    if (device_) {
      // The kernel's answers are certified on the device; a group it leaves unsettled is solved
      // again here, with every fallback of the CPU path.
      const lplb_error error = device_->solve_host(groups, out);
      if (error != LPLB_OK) return error;
      for (int32_t b = 0; b < groups.batch; ++b) {
        if (out.status[b] == LPLB_STATUS_OPTIMAL) continue;
        const size_t group = static_cast<size_t>(b);
        const int32_t device_iterations = out.iterations ? out.iterations[b] : 0;
        solve_one(groups.fixed_load + group * n_ranks_, groups.slot_load + group * n_edges_, out, group);
        if (out.iterations) out.iterations[b] += device_iterations;
      }
      return LPLB_OK;
    }
    for (int32_t b = 0; b < groups.batch; ++b) {
      const size_t group = static_cast<size_t>(b);
      solve_one(groups.fixed_load + group * n_ranks_, groups.slot_load + group * n_edges_, out, group);
    }
    return LPLB_OK;
  }

 private:
  void solve_one(const double* fixed, const double* slot, const lplb_minmax_solution& out, size_t group) {
    double* keep = out.keep + group * n_edges_;
    // The caller's problem over every edge, for the certificate.
    const ScaledProblem caller{n_ranks_, n_edges_, owner_.data(), replica_.data(), slot, caller_base_.data()};
    double scale = 0;
    for (int r = 0; r < n_ranks_; ++r) {
      caller_base_[r] = fixed[r];
      scale = std::max(scale, fixed[r]);
    }
    for (int e = 0; e < n_edges_; ++e) {
      caller_base_[replica_[e]] += slot[e];
      scale = std::max(scale, slot[e]);
    }
    // Best point and multipliers over every attempt, judged on the caller's data; the first
    // point is the even split.
    best_max_load_ = INFINITY;
    best_lower_bound_ = -INFINITY;
    std::fill(keep, keep + n_edges_, 0.5);
    std::fill(caller_y_.begin(), caller_y_.end(), 0.0);
    std::copy(keep, keep + n_edges_, candidate_keep_.begin());
    int iterations = 0;
    lplb_status status = LPLB_STATUS_OPTIMAL;
    bool settled = take(caller, nullptr, keep);
    if (!settled && method_ == LPLB_MINMAX_METHOD_FLOW) {
      settled = solve_flow(caller, fixed, slot, keep, &iterations, &status);
    }
    if (!settled) {
      // The interior-point iterations and the general solver work on the scaled problem, built
      // only for them.
      const ScaledProblem scaled = scale_problem(slot, scale);
      auto attempt = [&](auto& ipm) {
        const RunStatus run = ipm.solve(scaled);
        iterations += ipm.iterations();
        settled = consider(caller, scaled, ipm.keep(), ipm.y(), keep);
        status = run == RunStatus::kIterationLimit ? LPLB_STATUS_ITERATION_LIMIT : LPLB_STATUS_NUMERICAL_ERROR;
      };
      if (!settled && float_ipm_) attempt(*float_ipm_);
      if (!settled) attempt(double_ipm_);
      if (!settled) solve_general(caller, scaled, keep, &iterations, &status, &settled);
    }
    if (settled) status = LPLB_STATUS_OPTIMAL;

    out.status[group] = status;
    const double gap = best_max_load_ > 0 ? std::max(0.0, best_max_load_ - best_lower_bound_) / best_max_load_ : 0.0;
    if (out.max_load) out.max_load[group] = std::max(best_max_load_, 0.0);
    if (out.lower_bound) out.lower_bound[group] = std::max(best_lower_bound_, 0.0);
    if (out.gap) out.gap[group] = gap;
    if (out.iterations) out.iterations[group] = iterations;
  }

  // The caller's problem scaled so that its largest load is 1, over the edges that can move load
  // (caller_base_ filled first).
  ScaledProblem scale_problem(const double* slot, double scale) {
    const double inv_scale = scale > 0 ? 1 / scale : 0;
    int active = 0;
    for (int e = 0; e < n_edges_; ++e) {
      if (!(slot[e] > 0) || owner_[e] == replica_[e]) continue;
      active_edge_[active] = e;
      active_from_[active] = owner_[e];
      active_to_[active] = replica_[e];
      scaled_weight_[active] = slot[e] * inv_scale;
      ++active;
    }
    for (int r = 0; r < n_ranks_; ++r) scaled_base_[r] = caller_base_[r] * inv_scale;
    return {n_ranks_, active, active_from_.data(), active_to_.data(), scaled_weight_.data(), scaled_base_.data()};
  }

  // The exact method of minmax_flow.h on the caller's data; its set's density is the Lagrangian
  // bound of multipliers spread evenly over the set.
  bool solve_flow(const ScaledProblem& caller, const double* fixed, const double* slot, double* keep, int* iterations,
                  lplb_status* status) {
    const flow::Structure structure{n_ranks_, n_edges_, owner_.data(), replica_.data(), flow_offset_.data(),
                                    flow_incident_.data()};
    const flow::Scratch scratch{flow_kept_.data(),  flow_load_.data(), flow_parent_.data(),
                                flow_queue_.data(), flow_mark_.data(), flow_in_set_.data()};
    const flow::Result result = flow::solve(structure, fixed, slot, flow::kSlackOfTolerance * settings_.tolerance,
                                            flow::max_phases(n_ranks_, n_edges_), scratch);
    *iterations += result.steps;
    *status = result.outcome == flow::Outcome::kStepLimit ? LPLB_STATUS_ITERATION_LIMIT : LPLB_STATUS_NUMERICAL_ERROR;
    for (int e = 0; e < n_edges_; ++e) {
      candidate_keep_[e] = slot[e] > 0 ? std::min(1.0, std::max(0.0, flow_kept_[e] / slot[e])) : 0.5;
    }
    for (int r = 0; r < n_ranks_; ++r) flow_y_[r] = flow_in_set_[r] ? -1.0 : 0.0;
    return take(caller, flow_y_.data(), keep);
  }

  // Takes the point (over the active edges of `scaled`) and multipliers of an attempt when they
  // improve on the best so far. True when the best pair is certified within the tolerance.
  bool consider(const ScaledProblem& caller, const ScaledProblem& scaled, const double* active_keep, const double* y,
                double* keep) {
    std::copy(keep, keep + n_edges_, candidate_keep_.begin());
    for (int k = 0; k < scaled.n_edges; ++k) candidate_keep_[active_edge_[k]] = std::min(1.0, std::max(0.0, active_keep[k]));
    return take(caller, y, keep);
  }

  // Takes candidate_keep_ (every edge) and the multipliers y (null: zero) when they improve on
  // the best so far. True when the best pair is certified within the tolerance.
  bool take(const ScaledProblem& caller, const double* y, double* keep) {
    const double max_load = max_rank_load(caller, candidate_keep_.data(), loads_.data());
    if (max_load < best_max_load_) {
      best_max_load_ = max_load;
      std::copy(candidate_keep_.begin(), candidate_keep_.end(), keep);
    }
    if (y) {
      const double bound = lagrangian_bound(caller, y);
      if (bound > best_lower_bound_) {
        best_lower_bound_ = bound;
        std::copy(y, y + n_ranks_, caller_y_.begin());
      }
    } else {
      best_lower_bound_ = std::max(best_lower_bound_, 0.0);
    }
    return best_max_load_ - best_lower_bound_ <= settings_.tolerance * best_max_load_;
  }

  // The LP in general form (as @lplb/lp writes it), solved by the homogeneous self-dual method.
  void solve_general(const ScaledProblem& caller, const ScaledProblem& scaled, double* keep, int* iterations,
                     lplb_status* status, bool* settled) {
    const int n = n_edges_ + 1, m = n_ranks_;
    if (!general_) {
      general_ = std::make_unique<cpu::HsdIpm<double>>(lplb_shape{n, 0, m},
                                                        cpu::IpmOptions{settings_.max_iterations, settings_.tolerance});
      general_c_.assign(n, 0.0);
      general_c_[n_edges_] = 1;
      general_a_.resize(static_cast<size_t>(m) * n);
      general_b_.resize(m);
      general_lower_.assign(n, 0.0);
      general_upper_.assign(n, 1.0);
      general_upper_[n_edges_] = INFINITY;
      general_x_.resize(n);
      general_y_.resize(m);
    }
    std::fill(general_a_.begin(), general_a_.end(), 0.0);
    for (int r = 0; r < m; ++r) {
      general_a_[static_cast<size_t>(r) * n + n_edges_] = -1;
      general_b_[r] = -caller.base[r];
    }
    for (int e = 0; e < n_edges_; ++e) {
      general_a_[static_cast<size_t>(owner_[e]) * n + e] += caller.weight[e];
      general_a_[static_cast<size_t>(replica_[e]) * n + e] -= caller.weight[e];
    }
    int32_t general_status = 0, general_iterations = 0;
    const cpu::LpView lp{general_c_.data(), nullptr, nullptr, general_a_.data(), general_b_.data(),
                         general_lower_.data(), general_upper_.data()};
    cpu::SolutionView solution{};
    solution.status = &general_status;
    solution.x = general_x_.data();
    solution.y_ub = general_y_.data();
    solution.iterations = &general_iterations;
    general_->solve(lp, solution);
    *iterations += general_iterations;
    // Its multipliers of the rows are lambda >= 0; the bound takes y = -lambda.
    for (int r = 0; r < m; ++r) general_y_[r] = -general_y_[r];
    // Map the full point onto the active edges so consider() can take it like the others.
    general_active_keep_.resize(scaled.n_edges);
    for (int k = 0; k < scaled.n_edges; ++k) general_active_keep_[k] = general_x_[active_edge_[k]];
    *settled = consider(caller, scaled, general_active_keep_.data(), general_y_.data(), keep);
    if (!*settled) *status = static_cast<lplb_status>(general_status == LPLB_STATUS_OPTIMAL ? LPLB_STATUS_NUMERICAL_ERROR : general_status);
  }

  int n_ranks_, n_slots_, n_edges_;
  lplb_ipm_settings settings_;
  lplb_minmax_method method_ = LPLB_MINMAX_METHOD_FLOW;
  MinMaxIpm<double> double_ipm_;
  std::unique_ptr<MinMaxIpm<float>> float_ipm_;
  std::unique_ptr<cpu::HsdIpm<double>> general_;
  std::unique_ptr<DeviceSolver> device_;
  std::vector<int32_t> replica_, owner_;  // [n_edges] copy's rank and original rank of edge e
  std::vector<int32_t> active_edge_, active_from_, active_to_;
  std::vector<double> scaled_weight_, scaled_base_, caller_base_, caller_y_;
  std::vector<double> candidate_keep_, loads_;
  std::vector<double> general_c_, general_a_, general_b_, general_lower_, general_upper_, general_x_, general_y_;
  std::vector<double> general_active_keep_;
  std::vector<int32_t> flow_offset_, flow_incident_, flow_parent_, flow_queue_, flow_mark_, flow_in_set_;
  std::vector<double> flow_kept_, flow_load_, flow_y_;
  double best_max_load_ = 0, best_lower_bound_ = 0;
};

lplb_error check_loads(const char* field, const double* values, int32_t batch, size_t per_group, int32_t n_slots) {
  for (int32_t b = 0; b < batch; ++b) {
    for (size_t k = 0; k < per_group; ++k) {
      const double value = values[static_cast<size_t>(b) * per_group + k];
      if (std::isfinite(value) && value >= 0) continue;
      if (n_slots > 0) {
        return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "group %d: %s[%zu][%zu] is %g, expected a finite number >= 0", b,
                              field, k / n_slots, k % n_slots, value);
      }
      return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "group %d: %s[%zu] is %g, expected a finite number >= 0", b, field,
                            k, value);
    }
  }
  return LPLB_OK;
}

lplb_error validate_minmax_shape(const lplb_minmax_shape* shape) {
  if (!shape) return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "shape is NULL");
  if (shape->n_ranks < 1 || shape->n_ranks > LPLB_MINMAX_MAX_RANKS) {
    return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "shape.n_ranks: expected an integer in [1, %d], got %d",
                          LPLB_MINMAX_MAX_RANKS, shape->n_ranks);
  }
  if (shape->n_slots < 1 || static_cast<int64_t>(shape->n_slots) * shape->n_ranks > LPLB_MINMAX_MAX_EDGES) {
    return set_last_error(LPLB_ERR_INVALID_ARGUMENT,
                          "shape.n_slots: expected an integer >= 1 with n_ranks * n_slots <= %d, got %d (n_ranks %d)",
                          LPLB_MINMAX_MAX_EDGES, shape->n_slots, shape->n_ranks);
  }
  if (!shape->replica_rank) return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "shape.replica_rank is NULL");
  for (int32_t i = 0; i < shape->n_ranks; ++i) {
    for (int32_t d = 0; d < shape->n_slots; ++d) {
      const int32_t rank = shape->replica_rank[static_cast<size_t>(i) * shape->n_slots + d];
      if (rank < 0 || rank >= shape->n_ranks) {
        return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "shape.replica_rank[%d][%d] is %d, expected a rank in [0, %d)", i,
                              d, rank, shape->n_ranks);
      }
    }
  }
  // The general fallback needs a workspace of the LP's full size.
  const lplb_shape general{shape->n_ranks * shape->n_slots + 1, 0, shape->n_ranks};
  return validate_shape(&general);
}

}  // namespace
}  // namespace minmax
}  // namespace lplb

struct lplb_minmax_workspace {
  lplb_minmax_shape shape;
  lplb::minmax::Workspace solver;
};

extern "C" {

lplb_error lplb_minmax_workspace_create(const lplb_minmax_shape* shape, const lplb_ipm_settings* settings,
                                        lplb_minmax_workspace** out) {
  lplb::clear_last_error();
  if (!out) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "out is NULL");
  *out = nullptr;
  lplb_error error = lplb::minmax::validate_minmax_shape(shape);
  if (error != LPLB_OK) return error;
  lplb_ipm_settings chosen = lplb::settings_or_defaults(settings);
  error = lplb::validate_settings(chosen);
  if (error != LPLB_OK) return error;
  try {
    std::unique_ptr<lplb::minmax::DeviceSolver> device;
    if (chosen.backend == LPLB_BACKEND_CUDA) {
      error = lplb::minmax::create_device_solver(*shape, chosen, &device);
      if (error != LPLB_OK) return error;
    }
    // The replica ranks are copied into the solver; the stored shape keeps only the sizes.
    const lplb_minmax_shape sizes{shape->n_ranks, shape->n_slots, nullptr};
    auto* workspace = new lplb_minmax_workspace{sizes, lplb::minmax::Workspace(*shape, chosen)};
    workspace->solver.attach_device(std::move(device));
    *out = workspace;
    return LPLB_OK;
  } catch (const std::bad_alloc&) {
    return lplb::set_last_error(LPLB_ERR_OUT_OF_MEMORY, "out of memory allocating the min-max workspace for %d ranks x %d slots",
                                shape->n_ranks, shape->n_slots);
  } catch (const std::exception& exception) {
    return lplb::set_last_error(LPLB_ERR_INTERNAL, "internal error creating the min-max workspace: %s", exception.what());
  }
}

lplb_error lplb_minmax_solve_batch(lplb_minmax_workspace* workspace, const lplb_minmax_batch* groups,
                                   const lplb_minmax_solution* out) {
  lplb::clear_last_error();
  if (!workspace) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "workspace is NULL");
  if (!groups) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "groups is NULL");
  if (!out) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "out is NULL");
  if (groups->batch < 1) {
    return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "groups.batch: expected an integer >= 1, got %d", groups->batch);
  }
  if (!groups->fixed_load) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "groups.fixed_load is NULL");
  if (!groups->slot_load) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "groups.slot_load is NULL");
  if (!out->status) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "out.status is NULL (the status array is required)");
  if (!out->keep) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "out.keep is NULL (the split is required)");
  const lplb_minmax_shape& shape = workspace->shape;
  lplb_error error = lplb::minmax::check_loads("fixed_load", groups->fixed_load, groups->batch,
                                               static_cast<size_t>(shape.n_ranks), 0);
  if (error == LPLB_OK) {
    error = lplb::minmax::check_loads("slot_load", groups->slot_load, groups->batch,
                                      static_cast<size_t>(shape.n_ranks) * shape.n_slots, shape.n_slots);
  }
  if (error != LPLB_OK) return error;
  try {
    return workspace->solver.solve_batch(*groups, *out);
  } catch (const std::exception& exception) {
    return lplb::set_last_error(LPLB_ERR_INTERNAL, "internal error in the min-max solve: %s", exception.what());
  }
}

lplb_error lplb_minmax_solve_device(lplb_minmax_workspace* workspace, const lplb_minmax_batch* groups,
                                    const lplb_minmax_solution* out, void* stream) {
  lplb::clear_last_error();
  if (!workspace) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "workspace is NULL");
  if (!groups) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "groups is NULL");
  if (!out) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "out is NULL");
  lplb::minmax::DeviceSolver* device = workspace->solver.device();
  if (!device) {
    return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT,
                                "workspace: expected a workspace created with backend CUDA for device arrays");
  }
  if (groups->batch < 0) {
    return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "groups.batch: expected an integer >= 0, got %d", groups->batch);
  }
  if (groups->batch > 0 && (!groups->fixed_load || !groups->slot_load || !out->status || !out->keep)) {
    return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT,
                                "groups.fixed_load, groups.slot_load, out.status and out.keep must not be NULL");
  }
  return device->solve_device(*groups, *out, stream);
}

lplb_error lplb_minmax_workspace_set_method(lplb_minmax_workspace* workspace, int32_t method) {
  lplb::clear_last_error();
  if (!workspace) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "workspace is NULL");
  if (method != LPLB_MINMAX_METHOD_FLOW && method != LPLB_MINMAX_METHOD_IPM) {
    return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "method: expected LPLB_MINMAX_METHOD_FLOW (0) or "
                                "LPLB_MINMAX_METHOD_IPM (1), got %d", static_cast<int>(method));
  }
  workspace->solver.set_method(static_cast<lplb_minmax_method>(method));
  return LPLB_OK;
}

void lplb_minmax_workspace_destroy(lplb_minmax_workspace* workspace) { delete workspace; }

}  // extern "C"
