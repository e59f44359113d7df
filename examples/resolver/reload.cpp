// dnsfilter-resolver — snapshot builds and file watching.
#include "reload.hpp"

#include "feed.hpp"
#include "log.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <limits>
#include <memory>

namespace resolver {

namespace {
// Lists and the policy file: read, not mapped (a file truncated while mapped
// would kill the resolver with SIGBUS), and regular files only (a FIFO would
// block the control thread, a device could be endless).
constexpr dnsfilter::read_limits regular_files_only{.max_size = std::numeric_limits<std::size_t>::max(),
                                                    .regular_only = true};
}  // namespace

namespace lists = dnsfilter::lists;
namespace match = dnsfilter::match;

namespace {

// Lenient mode keeps going past bad lines; the operator still hears of them.
void log_diagnostics(const std::string& source, const lists::load_report& report) {
  if (report.invalid == 0 && report.warnings == 0) return;
  RESOLVER_LOG(warning, "%s: %zu invalid line(s), %zu warning(s) (skipped: --lenient-lists)", source.c_str(),
               report.invalid, report.warnings);
  std::size_t shown = 0;
  for (const auto& d : report.diagnostics) {
    if (++shown > 10) {
      RESOLVER_LOG(warning, "%s: ... %zu more", source.c_str(), report.diagnostics.size() - 10);
      break;
    }
    RESOLVER_LOG(warning, "%s", lists::to_string(source, d).c_str());
  }
}

outcome<void> load_one(const std::string& source, const dnsfilter::result<lists::load_report>& r,
                       const lists::diagnostic& why, const config& c, loaded_catalogue& out) {
  if (!r) return failure{r.error(), lists::to_string(source, why)};
  if (r->records() > 0 && r->loaded == 0 && r->invalid > 0) {
    // Lenient or not, a file in which nothing is valid is not a list.
    std::string error = source + ": no valid line (" + std::to_string(r->invalid) + " invalid)";
    if (!r->diagnostics.empty()) error += "; first: " + lists::to_string(source, r->diagnostics.front());
    return failure{dnsfilter::errc::invalid_list_line, std::move(error)};
  }
  if (c.lenient_lists) log_diagnostics(source, *r);
  out.warnings += r->invalid + r->warnings;
  ++out.lists;
  return {};
}

// --memory-budget against what `cat` takes with its matcher (match::policy_bytes).
outcome<void> within_budget(const config& c, const match::catalogue& cat, const std::string& what) {
  if (c.memory_budget == 0) return {};
  const std::size_t bytes = match::policy_bytes(cat);
  if (bytes <= c.memory_budget) return {};
  return failure{dnsfilter::errc::over_budget, what + ": the policy would take " + std::to_string(bytes) +
                                                   " octets, over the memory budget of " +
                                                   std::to_string(c.memory_budget) + " (--memory-budget)"};
}

}  // namespace

std::vector<std::string> catalogue_paths(const config& c) {
  std::vector<std::string> paths;
  if (!c.image.empty()) paths.push_back(c.image);
  for (const auto& l : c.lists) paths.push_back(l.path);
  return paths;
}

outcome<loaded_catalogue> load_catalogue(const config& c, dnsfilter::stats::registry& registry, feed_runner* feeds,
                                         const dnsfilter::filter::snapshot_type* current) {
  const auto start = std::chrono::steady_clock::now();
  loaded_catalogue out;
  if (!c.image.empty()) {
    // A compiled image: mapped and checked, its rules and names left in the page cache.
    dnsfilter::diagnostic why;
    auto image = match::map_image(c.image, &why);
    if (!image) return failure{image.error(), c.image + ": " + why.message};
    if (auto ok = within_budget(c, (*image)->source(), c.image); !ok) return ok.error();
    out.lists = (*image)->source().sources().size();
    out.entries = (*image)->source().entries().size();
    out.rules = (*image)->source().rules().size();
    out.snapshot = dnsfilter::make_snapshot(std::move(*image), &registry);
    out.memory_bytes = out.snapshot->memory_bytes();
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
  }
  match::catalogue cat;
  lists::load_options options;
  options.strict = !c.lenient_lists;
  options.action = c.list_action;
  options.time_zone = c.time_zone;
  options.memory_budget = c.memory_budget;
  if (c.lists.empty()) {
    // The embedded example: the operator's rows, then an adblock exception.
    lists::diagnostic why;
    options.source_name = "(embedded catalogue)";
    auto r = lists::load(embedded_catalogue_tsv(), lists::format::catalogue, cat, options, &why);
    if (auto ok = load_one(options.source_name, r, why, c, out); !ok) return ok.error();
    options.source_name = "(embedded exceptions)";
    r = lists::load(embedded_catalogue_adblock(), lists::format::adblock, cat, options, &why);
    if (auto ok = load_one(options.source_name, r, why, c, out); !ok) return ok.error();
  }
  for (const auto& l : c.lists) {
    errno = 0;
    auto data = dnsfilter::read_file(l.path, regular_files_only);  // its text given back as it is read
    if (!data)
      return failure{data.error(), l.path + (data.error() == dnsfilter::errc::io_error
                                                 ? std::string(": cannot read: ") + std::strerror(errno)
                                                 : std::string(": ") + dnsfilter::to_string(data.error()))};
    const std::string_view text = *data;
    // Detected as load_file would: by the file's name first, then its content.
    const lists::format f = l.format == lists::format::automatic ? lists::detect_format(l.path, text) : l.format;
    lists::diagnostic why;
    options.source_name = l.path;
    options.action = l.action.value_or(c.list_action);
    options.release_read_text = true;  // the text is read here and dropped after the load
    auto r = lists::load(text, f, cat, options, &why);
    if (auto ok = load_one(l.path, r, why, c, out); !ok) return ok.error();
  }
  if (feeds != nullptr) {
    feeds->contribute(cat, current);
    if (auto ok = within_budget(c, cat, "the lists and feeds"); !ok) return ok.error();
  }
  cat.shrink_to_fit();
  out.entries = cat.entries().size();
  out.rules = cat.rules().size();
  out.snapshot = dnsfilter::make_snapshot(std::move(cat), &registry);
  out.memory_bytes = out.snapshot->memory_bytes();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

outcome<std::shared_ptr<const dnsfilter::policy::policy_set>> load_policy(const config& c) {
  namespace policy = dnsfilter::policy;
  policy::policy_config pc;
  if (!c.policy_file.empty()) {
    auto text = dnsfilter::read_file(c.policy_file, regular_files_only);
    if (!text) return failure{text.error(), c.policy_file + ": cannot be read (" + text.error_code().message() + ")"};
    policy::policy_load_options o;
    o.strict = !c.lenient_lists;
    lists::diagnostic why;
    auto r = policy::load_policy(*text, pc, o, &why);
    if (!r) return failure{r.error(), lists::to_string(c.policy_file, why)};
    for (const auto& d : r->diagnostics) RESOLVER_LOG(warning, "%s", lists::to_string(c.policy_file, d).c_str());
  }
  for (std::size_t i = 0; i < c.listeners.size(); ++i) {
    if (!c.listeners[i].mode) continue;
    if (pc.listeners.size() <= i) pc.listeners.resize(i + 1, policy::listener_mode::per_client);
    pc.listeners[i] = *c.listeners[i].mode;
  }
  auto set = policy::policy_set::build(std::move(pc));
  if (!set) return failure{set.error(), "policy: " + set.error_code().message()};
  return std::make_shared<const policy::policy_set>(std::move(*set));
}

file_watcher::file_watcher(std::vector<std::string> paths) : paths_(std::move(paths)) {
  for (const auto& p : paths_) loaded_.push_back(read(p));
  seen_ = loaded_;
}

file_watcher::signature file_watcher::read(const std::string& path) {
  signature s;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return s;
  s.exists = true;
  s.device = st.st_dev;
  s.inode = st.st_ino;
  s.size = st.st_size;
  s.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return s;
}

bool file_watcher::poll() {
  bool changed = false, settled = true;
  for (std::size_t i = 0; i < paths_.size(); ++i) {
    const signature now = read(paths_[i]);
    if (!(now == loaded_[i])) changed = true;
    if (!(now == seen_[i])) settled = false;
    seen_[i] = now;
  }
  return changed && settled;
}

void file_watcher::refresh() {
  for (std::size_t i = 0; i < paths_.size(); ++i) seen_[i] = read(paths_[i]);
}

void file_watcher::mark_loaded() { loaded_ = seen_; }

}  // namespace resolver
