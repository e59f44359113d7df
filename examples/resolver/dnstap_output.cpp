// dnsfilter-resolver — the dnstap output's queue and I/O thread.
#include "dnstap_output.hpp"

#include "log.hpp"

#include <fstrm.h>

#include <sys/uio.h>

#include <algorithm>
#include <array>

namespace resolver::dnstap {

namespace {

constexpr char content_type[] = "protobuf:dnstap.Dnstap";
constexpr std::size_t frames_per_write = 128;

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
  o->queue_.reserve(o->options_.queue_frames);
  o->thread_ = std::thread([p = o.get()] { p->run(); });
  return o;
}

output::~output() {
  if (thread_.joinable()) stop();
  if (writer_ != nullptr) fstrm_writer_destroy(&writer_);
}

void output::submit(std::string frame) noexcept {
  bool was_empty = false;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= options_.queue_frames) {
      dropped_full_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    was_empty = queue_.empty();
    queue_.push_back(std::move(frame));  // capacity reserved: no allocation under the lock
  }
  if (was_empty) wake_.notify_one();
}

std::size_t output::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

bool output::write_batch(std::vector<std::string>& batch) {
  std::array<iovec, frames_per_write> iov;
  for (std::size_t done = 0; done < batch.size();) {
    const std::size_t n = std::min(frames_per_write, batch.size() - done);
    for (std::size_t i = 0; i < n; ++i) iov[i] = {batch[done + i].data(), batch[done + i].size()};
    if (fstrm_writer_writev(writer_, iov.data(), static_cast<int>(n)) != fstrm_res_success) {
      // What fstrm could not write, in part or in whole, is lost with the connection.
      dropped_write_.fetch_add(batch.size() - done, std::memory_order_relaxed);
      return false;
    }
    sent_.fetch_add(n, std::memory_order_relaxed);
    done += n;
  }
  return true;
}

void output::run() {
  std::chrono::milliseconds backoff = options_.first_backoff;
  std::vector<std::string> batch;
  batch.reserve(options_.queue_frames);
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
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stopping, and nothing left to write
      batch.swap(queue_);
      queue_.reserve(options_.queue_frames);
    }
    if (!write_batch(batch)) {
      fstrm_writer_close(writer_);
      connected_.store(false, std::memory_order_relaxed);
      RESOLVER_LOG(warning, "dnstap: lost the connection to %s", destination_.c_str());
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
  dropped_write_.fetch_add(queue_.size(), std::memory_order_relaxed);
  RESOLVER_LOG(warning, "dnstap: %s does not read; leaving %zu frame(s) unsent", destination_.c_str(), queue_.size());
  thread_.detach();
  return false;
}

}  // namespace resolver::dnstap
