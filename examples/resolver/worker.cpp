// dnsfilter-resolver — a serving thread and the per-query flow.
#include "worker.hpp"

#include "feed.hpp"
#include "log.hpp"
#include "tcp_connection.hpp"
#include "tcp_listener.hpp"

#include <boost/asio/post.hpp>

#include <xxhash.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <ctime>

namespace resolver {

namespace asio = boost::asio;
namespace sinkhole = dnsfilter::sinkhole;
namespace policy = dnsfilter::policy;
using dnsfilter::filter_outcome;
using asio::ip::tcp;
using asio::ip::udp;

std::size_t worker::key_hash::operator()(std::string_view k) const noexcept {
  return XXH3_64bits(k.data(), k.size());
}

namespace {

std::int64_t clock_seconds(clockid_t id) noexcept {
  timespec t{};
  clock_gettime(id, &t);
  return t.tv_sec;
}

// A seed for dnstap's sampling (which needs no secrecy, only spread).
std::uint64_t tap_seed(dnsfilter::forward::system_random& random, std::size_t index) noexcept {
  std::array<std::byte, 8> b{};
  random.fill(b);
  std::uint64_t seed = index;
  for (std::byte x : b) seed = (seed << 8) ^ std::to_integer<std::uint64_t>(x);
  return seed;
}

}  // namespace

worker::worker(shared_state& state, std::size_t index)
    : state_(state),
      index_(index),
      counters_(*state.counters[index]),
      recorder_(state.registry.at(index)),
      // The facade counts every query it decides on (opted out, passed, hit
      // under its entry) in this thread's recorder, logs filtered ones to the
      // query log (a step of its own), and check_response moves
      // a cloaked one from passed to filtered.
      filter_(state.catalogue, state.policies, state.responder, &recorder_, state.query_log),
      upstream_buffer_(65536),
      cache_buffer_(65536),
      answer_buffer_(65536),
      forwarder_(io_, state.cfg, state.upstreams, state.mismatches, counters_, random_, upstream_buffer_,
                 [this](forward_request& r, const forward_result& result) { finish_forward(r, result); }),
      tap_(state.dnstap, state.cfg.dnstap, state.cfg.query_log_options,
           tap_seed(random_, index)),
      housekeeping_(io_) {
  tick();
  // dnstap's frames of one event-loop turn go to the output together.
  if (tap_.enabled()) tap_.on_pending([this] { asio::post(io_, [this] { tap_.flush_scheduled(); }); });
  if (tap_.forwarder_frames())
    forwarder_.on_sent([this](const forward_request& r, std::span<const std::byte> query, std::size_t upstream, bool tcp) {
      if (r.tap) tap_.forwarded(*r.tap, query, tap_upstream(upstream), tcp, /*response=*/false);
    });
}

worker::~worker() {
  // Sockets go before the io_context (they are members declared after it);
  // exchanges still pending are freed with the io_context's handlers.
  udp_.clear();
  tcp_.clear();
}

void worker::add_udp(udp::socket socket, std::uint16_t listener, bool wildcard) {
  udp_.push_back(std::make_unique<udp_listener>(*this, std::move(socket), listener, wildcard));
}

void worker::add_tcp(tcp::acceptor acceptor, std::uint16_t listener) {
  tcp_.push_back(std::make_unique<tcp_listener>(*this, std::move(acceptor), listener));
}

void worker::run() {
  for (auto& u : udp_) u->start();
  for (auto& t : tcp_) t->start();
  housekeeping();
  // A handler that throws (out of memory, a socket call without an error
  // code) must not take the serving thread down with it: log and go on.
  for (;;) {
    try {
      io_.run();
      tap_.flush();  // what the last turn left
      return;
    } catch (const std::exception& e) {
      RESOLVER_LOG(error, "serving thread %zu: %s", index_, e.what());
    }
  }
}

void worker::stop_listening() {
  asio::post(io_, [this] {
    for (auto& u : udp_) u->stop();
    for (auto& t : tcp_) t->stop();
  });
}

void worker::tick() noexcept {
  now_ = clock_seconds(CLOCK_REALTIME_COARSE);
  monotonic_ = clock_seconds(CLOCK_MONOTONIC_COARSE);
}

void worker::housekeeping() {
  tick();
  // Let go of snapshots a reload replaced, so an idle thread does not keep
  // the old catalogue in memory; the next packet takes the current one.
  filter_.release();
  housekeeping_.expires_after(std::chrono::seconds(1));
  housekeeping_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) housekeeping();
  });
}

