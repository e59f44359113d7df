// dnsfilter-resolver — UDP: batched receive and send, replies from the address queried.
#include "udp_listener.hpp"

#include "worker.hpp"

#include <boost/asio/post.hpp>

#include <arpa/inet.h>

#include <cerrno>
#include <cstring>
#include <tuple>

namespace resolver {

namespace sinkhole = dnsfilter::sinkhole;
namespace policy = dnsfilter::policy;
using boost::asio::ip::udp;

namespace {

policy::ip_address to_ip(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) {
    const auto* s = reinterpret_cast<const sockaddr_in*>(&a);
    return policy::ip_address::v4(ntohl(s->sin_addr.s_addr));
  }
  const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&a);
  std::array<std::uint8_t, 16> b;
  std::memcpy(b.data(), &s6->sin6_addr, 16);
  return policy::ip_address::v6(b);
}

}  // namespace

udp_listener::udp_listener(worker& w, udp::socket socket, std::uint16_t index, bool wildcard)
    : worker_(w), socket_(std::move(socket)), index_(index), wildcard_(wildcard),
      slots_(std::make_unique<std::array<slot, batch>>()),
      later_(std::make_unique<std::array<later, batch>>()) {
  socket_.non_blocking(true);
  for (std::size_t i = 0; i < batch; ++i) {
    slot& s = (*slots_)[i];
    s.iov_in = {s.in.data(), s.in.size()};
    msghdr& h = recv_[i].msg_hdr;
    h.msg_name = &s.peer.address;
    h.msg_iov = &s.iov_in;
    h.msg_iovlen = 1;
  }
}

void udp_listener::start() { wait_readable(); }

void udp_listener::stop() {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void udp_listener::wait_readable() {
  socket_.async_wait(udp::socket::wait_read, [this](const boost::system::error_code& ec) {
    if (!ec) on_readable();
  });
}

void udp_listener::prepare_reply(msghdr& h, iovec& iov, const udp_peer& to, std::span<const std::byte> data,
                                 char* control, std::size_t control_size) {
  iov = {const_cast<std::byte*>(data.data()), data.size()};
  h = {};
  h.msg_name = const_cast<sockaddr_storage*>(&to.address);
  h.msg_namelen = to.address_size;
  h.msg_iov = &iov;
  h.msg_iovlen = 1;
  if (!to.has_local) return;
  // Answer from the address the query was sent to: on a wildcard socket the
  // kernel would otherwise pick the route's source, and the client would
  // drop an answer from an address it did not ask.
  std::memset(control, 0, control_size);
  h.msg_control = control;
  cmsghdr* c = reinterpret_cast<cmsghdr*>(control);
  if (to.local_v6) {
    h.msg_controllen = CMSG_SPACE(sizeof(in6_pktinfo));
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
    std::memcpy(CMSG_DATA(c), &to.local.v6, sizeof(in6_pktinfo));
  } else {
    h.msg_controllen = CMSG_SPACE(sizeof(in_pktinfo));
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
    in_pktinfo info{};
    info.ipi_spec_dst = to.local.v4.ipi_addr;  // source = where the query went
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
  }
}

void udp_listener::on_readable() {
  const int fd = socket_.native_handle();
  worker_.tick();
  const std::size_t out_size = worker_.cfg().max_udp_payload;
  // A few rounds per wake-up, then back to the event loop so the other
  // sockets of this thread (TCP, upstream answers) get their turn.
  for (int round = 0; round < 8; ++round) {
    for (std::size_t i = 0; i < batch; ++i) {
      msghdr& h = recv_[i].msg_hdr;
      h.msg_namelen = sizeof(sockaddr_storage);
      h.msg_control = wildcard_ ? (*slots_)[i].control_in : nullptr;
      h.msg_controllen = wildcard_ ? sizeof((*slots_)[i].control_in) : 0;
      h.msg_flags = 0;
    }
    const int n = ::recvmmsg(fd, recv_.data(), batch, MSG_DONTWAIT, nullptr);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      break;  // EAGAIN: drained (or the socket was closed)
    }
    std::size_t ready = 0;
    for (int i = 0; i < n; ++i) {
      slot& s = (*slots_)[static_cast<std::size_t>(i)];
      const msghdr& h = recv_[static_cast<std::size_t>(i)].msg_hdr;
      bump(worker_.counters().udp_queries);
      if (h.msg_flags & MSG_TRUNC) {  // longer than any sane query
        bump(worker_.counters().udp_oversized);
        continue;
      }
      s.peer.address_size = h.msg_namelen;
      s.peer.has_local = false;
      if (wildcard_) {
        for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(const_cast<msghdr*>(&h), c)) {
          if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            std::memcpy(&s.peer.local.v4, CMSG_DATA(c), sizeof(in_pktinfo));
            s.peer.has_local = true;
            s.peer.local_v6 = false;
          } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            std::memcpy(&s.peer.local.v6, CMSG_DATA(c), sizeof(in6_pktinfo));
            s.peer.has_local = true;
            s.peer.local_v6 = true;
          }
        }
      }
      const auto client = to_ip(s.peer.address);
      const worker::handled result =
          worker_.handle({s.in.data(), recv_[static_cast<std::size_t>(i)].msg_len}, client, index_,
                         sinkhole::transport::udp, {s.out.data(), out_size}, {this, &s.peer, nullptr});
      if (result.answer.empty()) continue;
      prepare_reply(send_[ready].msg_hdr, s.iov_out, s.peer, result.answer, s.control_out, sizeof s.control_out);
      send_peer_[ready] = &s.peer;
      ++ready;
    }
    send_batch(send_.data(), send_peer_.data(), ready);
    if (static_cast<std::size_t>(n) < batch) break;
  }
  if (socket_.is_open()) wait_readable();
}

