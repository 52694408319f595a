#include "validate.h"

#include <cmath>
#include <cstddef>
#include <cstring>

#include "last_error.h"

namespace lplb {
namespace {

// True when every value is finite; one vectorisable pass (x * 0 is 0 unless x is inf or NaN).
bool all_finite(const double* values, size_t count) {
  double sum = 0;
  for (size_t k = 0; k < count; ++k) sum += values[k] * 0.0;
  return sum == 0.0;
}

lplb_error not_finite(const char* field, int32_t lp, size_t row, size_t column, bool matrix, double value) {
  if (matrix) {
    return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "lp %d: %s[%zu][%zu] is %g, expected a finite number", lp, field, row,
                          column, value);
  }
  return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "lp %d: %s[%zu] is %g, expected a finite number", lp, field, column,
                        value);
}

// Checks one field of the batch: `rows` x `columns` values per LP.
lplb_error check_finite(const char* field, const double* values, int32_t batch, size_t rows, size_t columns, bool matrix) {
  const size_t per_lp = rows * columns;
  if (all_finite(values, per_lp * static_cast<size_t>(batch))) return LPLB_OK;
  for (int32_t lp = 0; lp < batch; ++lp) {
    const double* base = values + static_cast<size_t>(lp) * per_lp;
    for (size_t k = 0; k < per_lp; ++k) {
      if (!std::isfinite(base[k])) return not_finite(field, lp, k / columns, k % columns, matrix, base[k]);
    }
  }
  return LPLB_OK;
}

lplb_error null_argument(const char* name, const char* why) {
  return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "%s is NULL%s", name, why);
}

// The integer stored in an enum field, read without loading it as the enum type (a value
// outside the enumerators, which a C or JavaScript caller can pass, is not a valid C++ enum).
template <typename Enum>
int raw_value(const Enum& field) {
  static_assert(sizeof(Enum) == sizeof(int), "enums of the C API are int-sized");
  int value = 0;
  std::memcpy(&value, &field, sizeof value);
  return value;
}

}  // namespace

lplb_error validate_shape(const lplb_shape* shape) {
  if (!shape) return null_argument("shape", "");
  if (shape->n_vars < 1 || shape->n_vars > kMaxDimension) {
    return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "shape.n_vars: expected an integer in [1, %d], got %d", kMaxDimension,
                          shape->n_vars);
  }
  if (shape->m_eq < 0 || shape->m_eq > kMaxDimension) {
    return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "shape.m_eq: expected an integer in [0, %d], got %d", kMaxDimension,
                          shape->m_eq);
  }
  if (shape->m_ub < 0 || shape->m_ub > kMaxDimension) {
    return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "shape.m_ub: expected an integer in [0, %d], got %d", kMaxDimension,
                          shape->m_ub);
  }
  const double entries = static_cast<double>(shape->n_vars) * (static_cast<double>(shape->m_eq) + shape->m_ub);
  if (entries > kMaxMatrixEntries) {
    return set_last_error(LPLB_ERR_OUT_OF_MEMORY,
                          "shape n_vars=%d, m_eq=%d, m_ub=%d has %.0f dense matrix entries, more than the %.0f a "
                          "workspace holds",
                          shape->n_vars, shape->m_eq, shape->m_ub, entries, kMaxMatrixEntries);
  }
  return LPLB_OK;
}

lplb_ipm_settings settings_or_defaults(const lplb_ipm_settings* settings) {
  if (settings) return *settings;
  lplb_ipm_settings defaults;
  lplb_ipm_default_settings(LPLB_PRECISION_FLOAT64, &defaults);
  return defaults;
}

