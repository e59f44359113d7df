// dnsfilter-resolver — a TCP listener of one serving thread: accepts
// connections (up to --tcp-max-connections over all threads) and hands each
// to a tcp_connection.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <cstdint>

namespace resolver {

class worker;

class tcp_listener {
 public:
  tcp_listener(worker& w, boost::asio::ip::tcp::acceptor acceptor, std::uint16_t index);
  void start();
  void stop();

 private:
  void accept();
  worker& worker_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t index_;
};

}  // namespace resolver
