// dnsfilter benchmarks — deterministic synthetic block lists and query streams.
//
// Everything comes from a seeded PRNG (splitmix64 to seed xoshiro256**, and our
// own integer distributions, since std:: distributions differ between standard
// libraries), never from the clock: one seed, the same data on every machine.
//
// Lists: names of 2-4 labels (55 % / 35 % / 10 %) over a weighted TLD mix
// (com, net, org, de, ru, cn, info, xyz, io, co.uk, ...); second-level labels
// 3-20 characters (mostly letters, some digits, inner hyphens), subdomain
// labels either common words (www, mail, cdn, ...) or random 1-12 character
// strings. Names are distinct.
//
// Query streams: ~3 labels per name on average. A fraction `hit_rate` (1 % by
// default) are hits: a list name itself or a subdomain of one. The misses are
// made to look like the list: 40 % are fresh names on the same TLDs, 30 %
// reuse a list name's second-level label under another TLD (evil.com listed,
// evil.net asked), 30 % are siblings of list names (a.evil.com listed,
// b.evil.com asked). Every miss is checked against the list, so it really is
// a miss (no suffix of it is listed).
//
// Which list name a hit asks for: uniformly at random (the default: every hit
// is likely a cold cache line, the worst case) or, with `zipf_hits`, by a
// Zipf law of exponent 1 over a fixed random ranking of the list (the rank-r
// name asked with weight 1/r), the shape real resolver traffic has: a few
// names take most of the queries. The weights are exact reciprocals summed
// in order, so the stream is the same wherever IEEE doubles are.
#pragma once

#include <dnsfilter/match/catalogue.hpp>
#include <dnsfilter/wire/name.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace dnsfilter_bench {

// xoshiro256** seeded through splitmix64.
class prng {
 public:
  explicit prng(std::uint64_t seed) noexcept {
    for (auto& s : s_) {
      seed += 0x9E3779B97F4A7C15u;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
      s = z ^ (z >> 31);
    }
  }
  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n) (Lemire's multiply-shift; the bias is below 2^-32 for our n).
  std::uint32_t below(std::uint32_t n) noexcept {
    return static_cast<std::uint32_t>(((next() >> 32) * n) >> 32);
  }
  // True with probability p.
  bool chance(double p) noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  std::array<std::uint64_t, 4> s_;
};

// Picks an index with the given integer weights.
template <std::size_t N>
std::size_t weighted(prng& rng, const std::array<unsigned, N>& weights) noexcept {
  unsigned total = 0;
  for (unsigned w : weights) total += w;
  unsigned x = rng.below(total);
  for (std::size_t i = 0; i < N; ++i) {
    if (x < weights[i]) return i;
    x -= weights[i];
  }
  return N - 1;
}

struct tld_weight {
  const char* tld;
  unsigned weight;
};
// Roughly the shares of registered domains / malware lists (percent-ish).
inline constexpr std::array<tld_weight, 24> tld_mix{{
    {"com", 420}, {"net", 55}, {"org", 45}, {"de", 35}, {"ru", 45}, {"cn", 35}, {"info", 30}, {"xyz", 30},
    {"io", 15},   {"co.uk", 25}, {"top", 30}, {"br", 15}, {"jp", 12}, {"fr", 12}, {"nl", 12}, {"pl", 10},
    {"it", 10},   {"in", 10},  {"online", 15}, {"site", 12}, {"club", 8}, {"com.au", 8}, {"tk", 12}, {"biz", 10},
}};

inline const char* pick_tld(prng& rng) {
  std::array<unsigned, tld_mix.size()> w{};
  for (std::size_t i = 0; i < tld_mix.size(); ++i) w[i] = tld_mix[i].weight;
  return tld_mix[weighted(rng, w)].tld;
}

// A hostname label of `len` characters: letters (90 %) and digits, hyphens
// only inside.
inline std::string random_label(prng& rng, std::size_t len) {
  static constexpr char letters[] = "abcdefghijklmnopqrstuvwxyz";
  std::string s;
  s.reserve(len);
  for (std::size_t i = 0; i < len; ++i) {
    const bool inner = i > 0 && i + 1 < len;
    if (inner && rng.chance(0.04)) {
      s.push_back('-');
    } else if (rng.chance(0.10)) {
      s.push_back(static_cast<char>('0' + rng.below(10)));
    } else {
      s.push_back(letters[rng.below(26)]);
    }
  }
  return s;
}

