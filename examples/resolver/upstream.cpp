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

namespace resolver {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

// ---------------------------------------------------------------------------
// upstream_set

upstream_set::upstream_set(const config& c)
    : selection_(c.selection),
      down_after_(c.upstream_down_after),
      retry_after_ms_(std::chrono::duration_cast<std::chrono::milliseconds>(c.upstream_retry_after).count()) {
  for (const auto& u : c.upstreams) {
    auto s = std::make_unique<state>();
    s->config = u;
    states_.push_back(std::move(s));
  }
}

std::size_t upstream_set::pick(std::uint64_t tried, std::int64_t now_ms) {
  const std::size_t n = states_.size();
  const std::size_t start =
      selection_ == upstream_selection::round_robin ? next_.fetch_add(1, std::memory_order_relaxed) % n : 0;
  auto untried = [&](std::size_t i) { return i >= 64 || (tried & (std::uint64_t{1} << i)) == 0; };
  // 1. A healthy upstream not yet tried by this query.
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = (start + k) % n;
    if (untried(i) && is_up(i)) return i;
  }
  // 2. A down upstream whose probe is due: this query probes it (one at a time).
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = (start + k) % n;
    state& s = *states_[i];
    if (!untried(i) || s.down_until_ms.load(std::memory_order_relaxed) > now_ms) continue;
    bool expected = false;
    if (s.probing.compare_exchange_strong(expected, true)) return i;
  }
  // 3. Everything is down (or tried): the untried one due soonest, so a query
  //    still gets its attempts instead of failing without sending anything.
  std::size_t best = n;
  for (std::size_t i = 0; i < n; ++i) {
    if (!untried(i)) continue;
    if (best == n ||
        states_[i]->down_until_ms.load(std::memory_order_relaxed) < states_[best]->down_until_ms.load(std::memory_order_relaxed))
      best = i;
  }
  if (best != n) return best;
  // 4. All tried: go round again in order.
  return start;
}

void upstream_set::report_success(std::size_t i) {
  state& s = *states_[i];
  if (s.failures.load(std::memory_order_relaxed) == 0 && s.down_until_ms.load(std::memory_order_relaxed) == 0) return;
  std::lock_guard lock(s.mutex);
  s.failures.store(0, std::memory_order_relaxed);
  s.probing.store(false, std::memory_order_relaxed);
  if (s.down_until_ms.exchange(0, std::memory_order_relaxed) != 0) {
    s.backoff_ms = 0;
    RESOLVER_LOG(warning, "upstream %s is up again", s.config.text.c_str());
  }
}

void upstream_set::report_failure(std::size_t i, std::int64_t now_ms, const char* why) {
  state& s = *states_[i];
  std::lock_guard lock(s.mutex);
  const unsigned failures = s.failures.load(std::memory_order_relaxed) + 1;
  s.failures.store(failures, std::memory_order_relaxed);
  if (s.down_until_ms.load(std::memory_order_relaxed) != 0) {
    // A failed probe (or a failure of a query sent before it went down).
    if (s.probing.exchange(false, std::memory_order_relaxed)) {
      s.backoff_ms = std::min<std::int64_t>(s.backoff_ms * 2, 60000);
      s.down_until_ms.store(now_ms + s.backoff_ms, std::memory_order_relaxed);
      RESOLVER_LOG(info, "upstream %s still down (%s); next probe in %lld ms", s.config.text.c_str(), why,
                   static_cast<long long>(s.backoff_ms));
    }
    return;
  }
  if (failures >= down_after_) {
    s.backoff_ms = retry_after_ms_;
    s.down_until_ms.store(now_ms + s.backoff_ms, std::memory_order_relaxed);
    RESOLVER_LOG(warning, "upstream %s is down after %u consecutive failures (last: %s); probing in %lld ms",
                 s.config.text.c_str(), failures, why, static_cast<long long>(s.backoff_ms));
  }
}

// ---------------------------------------------------------------------------
// exchange: one client query's conversation with the upstreams.

class forwarder::exchange : public std::enable_shared_from_this<exchange> {
 public:
  exchange(forwarder& f, std::unique_ptr<forward_request> request)
      : f_(f), request_(std::move(request)), udp_(f.io_), tcp_(f.io_), timer_(f.io_) {}

  void start() { next_attempt(); }

 private:
  upstream_counters& counters() { return f_.counters_.upstreams[upstream_]; }

  udp::endpoint udp_endpoint() const {
    const auto& u = f_.upstreams_.at(upstream_);
    return {u.address, u.port};
  }

