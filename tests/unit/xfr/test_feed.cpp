// The zone feed: AXFR and IXFR streams applied to a serving snapshot — a
// full transfer makes a new base beside the other lists, an IXFR a delta of
// the names it changes, a broken one changes nothing; entries and links of
// docs/rpz.md give triggers their identifiers; the seed image round-trips
// and a damaged one is refused.
#include <dnsfilter/wire/message.hpp>
#include <dnsfilter/wire/writer.hpp>
#include <dnsfilter/xfr/feed.hpp>

#include <doctest/doctest.h>

#include "zone_helpers.hpp"

#include <xxhash.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace wire = dnsfilter::wire;
namespace xfr = dnsfilter::xfr;
namespace match = dnsfilter::match;
using dnsfilter::errc;

namespace {

using test_zone::soa;
using test_zone::zone;
constexpr std::uint16_t id = 7;

wire::name dn(const std::string& text) { return test_zone::dn(text.c_str()); }

// A record: an SOA (serial set), a CNAME trigger, or a TXT of docs/rpz.md.
struct rec {
  std::string owner;  // relative to the zone
  std::uint32_t serial = 0;
  std::string target = ".";              // CNAME target
  std::vector<std::string> texts = {};  // TXT strings when not empty
};

std::vector<std::byte> message(const std::vector<rec>& records, wire::rr_type qtype) {
  std::vector<std::byte> bytes(65535);
  wire::message_writer w{bytes};
  w.header().id = id;
  w.header().qr = true;
  w.header().aa = true;
  REQUIRE(w.add_question(zone, qtype));
  for (const rec& r : records) {
    const auto owner = dn(r.owner.empty() ? "rpz.example" : r.owner + ".rpz.example");
    if (r.serial != 0) {
      REQUIRE(w.add_record(wire::section::answer, owner, wire::rr_type::soa, wire::rr_class::in, 3600, soa(r.serial)));
    } else if (!r.texts.empty()) {
      std::vector<std::byte> data;
      for (const std::string& t : r.texts) {
        data.push_back(static_cast<std::byte>(t.size()));
        for (char c : t) data.push_back(static_cast<std::byte>(c));
      }
      REQUIRE(w.add_record(wire::section::answer, owner, wire::rr_type::txt, wire::rr_class::in, 3600,
                           wire::rdata::txt{data}));
    } else {
      REQUIRE(w.add_record(wire::section::answer, owner, wire::rr_type::cname, wire::rr_class::in, 3600,
                           wire::rdata::cname{r.target == "." ? wire::name{} : dn(r.target)}));
    }
  }
  bytes.resize(w.finish().size());
  return bytes;
}

// The serving snapshot before any transfer: a list with list.example, and the feed's (empty) source.
std::shared_ptr<const xfr::zone_feed::snapshot_type> first_snapshot() {
  match::catalogue cat;
  const auto list = cat.add_source("list.txt");
  cat.add_source("feed:rpz.example.");
  match::entry e;
  e.source = list;
  cat.add_rule(dn("list.example"), cat.add_entry(e));
  return dnsfilter::make_snapshot(std::move(cat));
}

// Runs one transfer (one message) through the feed; the commit's result.
dnsfilter::result<std::shared_ptr<const xfr::zone_feed::snapshot_type>> transfer(
    xfr::zone_feed& feed, std::shared_ptr<const xfr::zone_feed::snapshot_type> serving, const std::vector<rec>& records,
    xfr::kind k, std::string* why = nullptr) {
  const auto bytes = message(records, k == xfr::kind::axfr ? wire::rr_type::axfr : wire::rr_type::ixfr);
  xfr::transfer_reader reader{zone, id, k, k == xfr::kind::ixfr ? feed.serial() : 0};
  feed.start(std::move(serving));
  const auto fed = reader.feed(wire::message_view::parse(bytes).value(), feed);
  dnsfilter::diagnostic d;
  auto made = feed.commit(fed ? reader.finish() : dnsfilter::result<xfr::transfer_result>{fed.error()}, &d);
  if (why) *why = d.message;
  return made;
}

std::string decide(const xfr::zone_feed::snapshot_type& s, const std::string& name) {
  const auto r = s.lookup(dn(name), 0);
  if (!r.hit()) return "miss";
  const match::entry& e = s.entry_of(r);
  return std::string(match::to_string(e.action)) + (e.id.empty() ? "" : " " + e.id);
}

xfr::feed_options options(std::size_t merge_threshold = 4096) {
  return {.zone = zone, .source = 1, .merge_threshold = merge_threshold, .max_records = 0, .strict = true};
}

}  // namespace

