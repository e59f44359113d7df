// dnsfilter — error codes.
//
// Every fallible operation of the library reports one of these codes through
// result<T> (see result.hpp). The codes are registered with std::error_category
// so that programs that use std::error_code (Asio, for one) can carry them.
#pragma once

#include <dnsfilter/config.hpp>

#include <string>
#include <system_error>

namespace dnsfilter {

enum class errc : int {
  ok = 0,
  // Input ended before the structure it announced.
  truncated,
  // A label longer than 63 octets.
  label_too_long,
  // A name longer than 255 octets in wire form.
  name_too_long,
  // A label type other than plain (00) or pointer (11): 01 and 10 are reserved.
  reserved_label_type,
  // A compression pointer that does not point strictly backwards, points into the
  // header, or whose target is not a name.
  bad_pointer,
  // More compression pointers followed in one name than the fixed hop limit.
  too_many_pointers,
  // An empty label inside a name in presentation form ("a..b").
  empty_label,
  // A malformed backslash escape in presentation form.
  bad_escape,
  // A byte that has no place in the text being parsed.
  bad_character,
  // QDCOUNT is not 1 where exactly one question is required.
  bad_question_count,
  // A record's RDATA does not have the shape its type requires.
  bad_rdata,
  // More than one OPT record.
  duplicate_opt,
  // An OPT record outside the additional section or with an owner other than the root.
  misplaced_opt,
  // An EDNS option that runs past the end of the OPT RDATA, or a malformed known option.
  bad_option,
  // Bytes left after the last section the header announced.
  trailing_data,
  // The caller's output buffer is too small for what was asked.
  no_space,
  // A value out of its allowed range (for example an ECS prefix longer than the address).
  out_of_range,
  // A line of a list file that a strict load refused (the diagnostic says why).
  invalid_list_line,
  // Text that is not valid UTF-8 (overlong forms, surrogates, truncated sequences).
  bad_utf8,
  // A date that is not a valid YYYY-MM-DD calendar date.
  bad_date,
  // A file that could not be opened or read.
  io_error,
  // A statistics file that is malformed, truncated or inconsistent.
  bad_stats_file,
  // A file that could not be written (or atomically replaced).
  write_failed,
  // An argument the operation does not accept (errc::ok given to result<T> as an error, say).
  invalid_argument,
  // A path that names a pipe, a directory or a device where a file was asked for.
  not_regular_file,
  // Zone transfers (xfr/): the primary answered with an error rcode (REFUSED, NOTAUTH, ...).
  transfer_refused,
  // A message of the stream is not an answer to our transfer query (QR, opcode, id, question, TC).
  transfer_mismatch,
  // A record outside the zone asked for, or of another class.
  transfer_out_of_zone,
  // Serials that do not chain: an IXFR difference that does not start where the
  // last one ended, or does not end at the zone's serial.
  transfer_serial,
  // A stream that breaks RFC 5936 / 1995 form: not starting with the zone's SOA,
  // data after the closing SOA, or ending before it.
  transfer_malformed,
  // TSIG (xfr/tsig.hpp, RFC 8945): a message that must be signed carries no TSIG record.
  tsig_missing,
  // A TSIG record that breaks form: not last in the additional section, a second one,
  // bad RDATA, class not ANY, or a MAC size the algorithm does not allow (FORMERR).
  tsig_malformed,
  // Signed with another key name or algorithm than the one expected (BADKEY).
  tsig_bad_key,
  // The MAC does not match the message: a wrong secret or a message changed (BADSIG).
  tsig_bad_signature,
  // Time Signed is further from our clock than the fudge allows (BADTIME).
  tsig_bad_time,
  // More than 99 unsigned messages in a row, or a stream whose last message is unsigned.
  tsig_unsigned_tail,
  // The peer refused our signature: it answered with TSIG error BADSIG.
  tsig_peer_bad_signature,
  // The peer does not know our key or algorithm: TSIG error BADKEY.
  tsig_peer_bad_key,
  // The peer says our clock is off: TSIG error BADTIME.
  tsig_peer_bad_time,
  // The peer refused our truncated MAC (BADTRUNC) or answered another TSIG error.
  tsig_peer_error,
  // The caller's HMAC could not compute a MAC (an algorithm it does not offer, say).
  tsig_hmac_failed,
  // A TSIG key file or -y argument that cannot be read (the diagnostic says where and why).
  bad_key_file,
  // A time-zone name the system's time-zone database does not know (stats/tz.hpp).
  unknown_time_zone,
  // A compiled image (match/image.hpp) that is truncated, of another version or
  // byte order, inconsistent, or whose checksum does not match.
  bad_image,
  // Statistics files that cannot be added up as one fleet (stats/fleet.hpp): two copies of
  // one node, an older copy beside a newer one, months of different zones.
  stats_conflict,
  // Forwarding (forward/): every transaction slot is in use; answer SERVFAIL.
  table_full,
  // The kernel's random source gave no bytes: nothing predictable may be sent upstream.
  no_randomness,
  // A policy that would take more memory than the configured budget
  // (lists::load_options::memory_budget); nothing was changed.
  over_budget,
};

namespace detail {

class error_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "dnsfilter"; }
  std::string message(int code) const override;
};

}  // namespace detail

// The single category object of dnsfilter errors.
DNSFILTER_DECL const std::error_category& error_category() noexcept;

// A short, stable, human-readable text for a code; never null.
DNSFILTER_DECL const char* to_string(errc code) noexcept;

inline std::error_code make_error_code(errc code) noexcept {
  return {static_cast<int>(code), error_category()};
}

}  // namespace dnsfilter

template <>
struct std::is_error_code_enum<dnsfilter::errc> : std::true_type {};

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/impl/error.ipp>
#endif
