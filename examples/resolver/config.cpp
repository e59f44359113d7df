// dnsfilter-resolver — command line and configuration file (Boost.Program_options).
#include "config.hpp"
#include "log.hpp"

#include <dnsfilter/stats/tz.hpp>

#include <boost/program_options.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <limits>
#include <map>
#include <sstream>
#include <thread>

#include <unistd.h>

namespace po = boost::program_options;
namespace policy = dnsfilter::policy;

namespace resolver {

namespace {

constexpr std::string_view catalogue_tsv =
    "# dnsfilter-resolver's embedded example catalogue (the operator's TSV format).\n"
    "# Replace it with --list; names under .example (RFC 2606) are never real.\n"
    "identifier\tbehaviour\tstart\tend\tfqdns\n"
    "XX-20250109-0001\tinformation theft\t2025-01-09\t\tc2.evil.example;backup.evil.example\n"
    "XX-20250110-0002\tbackdoor\t2025-01-10\t\tcnc.botnet.example\n"
    "XX-20240101-0003\tddos\t2024-01-01\t2024-07-01\told.botnet.example\n";

constexpr std::string_view catalogue_adblock =
    "[Adblock Plus 2.0]\n"
    "! dnsfilter-resolver's embedded exception: safe.evil.example stays resolvable\n"
    "! although evil.example's C&C names are blocked above it.\n"
    "@@||safe.evil.example^\n";

using dnsfilter::detail::trim;

// A value or an option that is not what it should be.
failure bad_value(std::string what) { return failure{dnsfilter::errc::invalid_argument, std::move(what)}; }

bool parse_uint(std::string_view text, std::uint64_t max, std::uint64_t& out) {
  if (text.empty()) return false;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v > max) return false;
  out = v;
  return true;
}

// Durations and sizes have caps far above any sensible setting, so that the
// timers' arithmetic (now + interval, in nanoseconds) and a size's multiple
// can never overflow.
constexpr std::uint64_t max_duration_hours = 24 * 7;
constexpr std::uint64_t max_size = std::uint64_t{1} << 40;
// Files read whole while parsing; larger ones are refused (what grows
// without end, such as /dev/zero, is not a config).
constexpr std::size_t max_config_size = 1 << 20;
constexpr std::size_t max_resolv_conf_size = 1 << 20;

// "500ms", "2s", "5m", "1h"; a bare number is seconds. At most a week.
bool parse_duration(std::string_view text, std::chrono::milliseconds& out) {
  std::uint64_t scale = 1000;
  if (text.ends_with("ms")) scale = 1, text.remove_suffix(2);
  else if (text.ends_with("s")) scale = 1000, text.remove_suffix(1);
  else if (text.ends_with("m")) scale = 60000, text.remove_suffix(1);
  else if (text.ends_with("h")) scale = 3600000, text.remove_suffix(1);
  std::uint64_t v = 0;
  if (!parse_uint(text, max_duration_hours * 3600000 / scale, v)) return false;
  out = std::chrono::milliseconds(v * scale);
  return true;
}

// "4096", "64k", "32M", "1G" (binary multiples). At most 1 TiB.
bool parse_size(std::string_view text, std::size_t& out) {
  std::uint64_t scale = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 'k': case 'K': scale = 1u << 10; break;
      case 'm': case 'M': scale = 1u << 20; break;
      case 'g': case 'G': scale = 1u << 30; break;
      default: break;
    }
    if (scale != 1) text.remove_suffix(1);
  }
  std::uint64_t v = 0;
  if (!parse_uint(text, max_size / scale, v) || v * scale > std::numeric_limits<std::size_t>::max()) return false;
  out = static_cast<std::size_t>(v * scale);
  return true;
}

// A prefix, or a bare address meaning that one host.
bool parse_prefix(std::string_view text, policy::ip_prefix& out) {
  if (text.find('/') == std::string_view::npos) {
    auto a = policy::ip_address::parse(text);
    if (!a) return false;
    auto p = policy::ip_prefix::make(*a, a->bit_length());
    if (!p) return false;
    out = *p;
    return true;
  }
  auto p = policy::ip_prefix::parse(text);
  if (!p) return false;
  out = *p;
  return true;
}

bool parse_action(std::string_view text, dnsfilter::match::action& out) {
  using dnsfilter::match::action;
  for (action a : {action::sinkhole, action::nxdomain, action::nodata, action::refused, action::drop, action::monitor})
    if (text == dnsfilter::match::to_string(a)) return out = a, true;
  return false;
}

bool parse_hex_key(std::string_view text, std::array<std::uint8_t, 16>& key) {
  if (text.size() != 32) return false;
  for (std::size_t i = 0; i < 16; ++i) {
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(text.data() + 2 * i, text.data() + 2 * i + 2, v, 16);
    if (ec != std::errc{} || end != text.data() + 2 * i + 2) return false;
    key[i] = static_cast<std::uint8_t>(v);
  }
  return true;
}

// The file at `path`, whole, if it holds at most `limit` octets; otherwise
// a failure saying "PATH: why". A pipe (`-c <(...)`) is read too.
outcome<std::string> read_text_file(const std::string& path, std::size_t limit) {
  errno = 0;
  auto r = dnsfilter::lists::read_file(path, {limit, false});
  if (r) return std::move(*r);
  if (r.error() == dnsfilter::errc::out_of_range)
    return failure{r.error(), path + ": larger than " + std::to_string(limit >> 10) + " KiB"};
  if (errno != 0) return failure{r.error(), path + ": cannot be read (" + std::strerror(errno) + ")"};
  return failure{r.error(), path + ": cannot be read"};
}

// Is `u` one of our own listeners? A resolv.conf that names this very server
// (a host whose stub points at us) would make every query loop back here.
bool is_ourselves(const upstream_config& u, const std::vector<listener_config>& listeners) {
  for (const auto& l : listeners) {
    if (!l.udp || l.port != u.port) continue;
    if (l.address == u.address) return true;
    if (l.address.is_unspecified() && (u.address.is_loopback() || u.address.is_unspecified())) return true;
  }
  return false;
}

}  // namespace

std::string_view embedded_catalogue_tsv() { return catalogue_tsv; }
std::string_view embedded_catalogue_adblock() { return catalogue_adblock; }

