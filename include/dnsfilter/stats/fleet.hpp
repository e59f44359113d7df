// dnsfilter — a fleet's statistics: the files of many nodes added up exactly,
// and the months whose counts are not complete, by node.
//
//   std::vector<stats::node_file> files;        // one per file read (read_totals)
//   files.push_back({"a.stats", *stats::read_totals("a.stats"), 0});
//   // (files counted in a named zone: read_totals(path, &why, {.resolve_zone = stats::tz::resolver()}))
//   auto fleet = stats::fleet::add(std::move(files), &why);
//   fleet->sum();                               // every node's counts added (totals::merge)
//   fleet->gaps(month).partial();               // which nodes make the month incomplete
//
// Each node's file names the node and its (epoch, sequence), so two files of
// one node are refused — a copy, or an older copy beside a newer one — rather
// than counted twice; so are files of different zones, and a file without a
// node line beside any other. A month is incomplete for a node that counted
// it only in part: its counts were taken before the month's end while it kept
// running, a crash may have lost some of them, or it has no data for the month
// though it has some before and after. Why these rules: docs/design.md,
// "Adding up a fleet".
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/load.hpp>
#include <dnsfilter/result.hpp>
#include <dnsfilter/stats/totals.hpp>

#include <string>
#include <vector>

namespace dnsfilter::stats {

// One statistics file of a fleet.
struct node_file {
  std::string origin;  // where it came from (its path): named in messages
  totals counts;
  // When the counts were taken: the node line's written time. For a file
  // without node line, what the caller knows (the file's modification time).
  match::timestamp taken = 0;

  // The node's name, or the origin for a file without node line.
  const std::string& name() const noexcept { return counts.node.known() ? counts.node.name : origin; }
};

// Why a month's counts are not complete, by node name (each list sorted).
struct month_gaps {
  std::vector<std::string> not_over;  // counted before the month's end by a node that went on running
  std::vector<std::string> lost;      // a crash may have lost some of the month's counts
  std::vector<std::string> missing;   // no data for the month, though the node has some before and after it
  bool partial() const noexcept { return !not_over.empty() || !lost.empty() || !missing.empty(); }
};

class fleet {
 public:
  // Adds up `files`, one per node. errc::stats_conflict, with the reason (the
  // files named) in `why`, for two files of one node, files of different
  // zones, or a file without node line beside others; errc::invalid_argument
  // for no file at all.
  static DNSFILTER_DECL result<fleet> add(std::vector<node_file> files, diagnostic* why = nullptr);

  // Every node's counts added up; the metadata of an entry is that of the
  // node that counted last. No node identity and no lost spans of its own:
  // those stay with the nodes (gaps() reads them).
  const totals& sum() const noexcept { return sum_; }
  // One file per node, by name.
  const std::vector<node_file>& nodes() const noexcept { return nodes_; }
  // What makes month `m` incomplete, if anything.
  DNSFILTER_DECL month_gaps gaps(month_index m) const;

 private:
  fleet() = default;
  totals sum_;
  std::vector<node_file> nodes_;
};

}  // namespace dnsfilter::stats

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/stats/impl/fleet.ipp>
#endif
