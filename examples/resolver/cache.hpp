// dnsfilter-resolver — the response cache: upstream answers kept for their TTL
// so that warm traffic never waits on the upstream.
//
// What is stored is the upstream's response as received (it answered our
// query: our id), its question lower-cased, with the offsets of its TTL
// fields and its layout. A hit copies it out with every TTL reduced by its
// age; the caller then shapes it for the client like a fresh response
// (dns.hpp). Keys are the lower-cased question with type, class, DO and CD.
//
// Memory: each shard is a slab of fixed 112-octet slots and an
// open-addressing index of 8-octet cells at most 3/4 full. A small answer
// (one A record, a name of up to ~40 octets, the OPT) lives in its slot, key
// included (the key is the stored question), so it costs 112 + 8 × 4/3 ≈ 123
// octets, charged and resident. A larger answer keeps its slot and puts the
// message in a heap block, charged its size plus the allocator's header.
// Slab and index are reserved up front and touched only as they fill.
//
// Eviction is SIEVE (Zhang et al., NSDI '24): a FIFO queue of entries with a
// visited bit set by hits; a hand walks from the oldest entry toward the
// newest, clearing visited bits and evicting the first entry that has none
// (or has expired). A one-pass scan of names never asked again leaves
// entries that are never visited, so the hand takes them and the names asked
// again and again stay. Sixteen shards, each behind its own mutex; lookups and
// small inserts allocate nothing.
//
// Lifetimes come from analyze_response: positive answers the smallest TTL,
// negative ones min(SOA TTL, SOA MINIMUM) per RFC 2308, clamped by the
// configured bounds; truncated, failed and SOA-less negative answers are not
// stored.
#pragma once

#include "dns.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>

namespace resolver {

struct cache_statistics {
  std::uint64_t hits = 0, misses = 0, inserts = 0, evictions = 0, expired = 0;
  std::uint64_t entries = 0, bytes = 0;
  std::uint64_t large = 0;  // entries whose message is in a heap block
};

class response_cache {
 public:
  static constexpr std::size_t shard_count = 16;
  static constexpr std::size_t slot_size = 112;
  static constexpr std::size_t slot_payload = 88;  // TTL offsets, then the message
  // The index's share of a slot: an 8-octet cell, the table at most 3/4 full.
  static constexpr std::size_t index_cell = 8;
  // What one slot costs (fractions of an octet rounded up): ≤ 128.
  static constexpr std::size_t slot_charge = slot_size + (index_cell * 4 + 2) / 3;

  explicit response_cache(std::size_t max_bytes) : response_cache(max_bytes, shard_count) {}
  // With fewer shards (1 to shard_count): the tests use one, to know what
  // shares a memory budget.
  response_cache(std::size_t max_bytes, std::size_t shards);
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

  // Stores `message` (a response described by `info`, whose question is the
  // key's) for info.cache_ttl seconds from `now`, replacing any entry of the
  // same key. An entry larger than a shard's share of the memory, or whose
  // question is not the key's, is not stored.
  void insert(std::string_view key, std::span<const std::byte> message, const response_info& info,
              std::int64_t now);

  // Removes everything (tests, and a future "flush" command).
  void clear();

  cache_statistics statistics() const;

  // The heap block's charge for a message of `size` octets with `ttls` TTL
  // fields (glibc's chunk: 8 octets of header, 16-octet granules).
  static std::size_t large_charge(std::size_t size, std::size_t ttls) noexcept;

 private:
  struct shard;
  shard& shard_for(std::uint64_t hash) noexcept { return *shards_[hash % shards_used_]; }

  std::size_t max_bytes_;
  std::size_t shards_used_;
  std::array<std::unique_ptr<shard>, shard_count> shards_;
};

}  // namespace resolver
