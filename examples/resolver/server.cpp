// dnsfilter-resolver — serving threads: the per-query flow, UDP batches and TCP connections.
#include "server.hpp"

#include "log.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <arpa/inet.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace resolver {

namespace asio = boost::asio;
namespace sinkhole = dnsfilter::sinkhole;
namespace policy = dnsfilter::policy;
using dnsfilter::filter_outcome;
using asio::ip::tcp;
using asio::ip::udp;

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

policy::ip_address to_ip(const asio::ip::address& a) {
  if (a.is_v4()) return policy::ip_address::v4(a.to_v4().to_uint());
  return policy::ip_address::v6(a.to_v6().to_bytes());
}

std::int64_t clock_seconds(clockid_t id) noexcept {
  timespec t{};
  clock_gettime(id, &t);
  return t.tv_sec;
}

}  // namespace

// ---------------------------------------------------------------------------
// worker: the per-query flow.

worker::worker(shared_state& state, std::size_t index)
    : state_(state),
      index_(index),
      counters_(*state.counters[index]),
      recorder_(state.registry.at(index)),
      // The facade counts every query it decides on (opted out, passed, hit
      // under its entry) in this thread's recorder, and check_response moves
      // a cloaked one from passed to filtered.
      filter_(state.catalogue, state.policies, state.responder, &recorder_),
      upstream_buffer_(65536),
      cache_buffer_(65536),
      answer_buffer_(65536),
      forwarder_(io_, state.cfg, state.upstreams, counters_, random_, upstream_buffer_,
                 [this](forward_request& r, const forward_result& result) { finish_forward(r, result); }),
      housekeeping_(io_) {
  tick();
}

worker::~worker() {
  // Sockets go before the io_context (they are members declared after it);
  // exchanges still pending are freed with the io_context's handlers.
  udp_.clear();
  tcp_.clear();
}

void worker::add_udp(udp::socket socket, std::uint16_t listener, bool wildcard) {
  udp_.push_back(std::make_unique<udp_listener>(*this, std::move(socket), listener, wildcard));
}

void worker::add_tcp(tcp::acceptor acceptor, std::uint16_t listener) {
  tcp_.push_back(std::make_unique<tcp_listener>(*this, std::move(acceptor), listener));
}

void worker::run() {
  for (auto& u : udp_) u->start();
  for (auto& t : tcp_) t->start();
  housekeeping();
  // A handler that throws (out of memory, a socket call without an error
  // code) must not take the serving thread down with it: log and go on.
  for (;;) {
    try {
      io_.run();
      return;
    } catch (const std::exception& e) {
      RESOLVER_LOG(error, "serving thread %zu: %s", index_, e.what());
    }
  }
}

void worker::stop_listening() {
  asio::post(io_, [this] {
    for (auto& u : udp_) u->stop();
    for (auto& t : tcp_) t->stop();
  });
}

void worker::tick() noexcept {
  now_ = clock_seconds(CLOCK_REALTIME_COARSE);
  monotonic_ = clock_seconds(CLOCK_MONOTONIC_COARSE);
}

void worker::housekeeping() {
  tick();
  // Let go of snapshots a reload replaced, so an idle thread does not keep
  // the old catalogue in memory; the next packet takes the current one.
  filter_.release();
  housekeeping_.expires_after(std::chrono::seconds(1));
  housekeeping_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) housekeeping();
  });
}

