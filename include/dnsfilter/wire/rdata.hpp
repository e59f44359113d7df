// dnsfilter — typed RDATA for the record types a filtering resolver reads and
// writes. Every other type is opaque bytes, written back exactly as read.
//
// Besides the types a resolver looks into (A, AAAA, CNAME, NS, PTR, MX, SOA,
// SRV, TXT), every type whose RDATA may hold a compressed name is typed, so
// that re-encoding a record never leaves a compression pointer aimed at
// whatever now sits at its old offset (RFC 3597 section 4): the RFC 1035
// types MD, MF, MB, MG, MR and MINFO, and RP, AFSDB and RT (RFC 1183), which
// receivers should decompress. The writer compresses names again only in the
// RFC 1035 types. Of the other types named there, NAPTR and PX are kept
// opaque (their names are never compressed in practice), and SIG and NXT are
// obsolete.
//
// Names inside RDATA are decoded into owning `name`s (compression resolved);
// byte payloads (TXT strings, opaque data) are views into the message, so a
// decoded rdata must not outlive the buffer it came from.
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/result.hpp>
#include <dnsfilter/wire/name.hpp>
#include <dnsfilter/wire/types.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

namespace dnsfilter::wire {

namespace rdata {

struct a {
  std::array<std::byte, 4> address{};
  friend bool operator==(const a&, const a&) = default;
};

struct aaaa {
  std::array<std::byte, 16> address{};
  friend bool operator==(const aaaa&, const aaaa&) = default;
};

// RDATA that is one domain name (CNAME, NS, PTR); the tag keeps the types apart.
template <rr_type Type>
struct single_name {
  static constexpr rr_type type = Type;
  name target;
  friend bool operator==(const single_name& x, const single_name& y) noexcept { return x.target == y.target; }
};
using cname = single_name<rr_type::cname>;
using ns = single_name<rr_type::ns>;
using ptr = single_name<rr_type::ptr>;
using md = single_name<rr_type::md>;
using mf = single_name<rr_type::mf>;
using mb = single_name<rr_type::mb>;
using mg = single_name<rr_type::mg>;
using mr = single_name<rr_type::mr>;

// RDATA that is two domain names: MINFO (RMAILBX, EMAILBX), RP (mbox, TXT owner).
template <rr_type Type>
struct name_pair {
  static constexpr rr_type type = Type;
  name first;
  name second;
  friend bool operator==(const name_pair& x, const name_pair& y) noexcept {
    return x.first == y.first && x.second == y.second;
  }
};
using minfo = name_pair<rr_type::minfo>;
using rp = name_pair<rr_type::rp>;

// RDATA that is a 16-bit number and a domain name: AFSDB (subtype, hostname),
// RT (preference, intermediate host).
template <rr_type Type>
struct number_name {
  static constexpr rr_type type = Type;
  std::uint16_t number = 0;
  name target;
  friend bool operator==(const number_name& x, const number_name& y) noexcept {
    return x.number == y.number && x.target == y.target;
  }
};
using afsdb = number_name<rr_type::afsdb>;
using rt = number_name<rr_type::rt>;

struct mx {
  std::uint16_t preference = 0;
  name exchange;
  friend bool operator==(const mx& x, const mx& y) noexcept {
    return x.preference == y.preference && x.exchange == y.exchange;
  }
};

struct soa {
  name mname;
  name rname;
  std::uint32_t serial = 0, refresh = 0, retry = 0, expire = 0, minimum = 0;
  friend bool operator==(const soa& x, const soa& y) noexcept {
    return x.mname == y.mname && x.rname == y.rname && x.serial == y.serial && x.refresh == y.refresh &&
           x.retry == y.retry && x.expire == y.expire && x.minimum == y.minimum;
  }
};

// SRV (RFC 2782). Its target is never compressed when written.
struct srv {
  std::uint16_t priority = 0, weight = 0, port = 0;
  name target;
  friend bool operator==(const srv& x, const srv& y) noexcept {
    return x.priority == y.priority && x.weight == y.weight && x.port == y.port && x.target == y.target;
  }
};

// TXT: one or more <character-string>s, kept as their wire bytes.
struct txt {
  std::span<const std::byte> data;

  class iterator {
   public:
    using value_type = std::span<const std::byte>;
    using difference_type = std::ptrdiff_t;
    iterator() noexcept = default;
    explicit iterator(std::span<const std::byte> rest) noexcept : rest_(rest) {}
    value_type operator*() const noexcept { return rest_.subspan(1, detail::u8(rest_.data())); }
    iterator& operator++() noexcept { rest_ = rest_.subspan(1 + std::size_t{detail::u8(rest_.data())}); return *this; }
    iterator operator++(int) noexcept { auto t = *this; ++*this; return t; }
    bool operator==(const iterator& o) const noexcept { return rest_.size() == o.rest_.size(); }

   private:
    std::span<const std::byte> rest_;
  };
  // The strings, each without its length octet.
  iterator begin() const noexcept { return iterator{data}; }
  iterator end() const noexcept { return iterator{data.last(0)}; }

  friend bool operator==(const txt& x, const txt& y) noexcept {
    return x.data.size() == y.data.size() && std::equal(x.data.begin(), x.data.end(), y.data.begin());
  }
};

// Any type without a typed form (and OPT, whose content edns.hpp reads).
struct opaque {
  std::span<const std::byte> data;
  friend bool operator==(const opaque& x, const opaque& y) noexcept {
    return x.data.size() == y.data.size() && std::equal(x.data.begin(), x.data.end(), y.data.begin());
  }
};

}  // namespace rdata

using rdata_value =
    std::variant<rdata::opaque, rdata::a, rdata::aaaa, rdata::cname, rdata::ns, rdata::ptr, rdata::mx, rdata::txt,
                 rdata::soa, rdata::srv, rdata::md, rdata::mf, rdata::mb, rdata::mg, rdata::mr, rdata::minfo,
                 rdata::rp, rdata::afsdb, rdata::rt>;

// True for the types decoded into a typed form (the others decode as opaque).
constexpr bool has_typed_rdata(rr_type t) noexcept {
  switch (t) {
    case rr_type::a: case rr_type::aaaa: case rr_type::cname: case rr_type::ns: case rr_type::ptr:
    case rr_type::mx: case rr_type::txt: case rr_type::soa: case rr_type::srv:
    case rr_type::md: case rr_type::mf: case rr_type::mb: case rr_type::mg: case rr_type::mr:
    case rr_type::minfo: case rr_type::rp: case rr_type::afsdb: case rr_type::rt:
      return true;
    default:
      return false;
  }
}

// Decodes the RDATA of a record of type `type` that occupies
// message[offset, offset + length). The whole message is needed because names
// inside RDATA may be compressed. Names must end inside the RDATA and typed
// RDATA must fill it exactly; any violation is errc::bad_rdata (or the name's own error).
DNSFILTER_DECL result<rdata_value> decode_rdata(std::span<const std::byte> message, rr_type type, std::size_t offset,
                                                std::size_t length) noexcept;

// Validates the RDATA as decode_rdata would, copying nothing.
DNSFILTER_DECL result<void> validate_rdata(std::span<const std::byte> message, rr_type type, std::size_t offset,
                                           std::size_t length) noexcept;

// The record type a typed rdata value stands for; for opaque, `fallback`.
DNSFILTER_DECL rr_type type_of(const rdata_value& value, rr_type fallback) noexcept;

}  // namespace dnsfilter::wire

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/wire/impl/rdata.ipp>
#endif
