// A fleet's statistics files added up: the refusals (copies of one node, zones,
// files without node line), the months each node leaves incomplete, and a
// property test over simulated nodes that count, write, crash and restart.
#include <doctest/doctest.h>

#include <dnsfilter/lists.hpp>
#include <dnsfilter/stats.hpp>

#include "stats_helpers.hpp"
#include "stats_sample.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace dnsfilter_test;
using dnsfilter::errc;

namespace {

const stats::month_index jan = stats::make_month(2026, 1), feb = jan + 1, mar = jan + 2, apr = jan + 3;

// A node's file with `passed` queries in each of `months`, written at `written`.
stats::node_file node_file(const std::string& name, std::uint64_t epoch, std::uint64_t sequence,
                           match::timestamp written, std::initializer_list<stats::month_index> months,
                           std::uint64_t passed = 10, bool final = false) {
  stats::node_file f;
  f.origin = name + ".stats";
  f.counts.node = {name, epoch, sequence, written, final};
  for (const auto m : months) f.counts.months[m].passed = passed;
  f.taken = written;
  return f;
}

// fleet::add's refusal: its code and a part of its reason.
void check_refused(std::vector<stats::node_file> files, errc code, const std::string& reason) {
  dnsfilter::diagnostic why;
  const auto f = stats::fleet::add(std::move(files), &why);
  REQUIRE_FALSE(f.has_value());
  CHECK(f.error() == code);
  CHECK_MESSAGE(why.message.find(reason) != std::string::npos, why.message);
}

}  // namespace

TEST_CASE("stats fleet: the nodes' counts add up; two files of one node are refused") {
  const auto a = node_file("a", 2, 7, at("2026-02-01", 60), {jan}, 10);
  const auto b = node_file("b", 1, 3, at("2026-02-01", 30), {jan, feb}, 5);
  const auto fleet = stats::fleet::add({a, b});
  REQUIRE(fleet.has_value());
  CHECK(fleet->sum().months.at(jan).passed == 15);
  CHECK(fleet->sum().months.at(feb).passed == 5);
  REQUIRE(fleet->nodes().size() == 2);
  CHECK(fleet->nodes()[0].name() == "a");
  CHECK_FALSE(fleet->sum().node.known());

  check_refused({}, errc::invalid_argument, "no statistics file");
  check_refused({a, b, a}, errc::stats_conflict, "duplicated node a: a.stats and a.stats are copies of its file (epoch 2 sequence 7)");
  auto other = node_file("a", 2, 7, at("2026-02-01", 60), {jan}, 11);
  other.origin = "b/a.stats";
  check_refused({a, other}, errc::stats_conflict,
                "duplicated node a: a.stats and b/a.stats are both its epoch 2 sequence 7 but their counts differ");
  auto older = node_file("a", 2, 6, at("2026-02-01"), {jan}, 9);
  older.origin = "backup/a.stats";
  check_refused({a, b, older}, errc::stats_conflict,
                "stale copy of node a: backup/a.stats (epoch 2 sequence 6) is older than a.stats (epoch 2 sequence 7)");
  auto earlier_run = node_file("a", 1, 900, at("2026-01-20"), {jan}, 8);
  earlier_run.origin = "old.stats";
  check_refused({earlier_run, a}, errc::stats_conflict, "stale copy of node a: old.stats (epoch 1 sequence 900) is older");

  auto tokyo = b;
  tokyo.counts.zone = *stats::zone::parse("+09:00");
  check_refused({a, tokyo}, errc::stats_conflict, "a.stats counts the months of zone +00:00, b.stats those of zone +09:00");
  // A file without node line is fine alone, not beside another.
  stats::node_file anonymous{"old-v2.stats", sample_totals(), at("2026-07-01")};
  CHECK(stats::fleet::add({anonymous}).has_value());
  check_refused({a, anonymous}, errc::stats_conflict, "old-v2.stats names no node");
  check_refused({anonymous, anonymous}, errc::stats_conflict, "old-v2.stats names no node");
}