void udp_listener::send_batch(mmsghdr* messages, const udp_peer* const* peers, std::size_t ready) {
  const int fd = socket_.native_handle();
  std::size_t sent = 0;
  while (sent < ready) {
    if (!queue_.empty()) break;  // keep order behind what is already waiting
    const int m = ::sendmmsg(fd, messages + sent, static_cast<unsigned>(ready - sent), MSG_DONTWAIT);
    if (m > 0) {
      sent += static_cast<std::size_t>(m);
    } else if (m < 0 && errno == EINTR) {
      continue;
    } else if (m < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      bump(worker_.counters().udp_send_errors);  // this destination failed; go on with the next
      ++sent;
    }
  }
  for (; sent < ready; ++sent) {  // the socket buffer is full: keep them for later
    const msghdr& h = messages[sent].msg_hdr;
    queued item;
    const auto* data = static_cast<const std::byte*>(h.msg_iov->iov_base);
    item.data.assign(data, data + h.msg_iov->iov_len);
    item.to = *peers[sent];
    queue_.push_back(std::move(item));
  }
  if (!queue_.empty() && !waiting_write_) flush_queue();
}

void udp_listener::send(std::span<const std::byte> answer, const udp_peer& to) {
  if (!socket_.is_open()) return;
  if (queue_.empty() && answer.size() <= std::tuple_size_v<decltype(later::data)>) {
    later& l = (*later_)[later_count_++];
    std::memcpy(l.data.data(), answer.data(), answer.size());
    l.size = answer.size();
    l.to = to;
    if (later_count_ == batch) {
      flush_later();
    } else if (!flush_posted_) {
      // Posted behind the handlers already ready (other upstream answers of
      // the same wake-up): they add theirs before the batch leaves.
      flush_posted_ = true;
      boost::asio::post(socket_.get_executor(), [this] {
        flush_posted_ = false;
        flush_later();
      });
    }
    return;
  }
  if (queue_.empty()) {
    msghdr h;
    iovec iov;
    alignas(cmsghdr) char control[128];
    prepare_reply(h, iov, to, answer, control, sizeof control);
    for (;;) {
      const ssize_t n = ::sendmsg(socket_.native_handle(), &h, MSG_DONTWAIT);
      if (n >= 0) return;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        bump(worker_.counters().udp_send_errors);
        return;
      }
      break;
    }
  }
  queue_.push_back({std::vector<std::byte>(answer.begin(), answer.end()), to});
  if (!waiting_write_) flush_queue();
}

void udp_listener::flush_later() {
  const std::size_t ready = later_count_;
  later_count_ = 0;
  if (ready == 0 || !socket_.is_open()) return;
  for (std::size_t i = 0; i < ready; ++i) {
    later& l = (*later_)[i];
    prepare_reply(later_send_[i].msg_hdr, l.iov, l.to, {l.data.data(), l.size}, l.control, sizeof l.control);
    later_peer_[i] = &l.to;
  }
  send_batch(later_send_.data(), later_peer_.data(), ready);
}

void udp_listener::flush_queue() {
  while (!queue_.empty()) {
    queued& item = queue_.front();
    msghdr h;
    iovec iov;
    alignas(cmsghdr) char control[128];
    prepare_reply(h, iov, item.to, item.data, control, sizeof control);
    const ssize_t n = ::sendmsg(socket_.native_handle(), &h, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      waiting_write_ = true;
      socket_.async_wait(udp::socket::wait_write, [this](const boost::system::error_code& ec) {
        waiting_write_ = false;
        if (!ec) flush_queue();
      });
      return;
    }
    if (n < 0) bump(worker_.counters().udp_send_errors);
    queue_.pop_front();
  }
}

}  // namespace resolver
