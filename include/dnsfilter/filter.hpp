// dnsfilter — the filter facade: one call per packet runs the whole flow
//
//   bytes ─▶ check_query ─▶ policy (listener, client, subscriber) ─▶ match ─▶ sinkhole answer
//
// and tells the caller what to do with the packet. A second call checks an
// upstream answer for CNAME cloaking. A filter is one serving thread's view of
// the shared, hot-swappable state (catalogue snapshot, policy set, responder
// settings): make one per thread; it is not itself thread-safe, the state is.
//
//   dnsfilter::filter f{catalogue_handle, policy_handle, responder};
//   auto r = f.process(packet, client_address, listener_index, now, out);
//   switch (r.what) {
//     case filter_outcome::forward:   /* send the query upstream; check its answer with
//                                        f.check_response(r, answer, out) (CNAME cloaking) */
//     case filter_outcome::opted_out: /* send the query upstream */ break;
//     case filter_outcome::answered:
//     case filter_outcome::rejected:  /* send r.answer back */ break;
//     case filter_outcome::dropped:   break;
//   }
//
// Nothing here allocates, locks or throws. `out` may be the buffer the packet
// arrived in: the responder reads the query before it writes the answer.
//
// What is not the facade's business: the socket, the upstream, the cache and
// the access-control list (the resolver's), and what an opted-out query means
// for logging (the caller must not log or count it; the outcome says so).
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/match/compiled.hpp>
#include <dnsfilter/match/hashed.hpp>
#include <dnsfilter/snapshot.hpp>
#include <dnsfilter/policy/policy_set.hpp>
#include <dnsfilter/sinkhole/responder.hpp>
#include <dnsfilter/stats/registry.hpp>
#include <dnsfilter/wire/message.hpp>
#include <dnsfilter/wire/query.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <variant>

namespace dnsfilter {

enum class filter_outcome : std::uint8_t {
  forward,    // filtering applies and nothing blocked the name: resolve it upstream
  opted_out,  // the client opted out: resolve it upstream; do not log or count it
  answered,   // a sinkhole answer was written (to `answer`): send it
  rejected,   // an error answer (FORMERR, NOTIMP, BADVERS) was written: send it
  dropped,    // send nothing (a response, a runt, or an entry whose action is drop)
};

constexpr const char* to_string(filter_outcome o) noexcept {
  switch (o) {
    case filter_outcome::forward: return "forward";
    case filter_outcome::opted_out: return "opted-out";
    case filter_outcome::answered: return "answered";
    case filter_outcome::rejected: return "rejected";
    case filter_outcome::dropped: return "dropped";
  }
  return "unknown";
}

// What process() decided, and why.
struct filter_result {
  filter_outcome what = filter_outcome::dropped;
  std::span<const std::byte> answer;  // answered / rejected: the message to send
  wire::query_view query;             // the parsed query, when it parsed
  policy::ip_address client;          // the source address given to process()
  match::timestamp time = 0;          // the time given to process()
  policy::ruling policy;             // which policy rule decided (if it got that far)
  match::match_result match;          // the deciding rule, exceptions included (a hit with action pass forwards)
  const match::entry* entry = nullptr;  // that rule's entry; valid while the snapshot is
  errc error = errc::ok;              // why a rejected or dropped packet was refused
  bool filtered() const noexcept { return entry != nullptr && !entry->is_exception(); }
};

// What check_response() decided.
struct response_result {
  bool blocked = false;               // a name of the CNAME chain is blocked: send `answer` instead
  std::span<const std::byte> answer;  // the sinkhole answer for the original question
  match::match_result match;
  const match::entry* entry = nullptr;
  wire::name cname;                   // the blocked chain name (when blocked)
};

// What a filter serves from and a reload replaces: the compiled catalogue and,
// when queries are counted, the statistics slots of its entries (entries are
// renumbered by every reload, their counters are not; see stats/registry.hpp).
// Built off the serving threads; immutable afterwards.
template <match::matcher M = match::suffix_hash_matcher>
class filter_snapshot {
 public:
  // Compiles `cat`; with a registry, also maps its entries to counter slots.
  explicit filter_snapshot(match::catalogue cat, stats::registry* counters = nullptr)
      : compiled_(std::move(cat)), slots_(counters ? counters->map(compiled_.source()) : stats::slot_map{}) {}
  filter_snapshot(const filter_snapshot&) = delete;
  filter_snapshot& operator=(const filter_snapshot&) = delete;