TEST_CASE("stats fleet: an entry's metadata comes from the node that counted last") {
  auto a = node_file("a", 1, 1, at("2026-03-01"), {feb});
  auto b = node_file("b", 1, 1, at("2026-02-10"), {feb});
  for (auto* f : {&a, &b}) add_hits(f->counts.months[feb], "XX-1", "theft", match::action::sinkhole, 1);
  a.counts.metadata["XX-1"] = {"theft", match::action::sinkhole, at("2026-01-01"), at("2026-02-20"), 2};
  b.counts.metadata["XX-1"] = {"theft", match::action::sinkhole, at("2026-01-01"), match::until_forever, 2};
  for (auto order : {std::vector{a, b}, std::vector{b, a}}) {
    const auto fleet = stats::fleet::add(order);
    REQUIRE(fleet.has_value());
    CHECK(fleet->sum().metadata.at("XX-1").end == at("2026-02-20"));  // a wrote later
  }
}

TEST_CASE("stats fleet: which nodes leave a month incomplete, and why") {
  // a: written mid-March while running; b: stopped cleanly on March 10 (its
  // last word); c: lost a span of February at a crash, no data in March (yet
  // some in April); d: written after April.
  auto a = node_file("a", 1, 50, at("2026-03-15"), {jan, feb, mar});
  auto b = node_file("b", 4, 2, at("2026-03-10"), {jan, feb, mar}, 10, true);
  auto c = node_file("c", 2, 9, at("2026-05-01"), {jan, feb, apr});
  c.counts.lost.insert({at("2026-02-27"), at("2026-03-01")});  // ends at March's first second: February only
  auto d = node_file("d", 1, 99, at("2026-05-01"), {jan, feb, mar, apr});
  const auto fleet = stats::fleet::add({a, b, c, d});
  REQUIRE(fleet.has_value());

  const auto jan_gaps = fleet->gaps(jan);
  CHECK_FALSE(jan_gaps.partial());
  const auto feb_gaps = fleet->gaps(feb);
  CHECK(feb_gaps.lost == std::vector<std::string>{"c"});
  CHECK(feb_gaps.not_over.empty());
  CHECK(feb_gaps.partial());
  const auto mar_gaps = fleet->gaps(mar);
  CHECK(mar_gaps.not_over == std::vector<std::string>{"a"});  // b's file is final: nothing after it
  CHECK(mar_gaps.missing == std::vector<std::string>{"c"});
  CHECK(mar_gaps.lost.empty());
  const auto apr_gaps = fleet->gaps(apr);
  CHECK(apr_gaps.not_over == std::vector<std::string>{"a"});  // a went on running past its file
  CHECK(apr_gaps.missing.empty());
  // A file without node line: as of what the caller says (its modification
  // time, or --as-of), never final.
  stats::node_file anonymous{"v2.stats", sample_totals(), at("2026-05-15")};
  const auto alone = stats::fleet::add({anonymous});
  REQUIRE(alone.has_value());
  CHECK_FALSE(alone->gaps(apr).partial());
  CHECK(alone->gaps(stats::make_month(2026, 5)).not_over == std::vector<std::string>{"v2.stats"});
}

