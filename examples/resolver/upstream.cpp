// dnsfilter-resolver — upstream health and the per-query upstream exchange.
#include "upstream.hpp"

#include "log.hpp"

#include <dnsfilter/detail/bytes.hpp>

#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

namespace resolver {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

namespace fwd = dnsfilter::forward;

// ---------------------------------------------------------------------------
// The library's upstream set, from the configuration.

fwd::endpoint to_endpoint(const asio::ip::address& address, std::uint16_t port) noexcept {
  if (address.is_v4()) return {dnsfilter::policy::ip_address::v4(address.to_v4().to_uint()), port};
  return {dnsfilter::policy::ip_address::v6(address.to_v6().to_bytes()), port};
}

fwd::upstream_set make_upstream_set(const config& c) {
  std::vector<fwd::endpoint> endpoints;
  for (const auto& u : c.upstreams) endpoints.push_back(to_endpoint(u.address, u.port));
  fwd::health_settings h;
  h.order = c.selection == upstream_selection::round_robin ? fwd::selection::round_robin : fwd::selection::ordered;
  h.down_after = c.upstream_down_after;
  h.retry_after_ms = std::chrono::duration_cast<std::chrono::milliseconds>(c.upstream_retry_after).count();
  auto set = fwd::upstream_set::make(endpoints, h);
  if (!set) throw std::invalid_argument("from 1 to 64 upstreams, not " + std::to_string(endpoints.size()));
  return std::move(*set);
}

namespace {

// What the table says about an upstream's health, in the log.
void log_health(const config& c, std::size_t upstream, const fwd::health_change& h, const char* why) {
  const std::string& name = c.upstreams[upstream].text;
  switch (h.what) {
    case fwd::health_change::kind::none: break;
    case fwd::health_change::kind::down:
      RESOLVER_LOG(warning, "upstream %s is down after %u consecutive failures (last: %s); probing in %lld ms",
                   name.c_str(), h.failures, why, static_cast<long long>(h.retry_in_ms));
      break;
    case fwd::health_change::kind::still_down:
      RESOLVER_LOG(info, "upstream %s still down (%s); next probe in %lld ms", name.c_str(), why,
                   static_cast<long long>(h.retry_in_ms));
      break;
    case fwd::health_change::kind::up: RESOLVER_LOG(warning, "upstream %s is up again", name.c_str()); break;
  }
}

void log_alarm(const fwd::mismatch_alarm& alarm, std::int64_t now_ms) {
  std::string totals;
  for (std::size_t m = 1; m < fwd::reject_kinds; ++m) {
    const auto why = static_cast<fwd::reject>(m);
    if (const std::uint64_t n = alarm.total(why); n != 0 && why != fwd::reject::late)
      totals += std::string(totals.empty() ? "" : ", ") + to_string(why) + " " + std::to_string(n);
  }
  RESOLVER_LOG(warning,
               "%llu upstream responses failed the spoofing checks within %lld ms (since start: %s): a "
               "cache-poisoning attempt, or a misbehaving upstream",
               static_cast<unsigned long long>(alarm.in_window(now_ms)),
               static_cast<long long>(alarm.settings().window_ms), totals.c_str());
}

}  // namespace

// ---------------------------------------------------------------------------
// exchange: one client query's conversation with the upstreams.

class forwarder::exchange : public std::enable_shared_from_this<exchange> {
 public:
  exchange(forwarder& f, std::unique_ptr<forward_request> request)
      : f_(f), request_(std::move(request)), tcp_(f.io_), timer_(f.io_) {}
  // Never touches the forwarder: pending handlers may outlive it (they are
  // destroyed with the io_context). A watched socket holds a reference, so
  // by now the socket is unwatched, or was never watched.
  ~exchange() {
    if (udp_ >= 0) ::close(udp_);
  }

  void start() {
    auto first = f_.table_.begin(request_->ticket.query, monotonic_ms());
    if (!first) {
      RESOLVER_LOG(error, "upstream query not sent: %s", dnsfilter::to_string(first.error()));
      finish_failed();
      return;
    }
    send(*first);
  }

 private:
  upstream_counters& counters() { return f_.counters_.upstreams[upstream_]; }

  udp::endpoint udp_endpoint() const {
    const auto& u = f_.config_.upstreams[upstream_];
    return {u.address, u.port};
  }