std::string to_string(const boost::asio::ip::address& address, std::uint16_t port) {
  if (address.is_v6()) return "[" + address.to_string() + "]:" + std::to_string(port);
  return address.to_string() + ":" + std::to_string(port);
}

outcome<endpoint> parse_endpoint(std::string_view text, std::uint16_t default_port) {
  text = trim(text);
  std::string_view host = text, port_text;
  bool port_given = false;  // "ADDR:" with nothing after the colon is a typo, not port 53
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return bad_value("missing ']' in '" + std::string(text) + "'");
    host = text.substr(1, close - 1);
    std::string_view after = text.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad_value("expected ':PORT' after ']' in '" + std::string(text) + "'");
      port_text = after.substr(1);
      port_given = true;
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {  // IPv4 with a port
    const std::size_t colon = text.find(':');
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    port_given = true;
  }  // else: IPv4 without a port, or a bare IPv6 address
  endpoint out;
  boost::system::error_code ec;
  out.address = boost::asio::ip::make_address(std::string(host), ec);
  if (ec) return bad_value("not an IP address: '" + std::string(host) + "'");
  out.port = default_port;
  if (port_given) {
    std::uint64_t v = 0;
    if (!parse_uint(port_text, 65535, v)) return bad_value("bad port in '" + std::string(text) + "'");
    out.port = static_cast<std::uint16_t>(v);
  }
  return out;
}

outcome<listener_config> parse_listen(std::string_view text) {
  const std::size_t comma = text.find(',');
  auto where = parse_endpoint(text.substr(0, comma), 53);
  if (!where) return where.error();
  listener_config out;
  out.address = where->address;
  out.port = where->port;
  out.text = std::string(text);
  bool proto_given = false;
  std::string_view rest = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  while (!rest.empty()) {
    const std::size_t next = rest.find(',');
    const std::string_view word = trim(rest.substr(0, next));
    rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
    if (word == "udp" || word == "tcp") {
      if (!proto_given) out.udp = out.tcp = false;
      proto_given = true;
      (word == "udp" ? out.udp : out.tcp) = true;
    } else if (word == "unfiltered") {
      out.mode = policy::listener_mode::unfiltered;
    } else if (word == "filtered" || word == "per-client") {
      out.mode = policy::listener_mode::per_client;
    } else {
      return bad_value("unknown listen flag '" + std::string(word) + "' (udp, tcp, filtered, unfiltered)");
    }
  }
  return out;
}

outcome<feed_config> parse_feed(std::string_view text) {
  feed_config f;
  f.text = std::string(text);
  std::string_view rest = text;
  bool first = true;
  while (true) {
    const std::string_view word = dnsfilter::detail::next_token(rest);
    if (word.empty()) break;
    if (first) {
      first = false;
      auto zone = dnsfilter::wire::name::from_text(word);
      if (!zone || zone->is_root()) return bad_value("not a zone name: '" + std::string(word) + "'");
      f.zone = *zone;
      continue;
    }
    const std::size_t eq = word.find('=');
    if (eq == std::string_view::npos) return bad_value("expected NAME=VALUE, not '" + std::string(word) + "'");
    const std::string_view key = word.substr(0, eq), value = word.substr(eq + 1);
    if (key == "primary") {
      auto where = parse_endpoint(value, 53);
      if (!where) return where.error();
      f.primaries.push_back({where->address, where->port, std::string(value)});
    } else if (key == "key") {
      f.key_file = std::string(value);
      dnsfilter::diagnostic why;
      auto keys = dnsfilter::xfr::load_key_file(f.key_file, why);
      if (!keys) return bad_value("key=" + f.key_file + ": " + why.message);
      if (keys->empty()) return bad_value("key=" + f.key_file + ": no key in the file");
      f.key = keys->front();
    } else if (key == "seed") {
      f.seed = std::string(value);
    } else if (key == "max-size") {
      if (!parse_size(value, f.max_size) || f.max_size < 512) return bad_value("max-size: a size of at least 512");
    } else if (key == "max-time") {
      if (!parse_duration(value, f.max_time) || f.max_time.count() == 0) return bad_value("max-time: a duration");
    } else {
      return bad_value("unknown setting '" + std::string(key) + "' (primary, key, seed, max-size, max-time)");
    }
  }
  if (first) return bad_value("no zone");
  if (f.primaries.empty()) return bad_value("no primary=ADDR[:PORT]");
  return f;
}

std::vector<upstream_config> parse_resolv_conf(std::string_view text) {
  std::vector<upstream_config> out;
  dnsfilter::detail::line_reader lines(text);  // "\n" or "\r\n"
  for (std::string_view line; lines.next(line);) {
    line = trim(line);
    if (!line.starts_with("nameserver")) continue;
    line = trim(line.substr(10));
    const std::size_t end = line.find_first_of(" \t#;");
    line = line.substr(0, end);
    upstream_config u;
    boost::system::error_code ec;
    u.address = boost::asio::ip::make_address(std::string(line), ec);  // "fe80::1%eth0" keeps its scope
    if (ec) continue;
    u.port = 53;
    u.text = to_string(u.address, u.port);
    out.push_back(u);
  }
  return out;
}

namespace {

using strings = std::vector<std::string>;

// Every option, in the groups that --help shows. options_description::add
// keeps pointers to the groups, so they live together here. Numbers are read
// as text and checked by config_from: Program_options would read "-1" as an
// unsigned type's maximum.
struct option_set {
  po::options_description general{"General"}, serving{"Serving"}, access{"Access control"},
      upstream{"Upstream (forwarding; no recursion)"}, filtering{"Filtering"}, caching{"Cache"},
      operating{"Reload and observability"}, all{"Options"};

