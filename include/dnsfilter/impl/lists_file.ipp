// Definitions for lists/file.hpp.
#pragma once

#include <dnsfilter/detail/huge_pages.hpp>
#include <dnsfilter/lists/file.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <limits>

#include <sys/stat.h>

namespace dnsfilter::lists {

DNSFILTER_DECL std::optional<format> parse_format(std::string_view text) noexcept {
  constexpr std::pair<std::string_view, format> names[] = {
      {"auto", format::automatic}, {"automatic", format::automatic}, {"plain", format::plain},
      {"hosts", format::hosts},    {"adblock", format::adblock},     {"rpz", format::rpz},
      {"catalogue", format::catalogue}};
  for (auto [n, f] : names)
    if (detail::iequals(text, n)) return f;
  return std::nullopt;
}

namespace detail {

inline bool ends_with_nocase(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

// The format one meaningful line suggests, or automatic when it says nothing.
inline format sniff_line(std::string_view line) noexcept {
  line = trim(line);
  if (line.empty() || line.front() == '#' || line.substr(0, 2) == "//") return format::automatic;
  if (line.substr(0, 8) == "[Adblock" || line.substr(0, 2) == "||" || line.substr(0, 2) == "@@")
    return format::adblock;
  // Adblock metadata comments; other '!' lines may be plain-list comments too.
  if (line.substr(0, 8) == "! Title:" || line.substr(0, 10) == "! Expires:") return format::adblock;
  if (line.front() == '!') return format::automatic;
  if (line.front() == ';' || line.front() == '$') return format::rpz;
  std::string_view rest = line;
  const std::string_view first = next_token(rest);
  std::array<std::uint8_t, 16> ip;
  if (parse_ip(first, ip)) return next_token(rest).empty() ? format::automatic : format::hosts;
  for (std::string_view t = next_token(rest); !t.empty(); t = next_token(rest))
    if (iequals(t, "SOA") || iequals(t, "CNAME")) return format::rpz;
  for (std::size_t i = 0; i + 10 <= line.size(); ++i)
    if (parse_date(line.substr(i, 10)) && (line.find('\t') != line.npos || line.find(',') != line.npos))
      return format::catalogue;
  if (line.find('\t') != line.npos && (contains_word(line, "fqdn") || contains_word(line, "start")))
    return format::catalogue;
  if (line.find(',') != line.npos && contains_word(line, "fqdn")) return format::catalogue;
  return format::automatic;
}

}  // namespace detail

DNSFILTER_DECL format detect_format(std::string_view path, std::string_view text) noexcept {
  using detail::ends_with_nocase;
  if (ends_with_nocase(path, ".rpz") || ends_with_nocase(path, ".zone") || ends_with_nocase(path, ".db"))
    return format::rpz;
  if (ends_with_nocase(path, ".tsv") || ends_with_nocase(path, ".csv")) return format::catalogue;
  const std::size_t slash = path.find_last_of('/');
  const std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (detail::iequals(base, "hosts") || ends_with_nocase(base, ".hosts")) return format::hosts;
  detail::line_reader reader(text);
  std::string_view line;
  for (int seen = 0; seen < 200 && reader.next(line);) {
    if (line.size() > 4096) continue;
    const format f = detail::sniff_line(line);
    if (f != format::automatic) return f;
    if (!detail::trim(line).empty()) ++seen;
  }
  return format::plain;
}

DNSFILTER_DECL result<load_report> load(std::string_view text, format f, match::catalogue& out,
                                        const load_options& options, diagnostic* failure) {
  if (f == format::automatic) f = detect_format({}, text);
  switch (f) {
    case format::hosts: return load_hosts(text, out, options, failure);
    case format::adblock: return load_adblock(text, out, options, failure);
    case format::rpz: return load_rpz(text, out, options, failure);
    case format::catalogue: return load_catalogue(text, out, options, failure);
    case format::automatic:
    case format::plain: break;
  }
  return load_plain(text, out, options, failure);
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

DNSFILTER_DECL result<load_report> load_file(const std::string& path, format f, match::catalogue& out,
                                             const load_options& options, diagnostic* failure) {
  const int saved_errno = errno;
  errno = 0;
  auto data = read_file(path);
  if (!data) {
    if (failure != nullptr) {
      *failure = {0, "cannot read " + path + (errno != 0 ? std::string(": ") + std::strerror(errno) : std::string())};
    }
    errno = saved_errno;
    return data.error();
  }
  errno = saved_errno;
  if (f == format::automatic) f = detect_format(path, *data);
  if (options.source_name.empty()) {
    load_options named = options;
    named.source_name = path;
    return load(*data, f, out, named, failure);
  }
  return load(*data, f, out, options, failure);
}

}  // namespace dnsfilter::lists
