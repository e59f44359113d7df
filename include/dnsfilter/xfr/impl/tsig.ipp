// Definitions for xfr/tsig.hpp.
#pragma once

#include <dnsfilter/detail/bytes.hpp>
#include <dnsfilter/detail/text.hpp>
#include <dnsfilter/xfr/tsig.hpp>

#include <algorithm>
#include <cstring>

namespace dnsfilter::xfr {

namespace detail {

using dnsfilter::detail::load_u16;
using dnsfilter::detail::store_u16;
using dnsfilter::detail::store_u32;

struct tsig_algorithm_info {
  tsig_algorithm algorithm;
  std::string_view text;
  const char* wire;  // the name in wire form: one label, then the root
  std::size_t digest;
};

// The length octet stands apart from the text so that a hex escape never swallows a letter.
inline constexpr tsig_algorithm_info tsig_algorithms[] = {
    {tsig_algorithm::hmac_sha1, "hmac-sha1", "\x09" "hmac-sha1", 20},
    {tsig_algorithm::hmac_sha224, "hmac-sha224", "\x0b" "hmac-sha224", 28},
    {tsig_algorithm::hmac_sha256, "hmac-sha256", "\x0b" "hmac-sha256", 32},
    {tsig_algorithm::hmac_sha384, "hmac-sha384", "\x0b" "hmac-sha384", 48},
    {tsig_algorithm::hmac_sha512, "hmac-sha512", "\x0b" "hmac-sha512", 64},
};

inline const tsig_algorithm_info& info(tsig_algorithm a) noexcept {
  for (const auto& i : tsig_algorithms)
    if (i.algorithm == a) return i;
  return tsig_algorithms[2];  // not reached: every enumerator is listed
}

inline void put_u48(std::byte* p, std::uint64_t v) noexcept {
  store_u16(p, static_cast<std::uint16_t>(v >> 32));
  store_u32(p + 2, static_cast<std::uint32_t>(v));
}

inline std::uint64_t get_u48(const std::byte* p) noexcept {
  return std::uint64_t{load_u16(p)} << 32 | dnsfilter::detail::load_u32(p + 2);
}

// The MAC a message's MAC chains from (RFC 8945 §4.3.1, §5.3.1): its size, then its octets.
inline void digest_prior(tsig_hmac& h, const tsig_mac& prior) noexcept {
  std::byte size[2];
  store_u16(size, static_cast<std::uint16_t>(prior.size));
  h.update(size);
  h.update(prior.view());
}

// Starts the MAC of a message that chains from `prior` (none for a request).
inline bool begin_mac(tsig_hmac& h, const tsig_key& key, const tsig_mac* prior) noexcept {
  if (!h.begin(key.algorithm, key.secret())) return false;
  if (prior != nullptr) digest_prior(h, *prior);
  return true;
}

// The TSIG variables of a request or a first answer (RFC 8945 §4.3.3):
// names in canonical (lower-case, uncompressed) form, class ANY, TTL 0.
inline void digest_variables(tsig_hmac& h, wire::name_view key_name, wire::name_view algorithm,
                             std::uint64_t time_signed, std::uint16_t fudge, std::uint16_t error,
                             std::span<const std::byte> other) noexcept {
  wire::name key = key_name;
  key.to_lower();
  h.update(key.wire());
  const std::byte class_ttl[6] = {std::byte{0}, std::byte{255}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}};
  h.update(class_ttl);
  h.update(algorithm.wire());  // one of ours: already lower case
  std::byte fields[12];
  put_u48(fields, time_signed);
  store_u16(fields + 6, fudge);
  store_u16(fields + 8, error);
  store_u16(fields + 10, static_cast<std::uint16_t>(other.size()));
  h.update(fields);
  h.update(other);
}

// The timers that replace the variables in later messages of a stream (RFC 8945 §5.3.1).
inline void digest_timers(tsig_hmac& h, std::uint64_t time_signed, std::uint16_t fudge) noexcept {
  std::byte timers[8];
  put_u48(timers, time_signed);
  store_u16(timers + 6, fudge);
  h.update(timers);
}

// Compares every octet, whatever differs first, so that the time taken
// tells nothing about how much of a forged MAC was right.
inline bool same_octets(std::span<const std::byte> a, const std::byte* b) noexcept {
  unsigned diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned>(a[i] ^ b[i]);
  return diff == 0;
}

// Appends the TSIG record to buffer[0, size). `prior`: the MAC this one
// chains from (none for a request); `running`: the HMAC already holds the
// prior MAC and the unsigned messages since; `first`: the variables go in,
// else the timers (RFC 8945 §4.3.3, §5.3.1).
inline result<std::size_t> sign(std::span<std::byte> buffer, std::size_t size, const tsig_key& key,
                                tsig_hmac& hmac, std::uint64_t now, const tsig_mac* prior, bool running, bool first,
                                tsig_mac& mac, tsig_error error, std::uint16_t fudge) noexcept {
  if (size < wire::header_size || size > buffer.size()) return errc::invalid_argument;
  const std::uint16_t arcount = load_u16(buffer.data() + 10);
  if (arcount == 0xFFFF) return errc::out_of_range;
  wire::name key_name = key.name;
  key_name.to_lower();
  const wire::name_view algorithm = algorithm_name(key.algorithm);
  const std::size_t digest = digest_size(key.algorithm);
  const std::uint64_t time_signed = now & 0xFFFFFFFFFFFFu;
  // BADSIG and BADKEY answers go unsigned: we could not, or would not, use the key.
  const bool unsigned_error = error == tsig_error::badsig || error == tsig_error::badkey;
  std::byte other[6];
  const std::size_t other_size = error == tsig_error::badtime ? 6 : 0;  // our time (RFC 8945 §5.2.3)
  if (other_size != 0) put_u48(other, time_signed);
  const std::size_t mac_size = unsigned_error ? 0 : digest;
  const std::size_t rdlength = algorithm.size() + 16 + mac_size + other_size;
  const std::size_t total = key_name.size() + 10 + rdlength;
  if (buffer.size() - size < total || size + total > 65535) return errc::no_space;

  mac.size = 0;
  if (!unsigned_error) {
    if (!running && !begin_mac(hmac, key, prior)) return errc::tsig_hmac_failed;
    hmac.update(buffer.first(size));
    if (first) {
      digest_variables(hmac, key_name, algorithm, time_signed, fudge, static_cast<std::uint16_t>(error),
                       {other, other_size});
    } else {
      digest_timers(hmac, time_signed, fudge);
    }
    if (!hmac.finish(std::span<std::byte>(mac.bytes).first(digest))) return errc::tsig_hmac_failed;
    mac.size = digest;
  }

  std::byte* p = buffer.data() + size;
  std::memcpy(p, key_name.data(), key_name.size());
  p += key_name.size();
  store_u16(p, tsig_rr_type);
  store_u16(p + 2, 255);  // class ANY
  store_u32(p + 4, 0);    // TTL
  store_u16(p + 8, static_cast<std::uint16_t>(rdlength));
  p += 10;
  std::memcpy(p, algorithm.data(), algorithm.size());
  p += algorithm.size();
  put_u48(p, time_signed);
  store_u16(p + 6, fudge);
  store_u16(p + 8, static_cast<std::uint16_t>(mac.size));
  p += 10;
  if (mac.size != 0) std::memcpy(p, mac.bytes.data(), mac.size);
  p += mac.size;
  store_u16(p, load_u16(buffer.data()));  // original ID: the header's
  store_u16(p + 2, static_cast<std::uint16_t>(error));
  store_u16(p + 4, static_cast<std::uint16_t>(other_size));
  if (other_size != 0) std::memcpy(p + 6, other, other_size);
  store_u16(buffer.data() + 10, static_cast<std::uint16_t>(arcount + 1));
  return size + total;
}

inline errc peer_error(std::uint16_t error) noexcept {
  switch (static_cast<tsig_error>(error)) {
    case tsig_error::badsig: return errc::tsig_peer_bad_signature;
    case tsig_error::badkey: return errc::tsig_peer_bad_key;
    case tsig_error::badtime: return errc::tsig_peer_bad_time;
    default: return errc::tsig_peer_error;
  }
}

}  // namespace detail

