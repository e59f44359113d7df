// Definitions for policy/address.hpp.
#pragma once

#include <dnsfilter/detail/text.hpp>
#include <dnsfilter/policy/address.hpp>

#include <cstring>

namespace dnsfilter::policy {

namespace detail {

inline bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Parses exactly "a.b.c.d" (the whole of `text`) into out[0..4).
inline errc parse_v4(std::string_view text, std::uint8_t* out) noexcept {
  std::size_t i = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (i == text.size()) return errc::truncated;
      if (text[i] != '.') return errc::bad_character;
      ++i;
    }
    if (i == text.size()) return errc::truncated;
    if (!is_digit(text[i])) return errc::bad_character;
    unsigned value = 0;
    const std::size_t start = i;
    while (i < text.size() && is_digit(text[i])) {
      if (i - start == 3) return errc::out_of_range;  // "1000", "0001"
      value = value * 10 + static_cast<unsigned>(text[i] - '0');
      ++i;
    }
    if (i - start > 1 && text[start] == '0') return errc::bad_character;  // leading zero
    if (value > 255) return errc::out_of_range;
    out[octet] = static_cast<std::uint8_t>(value);
  }
  return i == text.size() ? errc::ok : errc::bad_character;
}

// Parses an IPv6 address (the whole of `text`) into out[0..16).
inline errc parse_v6(std::string_view text, std::uint8_t* out) noexcept {
  std::uint16_t groups[8] = {};
  int count = 0;       // groups written
  int gap = -1;        // where "::" stands, in groups
  std::size_t i = 0;
  const std::size_t n = text.size();
  if (n >= 2 && text[0] == ':' && text[1] == ':') {
    gap = 0;
    i = 2;
  } else if (n >= 1 && text[0] == ':') {
    return errc::bad_character;  // ":1::" — a single leading colon
  }
  while (!(gap == 0 && i == 2 && n == 2)) {  // "::" alone has no group
    if (i == n) return errc::truncated;  // "1:" or "1::2:"
    const std::size_t start = i;
    unsigned value = 0;
    while (i < n && dnsfilter::detail::hex_value(text[i]) >= 0) {
      if (i - start == 4) return errc::out_of_range;
      value = (value << 4) | static_cast<unsigned>(dnsfilter::detail::hex_value(text[i]));
      ++i;
    }
    if (i < n && text[i] == '.') {
      // A trailing dotted IPv4 part: it takes two groups and ends the text.
      if (count > 6) return errc::out_of_range;
      std::uint8_t v4[4];
      const errc e = parse_v4(text.substr(start), v4);
      if (e != errc::ok) return e;
      groups[count++] = static_cast<std::uint16_t>((v4[0] << 8) | v4[1]);
      groups[count++] = static_cast<std::uint16_t>((v4[2] << 8) | v4[3]);
      break;
    }
    if (i == start) return errc::bad_character;  // ":::" or a stray character
    if (count == 8) return errc::out_of_range;   // a ninth group
    groups[count++] = static_cast<std::uint16_t>(value);
    if (i == n) break;
    if (text[i] != ':') return errc::bad_character;
    ++i;
    if (i < n && text[i] == ':') {
      if (gap >= 0) return errc::bad_character;  // a second "::"
      gap = count;
      ++i;
      if (i == n) break;
    }
  }
  if (gap < 0) {
    if (count != 8) return errc::truncated;
  } else if (count > 7) {
    return errc::out_of_range;  // "::" must stand for at least one group
  }
  std::uint16_t full[8] = {};
  if (gap < 0) {
    for (int g = 0; g < 8; ++g) full[g] = groups[g];
  } else {
    const int tail = count - gap;
    for (int g = 0; g < gap; ++g) full[g] = groups[g];
    for (int g = 0; g < tail; ++g) full[8 - tail + g] = groups[gap + g];
  }
  for (int g = 0; g < 8; ++g) {
    out[2 * g] = static_cast<std::uint8_t>(full[g] >> 8);
    out[2 * g + 1] = static_cast<std::uint8_t>(full[g]);
  }
  return errc::ok;
}

// Appends to [p, end); returns false when out of room.
class text_writer {
 public:
  text_writer(char* p, char* end) noexcept : p_(p), end_(end), begin_(p) {}
  bool put(char c) noexcept {
    if (p_ == end_) return ok_ = false;
    *p_++ = c;
    return true;
  }
  void decimal(unsigned v) noexcept {
    char tmp[10];
    int k = 0;
    do {
      tmp[k++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v);
    while (k) put(tmp[--k]);
  }
  void hex(unsigned v) noexcept {
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const unsigned d = (v >> shift) & 0xf;
      if (d || started || shift == 0) {
        put(dnsfilter::detail::hex_digits[d]);
        started = true;
      }
    }
  }
  void dotted(const std::uint8_t* b) noexcept {
    for (int i = 0; i < 4; ++i) {
      if (i) put('.');
      decimal(b[i]);
    }
  }
  result<std::size_t> finish() const noexcept {
    if (!ok_) return errc::no_space;
    return static_cast<std::size_t>(p_ - begin_);
  }