TEST_CASE("stats fleet: nodes counting in a named zone; months, lost spans and ends judged in that zone") {
  // A Berlin-like zone: +01:00, +02:00 from 2026-03-29 01:00 UTC.
  const stats::zone::transition changes[] = {{0, 3600}, {at("2026-03-29", 3600), 7200}, {at("2026-10-25", 3600), 3600}};
  const stats::zone berlin = stats::zone::from_transitions("Europe/Berlin", changes).value();
  // a: lost 23:10-23:20 UTC on February 28th, which is March 1st in Berlin;
  // written at 23:30 UTC on March 31st, which is April 1st in Berlin (+02:00).
  auto a = node_file("a", 3, 12, at("2026-03-31", 23 * 3600 + 1800), {jan, feb, mar});
  a.counts.lost.insert({at("2026-02-28", 23 * 3600 + 600), at("2026-02-28", 23 * 3600 + 1200)});
  auto b = node_file("b", 1, 40, at("2026-04-02"), {jan, feb, mar}, 7);
  for (auto* f : {&a, &b}) f->counts.zone = berlin;

  // The file keeps the zone's name, then the node line; read back with the
  // zone expected, no tz database needed.
  const std::string text = stats::format_totals(a.counts);
  CHECK(text.starts_with("dnsfilter-stats 3\nzone Europe/Berlin\nnode a epoch 3 sequence 12 written 2026-03-31T23:30:00Z\n"));
  auto back = stats::parse_totals(text, nullptr, {.expected_zone = berlin});
  REQUIRE(back.has_value());
  CHECK(*back == a.counts);
  CHECK(stats::parse_totals(text).error() == errc::bad_stats_file);  // a name and no way to resolve it

  CHECK(a.counts.lost_in(mar));
  CHECK_FALSE(a.counts.lost_in(feb));
  const auto fleet = stats::fleet::add({a, b});
  REQUIRE(fleet.has_value());
  CHECK(fleet->sum().zone == berlin);
  CHECK(fleet->sum().months.at(mar).passed == 17);
  CHECK_FALSE(fleet->gaps(feb).partial());
  CHECK(fleet->gaps(mar).lost == std::vector<std::string>{"a"});
  CHECK(fleet->gaps(mar).not_over.empty());  // a wrote after March ended in Berlin
  CHECK(fleet->gaps(apr).not_over == std::vector<std::string>{"a", "b"});

  // One zone for all: a fixed offset equal to Berlin's winter offset is another zone.
  auto c = node_file("c", 1, 1, at("2026-04-02"), {jan});
  c.counts.zone = *stats::zone::parse("+01:00");
  check_refused({a, c}, errc::stats_conflict, "a.stats counts the months of zone Europe/Berlin, c.stats those of zone +01:00");
}

namespace {

// ---- the property test: simulated nodes against the ground truth ----

using rng = std::mt19937_64;

// The operator's catalogue before and after 2026-02-15: XX-4 is removed then
// and XX-1 lifted, XX-5 added.
match::catalogue sim_catalogue(bool later) {
  match::catalogue cat;
  const auto source = cat.add_source("operator.tsv");
  struct row {
    const char* id;
    const char* category;
    match::action action;
    const char* start;
    const char* end;
    int fqdns;
  };
  const std::vector<row> rows =
      later ? std::vector<row>{{"XX-1", "theft", match::action::sinkhole, "2025-12-01", "2026-02-15", 2},
                               {"XX-2", "backdoor", match::action::nxdomain, "2025-12-10", nullptr, 3},
                               {"XX-3", "ddos", match::action::monitor, "2026-01-05", nullptr, 1},
                               {"XX-5", "theft", match::action::sinkhole, "2026-02-15", nullptr, 4}}
            : std::vector<row>{{"XX-1", "theft", match::action::sinkhole, "2025-12-01", nullptr, 2},
                               {"XX-2", "backdoor", match::action::nxdomain, "2025-12-10", nullptr, 3},
                               {"XX-3", "ddos", match::action::monitor, "2026-01-05", nullptr, 1},
                               {"XX-4", "spam", match::action::sinkhole, "2025-11-01", nullptr, 5}};
  for (const row& r : rows) {
    match::entry e;
    e.id = r.id;
    e.category = r.category;
    e.action = r.action;
    e.start = at(r.start);
    if (r.end != nullptr) e.end = at(r.end);
    e.source = source;
    const auto index = cat.add_entry(e);
    for (int i = 0; i < r.fqdns; ++i)
      REQUIRE(cat.add_rule(*dnsfilter::wire::name::from_text(std::string(r.id) + "-" + std::to_string(i) + ".example"),
                           index));
  }
  lists::load_options plain;
  plain.source_name = "blocklist.txt";
  REQUIRE(lists::load_plain("ads.example\ntracker.example\n", cat, plain).has_value());
  return cat;
}

// One resolver: its file on disk, and while it runs, its registry.
struct sim_node {
  std::string name;
  std::optional<std::string> disk;
  std::vector<std::string> copies;  // earlier versions of the file, kept by a careless operator
  std::unique_ptr<stats::registry> registry;
  stats::slot_map slots;
  bool later_catalogue = false;
  stats::node_identity id;
  match::timestamp next_write = 0, interval = 0;
  stats::totals written, pending;          // counts written to the file / counted since the last write
  std::set<stats::month_index> crash_lost;  // months of counts a crash lost
};

struct simulation {
  rng random;
  stats::zone zone = *stats::zone::parse("+09:00");
  match::catalogue before = sim_catalogue(false), after = sim_catalogue(true);
  match::timestamp now = at("2025-12-25");
  const match::timestamp switch_time = at("2026-02-15");
  std::vector<sim_node> nodes;

