// dnsfilter-resolver — a serving thread's dnstap messages.
#include "dnstap_tap.hpp"

#include <new>

namespace resolver::dnstap {

namespace match = dnsfilter::match;

policy_action to_policy_action(match::action a) noexcept {
  switch (a) {
    case match::action::sinkhole: return policy_action::local_data;
    case match::action::nxdomain: return policy_action::nxdomain;
    case match::action::nodata: return policy_action::nodata;
    case match::action::drop: return policy_action::drop;
    case match::action::pass:
    case match::action::monitor: return policy_action::pass;
    case match::action::refused: break;
  }
  return policy_action::none;
}

std::string decision::type() const { return std::string("dnsfilter/") + match::to_string(action); }

std::string rule_of(const match::catalogue& source, const match::entry& e) {
  std::string list;
  if (e.source < source.sources().size()) list = source.sources()[e.source].name;
  if (e.id.empty()) return list;
  return list.empty() ? e.id : e.id + " " + list;
}

timespec now() noexcept {
  timespec t{};
  clock_gettime(CLOCK_REALTIME, &t);
  return t;
}

namespace {

void set_decision(decision& d, const dnsfilter::match::entry& e, dnsfilter::match::action taken,
                  const dnsfilter::match::catalogue& source, dnsfilter::wire::name_view value, bool cname) {
  d.present = true;
  d.action = taken;
  d.rule = rule_of(source, e);
  d.value = dnsfilter::wire::name(value);
  d.cname = cname;
}

// A message between the client and us.
event client_event(const query_context& q, message_type type) noexcept {
  event e;
  e.type = type;
  e.via = q.via;
  e.initiator = q.client;
  e.responder = q.local;
  e.query_time = q.time;
  e.policy = &q.policy;
  return e;
}

}  // namespace

bool tap::sample() noexcept {
  if (options_->sample_per_million >= 1000000) return true;
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  return rng_ % 1000000 < options_->sample_per_million;
}

void tap::send(const event& e) {
  try {
    encode(e, who_, *privacy_, pending_);
  } catch (const std::bad_alloc&) {
    // out of memory: the frame is lost, the query is not
  }
  if (!schedule_ || pending_.count() >= flush_frames) {
    flush();
  } else if (!scheduled_ && !pending_.empty()) {
    scheduled_ = true;
    try {
      schedule_();
    } catch (const std::bad_alloc&) {  // the hand-over could not be posted: hand over now
      scheduled_ = false;
      flush();
    }
  }
}

void tap::begin(query_context& q, const dnsfilter::filter_result& r, const dnsfilter::match::catalogue& source,
                std::span<const std::byte> packet, const endpoint& client, const endpoint& local) {
  if (out_ == nullptr) return;
  q.via = r.via;
  q.client = client;
  q.local = local;
  q.time = now();
  if (r.entry != nullptr) {
    // A monitored hit forwards with its own action; an exception is pass.
    set_decision(q.policy, *r.entry, r.entry->action, source, r.query.qname(), false);
    q.sampled = true;
  } else {
    q.sampled = sample();
  }
  if (!q.sampled || !options_->client_query) return;
  event e = client_event(q, message_type::client_query);
  e.query_message = packet;
  send(e);
}

void tap::cloaked(query_context& q, const dnsfilter::response_result& c, const dnsfilter::match::catalogue& source) {
  if (out_ == nullptr || c.entry == nullptr) return;
  const dnsfilter::match::action taken = c.blocked ? c.entry->action : dnsfilter::match::action::monitor;
  set_decision(q.policy, *c.entry, taken, source, c.cname.view(), true);
  q.sampled = true;
}

void tap::respond(query_context& q, std::span<const std::byte> answer) {
  if (out_ == nullptr || !q.sampled || !options_->client_response || answer.empty()) return;
  event e = client_event(q, message_type::client_response);
  e.response_time = now();
  e.response_message = answer;
  send(e);
}

void tap::forwarded(const query_context& q, std::span<const std::byte> message, const endpoint& upstream, bool tcp,
                    bool response) {
  if (out_ == nullptr || !q.sampled || !(response ? options_->forwarder_response : options_->forwarder_query)) return;
  event e;
  e.type = response ? message_type::forwarder_response : message_type::forwarder_query;
  e.via = tcp ? dnsfilter::sinkhole::transport::tcp : dnsfilter::sinkhole::transport::udp;
  e.initiator_is_client = false;
  e.responder = upstream;
  e.query_time = q.time;
  if (response) {
    e.response_time = now();
    e.response_message = message;
  } else {
    e.query_time = now();
    e.query_message = message;
  }
  send(e);
}

}  // namespace resolver::dnstap