TEST_CASE("feed: AXFR makes a base of the other lists and the zone, with RPZ's scopes") {
  xfr::zone_feed feed(options());
  auto made = transfer(feed, first_snapshot(),
                       {{"", 1}, {"a.example"}, {"*.b.example"}, {"pass.a.example", 0, "rpz-passthru."},
                        {"drop.example", 0, "rpz-drop."}, {"", 1}},
                       xfr::kind::axfr);
  REQUIRE(made);
  const auto& s = **made;
  CHECK(feed.serial() == 1);
  CHECK(decide(s, "list.example") == "sinkhole");
  CHECK(decide(s, "a.example") == "nxdomain");
  CHECK(decide(s, "x.a.example") == "miss");
  CHECK(decide(s, "x.b.example") == "nxdomain");
  CHECK(decide(s, "b.example") == "miss");
  CHECK(decide(s, "pass.a.example") == "pass");
  CHECK(decide(s, "drop.example") == "drop");
  CHECK(s.layers().delta() == nullptr);
}

TEST_CASE("feed: IXFR changes only its names, exactly; a broken one changes nothing") {
  xfr::zone_feed feed(options());
  auto base = transfer(feed, first_snapshot(), {{"", 1}, {"a.example"}, {"kept.example"}, {"", 1}}, xfr::kind::axfr);
  REQUIRE(base);
  auto next = transfer(feed, *base,
                       {{"", 2}, {"", 1}, {"a.example"}, {"", 2}, {"c.example"}, {"*.c.example", 0, "rpz-drop."}, {"", 2}},
                       xfr::kind::ixfr);
  REQUIRE(next);
  const auto& s = **next;
  CHECK(feed.serial() == 2);
  CHECK(decide(s, "a.example") == "miss");
  CHECK(decide(s, "c.example") == "nxdomain");
  CHECK(decide(s, "x.c.example") == "drop");
  CHECK(decide(s, "kept.example") == "nxdomain");
  CHECK(decide(s, "list.example") == "sinkhole");
  REQUIRE(s.layers().delta() != nullptr);
  CHECK(s.layers().base() == (*base)->layers().base());  // the base is shared, not rebuilt

  // Re-adding the deleted name in a later IXFR, over the first delta.
  auto again = transfer(feed, *next, {{"", 3}, {"", 2}, {"", 3}, {"a.example", 0, "rpz-drop."}, {"", 3}}, xfr::kind::ixfr);
  REQUIRE(again);
  CHECK(decide(**again, "a.example") == "drop");
  CHECK(decide(**again, "c.example") == "nxdomain");  // the earlier change is kept

  // Deleting what the zone does not have: refused, serial unchanged.
  std::string why;
  auto broken = transfer(feed, *again, {{"", 4}, {"", 3}, {"nothere.example"}, {"", 4}, {"", 4}}, xfr::kind::ixfr, &why);
  CHECK(!broken);
  CHECK(why.find("nothere.example") != std::string::npos);
  CHECK(feed.serial() == 3);
}

TEST_CASE("feed: past the merge threshold, flatten() folds the delta into a new base with the same answers") {
  xfr::zone_feed feed(options(1));
  auto base = transfer(feed, first_snapshot(), {{"", 1}, {"a.example"}, {"", 1}}, xfr::kind::axfr);
  REQUIRE(base);
  auto one = transfer(feed, *base, {{"", 2}, {"", 1}, {"", 2}, {"b.example"}, {"", 2}}, xfr::kind::ixfr);
  REQUIRE(one);
  CHECK(feed.flatten(**one) == nullptr);  // one changed name: not past 1
  auto two = transfer(feed, *one, {{"", 3}, {"", 2}, {"a.example"}, {"", 3}, {"c.example"}, {"", 3}}, xfr::kind::ixfr);
  REQUIRE(two);
  const auto flat = feed.flatten(**two);
  REQUIRE(flat);
  CHECK(flat->layers().delta() == nullptr);
  for (const char* n : {"a.example", "b.example", "c.example", "list.example", "x.b.example"})
    CHECK(decide(*flat, n) == decide(**two, n));
}

