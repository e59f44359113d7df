// Definitions for stats/fleet.hpp.
#pragma once

#include <dnsfilter/stats/fleet.hpp>

#include <algorithm>
#include <tuple>

namespace dnsfilter::stats {

namespace detail {

inline std::string epoch_text(const node_identity& n) {
  return "epoch " + std::to_string(n.epoch) + " sequence " + std::to_string(n.sequence);
}

// The reason two files of one node (a ordered before b) cannot both be added.
inline std::string same_node(const node_file& a, const node_file& b) {
  const node_identity &x = a.counts.node, &y = b.counts.node;
  if (x.epoch != y.epoch || x.sequence != y.sequence)
    return "stale copy of node " + x.name + ": " + a.origin + " (" + epoch_text(x) + ") is older than " + b.origin +
           " (" + epoch_text(y) + ")";
  if (a.counts == b.counts)
    return "duplicated node " + x.name + ": " + a.origin + " and " + b.origin + " are copies of its file (" +
           epoch_text(x) + "); give one";
  return "duplicated node " + x.name + ": " + a.origin + " and " + b.origin + " are both its " + epoch_text(x) +
         " but their counts differ (two nodes with one name?)";
}

inline bool has_data(const totals& t, month_index m) {
  const auto it = t.months.find(m);
  return it != t.months.end() && (it->second.queries() != 0 || it->second.opted_out != 0);
}

}  // namespace detail

DNSFILTER_DECL result<fleet> fleet::add(std::vector<node_file> files, diagnostic* why) {
  const auto refuse = [why](errc code, std::string message) -> result<fleet> {
    if (why != nullptr) *why = {0, std::move(message)};
    return code;
  };
  if (files.empty()) return refuse(errc::invalid_argument, "no statistics file");
  const stats::zone zone = files.front().counts.zone;
  for (const node_file& f : files) {
    if (f.counts.zone != zone)
      return refuse(errc::stats_conflict, files.front().origin + " counts the months of zone " + zone.text() +
                                              ", " + f.origin + " those of zone " + f.counts.zone.text() +
                                              ": months of different zones cannot be added up");
    if (files.size() > 1 && !f.counts.node.known())
      return refuse(errc::stats_conflict,
                    f.origin + " names no node (it has no node line, as files of versions 1 and 2): it can be "
                               "reported alone but not added to other files, since a copy of it could not be told "
                               "from another node");
  }
  const auto order = [](const node_file& f) {
    return std::tie(f.counts.node.name, f.counts.node.epoch, f.counts.node.sequence, f.origin);
  };
  std::sort(files.begin(), files.end(), [&](const node_file& a, const node_file& b) { return order(a) < order(b); });
  for (std::size_t i = 1; i < files.size(); ++i)
    if (files[i - 1].counts.node.name == files[i].counts.node.name)
      return refuse(errc::stats_conflict, detail::same_node(files[i - 1], files[i]));

  fleet out;
  out.sum_.zone = zone;
  // The oldest first, so that an entry's metadata is the one counted last.
  std::vector<const node_file*> by_time;
  for (const node_file& f : files) by_time.push_back(&f);
  std::stable_sort(by_time.begin(), by_time.end(), [](const node_file* a, const node_file* b) { return a->taken < b->taken; });
  for (const node_file* f : by_time) (void)out.sum_.merge(f->counts);  // one zone: checked above
  out.sum_.lost.clear();  // they belong to their nodes: gaps() reads them there
  out.nodes_ = std::move(files);
  return out;
}

DNSFILTER_DECL month_gaps fleet::gaps(month_index m) const {
  month_gaps g;
  const match::timestamp month_end = sum_.zone.start_of(m + 1);
  for (const node_file& n : nodes_) {
    const totals& c = n.counts;
    // A final file is the node's last word: it counted nothing after it.
    if (n.taken < month_end && !c.node.final) g.not_over.push_back(n.name());
    if (c.lost_in(m)) g.lost.push_back(n.name());
    if (!detail::has_data(c, m)) {
      const auto before = std::any_of(c.months.begin(), c.months.lower_bound(m),
                                      [&](const auto& kv) { return detail::has_data(c, kv.first); });
      const auto after = std::any_of(c.months.upper_bound(m), c.months.end(),
                                     [&](const auto& kv) { return detail::has_data(c, kv.first); });
      if (before && after) g.missing.push_back(n.name());
    }
  }
  return g;
}

}  // namespace dnsfilter::stats
