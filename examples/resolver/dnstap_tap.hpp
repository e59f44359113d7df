// dnsfilter-resolver — what a serving thread sends to dnstap, and when.
//
// One query_context per client query that reached the policy decision (a
// malformed packet, an outsider of the access list and an opted-out client
// make none: opted-out clients are never sent, on any path). It is made when
// the filter has decided, lives in the forward_request while the query is
// upstream, and knows whether the query is sampled: every query an entry
// matched is, others with probability --dnstap-sample. A query whose answer
// is blocked for CNAME cloaking is sent (its response, with the policy) even
// when its question was not sampled.
#pragma once

#include "config.hpp"
#include "dnstap_encode.hpp"
#include "dnstap_output.hpp"

#include <dnsfilter/dnsfilter.hpp>

#include <cstdint>
#include <functional>
#include <span>
#include <utility>

namespace resolver::dnstap {

struct query_context {
  bool sampled = false;
  dnsfilter::sinkhole::transport via = dnsfilter::sinkhole::transport::udp;
  endpoint client;
  endpoint local;  // our listener
  timespec time{};
  decision policy;
};

class tap {
 public:
  // `out` null: dnstap is off and every call below does nothing.
  // `options` (--dnstap-*) and `privacy` (--query-log-client...) must outlive the tap.
  tap(output* out, const dnstap_config& options, const dnsfilter::stats::query_log_options& privacy,
      std::uint64_t seed)
      : out_(out), options_(&options), who_{options.identity, options.version}, privacy_(&privacy), rng_(seed | 1) {}

  bool enabled() const noexcept { return out_ != nullptr; }

  // Frames gather in this thread's buffer and go to the output at flush().
  // `schedule` is called when the first frame of a batch is encoded; it
  // must arrange one call of flush_scheduled() soon (the serving thread
  // posts it to its event loop: one hand-over per turn). Without it, every
  // frame is handed over at once. A batch that grows past flush_frames is
  // handed over without waiting.
  void on_pending(std::function<void()> schedule) { schedule_ = std::move(schedule); }
  void flush_scheduled() noexcept {
    scheduled_ = false;
    flush();
  }
  void flush() noexcept {
    if (out_ != nullptr) out_->submit(pending_);
  }
  static constexpr std::size_t flush_frames = 256;
  bool forwarder_frames() const noexcept {
    return out_ != nullptr && (options_->forwarder_query || options_->forwarder_response);
  }

  // After the filter decided on a query that was not opted out: fills `q`
  // (the decision of the entry that matched, from `source`) and sends
  // CLIENT_QUERY when sampled.
  void begin(query_context& q, const dnsfilter::filter_result& r, const dnsfilter::match::catalogue& source,
             std::span<const std::byte> packet, const endpoint& client, const endpoint& local);
  // The answer the client gets (CLIENT_RESPONSE), when sampled or when
  // `cloaked` (a CNAME of the upstream answer decided: `q.policy` is updated
  // from it first).
  void respond(query_context& q, std::span<const std::byte> answer);
  void cloaked(query_context& q, const dnsfilter::response_result& c, const dnsfilter::match::catalogue& source);
  // Our query to an upstream and its answer (FORWARDER_*), when the query
  // that started the exchange was sampled.
  void forwarded(const query_context& q, std::span<const std::byte> message, const endpoint& upstream, bool tcp,
                 bool response);

 private:
  bool sample() noexcept;
  void send(const event& e);

  output* out_;
  frames pending_;
  std::function<void()> schedule_;
  bool scheduled_ = false;
  const dnstap_config* options_;
  identity who_;
  const dnsfilter::stats::query_log_options* privacy_;
  std::uint64_t rng_;  // xorshift: sampling needs no secrecy
};

// The realtime clock, for the messages' times.
timespec now() noexcept;

}  // namespace resolver::dnstap
