// dnsfilter — the opt-out policy file: a text an operator edits and a resolver
// reloads at run time.
//
//   # comments start with '#'; one directive per line
//   listener 1 unfiltered             # listener index: unfiltered | per-client
//   client 10.0.0.0/8 opt-out         # client prefix: opt-out | filter
//   client 10.1.0.0/16 filter         #   (nested: these lines opt back in)
//   client 2001:db8:42::/48 opt-out
//   subscriber-option 65001           # EDNS0 option code of the subscriber id
//   subscriber-trust trusted-only     # trusted-only (default) | any
//   subscriber alice opt-out          # id as text (printable, no blanks)
//   subscriber hex:00a1b2c3 opt-out   # id as hex bytes
//   trusted-forwarder 192.0.2.0/24    # ECS and subscriber ids believed from here
//   untrusted-forwarder 192.0.2.128/25
//
// Prefixes are strict (host bits must be zero: "10.1.2.3/8" is an error, not a
// silent /8). Later lines override earlier ones for the same prefix,
// subscriber or listener. Diagnostics and strict mode are those of the list
// loaders (lists/common.hpp): a bad line is reported with its number and, in
// lenient mode, costs only itself; in strict mode nothing is returned.
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/load.hpp>
#include <dnsfilter/policy/policy_set.hpp>
#include <dnsfilter/result.hpp>

#include <cstddef>
#include <string_view>
#include <vector>

namespace dnsfilter::policy {

struct policy_load_report {
  static constexpr std::size_t max_diagnostics = load_report::max_diagnostics;
  std::size_t directives = 0;  // lines that set something
  std::size_t invalid = 0;     // lines rejected, each with a diagnostic
  std::size_t lines = 0;
  std::vector<diagnostic> diagnostics;
};

struct policy_load_options {
  bool strict = false;
  std::size_t max_line_length = 4096;
  // Listener indices above this are refused (a typo should not allocate a
  // huge listener table).
  std::size_t max_listeners = 1024;
};

// Parses `text` and appends its rules to `out` (scalars such as the
// subscriber option are overwritten). Strict mode: the first bad line returns
// errc::invalid_list_line, fills *failure, and leaves `out` unchanged.
DNSFILTER_DECL result<policy_load_report> load_policy(std::string_view text, policy_config& out,
                                                      const policy_load_options& options = {},
                                                      diagnostic* failure = nullptr);

}  // namespace dnsfilter::policy

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/policy/impl/file.ipp>
#endif
