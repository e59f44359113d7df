// Benchmarks of recording one query (stats/registry.hpp) beside the counters a
// developer typically writes, measured in the same run, with 1 and 2 threads
// (each thread its own recorder, as each serving thread has).
//
//   BM_record_miss              recorder::count_passed: the common path (a miss)
//   BM_record_opted_out         recorder::count_opted_out
//   BM_record_hit               recorder::count_hit on one of 8 entries: outcome,
//                               action, entry and category counters (no query log)
//   BM_baseline_shared_atomic   one std::atomic<uint64_t> for all threads, fetch_add
//   BM_baseline_own_atomic_rmw  a cache-line-padded atomic per thread, fetch_add
//                               (a locked read-modify-write, but no sharing)
//   BM_baseline_mutex_map       std::mutex + std::map<std::string, uint64_t>,
//                               ++map[entry id] per query
// Real time per item (UseRealTime), so contention between the threads shows.
// The timestamp moves by one second every 4096 queries and stays in one month.
#include <dnsfilter/stats.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace {

namespace stats = dnsfilter::stats;
namespace match = dnsfilter::match;

constexpr match::timestamp base_time = 1767225600;  // 2026-01-01T00:00:00Z
constexpr int max_threads = 2;
constexpr std::uint32_t entry_count = 8;

struct fixture {
  match::catalogue cat;
  stats::registry reg{max_threads};
  stats::slot_map slots;
  fixture() {
    cat.add_source("bench");
    for (std::uint32_t i = 0; i < entry_count; ++i) {
      match::entry e;
      e.id = "XX-20260101-000" + std::to_string(i);
      e.category = i % 2 ? "backdoor" : "information theft";
      cat.add_entry(std::move(e));
    }
    slots = reg.map(cat);
  }
};

fixture& shared() {
  static fixture f;
  return f;
}

match::timestamp now_of(std::uint64_t i) { return base_time + static_cast<match::timestamp>(i >> 12); }

stats::recorder& my_recorder(const benchmark::State& state) {
  return shared().reg.at(static_cast<std::size_t>(state.thread_index()));
}

void BM_record_miss(benchmark::State& state) {
  auto& rec = my_recorder(state);
  std::uint64_t i = 0;
  for (auto _ : state) rec.count_passed(now_of(i++));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_record_opted_out(benchmark::State& state) {
  auto& rec = my_recorder(state);
  std::uint64_t i = 0;
  for (auto _ : state) rec.count_opted_out(now_of(i++));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_record_hit(benchmark::State& state) {
  auto& rec = my_recorder(state);
  const auto& slots = shared().slots;
  std::uint64_t i = 0;
  for (auto _ : state) {
    rec.count_hit(now_of(i), slots.of(static_cast<std::uint32_t>(i % entry_count)), match::action::sinkhole);
    ++i;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_baseline_shared_atomic(benchmark::State& state) {
  static std::atomic<std::uint64_t> counter{0};
  for (auto _ : state) counter.fetch_add(1, std::memory_order_relaxed);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_baseline_own_atomic_rmw(benchmark::State& state) {
  struct alignas(64) padded {
    std::atomic<std::uint64_t> n{0};
  };
  static std::array<padded, max_threads> counters;
  auto& counter = counters[static_cast<std::size_t>(state.thread_index())].n;
  for (auto _ : state) counter.fetch_add(1, std::memory_order_relaxed);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_baseline_mutex_map(benchmark::State& state) {
  static std::mutex mutex;
  static std::map<std::string, std::uint64_t, std::less<>> counts;
  const auto& cat = shared().cat;
  std::uint64_t i = 0;
  for (auto _ : state) {
    const std::string& id = cat.entries()[i++ % entry_count].id;
    std::lock_guard lock(mutex);
    ++counts[id];
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

}  // namespace

BENCHMARK(BM_record_miss)->ThreadRange(1, max_threads)->UseRealTime();
BENCHMARK(BM_record_opted_out)->ThreadRange(1, max_threads)->UseRealTime();
BENCHMARK(BM_record_hit)->ThreadRange(1, max_threads)->UseRealTime();
BENCHMARK(BM_baseline_shared_atomic)->ThreadRange(1, max_threads)->UseRealTime();
BENCHMARK(BM_baseline_own_atomic_rmw)->ThreadRange(1, max_threads)->UseRealTime();
BENCHMARK(BM_baseline_mutex_map)->ThreadRange(1, max_threads)->UseRealTime();
