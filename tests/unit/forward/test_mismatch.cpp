// The mismatch alarm: counts by reason, a window of the last N milliseconds,
// raised once over the threshold, cleared after a quiet window.
#include <dnsfilter/forward/mismatch.hpp>

#include <doctest/doctest.h>

#include <cstring>

namespace forward = dnsfilter::forward;
using forward::alarm_event;
using forward::reject;

TEST_CASE("the alarm fires when more than the threshold arrive within the window, once") {
  forward::mismatch_alarm alarm{{1600, 5}};  // 16 buckets of 100 ms
  for (int i = 0; i < 5; ++i) CHECK(alarm.record(reject::id, 1000 + i) == alarm_event::none);
  CHECK(alarm.in_window(1010) == 5);
  CHECK_FALSE(alarm.raised());
  CHECK(alarm.record(reject::question, 1010) == alarm_event::raised);
  CHECK(alarm.raised());
  CHECK(alarm.alarms() == 1);
  CHECK(alarm.record(reject::source, 1020) == alarm_event::none);  // already raised
  CHECK(alarm.total(reject::id) == 5);
  CHECK(alarm.total(reject::question) == 1);
  CHECK(alarm.total(reject::source) == 1);
  // Not quiet yet: the window still holds them.
  CHECK(alarm.poll(2000) == alarm_event::none);
  CHECK(alarm.raised());
  // A whole window later nothing is left: cleared, once.
  CHECK(alarm.in_window(2700) == 0);
  CHECK(alarm.poll(2700) == alarm_event::cleared);
  CHECK_FALSE(alarm.raised());
  CHECK(alarm.poll(2800) == alarm_event::none);
  // And it can fire again.
  for (int i = 0; i < 6; ++i) (void)alarm.record(reject::malformed, 5000);
  CHECK(alarm.raised());
  CHECK(alarm.alarms() == 2);
}

TEST_CASE("a trickle below the threshold never fires; old buckets leave the window") {
  forward::mismatch_alarm alarm{{1600, 3}};
  for (std::int64_t t = 0; t < 20000; t += 600) CHECK(alarm.record(reject::id, t) == alarm_event::none);
  CHECK(alarm.in_window(19800) <= 3);
  CHECK(alarm.alarms() == 0);
}

TEST_CASE("late answers are counted but never raise the alarm") {
  forward::mismatch_alarm alarm{{1000, 0}};
  CHECK(alarm.record(reject::late, 10) == alarm_event::none);
  CHECK(alarm.total(reject::late) == 1);
  CHECK(alarm.in_window(10) == 0);
  CHECK(alarm.record(reject::none, 10) == alarm_event::none);
  CHECK(alarm.record(reject::id, 10) == alarm_event::raised);  // threshold 0: the first one
}

TEST_CASE("a clock that steps back does not count the future bucket") {
  forward::mismatch_alarm alarm{{1600, 100}};
  (void)alarm.record(reject::id, 100000);
  CHECK(alarm.in_window(100000) == 1);
  CHECK(alarm.in_window(50000) == 0);
  CHECK(alarm.in_window(-5) == 0);
}

TEST_CASE("a window shorter than its buckets still counts") {
  forward::mismatch_alarm alarm{{5, 1}};
  (void)alarm.record(reject::id, 7);
  CHECK(alarm.record(reject::id, 8) == alarm_event::raised);
}

TEST_CASE("every reason has a name") {
  for (std::size_t r = 0; r < forward::reject_kinds; ++r) CHECK(std::strlen(to_string(static_cast<reject>(r))) > 0);
  CHECK(std::strcmp(to_string(reject::not_response), "not_response") == 0);
}
