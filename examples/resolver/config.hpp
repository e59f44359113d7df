// dnsfilter-resolver — configuration: every setting, where it comes from and
// what it defaults to.
//
// Sources, strongest first: the command line, then the file named by
// --config (the same option names, `name = value` per line), then the
// built-in defaults. For an option given several times (--listen, --upstream,
// --list, ...) the values of the strongest source that has any replace the
// others: a --upstream on the command line replaces the file's upstreams
// rather than adding to them, which is what an operator testing one change
// expects.
//
// With no arguments at all the resolver serves 127.0.0.1:5353 (UDP and TCP)
// for loopback and private clients, filters with a small catalogue embedded in
// the binary, and forwards to the resolvers of /etc/resolv.conf.
#pragma once

#include "log.hpp"
#include "outcome.hpp"

#include <dnsfilter/dnsfilter.hpp>

#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace resolver {

struct listener_config {
  boost::asio::ip::address address;
  std::uint16_t port = 0;  // 0: the kernel picks one (printed at start; for tests)
  bool udp = true;
  bool tcp = true;
  // Set when the listen spec names a mode; otherwise the policy file (or
  // the default, per-client) decides.
  std::optional<dnsfilter::policy::listener_mode> mode;
  std::string text;  // as given, for messages
};

// --dnstap and its options (dnstap_output.hpp, dnstap_tap.hpp).
struct dnstap_config {
  std::string unix_path;        // set, or tcp_address: dnstap is on
  std::string tcp_address;
  std::uint16_t tcp_port = 0;
  std::size_t queue_frames = 16384;
  bool client_query = true, client_response = true, forwarder_query = false, forwarder_response = false;
  std::uint32_t sample_per_million = 1000000;  // of the queries no entry matched
  std::string identity, version;
  bool enabled() const noexcept { return !unix_path.empty() || !tcp_address.empty(); }
};

struct upstream_config {
  boost::asio::ip::address address;
  std::uint16_t port = 53;
  std::string text;  // "192.0.2.53:53"
};

struct list_config {
  std::string path;
  dnsfilter::lists::format format = dnsfilter::lists::format::automatic;
  // --list-action FILE=ACTION; otherwise config::list_action.
  std::optional<dnsfilter::match::action> action;
};

enum class upstream_selection : std::uint8_t { ordered, round_robin };

// One policy feed: a response policy zone kept current by zone transfers
// (--feed; docs/resolver.md, "Policy feeds").
struct feed_config {
  dnsfilter::wire::name zone;
  std::vector<upstream_config> primaries;  // in order of preference; NOTIFY is taken from these only
  std::string key_file;                    // TSIG key (BIND or Knot format); "" for none
  std::optional<dnsfilter::xfr::tsig_key> key;  // read from key_file
  std::string seed;                        // seed file; "" for none
  std::size_t max_size = std::size_t{1} << 30;  // octets of one transfer
  std::chrono::milliseconds max_time{300000};   // one transfer, connection included
  std::string text;                        // as given, for messages
};

// What the feeds serve when they cannot refresh (--feed-stale).
enum class feed_staleness : std::uint8_t {
  serve,     // the last good policy, for ever (the default)
  open,      // the last good policy until the zone's SOA expire, then none of the feed's rules
  servfail,  // SERVFAIL to every query until every feed has a policy (seed or transfer)
};

struct config {
  // Serving.
  std::vector<listener_config> listeners;
  unsigned threads = 1;
  std::size_t max_udp_payload = 1232;  // largest UDP answer we send (and advertise)
  std::chrono::milliseconds tcp_idle_timeout{10000};
  std::size_t tcp_max_connections = 1024;  // over all threads
  std::size_t tcp_max_pipeline = 32;       // queries in flight per connection
  std::size_t tcp_max_query_size = 4096;
  std::size_t max_inflight = 8192;  // upstream queries in flight per thread

  // Access control: the longest matching prefix decides; no match is refused.
  std::vector<dnsfilter::policy::ip_prefix> allow;
  std::vector<dnsfilter::policy::ip_prefix> deny;

  // Upstreams.
  std::vector<upstream_config> upstreams;
  std::string upstream_origin;  // where the list came from, for the log
  std::chrono::milliseconds upstream_timeout{1000};
  unsigned upstream_attempts = 3;
  std::chrono::milliseconds upstream_tcp_timeout{3000};
  upstream_selection selection = upstream_selection::ordered;
  unsigned upstream_down_after = 3;              // consecutive failures that mark an upstream down
  std::chrono::seconds upstream_retry_after{5};  // first probe of a down upstream (doubles up to 60 s)
  std::uint16_t upstream_payload = 1232;
  bool randomize_case = false;  // 0x20: random letter case in upstream queries, checked exactly
  std::uint16_t port_low = 0, port_high = 0;  // 0-0: the kernel's ephemeral range