worker::handled worker::handle(std::span<const std::byte> packet, const policy::ip_address& client,
                               std::uint16_t listener, sinkhole::transport via, std::span<std::byte> out,
                               const reply_source& from) {
  // A NOTIFY (RFC 1996) is for the policy feeds: accepted from their
  // primaries only, before the access list (primaries need not be clients).
  if (state_.feeds != nullptr && packet.size() >= 12 && (std::to_integer<unsigned>(packet[2]) & 0xF8) == (4u << 3))
    return {answer_notify(packet, client, out)};

  // Access control first: an outsider costs one table lookup and, if its
  // packet is a proper query, a REFUSED of the same size (no amplification).
  if (const auto allowed = state_.acl.lookup(client); !allowed || *allowed.value != access::allow) {
    bump(counters_.acl_refused);
    const sinkhole::query_check checked = sinkhole::check_query(packet);
    if (checked.what != sinkhole::admission::process) return {};
    const dnsfilter::wire::extended_error ede{dnsfilter::wire::ede_code::prohibited, "client not allowed"};
    auto answer = state_.responder.error_answer(checked.query, dnsfilter::wire::rcode::refused, out, ede, via);
    return {answer ? *answer : std::span<const std::byte>{}};
  }

  // --feed-stale servfail: no answer from an incomplete policy.
  if (state_.cfg.feed_stale == feed_staleness::servfail && state_.feeds != nullptr && !state_.feeds->ready()) {
    const sinkhole::query_check checked = sinkhole::check_query(packet);
    if (checked.what != sinkhole::admission::process) return {};
    bump(counters_.rejected);
    const dnsfilter::wire::extended_error ede{dnsfilter::wire::ede_code::not_ready, "policy not loaded yet"};
    auto answer = state_.responder.error_answer(checked.query, dnsfilter::wire::rcode::servfail, out, ede, via);
    return {answer ? *answer : std::span<const std::byte>{}};
  }

  const dnsfilter::filter_result r = filter_.process(packet, client, listener, now_, out, via);
  // dnstap: a query that reached the policy and did not opt out (its
  // CLIENT_QUERY goes now, while `packet` still holds it).
  dnstap::query_context tapped;
  const bool decided = r.what == filter_outcome::forward || r.what == filter_outcome::answered ||
                       (r.what == filter_outcome::dropped && r.entry != nullptr);
  if (tap_.enabled() && decided)
    tap_.begin(tapped, r, state_.catalogue.load()->source(), packet, tap_client(client, from), tap_local(listener));
  switch (r.what) {
    case filter_outcome::answered:
      bump(counters_.sinkholed);
      tap_.respond(tapped, r.answer);
      return {r.answer};
    case filter_outcome::rejected:
      bump(counters_.rejected);
      return {r.answer};
    case filter_outcome::dropped:
      if (r.entry != nullptr) {  // an entry whose action is drop
        bump(counters_.sinkholed);
      } else {
        bump(counters_.dropped);
      }
      return {};
    case filter_outcome::opted_out:
      bump(counters_.opted_out);
      break;
    case filter_outcome::forward:
      if (r.monitored()) bump(counters_.monitored);
      if (cfg().query_log_all) log_unfiltered(r);
      break;
  }

  const dnsfilter::wire::query_view& q = r.query;

  const bool dnssec_ok = q.has_edns() && q.edns().dnssec_ok;
  const cache_key key = make_cache_key(q.qname(), q.qtype(), q.qclass(), dnssec_ok, q.header().cd);
  const std::size_t limit = sinkhole::answer_limit(q, via);
  const auto payload = static_cast<std::uint16_t>(cfg().max_udp_payload);

  if (state_.cache.enabled()) {
    if (const auto hit = state_.cache.lookup(key.view(), monotonic_, cache_buffer_)) {
      bump(counters_.cache_hits);
      const std::span<const std::byte> message{cache_buffer_.data(), hit->size};
      // The catalogue may have changed since the answer was cached: the
      // cloaking check runs on every hit whose answer has a CNAME.
      // (The cache holds only validated answers: this is their one parse.)
      // The facade's ticket says whether this client's answer is checked.
      if (hit->layout.has_cname) {
        const dnsfilter::forward_ticket ticket = r.ticket();
        if (ticket.checks_cloaking()) {
          if (const auto parsed = dnsfilter::wire::message_view::parse(message)) {
            const dnsfilter::response_result c = filter_.check_response(ticket, *parsed, out);
            if (c.monitored) bump(counters_.monitored);
            if (tap_.enabled() && (c.blocked || c.monitored))
              tap_.cloaked(tapped, c, state_.catalogue.load()->source());
            if (c.blocked) {
              bump(counters_.cloaked);
              tap_.respond(tapped, c.answer);
              return {c.answer};
            }
          }
        }
      }
      const auto answer = shape_answer(message, hit->layout, client_echo::of(q), payload, limit, out);
      if (answer.size() >= 3 && (answer[2] & std::byte{0x02}) != std::byte{0}) bump(counters_.truncated);
      tap_.respond(tapped, answer);
      return {answer};
    }
    bump(counters_.cache_misses);
  }

  auto request = std::make_unique<forward_request>();
  request->ticket = r.ticket();  // before the receive buffer is reused
  request->via = via;
  request->key = key;
  if (tap_.enabled() && r.what != filter_outcome::opted_out)
    request->tap = std::make_shared<dnstap::query_context>(std::move(tapped));
  request->reply = std::make_shared<reply_target>();
  if (from.tcp != nullptr) {
    request->reply->tcp = from.tcp->shared_from_this();
  } else {
    request->reply->udp = from.udp;
    request->reply->peer = *from.peer;
  }
  // The same question already upstream on this thread: wait for its answer.
  if (auto it = waiting_.find(key.view()); it != waiting_.end() && it->second.size() < max_waiting) {
    bump(counters_.coalesced);
    it.value().push_back(std::move(request));
    return {{}, true};
  }
  if (forwarder_.inflight() >= static_cast<std::int64_t>(cfg().max_inflight)) {
    bump(counters_.overload);
    const dnsfilter::wire::extended_error ede{dnsfilter::wire::ede_code::other, "resolver overloaded"};
    auto answer = state_.responder.error_answer(q, dnsfilter::wire::rcode::servfail, out, ede, via);
    if (answer && request->tap) tap_.respond(*request->tap, *answer);
    return {answer ? *answer : std::span<const std::byte>{}};
  }
  waiting_.try_emplace(request->key.view());  // views the request's key: it lives until finish_forward
  bump(counters_.forwarded);
  forwarder_.start(std::move(request));
  return {{}, true};
}

