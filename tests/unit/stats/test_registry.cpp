// The counters: what each outcome counts, month rollover, stable slots
// across reloads, exactness under concurrent writers and readers.
#include <doctest/doctest.h>

#include <dnsfilter/lists.hpp>
#include <dnsfilter/stats.hpp>

#include "stats_helpers.hpp"
#include "stats_sample.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <unistd.h>

using namespace dnsfilter_test;
using dnsfilter::errc;
namespace lists = dnsfilter::lists;

TEST_CASE("stats: what each outcome counts (opted-out clients only as opted out)") {
  stats::registry reg{1};
  const auto cat = catalogue_of({"XX-1", "XX-2"});
  const auto slots = reg.map(cat);
  auto& rec = reg.at(0);
  const auto t = at("2026-03-10");
  rec.count_passed(t);
  rec.count_passed(t);
  rec.count_opted_out(t);
  rec.count_hit(t, slots.of(0), match::action::sinkhole);
  rec.count_hit(t, slots.of(1), match::action::nxdomain);
  rec.count_hit(t, slots.of(1), match::action::pass);  // an exception: passed, but a hit

  const auto totals = reg.read();
  REQUIRE(totals.months.size() == 1);
  const auto& m = totals.months.at(stats::make_month(2026, 3));
  CHECK(m.opted_out == 1);
  CHECK(m.filtered == 2);
  CHECK(m.passed == 3);
  CHECK(m.queries() == 5);  // the opted-out query is not in the denominator
  CHECK(m.share() == doctest::Approx(0.4));
  CHECK(m.by_action[stats::action_slot(match::action::sinkhole)] == 1);
  CHECK(m.by_action[stats::action_slot(match::action::nxdomain)] == 1);
  CHECK(m.by_action[stats::action_slot(match::action::pass)] == 1);
  CHECK(m.by_entry == stats::month_counts::keyed{{"XX-1", 1}, {"XX-2", 2}});
  CHECK(m.by_category == stats::month_counts::keyed{{"cat-XX-1", 1}, {"cat-XX-2", 2}});
}

TEST_CASE("stats: monitored hits are counted per entry apart from filtered ones") {
  stats::registry reg{1};
  const auto cat = catalogue_of({"XX-1", "XX-2"});
  const auto slots = reg.map(cat);
  auto& rec = reg.at(0);
  const auto t = at("2026-02-10");
  rec.count_hit(t, slots.of(0), match::action::monitor);  // monitored: answered, so passed
  rec.count_hit(t, slots.of(0), match::action::monitor);
  rec.count_hit(t, slots.of(1), match::action::sinkhole);
  rec.count_passed(t);
  rec.count_monitored(t, slots.of(1));  // a passed query's CNAME chain hit a monitored entry
  rec.count_passed(t);
  rec.count_reclassified(t, slots.of(1), match::action::monitor);  // never a reclassification

  const auto totals = reg.read();
  const auto& m = totals.months.at(stats::make_month(2026, 2));
  CHECK(m.passed == 4);
  CHECK(m.filtered == 1);
  CHECK(m.queries() == 5);
  CHECK(m.share() == doctest::Approx(0.2));  // monitored hits are not in the share
  CHECK(m.monitored == 3);
  CHECK(m.by_action[stats::action_slot(match::action::monitor)] == 3);
  CHECK(m.monitored_by_entry == stats::month_counts::keyed{{"XX-1", 2}, {"XX-2", 1}});
  CHECK(m.by_entry == stats::month_counts::keyed{{"XX-1", 2}, {"XX-2", 2}});
  // What the registry reads is a consistent file.
  CHECK(stats::parse_totals(stats::format_totals(totals)).has_value());
}