 private:
  char* p_;
  char* end_;
  char* begin_;
  bool ok_ = true;
};

inline void write_address(text_writer& w, const ip_address& a) noexcept {
  const std::uint8_t* b = a.bytes().data();
  if (a.is_v4()) {
    w.dotted(b);
    return;
  }
  if (a.is_v4_mapped()) {
    for (char c : std::string_view{"::ffff:"}) w.put(c);
    w.dotted(b + 12);
    return;
  }
  unsigned g[8];
  for (int i = 0; i < 8; ++i) g[i] = (unsigned{b[2 * i]} << 8) | b[2 * i + 1];
  // The longest run of at least two zero groups, the first on a tie (RFC 5952 §4.2).
  int best = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  for (int i = 0; i < 8;) {
    if (i == best) {
      w.put(':');
      w.put(':');
      i += best_len;
      continue;
    }
    if (i > 0 && i != best + best_len) w.put(':');
    w.hex(g[i]);
    ++i;
  }
}

inline void clear_host_bits(std::uint8_t* b, unsigned length, unsigned bytes) noexcept {
  for (unsigned i = 0; i < bytes; ++i) {
    const unsigned first_bit = i * 8;
    if (length >= first_bit + 8) continue;
    const unsigned keep = length > first_bit ? length - first_bit : 0;
    b[i] = static_cast<std::uint8_t>(b[i] & ~(0xffu >> keep));
  }
}

}  // namespace detail

DNSFILTER_DECL result<ip_address> ip_address::from_bytes(std::span<const std::byte> bytes) noexcept {
  std::array<std::uint8_t, 16> b{};
  if (bytes.size() == 4) {
    std::memcpy(b.data(), bytes.data(), 4);
    return v4(b[0], b[1], b[2], b[3]);
  }
  if (bytes.size() == 16) {
    std::memcpy(b.data(), bytes.data(), 16);
    return v6(b);
  }
  return errc::out_of_range;
}

DNSFILTER_DECL result<ip_address> ip_address::parse(std::string_view text) noexcept {
  if (text.empty()) return errc::truncated;
  std::array<std::uint8_t, 16> b{};
  if (text.find(':') != std::string_view::npos) {
    const errc e = detail::parse_v6(text, b.data());
    if (e != errc::ok) return e;
    return v6(b);
  }
  const errc e = detail::parse_v4(text, b.data());
  if (e != errc::ok) return e;
  return v4(b[0], b[1], b[2], b[3]);
}

DNSFILTER_DECL result<std::size_t> ip_address::to_text(std::span<char> out) const noexcept {
  detail::text_writer w(out.data(), out.data() + out.size());
  detail::write_address(w, *this);
  return w.finish();
}

DNSFILTER_DECL result<ip_prefix> ip_prefix::make(const ip_address& address, unsigned length) noexcept {
  auto p = masked(address, length);
  if (!p) return p;
  if (p->address_ != address) return errc::out_of_range;  // host bits set
  return p;
}

DNSFILTER_DECL result<ip_prefix> ip_prefix::masked(const ip_address& address, unsigned length) noexcept {
  if (length > address.bit_length()) return errc::out_of_range;
  ip_prefix p;
  p.address_ = address;
  p.length_ = static_cast<std::uint8_t>(length);
  detail::clear_host_bits(p.address_.bytes_.data(), length, address.is_v4() ? 4 : 16);
  return p;
}

DNSFILTER_DECL result<ip_prefix> ip_prefix::parse(std::string_view text) noexcept {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return text.empty() ? errc::truncated : errc::bad_character;
  auto address = ip_address::parse(text.substr(0, slash));
  if (!address) return address.error();
  const std::string_view digits = text.substr(slash + 1);
  if (digits.empty()) return errc::truncated;
  unsigned length = 0;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (!detail::is_digit(digits[i])) return errc::bad_character;
    if (i == 3) return errc::out_of_range;
    length = length * 10 + static_cast<unsigned>(digits[i] - '0');
  }
  if (digits.size() > 1 && digits[0] == '0') return errc::bad_character;  // "/08"
  return make(*address, length);
}

DNSFILTER_DECL bool ip_prefix::contains(const ip_address& a) const noexcept {
  if (a.family() != family()) return false;
  const std::uint8_t* x = a.bytes().data();
  const std::uint8_t* y = address_.bytes().data();
  unsigned bits = length_;
  for (unsigned i = 0; bits > 0; ++i, bits = bits > 8 ? bits - 8 : 0) {
    const unsigned mask = bits >= 8 ? 0xffu : (0xffu << (8 - bits)) & 0xffu;
    if ((x[i] & mask) != (y[i] & mask)) return false;
  }
  return true;
}

DNSFILTER_DECL result<std::size_t> ip_prefix::to_text(std::span<char> out) const noexcept {
  detail::text_writer w(out.data(), out.data() + out.size());
  detail::write_address(w, address_);
  w.put('/');
  w.decimal(length_);
  return w.finish();
}

}  // namespace dnsfilter::policy