  option_set() {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    general.add_options()
        ("help,h", "print this help and exit")
        ("version", "print the version and exit")
        ("config,c", po::value<std::string>()->value_name("FILE"),
         "read options from FILE (`name = value` lines, the long option names without '--'; "
         "'#' starts a comment); the command line overrides it")
        ("check", "load the configuration, lists and policy, report, and exit (0 when all is well)")
        ("log-level", po::value<std::string>()->default_value("info")->value_name("LEVEL"),
         "error, warning, info or debug")
        ("print-default-catalogue", "print the embedded example catalogue and exit");

    serving.add_options()
        ("listen,l", po::value<strings>()->value_name("ADDR:PORT[,FLAGS]")->default_value({"127.0.0.1:5353"}, "127.0.0.1:5353"),
         "a listener (repeatable): IPv4 'A.B.C.D:PORT' or IPv6 '[ADDR]:PORT'; port 0 picks a free port "
         "(printed at start). FLAGS, comma-separated: 'udp' or 'tcp' (default both), 'unfiltered' (an "
         "opt-out service address: no filtering, no logging, not counted) or 'filtered' (per-client "
         "policy, the default). Listeners are numbered from 0 in order, as in the policy file")
        ("threads", po::value<std::string>()->value_name("N")->default_value(std::to_string(cores)),
         "serving threads, each with its own sockets (SO_REUSEPORT) and event loop; default: the CPU count")
        ("max-udp-payload", po::value<std::string>()->value_name("OCTETS")->default_value("1232"),
         "largest UDP answer sent, and the EDNS payload size advertised (512-4096; 1232 avoids fragmentation)")
        ("tcp-idle-timeout", po::value<std::string>()->value_name("DURATION")->default_value("10s"),
         "close a TCP connection idle this long (RFC 7766)")
        ("tcp-max-connections", po::value<std::string>()->value_name("N")->default_value("1024"),
         "TCP connections open at once, over all threads; more are closed on accept")
        ("tcp-max-pipeline", po::value<std::string>()->value_name("N")->default_value("32"),
         "queries of one TCP connection in progress at once; reading pauses beyond it")
        ("tcp-max-query-size", po::value<std::string>()->value_name("SIZE")->default_value("4096"),
         "a TCP query longer than this closes its connection")
        ("max-inflight", po::value<std::string>()->value_name("N")->default_value("8192"),
         "upstream queries in progress per thread; beyond it queries get SERVFAIL at once");

    access.add_options()
        ("allow", po::value<strings>()->value_name("PREFIX")
                      ->default_value({"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                       "169.254.0.0/16", "fc00::/7", "fe80::/10"},
                                      "loopback, RFC 1918, link-local and ULA ranges"),
         "clients allowed to query (repeatable; replaces the default). Others get REFUSED with Extended DNS "
         "Error 18 (Prohibited): never an open resolver. 100.64.0.0/10 (CGNAT) is not in the default")
        ("deny", po::value<strings>()->value_name("PREFIX"),
         "clients refused although inside an allowed prefix (repeatable); the longest prefix decides");

    upstream.add_options()
        ("upstream,u", po::value<strings>()->value_name("ADDR[:PORT]"),
         "an upstream resolver (repeatable, in order of preference). Default: the nameserver lines of "
         "--resolv-conf, leaving out this resolver's own listeners; if none is usable, 127.0.0.1:53, as the C "
         "library assumes for an empty resolv.conf (logged)")
        ("resolv-conf", po::value<std::string>()->value_name("FILE")->default_value("/etc/resolv.conf"),
         "where the default upstreams come from")
        ("upstream-timeout", po::value<std::string>()->value_name("DURATION")->default_value("1s"),
         "wait this long for each UDP attempt")
        ("upstream-attempts", po::value<std::string>()->value_name("N")->default_value("3"),
         "attempts per query, each to the next usable upstream with a fresh id and source port; then SERVFAIL "
         "with Extended DNS Error 23 (Network Error)")
        ("upstream-tcp-timeout", po::value<std::string>()->value_name("DURATION")->default_value("3s"),
         "limit of a TCP exchange with an upstream (after TC=1)")
        ("upstream-selection", po::value<std::string>()->value_name("POLICY")->default_value("ordered"),
         "'ordered': the first healthy upstream; 'round-robin': spread over the healthy ones")
        ("upstream-down-after", po::value<std::string>()->value_name("N")->default_value("3"),
         "consecutive timeouts that mark an upstream down; a down one is probed again after "
         "--upstream-retry-after, doubling up to 60 s, and is up again at its first answer")
        ("upstream-retry-after", po::value<std::string>()->value_name("DURATION")->default_value("5s"),
         "first probe of a down upstream")
        ("upstream-payload", po::value<std::string>()->value_name("OCTETS")->default_value("1232"),
         "EDNS payload size advertised to upstreams")
        ("randomize-case", po::bool_switch(),
         "0x20: send upstream queries with random letter case and accept only answers that echo it exactly "
         "(extra spoofing resistance; every upstream must preserve case)")
        ("upstream-port-range", po::value<std::string>()->value_name("LOW-HIGH"),
         "choose each query's source port at random from this range (e.g. 1024-65535) instead of the kernel's "
         "ephemeral range; the default leaves it to the kernel, which randomises too");

    filtering.add_options()
        ("list", po::value<strings>()->value_name("[FORMAT:]FILE"),
         "a block list (repeatable). FORMAT: plain, hosts, adblock, rpz, catalogue (the operator's TSV/CSV) or "
         "auto (the default: by extension, then content). Without --list the embedded example catalogue is "
         "used. Lists are watched and reloaded when they change, and on SIGHUP")
        ("image", po::value<std::string>()->value_name("FILE"),
         "serve from a compiled image (dnsfilter-compile) mapped read-only instead of --list: it loads in "
         "milliseconds and its pages stay in the page cache, shared, not in the resolver's own memory. "
         "Watched and reloaded like the lists (replace it by renaming a new file over it)")
        ("memory-budget", po::value<std::string>()->value_name("SIZE"),
         "the most memory the policy may take (catalogue and matcher: the lists with the feeds' rules, or the "
         "image), such as 32M: a policy over it is refused with the figures, at start (the resolver does not "
         "start) and at a reload (the policy serving stays; a list is refused as soon as it alone is over). "
         "Transfers between reloads are bounded by the feeds' max-size. By default there is no budget")
        ("lenient-lists", po::bool_switch(),
         "skip invalid lines (logged) instead of refusing the whole file; by default one invalid line "
         "refuses the file at start and keeps the old snapshot at a reload")
        ("list-action", po::value<strings>()->value_name("[FILE=]ACTION")->default_value(strings{"sinkhole"}, "sinkhole"),
         "answer to names of plain, hosts and adblock lists and of catalogue rows without an action column: "
         "sinkhole, nxdomain, nodata, refused, drop, or monitor (count and log as 'would be filtered', answer "
         "normally). Repeatable: ACTION for every list, FILE=ACTION for the --list FILE (RPZ files carry their "
         "own actions)")
        ("feed", po::value<strings>()->value_name("\"ZONE primary=ADDR[:PORT] ...\""),
         "a policy feed (repeatable): the response policy zone ZONE, transferred (AXFR, then IXFR on NOTIFY "
         "and at the SOA refresh) from the primaries in order. Settings: primary=ADDR[:PORT] (repeatable; "
         "NOTIFY is accepted from these only), key=FILE (TSIG, BIND or Knot key file), seed=FILE (written "
         "after each transfer, loaded at start), max-size=SIZE (default 1G), max-time=DURATION (default 5m)")
        ("feed-stale", po::value<std::string>()->value_name("MODE")->default_value("serve"),
         "when feeds cannot refresh: serve (keep the last good policy), open (drop a feed's rules at its SOA "
         "expire) or servfail (answer SERVFAIL until every feed has a policy)")
        ("policy", po::value<std::string>()->value_name("FILE"),
         "the opt-out policy file (listener, client-prefix and subscriber rules; see policy/file.hpp); watched "
         "and reloaded like the lists")
        ("sinkhole-ipv4", po::value<std::string>()->value_name("ADDR")->default_value("0.0.0.0"),
         "answer to A queries for blocked names ('none': NODATA)")
        ("sinkhole-ipv6", po::value<std::string>()->value_name("ADDR")->default_value("::"),
         "answer to AAAA queries for blocked names ('none': NODATA)")
        ("sinkhole-ttl", po::value<std::string>()->value_name("SECONDS")->default_value("60"),
         "TTL of sinkhole answers (short, so a lifted entry takes effect quickly)")
        ("negative-ttl", po::value<std::string>()->value_name("SECONDS")->default_value("60"),
         "negative-caching TTL (SOA minimum) of synthesised NODATA and NXDOMAIN answers")
        ("ede-category", po::value<strings>()->value_name("CATEGORY=CODE"),
         "Extended DNS Error INFO-CODE for entries of CATEGORY (repeatable; default 15 Blocked, e.g. 17 Filtered)")
        ("no-ede", po::bool_switch(), "do not add Extended DNS Errors to sinkhole answers");

    caching.add_options()
        ("cache-size", po::value<std::string>()->value_name("SIZE")->default_value("32M"),
         "memory for cached upstream answers (k/M/G suffixes; 0 disables); least recently used answers go first")
        ("cache-max-ttl", po::value<std::string>()->value_name("SECONDS")->default_value("86400"),
         "keep an answer at most this long, whatever its TTL")
        ("cache-min-ttl", po::value<std::string>()->value_name("SECONDS")->default_value("0"),
         "keep answers at least this long (0 honours the TTLs exactly; answers with TTL 0 are not cached)")
        ("cache-negative-ttl", po::value<std::string>()->value_name("SECONDS")->default_value("3600"),
         "cap of negative caching: NXDOMAIN and NODATA are kept min(SOA TTL, SOA minimum, this) (RFC 2308); "
         "without an SOA they are not cached");

    operating.add_options()
        ("watch-interval", po::value<std::string>()->value_name("DURATION")->default_value("2s"),
         "check list and policy files for changes this often (0: only SIGHUP reloads). A change is loaded once "
         "the file has stayed the same for one interval; a file that fails to load keeps the old snapshot")
        ("metrics", po::value<std::string>()->value_name("ADDR:PORT|none")->default_value("127.0.0.1:9153"),
         "HTTP endpoint for Prometheus (GET /metrics); port 0 picks a free port (printed at start)")
        ("query-log", po::value<std::string>()->value_name("FILE|-"),
         "write each filtered query as a JSON line to FILE (appended) or '-' (standard output); opted-out "
         "clients are never logged")
        ("query-log-client", po::value<std::string>()->value_name("FORM")->default_value("truncated"),
         "how the query log writes the client: full, truncated (see the prefix options) or hash (SipHash "
         "under --query-log-key)")
        ("query-log-v4-prefix", po::value<std::string>()->value_name("BITS")->default_value("24"), "truncated IPv4 prefix")
        ("query-log-v6-prefix", po::value<std::string>()->value_name("BITS")->default_value("56"), "truncated IPv6 prefix")
        ("query-log-key", po::value<std::string>()->value_name("HEX32"),
         "the 128-bit SipHash key (32 hex digits) of --query-log-client hash; default: random per start")
        ("query-log-all", po::bool_switch(),
         "write every query to --query-log, not only filtered and monitored ones (action pass, entry empty when "
         "none matched); opted-out clients still never")
        ("dnstap", po::value<std::string>()->value_name("unix:PATH|tcp:ADDR:PORT"),
         "send dnstap messages over Frame Streams to a collector (bidirectional handshake, reconnection with "
         "backoff); a slow or absent collector loses messages (counted in the metrics), never queries. Opted-out "
         "clients are never sent; the client address follows --query-log-client")
        ("dnstap-messages", po::value<std::string>()->value_name("LIST")->default_value("client-query,client-response"),
         "which messages: client-query, client-response, forwarder-query, forwarder-response (comma-separated)")
        ("dnstap-sample", po::value<std::string>()->value_name("RATE")->default_value("1"),
         "share of the queries no entry matched that are sent (0 to 1); every matched query is sent")
        ("dnstap-identity", po::value<std::string>()->value_name("TEXT"), "dnstap identity; default: --node-name")
        ("dnstap-version", po::value<std::string>()->value_name("TEXT"), "dnstap version; default: dnsfilter-resolver X.Y.Z")
        ("dnstap-queue", po::value<std::string>()->value_name("FRAMES")->default_value("16384"),
         "messages waiting for the collector at most; more are dropped")
        ("stats-file", po::value<std::string>()->value_name("FILE"),
         "keep the monthly statistics here: read at start, written every --stats-interval and at shutdown")
        ("stats-interval", po::value<std::string>()->value_name("DURATION")->default_value("60s"),
         "how often --stats-file is written")
        ("time-zone", po::value<std::string>()->value_name("ZONE")->default_value("UTC"),
         "the zone of the statistics months and of catalogue and RPZ entry dates (a date begins at local "
         "midnight): +HH:MM, UTC or a tz database name such as Asia/Tokyo (daylight saving followed). A "
         "--stats-file counted in another zone is refused at start")
        ("node-name", po::value<std::string>()->value_name("NAME"),
         "this resolver's name in --stats-file, unique in the fleet, so that dnsfilter-report adds the nodes' "
         "files exactly and refuses two copies of one node; default: the host name")
        ("mismatch-warn", po::value<std::string>()->value_name("N")->default_value("10"),
         "raise the spoofing alarm (a warning in the log, a metric) when N or more upstream responses within "
         "--mismatch-window fail the checks (wrong id, question, source, or malformed); it clears after a quiet window")
        ("mismatch-window", po::value<std::string>()->value_name("DURATION")->default_value("10s"),
         "the window of --mismatch-warn");
    all.add(general).add(serving).add(access).add(upstream).add(filtering).add(caching).add(operating);
  }
};

constexpr const char* usage =
    "dnsfilter-resolver: a filtering DNS forwarder built on dnsfilter\n\n"
    "usage: dnsfilter-resolver [OPTIONS]\n\n"
    "With no options it serves 127.0.0.1:5353 (UDP and TCP) to loopback and private clients, filters with an\n"
    "embedded example catalogue and forwards to the resolvers of /etc/resolv.conf. Durations take ms, s, m\n"
    "or h (a bare number is seconds; at most 168h); sizes take k, M or G (at most 1T). SIGHUP reloads lists\n"
    "and policy; SIGTERM and SIGINT stop cleanly, writing the statistics.\n";

// Program_options fills the placeholders of its messages (%option%,
// %value%, ...) by replacing until none is left, so an option name or value
// that holds a placeholder itself made what() loop for ever, growing the
// message (Boost 1.74; found by fuzz_resolver_config, and reachable from the
// command line: `--x%canonical_option%`). Each '%' of the user's text is
// shown as \x25 instead.
struct placeholders : po::error_with_option_name {
  // The protected substitutions of any such error, reached through a member
  // pointer of this class (which is never made).
  static const std::map<std::string, std::string>& of(const po::error_with_option_name& e) {
    return e.*(&placeholders::m_substitutions);
  }
};

std::string message_of(po::error& e) {
  if (auto* named = dynamic_cast<po::error_with_option_name*>(&e)) {
    const std::map<std::string, std::string> values = placeholders::of(*named);
    for (const auto& [key, value] : values) {
      if (value.find('%') == std::string::npos) continue;
      std::string shown;
      for (char ch : value) {
        if (ch == '%') shown += "\\x25";
        else shown += ch;
      }
      named->set_substitute(key, shown);
    }
  }
  return e.what();
}

// Runs a call of Program_options, which reports by throwing po::error: the
// one place that catches it, as a failure with its message (placeholders
// shown, not expanded).
template <class Call>
outcome<void> outcome_of(Call&& call) {
  try {
    call();
    return {};
  } catch (po::error& e) {
    return bad_value(message_of(e));
  }
}

// The options of a config file's text (`name = value` lines) into `vm`; a
// failure on an unknown option, a bad value or a repeated single option.
outcome<void> store_config_text(std::string_view text, const po::options_description& options,
                                po::variables_map& vm) {
  return outcome_of([&] {
    std::istringstream in{std::string(text)};
    po::store(po::parse_config_file(in, options), vm);
  });
}

// Reads the options of `vm` into a config, value by value; every problem is
// one line of problems(), naming the option.
class option_reader {
 public:
  explicit option_reader(const po::variables_map& vm) : vm_(vm) {}

