// The min-max LP of lplb/minmax.h on the GPU: one kernel launch solves every group of a batch,
// one warp per group, by either method of the CPU. launch_minmax_flow runs the exact method of
// native/src/minmax/minmax_flow.h (see minmax_flow_kernel.cu). launch_minmax runs the method of native/src/minmax (a feasible Mehrotra
// predictor-corrector iteration on the G x G normal matrix, certified by the max rank load of
// the best split against the Lagrangian bound of the best multipliers, both in float64) with
// the warp's lanes as the ranks: lane r owns rank r and row r of the normal matrix, edges are
// shared out over the lanes, and every sum over edges is gathered by the rank that owns it in a
// fixed order, so results do not depend on scheduling. No polish: the iterations run until the
// certificate meets the tolerance.
//
// Groups of up to 32 ranks and 128 edges (ranks x slots); the host API routes larger ones to
// the CPU. solve() takes device pointers, synchronises nothing and allocates nothing, so it can
// be captured in a CUDA graph.
#ifndef LPLB_SRC_CUDA_MINMAX_KERNEL_CUH
#define LPLB_SRC_CUDA_MINMAX_KERNEL_CUH

#include <cuda_runtime.h>

#include <cstdint>
#include <memory>
#include <string>

#include "lplb/minmax.h"

namespace lplb {
namespace cuda {

constexpr int kMinMaxMaxRanks = 32;
constexpr int kMinMaxMaxEdges = 128;

// The group structure on the device: edge e = i * n_slots + d goes from rank i to
// replica_rank[e]; in_start/in_edge list, per rank, the edges whose copy it holds.
struct DeviceMinMaxShape {
  int32_t n_ranks;
  int32_t n_slots;
  const int32_t* replica_rank;  // [n_ranks * n_slots]
  const int32_t* in_start;      // [n_ranks + 1]
  const int32_t* in_edge;       // [n_ranks * n_slots]
  // Both ends' incidence for the exact method (minmax_flow.h build_incidence).
  const int32_t* flow_offset;    // [n_ranks + 1]
  const int32_t* flow_incident;  // [2 * n_ranks * n_slots]
  // The edges (self-edges left out) in classes that share no rank: class c is
  // colour_edge[colour_offset[c] .. colour_offset[c + 1]).
  int32_t n_colours;
  const int32_t* colour_offset;  // [n_colours + 1]
  const int32_t* colour_edge;    // [n_coloured]
  const int32_t* edge_from;      // [n_ranks * n_slots] e / n_slots, the edge's original rank
  int32_t n_incidences;          // flow_offset[n_ranks]
  int32_t n_coloured;            // colour_offset[n_colours]
  int32_t max_degree;            // the most edges of one rank (self-edges left out)
};

struct MinMaxKernelOptions {
  int max_iterations = 100;
  double tolerance = 1e-9;  // on the certified relative gap
  bool single_precision = false;  // float32 iterations (the certificate stays float64)
  // The exact method's limit on search phases (minmax_flow.h max_phases).
  int flow_max_steps = 0;
};

// Launches the kernel for `groups.batch` groups on `stream`; device pointers throughout, laid
// out as lplb_minmax_batch / lplb_minmax_solution (every output but status and keep optional).
// Returns the launch error.
cudaError_t launch_minmax(const DeviceMinMaxShape& shape, const MinMaxKernelOptions& options,
                          const lplb_minmax_batch& groups, const lplb_minmax_solution& out, cudaStream_t stream);

// The same for the exact method (float64 throughout; single_precision is ignored).
cudaError_t launch_minmax_flow(const DeviceMinMaxShape& shape, const MinMaxKernelOptions& options,
                               const lplb_minmax_batch& groups, const lplb_minmax_solution& out, cudaStream_t stream);

// True when the kernel takes groups of this size.
inline bool minmax_kernel_supports(int n_ranks, int n_slots) {
  return n_ranks >= 1 && n_ranks <= kMinMaxMaxRanks && n_slots >= 1 && n_ranks * n_slots <= kMinMaxMaxEdges;
}

}  // namespace cuda
}  // namespace lplb

#endif  // LPLB_SRC_CUDA_MINMAX_KERNEL_CUH
