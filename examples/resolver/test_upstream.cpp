// dnsfilter-test-upstream: a small authoritative stub for the resolver's
// integration tests, able to misbehave on purpose. It answers on 127.0.0.1
// over UDP and TCP; the query name chooses the behaviour (any case):
//
//   spoof-id.stub.example        first a forged answer (6.6.6.6) with another id, then the real one (192.0.2.2)
//   spoof-question.stub.example  first a forged answer for another name, then the real one
//   spoof-port.stub.example      first a forged answer from another source port, then the real one
//   spoof-case.stub.example      first a forged answer with the name's letter case flipped, then the real one
//   spoof-only.stub.example      only forged answers (wrong id): the resolver must time out
//   slow.stub.example            the real answer after 2.5 s
//   silent.stub.example          no answer at all
//   tc.stub.example              UDP: TC=1 and no records; TCP: 40 A records
//   big.stub.example             30 A records over UDP (over 512 octets, under 1232)
//   cname.stub.example           CNAME to x.evil.example plus its A (a cloaking chain)
//   nodata.stub.example          NOERROR, no answer, SOA (negative TTL 300)
//   refused.stub.example         REFUSED
//   count.stub.example           TXT "N": how many queries for this name the stub has seen
//   do.stub.example              TXT "do=1" or "do=0": the DO bit of the query it received
//   anything else under stub.example: A 192.0.2.1; other names: NXDOMAIN with SOA
//
// Options: --port N (0, the default, picks one), --silent (never answer),
// --log FILE (one line per query: "NAME TYPE PORT ID" — the tests check the
// resolver's source ports and ids vary). Prints "port N" once ready. Runs
// until killed (the tests bound it with timeout(1)).
//
// Client mode, for what dig cannot send (malformed packets, pipelined TCP):
//   dnsfilter-test-upstream --client ADDR:PORT [--tcp] [--hold MS] QUERY...
// QUERY is a message in hex, or NAME/TYPE/ID for a plain query (RD, no EDNS).
// All queries go out at once (TCP: one connection, one write: pipelined);
// each reply prints as "reply ID RCODE tc=T an=N size=S" in arrival order,
// and "no reply" after 2 s of silence. With --hold, it then waits up to MS
// milliseconds and prints "closed after N ms" or "still open".
#include <dnsfilter/dnsfilter.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace wire = dnsfilter::wire;
using clock_type = std::chrono::steady_clock;