  explicit simulation(std::uint64_t seed, std::size_t count) : random(seed) {
    nodes.resize(count);
    for (std::size_t i = 0; i < count; ++i) nodes[i].name = "ns" + std::to_string(i + 1) + ".example";
  }
  std::uint64_t below(std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(random); }
  bool chance(double p) { return std::bernoulli_distribution(p)(random); }
  const match::catalogue& catalogue_for(const sim_node& n) const { return n.later_catalogue ? after : before; }

  // The file of `n` with its counts as they stand: the resolver's write.
  void write(sim_node& n, bool final) {
    stats::totals t = n.registry->read();
    ++n.id.sequence;
    n.id.written = now;
    n.id.final = final;
    t.node = n.id;
    n.disk = stats::format_totals(t);
    REQUIRE(n.written.merge(n.pending).has_value());
    n.pending = {};
    n.pending.zone = zone;
    n.next_write = now + n.interval;
  }

  // The resolver's start: continue the file, one more epoch, a lost span when
  // the last run did not end cleanly, and a first write at once.
  void start(sim_node& n) {
    n.registry = std::make_unique<stats::registry>(1, stats::registry_options{zone});
    n.id = {n.name, 1, 0, 0, false};
    if (n.disk) {
      dnsfilter::diagnostic why;
      auto previous = stats::parse_totals(*n.disk, &why);
      REQUIRE_MESSAGE(previous.has_value(), why.message);
      n.id.epoch = previous->node.epoch + 1;
      if (!previous->node.final) previous->lost.insert({previous->node.written, now});
      REQUIRE(n.registry->merge(*previous).has_value());
    }
    n.later_catalogue = now >= switch_time;
    n.slots = n.registry->map(catalogue_for(n));
    n.interval = static_cast<match::timestamp>(600 + below(2 * 86400));
    n.pending.zone = n.written.zone = zone;
    write(n, false);
  }

  // A few queries at `now`, counted by the registry and in the ground truth.
  void traffic(sim_node& n) {
    const std::uint64_t queries = below(20);
    if (queries == 0) return;  // no month in the truth that the files do not have
    auto& rec = n.registry->at(0);
    auto& truth = n.pending.months[zone.month_of(now)];
    const match::catalogue& cat = catalogue_for(n);
    for (std::uint64_t k = queries; k-- > 0;) {
      const auto kind = below(10);
      if (kind < 6) {
        rec.count_passed(now);
        ++truth.passed;
      } else if (kind < 7) {
        rec.count_opted_out(now);
        ++truth.opted_out;
      } else {
        const auto entry = static_cast<std::uint32_t>(below(cat.entries().size()));
        const match::entry& e = cat.entries()[entry];
        const match::action taken = chance(0.1) ? match::action::pass : e.action;
        rec.count_hit(now, n.slots.of(entry), taken);
        add_hits(truth, std::string(n.slots.of(entry).key), e.category, taken, 1);
      }
    }
  }

  void crash(sim_node& n) {
    for (const auto& [m, counts] : n.pending.months)
      if (counts.queries() + counts.opted_out != 0) n.crash_lost.insert(m);
    n.pending = {};
    n.registry.reset();
  }

