// Names: presentation form (escapes, limits), uncompressed wire form,
// comparison, label navigation and canonical order, and compressed names
// inside messages (read_name: pointers, hop limit, 255-octet limit).
#include <dnsfilter/wire/message.hpp>
#include <dnsfilter/wire/name.hpp>
#include <dnsfilter/wire/writer.hpp>

#include "hex.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

using dnsfilter::errc;
using dnsfilter::wire::name;
using dnsfilter::wire::name_view;
using dnsfilter_test::hex;
using dnsfilter_test::to_hex;

namespace {

name dn(std::string_view text) {
  auto r = name::from_text(text);
  REQUIRE_MESSAGE(r, "from_text(\"" << std::string(text) << "\") failed: " << dnsfilter::to_string(r.error()));
  return *r;
}

errc text_error(std::string_view text) {
  auto r = name::from_text(text);
  return r ? errc::ok : r.error();
}

errc wire_error(const std::vector<std::byte>& bytes) {
  auto r = name_view::from_wire(bytes);
  return r ? errc::ok : r.error();
}

// "aaa.aaaa..." with labels of the given lengths, in presentation form.
std::string text_with_labels(std::initializer_list<std::size_t> sizes) {
  std::string out;
  for (std::size_t n : sizes) out += std::string(n, 'a') + '.';
  return out;
}

// The same name in wire form: each label's length octet and its 'a's, then the root.
std::vector<std::byte> wire_with_labels(std::initializer_list<std::size_t> sizes) {
  std::vector<std::byte> out;
  for (std::size_t n : sizes) {
    out.push_back(static_cast<std::byte>(n));
    out.insert(out.end(), n, std::byte{'a'});
  }
  out.push_back(std::byte{0});
  return out;
}

std::vector<std::string> labels_of(name_view n) {
  std::vector<std::string> out;
  for (auto label : n) out.emplace_back(reinterpret_cast<const char*>(label.data()), label.size());
  return out;
}

}  // namespace

TEST_CASE("from_text and to_text round trip, with the wire form in between") {
  struct vector {
    std::string_view text;       // input
    std::string_view canonical;  // to_string() of the parsed name
    std::string_view wire;       // hex of the wire form
    std::size_t labels;
  };
  const vector vectors[] = {
      {".", ".", "00", 0},
      {"com", "com.", "03 636f6d 00", 1},
      {"example.com.", "example.com.", "07 6578616d706c65 03 636f6d 00", 2},
      // Letter case is kept as written (0x20 randomisation must survive).
      {"wWw.ExAmPlE.cOm", "wWw.ExAmPlE.cOm.", "03 775777 07 4578416d506c45 03 634f6d 00", 3},
      // "\." is a dot inside a label: one label "a.b", then "c".
      {"a\\.b.c", "a\\.b.c.", "03 612e62 01 63 00", 2},
      // "\\" is a backslash inside a label.
      {"a\\\\b", "a\\\\b.", "03 615c62 00", 1},
      // \DDD is a decimal octet; printable ones come back as themselves.
      {"\\065bc", "Abc.", "03 416263 00", 1},
      {"\\000.x", "\\000.x.", "01 00 01 78 00", 2},
      {"a\\032b", "a\\032b.", "03 612062 00", 1},  // space
      {"\\127\\255", "\\127\\255.", "02 7fff 00", 1},
      // UTF-8 (or any octet >= 0x80) is printed as \DDD.
      {"caf\\195\\169", "caf\\195\\169.", "05 636166c3a9 00", 1},
      // Raw octets >= 0x80 in the text are accepted as themselves.
      {"caf\xc3\xa9", "caf\\195\\169.", "05 636166c3a9 00", 1},
      // Zone-file specials are escaped with a plain backslash on output.
      {"\\\"\\(\\)\\;\\@\\$", "\\\"\\(\\)\\;\\@\\$.", "06 2228293b4024 00", 1},
      // A backslash before any other character is that character.
      {"\\q\\-", "q-.", "02 712d 00", 1},
      {"*._tcp.x-y", "*._tcp.x-y.", "01 2a 04 5f746370 03 782d79 00", 3},
  };
  for (const auto& v : vectors) {
    CAPTURE(v.text);
    const name n = dn(v.text);
    CHECK(to_hex(n.wire()) == to_hex(hex(v.wire)));
    CHECK(n.size() == hex(v.wire).size());
    CHECK(n.label_count() == v.labels);
    CHECK(n.is_root() == (v.labels == 0));
    CHECK(n.to_string() == v.canonical);
    // The canonical text parses back to the very same bytes.
    CHECK(dn(v.canonical).view().equals_exact(n));
    // And the wire form validates back to the same name.
    const auto wire = hex(v.wire);
    auto w = name_view::from_wire(wire);
    REQUIRE(w);
    CHECK(w->equals_exact(n));
    CHECK(w->label_count() == v.labels);
  }
}

