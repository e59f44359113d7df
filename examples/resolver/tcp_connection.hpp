// dnsfilter-resolver — one client's TCP connection (RFC 7766):
// length-prefixed messages, several queries in flight and answered as they
// complete (out of order), an idle timeout, a cap on in-flight queries and on
// the query size.
#pragma once

#include <dnsfilter/dnsfilter.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <vector>

namespace resolver {

class worker;

class tcp_connection : public std::enable_shared_from_this<tcp_connection> {
 public:
  tcp_connection(worker& w, boost::asio::ip::tcp::socket socket, std::uint16_t listener,
                 dnsfilter::policy::ip_address client);
  ~tcp_connection();
  void start();
  // An answer for one of this connection's queries (any order).
  void deliver(std::span<const std::byte> answer);
  // The client's port (0 when the socket no longer knows it), for dnstap.
  std::uint16_t client_port() const noexcept {
    boost::system::error_code ec;
    const auto e = socket_.remote_endpoint(ec);
    return ec ? 0 : e.port();
  }
  // A query of this connection ended without an answer (dropped).
  void finished_without_answer();

 private:
  void read_length();
  void read_body(std::size_t size);
  void read_failed();
  void maybe_read();
  void write_next();
  void query_done();
  void arm_idle_timer();
  void close();

  worker& worker_;
  // The open-connection count lives in the shared state, which outlives every
  // worker: the destructor may run while its worker's io_context is torn down.
  std::atomic<std::size_t>& open_count_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer idle_;
  std::uint16_t listener_;
  dnsfilter::policy::ip_address client_;
  std::array<std::byte, 2> length_{};
  std::vector<std::byte> query_;
  std::deque<std::vector<std::byte>> writes_;  // length-prefixed answers
  std::size_t in_flight_ = 0;
  bool reading_ = false;
  bool writing_ = false;
  bool closed_ = false;
  bool peer_closed_ = false;
};

}  // namespace resolver
