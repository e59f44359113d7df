// dnsfilter-resolver — the dnstap output's queue and I/O thread.
#include "dnstap_output.hpp"

#include "log.hpp"

#include <fstrm.h>

#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <new>

namespace resolver::dnstap {

namespace {

constexpr char content_type[] = "protobuf:dnstap.Dnstap";
constexpr std::size_t frames_per_write = 256;  // fstrm adds a length to each: 512 iovecs per writev
constexpr std::size_t max_spare = 64;          // empty buffers kept for the serving threads

}  // namespace

outcome<std::unique_ptr<output>> output::open(const output_options& options) {
  std::unique_ptr<output> o(new output());
  o->options_ = options;
  o->options_.queue_frames = std::max<std::size_t>(1, options.queue_frames);
  fstrm_writer_options* wopt = fstrm_writer_options_init();
  fstrm_writer_options_add_content_type(wopt, content_type, sizeof content_type - 1);
  if (!options.unix_path.empty()) {
    fstrm_unix_writer_options* uopt = fstrm_unix_writer_options_init();
    fstrm_unix_writer_options_set_socket_path(uopt, options.unix_path.c_str());
    o->writer_ = fstrm_unix_writer_init(uopt, wopt);
    fstrm_unix_writer_options_destroy(&uopt);
    o->destination_ = "unix:" + options.unix_path;
  } else {
    fstrm_tcp_writer_options* topt = fstrm_tcp_writer_options_init();
    const std::string port = std::to_string(options.tcp_port);
    fstrm_tcp_writer_options_set_socket_address(topt, options.tcp_address.c_str());
    fstrm_tcp_writer_options_set_socket_port(topt, port.c_str());
    o->writer_ = fstrm_tcp_writer_init(topt, wopt);
    fstrm_tcp_writer_options_destroy(&topt);
    o->destination_ = "tcp:" + options.tcp_address + ":" + port;
  }
  fstrm_writer_options_destroy(&wopt);
  if (o->writer_ == nullptr)
    return failure{dnsfilter::errc::invalid_argument, "dnstap: cannot make a Frame Streams writer for " + o->destination_};
  o->queue_.reserve(64);
  o->thread_ = std::thread([p = o.get()] { p->run(); });
  return o;
}

output::~output() {
  if (thread_.joinable()) stop();
  if (writer_ != nullptr) fstrm_writer_destroy(&writer_);
}

std::byte* frames::reserve(std::size_t size) {
  if (size_ + size > capacity_) {
    const std::size_t wanted = std::max({size_ + size, 2 * capacity_, std::size_t{16384}});
    auto bigger = std::make_unique_for_overwrite<std::byte[]>(wanted);
    if (size_ != 0) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = wanted;
  }
  if (sizes_.capacity() == sizes_.size()) sizes_.reserve(std::max<std::size_t>(256, 2 * sizes_.size()));
  return data_.get() + size_;
}

void frames::commit(std::size_t size) noexcept {
  size_ += size;
  sizes_.push_back(static_cast<std::uint32_t>(size));  // reserve() made room
}

void frames::keep(std::size_t n) noexcept {
  if (n >= sizes_.size()) return;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < n; ++i) kept += sizes_[i];
  sizes_.resize(n);
  size_ = kept;
}

void output::submit(frames& batch) noexcept {
  if (batch.empty()) return;
  std::unique_lock lock(mutex_);
  const std::size_t room = stopping_ ? 0 : options_.queue_frames - std::min(queued_frames_, options_.queue_frames);
  if (batch.count() > room) {
    dropped_full_.fetch_add(batch.count() - room, std::memory_order_relaxed);
    batch.keep(room);
    if (batch.empty()) return;
  }
  try {
    queue_.push_back(std::move(batch));  // grows only until the queue's busiest moment
  } catch (const std::bad_alloc&) {
    dropped_full_.fetch_add(batch.count(), std::memory_order_relaxed);
    batch.clear();
    return;
  }
  queued_frames_ += queue_.back().count();
  if (!spare_.empty()) {
    batch = std::move(spare_.back());
    spare_.pop_back();
  } else {
    batch = frames{};
  }
  wake_if_needed(lock);
}

// The I/O thread is woken only when it waits for the first frame, or while
// it lingers once a quarter of the queue is waiting; otherwise its linger
// ends by itself. One notification until it is awake.
void output::wake_if_needed(std::unique_lock<std::mutex>& lock) noexcept {
  if (woken_) return;
  const bool wake = io_ == io_state::idle ||
                    (io_ == io_state::lingering && queued_frames_ >= enough_to_write());
  if (!wake) return;
  woken_ = true;
  lock.unlock();
  wake_.notify_one();
}