  bool given(const char* name) const { return vm_.count(name) != 0; }
  const std::string& text(const char* name) const { return vm_[name].as<std::string>(); }
  const strings& all(const char* name) const { return vm_[name].as<strings>(); }
  bool flag(const char* name) const { return vm_[name].as<bool>(); }
  void fail(const std::string& what) { problems_ += (problems_.empty() ? "" : "\n") + what; }
  const std::string& problems() const { return problems_; }

  void duration(const char* name, std::chrono::milliseconds& into) {
    if (!parse_duration(text(name), into))
      fail(std::string("--") + name + ": not a duration of at most " + std::to_string(max_duration_hours) + "h: '" +
           text(name) + "'");
  }
  // A whole number in [min, max], into an integer type that holds max.
  template <class Int>
  void number(const char* name, std::uint64_t min, std::uint64_t max, Int& into) {
    std::uint64_t v = 0;
    if (!parse_uint(text(name), max, v) || v < min) {
      fail(std::string("--") + name + ": a whole number from " + std::to_string(min) + " to " + std::to_string(max) +
           ", not '" + text(name) + "'");
      return;
    }
    into = static_cast<Int>(v);
  }

 private:
  const po::variables_map& vm_;
  std::string problems_;
};

constexpr std::uint64_t u32_max = 0xFFFFFFFFu;

void read_general(option_reader& r, config& c) {
  c.check_only = r.given("check");
  if (!parse_log_level(r.text("log-level"), c.level)) r.fail("--log-level: error, warning, info or debug");
}

void read_serving(option_reader& r, config& c) {
  for (const auto& spec : r.all("listen")) {
    auto l = parse_listen(spec);
    if (!l) r.fail("--listen " + spec + ": " + l.error().message);
    else c.listeners.push_back(std::move(*l));
  }
  r.number("threads", 1, 256, c.threads);
  r.number("max-udp-payload", 512, 4096, c.max_udp_payload);
}

void read_limits(option_reader& r, config& c) {
  r.duration("tcp-idle-timeout", c.tcp_idle_timeout);
  r.number("tcp-max-connections", 0, u32_max, c.tcp_max_connections);
  r.number("tcp-max-pipeline", 0, u32_max, c.tcp_max_pipeline);
  c.tcp_max_pipeline = std::max<std::size_t>(1, c.tcp_max_pipeline);
  if (!parse_size(r.text("tcp-max-query-size"), c.tcp_max_query_size) || c.tcp_max_query_size < 12 ||
      c.tcp_max_query_size > 65535)
    r.fail("--tcp-max-query-size: 12 to 65535");
  r.number("max-inflight", 0, u32_max, c.max_inflight);
  c.max_inflight = std::max<std::size_t>(1, c.max_inflight);
}

void read_prefixes(option_reader& r, const char* name, std::vector<policy::ip_prefix>& into) {
  if (!r.given(name)) return;
  for (const auto& p : r.all(name)) {
    policy::ip_prefix prefix;
    if (!parse_prefix(p, prefix)) r.fail(std::string("--") + name + ": not a prefix: '" + p + "'");
    else into.push_back(prefix);
  }
}

void read_access(option_reader& r, config& c) {
  read_prefixes(r, "allow", c.allow);
  read_prefixes(r, "deny", c.deny);
}

// How upstreams are used: timeouts, attempts, selection, health, source ports.
void read_upstream_settings(option_reader& r, config& c) {
  r.duration("upstream-timeout", c.upstream_timeout);
  if (c.upstream_timeout.count() < 10) r.fail("--upstream-timeout: at least 10ms");
  r.number("upstream-attempts", 1, 10, c.upstream_attempts);
  r.duration("upstream-tcp-timeout", c.upstream_tcp_timeout);
  if (c.upstream_tcp_timeout.count() < 10) r.fail("--upstream-tcp-timeout: at least 10ms");
  const std::string& selection = r.text("upstream-selection");
  if (selection == "ordered") c.selection = upstream_selection::ordered;
  else if (selection == "round-robin") c.selection = upstream_selection::round_robin;
  else r.fail("--upstream-selection: ordered or round-robin");
  r.number("upstream-down-after", 0, 1000, c.upstream_down_after);
  c.upstream_down_after = std::max(1u, c.upstream_down_after);
  std::chrono::milliseconds retry{};
  r.duration("upstream-retry-after", retry);
  c.upstream_retry_after = std::max(std::chrono::seconds(1), std::chrono::duration_cast<std::chrono::seconds>(retry));
  r.number("upstream-payload", 512, 65535, c.upstream_payload);
  c.randomize_case = r.flag("randomize-case");
  if (r.given("upstream-port-range")) {
    const std::string& range = r.text("upstream-port-range");
    const std::size_t dash = range.find('-');
    std::uint64_t lo = 0, hi = 0;
    if (dash == std::string::npos || !parse_uint(std::string_view(range).substr(0, dash), 65535, lo) ||
        !parse_uint(std::string_view(range).substr(dash + 1), 65535, hi) || lo < 1024 || hi < lo + 1023)
      r.fail("--upstream-port-range: LOW-HIGH with 1024 <= LOW and at least 1024 ports");
    c.port_low = static_cast<std::uint16_t>(lo);
    c.port_high = static_cast<std::uint16_t>(hi);
  }
}

// Which upstreams: --upstream, else the nameservers of --resolv-conf that are
// not this resolver's own listeners (so read_serving comes first), else
// 127.0.0.1:53.
void read_upstreams(option_reader& r, config& c) {
  if (r.given("upstream")) {
    for (const auto& u : r.all("upstream")) {
      auto where = parse_endpoint(u, 53);
      if (!where) {
        r.fail("--upstream " + u + ": " + where.error().message);
        continue;
      }
      upstream_config up;
      up.address = where->address;
      up.port = where->port;
      up.text = to_string(up.address, up.port);
      c.upstreams.push_back(up);
    }
    if (c.upstreams.size() > dnsfilter::forward::max_upstreams)
      r.fail("--upstream: at most " + std::to_string(dnsfilter::forward::max_upstreams) + " upstreams, not " +
             std::to_string(c.upstreams.size()));
    c.upstream_origin = "--upstream";
    return;
  }
  const std::string& path = r.text("resolv-conf");
  auto conf = read_text_file(path, max_resolv_conf_size);
  for (const auto& u : parse_resolv_conf(conf ? *conf : std::string_view{}))
    if (!is_ourselves(u, c.listeners)) c.upstreams.push_back(u);
  c.upstream_origin = path;
  if (!c.upstreams.empty()) return;
  upstream_config fallback;
  fallback.address = boost::asio::ip::make_address_v4("127.0.0.1");
  fallback.text = "127.0.0.1:53";
  c.upstreams.push_back(fallback);
  c.upstream_origin = "the built-in fallback (" + (conf ? path + " names no usable nameserver" : conf.error().message) +
                      "; the C library also assumes 127.0.0.1:53 then)";
  if (is_ourselves(fallback, c.listeners))
    r.fail("no upstream: the fallback 127.0.0.1:53 is this resolver itself; give --upstream");
}

// The lists and the policy file.
void read_lists(option_reader& r, config& c) {
  if (r.given("list")) {
    for (const auto& spec : r.all("list")) {
      dnsfilter::diagnostic why;
      auto argument = dnsfilter::lists::parse_list_argument(spec, &why);
      if (!argument) {
        r.fail("--list: " + why.message);
        continue;
      }
      list_config l;
      l.format = argument->format;
      l.path = std::move(argument->path);
      c.lists.push_back(l);
    }
  }
  if (r.given("memory-budget") &&
      (!parse_size(r.text("memory-budget"), c.memory_budget) || c.memory_budget == 0))
    r.fail("--memory-budget: a size such as 32M, at most 1T");
  if (r.given("image")) {
    c.image = r.text("image");
    if (!c.lists.empty()) r.fail("--image: serves instead of --list; compile the lists into the image");
  }
  if (r.given("feed")) {
    for (const auto& spec : r.all("feed")) {
      auto f = parse_feed(spec);
      if (!f) r.fail("--feed " + spec + ": " + f.error().message);
      else c.feeds.push_back(std::move(*f));
    }
  }
  if (!c.image.empty() && !c.feeds.empty()) r.fail("--image: cannot be combined with --feed yet");
  const std::string& stale = r.text("feed-stale");
  if (stale == "serve") c.feed_stale = feed_staleness::serve;
  else if (stale == "open") c.feed_stale = feed_staleness::open;
  else if (stale == "servfail") c.feed_stale = feed_staleness::servfail;
  else r.fail("--feed-stale: serve, open or servfail");
  c.lenient_lists = r.flag("lenient-lists");
  bool global_action = false;
  for (const std::string& spec : r.all("list-action")) {
    const std::size_t eq = spec.rfind('=');
    dnsfilter::match::action a;
    if (!parse_action(eq == std::string::npos ? spec : spec.substr(eq + 1), a)) {
      r.fail("--list-action " + spec + ": sinkhole, nxdomain, nodata, refused, drop or monitor");
      continue;
    }
    if (eq == std::string::npos) {
      if (global_action) r.fail("--list-action " + spec + ": an action for every list is given twice");
      global_action = true;
      c.list_action = a;
      continue;
    }
    const std::string path = spec.substr(0, eq);
    bool found = false;
    for (auto& l : c.lists) {
      if (l.path != path) continue;
      found = true;
      if (l.action) r.fail("--list-action " + spec + ": the list's action is given twice");
      l.action = a;
    }
    if (!found) r.fail("--list-action " + spec + ": no --list " + path);
  }
  if (r.given("policy")) c.policy_file = r.text("policy");
}

// The synthesised answers: addresses, TTLs, Extended DNS Errors. Their EDNS
// payload size is --max-udp-payload (so read_serving comes first).
void read_sinkhole(option_reader& r, config& c) {
  auto& s = c.sinkhole;
  if (const std::string& v4 = r.text("sinkhole-ipv4"); v4 != "none") {
    boost::system::error_code ec;
    const auto a = boost::asio::ip::make_address_v4(v4, ec);
    if (ec) r.fail("--sinkhole-ipv4: not an IPv4 address: '" + v4 + "'");
    else {
      dnsfilter::wire::rdata::a rr;
      const auto bytes = a.to_bytes();
      for (std::size_t i = 0; i < 4; ++i) rr.address[i] = std::byte{bytes[i]};
      s.ipv4 = rr;
    }
  }
  if (const std::string& v6 = r.text("sinkhole-ipv6"); v6 != "none") {
    boost::system::error_code ec;
    const auto a = boost::asio::ip::make_address_v6(v6, ec);
    if (ec) r.fail("--sinkhole-ipv6: not an IPv6 address: '" + v6 + "'");
    else {
      dnsfilter::wire::rdata::aaaa rr;
      const auto bytes = a.to_bytes();
      for (std::size_t i = 0; i < 16; ++i) rr.address[i] = std::byte{bytes[i]};
      s.ipv6 = rr;
    }
  }
  r.number("sinkhole-ttl", 0, u32_max, s.answer_ttl);
  r.number("negative-ttl", 0, u32_max, s.soa.minimum);
  s.udp_payload_size = static_cast<std::uint16_t>(c.max_udp_payload);
  s.extended_errors = !r.flag("no-ede");
  if (!r.given("ede-category")) return;
  for (const auto& spec : r.all("ede-category")) {
    const std::size_t eq = spec.rfind('=');
    std::uint64_t code = 0;
    if (eq == std::string::npos || eq == 0 || !parse_uint(std::string_view(spec).substr(eq + 1), 65535, code)) {
      r.fail("--ede-category: CATEGORY=CODE, not '" + spec + "'");
      continue;
    }
    s.info_codes.push_back({spec.substr(0, eq), static_cast<std::uint16_t>(code)});
  }
}

void read_cache(option_reader& r, config& c) {
  if (!parse_size(r.text("cache-size"), c.cache_bytes)) r.fail("--cache-size: a size such as 32M, at most 1T");
  r.number("cache-max-ttl", 0, u32_max, c.cache_max_ttl);
  r.number("cache-min-ttl", 0, u32_max, c.cache_min_ttl);
  r.number("cache-negative-ttl", 0, u32_max, c.cache_negative_ttl);
  if (c.cache_min_ttl > c.cache_max_ttl) r.fail("--cache-min-ttl exceeds --cache-max-ttl");
}

// Reloads, the metrics endpoint and the query log.
void read_operating(option_reader& r, config& c) {
  r.duration("watch-interval", c.watch_interval);
  if (const std::string& m = r.text("metrics"); m != "none" && m != "off" && !m.empty()) {
    if (auto where = parse_endpoint(m, 9153); !where) {
      r.fail("--metrics: " + where.error().message);
    } else {
      listener_config l;
      l.address = where->address;
      l.port = where->port;
      l.text = m;
      c.metrics = l;
    }
  }
  if (r.given("query-log")) c.query_log = r.text("query-log");
  const std::string& form = r.text("query-log-client");
  auto& qo = c.query_log_options;
  if (form == "full") qo.privacy = dnsfilter::stats::client_privacy::full;
  else if (form == "truncated") qo.privacy = dnsfilter::stats::client_privacy::truncated;
  else if (form == "hash") qo.privacy = dnsfilter::stats::client_privacy::keyed_hash;
  else r.fail("--query-log-client: full, truncated or hash");
  r.number("query-log-v4-prefix", 0, 32, qo.v4_prefix);
  r.number("query-log-v6-prefix", 0, 128, qo.v6_prefix);
  if (r.given("query-log-key")) {
    if (!parse_hex_key(r.text("query-log-key"), qo.key)) r.fail("--query-log-key: 32 hex digits");
    c.query_log_key_given = true;
  }
}

// dnstap (after read_statistics: the identity defaults to the node name).
void read_dnstap(option_reader& r, config& c) {
  c.query_log_all = r.flag("query-log-all");
  dnstap_config& d = c.dnstap;
  if (r.given("dnstap")) {
    const std::string& where = r.text("dnstap");
    if (where.starts_with("unix:") && where.size() > 5 && where.size() - 5 < 108) {
      d.unix_path = where.substr(5);
    } else if (where.starts_with("tcp:")) {
      if (auto e = parse_endpoint(std::string_view(where).substr(4), 6000); !e) {
        r.fail("--dnstap: " + e.error().message);
      } else {
        d.tcp_address = e->address.to_string();
        d.tcp_port = e->port;
      }
    } else {
      r.fail("--dnstap: unix:PATH (under 108 octets) or tcp:ADDR:PORT, not '" + where + "'");
    }
  }
  d.client_query = d.client_response = d.forwarder_query = d.forwarder_response = false;
  std::string_view list = r.text("dnstap-messages");
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view kind = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (kind == "client-query") d.client_query = true;
    else if (kind == "client-response") d.client_response = true;
    else if (kind == "forwarder-query") d.forwarder_query = true;
    else if (kind == "forwarder-response") d.forwarder_response = true;
    else r.fail("--dnstap-messages: client-query, client-response, forwarder-query or forwarder-response, not '" +
                std::string(kind) + "'");
  }
  const std::string& rate = r.text("dnstap-sample");
  char* end = nullptr;
  const double share = std::strtod(rate.c_str(), &end);
  if (rate.empty() || end != rate.c_str() + rate.size() || !(share >= 0 && share <= 1))
    r.fail("--dnstap-sample: a share from 0 to 1, not '" + rate + "'");
  else d.sample_per_million = static_cast<std::uint32_t>(share * 1e6 + 0.5);
  d.identity = r.given("dnstap-identity") ? r.text("dnstap-identity") : c.node_name;
  d.version = r.given("dnstap-version") ? r.text("dnstap-version")
                                        : "dnsfilter-resolver " + std::to_string(DNSFILTER_VERSION_MAJOR) + "." +
                                              std::to_string(DNSFILTER_VERSION_MINOR) + "." +
                                              std::to_string(DNSFILTER_VERSION_PATCH);
  r.number("dnstap-queue", 1, 1u << 24, d.queue_frames);
}

// gethostname(2), or "" when it fails.
std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return {};
  return name;
}

