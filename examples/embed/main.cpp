// dnsfilter-embed [FORMAT:]LIST [PORT [UPSTREAM [UPSTREAM_PORT]]] (defaults 5300, 127.0.0.1, 53): the library as
// firmware embeds it. Blocked names get the sinkhole answer; the rest is relayed to UPSTREAM one query at
// a time (examples/resolver shows concurrent, spoof-resistant forwarding, a cache and statistics).
#include <dnsfilter/dnsfilter.hpp>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

using namespace dnsfilter;

static sockaddr_in endpoint(const char* ip, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
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
  const int server = socket(AF_INET, SOCK_DGRAM, 0), relay = socket(AF_INET, SOCK_DGRAM, 0);
  const timeval timeout{2, 0};  // connect(): the kernel then drops datagrams from anyone but the upstream
  setsockopt(relay, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (bind(server, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0 ||
      connect(relay, reinterpret_cast<const sockaddr*>(&upstream), sizeof upstream) != 0)
    return std::perror("socket"), 1;
  for (std::byte packet[1232], reply[1232];;) {
    sockaddr_in client{};  // the source address of the query: policy and answer
    socklen_t client_size = sizeof client;
    const ssize_t n = recvfrom(server, packet, sizeof packet, 0, reinterpret_cast<sockaddr*>(&client), &client_size);
    const auto now = static_cast<match::timestamp>(std::time(nullptr));
    const auto source = policy::ip_address::v4(ntohl(client.sin_addr.s_addr));
    const filter_result r = f.process({packet, n > 0 ? static_cast<std::size_t>(n) : 0}, source, 0, now, reply);
    std::span<const std::byte> answer = r.answer;
    if (r.what == filter_outcome::forward || r.what == filter_outcome::opted_out) {
      if (send(relay, packet, static_cast<std::size_t>(n), 0) != n) continue;
      ssize_t m;  // skip late answers to earlier queries: their id differs
      do m = recv(relay, reply, sizeof reply, 0); while (m >= 2 && std::memcmp(reply, packet, 2) != 0);
      if (m < 12) continue;  // timed out (the client will retry) or a runt
      answer = {reply, static_cast<std::size_t>(m)};
      const auto parsed = wire::message_view::parse(answer);  // its one parse; a broken answer goes nowhere
      if (!parsed) continue;
      // CNAME cloaking: the chain may lead to a blocked name (r.ticket() says whether this answer is checked).
      if (const response_result c = f.check_response(r.ticket(), *parsed, packet); c.blocked) answer = c.answer;
    }
    if (!answer.empty()) sendto(server, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&client), client_size);
  }
}
