// dnsfilter — the filter facade: one call per packet runs the whole flow
//
//   bytes ─▶ check_query ─▶ policy (listener, subscriber, client prefix) ─▶ match ─▶ sinkhole answer
//
// and tells the caller what to do with the packet; a second call checks the
// upstream answer of a forwarded query for CNAME cloaking. A filter is one
// serving thread's view of the shared, hot-swappable state (catalogue
// snapshot, policy set, responder settings): make one per thread; it is not
// itself thread-safe, the state is.
//
//   dnsfilter::filter f{catalogue_handle, policy_handle, responder};
//   auto r = f.process(packet, client_address, listener_index, now, out);
//   switch (r.what) {
//     case filter_outcome::forward:    // send the query upstream; keep r.ticket() (a copy,
//     case filter_outcome::opted_out:  // no heap) and check the validated answer with
//                                      // f.check_response(ticket, answer, out)
//       break;
//     case filter_outcome::answered:
//     case filter_outcome::rejected:  /* send r.answer back */ break;
//     case filter_outcome::dropped:   break;
//   }
//
// The policy is decided before the catalogue is looked at: an opted-out client
// is never matched, counted as filtered or monitored, or logged.
//
// Monitored entries (action monitor, "the month before enforcement") never
// change an answer: the query is answered as if they were not there, and
// counted and logged as monitored when the monitored rule would decide if it
// were enforced. A blocking rule at the same name wins the matcher's tie-break
// (an exception still beats both), and on a monitored hit the facade looks
// past it to the less specific names: a blocking rule above decides (the
// query is filtered, not monitored), an exception above vouches for the name
// (the query is still counted as monitored). So monitoring a name never
// unblocks it. Details: docs/library.md, "Monitored entries". Nothing on the per-packet
// path throws or locks, and nothing allocates but the recorder, once a month
// and after a reload that added entries (stats/registry.hpp); the query log
// the caller may attach writes a line per filtered query, under its own
// rules. `out` may be the buffer the packet arrived in: the responder reads
// the query before it writes the answer.
//
// What is not the facade's business: the socket, the upstream transaction,
// the cache and the access-control list (the resolver's).
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/match/compiled.hpp>
#include <dnsfilter/match/hashed.hpp>
#include <dnsfilter/match/layered.hpp>
#include <dnsfilter/snapshot.hpp>
#include <dnsfilter/policy/policy_set.hpp>
#include <dnsfilter/sinkhole/responder.hpp>
#include <dnsfilter/stats/query_log.hpp>
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
  forward,    // filtering applies and nothing blocked the name (a miss, an exception, a monitored hit): resolve it upstream
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

// What check_response() needs of a query that went upstream, copied out of
// its packet (filter_result::ticket()), so the packet's buffer can be reused
// at once: the question and what an answer echoes (sinkhole::query_echo), the
// client, the time, the listener and the rules that decided. Copyable, no
// heap, about 350 octets.
struct forward_ticket {
  sinkhole::query_echo query;     // id, flags, EDNS, size limit, the question as asked
  policy::ip_address client;
  match::timestamp time = 0;      // entry validity and the statistics month of the answer's check
  std::uint16_t listener = 0;
  policy::ruling policy;          // which policy rule decided
  match::match_result match;      // the deciding catalogue rule: a miss, an exception / pass entry, or a monitored one
  bool opted_out = false;
  bool exception = false;         // an exception (allow-list) entry vouched for the name
  bool monitored = false;         // process() counted and logged the query as monitored
  // The answer is checked for CNAME cloaking unless the client opted out (no
  // filtering at all) or an exception entry vouched for the name: the
  // operator allowed the name, and so whatever it is an alias of.
  bool checks_cloaking() const noexcept { return !opted_out && !exception; }
};

