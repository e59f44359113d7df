// dnsfilter-bench-peer-data: the data of bench/compare_peers.sh, from the same
// deterministic generator as the matcher benchmarks (generate.hpp).
//
//   dnsfilter-bench-peer-data DIR [LIST_SIZE [MIXED_QUERIES [LARGE_MIXED_QUERIES]]]
//
// writes, in dnsperf's "name type" format where it is a query file:
//   DIR/list.txt     LIST_SIZE names (default 1000000), one per line
//   DIR/hits.txt     200000 queries that all hit the list (names and subdomains; 80 % A, 20 % AAAA)
//   DIR/mixed.txt    MIXED_QUERIES (default 50000) queries with 1 % hits; the misses resemble the list
//                    (same TLDs, siblings, reused second-level labels). A first pass warms every cache.
//   DIR/mixed-large.txt  LARGE_MIXED_QUERIES (default 400000) more of the same kind, another seed:
//                    nearly every name distinct, more names than the resolver's default cache holds.
#include "generate.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

bool write_queries(const std::string& path, const dnsfilter_bench::query_stream& qs, std::uint64_t seed) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  dnsfilter_bench::prng rng{seed};
  for (const auto& n : qs.names) {
    std::string text = n.to_string();
    if (text.size() > 1 && text.back() == '.') text.pop_back();
    std::fprintf(f, "%s %s\n", text.c_str(), rng.chance(0.2) ? "AAAA" : "A");
  }
  return std::fclose(f) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: dnsfilter-bench-peer-data DIR [LIST_SIZE [MIXED_QUERIES [LARGE_MIXED_QUERIES]]]\n");
    return 2;
  }
  const std::string dir = argv[1];
  dnsfilter_bench::list_options lo;
  if (argc > 2) lo.size = std::strtoull(argv[2], nullptr, 10);
  std::size_t mixed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 50000;

  const auto list = dnsfilter_bench::generate_list(lo);
  if (!dnsfilter_bench::write_list_file(dir + "/list.txt", list)) return std::perror("list.txt"), 1;

  dnsfilter_bench::query_options hits;
  hits.count = 200000;
  hits.hit_rate = 1.0;
  hits.seed = 3;
  if (!write_queries(dir + "/hits.txt", dnsfilter_bench::generate_queries(list, hits), 4)) return 1;

  dnsfilter_bench::query_options mix;
  mix.count = mixed;
  mix.hit_rate = 0.01;
  mix.seed = 5;
  const auto qs = dnsfilter_bench::generate_queries(list, mix);
  if (!write_queries(dir + "/mixed.txt", qs, 6)) return 1;

  dnsfilter_bench::query_options large = mix;
  large.count = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 400000;
  large.seed = 7;
  const auto large_qs = dnsfilter_bench::generate_queries(list, large);
  if (!write_queries(dir + "/mixed-large.txt", large_qs, 8)) return 1;
  std::printf("%zu names, 200000 hit queries, %zu mixed queries (%zu hits), %zu in the large mix\n", list.size(),
              qs.names.size(), qs.hits, large_qs.names.size());
  return 0;
}
