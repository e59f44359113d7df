// Shared body of the list loader fuzz targets (fuzz_list_*.cpp).
//
// For any input, a loader must: succeed in lenient mode; count every line as
// blank/comment or as part of a record, in the relation its format promises;
// store only valid, lower-case, non-root names, with rules and entries as
// reported; keep at most max_diagnostics diagnostics, each on a real line;
// and in strict mode succeed exactly when the lenient load found nothing wrong,
// then giving the very same catalogue, or else fail and change nothing.
// Any violation calls abort() so libFuzzer keeps the input.
#pragma once

#include <dnsfilter/lists.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace dnsfilter_fuzz {

namespace lists = dnsfilter::lists;
namespace match = dnsfilter::match;

using loader_fn = dnsfilter::result<lists::load_report> (*)(std::string_view, match::catalogue&,
                                                             const lists::load_options&, lists::diagnostic*);

// How records relate to non-blank lines in a format.
enum class lines_per_record {
  one,           // plain, adblock, catalogue: each non-comment line is one record
  one_or_more,   // hosts: a line holds one or more records (names)
  one_or_fewer,  // rpz: a record may span lines (parentheses)
};

[[noreturn]] inline void fail(const char* target, const char* what) {
  std::fprintf(stderr, "%s: %s\n", target, what);
  std::abort();
}

inline bool same_catalogue(const match::catalogue& a, const match::catalogue& b) {
  if (a.rules().size() != b.rules().size() || a.entries().size() != b.entries().size() ||
      a.sources().size() != b.sources().size())
    return false;
  for (std::size_t i = 0; i < a.rules().size(); ++i) {
    const auto& ra = a.rules()[i];
    const auto& rb = b.rules()[i];
    if (ra.packed != rb.packed || !a.name_of(ra).equals_exact(b.name_of(rb))) return false;
  }
  for (std::size_t i = 0; i < a.entries().size(); ++i) {
    const auto& ea = a.entries()[i];
    const auto& eb = b.entries()[i];
    if (ea.id != eb.id || ea.category != eb.category || ea.action != eb.action || ea.start != eb.start ||
        ea.end != eb.end || ea.source != eb.source)
      return false;
  }
  return true;
}

inline void check_catalogue(const char* target, const match::catalogue& cat, const lists::load_report& rep) {
  auto check = [&](bool ok, const char* what) {
    if (!ok) fail(target, what);
  };
  check(cat.rules().size() == rep.rules && cat.entries().size() == rep.entries, "report disagrees with catalogue");
  check(cat.sources().size() == (rep.entries > 0 ? 1u : 0u), "a source without entries, or entries without one");
  for (const auto& r : cat.rules()) {
    const auto n = cat.name_of(r);
    auto w = dnsfilter::wire::name_view::from_wire(n.wire());
    check(w.has_value() && w->size() == n.size() && w->label_count() == n.label_count(), "invalid stored name");
    check(!n.is_root(), "the root name was stored");
    for (std::byte b : n.wire()) {
      const auto c = static_cast<unsigned>(b);
      check(!(c >= 'A' && c <= 'Z'), "an upper-case stored name");
    }
    check(r.entry() < cat.entries().size(), "a rule without its entry");
  }
  if (rep.loaded == 0) check(rep.rules == 0, "rules without a loaded record");
}

inline int run(const char* target, loader_fn load, lines_per_record relation, const std::uint8_t* data,
               std::size_t size) {
  const std::string_view text{reinterpret_cast<const char*>(data), size};
  auto check = [&](bool ok, const char* what) {
    if (!ok) fail(target, what);
  };
  lists::load_options opt;
  opt.source_name = "fuzz";
  // A short limit now and then, so over-long lines are exercised on small inputs.
  if (size > 0 && data[0] == '~') opt.max_line_length = 16;

  match::catalogue lenient;
  auto rep = load(text, lenient, opt, nullptr);
  check(rep.has_value(), "lenient load failed");
  const std::size_t counted = rep->records() + rep->ignored_lines;
  switch (relation) {
    case lines_per_record::one: check(counted == rep->lines, "records + ignored lines != lines"); break;
    case lines_per_record::one_or_more: check(counted >= rep->lines, "a line without a record"); break;
    case lines_per_record::one_or_fewer: check(counted <= rep->lines, "more records than lines"); break;
  }
  check(rep->diagnostics.size() <= lists::load_report::max_diagnostics, "too many diagnostics kept");
  check(rep->diagnostics.size() == std::min(rep->invalid + rep->warnings, lists::load_report::max_diagnostics),
        "diagnostics disagree with the counts");
  for (const auto& d : rep->diagnostics) check(d.line >= 1 && d.line <= rep->lines, "diagnostic off the file");
  check_catalogue(target, lenient, *rep);

  // Strict mode over a catalogue that already holds something.
  match::catalogue strict;
  lists::load_options before;
  before.source_name = "before";
  (void)lists::load_plain("before.example\n", strict, before, nullptr);
  opt.strict = true;
  lists::diagnostic why;
  auto strict_rep = load(text, strict, opt, &why);
  const bool clean = rep->invalid == 0 && rep->warnings == 0;
  check(strict_rep.has_value() == clean, "strict mode disagrees with the lenient counts");
  if (strict_rep) {
    check(strict_rep->loaded == rep->loaded && strict_rep->skipped == rep->skipped, "strict counts differ");
    // Compare what was appended with the lenient catalogue.
    match::catalogue appended_only;
    check(strict.rules().size() == 1 + lenient.rules().size(), "strict appended other rules");
    opt.strict = false;
    (void)load(text, appended_only, opt, nullptr);
    check(same_catalogue(appended_only, lenient), "a second lenient load differs");
    for (std::size_t i = 0; i < lenient.rules().size(); ++i) {
      const auto& a = strict.rules()[i + 1];
      const auto& b = lenient.rules()[i];
      check(strict.name_of(a).equals_exact(lenient.name_of(b)) && a.flags() == b.flags() && a.entry() == b.entry() + 1,
            "strict and lenient catalogues differ");
    }
  } else {
    check(strict_rep.error() == dnsfilter::errc::invalid_list_line, "strict failure with another error");
    check(why.line >= 1 && why.line <= rep->lines && !why.message.empty(), "strict failure without a diagnostic");
    check(strict.rules().size() == 1 && strict.entries().size() == 1 && strict.sources().size() == 1,
          "a failed strict load changed the catalogue");
  }
  return 0;
}

}  // namespace dnsfilter_fuzz
