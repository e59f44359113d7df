// dnsfilter — the query log: one record per filtered query, for the operator's
// analysis of infections (which clients ask for which C&C names, and when).
//
// Only filtered queries are logged, and never those of an opted-out client:
// opting out of filtering also opts out of log analysis. The recorder
// (stats/registry.hpp) enforces this by construction — count_opted_out() takes
// nothing that could be logged, and count_hit() logs only when the action is
// not `pass` — so a resolver that routes every query through its recorder
// cannot log an opted-out client. Code that calls a sink directly takes that
// duty over.
//
// The JSON-Lines writer formats each record into a fixed buffer on the stack
// (no heap) and hands it to the output in one call:
//
//   {"time":"2026-01-15T10:00:00Z","client":"192.0.2.0/24","name":"c2.evil.example.","type":"A",
//    "entry":"XX-20250109-0001","action":"sinkhole"}
//
// (one line per record.) The client is written in one of three forms:
//   full         the address ("192.0.2.7", "2001:db8::1");
//   truncated    the address's prefix of a configured length ("192.0.2.0/24",
//                "2001:db8:0:100::/56"), the usual pseudonymisation;
//   keyed_hash   16 hex digits of SipHash-2-4 of the address under a secret
//                128-bit key. SipHash is a keyed pseudo-random function: without
//                the key the value says nothing about the address, and the
//                same client gets the same value while the key is kept, so
//                its queries can still be correlated. With the key, the IPv4
//                space (2^32) is searched in seconds: the key must stay
//                secret, and rotating it (daily, say) unlinks the periods.
// IPv4-mapped IPv6 clients (::ffff:a.b.c.d) are written, truncated and hashed
// as the IPv4 address they are. The name is the presentation form
// (name_view::to_text: non-printable and non-ASCII octets as \DDD), then
// JSON-escaped, so any label byte gives valid JSON; the entry key is the
// registry's (the identifier, or the list's name) with invalid UTF-8 replaced
// by U+FFFD and cut at 256 bytes.
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/match/catalogue.hpp>
#include <dnsfilter/policy/address.hpp>
#include <dnsfilter/result.hpp>
#include <dnsfilter/wire/name.hpp>
#include <dnsfilter/wire/types.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string_view>

namespace dnsfilter::stats {

// One filtered query.
struct query_record {
  match::timestamp time = 0;
  policy::ip_address client;
  wire::name_view qname;
  wire::rr_type qtype = wire::rr_type::a;
  std::string_view entry;  // the entry's key: identifier, or source list name
  match::action action = match::action::sinkhole;
};

// Where the recorder sends filtered queries. write() may be called from every
// serving thread at once, so an implementation must be thread-safe; it must
// not throw, and it should not block for long (it runs on a serving thread).
class query_log_sink {
 public:
  virtual ~query_log_sink() = default;
  virtual void write(const query_record& record) noexcept = 0;

 protected:
  query_log_sink() = default;
  query_log_sink(const query_log_sink&) = default;
  query_log_sink& operator=(const query_log_sink&) = default;
};

enum class client_privacy : std::uint8_t { full, truncated, keyed_hash };

struct query_log_options {
  client_privacy privacy = client_privacy::truncated;
  std::uint8_t v4_prefix = 24;  // truncated: bits kept of an IPv4 address (at most 32)
  std::uint8_t v6_prefix = 56;  // truncated: bits kept of an IPv6 address (at most 128)
  std::array<std::uint8_t, 16> key{};  // keyed_hash: the SipHash key; random and secret
};

// Longest line format_jsonl writes, newline included: every field at its
// longest (a 255-octet name of \DDD escapes, a 256-byte key of control bytes).
inline constexpr std::size_t max_jsonl_length = 3072;

// The client as the options ask ("192.0.2.0/24", ...), into `out`;
// errc::no_space when it does not fit (49 characters always do).
DNSFILTER_DECL result<std::size_t> format_client(const policy::ip_address& client, const query_log_options& options,
                                                 std::span<char> out) noexcept;

// One JSON line, '\n' included, into `out`; errc::no_space when it does not fit
// (max_jsonl_length always does). Never allocates.
DNSFILTER_DECL result<std::size_t> format_jsonl(const query_record& record, const query_log_options& options,
                                                std::span<char> out) noexcept;

// A sink that writes JSON Lines to a std::FILE* (through stdio's buffer and
// lock: call std::fflush to see the lines) or to a file descriptor (one
// write(2) per record: lines from several threads never interleave when the
// descriptor is a regular file opened with O_APPEND, or a pipe). The stream
// or descriptor stays the caller's to close.
class jsonl_writer final : public query_log_sink {
 public:
  explicit jsonl_writer(std::FILE* out, const query_log_options& options = {}) noexcept
      : options_(options), file_(out) {}
  explicit jsonl_writer(int fd, const query_log_options& options = {}) noexcept : options_(options), fd_(fd) {}

  DNSFILTER_DECL void write(const query_record& record) noexcept override;

  // Records written, and records lost to an output error.
  std::uint64_t written() const noexcept { return written_.load(std::memory_order_relaxed); }
  std::uint64_t failed() const noexcept { return failed_.load(std::memory_order_relaxed); }

 private:
  query_log_options options_;
  std::FILE* file_ = nullptr;
  int fd_ = -1;
  // Shared by the serving threads; touched only per filtered query (≈1e-7 of traffic).
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> failed_{0};
};

}  // namespace dnsfilter::stats

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/stats/impl/query_log.ipp>
#endif
