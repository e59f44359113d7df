// Definitions for load.hpp.
#pragma once

#include <dnsfilter/detail/huge_pages.hpp>
#include <dnsfilter/load.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <limits>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dnsfilter {

DNSFILTER_DECL std::string to_string(std::string_view file, const diagnostic& d) {
  std::string out(file);
  out += ':';
  out += std::to_string(d.line);
  out += ": ";
  out += d.message;
  return out;
}

DNSFILTER_DECL result<std::string> read_file(const std::string& path, const read_limits& limits) {
  // Opened without blocking and judged before the first read: opening a FIFO
  // for reading would otherwise wait for a writer, and a caller that asked
  // for regular files only must not hang on one. Close-on-exec, so a helper
  // the program starts does not inherit the descriptor.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return errc::io_error;
  struct stat st {};
  const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  if (limits.regular_only && !regular) {
    ::close(fd);
    return errc::not_regular_file;
  }
  if (regular && static_cast<std::uintmax_t>(st.st_size) > limits.max_size) {
    ::close(fd);
    return errc::out_of_range;
  }
  const int flags = ::fcntl(fd, F_GETFL);
  std::FILE* file = flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0 ? nullptr : ::fdopen(fd, "rb");
  if (file == nullptr) {
    ::close(fd);
    return errc::io_error;
  }
  // One read into a string sized once: appending 64 KiB blocks copied a large
  // list several times over as the string grew. The size of a regular file
  // is a hint: one octet more is asked for, to see the end in the same call,
  // and what is not a regular file (a pipe; a directory, whose "size" may be
  // anything) or a file that grows meanwhile is read on with the string
  // doubling, never past one octet over the limit.
  std::size_t expected = 0;
  if (regular && st.st_size > 0 &&
      static_cast<std::uintmax_t>(st.st_size) < std::numeric_limits<std::size_t>::max() / 2)
    expected = static_cast<std::size_t>(st.st_size);
  const std::size_t cap = limits.max_size == std::numeric_limits<std::size_t>::max() ? limits.max_size
                                                                                      : limits.max_size + 1;
  std::string data;
  data.reserve(expected + 1);
  dnsfilter::detail::advise_huge_pages(data.data(), data.capacity());
  data.resize(expected + 1);
  std::size_t size = 0;
  for (;;) {
    if (size == data.size()) data.resize(std::min(std::max<std::size_t>(2 * data.size(), 65536), std::max(cap, size + 1)));
    const std::size_t wanted = data.size() - size;
    const std::size_t n = std::fread(data.data() + size, 1, wanted, file);
    size += n;
    if (size > limits.max_size) {  // it grew, or is no regular file
      std::fclose(file);
      return errc::out_of_range;
    }
    if (n < wanted) break;  // the end, or an error (ferror says which)
  }
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) return errc::io_error;
  data.resize(size);
  return data;
}

}  // namespace dnsfilter
