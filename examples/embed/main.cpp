// dnsfilter-embed [FORMAT:]LIST [PORT [UPSTREAM [UPSTREAM_PORT]]] (defaults 5300, 127.0.0.1, 53): the library as
// firmware embeds it. Blocked names get the sinkhole answer; the rest goes to UPSTREAM through the library's
// transaction table: up to 16 queries in flight, each attempt on a fresh UDP socket with a random id, an answer
// believed only from the upstream's address and port with our id and question, SERVFAIL after two silent attempts.
#include <dnsfilter/dnsfilter.hpp>
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

using namespace dnsfilter;

static sockaddr_in endpoint(const char* ip, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

static std::int64_t now_ms() {  // monotonic: timeouts and the mismatch window
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

int main(int argc, char** argv) {
  if (argc < 2) return std::fputs("usage: dnsfilter-embed [FORMAT:]LIST [PORT [UPSTREAM [UPSTREAM_PORT]]]\n", stderr), 2;
  lists::diagnostic why;  // the loader's own message: load_file leaves errno as it found it
  auto list = lists::parse_list_argument(argv[1], &why);
  if (!list) return std::fprintf(stderr, "dnsfilter-embed: %s\n", why.message.c_str()), 2;
  match::catalogue cat;
  const auto loaded = lists::load_file(list->path, list->format, cat, {}, &why);
  if (!loaded) return std::fprintf(stderr, "%s\n", lists::to_string(list->path, why).c_str()), 1;
  for (const auto& d : loaded->diagnostics) std::fprintf(stderr, "%s\n", lists::to_string(list->path, d).c_str());
  const filter::catalogue_handle catalogue{make_snapshot(std::move(cat))};
  const policy::policy_set_handle policies{std::make_shared<const policy::policy_set>()};  // nobody opted out
  sinkhole::settings settings;
  settings.ipv4 = wire::rdata::a{{std::byte{127}, std::byte{0}, std::byte{0}, std::byte{2}}};
  const sinkhole::responder responder{settings};
  filter f{catalogue, policies, responder};
  const sockaddr_in local = endpoint("127.0.0.1", argc > 2 ? std::atoi(argv[2]) : 5300);
  const sockaddr_in upstream = endpoint(argc > 3 ? argv[3] : "127.0.0.1", argc > 4 ? std::atoi(argv[4]) : 53);
  const int server = socket(AF_INET, SOCK_DGRAM, 0);
  if (bind(server, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) return std::perror("bind"), 1;

  // Forwarding: one upstream, the alarm on spoofed answers (more than 10 in 10 s), 16 transactions.
  const forward::endpoint to{policy::ip_address::v4(ntohl(upstream.sin_addr.s_addr)), ntohs(upstream.sin_port)};
  auto upstreams = forward::upstream_set::make({&to, 1}).value();
  forward::mismatch_alarm alarm;
  forward::system_random random;
  forward::transaction_table table{{.capacity = 16, .attempts = 2, .timeout_ms = 1500}, upstreams, alarm, random};
  struct pending {  // one per table slot: the attempt's socket, and whom to answer
    forward::attempt which;
    int fd = -1;
    sockaddr_in client{};
    forward_ticket ticket;
  };
  std::array<pending, 16> slots;
  std::byte packet[1232], reply[1232], query[512];
  auto answer = [&](const sockaddr_in& client, std::span<const std::byte> bytes) {
    if (!bytes.empty()) sendto(server, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&client), sizeof client);
  };
  auto send_attempt = [&](const forward::dispatch& d) {  // a fresh socket: connect() picks a random ephemeral port
    pending& p = slots[d.which.slot];
    if (p.fd >= 0) close(p.fd);
    p.which = d.which;
    p.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    const auto q = table.write_query(d.which, query);  // a send that fails is left to time out
    if (connect(p.fd, reinterpret_cast<const sockaddr*>(&upstream), sizeof upstream) == 0) send(p.fd, q.data(), q.size(), 0);
  };
  auto go_on = [&](pending& p, const forward::next_step& next) {  // after a timeout, an error or REFUSED
    if (next.what == forward::next_step::kind::retry) return send_attempt(next.next);
    if (next.what == forward::next_step::kind::none) return;
    close(p.fd);  // no attempt left: SERVFAIL, with EDE 23 for an EDNS client
    p.fd = -1;
    const wire::extended_error ede{wire::ede_code::network_error, "no upstream answered"};
    if (auto a = responder.error_answer(p.ticket.query, wire::rcode::servfail, reply, ede)) answer(p.client, *a);
  };
  for (;;) {
    std::array<pollfd, 17> fds{};
    std::array<pending*, 17> owner{};
    std::size_t n = 0;
    fds[n++] = {server, POLLIN, 0};
    for (pending& p : slots)
      if (p.fd >= 0) owner[n] = &p, fds[n++] = {p.fd, POLLIN, 0};
    poll(fds.data(), n, static_cast<int>(std::clamp<std::int64_t>(table.next_deadline() - now_ms(), 0, 1000)));
    if (fds[0].revents & POLLIN) {  // a client's query
      sockaddr_in client{};         // the source address of the query: policy and answer
      socklen_t client_size = sizeof client;
      const ssize_t size = recvfrom(server, packet, sizeof packet, 0, reinterpret_cast<sockaddr*>(&client), &client_size);
      const auto source = policy::ip_address::v4(ntohl(client.sin_addr.s_addr));
      const auto now = static_cast<match::timestamp>(std::time(nullptr));
      const filter_result r = f.process({packet, size > 0 ? static_cast<std::size_t>(size) : 0}, source, 0, now, reply);
      if (r.what != filter_outcome::forward && r.what != filter_outcome::opted_out) {
        answer(client, r.answer);  // sinkhole, FORMERR, NOTIMP, ...; nothing for a drop
      } else if (auto d = table.begin(r.ticket().query, now_ms())) {
        slots[d->which.slot].client = client;
        slots[d->which.slot].ticket = r.ticket();  // before `packet` is reused
        send_attempt(*d);
      } else if (auto busy = responder.error_answer(r.query, wire::rcode::servfail, reply)) {
        answer(client, *busy);  // 16 in flight already (or no random bytes)
      }
    }
    for (std::size_t k = 1; k < n; ++k) {  // datagrams on upstream sockets
      if (!(fds[k].revents & (POLLIN | POLLERR))) continue;
      pending& p = *owner[k];
      sockaddr_in from{};
      socklen_t from_size = sizeof from;
      const ssize_t size = recvfrom(p.fd, reply, sizeof reply, 0, reinterpret_cast<sockaddr*>(&from), &from_size);
      if (size < 0) {  // ICMP port unreachable and the like
        go_on(p, table.expire(p.which, now_ms()));
        continue;
      }
      const forward::endpoint source{policy::ip_address::v4(ntohl(from.sin_addr.s_addr)), ntohs(from.sin_port)};
      const forward::accept_result r = table.accept(p.which, {reply, static_cast<std::size_t>(size)}, source, now_ms());
      if (r.alarm == forward::alarm_event::raised)
        std::fputs("dnsfilter-embed: warning: over 10 upstream answers failed the spoofing checks within 10 s\n", stderr);
      if (r.what == forward::accept_result::kind::refused) go_on(p, r.next);
      if (r.what != forward::accept_result::kind::accepted) continue;  // not ours (r.why): the genuine one may still come
      std::span<const std::byte> bytes{reply, static_cast<std::size_t>(size)};  // the client's id and case restored
      // CNAME cloaking: the chain may lead to a blocked name (the ticket says whether this answer is checked).
      if (r.message)
        if (const response_result c = f.check_response(p.ticket, *r.message, packet); c.blocked) bytes = c.answer;
      answer(p.client, bytes);
      close(p.fd);
      p.fd = -1;
    }
    table.tick(now_ms(), [&](forward::attempt a, const forward::next_step& next) { go_on(slots[a.slot], next); });
    if (alarm.poll(now_ms()) == forward::alarm_event::cleared) std::fputs("dnsfilter-embed: spoofing alarm cleared\n", stderr);
  }
}
