// UTF-8 names to A-labels: Punycode (RFC 3492 section 7.1 samples) and
// name_from_utf8 (lower-casing, character policy, UTF-8 validation, limits).
#include <dnsfilter/lists/idna.hpp>

#include "hex.hpp"

#include <array>
#include <string>
#include <vector>

using dnsfilter::errc;
using dnsfilter::lists::name_from_utf8;
using dnsfilter::lists::punycode_encode;

namespace {

std::string puny(std::vector<char32_t> cps) {
  std::array<char, 256> out;
  auto r = punycode_encode(cps, out);
  REQUIRE(r.has_value());
  return std::string(out.data(), *r);
}

std::string a_name(std::string_view utf8) {
  auto r = name_from_utf8(utf8);
  REQUIRE_MESSAGE(r.has_value(), "name_from_utf8 failed: " << dnsfilter::to_string(r.error()));
  return r->to_string();
}

errc error_of(std::string_view utf8) { return name_from_utf8(utf8).error(); }

}  // namespace

TEST_CASE("punycode: RFC 3492 section 7.1 samples") {
  // (A) Arabic (Egyptian)
  CHECK(puny({0x644, 0x64A, 0x647, 0x645, 0x627, 0x628, 0x62A, 0x643, 0x644, 0x645, 0x648, 0x634, 0x639, 0x631,
              0x628, 0x64A, 0x61F}) == "egbpdaj6bu4bxfgehfvwxn");
  // (B) Chinese (simplified)
  CHECK(puny({0x4ED6, 0x4EEC, 0x4E3A, 0x4EC0, 0x4E48, 0x4E0D, 0x8BF4, 0x4E2D, 0x6587}) == "ihqwcrb4cv8a8dqg056pqjye");
  // (I) Russian; the RFC shows one digit upper-case as a case annotation, which an encoder need not emit.
  CHECK(puny({0x43F, 0x43E, 0x447, 0x435, 0x43C, 0x443, 0x436, 0x435, 0x43E, 0x43D, 0x438, 0x43D, 0x435, 0x433,
              0x43E, 0x432, 0x43E, 0x440, 0x44F, 0x442, 0x43F, 0x43E, 0x440, 0x443, 0x441, 0x441, 0x43A, 0x438}) ==
        "b1abfaaepdrnnbgefbadotcwatmq2g4l");
  // (L) 3<nen>B<gumi><kinpachi><sensei>: basic code points keep their case.
  CHECK(puny({0x33, 0x5E74, 0x42, 0x7D44, 0x91D1, 0x516B, 0x5148, 0x751F}) == "3B-ww4c5e180e575a65lsy2b");
  // (R) <sono><supiido><de>
  CHECK(puny({0x305D, 0x306E, 0x30B9, 0x30D4, 0x30FC, 0x30C9, 0x3067}) == "d9juau41awczczp");
  // (S) -> $1.00 <-  (only basic code points: a trailing delimiter)
  CHECK(puny({0x2D, 0x3E, 0x20, 0x24, 0x31, 0x2E, 0x30, 0x30, 0x20, 0x3C, 0x2D}) == "-> $1.00 <--");
}

TEST_CASE("punycode: a short buffer is refused, code points past U+10FFFF too") {
  std::array<char, 4> small;
  std::vector<char32_t> cps{0x4ED6, 0x4EEC, 0x4E3A, 0x4EC0, 0x4E48};
  CHECK(punycode_encode(cps, small).error() == errc::no_space);
  std::vector<char32_t> bad{0x110000};
  std::array<char, 32> out;
  CHECK(punycode_encode(bad, out).error() == errc::out_of_range);
  CHECK(punycode_encode({}, out).value() == 0);
}

TEST_CASE("name_from_utf8: known A-labels") {
  CHECK(a_name("bücher.example") == "xn--bcher-kva.example.");
  CHECK(a_name("münchen.de") == "xn--mnchen-3ya.de.");
  CHECK(a_name("例え.テスト") == "xn--r8jz45g.xn--zckzah.");
  CHECK(a_name("Bücher.EXAMPLE.") == "xn--bcher-kva.example.");  // ASCII letters lower-cased, one final dot
  CHECK(a_name("WWW.Example.COM") == "www.example.com.");
  CHECK(a_name("_dmarc.example") == "_dmarc.example.");
  CHECK(a_name("xn--bcher-kva.example") == "xn--bcher-kva.example.");  // A-labels pass through
  CHECK(a_name(".") == ".");
}

TEST_CASE("name_from_utf8: refusals") {
  CHECK(error_of("") == errc::empty_label);
  CHECK(error_of("a..b") == errc::empty_label);
  CHECK(error_of(".a") == errc::empty_label);
  CHECK(error_of("a b") == errc::bad_character);
  CHECK(error_of("*.example") == errc::bad_character);
  CHECK(error_of("http://x") == errc::bad_character);
  CHECK(error_of("a\\046b") == errc::bad_character);  // no escapes in list files
  CHECK(error_of(std::string_view("a\0b", 3)) == errc::bad_character);
  CHECK(error_of("b\xC3") == errc::bad_utf8);              // truncated sequence
  CHECK(error_of("\xC0\xAF.example") == errc::bad_utf8);   // overlong '/'
  CHECK(error_of("\xED\xA0\x80.example") == errc::bad_utf8);  // a surrogate
  CHECK(error_of("\xF4\x90\x80\x80.example") == errc::bad_utf8);  // past U+10FFFF
  CHECK(error_of("\xFF\xFE.example") == errc::bad_utf8);
  CHECK(error_of("a\xC2\x85" "b.example") == errc::bad_character);  // C1 control NEL
  CHECK(error_of("\xEF\xBB\xBF" "bom.example") == errc::bad_character);  // U+FEFF inside a name
  CHECK(error_of(std::string(64, 'a')) == errc::label_too_long);
  CHECK(name_from_utf8(std::string(63, 'a')).has_value());
  // 60 code points cannot fit after "xn--"; 10 kB of them are not scanned to the end.
  std::string long_u;
  for (int i = 0; i < 60; ++i) long_u += "ü";
  CHECK(error_of(long_u) == errc::label_too_long);
  std::string huge;
  for (int i = 0; i < 5000; ++i) huge += "ü";
  CHECK(error_of(huge) == errc::label_too_long);
  // 255 octets at most in wire form.
  std::string name;
  for (int i = 0; i < 4; ++i) name += std::string(63, 'a') + ".";
  CHECK(error_of(name) == errc::name_too_long);  // 4 * 64 + 1 = 257 octets
  name = std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + "." + std::string(61, 'd');
  auto ok = name_from_utf8(name);  // 3 * 64 + 62 + 1 = 255 octets
  REQUIRE(ok.has_value());
  CHECK(ok->size() == 255);
}
