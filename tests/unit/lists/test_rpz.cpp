// RPZ zone files: QNAME triggers, actions, wildcards and their merging,
// $ORIGIN/$TTL, relative and absolute owners, parentheses, skipped records;
// entry metadata under _dnsfilter (docs/rpz.md) read from text and from wire
// records (interpret_rpz), hostile TXT; write_rpz and its round trip.
#include <dnsfilter/lists/catalogue.hpp>
#include <dnsfilter/lists/rpz.hpp>

#include "lists_helpers.hpp"
#include "packets.hpp"

#include <algorithm>

using namespace dnsfilter_test;

namespace {

constexpr std::string_view zone =
    "$TTL 300\n"
    "$ORIGIN rpz.example.\n"
    "@ IN SOA ns.example. admin.example. (\n"
    "        2025010901 ; serial\n"
    "        3600 600 86400 300 )\n"
    "  IN NS ns.example.\n"
    "nx.example          CNAME .\n"
    "nodata.example  300 IN CNAME *.\n"
    "pass.evil.example   CNAME rpz-passthru.\n"
    "drop.example IN 60  CNAME rpz-drop.\n"
    "sink.example        A 192.0.2.1\n"
    "                    AAAA 2001:db8::1\n"
    "garden.example      CNAME walled.garden.example.\n"
    "tcp.example         CNAME rpz-tcp-only.\n"
    "txt.example         TXT \"local ; data\"\n"
    "24.0.2.0.192.rpz-ip CNAME .\n"
    "ns.evil.rpz-nsdname CNAME .\n"
    "abs.example.rpz.example. CNAME .\n"
    "Upper.EXAMPLE       CNAME .\n";

}  // namespace

TEST_CASE("rpz: actions, owners, skipped records") {
  match::catalogue cat;
  const auto rep = load_ok(lists::load_rpz, zone, cat);
  CHECK(dump(cat) == std::vector<std::string>{
                         "nx.example nxdomain exact", "nodata.example nodata exact", "pass.evil.example pass exact",
                         "drop.example drop exact", "sink.example sinkhole exact", "garden.example sinkhole exact",
                         "abs.example nxdomain exact", "upper.example nxdomain exact"});
  CHECK(rep.invalid == 0);
  CHECK(rep.loaded == 9);   // sink.example has two records
  CHECK(rep.skipped == 6);  // SOA, NS, tcp-only, TXT, rpz-ip, rpz-nsdname
  CHECK(rep.entries == 5);  // one per action
  CHECK(rep.ignored_lines == 2);  // $TTL, $ORIGIN
  CHECK(rep.records() + rep.ignored_lines <= rep.lines);
}

TEST_CASE("rpz: wildcards merge with their base name when the actions agree") {
  match::catalogue cat;
  const auto rep = load_ok(lists::load_rpz,
                           "$ORIGIN rpz.\n"
                           "both.example CNAME .\n"
                           "*.both.example CNAME .\n"
                           "*.wild.example CNAME .\n"
                           "exact.example CNAME .\n"
                           "mixed.example CNAME .\n"
                           "*.mixed.example CNAME rpz-drop.\n",
                           cat);
  CHECK(rep.loaded == 6);
  CHECK(dump(cat) == std::vector<std::string>{"both.example nxdomain", "wild.example nxdomain below",
                                              "exact.example nxdomain exact", "mixed.example nxdomain exact",
                                              "mixed.example drop below"});
}

TEST_CASE("rpz: apex from the SOA, origin changes, relative $ORIGIN") {
  match::catalogue cat;
  const auto rep = load_ok(lists::load_rpz,
                           "example.rpz. SOA ns. admin. 1 2 3 4 5\n"
                           "$ORIGIN example.rpz.\n"
                           "a CNAME .\n"
                           "$ORIGIN sub\n"  // relative: sub.example.rpz.
                           "b CNAME .\n"
                           "@ CNAME .\n"
                           "outside.example. CNAME .\n",
                           cat);
  CHECK(dump(cat) == std::vector<std::string>{"a nxdomain exact", "b.sub nxdomain exact", "sub nxdomain exact"});
  CHECK(rep.invalid == 1);
  CHECK(has_note(rep, 7, "outside the zone"));
}

