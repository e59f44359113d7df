// dnsfilter-resolver — dnstap messages in protobuf's wire format, written
// directly: the official dnstap.proto (examples/resolver/dnstap/) has a
// handful of scalar and byte fields, and writing them takes a fraction of
// protobuf-c's descriptor-driven packing, which cost about a third of a
// microsecond per query (docs/benchmarks.md, "dnstap"). protobuf-c's code
// generated from the same file decodes every message in the unit tests, and
// packs the same events there byte for byte as a reference.
#include "dnstap_encode.hpp"
#include "dnstap_output.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <type_traits>

namespace resolver::dnstap {

namespace match = dnsfilter::match;
namespace stats = dnsfilter::stats;

namespace {

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

// dnstap.proto's numbers: Message.Type, SocketFamily, SocketProtocol, Policy.Match, Dnstap.Type.
std::uint32_t type_number(message_type t) noexcept {
  switch (t) {
    case message_type::client_query: return 5;
    case message_type::client_response: return 6;
    case message_type::forwarder_query: return 7;
    case message_type::forwarder_response: return 8;
  }
  return 5;
}
constexpr std::uint32_t family_inet = 1, family_inet6 = 2;
constexpr std::uint32_t protocol_udp = 1, protocol_tcp = 2;
constexpr std::uint32_t match_qname = 1;
constexpr std::uint32_t dnstap_type_message = 1;

bool is_response(message_type t) noexcept {
  return t == message_type::client_response || t == message_type::forwarder_response;
}

// Protobuf's wire format into a sink: one that counts octets, for the
// lengths of the nested messages, and one that writes them.
struct counter {
  std::size_t size = 0;
  void put(std::uint8_t) noexcept { ++size; }
  void put(const void*, std::size_t n) noexcept { size += n; }
};
struct writer {
  std::byte* at;
  void put(std::uint8_t b) noexcept { *at++ = std::byte{b}; }
  void put(const void* p, std::size_t n) noexcept {
    if (n != 0) std::memcpy(at, p, n);
    at += n;
  }
};

enum wire_type : std::uint32_t { varint_type = 0, length_type = 2, fixed32_type = 5 };

template <class Sink>
void varint(Sink& s, std::uint64_t v) noexcept {
  for (; v >= 0x80; v >>= 7) s.put(static_cast<std::uint8_t>(v | 0x80));
  s.put(static_cast<std::uint8_t>(v));
}
template <class Sink>
void number(Sink& s, std::uint32_t field, std::uint64_t v) noexcept {
  varint(s, field << 3 | varint_type);
  varint(s, v);
}
template <class Sink>
void fixed32(Sink& s, std::uint32_t field, std::uint32_t v) noexcept {
  varint(s, field << 3 | fixed32_type);
  const std::uint8_t le[4] = {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
                              static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)};
  s.put(le, sizeof le);
}
template <class Sink>
void bytes(Sink& s, std::uint32_t field, const void* p, std::size_t n) noexcept {
  varint(s, field << 3 | length_type);
  varint(s, n);
  s.put(p, n);
}
template <class Sink>
void bytes(Sink& s, std::uint32_t field, std::span<const std::byte> b) noexcept {
  bytes(s, field, b.data(), b.size());
}
template <class Sink>
void bytes(Sink& s, std::uint32_t field, std::string_view b) noexcept {
  bytes(s, field, b.data(), b.size());
}

// A nested message: counted once (its size is known), written in place.
template <class Sink, class Write>
void nested(Sink& s, std::size_t size, Write write) noexcept {
  if constexpr (std::is_same_v<Sink, counter>) s.size += size;
  else write();
}

// What one frame says, resolved from the event once for the passes.
struct fields {
  const event* e;
  shown_endpoint from, to;
  bool family = false, from_address = false, to_address = false;
  std::string_view identity, version;
  std::array<char, 12 + 16> extra{};  // "client-hash=" + 16 hex digits
  bool has_extra = false;
  // The policy: its type ("dnsfilter/<action>"), action and the nested size.
  std::array<char, 32> policy_type{};
  std::size_t policy_type_size = 0;
  policy_action action = policy_action::none;
  std::size_t policy_size = 0, message_size = 0;
};

template <class Sink>
void policy_fields(Sink& s, const fields& f) noexcept {
  const decision& d = *f.e->policy;
  bytes(s, 1, f.policy_type.data(), f.policy_type_size);
  bytes(s, 2, std::string_view(d.rule));
  if (f.action != policy_action::none) number(s, 3, static_cast<std::uint32_t>(f.action));
  // A CNAME target is looked up as a question name would be (RPZ's QNAME
  // trigger applies to the chain too): match is QNAME, value the target.
  number(s, 4, match_qname);
  bytes(s, 5, d.value.wire());
}

template <class Sink>
void message_fields(Sink& s, const fields& f) noexcept {
  const event& e = *f.e;
  number(s, 1, type_number(e.type));
  const shown_endpoint& any = f.from.has_address ? f.from : f.to;
  if (f.family) number(s, 2, any.address.is_v4() ? family_inet : family_inet6);
  number(s, 3, e.via == dnsfilter::sinkhole::transport::tcp ? protocol_tcp : protocol_udp);
  if (f.from_address) bytes(s, 4, f.from.address.bytes().data(), f.from.address.bytes().size());
  if (f.to_address) bytes(s, 5, f.to.address.bytes().data(), f.to.address.bytes().size());
  if (f.from.has_port) number(s, 6, f.from.port);
  if (f.to.has_port) number(s, 7, f.to.port);
  number(s, 8, static_cast<std::uint64_t>(e.query_time.tv_sec));
  fixed32(s, 9, static_cast<std::uint32_t>(e.query_time.tv_nsec));
  if (!e.query_message.empty()) bytes(s, 10, e.query_message);
  if (is_response(e.type)) {
    number(s, 12, static_cast<std::uint64_t>(e.response_time.tv_sec));
    fixed32(s, 13, static_cast<std::uint32_t>(e.response_time.tv_nsec));
  }
  if (!e.response_message.empty()) bytes(s, 14, e.response_message);
  if (e.policy != nullptr && e.policy->present) {
    varint(s, 15 << 3 | length_type);
    varint(s, f.policy_size);
    nested(s, f.policy_size, [&] { policy_fields(s, f); });
  }
}

template <class Sink>
void dnstap_fields(Sink& s, const fields& f) noexcept {
  if (!f.identity.empty()) bytes(s, 1, f.identity);
  if (!f.version.empty()) bytes(s, 2, f.version);
  if (f.has_extra) bytes(s, 3, f.extra.data(), f.extra.size());
  varint(s, 14 << 3 | length_type);
  varint(s, f.message_size);
  nested(s, f.message_size, [&] { message_fields(s, f); });
  number(s, 15, dnstap_type_message);
}

}  // namespace