TEST_CASE("stats: a recorder crosses months without losing a count (Dec -> Jan, offset zone)") {
  for (const char* zone_text : {"+00:00", "+09:00", "-05:00"}) {
    CAPTURE(zone_text);
    stats::registry_options opt;
    opt.zone = *stats::zone::parse(zone_text);
    stats::registry reg{1, opt};
    auto& rec = reg.at(0);
    const auto jan = stats::make_month(2026, 1), dec = jan - 1;
    const auto boundary = opt.zone.start_of(jan);
    for (int i = 0; i < 10; ++i) rec.count_passed(boundary - 10 + i);  // the last 10 s of December
    auto mid = reg.read();                                              // a read while in December
    CHECK(mid.months.at(dec).passed == 10);
    for (int i = 0; i < 7; ++i) rec.count_passed(boundary + i);  // January
    rec.count_opted_out(boundary + 7);
    rec.count_passed(boundary - 1);  // the clock steps back: December again
    rec.count_passed(boundary + 8);  // ... and forward
    const auto end = reg.read();
    CHECK(end.months.at(dec).passed == 11);
    CHECK(end.months.at(jan).passed == 8);
    CHECK(end.months.at(jan).opted_out == 1);
    CHECK(end.months.size() == 2);
    CHECK(reg.read() == end);  // a read folds, it does not count twice
  }
}

TEST_CASE("stats: counts follow entry keys across reloads that renumber entries") {
  stats::registry reg{2};
  auto& rec = reg.at(1);
  const auto t = at("2026-02-02");
  {
    const auto cat = catalogue_of({"XX-1", "XX-2"});
    const auto slots = reg.map(cat);
    rec.count_hit(t, slots.of(0), match::action::sinkhole);  // XX-1
    rec.count_hit(t, slots.of(1), match::action::sinkhole);  // XX-2
  }
  // The reload drops XX-1, adds three entries and renumbers XX-2; a plain list
  // (entries without identifier) counts under the list's name.
  auto cat = catalogue_of({"XX-3", "XX-4", "XX-2", "XX-5"});
  lists::load_options plain;
  plain.source_name = "blocklist.txt";
  REQUIRE(lists::load_plain("ads.example\n", cat, plain).has_value());
  const auto slots = reg.map(cat);
  REQUIRE(slots.size() == 5);
  CHECK(slots.of(2).key == "XX-2");
  CHECK(slots.of(4).key == "blocklist.txt");
  rec.count_hit(t, slots.of(2), match::action::sinkhole);  // XX-2 again, at a new index
  rec.count_hit(t, slots.of(3), match::action::drop);      // a new slot: the recorder's block grows
  rec.count_hit(t, slots.of(4), match::action::sinkhole);
  const auto totals = reg.read();
  const auto& m = totals.months.at(stats::make_month(2026, 2));
  CHECK(m.by_entry == stats::month_counts::keyed{{"XX-1", 1}, {"XX-2", 2}, {"XX-5", 1}, {"blocklist.txt", 1}});
  CHECK(m.by_category ==
        stats::month_counts::keyed{{"cat-XX-1", 1}, {"cat-XX-2", 2}, {"cat-XX-5", 1}, {"", 1}});
  CHECK(m.filtered == 5);
  // Mapping the same catalogue again gives the same slots.
  const auto again = reg.map(cat);
  for (std::uint32_t i = 0; i < again.size(); ++i) {
    CHECK(again.of(i).entry == slots.of(i).entry);
    CHECK(again.of(i).category == slots.of(i).category);
  }
}