// The statistics file and the mismatch warnings.
void read_statistics(option_reader& r, config& c) {
  if (r.given("stats-file")) c.stats_file = r.text("stats-file");
  std::string why;
  if (auto z = dnsfilter::stats::tz::parse_zone(r.text("time-zone"), &why)) c.time_zone = std::move(*z);
  else r.fail("--time-zone: " + why);
  std::chrono::milliseconds stats_every{};
  r.duration("stats-interval", stats_every);
  c.stats_interval = std::max(std::chrono::seconds(1), std::chrono::duration_cast<std::chrono::seconds>(stats_every));
  c.node_name = r.given("node-name") ? r.text("node-name") : host_name();
  if (c.node_name.empty() || c.node_name.size() > 255 ||
      std::any_of(c.node_name.begin(), c.node_name.end(), [](unsigned char ch) { return ch < 0x20 || ch == 0x7F; }))
    r.fail("--node-name: 1 to 255 bytes, no control characters" +
           std::string(r.given("node-name") ? "" : " (the host name is not usable: give --node-name)"));
  r.number("mismatch-warn", 0, u32_max, c.mismatch_warn);
  c.mismatch_warn = std::max<std::uint64_t>(1, c.mismatch_warn);
  r.duration("mismatch-window", c.mismatch_window);
  if (c.mismatch_window.count() < 100) r.fail("--mismatch-window: at least 100ms");
}

