// dnsfilter-resolver — dnstap frames to a collector over Frame Streams
// (libfstrm's Unix-socket or TCP writer: the bidirectional handshake READY,
// ACCEPT, START, content type protobuf:dnstap.Dnstap).
//
// The serving threads never wait for the collector. Each encodes its frames
// back to back into a `frames` buffer of its own and hands the buffer over
// with submit() once per event-loop turn: one lock for many frames, and the
// buffer comes back empty but with its memory (buffers are recycled), so a
// steady stream allocates nothing. A submit that does not fit in the bounded
// queue is cut: the frames beyond the bound are counted dropped. One I/O
// thread of ours writes the queue out, many frames per system call; it
// lingers a moment after a write so that a busy stream is written in large
// batches and the serving threads need not wake it. It reconnects with a
// doubling backoff when the collector is gone and counts every frame either
// sent or dropped (a batch whose write failed is dropped); frames wait in
// the queue while the collector is away. So at any time
//   submitted = sent + dropped + queued.
// (We use fstrm's writer, not its fstrm_iothr, because the iothr discards
// frames silently while disconnected, and the drop count must be exact.)
#pragma once

#include "outcome.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

struct fstrm_writer;

namespace resolver::dnstap {

// Encoded frames, back to back, and their sizes.
class frames {
 public:
  // Room for a frame of `size` octets at the end; commit() keeps it.
  std::byte* reserve(std::size_t size);
  void commit(std::size_t size) noexcept;
  std::size_t count() const noexcept { return sizes_.size(); }
  std::size_t bytes() const noexcept { return size_; }
  bool empty() const noexcept { return sizes_.empty(); }
  void clear() noexcept {
    size_ = 0;
    sizes_.clear();
  }
  // Keeps the first `n` frames only.
  void keep(std::size_t n) noexcept;
  // Frame i's octets, for i < count(); in order, one after the other.
  std::size_t size_of(std::size_t i) const noexcept { return sizes_[i]; }
  const std::byte* data() const noexcept { return data_.get(); }

 private:
  std::unique_ptr<std::byte[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
  std::vector<std::uint32_t> sizes_;
};

struct output_options {
  std::string unix_path;       // a Unix stream socket; or
  std::string tcp_address;     // a TCP collector (address and port)
  std::uint16_t tcp_port = 0;
  std::size_t queue_frames = 16384;                   // frames waiting at most; more are dropped
  std::chrono::milliseconds first_backoff{100};       // first reconnection delay, doubled per failure
  std::chrono::milliseconds max_backoff{5000};
  // After a write, the I/O thread waits this long for more frames (unless a
  // quarter of the queue is waiting) before it writes again.
  std::chrono::milliseconds linger{2};
};

class output {
 public:
  // Starts the I/O thread (which connects in the background). A failure
  // only for options fstrm refuses (a socket path too long, ...).
  static outcome<std::unique_ptr<output>> open(const output_options& options);
  ~output();
  output(const output&) = delete;
  output& operator=(const output&) = delete;

  // From any thread; never blocks for the collector. Takes the frames of
  // `batch` (what does not fit in the queue is dropped and counted) and
  // leaves it empty, with a recycled buffer when one is spare.
  void submit(frames& batch) noexcept;

  // Writes what is queued when connected (for at most `grace`), then stops
  // the I/O thread. False when the thread is blocked on a collector that
  // stopped reading: it is left running, and the caller must then not
  // destroy this object (release it; the process is exiting).
  bool stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));

  std::uint64_t sent() const noexcept { return sent_.load(std::memory_order_relaxed); }
  std::uint64_t dropped_queue_full() const noexcept { return dropped_full_.load(std::memory_order_relaxed); }
  std::uint64_t dropped_write_failed() const noexcept { return dropped_write_.load(std::memory_order_relaxed); }
  std::uint64_t connects() const noexcept { return connects_.load(std::memory_order_relaxed); }
  std::uint64_t connect_failures() const noexcept { return connect_failures_.load(std::memory_order_relaxed); }
  bool connected() const noexcept { return connected_.load(std::memory_order_relaxed); }
  std::size_t queued() const;
  const std::string& destination() const noexcept { return destination_; }

 private:
  output() = default;
  void run();
  bool write_batch(const std::vector<frames>& batch);
  void wake_if_needed(std::unique_lock<std::mutex>& lock) noexcept;
  // Frames that end the I/O thread's linger: a quarter of the queue.
  std::size_t enough_to_write() const noexcept { return std::max<std::size_t>(1, options_.queue_frames / 4); }

  output_options options_;
  std::string destination_;
  fstrm_writer* writer_ = nullptr;
  mutable std::mutex mutex_;
  std::condition_variable wake_;      // frames arrived, or stop
  std::condition_variable finished_;  // the I/O thread is done
  std::vector<frames> queue_;         // under mutex_
  std::size_t queued_frames_ = 0;     // under mutex_: frames in queue_
  std::vector<frames> spare_;         // under mutex_: empty buffers, memory kept
  enum class io_state : std::uint8_t { busy, idle, lingering };
  io_state io_ = io_state::busy;      // under mutex_: what the I/O thread waits for
  bool woken_ = false;                // under mutex_: notified, not yet awake
  bool stopping_ = false;             // under mutex_
  bool done_ = false;                 // under mutex_
  std::thread thread_;
  std::atomic<std::uint64_t> sent_{0}, dropped_full_{0}, dropped_write_{0}, connects_{0}, connect_failures_{0};
  std::atomic<bool> connected_{false};
  std::atomic<std::size_t> writing_{0};  // frames taken from the queue, not yet sent or dropped
};

}  // namespace resolver::dnstap
