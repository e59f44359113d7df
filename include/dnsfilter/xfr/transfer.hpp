// dnsfilter — zone transfers, transport-agnostic: the queries (SOA, AXFR,
// IXFR) and a reader that takes the response stream message by message and
// reports a full zone or a sequence of IXFR differences (RFC 5936, RFC 1995).
//
//   xfr::transfer_reader reader{zone, id, xfr::kind::ixfr, our_serial};
//   for each message received:                        // TCP, length-prefixed
//     auto m = wire::message_view::parse(bytes);      // the caller's one parse
//     auto done = m ? reader.feed(*m, handler) : result<bool>{m.error()};
//     if (!done) { /* done.error(), reader.position(): drop what the handler staged */ }
//     if (*done) break;                                // handler.end() has run
//   if the stream ended first: reader.finish() is errc::transfer_malformed
//
// The reader keeps no records: it checks the stream and hands each record to
// the handler, which stages the change and applies it at end() — a transfer
// that fails at any point leaves the policy being served untouched. What it
// refuses, with an errc and the position (message, record): a message that is
// not an answer to our query (transfer_mismatch), an error rcode
// (transfer_refused), a record outside the zone or of another class
// (transfer_out_of_zone), serials that do not chain (transfer_serial), and a
// stream that does not start with the zone's SOA, goes on past its closing
// SOA or ends before it (transfer_malformed). IXFR answered as AXFR and the
// single-SOA "up to date" reply are recognised.
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/result.hpp>
#include <dnsfilter/wire/message.hpp>
#include <dnsfilter/wire/name.hpp>
#include <dnsfilter/wire/rdata.hpp>
#include <dnsfilter/wire/types.hpp>

#include <cstddef>
#include <cstdint>
#include <span>

namespace dnsfilter::xfr {

enum class kind : std::uint8_t { axfr, ixfr };

// Writes the query for a transfer of `zone` into `out`: AXFR, or IXFR from
// `serial` (the client's SOA in the authority section, RFC 1995 §3).
DNSFILTER_DECL result<std::span<const std::byte>> write_transfer_query(wire::name_view zone, kind k, std::uint16_t id,
                                                                       std::uint32_t serial,
                                                                       std::span<std::byte> out) noexcept;
// The SOA query a secondary asks before it transfers (is there a newer serial?).
DNSFILTER_DECL result<std::span<const std::byte>> write_soa_query(wire::name_view zone, std::uint16_t id,
                                                                  std::span<std::byte> out) noexcept;

// RFC 1982 serial arithmetic: true when `a` is newer than `b`.
constexpr bool serial_newer(std::uint32_t a, std::uint32_t b) noexcept {
  return a != b && static_cast<std::uint32_t>(a - b) < 0x80000000u;
}

// One record of the stream, as the handler sees it: valid during the call.
// `rr` and `message` give the typed RDATA (message.rdata(rr)) with its
// compressed names resolved.
struct record {
  const wire::name& owner;
  const wire::record_view& rr;
  const wire::message_view& message;
};

// What a transfer reports, in stream order. The SOA records that frame the
// stream and its differences are not passed as records.
class transfer_handler {
 public:
  virtual ~transfer_handler() = default;
  // A whole zone follows (AXFR, or IXFR answered as AXFR): it replaces the old one.
  virtual void begin_full(const wire::rdata::soa& soa) = 0;
  virtual void full_record(const record& r) = 0;
  // One IXFR difference: the records deleted from the zone at serial
  // `from`, then those added to make serial `to`.
  virtual void begin_difference(std::uint32_t from) = 0;
  virtual void deleted(const record& r) = 0;
  virtual void begin_additions(std::uint32_t to) = 0;
  virtual void added(const record& r) = 0;
  // The transfer is complete and checked: the zone is now at `soa`. Apply.
  virtual void end(const wire::rdata::soa& soa) = 0;

 protected:
  transfer_handler() = default;
  transfer_handler(const transfer_handler&) = default;
  transfer_handler& operator=(const transfer_handler&) = default;
};

// Where the reader stopped: 0-based message and answer record of that message.
struct transfer_position {
  std::size_t message = 0;
  std::size_t record = 0;
};

enum class transfer_result : std::uint8_t {
  none,         // not finished
  full,         // a whole zone was transferred
  incremental,  // IXFR differences were transferred
  up_to_date,   // the single-SOA reply: our serial is current (an older one is errc::transfer_serial)
};

class transfer_reader {
 public:
  // `zone` as asked, the query's `id`, the kind asked for and, for IXFR, the
  // serial the query named.
  transfer_reader(wire::name zone, std::uint16_t id, kind asked, std::uint32_t client_serial = 0) noexcept
      : zone_(zone), id_(id), asked_(asked), client_serial_(client_serial) {}

  // The next message of the stream. true once the transfer is complete
  // (handler.end() has run); false while more messages are to come; an error
  // (see the top of this file) ends the transfer, and feed() keeps failing.
  DNSFILTER_DECL result<bool> feed(const wire::message_view& m, transfer_handler& handler) noexcept;
  // The stream ended: ok when the transfer was complete, else
  // errc::transfer_malformed (closed before its last SOA).
  DNSFILTER_DECL result<transfer_result> finish() const noexcept;

  transfer_result outcome() const noexcept { return outcome_; }
  transfer_position position() const noexcept { return position_; }
  std::size_t messages() const noexcept { return messages_; }
  std::size_t records() const noexcept { return records_; }
  std::size_t bytes() const noexcept { return bytes_; }
  // The zone's SOA (the first record), once seen.
  const wire::rdata::soa& zone_soa() const noexcept { return soa_; }

 private:
  enum class state : std::uint8_t { first_soa, after_first, full, deleting, adding, done, failed };
  DNSFILTER_DECL errc record_in(const record& r, transfer_handler& handler) noexcept;
  DNSFILTER_DECL errc check_header(const wire::message_view& m) const noexcept;
  errc fail(errc e) noexcept {
    state_ = state::failed;
    error_ = e;
    return e;
  }

  wire::name zone_;
  std::uint16_t id_;
  kind asked_;
  std::uint32_t client_serial_;
  state state_ = state::first_soa;
  errc error_ = errc::ok;
  transfer_result outcome_ = transfer_result::none;
  wire::rdata::soa soa_;
  std::uint32_t from_ = 0, to_ = 0;  // the difference being read
  transfer_position position_;
  std::size_t messages_ = 0, records_ = 0, bytes_ = 0;
};

}  // namespace dnsfilter::xfr

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/xfr/impl/transfer.ipp>
#endif
