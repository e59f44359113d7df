// dnsfilter-resolver — the response cache: a slab of fixed slots per shard,
// an open-addressing index, SIEVE eviction.
#include "cache.hpp"

#include <dnsfilter/detail/bytes.hpp>

#include <xxhash.h>

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <type_traits>

namespace resolver {

namespace {

constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();

// Slot flags.
constexpr std::uint8_t flag_has_opt = 0x01, flag_opt_last = 0x02, flag_has_cname = 0x04, flag_visited = 0x08,
                       flag_large = 0x40;
constexpr unsigned key_bits_shift = 4;  // the key's DO and CD bits (make_cache_key's last octet), bits 4-5

// The key's layout (make_cache_key): the name's wire octets, type, class,
// then one octet of DO and CD bits.
constexpr std::size_t key_tail = 5;

struct slot {
  std::uint32_t expires;   // monotonic seconds
  std::uint32_t stored;
  std::uint32_t tag;       // the upper half of the key's hash: finds the index cell
  std::uint32_t older;     // the SIEVE queue; `newer` also links the free slots
  std::uint32_t newer;
  std::uint16_t size;      // the message's
  std::uint16_t additional_offset;
  std::uint16_t opt_offset;
  std::uint8_t flags;
  std::uint8_t ttl_count;  // small entries; a large one keeps it in its block
  // Small: ttl_count 16-bit TTL offsets, then the message. Large: a pointer
  // to the heap block (2-octet TTL count, the offsets, the message).
  std::byte payload[response_cache::slot_payload - 4];
};
static_assert(sizeof(slot) == response_cache::slot_size);
static_assert(std::is_trivially_default_constructible_v<slot>);

struct cell {
  std::uint32_t slot_plus_one;  // 0: empty
  std::uint32_t tag;
};
static_assert(sizeof(cell) == response_cache::index_cell);

constexpr std::size_t small_payload = sizeof(slot::payload);

std::uint64_t hash_key(std::string_view key) noexcept { return XXH3_64bits(key.data(), key.size()); }

std::uint32_t clamp_u32(std::int64_t v) noexcept {
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(v, 0, std::numeric_limits<std::uint32_t>::max()));
}

// The message's question (lower-cased) begins with the key: name, type, class.
bool question_is_key(std::span<const std::byte> message, std::string_view key) noexcept {
  const std::size_t n = key.size() - 1;  // all but the DO/CD octet
  if (message.size() < dnsfilter::wire::header_size + n) return false;
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<char>(dnsfilter::detail::ascii_lower(message[dnsfilter::wire::header_size + i]));
    if (c != key[i]) return false;
  }
  return true;
}

void lower_question(std::byte* message, std::size_t name_size) noexcept {
  for (std::size_t i = 0; i < name_size; ++i)
    message[dnsfilter::wire::header_size + i] = dnsfilter::detail::ascii_lower(message[dnsfilter::wire::header_size + i]);
}

}  // namespace

std::size_t response_cache::large_charge(std::size_t size, std::size_t ttls) noexcept {
  const std::size_t block = 2 + 2 * ttls + size;
  return std::max<std::size_t>(32, (block + 8 + 15) & ~std::size_t{15});
}

struct response_cache::shard {
  std::mutex mutex;
  std::size_t capacity = 0;   // octets
  std::uint32_t max_slots = 0;
  std::uint32_t index_size = 0;
  // One anonymous mapping: the slab, then the index. Reserved, not committed:
  // a page is resident once an entry touches it.
  void* mapping = nullptr;
  std::size_t mapping_size = 0;
  slot* slots = nullptr;
  cell* index = nullptr;

  std::uint32_t used = 0;        // slots holding an entry
  std::uint32_t untouched = 0;   // slots from here on were never used
  std::uint32_t free_list = none;
  std::uint32_t oldest = none, newest = none, hand = none;
  std::size_t heap_bytes = 0;    // large entries' blocks
  std::uint64_t large = 0;
  cache_statistics counts;

