// The one builder of test packets, with the library's own writer: a query as
// a client sends it (query_spec / make_query), and query_packet, a query with
// its parsed view in one object.
#pragma once

#include <dnsfilter/wire/edns.hpp>
#include <dnsfilter/wire/message.hpp>
#include <dnsfilter/wire/query.hpp>
#include <dnsfilter/wire/writer.hpp>

#include "hex.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dnsfilter_test {

struct option_spec {
  std::uint16_t code;
  std::string_view data;
};

// A query as a client sends it (by default as dig does: RD and AD set, EDNS
// with a cookie); the name keeps the case it is written in.
struct query_spec {
  std::string qname = "c2.eViL.Example";
  dnsfilter::wire::rr_type qtype = dnsfilter::wire::rr_type::a;
  dnsfilter::wire::rr_class qclass = dnsfilter::wire::rr_class::in;
  std::uint16_t id = 0xbeef;
  bool rd = true;
  bool ad = true;  // dig sets AD in queries; an answer must clear it
  bool cd = false;
  bool edns = true;
  std::uint16_t payload = 1232;
  bool dnssec_ok = false;
  std::uint8_t version = 0;
  bool cookie = true;  // never echoed
  std::vector<option_spec> options;                          // further EDNS options, in order
  std::optional<dnsfilter::wire::client_subnet> ecs;         // an ECS option after them
};

// Writes the query of `q` into `buf`; the view is of `buf`.
inline std::span<const std::byte> write_query(const query_spec& q, std::span<std::byte> buf) {
  namespace wire = dnsfilter::wire;
  wire::message_writer w{buf};
  w.header().id = q.id;
  w.header().rd = q.rd;
  w.header().ad = q.ad;
  w.header().cd = q.cd;
  REQUIRE(w.add_question(wire::name::from_text(q.qname).value(), q.qtype, q.qclass));
  if (q.edns) {
    wire::edns e;
    e.udp_payload_size = q.payload;
    e.dnssec_ok = q.dnssec_ok;
    e.version = q.version;
    REQUIRE(w.add_opt(e));
    if (q.cookie) REQUIRE(w.add_option(wire::option_code::cookie, hex("0123456789abcdef")));
    for (const option_spec& o : q.options)
      REQUIRE(w.add_option(o.code, std::as_bytes(std::span(o.data.data(), o.data.size()))));
    if (q.ecs) REQUIRE(w.add_client_subnet(*q.ecs));
  }
  return w.finish();
}

inline std::vector<std::byte> make_query(const query_spec& q) {
  std::vector<std::byte> buf(600);
  const auto out = write_query(q, buf);
  return {out.begin(), out.end()};
}

// A query for `qname`/`type` (id 0x1234, RD); with EDNS (payload 1232, no
// cookie) when `edns` is set, carrying `options` and, when given, an ECS
// option. The view points into the object's own buffer, so it can be neither
// copied nor moved (returning one as a prvalue is fine: C++17 elides that).
struct query_packet {
  std::array<std::byte, 512> buf{};
  std::span<const std::byte> bytes;
  dnsfilter::wire::query_view view;

  explicit query_packet(std::string_view qname = "www.example.com",
                        dnsfilter::wire::rr_type type = dnsfilter::wire::rr_type::a, bool edns = false,
                        std::initializer_list<option_spec> options = {},
                        std::optional<dnsfilter::wire::client_subnet> ecs = {}) {
    query_spec q;
    q.qname = std::string(qname);
    q.qtype = type;
    q.id = 0x1234;
    q.ad = false;
    q.edns = edns;
    q.cookie = false;
    q.options.assign(options.begin(), options.end());
    q.ecs = ecs;
    bytes = write_query(q, buf);
    auto parsed = dnsfilter::wire::query_view::parse(bytes);
    REQUIRE(parsed);
    view = *parsed;
  }
  query_packet(const query_packet&) = delete;
  query_packet& operator=(const query_packet&) = delete;
};

// A TXT RDATA holding `strings` (each at most 255 octets), as wire bytes.
inline std::vector<std::byte> txt_rdata(std::initializer_list<std::string_view> strings) {
  std::vector<std::byte> out;
  for (std::string_view s : strings) {
    REQUIRE(s.size() <= 255);
    out.push_back(static_cast<std::byte>(s.size()));
    for (char c : s) out.push_back(static_cast<std::byte>(c));
  }
  return out;
}

// One record of a zone as a transfer carries it; the writer compresses the
// names of CNAME RDATA and the like.
struct zone_record_spec {
  std::string owner;
  dnsfilter::wire::rr_type type;
  dnsfilter::wire::rdata_value rdata;
};

// An AXFR answer for `zone` carrying `records` in its answer section.
inline std::vector<std::byte> make_zone_message(std::string_view zone, const std::vector<zone_record_spec>& records) {
  namespace wire = dnsfilter::wire;
  std::vector<std::byte> buf(65535);
  wire::message_writer w{buf};
  w.header().id = 0x4242;
  w.header().qr = true;
  w.header().aa = true;
  REQUIRE(w.add_question(wire::name::from_text(zone).value(), wire::rr_type::axfr));
  for (const zone_record_spec& r : records) {
    const auto owner = wire::name::from_text(r.owner).value();
    REQUIRE(w.add_record(wire::section::answer, owner, r.type, wire::rr_class::in, 300, r.rdata));
  }
  const auto out = w.finish();
  return {out.begin(), out.end()};
}

}  // namespace dnsfilter_test
