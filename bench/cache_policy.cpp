// dnsfilter-bench-cache-policy: the resolver's response cache (SIEVE over a
// slab, examples/resolver/cache.hpp) beside a plain least-recently-used cache
// of the same number of entries, on the same query stream:
//
//   1. warm-up: a Zipf-distributed stream over a large name space;
//   2. the same stream with a one-pass scan mixed in (one never-repeated name
//      per Zipf query, the scan several times the cache);
//   3. the stream again, after the scan.
//
// Each query is a lookup and, on a miss, an insert (what the resolver does
// with the upstream's answer). Prints the hit ratio of the Zipf queries per
// phase for both policies, then the memory one small answer costs: charged
// (the cache's own accounting) and resident (VmRSS growth over the entries of
// a cache filled from empty, read from /proc/self/status).
//
//   dnsfilter-bench-cache-policy [CACHE_BYTES (32M)] [NAMES (1000000)] [QUERIES (2000000)] [ZIPF_S (0.9)]
#include "cache.hpp"
#include "resident.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <list>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace wire = dnsfilter::wire;
using resolver::response_cache;
using resolver::resident_kib;

namespace {

// Names of one length, so one template answer serves every name: the digits
// are rewritten in place ("z0000042.example.com").
constexpr std::size_t digits = 7;
constexpr std::size_t digits_at = 14;  // header, the first label's length octet, its first letter

struct answer_template {
  std::vector<std::byte> bytes;
  resolver::response_info info;
};

answer_template make_template() {
  answer_template t;
  t.bytes.resize(512);
  wire::message_writer w{t.bytes};
  w.header().qr = true;
  const auto n = wire::name::from_text("z0000000.example.com").value();
  (void)w.add_question(n, wire::rr_type::a);
  (void)w.add_record(wire::section::answer, n, wire::rr_type::a, wire::rr_class::in, 3600,
                     wire::rdata::a{{std::byte{192}, std::byte{0}, std::byte{2}, std::byte{1}}});
  (void)w.add_opt(wire::edns{});
  t.bytes.resize(w.finish().size());
  t.info = resolver::analyze_response(*wire::message_view::parse(t.bytes), {});
  return t;
}

// The name's key (make_cache_key's layout: lower-case wire name, type, class, flags).
struct name_key {
  char text[32];
  std::size_t size;
  std::string_view view() const { return {text, size}; }
};

name_key key_for(char letter, std::uint64_t number, std::vector<std::byte>& message) {
  char d[digits + 1];
  std::snprintf(d, sizeof d, "%07llu", static_cast<unsigned long long>(number % 10000000));
  std::memcpy(message.data() + digits_at, d, digits);
  message[digits_at - 1] = static_cast<std::byte>(letter);
  // The question's name (22 octets) and the four octets of type and class
  // are the key, plus the DO/CD octet.
  name_key k;
  const std::size_t n = 22 + 4;
  std::memcpy(k.text, message.data() + 12, n);
  k.text[n] = 0;
  k.size = n + 1;
  return k;
}

class lru_cache {
 public:
  explicit lru_cache(std::size_t capacity) : capacity_(capacity) {}
  bool lookup(const std::string& key) {
    auto it = map_.find(key);
    if (it == map_.end()) return false;
    order_.splice(order_.begin(), order_, it->second);
    return true;
  }
  void insert(const std::string& key) {
    if (map_.size() >= capacity_) {
      map_.erase(order_.back());
      order_.pop_back();
    }
    order_.push_front(key);
    map_[key] = order_.begin();
  }

