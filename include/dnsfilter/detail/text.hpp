// dnsfilter — text helpers shared by the loaders of outside files (lists,
// the policy file, the statistics file, TSIG key files): lines, blanks,
// tokens, hex digits, base64, UTF-8, and the quoting of a bad token in a
// diagnostic.
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/detail/bytes.hpp>
#include <dnsfilter/result.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace dnsfilter::detail {

// Physical lines of a text: a leading UTF-8 BOM is dropped, "\n" and "\r\n"
// both end a line, and the last line needs no terminator. Linear, no copies.
class line_reader {
 public:
  explicit line_reader(std::string_view text) noexcept;
  // The next line without its terminator; false at the end of the text.
  DNSFILTER_DECL bool next(std::string_view& line) noexcept;
  std::size_t number() const noexcept { return number_; }  // of the line last returned
  const char* position() const noexcept { return rest_.data(); }  // where the next line begins

 private:
  std::string_view rest_;
  std::size_t number_ = 0;
  bool done_ = false;
};

inline line_reader::line_reader(std::string_view text) noexcept : rest_(text) {
  if (rest_.substr(0, 3) == "\xEF\xBB\xBF") rest_.remove_prefix(3);
}

inline bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }
DNSFILTER_DECL std::string_view trim(std::string_view s) noexcept;
// The first whitespace-separated token of `s`, removed from it.
DNSFILTER_DECL std::string_view next_token(std::string_view& s) noexcept;
inline bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(static_cast<std::uint8_t>(a[i])) !=
        ascii_lower(static_cast<std::uint8_t>(b[i])))
      return false;
  return true;
}
// The text of a token as it may appear in a diagnostic: at most 64 characters,
// non-printable bytes as \xHH, in single quotes.
DNSFILTER_DECL std::string quote(std::string_view token);
// The reason a line is unusable before any parsing (too long, or holding NUL
// or another control byte other than tab), or empty when the line is fine.
DNSFILTER_DECL std::string line_defect(std::string_view line, std::size_t max_length);

// `text` without what follows the first '#' that starts it or follows a blank.
DNSFILTER_DECL std::string_view strip_hash_comment(std::string_view text) noexcept;

inline constexpr char hex_digits[] = "0123456789abcdef";

// The value of a hex digit, or -1.
inline int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes strict base64 (RFC 4648 §4, the alphabet with + and /) into `out`:
// the text's length a multiple of 4, '=' only as one or two final padding
// characters, the unused bits of the last group zero, no blanks or line
// breaks. Returns the octets written; errc::bad_character for a text that
// breaks these rules, errc::no_space when `out` is too small.
DNSFILTER_DECL result<std::size_t> base64_decode(std::string_view text, std::span<std::byte> out) noexcept;

// Decodes one UTF-8 sequence at text[i], advancing i; false when invalid
// (overlong forms, surrogates and code points above U+10FFFF included).
inline bool decode_utf8(std::string_view text, std::size_t& i, char32_t& cp) noexcept {
  const auto b0 = static_cast<unsigned char>(text[i]);
  std::size_t len;
  char32_t min;
  if (b0 < 0x80) { cp = b0; ++i; return true; }
  if ((b0 & 0xE0) == 0xC0) { len = 2; cp = b0 & 0x1Fu; min = 0x80; }
  else if ((b0 & 0xF0) == 0xE0) { len = 3; cp = b0 & 0x0Fu; min = 0x800; }
  else if ((b0 & 0xF8) == 0xF0) { len = 4; cp = b0 & 0x07u; min = 0x10000; }
  else return false;
  if (text.size() - i < len) return false;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if ((b & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
  i += len;
  return true;
}

}  // namespace dnsfilter::detail

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/detail/impl/text.ipp>
#endif