TEST_CASE("stats: read() keeps the metadata of the entries counted: the catalogue's, else the file's") {
  const auto name = [](const char* text) { return *dnsfilter::wire::name::from_text(text); };
  match::catalogue cat;
  const auto source = cat.add_source("operator.tsv");
  const auto add = [&](const char* id, const char* category, match::action a, match::timestamp start,
                       match::timestamp end, std::initializer_list<const char*> fqdns) {
    match::entry e;
    e.id = id;
    e.category = category;
    e.action = a;
    e.start = start;
    e.end = end;
    e.source = source;
    const auto index = cat.add_entry(e);
    for (const char* f : fqdns) REQUIRE(cat.add_rule(name(f), index));
  };
  add("XX-1", "information theft", match::action::sinkhole, at("2026-01-09"), match::until_forever,
      {"a.example", "b.example", "c.example"});
  add("XX-2", "backdoor", match::action::monitor, at("2026-01-10"), at("2026-03-01"), {"d.example"});
  add("XX-3", "DDoS", match::action::nxdomain, at("2026-01-11"), match::until_forever, {"e.example"});  // never hit
  lists::load_options plain;
  plain.source_name = "blocklist.txt";
  REQUIRE(lists::load_plain("ads.example\n", cat, plain).has_value());

  // The previous run's file describes XX-1 (older metadata) and XX-0, an entry
  // no longer in the catalogue.
  stats::totals previous;
  auto& jan = previous.months[stats::make_month(2026, 1)];
  dnsfilter_test::add_hits(jan, "XX-0", "spam", match::action::sinkhole, 4);
  dnsfilter_test::add_hits(jan, "XX-1", "information theft", match::action::sinkhole, 1);
  previous.metadata["XX-0"] = {"spam", match::action::sinkhole, at("2025-06-01"), at("2026-01-20"), 2};
  previous.metadata["XX-1"] = {"information theft", match::action::sinkhole, at("2026-01-09"), match::until_forever, 1};

  stats::registry reg{1};
  REQUIRE(reg.merge(previous).has_value());
  const auto slots = reg.map(cat);
  auto& rec = reg.at(0);
  rec.count_hit(at("2026-02-02"), slots.of(0), match::action::sinkhole);
  rec.count_hit(at("2026-02-02"), slots.of(1), match::action::monitor);
  rec.count_hit(at("2026-02-02"), slots.of(3), match::action::sinkhole);  // the plain list

  const auto t = reg.read();
  CHECK(t.metadata.size() == 3);  // XX-3 was not counted; a list has none
  CHECK(t.metadata.at("XX-0") == previous.metadata.at("XX-0"));
  CHECK(t.metadata.at("XX-1") ==
        stats::entry_metadata{"information theft", match::action::sinkhole, at("2026-01-09"), match::until_forever, 3});
  CHECK(t.metadata.at("XX-2") ==
        stats::entry_metadata{"backdoor", match::action::monitor, at("2026-01-10"), at("2026-03-01"), 1});
  const auto back = stats::parse_totals(stats::format_totals(t));
  REQUIRE(back.has_value());
  CHECK(back->metadata == t.metadata);

  // A delta (a zone transfer's changed names) updates the window but not the
  // FQDN count of an entry described already; a new entry gets the delta's.
  match::catalogue delta;
  const auto delta_source = delta.add_source("rpz.example");
  match::entry lifted;
  lifted.id = "XX-1";
  lifted.category = "information theft";
  lifted.start = at("2026-01-09");
  lifted.end = at("2026-02-15");
  lifted.source = delta_source;
  REQUIRE(delta.add_rule(name("a.example"), delta.add_entry(lifted)));
  match::entry fresh = lifted;
  fresh.id = "XX-4";
  fresh.end = match::until_forever;
  const auto fresh_index = delta.add_entry(fresh);
  REQUIRE(delta.add_rule(name("f.example"), fresh_index));
  REQUIRE(delta.add_rule(name("g.example"), fresh_index));
  const auto delta_slots = reg.map(delta, stats::catalogue_part::delta);
  rec.count_hit(at("2026-02-03"), delta_slots.of(1), match::action::sinkhole);
  const auto after = reg.read();
  CHECK(after.metadata.at("XX-1").end == at("2026-02-15"));
  CHECK(after.metadata.at("XX-1").fqdns == 3);
  CHECK(after.metadata.at("XX-4").fqdns == 2);
}

