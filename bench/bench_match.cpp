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
//   BM_*_batched/n          suffix_hash_matcher::lookup_batch, 64 names per call
//   BM_build<M>/n           the matcher built from a catalogue; counters bytes_per_rule
//   BM_build_from_file<M>/n loading a plain list file from /tmp + building (when the loader exists)
#include <dnsfilter/match/hashed.hpp>
#include <dnsfilter/match/naive.hpp>
#include <dnsfilter/match/trie.hpp>
#if __has_include(<dnsfilter/lists/plain.hpp>)
#include <dnsfilter/lists/file.hpp>
#include <dnsfilter/lists/plain.hpp>
#define DNSFILTER_BENCH_HAVE_PLAIN 1
#endif

#include <benchmark/benchmark.h>

#include "generate.hpp"

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
  gen::query_stream hits;    // hit rate 100 %
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

// Each hit timed on its own with steady_clock; the median of an empty timed
// region is subtracted. Reports p50 and p90 in ns.
template <class M>
void BM_hit_p50(benchmark::State& state) {
  const auto& qs = data(static_cast<std::size_t>(state.range(0))).hits;
  const M& m = matcher_for<M>(static_cast<std::size_t>(state.range(0)));
  if (!verify(state, m, qs)) return;
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
      const auto name = qs.names[(base + j) % qs.names.size()];
      const auto a = clock::now();
      const match_result r = m.lookup(name, now);
      benchmark::DoNotOptimize(r);
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
BENCHMARK_TEMPLATE(BM_build, suffix_hash_matcher)->Apply(sizes_arg)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_TEMPLATE(BM_build, label_trie)->Apply(sizes_arg)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_TEMPLATE(BM_build, naive_matcher)->Apply(sizes_arg)->Unit(benchmark::kMillisecond)->Iterations(3);
#if DNSFILTER_BENCH_HAVE_PLAIN
BENCHMARK_TEMPLATE(BM_build_from_file, suffix_hash_matcher)->Apply(sizes_arg)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_TEMPLATE(BM_build_from_file, label_trie)->Apply(sizes_arg)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_TEMPLATE(BM_build_from_file, naive_matcher)->Apply(sizes_arg)->Unit(benchmark::kMillisecond)->Iterations(3);
#endif