DNSFILTER_DECL std::size_t digest_size(tsig_algorithm a) noexcept { return detail::info(a).digest; }

DNSFILTER_DECL std::string_view to_string(tsig_algorithm a) noexcept { return detail::info(a).text; }

DNSFILTER_DECL wire::name_view algorithm_name(tsig_algorithm a) noexcept {
  const auto& i = detail::info(a);
  return wire::name_view::from_trusted(reinterpret_cast<const std::byte*>(i.wire), i.text.size() + 2, 1);
}

DNSFILTER_DECL result<tsig_algorithm> tsig_algorithm_from_text(std::string_view text) noexcept {
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  for (const auto& i : detail::tsig_algorithms)
    if (dnsfilter::detail::iequals(text, i.text)) return i.algorithm;
  return errc::bad_key_file;
}

DNSFILTER_DECL result<tsig_key> tsig_key::make(wire::name_view name, tsig_algorithm algorithm,
                                               std::span<const std::byte> secret) noexcept {
  if (secret.empty()) return errc::invalid_argument;
  if (secret.size() > tsig_max_secret_size) return errc::out_of_range;
  tsig_key k;
  k.name = name;
  k.algorithm = algorithm;
  std::copy(secret.begin(), secret.end(), k.secret_bytes.begin());
  k.secret_size = secret.size();
  return k;
}

