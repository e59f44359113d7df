// Definitions for detail/text.hpp.
#pragma once

#include <dnsfilter/detail/text.hpp>

#include <cstdio>
#include <cstring>

namespace dnsfilter::detail {

DNSFILTER_DECL bool line_reader::next(std::string_view& line) noexcept {
  if (done_) return false;
  const void* nl = rest_.empty() ? nullptr : std::memchr(rest_.data(), '\n', rest_.size());
  if (nl == nullptr) {
    // The last line: present unless the text ended with a line terminator.
    done_ = true;
    if (rest_.empty()) return false;
    line = rest_;
    rest_ = {};
  } else {
    const auto len = static_cast<std::size_t>(static_cast<const char*>(nl) - rest_.data());
    line = rest_.substr(0, len);
    rest_.remove_prefix(len + 1);
  }
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  ++number_;
  return true;
}

DNSFILTER_DECL std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

DNSFILTER_DECL std::string_view next_token(std::string_view& s) noexcept {
  std::size_t i = 0;
  while (i < s.size() && is_blank(s[i])) ++i;
  std::size_t j = i;
  while (j < s.size() && !is_blank(s[j])) ++j;
  const std::string_view token = s.substr(i, j - i);
  s.remove_prefix(j);
  return token;
}

DNSFILTER_DECL std::string quote(std::string_view token) {
  constexpr std::size_t max_shown = 64;
  std::string out = "'";
  for (std::size_t i = 0; i < token.size() && i < max_shown; ++i) {
    const auto c = static_cast<unsigned char>(token[i]);
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    }
  }
  if (token.size() > max_shown) out += "...";
  out += '\'';
  return out;
}

DNSFILTER_DECL std::string line_defect(std::string_view line, std::size_t max_length) {
  if (line.size() > max_length) {
    return "line of " + std::to_string(line.size()) + " octets exceeds the limit of " + std::to_string(max_length);
  }
  for (std::size_t i = 0; i < line.size(); ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if ((c < 0x20 && c != '\t') || c == 0x7F) {
      char buf[80];
      std::snprintf(buf, sizeof buf, "binary data: control byte 0x%02X at column %zu", c, i + 1);
      return buf;
    }
  }
  return {};
}

DNSFILTER_DECL std::string_view strip_hash_comment(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '#' && (i == 0 || is_blank(text[i - 1]))) return text.substr(0, i);
  }
  return text;
}

namespace base64 {
// The value of a base64 digit, or -1.
inline int digit(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
}  // namespace base64

DNSFILTER_DECL result<std::size_t> base64_decode(std::string_view text, std::span<std::byte> out) noexcept {
  if (text.size() % 4 != 0) return errc::bad_character;
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
  const std::size_t size = text.size() / 4 * 3 - padding;
  if (size > out.size()) return errc::no_space;
  std::size_t written = 0;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const std::size_t digits = last ? 4 - padding : 4;
    std::uint32_t group = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const int v = k < digits ? base64::digit(text[i + k]) : 0;
      if (v < 0) return errc::bad_character;  // '=' in the middle included
      group = group << 6 | static_cast<std::uint32_t>(v);
    }
    // A padded group must leave its unused bits zero: one text, one value.
    if ((padding == 1 && last && (group & 0xFFu) != 0) || (padding == 2 && last && (group & 0xFFFFu) != 0))
      return errc::bad_character;
    const std::byte bytes[3] = {static_cast<std::byte>(group >> 16), static_cast<std::byte>(group >> 8),
                                static_cast<std::byte>(group)};
    for (std::size_t k = 0; k + 1 < digits; ++k) out[written++] = bytes[k];  // 4 digits: 3 octets, 3: 2, 2: 1
  }
  return written;
}

}  // namespace dnsfilter::detail
