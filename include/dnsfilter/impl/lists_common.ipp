// Definitions for lists/common.hpp.
#pragma once

#include <dnsfilter/lists/common.hpp>

#include <cstdio>
#include <cstring>

namespace dnsfilter::lists {

DNSFILTER_DECL std::string to_string(std::string_view file, const diagnostic& d) {
  std::string out(file);
  out += ':';
  out += std::to_string(d.line);
  out += ": ";
  out += d.message;
  return out;
}

namespace detail {

DNSFILTER_DECL bool line_reader::next(std::string_view& line) noexcept {
  if (done_) return false;
  const void* nl = rest_.empty() ? nullptr : std::memchr(rest_.data(), '\n', rest_.size());
  if (nl == nullptr) {
    // The last line: present unless the text ended with a line terminator.
    done_ = true;
    if (rest_.empty()) return false;
    line = rest_;
    rest_ = {};
  } else {
    const auto len = static_cast<std::size_t>(static_cast<const char*>(nl) - rest_.data());
    line = rest_.substr(0, len);
    rest_.remove_prefix(len + 1);
  }
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  ++number_;
  return true;
}

DNSFILTER_DECL std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

DNSFILTER_DECL std::string_view next_token(std::string_view& s) noexcept {
  std::size_t i = 0;
  while (i < s.size() && is_blank(s[i])) ++i;
  std::size_t j = i;
  while (j < s.size() && !is_blank(s[j])) ++j;
  const std::string_view token = s.substr(i, j - i);
  s.remove_prefix(j);
  return token;
}

DNSFILTER_DECL std::string quote(std::string_view token) {
  constexpr std::size_t max_shown = 64;
  std::string out = "'";
  for (std::size_t i = 0; i < token.size() && i < max_shown; ++i) {
    const auto c = static_cast<unsigned char>(token[i]);
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    }
  }
  if (token.size() > max_shown) out += "...";
  out += '\'';
  return out;
}

DNSFILTER_DECL std::string line_defect(std::string_view line, std::size_t max_length) {
  if (line.size() > max_length) {
    return "line of " + std::to_string(line.size()) + " octets exceeds the limit of " + std::to_string(max_length);
  }
  for (std::size_t i = 0; i < line.size(); ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if ((c < 0x20 && c != '\t') || c == 0x7F) {
      char buf[80];
      std::snprintf(buf, sizeof buf, "binary data: control byte 0x%02X at column %zu", c, i + 1);
      return buf;
    }
  }
  return {};
}

DNSFILTER_DECL bool parse_list_name(std::string_view token, wire::name& out, std::string& message) {
  auto n = name_from_utf8(token);
  if (!n) {
    message = "invalid name " + quote(token) + ": " + dnsfilter::to_string(n.error());
    return false;
  }
  if (n->is_root()) {
    message = "the root name cannot be listed (it would cover every name)";
    return false;
  }
  out = *n;
  return true;
}

DNSFILTER_DECL std::string_view strip_hash_comment(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '#' && (i == 0 || is_blank(text[i - 1]))) return text.substr(0, i);
  }
  return text;
}

DNSFILTER_DECL void list_loader::invalid(std::size_t line, std::string message) {
  ++report_.invalid;
  note(line, std::move(message));
}

DNSFILTER_DECL void list_loader::warning(std::size_t line, std::string message) {
  ++report_.warnings;
  note(line, std::move(message));
}

DNSFILTER_DECL void list_loader::note(std::size_t line, std::string message) {
  if (options_.strict && !failed_) {
    failed_ = true;
    failure_ = {line, message};
  }
  if (report_.diagnostics.size() < load_report::max_diagnostics) {
    report_.diagnostics.push_back({line, std::move(message)});
  }
}

DNSFILTER_DECL bool list_loader::next_line(line_reader& reader, std::string_view& line, bool& defective) {
  if (failed_ || !reader.next(line)) return false;
  ++report_.lines;
  std::string defect = line_defect(line, options_.max_line_length);
  defective = !defect.empty();
  if (defective) invalid(reader.number(), std::move(defect));
  return true;
}

DNSFILTER_DECL bool list_loader::add_rule(wire::name_view fqdn, match::action a, bool exact) {
  if (fqdn.is_root()) return false;
  auto& slot = entry_of_action_[static_cast<std::size_t>(a)];
  if (slot == no_entry) {
    match::entry e;
    e.id = options_.id;
    e.category = options_.category;
    e.action = a;
    e.start = options_.start;
    e.end = options_.end;
    slot = stage_.add_entry(std::move(e));
  }
  return stage_.add_rule(fqdn, slot, exact);
}

DNSFILTER_DECL std::uint32_t list_loader::add_entry(match::entry e) { return stage_.add_entry(std::move(e)); }

DNSFILTER_DECL result<load_report> list_loader::finish(match::catalogue& out, diagnostic* failure) {
  if (failed_) {
    if (failure != nullptr) *failure = failure_;
    return errc::invalid_list_line;
  }
  if (!stage_.entries().empty()) {
    // Source indices are 16 bits wide.
    if (out.sources().size() > 0xFFFFu) {
      if (failure != nullptr) *failure = {0, "the catalogue already holds the maximum number of sources"};
      return errc::out_of_range;
    }
    const std::uint16_t source = out.add_source(options_.source_name);
    report_.entries = stage_.entries().size();
    report_.rules = stage_.rules().size();
    // Moved whole into an empty catalogue (the first list of a load).
    out.append(std::move(stage_), source);
  }
  return std::move(report_);
}

}  // namespace detail
}  // namespace dnsfilter::lists
