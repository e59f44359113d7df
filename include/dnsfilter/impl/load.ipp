// Definitions for load.hpp.
#pragma once

#include <dnsfilter/detail/huge_pages.hpp>
#include <dnsfilter/load.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <limits>

#include <sys/stat.h>

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
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return errc::io_error;
  // One read into a string sized once: appending 64 KiB blocks copied a large
  // list several times over as the string grew. The size of a regular file
  // is a hint: one octet more is asked for, to see the end in the same call,
  // and what is not a regular file (a pipe; a directory, whose "size" may be
  // anything) or a file that grows meanwhile is read on with the string
  // doubling.
  std::size_t expected = 0;
  struct stat st {};
  const bool regular = ::fstat(::fileno(file), &st) == 0 && S_ISREG(st.st_mode);
  const auto refuse = [file](errc why) {
    std::fclose(file);
    return why;
  };
  if (limits.regular_only && !regular) return refuse(errc::not_regular_file);
  if (regular && static_cast<std::uintmax_t>(st.st_size) > limits.max_size) return refuse(errc::out_of_range);
  if (regular && st.st_size > 0 &&
      static_cast<std::uintmax_t>(st.st_size) < std::numeric_limits<std::size_t>::max() / 2)
    expected = static_cast<std::size_t>(st.st_size);
  std::string data;
  data.reserve(expected + 1);
  dnsfilter::detail::advise_huge_pages(data.data(), data.capacity());
  data.resize(expected + 1);
  std::size_t size = 0;
  for (;;) {
    if (size == data.size()) data.resize(std::max<std::size_t>(2 * data.size(), 65536));
    const std::size_t wanted = data.size() - size;
    const std::size_t n = std::fread(data.data() + size, 1, wanted, file);
    size += n;
    if (size > limits.max_size) return refuse(errc::out_of_range);  // it grew, or is no regular file
    if (n < wanted) break;  // the end, or an error (ferror says which)
  }
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) return errc::io_error;
  data.resize(size);
  return data;
}

}  // namespace dnsfilter
