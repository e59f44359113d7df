// Hot-swappable snapshots: the handle and its readers (publication, lifetime
// of old snapshots, concurrent swaps).
#include <dnsfilter/snapshot.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

using dnsfilter::snapshot_handle;
using dnsfilter::snapshot_reader;

namespace {

// Records its own destruction.
struct tracked {
  explicit tracked(int v, bool* destroyed_flag = nullptr) : value(v), destroyed(destroyed_flag) {}
  tracked(const tracked&) = delete;
  tracked& operator=(const tracked&) = delete;
  ~tracked() {
    if (destroyed != nullptr) *destroyed = true;
  }
  int value;
  bool* destroyed;
};

std::shared_ptr<const tracked> make_tracked(int value, bool* destroyed = nullptr) {
  return std::make_shared<const tracked>(value, destroyed);
}

}  // namespace

TEST_CASE("snapshot: store publishes, load and generation follow") {
  snapshot_handle<tracked> handle(make_tracked(1));
  CHECK(handle.generation() == 0);
  CHECK(handle.load()->value == 1);
  handle.store(make_tracked(2));
  CHECK(handle.generation() == 1);
  CHECK(handle.load()->value == 2);
  handle.store(make_tracked(3));
  CHECK(handle.generation() == 2);
  CHECK(handle.load()->value == 3);
}

TEST_CASE("snapshot: a reader sees the new snapshot at its next get()") {
  snapshot_handle<tracked> handle(make_tracked(1));
  snapshot_reader<tracked> reader(handle);
  CHECK(reader.get().value == 1);
  CHECK(reader.get().value == 1);
  handle.store(make_tracked(2));
  CHECK(reader.get().value == 2);
  handle.store(make_tracked(3));
  handle.store(make_tracked(4));
  CHECK(reader.get().value == 4);  // intermediate snapshots are skipped

  snapshot_reader<tracked> late(handle);  // a reader made after stores starts at the current one
  CHECK(late.get().value == 4);
}

TEST_CASE("snapshot: the old snapshot is freed when its last reader moves on") {
  bool first_freed = false, second_freed = false;
  snapshot_handle<tracked> handle(make_tracked(1, &first_freed));
  snapshot_reader<tracked> a(handle), b(handle);
  CHECK(a.get().value == 1);
  CHECK(b.get().value == 1);

  handle.store(make_tracked(2, &second_freed));
  CHECK_FALSE(first_freed);  // both readers still hold it
  CHECK(a.get().value == 2);
  CHECK_FALSE(first_freed);  // b still does
  CHECK(b.get().value == 2);
  CHECK(first_freed);

  // release() lets an idle reader drop its reference without a get().
  handle.store(make_tracked(3));
  CHECK(a.get().value == 3);
  CHECK_FALSE(second_freed);
  b.release();
  CHECK(second_freed);
  CHECK(b.get().value == 3);  // and a released reader picks up the current one
}

TEST_CASE("snapshot: the last snapshot is freed with the handle and its readers") {
  bool freed = false;
  {
    snapshot_handle<tracked> handle(make_tracked(1, &freed));
    snapshot_reader<tracked> reader(handle);
    CHECK(reader.get().value == 1);
  }
  CHECK(freed);
}

namespace {

// A snapshot that is only consistent when written whole: every field derives
// from `sequence`, and the payload is large enough to be written over time.
struct consistent_snapshot {
  explicit consistent_snapshot(std::uint64_t seq) : sequence(seq), check(~seq), payload(64, seq) {}
  bool is_consistent() const {
    if (check != ~sequence) return false;
    for (std::uint64_t v : payload)
      if (v != sequence) return false;
    return true;
  }
  std::uint64_t sequence;
  std::uint64_t check;
  std::vector<std::uint64_t> payload;
};

}  // namespace

TEST_CASE("snapshot: readers see whole snapshots, in order, while a writer swaps") {
  constexpr std::uint64_t swaps = 1000;
  constexpr std::size_t reads_per_thread = 200'000;
  snapshot_handle<consistent_snapshot> handle(std::make_shared<const consistent_snapshot>(0));

  struct reader_report {
    std::size_t torn = 0;        // snapshots that were not internally consistent
    std::size_t backwards = 0;   // a snapshot older than one seen before
    std::uint64_t last_seen = 0;
  };
  std::vector<reader_report> reports(2);
  std::vector<std::thread> readers;
  for (auto& report : reports) {
    readers.emplace_back([&handle, &report] {
      snapshot_reader<consistent_snapshot> reader(handle);
      std::uint64_t previous = 0;
      for (std::size_t i = 0; i < reads_per_thread; ++i) {
        const consistent_snapshot& s = reader.get();
        if (!s.is_consistent()) ++report.torn;
        if (s.sequence < previous) ++report.backwards;
        previous = s.sequence;
      }
      report.last_seen = previous;
    });
  }
  std::thread writer([&handle] {
    for (std::uint64_t seq = 1; seq <= swaps; ++seq) {
      handle.store(std::make_shared<const consistent_snapshot>(seq));
      if (seq % 64 == 0) std::this_thread::yield();
    }
  });
  writer.join();
  for (auto& t : readers) t.join();

  for (const auto& report : reports) {
    CHECK(report.torn == 0);
    CHECK(report.backwards == 0);
    CHECK(report.last_seen <= swaps);
  }
  CHECK(handle.generation() == swaps);
  snapshot_reader<consistent_snapshot> after(handle);
  CHECK(after.get().sequence == swaps);
  CHECK(after.get().is_consistent());
}

TEST_CASE("snapshot: the generation readers load per packet is a lock-free atomic on every target") {
  // On 32-bit MIPS std::atomic<std::uint64_t> is not lock-free (it needs
  // libatomic and takes a lock); the cross builds (cmake/toolchains/) link
  // and run this under qemu.
  static_assert(std::atomic<dnsfilter::detail::snapshot_generation>::is_always_lock_free);
  CHECK(std::atomic<dnsfilter::detail::snapshot_generation>::is_always_lock_free);
}