worker::handled worker::handle(std::span<const std::byte> packet, const policy::ip_address& client,
                               std::uint16_t listener, sinkhole::transport via, std::span<std::byte> out,
                               const reply_source& from) {
  // Access control first: an outsider costs one table lookup and, if its
  // packet is a proper query, a REFUSED of the same size (no amplification).
  if (const auto allowed = state_.acl.lookup(client); !allowed || *allowed.value != access::allow) {
    bump(counters_.acl_refused);
    const sinkhole::query_check checked = sinkhole::check_query(packet);
    if (checked.what != sinkhole::admission::process) return {};
    const dnsfilter::wire::extended_error ede{dnsfilter::wire::ede_code::prohibited, "client not allowed"};
    auto answer = state_.responder.error_answer(checked.query, dnsfilter::wire::rcode::refused, out, ede, via);
    return {answer ? *answer : std::span<const std::byte>{}};
  }

  const dnsfilter::filter_result r = filter_.process(packet, client, listener, now_, out, via);
  switch (r.what) {
    case filter_outcome::answered:
      bump(counters_.sinkholed);
      return {r.answer};
    case filter_outcome::rejected:
      bump(counters_.rejected);
      return {r.answer};
    case filter_outcome::dropped:
      if (r.entry != nullptr) {  // an entry whose action is drop
        bump(counters_.sinkholed);
      } else {
        bump(counters_.dropped);
      }
      return {};
    case filter_outcome::opted_out:
      bump(counters_.opted_out);
      break;
    case filter_outcome::forward:
      break;
  }

  const bool opted_out = r.what == filter_outcome::opted_out;
  const dnsfilter::wire::query_view& q = r.query;
  // Answers are checked for cloaking unless the client opted out or an
  // exception (allow-list) entry vouched for the name.
  const bool exception = r.entry != nullptr && r.entry->is_exception();
  const bool check_cloaking = !opted_out && !exception;

  const bool dnssec_ok = q.has_edns() && q.edns().dnssec_ok;
  const cache_key key = make_cache_key(q.qname(), q.qtype(), q.qclass(), dnssec_ok, q.header().cd);
  const std::size_t limit = sinkhole::answer_limit(q, via);
  const auto payload = static_cast<std::uint16_t>(cfg().max_udp_payload);

  if (state_.cache.enabled()) {
    if (const auto hit = state_.cache.lookup(key.view(), monotonic_, cache_buffer_)) {
      bump(counters_.cache_hits);
      const std::span<const std::byte> message{cache_buffer_.data(), hit->size};
      // The catalogue may have changed since the answer was cached: the
      // cloaking check runs on every hit whose answer has a CNAME.
      if (check_cloaking && hit->layout.has_cname) {
        const dnsfilter::response_result c = filter_.check_response(r, message, out, via);
        if (c.blocked) {
          bump(counters_.cloaked);
          return {c.answer};
        }
      }
      const auto answer = shape_answer(message, hit->layout, client_echo::of(q), payload, limit, out);
      if (answer.size() >= 3 && (answer[2] & std::byte{0x02}) != std::byte{0}) bump(counters_.truncated);
      return {answer};
    }
    bump(counters_.cache_misses);
  }

  auto request = std::make_unique<forward_request>();
  request->packet.assign(packet.begin(), packet.end());
  request->client = client;
  request->listener = listener;
  request->via = via;
  request->opted_out = opted_out;
  request->exception = exception;
  request->time = now_;
  request->key = key;
  request->reply = std::make_shared<reply_target>();
  if (from.tcp != nullptr) {
    request->reply->tcp = from.tcp->shared_from_this();
  } else {
    request->reply->udp = from.udp;
    request->reply->peer = *from.peer;
  }
  // The same question already upstream on this thread: wait for its answer.
  const std::string key_text(key.view());
  if (auto it = waiting_.find(key_text); it != waiting_.end() && it->second.size() < max_waiting) {
    bump(counters_.coalesced);
    it->second.push_back(std::move(request));
    return {{}, true};
  }
  if (forwarder_.inflight() >= static_cast<std::int64_t>(cfg().max_inflight)) {
    bump(counters_.overload);
    const dnsfilter::wire::extended_error ede{dnsfilter::wire::ede_code::other, "resolver overloaded"};
    auto answer = state_.responder.error_answer(q, dnsfilter::wire::rcode::servfail, out, ede, via);
    return {answer ? *answer : std::span<const std::byte>{}};
  }
  waiting_.try_emplace(key_text);
  bump(counters_.forwarded);
  forwarder_.start(std::move(request));
  return {{}, true};
}

void worker::finish_forward(forward_request& request, const forward_result& result) {
  tick();
  if (result.ok && !result.truncated && result.info->cache_ttl != 0)
    state_.cache.insert(request.key.view(), result.message, *result.info, monotonic_);
  answer_forwarded(request, result);
  // Everyone who asked the same question meanwhile gets the same answer,
  // shaped for them (id, case, EDNS, size) and checked for them (cloaking).
  if (auto node = waiting_.extract(std::string(request.key.view())); !node.empty())
    for (auto& waiter : node.mapped()) answer_forwarded(*waiter, result);
}

