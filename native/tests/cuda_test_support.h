// What the CUDA tests share: failure counting, a check for CUDA runtime calls, host <-> device
// copies of vectors, the seed (fresh per run, LPLB_TEST_SEED to repeat one), and event timing of
// plain launches and CUDA-graph replays for the benchmarks.
#ifndef LPLB_TESTS_CUDA_TEST_SUPPORT_H
#define LPLB_TESTS_CUDA_TEST_SUPPORT_H

#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
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

// False, after saying why on the skip line, when no CUDA device is usable (the test then exits 77).
inline bool device_usable() {
  int devices = 0;
  const cudaError_t error = cudaGetDeviceCount(&devices);
  if (error == cudaSuccess && devices > 0) return true;
  std::printf("SKIP: no usable CUDA device (%s)\n", error != cudaSuccess ? cudaGetErrorString(error) : "none found");
  return false;
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

inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// One timing (CUDA events) of `calls` calls of `enqueue` on `stream`, in us per call.
template <typename Enqueue>
double us_of_calls(cudaStream_t stream, int calls, Enqueue enqueue) {
  cudaEvent_t start, stop;
  CUDA_OK(cudaEventCreate(&start));
  CUDA_OK(cudaEventCreate(&stop));
  CUDA_OK(cudaEventRecord(start, stream));
  for (int k = 0; k < calls; ++k) enqueue();
  CUDA_OK(cudaEventRecord(stop, stream));
  CUDA_OK(cudaEventSynchronize(stop));
  float ms = 0;
  CUDA_OK(cudaEventElapsedTime(&ms, start, stop));
  CUDA_OK(cudaEventDestroy(start));
  CUDA_OK(cudaEventDestroy(stop));
  return 1000.0 * ms / calls;
}

// Median over 20 timings of `calls` calls of `enqueue` on `stream`, in us per call.
template <typename Enqueue>
double us_per_call(cudaStream_t stream, int calls, Enqueue enqueue) {
  std::vector<double> us;
  for (int rep = 0; rep < 20; ++rep) us.push_back(us_of_calls(stream, calls, enqueue));
  return median(us);
}

// Several enqueues, each captured once in its own CUDA graph, timed in turn for 20 rounds (one
// timing of `replays` replays of each per round), so that every one sees the same state of the
// GPU: per enqueue, its us per replay in each round.
inline std::vector<std::vector<double>> us_per_graph_replay_interleaved(
    cudaStream_t stream, int replays, const std::vector<std::function<void()>>& enqueues) {
  std::vector<cudaGraph_t> graphs(enqueues.size());
  std::vector<cudaGraphExec_t> execs(enqueues.size());
  for (size_t g = 0; g < enqueues.size(); ++g) {
    CUDA_OK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal));
    enqueues[g]();
    CUDA_OK(cudaStreamEndCapture(stream, &graphs[g]));
    CUDA_OK(cudaGraphInstantiate(&execs[g], graphs[g], 0));
  }
  std::vector<std::vector<double>> us(enqueues.size());
  for (int round = 0; round < 20; ++round)
    for (size_t g = 0; g < enqueues.size(); ++g)
      us[g].push_back(us_of_calls(stream, replays, [&] { CUDA_OK(cudaGraphLaunch(execs[g], stream)); }));
  for (size_t g = 0; g < enqueues.size(); ++g) {
    CUDA_OK(cudaGraphExecDestroy(execs[g]));
    CUDA_OK(cudaGraphDestroy(graphs[g]));
  }
  return us;
}

// What `enqueue` puts on `stream`, captured once in a CUDA graph and replayed `replays` times a
// timing: median us per replay over 20 timings.
template <typename Enqueue>
double us_per_graph_replay(cudaStream_t stream, int replays, Enqueue enqueue) {
  return median(us_per_graph_replay_interleaved(stream, replays, {std::function<void()>(enqueue)})[0]);
}

}  // namespace lplb_cuda_test

#endif  // LPLB_TESTS_CUDA_TEST_SUPPORT_H