  // Filtering.
  std::vector<list_config> lists;  // empty (and no image): the embedded example catalogue
  std::string image;               // a compiled image (dnsfilter-compile), mapped, instead of lists
  std::size_t memory_budget = 0;   // octets the policy may take (match::policy_bytes); 0: no budget
  bool lenient_lists = false;
  dnsfilter::match::action list_action = dnsfilter::match::action::sinkhole;
  std::string policy_file;
  dnsfilter::sinkhole::settings sinkhole;
  std::vector<feed_config> feeds;
  feed_staleness feed_stale = feed_staleness::serve;

  // Cache.
  std::size_t cache_bytes = 32u << 20;
  std::uint32_t cache_max_ttl = 86400;
  std::uint32_t cache_min_ttl = 0;
  std::uint32_t cache_negative_ttl = 3600;  // upper bound of negative caching (RFC 2308)

  // Reload.
  std::chrono::milliseconds watch_interval{2000};  // 0: only SIGHUP reloads

  // Observability.
  std::optional<listener_config> metrics;  // HTTP; nullopt: disabled
  std::string query_log;                   // "" off, "-" standard output, else a file (appended)
  dnsfilter::stats::query_log_options query_log_options;
  bool query_log_key_given = false;
  bool query_log_all = false;  // every query, not only filtered and monitored ones
  dnstap_config dnstap;
  std::string stats_file;
  std::chrono::seconds stats_interval{60};
  // Statistics months and catalogue / RPZ entry dates (--time-zone).
  dnsfilter::stats::zone time_zone;
  std::string node_name;  // names this resolver in the statistics file (default: the host name)
  std::uint64_t mismatch_warn = 10;  // mismatched upstream responses per window that trigger a warning
  std::chrono::milliseconds mismatch_window{10000};

  bool check_only = false;
  log_level level = log_level::info;  // parse_command_line applies it
};

// What parse_command_line decided.
enum class parse_outcome { run, exit_success, exit_failure };

// Parses argv (and the --config file), fills `out`, reads /etc/resolv.conf
// when no upstream is given, and sets the log level. Help and version go to
// `info`, errors to `errors`, one line each.
parse_outcome parse_command_line(int argc, const char* const* argv, config& out, std::ostream& info,
                                 std::ostream& errors);

// How the parsers below fail: a `failure` (outcome.hpp) whose message holds
// every problem found, one line each, naming the option ("--threads: a whole
// number from 1 to 256, not '0'"), so that an operator fixes a config in one
// go. Its code is errc::invalid_argument for options and values (Program_options'
// own complaints included: its exceptions are caught where it is called), and
// the code of dnsfilter::lists::read_file (io_error, out_of_range) for a config
// file that cannot be read. parse_command_line prints each line after
// "dnsfilter-resolver: ".

// Parses the text of a config file as `--config FILE` alone would have it
// parsed, through the same code: the options, then every value checked.
// Reads --resolv-conf when the text names no upstream; changes nothing else.
outcome<config> parse_config_text(std::string_view text);

// The embedded example catalogue: operator TSV rows and an adblock list with
// an exception. Names are under the reserved .example TLD (RFC 2606), so the
// default configuration blocks nothing real.
std::string_view embedded_catalogue_tsv();
std::string_view embedded_catalogue_adblock();

struct endpoint {
  boost::asio::ip::address address;
  std::uint16_t port = 0;
};

// "ADDR", "ADDR:PORT", "[V6ADDR]:PORT" or a bare IPv6 address; `default_port`
// when none is given.
outcome<endpoint> parse_endpoint(std::string_view text, std::uint16_t default_port);

// One --feed value: "ZONE primary=ADDR[:PORT] [primary=...] [key=FILE] [seed=FILE] [max-size=SIZE] [max-time=DURATION]".
outcome<feed_config> parse_feed(std::string_view text);

// A --listen value: an endpoint (port 53 by default), then comma-separated
// flags (udp, tcp, filtered, unfiltered).
outcome<listener_config> parse_listen(std::string_view text);

// The `nameserver` lines of a resolv.conf text, in order, as upstreams.
std::vector<upstream_config> parse_resolv_conf(std::string_view text);

std::string to_string(const boost::asio::ip::address& address, std::uint16_t port);

}  // namespace resolver
