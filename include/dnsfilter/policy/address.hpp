// dnsfilter — IP addresses and prefixes for the opt-out policies.
//
// ip_address holds an IPv4 or an IPv6 address as network-order bytes (an IPv4
// address uses the first 4 of the 16 bytes; the others stay zero, so == and
// ordering are plain byte comparisons). ip_prefix is an address plus a length
// whose host bits are zero.
//
// Text rules (parse), chosen to be strict because the text comes from operator
// configuration, where a silently reinterpreted value is worse than an error:
//   - IPv4: exactly four decimal octets "a.b.c.d", each 0-255. A leading zero
//     ("010.0.0.1") is refused: inet_aton would read it as octal, inet_pton
//     refuses it too (RFC 6943 §3.1.1), so it is ambiguous. No shorthand forms
//     ("10.1", "0x0a.0.0.1").
//   - IPv6: RFC 4291 §2.2 — up to eight groups of 1-4 hex digits (either case,
//     leading zeros allowed since RFC 4291 allows them), one "::" standing for
//     at least one zero group, and a trailing dotted IPv4 part in place of the
//     last two groups ("::ffff:192.0.2.1", "64:ff9b::192.0.2.1"). Zone
//     identifiers ("fe80::1%eth0") are refused: a policy cannot use them.
//   - No whitespace anywhere, no trimming: the caller trims its own syntax.
//   - Prefix lengths: decimal, no sign, no leading zero ("/08" refused), at most
//     32 (IPv4) or 128 (IPv6). A prefix whose host bits are set
//     ("10.1.2.3/8") is refused rather than masked: in a policy file it is
//     usually a typo (10.1.2.0/24 meant), and masking it would silently widen
//     the rule to 10.0.0.0/8. ip_prefix::masked() exists for programs that do
//     want the masking (for example an address plus a configured length).
// Errors: errc::truncated (empty text or text that ends too early, "1.2.3"),
// errc::out_of_range (an octet above 255, a group of more than 4 digits, a
// prefix length too long, host bits set), errc::bad_character (anything else).
//
// IPv4-mapped IPv6 addresses (::ffff:0:0/96) are kept as written: parse of
// "::ffff:192.0.2.1" gives an IPv6 address, from_bytes of a sockaddr_in6 too.
// Call unmapped() to get the IPv4 address a dual-stack socket really talks to;
// the prefix table does that itself on lookup (see prefix_table.hpp).
//
// Text output is RFC 5952 canonical for IPv6 (lower case, no leading zeros,
// the longest run of two or more zero groups — the first one on a tie — as
// "::") and IPv4-mapped addresses in the RFC 5952 §5 mixed form
// "::ffff:192.0.2.1". to_text never allocates; to_string returns a std::string.
//
// Everything here is noexcept and allocation-free except to_string().
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/result.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace dnsfilter::policy {

enum class ip_family : std::uint8_t { v4 = 4, v6 = 6 };

struct ip_address {
  // Longest text to_text() writes: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" is
  // 39; 45 is INET6_ADDRSTRLEN - 1, kept for callers that size buffers that way.
  static constexpr std::size_t max_text_length = 45;

  // 0.0.0.0.
  constexpr ip_address() noexcept = default;

  static constexpr ip_address v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) noexcept {
    ip_address r;
    r.bytes_[0] = a;
    r.bytes_[1] = b;
    r.bytes_[2] = c;
    r.bytes_[3] = d;
    return r;
  }
  // From the host-order value (0xC0000201 is 192.0.2.1).
  static constexpr ip_address v4(std::uint32_t value) noexcept {
    return v4(static_cast<std::uint8_t>(value >> 24), static_cast<std::uint8_t>(value >> 16),
              static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value));
  }
  // From network-order bytes.
  static constexpr ip_address v6(const std::array<std::uint8_t, 16>& bytes) noexcept {
    ip_address r;
    r.family_ = ip_family::v6;
    r.bytes_ = bytes;
    return r;
  }
  // From the two host-order halves (0x20010db8'00000000, 1 is 2001:db8::1).
  static constexpr ip_address v6(std::uint64_t high, std::uint64_t low) noexcept {
    ip_address r;
    r.family_ = ip_family::v6;
    for (int i = 0; i < 8; ++i) {
      r.bytes_[i] = static_cast<std::uint8_t>(high >> (56 - 8 * i));
      r.bytes_[8 + i] = static_cast<std::uint8_t>(low >> (56 - 8 * i));
    }
    return r;
  }

  // Network-order bytes as found in sin_addr (4 bytes) or sin6_addr (16 bytes);
  // any other size is errc::out_of_range.
  static DNSFILTER_DECL result<ip_address> from_bytes(std::span<const std::byte> bytes) noexcept;
  static result<ip_address> from_bytes(std::span<const std::uint8_t> bytes) noexcept {
    return from_bytes(std::as_bytes(bytes));
  }

  // Text in the strict form described at the top of this file.
  static DNSFILTER_DECL result<ip_address> parse(std::string_view text) noexcept;

  constexpr ip_family family() const noexcept { return family_; }
  constexpr bool is_v4() const noexcept { return family_ == ip_family::v4; }
  constexpr bool is_v6() const noexcept { return family_ == ip_family::v6; }
  // 32 or 128.
  constexpr unsigned bit_length() const noexcept { return is_v4() ? 32u : 128u; }
  // Network-order bytes: 4 for IPv4, 16 for IPv6; a view into *this.
  std::span<const std::uint8_t> bytes() const noexcept { return {bytes_.data(), is_v4() ? 4u : 16u}; }

  // Host-order values: the IPv4 address; the high and low halves of an IPv6 one
  // (for IPv4, high() is the address in the top 32 bits and low() is 0).
  constexpr std::uint32_t v4_value() const noexcept {
    return (std::uint32_t{bytes_[0]} << 24) | (std::uint32_t{bytes_[1]} << 16) | (std::uint32_t{bytes_[2]} << 8) |
           std::uint32_t{bytes_[3]};
  }
  constexpr std::uint64_t high() const noexcept { return load64(0); }
  constexpr std::uint64_t low() const noexcept { return load64(8); }

  // ::ffff:a.b.c.d (RFC 4291 §2.5.5.2).
  constexpr bool is_v4_mapped() const noexcept {
    if (!is_v6()) return false;
    for (int i = 0; i < 10; ++i)
      if (bytes_[i] != 0) return false;
    return bytes_[10] == 0xff && bytes_[11] == 0xff;
  }
  // a.b.c.d for ::ffff:a.b.c.d; the address itself otherwise.
  constexpr ip_address unmapped() const noexcept {
    return is_v4_mapped() ? v4(bytes_[12], bytes_[13], bytes_[14], bytes_[15]) : *this;
  }
  // ::ffff:a.b.c.d for an IPv4 address; the address itself otherwise.
  constexpr ip_address mapped() const noexcept {
    if (!is_v4()) return *this;
    std::array<std::uint8_t, 16> b{};
    b[10] = b[11] = 0xff;
    for (int i = 0; i < 4; ++i) b[12 + i] = bytes_[i];
    return v6(b);
  }

  // Writes the canonical text (not NUL-terminated); errc::no_space if `out` is
  // shorter than the text (max_text_length always suffices).
  DNSFILTER_DECL result<std::size_t> to_text(std::span<char> out) const noexcept;
  std::string to_string() const {
    std::array<char, max_text_length> buf;
    auto n = to_text(buf);
    return std::string(buf.data(), n ? *n : 0);
  }

  // IPv4 sorts before IPv6; within a family, numeric order.
  friend constexpr bool operator==(const ip_address&, const ip_address&) noexcept = default;
  friend constexpr auto operator<=>(const ip_address&, const ip_address&) noexcept = default;

 private:
  friend struct ip_prefix;  // masked() clears host bits in place

  // Written out rather than as a shift loop: GCC recognises this form as one
  // 8-byte load (plus a byte swap on little-endian targets); the loop became
  // 23 instructions per half on the prefix table's lookup path.
  constexpr std::uint64_t load64(int at) const noexcept {
    const std::uint8_t* b = bytes_.data() + at;
    return (std::uint64_t{b[0]} << 56) | (std::uint64_t{b[1]} << 48) | (std::uint64_t{b[2]} << 40) |
           (std::uint64_t{b[3]} << 32) | (std::uint64_t{b[4]} << 24) | (std::uint64_t{b[5]} << 16) |
           (std::uint64_t{b[6]} << 8) | std::uint64_t{b[7]};
  }

  ip_family family_ = ip_family::v4;
  std::array<std::uint8_t, 16> bytes_{};
};

