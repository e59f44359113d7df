// dnsfilter — a response policy zone kept in the serving catalogue by zone
// transfers: the transport-agnostic half of a policy feed.
//
//   xfr::zone_feed feed({.zone = rpz_example, .source = s}, &registry);
//   feed.start(handle.load());                  // on top of what serves now
//   xfr::transfer_reader reader(zone, id, kind, feed.serial());
//   for (each message) reader.feed(message, feed);   // feed is the transfer_handler
//   auto next = feed.commit(reader.finish());   // a new snapshot, or an error: nothing changed
//   if (next) handle.store(*next);
//
// The zone's records are read per docs/rpz.md (lists::interpret_rpz): QNAME
// triggers with their actions, and the entries and links that give triggers
// their identifiers, categories and windows. Every trigger record is one rule
// of the feed's source ("name": the name only, "*.name": the names below), so
// an IXFR maps onto rules exactly.
//
// A first full transfer (AXFR, or IXFR answered as AXFR) makes a new base:
// the serving snapshot's rules of other sources plus the zone's. A later one
// is compared with the zone being served, record by record, and only the
// difference is applied, as for an IXFR. An incremental
// one touches only the names it changes: their complete rules go into the
// snapshot's delta (match/layered.hpp), in time proportional to the change
// and the delta; once the delta holds more than `merge_threshold` names,
// flatten() folds it into a new base (call it after publishing the commit,
// off the serving threads). Whatever fails — a transfer error, a bad record
// in strict mode, an IXFR that changes an entry's metadata (it needs a full
// transfer), too many records — commit() says why and the serving snapshot
// stays as it was; so does a full transfer older than the zone (serial
// arithmetic, RFC 1982). A record a full transfer repeats is one record of the zone
// (a zone is a set of records, RFC 2181 §5): it makes one rule.
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/filter.hpp>
#include <dnsfilter/load.hpp>
#include <dnsfilter/lists/rpz.hpp>
#include <dnsfilter/xfr/transfer.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dnsfilter::xfr {

struct feed_options {
  wire::name zone;
  std::uint16_t source = 0;  // the catalogue source (list) its rules belong to
  std::size_t merge_threshold = 4096;  // delta names past which flatten() makes a new base
  std::size_t max_records = 0;         // a zone or IXFR with more records is refused; 0: no limit
  bool strict = false;                 // an invalid record fails the transfer (else it is skipped, counted)
  stats::zone time_zone{};             // entry metadata dates begin at midnight here (docs/rpz.md)
};

class zone_feed final : public transfer_handler {
 public:
  using snapshot_type = filter_snapshot<>;

  explicit zone_feed(feed_options options, stats::registry* counters = nullptr)
      : options_(std::move(options)), counters_(counters) {}

  // Starts reading a transfer that will apply on top of `serving`.
  DNSFILTER_DECL void start(std::shared_ptr<const snapshot_type> serving);
  // Applies the transfer being read on top of `serving` instead (which must
  // hold the same rules of this feed): for a writer that reloaded other lists
  // while the transfer was under way.
  void rebase(std::shared_ptr<const snapshot_type> serving) noexcept { serving_ = std::move(serving); }
  // The catalogue source of the feed's rules, which a reload may renumber.
  void set_source(std::uint16_t source) noexcept { options_.source = source; }

  // transfer_handler
  DNSFILTER_DECL void begin_full(const wire::rdata::soa& soa) override;
  DNSFILTER_DECL void full_record(const record& r) override;
  DNSFILTER_DECL void begin_difference(std::uint32_t from) override;
  DNSFILTER_DECL void deleted(const record& r) override;
  DNSFILTER_DECL void begin_additions(std::uint32_t to) override;
  DNSFILTER_DECL void added(const record& r) override;
  DNSFILTER_DECL void end(const wire::rdata::soa& soa) override;

  // After the reader finished (pass its finish()): the snapshot with the
  // transfer applied, or why not (then the feed keeps its serial and the
  // serving snapshot stays right). An up-to-date reply gives the serving
  // snapshot back.
  DNSFILTER_DECL result<std::shared_ptr<const snapshot_type>> commit(result<transfer_result> finished,
                                                                    diagnostic* why = nullptr);

