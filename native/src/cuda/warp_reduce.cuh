// Butterfly reductions over a full warp: every lane gets the same result, bit for bit, since at
// each step both partners combine the same two values.
#ifndef LPLB_SRC_CUDA_WARP_REDUCE_CUH
#define LPLB_SRC_CUDA_WARP_REDUCE_CUH

namespace lplb {
namespace cuda {

constexpr unsigned kFull = 0xffffffffu;

template <typename T>
__device__ inline T warp_sum(T value) {
  for (int offset = 16; offset > 0; offset >>= 1) value += __shfl_xor_sync(kFull, value, offset);
  return value;
}

template <typename T>
__device__ inline T warp_max(T value) {
  for (int offset = 16; offset > 0; offset >>= 1) value = fmax(value, __shfl_xor_sync(kFull, value, offset));
  return value;
}

}  // namespace cuda
}  // namespace lplb

#endif  // LPLB_SRC_CUDA_WARP_REDUCE_CUH