namespace {

struct delayed {
  clock_type::time_point due;
  std::vector<std::byte> bytes;
  sockaddr_in to;
};

std::vector<delayed> pending;
std::map<std::string, unsigned> seen;
std::FILE* log_file = nullptr;

wire::rdata::a address(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return wire::rdata::a{{std::byte{a}, std::byte{b}, std::byte{c}, std::byte{d}}};
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

void add_soa(wire::message_writer& w) {
  wire::rdata::soa soa;
  soa.mname = wire::name::from_text("ns.stub.example").value();
  soa.rname = wire::name::from_text("hostmaster.stub.example").value();
  soa.serial = 1;
  soa.refresh = 3600;
  soa.retry = 600;
  soa.expire = 86400;
  soa.minimum = 300;
  (void)w.add_record(wire::section::authority, wire::name::from_text("stub.example").value(), wire::rr_type::soa,
               wire::rr_class::in, 300, soa);
}

// Writes the answer to `q` into `out`; `id` and `qname` may be forged.
std::vector<std::byte> answer(const wire::query_view& q, std::uint16_t id, wire::name_view qname, bool tcp,
                              bool truncate, const std::string& key, wire::rdata::a a) {
  std::vector<std::byte> out(65535);
  wire::message_writer w{out, std::size_t{tcp ? 65535u : 4096u}};
  w.header().id = id;
  w.header().qr = true;
  w.header().aa = true;
  w.header().rd = q.header().rd;
  (void)w.add_question(qname, q.qtype(), q.qclass());
  const auto stub = wire::name::from_text("stub.example").value();
  if (truncate) {
    w.header().tc = true;
  } else if (key == "refused.stub.example.") {
    w.header().rcode = static_cast<std::uint8_t>(wire::rcode::refused);
  } else if (key == "nodata.stub.example.") {
    add_soa(w);
  } else if (key == "cname.stub.example.") {
    const auto target = wire::name::from_text("x.evil.example").value();
    (void)w.add_record(wire::section::answer, qname, wire::rr_type::cname, wire::rr_class::in, 300,
                 wire::rdata::cname{target});
    (void)w.add_record(wire::section::answer, target, wire::rr_type::a, wire::rr_class::in, 300, address(192, 0, 2, 66));
  } else if (key == "count.stub.example.") {
    const std::string n = std::to_string(seen[key]);
    std::vector<std::byte> txt;
    txt.push_back(static_cast<std::byte>(n.size()));
    for (char c : n) txt.push_back(static_cast<std::byte>(c));
    (void)w.add_raw_record(wire::section::answer, qname, wire::rr_type::txt, 1, 300, txt);
  } else if (key == "do.stub.example.") {
    const std::string text = q.has_edns() && q.edns().dnssec_ok ? "do=1" : "do=0";
    std::vector<std::byte> txt;
    txt.push_back(static_cast<std::byte>(text.size()));
    for (char c : text) txt.push_back(static_cast<std::byte>(c));
    (void)w.add_raw_record(wire::section::answer, qname, wire::rr_type::txt, 1, 300, txt);
  } else if (key == "tc.stub.example." || key == "big.stub.example.") {
    const int count = key == "tc.stub.example." ? 40 : 30;
    for (int i = 0; i < count; ++i)
      (void)w.add_record(wire::section::answer, qname, wire::rr_type::a, wire::rr_class::in, 300,
                   address(198, 51, 100, static_cast<std::uint8_t>(i + 1)));
  } else if (q.qname().is_subdomain_of(stub)) {
    if (q.qtype() == wire::rr_type::a) (void)w.add_record(wire::section::answer, qname, wire::rr_type::a, wire::rr_class::in, 300, a);
    else add_soa(w);
  } else {
    w.header().rcode = static_cast<std::uint8_t>(wire::rcode::nxdomain);
    add_soa(w);
  }
  if (q.has_edns()) {
    wire::edns e;
    e.udp_payload_size = 1232;
    e.dnssec_ok = q.edns().dnssec_ok;
    (void)w.add_opt(e);
  }
  const auto done = w.finish();
  out.resize(done.size());
  return out;
}

void send_udp(int fd, const std::vector<std::byte>& bytes, const sockaddr_in& to) {
  (void)::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
}

void later(int ms, std::vector<std::byte> bytes, const sockaddr_in& to) {
  pending.push_back({clock_type::now() + std::chrono::milliseconds(ms), std::move(bytes), to});
}

wire::name flip_case(wire::name_view n) {
  wire::name out{n};
  auto* p = const_cast<std::byte*>(out.data());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto c = std::to_integer<unsigned char>(p[i]);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) p[i] ^= std::byte{0x20};
  }
  return out;
}

void on_udp(int fd, int other_fd, const std::byte* data, std::size_t size, const sockaddr_in& from, bool silent) {
  auto q = wire::query_view::parse({data, size});
  if (!q) return;
  const std::string key = lower(q->qname().to_string());
  ++seen[key];
  if (log_file) {
    std::fprintf(log_file, "%s %u %u %u\n", q->qname().to_string().c_str(), static_cast<unsigned>(q->qtype()),
                 ntohs(from.sin_port), q->header().id);
    std::fflush(log_file);
  }
  if (silent || key == "silent.stub.example.") return;
  const std::uint16_t id = q->header().id;
  const auto real = address(192, 0, 2, 2);
  const auto forged = address(6, 6, 6, 6);
  if (key == "spoof-id.stub.example.") {
    send_udp(fd, answer(*q, static_cast<std::uint16_t>(id ^ 0x5a5a), q->qname(), false, false, key, forged), from);
    later(100, answer(*q, id, q->qname(), false, false, key, real), from);
  } else if (key == "spoof-question.stub.example.") {
    const auto other = wire::name::from_text("spoof-other.stub.example").value();
    send_udp(fd, answer(*q, id, other, false, false, key, forged), from);
    later(100, answer(*q, id, q->qname(), false, false, key, real), from);
  } else if (key == "spoof-port.stub.example.") {
    send_udp(other_fd, answer(*q, id, q->qname(), false, false, key, forged), from);
    later(100, answer(*q, id, q->qname(), false, false, key, real), from);
  } else if (key == "spoof-case.stub.example.") {
    const wire::name flipped = flip_case(q->qname());
    send_udp(fd, answer(*q, id, flipped, false, false, key, forged), from);
    later(100, answer(*q, id, q->qname(), false, false, key, real), from);
  } else if (key == "spoof-only.stub.example.") {
    for (int i = 1; i <= 3; ++i)
      send_udp(fd, answer(*q, static_cast<std::uint16_t>(id + i), q->qname(), false, false, key, forged), from);
  } else if (key == "slow.stub.example.") {
    later(2500, answer(*q, id, q->qname(), false, false, key, real), from);
  } else if (key == "tc.stub.example.") {
    send_udp(fd, answer(*q, id, q->qname(), false, true, key, real), from);
  } else {
    send_udp(fd, answer(*q, id, q->qname(), false, false, key, address(192, 0, 2, 1)), from);
  }
}