  // One UDP attempt, as the table dispatched it: its own socket, id and case.
  // The socket is opened non-blocking, connect()ed (the kernel then drops
  // datagrams from anyone else) and watched by the forwarder's own epoll set
  // (forwarder::watch): no Asio registration, re-arm or ioctl per query.
  void send(const fwd::dispatch& d) {
    close_sockets();
    ++generation_;
    attempt_ = d.which;
    upstream_ = d.upstream;
    bump(counters().queries);
    const auto query = f_.table_.write_query(attempt_, query_);
    const udp::endpoint target = udp_endpoint();
    int error = 0;
    udp_ = ::socket(target.protocol().family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (udp_ < 0) error = errno;
    // With no port of the table's, connect() binds the socket as bind(port 0)
    // would: the kernel's random ephemeral port, one system call fewer.
    if (error == 0 && d.source_port != 0) error = bind_source_port(d.source_port);
    if (error == 0 && ::connect(udp_, target.data(), static_cast<socklen_t>(target.size())) != 0) error = errno;
    if (error == 0 && !query.empty() && ::send(udp_, query.data(), query.size(), 0) < 0) error = errno;
    if (error == 0 && !query.empty()) error = f_.watch(udp_, shared_from_this(), watch_);
    if (error != 0 || query.empty()) {
      bump(counters().errors);
      failed(error != 0 ? std::strerror(error) : "query not written");
      return;
    }
    sent_at_ = std::chrono::steady_clock::now();
    if (f_.sent_) f_.sent_(*request_, query, upstream_, false);
    arm_timer(f_.config_.upstream_timeout, [](exchange& self) {
      bump(self.counters().timeouts);
      self.failed("timeout");
    });
  }

  // The attempt failed: the table says whether another one goes.
  void failed(const char* why) { next(f_.table_.expire(attempt_, monotonic_ms()), why); }

  void next(const fwd::next_step& step, const char* why) {
    log_health(f_.config_, upstream_, step.health, why);
    if (step.what == fwd::next_step::kind::retry) send(step.next);
    else finish_failed();
  }

  // The table's port, or the kernel's choice (port 0) when it gives none or
  // every port it draws is taken. An errno value, or 0.
  int bind_source_port(std::uint16_t port) {
    const auto protocol = udp_endpoint().protocol();
    for (int tries = 0; port != 0 && tries < 16; ++tries, port = f_.table_.draw_port()) {
      const udp::endpoint local(protocol, port);
      if (::bind(udp_, local.data(), static_cast<socklen_t>(local.size())) == 0) return 0;
      if (errno != EADDRINUSE) return errno;
    }
    const udp::endpoint any(protocol, 0);
    return ::bind(udp_, any.data(), static_cast<socklen_t>(any.size())) == 0 ? 0 : errno;
  }

  template <class OnTimeout>
  void arm_timer(std::chrono::milliseconds after, OnTimeout on_timeout) {
    timer_.expires_after(after);
    timer_.async_wait([self = shared_from_this(), g = generation_, on_timeout](const boost::system::error_code& ec) {
      if (ec || g != self->generation_ || self->done_) return;
      on_timeout(*self);
    });
  }

 public:
  // The forwarder's epoll set says our socket is readable (or in error).
  void on_readable() {
    if (done_ || udp_ < 0) return;
    for (;;) {
      udp::endpoint from;
      socklen_t from_size = static_cast<socklen_t>(from.capacity());
      const ssize_t n = ::recvfrom(udp_, f_.scratch_.data(), f_.scratch_.size(), 0, from.data(), &from_size);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;  // level-triggered: told again when more comes
        if (errno == EINTR) continue;
        // ECONNREFUSED: an ICMP port unreachable for our connected socket.
        bump(counters().errors);
        failed(std::strerror(errno));
        return;
      }
      from.resize(from_size);
      const std::span<std::byte> response{f_.scratch_.data(), static_cast<std::size_t>(n)};
      const std::int64_t now = monotonic_ms();
      const fwd::accept_result r = f_.table_.accept(attempt_, response, to_endpoint(from.address(), from.port()), now);
      switch (r.what) {
        case fwd::accept_result::kind::rejected:
          if (r.alarm == fwd::alarm_event::raised) log_alarm(f_.mismatches_, now);
          continue;  // keep listening: the genuine answer may still come
        case fwd::accept_result::kind::refused:
          // The upstream does not serve us (its ACL): another one may.
          bump(counters().refused);
          next(r.next, "REFUSED");
          return;
        case fwd::accept_result::kind::accepted:
          received(response, r);
          return;
      }
    }
  }

