// Addresses and prefixes: IPv4 and IPv6 text in and out (RFC 5952), hostile
// text, raw bytes, prefixes and their host bits.
#include <dnsfilter/policy/address.hpp>

#include <doctest/doctest.h>

#include "addresses.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using dnsfilter::errc;
using dnsfilter::policy::ip_address;
using dnsfilter::policy::ip_family;
using dnsfilter::policy::ip_prefix;
using dnsfilter_test::addr;
using dnsfilter_test::pfx;

namespace {

errc address_error(std::string_view text) { return ip_address::parse(text).error(); }
errc prefix_error(std::string_view text) { return ip_prefix::parse(text).error(); }

std::string canon(std::string_view text) { return addr(text).to_string(); }

}  // namespace

TEST_CASE("ip_address: IPv4 text") {
  CHECK(addr("192.0.2.1") == ip_address::v4(192, 0, 2, 1));
  CHECK(addr("0.0.0.0") == ip_address::v4(0u));
  CHECK(addr("255.255.255.255").v4_value() == 0xffffffffu);
  CHECK(addr("10.0.0.1").family() == ip_family::v4);
  CHECK(canon("192.0.2.1") == "192.0.2.1");
  CHECK(canon("0.0.0.0") == "0.0.0.0");

  CHECK(address_error("") == errc::truncated);
  CHECK(address_error("1.2.3") == errc::truncated);
  CHECK(address_error("1.2.3.") == errc::truncated);
  CHECK(address_error("256.1.1.1") == errc::out_of_range);
  CHECK(address_error("1.2.3.256") == errc::out_of_range);
  CHECK(address_error("1.2.3.1000") == errc::out_of_range);
  CHECK(address_error("1.2.3.4.5") == errc::bad_character);
  CHECK(address_error("01.2.3.4") == errc::bad_character);   // leading zero: octal to inet_aton
  CHECK(address_error("1.2.3.00") == errc::bad_character);
  CHECK(address_error(" 1.2.3.4") == errc::bad_character);   // no trimming
  CHECK(address_error("1.2.3.4 ") == errc::bad_character);
  CHECK(address_error("1.2.3.4\n") == errc::bad_character);
  CHECK(address_error("1..3.4") == errc::bad_character);
  CHECK(address_error("-1.2.3.4") == errc::bad_character);
  CHECK(address_error("+1.2.3.4") == errc::bad_character);
  CHECK(address_error("0x7f.0.0.1") == errc::bad_character);
  CHECK(address_error("1.2.3.4/8") == errc::bad_character);  // a prefix is not an address
  CHECK(address_error(std::string_view("1.2.3.\0", 7)) == errc::bad_character);
  CHECK(address_error("a.b.c.d") == errc::bad_character);
}