TEST_CASE("rpz: malformed records are invalid with the line they start on") {
  match::catalogue cat;
  const auto rep = load_ok(lists::load_rpz,
                           "$ORIGIN rpz.\n"
                           "ok.example CNAME .\n"
                           "no-type.example\n"
                           "a.example A not-an-address\n"
                           "aaaa.example AAAA 192.0.2.1\n"
                           "bad..example CNAME .\n"
                           "ch.example CH TXT x\n"
                           "conflict.example CNAME .\n"
                           "conflict.example CNAME rpz-drop.\n"
                           "* CNAME .\n"
                           "$INCLUDE other.zone\n"
                           "$TTL\n"
                           "q.example TXT \"unterminated\n"
                           "p.example SOA ( 1 2\n"
                           "  3 ( 4 ) 5 )\n"
                           "late.example CNAME .\n"
                           "open.example SOA ( 1 2\n",
                           cat);
  CHECK(dump(cat) == std::vector<std::string>{"ok.example nxdomain exact", "conflict.example nxdomain exact",
                                              "late.example nxdomain exact"});
  CHECK(rep.loaded == 3);
  CHECK(rep.invalid == 12);
  CHECK(has_note(rep, 3, "without a type"));
  CHECK(has_note(rep, 4, "IPv4"));
  CHECK(has_note(rep, 5, "IPv6"));
  CHECK(has_note(rep, 6, "empty label"));
  CHECK(has_note(rep, 7, "not IN"));
  CHECK(has_note(rep, 9, "conflicting policy for conflict.example.: drop here, nxdomain on line 8"));
  CHECK(has_note(rep, 10, "every name"));
  CHECK(has_note(rep, 11, "$INCLUDE"));
  CHECK(has_note(rep, 12, "$TTL"));
  CHECK(has_note(rep, 13, "unterminated"));
  CHECK(has_note(rep, 14, "nested"));
  CHECK(has_note(rep, 17, "never closed"));
}

TEST_CASE("rpz: strict failure rolls back everything, including pending triggers") {
  expect_strict_failure(lists::load_rpz,
                        "a.example. CNAME .\n*.a.example. CNAME .\nb.example. MX\n  ; x\nc.example. CNAME\n", 5,
                        "CNAME needs exactly one target");
}

namespace {

namespace wire = dnsfilter::wire;
using dnsfilter::errc;
using kind = lists::rpz_item::kind;

// Every entry that has a rule, as "id|category|start|end|action", sorted.
std::vector<std::string> entries_of(const match::catalogue& cat) {
  std::vector<std::string> out;
  for (const auto& e : cat.entries())
    out.push_back(e.id + "|" + e.category + "|" + lists::format_utc_time(e.start) + "|" +
                  lists::format_utc_time(e.end) + "|" + match::to_string(e.action));
  std::sort(out.begin(), out.end());
  return out;
}

// Every rule as "name scope [id]", sorted (the dump's lines, order aside).
std::vector<std::string> sorted_rules(const match::catalogue& cat) {
  auto d = dump(cat);
  std::sort(d.begin(), d.end());
  return d;
}

constexpr std::string_view metadata_zone =
    "$ORIGIN rpz.example.\n"
    "@ SOA ns.example. admin.example. 1 3600 600 86400 300\n"
    "; a link may come before its entry\n"
    "c2.evil.example.link._dnsfilter TXT \"xx-0001\"\n"
    "*.c2.evil.example.link._dnsfilter TXT \"XX-0001\"\n"
    "xx-0001.entry._dnsfilter TXT \"id=XX-0001\" \"category=information theft\" \"start=2025-01-09\" "
    "\"end=2025-04-01T12:00:00Z\" \"future=ignored\"\n"
    "XX-0002.ENTRY._dnsfilter TXT \"id=XX-0002\" \"category=backdoor\"\n"
    "c2.evil.example CNAME .\n"
    "*.c2.evil.example CNAME .\n"
    "exact.example.link._dnsfilter TXT xx-0002\n"
    "exact.example CNAME .\n"
    "*.exact.example CNAME .\n"  // not linked: the file's nxdomain entry
    "drop.example.link._dnsfilter TXT \"xx-0002\"\n"
    "drop.example CNAME rpz-drop.\n"
    "plain.example CNAME .\n"
    "_dnsfilter TXT \"apex of the metadata\"\n"
    "x.other._dnsfilter TXT \"a later version's\"\n"
    "y.link._dnsfilter A 192.0.2.1\n";

}  // namespace