 private:
  void received(std::span<const std::byte> response, const fwd::accept_result& r) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - sent_at_).count();
    counters().observe(seconds);
    bump(counters().answers);
    log_health(f_.config_, upstream_, r.health, "answer");
    if (r.truncated) {
      truncated_.assign(response.begin(), response.end());
      start_tcp();
      return;
    }
    finish_ok(response, *r.message);
  }

  // TC=1: the same question over TCP to the same upstream, with a new id and
  // case. The connection's handshake already proves the peer; the table
  // checks id and question anyway.
  void start_tcp() {
    close_sockets();
    ++generation_;
    bump(counters().tcp_queries);
    const auto d = f_.table_.begin_tcp(request_->ticket.query, upstream_, monotonic_ms());
    if (!d) return tcp_failed();
    attempt_ = d->which;
    const auto query = f_.table_.write_query(attempt_, query_);
    query_size_ = query.size();
    if (f_.sent_) f_.sent_(*request_, query, upstream_, true);
    dnsfilter::detail::store_u16(tcp_len_.data(), static_cast<std::uint16_t>(query_size_));
    const udp::endpoint u = udp_endpoint();
    arm_timer(f_.config_.upstream_tcp_timeout, [](exchange& self) { self.tcp_failed(); });
    tcp_ = tcp::socket(f_.io_);
    tcp_.async_connect(tcp::endpoint(u.address(), u.port()),
                       [self = shared_from_this(), g = generation_](const boost::system::error_code& ec) {
                         if (g != self->generation_ || self->done_) return;
                         if (ec) return self->tcp_failed();
                         self->tcp_send();
                       });
  }

  void tcp_send() {
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(tcp_len_), asio::buffer(query_.data(), query_size_)};
    asio::async_write(tcp_, buffers, [self = shared_from_this(), g = generation_](const boost::system::error_code& ec, std::size_t) {
      if (g != self->generation_ || self->done_) return;
      if (ec) return self->tcp_failed();
      asio::async_read(self->tcp_, asio::buffer(self->tcp_len_),
                       [self, g](const boost::system::error_code& ec2, std::size_t) {
                         if (g != self->generation_ || self->done_) return;
                         if (ec2) return self->tcp_failed();
                         const std::size_t size = dnsfilter::detail::load_u16(self->tcp_len_.data());
                         if (size < dnsfilter::wire::header_size) return self->tcp_failed();
                         self->tcp_response_.resize(size);
                         asio::async_read(self->tcp_, asio::buffer(self->tcp_response_),
                                          [self, g](const boost::system::error_code& ec3, std::size_t) {
                                            if (g != self->generation_ || self->done_) return;
                                            if (ec3) return self->tcp_failed();
                                            self->tcp_received();
                                          });
                       });
    });
  }

  void tcp_received() {
    const udp::endpoint u = udp_endpoint();
    const fwd::accept_result r =
        f_.table_.accept(attempt_, tcp_response_, to_endpoint(u.address(), u.port()), monotonic_ms());
    // A TCP answer that still has TC set, fails the checks or is REFUSED: no use.
    if (r.what != fwd::accept_result::kind::accepted || r.truncated) return tcp_failed();
    finish_ok(tcp_response_, *r.message);
  }

  void tcp_failed() {
    bump(counters().tcp_failures);
    f_.table_.cancel(attempt_);
    // We still have the truncated UDP answer: pass it on with TC so the
    // client retries over TCP itself (to us: we try again).
    done_ = true;
    close_sockets();
    forward_result r;
    r.ok = true;
    r.truncated = true;
    r.message = truncated_;
    r.upstream = upstream_;
    complete(r);
  }

  void finish_ok(std::span<const std::byte> response, const dnsfilter::wire::message_view& parsed) {
    done_ = true;
    close_sockets();
    info_ = analyze_response(parsed, f_.cache_policy_);
    forward_result r;
    r.ok = true;
    r.message = response;
    r.parsed = &parsed;
    r.info = &info_;
    r.upstream = upstream_;
    complete(r);
  }

  void finish_failed() {
    done_ = true;
    close_sockets();
    forward_result r;
    r.upstream = upstream_;
    complete(r);
  }

  void complete(const forward_result& r) {
    f_.counters_.inflight.store(f_.counters_.inflight.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
    f_.done_(*request_, r);
  }

  void close_sockets() {
    boost::system::error_code ignored;
    timer_.cancel();
    close_udp();
    if (tcp_.is_open()) tcp_.close(ignored);
  }

  // Closing the socket also takes it out of the epoll set.
  void close_udp() noexcept {
    if (udp_ < 0) return;
    if (watch_ != not_watched) f_.unwatch(watch_);
    watch_ = not_watched;
    ::close(udp_);
    udp_ = -1;
  }

  forwarder& f_;
  std::unique_ptr<forward_request> request_;
  int udp_ = -1;                  // this attempt's socket
  static constexpr std::uint32_t not_watched = ~std::uint32_t{0};
  std::uint32_t watch_ = not_watched;  // its place in the forwarder's epoll set
  tcp::socket tcp_;
  asio::steady_timer timer_;
  std::array<std::byte, 512> query_{};  // header + name (<= 255) + question + OPT fits
  std::size_t query_size_ = 0;
  std::array<std::byte, 2> tcp_len_{};
  std::vector<std::byte> tcp_response_;
  std::vector<std::byte> truncated_;
  response_info info_;
  std::chrono::steady_clock::time_point sent_at_;
  fwd::attempt attempt_;
  std::size_t upstream_ = 0;
  // Bumped whenever an attempt ends: handlers of an older attempt see a
  // different value and do nothing.
  std::uint32_t generation_ = 0;
  bool done_ = false;
};

