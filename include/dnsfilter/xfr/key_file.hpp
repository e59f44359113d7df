// dnsfilter — TSIG keys from text, in the forms the primaries' own tools
// write them (no crypto needed to read them):
//
//   BIND (tsig-keygen):   key "name" { algorithm hmac-sha256; secret "base64"; };
//                         with #, // and /* */ comments, any number of keys
//   Knot DNS (keymgr -t): key:
//                           - id: name
//                             algorithm: hmac-sha256
//                             secret: base64
//   dig/kdig -y:          [algorithm:]name:secret   (hmac-sha256 when no algorithm)
//
// Algorithms: hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384, hmac-sha512.
// Secrets are strict base64. A file that breaks form is refused whole with
// errc::bad_key_file and one diagnostic: its line and what is wrong.
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/load.hpp>
#include <dnsfilter/result.hpp>
#include <dnsfilter/xfr/tsig.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace dnsfilter::xfr {

// Every key of a BIND or Knot key file (the form is told by its first statement).
DNSFILTER_DECL result<std::vector<tsig_key>> parse_key_file(std::string_view text, diagnostic& error);

// The key file at `path` (a regular file of at most 64 KiB); errc::io_error,
// not_regular_file or out_of_range when it cannot be read as one.
DNSFILTER_DECL result<std::vector<tsig_key>> load_key_file(const std::string& path, diagnostic& error);

// The `-y` form, [algorithm:]name:secret.
DNSFILTER_DECL result<tsig_key> parse_key_argument(std::string_view text, diagnostic& error);

}  // namespace dnsfilter::xfr

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/xfr/impl/key_file.ipp>
#endif