TEST_CASE("feed: entries and links give triggers their identifier; the seed image round-trips") {
  xfr::zone_feed feed(options());
  auto made = transfer(feed, first_snapshot(),
                       {{"", 5},
                        {"xx-1.entry._dnsfilter", 0, "", {"id=XX-1", "category=backdoor"}},
                        {"evil.example.link._dnsfilter", 0, "", {"xx-1"}},
                        {"evil.example"},
                        {"plain.example"},
                        {"", 5}},
                       xfr::kind::axfr);
  REQUIRE(made);
  CHECK(decide(**made, "evil.example") == "nxdomain XX-1");
  CHECK(decide(**made, "plain.example") == "nxdomain");

  const std::string image = feed.seed(**made);
  xfr::zone_feed restarted(options());
  match::catalogue cat;
  cat.add_source("list.txt");
  cat.add_source("feed:rpz.example.");
  REQUIRE(restarted.load_seed(image, cat));
  CHECK(restarted.serial() == 5);
  const auto seeded = dnsfilter::make_snapshot(std::move(cat));
  CHECK(decide(*seeded, "evil.example") == "nxdomain XX-1");
  CHECK(decide(*seeded, "plain.example") == "nxdomain");

  // Damaged, truncated, foreign images are refused with a reason.
  dnsfilter::diagnostic why;
  match::catalogue other;
  other.add_source("a");
  other.add_source("b");
  std::string bad = image;
  bad[bad.size() / 2] ^= 0x01;
  CHECK(!restarted.load_seed(bad, other, &why));
  CHECK(why.message.find("checksum") != std::string::npos);
  CHECK(!restarted.load_seed(image.substr(0, image.size() - 3), other, &why));
  CHECK(!restarted.load_seed("", other, &why));
  xfr::zone_feed foreign({.zone = dn("other.example"), .source = 1});
  CHECK(!foreign.load_seed(image, other, &why));
  CHECK(why.message.find("zone") != std::string::npos);
}

TEST_CASE("feed: the seed image streamed in pieces is the same image, and a failing sink stops it") {
  // Enough rules for several pieces: a writer holds one piece, not the image.
  match::catalogue cat;
  cat.add_source("list.txt");
  const auto source = cat.add_source("feed:rpz.example.");
  match::entry e;
  e.source = source;
  e.action = match::action::nxdomain;
  const auto entry = cat.add_entry(e);
  for (int i = 0; i < 20000; ++i)
    cat.add_rule(dn("name-" + std::to_string(i) + ".example"), entry,
                 i % 3 == 0 ? match::scope::subdomains_only : match::scope::name_only);
  const auto snap = dnsfilter::make_snapshot(std::move(cat));
  xfr::zone_feed feed(options());

  const std::string whole = feed.seed(*snap);
  std::string joined;
  std::size_t pieces = 0, largest = 0;
  CHECK(feed.seed(*snap, [&](std::string_view part) {
    joined.append(part);
    ++pieces;
    largest = std::max(largest, part.size());
    return true;
  }));
  CHECK(joined == whole);
  CHECK(pieces > 4);
  CHECK(largest < (std::size_t{1} << 16) + 512);

  std::size_t calls = 0;
  CHECK(!feed.seed(*snap, [&](std::string_view) { return ++calls < 2; }));
  CHECK(calls == 2);  // no piece after the failing one

  xfr::zone_feed restarted(options());
  match::catalogue loaded;
  loaded.add_source("list.txt");
  loaded.add_source("feed:rpz.example.");
  REQUIRE(restarted.load_seed(joined, loaded));
  CHECK(loaded.rules().size() == 20000);
  const auto seeded = dnsfilter::make_snapshot(std::move(loaded));
  CHECK(decide(*seeded, "name-1.example") == "nxdomain");
  CHECK(decide(*seeded, "name-3.example") == "miss");
  CHECK(decide(*seeded, "x.name-3.example") == "nxdomain");

  // A rule the checks refuse in an image whose checksum is right (a bad
  // action in the last rule): the catalogue is left as it was.
  std::string crafted = joined.substr(0, joined.size() - 8);
  const std::string last = std::string(1, '\x0a') + "name-19999" + std::string(1, '\x07') + "example" + std::string(1, '\0');
  const auto at = crafted.rfind(last);
  REQUIRE(at != std::string::npos);
  REQUIRE(at >= 3);
  crafted[at - 3] = 9;  // before the name: its length, the scope, the action
  const std::uint64_t sum = XXH64(crafted.data(), crafted.size(), 0);
  for (int i = 0; i < 8; ++i) crafted.push_back(static_cast<char>(sum >> (8 * i)));
  match::catalogue kept;
  kept.add_source("list.txt");
  const auto kept_source = kept.add_source("feed:rpz.example.");
  match::entry k;
  k.source = kept_source;
  kept.add_rule(dn("kept.example"), kept.add_entry(k));
  dnsfilter::diagnostic why;
  xfr::zone_feed again(options());
  CHECK(!again.load_seed(crafted, kept, &why));
  CHECK(why.message.find("bad rule 19999") != std::string::npos);
  CHECK(kept.rules().size() == 1);
  CHECK(kept.entries().size() == 1);
  CHECK(!again.has_zone());
}

