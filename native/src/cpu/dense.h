// Small dense kernels for the interior-point method: row-major storage, fixed-stride loops
// the compiler can vectorise, no allocation.
#ifndef LPLB_SRC_CPU_DENSE_H
#define LPLB_SRC_CPU_DENSE_H

#include <cmath>
#include <limits>
#include <type_traits>

namespace lplb {
namespace cpu {

// Eight independent partial sums, which the compiler maps onto vector registers: it may not
// reorder a floating-point reduction on its own, and one running sum would serialise on the
// add latency.
template <typename T>
inline T dot(const T* __restrict a, const T* __restrict b, int n) {
  T s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  int k = 0;
  for (; k + 8 <= n; k += 8) {
    s0 += a[k] * b[k];
    s1 += a[k + 1] * b[k + 1];
    s2 += a[k + 2] * b[k + 2];
    s3 += a[k + 3] * b[k + 3];
    s4 += a[k + 4] * b[k + 4];
    s5 += a[k + 5] * b[k + 5];
    s6 += a[k + 6] * b[k + 6];
    s7 += a[k + 7] * b[k + 7];
  }
  for (; k < n; ++k) s0 += a[k] * b[k];
  return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
}

template <typename T>
inline T max_of(T a, T b) {
  return a > b ? a : b;
}

template <typename T>
inline T min_of(T a, T b) {
  return a < b ? a : b;
}

// y += alpha * x
template <typename T>
inline void axpy(T alpha, const T* __restrict x, T* __restrict y, int n) {
  for (int k = 0; k < n; ++k) y[k] += alpha * x[k];
}

// Pivot that replaces one too small to trust: the matching unknown of the solve becomes
// (numerically) zero, which is how dependent rows of the normal matrix are dropped.
template <typename T>
constexpr T huge_pivot() {
  return std::is_same<T, float>::value ? T(1e30) : T(1e128);
}

// In-place Cholesky factorisation A = L L' of the lower triangle of the n x n row-major matrix
// `a` (leading dimension n). On return the strictly lower part holds L and `inv_diag[i]` holds
// 1 / L[i][i]. A pivot not above `relative_floor` times the largest diagonal entry (or not
// finite) is replaced by huge_pivot(). Returns the number of replaced pivots.
// Below this order the factorisation uses plain scalar loops: the vectorised
// kernels' set-up costs more than the few products of each short row.
constexpr int kSmallOrder = 16;

// `small_order` lets a caller whose matrices are all tiny move that threshold.
template <typename T>
int cholesky_factor(T* __restrict a, T* __restrict inv_diag, int n, T relative_floor, int small_order = kSmallOrder) {
  T max_diag = 0;
  for (int i = 0; i < n; ++i) max_diag = max_of(max_diag, a[i * n + i]);
  const T floor = relative_floor * (max_diag > 0 ? max_diag : T(1));
  int replaced = 0;
  const bool small = n <= small_order;
  for (int j = 0; j < n; ++j) {
    T* row_j = a + j * n;
    T pivot = row_j[j];
    if (small) {
      for (int k = 0; k < j; ++k) pivot -= row_j[k] * row_j[k];
    } else {
      pivot -= dot(row_j, row_j, j);
    }
    if (!(pivot > floor) || !std::isfinite(pivot)) {
      pivot = huge_pivot<T>();
      ++replaced;
    }
    const T diag = std::sqrt(pivot);
    row_j[j] = diag;
    const T inv = T(1) / diag;
    inv_diag[j] = inv;
    for (int i = j + 1; i < n; ++i) {
      T* row_i = a + i * n;
      T sum = row_i[j];
      if (small) {
        for (int k = 0; k < j; ++k) sum -= row_i[k] * row_j[k];
      } else {
        sum -= dot(row_i, row_j, j);
      }
      row_i[j] = sum * inv;
    }
  }
  return replaced;
}

// Solves L L' x = r in place (`r` becomes x) with the factor of cholesky_factor.
template <typename T>
void cholesky_solve(const T* __restrict l, const T* __restrict inv_diag, T* __restrict r, int n) {
  for (int i = 0; i < n; ++i) r[i] = (r[i] - dot(l + i * n, r, i)) * inv_diag[i];
  for (int i = n - 1; i >= 0; --i) {
    const T xi = r[i] * inv_diag[i];
    r[i] = xi;
    // Row i of L is column i of L': subtract its contribution from the unknowns above.
    axpy(-xi, l + i * n, r, i);
  }
}

}  // namespace cpu
}  // namespace lplb

#endif  // LPLB_SRC_CPU_DENSE_H