TEST_CASE("rpz: entries and links give triggers their id, category and window") {
  match::catalogue cat;
  const auto rep = load_ok(lists::load_rpz, metadata_zone, cat);
  CHECK(rep.invalid == 0);
  CHECK(rep.loaded == 12);  // 2 entries, 4 links, 6 triggers
  CHECK(rep.skipped == 4);  // SOA, three records under _dnsfilter that are not entries or links
  CHECK(dump(cat) == std::vector<std::string>{"c2.evil.example nxdomain [XX-0001]",
                                              "exact.example nxdomain exact [XX-0002]", "exact.example nxdomain below",
                                              "drop.example drop exact [XX-0002]", "plain.example nxdomain exact"});
  CHECK(entries_of(cat) == std::vector<std::string>{
                               "XX-0001|information theft|2025-01-09|2025-04-01T12:00:00Z|nxdomain",
                               "XX-0002|backdoor|||drop", "XX-0002|backdoor|||nxdomain", "||||nxdomain"});
  CHECK(rep.entries == 4);  // one key with two actions makes two entries
}

TEST_CASE("rpz: hostile metadata is invalid with its line, and costs nothing else") {
  match::catalogue cat;
  const std::string huge(300, 'x');
  const std::string zone = "$ORIGIN rpz.\n"
                           "a.entry._dnsfilter TXT \"id=A\"\n"
                           "a.entry._dnsfilter TXT \"id=A2\"\n"                               // 3: twice
                           "b.entry._dnsfilter TXT \"id\"\n"                                  // 4: not name=value
                           "c.entry._dnsfilter TXT \"=x\"\n"                                  // 5
                           "d.entry._dnsfilter TXT \"start=2025-02-30\"\n"                    // 6: bad date
                           "e.entry._dnsfilter TXT \"start=2025-03-01\" \"end=2025-03-01\"\n"  // 7: empty window
                           "f.entry._dnsfilter TXT \"id=F\" \"id=G\"\n"                       // 8: field twice
                           "g.entry._dnsfilter TXT \"id=\\007bell\"\n"                        // 9: control character
                           "h.entry._dnsfilter TXT \"id=H\" \"" + huge + "\"\n"                // 10: over 255 octets
                           "x.y.entry._dnsfilter TXT \"id=XY\"\n"                             // 11: two key labels
                           "*.entry._dnsfilter TXT \"id=W\"\n"                                // 12
                           "one.example.link._dnsfilter TXT \"nowhere\"\n"                    // 13: unknown key
                           "two.example.link._dnsfilter TXT \"a\" \"a\"\n"                    // 14: two strings
                           "three.example.link._dnsfilter TXT \"a\"\n"
                           "three.example.link._dnsfilter TXT \"k\"\n"                        // 16: conflicting
                           "three.example.link._dnsfilter TXT \"a\"\n"                        // 17: a repeat is fine
                           "link._dnsfilter TXT \"a\"\n"                                      // 18: no trigger
                           "i.entry._dnsfilter TXT \"id=I\" \"category=caf\\195\\169\" \"x=1\" \"x=2\" \"y\\=z=3\"\n"
                           "one.example CNAME .\n"
                           "three.example CNAME .\n"
                           "bad.entry._dnsfilter TXT \"id=\\999\"\n"                          // 22: bad escape
                           "j.entry._dnsfilter TXT \"id=\\255\"\n";                           // 23: not UTF-8
  const auto rep = load_ok(lists::load_rpz, zone, cat);
  CHECK(has_note(rep, 3, "entry key 'a' defined twice (first on line 2)"));
  CHECK(has_note(rep, 4, "'id' is not name=value"));
  CHECK(has_note(rep, 5, "not name=value"));
  CHECK(has_note(rep, 6, "start '2025-02-30' is not YYYY-MM-DD"));
  CHECK(has_note(rep, 7, "end 2025-03-01 is not after start 2025-03-01"));
  CHECK(has_note(rep, 8, "'id' given twice"));
  CHECK(has_note(rep, 9, "id holds a control character"));
  CHECK(has_note(rep, 10, "longer than 255 octets"));
  CHECK(has_note(rep, 11, "KEY.entry._dnsfilter.rpz."));
  CHECK(has_note(rep, 12, "KEY.entry._dnsfilter"));
  CHECK(has_note(rep, 13, "link for one.example. names the unknown entry key 'nowhere'"));
  CHECK(has_note(rep, 14, "one string"));
  CHECK(has_note(rep, 16, "conflicting links for three.example.: 'k' here, 'a' on line 15"));
  CHECK(has_note(rep, 18, "without a trigger"));
  CHECK(has_note(rep, 22, "bad \\DDD escape"));
  CHECK(has_note(rep, 23, "invalid UTF-8"));
  CHECK(rep.invalid == 16);
  // The unknown key costs the link, not the trigger: it falls back to the file's entry.
  CHECK(dump(cat) == std::vector<std::string>{"one.example nxdomain exact", "three.example nxdomain exact [A]"});
  CHECK(cat.entries().size() == 2);
}

