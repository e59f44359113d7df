// Definitions for lists/idna.hpp.
#pragma once

#include <dnsfilter/detail/text.hpp>
#include <dnsfilter/lists/idna.hpp>

#include <array>
#include <cstdint>

namespace dnsfilter::lists {

namespace detail {

// RFC 3492 section 5 parameters.
inline constexpr std::uint32_t puny_base = 36, puny_tmin = 1, puny_tmax = 26, puny_skew = 38, puny_damp = 700,
                               puny_initial_bias = 72, puny_initial_n = 0x80;

inline std::uint32_t puny_adapt(std::uint32_t delta, std::uint32_t points, bool first) noexcept {
  delta = first ? delta / puny_damp : delta / 2;
  delta += delta / points;
  std::uint32_t k = 0;
  while (delta > ((puny_base - puny_tmin) * puny_tmax) / 2) {
    delta /= puny_base - puny_tmin;
    k += puny_base;
  }
  return k + (puny_base - puny_tmin + 1) * delta / (delta + puny_skew);
}

inline char puny_digit(std::uint32_t d) noexcept {
  return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26));
}

inline bool is_host_ascii(unsigned char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace detail

DNSFILTER_DECL result<std::size_t> punycode_encode(std::span<const char32_t> input, std::span<char> out) noexcept {
  using namespace detail;
  constexpr std::uint32_t maxint = 0xFFFFFFFFu;
  std::size_t o = 0;
  auto put = [&](char c) noexcept {
    if (o >= out.size()) return false;
    out[o++] = c;
    return true;
  };
  std::uint32_t basic = 0;
  for (char32_t c : input) {
    if (c > 0x10FFFF) return errc::out_of_range;
    if (c < 0x80) {
      if (!put(static_cast<char>(c))) return errc::no_space;
      ++basic;
    }
  }
  if (input.size() > maxint) return errc::out_of_range;
  const auto length = static_cast<std::uint32_t>(input.size());
  std::uint32_t h = basic, n = puny_initial_n, delta = 0, bias = puny_initial_bias;
  if (basic > 0 && !put('-')) return errc::no_space;
  while (h < length) {
    std::uint32_t m = maxint;
    for (char32_t c : input)
      if (c >= n && c < m) m = static_cast<std::uint32_t>(c);
    if (m - n > (maxint - delta) / (h + 1)) return errc::out_of_range;
    delta += (m - n) * (h + 1);
    n = m;
    for (char32_t c : input) {
      if (c < n && ++delta == 0) return errc::out_of_range;
      if (c == n) {
        std::uint32_t q = delta;
        for (std::uint32_t k = puny_base;; k += puny_base) {
          const std::uint32_t t = k <= bias ? puny_tmin : k >= bias + puny_tmax ? puny_tmax : k - bias;
          if (q < t) break;
          if (!put(puny_digit(t + (q - t) % (puny_base - t)))) return errc::no_space;
          q = (q - t) / (puny_base - t);
        }
        if (!put(puny_digit(q))) return errc::no_space;
        bias = puny_adapt(delta, h + 1, h == basic);
        delta = 0;
        ++h;
      }
    }
    ++delta;
    ++n;
  }
  return o;
}

DNSFILTER_DECL result<wire::name> name_from_utf8(std::string_view text) noexcept {
  using namespace detail;
  if (text.empty()) return errc::empty_label;
  if (text == ".") return wire::name{};
  if (text.back() == '.') text.remove_suffix(1);
  // The wire form is built here, valid by construction: labels of 1 to 63
  // octets (checked below), at most 255 octets with the root.
  std::array<std::byte, wire::max_name_length> buf;
  std::size_t size = 0;
  std::size_t labels = 0;
  std::size_t pos = 0;
  while (true) {
    // One label: text[pos, end).
    std::size_t end = pos;
    bool ascii = true;
    while (end < text.size() && text[end] != '.') {
      if (static_cast<unsigned char>(text[end]) >= 0x80) ascii = false;
      ++end;
      // Long enough to fail whatever it holds: stop reading (no quadratic work).
      if (end - pos > 4 * wire::max_label_length) return errc::label_too_long;
    }
    if (end == pos) return errc::empty_label;
    std::array<char, wire::max_label_length> label;
    std::size_t len = 0;
    if (ascii) {
      if (end - pos > wire::max_label_length) return errc::label_too_long;
      for (std::size_t i = pos; i < end; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (!is_host_ascii(c)) return errc::bad_character;
        label[len++] = static_cast<char>(dnsfilter::detail::ascii_lower(c));
      }
    } else {
      // Every code point costs at least one output character, after "xn--".
      constexpr std::size_t max_points = wire::max_label_length - 4;
      std::array<char32_t, max_points> points;
      std::size_t count = 0;
      for (std::size_t i = pos; i < end;) {
        char32_t cp;
        if (!dnsfilter::detail::decode_utf8(text.substr(0, end), i, cp)) return errc::bad_utf8;
        if (cp < 0x80) {
          if (!is_host_ascii(static_cast<unsigned char>(cp))) return errc::bad_character;
          cp = dnsfilter::detail::ascii_lower(static_cast<std::uint8_t>(cp));
        } else if (cp <= 0x9F || cp == 0xFEFF) {
          return errc::bad_character;
        }
        if (count == max_points) return errc::label_too_long;
        points[count++] = cp;
      }
      label[0] = 'x'; label[1] = 'n'; label[2] = '-'; label[3] = '-';
      auto encoded = punycode_encode(std::span<const char32_t>(points.data(), count),
                                     std::span<char>(label.data() + 4, label.size() - 4));
      if (!encoded) return encoded.error() == errc::no_space ? errc::label_too_long : encoded.error();
      len = 4 + *encoded;
    }
    // The label, its length octet and the root octet must fit.
    if (size + 1 + len + 1 > wire::max_name_length) return errc::name_too_long;
    buf[size] = static_cast<std::byte>(len);
    for (std::size_t i = 0; i < len; ++i) buf[size + 1 + i] = static_cast<std::byte>(label[i]);
    size += 1 + len;
    ++labels;
    if (end == text.size()) break;
    pos = end + 1;
  }
  buf[size++] = std::byte{0};
  // Validating it again (name::from_wire) cost some 5 % of a large load.
  return wire::name{wire::name_view::from_trusted(buf.data(), size, labels)};
}

}  // namespace dnsfilter::lists