// The config that the options in `vm` describe (defaults filled in), checked
// value by value: every problem found, one line each (config.hpp). Reads
// --resolv-conf when no --upstream is given.
outcome<config> config_from(const po::variables_map& vm) {
  option_reader r(vm);
  config c;
  read_general(r, c);
  read_serving(r, c);
  read_limits(r, c);
  read_access(r, c);
  read_upstream_settings(r, c);
  read_upstreams(r, c);
  read_lists(r, c);
  read_sinkhole(r, c);
  read_cache(r, c);
  read_operating(r, c);
  read_statistics(r, c);
  read_dnstap(r, c);
  if (!r.problems().empty()) return bad_value(r.problems());
  return c;
}

// The options of the command line into `vm`.
outcome<void> store_command_line(int argc, const char* const* argv, const po::options_description& options,
                                 po::variables_map& vm) {
  return outcome_of([&] { po::store(po::command_line_parser(argc, argv).options(options).run(), vm); });
}

// The options of the config file at `path` into `vm`: read whole, then
// parsed as parse_config_text parses it. What `vm` holds already stays
// (po::store keeps the first value it sees), so the command line wins.
outcome<void> store_config_file(const std::string& path, const po::options_description& options,
                                po::variables_map& vm) {
  auto text = read_text_file(path, max_config_size);
  if (!text) return failure{text.error().code, "config file " + text.error().message};
  auto stored = store_config_text(*text, options, vm);
  if (!stored) return bad_value(path + ": " + stored.error().message);
  return stored;
}

