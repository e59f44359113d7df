// dnsfilter-resolver — a UDP listener of one serving thread.
//
// recvmmsg drains up to 32 datagrams per wake-up and the answers that are
// ready at once (sinkhole, cache, errors) leave in one sendmmsg. Answers that
// come later (from upstream) are gathered until the event loop has run the
// handlers ready with them, then leave together in one sendmmsg too. On a
// wildcard address the reply leaves from the address the query came to
// (IP_PKTINFO / IPV6_RECVPKTINFO).
#pragma once

#include <boost/asio/ip/udp.hpp>

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <vector>

namespace resolver {

class worker;

// A UDP client: its address and the local address its query came to.
struct udp_peer {
  sockaddr_storage address{};
  socklen_t address_size = 0;
  bool has_local = false;
  union {
    in_pktinfo v4;
    in6_pktinfo v6;
  } local{};
  bool local_v6 = false;
};

class udp_listener {
 public:
  static constexpr std::size_t batch = 32;
  static constexpr std::size_t max_query = 4096;

  udp_listener(worker& w, boost::asio::ip::udp::socket socket, std::uint16_t index, bool wildcard);
  void start();
  void stop();
  // Sends an answer soon: after the handlers ready now have run, with the
  // other answers they gave (one sendmmsg), or queued if the socket is full.
  void send(std::span<const std::byte> answer, const udp_peer& to);

 private:
  void wait_readable();
  void on_readable();
  void flush_queue();
  void flush_later();
  // Sends messages[0, ready) (to peers[0, ready)) with sendmmsg; what the
  // socket does not take is queued.
  void send_batch(mmsghdr* messages, const udp_peer* const* peers, std::size_t ready);
  static void prepare_reply(msghdr& h, iovec& iov, const udp_peer& to, std::span<const std::byte> data,
                            char* control, std::size_t control_size);

  worker& worker_;
  boost::asio::ip::udp::socket socket_;
  std::uint16_t index_;
  bool wildcard_;
  bool waiting_write_ = false;
  struct slot {
    std::array<std::byte, max_query> in;
    std::array<std::byte, 4096> out;
    udp_peer peer;
    alignas(cmsghdr) char control_in[128];
    alignas(cmsghdr) char control_out[128];
    iovec iov_in, iov_out;
  };
  std::unique_ptr<std::array<slot, batch>> slots_;
  std::array<mmsghdr, batch> recv_{};
  std::array<mmsghdr, batch> send_{};
  std::array<const udp_peer*, batch> send_peer_{};  // whose answer each send_ entry is
  struct queued {
    std::vector<std::byte> data;
    udp_peer to;
  };
  std::deque<queued> queue_;  // answers waiting for the socket to drain
  // Answers from upstream waiting for flush_later (at most `batch`).
  struct later {
    std::array<std::byte, 4096> data;
    std::size_t size;
    udp_peer to;
    alignas(cmsghdr) char control[128];
    iovec iov;
  };
  std::unique_ptr<std::array<later, batch>> later_;
  std::array<mmsghdr, batch> later_send_{};  // apart from send_: a batch may fill while on_readable builds one
  std::array<const udp_peer*, batch> later_peer_{};
  std::size_t later_count_ = 0;
  bool flush_posted_ = false;
};

}  // namespace resolver