  void next_attempt() {
    close_sockets();
    if (attempt_ == f_.config_.upstream_attempts) {
      finish_failed();
      return;
    }
    ++attempt_;
    ++generation_;
    const std::int64_t now = monotonic_ms();
    upstream_ = f_.upstreams_.pick(tried_, now);
    if (upstream_ < 64) tried_ |= std::uint64_t{1} << upstream_;
    bump(counters().queries);

    write_query();
    const udp::endpoint target = udp_endpoint();
    boost::system::error_code ec;
    udp_ = udp::socket(f_.io_);
    udp_.open(target.protocol(), ec);
    if (!ec) bind_random_port(ec);
    if (!ec) udp_.connect(target, ec);  // the kernel now filters other sources
    if (!ec) udp_.non_blocking(true, ec);
    if (!ec) udp_.send(asio::buffer(query_.data(), query_size_), 0, ec);
    if (ec) {
      bump(counters().errors);
      f_.upstreams_.report_failure(upstream_, now, ec.message().c_str());
      next_attempt();
      return;
    }
    sent_at_ = std::chrono::steady_clock::now();
    arm_timer(f_.config_.upstream_timeout, [](exchange& self) {
      bump(self.counters().timeouts);
      self.f_.upstreams_.report_failure(self.upstream_, monotonic_ms(), "timeout");
      self.next_attempt();
    });
    wait_readable();
  }

  // A fresh id (and case, with 0x20) for every attempt, UDP or TCP.
  void write_query() {
    upstream_query_options o;
    o.payload = f_.config_.upstream_payload;
    o.randomize_case = f_.config_.randomize_case;
    const dnsfilter::sinkhole::query_echo& asked = request_->ticket.query;
    const auto q = write_upstream_query(f_.random_.u16(), asked.qname(), asked.qtype, asked.qclass, asked.cd,
                                        asked.dnssec_ok, o, f_.random_, query_);
    query_size_ = q.size();
  }

  void bind_random_port(boost::system::error_code& ec) {
    const auto protocol = udp_endpoint().protocol();
    const std::uint16_t lo = f_.config_.port_low, hi = f_.config_.port_high;
    if (lo != 0) {
      for (int tries = 0; tries < 16; ++tries) {
        const auto port = static_cast<std::uint16_t>(lo + f_.random_.below(static_cast<std::uint32_t>(hi - lo) + 1));
        udp_.bind(udp::endpoint(protocol, port), ec);
        if (!ec) return;
        if (ec != asio::error::address_in_use) return;
      }
    }
    // Port 0: the kernel picks a random free port of its ephemeral range.
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
    const udp::endpoint expected = udp_endpoint();
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
        f_.upstreams_.report_failure(upstream_, monotonic_ms(), std::strerror(errno));
        next_attempt();
        return;
      }
      from.resize(from_size);
      const std::span<const std::byte> response{f_.scratch_.data(), static_cast<std::size_t>(n)};
      mismatch why = mismatch::none;
      std::optional<dnsfilter::wire::message_view> parsed;
      if (from != expected) why = mismatch::source;  // connect() makes this the kernel's job; checked anyway
      else why = check_upstream_response(response, {query_.data(), query_size_}, f_.config_.randomize_case, parsed);
      if (why != mismatch::none) {
        bump(f_.counters_.mismatched[static_cast<std::size_t>(why)]);
        continue;  // keep listening: the genuine answer may still come
      }
      received(response, parsed);
      return;
    }
  }

  void received(std::span<const std::byte> response, const std::optional<dnsfilter::wire::message_view>& parsed) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - sent_at_).count();
    counters().observe(seconds);
    bump(counters().answers);
    const dnsfilter::wire::header h = dnsfilter::wire::header::decode(response.data());
    if (h.rcode == static_cast<std::uint8_t>(dnsfilter::wire::rcode::refused)) {
      // The upstream does not serve us (its ACL): another one may.
      bump(counters().refused);
      f_.upstreams_.report_failure(upstream_, monotonic_ms(), "REFUSED");
      next_attempt();
      return;
    }
    f_.upstreams_.report_success(upstream_);
    if (h.tc) {
      truncated_.assign(response.begin(), response.end());
      start_tcp();
      return;
    }
    finish_ok(response, *parsed);
  }

  // TC=1: the same question over TCP to the same upstream. The connection's
  // handshake already proves the peer; id and question are checked anyway.
  void start_tcp() {
    close_sockets();
    ++generation_;
    bump(counters().tcp_queries);
    write_query();
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
    std::optional<dnsfilter::wire::message_view> parsed;
    const mismatch why = check_upstream_response(tcp_response_, {query_.data(), query_size_},
                                                 f_.config_.randomize_case, parsed);
    if (why != mismatch::none || !parsed) {
      // A TCP answer that still has TC set, or fails the checks: no use.
      if (why != mismatch::none) bump(f_.counters_.mismatched[static_cast<std::size_t>(why)]);
      tcp_failed();
      return;
    }
    finish_ok(tcp_response_, *parsed);
  }

  void tcp_failed() {
    bump(counters().tcp_failures);
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
  std::uint64_t tried_ = 0;
  std::size_t upstream_ = 0;
  unsigned attempt_ = 0;
  // Bumped whenever an attempt ends: handlers of an older attempt see a
  // different value and do nothing.
  std::uint32_t generation_ = 0;
  bool done_ = false;
};

// ---------------------------------------------------------------------------
// forwarder

forwarder::forwarder(asio::io_context& io, const config& c, upstream_set& upstreams, thread_counters& counters,
                     secure_random& random, std::span<std::byte> scratch, done_function done)
    : io_(io),
      config_(c),
      upstreams_(upstreams),
      counters_(counters),
      random_(random),
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
