// Definitions for wire/name.hpp.
#pragma once

#include <dnsfilter/wire/name.hpp>

#include <algorithm>

namespace dnsfilter::wire {

DNSFILTER_DECL result<name_view> name_view::from_wire(std::span<const std::byte> bytes) noexcept {
  std::size_t off = 0, labels = 0;
  for (;;) {
    if (off >= bytes.size()) return errc::truncated;
    const std::uint8_t len = detail::u8(bytes.data() + off);
    if (len == 0) break;
    if (len > max_label_length) return len >= 0xC0 ? errc::bad_pointer : errc::reserved_label_type;
    off += 1 + std::size_t{len};
    ++labels;
    if (off + 1 > max_name_length) return errc::name_too_long;
  }
  return from_trusted(bytes.data(), off + 1, labels);
}

DNSFILTER_DECL int name_view::compare(name_view other) const noexcept {
  std::array<std::uint8_t, max_label_count> a_off, b_off;
  const std::size_t na = label_offsets(a_off), nb = other.label_offsets(b_off);
  for (std::size_t i = 1; i <= std::min(na, nb); ++i) {
    const std::byte* la = data_ + a_off[na - i];
    const std::byte* lb = other.data_ + b_off[nb - i];
    const std::size_t lena = detail::u8(la), lenb = detail::u8(lb);
    for (std::size_t k = 0; k < std::min(lena, lenb); ++k) {
      const auto ca = detail::ascii_lower(detail::u8(la + 1 + k));
      const auto cb = detail::ascii_lower(detail::u8(lb + 1 + k));
      if (ca != cb) return ca < cb ? -1 : 1;
    }
    if (lena != lenb) return lena < lenb ? -1 : 1;
  }
  return na == nb ? 0 : (na < nb ? -1 : 1);
}

DNSFILTER_DECL result<std::size_t> name_view::to_text(std::span<char> out) const noexcept {
  std::size_t n = 0;
  auto put = [&](char c) noexcept {
    if (n < out.size()) out[n] = c;
    ++n;
  };
  if (labels_ == 0) {
    put('.');
  } else {
    for (auto label : *this) {
      for (std::byte b : label) {
        const auto c = static_cast<unsigned char>(b);
        switch (c) {
          case '.': case '\\': case '"': case '(': case ')': case ';': case '@': case '$':
            put('\\');
            put(static_cast<char>(c));
            break;
          default:
            if (c <= 0x20 || c >= 0x7F) {
              put('\\');
              put(static_cast<char>('0' + c / 100));
              put(static_cast<char>('0' + c / 10 % 10));
              put(static_cast<char>('0' + c % 10));
            } else {
              put(static_cast<char>(c));
            }
        }
      }
      put('.');
    }
  }
  if (n > out.size()) return errc::no_space;
  return n;
}

DNSFILTER_DECL result<name> name::from_text(std::string_view text) noexcept {
  name out;
  if (text.empty()) return errc::empty_label;
  if (text == ".") return out;
  std::size_t pos = 0, size = 0, labels = 0;
  std::byte* const buf = out.bytes_.data();
  while (pos < text.size()) {
    // One label: its length octet goes at buf[size], its octets after it.
    const std::size_t len_at = size;
    std::size_t len = 0;
    if (len_at + 1 > max_name_length - 1) return errc::name_too_long;
    while (pos < text.size() && text[pos] != '.') {
      auto c = static_cast<unsigned char>(text[pos++]);
      if (c == '\\') {
        if (pos >= text.size()) return errc::bad_escape;
        const auto d = static_cast<unsigned char>(text[pos]);
        if (d >= '0' && d <= '9') {
          if (pos + 3 > text.size()) return errc::bad_escape;
          unsigned v = 0;
          for (int k = 0; k < 3; ++k) {
            const auto e = static_cast<unsigned char>(text[pos + static_cast<std::size_t>(k)]);
            if (e < '0' || e > '9') return errc::bad_escape;
            v = v * 10 + (e - '0');
          }
          if (v > 255) return errc::bad_escape;
          c = static_cast<unsigned char>(v);
          pos += 3;
        } else {
          c = d;
          ++pos;
        }
      } else if (c <= 0x20 || c == 0x7F) {
        return errc::bad_character;
      }
      if (++len > max_label_length) return errc::label_too_long;
      // The label octets, its length octet and the root octet must fit in 255.
      if (len_at + 1 + len + 1 > max_name_length) return errc::name_too_long;
      buf[len_at + len] = static_cast<std::byte>(c);
    }
    if (len == 0) return errc::empty_label;
    buf[len_at] = static_cast<std::byte>(len);
    size = len_at + 1 + len;
    ++labels;
    if (pos < text.size()) ++pos;  // the dot; a final dot ends the loop
  }
  buf[size] = std::byte{0};
  out.size_ = static_cast<std::uint8_t>(size + 1);
  out.labels_ = static_cast<std::uint8_t>(labels);
  return out;
}

DNSFILTER_DECL result<name_extent> read_name(std::span<const std::byte> message, std::size_t offset,
                                             name* out) noexcept {
  name_extent ext;
  std::byte* dst = out ? out->bytes_.data() : nullptr;
  const std::byte* const msg = message.data();
  const std::size_t msg_size = message.size();
  std::size_t pos = offset;
  // Every pointer must land strictly before this bound, which then moves down
  // to the pointer's target: positions strictly decrease, so no loop exists.
  std::size_t bound = offset;
  std::size_t hops = 0;
  for (;;) {
    if (pos >= msg_size) return errc::truncated;
    const std::uint8_t len = detail::u8(msg + pos);
    if (len == 0) {
      if (!ext.compressed) ext.end = pos + 1;
      if (dst) dst[ext.size] = std::byte{0};
      ext.size += 1;
      break;
    }
    switch (len & 0xC0) {
      case 0x00: {
        if (pos + 1 + len > msg_size) return errc::truncated;
        if (ext.size + 1 + len + 1 > max_name_length) return errc::name_too_long;
        if (dst) std::memcpy(dst + ext.size, msg + pos, 1 + std::size_t{len});
        ext.size += 1 + std::size_t{len};
        ++ext.labels;
        pos += 1 + std::size_t{len};
        break;
      }
      case 0xC0: {
        if (pos + 2 > msg_size) return errc::truncated;
        const std::size_t target = detail::load_u16(msg + pos) & 0x3FFFu;
        if (target >= bound || target < header_size) return errc::bad_pointer;
        if (++hops > max_pointer_hops) return errc::too_many_pointers;
        if (!ext.compressed) ext.end = pos + 2;
        ext.compressed = true;
        bound = target;
        pos = target;
        break;
      }
      default:
        return errc::reserved_label_type;
    }
  }
  if (out) {
    out->size_ = static_cast<std::uint8_t>(ext.size);
    out->labels_ = static_cast<std::uint8_t>(ext.labels);
  }
  return ext;
}

}  // namespace dnsfilter::wire