std::span<const std::byte> worker::answer_notify(std::span<const std::byte> packet,
                                                const dnsfilter::policy::ip_address& client, std::span<std::byte> out) {
  // The answer echoes the header and the question: QR and AA set, NOERROR
  // when a feed of the zone has the sender as a primary, REFUSED otherwise.
  const auto m = dnsfilter::wire::message_view::parse(packet);
  if (!m || m->header().qdcount != 1 || (std::to_integer<unsigned>(packet[2]) & 0x80) != 0) return {};
  const dnsfilter::wire::question_view q = m->question();
  const dnsfilter::wire::name zone = m->read_name_at(q.name_offset);
  const bool accepted = state_.feeds->notify(client, zone);
  // The first name of a message cannot be compressed, so the question is
  // the octets from 12 to its end.
  const std::size_t question_end = q.end;
  if (question_end > out.size() || q.name_offset != 12) return {};
  std::memmove(out.data(), packet.data(), question_end);
  out[2] = std::byte{0x80 | (4u << 3) | 0x04};  // QR, NOTIFY, AA
  out[3] = std::byte{static_cast<unsigned char>(accepted ? 0 : 5)};  // NOERROR or REFUSED
  for (std::size_t i = 6; i < 12; ++i) out[i] = std::byte{0};  // no answer, authority or additional records
  log(accepted ? log_level::info : log_level::warning, "NOTIFY for %s from %s: %s",
               zone.to_string().c_str(), client.to_string().c_str(), accepted ? "refreshing" : "refused (not a primary)");
  return out.first(question_end);
}

void worker::finish_forward(forward_request& request, const forward_result& result) {
  tick();
  if (request.tap && result.ok && tap_.forwarder_frames())
    tap_.forwarded(*request.tap, result.message, tap_upstream(result.upstream), /*tcp=*/false, /*response=*/true);
  if (result.ok && !result.truncated && result.info->cache_ttl != 0)
    state_.cache.insert(request.key.view(), result.message, *result.info, monotonic_);
  answer_forwarded(request, result);
  // Everyone who asked the same question meanwhile gets the same answer,
  // shaped for them (id, case, EDNS, size) and checked for them (cloaking).
  if (auto it = waiting_.find(request.key.view()); it != waiting_.end()) {
    std::vector<std::unique_ptr<forward_request>> waiters = std::move(it.value());
    waiting_.erase(it);  // before `request`, whose key it may view, is freed
    for (auto& waiter : waiters) answer_forwarded(*waiter, result);
  }
}