DNSFILTER_DECL result<std::optional<tsig_record>> read_tsig(const wire::message_view& m) noexcept {
  const std::size_t arcount = m.header().arcount;
  std::optional<tsig_record> found;
  for (const auto s : {wire::section::answer, wire::section::authority, wire::section::additional}) {
    std::size_t index = 0;
    for (const wire::record_view& rr : m.records(s)) {
      ++index;
      if (static_cast<std::uint16_t>(rr.type) != tsig_rr_type) continue;
      // Only the very last record may be a TSIG (RFC 8945 §5.1).
      if (s != wire::section::additional || index != arcount) return errc::tsig_malformed;
      if (rr.klass != 255 || rr.ttl != 0) return errc::tsig_malformed;
      const auto rdata = m.bytes().subspan(rr.rdata_offset, rr.rdata_length);
      // The algorithm name is never compressed (RFC 3597 §4, RFC 8945 §4.2).
      const auto algorithm = wire::name_view::from_wire(rdata);
      if (!algorithm) return errc::tsig_malformed;
      std::size_t pos = algorithm->size();
      if (rdata.size() - pos < 10) return errc::tsig_malformed;
      tsig_record t;
      t.offset = rr.owner_offset;
      t.key_name = m.read_name_at(rr.owner_offset);
      t.algorithm = *algorithm;
      t.time_signed = detail::get_u48(rdata.data() + pos);
      t.fudge = detail::load_u16(rdata.data() + pos + 6);
      const std::size_t mac_size = detail::load_u16(rdata.data() + pos + 8);
      pos += 10;
      if (rdata.size() - pos < mac_size || rdata.size() - pos - mac_size < 6) return errc::tsig_malformed;
      t.mac = rdata.subspan(pos, mac_size);
      pos += mac_size;
      t.original_id = detail::load_u16(rdata.data() + pos);
      t.error = detail::load_u16(rdata.data() + pos + 2);
      const std::size_t other_size = detail::load_u16(rdata.data() + pos + 4);
      pos += 6;
      if (rdata.size() - pos != other_size) return errc::tsig_malformed;
      t.other = rdata.subspan(pos, other_size);
      found = t;
    }
  }
  return found;
}

DNSFILTER_DECL result<std::size_t> sign_request(std::span<std::byte> buffer, std::size_t size, const tsig_key& key,
                                                tsig_hmac& hmac, std::uint64_t now, tsig_mac& mac,
                                                std::uint16_t fudge) noexcept {
  return detail::sign(buffer, size, key, hmac, now, nullptr, false, true, mac, tsig_error::noerror, fudge);
}

DNSFILTER_DECL result<std::size_t> sign_response(std::span<std::byte> buffer, std::size_t size, const tsig_key& key,
                                                 tsig_hmac& hmac, std::uint64_t now, const tsig_mac& request_mac,
                                                 tsig_mac& mac, tsig_error error, std::uint16_t fudge) noexcept {
  return detail::sign(buffer, size, key, hmac, now, &request_mac, false, true, mac, error, fudge);
}

DNSFILTER_DECL result<std::size_t> tsig_stream_signer::sign(std::span<std::byte> buffer, std::size_t size,
                                                            std::uint64_t now, std::uint16_t fudge) noexcept {
  if (error_ != errc::ok) return error_;
  tsig_mac mac;
  auto signed_size = detail::sign(buffer, size, key_, *hmac_, now, &prior_, running_, messages_ == 0, mac,
                                  tsig_error::noerror, fudge);
  if (!signed_size) {
    error_ = signed_size.error();
    return error_;
  }
  prior_ = mac;
  running_ = false;
  unsigned_run_ = 0;
  ++messages_;
  return signed_size;
}

