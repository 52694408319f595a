// The exact method of native/src/minmax/minmax_flow.h on the GPU: one block of one warp per
// group. The method's searches are serial, so one lane runs it on shared-memory scratch while
// the warp loads the group's structure and loads and computes the float64 certificate (the
// largest rank load of the split, recomputed on the caller's data, against the density of the
// method's set). Blocks are independent, so the groups of a step run side by side on the SMs.
#include <cstdint>

#include "minmax/minmax_flow.h"
#include "minmax_kernel.cuh"

namespace lplb {
namespace cuda {
namespace {

namespace flow = lplb::minmax::flow;

constexpr unsigned kFull = 0xffffffffu;

// Shared memory of one group: the structure and the method's scratch. Sized for the largest
// group the kernels take; a block uses what its group needs.
struct FlowShared {
  double weight[kMinMaxMaxEdges];
  double fixed[kMinMaxMaxRanks];
  double kept[kMinMaxMaxEdges];
  double load[kMinMaxMaxRanks];
  int32_t from[kMinMaxMaxEdges];
  int32_t to[kMinMaxMaxEdges];
  int32_t offset[kMinMaxMaxRanks + 1];
  int32_t incident[2 * kMinMaxMaxEdges];
  int32_t parent[kMinMaxMaxRanks];
  int32_t queue[kMinMaxMaxRanks];
  int32_t mark[kMinMaxMaxRanks];
  int32_t in_set[kMinMaxMaxRanks];
  int32_t steps;
  int32_t outcome;
  double level;
};

__device__ inline double warp_max(double value) {
  for (int offset = 16; offset > 0; offset >>= 1) value = fmax(value, __shfl_xor_sync(kFull, value, offset));
  return value;
}

__global__ void __launch_bounds__(32) minmax_flow_kernel(DeviceMinMaxShape shape, MinMaxKernelOptions options,
                                                         lplb_minmax_batch groups, lplb_minmax_solution out) {
  __shared__ FlowShared sh;
  const int lane = threadIdx.x, group = blockIdx.x;
  const int ranks = shape.n_ranks, slots = shape.n_slots, edges = ranks * slots;
  const double* fixed = groups.fixed_load + static_cast<size_t>(group) * ranks;
  const double* weight = groups.slot_load + static_cast<size_t>(group) * edges;
  for (int e = lane; e < edges; e += 32) {
    sh.weight[e] = weight[e];
    sh.from[e] = e / slots;
    sh.to[e] = shape.replica_rank[e];
  }
  for (int r = lane; r < ranks; r += 32) sh.fixed[r] = fixed[r];
  for (int k = lane; k <= ranks; k += 32) sh.offset[k] = shape.flow_offset[k];
  const int incidences = shape.flow_offset[ranks];
  for (int k = lane; k < incidences; k += 32) sh.incident[k] = shape.flow_incident[k];
  __syncwarp();
  if (lane == 0) {
    const flow::Structure structure{ranks, edges, sh.from, sh.to, sh.offset, sh.incident};
    const flow::Scratch scratch{sh.kept, sh.load, sh.parent, sh.queue, sh.mark, sh.in_set};
    const flow::Result result =
        flow::solve(structure, sh.fixed, sh.weight, flow::kSlackOfTolerance * options.tolerance, options.flow_max_steps,
                    scratch);
    sh.steps = result.steps;
    sh.outcome = static_cast<int32_t>(result.outcome);
    sh.level = result.level;
  }
  __syncwarp();
  // The split and its rank loads on the caller's data, in float64; each lane gathers its ranks.
  double* keep = out.keep + static_cast<size_t>(group) * edges;
  for (int e = lane; e < edges; e += 32) {
    const double w = sh.weight[e];
    const double p = w > 0 ? fmin(1.0, fmax(0.0, sh.kept[e] / w)) : 0.5;
    keep[e] = p;
    sh.kept[e] = p;  // now the fraction, for the loads below
  }
  __syncwarp();
  double heaviest = 0;
  for (int r = lane; r < ranks; r += 32) {
    double load = sh.fixed[r];
    for (int d = 0; d < slots; ++d) load += sh.weight[r * slots + d] * sh.kept[r * slots + d];
    for (int k = shape.in_start[r]; k < shape.in_start[r + 1]; ++k) {
      const int e = shape.in_edge[k];
      load += sh.weight[e] * (1 - sh.kept[e]);
    }
    heaviest = fmax(heaviest, load);
  }
  heaviest = warp_max(heaviest);
  if (lane != 0) return;
  const double lower = sh.level > 0 ? sh.level : 0;
  const bool certified = heaviest - lower <= options.tolerance * heaviest;
  const auto outcome = static_cast<flow::Outcome>(sh.outcome);
  out.status[group] = certified ? LPLB_STATUS_OPTIMAL
                      : outcome == flow::Outcome::kStepLimit ? LPLB_STATUS_ITERATION_LIMIT
                                                              : LPLB_STATUS_NUMERICAL_ERROR;
  if (out.max_load) out.max_load[group] = heaviest;
  if (out.lower_bound) out.lower_bound[group] = lower;
  if (out.gap) out.gap[group] = heaviest > 0 ? fmax(0.0, heaviest - lower) / heaviest : 0.0;
  if (out.iterations) out.iterations[group] = sh.steps;
}

}  // namespace

cudaError_t launch_minmax_flow(const DeviceMinMaxShape& shape, const MinMaxKernelOptions& options,
                               const lplb_minmax_batch& groups, const lplb_minmax_solution& out, cudaStream_t stream) {
  if (groups.batch <= 0) return cudaSuccess;
  minmax_flow_kernel<<<groups.batch, 32, 0, stream>>>(shape, options, groups, out);
  return cudaGetLastError();
}

}  // namespace cuda
}  // namespace lplb
