// dnsfilter-resolver — one dnstap message (dnstap.proto, protobuf-c) per
// event: the client's query and our response, our query upstream and its
// answer, each with the policy decision that applied (the `policy` field, 15).
//
// The client's address goes through the query log's privacy options
// (dnsfilter::stats::query_log_options): in full (address and port),
// truncated to the configured prefix (no port), or as the query log's keyed
// hash (no address; the hash in `extra` as "client-hash=<16 hex>"), so the
// two logs of one client agree. Policy mapping: docs/resolver.md, "dnstap".
#pragma once

#include <dnsfilter/dnsfilter.hpp>

#include <cstdint>
#include <ctime>
#include <span>
#include <string>
#include <string_view>

namespace resolver::dnstap {

enum class message_type : std::uint8_t { client_query, client_response, forwarder_query, forwarder_response };

// dnstap's Policy.Action values (dnstap.proto); 0: the field is left out.
enum class policy_action : std::uint8_t { none = 0, nxdomain = 1, nodata = 2, pass = 3, drop = 4, local_data = 6 };

// An entry's action as dnstap names it: monitor and exception (pass) do not
// change the answer (PASS); sinkhole answers with local data; REFUSED has no
// dnstap action (none: `type` still names it).
policy_action to_policy_action(dnsfilter::match::action a) noexcept;

// The decision of an entry on a query, copied out of the snapshot (a
// forwarded query's decision outlives the packet, and may outlive a reload).
struct decision {
  bool present = false;
  dnsfilter::match::action action = dnsfilter::match::action::sinkhole;
  std::string rule;        // "<entry id> <list>", or the list alone for an entry without an identifier
  dnsfilter::wire::name value;  // the name that matched: the question's, or a CNAME target's
  bool cname = false;      // the CNAME chain of the upstream answer decided (cloaking)

  // `type` of the dnstap policy: "dnsfilter/<action>" (dnsfilter/monitor, dnsfilter/sinkhole...).
  std::string type() const;
};

// The rule text of `e` in `snapshot`: its identifier and its list.
std::string rule_of(const dnsfilter::match::catalogue& source, const dnsfilter::match::entry& e);

struct endpoint {
  dnsfilter::policy::ip_address address;
  std::uint16_t port = 0;
  bool known = false;  // false: leave address and port out
};

struct event {
  message_type type = message_type::client_query;
  dnsfilter::sinkhole::transport via = dnsfilter::sinkhole::transport::udp;
  endpoint initiator;   // query_address/port: the client (client_*), us (forwarder_*)
  endpoint responder;   // response_address/port: our listener (client_*), the upstream (forwarder_*)
  bool initiator_is_client = true;  // apply the privacy options to `initiator`
  timespec query_time{};
  timespec response_time{};  // responses only
  std::span<const std::byte> query_message;
  std::span<const std::byte> response_message;
  const decision* policy = nullptr;
};

struct identity {
  std::string identity;  // Dnstap.identity (the node name by default)
  std::string version;   // Dnstap.version
};

class frames;

// The protobuf payload of one frame, appended to `out`. Never throws but for
// std::bad_alloc (then `out` is unchanged).
void encode(const event& e, const identity& who, const dnsfilter::stats::query_log_options& privacy, frames& out);
// The same as a string, for tests.
std::string encode(const event& e, const identity& who, const dnsfilter::stats::query_log_options& privacy);

}  // namespace resolver::dnstap
