// dnsfilter-resolver — command line and configuration file (Boost.Program_options).
#include "config.hpp"
#include "log.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

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

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool parse_uint(std::string_view text, std::uint64_t max, std::uint64_t& out) {
  if (text.empty()) return false;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v > max) return false;
  out = v;
  return true;
}

// "500ms", "2s", "5m", "1h"; a bare number is seconds.
bool parse_duration(std::string_view text, std::chrono::milliseconds& out) {
  std::uint64_t scale = 1000;
  if (text.ends_with("ms")) scale = 1, text.remove_suffix(2);
  else if (text.ends_with("s")) scale = 1000, text.remove_suffix(1);
  else if (text.ends_with("m")) scale = 60000, text.remove_suffix(1);
  else if (text.ends_with("h")) scale = 3600000, text.remove_suffix(1);
  std::uint64_t v = 0;
  if (!parse_uint(text, std::uint64_t{1} << 40, v)) return false;
  out = std::chrono::milliseconds(v * scale);
  return true;
}

// "4096", "64k", "32M", "1G" (binary multiples).
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
  if (!parse_uint(text, std::uint64_t{1} << 40, v)) return false;
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

bool parse_listen(std::string_view text, listener_config& out, std::string& error) {
  out = {};
  out.text = std::string(text);
  const std::size_t comma = text.find(',');
  std::string_view where = text.substr(0, comma);
  if (!parse_endpoint(where, 53, out.address, out.port, error)) return false;
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
      error = "unknown listen flag '" + std::string(word) + "' (udp, tcp, filtered, unfiltered)";
      return false;
    }
  }
  return true;
}

