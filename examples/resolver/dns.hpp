// dnsfilter-resolver — the DNS work of a forwarder that needs no socket: what
// a response means for the cache, and the answer a client gets from an
// upstream (or cached) response. The upstream query and the checks an answer
// must pass are the library's (dnsfilter/forward/transactions.hpp).
//
// Kept apart from the networking so the unit tests can drive it with bytes.
#pragma once

#include <dnsfilter/dnsfilter.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace resolver {

namespace wire = dnsfilter::wire;

// ---------------------------------------------------------------------------
// What a response is made of, for the cache and for the answer.

struct cache_policy {
  std::uint32_t max_ttl = 86400;
  std::uint32_t min_ttl = 0;
  std::uint32_t negative_ttl = 3600;
};

struct response_layout {
  std::uint16_t size = 0;
  std::uint16_t additional_offset = 0;  // where the additional section starts
  std::uint16_t opt_offset = 0;         // where the OPT record starts (has_opt)
  bool has_opt = false;
  bool opt_last = false;                // nothing follows the OPT record
  bool has_cname = false;               // the answer section holds a CNAME: check it for cloaking
};

struct response_info {
  response_layout layout;
  std::uint32_t cache_ttl = 0;          // 0: do not cache
  bool negative = false;
  std::vector<std::uint16_t> ttl_offsets;  // every TTL field except the OPT's
};

// Reads a validated response: its layout, the TTL fields, and how long it
// may be cached (RFC 2308 for negative answers; never a truncated or failed one).
response_info analyze_response(const wire::message_view& m, const cache_policy& policy);

// ---------------------------------------------------------------------------
// The answer a client gets.

// What the answer must echo of the client's query.
struct client_echo {
  std::uint16_t id = 0;
  wire::name_view qname;  // in the client's letter case
  wire::rr_type qtype{};
  wire::rr_class qclass{};
  bool rd = true;
  bool cd = false;
  bool has_edns = false;
  bool dnssec_ok = false;

  static client_echo of(const wire::query_view& q) noexcept;
  // From the facade's copy (a forwarded query's ticket); views `e`.
  static client_echo of(const dnsfilter::sinkhole::query_echo& e) noexcept;
};

// Turns an upstream response (fresh or from the cache) into the answer for
// the client: its id, its question case, its RD and CD; the OPT record kept
// (with our payload size) for an EDNS client, removed for one without EDNS,
// added when the upstream sent none; at most `limit` octets, else a
// truncated answer (TC, question and OPT only) so the client retries over
// TCP. `out` may be `response` itself. Returns the answer, empty if `out` is
// too small even for that.
std::span<const std::byte> shape_answer(std::span<const std::byte> response, const response_layout& layout,
                                        const client_echo& client, std::uint16_t our_payload, std::size_t limit,
                                        std::span<std::byte> out) noexcept;

// The answer that says "too big, ask over TCP": the client's id and question,
// TC set, the rcode given, and an OPT (our payload size, the client's DO)
// when the client used EDNS.
std::span<const std::byte> write_truncated_answer(const client_echo& client, std::uint8_t rcode,
                                                  std::uint16_t our_payload, std::size_t limit,
                                                  std::span<std::byte> out) noexcept;

// Subtracts `elapsed` seconds from every TTL field (not below 0).
void age_ttls(std::span<std::byte> message, std::span<const std::uint16_t> ttl_offsets, std::uint32_t elapsed) noexcept;

// ---------------------------------------------------------------------------
// Cache keys: the question as matched (lower case), type, class, DO and CD —
// the parts of a query that change the upstream's answer.

struct cache_key {
  std::array<char, wire::max_name_length + 5> bytes;
  std::size_t size = 0;
  std::string_view view() const noexcept { return {bytes.data(), size}; }
};
cache_key make_cache_key(wire::name_view qname, wire::rr_type qtype, wire::rr_class qclass, bool dnssec_ok,
                         bool checking_disabled) noexcept;

}  // namespace resolver