TEST_CASE("rpz: a strict load fails on a link to nowhere, found only at the end") {
  expect_strict_failure(lists::load_rpz,
                        "$ORIGIN rpz.\nk.entry._dnsfilter TXT \"id=K\"\na.example CNAME .\n"
                        "a.example.link._dnsfilter TXT \"q\"\nb.example CNAME .\n",
                        4, "unknown entry key 'q'");
  expect_strict_failure(lists::load_rpz, "$ORIGIN rpz.\nk.entry._dnsfilter TXT \"start=soon\"\n", 2,
                        "is not YYYY-MM-DD");
}

TEST_CASE("rpz: name and *.name merge only when action and entry agree") {
  match::catalogue cat;
  load_ok(lists::load_rpz,
          "$ORIGIN rpz.\n"
          "k.entry._dnsfilter TXT \"id=K\"\n"
          "m.entry._dnsfilter TXT \"id=M\"\n"
          "same.example CNAME .\n*.same.example CNAME .\n"
          "same.example.link._dnsfilter TXT k\n*.same.example.link._dnsfilter TXT k\n"
          "split.example CNAME .\n*.split.example CNAME .\n"
          "split.example.link._dnsfilter TXT k\n*.split.example.link._dnsfilter TXT m\n"
          "half.example CNAME .\n*.half.example CNAME .\n"
          "*.half.example.link._dnsfilter TXT m\n",
          cat);
  CHECK(dump(cat) == std::vector<std::string>{"same.example nxdomain [K]", "split.example nxdomain exact [K]",
                                              "split.example nxdomain below [M]", "half.example nxdomain exact",
                                              "half.example nxdomain below [M]"});
}

TEST_CASE("rpz: interpret_rpz from parts") {
  const auto apex = wire::name::from_text("rpz.example").value();
  auto owner = [](const char* t) { return wire::name::from_text(t).value(); };
  std::string why;
  const auto root = wire::name{};
  lists::rpz_rdata cname_root;
  cname_root.cname_target = &root;

  auto t = lists::interpret_rpz(owner("*.Evil.Example.rpz.example"), apex, wire::rr_type::cname, cname_root, why);
  REQUIRE(t);
  CHECK(t->what == kind::trigger);
  CHECK(t->wildcard);
  CHECK(t->name.to_string() == "Evil.Example.");
  CHECK(t->action == match::action::nxdomain);

  const std::string_view entry_texts[] = {"id=XX-1", "category=backdoor", "end=2025-04-01", "x-new=1"};
  lists::rpz_rdata txt;
  txt.texts = entry_texts;
  auto e = lists::interpret_rpz(owner("XX-1.entry._DNSFILTER.rpz.example"), apex, wire::rr_type::txt, txt, why);
  REQUIRE(e);
  CHECK(e->what == kind::entry);
  CHECK(e->key == "xx-1");
  CHECK(e->name.to_string() == "XX-1.");
  CHECK(e->meta.id == "XX-1");
  CHECK(e->meta.category == "backdoor");
  CHECK(e->meta.start == match::since_always);
  CHECK(e->meta.end == lists::parse_date("2025-04-01").value());

  const std::string_view link_text[] = {"XX-1"};
  txt.texts = link_text;
  auto l = lists::interpret_rpz(owner("*.a.b.link._dnsfilter.rpz.example"), apex, wire::rr_type::txt, txt, why);
  REQUIRE(l);
  CHECK(l->what == kind::link);
  CHECK(l->wildcard);
  CHECK(l->name.to_string() == "a.b.");
  CHECK(l->key == "xx-1");

  CHECK(lists::interpret_rpz(owner("rpz.example"), apex, wire::rr_type::soa, {}, why)->what == kind::skipped);
  CHECK(lists::interpret_rpz(owner("x.rpz-ip.rpz.example"), apex, wire::rr_type::cname, cname_root, why)->what ==
        kind::skipped);
  CHECK(lists::interpret_rpz(owner("x.example"), apex, wire::rr_type::cname, cname_root, why).error() ==
        errc::invalid_list_line);
  CHECK(why == "owner x.example. is outside the zone rpz.example.");
  CHECK(lists::interpret_rpz(owner("*.rpz.example"), apex, wire::rr_type::cname, cname_root, why).error() ==
        errc::invalid_list_line);
  lists::rpz_rdata bad_address;
  bad_address.well_formed_address = false;
  CHECK(!lists::interpret_rpz(owner("a.rpz.example"), apex, wire::rr_type::aaaa, bad_address, why));
  CHECK(why == "AAAA record needs one IPv6 address");
  CHECK(!lists::interpret_rpz(owner("a.rpz.example"), apex, wire::rr_type::cname, {}, why));
}

