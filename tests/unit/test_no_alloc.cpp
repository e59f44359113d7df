// The per-packet path allocates nothing: parsing a query, reading its EDNS and
// writing an answer with an EDE must not reach operator new. This test binary
// replaces the global allocation functions with counting ones to prove it.
#include <doctest/doctest.h>

#include <dnsfilter/dnsfilter.hpp>

#include <array>
#include <atomic>
#include <cstdlib>
#include <new>

#include "hex.hpp"

namespace {
std::atomic<long> allocations{0};

void* counted_alloc(std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  std::abort();  // this test binary has no use for bad_alloc
}
}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

TEST_CASE("parsing a query and writing a sinkhole answer allocate nothing") {
  namespace wire = dnsfilter::wire;
  // www.Example.com A with OPT (payload 1232) carrying an ECS option 192.0.2.0/24.
  const auto packet = dnsfilter_test::hex(
      "c0de 0120 0001 0000 0000 0001"
      "03 777777 07 4578616d706c65 03 636f6d 00 0001 0001"
      "00 0029 04d0 00000000 000b"
      "0008 0007 0001 18 00 c00002");
  const auto blocked = wire::name::from_text("example.com").value();
  std::array<std::byte, 512> out;

  const long before = allocations.load();
  for (int round = 0; round < 100; ++round) {
    auto q = wire::query_view::parse(packet);
    REQUIRE(q.has_value());
    REQUIRE(q->qname().is_subdomain_of(blocked));
    wire::edns_option ecs_option;
    REQUIRE(q->edns().find(wire::option_code::client_subnet, ecs_option));
    REQUIRE(wire::client_subnet::decode(ecs_option.data).has_value());

    wire::message_writer w{out, q->edns().effective_payload_size()};
    w.header().id = q->header().id;
    w.header().qr = true;
    w.reserve(64);
    REQUIRE(w.add_question(q->qname(), q->qtype()).has_value());
    REQUIRE(w.add_record(wire::section::answer, q->qname(), wire::rr_type::a, wire::rr_class::in, 60,
                         wire::rdata::a{{std::byte{192}, std::byte{0}, std::byte{2}, std::byte{1}}})
                .has_value());
    wire::edns opt;
    opt.udp_payload_size = 1232;
    REQUIRE(w.add_opt(opt).has_value());
    REQUIRE(w.add_extended_error(wire::ede_code::blocked, "XX-20250109-0001").has_value());
    REQUIRE(wire::message_view::parse(w.finish()).has_value());
  }
  CHECK(allocations.load() - before == 0);
}

TEST_CASE("the allocation counter sees allocations (so the test above can fail)") {
  const long before = allocations.load();
  auto* p = new int(7);
  CHECK(allocations.load() - before == 1);
  delete p;
}