TEST_CASE("ip_address: IPv6 text and RFC 5952 output") {
  CHECK(addr("::") == ip_address::v6(0, 0));
  CHECK(addr("::1") == ip_address::v6(0, 1));
  CHECK(addr("2001:db8::1") == ip_address::v6(0x20010db800000000ULL, 1));
  CHECK(addr("2001:DB8:0:0:0:0:0:1") == addr("2001:db8::1"));
  CHECK(addr("2001:0db8:0000:0000:0000:0000:0000:0001") == addr("2001:db8::1"));  // leading zeros allowed
  CHECK(addr("1::") == ip_address::v6(0x0001000000000000ULL, 0));
  CHECK(addr("1:2:3:4:5:6:7::") == addr("1:2:3:4:5:6:7:0"));
  CHECK(addr("::2:3:4:5:6:7:8") == addr("0:2:3:4:5:6:7:8"));
  CHECK(addr("::ffff:192.0.2.1").is_v4_mapped());
  CHECK(addr("::ffff:192.0.2.1").unmapped() == addr("192.0.2.1"));
  CHECK(addr("192.0.2.1").mapped() == addr("::ffff:c000:201"));
  CHECK(addr("64:ff9b::192.0.2.1") == addr("64:ff9b::c000:201"));
  CHECK(addr("1:2:3:4:5:6:1.2.3.4") == addr("1:2:3:4:5:6:102:304"));

  CHECK(canon("2001:DB8:0:0:0:0:0:1") == "2001:db8::1");
  CHECK(canon("0:0:0:0:0:0:0:0") == "::");
  CHECK(canon("0:0:0:0:0:0:0:1") == "::1");
  CHECK(canon("1:0:0:0:0:0:0:0") == "1::");
  CHECK(canon("2001:db8:0:1:1:1:1:1") == "2001:db8:0:1:1:1:1:1");  // one zero group is not "::"
  CHECK(canon("2001:0:0:1:0:0:0:1") == "2001:0:0:1::1");           // the longest run
  CHECK(canon("2001:db8:0:0:1:0:0:1") == "2001:db8::1:0:0:1");      // the first of equal runs
  CHECK(canon("::ffff:c000:201") == "::ffff:192.0.2.1");            // mapped: RFC 5952 §5
  CHECK(canon("::c000:201") == "::c000:201");                        // compatible: hex
  CHECK(canon("fe80::abcd:ef01") == "fe80::abcd:ef01");

  CHECK(address_error(":") == errc::bad_character);
  CHECK(address_error(":::") == errc::bad_character);
  CHECK(address_error("::1::") == errc::bad_character);
  CHECK(address_error("1::2::3") == errc::bad_character);
  CHECK(address_error(":1::") == errc::bad_character);
  CHECK(address_error("1:") == errc::truncated);
  CHECK(address_error("1::2:") == errc::truncated);
  CHECK(address_error("1:2:3:4:5:6:7") == errc::truncated);
  CHECK(address_error("1:2:3:4:5:6:7:8:9") == errc::out_of_range);   // too many groups
  CHECK(address_error("1:2:3:4:5:6:7:8::") == errc::out_of_range);   // "::" for no group
  CHECK(address_error("::1:2:3:4:5:6:7:8") == errc::out_of_range);
  CHECK(address_error("12345::") == errc::out_of_range);
  CHECK(address_error("00000::") == errc::out_of_range);
  CHECK(address_error("g::") == errc::bad_character);
  CHECK(address_error("fe80::1%eth0") == errc::bad_character);  // zone ids refused
  CHECK(address_error(" ::1") == errc::bad_character);
  CHECK(address_error("::1 ") == errc::bad_character);
  CHECK(address_error("[::1]") == errc::bad_character);
  CHECK(address_error("::ffff:1.2.3") == errc::truncated);
  CHECK(address_error("::ffff:1.2.3.256") == errc::out_of_range);
  CHECK(address_error("::1.2.3.4:5") == errc::bad_character);  // IPv4 only last
  CHECK(address_error("1:2:3:4:5:6:7:1.2.3.4") == errc::out_of_range);
  CHECK(address_error("::ffff:01.2.3.4") == errc::bad_character);
}

