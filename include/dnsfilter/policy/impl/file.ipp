// Definitions for policy/file.hpp.
#pragma once

#include <dnsfilter/policy/file.hpp>
#include <dnsfilter/detail/text.hpp>

#include <charconv>
#include <string>
#include <utility>

namespace dnsfilter::policy {

namespace detail {

inline bool parse_uint(std::string_view token, std::size_t max, std::size_t& out) noexcept {
  if (token.empty() || token.size() > 19) return false;
  std::size_t v = 0;
  const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
  if (ec != std::errc{} || end != token.data() + token.size() || v > max) return false;
  out = v;
  return true;
}

inline bool parse_treatment(std::string_view token, treatment& out) noexcept {
  if (dnsfilter::detail::iequals(token, "opt-out")) {
    out = treatment::opt_out;
  } else if (dnsfilter::detail::iequals(token, "filter")) {
    out = treatment::filter;
  } else {
    return false;
  }
  return true;
}

// "alice" (printable ASCII) or "hex:00a1" (an even number of hex digits).
inline bool parse_subscriber_id(std::string_view token, std::string& out) {
  out.clear();
  if (token.substr(0, 4) == "hex:") {
    const std::string_view digits = token.substr(4);
    if (digits.empty() || digits.size() % 2 != 0) return false;
    for (std::size_t i = 0; i < digits.size(); i += 2) {
      const int hi = dnsfilter::detail::hex_value(digits[i]), lo = dnsfilter::detail::hex_value(digits[i + 1]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
    }
  } else {
    for (char c : token)
      if (c <= 0x20 || c >= 0x7f) return false;
    out.assign(token);
  }
  // An EDNS option holds at most 65535 octets.
  return !out.empty() && out.size() <= 0xffff;
}

// Parses one directive into `out`; returns an error message, empty on success.
inline std::string apply_directive(std::string_view line, policy_config& out, const policy_load_options& options) {
  using dnsfilter::detail::next_token;
  using dnsfilter::detail::quote;
  const std::string_view keyword = next_token(line);
  const std::string_view a = next_token(line);
  const std::string_view b = next_token(line);
  const std::string_view extra = next_token(line);
  const bool two = keyword == "listener" || keyword == "client" || keyword == "subscriber";
  if (a.empty() || (two && b.empty())) return "directive " + quote(keyword) + " is missing a value";
  if (!extra.empty() || (!two && !b.empty())) return "unexpected " + quote(two ? extra : b) + " after the value";

  if (keyword == "client") {
    auto prefix = ip_prefix::parse(a);
    if (!prefix) return "bad prefix " + quote(a) + ": " + make_error_code(prefix.error()).message();
    treatment d;
    if (!parse_treatment(b, d)) return "bad decision " + quote(b) + " (expected opt-out or filter)";
    out.client_prefixes.push_back({*prefix, d});
  } else if (keyword == "listener") {
    std::size_t index;
    if (!parse_uint(a, options.max_listeners - 1, index))
      return "bad listener index " + quote(a) + " (0-" + std::to_string(options.max_listeners - 1) + ")";
    listener_mode mode;
    if (dnsfilter::detail::iequals(b, "unfiltered")) {
      mode = listener_mode::unfiltered;
    } else if (dnsfilter::detail::iequals(b, "per-client")) {
      mode = listener_mode::per_client;
    } else {
      return "bad listener mode " + quote(b) + " (expected unfiltered or per-client)";
    }
    if (out.listeners.size() <= index) out.listeners.resize(index + 1, listener_mode::per_client);
    out.listeners[index] = mode;
  } else if (keyword == "subscriber") {
    std::string id;
    if (!parse_subscriber_id(a, id)) return "bad subscriber id " + quote(a) + " (printable text, or hex:<bytes>)";
    treatment d;
    if (!parse_treatment(b, d)) return "bad decision " + quote(b) + " (expected opt-out or filter)";
    out.subscribers.push_back({std::move(id), d});
  } else if (keyword == "subscriber-option") {
    std::size_t code;
    if (!parse_uint(a, 0xffff, code) || code == 0) return "bad EDNS option code " + quote(a) + " (1-65535)";
    out.subscriber_option = static_cast<std::uint16_t>(code);
  } else if (keyword == "subscriber-trust") {
    if (dnsfilter::detail::iequals(a, "trusted-only")) {
      out.subscriber_from_trusted_only = true;
    } else if (dnsfilter::detail::iequals(a, "any")) {
      out.subscriber_from_trusted_only = false;
    } else {
      return "bad subscriber trust " + quote(a) + " (expected trusted-only or any)";
    }
  } else if (keyword == "trusted-forwarder" || keyword == "untrusted-forwarder") {
    auto prefix = ip_prefix::parse(a);
    if (!prefix) return "bad prefix " + quote(a) + ": " + make_error_code(prefix.error()).message();
    out.trusted_forwarders.push_back({*prefix, keyword == "trusted-forwarder" ? trust::trusted : trust::untrusted});
  } else {
    return "unknown directive " + quote(keyword);
  }
  return {};
}

}  // namespace detail

DNSFILTER_DECL result<policy_load_report> load_policy(std::string_view text, policy_config& out,
                                                      const policy_load_options& options,
                                                      diagnostic* failure) {
  policy_load_report report;
  // Work on a copy so that a strict failure leaves `out` as it was.
  policy_config staged = out;
  dnsfilter::detail::line_reader reader(text);
  std::string_view line;
  while (reader.next(line)) {
    ++report.lines;
    std::string message = dnsfilter::detail::line_defect(line, options.max_line_length);
    if (message.empty()) {
      const std::string_view content = dnsfilter::detail::trim(dnsfilter::detail::strip_hash_comment(line));
      if (content.empty() || content.front() == '#') continue;
      message = detail::apply_directive(content, staged, options);
      if (message.empty()) {
        ++report.directives;
        continue;
      }
    }
    ++report.invalid;
    diagnostic d{reader.number(), std::move(message)};
    if (options.strict) {
      if (failure) *failure = std::move(d);
      return errc::invalid_list_line;
    }
    if (report.diagnostics.size() < policy_load_report::max_diagnostics) report.diagnostics.push_back(std::move(d));
  }
  out = std::move(staged);
  return report;
}

}  // namespace dnsfilter::policy
