// dnsfilter-resolver — binding the listening sockets.
#include "listeners.hpp"

#include "log.hpp"
#include "worker.hpp"

#include <boost/asio/ip/v6_only.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>

namespace resolver {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

namespace {

void set_reuse_port(int fd) {
  const int one = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
    throw boost::system::system_error(errno, boost::system::system_category(), "SO_REUSEPORT");
}

// SO_REUSEPORT lets every serving thread bind the same port, but it would
// also let a second copy of the resolver (same user) bind it and silently
// take half the traffic. So first try the port without SO_REUSEPORT: that
// fails if anyone holds it.
bool port_taken(const asio::ip::address& address, std::uint16_t port, int type) {
  if (port == 0) return false;
  const udp::endpoint at(address, port);  // only for its sockaddr
  const int fd = ::socket(at.data()->sa_family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;  // the real bind will say what is wrong
  const int one = 1;
  if (type == SOCK_STREAM) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // TIME_WAIT is no owner
  if (address.is_v6()) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  const int r = ::bind(fd, at.data(), static_cast<socklen_t>(at.size()));
  const int error = errno;
  ::close(fd);
  return r != 0 && error == EADDRINUSE;
}

failure cannot_listen(const listener_config& l, const std::string& why) {
  return {dnsfilter::errc::io_error, "listen " + l.text + ": " + why};
}

udp::socket open_udp(asio::io_context& io, const udp::endpoint& at) {
  udp::socket s(io);
  s.open(at.protocol());
  if (at.address().is_v6()) s.set_option(asio::ip::v6_only(true));  // IPv4 gets its own listeners
  set_reuse_port(s.native_handle());
  // A deep receive buffer rides out bursts (the kernel caps it at rmem_max).
  boost::system::error_code ignored;
  s.set_option(asio::socket_base::receive_buffer_size(4 << 20), ignored);
  if (at.address().is_unspecified()) {
    const int one = 1;
    if (at.address().is_v6()) ::setsockopt(s.native_handle(), IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
    else ::setsockopt(s.native_handle(), IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
  }
  s.bind(at);
  return s;
}

tcp::acceptor open_tcp(asio::io_context& io, const tcp::endpoint& at) {
  tcp::acceptor a(io);
  a.open(at.protocol());
  if (at.address().is_v6()) a.set_option(asio::ip::v6_only(true));
  a.set_option(tcp::acceptor::reuse_address(true));
  set_reuse_port(a.native_handle());
  a.bind(at);
  a.listen(1024);
  return a;
}

}  // namespace

outcome<std::vector<std::uint16_t>> bind_listeners(const config& c, std::vector<std::unique_ptr<worker>>& workers) {
  std::vector<std::uint16_t> ports;
  for (std::size_t i = 0; i < c.listeners.size(); ++i) {
    const listener_config& l = c.listeners[i];
    const auto index = static_cast<std::uint16_t>(i);
    std::uint16_t port = l.port;
    if (l.udp && port_taken(l.address, port, SOCK_DGRAM))
      return cannot_listen(l, "UDP port already in use (another resolver?)");
    if (l.tcp && port_taken(l.address, port, SOCK_STREAM))
      return cannot_listen(l, "TCP port already in use (another resolver?)");
    // Asio's socket calls throw; their errors end here.
    for (int attempt = 0;; ++attempt) {
      try {
        std::optional<udp::socket> u;
        std::optional<tcp::acceptor> t;
        if (l.udp) {
          u.emplace(open_udp(workers[0]->io(), {l.address, port}));
          port = u->local_endpoint().port();
        }
        if (l.tcp) {
          t.emplace(open_tcp(workers[0]->io(), {l.address, port}));
          port = t->local_endpoint().port();
        }
        if (u) workers[0]->add_udp(std::move(*u), index, l.address.is_unspecified());
        if (t) workers[0]->add_tcp(std::move(*t), index);
        break;
      } catch (const boost::system::system_error& e) {
        if (l.port != 0 || attempt >= 20) return cannot_listen(l, e.what());
        port = 0;  // the UDP port is not free for TCP: let the kernel pick again
      }
    }
    for (std::size_t w = 1; w < workers.size(); ++w) {
      try {
        if (l.udp) workers[w]->add_udp(open_udp(workers[w]->io(), {l.address, port}), index, l.address.is_unspecified());
        if (l.tcp) workers[w]->add_tcp(open_tcp(workers[w]->io(), {l.address, port}), index);
      } catch (const boost::system::system_error& e) {
        return failure{dnsfilter::errc::io_error, "listen " + l.text + " (thread " + std::to_string(w) + "): " + e.what()};
      }
    }
    ports.push_back(port);
    const char* mode = l.mode && *l.mode == dnsfilter::policy::listener_mode::unfiltered ? "unfiltered" : "per-client";
    RESOLVER_LOG(info, "listening on %s (%s%s%s; listener %zu, %s; %u thread(s))", to_string(l.address, port).c_str(),
                 l.udp ? "udp" : "", l.udp && l.tcp ? ", " : "", l.tcp ? "tcp" : "", i, mode, c.threads);
  }
  return ports;
}

}  // namespace resolver
