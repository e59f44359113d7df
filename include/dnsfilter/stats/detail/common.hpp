// Helpers shared by the statistics implementation files (stats/impl/): saturating
// counts, action names, writers into a std::string or a fixed buffer, and the
// escaping of JSON strings, Prometheus label values and the statistics file's keys.
#pragma once

#include <dnsfilter/detail/file_io.hpp>
#include <dnsfilter/detail/text.hpp>
#include <dnsfilter/match/catalogue.hpp>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include <unistd.h>

namespace dnsfilter::stats::detail {

inline constexpr std::uint64_t count_max = std::numeric_limits<std::uint64_t>::max();

inline void add_saturating(std::uint64_t& sum, std::uint64_t v) noexcept { sum = v > count_max - sum ? count_max : sum + v; }

// The name of an action slot (a match::action).
inline const char* action_name(std::size_t slot) noexcept { return match::to_string(static_cast<match::action>(slot)); }

// Appends to a std::string (the exporters and the file writer allocate freely).
struct string_out {
  std::string& s;
  void operator()(char c) { s += c; }
  void operator()(std::string_view v) { s += v; }
};

// Writes into a caller's buffer without allocating; counts what did not fit,
// so the caller can tell errc::no_space from success.
struct span_out {
  std::span<char> buf;
  std::size_t n = 0;
  void operator()(char c) noexcept {
    if (n < buf.size()) buf[n] = c;
    ++n;
  }
  void operator()(std::string_view v) noexcept {
    for (char c : v) (*this)(c);
  }
  bool overflowed() const noexcept { return n > buf.size(); }
};

template <class Out>
void put_uint(Out& out, std::uint64_t v) {
  char buf[20];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
}

inline constexpr std::string_view replacement_character = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

// Copies `text`, passing each ASCII byte to escape_ascii(out, byte), keeping
// valid UTF-8 sequences as they are and replacing each byte of an invalid one
// with U+FFFD: both JSON and the Prometheus text format require UTF-8, and an
// operator's file may hold Latin-1 or garbage.
template <class Out, class Escape>
void put_utf8(Out& out, std::string_view text, Escape escape_ascii) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      escape_ascii(out, c);
      ++i;
      continue;
    }
    std::size_t next = i;
    char32_t cp;
    if (dnsfilter::detail::decode_utf8(text, next, cp)) {
      out(text.substr(i, next - i));
      i = next;
    } else {
      out(replacement_character);
      ++i;
    }
  }
}

// A JSON string, quotes included (RFC 8259: '"', '\\' and every control byte
// escaped; DEL too, so a terminal showing the log shows nothing raw).
template <class Out>
void put_json_string(Out& out, std::string_view text) {
  out('"');
  put_utf8(out, text, [](Out& o, unsigned char c) {
    switch (c) {
      case '"': o(std::string_view("\\\"")); return;
      case '\\': o(std::string_view("\\\\")); return;
      case '\n': o(std::string_view("\\n")); return;
      case '\r': o(std::string_view("\\r")); return;
      case '\t': o(std::string_view("\\t")); return;
      default: break;
    }
    if (c < 0x20 || c == 0x7F) {
      o(std::string_view("\\u00"));
      o(dnsfilter::detail::hex_digits[c >> 4]);
      o(dnsfilter::detail::hex_digits[c & 15]);
    } else {
      o(static_cast<char>(c));
    }
  });
  out('"');
}

// A Prometheus label value, quotes included: '\\', '"' and newline escaped,
// as the text exposition format asks; nothing else is.
template <class Out>
void put_label_value(Out& out, std::string_view text) {
  out('"');
  put_utf8(out, text, [](Out& o, unsigned char c) {
    if (c == '\\') o(std::string_view("\\\\"));
    else if (c == '"') o(std::string_view("\\\""));
    else if (c == '\n') o(std::string_view("\\n"));
    else o(static_cast<char>(c));
  });
  out('"');
}

// The statistics file's key encoding: printable ASCII but '%' as is, every
// other byte as %XX, so a key is one blank-free token whatever it holds; the
// empty key (an entry without category) is "-", and the key "-" is "%2D".
inline void put_percent_encoded(std::string& out, std::string_view key) {
  static constexpr char upper_hex[] = "0123456789ABCDEF";
  if (key.empty() || key == "-") {
    out += key.empty() ? "-" : "%2D";
    return;
  }
  for (char ch : key) {
    const auto c = static_cast<unsigned char>(ch);
    if (c > 0x20 && c < 0x7F && c != '%') {
      out += ch;
    } else {
      out += '%';
      out += upper_hex[c >> 4];
      out += upper_hex[c & 15];
    }
  }
}

// The inverse of put_percent_encoded; false on a malformed escape or a byte
// that must have been escaped.
inline bool percent_decode(std::string_view token, std::string& out) {
  out.clear();
  if (token == "-") return true;
  for (std::size_t i = 0; i < token.size(); ++i) {
    const auto c = static_cast<unsigned char>(token[i]);
    if (c <= 0x20 || c >= 0x7F) return false;
    if (c != '%') {
      out += token[i];
      continue;
    }
    if (token.size() - i < 3) return false;  // "%" or "%A" at the end
    const int hi = dnsfilter::detail::hex_value(token[i + 1]), lo = dnsfilter::detail::hex_value(token[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

using dnsfilter::detail::write_all;

}  // namespace dnsfilter::stats::detail
