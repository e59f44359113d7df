// dnsfilter — the upstream transaction of a forwarding resolver, without the
// sockets: seed 002's protections against answer spoofing (docs/forwarding.md).
//
//   forward::transaction_table table{settings, upstreams, alarm, random};
//   auto d = table.begin(ticket.query, now_ms);      // errc::table_full: answer SERVFAIL
//   auto q = table.write_query(d->which, buffer);    // our id, our letter case
//   // a fresh UDP socket: bind d->source_port (0: the kernel's ephemeral
//   // choice), connect to upstreams.at(d->upstream), send q
//   auto r = table.accept(d->which, datagram, from, now_ms);  // for each datagram on that socket
//   // r.what: accepted (r.message, the client's id and case restored),
//   //         rejected (ignore it, keep waiting), refused (r.next: retry or SERVFAIL)
//   table.tick(now_ms, on_expired);                  // or expire() from a timer per attempt
//
// Each attempt of a query gets a fresh 16-bit id from the kernel's CSPRNG,
// with 0x20 a random letter case for its name, and a source port of its own
// (a socket per attempt, bound to port 0 or to a port drawn from a range); an
// answer is believed only when it comes from the queried address and port,
// carries the attempt's id, is a response to a QUERY and repeats the question
// (the name byte for byte with 0x20, else ignoring case; type and class).
// Anything else is refused with a reason and counted by the mismatch alarm,
// and the transaction goes on waiting: the genuine answer may still come.
// A timeout, a network error or a REFUSED moves the query to the next usable
// upstream (upstreams.hpp decides which, and keeps their health) with a new
// id, case and port, until `attempts` are spent; then the client gets
// SERVFAIL. The upstream query is written afresh from the client's question:
// none of the client's id, cookie, ECS or padding travels upstream.
//
// The table has a fixed capacity, allocated at construction (slots are
// touched only once used); begin, write_query, accept and expire allocate
// nothing and never throw. One table per thread; the upstream set and the
// alarm may be shared.
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/forward/mismatch.hpp>
#include <dnsfilter/forward/random.hpp>
#include <dnsfilter/forward/upstreams.hpp>
#include <dnsfilter/result.hpp>
#include <dnsfilter/sinkhole/responder.hpp>
#include <dnsfilter/wire/message.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>

namespace dnsfilter::forward {

// Which EDNS the upstream query carries.
enum class upstream_edns : std::uint8_t {
  as_client,  // an OPT when the client sent one: its DO bit, our payload size but never above the client's
  always,     // always an OPT with our payload size and the client's DO bit (a caching resolver's choice)
};

struct table_settings {
  std::size_t capacity = 64;          // transactions in flight at most (beyond: errc::table_full)
  unsigned attempts = 3;              // UDP sends per query, each to the next usable upstream (1 to 64)
  std::int64_t timeout_ms = 1000;     // per UDP attempt
  std::int64_t tcp_timeout_ms = 3000; // a begin_tcp() exchange, whole
  bool randomize_case = false;        // 0x20: random letter case, echoed exactly
  // Source ports drawn uniformly from [port_low, port_high]; 0-0 (the
  // default): source_port 0, the caller binds port 0 and the kernel picks
  // from its ephemeral range (Linux: 32768-60999, itself randomised).
  std::uint16_t port_low = 0, port_high = 0;
  upstream_edns edns = upstream_edns::as_client;
  std::uint16_t payload = 1232;       // EDNS payload size advertised upstream
};

// One send of a transaction: stale once it is answered, retried or over.
struct attempt {
  std::uint32_t slot = 0;
  std::uint32_t generation = 0;
  friend bool operator==(const attempt&, const attempt&) noexcept = default;
};

// What the caller sends next.
struct dispatch {
  attempt which;
  std::size_t upstream = 0;       // upstreams.at(upstream) is where it goes
  std::uint16_t source_port = 0;  // bind this (0: bind port 0); on EADDRINUSE ask draw_port()
};

// After a failed attempt: send the next one, or answer SERVFAIL.
struct next_step {
  enum class kind : std::uint8_t {
    none,   // the attempt was stale: nothing to do
    retry,  // send `next`
    fail,   // no attempt left: the transaction is over, answer SERVFAIL
  };
  kind what = kind::none;
  dispatch next;
  health_change health;  // of the upstream that failed, for the caller's log
};

struct accept_result {
  enum class kind : std::uint8_t {
    accepted,  // our answer: the transaction is over
    rejected,  // not our answer (`why`): ignore it and keep waiting
    refused,   // the upstream REFUSED us (its access list): `next` says what now, as after a timeout
  };
  kind what = kind::rejected;
  reject why = reject::none;
  // accepted: the answer, parsed once, with the client's id, RD bit and
  // letter case restored in place. Empty when `truncated` (TC set: only its
  // header and question were checked; retry with begin_tcp(), or pass TC on).
  std::optional<wire::message_view> message;
  bool truncated = false;
  next_step next;         // refused: the next attempt, or SERVFAIL
  health_change health;   // accepted: the upstream came back up, maybe
  alarm_event alarm = alarm_event::none;  // rejected: this one raised the mismatch alarm
};

class transaction_table {
 public:
  // `upstreams`, `alarm` and the source behind `random` must outlive the table.
  DNSFILTER_DECL transaction_table(const table_settings& settings, upstream_set& upstreams, mismatch_alarm& alarm,
                                   random_ref random);
  transaction_table(const transaction_table&) = delete;
  transaction_table& operator=(const transaction_table&) = delete;

