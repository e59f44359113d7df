// dnsfilter-resolver — policy feeds (feed.hpp).
#include "feed.hpp"

#include "log.hpp"
#include "random.hpp"
#include "state.hpp"

#if DNSFILTER_RESOLVER_OPENSSL
#include "openssl_hmac.hpp"
#endif

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <malloc.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <limits>
#include <optional>

namespace resolver {

namespace xfr = dnsfilter::xfr;
namespace match = dnsfilter::match;
namespace wire = dnsfilter::wire;
using clock_type = std::chrono::steady_clock;

struct feed_runner::feed {
  feed(const feed_config& c, const dnsfilter::stats::zone& time_zone, dnsfilter::stats::registry& registry)
      : cfg(c), zone(xfr::feed_options{.zone = c.zone, .source = 0, .merge_threshold = 4096, .max_records = 0,
                                       .strict = false, .time_zone = time_zone},
                     &registry) {}
  const feed_config& cfg;
  xfr::zone_feed zone;
  feed_counters counters;
  clock_type::time_point next_check{};  // the epoch: at once
  clock_type::time_point last_good{};   // of the last refresh that reached a primary
  bool have_last_good = false;
  bool notified = false;
  bool expired = false;  // --feed-stale open: the rules were dropped at expire
  std::uint16_t source = 0;
  secure_random random;  // transfer query ids
};

namespace {

std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

// Waits for `fd` to be ready for `events` until `deadline`; false on time-out
// only once the deadline has passed (the wait rounds up to whole milliseconds,
// so the caller can tell a time-out from a closed connection by the clock),
// or at once when `stop` is set: a primary that stalls must not hold the
// resolver's shutdown for max-time, so the wait polls in 100 ms slices.
bool wait_fd(int fd, short events, clock_type::time_point deadline, const std::atomic<bool>& stop) {
  for (;;) {
    if (stop.load(std::memory_order_relaxed)) return false;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock_type::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 100)));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

bool read_exactly(int fd, std::byte* out, std::size_t n, clock_type::time_point deadline,
                  const std::atomic<bool>& stop) {
  while (n > 0) {
    if (!wait_fd(fd, POLLIN, deadline, stop)) return false;
    const ssize_t got = ::recv(fd, out, n, 0);
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (got <= 0) return false;
    out += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

// A non-blocking TCP connection to `to`, made before `deadline`; -1 on failure.
int connect_before(const upstream_config& to, clock_type::time_point deadline, const std::atomic<bool>& stop) {
  sockaddr_storage a{};
  socklen_t size = 0;
  if (to.address.is_v4()) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&a);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(to.port);
    const auto bytes = to.address.to_v4().to_bytes();
    std::memcpy(&v4->sin_addr, bytes.data(), 4);
    size = sizeof *v4;
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(to.port);
    const auto bytes = to.address.to_v6().to_bytes();
    std::memcpy(&v6->sin6_addr, bytes.data(), 16);
    size = sizeof *v6;
  }
  const int fd = ::socket(a.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), size) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  int error = 0;
  socklen_t len = sizeof error;
  if (!wait_fd(fd, POLLOUT, deadline, stop) || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0) {
    if (error != 0) errno = error;
    ::close(fd);
    return -1;
  }
  return fd;
}

struct fd_guard {
  int fd;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

std::string read_small_file(const std::string& path, bool& missing) {
  missing = false;
  auto data = dnsfilter::read_file(path, dnsfilter::read_limits{.max_size = std::size_t{1} << 32, .regular_only = true});
  if (!data) {
    missing = errno == ENOENT;
    return {};
  }
  return std::string(*data);
}

}  // namespace

feed_runner::feed_runner(const config& c, dnsfilter::stats::registry& registry) : c_(c), registry_(registry) {
  for (const feed_config& f : c.feeds) feeds_.push_back(std::make_unique<feed>(f, c.time_zone, registry));
}

feed_runner::~feed_runner() { stop(); }