  explicit shard(std::size_t bytes) : capacity(bytes) {
    const std::size_t slots_wanted = std::min<std::size_t>(bytes / slot_charge, none - 1);
    if (slots_wanted == 0) return;
    max_slots = static_cast<std::uint32_t>(slots_wanted);
    index_size = static_cast<std::uint32_t>(std::min<std::size_t>((slots_wanted * 4 + 2) / 3, none));
    mapping_size = std::size_t{max_slots} * sizeof(slot) + std::size_t{index_size} * sizeof(cell);
    mapping = ::mmap(nullptr, mapping_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mapping == MAP_FAILED) throw std::bad_alloc();
    slots = static_cast<slot*>(mapping);
    index = reinterpret_cast<cell*>(static_cast<std::byte*>(mapping) + std::size_t{max_slots} * sizeof(slot));
  }
  ~shard() {
    free_blocks();
    if (mapping != nullptr) ::munmap(mapping, mapping_size);
  }
  shard(const shard&) = delete;
  shard& operator=(const shard&) = delete;

  std::size_t bytes() const noexcept { return std::size_t{used} * slot_charge + heap_bytes; }

  // --- entries
  static std::byte* block_of(const slot& s) noexcept {
    std::byte* p;
    std::memcpy(&p, s.payload, sizeof p);
    return p;
  }
  static std::size_t ttl_count_of(const slot& s) noexcept {
    if ((s.flags & flag_large) == 0) return s.ttl_count;
    return dnsfilter::detail::load_u16(block_of(s));
  }
  static const std::byte* ttl_offsets_of(const slot& s) noexcept {
    return (s.flags & flag_large) ? block_of(s) + 2 : s.payload;
  }
  static std::byte* message_of(slot& s) noexcept {
    if ((s.flags & flag_large) == 0) return s.payload + 2 * std::size_t{s.ttl_count};
    return block_of(s) + 2 + 2 * std::size_t{dnsfilter::detail::load_u16(block_of(s))};
  }
  bool matches(slot& s, std::string_view key) noexcept {
    if (((s.flags >> key_bits_shift) & 3) != (static_cast<unsigned>(key.back()) & 3)) return false;
    const std::size_t n = key.size() - 1;
    if (s.size < dnsfilter::wire::header_size + n) return false;
    return std::memcmp(message_of(s) + dnsfilter::wire::header_size, key.data(), n) == 0;
  }

  // --- the index: linear probing, home cell from the tag (Lemire's multiply-shift)
  std::uint32_t home(std::uint32_t tag) const noexcept {
    return static_cast<std::uint32_t>((std::uint64_t{tag} * index_size) >> 32);
  }
  std::uint32_t next_cell(std::uint32_t i) const noexcept { return i + 1 == index_size ? 0 : i + 1; }

  // The cell of `key`, or none.
  std::uint32_t find(std::uint32_t tag, std::string_view key) noexcept {
    for (std::uint32_t i = home(tag);; i = next_cell(i)) {
      const cell c = index[i];
      if (c.slot_plus_one == 0) return none;
      if (c.tag == tag && matches(slots[c.slot_plus_one - 1], key)) return i;
    }
  }
  void index_insert(std::uint32_t tag, std::uint32_t which) noexcept {
    std::uint32_t i = home(tag);
    while (index[i].slot_plus_one != 0) i = next_cell(i);
    index[i] = {which + 1, tag};
  }
  // Empties cell `hole` and shifts later cells of its run back, so every
  // entry stays reachable from its home without tombstones.
  void index_erase(std::uint32_t hole) noexcept {
    for (std::uint32_t k = next_cell(hole);; k = next_cell(k)) {
      const cell c = index[k];
      if (c.slot_plus_one == 0) break;
      const std::uint32_t h = home(c.tag);
      const auto distance = [this](std::uint32_t from, std::uint32_t to) {
        return to >= from ? to - from : to + index_size - from;
      };
      if (distance(h, hole) < distance(h, k)) {
        index[hole] = c;
        hole = k;
      }
    }
    index[hole] = {0, 0};
  }
  std::uint32_t cell_of_slot(std::uint32_t which) const noexcept {
    for (std::uint32_t i = home(slots[which].tag);; i = next_cell(i))
      if (index[i].slot_plus_one == which + 1 || index[i].slot_plus_one == 0) return i;
  }

  // --- the SIEVE queue
  void push_newest(std::uint32_t which) noexcept {
    slot& s = slots[which];
    s.older = newest;
    s.newer = none;
    if (newest != none) slots[newest].newer = which;
    newest = which;
    if (oldest == none) oldest = which;
  }
  void unlink(std::uint32_t which) noexcept {
    slot& s = slots[which];
    if (hand == which) hand = s.newer;
    (s.newer != none ? slots[s.newer].older : newest) = s.older;
    (s.older != none ? slots[s.older].newer : oldest) = s.newer;
  }

