// hosts files: addresses, several names per line, comments anywhere, the
// machine's own names skipped, real mappings skipped, and IP parsing.
#include <dnsfilter/lists/hosts.hpp>

#include "lists_helpers.hpp"

using namespace dnsfilter_test;

TEST_CASE("hosts: block addresses, several names, comments, local names") {
  match::catalogue cat;
  const auto rep = load_ok(lists::load_hosts,
                           "# StevenBlack-style header\n"
                           "127.0.0.1 localhost\n"
                           "127.0.0.1 localhost.localdomain\n"
                           "255.255.255.255 broadcasthost\n"
                           "::1 localhost ip6-localhost ip6-loopback\n"
                           "fe80::1%lo0 localhost\n"
                           "0.0.0.0 0.0.0.0\n"
                           "0.0.0.0 Ads.Example   tracker.example # several\n"
                           "127.0.0.1\tevil.example\n"
                           "::  v6.example\n"
                           "0:0:0:0:0:0:0:1 v6b.example.\n"
                           "192.168.1.10 router.lan   # a real mapping, not a block\n",
                           cat);
  CHECK(dump(cat) == std::vector<std::string>{"ads.example sinkhole", "tracker.example sinkhole",
                                              "evil.example sinkhole", "v6.example sinkhole",
                                              "v6b.example sinkhole"});
  CHECK(rep.loaded == 5);
  // localhost x2, broadcasthost, localhost ip6-localhost ip6-loopback, 0.0.0.0, router.lan
  CHECK(rep.skipped == 8);
  // "fe80::1%lo0" is not an address we accept (zone index): one invalid record.
  CHECK(rep.invalid == 1);
  CHECK(has_note(rep, 6, "expected an IP address"));
  CHECK(rep.ignored_lines == 1);
}

TEST_CASE("hosts: invalid names next to good ones, addresses without names, junk") {
  match::catalogue cat;
  const auto rep = load_ok(lists::load_hosts,
                           "0.0.0.0 good.example bad..example also.example\n"
                           "0.0.0.0\n"
                           "just-a-name.example\n"
                           "300.0.0.1 x.example\n",
                           cat);
  CHECK(rep.loaded == 2);
  CHECK(rep.invalid == 4);
  CHECK(has_note(rep, 1, "'bad..example'"));
  CHECK(has_note(rep, 2, "without a name"));
  CHECK(has_note(rep, 3, "expected an IP address"));
  CHECK(has_note(rep, 4, "'300.0.0.1'"));
}

TEST_CASE("hosts: strict failure rolls back") {
  expect_strict_failure(lists::load_hosts, "0.0.0.0 a.example\n0.0.0.0 b.example bad_\xFF.example\n", 2,
                        "invalid UTF-8");
}

TEST_CASE("hosts: IP address parsing") {
  std::array<std::uint8_t, 16> ip;
  using lists::detail::is_null_or_loopback;
  using lists::detail::parse_ip;
  CHECK((parse_ip("0.0.0.0", ip) && is_null_or_loopback(ip)));
  CHECK((parse_ip("127.0.53.53", ip) && is_null_or_loopback(ip)));
  CHECK((parse_ip("::", ip) && is_null_or_loopback(ip)));
  CHECK((parse_ip("::1", ip) && is_null_or_loopback(ip)));
  CHECK((parse_ip("0::0", ip) && is_null_or_loopback(ip)));
  CHECK((parse_ip("192.0.2.1", ip) && !is_null_or_loopback(ip)));
  CHECK((parse_ip("2001:db8::1", ip) && !is_null_or_loopback(ip) && ip[0] == 0x20 && ip[15] == 1));
  CHECK((parse_ip("::ffff:192.0.2.1", ip) && ip[12] == 192 && ip[15] == 1));
  CHECK((parse_ip("1:2:3:4:5:6:7:8", ip) && ip[14] == 0 && ip[15] == 8));
  CHECK(parse_ip("1:2:3:4:5:6:1.2.3.4", ip));
  for (std::string_view bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "1.2.3.4 ", "0001.1.1.1", ":::",
                               "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", ":1", "1:", "g::", "1:2:3:4:5:6:7",
                               "::1.2.3", "1.2.3.4::"}) {
    CHECK_MESSAGE(!parse_ip(bad, ip), bad);
  }
}
