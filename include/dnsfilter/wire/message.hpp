// dnsfilter — a validated, zero-copy view of a whole DNS message.
//
// message_view::parse checks everything once — header counts, every name with
// its limits, the shape of typed RDATA, the EDNS rules (at most one OPT, in the
// additional section, owned by the root) and that nothing trails the last
// record — and afterwards hands out views into the caller's buffer. Nothing is
// allocated; the buffer must outlive the view.
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/result.hpp>
#include <dnsfilter/wire/edns.hpp>
#include <dnsfilter/wire/header.hpp>
#include <dnsfilter/wire/name.hpp>
#include <dnsfilter/wire/rdata.hpp>
#include <dnsfilter/wire/types.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace dnsfilter::wire {

struct question_view {
  std::size_t name_offset = 0;  // where the (possibly compressed) name starts
  std::size_t end = 0;          // just past QCLASS
  rr_type type{};
  rr_class klass{};
};

struct record_view {
  std::size_t owner_offset = 0;  // where the (possibly compressed) owner starts
  wire::section section = wire::section::answer;
  rr_type type{};
  std::uint16_t klass = 0;  // a class, or for OPT the requestor's payload size
  std::uint32_t ttl = 0;    // for OPT, the extended rcode, version and flags
  std::size_t rdata_offset = 0;
  std::size_t rdata_length = 0;
  std::size_t end() const noexcept { return rdata_offset + rdata_length; }
};


class message_view {
 public:
  // Parses and validates a whole message.
  static DNSFILTER_DECL result<message_view> parse(std::span<const std::byte> message) noexcept;

  std::span<const std::byte> bytes() const noexcept { return bytes_; }
  const wire::header& header() const noexcept { return header_; }
  // The 12-bit response code, extended bits from OPT included.
  wire::rcode rcode() const noexcept {
    return static_cast<wire::rcode>((has_edns_ ? std::uint16_t(edns_.extended_rcode) << 4 : 0) | header_.rcode);
  }
  bool has_edns() const noexcept { return has_edns_; }
  // Meaningful only when has_edns().
  const wire::edns& edns() const noexcept { return edns_; }

  // The i-th question; a default question_view when i >= header().qdcount.
  question_view question(std::size_t i = 0) const noexcept;
  // Reads a (possibly compressed) name of this message at an offset that
  // parse() validated, e.g. a record's owner_offset; "." for any other offset.
  name read_name_at(std::size_t offset) const noexcept {
    name n;
    (void)read_name(bytes_, offset, n);  // validated by parse
    return n;
  }

  // Records of one section (OPT included, in the additional section).
  class record_iterator {
   public:
    using value_type = record_view;
    using difference_type = std::ptrdiff_t;
    record_iterator() noexcept = default;
    // Holds the message bytes, not the view, so iterating the records of a
    // temporary message_view stays valid while the buffer lives.
    record_iterator(std::span<const std::byte> bytes, wire::section s, std::size_t pos, std::size_t left) noexcept
        : bytes_(bytes), s_(s), pos_(pos), left_(left) { load(); }
    const record_view& operator*() const noexcept { return current_; }
    const record_view* operator->() const noexcept { return &current_; }
    record_iterator& operator++() noexcept { pos_ = current_.end(); --left_; load(); return *this; }
    record_iterator operator++(int) noexcept { auto t = *this; ++*this; return t; }
    bool operator==(const record_iterator& o) const noexcept { return left_ == o.left_; }

   private:
    DNSFILTER_DECL void load() noexcept;
    std::span<const std::byte> bytes_;
    wire::section s_ = wire::section::answer;
    std::size_t pos_ = 0, left_ = 0;
    record_view current_;
  };
  struct record_range {
    record_iterator first;
    record_iterator begin() const noexcept { return first; }
    record_iterator end() const noexcept { return {}; }
  };
  // Questions are not records (no TTL, no RDATA): section::question gives an
  // empty range; use question(i) for them.
  record_range records(wire::section s) const noexcept {
    const auto i = static_cast<std::size_t>(s);
    const std::size_t count = s == wire::section::question ? 0 : header_.count(s);
    return {record_iterator{bytes_, s, section_start_[i], count}};
  }

  // Typed RDATA of a record of this message.
  result<rdata_value> rdata(const record_view& rr) const noexcept {
    return decode_rdata(bytes_, rr.type, rr.rdata_offset, rr.rdata_length);
  }

 private:
  std::span<const std::byte> bytes_;
  wire::header header_;
  std::array<std::size_t, 4> section_start_{};  // offsets of the four sections
  bool has_edns_ = false;
  wire::edns edns_;
};


}  // namespace dnsfilter::wire

namespace dnsfilter::detail {
// Validates `count[0..2]` records (answer, authority, additional) starting at
// `pos`, fills `edns`/`has_edns` from an OPT record, and returns the offset
// just past the last record. `starts`, when not null, receives the offsets of
// the authority and additional sections.
DNSFILTER_DECL result<std::size_t> walk_records(std::span<const std::byte> message, std::size_t pos,
                                                const std::array<std::uint16_t, 3>& count, wire::edns& edns,
                                                bool& has_edns, std::size_t* starts) noexcept;
}  // namespace dnsfilter::detail

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/wire/impl/message.ipp>
#endif
