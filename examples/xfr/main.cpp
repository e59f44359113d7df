// dnsfilter-xfr [-y [ALG:]NAME:SECRET | -k KEYFILE] ADDRESS PORT ZONE [SERIAL]:
// transfers ZONE from the primary at ADDRESS (IPv4 or IPv6) over TCP — AXFR,
// or IXFR from SERIAL — with the library's query writer and transfer reader,
// signed with TSIG when a key is given (-y as dig's; -k a BIND or Knot key
// file, its first key), every message of the answer verified with OpenSSL's
// HMAC. Prints what the stream holds, a line per event:
//   full SERIAL | + OWNER TYPE | from SERIAL | - OWNER TYPE | to SERIAL | end SERIAL
// then "result full|incremental|up-to-date, M messages, R records, B octets".
// A refused, unauthenticated or broken transfer prints where and why and exits 1. The socket
// part is plain POSIX, one transfer at a time: it shows the reader, not a
// secondary (the resolver's feed will refresh, retry and stage the changes).
#include <dnsfilter/dnsfilter.hpp>

#if DNSFILTER_XFR_OPENSSL
#include "openssl_hmac.hpp"
#endif

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

using namespace dnsfilter;

namespace {

struct printer final : xfr::transfer_handler {
  void begin_full(const wire::rdata::soa& soa) override { std::printf("full %u\n", soa.serial); }
  void full_record(const xfr::record& r) override { print('+', r); }
  void begin_difference(std::uint32_t from) override { std::printf("from %u\n", from); }
  void deleted(const xfr::record& r) override { print('-', r); }
  void begin_additions(std::uint32_t to) override { std::printf("to %u\n", to); }
  void added(const xfr::record& r) override { print('+', r); }
  void end(const wire::rdata::soa& soa) override { std::printf("end %u\n", soa.serial); }
  static void print(char sign, const xfr::record& r) {
    std::printf("%c %s %s\n", sign, r.owner.to_string().c_str(), wire::mnemonic(r.rr.type));
  }
};

// Reads exactly `n` octets; false at the end of the stream or on an error.
bool read_exactly(int fd, std::byte* out, std::size_t n) {
  while (n > 0) {
    const ssize_t got = ::recv(fd, out, n, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    out += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

int connect_to(const char* address, int port) {
  sockaddr_storage a{};
  socklen_t size = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a);
  if (::inet_pton(AF_INET, address, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(port));
    size = sizeof *v4;
  } else if (::inet_pton(AF_INET6, address, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    size = sizeof *v6;
  } else {
    return -1;
  }
  const int fd = ::socket(a.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const timeval timeout{10, 0};  // a primary that stops sending fails the transfer
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), size) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

// The key of -y or -k, or nothing; false (after saying why) on a bad one.
bool read_key(int& argc, char**& argv, std::optional<xfr::tsig_key>& key) {
  if (argc < 3 || (std::strcmp(argv[1], "-y") != 0 && std::strcmp(argv[1], "-k") != 0)) return true;
#if !DNSFILTER_XFR_OPENSSL
  std::fputs("dnsfilter-xfr: built without OpenSSL: no TSIG\n", stderr);
  return false;
#endif
  diagnostic error;
  if (argv[1][1] == 'y') {
    auto k = xfr::parse_key_argument(argv[2], error);
    if (!k) return std::fprintf(stderr, "dnsfilter-xfr: -y: %s\n", error.message.c_str()), false;
    key = *k;
  } else {
    auto keys = xfr::load_key_file(argv[2], error);
    if (!keys) return std::fprintf(stderr, "dnsfilter-xfr: %s\n", to_string(argv[2], error).c_str()), false;
    key = keys->front();
  }
  argc -= 2;
  argv += 2;
  return true;
}

int main(int argc, char** argv) {
  std::optional<xfr::tsig_key> key;
  if (!read_key(argc, argv, key)) return 2;
  if (argc < 4)
    return std::fputs("usage: dnsfilter-xfr [-y [ALG:]NAME:SECRET | -k KEYFILE] ADDRESS PORT ZONE [SERIAL]\n", stderr), 2;
  const auto zone = wire::name::from_text(argv[3]);
  if (!zone) return std::fprintf(stderr, "dnsfilter-xfr: bad zone name: %s\n", to_string(zone.error())), 2;
  const bool incremental = argc > 4;
  const auto serial = static_cast<std::uint32_t>(incremental ? std::strtoul(argv[4], nullptr, 10) : 0);
  const xfr::kind k = incremental ? xfr::kind::ixfr : xfr::kind::axfr;
  const std::uint16_t id = static_cast<std::uint16_t>(::getpid() ^ 0x5a5a);  // a tool; the feed draws ids from the CSPRNG

  std::array<std::byte, 2 + 1024> query;
  const auto q = xfr::write_transfer_query(*zone, k, id, serial, std::span<std::byte>(query).subspan(2));
  if (!q) return std::fprintf(stderr, "dnsfilter-xfr: cannot write the query: %s\n", to_string(q.error())), 1;
  std::size_t query_size = q->size();
#if DNSFILTER_XFR_OPENSSL
  openssl_hmac hmac;
  xfr::tsig_mac request_mac;
  std::optional<xfr::tsig_verifier> verifier;
  if (key) {
    const auto signed_size = xfr::sign_request(std::span<std::byte>(query).subspan(2), query_size, *key, hmac,
                                               static_cast<std::uint64_t>(std::time(nullptr)), request_mac);
    if (!signed_size)
      return std::fprintf(stderr, "dnsfilter-xfr: cannot sign the query: %s\n", to_string(signed_size.error())), 1;
    query_size = *signed_size;
    verifier.emplace(*key, hmac, request_mac);
  }
#endif
  detail::store_u16(query.data(), static_cast<std::uint16_t>(query_size));

  const int fd = connect_to(argv[1], std::atoi(argv[2]));
  if (fd < 0) return std::fprintf(stderr, "dnsfilter-xfr: cannot connect to %s port %s: %s\n", argv[1], argv[2],
                                  std::strerror(errno)), 1;
  if (::send(fd, query.data(), 2 + query_size, MSG_NOSIGNAL) != static_cast<ssize_t>(2 + query_size))
    return std::fprintf(stderr, "dnsfilter-xfr: cannot send the query: %s\n", std::strerror(errno)), 1;

  xfr::transfer_reader reader{*zone, id, k, serial};
  printer handler;
  std::vector<std::byte> message(65535);
  for (bool done = false; !done;) {
    std::array<std::byte, 2> length;
    if (!read_exactly(fd, length.data(), 2)) break;  // the primary closed (finish() tells whether too early)
    const std::size_t size = detail::load_u16(length.data());
    if (!read_exactly(fd, message.data(), size)) break;
    const auto parsed = wire::message_view::parse(std::span<const std::byte>(message.data(), size));
#if DNSFILTER_XFR_OPENSSL
    // Verified before the reader sees it; an unauthenticated answer says what the primary answered.
    if (parsed && verifier) {
      if (const auto v = verifier->verify(*parsed, static_cast<std::uint64_t>(std::time(nullptr))); !v) {
        std::fprintf(stderr, "dnsfilter-xfr: message %zu: %s (the primary answered %s)\n", reader.messages(),
                     to_string(v.error()), wire::mnemonic(parsed->rcode()) ? wire::mnemonic(parsed->rcode()) : "?");
        return 1;
      }
    }
#endif
    const auto fed = parsed ? reader.feed(*parsed, handler) : result<bool>{parsed.error()};
    if (!fed) {
      std::fprintf(stderr, "dnsfilter-xfr: message %zu, record %zu: %s\n", reader.position().message,
                   reader.position().record, to_string(fed.error()));
      return 1;
    }
    done = *fed;
  }
  ::close(fd);
  const auto finished = reader.finish();
  if (!finished) return std::fprintf(stderr, "dnsfilter-xfr: %s\n", to_string(finished.error())), 1;
#if DNSFILTER_XFR_OPENSSL
  // The transfer counts only when its last message was signed.
  if (verifier) {
    if (const auto v = verifier->finish(); !v) return std::fprintf(stderr, "dnsfilter-xfr: %s\n", to_string(v.error())), 1;
    std::printf("tsig %s %s, %zu messages verified\n", key->name.to_string().c_str(),
                std::string(xfr::to_string(key->algorithm)).c_str(), verifier->messages());
  }
#endif
  const char* what = *finished == xfr::transfer_result::full          ? "full"
                     : *finished == xfr::transfer_result::incremental ? "incremental"
                                                                      : "up-to-date";
  std::printf("result %s, %zu messages, %zu records, %zu octets\n", what, reader.messages(), reader.records(),
              reader.bytes());
  return 0;
}
