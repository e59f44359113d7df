// The command line, the config file and resolv.conf.
#include "config.hpp"

#include <doctest/doctest.h>

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
  boost::asio::ip::address a;
  std::uint16_t port = 0;
  std::string error;
  CHECK(parse_endpoint("192.0.2.1:5353", 53, a, port, error));
  CHECK(a.to_string() == "192.0.2.1");
  CHECK(port == 5353);
  CHECK(parse_endpoint("192.0.2.1", 53, a, port, error));
  CHECK(port == 53);
  CHECK(parse_endpoint("[2001:db8::1]:853", 53, a, port, error));
  CHECK(a.to_string() == "2001:db8::1");
  CHECK(port == 853);
  CHECK(parse_endpoint("2001:db8::1", 53, a, port, error));
  CHECK(port == 53);
  CHECK_FALSE(parse_endpoint("example.com:53", 53, a, port, error));
  CHECK_FALSE(parse_endpoint("192.0.2.1:99999", 53, a, port, error));
  CHECK_FALSE(parse_endpoint("[2001:db8::1", 53, a, port, error));
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
  CHECK(parse({"--help"}, c) == parse_outcome::exit_success);
}
