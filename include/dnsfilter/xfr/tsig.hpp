// dnsfilter — TSIG (RFC 8945): signing and verifying DNS messages with a
// shared secret, for zone transfers, NOTIFY and their answers. The library
// computes no HMAC itself: the caller plugs one in (tsig_hmac; OpenSSL's in
// the examples), so the core needs no crypto library.
//
// A secondary that transfers a zone:
//   auto q = xfr::write_transfer_query(zone, kind, id, serial, buf);        // the query
//   xfr::tsig_mac request_mac;
//   auto n = xfr::sign_request(buf, q->size(), key, hmac, now, request_mac); // + TSIG, ARCOUNT + 1
//   xfr::tsig_verifier verifier{key, hmac, request_mac};
//   for each message received:
//     auto m = wire::message_view::parse(bytes);           // the TSIG RR parses as any record
//     if (auto v = verifier.verify(*m, now); !v) fail(v.error());
//     reader.feed(*m, handler);                             // the reader reads answers only
//   at the end: verifier.finish() — ok only when the last message was signed.
// The reader hands records over before the stream is known to be authentic
// (RFC 8945 §5.3.1 lets up to 99 messages in a row go unsigned): stage them,
// and apply the transfer only when both reader.finish() and verifier.finish()
// succeed.
//
// A server (a NOTIFY from a primary, a query): read_tsig() says which key
// signed the request; tsig_verifier{key, hmac}.verify(request, now) checks it;
// sign_response() signs the answer with the request's MAC (or, after a failed
// check, adds the unsigned TSIG error record that RFC 8945 §5.3.2 asks for).
//
// Nothing here allocates or throws; time is the caller's (seconds since the
// epoch), so tests and firmware without a clock decide what "now" is.
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/result.hpp>
#include <dnsfilter/wire/message.hpp>
#include <dnsfilter/wire/name.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace dnsfilter::xfr {

inline constexpr std::uint16_t tsig_rr_type = 250;
inline constexpr std::uint16_t tsig_default_fudge = 300;  // seconds, as RFC 8945 §10 recommends
inline constexpr std::size_t tsig_max_mac_size = 64;      // HMAC-SHA512
inline constexpr std::size_t tsig_max_secret_size = 256;  // octets; tsig-keygen writes 32 to 64
// Unsigned messages allowed in a row inside a signed stream (RFC 8945 §5.3.1).
inline constexpr std::size_t tsig_max_unsigned_run = 99;

enum class tsig_algorithm : std::uint8_t { hmac_sha1, hmac_sha224, hmac_sha256, hmac_sha384, hmac_sha512 };

// Octets of the algorithm's full MAC (20, 28, 32, 48, 64).
DNSFILTER_DECL std::size_t digest_size(tsig_algorithm a) noexcept;
// "hmac-sha256", as key files and `dig -y` write it.
DNSFILTER_DECL std::string_view to_string(tsig_algorithm a) noexcept;
// The algorithm's name in a TSIG record ("hmac-sha256.").
DNSFILTER_DECL wire::name_view algorithm_name(tsig_algorithm a) noexcept;
// "hmac-sha256", "HMAC-SHA256." and the like; errc::bad_key_file for any other.
DNSFILTER_DECL result<tsig_algorithm> tsig_algorithm_from_text(std::string_view text) noexcept;

// The TSIG error field (RFC 8945 §3, IANA "DNS RCODEs").
enum class tsig_error : std::uint16_t { noerror = 0, badsig = 16, badkey = 17, badtime = 18, badtrunc = 22 };

// A shared secret and its name: the same on both ends.
struct tsig_key {
  wire::name name;
  tsig_algorithm algorithm = tsig_algorithm::hmac_sha256;
  std::array<std::byte, tsig_max_secret_size> secret_bytes{};
  std::size_t secret_size = 0;

  std::span<const std::byte> secret() const noexcept { return {secret_bytes.data(), secret_size}; }
  // errc::out_of_range for a secret over tsig_max_secret_size octets,
  // errc::invalid_argument for an empty one.
  static DNSFILTER_DECL result<tsig_key> make(wire::name_view name, tsig_algorithm algorithm,
                                              std::span<const std::byte> secret) noexcept;
};

// The caller's HMAC, used as begin(), update()..., finish() for one MAC at a
// time. Incremental, because a signed stream's MAC covers the unsigned
// messages before it and the library keeps no copy of them.
class tsig_hmac {
 public:
  virtual ~tsig_hmac() = default;
  // Starts a MAC with `secret`; false when the algorithm is not offered.
  virtual bool begin(tsig_algorithm algorithm, std::span<const std::byte> secret) noexcept = 0;
  virtual void update(std::span<const std::byte> data) noexcept = 0;
  // Writes the whole MAC (digest_size(algorithm) octets, `out` is at least
  // that long); false on failure.
  virtual bool finish(std::span<std::byte> out) noexcept = 0;

 protected:
  tsig_hmac() = default;
  tsig_hmac(const tsig_hmac&) = default;
  tsig_hmac& operator=(const tsig_hmac&) = default;
};

// A MAC as a TSIG record carries it (possibly truncated, RFC 8945 §5.2.2.1).
struct tsig_mac {
  std::array<std::byte, tsig_max_mac_size> bytes{};
  std::size_t size = 0;
  std::span<const std::byte> view() const noexcept { return {bytes.data(), size}; }
};

// The TSIG record of a message, as read by read_tsig(); the spans view the
// message's bytes.
struct tsig_record {
  std::size_t offset = 0;  // where the record starts: the message without it is bytes[0, offset)
  wire::name key_name;
  wire::name algorithm;    // the name as sent (an algorithm we may not know)
  std::uint64_t time_signed = 0;  // 48 bits
  std::uint16_t fudge = 0;
  std::span<const std::byte> mac;
  std::uint16_t original_id = 0;
  std::uint16_t error = 0;
  std::span<const std::byte> other;
};

