// dnsfilter-resolver — the response cache: upstream answers kept for their TTL
// so that warm traffic never waits on the upstream.
//
// What is stored is the upstream's response as received (it answered our
// query: our id, our 0x20 case), with the offsets of its TTL fields and its
// layout. A hit copies it out with every TTL reduced by its age; the caller
// then shapes it for the client like a fresh response (dns.hpp). Keys are the
// lower-cased question with type, class, DO and CD.
//
// Bounded by memory, not by count: every entry is charged its bytes plus a
// fixed overhead, and the least recently used entries of a shard go first.
// Sixteen shards, each behind its own mutex, so serving threads rarely meet;
// a lookup allocates nothing. Entries past their TTL are removed when met.
//
// Lifetimes come from analyze_response: positive answers the smallest TTL,
// negative ones min(SOA TTL, SOA MINIMUM) per RFC 2308, clamped by the
// configured bounds; truncated, failed and SOA-less negative answers are not
// stored.
#pragma once

#include "dns.hpp"

#include <tsl/robin_map.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace resolver {

struct cache_statistics {
  std::uint64_t hits = 0, misses = 0, inserts = 0, evictions = 0, expired = 0;
  std::uint64_t entries = 0, bytes = 0;
};

class response_cache {
 public:
  // The fixed cost charged per entry beyond its key, message and offsets
  // (the entry, its map slot, allocator headers): an estimate, so the limit
  // holds to within a few percent.
  static constexpr std::size_t entry_overhead = 160;
  static constexpr std::size_t shard_count = 16;

  explicit response_cache(std::size_t max_bytes);
  ~response_cache();
  response_cache(const response_cache&) = delete;
  response_cache& operator=(const response_cache&) = delete;

  bool enabled() const noexcept { return max_bytes_ > 0; }

  struct hit {
    std::size_t size = 0;            // octets written to `out`
    response_layout layout;
    std::uint32_t age = 0;           // seconds since stored (already taken off the TTLs)
  };

  // The entry for `key` at monotonic time `now` (seconds), copied into `out`
  // with aged TTLs; nullopt when absent, expired, or larger than `out`.
  std::optional<hit> lookup(std::string_view key, std::int64_t now, std::span<std::byte> out);

  // Stores `message` (a response described by `info`) for info.cache_ttl
  // seconds from `now`, replacing any entry of the same key. An entry larger
  // than a shard's share of the memory is not stored.
  void insert(std::string_view key, std::span<const std::byte> message, const response_info& info,
              std::int64_t now);

  // Removes everything (tests, and a future "flush" command).
  void clear();

  cache_statistics statistics() const;

 private:
  struct entry;
  struct shard;
  shard& shard_for(std::size_t hash) noexcept { return *shards_[hash % shard_count]; }

  std::size_t max_bytes_;
  std::array<std::unique_ptr<shard>, shard_count> shards_;
};

}  // namespace resolver