TEST_CASE("feed: a later AXFR applies only its difference with the zone served, metadata included") {
  xfr::zone_feed feed(options());
  auto first = transfer(feed, first_snapshot(),
                        {{"", 1},
                         {"xx-1.entry._dnsfilter", 0, "", {"id=XX-1", "category=backdoor"}},
                         {"evil.example.link._dnsfilter", 0, "", {"xx-1"}},
                         {"evil.example"},
                         {"a.example"},
                         {"kept.example"},
                         {"", 1}},
                        xfr::kind::axfr);
  REQUIRE(first);
  // The same zone but a.example gone, b.example new and the entry's category changed.
  auto second = transfer(feed, *first,
                         {{"", 2},
                          {"xx-1.entry._dnsfilter", 0, "", {"id=XX-1", "category=phishing"}},
                          {"evil.example.link._dnsfilter", 0, "", {"xx-1"}},
                          {"evil.example"},
                          {"kept.example"},
                          {"b.example", 0, "rpz-drop."},
                          {"", 2}},
                         xfr::kind::axfr);
  REQUIRE(second);
  const auto& s = **second;
  CHECK(feed.serial() == 2);
  CHECK(s.layers().base() == (*first)->layers().base());  // no second copy of the zone
  CHECK(decide(s, "a.example") == "miss");
  CHECK(decide(s, "b.example") == "drop");
  CHECK(decide(s, "kept.example") == "nxdomain");
  CHECK(decide(s, "list.example") == "sinkhole");
  CHECK(s.entry_of(s.lookup(dn("evil.example"), 0)).category == "phishing");
  // Only the changed names are in the delta.
  CHECK(s.layers().delta_names() == 3);

  // The same zone again: nothing changes, and the snapshot still answers alike.
  auto third = transfer(feed, *second,
                        {{"", 3},
                         {"xx-1.entry._dnsfilter", 0, "", {"id=XX-1", "category=phishing"}},
                         {"evil.example.link._dnsfilter", 0, "", {"xx-1"}},
                         {"evil.example"},
                         {"kept.example"},
                         {"b.example", 0, "rpz-drop."},
                         {"", 3}},
                        xfr::kind::axfr);
  REQUIRE(third);
  for (const char* n : {"a.example", "b.example", "kept.example", "evil.example", "list.example"})
    CHECK(decide(**third, n) == decide(s, n));
}

