// dnsfilter-resolver — upstream health and the per-query upstream exchange.
#include "upstream.hpp"

#include "log.hpp"

#include <dnsfilter/detail/bytes.hpp>

#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

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
      : f_(f), request_(std::move(request)), udp_(f.io_), tcp_(f.io_), timer_(f.io_) {}

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
  void send(const fwd::dispatch& d) {
    close_sockets();
    ++generation_;
    attempt_ = d.which;
    upstream_ = d.upstream;
    bump(counters().queries);
    const auto query = f_.table_.write_query(attempt_, query_);
    const udp::endpoint target = udp_endpoint();
    boost::system::error_code ec;
    udp_ = udp::socket(f_.io_);
    udp_.open(target.protocol(), ec);
    // With no port of the table's, connect() binds the socket as bind(port 0)
    // would: the kernel's random ephemeral port, one system call fewer.
    if (!ec && d.source_port != 0) bind_source_port(d.source_port, ec);
    if (!ec) udp_.connect(target, ec);  // the kernel now filters other sources
    // MSG_DONTWAIT: the send never blocks the serving thread. (Asio still
    // puts the socket in non-blocking mode, one ioctl, when the wait starts.)
    if (!ec && !query.empty() && ::send(udp_.native_handle(), query.data(), query.size(), MSG_DONTWAIT) < 0)
      ec.assign(errno, boost::system::system_category());
    if (ec || query.empty()) {
      bump(counters().errors);
      failed(ec ? ec.message().c_str() : "query not written");
      return;
    }
    sent_at_ = std::chrono::steady_clock::now();
    if (f_.sent_) f_.sent_(*request_, query, upstream_, false);
    arm_timer(f_.config_.upstream_timeout, [](exchange& self) {
      bump(self.counters().timeouts);
      self.failed("timeout");
    });
    wait_readable();
  }

  // The attempt failed: the table says whether another one goes.
  void failed(const char* why) { next(f_.table_.expire(attempt_, monotonic_ms()), why); }

  void next(const fwd::next_step& step, const char* why) {
    log_health(f_.config_, upstream_, step.health, why);
    if (step.what == fwd::next_step::kind::retry) send(step.next);
    else finish_failed();
  }

  // The table's port, or the kernel's choice (port 0) when it gives none or
  // every port it draws is taken.
  void bind_source_port(std::uint16_t port, boost::system::error_code& ec) {
    const auto protocol = udp_endpoint().protocol();
    for (int tries = 0; port != 0 && tries < 16; ++tries, port = f_.table_.draw_port()) {
      udp_.bind(udp::endpoint(protocol, port), ec);
      if (ec != asio::error::address_in_use) return;
    }
    udp_.bind(udp::endpoint(protocol, 0), ec);
  }

  template <class OnTimeout>
  void arm_timer(std::chrono::milliseconds after, OnTimeout on_timeout) {
    timer_.expires_after(after);
    timer_.async_wait([self = shared_from_this(), g = generation_, on_timeout](const boost::system::error_code& ec) {
      if (ec || g != self->generation_ || self->done_) return;
      on_timeout(*self);
    });
  }

  void wait_readable() {
    udp_.async_wait(udp::socket::wait_read, [self = shared_from_this(), g = generation_](const boost::system::error_code& ec) {
      if (ec || g != self->generation_ || self->done_) return;
      self->on_readable();
    });
  }

  void on_readable() {
    for (;;) {
      udp::endpoint from;
      socklen_t from_size = static_cast<socklen_t>(from.capacity());
      const ssize_t n = ::recvfrom(udp_.native_handle(), f_.scratch_.data(), f_.scratch_.size(), MSG_DONTWAIT,
                                   from.data(), &from_size);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          wait_readable();
          return;
        }
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
    if (udp_.is_open()) udp_.close(ignored);
    if (tcp_.is_open()) tcp_.close(ignored);
  }

  forwarder& f_;
  std::unique_ptr<forward_request> request_;
  udp::socket udp_;
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
      done_(std::move(done)) {
  cache_policy_.max_ttl = c.cache_max_ttl;
  cache_policy_.min_ttl = c.cache_min_ttl;
  cache_policy_.negative_ttl = c.cache_negative_ttl;
}

void forwarder::start(std::unique_ptr<forward_request> request) {
  counters_.inflight.store(counters_.inflight.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  std::make_shared<exchange>(*this, std::move(request))->start();
}

}  // namespace resolver
