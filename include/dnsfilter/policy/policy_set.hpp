// dnsfilter — the opt-out policy: who a query comes from, and whether it is
// filtered.
//
// A customer can refuse filtering three ways (see shared/DESIGN.md): by using
// the operator's unfiltered service address (a *listener* policy), by a
// per-line setting (a *client prefix*, longest prefix wins, nested opt-in
// allowed), and on mobile by a per-subscriber switch (a *subscriber id*
// carried in an EDNS0 option, or an ECS address, both believed only from the
// operator's own forwarders). A policy_set holds all three, is built once and
// swapped at run time through policy_set_handle, like the catalogue.
//
// The decision, in order (the first that applies decides):
//   1. listener:   the query arrived on a listener marked unfiltered → opt out.
//   2. subscriber: the query carries a subscriber id listed in the table → its
//                  value (opt out, or filter: a subscriber can opt back in
//                  even inside an opted-out prefix).
//   3. client prefix: the longest prefix containing the client's address →
//                  its value. The client's address is the ECS address when the
//                  packet comes from a trusted forwarder and carries ECS, the
//                  packet's source address otherwise.
//   4. otherwise: filter.
// Why this order: the listener is the customer's explicit choice of service;
// a subscriber id names one person, while a prefix may hold many (CGNAT, a
// mobile gateway), so the narrower identity speaks first.
//
// The ruling says which rule decided (its kind and index, and whether the
// address came from ECS), and explain() turns it into a sentence for support.
// Nothing on the per-packet path allocates or locks.
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/error.hpp>
#include <dnsfilter/snapshot.hpp>
#include <dnsfilter/policy/address.hpp>
#include <dnsfilter/policy/prefix_table.hpp>
#include <dnsfilter/result.hpp>
#include <dnsfilter/wire/query.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <tsl/robin_map.h>

namespace dnsfilter::policy {

// What a listener does: defer to the per-client rules, or serve unfiltered.
enum class listener_mode : std::uint8_t { per_client, unfiltered };

// Whether a forwarder's ECS (and subscriber option) is believed. A nested
// `untrusted` prefix inside a trusted range excludes part of it.
enum class trust : std::uint8_t { untrusted, trusted };

// Who sent a query, as the policy sees it. `subscriber` views the packet.
struct client_identity {
  std::uint16_t listener = 0;             // index of the listener the query arrived on
  ip_address source;                      // the packet's source address
  std::span<const std::byte> subscriber;  // the subscriber id, empty when none (or not believed)
  bool has_ecs = false;                   // an ECS address believed (trusted forwarder)
  ip_address ecs;                         // that address, bits past its source prefix zero
  // The address the client-prefix rules look at.
  const ip_address& client() const noexcept { return has_ecs ? ecs : source; }
};

// Which kind of rule decided.
enum class basis : std::uint8_t { none, listener, subscriber, client_prefix };

constexpr const char* to_string(basis b) noexcept {
  switch (b) {
    case basis::none: return "default";
    case basis::listener: return "listener";
    case basis::subscriber: return "subscriber";
    case basis::client_prefix: return "client prefix";
  }
  return "unknown";
}

struct ruling {
  static constexpr std::uint32_t npos = 0xffffffffu;
  treatment value = treatment::filter;
  basis decided_by = basis::none;
  // The deciding rule: the listener index, or the position of the subscriber
  // or client-prefix rule in the policy_config lists; npos for the default.
  std::uint32_t rule = npos;
  bool via_ecs = false;  // the client prefix was matched against a trusted ECS address
  bool opted_out() const noexcept { return value == treatment::opt_out; }
  friend bool operator==(const ruling&, const ruling&) = default;
};

struct subscriber_rule {
  std::string id;  // the option's bytes, exactly (binary ids are fine)
  treatment value = treatment::opt_out;
};

// Everything a policy_set is built from (a policy file parses into this).
struct policy_config {
  // By listener index; listeners past the end are per_client.
  std::vector<listener_mode> listeners;
  std::vector<client_prefix_table::entry> client_prefixes;
  std::vector<subscriber_rule> subscribers;
  // Sources whose ECS and subscriber option are believed.
  std::vector<prefix_table<trust>::entry> trusted_forwarders;
  // The EDNS0 option carrying the subscriber id; 0 turns subscriber ids off.
  // Use a code from the local/experimental range 65001-65534 (RFC 6891 §9)
  // unless the network elements agreed on another.
  std::uint16_t subscriber_option = 0;
  // Believe the subscriber option only from trusted forwarders (the default).
  // A client can only change its own treatment with a forged id, but the
  // statistics should not depend on what clients claim.
  bool subscriber_from_trusted_only = true;
};

namespace detail {
// Transparent hashing so that lookups take a view of the packet's bytes.
struct subscriber_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view id) const noexcept { return std::hash<std::string_view>{}(id); }
};
struct subscriber_equal {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
};
}  // namespace detail

class policy_set {
 public:
  // The empty policy: everyone filtered.
  policy_set() = default;

  // errc::out_of_range for a prefix table over its size limit. A subscriber
  // id listed twice: the later rule wins, counted in shadowed().
  static DNSFILTER_DECL result<policy_set> build(policy_config config);

  // Reads the subscriber option and ECS from the query (one pass over the
  // options) and keeps what the source is trusted for.
  DNSFILTER_DECL client_identity identify(const wire::query_view& query, std::uint16_t listener,
                                          const ip_address& source) const noexcept;

  DNSFILTER_DECL ruling evaluate(const client_identity& who) const noexcept;

  ruling decide(const wire::query_view& query, std::uint16_t listener, const ip_address& source) const noexcept {
    return evaluate(identify(query, listener, source));
  }

  // One line for support, e.g. "opt-out: client prefix 10.0.0.0/8 (rule 3, via ECS)".
  DNSFILTER_DECL std::string explain(const ruling& v) const;

  const policy_config& config() const noexcept { return config_; }
  // Rules overridden by a later rule with the same prefix or subscriber id.
  std::size_t shadowed() const noexcept { return shadowed_; }
  // Heap bytes held beyond the config lists (tables and index).
  DNSFILTER_DECL std::size_t memory_bytes() const noexcept;

 private:
  policy_config config_;
  client_prefix_table clients_;
  prefix_table<trust> forwarders_;
  tsl::robin_map<std::string, std::uint32_t, detail::subscriber_hash, detail::subscriber_equal> subscribers_;
  std::size_t shadowed_ = 0;
};

// Run-time swaps, as for the catalogue: store() a new set, read through one
// reader per serving thread.
using policy_set_handle = snapshot_handle<policy_set>;
using policy_set_reader = snapshot_reader<policy_set>;

}  // namespace dnsfilter::policy

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/policy/impl/policy_set.ipp>
#endif
