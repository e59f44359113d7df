// The command line, the config file and resolv.conf.
#include "config.hpp"
#include "reload.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace resolver;

namespace {

struct temp_file {
  std::string path;
  explicit temp_file(const std::string& text) {
    char name[] = "/tmp/dnsfilter-resolver-test-XXXXXX";
    const int fd = ::mkstemp(name);
    REQUIRE(fd >= 0);
    ::close(fd);
    path = name;
    std::ofstream(path) << text;
  }
  ~temp_file() { std::remove(path.c_str()); }
};

parse_outcome parse(std::vector<std::string> args, config& c, std::string* errors = nullptr) {
  args.insert(args.begin(), "dnsfilter-resolver");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream info, err;
  const auto r = parse_command_line(static_cast<int>(argv.size()), argv.data(), c, info, err);
  if (errors) *errors = err.str();
  return r;
}

}  // namespace

TEST_CASE("endpoints: IPv4, IPv6 in brackets, bare IPv6, default port") {
  auto e = parse_endpoint("192.0.2.1:5353", 53);
  REQUIRE(e);
  CHECK(e->address.to_string() == "192.0.2.1");
  CHECK(e->port == 5353);
  e = parse_endpoint("192.0.2.1", 53);
  REQUIRE(e);
  CHECK(e->port == 53);
  e = parse_endpoint("[2001:db8::1]:853", 53);
  REQUIRE(e);
  CHECK(e->address.to_string() == "2001:db8::1");
  CHECK(e->port == 853);
  e = parse_endpoint("2001:db8::1", 53);
  REQUIRE(e);
  CHECK(e->port == 53);
  CHECK_FALSE(parse_endpoint("example.com:53", 53));
  CHECK_FALSE(parse_endpoint("192.0.2.1:99999", 53));
  CHECK_FALSE(parse_endpoint("[2001:db8::1", 53));
  e = parse_endpoint("192.0.2.1:", 53);
  REQUIRE_FALSE(e);
  CHECK(e.error().code == dnsfilter::errc::invalid_argument);
  CHECK(e.error().message == "bad port in '192.0.2.1:'");
  CHECK_FALSE(parse_endpoint("[2001:db8::1]:", 53));
}

TEST_CASE("listen specs: an endpoint on port 53 by default, then flags") {
  auto l = parse_listen("[::1],udp,unfiltered");
  REQUIRE(l);
  CHECK(l->address.to_string() == "::1");
  CHECK(l->port == 53);
  CHECK(l->udp);
  CHECK_FALSE(l->tcp);
  CHECK(l->mode == dnsfilter::policy::listener_mode::unfiltered);
  CHECK(l->text == "[::1],udp,unfiltered");
  l = parse_listen("127.0.0.1:53,tls");
  REQUIRE_FALSE(l);
  CHECK(l.error().message == "unknown listen flag 'tls' (udp, tcp, filtered, unfiltered)");
  CHECK_FALSE(parse_listen("127.0.0.1:x,udp"));
}

TEST_CASE("resolv.conf: nameserver lines in order, the rest ignored") {
  const auto u = parse_resolv_conf(
      "# comment\nsearch example.com\nnameserver 192.0.2.53\nnameserver  2001:db8::53 # trailing\n"
      "nameserver not-an-address\noptions edns0\n");
  REQUIRE(u.size() == 2);
  CHECK(u[0].text == "192.0.2.53:53");
  CHECK(u[1].text == "[2001:db8::53]:53");
}

TEST_CASE("no arguments: 127.0.0.1:5353 UDP+TCP, private clients, upstreams from resolv.conf") {
  temp_file resolv("nameserver 192.0.2.53\n");
  config c;
  REQUIRE(parse({"--resolv-conf", resolv.path}, c) == parse_outcome::run);
  REQUIRE(c.listeners.size() == 1);
  CHECK(c.listeners[0].address.to_string() == "127.0.0.1");
  CHECK(c.listeners[0].port == 5353);
  CHECK(c.listeners[0].udp);
  CHECK(c.listeners[0].tcp);
  REQUIRE(c.upstreams.size() == 1);
  CHECK(c.upstreams[0].text == "192.0.2.53:53");
  CHECK(c.lists.empty());  // the embedded catalogue
  CHECK(c.allow.size() == 8);
  CHECK(c.metrics.has_value());
  CHECK(c.cache_bytes == 32u << 20);
}

