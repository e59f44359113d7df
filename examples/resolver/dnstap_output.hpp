// dnsfilter-resolver — dnstap frames to a collector over Frame Streams
// (libfstrm's Unix-socket or TCP writer: the bidirectional handshake READY,
// ACCEPT, START, content type protobuf:dnstap.Dnstap).
//
// The serving threads never wait for the collector: submit() puts a frame
// in a bounded queue, or counts it dropped when the queue is full. One I/O
// thread of ours writes the queue out, reconnects with a doubling backoff
// when the collector is gone, and counts every frame either sent or dropped
// (a batch whose write failed is dropped); frames wait in the queue while
// the collector is away. So at any time
//   submitted = sent + dropped + queued.
// (We use fstrm's writer, not its fstrm_iothr, because the iothr discards
// frames silently while disconnected, and the drop count must be exact.)
#pragma once

#include "outcome.hpp"

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

struct output_options {
  std::string unix_path;       // a Unix stream socket; or
  std::string tcp_address;     // a TCP collector (address and port)
  std::uint16_t tcp_port = 0;
  std::size_t queue_frames = 16384;                   // frames waiting at most; more are dropped
  std::chrono::milliseconds first_backoff{100};       // first reconnection delay, doubled per failure
  std::chrono::milliseconds max_backoff{5000};
};

class output {
 public:
  // Starts the I/O thread (which connects in the background). A failure
  // only for options fstrm refuses (a socket path too long, ...).
  static outcome<std::unique_ptr<output>> open(const output_options& options);
  ~output();
  output(const output&) = delete;
  output& operator=(const output&) = delete;

  // From any thread; never blocks for the collector.
  void submit(std::string frame) noexcept;

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
  bool write_batch(std::vector<std::string>& batch);

  output_options options_;
  std::string destination_;
  fstrm_writer* writer_ = nullptr;
  mutable std::mutex mutex_;
  std::condition_variable wake_;      // frames arrived, or stop
  std::condition_variable finished_;  // the I/O thread is done
  std::vector<std::string> queue_;    // under mutex_
  bool stopping_ = false;             // under mutex_
  bool done_ = false;                 // under mutex_
  std::thread thread_;
  std::atomic<std::uint64_t> sent_{0}, dropped_full_{0}, dropped_write_{0}, connects_{0}, connect_failures_{0};
  std::atomic<bool> connected_{false};
};

}  // namespace resolver::dnstap
