// dnsfilter — what every list loader shares: options, the load report with its
// line-numbered diagnostics, and the staging that makes a strict load atomic.
//
// Every loader has the shape
//
//   result<load_report> load_X(std::string_view text, match::catalogue& out,
//                              const load_options& options, diagnostic* failure = nullptr);
//
// and counts *records*: a line of a plain or adblock list, a name of a hosts
// line, a resource record of an RPZ zone (parentheses may span lines), a row of
// the operator's catalogue. Each record is loaded, skipped (a valid record
// that means nothing to a DNS filter: a cosmetic adblock rule, `localhost` in
// a hosts file, an SOA record) or invalid (with a diagnostic). Blank lines and
// comments are not records; `lines` and `ignored_lines` say how many there were.
//
// Lenient mode (the default) keeps going past invalid records: a bad line never
// costs the good one next to it. Strict mode stops at the first invalid record
// and returns errc::invalid_list_line; `*failure` (when given) then holds its
// line and message, and the catalogue is left exactly as it was. Either way a
// loader fills a private staging catalogue and appends it to `out` only at the
// end, so `out` never holds half a strict load.
//
// Input is hostile by assumption: lines longer than max_line_length, NUL and
// other control bytes, invalid UTF-8 and names over 255 octets are invalid
// records, never a crash; the work is linear in the input (no line is copied
// or rescanned).
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/detail/text.hpp>
#include <dnsfilter/load.hpp>
#include <dnsfilter/lists/idna.hpp>
#include <dnsfilter/match/catalogue.hpp>
#include <dnsfilter/result.hpp>
#include <dnsfilter/stats/calendar.hpp>
#include <dnsfilter/wire/name.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dnsfilter::lists {

// The loaders report in the library's common terms (load.hpp).
using dnsfilter::diagnostic;
using dnsfilter::load_report;
using dnsfilter::read_file;
using dnsfilter::read_limits;
using dnsfilter::to_string;


struct load_options {
  // Strict: the first invalid record fails the load and changes nothing.
  bool strict = false;
  // The source recorded in the catalogue (e.g. the file path).
  std::string source_name;
  // The action of the list's block entry (exceptions always get action::pass;
  // RPZ files carry their own actions and ignore this).
  match::action action = match::action::sinkhole;
  // Metadata of the entries a list creates (the operator's catalogue carries
  // its own per row and ignores id, start and end).
  std::string category;
  std::string id;
  match::timestamp start = match::since_always;
  match::timestamp end = match::until_forever;
  // The zone of the dates in the catalogue and in RPZ entry metadata: a date
  // begins at local midnight there (UTC by default; stats/calendar.hpp).
  stats::zone time_zone{};
  // Longer lines are invalid records (never read further than their end).
  std::size_t max_line_length = 4096;
  // The memory budget of the whole policy in octets, 0 for none: a list that
  // would make the catalogue it is loaded into, with its matcher, larger
  // (match::policy_bytes) is refused with errc::over_budget and changes
  // nothing. Reading stops as soon as the list alone is over the budget
  // (an RPZ file's rules are made after its records are read: it is refused then).
  std::size_t memory_budget = 0;
  // The text is the caller's own buffer of anonymous memory (a std::string
  // read from a file), discarded after the load: the loader may return the
  // part it has read to the kernel as it goes (detail::release_pages), after
  // which that part reads as zeros. The peak of a load is then the catalogue
  // being built plus a few MiB of text, not plus the whole file. load_file
  // sets it; the RPZ loader, which reads its records again at the end,
  // ignores it.
  bool release_read_text = false;
};

namespace detail {

// The shared text helpers (detail/text.hpp), by their short names here.
using dnsfilter::detail::hex_value;
using dnsfilter::detail::iequals;
using dnsfilter::detail::is_blank;
using dnsfilter::detail::line_defect;
using dnsfilter::detail::line_reader;
using dnsfilter::detail::next_token;
using dnsfilter::detail::quote;
using dnsfilter::detail::strip_hash_comment;
using dnsfilter::detail::trim;

// A list's name (UTF-8, see idna.hpp) into `out`; on failure `message` says
// why, quoting the token. The root name is refused: it would cover everything.
DNSFILTER_DECL bool parse_list_name(std::string_view token, wire::name& out, std::string& message);

// The loader machinery shared by every format: counts, diagnostics, strict
// mode, and a staging catalogue with one entry per action, made on first use.
class list_loader {
 public:
  explicit list_loader(const load_options& options) : options_(options) {}

  const load_options& options() const noexcept { return options_; }
  load_report& report() noexcept { return report_; }
  // Set after an invalid record in strict mode: the caller should stop.
  bool failed() const noexcept { return failed_; }

  void ignored_line() noexcept { ++report_.ignored_lines; }
  void skipped() noexcept { ++report_.skipped; }
  void loaded() noexcept { ++report_.loaded; }
  DNSFILTER_DECL void invalid(std::size_t line, std::string message);
  // A problem that does not cost the record (strict mode still fails on it).
  DNSFILTER_DECL void warning(std::size_t line, std::string message);

  // Reads the next physical line, counting it, and checks it for defects
  // (an over-long or binary line is counted invalid and `defective` is set).
  DNSFILTER_DECL bool next_line(line_reader& reader, std::string_view& line, bool& defective);

  // A rule in the entry of `a` (the list-wide entry for that action, built
  // from the options). Returns false for the root name, which is refused.
  DNSFILTER_DECL bool add_rule(wire::name_view fqdn, match::action a,
                               match::scope s = match::scope::name_and_subdomains);
  // An entry of its own (the operator's catalogue); returns its staging index.
  DNSFILTER_DECL std::uint32_t add_entry(match::entry e);
  bool add_rule_to(wire::name_view fqdn, std::uint32_t entry, match::scope s = match::scope::name_and_subdomains) {
    return stage_.add_rule(fqdn, entry, s);
  }
  // Sizes the staging arrays before the first rule (see catalogue::reserve).
  void reserve(std::size_t rules, std::size_t name_bytes) { stage_.reserve(rules, name_bytes); }

  // Appends the staged entries and rules to `out` (nothing on a strict
  // failure) and returns the report or errc::invalid_list_line.
  DNSFILTER_DECL result<load_report> finish(match::catalogue& out, diagnostic* failure);

 private:
  static constexpr std::uint32_t no_entry = 0xFFFFFFFFu;
  const load_options& options_;
  load_report report_;
  match::catalogue stage_;
  std::array<std::uint32_t, match::action_count> entry_of_action_ = match::per_action(no_entry);
  DNSFILTER_DECL void note(std::size_t line, std::string message);

  diagnostic failure_;
  bool failed_ = false;
  bool over_budget_ = false;
  const char* released_ = nullptr;  // release_read_text: the text before this is returned
};

}  // namespace detail
}  // namespace dnsfilter::lists

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/lists/impl/common.ipp>
#endif
