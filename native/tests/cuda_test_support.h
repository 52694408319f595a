// What the CUDA tests share: failure counting, a check for CUDA runtime calls, host <-> device
// copies of vectors, and the seed (fresh per run, LPLB_TEST_SEED to repeat one).
#ifndef LPLB_TESTS_CUDA_TEST_SUPPORT_H
#define LPLB_TESTS_CUDA_TEST_SUPPORT_H

#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace lplb_cuda_test {

inline int& failures() {
  static int count = 0;
  return count;
}

inline void fail(const std::string& what) {
  ++failures();
  std::fprintf(stderr, "FAILED: %s\n", what.c_str());
}

inline uint64_t seed() {
  if (const char* text = std::getenv("LPLB_TEST_SEED")) return std::strtoull(text, nullptr, 10);
  return static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
}

// Exit code and last line of every CUDA test.
inline int finish() {
  std::printf("%s (%d failures)\n", failures() == 0 ? "PASS" : "FAIL", failures());
  return failures() == 0 ? 0 : 1;
}

}  // namespace lplb_cuda_test

// A CUDA runtime call that must succeed: the test cannot go on otherwise.
#define CUDA_OK(call)                                                                            \
  do {                                                                                           \
    const cudaError_t lplb_cuda_error = (call);                                                  \
    if (lplb_cuda_error != cudaSuccess) {                                                        \
      std::fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call,                         \
                   cudaGetErrorString(lplb_cuda_error));                                         \
      std::exit(1);                                                                              \
    }                                                                                            \
  } while (0)

namespace lplb_cuda_test {

template <typename T>
T* upload(const std::vector<T>& host) {
  T* device = nullptr;
  CUDA_OK(cudaMalloc(&device, sizeof(T) * std::max<size_t>(host.size(), 1)));
  if (!host.empty()) CUDA_OK(cudaMemcpy(device, host.data(), sizeof(T) * host.size(), cudaMemcpyHostToDevice));
  return device;
}

template <typename T>
std::vector<T> download(const T* device, size_t count) {
  std::vector<T> host(count);
  if (count) CUDA_OK(cudaMemcpy(host.data(), device, sizeof(T) * count, cudaMemcpyDeviceToHost));
  return host;
}

}  // namespace lplb_cuda_test

#endif  // LPLB_TESTS_CUDA_TEST_SUPPORT_H