void worker::answer_forwarded(forward_request& request, const forward_result& result) {
  const dnsfilter::forward_ticket& ticket = request.ticket;
  std::span<std::byte> out{answer_buffer_};
  if (request.via == sinkhole::transport::udp) out = out.first(cfg().max_udp_payload);
  const std::size_t limit = ticket.query.limit;
  const auto payload = static_cast<std::uint16_t>(cfg().max_udp_payload);
  const client_echo echo = client_echo::of(ticket.query);

  std::span<const std::byte> answer;
  if (!result.ok) {
    bump(counters_.servfail);
    const dnsfilter::wire::extended_error ede{dnsfilter::wire::ede_code::network_error, "no upstream answered"};
    if (auto a = state_.responder.error_answer(ticket.query, dnsfilter::wire::rcode::servfail, out, ede)) answer = *a;
  } else if (result.truncated) {
    bump(counters_.truncated);
    const dnsfilter::wire::header h = dnsfilter::wire::header::decode(result.message.data());
    answer = write_truncated_answer(echo, h.rcode, payload, limit, out);
  } else {
    const response_info& info = *result.info;
    // The answer as the upstream transaction validated and parsed it; the
    // facade decides whether this ticket's answer is checked (not for an
    // opted-out client, nor under an exception entry).
    if (info.layout.has_cname) {
      const dnsfilter::response_result c = filter_.check_response(ticket, *result.parsed, out);
      if (c.monitored) bump(counters_.monitored);
      if (request.tap && (c.blocked || c.monitored))
        tap_.cloaked(*request.tap, c, state_.catalogue.load()->source());
      if (c.blocked) {
        bump(counters_.cloaked);
        if (request.tap) tap_.respond(*request.tap, c.answer);
        send_reply(*request.reply, c.answer);
        return;
      }
    }
    answer = shape_answer(result.message, info.layout, echo, payload, limit, out);
    if (answer.size() >= 3 && (answer[2] & std::byte{0x02}) != std::byte{0}) bump(counters_.truncated);
  }
  if (request.tap) tap_.respond(*request.tap, answer);
  send_reply(*request.reply, answer);
}

dnstap::endpoint worker::tap_client(const policy::ip_address& client, const reply_source& from) const {
  dnstap::endpoint e{client, 0, true};
  // The port only when the log shows the client in full (the encoder leaves
  // it out otherwise): a TCP socket's costs a system call.
  if (cfg().query_log_options.privacy != dnsfilter::stats::client_privacy::full) return e;
  if (from.peer != nullptr) {
    const sockaddr_storage& a = from.peer->address;
    if (a.ss_family == AF_INET) e.port = ntohs(reinterpret_cast<const sockaddr_in*>(&a)->sin_port);
    else if (a.ss_family == AF_INET6) e.port = ntohs(reinterpret_cast<const sockaddr_in6*>(&a)->sin6_port);
  } else if (from.tcp != nullptr) {
    e.port = from.tcp->client_port();
  }
  return e;
}

namespace {

dnstap::endpoint to_tap_endpoint(const asio::ip::address& a, std::uint16_t port) {
  dnstap::endpoint e;
  e.known = true;
  e.port = port;
  if (a.is_v4()) {
    e.address = policy::ip_address::v4(a.to_v4().to_uint());
  } else {
    const auto b = a.to_v6().to_bytes();
    std::array<std::uint8_t, 16> bytes;
    std::copy(b.begin(), b.end(), bytes.begin());
    e.address = policy::ip_address::v6(bytes);
  }
  return e;
}

}  // namespace

const dnstap::endpoint& worker::tap_local(std::uint16_t listener) {
  static const dnstap::endpoint unknown;
  if (listener >= cfg().listeners.size()) return unknown;
  if (tap_locals_.empty()) {
    // A listener on port 0 (tests) or a wildcard address: what the socket
    // really uses is not at hand here; the address is still given.
    for (const listener_config& l : cfg().listeners) tap_locals_.push_back(to_tap_endpoint(l.address, l.port));
  }
  return tap_locals_[listener];
}

dnstap::endpoint worker::tap_upstream(std::size_t upstream) const {
  if (upstream >= cfg().upstreams.size()) return {};
  return to_tap_endpoint(cfg().upstreams[upstream].address, cfg().upstreams[upstream].port);
}

void worker::log_unfiltered(const dnsfilter::filter_result& r) {
  // Monitored queries are the facade's to log; an exception is logged here
  // under its entry, a miss with none.
  if (state_.query_log == nullptr || r.monitored()) return;
  std::string key;
  if (r.entry != nullptr) {
    key = r.entry->id;
    if (key.empty()) key = dnstap::rule_of(state_.catalogue.load()->source(), *r.entry);
  }
  state_.query_log->write({r.time, r.client, r.query.qname(), r.query.qtype(), key, dnsfilter::match::action::pass});
}

void worker::send_reply(reply_target& to, std::span<const std::byte> answer) {
  if (to.tcp) {
    if (answer.empty()) to.tcp->finished_without_answer();
    else to.tcp->deliver(answer);
  } else if (to.udp != nullptr && !answer.empty()) {
    to.udp->send(answer, to.peer);
  }
}

}  // namespace resolver