  // A transaction for the client's question (filter_result::ticket().query):
  // its first attempt. errc::table_full when `capacity` are in flight,
  // errc::no_randomness when the random source failed, errc::invalid_argument
  // for an echo without a question.
  DNSFILTER_DECL result<dispatch> begin(const sinkhole::query_echo& client, std::int64_t now_ms) noexcept;
  // The same over TCP to `upstream`, one attempt of tcp_timeout_ms, after a
  // truncated UDP answer: its own id and case; the caller connects (no
  // source port) and passes the connection's peer to accept(). Its failure
  // does not count against the upstream's health.
  DNSFILTER_DECL result<dispatch> begin_tcp(const sinkhole::query_echo& client, std::size_t upstream,
                                            std::int64_t now_ms) noexcept;

  // The query of `which`: a header with our id and RD, the client's CD; the
  // question in our letter case; EDNS by `edns`. Empty for a stale attempt or
  // an `out` too small (512 octets always suffice).
  DNSFILTER_DECL std::span<const std::byte> write_query(attempt which, std::span<std::byte> out) const noexcept;

  // A datagram (or TCP message) that arrived for `which` from `from`.
  // Modifies `answer` in place when it is accepted; a refused one is left as it came.
  DNSFILTER_DECL accept_result accept(attempt which, std::span<std::byte> answer, const endpoint& from,
                                      std::int64_t now_ms) noexcept;

  // The attempt failed — it timed out, or the socket could not be opened,
  // bound or written, or ICMP said unreachable: counts it against its
  // upstream and decides what next.
  DNSFILTER_DECL next_step expire(attempt which, std::int64_t now_ms) noexcept;
  // expire() for every attempt whose deadline is at or before `now_ms`, and
  // on_expired(attempt, const next_step&) for each: close its socket, then
  // send the next attempt or answer SERVFAIL. O(highest slot used).
  template <class F>
  std::size_t tick(std::int64_t now_ms, F&& on_expired) noexcept {
    std::size_t expired = 0;
    for (std::uint32_t i = 0; i < used_; ++i) {
      const slot& s = slots_[i];
      if (!s.busy || s.deadline > now_ms) continue;
      const attempt a{i, s.generation};
      const next_step step = expire(a, now_ms);
      on_expired(a, step);
      ++expired;
    }
    return expired;
  }
  // When the next attempt times out; max() when none is in flight. O(highest slot used).
  DNSFILTER_DECL std::int64_t next_deadline() const noexcept;

  // Ends a transaction without an answer (the caller gives up, or passes a
  // truncated answer on after a failed TCP retry). Stale attempts are ignored.
  DNSFILTER_DECL void cancel(attempt which) noexcept;

  // Another source port from the range, when binding the last one failed
  // (EADDRINUSE); 0 without a range, or when the random source failed.
  DNSFILTER_DECL std::uint16_t draw_port() noexcept;

  std::size_t in_flight() const noexcept { return used_ - free_count_; }
  std::size_t capacity() const noexcept { return settings_.capacity; }
  const table_settings& settings() const noexcept { return settings_; }
  // The client's question of a live attempt (nullptr when stale).
  DNSFILTER_DECL const sinkhole::query_echo* client(attempt which) const noexcept;

 private:
  struct slot {
    sinkhole::query_echo client;
    std::array<std::uint8_t, 32> letter_case;  // bit k: the k-th letter of the name goes lower case
    std::int64_t deadline;
    std::uint64_t tried;       // bit i: upstream i was asked
    std::uint32_t generation;  // of the live attempt
    std::uint16_t id;          // ours
    std::uint16_t upstream;
    std::uint8_t attempts;     // sent so far
    bool busy;
    bool tcp;
  };
  struct slot_storage_deleter {
    std::size_t count;
    void operator()(slot* p) const noexcept { std::allocator<slot>{}.deallocate(p, count); }
  };

  const slot* live(attempt which) const noexcept {
    if (which.slot >= used_) return nullptr;
    const slot& s = slots_[which.slot];
    return s.busy && s.generation == which.generation ? &s : nullptr;
  }
  DNSFILTER_DECL result<dispatch> start(const sinkhole::query_echo& client, std::int64_t now_ms, bool tcp,
                                        std::size_t upstream) noexcept;
  DNSFILTER_DECL result<dispatch> launch(std::uint32_t index, std::int64_t now_ms, std::size_t upstream) noexcept;
  DNSFILTER_DECL void release(std::uint32_t index) noexcept;
  DNSFILTER_DECL reject check(const slot& s, std::span<const std::byte> answer) const noexcept;
  DNSFILTER_DECL next_step fail_attempt(std::uint32_t index, std::int64_t now_ms) noexcept;
  DNSFILTER_DECL std::uint16_t port_from(std::uint32_t value) noexcept;

  table_settings settings_;
  upstream_set& upstreams_;
  mismatch_alarm& alarm_;
  random_ref random_;
  std::unique_ptr<slot[], slot_storage_deleter> slots_;
  std::unique_ptr<std::uint32_t[]> free_;  // released slots, a stack
  std::size_t free_count_ = 0;
  std::uint32_t used_ = 0;                 // slots [0, used_) have been constructed
};

}  // namespace dnsfilter::forward

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/forward/impl/transactions.ipp>
#endif
