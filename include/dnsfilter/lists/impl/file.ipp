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

DNSFILTER_DECL result<list_argument> parse_list_argument(std::string_view text, diagnostic* failure) {
  const auto refuse = [&](std::string message) -> result<list_argument> {
    if (failure != nullptr) *failure = {0, std::move(message)};
    return errc::invalid_argument;
  };
  list_argument out;
  std::string_view path = text;
  const std::size_t colon = text.find(':');
  const std::string_view prefix = text.substr(0, colon == std::string_view::npos ? 0 : colon);
  if (prefix.size() >= 2 && std::all_of(prefix.begin(), prefix.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      })) {
    const auto f = parse_format(prefix);
    if (!f)
      return refuse("unknown list format " + detail::quote(prefix) + " in " + detail::quote(text) +
                    " (plain, hosts, adblock, rpz, catalogue or auto; start a path that holds ':' with ./)");
    out.format = *f;
    path = text.substr(colon + 1);
  }
  if (path.empty()) return refuse("empty path in " + detail::quote(text));
  out.path = std::string(path);
  return out;
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
  // The text is ours and goes when the load ends: it may go as it is read.
  load_options own = options;
  own.release_read_text = true;
  if (own.source_name.empty()) own.source_name = path;
  return load(*data, f, out, own, failure);
}

}  // namespace dnsfilter::lists
