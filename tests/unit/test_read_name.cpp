// read_name: compressed names inside a message, and every limit it enforces.
// Each vector is a message body placed after a 12-octet all-zero header, so
// the first body octet is at offset 12 (0x0c).
#include <dnsfilter/wire/name.hpp>

#include "hex.hpp"

#include <string>
#include <string_view>
#include <vector>

using dnsfilter::errc;
using dnsfilter::wire::name;
using dnsfilter::wire::name_extent;
using dnsfilter::wire::read_name;
using dnsfilter::wire::skip_name;
using dnsfilter_test::hex;
using dnsfilter_test::to_hex;

namespace {

constexpr std::string_view zero_header = "0000 0000 0000 0000 0000 0000 ";

std::vector<std::byte> message(std::string_view body) { return hex(std::string(zero_header) + std::string(body)); }

errc read_error(const std::vector<std::byte>& msg, std::size_t offset) {
  name out;
  auto r = read_name(msg, offset, out);
  // skip_name must agree with read_name on every input.
  auto skipped = skip_name(msg, offset);
  CHECK(skipped.error() == r.error());
  return r ? errc::ok : r.error();
}

struct read_result {
  name_extent extent;
  name value;
};

read_result read_ok(const std::vector<std::byte>& msg, std::size_t offset) {
  read_result out;
  auto r = read_name(msg, offset, out.value);
  REQUIRE_MESSAGE(r, "read_name at " << offset << ": " << dnsfilter::to_string(r.error()));
  out.extent = *r;
  return out;
}

// A label of n copies of one octet ("61" is 'a'), in hex.
std::string label_hex(std::size_t n, std::string_view octet = "62") {
  std::string s = to_hex(std::vector<std::byte>{static_cast<std::byte>(n)});
  for (std::size_t i = 0; i < n; ++i) s += octet;
  return s;
}

std::string label63_hex() { return label_hex(63, "61"); }

// "c0 xx" for a pointer to `target`.
std::string pointer_hex(std::size_t target) {
  return to_hex(std::vector<std::byte>{static_cast<std::byte>(0xC0 | target >> 8), static_cast<std::byte>(target)});
}

}  // namespace

TEST_CASE("a compressed name is decompressed, and its extent is where the pointer ends") {
  const auto msg = message(
      "07 6578616d706c65 03 636f6d 00"  // 0x0c: example.com.         (13 octets, to 0x19)
      "03 777777 c00c"                  // 0x19: www + -> 0x0c        (6 octets, to 0x1f)
      "01 61 c014"                      // 0x1f: a + -> 0x14 ("com.") (4 octets, to 0x23)
      "c019");                          // 0x23: -> 0x19 (a pointer to a pointer)

  const auto plain = read_ok(msg, 0x0c);
  CHECK(plain.value.to_string() == "example.com.");
  CHECK(plain.extent.end == 0x19);
  CHECK(plain.extent.size == 13);
  CHECK(plain.extent.labels == 2);
  CHECK_FALSE(plain.extent.compressed);

  const auto www = read_ok(msg, 0x19);
  CHECK(www.value.to_string() == "www.example.com.");
  CHECK(to_hex(www.value.wire()) == "03777777076578616d706c6503636f6d00");
  CHECK(www.extent.end == 0x1f);
  CHECK(www.extent.size == 17);
  CHECK(www.extent.labels == 3);
  CHECK(www.extent.compressed);

  // A pointer into the middle of an earlier name.
  CHECK(read_ok(msg, 0x1f).value.to_string() == "a.com.");
  CHECK(read_ok(msg, 0x1f).extent.end == 0x23);

  // Two hops; the extent ends after the first pointer.
  const auto twice = read_ok(msg, 0x23);
  CHECK(twice.value.to_string() == "www.example.com.");
  CHECK(twice.extent.end == 0x25);

  // skip_name reports the same extent and copies nothing.
  auto skipped = skip_name(msg, 0x23);
  REQUIRE(skipped);
  CHECK(skipped->end == 0x25);
  CHECK(skipped->size == 17);
  CHECK(skipped->labels == 3);
}

TEST_CASE("the root name and a pointer to it") {
  const auto msg = message("00 c00c");
  CHECK(read_ok(msg, 0x0c).value.is_root());
  CHECK(read_ok(msg, 0x0c).extent.end == 0x0d);
  CHECK(read_ok(msg, 0x0d).value.is_root());
  CHECK(read_ok(msg, 0x0d).extent.size == 1);
}

