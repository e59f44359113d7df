// The whole per-packet decision of the filter facade (filter.hpp) beside its
// parts measured alone, in the same run on the same data:
//
//   BM_filter_miss        process(): check + parse, policy, match — a clean name, forwarded
//   BM_filter_hit         process() on blocked names: the same plus the sinkhole answer with EDE
//   BM_part_parse         sinkhole::check_query alone (header, question, EDNS)
//   BM_part_policy        policy_set::decide alone (10k opt-out prefixes)
//   BM_part_match         the matcher's lookup alone (1M-domain list)
//   BM_part_respond       responder::respond alone (sinkhole A with EDE)
//
// Data: the synthetic 1M-domain list of bench/generate.hpp, 64k query packets
// (EDNS, payload 1232, realistic names; misses verified), client addresses
// drawn so that about 1 % fall into one of 10k opt-out /24 prefixes (those
// take the opted-out path, as in production). Each packet is prefetched a few
// iterations ahead (see prefetch_ahead).
#include <dnsfilter/filter.hpp>

#include <benchmark/benchmark.h>

#include "generate.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace {

using namespace dnsfilter;

constexpr std::size_t packet_count = 1 << 16;
constexpr match::timestamp now = 1'767'225'600;

struct packets {
  std::vector<std::byte> arena;
  std::vector<std::span<const std::byte>> all;
};

packets make_packets(const dnsfilter_bench::query_stream& qs) {
  packets p;
  p.arena.resize(qs.names.size() * 300);
  std::vector<std::pair<std::size_t, std::size_t>> at;
  std::size_t pos = 0;
  dnsfilter_bench::prng rng(7);
  for (const auto name : qs.names) {
    wire::message_writer w{std::span<std::byte>(p.arena.data() + pos, 300)};
    w.header().id = static_cast<std::uint16_t>(rng.next());
    w.header().rd = true;
    (void)w.add_question(name, rng.chance(0.3) ? wire::rr_type::aaaa : wire::rr_type::a);
    wire::edns e;
    e.udp_payload_size = 1232;
    (void)w.add_opt(e);
    const auto bytes = w.finish();
    at.emplace_back(pos, bytes.size());
    pos += bytes.size();
  }
  for (const auto& [offset, size] : at) p.all.emplace_back(p.arena.data() + offset, size);
  return p;
}

struct world {
  std::vector<std::string> list = dnsfilter_bench::generate_list({});
  filter::catalogue_handle catalogue{make_snapshot(dnsfilter_bench::make_catalogue(list))};
  std::shared_ptr<const policy::policy_set> policy;
  policy::policy_set_handle policies{nullptr};
  sinkhole::responder responder{settings()};
  dnsfilter_bench::query_stream miss_names = dnsfilter_bench::generate_queries(list, {.count = packet_count, .hit_rate = 0.0, .seed = 3});
  dnsfilter_bench::query_stream hit_names = dnsfilter_bench::generate_queries(list, {.count = packet_count, .hit_rate = 1.0, .seed = 4});
  packets misses = make_packets(miss_names);
  packets hits = make_packets(hit_names);
  std::vector<policy::ip_address> clients;

  world() {
    dnsfilter_bench::prng rng(11);
    policy::policy_config c;
    std::vector<std::uint32_t> nets;
    for (int i = 0; i < 10'000; ++i) {
      const std::uint32_t net = static_cast<std::uint32_t>(rng.next()) & 0xffffff00u;
      nets.push_back(net);
      c.client_prefixes.push_back({*policy::ip_prefix::make(policy::ip_address::v4(net), 24), policy::treatment::opt_out});
    }
    policy = std::make_shared<const policy::policy_set>(*policy::policy_set::build(std::move(c)));
    policies.store(policy);
    for (std::size_t i = 0; i < packet_count; ++i) {
      const bool opted_out = rng.chance(0.01);
      const std::uint32_t a = opted_out ? nets[rng.below(static_cast<std::uint32_t>(nets.size()))] | 7u
                                        : static_cast<std::uint32_t>(rng.next());
      clients.push_back(policy::ip_address::v4(a));
    }
  }
  static sinkhole::settings settings() {
    sinkhole::settings s;
    s.ipv4 = wire::rdata::a{{std::byte{192}, std::byte{0}, std::byte{2}, std::byte{1}}};
    return s;
  }
};

// A server processes a packet right after recv() copied it into a buffer, so
// its bytes are in cache; 64k packets cycled through are not. Fetching the
// packet a few iterations ahead puts it where a server would have it, so the
// figures measure the decision, not a cache miss the benchmark made up.
void prefetch_ahead(const packets& p, std::size_t i) {
  DNSFILTER_PREFETCH(p.all[(i + 8) & (packet_count - 1)].data());
}

world& data() {
  static world w;
  return w;
}

void run_filter(benchmark::State& state, const packets& p) {
  world& w = data();
  filter f{w.catalogue, w.policies, w.responder};
  std::array<std::byte, 1232> out;
  std::size_t i = 0, answered = 0;
  for (auto _ : state) {
    prefetch_ahead(p, i);
    const filter_result r = f.process(p.all[i], w.clients[i], 0, now, out);
    answered += r.what == filter_outcome::answered;
    benchmark::DoNotOptimize(r.what);
    i = (i + 1) & (packet_count - 1);
  }
  state.counters["answered_share"] = static_cast<double>(answered) / static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations());
}

void BM_filter_miss(benchmark::State& state) { run_filter(state, data().misses); }
void BM_filter_hit(benchmark::State& state) { run_filter(state, data().hits); }

void BM_part_parse(benchmark::State& state) {
  const packets& p = data().misses;
  std::size_t i = 0;
  for (auto _ : state) {
    prefetch_ahead(p, i);
    const sinkhole::query_check c = sinkhole::check_query(p.all[i]);
    benchmark::DoNotOptimize(c.what);
    i = (i + 1) & (packet_count - 1);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_part_policy(benchmark::State& state) {
  world& w = data();
  std::vector<wire::query_view> parsed;
  for (const auto& p : w.misses.all) parsed.push_back(*wire::query_view::parse(p));
  std::size_t i = 0;
  for (auto _ : state) {
    const policy::ruling v = w.policy->decide(parsed[i], 0, w.clients[i]);
    benchmark::DoNotOptimize(v.value);
    i = (i + 1) & (packet_count - 1);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_part_match(benchmark::State& state) {
  world& w = data();
  const auto snapshot = w.catalogue.load();
  std::size_t i = 0;
  for (auto _ : state) {
    const match::match_result r = snapshot->lookup(w.miss_names.names[i], now);
    benchmark::DoNotOptimize(r);
    i = (i + 1) & (packet_count - 1);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_part_respond(benchmark::State& state) {
  world& w = data();
  std::vector<wire::query_view> parsed;
  for (const auto& p : w.hits.all) parsed.push_back(*wire::query_view::parse(p));
  match::entry e;
  e.id = "XX-20250109-0001";
  e.category = "backdoor";
  std::array<std::byte, 1232> out;
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = w.responder.respond(parsed[i], sinkhole::hit_answer::of(e), out);
    benchmark::DoNotOptimize(r);
    i = (i + 1) & (packet_count - 1);
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK(BM_filter_miss);
BENCHMARK(BM_filter_hit);
BENCHMARK(BM_part_parse);
BENCHMARK(BM_part_policy);
BENCHMARK(BM_part_match);
BENCHMARK(BM_part_respond);