  std::uint32_t take_slot() noexcept {
    if (free_list != none) {
      const std::uint32_t which = free_list;
      free_list = slots[which].newer;
      return which;
    }
    return untouched++;
  }

  void remove(std::uint32_t which) noexcept {
    slot& s = slots[which];
    unlink(which);
    const std::uint32_t c = cell_of_slot(which);
    if (index[c].slot_plus_one == which + 1) index_erase(c);
    if (s.flags & flag_large) {
      heap_bytes -= large_charge(s.size, ttl_count_of(s));
      --large;
      std::free(block_of(s));
    }
    s.flags = 0;
    s.newer = free_list;
    free_list = which;
    --used;
  }

  // SIEVE: from the hand toward the newest entry (wrapping to the oldest),
  // clear visited bits until an entry without one; an expired entry goes at
  // once. One full turn clears every bit, so the walk ends.
  void evict_one(std::uint32_t now) noexcept {
    std::uint32_t o = hand != none ? hand : oldest;
    for (;;) {
      slot& s = slots[o];
      if (now >= s.expires) {
        ++counts.expired;
        break;
      }
      if ((s.flags & flag_visited) == 0) {
        ++counts.evictions;
        break;
      }
      s.flags &= static_cast<std::uint8_t>(~flag_visited);
      o = s.newer != none ? s.newer : oldest;
    }
    hand = slots[o].newer;
    remove(o);
  }

  void free_blocks() noexcept {
    if (large == 0) return;
    for (std::uint32_t i = 0; i < untouched; ++i)
      if (slots[i].flags & flag_large) std::free(block_of(slots[i]));
  }

  void reset() noexcept {
    free_blocks();
    if (mapping != nullptr) ::madvise(mapping, mapping_size, MADV_DONTNEED);  // zero pages again, and not resident
    used = untouched = 0;
    free_list = oldest = newest = hand = none;
    heap_bytes = 0;
    large = 0;
  }
};

response_cache::response_cache(std::size_t max_bytes, std::size_t shards)
    : max_bytes_(max_bytes), shards_used_(std::clamp<std::size_t>(shards, 1, shard_count)) {
  if (max_bytes_ == 0) return;
  for (std::size_t i = 0; i < shards_used_; ++i) shards_[i] = std::make_unique<shard>(max_bytes / shards_used_);
}

response_cache::~response_cache() = default;

std::optional<response_cache::hit> response_cache::lookup(std::string_view key, std::int64_t now,
                                                           std::span<std::byte> out) {
  if (max_bytes_ == 0 || key.size() <= key_tail) return std::nullopt;
  const std::uint64_t hash = hash_key(key);
  const auto tag = static_cast<std::uint32_t>(hash >> 32);
  shard& s = shard_for(hash);
  std::lock_guard lock(s.mutex);
  if (s.max_slots == 0) {
    ++s.counts.misses;
    return std::nullopt;
  }
  const std::uint32_t c = s.find(tag, key);
  if (c == none) {
    ++s.counts.misses;
    return std::nullopt;
  }
  const std::uint32_t which = s.index[c].slot_plus_one - 1;
  slot& e = s.slots[which];
  const std::uint32_t at = clamp_u32(now);
  if (at >= e.expires) {
    ++s.counts.expired;
    ++s.counts.misses;
    s.remove(which);
    return std::nullopt;
  }
  if (e.size > out.size()) {
    ++s.counts.misses;
    return std::nullopt;
  }
  e.flags |= flag_visited;
  ++s.counts.hits;
  hit h;
  h.size = e.size;
  h.layout.size = e.size;
  h.layout.additional_offset = e.additional_offset;
  h.layout.opt_offset = e.opt_offset;
  h.layout.has_opt = (e.flags & flag_has_opt) != 0;
  h.layout.opt_last = (e.flags & flag_opt_last) != 0;
  h.layout.has_cname = (e.flags & flag_has_cname) != 0;
  h.age = at > e.stored ? at - e.stored : 0;
  std::memcpy(out.data(), shard::message_of(e), h.size);
  if (h.age != 0) {
    // Offsets are kept as octets (2-aligned, but not uint16_t objects): read each with memcpy.
    const std::size_t count = shard::ttl_count_of(e);
    const std::byte* offsets = shard::ttl_offsets_of(e);
    for (std::size_t i = 0; i < count; ++i) {
      std::uint16_t offset;
      std::memcpy(&offset, offsets + 2 * i, 2);
      if (offset + 4u > h.size) continue;
      std::byte* field = out.data() + offset;
      const std::uint32_t ttl = dnsfilter::detail::load_u32(field);
      dnsfilter::detail::store_u32(field, ttl > h.age ? ttl - h.age : 0);
    }
  }
  return h;
}