TEST_CASE("rpz: interpret_rpz from a transfer's records (compressed names, TXT on the wire)") {
  const auto apex = wire::name::from_text("rpz.example").value();
  auto dn = [](const char* t) { return wire::name::from_text(t).value(); };
  const auto entry_txt = txt_rdata({"id=XX-20250109-0001", "category=information theft", "start=2025-01-09",
                                    "end=2025-04-01", "unknown=kept quiet"});
  const auto link_txt = txt_rdata({"xx-20250109-0001"});
  const auto bad_date = txt_rdata({"id=B", "start=2025-13-01"});
  const auto dup = txt_rdata({"id=B", "id=C"});
  std::vector<std::string> many_strings(250, "u=" + std::string(248, 'u'));  // about 63 KB of unknown fields
  std::vector<std::byte> huge;
  for (const auto& str : many_strings) {
    huge.push_back(static_cast<std::byte>(str.size()));
    for (char c : str) huge.push_back(static_cast<std::byte>(c));
  }
  const auto two_keys = txt_rdata({"a", "b"});
  const std::vector<zone_record_spec> records = {
      {"c2.evil.example.rpz.example", wire::rr_type::cname, wire::rdata::cname{dn("rpz-passthru")}},
      {"*.c2.evil.example.rpz.example", wire::rr_type::cname, wire::rdata::cname{dn("*")}},
      {"xx-20250109-0001.entry._dnsfilter.rpz.example", wire::rr_type::txt, wire::rdata::txt{entry_txt}},
      {"c2.evil.example.link._dnsfilter.rpz.example", wire::rr_type::txt, wire::rdata::txt{link_txt}},
      {"sink.rpz.example", wire::rr_type::a, wire::rdata::a{}},
      {"b.entry._dnsfilter.rpz.example", wire::rr_type::txt, wire::rdata::txt{bad_date}},
      {"c.entry._dnsfilter.rpz.example", wire::rr_type::txt, wire::rdata::txt{dup}},
      {"h.entry._dnsfilter.rpz.example", wire::rr_type::txt, wire::rdata::txt{huge}},
      {"x.link._dnsfilter.rpz.example", wire::rr_type::txt, wire::rdata::txt{two_keys}},
      {"walled.rpz.example", wire::rr_type::cname, wire::rdata::cname{dn("garden.rpz.example")}},
  };
  const auto bytes = make_zone_message("rpz.example", records);
  const auto message = wire::message_view::parse(bytes).value();
  std::vector<std::string> seen;
  lists::rpz_scratch scratch;
  for (const auto& rr : message.records(wire::section::answer)) {
    std::string why;
    const auto item = lists::interpret_rpz(message, rr, apex, scratch, why);
    if (!item) {
      seen.push_back("invalid: " + why);
      continue;
    }
    std::string line = item->what == kind::trigger ? "trigger" : item->what == kind::entry ? "entry" : item->what == kind::link ? "link" : "skipped";
    line += std::string(" ") + (item->wildcard ? "*." : "") + item->name.to_string();
    if (item->what == kind::trigger) line += std::string(" ") + match::to_string(item->action);
    if (!item->key.empty()) line += " key=" + item->key;
    if (item->what == kind::entry)
      line += " " + item->meta.id + "|" + item->meta.category + "|" + lists::format_utc_time(item->meta.start) + "|" +
              lists::format_utc_time(item->meta.end);
    seen.push_back(line);
  }
  CHECK(seen == std::vector<std::string>{
                    "trigger c2.evil.example. pass",
                    "trigger *.c2.evil.example. nodata",
                    "entry xx-20250109-0001. key=xx-20250109-0001 XX-20250109-0001|information theft|2025-01-09|"
                    "2025-04-01",
                    "link c2.evil.example. key=xx-20250109-0001",
                    "trigger sink. sinkhole",
                    "invalid: entry 'b': start '2025-13-01' is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ",
                    "invalid: entry 'c': 'id' given twice",
                    "entry h. key=h |||",
                    "invalid: a link holds one string, an entry key of 1 to 63 octets",
                    "trigger walled. sinkhole",
                });
}

