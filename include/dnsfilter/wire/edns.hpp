// dnsfilter — EDNS(0) (RFC 6891): the OPT pseudo-record and its options.
//
// Options are (code, bytes) views into the message; typed accessors decode the
// ones the library acts on — Client Subnet (RFC 7871) and Extended DNS Errors
// (RFC 8914). Options of any other code are kept as they are.
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/detail/bytes.hpp>
#include <dnsfilter/result.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace dnsfilter::wire {

namespace option_code {
inline constexpr std::uint16_t nsid = 3;
inline constexpr std::uint16_t client_subnet = 8;
inline constexpr std::uint16_t cookie = 10;
inline constexpr std::uint16_t tcp_keepalive = 11;
inline constexpr std::uint16_t padding = 12;
inline constexpr std::uint16_t extended_error = 15;
}  // namespace option_code

// INFO-CODEs of RFC 8914 section 4 that a filtering resolver uses.
namespace ede_code {
inline constexpr std::uint16_t other = 0;
inline constexpr std::uint16_t stale_answer = 3;
inline constexpr std::uint16_t forged_answer = 4;
inline constexpr std::uint16_t prohibited = 18;
inline constexpr std::uint16_t blocked = 15;
inline constexpr std::uint16_t censored = 16;
inline constexpr std::uint16_t filtered = 17;
inline constexpr std::uint16_t not_ready = 14;
inline constexpr std::uint16_t network_error = 23;
}  // namespace ede_code

struct edns_option {
  std::uint16_t code = 0;
  std::span<const std::byte> data;
};

// Iterates over a validated option area (see validate_options).
class option_iterator {
 public:
  using value_type = edns_option;
  using difference_type = std::ptrdiff_t;
  option_iterator() noexcept = default;
  explicit option_iterator(std::span<const std::byte> rest) noexcept : rest_(rest) {}
  edns_option operator*() const noexcept {
    return {detail::load_u16(rest_.data()), rest_.subspan(4, detail::load_u16(rest_.data() + 2))};
  }
  option_iterator& operator++() noexcept {
    rest_ = rest_.subspan(4 + std::size_t{detail::load_u16(rest_.data() + 2)});
    return *this;
  }
  option_iterator operator++(int) noexcept { auto t = *this; ++*this; return t; }
  bool operator==(const option_iterator& o) const noexcept { return rest_.size() == o.rest_.size(); }

 private:
  std::span<const std::byte> rest_;
};

// Checks that the OPT RDATA is a whole sequence of options and that the
// options the library interprets (Client Subnet) are well formed.
DNSFILTER_DECL result<void> validate_options(std::span<const std::byte> rdata) noexcept;

// The OPT record's fields, with its options as a view into the message.
struct edns {
  std::uint16_t udp_payload_size = 0;  // the requestor's payload size, as sent
  std::uint8_t extended_rcode = 0;     // upper eight bits of the 12-bit rcode
  std::uint8_t version = 0;
  bool dnssec_ok = false;              // the DO bit
  std::uint16_t z = 0;                 // the other fifteen flag bits, as sent
  std::span<const std::byte> options_data;  // validated RDATA

  struct option_range {
    std::span<const std::byte> data;
    option_iterator begin() const noexcept { return option_iterator{data}; }
    option_iterator end() const noexcept { return option_iterator{data.last(0)}; }
  };
  option_range options() const noexcept { return {options_data}; }

  // The first option with this code, if any.
  bool find(std::uint16_t code, edns_option& out) const noexcept {
    for (auto opt : options()) {
      if (opt.code == code) { out = opt; return true; }
    }
    return false;
  }

  // The payload size a responder may use: at least 512 (RFC 6891 section 6.2.5).
  std::uint16_t effective_payload_size() const noexcept { return udp_payload_size < 512 ? 512 : udp_payload_size; }

  // Reads an OPT record's CLASS, TTL and RDATA.
  static result<edns> decode(std::uint16_t rr_class, std::uint32_t ttl, std::span<const std::byte> rdata) noexcept {
    if (auto ok = validate_options(rdata); !ok) return ok.error();
    edns e;
    e.udp_payload_size = rr_class;
    e.extended_rcode = static_cast<std::uint8_t>(ttl >> 24);
    e.version = static_cast<std::uint8_t>(ttl >> 16);
    e.dnssec_ok = (ttl & 0x8000u) != 0;
    e.z = static_cast<std::uint16_t>(ttl & 0x7FFFu);
    e.options_data = rdata;
    return e;
  }

  std::uint32_t encode_ttl() const noexcept {
    return (std::uint32_t{extended_rcode} << 24) | (std::uint32_t{version} << 16) | (dnssec_ok ? 0x8000u : 0u) |
           (z & 0x7FFFu);
  }
};

// EDNS Client Subnet (RFC 7871 section 6). The address is kept with the bits
// beyond the source prefix zero, as the RFC requires of a sender.
struct client_subnet {
  static constexpr std::uint16_t family_ipv4 = 1;
  static constexpr std::uint16_t family_ipv6 = 2;

  std::uint16_t family = family_ipv4;
  std::uint8_t source_prefix = 0;
  std::uint8_t scope_prefix = 0;
  std::array<std::byte, 16> address{};  // first 4 octets used for IPv4

  std::size_t address_bits() const noexcept { return family == family_ipv6 ? 128 : 32; }
  // Octets carried on the wire: only those the source prefix covers.
  std::size_t wire_address_size() const noexcept { return (std::size_t{source_prefix} + 7) / 8; }

  // Rejects an unknown family, a prefix longer than the address, an address
  // field of the wrong length and set bits beyond the source prefix.
  static DNSFILTER_DECL result<client_subnet> decode(std::span<const std::byte> data) noexcept;
  // Writes the option data (not the code/length prefix); returns its size.
  DNSFILTER_DECL result<std::size_t> encode(std::span<std::byte> out) const noexcept;
};

// Extended DNS Error (RFC 8914): an INFO-CODE and an optional UTF-8 text that
// is not NUL terminated. The text is a view into the message.
struct extended_error {
  std::uint16_t info_code = 0;
  std::string_view text;

  static result<extended_error> decode(std::span<const std::byte> data) noexcept {
    if (data.size() < 2) return errc::bad_option;
    extended_error e;
    e.info_code = detail::load_u16(data.data());
    e.text = {reinterpret_cast<const char*>(data.data() + 2), data.size() - 2};
    return e;
  }
};

}  // namespace dnsfilter::wire

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/wire/impl/edns.ipp>
#endif