// What process() decided, and why.
struct filter_result {
  filter_outcome what = filter_outcome::dropped;
  std::span<const std::byte> answer;  // answered / rejected: the message to send
  wire::query_view query;             // the parsed query, when it parsed
  policy::ip_address client;          // the source address given to process()
  match::timestamp time = 0;          // the time given to process()
  policy::ruling policy;             // which policy rule decided (if it got that far)
  match::match_result match;          // the deciding rule, exceptions included (a hit with action pass or monitor forwards)
  const match::entry* entry = nullptr;  // that rule's entry; valid while the snapshot is
  errc error = errc::ok;              // why a rejected or dropped packet was refused
  std::uint16_t listener = 0;         // the listener given to process()
  sinkhole::transport via = sinkhole::transport::udp;  // the transport given to process()
  bool excepted = false;              // an exception entry vouches for the name (it decided, or is above a monitored one)
  // The answer was changed (answered or dropped by an entry).
  bool filtered() const noexcept { return entry != nullptr && entry->blocks(); }
  // A monitored entry matched: counted and logged as monitored, forwarded.
  bool monitored() const noexcept { return entry != nullptr && entry->is_monitored(); }

  // For forward and opted_out: what check_response() needs later, copied out
  // of the packet. Take it before the packet's buffer is reused. Made on
  // demand, so that a query answered from the caller's cache costs nothing.
  forward_ticket ticket() const noexcept {
    forward_ticket t;
    t.query.assign(query, via);  // only the name's own octets are copied
    t.client = client;
    t.time = time;
    t.listener = listener;
    t.policy = policy;
    t.match = match;
    t.opted_out = what == filter_outcome::opted_out;
    t.exception = excepted;
    t.monitored = monitored();
    return t;
  }
};

// What check_response() decided.
struct response_result {
  bool blocked = false;               // a name of the CNAME chain is blocked: send `answer` instead
  // Not blocked, but a name of the chain hit a monitored entry, and the query
  // was counted and logged as monitored here (not when process() had done so
  // for the question's name already). Send the upstream answer.
  bool monitored = false;
  std::span<const std::byte> answer;  // the sinkhole answer for the original question
  match::match_result match;          // the blocking (or monitored) rule
  const match::entry* entry = nullptr;
  wire::name cname;                   // the blocked (or monitored) chain name
};

// What a filter serves from and a reload replaces: the compiled catalogue,
// possibly with a delta of changed names on top (match/layered.hpp: what a
// zone transfer's IXFR makes), and, when queries are counted, the statistics
// slots of its entries (entries are renumbered by every reload, their
// counters are not; see stats/registry.hpp). Built off the serving threads;
// immutable afterwards.
template <match::layerable_matcher M = match::suffix_hash_matcher>
class filter_snapshot {
 public:
  using layers_type = match::layered_catalogue<M>;

  // Compiles `cat`; with a registry, also maps its entries to counter slots.
  explicit filter_snapshot(match::catalogue cat, stats::registry* counters = nullptr)
      : layers_(std::make_shared<const match::compiled_catalogue<M>>(std::move(cat))),
        base_slots_(std::make_shared<const stats::slot_map>(counters ? counters->map(layers_.base()->source())
                                                                     : stats::slot_map{})) {}

  // Serves from `base`, compiled already (a mapped image, match/image.hpp),
  // shared rather than copied; with a registry, maps its entries to counter slots.
  explicit filter_snapshot(std::shared_ptr<const match::compiled_catalogue<M>> base,
                           stats::registry* counters = nullptr)
      : layers_(std::move(base)),
        base_slots_(std::make_shared<const stats::slot_map>(counters ? counters->map(layers_.base()->source())
                                                                     : stats::slot_map{})) {}

  // The base of `on` (shared, not copied) with `delta` and `removed` on top
  // (layered_catalogue's constructor), in place of any delta `on` had. Costs
  // time in proportion to the delta. The registry must be the one `on` was
  // made with.
  filter_snapshot(const filter_snapshot& on, match::catalogue delta, std::span<const wire::name> removed,
                  stats::registry* counters = nullptr)
      : layers_(on.layers_.base(), std::move(delta), removed),
        base_slots_(on.base_slots_),
        delta_slots_(counters && layers_.delta() ? counters->map(*layers_.delta(), stats::catalogue_part::delta) : stats::slot_map{}) {}