TEST_CASE("rpz: the text and wire paths agree on the same records") {
  // The zone file the writer makes, loaded as text, and the same records as a
  // transfer would carry them, interpreted one by one: the same items.
  const std::string_view text =
      "$ORIGIN rpz.example.\n"
      "k.entry._dnsfilter TXT \"id=K\" \"category=c\\\"q\\\\\" \"start=2025-01-09T01:02:03Z\"\n"
      "a.example.link._dnsfilter TXT \"k\"\n"
      "a.example CNAME rpz-drop.\n";
  match::catalogue cat;
  load_ok(lists::load_rpz, text, cat);
  REQUIRE(cat.entries().size() == 1);
  CHECK(cat.entries()[0].category == "c\"q\\");
  CHECK(cat.entries()[0].start == lists::parse_utc_time("2025-01-09T01:02:03Z").value());
  CHECK(dump(cat) == std::vector<std::string>{"a.example drop exact [K]"});

  const auto entry_txt = txt_rdata({"id=K", "category=c\"q\\", "start=2025-01-09T01:02:03Z"});
  const auto bytes = make_zone_message(
      "rpz.example", {{"k.entry._dnsfilter.rpz.example", wire::rr_type::txt, wire::rdata::txt{entry_txt}}});
  const auto message = wire::message_view::parse(bytes).value();
  lists::rpz_scratch scratch;
  std::string why;
  const auto item = lists::interpret_rpz(message, *message.records(wire::section::answer).begin(),
                                         wire::name::from_text("rpz.example").value(), scratch, why);
  REQUIRE(item);
  CHECK(item->meta.category == cat.entries()[0].category);
  CHECK(item->meta.start == cat.entries()[0].start);
}