// po::notify: the required options checked, the notifiers run.
outcome<void> notify_options(po::variables_map& vm) {
  return outcome_of([&] { po::notify(vm); });
}

// Prints `f` for the operator, a line per problem; a pointer to --help
// follows the problems of options and values.
parse_outcome report(std::ostream& errors, const failure& f) {
  std::string_view lines = f.message;
  while (true) {
    const std::size_t eol = lines.find('\n');
    errors << "dnsfilter-resolver: " << lines.substr(0, eol) << "\n";
    if (eol == std::string_view::npos) break;
    lines.remove_prefix(eol + 1);
  }
  if (f.code == dnsfilter::errc::invalid_argument) errors << "(--help lists the options)\n";
  return parse_outcome::exit_failure;
}

}  // namespace

outcome<config> parse_config_text(std::string_view text) {
  const option_set options;
  po::variables_map vm;
  if (auto stored = store_config_text(text, options.all, vm); !stored) return stored.error();
  if (auto notified = notify_options(vm); !notified) return notified.error();
  return config_from(vm);
}

parse_outcome parse_command_line(int argc, const char* const* argv, config& out, std::ostream& info,
                                 std::ostream& errors) {
  const option_set options;
  po::variables_map vm;
  auto stored = store_command_line(argc, argv, options.all, vm);
  if (stored && vm.count("config")) stored = store_config_file(vm["config"].as<std::string>(), options.all, vm);
  if (stored) stored = notify_options(vm);
  if (!stored) return report(errors, stored.error());

  if (vm.count("help")) {
    info << usage << "\n" << options.all << "\n";
    return parse_outcome::exit_success;
  }
  if (vm.count("version")) {
    info << "dnsfilter-resolver " << DNSFILTER_VERSION_MAJOR << "." << DNSFILTER_VERSION_MINOR << "."
         << DNSFILTER_VERSION_PATCH << "\n";
#if DNSFILTER_RESOLVER_DNSTAP
    info << "built with: dnstap\n";
#endif
    return parse_outcome::exit_success;
  }
  if (vm.count("print-default-catalogue")) {
    info << catalogue_tsv << "\n" << catalogue_adblock;
    return parse_outcome::exit_success;
  }

  auto parsed = config_from(vm);
  if (!parsed) return report(errors, parsed.error());
  out = std::move(*parsed);
  log_threshold().store(static_cast<int>(out.level));
  return parse_outcome::run;
}

}  // namespace resolver
