// dnsfilter — the query log: one record per filtered (or monitored: action
// monitor) query, for the operator's analysis of infections (which clients ask
// for which C&C names, and when).
//
// Never an opted-out client: the recorder (stats/registry.hpp) logs only from
// count_hit() with an action other than pass, and count_opted_out() takes
// nothing that could be logged; code that calls a sink directly takes that
// duty over. jsonl_writer writes one JSON line per record from a stack buffer,
// the client in full, truncated to a prefix, or as a keyed SipHash-2-4 (keep
// the key secret; rotating it unlinks the periods). The record, the client
// forms and the escaping: docs/design.md, "The query log".
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
