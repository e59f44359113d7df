// libFuzzer target: the reference resolver's config file
// (examples/resolver/config.cpp, parse_config_text: Boost.Program_options,
// then every value checked).
//
// Parsing must never crash, hang or leak. A text that fails gives no config
// (outcome<config>) and says why, one non-empty line per problem, with the
// code of a bad option or value (the text is read from no file). A text that parses
// gives a config inside every bound the checks promise, and parsing the same
// text again gives the same config.
//
// The parser reads one file itself: --resolv-conf, when the text names no
// upstream. Inputs may name any path there; reads are capped, so a path such
// as /dev/zero gets an error instead of eating memory.
#include "fuzz_check.hpp"

#include "config.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using dnsfilter_fuzz::check;
using resolver::config;

// What config_from promises of a config it returns.
void check_bounds(const config& c) {
  check(!c.listeners.empty(), "no listener");
  for (const auto& l : c.listeners) check(l.udp || l.tcp, "listener without a protocol");
  check(c.threads >= 1 && c.threads <= 256, "threads out of range");
  check(c.max_udp_payload >= 512 && c.max_udp_payload <= 4096, "max-udp-payload out of range");
  check(c.tcp_max_query_size >= 12 && c.tcp_max_query_size <= 65535, "tcp-max-query-size out of range");
  check(c.tcp_max_pipeline >= 1 && c.max_inflight >= 1, "zero pipeline or in-flight limit");
  check(!c.allow.empty(), "no allow prefix");
  check(!c.upstreams.empty() && !c.upstream_origin.empty(), "no upstream");
  for (const auto& u : c.upstreams) check(u.text == resolver::to_string(u.address, u.port), "upstream text");
  check(c.upstream_timeout.count() >= 10 && c.upstream_tcp_timeout.count() >= 10, "upstream timeout too short");
  check(c.upstream_attempts >= 1 && c.upstream_attempts <= 10, "upstream-attempts out of range");
  check(c.upstream_down_after >= 1 && c.upstream_retry_after.count() >= 1, "upstream health settings");
  check(c.upstream_payload >= 512, "upstream-payload too small");
  check((c.port_low == 0 && c.port_high == 0) || (c.port_low >= 1024 && c.port_high >= c.port_low + 1023),
        "upstream-port-range");
  for (const auto& l : c.lists) check(!l.path.empty(), "list without a path");
  check(c.cache_min_ttl <= c.cache_max_ttl, "cache-min-ttl above cache-max-ttl");
  check(c.cache_bytes <= (std::size_t{1} << 40), "cache-size above the cap");
  // Durations: at most a week, so timers can add them to now() in nanoseconds.
  constexpr long long week_ms = 7LL * 24 * 3600 * 1000;
  for (auto d : {c.tcp_idle_timeout, c.upstream_timeout, c.upstream_tcp_timeout, c.watch_interval, c.mismatch_window})
    check(d.count() >= 0 && d.count() <= week_ms, "duration out of range");
  check(c.stats_interval.count() >= 1 && c.stats_interval.count() <= week_ms / 1000, "stats-interval out of range");
  check(c.mismatch_window.count() >= 100 && c.mismatch_warn >= 1, "mismatch settings");
  check(c.query_log_options.v4_prefix <= 32 && c.query_log_options.v6_prefix <= 128, "query-log prefix lengths");
  check(c.sinkhole.udp_payload_size == c.max_udp_payload, "sinkhole payload differs from max-udp-payload");
}

// The settings two parses of one text must agree on (addresses by their text).
bool same(const config& a, const config& b) {
  if (a.listeners.size() != b.listeners.size() || a.upstreams.size() != b.upstreams.size() ||
      a.lists.size() != b.lists.size() || a.allow.size() != b.allow.size() || a.deny.size() != b.deny.size())
    return false;
  for (std::size_t i = 0; i < a.listeners.size(); ++i)
    if (a.listeners[i].text != b.listeners[i].text || a.listeners[i].port != b.listeners[i].port ||
        a.listeners[i].address != b.listeners[i].address || a.listeners[i].mode != b.listeners[i].mode)
      return false;
  for (std::size_t i = 0; i < a.upstreams.size(); ++i)
    if (a.upstreams[i].text != b.upstreams[i].text) return false;
  for (std::size_t i = 0; i < a.lists.size(); ++i)
    if (a.lists[i].path != b.lists[i].path || a.lists[i].format != b.lists[i].format) return false;
  return a.threads == b.threads && a.cache_bytes == b.cache_bytes && a.upstream_timeout == b.upstream_timeout &&
         a.watch_interval == b.watch_interval && a.policy_file == b.policy_file && a.query_log == b.query_log &&
         a.stats_file == b.stats_file && a.sinkhole.answer_ttl == b.sinkhole.answer_ttl &&
         a.sinkhole.info_codes.size() == b.sinkhole.info_codes.size() && a.level == b.level;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto c = resolver::parse_config_text(text);
  if (!c) {
    const std::string& error = c.error().message;
    check(c.error().code == dnsfilter::errc::invalid_argument, "a failure with another code than invalid_argument");
    check(!error.empty() && error.front() != '\n' && error.back() != '\n', "no error message");
    check(error.find("\n\n") == std::string::npos, "an empty error line");
    return 0;
  }
  check_bounds(*c);
  auto again = resolver::parse_config_text(text);
  check(static_cast<bool>(again), "the same text failed a second time");
  if (again) check(same(*c, *again), "the same text gave another config");
  return 0;
}