  const match::catalogue& source() const noexcept { return compiled_.source(); }
  const M& matcher() const noexcept { return compiled_.matcher(); }
  match::match_result lookup(wire::name_view qname, match::timestamp t) const noexcept {
    return compiled_.lookup(qname, t);
  }
  const match::entry& entry_of(const match::match_result& r) const noexcept { return compiled_.entry_of(r); }
  // The counter slots of entry `index`, or null when the snapshot was made
  // without a registry.
  const stats::entry_slots* slots_of(std::uint32_t index) const noexcept {
    return index < slots_.size() ? &slots_.of(index) : nullptr;
  }
  std::size_t memory_bytes() const noexcept { return compiled_.memory_bytes(); }

 private:
  match::compiled_catalogue<M> compiled_;
  stats::slot_map slots_;
};

// Builds a snapshot on the heap, ready for snapshot_handle::store().
template <match::matcher M = match::suffix_hash_matcher>
std::shared_ptr<const filter_snapshot<M>> make_snapshot(match::catalogue cat, stats::registry* counters = nullptr) {
  return std::make_shared<const filter_snapshot<M>>(std::move(cat), counters);
}

template <match::matcher M = match::suffix_hash_matcher>
class basic_filter {
 public:
  using snapshot_type = filter_snapshot<M>;
  using catalogue_handle = snapshot_handle<snapshot_type>;

  // The longest CNAME chain followed in an upstream answer; longer chains are
  // checked this far (a resolver gives up on such chains anyway).
  static constexpr std::size_t max_chain = 16;

  // The handles and the responder must outlive the filter. With `counters`
  // (this thread's recorder of a stats::registry) every query that reaches
  // the policy is counted: opted-out, passed, or a hit under its entry — for
  // which the snapshots must be made with that registry (make_snapshot(cat,
  // &registry)). Packets rejected or dropped before that are not queries
  // anyone asked us to resolve, and are not counted.
  basic_filter(const catalogue_handle& catalogue, const policy::policy_set_handle& policies,
               const sinkhole::responder& responder, stats::recorder* counters = nullptr)
      : catalogue_(catalogue), policies_(policies), responder_(&responder), counters_(counters) {}

  // One packet from `source` on listener `listener` at time `now`. `out`
  // receives an answer; `via` sets its size limit (UDP: the client's EDNS
  // payload size or 512; TCP: 65535).
  filter_result process(std::span<const std::byte> packet, const policy::ip_address& source, std::uint16_t listener,
                        match::timestamp now, std::span<std::byte> out,
                        sinkhole::transport via = sinkhole::transport::udp) noexcept {
    filter_result r;
    r.client = source;
    r.time = now;
    const sinkhole::query_check checked = sinkhole::check_query(packet);
    r.error = checked.error;
    if (checked.parsed) r.query = checked.query;
    switch (checked.what) {
      case sinkhole::admission::drop:
        r.what = filter_outcome::dropped;
        return r;
      case sinkhole::admission::reject:
        return written(r, responder_->reject(checked, out, via), filter_outcome::rejected);
      case sinkhole::admission::process:
        break;
    }
    r.policy = policies_.get().decide(r.query, listener, source);
    if (r.policy.opted_out()) {
      if (counters_) counters_->count_opted_out(now);
      r.what = filter_outcome::opted_out;
      return r;
    }
    const snapshot_type& snapshot = catalogue_.get();
    r.match = snapshot.lookup(r.query.qname(), now);
    if (DNSFILTER_LIKELY(!r.match.hit())) {
      if (counters_) counters_->count_passed(now);
      r.what = filter_outcome::forward;
      return r;
    }
    r.entry = &snapshot.entry_of(r.match);
    if (counters_) count_hit(snapshot, r.match.entry, r.entry->action, now, source, r.query);
    return answer_for(r, *r.entry, out, via);
  }