TEST_CASE("an empty resolv.conf falls back to 127.0.0.1:53, a resolv.conf naming us is skipped") {
  temp_file empty("# nothing\n");
  config c;
  REQUIRE(parse({"--resolv-conf", empty.path}, c) == parse_outcome::run);
  REQUIRE(c.upstreams.size() == 1);
  CHECK(c.upstreams[0].text == "127.0.0.1:53");
  CHECK(c.upstream_origin.find("fallback") != std::string::npos);

  temp_file ourselves("nameserver 127.0.0.1\nnameserver 192.0.2.9\n");
  config d;
  REQUIRE(parse({"--resolv-conf", ourselves.path, "--listen", "0.0.0.0:53"}, d) == parse_outcome::run);
  REQUIRE(d.upstreams.size() == 1);
  CHECK(d.upstreams[0].text == "192.0.2.9:53");
}

TEST_CASE("listen flags, lists with formats, durations and sizes") {
  config c;
  REQUIRE(parse({"--upstream", "192.0.2.1", "--listen", "[::1]:53,unfiltered,udp", "--listen", "10.0.0.1:5300",
                 "--list", "rpz:/x/zone", "--list", "/y/hosts.txt", "--upstream-timeout", "250ms",
                 "--cache-size", "8M", "--metrics", "none", "--randomize-case"},
                c) == parse_outcome::run);
  REQUIRE(c.listeners.size() == 2);
  CHECK(c.listeners[0].address.is_v6());
  CHECK(c.listeners[0].udp);
  CHECK_FALSE(c.listeners[0].tcp);
  CHECK(c.listeners[0].mode == dnsfilter::policy::listener_mode::unfiltered);
  CHECK_FALSE(c.listeners[1].mode.has_value());
  REQUIRE(c.lists.size() == 2);
  CHECK(c.lists[0].format == dnsfilter::lists::format::rpz);
  CHECK(c.lists[0].path == "/x/zone");
  CHECK(c.lists[1].format == dnsfilter::lists::format::automatic);
  CHECK(c.upstream_timeout == std::chrono::milliseconds(250));
  CHECK(c.cache_bytes == 8u << 20);
  CHECK_FALSE(c.metrics.has_value());
  CHECK(c.randomize_case);
}

TEST_CASE("the config file, overridden by the command line") {
  temp_file file("upstream = 192.0.2.1\nupstream = 192.0.2.2:5300\nthreads = 3\nlisten = 127.0.0.1:9999\n");
  config c;
  REQUIRE(parse({"--config", file.path, "--threads", "2"}, c) == parse_outcome::run);
  CHECK(c.threads == 2);
  REQUIRE(c.upstreams.size() == 2);
  CHECK(c.upstreams[1].text == "192.0.2.2:5300");
  REQUIRE(c.listeners.size() == 1);
  CHECK(c.listeners[0].port == 9999);
}

TEST_CASE("bad values are errors that name the option") {
  config c;
  std::string errors;
  CHECK(parse({"--upstream", "nowhere"}, c, &errors) == parse_outcome::exit_failure);
  CHECK(errors.find("--upstream") != std::string::npos);
  CHECK(parse({"--upstream", "192.0.2.1", "--allow", "10.1.2.3/8"}, c, &errors) == parse_outcome::exit_failure);
  CHECK(parse({"--upstream", "192.0.2.1", "--listen", "127.0.0.1:53,bogus"}, c, &errors) == parse_outcome::exit_failure);
  CHECK(parse({"--upstream", "192.0.2.1", "--upstream-timeout", "soon"}, c, &errors) == parse_outcome::exit_failure);
  CHECK(parse({"--no-such-option"}, c, &errors) == parse_outcome::exit_failure);
  CHECK(parse({"--x%option%"}, c, &errors) == parse_outcome::exit_failure);
  CHECK(errors.find("x\\x25option\\x25") != std::string::npos);
  CHECK(parse({"--help"}, c) == parse_outcome::exit_success);
}

namespace {

// parse_config_text's error for `text`, which must fail (with no config: a
// failed parse cannot leave a half-filled one behind).
std::string config_error(const std::string& text) {
  const auto parsed = parse_config_text(text);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().code == dnsfilter::errc::invalid_argument);
  CHECK_FALSE(parsed.error().message.empty());
  return parsed.error().message;
}

bool one_line(const std::string& s) { return !s.empty() && s.find('\n') == std::string::npos; }

}  // namespace

