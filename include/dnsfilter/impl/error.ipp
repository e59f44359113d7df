// Definitions for error.hpp.
#pragma once

#include <dnsfilter/error.hpp>

namespace dnsfilter {

DNSFILTER_DECL const char* to_string(errc code) noexcept {
  switch (code) {
    case errc::ok: return "success";
    case errc::truncated: return "input truncated";
    case errc::label_too_long: return "label longer than 63 octets";
    case errc::name_too_long: return "name longer than 255 octets";
    case errc::reserved_label_type: return "reserved label type";
    case errc::bad_pointer: return "compression pointer not strictly backwards";
    case errc::too_many_pointers: return "too many compression pointers in one name";
    case errc::empty_label: return "empty label";
    case errc::bad_escape: return "malformed escape sequence";
    case errc::bad_character: return "unexpected character";
    case errc::bad_question_count: return "question count is not one";
    case errc::bad_rdata: return "malformed record data";
    case errc::duplicate_opt: return "more than one OPT record";
    case errc::misplaced_opt: return "OPT record outside the additional section or not owned by the root";
    case errc::bad_option: return "malformed EDNS option";
    case errc::trailing_data: return "trailing data after the message";
    case errc::no_space: return "output buffer too small";
    case errc::out_of_range: return "value out of range";
    case errc::invalid_list_line: return "invalid line in a list file";
    case errc::bad_utf8: return "invalid UTF-8";
    case errc::bad_date: return "invalid date (expected YYYY-MM-DD)";
    case errc::io_error: return "file could not be read";
    case errc::bad_stats_file: return "malformed statistics file";
    case errc::write_failed: return "file could not be written";
    case errc::invalid_argument: return "invalid argument";
    case errc::not_regular_file: return "not a regular file";
    case errc::transfer_refused: return "zone transfer refused by the primary";
    case errc::transfer_mismatch: return "message is not an answer to the transfer query";
    case errc::transfer_out_of_zone: return "record outside the zone in a transfer";
    case errc::transfer_serial: return "zone transfer serials do not chain";
    case errc::transfer_malformed: return "malformed zone transfer";
    case errc::tsig_missing: return "TSIG: the message is not signed";
    case errc::tsig_malformed: return "TSIG: malformed TSIG record";
    case errc::tsig_bad_key: return "TSIG: signed with another key or algorithm (BADKEY)";
    case errc::tsig_bad_signature: return "TSIG: the signature does not match: wrong secret or altered message (BADSIG)";
    case errc::tsig_bad_time: return "TSIG: the signing time is outside the fudge (BADTIME): check the clocks";
    case errc::tsig_unsigned_tail: return "TSIG: too many unsigned messages, or the last message is unsigned";
    case errc::tsig_peer_bad_signature: return "TSIG: the peer refused our signature (BADSIG): wrong secret?";
    case errc::tsig_peer_bad_key: return "TSIG: the peer does not know our key or algorithm (BADKEY)";
    case errc::tsig_peer_bad_time: return "TSIG: the peer says our clock is off (BADTIME)";
    case errc::tsig_peer_error: return "TSIG: the peer answered with a TSIG error";
    case errc::tsig_hmac_failed: return "TSIG: the HMAC could not be computed";
    case errc::bad_key_file: return "invalid TSIG key file or key";
    case errc::unknown_time_zone: return "unknown time zone";
    case errc::bad_image: return "invalid compiled image";
    case errc::stats_conflict: return "statistics files that cannot be added up";
    case errc::table_full: return "every upstream transaction slot is in use";
    case errc::no_randomness: return "the kernel's random source failed";
    case errc::over_budget: return "the policy would exceed the memory budget";
  }
  return "unknown dnsfilter error";
}

DNSFILTER_DECL std::string detail::error_category_impl::message(int code) const {
  return to_string(static_cast<errc>(code));
}

DNSFILTER_DECL const std::error_category& error_category() noexcept {
  static const detail::error_category_impl category;
  return category;
}

}  // namespace dnsfilter
