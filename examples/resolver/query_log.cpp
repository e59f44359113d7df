// dnsfilter-resolver — opening and closing the query log.
#include "query_log.hpp"

#include "log.hpp"
#include "random.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace resolver {

namespace {

int open_log(const std::string& path) {
  return path == "-" ? STDOUT_FILENO : ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

}  // namespace

outcome<void> query_log_file::open(config& c) {
  if ((c.query_log.empty() && !c.dnstap.enabled()) || c.check_only) return {};  // --check creates no file
  // dnstap hashes clients as the query log does, with the same key.
  if (c.query_log_options.privacy == dnsfilter::stats::client_privacy::keyed_hash && !c.query_log_key_given) {
    secure_random r;
    r.fill(c.query_log_options.key.data(), c.query_log_options.key.size());
    RESOLVER_LOG(info, "query log: client hashes use a random key (they change at every start; set --query-log-key to keep them)");
  }
  if (c.query_log.empty()) return {};
  fd_ = open_log(c.query_log);
  if (fd_ < 0)
    return failure{dnsfilter::errc::write_failed,
                   "cannot open the query log " + c.query_log + ": " + std::strerror(errno)};
  path_ = c.query_log;
  writer_ = std::make_unique<dnsfilter::stats::jsonl_writer>(fd_, c.query_log_options);
  return {};
}

void query_log_file::reopen() {
  if (fd_ < 0 || fd_ == STDOUT_FILENO) return;
  const int fresh = open_log(path_);
  if (fresh < 0) {
    RESOLVER_LOG(error, "query log: cannot reopen %s (%s); still writing to the old file", path_.c_str(),
                 std::strerror(errno));
    return;
  }
  // dup2 swaps the file under the descriptor the writer uses in one step:
  // a line written meanwhile goes whole to the old file or to the new one.
  ::fdatasync(fd_);
  if (::dup3(fresh, fd_, O_CLOEXEC) < 0)
    RESOLVER_LOG(error, "query log: cannot reopen %s (%s)", path_.c_str(), std::strerror(errno));
  else RESOLVER_LOG(info, "query log: reopened %s", path_.c_str());
  ::close(fresh);
}

void query_log_file::close() {
  if (fd_ >= 0 && fd_ != STDOUT_FILENO) {
    ::fdatasync(fd_);
    ::close(fd_);
  }
  fd_ = -1;
}

}  // namespace resolver
