// Benchmarks of the FQDN matchers on synthetic lists (bench/generate.hpp), each
// figure for the production matcher beside the reversed-label trie and the
// naive unordered_map baseline, measured in the same run on the same data.
// The argument of every benchmark is the list size (1M is the headline; 100k
// also runs). See bench/README.md for what each benchmark measures.
//
//   BM_miss<M>/n            lookups of names that are not covered (one per item)
//   BM_mixed<M>/n           a stream with 1 % hits (names in the list or below them)
//   BM_hit<M>/n             a stream of hits only (throughput: lookups overlap)
//   BM_hit_latency<M>/n     hits, each lookup's address depending on the previous result
//   BM_hit_p50<M>/n         hits timed one by one; counter p50_ns (timer overhead subtracted)
//   BM_hit_p50_popular<M>/n the same, list names asked by popularity (Zipf, s = 1) as in real traffic
//   BM_memory_latency_p50/n one random dependent load from a buffer the size of the production
//                           matcher + catalogue, timed the same way: the floor under a cold hit
//   BM_*_batched/n          suffix_hash_matcher::lookup_batch, 64 names per call
//   BM_build<M>/n           the matcher built from a catalogue; counters bytes_per_rule
//   BM_build_from_file<M>/n loading a plain list file from /tmp + building (when the loader exists)
#include <dnsfilter/match/hashed.hpp>
#include <dnsfilter/match/trie.hpp>
#if __has_include(<dnsfilter/lists/plain.hpp>)
#include <dnsfilter/lists/file.hpp>
#include <dnsfilter/lists/plain.hpp>
#define DNSFILTER_BENCH_HAVE_PLAIN 1
#endif

#include <benchmark/benchmark.h>

#include "generate.hpp"
#include "naive_matcher.hpp"  // tests/support

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace dnsfilter;
using match::label_trie;
using match::match_result;
using match::naive_matcher;
using match::suffix_hash_matcher;
namespace gen = dnsfilter_bench;

constexpr match::timestamp now = 1'736'400'000;  // 2025-01-09

struct dataset {
  std::vector<std::string> list;
  match::catalogue cat;
  gen::query_stream misses;  // hit rate 0
  gen::query_stream mixed;   // hit rate 1 %
  gen::query_stream hits;    // hit rate 100 %, list names picked uniformly
  gen::query_stream popular_hits;  // hit rate 100 %, list names picked by popularity (Zipf)
  std::string list_file;
};

// Built once per process and list size, shared by every benchmark.
const dataset& data(std::size_t n) {
  static std::map<std::size_t, std::unique_ptr<dataset>> cache;
  auto& slot = cache[n];
  if (!slot) {
    slot = std::make_unique<dataset>();
    slot->list = gen::generate_list({.size = n, .seed = 1});
    slot->cat = gen::make_catalogue(slot->list);
    slot->misses = gen::generate_queries(slot->list, {.count = 1 << 20, .hit_rate = 0.0, .seed = 2});
    slot->mixed = gen::generate_queries(slot->list, {.count = 1 << 20, .hit_rate = 0.01, .seed = 3});
    slot->hits = gen::generate_queries(slot->list, {.count = 1 << 18, .hit_rate = 1.0, .seed = 4});
    slot->popular_hits =
        gen::generate_queries(slot->list, {.count = 1 << 18, .hit_rate = 1.0, .zipf_hits = true, .seed = 5});
  }
  return *slot;
}

template <class M>
const M& matcher_for(std::size_t n) {
  static std::map<std::size_t, std::unique_ptr<M>> cache;
  auto& slot = cache[n];
  if (!slot) slot = std::make_unique<M>(data(n).cat);
  return *slot;
}

// Checks the matcher against the generator once, so a broken matcher cannot
// post a fast figure.
template <class M>
bool verify(benchmark::State& state, const M& m, const gen::query_stream& qs) {
  const std::size_t sample = std::min<std::size_t>(qs.names.size(), 20000);
  for (std::size_t i = 0; i < sample; ++i) {
    if (m.lookup(qs.names[i], now).hit() != qs.expected_hit[i]) {
      state.SkipWithError("matcher disagrees with the generator");
      return false;
    }
  }
  return true;
}

