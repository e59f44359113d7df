// dnsfilter-bench-load-probe: how long a DNS server took to load, measured
// from outside as bench/compare_peers.sh needs it.
//
//   dnsfilter-bench-load-probe PORT NAME START_NS [TIMEOUT_SECONDS [PID]]
//
// Asks 127.0.0.1:PORT for NAME (type A) every 10 ms, each time with a fresh
// id, until an answer with our id, NOERROR and an A record 0.0.0.0 (the
// sinkhole) arrives; then prints the seconds from START_NS (CLOCK_REALTIME in
// nanoseconds, as `date +%s%N` gives it, taken before the server started) to
// that answer, and exits 0. Exits 1 after TIMEOUT_SECONDS (default 600), or
// as soon as process PID (the server, when given) has gone.
//
// One process for the whole wait: a dig per poll costs ~0.1 s of start-up
// (and competes for the CPUs), so the old loop of dig and a 50 ms sleep read
// the load time in steps of ~0.2 s. The clock is read
// after the answer is received, so the figure is never below the real time to
// the first correct answer; it exceeds it by at most one poll interval when
// the server starts answering between two queries.
#include <dnsfilter/wire/message.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using namespace dnsfilter;

std::int64_t realtime_ns() {
  timespec t{};
  ::clock_gettime(CLOCK_REALTIME, &t);
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

// A recursion-desired A/IN query for `name` (dotted, no trailing dot needed).
std::vector<std::byte> make_query(std::uint16_t id, const std::string& name) {
  std::vector<std::byte> q;
  auto put = [&q](unsigned v) { q.push_back(static_cast<std::byte>(v)); };
  put(id >> 8), put(id & 0xFF), put(0x01), put(0x00);  // RD
  put(0), put(1), put(0), put(0), put(0), put(0), put(0), put(0);
  std::size_t start = 0;
  while (start < name.size()) {
    std::size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    put(static_cast<unsigned>(dot - start));
    for (std::size_t i = start; i < dot; ++i) put(static_cast<unsigned char>(name[i]));
    start = dot + 1;
  }
  put(0);
  put(0), put(1), put(0), put(1);  // A, IN
  return q;
}

// An answer to one of our `sent` queries (ids first, first + 1, ...):
// NOERROR with an A record 0.0.0.0 among the answers.
bool is_sinkhole_answer(std::span<const std::byte> bytes, std::uint16_t first, std::uint32_t sent) {
  auto m = wire::message_view::parse(bytes);
  if (!m || !m->header().qr || m->rcode() != wire::rcode::noerror) return false;
  if (static_cast<std::uint16_t>(m->header().id - first) >= sent) return false;
  for (const auto& rr : m->records(wire::section::answer)) {
    if (rr.type != wire::rr_type::a || rr.rdata_length != 4) continue;
    const std::byte* a = bytes.data() + rr.rdata_offset;
    if (a[0] == std::byte{0} && a[1] == std::byte{0} && a[2] == std::byte{0} && a[3] == std::byte{0}) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: dnsfilter-bench-load-probe PORT NAME START_NS [TIMEOUT_SECONDS [PID]]\n");
    return 2;
  }
  const auto port = static_cast<std::uint16_t>(std::strtoul(argv[1], nullptr, 10));
  const std::string name = argv[2];
  const std::int64_t start = std::strtoll(argv[3], nullptr, 10);
  const double timeout = argc > 4 ? std::strtod(argv[4], nullptr) : 600;
  const auto server = static_cast<pid_t>(argc > 5 ? std::strtol(argv[5], nullptr, 10) : 0);
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::perror("socket"), 1;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // Not connected: an ICMP port unreachable (nobody bound yet) must not
  // turn into an error on the next receive.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
  const auto first = static_cast<std::uint16_t>(::getpid());
  std::uint32_t sent = 0;
  std::byte buffer[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    if (server > 0 && ::kill(server, 0) != 0 && errno == ESRCH) {
      std::fprintf(stderr, "dnsfilter-bench-load-probe: the server (pid %ld) has exited\n", static_cast<long>(server));
      return 1;
    }
    const auto query = make_query(static_cast<std::uint16_t>(first + sent), name);
    sent = sent < 0xFFFF ? sent + 1 : sent;  // past 65535 queries, ids wrap and all count as ours
    (void)::sendto(fd, query.data(), query.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    // Wait up to 10 ms for an answer (to this query or a late one to an
    // earlier query: either is the server answering).
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(10);
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) continue;
      if (is_sinkhole_answer({buffer, static_cast<std::size_t>(n)}, first, sent)) {
        std::printf("%.3f\n", static_cast<double>(realtime_ns() - start) / 1e9);
        return 0;
      }
    }
  }
  std::fprintf(stderr, "dnsfilter-bench-load-probe: no sinkhole answer for %s on port %u within %.0f s\n", name.c_str(),
               port, timeout);
  return 1;
}