TEST_CASE("feed: a record repeated in an AXFR is one record of the zone; one IXFR deletion removes it") {
  xfr::zone_feed feed(options());
  auto base = transfer(feed, first_snapshot(),
                       {{"", 1},
                        {"dup.example"},
                        {"kept.example"},
                        {"DUP.example"},  // the same record: owners compare without case
                        {"dup.example"},
                        {"garden.example", 0, "a.garden.example."},  // two records, one action:
                        {"garden.example", 0, "b.garden.example."},  // both are the zone's
                        {"garden.example", 0, "A.Garden.Example."},  // the first again
                        {"", 1}},
                       xfr::kind::axfr);
  REQUIRE(base);
  CHECK(decide(**base, "dup.example") == "nxdomain");
  CHECK(decide(**base, "garden.example") == "sinkhole");
  auto next = transfer(feed, *base,
                       {{"", 2}, {"", 1}, {"dup.example"}, {"garden.example", 0, "a.garden.example."}, {"", 2}, {"", 2}},
                       xfr::kind::ixfr);
  REQUIRE(next);
  CHECK(decide(**next, "dup.example") == "miss");
  CHECK(decide(**next, "garden.example") == "sinkhole");  // b.garden.example. is left
  CHECK(decide(**next, "kept.example") == "nxdomain");
  auto last = transfer(feed, *next, {{"", 3}, {"", 2}, {"garden.example", 0, "b.garden.example."}, {"", 3}, {"", 3}},
                       xfr::kind::ixfr);
  REQUIRE(last);
  CHECK(decide(**last, "garden.example") == "miss");
  // The seed holds the zone once too.
  xfr::zone_feed restarted(options());
  match::catalogue cat;
  cat.add_source("list.txt");
  cat.add_source("feed:rpz.example.");
  REQUIRE(restarted.load_seed(feed.seed(**base), cat));
  CHECK(cat.rules().size() == 4);  // dup, kept and two garden records
}

TEST_CASE("feed: a zone older than the one served is refused; the same serial again is taken") {
  xfr::zone_feed feed(options());
  auto base = transfer(feed, first_snapshot(), {{"", 5}, {"new.example"}, {"", 5}}, xfr::kind::axfr);
  REQUIRE(base);
  std::string why;
  auto older = transfer(feed, *base, {{"", 4}, {"old.example"}, {"", 4}}, xfr::kind::axfr, &why);
  CHECK(!older);
  CHECK(older.error() == errc::transfer_serial);
  CHECK(why.find("older") != std::string::npos);
  CHECK(feed.serial() == 5);
  // An IXFR answered with the older zone (RFC 1995 §4) likewise.
  auto as_axfr = transfer(feed, *base, {{"", 4}, {"old.example"}, {"", 4}}, xfr::kind::ixfr, &why);
  CHECK(!as_axfr);
  CHECK(feed.serial() == 5);
  auto again = transfer(feed, *base, {{"", 5}, {"again.example"}, {"", 5}}, xfr::kind::axfr);
  REQUIRE(again);
  CHECK(decide(**again, "again.example") == "nxdomain");
  CHECK(decide(**again, "new.example") == "miss");
  // Serial arithmetic (RFC 1982): past 2^32 the serial wraps and is newer.
  xfr::zone_feed wraps(options());
  auto high = transfer(wraps, first_snapshot(), {{"", 0xFFFFFFF0u}, {"a.example"}, {"", 0xFFFFFFF0u}}, xfr::kind::axfr);
  REQUIRE(high);
  auto wrapped = transfer(wraps, *high, {{"", 3}, {"b.example"}, {"", 3}}, xfr::kind::axfr);
  REQUIRE(wrapped);
  CHECK(wraps.serial() == 3);
}

TEST_CASE("feed: a record repeated in a later AXFR (compared with the zone served) is still one record") {
  xfr::zone_feed feed(options());
  auto base = transfer(feed, first_snapshot(), {{"", 1}, {"dup.example"}, {"", 1}}, xfr::kind::axfr);
  REQUIRE(base);
  // Again, with dup.example twice (it matches the rule served) and new.example twice (it does not).
  auto again = transfer(feed, *base,
                        {{"", 2}, {"dup.example"}, {"new.example"}, {"DUP.example"}, {"new.example"}, {"", 2}},
                        xfr::kind::axfr);
  REQUIRE(again);
  CHECK(decide(**again, "new.example") == "nxdomain");
  // One deletion each removes them: neither was taken twice.
  auto next = transfer(feed, *again, {{"", 3}, {"", 2}, {"dup.example"}, {"new.example"}, {"", 3}, {"", 3}},
                       xfr::kind::ixfr);
  REQUIRE(next);
  CHECK(decide(**next, "dup.example") == "miss");
  CHECK(decide(**next, "new.example") == "miss");
}
