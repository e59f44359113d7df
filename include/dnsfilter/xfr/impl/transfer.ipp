// Definitions for xfr/transfer.hpp.
#pragma once

#include <dnsfilter/wire/writer.hpp>
#include <dnsfilter/xfr/transfer.hpp>

#include <variant>

namespace dnsfilter::xfr {

namespace detail {

inline result<std::span<const std::byte>> write_query(wire::name_view zone, wire::rr_type type, std::uint16_t id,
                                                      const wire::rdata::soa* authority,
                                                      std::span<std::byte> out) noexcept {
  wire::message_writer w{out};
  w.header().id = id;
  if (auto e = w.add_question(zone, type); !e) return e.error();
  if (authority != nullptr) {
    if (auto e = w.add_record(wire::section::authority, zone, wire::rr_type::soa, wire::rr_class::in, 0, *authority);
        !e)
      return e.error();
  }
  return w.finish();
}

// The SOA of a record the caller knows is an SOA; false when its RDATA is not one.
inline bool soa_of(const record& r, wire::rdata::soa& out) noexcept {
  auto data = r.message.rdata(r.rr);
  if (!data) return false;
  const auto* s = std::get_if<wire::rdata::soa>(&*data);
  if (s == nullptr) return false;
  out = *s;
  return true;
}

}  // namespace detail

DNSFILTER_DECL result<std::span<const std::byte>> write_transfer_query(wire::name_view zone, kind k, std::uint16_t id,
                                                                       std::uint32_t serial,
                                                                       std::span<std::byte> out) noexcept {
  if (k == kind::axfr) return detail::write_query(zone, wire::rr_type::axfr, id, nullptr, out);
  wire::rdata::soa ours;  // only the serial counts (RFC 1995 §3); the names stay the root
  ours.serial = serial;
  return detail::write_query(zone, wire::rr_type::ixfr, id, &ours, out);
}

DNSFILTER_DECL result<std::span<const std::byte>> write_soa_query(wire::name_view zone, std::uint16_t id,
                                                                  std::span<std::byte> out) noexcept {
  return detail::write_query(zone, wire::rr_type::soa, id, nullptr, out);
}

DNSFILTER_DECL errc transfer_reader::check_header(const wire::message_view& m) const noexcept {
  const wire::header& h = m.header();
  if (!h.qr || h.opcode != wire::opcode::query || h.id != id_ || h.tc) return errc::transfer_mismatch;
  if (m.rcode() != wire::rcode::noerror) return errc::transfer_refused;
  // The first message repeats our question; the others may (RFC 5936 §2.2).
  if (h.qdcount > 1 || (h.qdcount == 0 && messages_ == 0)) return errc::transfer_mismatch;
  if (h.qdcount == 1) {
    const wire::question_view q = m.question();
    const wire::rr_type want = asked_ == kind::axfr ? wire::rr_type::axfr : wire::rr_type::ixfr;
    if (q.type != want || q.klass != wire::rr_class::in || m.read_name_at(q.name_offset) != zone_)
      return errc::transfer_mismatch;
  }
  return errc::ok;
}

DNSFILTER_DECL result<bool> transfer_reader::feed(const wire::message_view& m, transfer_handler& handler) noexcept {
  if (state_ == state::failed) return error_;
  position_ = {messages_, 0};
  if (state_ == state::done) return fail(errc::transfer_malformed);  // a message after the closing SOA
  if (const errc e = check_header(m); e != errc::ok) return fail(e);
  ++messages_;
  bytes_ += m.bytes().size();
  std::size_t index = 0;
  for (const wire::record_view& rr : m.records(wire::section::answer)) {
    position_.record = index++;
    if (state_ == state::done) return fail(errc::transfer_malformed);  // a record after the closing SOA
    const wire::name owner = m.read_name_at(rr.owner_offset);
    if (rr.klass != static_cast<std::uint16_t>(wire::rr_class::in) || !owner.view().is_subdomain_of(zone_.view()))
      return fail(errc::transfer_out_of_zone);
    ++records_;
    if (const errc e = record_in(record{owner, rr, m}, handler); e != errc::ok) return fail(e);
  }
  // The single-SOA reply to an IXFR whose serial is current (RFC 1995 §2).
  // A zone older than ours is no reply to trust: its primary went backwards.
  if (messages_ == 1 && index == 1 && state_ == state::after_first && asked_ == kind::ixfr &&
      !serial_newer(soa_.serial, client_serial_)) {
    if (soa_.serial != client_serial_) return fail(errc::transfer_serial);
    state_ = state::done;
    outcome_ = transfer_result::up_to_date;
    handler.end(soa_);
  }
  return state_ == state::done;
}

DNSFILTER_DECL errc transfer_reader::record_in(const record& r, transfer_handler& handler) noexcept {
  wire::rdata::soa soa;
  const bool is_soa = r.rr.type == wire::rr_type::soa;
  // SOA records frame the stream; one anywhere but at the apex is no framing a
  // reader could trust.
  if (is_soa && (r.owner != zone_ || !detail::soa_of(r, soa))) return errc::transfer_malformed;
  switch (state_) {
    case state::first_soa:
      if (!is_soa) return errc::transfer_malformed;
      soa_ = soa;
      state_ = state::after_first;
      return errc::ok;
    case state::after_first:
      // An IXFR answer goes on with the SOA of our own version; anything else
      // is a whole zone (AXFR, or IXFR answered as AXFR, RFC 1995 §4).
      if (asked_ == kind::ixfr && is_soa && soa.serial == client_serial_ && soa.serial != soa_.serial) {
        if (!serial_newer(soa_.serial, client_serial_)) return errc::transfer_serial;
        state_ = state::deleting;
        outcome_ = transfer_result::incremental;
        from_ = soa.serial;
        handler.begin_difference(from_);
        return errc::ok;
      }
      state_ = state::full;
      outcome_ = transfer_result::full;
      handler.begin_full(soa_);
      [[fallthrough]];
    case state::full:
      if (!is_soa) {
        handler.full_record(r);
        return errc::ok;
      }
      if (!(soa == soa_)) return errc::transfer_malformed;  // only the zone's SOA closes it
      state_ = state::done;
      handler.end(soa_);
      return errc::ok;
    case state::deleting:
      if (!is_soa) {
        handler.deleted(r);
        return errc::ok;
      }
      // The SOA of the version the difference leads to: newer than where it
      // started, and not past the zone's own serial.
      if (!serial_newer(soa.serial, from_) || serial_newer(soa.serial, soa_.serial)) return errc::transfer_serial;
      to_ = soa.serial;
      state_ = state::adding;
      handler.begin_additions(to_);
      return errc::ok;
    case state::adding:
      if (!is_soa) {
        handler.added(r);
        return errc::ok;
      }
      if (soa.serial != to_) return errc::transfer_serial;  // the next difference starts where this one ended
      if (to_ == soa_.serial) {  // at the zone's serial: this is the closing SOA
        if (!(soa == soa_)) return errc::transfer_malformed;
        state_ = state::done;
        handler.end(soa_);
        return errc::ok;
      }
      from_ = to_;
      state_ = state::deleting;
      handler.begin_difference(from_);
      return errc::ok;
    case state::done:
    case state::failed:
      break;
  }
  return errc::transfer_malformed;
}

DNSFILTER_DECL result<transfer_result> transfer_reader::finish() const noexcept {
  if (state_ == state::failed) return error_;
  if (state_ != state::done) return errc::transfer_malformed;  // the stream ended before its closing SOA
  return outcome_;
}

}  // namespace dnsfilter::xfr
