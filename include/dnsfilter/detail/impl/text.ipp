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

}  // namespace dnsfilter::detail
