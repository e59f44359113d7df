// RPZ zone files: QNAME triggers, actions, wildcards and their merging,
// $ORIGIN/$TTL, relative and absolute owners, parentheses, skipped records.
#include <dnsfilter/lists/rpz.hpp>

#include "lists_helpers.hpp"

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