// Second-level labels: 3-20 characters, peak around 7-10.
inline std::size_t sld_length(prng& rng) {
  static constexpr std::array<unsigned, 18> w{2, 4, 7, 9, 11, 11, 10, 9, 8, 6, 5, 4, 3, 3, 2, 2, 2, 2};
  return 3 + weighted(rng, w);
}

inline std::string subdomain_label(prng& rng) {
  static constexpr std::array<const char*, 16> common{"www", "mail", "api", "cdn", "m", "static", "img", "login",
                                                      "update", "secure", "app", "ns1", "web", "dl", "go", "my"};
  if (rng.chance(0.5)) return common[rng.below(common.size())];
  return random_label(rng, 1 + rng.below(12));
}

struct list_options {
  std::size_t size = 1'000'000;
  std::uint64_t seed = 1;
};

// Distinct dotted names without the final dot, e.g. "cdn.evil-host.com".
inline std::vector<std::string> generate_list(const list_options& opt) {
  prng rng{opt.seed};
  std::vector<std::string> out;
  out.reserve(opt.size);
  std::unordered_set<std::string> seen;
  seen.reserve(opt.size * 2);
  while (out.size() < opt.size) {
    const std::size_t labels = 2 + weighted(rng, std::array<unsigned, 3>{55, 35, 10});
    std::string name = random_label(rng, sld_length(rng)) + "." + pick_tld(rng);
    for (std::size_t i = 2; i < labels; ++i) name = subdomain_label(rng) + "." + name;
    if (seen.insert(name).second) out.push_back(std::move(name));
  }
  return out;
}

// One name per line, for loader and build-from-file benchmarks.
inline bool write_list_file(const std::string& path, const std::vector<std::string>& list) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  bool ok = true;
  for (const auto& n : list) {
    ok = ok && std::fwrite(n.data(), 1, n.size(), f) == n.size() && std::fputc('\n', f) != EOF;
  }
  return std::fclose(f) == 0 && ok;
}

// One catalogue entry for the whole list, a rule per name.
inline dnsfilter::match::catalogue make_catalogue(const std::vector<std::string>& list) {
  dnsfilter::match::catalogue cat;
  const auto src = cat.add_source("synthetic");
  dnsfilter::match::entry e;
  e.id = "SYNTH-0001";
  e.source = src;
  const auto entry = cat.add_entry(std::move(e));
  for (const auto& n : list) {
    auto parsed = dnsfilter::wire::name::from_text(n);
    if (parsed) cat.add_rule(parsed->view(), entry);
  }
  cat.shrink_to_fit();
  return cat;
}

// Query names packed as wire bytes, with views into them.
struct query_stream {
  std::vector<std::byte> arena;
  std::vector<dnsfilter::wire::name_view> names;
  std::vector<bool> expected_hit;  // what the generator made (a hit or a verified miss)
  std::size_t hits = 0;
};

struct query_options {
  std::size_t count = 1 << 20;
  double hit_rate = 0.01;
  double mixed_case = 0.0;  // fraction of names with random upper-case letters (0x20-style)
  bool zipf_hits = false;   // hits pick list names by popularity (Zipf, s = 1) instead of uniformly
  std::uint64_t seed = 2;
};

namespace detail_gen {
// Whether `name` or any of its suffixes is in `set`.
inline bool covered(std::string_view name, const std::unordered_set<std::string>& set) {
  for (;;) {
    if (set.count(std::string(name))) return true;
    const auto dot = name.find('.');
    if (dot == std::string_view::npos) return false;
    name.remove_prefix(dot + 1);
  }
}
// The name without its first label ("a.b.c" -> "b.c").
inline std::string_view parent_of(std::string_view n) {
  const auto dot = n.find('.');
  return dot == std::string_view::npos ? std::string_view{} : n.substr(dot + 1);
}
// The second-level label of a list name, given the TLDs of the mix.
inline std::string_view sld_of(std::string_view n) {
  for (const auto& t : tld_mix) {
    const std::string_view tld = t.tld;
    if (n.size() > tld.size() + 1 && n.substr(n.size() - tld.size()) == tld && n[n.size() - tld.size() - 1] == '.') {
      std::string_view rest = n.substr(0, n.size() - tld.size() - 1);
      const auto dot = rest.rfind('.');
      return dot == std::string_view::npos ? rest : rest.substr(dot + 1);
    }
  }
  return n;
}
// Draws list indices by a Zipf law (exponent 1) over a random ranking.
class zipf_picker {
 public:
  zipf_picker(std::size_t n, prng& rng) : rank_to_index_(n), cdf_(n) {
    for (std::size_t i = 0; i < n; ++i) rank_to_index_[i] = static_cast<std::uint32_t>(i);
    for (std::size_t i = n; i > 1; --i) std::swap(rank_to_index_[i - 1], rank_to_index_[rng.below(static_cast<std::uint32_t>(i))]);
    double sum = 0;
    for (std::size_t r = 0; r < n; ++r) cdf_[r] = sum += 1.0 / static_cast<double>(r + 1);
  }
  std::size_t pick(prng& rng) const {
    const double x = static_cast<double>(rng.next() >> 11) * 0x1.0p-53 * cdf_.back();
    const auto it = std::upper_bound(cdf_.begin(), cdf_.end(), x);
    const auto rank = static_cast<std::size_t>(std::min<std::ptrdiff_t>(it - cdf_.begin(), static_cast<std::ptrdiff_t>(cdf_.size()) - 1));
    return rank_to_index_[rank];
  }

