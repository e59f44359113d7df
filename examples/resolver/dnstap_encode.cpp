// dnsfilter-resolver — dnstap messages through protobuf-c's code generated
// from the official dnstap.proto (at build time, examples/resolver/dnstap/).
#include "dnstap_encode.hpp"

#include "dnstap.pb-c.h"

#include <algorithm>
#include <array>

namespace resolver::dnstap {

namespace match = dnsfilter::match;
namespace stats = dnsfilter::stats;

namespace {

ProtobufCBinaryData binary(std::span<const std::byte> bytes) noexcept {
  // protobuf-c only reads through this pointer when it packs.
  return {bytes.size(), reinterpret_cast<std::uint8_t*>(const_cast<std::byte*>(bytes.data()))};
}

ProtobufCBinaryData binary(std::string_view text) noexcept {
  return {text.size(), reinterpret_cast<std::uint8_t*>(const_cast<char*>(text.data()))};
}

// What of an endpoint goes into the message: the address bytes (after the
// privacy options, for a client), the port, and the client's hash.
struct shown_endpoint {
  dnsfilter::policy::ip_address address;
  bool has_address = false;
  bool has_port = false;
  std::uint16_t port = 0;
  std::array<char, 16> hash{};
  bool has_hash = false;
};

shown_endpoint show(const endpoint& where, bool is_client, const stats::query_log_options& privacy) noexcept {
  shown_endpoint s;
  if (!where.known) return s;
  const dnsfilter::policy::ip_address a = where.address.unmapped();
  if (!is_client || privacy.privacy == stats::client_privacy::full) {
    s.address = a;
    s.has_address = true;
    s.has_port = where.port != 0;
    s.port = where.port;
    return s;
  }
  if (privacy.privacy == stats::client_privacy::truncated) {
    const unsigned length = std::min<unsigned>(a.is_v4() ? privacy.v4_prefix : privacy.v6_prefix, a.bit_length());
    if (const auto p = dnsfilter::policy::ip_prefix::masked(a, length)) {
      s.address = p->address();
      s.has_address = true;
    }
    return s;
  }
  // The query log's hash of this client, so that both logs name it alike.
  s.has_hash = stats::format_client(a, privacy, s.hash).has_value();
  return s;
}

Dnstap__Message__Type to_proto(message_type t) noexcept {
  switch (t) {
    case message_type::client_query: return DNSTAP__MESSAGE__TYPE__CLIENT_QUERY;
    case message_type::client_response: return DNSTAP__MESSAGE__TYPE__CLIENT_RESPONSE;
    case message_type::forwarder_query: return DNSTAP__MESSAGE__TYPE__FORWARDER_QUERY;
    case message_type::forwarder_response: return DNSTAP__MESSAGE__TYPE__FORWARDER_RESPONSE;
  }
  return DNSTAP__MESSAGE__TYPE__CLIENT_QUERY;
}

bool is_response(message_type t) noexcept {
  return t == message_type::client_response || t == message_type::forwarder_response;
}

}  // namespace

std::string encode(const event& e, const identity& who, const stats::query_log_options& privacy) {
  Dnstap__Message m = DNSTAP__MESSAGE__INIT;
  m.type = to_proto(e.type);
  m.has_socket_protocol = true;
  m.socket_protocol = e.via == dnsfilter::sinkhole::transport::tcp ? DNSTAP__SOCKET_PROTOCOL__TCP
                                                                    : DNSTAP__SOCKET_PROTOCOL__UDP;

  const shown_endpoint from = show(e.initiator, e.initiator_is_client, privacy);
  const shown_endpoint to = show(e.responder, /*is_client=*/false, privacy);  // us, or the upstream
  // The family is that of whichever address is shown (both are of one family).
  const shown_endpoint& any = from.has_address ? from : to;
  if (any.has_address) {
    m.has_socket_family = true;
    m.socket_family = any.address.is_v4() ? DNSTAP__SOCKET_FAMILY__INET : DNSTAP__SOCKET_FAMILY__INET6;
  }
  // Only addresses of the message's family: dnstap has one family per message.
  const auto same_family = [&](const shown_endpoint& s) { return s.address.is_v4() == any.address.is_v4(); };
  if (from.has_address && same_family(from)) {
    m.has_query_address = true;
    m.query_address = {from.address.bytes().size(), const_cast<std::uint8_t*>(from.address.bytes().data())};
  }
  m.has_query_port = from.has_port;
  m.query_port = from.port;
  if (to.has_address && same_family(to)) {
    m.has_response_address = true;
    m.response_address = {to.address.bytes().size(), const_cast<std::uint8_t*>(to.address.bytes().data())};
  }
  m.has_response_port = to.has_port;
  m.response_port = to.port;

  m.has_query_time_sec = m.has_query_time_nsec = true;
  m.query_time_sec = static_cast<std::uint64_t>(e.query_time.tv_sec);
  m.query_time_nsec = static_cast<std::uint32_t>(e.query_time.tv_nsec);
  if (is_response(e.type)) {
    m.has_response_time_sec = m.has_response_time_nsec = true;
    m.response_time_sec = static_cast<std::uint64_t>(e.response_time.tv_sec);
    m.response_time_nsec = static_cast<std::uint32_t>(e.response_time.tv_nsec);
  }
  if (!e.query_message.empty()) {
    m.has_query_message = true;
    m.query_message = binary(e.query_message);
  }
  if (!e.response_message.empty()) {
    m.has_response_message = true;
    m.response_message = binary(e.response_message);
  }

  Dnstap__Policy p = DNSTAP__POLICY__INIT;
  std::string type;
  if (e.policy != nullptr && e.policy->present) {
    type = e.policy->type();
    p.type = type.data();
    p.has_rule = true;
    p.rule = binary(std::string_view(e.policy->rule));
    if (const policy_action a = to_policy_action(e.policy->action); a != policy_action::none) {
      p.has_action = true;
      p.action = static_cast<Dnstap__Policy__Action>(a);
    }
    // A CNAME target is looked up as a question name would be (RPZ's QNAME
    // trigger applies to the chain too): match is QNAME, value the target.
    p.has_match = true;
    p.match = DNSTAP__POLICY__MATCH__QNAME;
    p.has_value = true;
    p.value = binary(e.policy->value.wire());
    m.policy = &p;
  }

  Dnstap__Dnstap d = DNSTAP__DNSTAP__INIT;
  d.type = DNSTAP__DNSTAP__TYPE__MESSAGE;
  d.message = &m;
  if (!who.identity.empty()) {
    d.has_identity = true;
    d.identity = binary(std::string_view(who.identity));
  }
  if (!who.version.empty()) {
    d.has_version = true;
    d.version = binary(std::string_view(who.version));
  }
  std::string extra;
  if (from.has_hash) {
    extra = "client-hash=" + std::string(from.hash.data(), from.hash.size());
    d.has_extra = true;
    d.extra = binary(std::string_view(extra));
  }

  std::string out(dnstap__dnstap__get_packed_size(&d), '\0');
  dnstap__dnstap__pack(&d, reinterpret_cast<std::uint8_t*>(out.data()));
  return out;
}

}  // namespace resolver::dnstap
