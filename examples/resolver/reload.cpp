// dnsfilter-resolver — snapshot builds and file watching.
#include "reload.hpp"

#include "log.hpp"

#include <dnsfilter/detail/huge_pages.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>

namespace resolver {

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

bool load_one(const std::string& source, const dnsfilter::result<lists::load_report>& r, const lists::diagnostic& why,
              const config& c, loaded_catalogue& out, std::string& error) {
  if (!r) {
    error = lists::to_string(source, why);
    return false;
  }
  if (r->records() > 0 && r->loaded == 0 && r->invalid > 0) {
    // Lenient or not, a file in which nothing is valid is not a list.
    error = source + ": no valid line (" + std::to_string(r->invalid) + " invalid)";
    if (!r->diagnostics.empty()) error += "; first: " + lists::to_string(source, r->diagnostics.front());
    return false;
  }
  if (c.lenient_lists) log_diagnostics(source, *r);
  out.warnings += r->invalid + r->warnings;
  ++out.lists;
  return true;
}

// The whole file in one allocation of its exact size, on huge pages where
// the system gives them (dnsfilter/detail/huge_pages.hpp): at a reload every
// millisecond counts double, since old and new snapshots share the machine.
// Unlike lists::read_file, it refuses what is not a regular file, with the
// reason in the message. Not mmap: a list truncated while mapped would kill
// the resolver with SIGBUS.
bool read_whole(const std::string& path, std::unique_ptr<char[]>& data, std::size_t& size, std::string& error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = path + ": cannot read: " + std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    error = path + ": not a regular file";
    ::close(fd);
    return false;
  }
  std::size_t capacity = static_cast<std::size_t>(st.st_size) + 1;  // +1: notice a file that grew meanwhile
  data.reset(new char[capacity]);
  dnsfilter::detail::advise_huge_pages(data.get(), capacity);
  size = 0;
  for (;;) {
    if (size == capacity) {  // it grew: double and go on
      std::unique_ptr<char[]> bigger(new char[capacity * 2]);
      std::memcpy(bigger.get(), data.get(), size);
      data = std::move(bigger);
      capacity *= 2;
    }
    const ssize_t n = ::read(fd, data.get() + size, capacity - size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = path + ": cannot read: " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    size += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return true;
}

}  // namespace

std::vector<std::string> catalogue_paths(const config& c) {
  std::vector<std::string> paths;
  for (const auto& l : c.lists) paths.push_back(l.path);
  return paths;
}

bool load_catalogue(const config& c, dnsfilter::stats::registry& registry, loaded_catalogue& out, std::string& error) {
  const auto start = std::chrono::steady_clock::now();
  out = {};
  match::catalogue cat;
  lists::load_options options;
  options.strict = !c.lenient_lists;
  options.action = c.list_action;
  if (c.lists.empty()) {
    // The embedded example: the operator's rows, then an adblock exception.
    lists::diagnostic why;
    options.source_name = "(embedded catalogue)";
    auto r = lists::load(embedded_catalogue_tsv(), lists::format::catalogue, cat, options, &why);
    if (!load_one(options.source_name, r, why, c, out, error)) return false;
    options.source_name = "(embedded exceptions)";
    r = lists::load(embedded_catalogue_adblock(), lists::format::adblock, cat, options, &why);
    if (!load_one(options.source_name, r, why, c, out, error)) return false;
  }
  for (const auto& l : c.lists) {
    std::unique_ptr<char[]> data;
    std::size_t size = 0;
    if (!read_whole(l.path, data, size, error)) return false;
    const std::string_view text{data.get(), size};
    // Detected as load_file would: by the file's name first, then its content.
    const lists::format f = l.format == lists::format::automatic ? lists::detect_format(l.path, text) : l.format;
    lists::diagnostic why;
    options.source_name = l.path;
    auto r = lists::load(text, f, cat, options, &why);
    if (!load_one(l.path, r, why, c, out, error)) return false;
  }
  cat.shrink_to_fit();
  out.entries = cat.entries().size();
  out.rules = cat.rules().size();
  out.snapshot = dnsfilter::make_snapshot(std::move(cat), &registry);
  out.memory_bytes = out.snapshot->memory_bytes();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return true;
}

bool load_policy(const config& c, std::shared_ptr<const dnsfilter::policy::policy_set>& out, std::string& error) {
  namespace policy = dnsfilter::policy;
  policy::policy_config pc;
  if (!c.policy_file.empty()) {
    auto text = lists::read_file(c.policy_file);
    if (!text) {
      error = c.policy_file + ": cannot be read (" + text.error_code().message() + ")";
      return false;
    }
    policy::policy_load_options o;
    o.strict = !c.lenient_lists;
    lists::diagnostic why;
    auto r = policy::load_policy(*text, pc, o, &why);
    if (!r) {
      error = lists::to_string(c.policy_file, why);
      return false;
    }
    for (const auto& d : r->diagnostics) RESOLVER_LOG(warning, "%s", lists::to_string(c.policy_file, d).c_str());
  }
  for (std::size_t i = 0; i < c.listeners.size(); ++i) {
    if (!c.listeners[i].mode) continue;
    if (pc.listeners.size() <= i) pc.listeners.resize(i + 1, policy::listener_mode::per_client);
    pc.listeners[i] = *c.listeners[i].mode;
  }
  auto set = policy::policy_set::build(std::move(pc));
  if (!set) {
    error = "policy: " + set.error_code().message();
    return false;
  }
  out = std::make_shared<const policy::policy_set>(std::move(*set));
  return true;
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