TEST_CASE("from_text rejects empty labels") {
  for (std::string_view text : {"", "..", ".a", "a..b", "a..", "..a", "a.b.."}) {
    CAPTURE(text);
    CHECK(text_error(text) == errc::empty_label);
  }
}

TEST_CASE("label limit: 63 octets, counted after unescaping") {
  CHECK(dn(std::string(63, 'a')).size() == 65);
  CHECK(text_error(std::string(64, 'a')) == errc::label_too_long);
  CHECK(text_error(std::string(64, 'a') + ".com") == errc::label_too_long);
  CHECK(text_error("com." + std::string(64, 'a')) == errc::label_too_long);

  std::string escaped63, escaped64;
  for (int i = 0; i < 63; ++i) escaped63 += "\\097";
  escaped64 = escaped63 + "\\.";
  CHECK(dn(escaped63).view().equals_exact(dn(std::string(63, 'a'))));
  CHECK(text_error(escaped64) == errc::label_too_long);
}

TEST_CASE("name limit: 255 octets of wire form, in text") {
  // 3 labels of 63 and one of 61: 3*64 + 62 + 1 (root) = 255.
  const name longest = dn(text_with_labels({63, 63, 63, 61}));
  CHECK(longest.size() == 255);
  CHECK(to_hex(longest.wire()) == to_hex(wire_with_labels({63, 63, 63, 61})));
  CHECK(text_error(text_with_labels({63, 63, 63, 62})) == errc::name_too_long);
  CHECK(text_error(text_with_labels({63, 63, 63, 61, 1})) == errc::name_too_long);

  // 127 one-octet labels: 127*2 + 1 = 255. One more label is 257.
  std::string many;
  for (int i = 0; i < 127; ++i) many += "a.";
  CHECK(dn(many).size() == 255);
  CHECK(dn(many).label_count() == 127);
  CHECK(text_error(many + "a") == errc::name_too_long);
}

TEST_CASE("name limit: 255 octets of wire form, in wire") {
  auto longest = name_view::from_wire(wire_with_labels({63, 63, 63, 61}));
  REQUIRE(longest);
  CHECK(longest->size() == 255);
  CHECK(longest->label_count() == 4);
  CHECK(wire_error(wire_with_labels({63, 63, 63, 62})) == errc::name_too_long);

  std::vector<std::byte> many;
  for (int i = 0; i < 127; ++i) many.insert(many.end(), {std::byte{1}, std::byte{'a'}});
  many.push_back(std::byte{0});
  CHECK(wire_error(many) == errc::ok);
  many.insert(many.begin(), {std::byte{1}, std::byte{'a'}});
  CHECK(wire_error(many) == errc::name_too_long);
}

