// dnsfilter — hot-swappable immutable snapshots (catalogue + matcher, policies).
//
// A writer builds a new snapshot off the serving threads and publishes it with
// store(). Each serving thread reads through its own snapshot_reader, which
// keeps a reference to the snapshot it last saw and compares one atomic
// generation counter per call: the per-packet cost is a single load, no lock
// and no reference-count traffic, and a reader never sees half a snapshot.
// A snapshot is freed when the handle and every reader have moved past it, so
// peak memory during a swap is old + new.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>

namespace dnsfilter::detail {
// The counter every reader loads once per packet must be lock-free on every
// target: 64 bits where that is, the 32-bit word elsewhere. 32-bit MIPS has no
// 64-bit atomics, so std::atomic<std::uint64_t> there calls libatomic, which
// takes a lock (and fails to link without -latomic). With 32 bits a reader
// misses a swap only if exactly 2^32 swaps happen between two of its packets.
using snapshot_generation =
    std::conditional_t<std::atomic<std::uint64_t>::is_always_lock_free, std::uint64_t, std::uint32_t>;
static_assert(std::atomic<snapshot_generation>::is_always_lock_free);
}  // namespace dnsfilter::detail

namespace dnsfilter {

template <class T>
class snapshot_handle {
 public:
  explicit snapshot_handle(std::shared_ptr<const T> initial) : current_(std::move(initial)) {}

  snapshot_handle(const snapshot_handle&) = delete;
  snapshot_handle& operator=(const snapshot_handle&) = delete;

  // Publishes `next`; readers pick it up at their next get().
  void store(std::shared_ptr<const T> next) {
    std::shared_ptr<const T> old;
    {
      std::lock_guard lock(mutex_);
      old = std::exchange(current_, std::move(next));
      generation_.fetch_add(1, std::memory_order_release);
    }
    // `old` is released here, outside the lock; readers may still hold it.
  }

  std::shared_ptr<const T> load() const {
    std::lock_guard lock(mutex_);
    return current_;
  }

  std::uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }

 private:
  mutable std::mutex mutex_;  // taken only by store() and by a reader that saw a new generation
  std::shared_ptr<const T> current_;
  std::atomic<dnsfilter::detail::snapshot_generation> generation_{0};
};

// One per serving thread.
template <class T>
class snapshot_reader {
 public:
  explicit snapshot_reader(const snapshot_handle<T>& handle)
      : handle_(&handle), generation_(handle.generation()), current_(handle.load()) {}

  // The current snapshot; valid until the next get() or release() on this reader.
  const T& get() {
    const std::uint64_t g = handle_->generation();
    if (g != generation_) {
      current_ = handle_->load();
      generation_ = g;
    }
    return *current_;
  }

  // Drops the reference, e.g. when the thread goes idle, so an old snapshot
  // can be freed without waiting for this thread's next packet.
  void release() {
    current_.reset();
    generation_ = ~std::uint64_t{0};
  }

 private:
  const snapshot_handle<T>* handle_;
  std::uint64_t generation_;
  std::shared_ptr<const T> current_;
};

}  // namespace dnsfilter
