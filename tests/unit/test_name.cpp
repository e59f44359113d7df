// Names: presentation form (escapes, limits), uncompressed wire form,
// comparison, label navigation and canonical order. Compressed names inside
// messages (read_name) are in test_read_name.cpp.
#include <dnsfilter/wire/name.hpp>

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
