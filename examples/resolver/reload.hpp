// dnsfilter-resolver — building snapshots (catalogue and policy) and noticing
// that their files changed.
//
// Everything here runs on the control thread, never on a serving thread: a
// reload reads and compiles the lists into a new snapshot while the serving
// threads keep answering from the old one, then publishes it with one atomic
// store per handle (snapshot_handle). A serving thread picks the new
// snapshot up at its next packet; no query waits and none is dropped.
//
// A file that cannot be read, or that has an invalid line (unless
// --lenient-lists), fails the load: the old snapshot stays, and the log says
// which file and line and why. The watcher then waits for the file to change
// again rather than retrying the same broken content.
#pragma once

#include "config.hpp"
#include "outcome.hpp"

#include <dnsfilter/dnsfilter.hpp>

#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace resolver {

struct loaded_catalogue {
  std::shared_ptr<const dnsfilter::filter::snapshot_type> snapshot;
  std::size_t entries = 0, rules = 0, lists = 0, warnings = 0;
  std::size_t memory_bytes = 0;
  double seconds = 0;
};

// Loads every --list (or the embedded catalogue) into one catalogue, compiles
// it, and maps its entries to statistics slots. The failure names the file
// (and line) that failed.
// With `feeds`, each feed's rules follow the lists: those of `current` on a
// reload, the seed files' at start (current null).
class feed_runner;
outcome<loaded_catalogue> load_catalogue(const config& c, dnsfilter::stats::registry& registry,
                                         feed_runner* feeds = nullptr,
                                         const dnsfilter::filter::snapshot_type* current = nullptr);

// Reads --policy (if any) and applies the listener modes of --listen.
outcome<std::shared_ptr<const dnsfilter::policy::policy_set>> load_policy(const config& c);

// The paths load_catalogue reads (empty for the embedded catalogue).
std::vector<std::string> catalogue_paths(const config& c);

// Polls files for changes (inode, size and modification time, so an editor's
// atomic rename counts as a change). A change is reported once the file has
// looked the same for two polls in a row: a list being written slowly is not
// loaded half-written.
class file_watcher {
 public:
  explicit file_watcher(std::vector<std::string> paths);
  bool empty() const noexcept { return paths_.empty(); }
  // True when a file differs from what was last loaded and has settled.
  bool poll();
  // Reads the files' state now (before a load that poll() did not trigger, e.g. SIGHUP).
  void refresh();
  // The state seen by the last poll() or refresh() is what was (or failed to
  // be) loaded: read before the load, so a change during the load is noticed.
  void mark_loaded();

 private:
  struct signature {
    bool exists = false;
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    std::int64_t mtime_ns = 0;
    friend bool operator==(const signature&, const signature&) = default;
  };
  static signature read(const std::string& path);
  std::vector<std::string> paths_;
  std::vector<signature> loaded_, seen_;
};

}  // namespace resolver
