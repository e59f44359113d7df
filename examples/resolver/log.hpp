// dnsfilter-resolver — logging: one line per event on standard error.
//
// Lines carry a UTC timestamp and a level so that journald, a container log
// or a plain file all read the same way. fprintf takes stdio's lock, so lines
// from several threads never interleave. Nothing here runs per query: a
// serving thread logs only rare events (an upstream going down, a spike of
// mismatched responses), never per packet.
#pragma once

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <string_view>

namespace resolver {

enum class log_level : int { error = 0, warning = 1, info = 2, debug = 3 };

inline std::atomic<int>& log_threshold() {
  static std::atomic<int> level{static_cast<int>(log_level::info)};
  return level;
}

inline bool parse_log_level(std::string_view text, log_level& out) {
  if (text == "error") out = log_level::error;
  else if (text == "warning") out = log_level::warning;
  else if (text == "info") out = log_level::info;
  else if (text == "debug") out = log_level::debug;
  else return false;
  return true;
}

inline bool log_enabled(log_level level) {
  return static_cast<int>(level) <= log_threshold().load(std::memory_order_relaxed);
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
inline void log(log_level level, const char* format, ...) {
  if (!log_enabled(level)) return;
  static constexpr const char* names[] = {"error", "warning", "info", "debug"};
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  tm utc{};
  gmtime_r(&now.tv_sec, &utc);
  char line[2048];
  int n = std::snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s: ", utc.tm_year + 1900,
                        utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, now.tv_nsec / 1000000,
                        names[static_cast<int>(level)]);
  if (n < 0) return;
  va_list args;
  va_start(args, format);
  const int m = std::vsnprintf(line + n, sizeof line - static_cast<std::size_t>(n), format, args);
  va_end(args);
  if (m < 0) return;
  std::size_t size = static_cast<std::size_t>(n) + static_cast<std::size_t>(m);
  if (size > sizeof line - 2) size = sizeof line - 2;  // long lines are cut, never dropped
  line[size++] = '\n';
  std::fwrite(line, 1, size, stderr);
}

}  // namespace resolver

#define RESOLVER_LOG(level, ...) ::resolver::log(::resolver::log_level::level, __VA_ARGS__)
