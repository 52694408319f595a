// Token routing (lplb/routing.h) against plain loops written from the reference semantics:
// counts equal a histogram and chunk offsets the histogram of everything before each chunk;
// token k of an expert goes to `first` exactly when (k * stride) mod total < keep, computed
// here by multiplication rather than by the incremental walk. Invalid ids are reported by
// index, for int32 and int64 ids.
#include <random>
#include <string>
#include <vector>

#include "lplb/routing.h"
#include "test_harness.h"

namespace {

template <typename Id>
lplb_expert_ids view(const std::vector<Id>& ids) {
  return {ids.data(), static_cast<int64_t>(ids.size()), static_cast<int32_t>(sizeof(Id))};
}

template <typename Id>
void check_counts(uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (int trial = 0; trial < 50; ++trial) {
    const int n_experts = 1 + static_cast<int>(rng() % 300);
    const int length = static_cast<int>(rng() % 5000);
    std::vector<Id> ids(length);
    for (Id& id : ids) id = rng() % 10 == 0 ? Id(-1) : static_cast<Id>(rng() % n_experts);
    const int n_chunks = 1 + static_cast<int>(rng() % 20);
    const int64_t chunk_size = std::max<int64_t>(1, (length + n_chunks - 1) / n_chunks);
    std::vector<int32_t> counts(n_experts, 7), offsets(static_cast<size_t>(n_chunks) * n_experts, 7);
    int64_t bad = 0;
    const lplb_expert_ids v = view(ids);
    CHECK(lplb_count_experts(&v, n_experts, chunk_size, n_chunks, counts.data(), offsets.data(), &bad) == LPLB_OK);
    CHECK(bad == -1);
    std::vector<int32_t> histogram(n_experts, 0);
    for (int c = 0; c < n_chunks; ++c) {
      for (int e = 0; e < n_experts; ++e) CHECK(offsets[static_cast<size_t>(c) * n_experts + e] == histogram[e]);
      for (int64_t i = c * chunk_size; i < std::min<int64_t>(length, (c + 1) * chunk_size); ++i)
        if (ids[i] >= 0) ++histogram[ids[i]];
    }
    for (int e = 0; e < n_experts; ++e) CHECK(counts[e] == histogram[e]);
  }
}

int64_t gcd(int64_t a, int64_t b) { return b == 0 ? a : gcd(b, a % b); }

template <typename Id>
void check_map(uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (int trial = 0; trial < 50; ++trial) {
    const int n_experts = 1 + static_cast<int>(rng() % 64);
    const int length = static_cast<int>(rng() % 6000);
    std::vector<Id> ids(length);
    for (Id& id : ids) id = rng() % 13 == 0 ? Id(-1) : static_cast<Id>(rng() % n_experts);
    std::vector<int32_t> totals(n_experts, 0);
    for (Id id : ids)
      if (id >= 0) ++totals[id];
    std::vector<lplb_route> routes(n_experts);
    for (int e = 0; e < n_experts; ++e) {
      const int32_t total = std::max(1, totals[e]);
      int32_t stride = static_cast<int32_t>(rng() % total);
      while (gcd(stride, total) != 1) stride = (stride + 1) % total;
      routes[e] = {static_cast<int32_t>(rng() % (total + 1)), stride, total, 1000 + e, 2000 + e};
    }
    std::vector<int32_t> out(length, 5);
    int64_t bad = 0;
    const lplb_expert_ids v = view(ids);
    CHECK(lplb_map_experts(&v, n_experts, routes.data(), out.data(), &bad) == LPLB_OK);
    std::vector<int64_t> ordinal(n_experts, 0), to_first(n_experts, 0);
    for (int i = 0; i < length; ++i) {
      if (ids[i] < 0) {
        CHECK(out[i] == -1);
        continue;
      }
      const int e = static_cast<int>(ids[i]);
      const lplb_route& r = routes[e];
      const int64_t h = (ordinal[e]++ * r.stride) % r.total;
      const int32_t expected = h < r.keep ? r.first : r.second;
      CHECK_MSG(out[i] == expected, "token " + std::to_string(i) + " of expert " + std::to_string(e));
      to_first[e] += out[i] == r.first;
    }
    // A permutation: exactly `keep` of the expert's tokens go to its first copy.
    for (int e = 0; e < n_experts; ++e)
      if (totals[e] > 0) CHECK(to_first[e] == std::min(routes[e].keep, totals[e]));
  }
}

}  // namespace

