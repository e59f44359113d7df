// The resolver's upstream sockets (upstream.hpp), over loopback against a
// socket of the test's playing the upstream: an answer from another port or
// with another id is not taken, the genuine one after it is; every query
// leaves from a port of its own.
#include "upstream.hpp"

#include <doctest/doctest.h>

#include <boost/asio/executor_work_guard.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <set>
#include <variant>
#include <string>
#include <vector>

using namespace resolver;
namespace wire = dnsfilter::wire;
namespace asio = boost::asio;

namespace {

// A UDP socket on 127.0.0.1, port chosen by the kernel.
struct loopback_socket {
  int fd = -1;
  std::uint16_t port = 0;
  loopback_socket() {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t size = sizeof a;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &size) == 0);
    port = ntohs(a.sin_port);
  }
  ~loopback_socket() { ::close(fd); }
  loopback_socket(const loopback_socket&) = delete;
  loopback_socket& operator=(const loopback_socket&) = delete;

  // The next datagram (waiting up to 2 s while `io` runs), and where it came from.
  std::optional<std::vector<std::byte>> receive(asio::io_context& io, sockaddr_in& from) const {
    for (int i = 0; i < 200; ++i) {
      io.poll();
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 10) == 1) {
        std::vector<std::byte> b(4096);
        socklen_t size = sizeof from;
        const ssize_t n = ::recvfrom(fd, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&from), &size);
        if (n < 0) return std::nullopt;
        b.resize(static_cast<std::size_t>(n));
        return b;
      }
    }
    return std::nullopt;
  }
  void send_to(std::span<const std::byte> data, const sockaddr_in& to) const {
    REQUIRE(::sendto(fd, data.data(), data.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) ==
            static_cast<ssize_t>(data.size()));
  }
};

std::vector<std::byte> make_query(const std::string& name) {
  std::vector<std::byte> b(512);
  wire::message_writer w{b};
  w.header().id = 0x4242;
  w.header().rd = true;
  REQUIRE(w.add_question(wire::name::from_text(name).value(), wire::rr_type::a));
  b.resize(w.finish().size());
  return b;
}

// An answer to `query` (as the upstream received it) with `id` and one A record.
std::vector<std::byte> make_answer(std::span<const std::byte> query, std::uint16_t id, std::uint8_t last_octet) {
  const auto q = wire::message_view::parse(query);
  REQUIRE(q);
  const wire::question_view question = q->question();
  const wire::name name = q->read_name_at(question.name_offset);
  std::vector<std::byte> b(512);
  wire::message_writer w{b};
  w.header().id = id;
  w.header().qr = true;
  w.header().rd = true;
  w.header().ra = true;
  REQUIRE(w.add_question(name, wire::rr_type::a));
  REQUIRE(w.add_record(wire::section::answer, name, wire::rr_type::a, wire::rr_class::in, 300,
                       wire::rdata::a{{std::byte{192}, std::byte{0}, std::byte{2}, std::byte{last_octet}}}));
  if (q->has_edns()) REQUIRE(w.add_opt(wire::edns{}));
  b.resize(w.finish().size());
  return b;
}

std::uint16_t id_of(std::span<const std::byte> m) {
  return static_cast<std::uint16_t>(std::to_integer<unsigned>(m[0]) << 8 | std::to_integer<unsigned>(m[1]));
}

// A forwarder of its own thread (the test's), sending to `upstream_port`.
struct harness {
  asio::io_context io;
  // Never out of work between exchanges: run_for and poll keep working.
  asio::executor_work_guard<asio::io_context::executor_type> busy = asio::make_work_guard(io);
  config cfg;
  std::optional<dnsfilter::forward::upstream_set> upstreams;
  dnsfilter::forward::mismatch_alarm alarm;
  dnsfilter::forward::system_random random;
  thread_counters counters{1};
  std::vector<std::byte> scratch = std::vector<std::byte>(65536);
  std::optional<forwarder> f;
  int completed = 0;
  bool last_ok = false;
  std::vector<std::byte> last_answer;

  explicit harness(std::uint16_t upstream_port) {
    cfg.upstreams.push_back({asio::ip::make_address("127.0.0.1"), upstream_port, "127.0.0.1"});
    cfg.upstream_timeout = std::chrono::milliseconds(3000);
    cfg.upstream_attempts = 1;
    upstreams.emplace(make_upstream_set(cfg));
    f.emplace(io, cfg, *upstreams, alarm, counters, random, scratch,
              [this](forward_request&, const forward_result& r) {
                ++completed;
                last_ok = r.ok;
                last_answer.assign(r.message.begin(), r.message.end());
              });
  }