void worker::answer_forwarded(forward_request& request, const forward_result& result) {
  const auto q = dnsfilter::wire::query_view::parse(request.packet);
  if (!q) return;  // parsed before; cannot happen
  const sinkhole::transport via = request.via;
  std::span<std::byte> out{answer_buffer_};
  if (via == sinkhole::transport::udp) out = out.first(cfg().max_udp_payload);
  const std::size_t limit = sinkhole::answer_limit(*q, via);
  const auto payload = static_cast<std::uint16_t>(cfg().max_udp_payload);
  const client_echo echo = client_echo::of(*q);

  std::span<const std::byte> answer;
  if (!result.ok) {
    bump(counters_.servfail);
    const dnsfilter::wire::extended_error ede{dnsfilter::wire::ede_code::network_error, "no upstream answered"};
    if (auto a = state_.responder.error_answer(*q, dnsfilter::wire::rcode::servfail, out, ede, via)) answer = *a;
  } else if (result.truncated) {
    bump(counters_.truncated);
    const dnsfilter::wire::header h = dnsfilter::wire::header::decode(result.message.data());
    answer = write_truncated_answer(echo, h.rcode, payload, limit, out);
  } else {
    const response_info& info = *result.info;
    if (!request.opted_out && !request.exception && info.layout.has_cname) {
      // What process() returned for this query, rebuilt over our copy of the
      // packet (the receive buffer has long been reused): the facade needs
      // the query, the client and the time to recount it as filtered.
      dnsfilter::filter_result asked;
      asked.what = filter_outcome::forward;
      asked.query = *q;
      asked.client = request.client;
      asked.time = request.time;
      const dnsfilter::response_result c = filter_.check_response(asked, result.message, out, via);
      if (c.blocked) {
        bump(counters_.cloaked);
        send_reply(*request.reply, c.answer);
        return;
      }
    }
    answer = shape_answer(result.message, info.layout, echo, payload, limit, out);
    if (answer.size() >= 3 && (answer[2] & std::byte{0x02}) != std::byte{0}) bump(counters_.truncated);
  }
  send_reply(*request.reply, answer);
}

void worker::send_reply(reply_target& to, std::span<const std::byte> answer) {
  if (to.tcp) {
    if (answer.empty()) to.tcp->finished_without_answer();
    else to.tcp->deliver(answer);
  } else if (to.udp != nullptr && !answer.empty()) {
    to.udp->send(answer, to.peer);
  }
}

// ---------------------------------------------------------------------------
// UDP

udp_listener::udp_listener(worker& w, udp::socket socket, std::uint16_t index, bool wildcard)
    : worker_(w), socket_(std::move(socket)), index_(index), wildcard_(wildcard),
      slots_(std::make_unique<std::array<slot, batch>>()) {
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
    std::size_t sent = 0;
    while (sent < ready) {
      if (!queue_.empty()) break;  // keep order behind what is already waiting
      const int m = ::sendmmsg(fd, send_.data() + sent, static_cast<unsigned>(ready - sent), MSG_DONTWAIT);
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
      const msghdr& h = send_[sent].msg_hdr;
      queued item;
      const auto* data = static_cast<const std::byte*>(h.msg_iov->iov_base);
      item.data.assign(data, data + h.msg_iov->iov_len);
      item.to = *send_peer_[sent];
      queue_.push_back(std::move(item));
    }
    if (!queue_.empty() && !waiting_write_) flush_queue();
    if (static_cast<std::size_t>(n) < batch) break;
  }
  if (socket_.is_open()) wait_readable();
}

