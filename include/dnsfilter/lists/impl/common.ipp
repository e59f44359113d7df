// Definitions for lists/common.hpp.
#pragma once

#include <dnsfilter/detail/huge_pages.hpp>
#include <dnsfilter/lists/common.hpp>
#include <dnsfilter/match/hashed.hpp>

#include <cstdio>
#include <cstring>

namespace dnsfilter::lists {

namespace detail {

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
  if (failed_) return false;
  if (released_ == nullptr) released_ = reader.position();
  // Every 1024 lines: the text read so far goes back to the kernel when the
  // caller allows it, and the list alone, its entries aside, is a lower bound
  // of what the policy would take; reading stops once it is over the budget.
  if (options_.release_read_text && report_.lines % 1024 == 0 && reader.position() - released_ >= (4 << 20)) {
    dnsfilter::detail::release_pages(released_, reader.position());
    released_ = reader.position() - (reinterpret_cast<std::uintptr_t>(reader.position()) & ((std::uintptr_t{2} << 20) - 1));
  }
  if (options_.memory_budget != 0 && report_.lines % 1024 == 0 &&
      stage_.name_arena().size() + stage_.rules().size() * sizeof(match::rule) +
              match::suffix_hash_matcher::bytes_for(stage_.rules().size()) >
          options_.memory_budget) {
    failed_ = over_budget_ = true;
    failure_ = {report_.lines, "stopped: the list alone would take more than the memory budget of " +
                                   std::to_string(options_.memory_budget) + " octets"};
    return false;
  }
  if (!reader.next(line)) return false;
  ++report_.lines;
  std::string defect = line_defect(line, options_.max_line_length);
  defective = !defect.empty();
  if (defective) invalid(reader.number(), std::move(defect));
  return true;
}

DNSFILTER_DECL bool list_loader::add_rule(wire::name_view fqdn, match::action a, match::scope s) {
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
  return stage_.add_rule(fqdn, slot, s);
}

DNSFILTER_DECL std::uint32_t list_loader::add_entry(match::entry e) { return stage_.add_entry(std::move(e)); }

DNSFILTER_DECL result<load_report> list_loader::finish(match::catalogue& out, diagnostic* failure) {
  if (failed_) {
    if (failure != nullptr) *failure = failure_;
    return over_budget_ ? errc::over_budget : errc::invalid_list_line;
  }
  if (options_.memory_budget != 0 && !stage_.rules().empty()) {
    // As policy_bytes of `out` with the list appended, its source included.
    const std::size_t source_name = options_.source_name.size() > 15 ? options_.source_name.size() + 1 : 0;
    const std::size_t total = out.compact_bytes() + stage_.compact_bytes() + sizeof(match::source_info) + source_name +
                              match::suffix_hash_matcher::bytes_for(out.rules().size() + stage_.rules().size());
    if (total > options_.memory_budget) {
      if (failure != nullptr)
        *failure = {0, "the policy would take " + std::to_string(total) + " octets with this list's " +
                           std::to_string(stage_.rules().size()) + " rules, over the memory budget of " +
                           std::to_string(options_.memory_budget)};
      return errc::over_budget;
    }
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
