// Definitions for lists/hosts.hpp.
#pragma once

#include <dnsfilter/lists/hosts.hpp>

namespace dnsfilter::lists {

namespace detail {

inline bool parse_ipv4(std::string_view text, std::uint8_t* out) noexcept {
  std::size_t pos = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (pos >= text.size() || text[pos] != '.') return false;
      ++pos;
    }
    unsigned v = 0;
    std::size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && digits < 4) {
      v = v * 10 + static_cast<unsigned>(text[pos] - '0');
      ++pos;
      ++digits;
    }
    if (digits == 0 || digits > 3 || v > 255) return false;
    out[part] = static_cast<std::uint8_t>(v);
  }
  return pos == text.size();
}

DNSFILTER_DECL bool parse_ip(std::string_view text, std::array<std::uint8_t, 16>& out) noexcept {
  out = {};
  if (text.find(':') == std::string_view::npos) {
    out[10] = out[11] = 0xFF;
    return parse_ipv4(text, out.data() + 12);
  }
  if (text.size() > 45) return false;
  // Groups before and after "::", then spread.
  std::array<std::uint8_t, 16> head{}, tail{};
  std::size_t head_n = 0, tail_n = 0;
  bool gap = false;
  std::size_t pos = 0;
  if (text.substr(0, 2) == "::") {
    gap = true;
    pos = 2;
  } else if (text.front() == ':') {
    return false;
  }
  while (pos < text.size()) {
    std::uint8_t* dst = gap ? tail.data() : head.data();
    std::size_t& n = gap ? tail_n : head_n;
    // An embedded IPv4 address ends the text.
    const std::size_t next_colon = text.find(':', pos);
    const std::string_view group = text.substr(pos, next_colon == std::string_view::npos ? text.npos : next_colon - pos);
    if (next_colon == std::string_view::npos && group.find('.') != std::string_view::npos) {
      if (n + 4 > 16 || !parse_ipv4(group, dst + n)) return false;
      n += 4;
      pos = text.size();
      break;
    }
    if (group.empty() || group.size() > 4 || n + 2 > 16) return false;
    unsigned v = 0;
    for (char c : group) {
      const int d = hex_value(c);
      if (d < 0) return false;
      v = v << 4 | static_cast<unsigned>(d);
    }
    dst[n++] = static_cast<std::uint8_t>(v >> 8);
    dst[n++] = static_cast<std::uint8_t>(v);
    pos += group.size();
    if (pos == text.size()) break;
    ++pos;  // the colon
    if (pos < text.size() && text[pos] == ':') {
      if (gap) return false;  // a second "::"
      gap = true;
      ++pos;
    } else if (pos == text.size()) {
      return false;  // a single trailing colon
    }
  }
  if (gap) {
    if (head_n + tail_n > 14) return false;
  } else if (head_n != 16) {
    return false;
  }
  for (std::size_t i = 0; i < head_n; ++i) out[i] = head[i];
  for (std::size_t i = 0; i < tail_n; ++i) out[16 - tail_n + i] = tail[i];
  return true;
}

DNSFILTER_DECL bool is_null_or_loopback(const std::array<std::uint8_t, 16>& ip) noexcept {
  bool zero10 = true;
  for (std::size_t i = 0; i < 10; ++i) zero10 = zero10 && ip[i] == 0;
  if (zero10 && ip[10] == 0xFF && ip[11] == 0xFF) {
    return ip[12] == 127 || (ip[12] == 0 && ip[13] == 0 && ip[14] == 0 && ip[15] == 0);
  }
  for (std::size_t i = 0; i < 15; ++i)
    if (ip[i] != 0) return false;
  return ip[15] <= 1;
}

inline bool is_local_host_name(std::string_view n) noexcept {
  if (!n.empty() && n.back() == '.') n.remove_suffix(1);
  constexpr std::string_view names[] = {"localhost",  "localhost.localdomain",  "localhost4",
                                        "localhost4.localdomain4", "localhost6", "localhost6.localdomain6",
                                        "broadcasthost", "local", "0.0.0.0"};
  for (std::string_view s : names)
    if (iequals(n, s)) return true;
  return n.size() >= 4 && iequals(n.substr(0, 4), "ip6-");
}

}  // namespace detail

DNSFILTER_DECL result<load_report> load_hosts(std::string_view text, match::catalogue& out,
                                              const load_options& options, diagnostic* failure) {
  detail::list_loader loader(options);
  detail::line_reader reader(text);
  std::string_view line;
  bool defective = false;
  std::string message;
  wire::name fqdn;
  std::array<std::uint8_t, 16> ip;
  while (loader.next_line(reader, line, defective)) {
    if (defective) continue;
    // hosts(5): '#' starts a comment wherever it is.
    std::string_view rest = line.substr(0, line.find('#'));
    const std::string_view address = detail::next_token(rest);
    if (address.empty()) {
      loader.ignored_line();
      continue;
    }
    if (!detail::parse_ip(address, ip)) {
      loader.invalid(reader.number(), "expected an IP address, found " + detail::quote(address));
      continue;
    }
    const bool blocks = detail::is_null_or_loopback(ip);
    std::size_t names = 0;
    for (std::string_view token = detail::next_token(rest); !token.empty(); token = detail::next_token(rest)) {
      ++names;
      if (!blocks || detail::is_local_host_name(token)) {
        loader.skipped();
      } else if (!detail::parse_list_name(token, fqdn, message)) {
        loader.invalid(reader.number(), std::move(message));
      } else {
        loader.add_rule(fqdn, options.action);
        loader.loaded();
      }
    }
    if (names == 0) loader.invalid(reader.number(), "address " + detail::quote(address) + " without a name");
  }
  return loader.finish(out, failure);
}

}  // namespace dnsfilter::lists