  // Checks an upstream answer to the query of `asked` (what process()
  // returned for it; its packet must still be intact) for CNAME cloaking:
  // follows the CNAME chain from the question name through the answer section
  // and looks every target up at the query's time. If one is blocked, writes
  // the sinkhole answer for the original question to `out` (the entry's
  // action applies: NXDOMAIN, drop, ...; for drop, `answer` stays empty),
  // sets `blocked`, and recounts the query from passed to filtered. Only a
  // `forward` outcome is checked: an opted-out client is never filtered. An
  // unparsable response is left to the caller (blocked stays false). Call it
  // on the filter that processed the query (its recorder counted it).
  response_result check_response(const filter_result& asked, std::span<const std::byte> response,
                                 std::span<std::byte> out,
                                 sinkhole::transport via = sinkhole::transport::udp) noexcept {
    response_result r;
    if (asked.what != filter_outcome::forward) return r;
    auto parsed = wire::message_view::parse(response);
    if (!parsed) return r;
    const wire::message_view& m = *parsed;
    const wire::query_view& query = asked.query;
    const snapshot_type& snapshot = catalogue_.get();
    wire::name current{query.qname()};
    for (std::size_t step = 0; step < max_chain; ++step) {
      bool followed = false;
      for (const wire::record_view& rr : m.records(wire::section::answer)) {
        if (rr.type != wire::rr_type::cname) continue;
        if (m.read_name_at(rr.owner_offset) != current) continue;
        auto data = m.rdata(rr);
        const auto* target = data ? std::get_if<wire::rdata::cname>(&*data) : nullptr;
        if (target == nullptr) continue;
        const match::match_result hit = snapshot.lookup(target->target, asked.time);
        if (hit.hit() && !snapshot.entry_of(hit).is_exception()) {
          r.blocked = true;
          r.match = hit;
          r.entry = &snapshot.entry_of(hit);
          r.cname = target->target;
          if (counters_) {
            if (const stats::entry_slots* slots = snapshot.slots_of(hit.entry)) {
              const stats::query_details details{asked.client, query.qname(), query.qtype()};
              counters_->count_reclassified(asked.time, *slots, r.entry->action, &details);
            }
          }
          if (r.entry->action != match::action::drop) {
            auto written = responder_->respond(query, sinkhole::hit_answer::of(*r.entry), out, via);
            if (written) r.answer = *written;
          }
          return r;
        }
        current = target->target;
        followed = true;
        break;
      }
      if (!followed) break;
    }
    return r;
  }

  // Lets an old snapshot go while the thread is idle (see snapshot_reader).
  void release() {
    catalogue_.release();
    policies_.release();
  }

  const sinkhole::responder& responder() const noexcept { return *responder_; }

 private:
  filter_result answer_for(filter_result& r, const match::entry& e, std::span<std::byte> out,
                           sinkhole::transport via) noexcept {
    switch (e.action) {
      case match::action::pass:
        r.what = filter_outcome::forward;
        return r;
      case match::action::drop:
        r.what = filter_outcome::dropped;
        return r;
      default:
        return written(r, responder_->respond(r.query, sinkhole::hit_answer::of(e), out, via), filter_outcome::answered);
    }
  }

  static filter_result written(filter_result& r, const result<std::span<const std::byte>>& answer,
                               filter_outcome what) noexcept {
    if (answer) {
      r.what = what;
      r.answer = *answer;
    } else {
      // Only a buffer under 12 octets fails here: there is nothing to send.
      r.what = filter_outcome::dropped;
      r.error = answer.error();
    }
    return r;
  }

  void count_hit(const snapshot_type& snapshot, std::uint32_t entry, match::action taken, match::timestamp now,
                 const policy::ip_address& client, const wire::query_view& query) noexcept {
    if (const stats::entry_slots* slots = snapshot.slots_of(entry)) {
      const stats::query_details details{client, query.qname(), query.qtype()};
      counters_->count_hit(now, *slots, taken, &details);
    }
  }

  snapshot_reader<snapshot_type> catalogue_;
  policy::policy_set_reader policies_;
  const sinkhole::responder* responder_;
  stats::recorder* counters_;
};

using filter = basic_filter<>;

}  // namespace dnsfilter