TEST(counts_equal_histograms_and_chunk_prefixes) {
  const uint64_t seed = lplb_test::fresh_seed();
  lplb_test::context() = "seed " + std::to_string(seed);
  check_counts<int32_t>(seed);
  check_counts<int64_t>(seed + 1);
}

TEST(mapping_follows_the_permutation_rule) {
  const uint64_t seed = lplb_test::fresh_seed();
  lplb_test::context() = "seed " + std::to_string(seed);
  check_map<int32_t>(seed);
  check_map<int64_t>(seed + 1);
}

TEST(invalid_ids_are_reported_by_index) {
  const std::vector<int32_t> ids32{0, 3, 64, 1};
  const std::vector<int64_t> ids64{0, -1, int64_t{1} << 40};
  const std::vector<int64_t> negative{-2};
  std::vector<int32_t> counts(64), out(4);
  std::vector<lplb_route> routes(64, lplb_route{1, 0, 1, 0, 0});
  int64_t bad = 0;
  lplb_expert_ids v = view(ids32);
  CHECK(lplb_count_experts(&v, 64, 4, 1, counts.data(), nullptr, &bad) == LPLB_ERR_INVALID_ARGUMENT);
  CHECK(bad == 2);
  CHECK(std::string(lplb_last_error_message()) == "ids[2] is 64, expected an expert id in [-1, 63]");
  CHECK(lplb_map_experts(&v, 64, routes.data(), out.data(), &bad) == LPLB_ERR_INVALID_ARGUMENT);
  CHECK(bad == 2);
  v = view(ids64);
  CHECK(lplb_count_experts(&v, 64, 4, 1, counts.data(), nullptr, &bad) == LPLB_ERR_INVALID_ARGUMENT);
  CHECK(bad == 2);
  v = view(negative);
  CHECK(lplb_map_experts(&v, 64, routes.data(), out.data(), &bad) == LPLB_ERR_INVALID_ARGUMENT);
  CHECK(bad == 0);
  // Malformed calls fail cleanly.
  lplb_expert_ids odd{ids32.data(), 4, 2};
  CHECK(lplb_count_experts(&odd, 64, 4, 1, counts.data(), nullptr, &bad) == LPLB_ERR_INVALID_ARGUMENT);
  v = view(ids32);
  CHECK(lplb_count_experts(&v, 64, 1, 1, counts.data(), nullptr, &bad) == LPLB_ERR_INVALID_ARGUMENT);
  CHECK(lplb_count_experts(&v, 64, 4, 1, counts.data(), nullptr, nullptr) == LPLB_ERR_INVALID_ARGUMENT);
  routes[5].stride = 1;  // not below its total of 1
  const std::vector<int32_t> fine{0};
  v = view(fine);
  CHECK(lplb_map_experts(&v, 64, routes.data(), out.data(), &bad) == LPLB_ERR_INVALID_ARGUMENT);
  routes[5] = lplb_route{2, 0, 1, 0, 0};  // keeps more than its total
  CHECK(lplb_map_experts(&v, 64, routes.data(), out.data(), &bad) == LPLB_ERR_INVALID_ARGUMENT);
  routes[5] = lplb_route{1, 0, 1, 0, 0};
  CHECK(lplb_map_experts(&v, 64, routes.data(), out.data(), &bad) == LPLB_OK);
  CHECK(out[0] == 0);
  const lplb_expert_ids empty{nullptr, 0, 4};
  CHECK(lplb_count_experts(&empty, 64, 1, 1, counts.data(), nullptr, &bad) == LPLB_OK);
}

LPLB_TEST_MAIN