DNSFILTER_DECL result<void> tsig_stream_signer::skip(std::span<const std::byte> message) noexcept {
  if (error_ != errc::ok) return error_;
  // The first message is always signed, and the last of any 100.
  if (messages_ == 0 || unsigned_run_ == tsig_max_unsigned_run) return errc::invalid_argument;
  if (!running_ && !detail::begin_mac(*hmac_, key_, &prior_)) {
    error_ = errc::tsig_hmac_failed;
    return error_;
  }
  running_ = true;
  hmac_->update(message);
  ++unsigned_run_;
  ++messages_;
  return {};
}

DNSFILTER_DECL result<void> tsig_verifier::verify(const wire::message_view& m, std::uint64_t now) noexcept {
  if (error_ != errc::ok) return error_;
  const auto t = read_tsig(m);
  if (!t) return fail(t.error());
  if (!*t) {
    // Unsigned: allowed only between signed messages of an answer stream.
    if (messages_ == 0 || !answer_) return fail(errc::tsig_missing);
    if (unsigned_run_ == tsig_max_unsigned_run) return fail(errc::tsig_unsigned_tail);
    if (!running_ && !detail::begin_mac(*hmac_, key_, &prior_)) return fail(errc::tsig_hmac_failed);
    running_ = true;
    hmac_->update(m.bytes());
    ++unsigned_run_;
    ++messages_;
    return {};
  }
  if (const errc e = verify_signed(m, **t, now); e != errc::ok) return fail(e);
  ++messages_;
  unsigned_run_ = 0;
  return {};
}

DNSFILTER_DECL errc tsig_verifier::verify_signed(const wire::message_view& m, const tsig_record& t,
                                                 std::uint64_t now) noexcept {
  // An answer that carries a TSIG error is the peer's refusal, signed or not:
  // say what it refused.
  if (answer_ && t.error != 0) return detail::peer_error(t.error);
  const wire::name_view algorithm = algorithm_name(key_.algorithm);
  if (t.key_name != key_.name.view() || t.algorithm != algorithm) return errc::tsig_bad_key;
  // RFC 8945 §5.2.2.1: never longer than the HMAC, never shorter than the
  // larger of 10 octets and half of it.
  const std::size_t digest = digest_size(key_.algorithm);
  if (t.mac.size() > digest || t.mac.size() < std::max<std::size_t>(10, digest / 2)) return errc::tsig_malformed;

  if (!running_ && !detail::begin_mac(*hmac_, key_, answer_ || messages_ > 0 ? &prior_ : nullptr))
    return errc::tsig_hmac_failed;
  running_ = false;
  // The message as it was before the TSIG record was added: the original ID,
  // one additional record less.
  std::byte header[wire::header_size];
  std::memcpy(header, m.bytes().data(), wire::header_size);
  detail::store_u16(header, t.original_id);
  detail::store_u16(header + 10, static_cast<std::uint16_t>(m.header().arcount - 1));
  hmac_->update(header);
  hmac_->update(m.bytes().subspan(wire::header_size, t.offset - wire::header_size));
  if (messages_ == 0) {
    detail::digest_variables(*hmac_, key_.name, algorithm, t.time_signed, t.fudge, t.error, t.other);
  } else {
    detail::digest_timers(*hmac_, t.time_signed, t.fudge);
  }
  std::array<std::byte, tsig_max_mac_size> expected;
  if (!hmac_->finish(std::span<std::byte>(expected).first(digest))) return errc::tsig_hmac_failed;
  if (!detail::same_octets(t.mac, expected.data())) return errc::tsig_bad_signature;
  // Time last, as RFC 8945 §5.2.3 orders the checks: only a genuine message
  // may tell us our clock is off.
  const std::uint64_t skew = now > t.time_signed ? now - t.time_signed : t.time_signed - now;
  if (skew > t.fudge) return errc::tsig_bad_time;

  std::copy(t.mac.begin(), t.mac.end(), prior_.bytes.begin());
  prior_.size = t.mac.size();
  last_time_ = t.time_signed;
  return errc::ok;
}

DNSFILTER_DECL result<void> tsig_verifier::finish() const noexcept {
  if (error_ != errc::ok) return error_;
  if (messages_ == 0) return errc::tsig_missing;
  if (unsigned_run_ != 0) return errc::tsig_unsigned_tail;
  return {};
}

}  // namespace dnsfilter::xfr