// The message's TSIG record; std::nullopt when it has none; errc::tsig_malformed
// when one is anywhere but last in the additional section, or breaks form.
DNSFILTER_DECL result<std::optional<tsig_record>> read_tsig(const wire::message_view& m) noexcept;

// Appends a TSIG record for `key` to the message in buffer[0, size), whose
// header counts are final, and adds one to ARCOUNT. Returns the signed size;
// `mac` receives the MAC, which verifies the answer (tsig_verifier).
// errc::no_space when the record does not fit, tsig_hmac_failed when the
// HMAC fails.
DNSFILTER_DECL result<std::size_t> sign_request(std::span<std::byte> buffer, std::size_t size, const tsig_key& key,
                                                tsig_hmac& hmac, std::uint64_t now, tsig_mac& mac,
                                                std::uint16_t fudge = tsig_default_fudge) noexcept;

// Signs the answer to a verified request whose MAC was `request_mac`. With an
// `error`: BADSIG and BADKEY add an unsigned TSIG record (MAC size 0) as RFC
// 8945 §5.3.2 asks, BADTIME a signed one carrying our time in Other Data;
// the caller sets the rcode (NOTAUTH).
DNSFILTER_DECL result<std::size_t> sign_response(std::span<std::byte> buffer, std::size_t size, const tsig_key& key,
                                                 tsig_hmac& hmac, std::uint64_t now, const tsig_mac& request_mac,
                                                 tsig_mac& mac, tsig_error error = tsig_error::noerror,
                                                 std::uint16_t fudge = tsig_default_fudge) noexcept;

// Signs the messages of an answer stream (a primary's AXFR, say) to a
// request whose MAC was `request_mac`: the first with the TSIG variables,
// later ones with the timers, each chained to the MAC before it. A message
// may be sent unsigned through skip(), whose octets then count in the next
// MAC; the first message, one of every 100 and the last must be signed (the
// caller's part: a skip() that would break the rule is errc::invalid_argument).
class tsig_stream_signer {
 public:
  tsig_stream_signer(const tsig_key& key, tsig_hmac& hmac, const tsig_mac& request_mac) noexcept
      : key_(key), hmac_(&hmac), prior_(request_mac) {}
  // Appends the TSIG record to buffer[0, size), as sign_response() does.
  DNSFILTER_DECL result<std::size_t> sign(std::span<std::byte> buffer, std::size_t size, std::uint64_t now,
                                          std::uint16_t fudge = tsig_default_fudge) noexcept;
  // A message that goes out unsigned.
  DNSFILTER_DECL result<void> skip(std::span<const std::byte> message) noexcept;
  const tsig_mac& last_mac() const noexcept { return prior_; }

 private:
  tsig_key key_;  // a copy: a temporary key cannot dangle
  tsig_hmac* hmac_;
  tsig_mac prior_;
  bool running_ = false;
  errc error_ = errc::ok;
  std::size_t messages_ = 0;
  std::size_t unsigned_run_ = 0;
};

// Verifies the messages of one exchange, in order: the answer (one message,
// or a stream of them) to a request we signed, or a request signed by a peer.
// Checks, per signed message: the key's name and algorithm (tsig_bad_key),
// the MAC size (tsig_malformed), the MAC (tsig_bad_signature), the time
// within the record's fudge (tsig_bad_time); in an answer, a TSIG error from
// the peer (tsig_peer_*). The first message must be signed (tsig_missing);
// later ones may go unsigned, at most 99 in a row (tsig_unsigned_tail), and
// their octets count in the next MAC. A failure is final. The key is
// copied; the HMAC must outlive the verifier.
class tsig_verifier {
 public:
  // The answer to a request we signed, whose MAC was `request_mac`.
  tsig_verifier(const tsig_key& key, tsig_hmac& hmac, const tsig_mac& request_mac) noexcept
      : key_(key), hmac_(&hmac), prior_(request_mac), answer_(true) {}
  // A request from a peer (a NOTIFY, a query).
  tsig_verifier(const tsig_key& key, tsig_hmac& hmac) noexcept : key_(key), hmac_(&hmac), answer_(false) {}

  // The next message. ok for a verified message and for an allowed unsigned one.
  DNSFILTER_DECL result<void> verify(const wire::message_view& m, std::uint64_t now) noexcept;
  // The stream is over: ok when it ended on a verified message.
  DNSFILTER_DECL result<void> finish() const noexcept;

  // The MAC of the last signed message: a request's, to sign the answer with.
  const tsig_mac& last_mac() const noexcept { return prior_; }
  // The time signed of the last signed message (the peer's clock).
  std::uint64_t last_time() const noexcept { return last_time_; }
  bool last_signed() const noexcept { return messages_ > 0 && unsigned_run_ == 0; }
  std::size_t messages() const noexcept { return messages_; }

 private:
  result<void> fail(errc e) noexcept {
    error_ = e;
    return e;
  }
  DNSFILTER_DECL errc verify_signed(const wire::message_view& m, const tsig_record& t, std::uint64_t now) noexcept;

  tsig_key key_;  // a copy: a temporary key cannot dangle
  tsig_hmac* hmac_;
  tsig_mac prior_;          // the request's MAC, then the last verified one
  bool answer_;
  bool running_ = false;    // an HMAC holds the prior MAC and unsigned messages since
  errc error_ = errc::ok;
  std::size_t messages_ = 0;
  std::size_t unsigned_run_ = 0;
  std::uint64_t last_time_ = 0;
};

}  // namespace dnsfilter::xfr

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/xfr/impl/tsig.ipp>
#endif