  // When the delta of `current` has grown past merge_threshold: the same
  // policy as one flat base (no delta), else null. Costs a pass over the
  // catalogue.
  DNSFILTER_DECL std::shared_ptr<const snapshot_type> flatten(const snapshot_type& current) const;

  // The feed's rules, entries and links as a seed file image (docs/resolver.md,
  // "Policy feeds"): versioned, checksummed, byte-order independent.
  DNSFILTER_DECL std::string seed(const snapshot_type& current) const;
  // The same image handed to `sink` in consecutive pieces of about 64 KiB, so
  // that a writer holds no copy of the whole image (26 MB for a million
  // triggers) beside the policy. A sink that returns false stops the writing;
  // seed() then returns false.
  DNSFILTER_DECL bool seed(const snapshot_type& current, const std::function<bool(std::string_view)>& sink) const;
  // Loads a seed image into `out` (source `options.source` must exist in it)
  // and takes its serial, links and entries; refuses a truncated, corrupt,
  // foreign-zone or other-version image.
  DNSFILTER_DECL result<void> load_seed(std::string_view image, match::catalogue& out, diagnostic* why = nullptr);

  bool has_zone() const noexcept { return has_zone_; }
  // Forgets the zone (its rules were taken out of the serving snapshot): the
  // next transfer must be a full one, and is staged whole.
  void forget() noexcept {
    has_zone_ = false;
    serial_ = 0;
    entries_.clear();
    links_.clear();
  }
  std::uint32_t serial() const noexcept { return serial_; }
  const wire::rdata::soa& soa() const noexcept { return soa_; }
  const feed_options& options() const noexcept { return options_; }
  // Of the last commit: records applied, and records skipped as invalid.
  std::size_t applied() const noexcept { return applied_; }
  std::size_t skipped() const noexcept { return skipped_; }

 private:
  // One trigger record: the owner ("name" or "*.name") and its action.
  struct change {
    bool wildcard = false;
    match::action action = match::action::sinkhole;
    bool add = true;
    std::uint64_t identity = 0;  // a full transfer's addition: record_identity()
  };
  struct name_changes {
    wire::name name;
    std::vector<change> changes;
  };
  using link_key = std::pair<std::string, bool>;  // lower-cased wire name, wildcard

  DNSFILTER_DECL void take(const record& r, bool add);
  DNSFILTER_DECL void invalid(std::string why);
  DNSFILTER_DECL match::entry entry_for(const std::string& key, match::action a) const;
  DNSFILTER_DECL const std::string* link_of(const link_key& k) const;
  DNSFILTER_DECL std::uint64_t record_identity(const record& r) const;
  DNSFILTER_DECL void drop_repeated_rules();
  DNSFILTER_DECL result<std::shared_ptr<const snapshot_type>> commit_full();
  DNSFILTER_DECL result<std::shared_ptr<const snapshot_type>> commit_incremental();
  DNSFILTER_DECL result<std::shared_ptr<const snapshot_type>> commit_difference();

  feed_options options_;
  stats::registry* counters_;
  std::shared_ptr<const snapshot_type> serving_;

  // The zone as last committed.
  bool has_zone_ = false;
  std::uint32_t serial_ = 0;
  wire::rdata::soa soa_;
  std::map<std::string, match::entry> entries_;  // entry key → id, category, window
  std::map<link_key, std::string> links_;       // trigger → entry key

  // The transfer being read.
  bool full_ = false;
  bool diffing_ = false;         // full: compared with the serving zone (has_zone_), not staged
  std::vector<bool> seen_;       // diffing: the serving rules a record matched
  bool ended_ = false;
  std::string error_;
  wire::rdata::soa next_soa_;
  match::catalogue staged_;                              // full: the zone's rules, default entries
  std::vector<std::uint64_t> staged_ids_;  // full: per staged rule, a hash of its record (owner, type, RDATA)
  std::map<std::string, match::entry> next_entries_;
  std::map<link_key, std::string> next_links_;
  std::map<std::string, name_changes> pending_;  // incremental: per trigger name (lower-cased wire)
  std::map<link_key, std::string> link_changes_;  // incremental: "" = link deleted
  bool entries_changed_ = false;
  std::size_t records_ = 0;
  std::size_t applied_ = 0, skipped_ = 0;
  lists::rpz_scratch scratch_;
};

}  // namespace dnsfilter::xfr

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/xfr/impl/feed.ipp>
#endif