bool read_all(int fd, void* p, std::size_t n) {
  auto* b = static_cast<char*>(p);
  while (n > 0) {
    const ssize_t r = ::read(fd, b, n);
    if (r <= 0) return false;
    b += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

// One TCP connection, served to its end (the tests send one query per connection).
void on_tcp(int fd, bool silent) {
  const timeval timeout{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  for (;;) {
    unsigned char len[2];
    if (!read_all(fd, len, 2)) break;
    std::vector<std::byte> query(static_cast<std::size_t>(len[0]) << 8 | len[1]);
    if (!read_all(fd, query.data(), query.size())) break;
    auto q = wire::query_view::parse(query);
    if (!q) break;
    const std::string key = lower(q->qname().to_string());
    ++seen[key];
    if (log_file) {
      std::fprintf(log_file, "%s %u tcp %u\n", q->qname().to_string().c_str(), static_cast<unsigned>(q->qtype()),
                   q->header().id);
      std::fflush(log_file);
    }
    if (silent || key == "silent.stub.example.") continue;
    auto a = answer(*q, q->header().id, q->qname(), true, false, key, address(192, 0, 2, 2));
    std::vector<std::byte> framed(a.size() + 2);
    framed[0] = static_cast<std::byte>(a.size() >> 8);
    framed[1] = static_cast<std::byte>(a.size());
    std::memcpy(framed.data() + 2, a.data(), a.size());
    if (::write(fd, framed.data(), framed.size()) != static_cast<ssize_t>(framed.size())) break;
  }
  ::close(fd);
}

int bind_socket(int type, std::uint16_t port) {
  const int fd = ::socket(AF_INET, type, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -1;
  return fd;
}

std::uint16_t port_of(int fd) {
  sockaddr_in a{};
  socklen_t n = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
  return ntohs(a.sin_port);
}

bool parse_hex(const std::string& text, std::vector<std::byte>& out) {
  int high = -1;
  for (char c : text) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else if (c == ' ' || c == ':') continue;
    else return false;
    if (high < 0) high = v;
    else out.push_back(static_cast<std::byte>(high << 4 | v)), high = -1;
  }
  return high < 0;
}

// "NAME/TYPE/ID" (TYPE a number or A, AAAA, TXT, MX) or hex.
bool make_query(const std::string& spec, std::vector<std::byte>& out) {
  const auto slash = spec.find('/');
  if (slash == std::string::npos) return parse_hex(spec, out);
  const auto slash2 = spec.find('/', slash + 1);
  const std::string name = spec.substr(0, slash);
  const std::string type = spec.substr(slash + 1, slash2 == std::string::npos ? std::string::npos : slash2 - slash - 1);
  const unsigned id = slash2 == std::string::npos ? 4242u : static_cast<unsigned>(std::atoi(spec.c_str() + slash2 + 1));
  wire::rr_type t = type == "A" ? wire::rr_type::a : type == "AAAA" ? wire::rr_type::aaaa
                  : type == "TXT" ? wire::rr_type::txt : type == "MX" ? wire::rr_type::mx
                  : static_cast<wire::rr_type>(std::atoi(type.c_str()));
  auto n = wire::name::from_text(name);
  if (!n) return false;
  out.resize(512);
  wire::message_writer w{out};
  w.header().id = static_cast<std::uint16_t>(id);
  w.header().rd = true;
  (void)w.add_question(*n, t);
  out.resize(w.finish().size());
  return true;
}

void print_reply(const std::byte* p, std::size_t n) {
  if (n < 12) {
    std::printf("reply runt size=%zu\n", n);
    return;
  }
  const auto h = wire::header::decode(p);
  std::printf("reply %u %u tc=%d an=%u size=%zu\n", h.id, h.rcode, h.tc ? 1 : 0, h.ancount, n);
}

int run_client(int argc, char** argv) {
  std::string target;
  bool tcp = false;
  int hold = -1;
  std::vector<std::vector<std::byte>> queries;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--client" && i + 1 < argc) target = argv[++i];
    else if (arg == "--tcp") tcp = true;
    else if (arg == "--hold" && i + 1 < argc) hold = std::atoi(argv[++i]);
    else {
      std::vector<std::byte> q;
      if (!make_query(arg, q)) return std::fprintf(stderr, "bad query: %s\n", arg.c_str()), 2;
      queries.push_back(std::move(q));
    }
  }
  const auto colon = target.rfind(':');
  if (colon == std::string::npos) return std::fprintf(stderr, "--client ADDR:PORT\n"), 2;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(std::atoi(target.c_str() + colon + 1)));
  if (::inet_pton(AF_INET, target.substr(0, colon).c_str(), &to.sin_addr) != 1) return 2;
  const int fd = ::socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) return std::perror("connect"), 1;
  if (tcp) {
    std::vector<std::byte> all;
    for (const auto& q : queries) {
      all.push_back(static_cast<std::byte>(q.size() >> 8));
      all.push_back(static_cast<std::byte>(q.size()));
      all.insert(all.end(), q.begin(), q.end());
    }
    if (::write(fd, all.data(), all.size()) != static_cast<ssize_t>(all.size())) return std::perror("write"), 1;
  } else {
    for (const auto& q : queries) (void)::send(fd, q.data(), q.size(), 0);
  }
  const auto start = clock_type::now();
  std::size_t replies = 0;
  std::vector<std::byte> buffer(65537);
  std::size_t have = 0;  // TCP: bytes buffered
  bool closed = false;
  while (replies < queries.size()) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 2000) <= 0) {
      std::printf("no reply\n");
      break;
    }
    const ssize_t n = ::recv(fd, buffer.data() + have, buffer.size() - have, 0);
    if (n <= 0) {
      closed = true;
      std::printf("closed\n");
      break;
    }
    if (!tcp) {
      print_reply(buffer.data(), static_cast<std::size_t>(n));
      ++replies;
      continue;
    }
    have += static_cast<std::size_t>(n);
    while (have >= 2) {
      const std::size_t len = std::to_integer<std::size_t>(buffer[0]) << 8 | std::to_integer<std::size_t>(buffer[1]);
      if (have < len + 2) break;
      print_reply(buffer.data() + 2, len);
      ++replies;
      std::memmove(buffer.data(), buffer.data() + 2 + len, have - 2 - len);
      have -= 2 + len;
    }
  }
  if (hold >= 0 && tcp && !closed) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, hold) > 0 && ::recv(fd, buffer.data(), buffer.size(), 0) <= 0) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start).count();
      std::printf("closed after %lld ms\n", static_cast<long long>(ms));
    } else {
      std::printf("still open\n");
    }
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--client") return run_client(argc, argv);
  std::uint16_t port = 0;
  bool silent = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--port" && i + 1 < argc) port = static_cast<std::uint16_t>(std::atoi(argv[++i]));
    else if (arg == "--silent") silent = true;
    else if (arg == "--log" && i + 1 < argc) log_file = std::fopen(argv[++i], "a");
    else return std::fprintf(stderr, "usage: dnsfilter-test-upstream [--port N] [--silent] [--log FILE]\n"), 2;
  }
  int udp = -1, tcp = -1;
  for (int attempt = 0; attempt < 20 && tcp < 0; ++attempt) {  // one port number for both
    if (udp >= 0) ::close(udp);
    udp = bind_socket(SOCK_DGRAM, port);
    if (udp < 0) return std::perror("bind udp"), 1;
    tcp = bind_socket(SOCK_STREAM, port_of(udp));
    if (tcp < 0 && port != 0) return std::perror("bind tcp"), 1;
  }
  if (tcp < 0 || ::listen(tcp, 16) != 0) return std::perror("listen"), 1;
  const int other = bind_socket(SOCK_DGRAM, 0);  // the "wrong port" of spoof-port
  std::printf("port %u\n", port_of(udp));
  std::fflush(stdout);

  std::byte buffer[4096];
  for (;;) {
    int wait_ms = 1000;
    const auto now = clock_type::now();
    for (const auto& d : pending)
      wait_ms = std::min<int>(wait_ms, static_cast<int>(std::max<std::int64_t>(
                                           0, std::chrono::duration_cast<std::chrono::milliseconds>(d.due - now).count())));
    pollfd fds[2] = {{udp, POLLIN, 0}, {tcp, POLLIN, 0}};
    ::poll(fds, 2, wait_ms);
    if (fds[0].revents & POLLIN) {
      sockaddr_in from{};
      socklen_t n = sizeof from;
      const ssize_t size = ::recvfrom(udp, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&from), &n);
      if (size > 0) on_udp(udp, other, buffer, static_cast<std::size_t>(size), from, silent);
    }
    if (fds[1].revents & POLLIN) {
      const int c = ::accept(tcp, nullptr, nullptr);
      if (c >= 0) on_tcp(c, silent);
    }
    const auto t = clock_type::now();
    for (auto it = pending.begin(); it != pending.end();) {
      if (it->due <= t) {
        send_udp(udp, it->bytes, it->to);
        it = pending.erase(it);
      } else {
        ++it;
      }
    }
  }
}