// ---------------------------------------------------------------------------
// forwarder

namespace {

fwd::table_settings table_settings_of(const config& c) {
  fwd::table_settings s;
  s.capacity = c.max_inflight;
  s.attempts = c.upstream_attempts;
  s.timeout_ms = c.upstream_timeout.count();
  s.tcp_timeout_ms = c.upstream_tcp_timeout.count();
  s.randomize_case = c.randomize_case;
  s.port_low = c.port_low;
  s.port_high = c.port_high;
  s.edns = fwd::upstream_edns::always;  // our payload size: answers are cached and shaped per client
  s.payload = c.upstream_payload;
  return s;
}

}  // namespace

forwarder::forwarder(asio::io_context& io, const config& c, fwd::upstream_set& upstreams, fwd::mismatch_alarm& mismatches,
                     thread_counters& counters, fwd::random_ref random, std::span<std::byte> scratch,
                     done_function done)
    : io_(io),
      config_(c),
      counters_(counters),
      table_(table_settings_of(c), upstreams, mismatches, random),
      mismatches_(mismatches),
      scratch_(scratch),
      done_(std::move(done)),
      epoll_(io) {
  cache_policy_.max_ttl = c.cache_max_ttl;
  cache_policy_.min_ttl = c.cache_min_ttl;
  cache_policy_.negative_ttl = c.cache_negative_ttl;
  const int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::system_category(), "epoll_create1 for the upstream sockets");
  epoll_.assign(fd);
}

forwarder::~forwarder() {
  // The exchanges still watched go now; their destructors only close their sockets.
  std::vector<watched> last = std::move(watches_);
  watches_.clear();
  free_watches_.clear();
}

// The upstream sockets' readiness, through one epoll set of ours that the
// event loop watches as a single descriptor: an attempt's socket costs one
// epoll_ctl(ADD) and its close(), and many answers are collected per wake-up.
// Each registration's token (slot and generation) finds its exchange, so an
// event for a socket already closed in the same batch finds nothing.
int forwarder::watch(int fd, std::shared_ptr<exchange> e, std::uint32_t& token) {
  std::uint32_t slot;
  if (!free_watches_.empty()) {
    slot = free_watches_.back();
    free_watches_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(watches_.size());
    watches_.emplace_back();
    free_watches_.reserve(watches_.size());  // so that unwatch() never allocates
  }
  watched& w = watches_[slot];
  w.owner = std::move(e);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = static_cast<std::uint64_t>(w.generation) << 32 | slot;
  if (::epoll_ctl(epoll_.native_handle(), EPOLL_CTL_ADD, fd, &ev) != 0) {
    const int error = errno;
    w.owner.reset();
    free_watches_.push_back(slot);
    return error;
  }
  token = slot;
  if (!waiting_) wait_events();
  return 0;
}

// The caller (a handler or start()) holds its own reference to the exchange.
void forwarder::unwatch(std::uint32_t token) noexcept {
  if (token >= watches_.size() || !watches_[token].owner) return;
  watched& w = watches_[token];
  ++w.generation;
  w.owner.reset();
  free_watches_.push_back(token);  // within the capacity watch() reserved
}

void forwarder::wait_events() {
  waiting_ = true;
  epoll_.async_wait(asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
    waiting_ = false;
    if (ec) return;
    on_events();
  });
}

void forwarder::on_events() {
  std::array<epoll_event, 64> events;
  int n;
  do {
    n = ::epoll_wait(epoll_.native_handle(), events.data(), static_cast<int>(events.size()), 0);
    for (int i = 0; i < n; ++i) {
      const std::uint32_t slot = static_cast<std::uint32_t>(events[i].data.u64);
      const std::uint32_t generation = static_cast<std::uint32_t>(events[i].data.u64 >> 32);
      if (slot >= watches_.size() || watches_[slot].generation != generation || !watches_[slot].owner) continue;
      const std::shared_ptr<exchange> e = watches_[slot].owner;  // alive through its handler
      e->on_readable();
    }
  } while (n == static_cast<int>(events.size()));
  if (!waiting_ && free_watches_.size() < watches_.size()) wait_events();  // sockets still watched
}

void forwarder::start(std::unique_ptr<forward_request> request) {
  counters_.inflight.store(counters_.inflight.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  std::make_shared<exchange>(*this, std::move(request))->start();
}

}  // namespace resolver
