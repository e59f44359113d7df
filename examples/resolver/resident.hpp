// dnsfilter-resolver — this process's resident memory (VmRSS of
// /proc/self/status), for the tests and the benchmark that measure what a
// cached answer costs in pages actually touched.
#pragma once

#include <cstdio>

namespace resolver {

// Kibibytes resident, or -1 when /proc is not there.
inline long resident_kib() noexcept {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  char line[256];
  long kib = -1;
  while (std::fgets(line, sizeof line, f) != nullptr)
    if (std::sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
  std::fclose(f);
  return kib;
}

}  // namespace resolver