TEST_CASE("from_wire validates an uncompressed name") {
  CHECK(wire_error(hex("")) == errc::truncated);
  CHECK(wire_error(hex("03 6162")) == errc::truncated);         // label runs past the end
  CHECK(wire_error(hex("03 616263")) == errc::truncated);       // no root label
  CHECK(wire_error(hex("3f")) == errc::truncated);              // a 63-octet label announced, none given
  CHECK(wire_error(hex("40")) == errc::reserved_label_type);    // 64 = 0b01000000: label type 01
  CHECK(wire_error(hex("01 61 7f")) == errc::reserved_label_type);
  CHECK(wire_error(hex("80")) == errc::reserved_label_type);    // label type 10
  CHECK(wire_error(hex("bf")) == errc::reserved_label_type);
  CHECK(wire_error(hex("c0 0c")) == errc::bad_pointer);         // a pointer is not allowed here
  CHECK(wire_error(hex("01 61 c0 0c")) == errc::bad_pointer);
  CHECK(wire_error(wire_with_labels({63})) == errc::ok);

  // The view covers exactly the name; what follows it is ignored.
  const auto bytes = hex("01 61 00 ff ff");
  auto v = name_view::from_wire(bytes);
  REQUIRE(v);
  CHECK(v->size() == 3);
  CHECK(v->to_string() == "a.");
  CHECK(name::from_wire(hex("01 61 00 ff"))->to_string() == "a.");
  CHECK(name::from_wire(hex("40")).error() == errc::reserved_label_type);
}

TEST_CASE("from_text rejects malformed escapes") {
  for (std::string_view text : {"\\", "a\\", "a.b\\", "\\2", "\\25", "a\\25", "\\25.", "\\2a5", "\\25a",
                                "\\256", "\\999", "\\1x1"}) {
    CAPTURE(text);
    CHECK(text_error(text) == errc::bad_escape);
  }
  CHECK(text_error("\\255") == errc::ok);
  CHECK(text_error("\\2555") == errc::ok);  // \255 then the digit '5'
  CHECK(dn("\\2555").to_string() == "\\2555.");
}

TEST_CASE("from_text rejects unescaped whitespace and control characters") {
  using namespace std::string_view_literals;
  for (std::string_view text : {"a b"sv, "a\tb"sv, "a\nb"sv, "a\rb"sv, "\x01"sv, "a\x1f"sv, "a\x7f"sv, " a"sv,
                                "a "sv, "a\0b"sv}) {
    CAPTURE(to_hex(dnsfilter_test::as_bytes(text)));
    CHECK(text_error(text) == errc::bad_character);
  }
  // Escaped, they are fine.
  CHECK(dn("a\\ b").to_string() == "a\\032b.");
  CHECK(dn("a\\009b").to_string() == "a\\009b.");
}

TEST_CASE("to_text respects the output size") {
  const name n = dn("www.example.com");
  std::array<char, 64> buf{};
  auto full = n.view().to_text(buf);
  REQUIRE(full);
  CHECK(*full == 16);
  CHECK(std::string_view(buf.data(), *full) == "www.example.com.");

  auto exact = n.view().to_text(std::span<char>(buf.data(), 16));
  REQUIRE(exact);
  CHECK(*exact == 16);
  CHECK(n.view().to_text(std::span<char>(buf.data(), 15)).error() == errc::no_space);
  CHECK(n.view().to_text(std::span<char>()).error() == errc::no_space);
  CHECK(name_view{}.to_text(std::span<char>(buf.data(), 1)).value() == 1);
  CHECK(name_view{}.to_text(std::span<char>()).error() == errc::no_space);

  // The longest presentation form fits max_name_text_length: four labels
  // (63, 63, 63, 61 octets), every octet printed as \DDD.
  std::string worst;
  for (std::size_t size : {63, 63, 63, 61}) {
    for (std::size_t i = 0; i < size; ++i) worst += "\\001";
    worst += '.';
  }
  const name w = dn(worst);
  CHECK(w.size() == 255);
  CHECK(w.to_string() == worst);
  CHECK(worst.size() <= dnsfilter::wire::max_name_text_length);
}