void udp_listener::send(std::span<const std::byte> answer, const udp_peer& to) {
  if (!socket_.is_open()) return;
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

// ---------------------------------------------------------------------------
// TCP

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

tcp_connection::tcp_connection(worker& w, tcp::socket socket, std::uint16_t listener, policy::ip_address client)
    : worker_(w),
      open_count_(w.state().tcp_connections),
      socket_(std::move(socket)),
      idle_(w.io()),
      listener_(listener),
      client_(client) {}

tcp_connection::~tcp_connection() { open_count_.fetch_sub(1, std::memory_order_relaxed); }

void tcp_connection::start() {
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  arm_idle_timer();
  read_length();
}

// The idle timer restarts whenever a message is read or an answer written.
// When it fires with no query waiting on an upstream, the connection has
// been idle — or the client has stopped reading our answers — for a whole
// period, and is closed. Queries upstream end within the upstream timeouts.
void tcp_connection::arm_idle_timer() {
  idle_.expires_after(worker_.cfg().tcp_idle_timeout);
  idle_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->closed_) return;
    if (self->in_flight_ > 0) {
      self->arm_idle_timer();
      return;
    }
    bump(self->worker_.counters().tcp_idle_closed);
    self->close();
  });
}

// Reads the next query unless the connection is at its pipelining limit,
// counting answers not yet written: a client that sends but does not read
// cannot make us queue answers without bound.
void tcp_connection::maybe_read() {
  if (reading_ || closed_ || peer_closed_) return;
  if (in_flight_ + writes_.size() >= worker_.cfg().tcp_max_pipeline) return;
  read_length();
}

void tcp_connection::read_length() {
  reading_ = true;
  asio::async_read(socket_, asio::buffer(length_), [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
    self->reading_ = false;
    if (ec) {
      // The client closed (or reset): answers still owed are dropped with the connection
      // once written, so finish them first.
      self->peer_closed_ = true;
      if (self->in_flight_ == 0 && !self->writing_) self->close();
      return;
    }
    const std::size_t size =
        std::to_integer<std::size_t>(self->length_[0]) << 8 | std::to_integer<std::size_t>(self->length_[1]);
    if (size < dnsfilter::wire::header_size || size > self->worker_.cfg().tcp_max_query_size) {
      bump(self->worker_.counters().tcp_bad_length);
      self->close();
      return;
    }
    self->read_body(size);
  });
}

void tcp_connection::read_body(std::size_t size) {
  reading_ = true;
  query_.resize(size);
  asio::async_read(socket_, asio::buffer(query_), [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
    self->reading_ = false;
    if (ec) {
      self->peer_closed_ = true;
      if (self->in_flight_ == 0 && !self->writing_) self->close();
      return;
    }
    if (self->closed_) return;
    self->arm_idle_timer();
    bump(self->worker_.counters().tcp_queries);
    self->worker_.tick();
    ++self->in_flight_;
    const worker::handled r = self->worker_.handle(self->query_, self->client_, self->listener_,
                                                   sinkhole::transport::tcp, self->worker_.answer_buffer(),
                                                   {nullptr, nullptr, self.get()});
    if (!r.pending) {
      if (r.answer.empty()) self->finished_without_answer();
      else self->deliver(r.answer);
    }
    // Pipelining: read the next query while this one is upstream, up to the cap.
    self->maybe_read();
  });
}

void tcp_connection::deliver(std::span<const std::byte> answer) {
  if (!closed_) {
    std::vector<std::byte> framed(answer.size() + 2);
    framed[0] = static_cast<std::byte>(answer.size() >> 8);
    framed[1] = static_cast<std::byte>(answer.size());
    std::memcpy(framed.data() + 2, answer.data(), answer.size());
    writes_.push_back(std::move(framed));
    if (!writing_) write_next();
  }
  query_done();
}

void tcp_connection::finished_without_answer() { query_done(); }

void tcp_connection::query_done() {
  --in_flight_;
  if (closed_) return;
  if (peer_closed_) {
    if (in_flight_ == 0 && !writing_) close();
    return;
  }
  maybe_read();
}

void tcp_connection::write_next() {
  writing_ = true;
  asio::async_write(socket_, asio::buffer(writes_.front()), [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
    self->writing_ = false;
    if (ec) {
      self->close();
      return;
    }
    self->writes_.pop_front();
    self->arm_idle_timer();
    if (!self->writes_.empty()) self->write_next();
    else if (self->peer_closed_ && self->in_flight_ == 0) self->close();
    self->maybe_read();
  });
}

void tcp_connection::close() {
  if (closed_) return;
  closed_ = true;
  // writes_ stays: a pending async_write may still refer to its front.
  idle_.cancel();
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace resolver