TEST_CASE("pointers must point strictly backwards and not into the header") {
  SUBCASE("a pointer to itself") { CHECK(read_error(message("c00c"), 0x0c) == errc::bad_pointer); }
  SUBCASE("a pointer to the start of its own name") {
    CHECK(read_error(message("01 61 c00c"), 0x0c) == errc::bad_pointer);
  }
  SUBCASE("a forward pointer") { CHECK(read_error(message("c00e 00"), 0x0c) == errc::bad_pointer); }
  SUBCASE("a pointer into the header") {
    for (std::size_t target = 0; target < 12; ++target) {
      CAPTURE(target);
      CHECK(read_error(message("00" + pointer_hex(target)), 0x0d) == errc::bad_pointer);
    }
  }
  SUBCASE("two pointers pointing at each other") {
    // 0x0d: -> 0x0f, 0x0f: -> 0x0d. Read from either end, the loop is refused.
    const auto msg = message("00 c00f c00d");
    CHECK(read_error(msg, 0x0d) == errc::bad_pointer);
    CHECK(read_error(msg, 0x0f) == errc::bad_pointer);
  }
  SUBCASE("a pointer back into the name it is part of") {
    // 0x0c: "a" then -> 0x0c would repeat "a" forever; from 0x0e it is refused too.
    CHECK(read_error(message("01 61 c00c"), 0x0c) == errc::bad_pointer);
    const auto msg = message("00 01 61 c00d");
    CHECK(read_error(msg, 0x0d) == errc::bad_pointer);
  }
  SUBCASE("the largest 14-bit offset") { CHECK(read_error(message("ffff"), 0x0c) == errc::bad_pointer); }
  SUBCASE("a chain whose second hop goes forward again") {
    // 0x0c: 00, 0x0d: 01 61 -> 0x14 (forward), 0x11: 01 62 -> 0x0d
    const auto msg = message("00 01 61 c014 01 62 c00d 00");
    CHECK(read_error(msg, 0x11) == errc::bad_pointer);
  }
}

TEST_CASE("at most max_pointer_hops pointers are followed") {
  // 0x0c: the root; then pointers, each to the one before it: 0x0d -> 0x0c,
  // 0x0f -> 0x0d, 0x11 -> 0x0f, ... Every one points strictly backwards.
  const std::size_t max_hops = dnsfilter::wire::max_pointer_hops;
  std::string body = "00";
  std::size_t prev = 0x0c;
  for (std::size_t i = 0; i < max_hops + 1; ++i) {
    body += pointer_hex(prev);
    prev = 0x0d + 2 * i;
  }
  const auto msg = message(body);
  const std::size_t last_allowed = 0x0d + 2 * (max_hops - 1);
  const auto ok = read_ok(msg, last_allowed);
  CHECK(ok.value.is_root());
  CHECK(ok.extent.end == last_allowed + 2);
  CHECK(read_error(msg, last_allowed + 2) == errc::too_many_pointers);
}

TEST_CASE("reserved label types 01 and 10 are refused") {
  for (std::string_view body : {"40", "7f", "80", "bf", "01 61 40", "01 61 80 00"}) {
    CAPTURE(body);
    CHECK(read_error(message(body), 0x0c) == errc::reserved_label_type);
  }
  // Also behind a pointer.
  CHECK(read_error(message("80 c00c"), 0x0d) == errc::reserved_label_type);
}

TEST_CASE("a name cut short is truncated") {
  for (std::string_view body : {"", "01", "03 6162", "01 61", "c0", "01 61 c0"}) {
    CAPTURE(body);
    CHECK(read_error(message(body), 0x0c) == errc::truncated);
  }
  CHECK(read_error(message("00"), 0x0d) == errc::truncated);     // offset at the end
  CHECK(read_error(message("00"), 0x1000) == errc::truncated);   // offset beyond it
}

TEST_CASE("the decompressed name is limited to 255 octets") {
  // 0x0c:  [63 a's] 00            -> 65 octets
  // 0x4d:  [63 a's] -> 0x0c       -> 129
  // 0x8f:  [63 a's] -> 0x4d       -> 193
  // 0xd1:  [61 b's] -> 0x8f       -> 255: the limit
  // 0x111: [62 b's] -> 0x8f       -> 256: one too many
  const std::string a63 = label63_hex();
  const auto msg = message(a63 + "00" + a63 + "c00c" + a63 + "c04d" + label_hex(61) + "c08f" + label_hex(62) + "c08f");
  CHECK(read_ok(msg, 0x0c).extent.size == 65);
  CHECK(read_ok(msg, 0x4d).extent.size == 129);
  CHECK(read_ok(msg, 0x8f).extent.size == 193);
  const auto longest = read_ok(msg, 0xd1);
  CHECK(longest.extent.size == 255);
  CHECK(longest.value.size() == 255);
  CHECK(longest.value.label_count() == 4);
  CHECK(longest.extent.end == 0xd1 + 62 + 2);
  CHECK(read_error(msg, 0x111) == errc::name_too_long);
}

TEST_CASE("an uncompressed name over 255 octets is refused as soon as it is") {
  std::string body;
  for (int i = 0; i < 4; ++i) body += label63_hex();
  CHECK(read_error(message(body + "00"), 0x0c) == errc::name_too_long);
  // Even when the message ends right after the offending label.
  CHECK(read_error(message(body), 0x0c) == errc::name_too_long);
}
