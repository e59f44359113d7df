// dnsfilter-resolver — opening and closing the query log.
#include "query_log.hpp"

#include "log.hpp"
#include "random.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace resolver {

outcome<void> query_log_file::open(config& c) {
  if (c.query_log.empty() || c.check_only) return {};  // --check creates no file
  fd_ = c.query_log == "-" ? STDOUT_FILENO : ::open(c.query_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd_ < 0)
    return failure{dnsfilter::errc::write_failed,
                   "cannot open the query log " + c.query_log + ": " + std::strerror(errno)};
  if (c.query_log_options.privacy == dnsfilter::stats::client_privacy::keyed_hash && !c.query_log_key_given) {
    secure_random r;
    r.fill(c.query_log_options.key.data(), c.query_log_options.key.size());
    RESOLVER_LOG(info, "query log: client hashes use a random key (they change at every start; set --query-log-key to keep them)");
  }
  writer_ = std::make_unique<dnsfilter::stats::jsonl_writer>(fd_, c.query_log_options);
  return {};
}

void query_log_file::close() {
  if (fd_ >= 0 && fd_ != STDOUT_FILENO) {
    ::fdatasync(fd_);
    ::close(fd_);
  }
  fd_ = -1;
}

}  // namespace resolver