void feed_runner::contribute(match::catalogue& cat, const dnsfilter::filter::snapshot_type* current) {
  for (auto& fp : feeds_) {
    feed& f = *fp;
    const std::uint16_t old_source = f.source;
    f.source = cat.add_source("feed:" + f.cfg.zone.to_string());
    f.zone.set_source(f.source);
    if (current != nullptr) {
      if (f.expired) continue;
      match::catalogue mine =
          current->layers().flatten([old_source](const match::entry& e) { return e.source == old_source; });
      cat.append(std::move(mine), f.source);
      continue;
    }
    if (f.cfg.seed.empty()) continue;
    bool missing = false;
    const std::string image = read_small_file(f.cfg.seed, missing);
    if (image.empty()) {
      if (!missing) RESOLVER_LOG(warning, "feed %s: seed %s cannot be read; a full transfer follows",
                                 f.cfg.zone.to_string().c_str(), f.cfg.seed.c_str());
      continue;
    }
    dnsfilter::diagnostic why;
    if (auto ok = f.zone.load_seed(image, cat, &why); !ok) {
      RESOLVER_LOG(warning, "feed %s: %s: %s; a full transfer follows", f.cfg.zone.to_string().c_str(),
                   f.cfg.seed.c_str(), why.message.c_str());
      continue;
    }
    f.counters.serial.store(f.zone.serial());
    f.counters.loaded.store(true);
    RESOLVER_LOG(info, "feed %s: serial %u from the seed %s", f.cfg.zone.to_string().c_str(), f.zone.serial(),
                 f.cfg.seed.c_str());
  }
}

bool feed_runner::ready() const noexcept {
  for (const auto& f : feeds_)
    if (!f->counters.loaded.load(std::memory_order_relaxed)) return false;
  return true;
}

std::vector<feed_runner::view> feed_runner::feeds() const {
  std::vector<view> out;
  for (const auto& f : feeds_) out.push_back({f->cfg, f->counters});
  return out;
}

bool feed_runner::notify(const dnsfilter::policy::ip_address& from, wire::name_view zone) {
  bool accepted = false;
  {
    std::lock_guard lock(mutex_);
    for (auto& f : feeds_) {
      if (!f->cfg.zone.view().equals(zone)) continue;
      for (const auto& p : f->cfg.primaries) {
        const auto primary = dnsfilter::policy::ip_address::parse(p.address.to_string());
        if (!primary || !(*primary == from)) continue;
        f->notified = true;
        f->counters.notifies.fetch_add(1, std::memory_order_relaxed);
        accepted = true;
      }
    }
  }
  if (accepted) wake_.notify_one();
  else notify_refused.fetch_add(1, std::memory_order_relaxed);
  return accepted;
}

void feed_runner::start(shared_state& state) {
  state_ = &state;
  if (feeds_.empty()) return;
  thread_ = std::thread([this] { run(); });
}

void feed_runner::stop() {
  stop_requested_.store(true);  // cuts a transfer under way short
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void feed_runner::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const auto now = clock_type::now();
    auto next = now + std::chrono::hours(1);
    for (auto& fp : feeds_) {
      feed& f = *fp;
      if (f.notified || f.next_check <= now) {
        f.notified = false;
        lock.unlock();
        refresh(f, now);
        ::malloc_trim(0);  // the transfer's own buffers
        lock.lock();
        if (stopping_) return;
        trim_at_ = clock_type::now() + std::chrono::seconds(2);
      }
      expire_if_stale(f, clock_type::now());
      next = std::min(next, f.next_check);
    }
    if (trim_at_ && *trim_at_ <= clock_type::now()) {
      ::malloc_trim(0);  // and the replaced snapshot's
      trim_at_.reset();
    }
    if (trim_at_) next = std::min(next, *trim_at_);
    bool pending = false;
    for (auto& f : feeds_) pending = pending || f->notified;
    if (!pending) wake_.wait_until(lock, next, [this] {
      if (stopping_) return true;
      for (auto& f : feeds_)
        if (f->notified) return true;
      return false;
    });
  }
}

void feed_runner::refresh(feed& f, clock_type::time_point now) {
  const std::string zone = f.cfg.zone.to_string();
  std::string why;
  bool ok = false;
  for (const auto& primary : f.cfg.primaries) {
    const bool full = !f.zone.has_zone() || f.expired;
    ok = transfer(f, primary, full, why);
    if (stop_requested_.load()) return;  // shutting down: no fallback, no next primary
    if (!ok && !full && f.zone.has_zone()) {
      // An IXFR that could not be applied: the whole zone instead.
      RESOLVER_LOG(warning, "feed %s: IXFR from %s failed (%s); trying AXFR", zone.c_str(), primary.text.c_str(),
                   why.c_str());
      ok = transfer(f, primary, true, why);
    }
    if (ok) break;
    RESOLVER_LOG(warning, "feed %s: transfer from %s failed: %s", zone.c_str(), primary.text.c_str(), why.c_str());
  }
  const auto& soa = f.zone.soa();
  const auto refresh = std::chrono::seconds(std::clamp<std::uint32_t>(soa.refresh ? soa.refresh : 3600, 1, 86400));
  const auto retry = std::chrono::seconds(std::clamp<std::uint32_t>(soa.retry ? soa.retry : 60, 1, 86400));
  if (ok) {
    f.last_good = clock_type::now();
    f.have_last_good = true;
    f.counters.last_refresh.store(unix_now());
    f.next_check = now + refresh;
  } else {
    f.next_check = now + (f.zone.has_zone() ? retry : std::chrono::seconds(std::min<long>(retry.count(), 10)));
  }
}