TEST_CASE("rpz: write_rpz, then load_rpz, gives the catalogue back") {
  match::catalogue original;
  lists::load_options opt;
  opt.action = match::action::nxdomain;
  load_ok(lists::load_catalogue,
          "id\tcategory\tstart\tend\tfqdns\taction\n"
          "XX-20250109-0001\tinformation theft\t2025-01-09\t2025-04-01\tc2.evil.example;backup.evil.example\t\n"
          "XX-20250110-0002\tbackdoor, \"remote\" shell\t2025-01-10\t\t=exact.example *.wild.example\tsinkhole\n"
          "Weird Id/3\tcaf\xC3\xA9\t2024-12-31\t2025-12-31\tdrop.example\tdrop\n"
          "XX-4\tallowed\t2025-01-01\t\tok.c2.evil.example\tpass\n"
          "xx-4\tcase twin\t2025-01-01\t\tnodata.example\tnodata\n",
          original, opt);
  lists::rpz_write_options wopt;
  wopt.origin = wire::name::from_text("rpz.example").value();
  wopt.serial = 2025010901;
  std::string zone;
  const auto report = lists::write_rpz(original, wopt, zone);
  REQUIRE(report);
  CHECK(report->notes.empty());
  CHECK(report->entries == 5);
  CHECK(report->links == 12);
  CHECK(report->triggers == 12);
  CHECK(zone.find("xx-20250109-0001.entry._dnsfilter TXT \"id=XX-20250109-0001\" \"category=information theft\" "
                  "\"start=2025-01-09\" \"end=2025-04-01\"\n") != std::string::npos);
  CHECK(zone.find("\"category=backdoor, \\\"remote\\\" shell\"") != std::string::npos);
  CHECK(zone.find("\"category=caf\\195\\169\"") != std::string::npos);
  CHECK(zone.find("*.wild.example A 0.0.0.0\n*.wild.example AAAA ::\n") != std::string::npos);
  CHECK(zone.find("\nwild.example ") == std::string::npos);
  CHECK(zone.find("ok.c2.evil.example CNAME rpz-passthru.\n") != std::string::npos);
  CHECK(zone.find("SOA localhost. hostmaster ( 2025010901 ") != std::string::npos);

  match::catalogue back;
  lists::load_options strict;
  strict.strict = true;
  const auto rep = load_ok(lists::load_rpz, zone, back, strict);
  CHECK(rep.invalid == 0);
  CHECK(entries_of(back) == entries_of(original));
  CHECK(sorted_rules(back) == sorted_rules(original));

  // Deterministic: the same catalogue, loaded in another order, gives the same bytes.
  std::string again;
  REQUIRE(lists::write_rpz(back, wopt, again));
  CHECK(again == zone);
}

TEST_CASE("rpz: write_rpz notes what a zone cannot say") {
  match::catalogue cat;
  lists::load_options refused;
  refused.action = match::action::refused;
  refused.id = "R-1";
  load_ok(lists::load_plain, "refused.example\n", cat, refused);
  lists::load_options first;
  first.id = "F-1";
  load_ok(lists::load_plain, "twice.example\n", cat, first);
  lists::load_options second;
  second.id = "S-1";
  second.action = match::action::nxdomain;
  load_ok(lists::load_plain, "twice.example\n", cat, second);
  lists::rpz_write_options wopt;
  std::string zone;
  auto report = lists::write_rpz(cat, wopt, zone);
  REQUIRE(report);
  CHECK(report->notes == std::vector<std::string>{
                             "refused.example.: entry 'R-1' answers REFUSED, which a response policy zone cannot say; "
                             "left out",
                             "twice.example.: also in entry 'S-1' (nxdomain); the zone keeps entry 'F-1' (sinkhole)",
                             "*.twice.example.: also in entry 'S-1' (nxdomain); the zone keeps entry 'F-1' (sinkhole)"});
  CHECK(zone.find("refused") == std::string::npos);
  wopt.sinkhole_ipv4 = "::1";
  CHECK(lists::write_rpz(cat, wopt, zone).error() == errc::invalid_argument);
}

TEST_CASE("rpz: entry dates without a time begin at midnight in the reader's zone; a UTC time stays UTC") {
  const auto tokyo = dnsfilter::stats::zone::parse("+09:00").value();
  lists::load_options options;
  options.time_zone = tokyo;
  match::catalogue cat;
  REQUIRE(lists::load_rpz(metadata_zone, cat, options));
  CHECK(entries_of(cat)[0] == "XX-0001|information theft|2025-01-08T15:00:00Z|2025-04-01T12:00:00Z|nxdomain");
  // The wire path takes the zone too.
  const std::string_view texts[] = {"id=XX-1", "start=2025-01-09", "end=2025-01-10T00:00:00Z"};
  lists::rpz_rdata txt;
  txt.texts = texts;
  std::string why;
  const auto apex = wire::name::from_text("rpz.example.").value();
  const auto owner = wire::name::from_text("xx-1.entry._dnsfilter.rpz.example.").value();
  const auto item = lists::interpret_rpz(owner, apex, wire::rr_type::txt, txt, why, tokyo);
  REQUIRE_MESSAGE(item.has_value(), why);
  CHECK(lists::format_utc_time(item->meta.start) == "2025-01-08T15:00:00Z");
  CHECK(lists::format_utc_time(item->meta.end) == "2025-01-10");
}
