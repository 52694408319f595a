// Token routing exports of the addon (lplb/routing.h):
//
//   countExperts(ids, nExperts, chunkSize, nChunks, counts, chunkOffsets)  // -> -1 or bad index
//   mapExperts(ids, nExperts, routes, out)                                 // -> -1 or bad index
//
// ids is an Int32Array or BigInt64Array; counts an Int32Array(nExperts); chunkOffsets null or
// an Int32Array(nChunks * nExperts); routes an Int32Array(5 * nExperts) of lplb_route rows
// (keep, stride, total, first, second); out an Int32Array of ids.length (it may be ids itself
// when ids is an Int32Array). An id outside [-1, nExperts) is not an exception: its index is
// returned, so that the caller can word the error.
#ifndef LPLB_ADDON_ROUTING_H
#define LPLB_ADDON_ROUTING_H

#include <napi.h>

namespace lplb_addon {

Napi::Value CountExperts(const Napi::CallbackInfo& info);
Napi::Value MapExperts(const Napi::CallbackInfo& info);

}  // namespace lplb_addon

#endif  // LPLB_ADDON_ROUTING_H
