// Upstream selection and health: ordered and round robin, down after
// consecutive failures, probes with doubling back-off, up at the first answer.
#include <dnsfilter/forward/upstreams.hpp>

#include "forward_helpers.hpp"

#include <doctest/doctest.h>

#include <vector>

namespace forward = dnsfilter::forward;
using dnsfilter::errc;
using dnsfilter_test::upstream_a;
using dnsfilter_test::upstream_b;
using kind = forward::health_change::kind;

TEST_CASE("an upstream set holds 1 to 64 upstreams") {
  CHECK(forward::upstream_set::make({}).error() == errc::invalid_argument);
  std::vector<forward::endpoint> many(forward::max_upstreams + 1, upstream_a);
  CHECK(forward::upstream_set::make(many).error() == errc::invalid_argument);
  many.pop_back();
  const auto full = forward::upstream_set::make(many);
  REQUIRE(full);
  CHECK(full->size() == 64);
  // The 64th is still reachable through the tried mask.
  CHECK(const_cast<forward::upstream_set&>(*full).pick(~std::uint64_t{0} >> 1, 0) == 63);
}

TEST_CASE("ordered: the first healthy untried one; round robin: each in turn") {
  const forward::endpoint three[] = {upstream_a, upstream_b, {upstream_a.address, 5300}};
  auto ordered = forward::upstream_set::make(three).value();
  CHECK(ordered.pick(0, 0) == 0);
  CHECK(ordered.pick(0, 0) == 0);
  CHECK(ordered.pick(0b001, 0) == 1);
  CHECK(ordered.pick(0b011, 0) == 2);
  CHECK(ordered.pick(0b111, 0) == 0);  // all tried: from the start again
  forward::health_settings rr;
  rr.order = forward::selection::round_robin;
  auto spread = forward::upstream_set::make(three, rr).value();
  CHECK(spread.pick(0, 0) == 0);
  CHECK(spread.pick(0, 0) == 1);
  CHECK(spread.pick(0, 0) == 2);
  CHECK(spread.pick(0, 0) == 0);
  CHECK(spread.at(2).port == 5300);
}

TEST_CASE("down after consecutive failures, probed once due, doubling up to the cap, up at an answer") {
  const forward::endpoint two[] = {upstream_a, upstream_b};
  forward::health_settings h;
  h.down_after = 3;
  h.retry_after_ms = 1000;
  h.max_backoff_ms = 3000;
  auto set = forward::upstream_set::make(two, h).value();
  CHECK(set.failed(0, 0).what == kind::none);
  CHECK(set.failed(0, 0).what == kind::none);
  CHECK(set.succeeded(0).what == kind::none);  // an answer resets the run
  CHECK(set.failed(0, 10).what == kind::none);
  CHECK(set.failed(0, 10).what == kind::none);
  const auto down = set.failed(0, 10);
  CHECK(down.what == kind::down);
  CHECK(down.failures == 3);
  CHECK(set.failed(0, 20).what == kind::none);  // a late failure of a query sent before: no change
  CHECK(set.pick(0, 500) == 1);
  // Both down and not due: the one due soonest still gets the attempt.
  for (int i = 0; i < 3; ++i) (void)set.failed(1, 600);
  CHECK_FALSE(set.is_up(1));
  CHECK(set.pick(0, 700) == 0);
  // Due: one query probes it, before any healthy upstream; the next query
  // does not (its probe is a back-off away now).
  CHECK(set.pick(0, 1010) == 0);
  CHECK(set.pick(0, 1010) == 1);
  const auto again = set.failed(0, 1100);
  CHECK(again.what == kind::still_down);
  CHECK(again.retry_in_ms == 2000);
  CHECK(set.pick(0b10, 3099) == 0);            // only 0 is untried: it gets the attempt, not as a probe
  CHECK(set.failed(0, 3099).what == kind::none);
  CHECK(set.pick(0, 3100) == 0);               // the probe
  CHECK(set.failed(0, 3100).retry_in_ms == 3000);  // capped
  CHECK(set.pick(0, 6100) == 0);
  CHECK(set.failed(0, 6100).retry_in_ms == 3000);
  // A probe whose query never reports (cancelled) does not block the next.
  CHECK(set.pick(0, 9100) == 0);
  CHECK(set.pick(0, 9100) == 1);
  CHECK(set.pick(0, 12100) == 0);
  const auto up = set.succeeded(0);
  CHECK(up.what == kind::up);
  CHECK(set.is_up(0));
  CHECK(set.succeeded(0).what == kind::none);
}

TEST_CASE("endpoints compare addresses and ports, IPv4-mapped as IPv4") {
  CHECK(upstream_a == forward::endpoint{upstream_a.address.mapped(), 53});
  CHECK_FALSE(upstream_a == forward::endpoint{upstream_a.address, 54});
  CHECK_FALSE(upstream_a == upstream_b);
}