  filter_snapshot(const filter_snapshot&) = delete;
  filter_snapshot& operator=(const filter_snapshot&) = delete;

  // The base catalogue (its sources name the lists of every entry).
  const match::catalogue& source() const noexcept { return layers_.base()->source(); }
  const layers_type& layers() const noexcept { return layers_; }
  match::match_result lookup(wire::name_view qname, match::timestamp t) const noexcept {
    return layers_.lookup(qname, t);
  }
  const match::entry& entry_of(const match::match_result& r) const noexcept { return layers_.entry_of(r); }
  // The rule that decides over the suffixes of `qname` of at most `max_labels` labels.
  match::match_result lookup_within(wire::name_view qname, match::timestamp t, std::size_t max_labels) const noexcept {
    return layers_.lookup_within(qname, t, max_labels);
  }
  // The rule past a monitored hit `m` on `qname`: what decides over the less
  // specific suffixes, monitored rules looked past too; a miss, a blocking
  // rule or an exception. Only on a monitored hit (rare): a lookup per level.
  match::match_result past_monitored(wire::name_view qname, match::timestamp t, match::match_result m) const noexcept {
    while (m.hit() && entry_of(m).is_monitored()) {
      const std::size_t k = layers_.name_of(m.rule).label_count();
      m = k > 1 ? layers_.lookup_within(qname, t, k - 1) : match::match_result{};
    }
    return m;
  }
  // The counter slots of entry `index`, or null when the snapshot was made
  // without a registry.
  const stats::entry_slots* slots_of(std::uint32_t index) const noexcept {
    const std::uint32_t n = layers_.base_entries();
    if (index < n) return index < base_slots_->size() ? &base_slots_->of(index) : nullptr;
    return index - n < delta_slots_.size() ? &delta_slots_.of(index - n) : nullptr;
  }
  std::size_t memory_bytes() const noexcept { return layers_.memory_bytes(); }

 private:
  layers_type layers_;
  std::shared_ptr<const stats::slot_map> base_slots_;
  stats::slot_map delta_slots_;
};

// Builds a snapshot on the heap, ready for snapshot_handle::store().
template <match::layerable_matcher M = match::suffix_hash_matcher>
std::shared_ptr<const filter_snapshot<M>> make_snapshot(match::catalogue cat, stats::registry* counters = nullptr) {
  return std::make_shared<const filter_snapshot<M>>(std::move(cat), counters);
}

// The same over a base compiled already (a mapped image, match/image.hpp).
template <match::layerable_matcher M>
std::shared_ptr<const filter_snapshot<M>> make_snapshot(std::shared_ptr<const match::compiled_catalogue<M>> base,
                                                        stats::registry* counters = nullptr) {
  return std::make_shared<const filter_snapshot<M>>(std::move(base), counters);
}

template <match::layerable_matcher M = match::suffix_hash_matcher>
class basic_filter {
 public:
  using snapshot_type = filter_snapshot<M>;
  using catalogue_handle = snapshot_handle<snapshot_type>;

  // The longest CNAME chain followed in an upstream answer; longer chains are
  // checked this far (a resolver gives up on such chains anyway).
  static constexpr std::size_t max_chain = 16;

  // The handles and the responder must outlive the filter. Two optional
  // steps, each its own: with `counters` (this thread's recorder of a
  // stats::registry) every query that reaches the policy is counted:
  // opted-out, passed, or a hit under its entry — for which the snapshots
  // must be made with that registry (make_snapshot(cat, &registry)). Packets
  // rejected or dropped before that are not queries anyone asked us to
  // resolve, and are not counted. With `log`, every filtered query (a hit
  // whose action is not pass, in process() or check_response()) is written
  // to it, monitored ones too (with the action monitor); opted-out clients
  // never are.
  basic_filter(const catalogue_handle& catalogue, const policy::policy_set_handle& policies,
               const sinkhole::responder& responder, stats::recorder* counters = nullptr,
               stats::query_log_sink* log = nullptr)
      : catalogue_(catalogue), policies_(policies), responder_(&responder), counters_(counters), log_(log) {}

