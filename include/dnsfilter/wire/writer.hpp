// dnsfilter — writes DNS messages into a caller-provided buffer.
//
// The writer never allocates and never writes past its limit. Names are
// compressed against the names already written (RFC 1035 section 4.1.4) where
// RFC 3597 allows it: owners, and the names inside CNAME, NS, PTR, MX and SOA
// RDATA — never inside SRV or unknown types. A record that does not fit is
// rolled back whole; in the question, answer or authority section that also
// sets TC, as a truncated answer must (RFC 2181 section 9), while a dropped
// additional record does not. Sections are written in wire order.
//
//   std::array<std::byte, 512> buf;
//   message_writer w{buf};
//   w.header().id = query.header().id;
//   w.header().qr = true;
//   w.add_question(query.qname(), query.qtype());
//   w.add_record(section::answer, query.qname(), rr_type::a, rr_class::in, 60, rdata::a{{...}});
//   auto packet = w.finish();
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/result.hpp>
#include <dnsfilter/wire/edns.hpp>
#include <dnsfilter/wire/header.hpp>
#include <dnsfilter/wire/name.hpp>
#include <dnsfilter/wire/rdata.hpp>
#include <dnsfilter/wire/types.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace dnsfilter::wire {

class message_writer {
 public:
  // The largest DNS message: TCP frames it with a 16-bit length (RFC 1035 4.2.2).
  static constexpr std::size_t max_message_size = 65535;

  // Writes into `buffer`, never beyond min(limit, buffer.size(), 65535) octets
  // (for UDP, the client's payload size). A buffer or limit under 12 octets
  // fails every add, and finish() then returns an empty message.
  explicit message_writer(std::span<std::byte> buffer, std::size_t limit = SIZE_MAX) noexcept
      : buf_(buffer),
        limit_(std::min({limit, buffer.size(), max_message_size})),
        pos_(header_size) {}

  // The header to send; its four counts are filled in by finish(). An rcode
  // above 15 (BADVERS = 16) is split by finish(): the low four bits go in the
  // header, the rest in the OPT record, which such an answer must carry.
  wire::header& header() noexcept { return header_; }

  // Keeps `octets` free at the end for a later add_opt and its options, so that
  // the OPT record survives a truncated answer. add_opt releases the reservation.
  void reserve(std::size_t octets) noexcept { reserved_ = octets; }

  DNSFILTER_DECL result<void> add_question(name_view qname, rr_type type, rr_class klass = rr_class::in) noexcept;

  // A record with typed or opaque RDATA. `type` must agree with a typed value
  // (errc::out_of_range otherwise); opaque data is written verbatim.
  DNSFILTER_DECL result<void> add_record(section s, name_view owner, rr_type type, rr_class klass, std::uint32_t ttl,
                                         const rdata_value& data) noexcept;

  // A record whose RDATA is given as wire bytes, copied verbatim.
  DNSFILTER_DECL result<void> add_raw_record(section s, name_view owner, rr_type type, std::uint16_t klass,
                                             std::uint32_t ttl, std::span<const std::byte> rdata) noexcept;

  // The OPT record, last in the additional section, with `e.options_data`
  // copied verbatim (so add_opt(query.edns()) would echo every option of the
  // client's, cookie and padding included: usually build a fresh edns); add_option and its typed forms append more options to it.
  // A second OPT is errc::out_of_range.
  DNSFILTER_DECL result<void> add_opt(const edns& e) noexcept;
  DNSFILTER_DECL result<void> add_option(std::uint16_t code, std::span<const std::byte> data) noexcept;
  // An Extended DNS Error (RFC 8914) option; the text should be UTF-8.
  DNSFILTER_DECL result<void> add_extended_error(std::uint16_t info_code, std::string_view text) noexcept;
  DNSFILTER_DECL result<void> add_client_subnet(const client_subnet& subnet) noexcept;

  // True once something was dropped for lack of space.
  bool truncated() const noexcept { return dropped_; }
  std::size_t size() const noexcept { return limit_ < header_size ? 0 : pos_; }

  // Writes the header and returns the message (empty if the buffer or limit is under 12 octets).
  DNSFILTER_DECL std::span<const std::byte> finish() noexcept;

 private:
  struct saved_state {
    std::size_t pos;
    std::size_t names;
  };
  saved_state save() const noexcept { return {pos_, name_count_}; }
  void restore(saved_state s) noexcept { pos_ = s.pos; name_count_ = s.names; }

  DNSFILTER_DECL errc begin_record(section s, name_view owner, rr_type type, std::uint16_t klass, std::uint32_t ttl,
                                   std::size_t limit) noexcept;
  DNSFILTER_DECL result<void> fail(section s, saved_state at) noexcept;
  DNSFILTER_DECL errc write_name(name_view n, bool compress, std::size_t limit) noexcept;
  DNSFILTER_DECL bool name_matches(std::size_t at, name_view suffix) const noexcept;
  bool put(const void* data, std::size_t n, std::size_t limit) noexcept;
  bool put_u16(std::uint16_t v, std::size_t limit) noexcept;
  bool put_u32(std::uint32_t v, std::size_t limit) noexcept;
  std::size_t record_limit() const noexcept { return limit_ > reserved_ ? limit_ - reserved_ : 0; }

  // Where earlier names' labels start, for compression; offsets must fit in
  // 14 bits to be pointed at. A full table only costs compression, never room.
  static constexpr std::size_t max_compression_names = 64;
  struct compression_entry {
    std::uint16_t offset;
    std::uint8_t size;  // uncompressed octets from this label to the root
  };

  std::span<std::byte> buf_;
  std::size_t limit_;
  std::size_t pos_;
  std::size_t reserved_ = 0;
  wire::header header_;
  std::array<std::uint16_t, 4> counts_{};
  section current_ = section::question;
  bool dropped_ = false;
  bool has_opt_ = false;
  std::size_t opt_ttl_at_ = 0;  // where the OPT's TTL sits, valid when has_opt_
  std::size_t opt_rdlength_at_ = 0;  // where the OPT's RDLENGTH sits, 0 when not last
  std::size_t name_count_ = 0;
  std::array<compression_entry, max_compression_names> names_;
};

inline bool message_writer::put(const void* data, std::size_t n, std::size_t limit) noexcept {
  if (pos_ > limit || limit - pos_ < n) return false;
  if (n != 0) std::memcpy(buf_.data() + pos_, data, n);  // data may be null when n is 0
  pos_ += n;
  return true;
}

inline bool message_writer::put_u16(std::uint16_t v, std::size_t limit) noexcept {
  std::byte b[2];
  detail::store_u16(b, v);
  return put(b, 2, limit);
}

inline bool message_writer::put_u32(std::uint32_t v, std::size_t limit) noexcept {
  std::byte b[4];
  detail::store_u32(b, v);
  return put(b, 4, limit);
}

}  // namespace dnsfilter::wire

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/wire/impl/writer.ipp>
#endif
