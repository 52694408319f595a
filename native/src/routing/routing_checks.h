// Argument checks shared by the CPU (routing.cc) and GPU (cuda/routing_kernels.cu) halves of
// lplb/routing.h. Each returns LPLB_OK or LPLB_ERR_INVALID_ARGUMENT with the last error set.
#ifndef LPLB_SRC_ROUTING_ROUTING_CHECKS_H
#define LPLB_SRC_ROUTING_ROUTING_CHECKS_H

#include "lplb/routing.h"

namespace lplb {
namespace routing {

// The id array itself: present, 4 or 8 bytes wide, at most INT32_MAX ids, data when not empty.
lplb_error check_id_array(const lplb_expert_ids* ids);

// n_chunks chunks of chunk_size that cover every id.
lplb_error check_chunks(const lplb_expert_ids& ids, int64_t chunk_size, int32_t n_chunks);

}  // namespace routing
}  // namespace lplb

#endif  // LPLB_SRC_ROUTING_ROUTING_CHECKS_H