  // One packet from `source` on listener `listener` at time `now`. `out`
  // receives an answer; `via` sets its size limit (UDP: the client's EDNS
  // payload size or 512; TCP: 65535).
  filter_result process(std::span<const std::byte> packet, const policy::ip_address& source, std::uint16_t listener,
                        match::timestamp now, std::span<std::byte> out,
                        sinkhole::transport via = sinkhole::transport::udp) noexcept {
    filter_result r;
    r.client = source;
    r.time = now;
    r.listener = listener;
    r.via = via;
    const sinkhole::query_check checked = sinkhole::check_query(packet);
    r.error = checked.error;
    if (checked.parsed) r.query = checked.query;
    switch (checked.what) {
      case sinkhole::admission::drop:
        r.what = filter_outcome::dropped;
        return r;
      case sinkhole::admission::reject:
        set_answer(r, responder_->reject(checked, out, via), filter_outcome::rejected);
        return r;
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
    if (DNSFILTER_UNLIKELY(r.entry->is_monitored())) {
      const match::match_result above = snapshot.past_monitored(r.query.qname(), now, r.match);
      if (above.hit() && snapshot.entry_of(above).blocks()) {
        r.match = above;  // a block above the monitored name answers
        r.entry = &snapshot.entry_of(above);
      } else {
        r.excepted = above.hit();  // an exception above vouches for the name
        if (counters_) count_hit(snapshot, r.match.entry, match::action::monitor, now, /*reclassified=*/false);
        if (log_)
          log_filtered(snapshot, *r.entry, r.match.entry, now, source, r.query.qname(), r.query.qtype(),
                       match::action::monitor);
        r.what = filter_outcome::forward;
        return r;
      }
    }
    const match::action taken = r.entry->action;
    if (counters_) count_hit(snapshot, r.match.entry, taken, now, /*reclassified=*/false);
    if (log_ && taken != match::action::pass)
      log_filtered(snapshot, *r.entry, r.match.entry, now, source, r.query.qname(), r.query.qtype(), taken);
    if (taken == match::action::pass) {
      r.excepted = true;
      r.what = filter_outcome::forward;
      return r;
    }
    answer_for(r, *r.entry, out, via);
    return r;
  }

  // Checks the upstream answer to a forwarded query for CNAME cloaking:
  // follows the CNAME chain from the question name through the answer
  // section and looks every target up at the query's time. If one is
  // blocked, writes the sinkhole answer for the original question to `out`
  // (the entry's action applies: NXDOMAIN, drop, ...; for drop, `answer`
  // stays empty), sets `blocked`, recounts the query from passed to filtered
  // and logs it. A chain name that hits a monitored entry (and no block
  // above it) does not stop the walk: when nothing in the chain is blocked,
  // the first such name counts and logs the query as monitored, unless
  // process() did so already (`monitored`); a query monitored by its name and
  // then blocked by its answer counts as both. `answer` is the response the upstream transaction already
  // validated (our id, our question, from the queried server) and parsed;
  // nothing here parses it again. A ticket that does not check cloaking
  // (ticket.checks_cloaking(): an opted-out client, an exception entry) is
  // never blocked. Call it on the filter that processed the query (its
  // recorder counted it).
  response_result check_response(const forward_ticket& ticket, const wire::message_view& answer,
                                 std::span<std::byte> out) noexcept {
    response_result r;
    if (!ticket.checks_cloaking()) return r;
    const snapshot_type& snapshot = catalogue_.get();
    wire::name current{ticket.query.qname()};
    match::match_result watched;  // the first monitored chain name's rule
    wire::name watched_name;
    for (std::size_t step = 0; step < max_chain; ++step) {
      bool followed = false;
      for (const wire::record_view& rr : answer.records(wire::section::answer)) {
        if (rr.type != wire::rr_type::cname) continue;
        if (answer.read_name_at(rr.owner_offset) != current) continue;
        auto data = answer.rdata(rr);
        const auto* target = data ? std::get_if<wire::rdata::cname>(&*data) : nullptr;
        if (target == nullptr) continue;
        match::match_result hit = snapshot.lookup(target->target, ticket.time);
        if (DNSFILTER_UNLIKELY(hit.hit() && snapshot.entry_of(hit).is_monitored())) {
          const match::match_result above = snapshot.past_monitored(target->target, ticket.time, hit);
          if (above.hit() && snapshot.entry_of(above).blocks()) {
            hit = above;
          } else {
            if (!watched.hit()) {
              watched = hit;
              watched_name = target->target;
            }
            hit = {};
          }
        }
        if (hit.hit() && !snapshot.entry_of(hit).is_exception()) {
          r.blocked = true;
          r.match = hit;
          r.entry = &snapshot.entry_of(hit);
          r.cname = target->target;
          const match::action taken = r.entry->action;
          if (counters_) count_hit(snapshot, hit.entry, taken, ticket.time, /*reclassified=*/true);
          if (log_ && taken != match::action::pass)
            log_filtered(snapshot, *r.entry, hit.entry, ticket.time, ticket.client, ticket.query.qname(),
                         ticket.query.qtype, taken);
          if (taken != match::action::drop) {
            auto written = responder_->respond(ticket.query, sinkhole::hit_answer::of(*r.entry), out);
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
    if (DNSFILTER_UNLIKELY(watched.hit()) && !ticket.monitored) {
      r.monitored = true;
      r.match = watched;
      r.entry = &snapshot.entry_of(watched);
      r.cname = watched_name;
      if (counters_)
        if (const stats::entry_slots* slots = snapshot.slots_of(watched.entry)) counters_->count_monitored(ticket.time, *slots);
      if (log_)
        log_filtered(snapshot, *r.entry, watched.entry, ticket.time, ticket.client, ticket.query.qname(),
                     ticket.query.qtype, match::action::monitor);
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
  // Every helper here changes `r` in place: process() returns only `r`, by
  // name, so the result is built in the caller's storage and never copied.
  void answer_for(filter_result& r, const match::entry& e, std::span<std::byte> out,
                  sinkhole::transport via) noexcept {
    if (e.action == match::action::drop) {
      r.what = filter_outcome::dropped;
      return;
    }
    // pass never gets here: process() forwards it
    set_answer(r, responder_->respond(r.query, sinkhole::hit_answer::of(e), out, via), filter_outcome::answered);
  }

  static void set_answer(filter_result& r, const result<std::span<const std::byte>>& answer,
                         filter_outcome what) noexcept {
    if (answer) {
      r.what = what;
      r.answer = *answer;
    } else {
      // Only a buffer under 12 octets fails here: there is nothing to send.
      r.what = filter_outcome::dropped;
      r.error = answer.error();
    }
  }

  void count_hit(const snapshot_type& snapshot, std::uint32_t entry, match::action taken, match::timestamp now,
                 bool reclassified) noexcept {
    if (const stats::entry_slots* slots = snapshot.slots_of(entry)) {
      if (reclassified) counters_->count_reclassified(now, *slots, taken);
      else counters_->count_hit(now, *slots, taken);
    }
  }

  // The query log's line of a filtered (or monitored) query; the entry is named by its
  // identifier, or by its list when it has none (as the statistics do).
  void log_filtered(const snapshot_type& snapshot, const match::entry& e, std::uint32_t entry, match::timestamp now,
                    const policy::ip_address& client, wire::name_view qname, wire::rr_type qtype,
                    match::action taken) noexcept {
    std::string_view key = e.id;
    if (const stats::entry_slots* slots = snapshot.slots_of(entry)) key = slots->key;
    else if (key.empty() && e.source < snapshot.source().sources().size()) key = snapshot.source().sources()[e.source].name;
    log_->write({now, client, qname, qtype, key, taken});
  }

  snapshot_reader<snapshot_type> catalogue_;
  policy::policy_set_reader policies_;
  const sinkhole::responder* responder_;
  stats::recorder* counters_;
  stats::query_log_sink* log_;
};

using filter = basic_filter<>;

}  // namespace dnsfilter