TEST_CASE("equality is ASCII case-insensitive; equals_exact is not") {
  const name lower = dn("www.example.com"), mixed = dn("WwW.eXaMpLe.CoM");
  CHECK(lower == mixed);
  CHECK(lower.view().equals(mixed));
  CHECK_FALSE(lower.view().equals_exact(mixed));
  CHECK(lower.view().equals_exact(dn("www.example.com.")));
  CHECK(name{} == name_view{});
  CHECK_FALSE(lower == dn("www.example.co"));
  CHECK_FALSE(dn("a.b") == dn("ab"));       // same letters, different labels
  CHECK_FALSE(dn("a.bc") == dn("ab.c"));    // same size, different label lengths

  // Only A-Z fold: '@' (0x40) / '`' (0x60), '[' (0x5b) / '{' (0x7b) and
  // Latin-1 'Á' (0xc1) / 'á' (0xe1) differ by the same 0x20 bit but are distinct.
  CHECK_FALSE(dn("\\@") == dn("`"));
  CHECK_FALSE(dn("[") == dn("{"));
  CHECK_FALSE(dn("\\193") == dn("\\225"));
  CHECK(dn("Z") == dn("z"));
}

TEST_CASE("to_lower folds A-Z only") {
  name n = dn("WwW.Ex\\@Mple.\\193OM");
  const name copy = n.lowered();
  n.to_lower();
  CHECK(n.to_string() == "www.ex\\@mple.\\193om.");
  CHECK(copy.view().equals_exact(n));
}

TEST_CASE("is_subdomain_of works on whole labels") {
  const name evil = dn("evil.example");
  CHECK(dn("evil.example").view().is_subdomain_of(evil));
  CHECK(dn("a.evil.example").view().is_subdomain_of(evil));
  CHECK(dn("x.y.a.EVIL.Example.").view().is_subdomain_of(evil));
  CHECK_FALSE(dn("notevil.example").view().is_subdomain_of(evil));
  CHECK_FALSE(dn("a.notevil.example").view().is_subdomain_of(evil));
  CHECK_FALSE(dn("example").view().is_subdomain_of(evil));
  CHECK_FALSE(dn("evil.example.com").view().is_subdomain_of(evil));
  // "evil\.example" is one label, not the two labels "evil" and "example".
  CHECK_FALSE(dn("a.evil\\.example").view().is_subdomain_of(dn("example")));
  CHECK_FALSE(dn("evil\\.example").view().is_subdomain_of(evil));
  // Everything is below the root.
  CHECK(evil.view().is_subdomain_of(name_view{}));
  CHECK(name_view{}.is_subdomain_of(name_view{}));
  CHECK_FALSE(name_view{}.is_subdomain_of(evil));
}

TEST_CASE("parent and suffix") {
  const name n = dn("a.b.example.com");
  CHECK(n.view().parent().to_string() == "b.example.com.");
  CHECK(n.view().parent(0).equals_exact(n));
  CHECK(n.view().parent(2).to_string() == "example.com.");
  CHECK(n.view().parent(4).is_root());
  CHECK(n.view().parent(99).is_root());  // clamps at the root
  CHECK(n.view().parent(2).label_count() == 2);
  CHECK(n.view().suffix(1).to_string() == "com.");
  CHECK(n.view().suffix(3).to_string() == "b.example.com.");
  CHECK(n.view().suffix(0).is_root());
  CHECK(n.view().suffix(4).equals_exact(n));
  CHECK(n.view().suffix(9).equals_exact(n));
  // Views share the name's bytes.
  CHECK(n.view().parent().data() == n.data() + 2);
  CHECK(name_view{}.parent().is_root());
}