// An address and a prefix length whose host bits are zero (the class keeps
// that invariant: every way to make one checks or masks).
struct ip_prefix {
  // "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128".
  static constexpr std::size_t max_text_length = ip_address::max_text_length + 4;

  // 0.0.0.0/0.
  constexpr ip_prefix() noexcept = default;

  // errc::out_of_range if length > address.bit_length() or host bits are set.
  static DNSFILTER_DECL result<ip_prefix> make(const ip_address& address, unsigned length) noexcept;
  // The host bits cleared; errc::out_of_range only if length is too long.
  static DNSFILTER_DECL result<ip_prefix> masked(const ip_address& address, unsigned length) noexcept;
  // "10.0.0.0/8", "2001:db8::/32"; a bare address is refused (write /32 or
  // /128): a policy file should say which it means.
  static DNSFILTER_DECL result<ip_prefix> parse(std::string_view text) noexcept;

  constexpr const ip_address& address() const noexcept { return address_; }
  constexpr unsigned length() const noexcept { return length_; }
  constexpr ip_family family() const noexcept { return address_.family(); }

  // Same family and the first length() bits equal. No IPv4-mapped magic here:
  // 10.0.0.0/8 does not contain ::ffff:10.0.0.1 (unmap first if that is meant).
  DNSFILTER_DECL bool contains(const ip_address& a) const noexcept;

  DNSFILTER_DECL result<std::size_t> to_text(std::span<char> out) const noexcept;
  std::string to_string() const {
    std::array<char, max_text_length> buf;
    auto n = to_text(buf);
    return std::string(buf.data(), n ? *n : 0);
  }

  friend constexpr bool operator==(const ip_prefix&, const ip_prefix&) noexcept = default;
  friend constexpr auto operator<=>(const ip_prefix&, const ip_prefix&) noexcept = default;

 private:
  ip_address address_;
  std::uint8_t length_ = 0;
};

}  // namespace dnsfilter::policy

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/policy/impl/address.ipp>
#endif