template <class M>
void run_stream(benchmark::State& state, const gen::query_stream& qs) {
  const M& m = matcher_for<M>(static_cast<std::size_t>(state.range(0)));
  if (!verify(state, m, qs)) return;
  const auto& names = qs.names;
  const std::size_t mask = names.size() - 1;  // sizes are powers of two
  std::size_t i = 0, hits = 0;
  for (auto _ : state) {
    const match_result r = m.lookup(names[i & mask], now);
    benchmark::DoNotOptimize(r);
    hits += r.hit();
    ++i;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["hit_fraction"] = static_cast<double>(hits) / static_cast<double>(std::max<std::size_t>(i, 1));
}

template <class M>
void BM_miss(benchmark::State& state) {
  run_stream<M>(state, data(static_cast<std::size_t>(state.range(0))).misses);
}
template <class M>
void BM_mixed(benchmark::State& state) {
  run_stream<M>(state, data(static_cast<std::size_t>(state.range(0))).mixed);
}
template <class M>
void BM_hit(benchmark::State& state) {
  run_stream<M>(state, data(static_cast<std::size_t>(state.range(0))).hits);
}

// Latency: the next name's index depends on this lookup's result, so lookups
// cannot overlap in the pipeline.
template <class M>
void BM_hit_latency(benchmark::State& state) {
  const auto& qs = data(static_cast<std::size_t>(state.range(0))).hits;
  const M& m = matcher_for<M>(static_cast<std::size_t>(state.range(0)));
  if (!verify(state, m, qs)) return;
  const std::size_t mask = qs.names.size() - 1;
  std::size_t i = 0;
  for (auto _ : state) {
    const match_result r = m.lookup(qs.names[i & mask], now);
    i += 1 + (r.rule == match_result::none);  // always 1 on hits, but the CPU must wait for r
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// Times `op(j)` once per sample with steady_clock, subtracts the median of an
// empty timed region and reports p50 and p90 in ns.
template <class Op>
void time_each(benchmark::State& state, Op op) {
  using clock = std::chrono::steady_clock;
  constexpr std::size_t samples = 1 << 14;
  std::vector<std::int64_t> ns(samples), empty(samples);
  std::size_t base = 0;
  double p50 = 0, p90 = 0;
  for (auto _ : state) {
    for (std::size_t j = 0; j < samples; ++j) {
      const auto a = clock::now();
      benchmark::ClobberMemory();
      const auto b = clock::now();
      empty[j] = std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count();
    }
    for (std::size_t j = 0; j < samples; ++j) {
      const auto a = clock::now();
      op(base + j);
      const auto b = clock::now();
      ns[j] = std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count();
    }
    base += samples;
    std::sort(ns.begin(), ns.end());
    std::sort(empty.begin(), empty.end());
    const double overhead = static_cast<double>(empty[samples / 2]);
    p50 = static_cast<double>(ns[samples / 2]) - overhead;
    p90 = static_cast<double>(ns[samples * 9 / 10]) - overhead;
  }
  state.counters["p50_ns"] = p50;
  state.counters["p90_ns"] = p90;
}

template <class M>
void hit_p50(benchmark::State& state, const gen::query_stream& qs) {
  const M& m = matcher_for<M>(static_cast<std::size_t>(state.range(0)));
  if (!verify(state, m, qs)) return;
  time_each(state, [&](std::size_t j) {
    const match_result r = m.lookup(qs.names[j % qs.names.size()], now);
    benchmark::DoNotOptimize(r);
  });
}

// Hits timed one by one. Uniformly drawn list names: nearly every hit is a
// cold lookup that waits on main memory.
template <class M>
void BM_hit_p50(benchmark::State& state) {
  hit_p50<M>(state, data(static_cast<std::size_t>(state.range(0))).hits);
}

// The same with names drawn by popularity (Zipf, s = 1), as real traffic asks.
template <class M>
void BM_hit_p50_popular(benchmark::State& state) {
  hit_p50<M>(state, data(static_cast<std::size_t>(state.range(0))).popular_hits);
}

// The floor under a cold hit: one dependent load from a random cache line of
// a buffer as large as the production matcher and its catalogue, timed the
// same way. No structure answers a cold lookup faster than this on the
// machine that runs the benchmark.
void BM_memory_latency_p50(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::size_t bytes = data(n).cat.memory_bytes() + matcher_for<suffix_hash_matcher>(n).memory_bytes();
  const std::size_t lines = std::max<std::size_t>(bytes / 64, 2);
  // A random cyclic permutation of the lines (Sattolo), each line holding the
  // index of the next: the loads depend on each other, like a lookup's.
  std::vector<std::uint64_t> mem(lines * 8);
  std::vector<std::uint32_t> order(lines);
  for (std::size_t i = 0; i < lines; ++i) order[i] = static_cast<std::uint32_t>(i);
  gen::prng rng{9};
  for (std::size_t i = lines - 1; i > 0; --i) std::swap(order[i], order[rng.below(static_cast<std::uint32_t>(i))]);
  for (std::size_t i = 0; i < lines; ++i) mem[order[i] * 8] = order[(i + 1) % lines];
  std::uint64_t at = 0;
  time_each(state, [&](std::size_t) {
    at = mem[at * 8];
    benchmark::DoNotOptimize(at);
  });
  state.counters["buffer_MiB"] = static_cast<double>(lines * 64) / (1 << 20);
}

constexpr std::size_t batch = 64;

void run_batched(benchmark::State& state, const gen::query_stream& qs) {
  const auto& m = matcher_for<suffix_hash_matcher>(static_cast<std::size_t>(state.range(0)));
  std::array<match_result, batch> out;
  // Check the batch API against the generator first.
  for (std::size_t i = 0; i + batch <= std::min<std::size_t>(qs.names.size(), 20000); i += batch) {
    m.lookup_batch(std::span(qs.names).subspan(i, batch), now, out);
    for (std::size_t j = 0; j < batch; ++j) {
      if (out[j].hit() != qs.expected_hit[i + j]) {
        state.SkipWithError("lookup_batch disagrees with the generator");
        return;
      }
    }
  }
  const std::size_t n = qs.names.size();
  std::size_t i = 0;
  for (auto _ : state) {
    m.lookup_batch(std::span(qs.names).subspan(i, batch), now, out);
    benchmark::DoNotOptimize(out);
    i += batch;
    if (i + batch > n) i = 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}

void BM_miss_batched(benchmark::State& state) {
  run_batched(state, data(static_cast<std::size_t>(state.range(0))).misses);
}
void BM_mixed_batched(benchmark::State& state) {
  run_batched(state, data(static_cast<std::size_t>(state.range(0))).mixed);
}

void report_memory(benchmark::State& state, const match::catalogue& cat, std::size_t matcher_bytes) {
  const double rules = static_cast<double>(std::max<std::size_t>(cat.rules().size(), 1));
  state.counters["bytes_per_rule"] = static_cast<double>(cat.memory_bytes() + matcher_bytes) / rules;
  state.counters["matcher_bytes_per_rule"] = static_cast<double>(matcher_bytes) / rules;
  state.counters["catalogue_bytes_per_rule"] = static_cast<double>(cat.memory_bytes()) / rules;
}

template <class M>
void BM_build(benchmark::State& state) {
  const auto& d = data(static_cast<std::size_t>(state.range(0)));
  std::size_t bytes = 0;
  for (auto _ : state) {
    M m(d.cat);
    bytes = m.memory_bytes();
    benchmark::DoNotOptimize(bytes);
  }
  report_memory(state, d.cat, bytes);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * d.cat.rules().size()));
}

#if DNSFILTER_BENCH_HAVE_PLAIN
// The whole path from disk: read the file (lists::read_file), parse it with
// lists::load_plain into a catalogue, build the matcher. The file is written
// once per size.
std::string list_file(std::size_t n) {
  static std::map<std::size_t, std::string> files;
  auto& path = files[n];
  if (path.empty()) {
    path = "/tmp/dnsfilter-bench-list-" + std::to_string(n) + ".txt";
    if (!gen::write_list_file(path, data(n).list)) path.clear();
  }
  return path;
}

template <class M>
void BM_build_from_file(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::string path = list_file(n);
  if (path.empty()) {
    state.SkipWithError("cannot write the list file");
    return;
  }
  std::size_t bytes = 0, rules = 0;
  for (auto _ : state) {
    auto text = lists::read_file(path);
    if (!text) {
      state.SkipWithError("cannot read the list file");
      return;
    }
    match::catalogue cat;
    lists::load_options opt;
    opt.source_name = path;
    auto report = lists::load_plain(*text, cat, opt);
    if (!report || report->rules != n) {
      state.SkipWithError("load_plain failed or lost rules");
      return;
    }
    cat.shrink_to_fit();
    M m(cat);
    bytes = cat.memory_bytes() + m.memory_bytes();
    rules = cat.rules().size();
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["bytes_per_rule"] = static_cast<double>(bytes) / static_cast<double>(std::max<std::size_t>(rules, 1));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
#endif

const std::vector<std::int64_t> sizes{100'000, 1'000'000};

void sizes_arg(benchmark::internal::Benchmark* b) {
  for (auto s : sizes) b->Arg(s);
}

}  // namespace

#define DNSFILTER_MATCH_BENCH(BM)                         \
  BENCHMARK_TEMPLATE(BM, suffix_hash_matcher)->Apply(sizes_arg); \
  BENCHMARK_TEMPLATE(BM, label_trie)->Apply(sizes_arg);          \
  BENCHMARK_TEMPLATE(BM, naive_matcher)->Apply(sizes_arg)

DNSFILTER_MATCH_BENCH(BM_miss);
BENCHMARK(BM_miss_batched)->Apply(sizes_arg);
DNSFILTER_MATCH_BENCH(BM_mixed);
BENCHMARK(BM_mixed_batched)->Apply(sizes_arg);
DNSFILTER_MATCH_BENCH(BM_hit);
DNSFILTER_MATCH_BENCH(BM_hit_latency);
BENCHMARK_TEMPLATE(BM_hit_p50, suffix_hash_matcher)->Apply(sizes_arg)->Iterations(4);
BENCHMARK_TEMPLATE(BM_hit_p50, label_trie)->Apply(sizes_arg)->Iterations(4);
BENCHMARK_TEMPLATE(BM_hit_p50, naive_matcher)->Apply(sizes_arg)->Iterations(4);
BENCHMARK_TEMPLATE(BM_hit_p50_popular, suffix_hash_matcher)->Apply(sizes_arg)->Iterations(4);
BENCHMARK_TEMPLATE(BM_hit_p50_popular, label_trie)->Apply(sizes_arg)->Iterations(4);
BENCHMARK_TEMPLATE(BM_hit_p50_popular, naive_matcher)->Apply(sizes_arg)->Iterations(4);
BENCHMARK(BM_memory_latency_p50)->Apply(sizes_arg)->Iterations(4);
BENCHMARK_TEMPLATE(BM_build, suffix_hash_matcher)->Apply(sizes_arg)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_TEMPLATE(BM_build, label_trie)->Apply(sizes_arg)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_TEMPLATE(BM_build, naive_matcher)->Apply(sizes_arg)->Unit(benchmark::kMillisecond)->Iterations(3);
#if DNSFILTER_BENCH_HAVE_PLAIN
BENCHMARK_TEMPLATE(BM_build_from_file, suffix_hash_matcher)->Apply(sizes_arg)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_TEMPLATE(BM_build_from_file, label_trie)->Apply(sizes_arg)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_TEMPLATE(BM_build_from_file, naive_matcher)->Apply(sizes_arg)->Unit(benchmark::kMillisecond)->Iterations(3);
#endif