void encode(const event& e, const identity& who, const stats::query_log_options& privacy, frames& out) {
  fields f;
  f.e = &e;
  f.from = show(e.initiator, e.initiator_is_client, privacy);
  f.to = show(e.responder, /*is_client=*/false, privacy);  // us, or the upstream
  // The family is that of whichever address is shown; only addresses of
  // that family go in (dnstap has one family per message).
  const shown_endpoint& any = f.from.has_address ? f.from : f.to;
  f.family = any.has_address;
  f.from_address = f.from.has_address;
  f.to_address = f.to.has_address && f.to.address.is_v4() == any.address.is_v4();
  f.identity = who.identity;
  f.version = who.version;
  if (f.from.has_hash) {
    f.has_extra = true;
    std::memcpy(f.extra.data(), "client-hash=", 12);
    std::memcpy(f.extra.data() + 12, f.from.hash.data(), f.from.hash.size());
  }
  if (e.policy != nullptr && e.policy->present) {
    const std::string_view name = match::to_string(e.policy->action);
    constexpr std::string_view prefix = "dnsfilter/";
    f.policy_type_size = std::min(f.policy_type.size(), prefix.size() + name.size());
    std::memcpy(f.policy_type.data(), prefix.data(), prefix.size());
    std::memcpy(f.policy_type.data() + prefix.size(), name.data(), f.policy_type_size - prefix.size());
    f.action = to_policy_action(e.policy->action);
    counter c;
    policy_fields(c, f);
    f.policy_size = c.size;
  }
  counter m;
  message_fields(m, f);
  f.message_size = m.size;
  counter d;
  dnstap_fields(d, f);
  writer w{out.reserve(d.size)};
  dnstap_fields(w, f);
  out.commit(d.size);
}

std::string encode(const event& e, const identity& who, const stats::query_log_options& privacy) {
  frames one;
  encode(e, who, privacy, one);
  return std::string(reinterpret_cast<const char*>(one.data()), one.bytes());
}

}  // namespace resolver::dnstap