bool feed_runner::transfer(feed& f, const upstream_config& primary, bool full, std::string& why) {
  const auto deadline = clock_type::now() + f.cfg.max_time;
  const xfr::kind k = full ? xfr::kind::axfr : xfr::kind::ixfr;
  auto& tally = f.counters.transfers[full ? 0 : 1];
  auto failed = [&](std::string message) {
    why = std::move(message);
    tally[3].fetch_add(1, std::memory_order_relaxed);
    return false;
  };
  const std::uint32_t serial = full ? 0 : f.zone.serial();
  const std::uint16_t id = f.random.u16();
  std::array<std::byte, 2 + 512> query;
  const auto q = xfr::write_transfer_query(f.cfg.zone, k, id, serial, std::span<std::byte>(query).subspan(2));
  if (!q) return failed(std::string("cannot write the query: ") + dnsfilter::to_string(q.error()));
  std::size_t query_size = q->size();
  // TSIG: the query signed, every message of the answer verified, the
  // transfer applied only when the stream ends on a verified message.
#if DNSFILTER_RESOLVER_OPENSSL
  openssl_hmac hmac;
  xfr::tsig_mac request_mac;
  std::optional<xfr::tsig_verifier> verifier;
  if (f.cfg.key) {
    const auto signed_size = xfr::sign_request(std::span<std::byte>(query).subspan(2), query_size, *f.cfg.key, hmac,
                                               static_cast<std::uint64_t>(unix_now()), request_mac);
    if (!signed_size) return failed(std::string("cannot sign the query: ") + dnsfilter::to_string(signed_size.error()));
    query_size = *signed_size;
    verifier.emplace(*f.cfg.key, hmac, request_mac);
  }
#else
  if (f.cfg.key) return failed("this build has no OpenSSL: TSIG (key=) is not available");
#endif
  dnsfilter::detail::store_u16(query.data(), static_cast<std::uint16_t>(query_size));

  fd_guard sock{connect_before(primary, deadline, stop_requested_)};
  if (sock.fd < 0) return failed(std::string("cannot connect: ") + std::strerror(errno));
  if (!wait_fd(sock.fd, POLLOUT, deadline, stop_requested_) ||
      ::send(sock.fd, query.data(), 2 + query_size, MSG_NOSIGNAL) != static_cast<ssize_t>(2 + query_size))
    return failed(std::string("cannot send the query: ") + std::strerror(errno));

  xfr::transfer_reader reader{f.cfg.zone, id, k, serial};
  f.zone.start(state_->catalogue.load());
  std::vector<std::byte> message(65535);
  std::size_t bytes = 0;
  for (bool done = false; !done;) {
    std::array<std::byte, 2> length;
    if (!read_exactly(sock.fd, length.data(), 2, deadline, stop_requested_)) {
      if (stop_requested_.load()) return failed("the resolver is stopping");
      if (clock_type::now() >= deadline) return failed("over max-time");
      break;  // closed: finish() tells whether too early
    }
    const std::size_t size = dnsfilter::detail::load_u16(length.data());
    bytes += 2 + size;
    if (bytes > f.cfg.max_size) return failed("over max-size (" + std::to_string(f.cfg.max_size) + " octets)");
    if (!read_exactly(sock.fd, message.data(), size, deadline, stop_requested_))
      return failed(clock_type::now() >= deadline ? "over max-time" : "the stream ended inside a message");
    const auto parsed = wire::message_view::parse(std::span<const std::byte>(message.data(), size));
#if DNSFILTER_RESOLVER_OPENSSL
    if (parsed && verifier) {
      if (const auto v = verifier->verify(*parsed, static_cast<std::uint64_t>(unix_now())); !v)
        return failed("message " + std::to_string(reader.messages()) + ": TSIG: " + dnsfilter::to_string(v.error()));
    }
#endif
    const auto fed = parsed ? reader.feed(*parsed, f.zone) : dnsfilter::result<bool>{parsed.error()};
    if (!fed)
      return failed("message " + std::to_string(reader.position().message) + ", record " +
                    std::to_string(reader.position().record) + ": " + dnsfilter::to_string(fed.error()));
    done = *fed;
  }
  f.counters.bytes.fetch_add(bytes, std::memory_order_relaxed);
  const auto finished = reader.finish();
#if DNSFILTER_RESOLVER_OPENSSL
  if (verifier) {
    if (const auto v = verifier->finish(); !v) return failed(std::string("TSIG: ") + dnsfilter::to_string(v.error()));
  }
#endif

  std::shared_ptr<const dnsfilter::filter::snapshot_type> next;
  {
    std::lock_guard writer(state_->catalogue_writer);
    f.zone.rebase(state_->catalogue.load());  // a reload may have come in between
    dnsfilter::diagnostic d;
    auto made = f.zone.commit(finished, &d);
    if (!made) return failed(d.message);
    next = *made;
    if (*finished != xfr::transfer_result::up_to_date) {
      state_->catalogue.store(next);
      state_->generation.fetch_add(1);
    }
  }
  const int result = *finished == xfr::transfer_result::full          ? 0
                     : *finished == xfr::transfer_result::incremental ? 1
                                                                      : 2;
  tally[result].fetch_add(1, std::memory_order_relaxed);
  f.counters.serial.store(f.zone.serial());
  f.counters.loaded.store(true);
  f.expired = false;
  if (*finished == xfr::transfer_result::up_to_date) return true;
  ::malloc_trim(0);  // the transfer's messages and staging, before the seed is written
  f.counters.records.fetch_add(f.zone.applied(), std::memory_order_relaxed);
  RESOLVER_LOG(info, "feed %s: %s transfer from %s, serial %u, %zu records applied (%zu skipped), %zu octets",
               f.cfg.zone.to_string().c_str(), result == 0 ? "full" : "incremental", primary.text.c_str(),
               f.zone.serial(), f.zone.applied(), f.zone.skipped(), bytes);
  // A delta grown past the threshold becomes a new base, off the serving threads.
  {
    std::lock_guard writer(state_->catalogue_writer);
    if (auto flat = f.zone.flatten(*state_->catalogue.load())) {
      state_->catalogue.store(std::move(flat));
      state_->generation.fetch_add(1);
    }
  }
  write_seed(f);
  return true;
}

