// dnsfilter-resolver — the response cache.
#include "cache.hpp"

#include <xxhash.h>

#include <cstring>

namespace resolver {

struct response_cache::entry {
  entry* newer = nullptr;  // LRU list: the head is the most recently used
  entry* older = nullptr;
  std::string key;
  std::vector<std::byte> message;
  std::vector<std::uint16_t> ttl_offsets;
  response_layout layout;
  std::int64_t stored = 0;
  std::int64_t expires = 0;
  std::size_t charge = 0;
};

namespace {
struct key_hash {
  std::size_t operator()(std::string_view k) const noexcept { return XXH3_64bits(k.data(), k.size()); }
};
}  // namespace

struct response_cache::shard {
  std::mutex mutex;
  // Keys view the entry's own key string, which never moves (the entry is
  // heap-allocated and owned by the map's value).
  tsl::robin_map<std::string_view, std::unique_ptr<entry>, key_hash> map;
  entry* newest = nullptr;
  entry* oldest = nullptr;
  std::size_t bytes = 0;
  std::size_t capacity = 0;
  cache_statistics counts;

  void unlink(entry* e) noexcept {
    (e->newer ? e->newer->older : newest) = e->older;
    (e->older ? e->older->newer : oldest) = e->newer;
    e->newer = e->older = nullptr;
  }
  void push_front(entry* e) noexcept {
    e->older = newest;
    e->newer = nullptr;
    if (newest) newest->newer = e;
    newest = e;
    if (!oldest) oldest = e;
  }
  void erase(entry* e, std::size_t hash) {
    unlink(e);
    bytes -= e->charge;
    // Find first, then erase by position: the key views e, which erase frees.
    auto it = map.find(std::string_view(e->key), hash);
    if (it != map.end()) map.erase(it);
  }
};

response_cache::response_cache(std::size_t max_bytes) : max_bytes_(max_bytes) {
  for (auto& s : shards_) {
    s = std::make_unique<shard>();
    s->capacity = max_bytes / shard_count;
  }
}

response_cache::~response_cache() = default;

std::optional<response_cache::hit> response_cache::lookup(std::string_view key, std::int64_t now,
                                                           std::span<std::byte> out) {
  if (max_bytes_ == 0) return std::nullopt;
  const std::size_t hash = key_hash{}(key);
  shard& s = shard_for(hash);
  std::lock_guard lock(s.mutex);
  auto it = s.map.find(key, hash);
  if (it == s.map.end()) {
    ++s.counts.misses;
    return std::nullopt;
  }
  entry* e = it->second.get();
  if (now >= e->expires) {
    ++s.counts.expired;
    ++s.counts.misses;
    s.erase(e, hash);
    return std::nullopt;
  }
  if (e->message.size() > out.size()) {
    ++s.counts.misses;
    return std::nullopt;
  }
  s.unlink(e);
  s.push_front(e);
  ++s.counts.hits;
  hit h;
  h.size = e->message.size();
  h.layout = e->layout;
  h.age = static_cast<std::uint32_t>(now > e->stored ? now - e->stored : 0);
  std::memcpy(out.data(), e->message.data(), h.size);
  age_ttls(out.first(h.size), e->ttl_offsets, h.age);
  return h;
}

void response_cache::insert(std::string_view key, std::span<const std::byte> message, const response_info& info,
                            std::int64_t now) {
  if (max_bytes_ == 0 || info.cache_ttl == 0) return;
  const std::size_t charge =
      entry_overhead + key.size() + message.size() + info.ttl_offsets.size() * sizeof(std::uint16_t);
  const std::size_t hash = key_hash{}(key);
  shard& s = shard_for(hash);
  if (charge > s.capacity) return;
  // Build the entry outside the lock: the allocations are the slow part.
  auto e = std::make_unique<entry>();
  e->key.assign(key);
  e->message.assign(message.begin(), message.end());
  e->ttl_offsets = info.ttl_offsets;
  e->layout = info.layout;
  e->stored = now;
  e->expires = now + info.cache_ttl;
  e->charge = charge;

  std::unique_ptr<entry> replaced;  // freed after the lock is released
  std::lock_guard lock(s.mutex);
  if (auto it = s.map.find(key, hash); it != s.map.end()) {
    entry* old = it->second.get();
    s.unlink(old);
    s.bytes -= old->charge;
    replaced = std::move(it.value());
    s.map.erase(it);
  }
  while (s.bytes + charge > s.capacity && s.oldest != nullptr) {
    entry* victim = s.oldest;
    ++s.counts.evictions;
    s.erase(victim, key_hash{}(victim->key));
  }
  entry* raw = e.get();
  s.map.emplace(std::string_view(raw->key), std::move(e));
  s.push_front(raw);
  s.bytes += charge;
  ++s.counts.inserts;
}

void response_cache::clear() {
  for (auto& s : shards_) {
    std::lock_guard lock(s->mutex);
    s->map.clear();
    s->newest = s->oldest = nullptr;
    s->bytes = 0;
  }
}

cache_statistics response_cache::statistics() const {
  cache_statistics total;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mutex);
    total.hits += s->counts.hits;
    total.misses += s->counts.misses;
    total.inserts += s->counts.inserts;
    total.evictions += s->counts.evictions;
    total.expired += s->counts.expired;
    total.entries += s->map.size();
    total.bytes += s->bytes;
  }
  return total;
}

}  // namespace resolver
