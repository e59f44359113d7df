// The text helpers the loaders share (detail/text.hpp): lines, blanks,
// tokens, hex digits, UTF-8, and quoting a bad token.
#include <dnsfilter/detail/text.hpp>

#include <doctest/doctest.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace detail = dnsfilter::detail;

TEST_CASE("text: lines — a BOM dropped, LF and CRLF, no terminator needed at the end") {
  detail::line_reader r("\xEF\xBB\xBF" "one\r\ntwo\n\nlast");
  std::vector<std::string> lines;
  for (std::string_view l; r.next(l);) lines.emplace_back(l);
  CHECK(lines == std::vector<std::string>{"one", "two", "", "last"});
  CHECK(r.number() == 4);
  detail::line_reader empty("");
  std::string_view l;
  CHECK_FALSE(empty.next(l));
  detail::line_reader terminated("a\n");
  CHECK(terminated.next(l));
  CHECK(l == "a");
  CHECK_FALSE(terminated.next(l));
}

TEST_CASE("text: trim, tokens, case-insensitive equality, comments") {
  CHECK(detail::trim(" \t a b \t") == "a b");
  CHECK(detail::trim("   ").empty());
  std::string_view s = "  first\tsecond  ";
  CHECK(detail::next_token(s) == "first");
  CHECK(detail::next_token(s) == "second");
  CHECK(detail::next_token(s).empty());
  CHECK(detail::iequals("Opt-Out", "opt-out"));
  CHECK_FALSE(detail::iequals("opt-out", "opt-ou"));
  CHECK(detail::strip_hash_comment("name # note") == "name ");
  CHECK(detail::strip_hash_comment("#all") == "");
  CHECK(detail::strip_hash_comment("a#b") == "a#b");  // '#' inside a token is not a comment
}

TEST_CASE("text: hex digits both ways") {
  for (int v = 0; v < 16; ++v) CHECK(detail::hex_value(detail::hex_digits[v]) == v);
  CHECK(detail::hex_value('F') == 15);
  CHECK(detail::hex_value('g') == -1);
  CHECK(detail::hex_value('\0') == -1);
}

TEST_CASE("text: UTF-8 — valid sequences decode, overlong forms and surrogates do not") {
  auto decode = [](std::string_view t) {
    std::size_t i = 0;
    char32_t cp = 0;
    const bool ok = detail::decode_utf8(t, i, cp);
    return ok ? static_cast<long>(cp) : -1L;
  };
  CHECK(decode("A") == 0x41);
  CHECK(decode("\xC3\xA9") == 0xE9);
  CHECK(decode("\xE6\x97\xA5") == 0x65E5);
  CHECK(decode("\xF0\x9F\x98\x80") == 0x1F600);
  CHECK(decode("\xC0\xAF") == -1);          // overlong '/'
  CHECK(decode("\xED\xA0\x80") == -1);      // a surrogate
  CHECK(decode("\xF4\x90\x80\x80") == -1);  // above U+10FFFF
  CHECK(decode("\xE6\x97") == -1);          // cut short
  CHECK(decode("\x80") == -1);              // a lone continuation byte
}

TEST_CASE("text: a bad token is quoted printable and short; a bad line says why") {
  CHECK(detail::quote("ok") == "'ok'");
  CHECK(detail::quote(std::string_view("a\0b", 3)) == "'a\\x00b'");
  CHECK(detail::quote(std::string(100, 'x')) == "'" + std::string(64, 'x') + "...'");
  CHECK(detail::line_defect("fine\tline", 100).empty());
  CHECK(detail::line_defect(std::string(11, 'a'), 10).find("exceeds the limit of 10") != std::string::npos);
  CHECK(detail::line_defect("a\x1b" "b", 100).find("control byte 0x1B at column 2") != std::string::npos);
}

TEST_CASE("text: strict base64") {
  std::array<std::byte, 16> out{};
  auto decoded = [&](std::string_view text) -> std::string {
    const auto n = dnsfilter::detail::base64_decode(text, out);
    if (!n) return "error";
    return std::string(reinterpret_cast<const char*>(out.data()), *n);
  };
  CHECK(decoded("") == "");
  CHECK(decoded("Zg==") == "f");
  CHECK(decoded("Zm8=") == "fo");
  CHECK(decoded("Zm9v") == "foo");
  CHECK(decoded("Zm9vYmFy") == "foobar");
  CHECK(decoded("+/+/") == "\xfb\xff\xbf");
  CHECK(decoded("Zg=") == "error");      // length not a multiple of 4
  CHECK(decoded("Zh==") == "error");     // unused bits set
  CHECK(decoded("Zm9=") == "error");
  CHECK(decoded("Z===") == "error");     // three pads
  CHECK(decoded("====") == "error");
  CHECK(decoded("Zg==Zg==") == "error"); // padding in the middle
  CHECK(decoded("Zm 9") == "error");     // blanks
  CHECK(decoded("Zm9-") == "error");     // the URL alphabet is another encoding
  CHECK(decoded(std::string_view("Zm\0v", 4)) == "error");
  CHECK(dnsfilter::detail::base64_decode("Zm9vYmFyZm9vYmFyZm9vYmFy", out).error() == dnsfilter::errc::no_space);
}