TEST_CASE("config text: the example configuration parses, as every option's default does") {
  std::ifstream in(DNSFILTER_RESOLVER_EXAMPLE_CONF);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = parse_config_text(text.str());
  REQUIRE_MESSAGE(parsed, (parsed ? "" : parsed.error().message));
  const config& c = *parsed;
  CHECK(c.listeners.size() == 4);
  CHECK(c.listeners[1].mode == dnsfilter::policy::listener_mode::unfiltered);
  CHECK(c.upstreams.size() == 2);
  CHECK(c.upstream_timeout == std::chrono::milliseconds(800));
  CHECK(c.lists.size() == 3);
  CHECK(c.lists[1].format == dnsfilter::lists::format::rpz);
  CHECK(c.cache_bytes == std::size_t{256} << 20);
  CHECK(c.sinkhole.info_codes.size() == 1);
  CHECK(c.time_zone.text() == "Asia/Tokyo");
  CHECK(c.node_name == "ns1.example.net");

  auto minimal = parse_config_text("upstream = 192.0.2.1\n# only a comment\n");
  REQUIRE(minimal);
  const config& d = *minimal;
  CHECK(d.listeners.size() == 1);
  CHECK(d.threads >= 1);
  CHECK(d.level == log_level::info);
  CHECK(d.time_zone == dnsfilter::stats::zone{});  // UTC unless told
  auto fixed = parse_config_text("upstream = 192.0.2.1\ntime-zone = +09:00\n");
  REQUIRE(fixed);
  CHECK(fixed->time_zone == *dnsfilter::stats::zone::parse("+09:00"));
  char host[256] = {};
  REQUIRE(::gethostname(host, sizeof host - 1) == 0);
  CHECK(d.node_name == host);  // the node's name in the statistics file: the host name by default
}

TEST_CASE("config text: each bad setting is one clear line naming the option") {
  // Unknown options, bad values, repeats: Program_options' own words.
  std::string e = config_error("bogus = 1\n");
  CHECK(one_line(e));
  CHECK(e.find("'bogus'") != std::string::npos);
  e = config_error("upstream = 192.0.2.1\nthreads = 2\nthreads = 3\n");
  CHECK(one_line(e));
  CHECK(e.find("threads") != std::string::npos);
  e = config_error("randomize-case = maybe\n");
  CHECK(one_line(e));
  CHECK(e.find("randomize-case") != std::string::npos);

  struct bad {
    const char* text;
    const char* says;
  };
  const bad cases[] = {
      {"upstream = 300.1.2.3\n", "--upstream 300.1.2.3: not an IP address: '300.1.2.3'"},
      {"upstream = resolver.example\n", "not an IP address"},
      {"upstream = 192.0.2.1\nlisten = 127.0.0.1:70000\n", "--listen 127.0.0.1:70000: bad port in '127.0.0.1:70000'"},
      {"upstream = 192.0.2.1:\n", "--upstream 192.0.2.1:: bad port in '192.0.2.1:'"},
      {"upstream = [2001:db8::1]:\n", "bad port in '[2001:db8::1]:'"},
      {"upstream = [2001:db8::1]x53\n", "expected ':PORT' after ']'"},
      {"upstream = 192.0.2.1\nlisten = 127.0.0.1:53,tls\n", "unknown listen flag 'tls'"},
      {"upstream = 192.0.2.1\nallow = 10.0.0.0/33\n", "--allow: not a prefix: '10.0.0.0/33'"},
      {"upstream = 192.0.2.1\nallow = 10.1.2.3/8\n", "--allow: not a prefix: '10.1.2.3/8'"},
      {"upstream = 192.0.2.1\ndeny = 2001:db8::/129\n", "--deny: not a prefix"},
      {"upstream = 192.0.2.1\nlist = rpz:\n", "--list: empty path in 'rpz:'"},
      {"upstream = 192.0.2.1\nlist = zone:/x/db\n", "--list: unknown list format 'zone' in 'zone:/x/db'"},
      {"upstream = 192.0.2.1\nthreads = 0\n", "--threads: a whole number from 1 to 256, not '0'"},
      // Program_options alone would take -1 as the largest unsigned value.
      {"upstream = 192.0.2.1\nsinkhole-ttl = -1\n", "--sinkhole-ttl: a whole number from 0 to 4294967295, not '-1'"},
      {"upstream = 192.0.2.1\nupstream-payload = -1\n", "--upstream-payload: a whole number from 512 to 65535"},
      {"upstream = 192.0.2.1\nupstream-timeout = soon\n", "--upstream-timeout: not a duration"},
      // Caps that keep the timers' and sizes' arithmetic from overflowing.
      {"upstream = 192.0.2.1\nwatch-interval = 1099511627776h\n", "--watch-interval: not a duration of at most 168h"},
      {"upstream = 192.0.2.1\ncache-size = 1099511627776G\n", "--cache-size: a size such as 32M, at most 1T"},
      {"upstream = 192.0.2.1\nsinkhole-ipv4 = ::1\n", "--sinkhole-ipv4: not an IPv4 address: '::1'"},
      {"upstream = 192.0.2.1\nupstream-port-range = 1024-1100\n", "--upstream-port-range"},
      {"upstream = 192.0.2.1\nquery-log-key = xyz\n", "--query-log-key: 32 hex digits"},
      {"upstream = 192.0.2.1\ncache-min-ttl = 10\ncache-max-ttl = 5\n", "--cache-min-ttl exceeds --cache-max-ttl"},
      {"upstream = 192.0.2.1\ntime-zone = Asia/Atlantis\n", "--time-zone: unknown time zone 'Asia/Atlantis'"},
      {"upstream = 192.0.2.1\ntime-zone = +15:00\n", "--time-zone: '+15:00' is neither +HH:MM (within +-14:00)"},
      {"upstream = 192.0.2.1\nnode-name = \n", "--node-name: 1 to 255 bytes, no control characters"},
      {"upstream = 192.0.2.1\nnode-name = a\tb\n", "--node-name: 1 to 255 bytes"},
  };
  for (const bad& b : cases) {
    const std::string text = b.text;
    CAPTURE(text);
    e = config_error(b.text);
    CHECK(one_line(e));
    CHECK(e.find(b.says) != std::string::npos);
  }

  // Program_options' placeholders in a name or value: shown, not expanded
  // (Boost 1.74 expanded them for ever).
  e = config_error("x%canonical_option% = 1\n");
  CHECK(one_line(e));
  CHECK(e.find("x\\x25canonical_option\\x25") != std::string::npos);
  e = config_error("upstream = 192.0.2.1\nrandomize-case = %value%\n");
  CHECK(e.find("\\x25value\\x25") != std::string::npos);

  // Several problems: a line each.
  e = config_error("upstream = nowhere\nthreads = 0\n");
  CHECK(std::count(e.begin(), e.end(), '\n') == 1);
}

