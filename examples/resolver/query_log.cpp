// dnsfilter-resolver — opening and closing the query log.
#include "query_log.hpp"

#include "log.hpp"
#include "random.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace resolver {

bool query_log_file::open(config& c) {
  if (c.query_log.empty() || c.check_only) return true;  // --check creates no file
  fd_ = c.query_log == "-" ? STDOUT_FILENO : ::open(c.query_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd_ < 0) {
    RESOLVER_LOG(error, "cannot open the query log %s: %s", c.query_log.c_str(), std::strerror(errno));
    return false;
  }
  if (c.query_log_options.privacy == dnsfilter::stats::client_privacy::keyed_hash && !c.query_log_key_given) {
    secure_random r;
    r.fill(c.query_log_options.key.data(), c.query_log_options.key.size());
    RESOLVER_LOG(info, "query log: client hashes use a random key (they change at every start; set --query-log-key to keep them)");
  }
  writer_ = std::make_unique<dnsfilter::stats::jsonl_writer>(fd_, c.query_log_options);
  return true;
}

void query_log_file::close() {
  if (fd_ >= 0 && fd_ != STDOUT_FILENO) {
    ::fdatasync(fd_);
    ::close(fd_);
  }
  fd_ = -1;
}

}  // namespace resolver
