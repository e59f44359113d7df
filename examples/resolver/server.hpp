// dnsfilter-resolver — a serving thread: its event loop, its UDP and TCP
// sockets (one of each per listener, all threads bound to the same ports with
// SO_REUSEPORT so the kernel spreads clients over them), its filter, its
// forwarder and its counters.
//
// Per query, in order: access list (outside: REFUSED with EDE 18) → the
// filter facade (malformed: FORMERR/NOTIMP/BADVERS; blocked: the sinkhole
// answer; opted out: forwarded, not counted) → the cache → the upstream.
// Upstream answers are checked for CNAME cloaking (facade) before they are
// shaped for the client, and counted in the operator's statistics.
//
// UDP: recvmmsg drains up to 32 datagrams per wake-up and the answers that
// are ready at once (sinkhole, cache, errors) leave in one sendmmsg. On a
// wildcard address the reply leaves from the address the query came to
// (IP_PKTINFO / IPV6_RECVPKTINFO).
//
// TCP (RFC 7766): length-prefixed messages, several queries in flight per
// connection and answered as they complete (out of order), an idle timeout,
// a cap on in-flight queries per connection, on the query size and on
// connections in all.
#pragma once

#include "cache.hpp"
#include "config.hpp"
#include "counters.hpp"
#include "random.hpp"
#include "state.hpp"
#include "upstream.hpp"

#include <dnsfilter/dnsfilter.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace resolver {

class worker;
class udp_listener;
class tcp_connection;

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

// Where an answer goes back to.
struct reply_target {
  udp_listener* udp = nullptr;  // with `peer`
  udp_peer peer;
  std::shared_ptr<tcp_connection> tcp;
};

class udp_listener {
 public:
  static constexpr std::size_t batch = 32;
  static constexpr std::size_t max_query = 4096;

  udp_listener(worker& w, boost::asio::ip::udp::socket socket, std::uint16_t index, bool wildcard);
  void start();
  void stop();
  // Sends one answer now, or queues it if the socket is full.
  void send(std::span<const std::byte> answer, const udp_peer& to);

 private:
  void wait_readable();
  void on_readable();
  void flush_queue();
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
};

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

class tcp_connection : public std::enable_shared_from_this<tcp_connection> {
 public:
  tcp_connection(worker& w, boost::asio::ip::tcp::socket socket, std::uint16_t listener,
                 dnsfilter::policy::ip_address client);
  ~tcp_connection();
  void start();
  // An answer for one of this connection's queries (any order).
  void deliver(std::span<const std::byte> answer);
  // A query of this connection ended without an answer (dropped).
  void finished_without_answer();

 private:
  void read_length();
  void read_body(std::size_t size);
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

class worker {
 public:
  worker(shared_state& state, std::size_t index);
  ~worker();

  boost::asio::io_context& io() noexcept { return io_; }
  shared_state& state() noexcept { return state_; }
  thread_counters& counters() noexcept { return counters_; }
  const config& cfg() const noexcept { return state_.cfg; }

  void add_udp(boost::asio::ip::udp::socket socket, std::uint16_t listener, bool wildcard);
  void add_tcp(boost::asio::ip::tcp::acceptor acceptor, std::uint16_t listener);

  void run();           // on the serving thread
  void stop_listening();  // posted at shutdown: no new queries; in-flight ones finish

  // Where a query came from, for answering it later if it goes upstream.
  struct reply_source {
    udp_listener* udp = nullptr;
    const udp_peer* peer = nullptr;
    tcp_connection* tcp = nullptr;
  };
  struct handled {
    std::span<const std::byte> answer;  // send this now (a view of `out`); may be empty
    bool pending = false;               // gone upstream: the answer comes later through the reply target
  };

  // One query from `client` on listener `listener`. `out` bounds the answer
  // (for UDP: --max-udp-payload octets).
  handled handle(std::span<const std::byte> packet, const dnsfilter::policy::ip_address& client,
                 std::uint16_t listener, dnsfilter::sinkhole::transport via, std::span<std::byte> out,
                 const reply_source& from);

  std::span<std::byte> answer_buffer() noexcept { return answer_buffer_; }

  // Per-batch clock readings (UDP reads them once per recvmmsg).
  void tick() noexcept;

 private:
  friend class tcp_connection;
  void finish_forward(forward_request& request, const forward_result& result);
  void answer_forwarded(forward_request& request, const forward_result& result);
  void send_reply(reply_target& to, std::span<const std::byte> answer);

  // Declared first: destroyed last, after every socket of this thread.
  boost::asio::io_context io_;
  shared_state& state_;
  std::size_t index_;
  thread_counters& counters_;
  dnsfilter::stats::recorder& recorder_;
  dnsfilter::filter filter_;
  secure_random random_;
  std::vector<std::byte> upstream_buffer_;  // forwarder's UDP receive scratch
  std::vector<std::byte> cache_buffer_;     // a cached message on its way to shaping
  std::vector<std::byte> answer_buffer_;    // answers to upstream completions and TCP queries
  forwarder forwarder_;
  // Queries waiting for an exchange already under way for the same cache key
  // on this thread (coalescing): one upstream query answers them all, and a
  // forger cannot raise their odds by making us ask the same question many
  // times at once (the birthday attack on ids and ports).
  std::unordered_map<std::string, std::vector<std::unique_ptr<forward_request>>> waiting_;
  static constexpr std::size_t max_waiting = 1024;
  std::vector<std::unique_ptr<udp_listener>> udp_;
  std::vector<std::unique_ptr<tcp_listener>> tcp_;
  dnsfilter::match::timestamp now_ = 0;   // wall clock, seconds (entry validity, months)
  std::int64_t monotonic_ = 0;            // seconds (cache ages)
  boost::asio::steady_timer housekeeping_;
  void housekeeping();
};

}  // namespace resolver
