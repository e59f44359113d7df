// A test query built with the library's own writer, with optional EDNS
// options and ECS, parsed back into a query_view.
#pragma once

#include <dnsfilter/wire/edns.hpp>
#include <dnsfilter/wire/query.hpp>
#include <dnsfilter/wire/writer.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

namespace dnsfilter_test {

struct option_spec {
  std::uint16_t code;
  std::string_view data;
};

// A query for `qname`/`type`; with EDNS (payload 1232) when `edns` is set,
// carrying `options` and, when given, an ECS option. The view points into the
// object's own buffer, so it can be neither copied nor moved (returning one
// as a prvalue is fine: C++17 elides that).
struct query_packet {
  std::array<std::byte, 512> buf{};
  std::span<const std::byte> bytes;
  dnsfilter::wire::query_view view;

  explicit query_packet(std::string_view qname = "www.example.com",
                        dnsfilter::wire::rr_type type = dnsfilter::wire::rr_type::a, bool edns = false,
                        std::initializer_list<option_spec> options = {},
                        std::optional<dnsfilter::wire::client_subnet> ecs = {}) {
    namespace wire = dnsfilter::wire;
    wire::message_writer w{buf};
    w.header().id = 0x1234;
    w.header().rd = true;
    REQUIRE(w.add_question(*wire::name::from_text(qname), type));
    if (edns) {
      wire::edns e;
      e.udp_payload_size = 1232;
      REQUIRE(w.add_opt(e));
      for (const option_spec& o : options)
        REQUIRE(w.add_option(o.code, std::as_bytes(std::span(o.data.data(), o.data.size()))));
      if (ecs) REQUIRE(w.add_client_subnet(*ecs));
    }
    bytes = w.finish();
    auto q = wire::query_view::parse(bytes);
    REQUIRE(q);
    view = *q;
  }
  query_packet(const query_packet&) = delete;
  query_packet& operator=(const query_packet&) = delete;
};

}  // namespace dnsfilter_test