lplb_error validate_settings(const lplb_ipm_settings& settings) {
  if (settings.max_iterations < 1 || settings.max_iterations > 1000000) {
    return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "settings.max_iterations: expected an integer in [1, 1000000], got %d",
                          settings.max_iterations);
  }
  if (!(settings.tolerance > 0.0 && settings.tolerance < 1.0)) {
    return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "settings.tolerance: expected a number in (0, 1), got %g",
                          settings.tolerance);
  }
  const int precision = raw_value(settings.precision);
  if (precision != LPLB_PRECISION_FLOAT64 && precision != LPLB_PRECISION_FLOAT32) {
    return set_last_error(LPLB_ERR_INVALID_ARGUMENT,
                          "settings.precision: expected LPLB_PRECISION_FLOAT64 (0) or LPLB_PRECISION_FLOAT32 (1), got %d",
                          precision);
  }
  const int backend = raw_value(settings.backend);
  if (backend != LPLB_BACKEND_CPU && backend != LPLB_BACKEND_CUDA) {
    return set_last_error(LPLB_ERR_INVALID_ARGUMENT,
                          "settings.backend: expected LPLB_BACKEND_CPU (0) or LPLB_BACKEND_CUDA (1), got %d", backend);
  }
  return LPLB_OK;
}

lplb_error validate_batch(const lplb_shape& shape, const lplb_lp_batch* lps, const lplb_solution_batch* out) {
  if (!lps) return null_argument("lps", "");
  if (!out) return null_argument("out", "");
  if (lps->batch < 1) {
    return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "lps.batch: expected an integer >= 1, got %d", lps->batch);
  }
  if (!out->status) return null_argument("out.status", " (the status array is required)");
  if (!lps->c) return null_argument("lps.c", "");
  if (shape.m_eq > 0 && !lps->a_eq) return null_argument("lps.a_eq", " but m_eq > 0");
  if (shape.m_eq > 0 && !lps->b_eq) return null_argument("lps.b_eq", " but m_eq > 0");
  if (shape.m_ub > 0 && !lps->a_ub) return null_argument("lps.a_ub", " but m_ub > 0");
  if (shape.m_ub > 0 && !lps->b_ub) return null_argument("lps.b_ub", " but m_ub > 0");

  const int32_t batch = lps->batch;
  const size_t n = static_cast<size_t>(shape.n_vars);
  const size_t me = static_cast<size_t>(shape.m_eq);
  const size_t mu = static_cast<size_t>(shape.m_ub);
  lplb_error error = check_finite("c", lps->c, batch, 1, n, false);
  if (error == LPLB_OK && me > 0) error = check_finite("a_eq", lps->a_eq, batch, me, n, true);
  if (error == LPLB_OK && me > 0) error = check_finite("b_eq", lps->b_eq, batch, 1, me, false);
  if (error == LPLB_OK && mu > 0) error = check_finite("a_ub", lps->a_ub, batch, mu, n, true);
  if (error == LPLB_OK && mu > 0) error = check_finite("b_ub", lps->b_ub, batch, 1, mu, false);
  if (error != LPLB_OK) return error;

  for (int32_t lp = 0; lp < batch; ++lp) {
    const double* lower = lps->lower ? lps->lower + static_cast<size_t>(lp) * n : nullptr;
    const double* upper = lps->upper ? lps->upper + static_cast<size_t>(lp) * n : nullptr;
    for (size_t j = 0; j < n; ++j) {
      const double lo = lower ? lower[j] : 0.0;
      const double hi = upper ? upper[j] : INFINITY;
      if (std::isnan(lo) || lo == INFINITY) {
        return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "lp %d: lower[%zu] is %g, expected a finite number or -INFINITY",
                              lp, j, lo);
      }
      if (std::isnan(hi) || hi == -INFINITY) {
        return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "lp %d: upper[%zu] is %g, expected a finite number or +INFINITY",
                              lp, j, hi);
      }
      if (lo > hi) {
        return set_last_error(LPLB_ERR_INVALID_ARGUMENT, "lp %d: lower[%zu] = %.17g > upper[%zu] = %.17g, expected lower <= upper",
                              lp, j, lo, j, hi);
      }
    }
  }
  return LPLB_OK;
}

}  // namespace lplb
