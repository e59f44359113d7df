// dnsfilter-resolver — TCP: accepting connections.
#include "tcp_listener.hpp"

#include "log.hpp"
#include "tcp_connection.hpp"
#include "worker.hpp"

#include <boost/asio/steady_timer.hpp>

#include <memory>

namespace resolver {

namespace asio = boost::asio;
namespace policy = dnsfilter::policy;
using asio::ip::tcp;

namespace {

policy::ip_address to_ip(const asio::ip::address& a) {
  if (a.is_v4()) return policy::ip_address::v4(a.to_v4().to_uint());
  return policy::ip_address::v6(a.to_v6().to_bytes());
}

}  // namespace

tcp_listener::tcp_listener(worker& w, tcp::acceptor acceptor, std::uint16_t index)
    : worker_(w), acceptor_(std::move(acceptor)), index_(index) {}

void tcp_listener::start() { accept(); }

void tcp_listener::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

void tcp_listener::accept() {
  acceptor_.async_accept(worker_.io(), [this](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Out of descriptors or memory: wait a moment instead of spinning.
      RESOLVER_LOG(warning, "TCP accept failed: %s", ec.message().c_str());
      auto pause = std::make_shared<asio::steady_timer>(worker_.io(), std::chrono::milliseconds(100));
      pause->async_wait([this, pause](const boost::system::error_code&) { accept(); });
      return;
    }
    auto& open = worker_.state().tcp_connections;
    if (open.load(std::memory_order_relaxed) >= worker_.cfg().tcp_max_connections) {
      bump(worker_.counters().tcp_refused);
      boost::system::error_code ignored;
      socket.close(ignored);
    } else {
      boost::system::error_code peer_ec;
      const auto peer = socket.remote_endpoint(peer_ec);
      if (!peer_ec) {
        bump(worker_.counters().tcp_accepted);
        open.fetch_add(1, std::memory_order_relaxed);
        std::make_shared<tcp_connection>(worker_, std::move(socket), index_, to_ip(peer.address()))->start();
      }
    }
    accept();
  });
}

}  // namespace resolver