  void ask(const std::string& name) {
    const auto packet = make_query(name);
    const auto q = wire::query_view::parse(packet);
    REQUIRE(q);
    auto request = std::make_unique<forward_request>();
    request->ticket.query = dnsfilter::sinkhole::query_echo::of(*q, dnsfilter::sinkhole::transport::udp);
    f->start(std::move(request));
  }

  // Runs the loop until `n` exchanges completed (at most 2 s).
  void run_until(int n) {
    for (int i = 0; i < 200 && completed < n; ++i) io.run_for(std::chrono::milliseconds(10));
  }
};

}  // namespace

TEST_CASE("an upstream answer from another port or with another id is not taken; the genuine one is") {
  loopback_socket upstream;
  loopback_socket forger;
  harness h(upstream.port);
  h.ask("www.example.com");
  sockaddr_in from{};
  const auto query = upstream.receive(h.io, from);
  REQUIRE(query);
  const std::uint16_t id = id_of(*query);

  // Right id and question, wrong source port: the connected socket never sees it.
  forger.send_to(make_answer(*query, id, 66), from);
  // Right port and question, wrong id: refused by the checks.
  upstream.send_to(make_answer(*query, static_cast<std::uint16_t>(id ^ 0x0101), 67), from);
  for (int i = 0; i < 20; ++i) h.io.run_for(std::chrono::milliseconds(5));
  CHECK(h.completed == 0);
  CHECK(h.alarm.total(dnsfilter::forward::reject::id) == 1);

  // The genuine answer still gets through.
  upstream.send_to(make_answer(*query, id, 2), from);
  h.run_until(1);
  REQUIRE(h.completed == 1);
  CHECK(h.last_ok);
  const auto answer = wire::message_view::parse(h.last_answer);
  REQUIRE(answer);
  bool genuine = false;
  for (const wire::record_view& rr : answer->records(wire::section::answer))
    if (auto data = answer->rdata(rr))
      if (const auto* a = std::get_if<wire::rdata::a>(&*data)) genuine = a->address[3] == std::byte{2};
  CHECK(genuine);
  CHECK(h.alarm.total(dnsfilter::forward::reject::source) == 0);  // the kernel dropped the other port's
}

TEST_CASE("every upstream query leaves from a port of its own, with an id of its own") {
  loopback_socket upstream;
  harness h(upstream.port);
  std::set<std::uint16_t> ports, ids;
  constexpr int queries = 64;
  for (int i = 0; i < queries; ++i) {
    h.ask("n" + std::to_string(i) + ".example.com");
    sockaddr_in from{};
    const auto query = upstream.receive(h.io, from);
    REQUIRE(query);
    ports.insert(ntohs(from.sin_port));
    ids.insert(id_of(*query));
    upstream.send_to(make_answer(*query, id_of(*query), 1), from);
    h.run_until(i + 1);
    REQUIRE(h.completed == i + 1);
  }
  // A fresh socket each, the kernel's random pick: 64 draws from ~28,000 ports
  // repeat one now and then (the birthday odds, about 7 %), rarely more.
  CHECK(ports.size() >= static_cast<std::size_t>(queries - 4));
  CHECK(ids.size() >= static_cast<std::size_t>(queries - 2));
  // Spread over the ephemeral range, not counting up from one port.
  CHECK(*ports.rbegin() - *ports.begin() > 1000);
}

namespace {

std::size_t open_descriptors() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

}  // namespace

TEST_CASE("many upstream queries in flight at once: answered in any order, each to its own, sockets closed after") {
  loopback_socket upstream;
  harness h(upstream.port);
  const std::size_t descriptors = open_descriptors();
  constexpr int queries = 100;  // more than one epoll_wait batch (64)
  for (int i = 0; i < queries; ++i) h.ask("n" + std::to_string(i) + ".example.com");
  struct pending {
    std::vector<std::byte> query;
    sockaddr_in from;
  };
  std::vector<pending> asked;
  for (int i = 0; i < queries; ++i) {
    pending p{};
    auto q = upstream.receive(h.io, p.from);
    REQUIRE(q);
    p.query = std::move(*q);
    asked.push_back(std::move(p));
  }
  CHECK(open_descriptors() >= descriptors + queries);  // a socket per query in flight
  // All answers at once, the last asked first: one wake-up of the loop sees many.
  for (auto it = asked.rbegin(); it != asked.rend(); ++it) upstream.send_to(make_answer(it->query, id_of(it->query), 7), it->from);
  h.run_until(queries);
  CHECK(h.completed == queries);
  CHECK(h.last_ok);
  CHECK(h.counters.upstreams[0].answers.load() == static_cast<std::uint64_t>(queries));
  CHECK(open_descriptors() == descriptors);
}