TEST_CASE("the config file: unreadable, too large, or with a bad line, named in the error") {
  config c;
  std::string errors;
  CHECK(parse({"--config", "/nonexistent/dnsfilter.conf"}, c, &errors) == parse_outcome::exit_failure);
  CHECK(errors == "dnsfilter-resolver: config file /nonexistent/dnsfilter.conf: cannot be read (No such file or directory)\n");
  temp_file bad("upstream = 192.0.2.1\nbogus = 1\n");
  CHECK(parse({"--config", bad.path}, c, &errors) == parse_outcome::exit_failure);
  CHECK(errors.find("dnsfilter-resolver: " + bad.path + ": unrecognised option 'bogus'\n") == 0);
  temp_file huge(std::string(2 << 20, '#'));
  CHECK(parse({"--config", huge.path}, c, &errors) == parse_outcome::exit_failure);
  CHECK(errors.find("larger than 1024 KiB") != std::string::npos);
  // A resolv.conf that never ends is no resolv.conf: the fallback, said why.
  config d;
  REQUIRE(parse({"--resolv-conf", "/dev/zero"}, d) == parse_outcome::run);
  CHECK(d.upstream_origin.find("/dev/zero: larger than") != std::string::npos);
}

TEST_CASE("a policy file that is not a regular file is refused, never waited on") {
  auto c = parse_config_text("upstream = 192.0.2.1\npolicy = /dev/null\n");
  REQUIRE(c);
  auto loaded = load_policy(*c);
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error().code == dnsfilter::errc::not_regular_file);
  CHECK(loaded.error().message.find("/dev/null") != std::string::npos);
}

TEST_CASE("a missing or broken list file fails the load with one line: file, line, why") {
  dnsfilter::stats::registry registry(1);
  auto c = parse_config_text("upstream = 192.0.2.1\nlist = /nonexistent/list.txt\n");
  REQUIRE(c);
  auto loaded = load_catalogue(*c, registry);
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error().code == dnsfilter::errc::io_error);
  CHECK(loaded.error().message == "/nonexistent/list.txt: cannot read: No such file or directory");

  c = parse_config_text("upstream = 192.0.2.1\nlist = /dev/null\n");
  REQUIRE(c);
  loaded = load_catalogue(*c, registry);
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error().message == "/dev/null: not a regular file");

  temp_file list("good.example\nbad..example\n");
  c = parse_config_text("upstream = 192.0.2.1\nlist = plain:" + list.path + "\n");
  REQUIRE(c);
  loaded = load_catalogue(*c, registry);
  REQUIRE_FALSE(loaded);
  CHECK(one_line(loaded.error().message));
  CHECK(loaded.error().message.find(list.path + ":2: ") == 0);

  c = parse_config_text("upstream = 192.0.2.1\nlenient-lists = true\nlist = plain:" + list.path + "\n");
  REQUIRE(c);
  loaded = load_catalogue(*c, registry);
  REQUIRE(loaded);
  CHECK(loaded->rules == 1);
  CHECK(loaded->warnings == 1);
}