 private:
  std::size_t capacity_;
  std::list<std::string> order_;
  std::unordered_map<std::string, std::list<std::string>::iterator> map_;
};


std::size_t parse_size(const char* s) {
  char* end = nullptr;
  double v = std::strtod(s, &end);
  switch (end != nullptr ? *end : 0) {
    case 'k': case 'K': v *= 1024; break;
    case 'm': case 'M': v *= 1024 * 1024; break;
    case 'g': case 'G': v *= 1024.0 * 1024 * 1024; break;
    default: break;
  }
  return static_cast<std::size_t>(v);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t cache_bytes = argc > 1 ? parse_size(argv[1]) : 32u << 20;
  const std::size_t names = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000000;
  const std::size_t queries = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 2000000;
  const double s = argc > 4 ? std::strtod(argv[4], nullptr) : 0.9;

  answer_template t = make_template();
  std::vector<std::byte> message = t.bytes;

  // Memory first, on a fresh cache: fill it until it stops growing.
  {
    const long before = resident_kib();
    response_cache cache(cache_bytes);
    const std::size_t fill = cache_bytes / response_cache::slot_charge;
    for (std::size_t i = 0; i < fill; ++i) {
      const name_key k = key_for('m', i, message);
      cache.insert(k.view(), message, t.info, 1);
    }
    const long after = resident_kib();
    const auto st = cache.statistics();
    std::printf("memory: %llu small answers in a %zu-octet cache: charged %.1f octets each, resident %.1f "
                "(VmRSS %ld -> %ld KiB)\n",
                static_cast<unsigned long long>(st.entries), cache_bytes,
                static_cast<double>(st.bytes) / static_cast<double>(st.entries),
                static_cast<double>(after - before) * 1024.0 / static_cast<double>(st.entries), before, after);
  }

  // The Zipf stream: ranks by inverse CDF.
  std::vector<double> cdf(names);
  double sum = 0;
  for (std::size_t i = 0; i < names; ++i) cdf[i] = (sum += 1.0 / std::pow(static_cast<double>(i + 1), s));
  for (double& c : cdf) c /= sum;
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<std::uint32_t> stream(queries * 3);
  for (auto& r : stream) {
    r = static_cast<std::uint32_t>(std::lower_bound(cdf.begin(), cdf.end(), uniform(rng)) - cdf.begin());
    // Spread the ranks over the number space so hot names land in every shard.
    r = static_cast<std::uint32_t>((std::uint64_t{r} * 2654435761u) % 10000000);
  }

  response_cache sieve(cache_bytes);
  const std::size_t capacity = (cache_bytes / response_cache::shard_count / response_cache::slot_charge) *
                               response_cache::shard_count;
  lru_cache lru(capacity);
  std::vector<std::byte> out(4096);
  std::printf("policy: %zu names, Zipf s=%.2f, %zu queries per phase, a scan of %zu names in phase 2; "
              "both caches hold %zu entries\n",
              names, s, queries, queries, capacity);
  std::printf("%-34s %10s %10s\n", "phase", "SIEVE", "LRU");
  std::uint64_t scan_number = 0;
  const char* phase_names[] = {"1 warm-up (Zipf)", "2 Zipf + one-pass scan (Zipf hits)", "3 after the scan (Zipf)"};
  for (int phase = 0; phase < 3; ++phase) {
    std::uint64_t sieve_hits = 0, lru_hits = 0;
    for (std::size_t q = 0; q < queries; ++q) {
      const name_key k = key_for('z', stream[phase * queries + q], message);
      if (sieve.lookup(k.view(), 1, out)) ++sieve_hits;
      else sieve.insert(k.view(), message, t.info, 1);
      const std::string key(k.view());
      if (lru.lookup(key)) ++lru_hits;
      else lru.insert(key);
      if (phase == 1) {
        const name_key scan = key_for('s', scan_number++, message);
        if (!sieve.lookup(scan.view(), 1, out)) sieve.insert(scan.view(), message, t.info, 1);
        const std::string scan_key(scan.view());
        if (!lru.lookup(scan_key)) lru.insert(scan_key);
      }
    }
    std::printf("%-34s %9.1f%% %9.1f%%\n", phase_names[phase], 100.0 * static_cast<double>(sieve_hits) / static_cast<double>(queries),
                100.0 * static_cast<double>(lru_hits) / static_cast<double>(queries));
  }
  return 0;
}