 private:
  std::vector<std::uint32_t> rank_to_index_;
  std::vector<double> cdf_;
};
}  // namespace detail_gen

inline query_stream generate_queries(const std::vector<std::string>& list, const query_options& opt) {
  prng rng{opt.seed};
  std::unordered_set<std::string> set(list.begin(), list.end());
  query_stream qs;
  std::vector<std::size_t> offsets, sizes, labels;
  offsets.reserve(opt.count);
  qs.arena.reserve(opt.count * 24);
  qs.expected_hit.reserve(opt.count);

  auto with_subdomains = [&](std::string base, unsigned max_extra) {
    // 0, 1 or 2 extra labels: 30 % / 50 % / 20 % (capped by max_extra).
    const std::size_t extra = std::min<std::size_t>(max_extra, weighted(rng, std::array<unsigned, 3>{30, 50, 20}));
    for (std::size_t i = 0; i < extra; ++i) base = subdomain_label(rng) + "." + base;
    return base;
  };

  std::unique_ptr<detail_gen::zipf_picker> popular;
  if (opt.zipf_hits && !list.empty()) popular = std::make_unique<detail_gen::zipf_picker>(list.size(), rng);

  for (std::size_t q = 0; q < opt.count; ++q) {
    std::string name;
    const bool hit = !list.empty() && rng.chance(opt.hit_rate);
    if (hit) {
      const std::string& base =
          list[popular ? popular->pick(rng) : rng.below(static_cast<std::uint32_t>(list.size()))];
      name = rng.chance(0.5) ? base : with_subdomains(base, 2);
    } else {
      for (;;) {
        const unsigned kind = static_cast<unsigned>(weighted(rng, std::array<unsigned, 3>{40, 30, 30}));
        if (kind == 0 || list.empty()) {
          name = with_subdomains(random_label(rng, sld_length(rng)) + "." + pick_tld(rng), 2);
        } else if (kind == 1) {
          const std::string& base = list[rng.below(static_cast<std::uint32_t>(list.size()))];
          name = with_subdomains(std::string(detail_gen::sld_of(base)) + "." + pick_tld(rng), 2);
        } else {
          const std::string& base = list[rng.below(static_cast<std::uint32_t>(list.size()))];
          const std::string_view parent = detail_gen::parent_of(base);
          if (parent.find('.') == std::string_view::npos) continue;  // base is sld.tld: no sibling
          name = subdomain_label(rng) + "." + std::string(parent);
          if (rng.chance(0.3)) name = subdomain_label(rng) + "." + name;
        }
        if (!detail_gen::covered(name, set)) break;
      }
    }
    if (opt.mixed_case > 0 && rng.chance(opt.mixed_case)) {
      for (char& c : name) {
        if (c >= 'a' && c <= 'z' && rng.chance(0.5)) c = static_cast<char>(c - 'a' + 'A');
      }
    }
    auto parsed = dnsfilter::wire::name::from_text(name);
    if (!parsed) continue;
    offsets.push_back(qs.arena.size());
    sizes.push_back(parsed->size());
    labels.push_back(parsed->label_count());
    qs.arena.insert(qs.arena.end(), parsed->wire().begin(), parsed->wire().end());
    qs.expected_hit.push_back(hit);
    qs.hits += hit;
  }
  qs.names.reserve(offsets.size());
  for (std::size_t i = 0; i < offsets.size(); ++i) {
    qs.names.push_back(dnsfilter::wire::name_view::from_trusted(qs.arena.data() + offsets[i], sizes[i], labels[i]));
  }
  return qs;
}

}  // namespace dnsfilter_bench