  void step() {
    now += static_cast<match::timestamp>(1 + below(6 * 3600));
    for (sim_node& n : nodes) {
      if (!n.registry) {
        if (chance(0.3)) start(n);
        continue;
      }
      if (!n.later_catalogue && now >= switch_time) {  // the reload of the changed catalogue
        n.later_catalogue = true;
        n.slots = n.registry->map(after);
      }
      traffic(n);
      if (now >= n.next_write) write(n, false);
      if (n.disk && chance(0.01)) n.copies.push_back(*n.disk);
      if (chance(0.02)) {
        crash(n);
      } else if (chance(0.02)) {
        write(n, true);
        n.registry.reset();
      }
    }
  }
};

}  // namespace

TEST_CASE("stats fleet property: simulated nodes with restarts and crashes add up to the ground truth, to the query") {
  std::vector<std::uint64_t> seeds{0x15f1ee7};
  for (std::uint64_t s = 1; s <= 5; ++s) seeds.push_back(s);
  std::size_t crashes_seen = 0, stale_seen = 0;
  for (const std::uint64_t seed : seeds) {
    CAPTURE(seed);
    simulation sim(seed, 3 + seed % 3);
    while (sim.now < at("2026-04-20")) sim.step();
    for (sim_node& n : sim.nodes)  // the files collected from the running nodes
      if (n.registry) sim.write(n, false);

    std::vector<stats::node_file> files;
    stats::totals truth;
    truth.zone = sim.zone;
    for (sim_node& n : sim.nodes) {
      if (!n.disk) continue;
      dnsfilter::diagnostic why;
      auto parsed = stats::parse_totals(*n.disk, &why);
      REQUIRE_MESSAGE(parsed.has_value(), why.message);
      const match::timestamp taken = parsed->node.written;
      files.push_back({n.name + ".stats", std::move(*parsed), taken});
      REQUIRE(truth.merge(n.written).has_value());
    }
    REQUIRE_FALSE(files.empty());
    dnsfilter::diagnostic why;
    const auto fleet = stats::fleet::add(files, &why);
    REQUIRE_MESSAGE(fleet.has_value(), why.message);

    // Exact: every count each node recorded and wrote, nothing else.
    CHECK(fleet->sum().months == truth.months);
    // Every month whose counts a crash lost is flagged for that node.
    for (const sim_node& n : sim.nodes) {
      for (const auto m : n.crash_lost) {
        ++crashes_seen;
        const auto gaps = fleet->gaps(m);
        const bool named = std::count(gaps.lost.begin(), gaps.lost.end(), n.name) +
                               std::count(gaps.not_over.begin(), gaps.not_over.end(), n.name) >
                           0;
        CHECK_MESSAGE(named, n.name << " lost counts of " << stats::to_text(m).data() << " unflagged");
      }
    }
    // Every identified entry counted keeps its metadata, XX-4 (removed from
    // the catalogue) included; a list's name has none.
    for (const auto& [m, counts] : fleet->sum().months)
      for (const auto& [key, hits] : counts.by_entry)
        CHECK((fleet->sum().metadata.contains(key) == (key.rfind("XX-", 0) == 0)));
    if (const auto it = fleet->sum().metadata.find("XX-4"); it != fleet->sum().metadata.end())
      CHECK(*it == std::pair<const std::string, stats::entry_metadata>{
                       "XX-4", {"spam", match::action::sinkhole, at("2025-11-01"), match::until_forever, 5}});

    // An older copy of a node's file, or the same file twice, is refused.
    for (const sim_node& n : sim.nodes) {
      for (const std::string& copy : n.copies) {
        if (copy == *n.disk) continue;
        auto with_copy = files;
        with_copy.push_back({"backup/" + n.name + ".stats", stats::parse_totals(copy).value(), 0});
        check_refused(with_copy, errc::stats_conflict, "stale copy of node " + n.name + ": backup/" + n.name);
        ++stale_seen;
        break;
      }
    }
    auto twice = files;
    twice.push_back(files.front());
    twice.back().origin = "copy.stats";
    check_refused(twice, errc::stats_conflict, "duplicated node " + files.front().name());
  }
  // The simulation did reach the cases it is about.
  CHECK(crashes_seen > 0);
  CHECK(stale_seen > 0);
}