TEST_CASE("labels iterate left to right; label_offsets lets suffixes go right to left") {
  const name n = dn("www.Example.com");
  CHECK(labels_of(n) == std::vector<std::string>{"www", "Example", "com"});
  CHECK(labels_of(name_view{}).empty());
  CHECK(std::distance(n.view().begin(), n.view().end()) == 3);

  std::array<std::uint8_t, dnsfilter::wire::max_label_count> offs{};
  const std::size_t count = n.view().label_offsets(offs);
  REQUIRE(count == 3);
  CHECK(offs[0] == 0);
  CHECK(offs[1] == 4);
  CHECK(offs[2] == 12);

  // Right to left: "com.", "Example.com.", "www.Example.com." -- how a suffix matcher walks.
  std::vector<std::string> suffixes;
  for (std::size_t i = count; i-- > 0;) {
    auto s = name_view::from_trusted(n.data() + offs[i], n.size() - offs[i], count - i);
    CHECK(s.equals_exact(n.view().suffix(count - i)));
    suffixes.push_back(s.to_string());
  }
  CHECK(suffixes == std::vector<std::string>{"com.", "Example.com.", "www.Example.com."});
  CHECK(name_view{}.label_offsets(offs) == 0);
}

TEST_CASE("compare follows DNSSEC canonical order (RFC 4034 section 6.1)") {
  // The RFC's own example, in its order.
  const std::vector<name> ordered = {
      dn("example"),       dn("a.example"), dn("yljkjljk.a.example"), dn("Z.a.example"),  dn("zABC.a.EXAMPLE"),
      dn("z.example"),     dn("\\001.z.example"), dn("*.z.example"), dn("\\200.z.example"),
  };
  for (std::size_t i = 0; i < ordered.size(); ++i) {
    for (std::size_t j = 0; j < ordered.size(); ++j) {
      CAPTURE(ordered[i].to_string());
      CAPTURE(ordered[j].to_string());
      const int c = ordered[i].view().compare(ordered[j]);
      CHECK((c < 0) == (i < j));
      CHECK((c > 0) == (i > j));
    }
  }
  std::vector<name> shuffled(ordered.rbegin(), ordered.rend());
  std::swap(shuffled[1], shuffled[6]);
  std::sort(shuffled.begin(), shuffled.end(),
            [](const name& a, const name& b) { return a.view().compare(b) < 0; });
  for (std::size_t i = 0; i < ordered.size(); ++i) CHECK(shuffled[i].view().equals_exact(ordered[i]));

  CHECK(dn("EXAMPLE.com").view().compare(dn("example.COM")) == 0);
  CHECK(name_view{}.compare(dn("com")) < 0);
  CHECK(dn("com").view().compare(name_view{}) > 0);
  CHECK(name_view{}.compare(name_view{}) == 0);
  // Labels compare as unsigned octets: 0x80 sorts after 'z'.
  CHECK(dn("z").view().compare(dn("\\128")) < 0);
}

TEST_CASE("name copies and assignment keep the bytes") {
  const name original = dn("MiXeD.example");
  name copy = original;
  CHECK(copy.view().equals_exact(original));
  CHECK(copy.data() != original.data());
  name other;
  CHECK(other.is_root());
  CHECK(other.size() == 1);
  other = original;
  CHECK(other.view().equals_exact(original));
  other = name_view{};
  CHECK(other.is_root());
  const name from_view{original.view().parent()};
  CHECK(from_view.to_string() == "example.");
}

// ---- decompression: pointers, hops and limits (read_name) ----
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

// ---- cases found in a review of the codec; each failed before its fix ----
TEST_CASE("a name assigned a view into itself (its own parent) is copied correctly") {
  // name::assign used memcpy, and a parent view overlaps the destination:
  // undefined behaviour (ASan: memcpy-param-overlap). Walking up a name in
  // place, n = n.view().parent(), is the natural suffix-matching loop.
  auto n = name::from_text("a.b.example.com").value();
  n = n.view().parent(1);
  CHECK(n.to_string() == "b.example.com.");
  CHECK(n.label_count() == 3);
  n = n.view().parent(2);
  CHECK(n.to_string() == "com.");

  auto m = name::from_text("x.y").value();
  const name& alias = m;
  m = alias;  // self-assignment: source and destination are the same bytes
  CHECK(m.to_string() == "x.y.");
}
