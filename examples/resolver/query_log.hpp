// dnsfilter-resolver — the query log's file: --query-log FILE (appended) or
// '-' (standard output), and the JSON-Lines writer over it.
#pragma once

#include "config.hpp"
#include "outcome.hpp"

#include <dnsfilter/dnsfilter.hpp>

#include <memory>
#include <string>

namespace resolver {

class query_log_file {
 public:
  query_log_file() = default;
  query_log_file(const query_log_file&) = delete;
  query_log_file& operator=(const query_log_file&) = delete;
  ~query_log_file() { close(); }

  // Opens --query-log, unless it is empty or --check is given (which creates
  // no file). With --query-log-client hash and no key, draws a random key
  // into `c`. The failure names the file and why it cannot be opened.
  outcome<void> open(config& c);
  // Null when there is no query log.
  dnsfilter::stats::jsonl_writer* writer() noexcept { return writer_.get(); }
  // Flushes a file to disk and closes it.
  void close();
  // SIGUSR1 (logrotate): opens the file's path again, in place of the
  // descriptor the writer uses; standard output is left alone.
  void reopen();

 private:
  int fd_ = -1;
  std::string path_;
  std::unique_ptr<dnsfilter::stats::jsonl_writer> writer_;
};

}  // namespace resolver