TEST_CASE("ip_address: huge and odd input fails fast, never overruns") {
  const std::string ones(1'000'000, '1');
  CHECK(address_error(ones) == errc::out_of_range);
  const std::string colons(1'000'000, ':');
  CHECK(address_error(colons) == errc::bad_character);
  std::string groups;
  for (int i = 0; i < 100'000; ++i) groups += "1:";
  CHECK(address_error(groups) == errc::out_of_range);
  CHECK(prefix_error(ones) == errc::bad_character);
  CHECK(prefix_error("10.0.0.0/" + ones) == errc::out_of_range);
}

TEST_CASE("ip_address: raw bytes and text buffers") {
  const std::array<std::uint8_t, 4> b4{192, 0, 2, 1};
  const std::array<std::uint8_t, 16> b6{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  CHECK(*ip_address::from_bytes(std::span<const std::uint8_t>(b4)) == addr("192.0.2.1"));
  CHECK(*ip_address::from_bytes(std::span<const std::uint8_t>(b6)) == addr("2001:db8::1"));
  CHECK(ip_address::from_bytes(std::span<const std::uint8_t>(b6.data(), 5)).error() == errc::out_of_range);
  CHECK(ip_address::from_bytes(std::span<const std::uint8_t>()).error() == errc::out_of_range);
  const ip_address a6 = addr("2001:db8::1");
  auto b = a6.bytes();  // a view into a6
  CHECK(b.size() == 16);
  CHECK((b[0] == 0x20 && b[15] == 1));
  CHECK(addr("192.0.2.1").bytes().size() == 4);

  std::array<char, 64> buf;
  const ip_address longest = addr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  auto n = longest.to_text(buf);
  REQUIRE(n.has_value());
  CHECK(*n == 39);
  CHECK(longest.to_text(std::span<char>(buf.data(), 38)).error() == errc::no_space);
  CHECK(ip_address::v4(0u).to_text(std::span<char>()).error() == errc::no_space);
  CHECK(addr("10.0.0.1") < addr("::"));  // IPv4 sorts first
}

TEST_CASE("ip_prefix: parse, policy on host bits, contains") {
  CHECK(pfx("10.0.0.0/8").length() == 8);
  CHECK(pfx("10.0.0.0/8").address() == addr("10.0.0.0"));
  CHECK(pfx("0.0.0.0/0").length() == 0);
  CHECK(pfx("192.0.2.1/32").length() == 32);
  CHECK(pfx("2001:db8::/32").address() == addr("2001:db8::"));
  CHECK(pfx("::/0").family() == ip_family::v6);
  CHECK(pfx("::1/128").length() == 128);
  CHECK(pfx("2001:db8::/32").to_string() == "2001:db8::/32");
  CHECK(pfx("::ffff:10.0.0.0/104").to_string() == "::ffff:10.0.0.0/104");

  CHECK(prefix_error("") == errc::truncated);
  CHECK(prefix_error("10.0.0.0") == errc::bad_character);  // a length is required
  CHECK(prefix_error("10.0.0.0/") == errc::truncated);
  CHECK(prefix_error("/8") == errc::truncated);
  CHECK(prefix_error("1.2.3.4/33") == errc::out_of_range);
  CHECK(prefix_error("::/129") == errc::out_of_range);
  CHECK(prefix_error("::/1280") == errc::out_of_range);
  CHECK(prefix_error("10.0.0.0/08") == errc::bad_character);
  CHECK(prefix_error("10.0.0.0/-8") == errc::bad_character);
  CHECK(prefix_error("10.0.0.0/+8") == errc::bad_character);
  CHECK(prefix_error("10.0.0.0/8 ") == errc::bad_character);
  CHECK(prefix_error("10.0.0.0 /8") == errc::bad_character);
  CHECK(prefix_error("10.0.0.0/8/8") == errc::bad_character);
  CHECK(prefix_error("10.1.2.3/8") == errc::out_of_range);  // host bits set: refused
  CHECK(prefix_error("2001:db8::1/64") == errc::out_of_range);
  CHECK(prefix_error("0.0.0.1/0") == errc::out_of_range);
  CHECK(prefix_error("256.0.0.0/8") == errc::out_of_range);

  auto m = ip_prefix::masked(addr("10.1.2.3"), 8);
  REQUIRE(m.has_value());
  CHECK(*m == pfx("10.0.0.0/8"));
  CHECK(*ip_prefix::masked(addr("2001:db8:ffff::1"), 33) == pfx("2001:db8:8000::/33"));
  CHECK(ip_prefix::masked(addr("10.1.2.3"), 33).error() == errc::out_of_range);
  CHECK(ip_prefix::make(addr("10.1.2.3"), 8).error() == errc::out_of_range);
  CHECK(ip_prefix::make(addr("10.1.2.3"), 32).has_value());

  CHECK(pfx("10.0.0.0/8").contains(addr("10.255.0.1")));
  CHECK_FALSE(pfx("10.0.0.0/8").contains(addr("11.0.0.0")));
  CHECK(pfx("0.0.0.0/0").contains(addr("1.2.3.4")));
  CHECK_FALSE(pfx("0.0.0.0/0").contains(addr("::1")));
  CHECK_FALSE(pfx("10.0.0.0/8").contains(addr("::ffff:10.0.0.1")));
  CHECK(pfx("2001:db8::/33").contains(addr("2001:db8:7fff::1")));
  CHECK_FALSE(pfx("2001:db8::/33").contains(addr("2001:db8:8000::")));
}