void response_cache::insert(std::string_view key, std::span<const std::byte> message, const response_info& info,
                            std::int64_t now) {
  if (max_bytes_ == 0 || info.cache_ttl == 0 || key.size() <= key_tail) return;
  if (message.size() > std::numeric_limits<std::uint16_t>::max() || !question_is_key(message, key)) return;
  const std::size_t ttls = info.ttl_offsets.size();
  if (ttls > std::numeric_limits<std::uint16_t>::max()) return;
  const bool small = ttls <= std::numeric_limits<std::uint8_t>::max() && 2 * ttls + message.size() <= small_payload;
  const std::size_t heap = small ? 0 : large_charge(message.size(), ttls);
  const std::uint64_t hash = hash_key(key);
  const auto tag = static_cast<std::uint32_t>(hash >> 32);
  shard& s = shard_for(hash);
  if (s.max_slots == 0 || slot_charge + heap > s.capacity) return;
  const std::size_t name_size = key.size() - key_tail;

  // A large entry's block is built before taking the lock.
  std::byte* block = nullptr;
  if (!small) {
    block = static_cast<std::byte*>(std::malloc(2 + 2 * ttls + message.size()));
    if (block == nullptr) return;
    dnsfilter::detail::store_u16(block, static_cast<std::uint16_t>(ttls));
    std::memcpy(block + 2, info.ttl_offsets.data(), 2 * ttls);
    std::memcpy(block + 2 + 2 * ttls, message.data(), message.size());
    lower_question(block + 2 + 2 * ttls, name_size);
  }

  std::lock_guard lock(s.mutex);
  if (const std::uint32_t c = s.find(tag, key); c != none) s.remove(s.index[c].slot_plus_one - 1);
  const std::uint32_t at = clamp_u32(now);
  while (s.used != 0 && (s.used == s.max_slots || s.bytes() + slot_charge + heap > s.capacity)) s.evict_one(at);
  const std::uint32_t which = s.take_slot();
  slot& e = s.slots[which];
  e.expires = clamp_u32(now + std::int64_t{info.cache_ttl});
  e.stored = at;
  e.tag = tag;
  e.size = static_cast<std::uint16_t>(message.size());
  e.additional_offset = info.layout.additional_offset;
  e.opt_offset = info.layout.opt_offset;
  e.flags = static_cast<std::uint8_t>((info.layout.has_opt ? flag_has_opt : 0) |
                                      (info.layout.opt_last ? flag_opt_last : 0) |
                                      (info.layout.has_cname ? flag_has_cname : 0) |
                                      ((static_cast<unsigned>(key.back()) & 3) << key_bits_shift));
  if (small) {
    e.ttl_count = static_cast<std::uint8_t>(ttls);
    std::memcpy(e.payload, info.ttl_offsets.data(), 2 * ttls);
    std::byte* m = e.payload + 2 * ttls;
    std::memcpy(m, message.data(), message.size());
    lower_question(m, name_size);
  } else {
    e.flags |= flag_large;
    e.ttl_count = 0;
    std::memcpy(e.payload, &block, sizeof block);
    s.heap_bytes += heap;
    ++s.large;
  }
  s.index_insert(tag, which);
  s.push_newest(which);
  ++s.used;
  ++s.counts.inserts;
}

void response_cache::clear() {
  for (auto& s : shards_) {
    if (!s) continue;
    std::lock_guard lock(s->mutex);
    s->reset();
  }
}

cache_statistics response_cache::statistics() const {
  cache_statistics total;
  for (const auto& s : shards_) {
    if (!s) continue;
    std::lock_guard lock(s->mutex);
    total.hits += s->counts.hits;
    total.misses += s->counts.misses;
    total.inserts += s->counts.inserts;
    total.evictions += s->counts.evictions;
    total.expired += s->counts.expired;
    total.entries += s->used;
    total.bytes += s->bytes();
    total.large += s->large;
  }
  return total;
}

}  // namespace resolver
