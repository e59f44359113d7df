// dnsfilter — the zero-copy view of a query, the per-packet entry point.
//
// query_view::parse reads the header and the single question, and validates
// whatever records follow (normally just an OPT) so that the EDNS fields are at
// hand. It allocates nothing and copies nothing: qname() views the packet
// itself, with the client's original letter case (0x20 randomisation) intact,
// so an answer can echo it. The question name is the first name of the
// message, so a compression pointer in it could only point into the header or
// into itself: both are errc::bad_pointer, and the view never decompresses.
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/result.hpp>
#include <dnsfilter/wire/edns.hpp>
#include <dnsfilter/wire/header.hpp>
#include <dnsfilter/wire/name.hpp>
#include <dnsfilter/wire/types.hpp>

#include <cstddef>
#include <cstdint>
#include <span>

namespace dnsfilter::wire {

class query_view {
 public:
  // Parses a query: exactly one question (errc::bad_question_count otherwise),
  // every following record validated, at most one OPT, nothing trailing.
  // The packet must outlive the view. QR and opcode are not judged here: what
  // to do with a response or a NOTIFY is the caller's policy.
  static DNSFILTER_DECL result<query_view> parse(std::span<const std::byte> packet) noexcept;

  std::span<const std::byte> packet() const noexcept { return packet_; }
  const wire::header& header() const noexcept { return header_; }

  // The root for a default-constructed view.
  name_view qname() const noexcept {
    if (packet_.empty()) return {};
    return name_view::from_trusted(packet_.data() + header_size, qname_size_, qname_labels_);
  }
  rr_type qtype() const noexcept { return qtype_; }
  rr_class qclass() const noexcept { return qclass_; }
  // Offset just past the question (QCLASS included).
  std::size_t question_end() const noexcept { return question_end_; }

  bool has_edns() const noexcept { return has_edns_; }
  // Meaningful only when has_edns().
  const wire::edns& edns() const noexcept { return edns_; }

 private:
  std::span<const std::byte> packet_;
  wire::header header_;
  rr_type qtype_{};
  rr_class qclass_{};
  std::uint8_t qname_size_ = 1;
  std::uint8_t qname_labels_ = 0;
  bool has_edns_ = false;
  std::size_t question_end_ = 0;
  wire::edns edns_;
};

}  // namespace dnsfilter::wire

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/wire/impl/query.ipp>
#endif