void feed_runner::write_seed(feed& f) {
  if (f.cfg.seed.empty()) return;
  const std::string tmp = f.cfg.seed + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  // Written as it is made, piece by piece: no copy of the image in memory
  // beside the policy (a re-transfer's peak would be the image's size higher).
  bool ok = fd >= 0 && f.zone.seed(*state_->catalogue.load(), [fd](std::string_view part) {
    for (std::size_t done = 0; done < part.size();) {
      const ssize_t n = ::write(fd, part.data() + done, part.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  });
  ok = ok && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  ok = ok && ::rename(tmp.c_str(), f.cfg.seed.c_str()) == 0;
  if (!ok) {
    RESOLVER_LOG(warning, "feed %s: cannot write the seed %s: %s", f.cfg.zone.to_string().c_str(), f.cfg.seed.c_str(),
                 std::strerror(errno));
    ::unlink(tmp.c_str());
  }
}

void feed_runner::expire_if_stale(feed& f, clock_type::time_point now) {
  if (c_.feed_stale != feed_staleness::open || f.expired || !f.zone.has_zone()) return;
  const auto expire = std::chrono::seconds(f.zone.soa().expire ? f.zone.soa().expire : 604800);
  // Without a good refresh since start (a seed served), the clock starts at start.
  if (!f.have_last_good) {
    f.last_good = now;
    f.have_last_good = true;
  }
  if (now - f.last_good < expire) return;
  std::lock_guard writer(state_->catalogue_writer);
  const auto current = state_->catalogue.load();
  const std::uint16_t source = f.source;
  auto rest = current->layers().flatten([source](const match::entry& e) { return e.source != source; });
  state_->catalogue.store(dnsfilter::make_snapshot(std::move(rest), &registry_));
  state_->generation.fetch_add(1);
  f.expired = true;
  f.zone.forget();
  RESOLVER_LOG(warning, "feed %s: no refresh for the SOA expire (%u s): its rules are dropped (--feed-stale open)",
               f.cfg.zone.to_string().c_str(), f.zone.soa().expire);
}

}  // namespace resolver
