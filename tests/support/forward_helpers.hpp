// Shared by the tests of forward/: upstreams, a client's question, and
// upstream answers built from the query the table wrote.
#pragma once

#include <dnsfilter/detail/bytes.hpp>
#include <dnsfilter/forward.hpp>
#include <dnsfilter/wire.hpp>

#include "packets.hpp"
#include "test_random.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace dnsfilter_test {

namespace forward = dnsfilter::forward;

inline const forward::endpoint upstream_a{dnsfilter::policy::ip_address::v4(192, 0, 2, 53), 53};
inline const forward::endpoint upstream_b{dnsfilter::policy::ip_address::v4(198, 51, 100, 53), 5353};

// The client's question as the facade copies it (r.ticket().query).
inline dnsfilter::sinkhole::query_echo client_echo(const query_spec& q = {}) {
  const auto bytes = make_query(q);
  const auto parsed = dnsfilter::wire::query_view::parse(bytes);
  REQUIRE(parsed);
  return dnsfilter::sinkhole::query_echo::of(*parsed, dnsfilter::sinkhole::transport::udp);
}

// How an upstream answer departs from the right one.
struct answer_spec {
  std::optional<std::uint16_t> id;         // default: the query's
  std::optional<std::string> qname;        // default: the query's name, case as sent
  std::optional<dnsfilter::wire::rr_type> qtype;
  std::optional<dnsfilter::wire::rr_class> qclass;
  bool qr = true;
  bool tc = false;
  dnsfilter::wire::rcode rcode = dnsfilter::wire::rcode::noerror;
  std::optional<std::uint16_t> qdcount;    // patched into the header after writing
};

// An answer to `query` (as the table wrote it): the question echoed and one A record.
inline std::vector<std::byte> answer_to(std::span<const std::byte> query, const answer_spec& s = {}) {
  namespace wire = dnsfilter::wire;
  const auto q = wire::query_view::parse(query);
  REQUIRE(q);
  std::vector<std::byte> buf(1024);
  wire::message_writer w{buf};
  w.header().id = s.id.value_or(q->header().id);
  w.header().qr = s.qr;
  w.header().rd = true;
  w.header().ra = true;
  w.header().tc = s.tc;
  w.header().rcode = static_cast<std::uint8_t>(s.rcode);
  const wire::name other = s.qname ? wire::name::from_text(*s.qname).value() : wire::name{};
  const wire::name_view name = s.qname ? other.view() : q->qname();
  REQUIRE(w.add_question(name, s.qtype.value_or(q->qtype()), s.qclass.value_or(q->qclass())));
  if (!s.tc && s.rcode == wire::rcode::noerror)
    REQUIRE(w.add_record(wire::section::answer, name, wire::rr_type::a, wire::rr_class::in, 300,
                         wire::rdata::a{{std::byte{192}, std::byte{0}, std::byte{2}, std::byte{1}}}));
  const auto out = w.finish();
  buf.resize(out.size());
  if (s.qdcount) dnsfilter::detail::store_u16(buf.data() + 4, *s.qdcount);
  return buf;
}

// The pieces of a forwarder, wired together over a deterministic random source.
struct forwarder_under_test {
  explicit forwarder_under_test(forward::table_settings settings = {}, forward::health_settings health = {},
                                forward::alarm_settings alarm_settings = {},
                                std::vector<forward::endpoint> endpoints = {upstream_a, upstream_b})
      : upstreams(forward::upstream_set::make(endpoints, health).value()),
        alarm(alarm_settings),
        table(settings, upstreams, alarm, random) {}

  // The query of `which`, as it goes upstream.
  std::vector<std::byte> query(forward::attempt which) {
    std::array<std::byte, 512> buf;
    const auto q = table.write_query(which, buf);
    REQUIRE_FALSE(q.empty());
    return {q.begin(), q.end()};
  }

  seeded_random random;
  forward::upstream_set upstreams;
  forward::mismatch_alarm alarm;
  forward::transaction_table table;
};

}  // namespace dnsfilter_test