TEST_CASE("stats: exact totals with 4 writers and concurrent readers") {
  constexpr int writers = 4;
  constexpr int per_writer = 1'000'000;
  stats::registry reg{writers};
  const auto cat = catalogue_of({"XX-1", "XX-2", "XX-3"});
  const auto slots = reg.map(cat);
  const auto feb = stats::make_month(2026, 2);
  const auto boundary = reg.zone().start_of(feb);

  std::atomic<int> running{writers};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      auto& rec = reg.at(static_cast<std::size_t>(w));
      for (int i = 0; i < per_writer; ++i) {
        // The first half in January, the second in February: rollover under load.
        const match::timestamp now = boundary + (i < per_writer / 2 ? -1000 : 1000) + i % 7;
        switch (i % 16) {
          case 0: rec.count_opted_out(now); break;
          case 1: rec.count_hit(now, slots.of(static_cast<std::uint32_t>(i / 16 % 3)), match::action::sinkhole); break;
          case 2: rec.count_hit(now, slots.of(2), match::action::pass); break;
          default: rec.count_passed(now);
        }
      }
      running.fetch_sub(1);
    });
  }
  // Readers merge while the writers count: the sums only ever grow.
  std::uint64_t last_seen = 0;
  int reads = 0;
  while (running.load() > 0) {
    const auto t = reg.read();
    std::uint64_t all = 0;
    for (const auto& [month, m] : t.months) all += m.queries() + m.opted_out;
    CHECK(all >= last_seen);
    last_seen = all;
    ++reads;
  }
  for (auto& th : threads) th.join();
  CHECK(reads > 0);

  const auto t = reg.read();
  REQUIRE(t.months.size() == 2);
  std::uint64_t opted_out = 0, filtered = 0, passed = 0, hits = 0;
  for (const auto& [month, m] : t.months) {
    opted_out += m.opted_out;
    filtered += m.filtered;
    passed += m.passed;
    for (const auto& kv : m.by_entry) hits += kv.second;
  }
  constexpr std::uint64_t total = std::uint64_t{writers} * per_writer;
  constexpr std::uint64_t each = total / 16;  // per_writer is a multiple of 16
  CHECK(opted_out == each);
  CHECK(filtered == each);
  CHECK(passed == total - 2 * each);
  CHECK(hits == 2 * each);
  CHECK(t.months.at(feb).queries() + t.months.at(feb).opted_out == total / 2);
  CHECK(t.unrecorded == 0);
}

TEST_CASE("stats: a recorder in a zone with daylight saving counts each month from its local midnight") {
  // Central European time: +01:00, +02:00 from 2026-03-29 01:00 UTC to 2026-10-25 01:00 UTC.
  const stats::zone::transition changes[] = {
      {0, 3600}, {at("2026-03-29", 3600), 7200}, {at("2026-10-25", 3600), 3600}};
  stats::registry_options opt;
  opt.zone = stats::zone::from_transitions("Europe/Berlin", changes).value();
  stats::registry reg{1, opt};
  auto& rec = reg.at(0);
  const auto march = stats::make_month(2026, 3), april = march + 1, november = stats::make_month(2026, 11);
  rec.count_passed(at("2026-03-31", 22 * 3600) - 1);  // 23:59:59 CEST on March 31st
  rec.count_passed(at("2026-03-31", 22 * 3600));      // midnight CEST: April
  rec.count_passed(at("2026-10-31", 23 * 3600) - 1);  // 23:59:59 CET on October 31st
  rec.count_passed(at("2026-10-31", 23 * 3600));      // midnight CET: November
  const auto t = reg.read();
  CHECK(t.zone == opt.zone);
  CHECK(t.months.at(march).passed == 1);
  CHECK(t.months.at(april).passed == 1);
  CHECK(t.months.at(november - 1).passed == 1);
  CHECK(t.months.at(november).passed == 1);
}