std::size_t output::queued() const {
  std::lock_guard lock(mutex_);
  return queued_frames_ + writing_.load(std::memory_order_relaxed);
}

bool output::write_batch(const std::vector<frames>& batch) {
  std::array<iovec, frames_per_write> iov;
  std::size_t n = 0;
  const auto write = [&] {
    if (n == 0) return true;
    // On failure the caller counts everything not yet sent (these too) as dropped.
    if (fstrm_writer_writev(writer_, iov.data(), static_cast<int>(n)) != fstrm_res_success) return false;
    sent_.fetch_add(n, std::memory_order_relaxed);
    writing_.fetch_sub(n, std::memory_order_relaxed);
    n = 0;
    return true;
  };
  for (const frames& f : batch) {
    const std::byte* at = f.data();
    for (std::size_t i = 0; i < f.count(); at += f.size_of(i), ++i) {
      iov[n++] = {const_cast<std::byte*>(at), f.size_of(i)};
      if (n == frames_per_write && !write()) return false;
    }
  }
  return write();
}

void output::run() {
  std::chrono::milliseconds backoff = options_.first_backoff;
  std::vector<frames> batch;
  const std::size_t enough = enough_to_write();
  bool logged_down = false;
  for (;;) {
    if (!connected_.load(std::memory_order_relaxed)) {
      if (fstrm_writer_open(writer_) == fstrm_res_success) {
        connected_.store(true, std::memory_order_relaxed);
        connects_.fetch_add(1, std::memory_order_relaxed);
        backoff = options_.first_backoff;
        RESOLVER_LOG(info, "dnstap: connected to %s", destination_.c_str());
        logged_down = false;
      } else {
        connect_failures_.fetch_add(1, std::memory_order_relaxed);
        if (!logged_down)
          RESOLVER_LOG(warning, "dnstap: cannot connect to %s; retrying (frames wait in the queue, then are dropped)",
                       destination_.c_str());
        logged_down = true;
        std::unique_lock lock(mutex_);
        if (wake_.wait_for(lock, backoff, [this] { return stopping_; })) break;
        backoff = std::min(backoff * 2, options_.max_backoff);
        continue;
      }
    }
    {
      std::unique_lock lock(mutex_);
      io_ = io_state::idle;
      woken_ = false;
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (!stopping_ && queued_frames_ < enough && options_.linger.count() > 0) {
        io_ = io_state::lingering;
        woken_ = false;
        wake_.wait_for(lock, options_.linger, [&] { return stopping_ || queued_frames_ >= enough; });
      }
      io_ = io_state::busy;
      if (queue_.empty()) break;  // stopping, and nothing left to write
      batch.swap(queue_);
      writing_.store(queued_frames_, std::memory_order_relaxed);
      queued_frames_ = 0;
    }
    if (!write_batch(batch)) {
      // What fstrm could not write, in part or in whole, is lost with the connection.
      dropped_write_.fetch_add(writing_.exchange(0, std::memory_order_relaxed), std::memory_order_relaxed);
      fstrm_writer_close(writer_);
      connected_.store(false, std::memory_order_relaxed);
      RESOLVER_LOG(warning, "dnstap: lost the connection to %s", destination_.c_str());
    }
    std::lock_guard lock(mutex_);
    for (frames& f : batch) {
      if (spare_.size() >= max_spare) break;
      f.clear();
      spare_.push_back(std::move(f));
    }
    batch.clear();
  }
  if (connected_.load(std::memory_order_relaxed)) fstrm_writer_close(writer_);  // STOP, and the reader's FINISH
  connected_.store(false, std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  done_ = true;
  finished_.notify_all();
}

bool output::stop(std::chrono::milliseconds grace) {
  std::unique_lock lock(mutex_);
  if (!thread_.joinable()) return true;
  stopping_ = true;
  wake_.notify_all();
  if (finished_.wait_for(lock, grace, [this] { return done_; })) {
    lock.unlock();
    thread_.join();
    fstrm_writer_destroy(&writer_);
    return true;
  }
  // Blocked writing to a collector that stopped reading: leave the thread
  // (and its writer) to the process's exit.
  dropped_write_.fetch_add(queued_frames_, std::memory_order_relaxed);
  RESOLVER_LOG(warning, "dnstap: %s does not read; leaving %zu frame(s) unsent", destination_.c_str(), queued_frames_);
  thread_.detach();
  return false;
}

}  // namespace resolver::dnstap
