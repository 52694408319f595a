// The C API of include/lplb/ipm.h: argument checks, error reporting and dispatch to a backend.
// No C++ exception crosses this boundary.
#include <cstdio>
#include <exception>
#include <memory>
#include <new>

#include "backend.h"
#include "last_error.h"
#include "lplb/ipm.h"
#include "validate.h"

struct lplb_ipm_workspace {
  lplb_shape shape;
  lplb_ipm_settings settings;
  std::unique_ptr<lplb::Backend> backend;
};

extern "C" {

void lplb_ipm_default_settings(lplb_precision precision, lplb_ipm_settings* settings) {
  if (!settings) return;
  settings->max_iterations = 100;
  settings->tolerance = precision == LPLB_PRECISION_FLOAT32 ? 1e-6 : 1e-9;
  settings->precision = precision;
  settings->backend = LPLB_BACKEND_CPU;
}

lplb_error lplb_ipm_workspace_create(const lplb_shape* shape, const lplb_ipm_settings* settings,
                                     lplb_ipm_workspace** out) {
  lplb::clear_last_error();
  if (!out) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "out is NULL");
  *out = nullptr;
  lplb_error error = lplb::validate_shape(shape);
  if (error != LPLB_OK) return error;
  lplb_ipm_settings chosen = lplb::settings_or_defaults(settings);
  error = lplb::validate_settings(chosen);
  if (error != LPLB_OK) return error;
  try {
    std::unique_ptr<lplb::Backend> backend;
    error = lplb::create_backend(*shape, chosen, &backend);
    if (error != LPLB_OK) return error;
    auto* workspace = new (std::nothrow) lplb_ipm_workspace{*shape, chosen, std::move(backend)};
    if (!workspace) return lplb::set_last_error(LPLB_ERR_OUT_OF_MEMORY, "out of memory allocating the workspace");
    *out = workspace;
    return LPLB_OK;
  } catch (const std::exception& exception) {
    return lplb::set_last_error(LPLB_ERR_INTERNAL, "internal error creating the workspace: %s", exception.what());
  }
}

lplb_error lplb_ipm_solve_batch(lplb_ipm_workspace* workspace, const lplb_lp_batch* lps,
                                const lplb_solution_batch* out) {
  lplb::clear_last_error();
  if (!workspace) return lplb::set_last_error(LPLB_ERR_INVALID_ARGUMENT, "workspace is NULL");
  const lplb_error error = lplb::validate_batch(workspace->shape, lps, out);
  if (error != LPLB_OK) return error;
  try {
    return workspace->backend->solve_batch(*lps, *out);
  } catch (const std::exception& exception) {
    return lplb::set_last_error(LPLB_ERR_INTERNAL, "internal error in solve_batch: %s", exception.what());
  }
}

void lplb_ipm_workspace_destroy(lplb_ipm_workspace* workspace) { delete workspace; }

const char* lplb_last_error_message(void) { return lplb::last_error_message(); }

const char* lplb_error_string(lplb_error error) {
  switch (error) {
    case LPLB_OK:
      return "ok";
    case LPLB_ERR_INVALID_ARGUMENT:
      return "invalid argument";
    case LPLB_ERR_OUT_OF_MEMORY:
      return "out of memory";
    case LPLB_ERR_BACKEND_UNAVAILABLE:
      return "backend unavailable";
    case LPLB_ERR_INTERNAL:
      return "internal error";
    case LPLB_ERR_TIMEOUT:
      return "timed out";
    case LPLB_ERR_COMMUNICATION:
      return "communication failed";
  }
  return "unknown error";
}

const char* lplb_status_string(lplb_status status) {
  switch (status) {
    case LPLB_STATUS_OPTIMAL:
      return "optimal";
    case LPLB_STATUS_PRIMAL_INFEASIBLE:
      return "primal_infeasible";
    case LPLB_STATUS_DUAL_INFEASIBLE:
      return "dual_infeasible";
    case LPLB_STATUS_ITERATION_LIMIT:
      return "iteration_limit";
    case LPLB_STATUS_NUMERICAL_ERROR:
      return "numerical_error";
  }
  return "unknown status";
}

void lplb_get_capabilities(lplb_capabilities* capabilities) {
  if (!capabilities) return;
  capabilities->version_major = LPLB_VERSION_MAJOR;
  capabilities->version_minor = LPLB_VERSION_MINOR;
  capabilities->version_patch = LPLB_VERSION_PATCH;
  capabilities->cpu = 1;
  lplb::fill_cuda_capabilities(capabilities);
}

}  // extern "C"