bool parse_action(std::string_view text, dnsfilter::match::action& out) {
  using dnsfilter::match::action;
  for (action a : {action::sinkhole, action::nxdomain, action::nodata, action::refused, action::drop})
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

std::string read_text_file(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  if (!ok) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
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

bool parse_endpoint(std::string_view text, std::uint16_t default_port, boost::asio::ip::address& address,
                    std::uint16_t& port, std::string& error) {
  text = trim(text);
  std::string_view host = text, port_text;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return error = "missing ']' in '" + std::string(text) + "'", false;
    host = text.substr(1, close - 1);
    std::string_view after = text.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return error = "expected ':PORT' after ']' in '" + std::string(text) + "'", false;
      port_text = after.substr(1);
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {  // IPv4 with a port
    const std::size_t colon = text.find(':');
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }  // else: IPv4 without a port, or a bare IPv6 address
  boost::system::error_code ec;
  address = boost::asio::ip::make_address(std::string(host), ec);
  if (ec) return error = "not an IP address: '" + std::string(host) + "'", false;
  port = default_port;
  if (!port_text.empty()) {
    std::uint64_t v = 0;
    if (!parse_uint(port_text, 65535, v)) return error = "bad port in '" + std::string(text) + "'", false;
    port = static_cast<std::uint16_t>(v);
  }
  return true;
}

std::vector<upstream_config> parse_resolv_conf(std::string_view text) {
  std::vector<upstream_config> out;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    std::string_view line = trim(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
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

parse_outcome parse_command_line(int argc, const char* const* argv, config& out, std::ostream& info,
                                 std::ostream& text) {
  using strings = std::vector<std::string>;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());

  po::options_description general("General");
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

  po::options_description serving("Serving");
  serving.add_options()
      ("listen,l", po::value<strings>()->value_name("ADDR:PORT[,FLAGS]")->default_value({"127.0.0.1:5353"}, "127.0.0.1:5353"),
       "a listener (repeatable): IPv4 'A.B.C.D:PORT' or IPv6 '[ADDR]:PORT'; port 0 picks a free port "
       "(printed at start). FLAGS, comma-separated: 'udp' or 'tcp' (default both), 'unfiltered' (an "
       "opt-out service address: no filtering, no logging, not counted) or 'filtered' (per-client "
       "policy, the default). Listeners are numbered from 0 in order, as in the policy file")
      ("threads", po::value<unsigned>()->value_name("N")->default_value(cores),
       "serving threads, each with its own sockets (SO_REUSEPORT) and event loop; default: the CPU count")
      ("max-udp-payload", po::value<std::size_t>()->value_name("OCTETS")->default_value(1232),
       "largest UDP answer sent, and the EDNS payload size advertised (512-4096; 1232 avoids fragmentation)")
      ("tcp-idle-timeout", po::value<std::string>()->value_name("DURATION")->default_value("10s"),
       "close a TCP connection idle this long (RFC 7766)")
      ("tcp-max-connections", po::value<std::size_t>()->value_name("N")->default_value(1024),
       "TCP connections open at once, over all threads; more are closed on accept")
      ("tcp-max-pipeline", po::value<std::size_t>()->value_name("N")->default_value(32),
       "queries of one TCP connection in progress at once; reading pauses beyond it")
      ("tcp-max-query-size", po::value<std::string>()->value_name("SIZE")->default_value("4096"),
       "a TCP query longer than this closes its connection")
      ("max-inflight", po::value<std::size_t>()->value_name("N")->default_value(8192),
       "upstream queries in progress per thread; beyond it queries get SERVFAIL at once");

  po::options_description access("Access control");
  access.add_options()
      ("allow", po::value<strings>()->value_name("PREFIX")
                    ->default_value({"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                     "169.254.0.0/16", "fc00::/7", "fe80::/10"},
                                    "loopback, RFC 1918, link-local and ULA ranges"),
       "clients allowed to query (repeatable; replaces the default). Others get REFUSED with Extended DNS "
       "Error 18 (Prohibited): never an open resolver. 100.64.0.0/10 (CGNAT) is not in the default")
      ("deny", po::value<strings>()->value_name("PREFIX"),
       "clients refused although inside an allowed prefix (repeatable); the longest prefix decides");

  po::options_description upstream("Upstream (forwarding; no recursion)");
  upstream.add_options()
      ("upstream,u", po::value<strings>()->value_name("ADDR[:PORT]"),
       "an upstream resolver (repeatable, in order of preference). Default: the nameserver lines of "
       "--resolv-conf, leaving out this resolver's own listeners; if none is usable, 127.0.0.1:53, as the C "
       "library assumes for an empty resolv.conf (logged)")
      ("resolv-conf", po::value<std::string>()->value_name("FILE")->default_value("/etc/resolv.conf"),
       "where the default upstreams come from")
      ("upstream-timeout", po::value<std::string>()->value_name("DURATION")->default_value("1s"),
       "wait this long for each UDP attempt")
      ("upstream-attempts", po::value<unsigned>()->value_name("N")->default_value(3),
       "attempts per query, each to the next usable upstream with a fresh id and source port; then SERVFAIL "
       "with Extended DNS Error 23 (Network Error)")
      ("upstream-tcp-timeout", po::value<std::string>()->value_name("DURATION")->default_value("3s"),
       "limit of a TCP exchange with an upstream (after TC=1)")
      ("upstream-selection", po::value<std::string>()->value_name("POLICY")->default_value("ordered"),
       "'ordered': the first healthy upstream; 'round-robin': spread over the healthy ones")
      ("upstream-down-after", po::value<unsigned>()->value_name("N")->default_value(3),
       "consecutive timeouts that mark an upstream down; a down one is probed again after "
       "--upstream-retry-after, doubling up to 60 s, and is up again at its first answer")
      ("upstream-retry-after", po::value<std::string>()->value_name("DURATION")->default_value("5s"),
       "first probe of a down upstream")
      ("upstream-payload", po::value<std::uint16_t>()->value_name("OCTETS")->default_value(1232),
       "EDNS payload size advertised to upstreams")
      ("randomize-case", po::bool_switch(),
       "0x20: send upstream queries with random letter case and accept only answers that echo it exactly "
       "(extra spoofing resistance; every upstream must preserve case)")
      ("upstream-port-range", po::value<std::string>()->value_name("LOW-HIGH"),
       "choose each query's source port at random from this range (e.g. 1024-65535) instead of the kernel's "
       "ephemeral range; the default leaves it to the kernel, which randomises too");

  po::options_description filtering("Filtering");
  filtering.add_options()
      ("list", po::value<strings>()->value_name("[FORMAT:]FILE"),
       "a block list (repeatable). FORMAT: plain, hosts, adblock, rpz, catalogue (the operator's TSV/CSV) or "
       "auto (the default: by extension, then content). Without --list the embedded example catalogue is "
       "used. Lists are watched and reloaded when they change, and on SIGHUP")
      ("lenient-lists", po::bool_switch(),
       "skip invalid lines (logged) instead of refusing the whole file; by default one invalid line "
       "refuses the file at start and keeps the old snapshot at a reload")
      ("list-action", po::value<std::string>()->value_name("ACTION")->default_value("sinkhole"),
       "answer to names of plain, hosts and adblock lists and of catalogue rows: sinkhole, nxdomain, "
       "nodata, refused or drop (RPZ files carry their own actions)")
      ("policy", po::value<std::string>()->value_name("FILE"),
       "the opt-out policy file (listener, client-prefix and subscriber rules; see policy/file.hpp); watched "
       "and reloaded like the lists")
      ("sinkhole-ipv4", po::value<std::string>()->value_name("ADDR")->default_value("0.0.0.0"),
       "answer to A queries for blocked names ('none': NODATA)")
      ("sinkhole-ipv6", po::value<std::string>()->value_name("ADDR")->default_value("::"),
       "answer to AAAA queries for blocked names ('none': NODATA)")
      ("sinkhole-ttl", po::value<std::uint32_t>()->value_name("SECONDS")->default_value(60),
       "TTL of sinkhole answers (short, so a lifted entry takes effect quickly)")
      ("negative-ttl", po::value<std::uint32_t>()->value_name("SECONDS")->default_value(60),
       "negative-caching TTL (SOA minimum) of synthesised NODATA and NXDOMAIN answers")
      ("ede-category", po::value<strings>()->value_name("CATEGORY=CODE"),
       "Extended DNS Error INFO-CODE for entries of CATEGORY (repeatable; default 15 Blocked, e.g. 17 Filtered)")
      ("no-ede", po::bool_switch(), "do not add Extended DNS Errors to sinkhole answers");

  po::options_description caching("Cache");
  caching.add_options()
      ("cache-size", po::value<std::string>()->value_name("SIZE")->default_value("32M"),
       "memory for cached upstream answers (k/M/G suffixes; 0 disables); least recently used answers go first")
      ("cache-max-ttl", po::value<std::uint32_t>()->value_name("SECONDS")->default_value(86400),
       "keep an answer at most this long, whatever its TTL")
      ("cache-min-ttl", po::value<std::uint32_t>()->value_name("SECONDS")->default_value(0),
       "keep answers at least this long (0 honours the TTLs exactly; answers with TTL 0 are not cached)")
      ("cache-negative-ttl", po::value<std::uint32_t>()->value_name("SECONDS")->default_value(3600),
       "cap of negative caching: NXDOMAIN and NODATA are kept min(SOA TTL, SOA minimum, this) (RFC 2308); "
       "without an SOA they are not cached");

  po::options_description operating("Reload and observability");
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
      ("query-log-v4-prefix", po::value<unsigned>()->value_name("BITS")->default_value(24), "truncated IPv4 prefix")
      ("query-log-v6-prefix", po::value<unsigned>()->value_name("BITS")->default_value(56), "truncated IPv6 prefix")
      ("query-log-key", po::value<std::string>()->value_name("HEX32"),
       "the 128-bit SipHash key (32 hex digits) of --query-log-client hash; default: random per start")
      ("stats-file", po::value<std::string>()->value_name("FILE"),
       "keep the monthly statistics here: read at start, written every --stats-interval and at shutdown")
      ("stats-interval", po::value<std::string>()->value_name("DURATION")->default_value("60s"),
       "how often --stats-file is written")
      ("mismatch-warn", po::value<std::uint64_t>()->value_name("N")->default_value(10),
       "log a warning when N or more upstream responses within --mismatch-window fail the spoofing checks "
       "(wrong id, question, source, or malformed)")
      ("mismatch-window", po::value<std::string>()->value_name("DURATION")->default_value("10s"),
       "the window of --mismatch-warn");

  constexpr const char* usage =
      "dnsfilter-resolver: a filtering DNS forwarder built on dnsfilter\n\n"
      "usage: dnsfilter-resolver [OPTIONS]\n\n"
      "With no options it serves 127.0.0.1:5353 (UDP and TCP) to loopback and private clients, filters with an\n"
      "embedded example catalogue and forwards to the resolvers of /etc/resolv.conf. Durations take ms, s, m\n"
      "or h (a bare number is seconds); sizes take k, M or G. SIGHUP reloads lists and policy; SIGTERM and\n"
      "SIGINT stop cleanly, writing the statistics.\n";
  po::options_description all("Options");
  all.add(general).add(serving).add(access).add(upstream).add(filtering).add(caching).add(operating);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).run(), vm);
    if (vm.count("config")) {
      const std::string path = vm["config"].as<std::string>();
      std::ifstream in(path);
      if (!in) {
        text << "dnsfilter-resolver: cannot read config file " << path << "\n";
        return parse_outcome::exit_failure;
      }
      po::store(po::parse_config_file(in, all), vm);
    }
    po::notify(vm);
  } catch (const po::error& e) {
    text << "dnsfilter-resolver: " << e.what() << "\n(--help lists the options)\n";
    return parse_outcome::exit_failure;
  }

  if (vm.count("help")) {
    info << usage << "\n" << all << "\n";
    return parse_outcome::exit_success;
  }
  if (vm.count("version")) {
    info << "dnsfilter-resolver " << DNSFILTER_VERSION_MAJOR << "." << DNSFILTER_VERSION_MINOR << "."
         << DNSFILTER_VERSION_PATCH << "\n";
    return parse_outcome::exit_success;
  }
  if (vm.count("print-default-catalogue")) {
    info << catalogue_tsv << "\n" << catalogue_adblock;
    return parse_outcome::exit_success;
  }

  bool ok = true;
  auto fail = [&](const std::string& what) {
    text << "dnsfilter-resolver: " << what << "\n";
    ok = false;
  };
  auto duration = [&](const char* name, std::chrono::milliseconds& into) {
    if (!parse_duration(vm[name].as<std::string>(), into))
      fail(std::string("--") + name + ": not a duration: '" + vm[name].as<std::string>() + "'");
  };

  config c;
  c.check_only = vm.count("check") != 0;
  log_level level{};
  if (!parse_log_level(vm["log-level"].as<std::string>(), level)) fail("--log-level: error, warning, info or debug");
  log_threshold().store(static_cast<int>(level));

  for (const auto& spec : vm["listen"].as<strings>()) {
    listener_config l;
    std::string error;
    if (!parse_listen(spec, l, error)) fail("--listen " + spec + ": " + error);
    else c.listeners.push_back(l);
  }
  c.threads = vm["threads"].as<unsigned>();
  if (c.threads < 1 || c.threads > 256) fail("--threads: 1 to 256");
  c.max_udp_payload = vm["max-udp-payload"].as<std::size_t>();
  if (c.max_udp_payload < 512 || c.max_udp_payload > 4096) fail("--max-udp-payload: 512 to 4096");
  duration("tcp-idle-timeout", c.tcp_idle_timeout);
  c.tcp_max_connections = vm["tcp-max-connections"].as<std::size_t>();
  c.tcp_max_pipeline = std::max<std::size_t>(1, vm["tcp-max-pipeline"].as<std::size_t>());
  if (!parse_size(vm["tcp-max-query-size"].as<std::string>(), c.tcp_max_query_size) || c.tcp_max_query_size < 12 ||
      c.tcp_max_query_size > 65535)
    fail("--tcp-max-query-size: 12 to 65535");
  c.max_inflight = std::max<std::size_t>(1, vm["max-inflight"].as<std::size_t>());

  for (const auto& p : vm["allow"].as<strings>()) {
    policy::ip_prefix prefix;
    if (!parse_prefix(p, prefix)) fail("--allow: not a prefix: '" + p + "'");
    else c.allow.push_back(prefix);
  }
  if (vm.count("deny")) {
    for (const auto& p : vm["deny"].as<strings>()) {
      policy::ip_prefix prefix;
      if (!parse_prefix(p, prefix)) fail("--deny: not a prefix: '" + p + "'");
      else c.deny.push_back(prefix);
    }
  }

  duration("upstream-timeout", c.upstream_timeout);
  if (c.upstream_timeout.count() < 10) fail("--upstream-timeout: at least 10ms");
  c.upstream_attempts = vm["upstream-attempts"].as<unsigned>();
  if (c.upstream_attempts < 1 || c.upstream_attempts > 10) fail("--upstream-attempts: 1 to 10");
  duration("upstream-tcp-timeout", c.upstream_tcp_timeout);
  if (c.upstream_tcp_timeout.count() < 10) fail("--upstream-tcp-timeout: at least 10ms");
  const std::string selection = vm["upstream-selection"].as<std::string>();
  if (selection == "ordered") c.selection = upstream_selection::ordered;
  else if (selection == "round-robin") c.selection = upstream_selection::round_robin;
  else fail("--upstream-selection: ordered or round-robin");
  c.upstream_down_after = std::max(1u, vm["upstream-down-after"].as<unsigned>());
  std::chrono::milliseconds retry{};
  duration("upstream-retry-after", retry);
  c.upstream_retry_after = std::max(std::chrono::seconds(1), std::chrono::duration_cast<std::chrono::seconds>(retry));
  c.upstream_payload = vm["upstream-payload"].as<std::uint16_t>();
  if (c.upstream_payload < 512) fail("--upstream-payload: at least 512");
  c.randomize_case = vm["randomize-case"].as<bool>();
  if (vm.count("upstream-port-range")) {
    const std::string r = vm["upstream-port-range"].as<std::string>();
    const std::size_t dash = r.find('-');
    std::uint64_t lo = 0, hi = 0;
    if (dash == std::string::npos || !parse_uint(std::string_view(r).substr(0, dash), 65535, lo) ||
        !parse_uint(std::string_view(r).substr(dash + 1), 65535, hi) || lo < 1024 || hi < lo + 1023)
      fail("--upstream-port-range: LOW-HIGH with 1024 <= LOW and at least 1024 ports");
    c.port_low = static_cast<std::uint16_t>(lo);
    c.port_high = static_cast<std::uint16_t>(hi);
  }

  if (vm.count("upstream")) {
    for (const auto& u : vm["upstream"].as<strings>()) {
      upstream_config up;
      std::string error;
      if (!parse_endpoint(u, 53, up.address, up.port, error)) {
        fail("--upstream " + u + ": " + error);
        continue;
      }
      up.text = to_string(up.address, up.port);
      c.upstreams.push_back(up);
    }
    c.upstream_origin = "--upstream";
  } else {
    const std::string path = vm["resolv-conf"].as<std::string>();
    bool readable = false;
    const std::string conf = read_text_file(path, readable);
    for (const auto& u : parse_resolv_conf(conf))
      if (!is_ourselves(u, c.listeners)) c.upstreams.push_back(u);
    c.upstream_origin = path;
    if (c.upstreams.empty()) {
      upstream_config fallback;
      fallback.address = boost::asio::ip::make_address_v4("127.0.0.1");
      fallback.text = "127.0.0.1:53";
      c.upstreams.push_back(fallback);
      c.upstream_origin = "the built-in fallback (" + path + (readable ? " names no usable nameserver" : " is unreadable") +
                          "; the C library also assumes 127.0.0.1:53 then)";
      if (is_ourselves(fallback, c.listeners)) fail("no upstream: the fallback 127.0.0.1:53 is this resolver itself; give --upstream");
    }
  }

  if (vm.count("list")) {
    for (const auto& spec : vm["list"].as<strings>()) {
      list_config l;
      l.path = spec;
      const std::size_t colon = spec.find(':');
      if (colon != std::string::npos && colon > 0) {
        const std::string_view prefix = std::string_view(spec).substr(0, colon);
        if (prefix == "auto") {
          l.path = spec.substr(colon + 1);
        } else if (auto f = dnsfilter::lists::parse_format(prefix)) {
          l.format = *f;
          l.path = spec.substr(colon + 1);
        }
      }
      if (l.path.empty()) fail("--list: empty path in '" + spec + "'");
      c.lists.push_back(l);
    }
  }
  c.lenient_lists = vm["lenient-lists"].as<bool>();
  if (!parse_action(vm["list-action"].as<std::string>(), c.list_action))
    fail("--list-action: sinkhole, nxdomain, nodata, refused or drop");
  if (vm.count("policy")) c.policy_file = vm["policy"].as<std::string>();

  auto& s = c.sinkhole;
  if (const std::string v4 = vm["sinkhole-ipv4"].as<std::string>(); v4 != "none") {
    boost::system::error_code ec;
    const auto a = boost::asio::ip::make_address_v4(v4, ec);
    if (ec) fail("--sinkhole-ipv4: not an IPv4 address: '" + v4 + "'");
    else {
      dnsfilter::wire::rdata::a rr;
      const auto bytes = a.to_bytes();
      for (std::size_t i = 0; i < 4; ++i) rr.address[i] = std::byte{bytes[i]};
      s.ipv4 = rr;
    }
  }
  if (const std::string v6 = vm["sinkhole-ipv6"].as<std::string>(); v6 != "none") {
    boost::system::error_code ec;
    const auto a = boost::asio::ip::make_address_v6(v6, ec);
    if (ec) fail("--sinkhole-ipv6: not an IPv6 address: '" + v6 + "'");
    else {
      dnsfilter::wire::rdata::aaaa rr;
      const auto bytes = a.to_bytes();
      for (std::size_t i = 0; i < 16; ++i) rr.address[i] = std::byte{bytes[i]};
      s.ipv6 = rr;
    }
  }
  s.answer_ttl = vm["sinkhole-ttl"].as<std::uint32_t>();
  s.soa.minimum = vm["negative-ttl"].as<std::uint32_t>();
  s.udp_payload_size = static_cast<std::uint16_t>(c.max_udp_payload);
  s.extended_errors = !vm["no-ede"].as<bool>();
  if (vm.count("ede-category")) {
    for (const auto& spec : vm["ede-category"].as<strings>()) {
      const std::size_t eq = spec.rfind('=');
      std::uint64_t code = 0;
      if (eq == std::string::npos || eq == 0 || !parse_uint(std::string_view(spec).substr(eq + 1), 65535, code)) {
        fail("--ede-category: CATEGORY=CODE, not '" + spec + "'");
        continue;
      }
      s.info_codes.push_back({spec.substr(0, eq), static_cast<std::uint16_t>(code)});
    }
  }

  if (!parse_size(vm["cache-size"].as<std::string>(), c.cache_bytes)) fail("--cache-size: a size such as 32M");
  c.cache_max_ttl = vm["cache-max-ttl"].as<std::uint32_t>();
  c.cache_min_ttl = vm["cache-min-ttl"].as<std::uint32_t>();
  c.cache_negative_ttl = vm["cache-negative-ttl"].as<std::uint32_t>();
  if (c.cache_min_ttl > c.cache_max_ttl) fail("--cache-min-ttl exceeds --cache-max-ttl");

  duration("watch-interval", c.watch_interval);
  if (const std::string m = vm["metrics"].as<std::string>(); m != "none" && m != "off" && !m.empty()) {
    listener_config l;
    std::string error;
    if (!parse_endpoint(m, 9153, l.address, l.port, error)) fail("--metrics: " + error);
    l.text = m;
    c.metrics = l;
  }
  if (vm.count("query-log")) c.query_log = vm["query-log"].as<std::string>();
  const std::string form = vm["query-log-client"].as<std::string>();
  auto& qo = c.query_log_options;
  if (form == "full") qo.privacy = dnsfilter::stats::client_privacy::full;
  else if (form == "truncated") qo.privacy = dnsfilter::stats::client_privacy::truncated;
  else if (form == "hash") qo.privacy = dnsfilter::stats::client_privacy::keyed_hash;
  else fail("--query-log-client: full, truncated or hash");
  const unsigned v4p = vm["query-log-v4-prefix"].as<unsigned>(), v6p = vm["query-log-v6-prefix"].as<unsigned>();
  if (v4p > 32 || v6p > 128) fail("--query-log-v4-prefix at most 32, --query-log-v6-prefix at most 128");
  qo.v4_prefix = static_cast<std::uint8_t>(v4p);
  qo.v6_prefix = static_cast<std::uint8_t>(v6p);
  if (vm.count("query-log-key")) {
    if (!parse_hex_key(vm["query-log-key"].as<std::string>(), qo.key)) fail("--query-log-key: 32 hex digits");
    c.query_log_key_given = true;
  }
  if (vm.count("stats-file")) c.stats_file = vm["stats-file"].as<std::string>();
  std::chrono::milliseconds stats_every{};
  duration("stats-interval", stats_every);
  c.stats_interval = std::max(std::chrono::seconds(1), std::chrono::duration_cast<std::chrono::seconds>(stats_every));
  c.mismatch_warn = std::max<std::uint64_t>(1, vm["mismatch-warn"].as<std::uint64_t>());
  duration("mismatch-window", c.mismatch_window);
  if (c.mismatch_window.count() < 100) fail("--mismatch-window: at least 100ms");

  if (!ok) {
    text << "(--help lists the options)\n";
    return parse_outcome::exit_failure;
  }
  out = std::move(c);
  return parse_outcome::run;
}

}  // namespace resolver
