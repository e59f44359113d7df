// dnsfilter — transaction_table: ids, case and ports per attempt, answer
// checks, retries.
#pragma once

#include <dnsfilter/forward/transactions.hpp>

#include <dnsfilter/detail/bytes.hpp>
#include <dnsfilter/wire/header.hpp>
#include <dnsfilter/wire/writer.hpp>

#include <algorithm>
#include <cstring>

namespace dnsfilter::detail {

inline bool is_letter(std::byte b) noexcept {
  const auto c = std::to_integer<unsigned>(b);
  return (c | 0x20u) - 'a' < 26u;
}

// Gives each letter of a wire name the case its bit says (1: lower). Label
// lengths (at most 63) and the root octet are never ASCII letters, so the
// bytes need no walk by label.
inline void apply_case(std::byte* name, std::size_t size, const std::array<std::uint8_t, 32>& bits) noexcept {
  std::size_t k = 0;
  for (std::size_t i = 0; i < size; ++i) {
    if (!is_letter(name[i])) continue;
    const bool lower = (bits[k / 8] >> (k % 8)) & 1u;
    name[i] = lower ? (name[i] | std::byte{0x20}) : (name[i] & std::byte{0xDF});
    ++k;
  }
}

}  // namespace dnsfilter::detail

namespace dnsfilter::forward {

DNSFILTER_DECL transaction_table::transaction_table(const table_settings& settings, upstream_set& upstreams,
                                                    mismatch_alarm& alarm, random_ref random)
    : settings_(settings),
      upstreams_(upstreams),
      alarm_(alarm),
      random_(random),
      slots_(std::allocator<slot>{}.allocate(settings.capacity), slot_storage_deleter{settings.capacity}),
      free_(new std::uint32_t[settings.capacity]) {
  settings_.attempts = std::clamp(settings.attempts, 1u, 64u);
  settings_.timeout_ms = std::max<std::int64_t>(1, settings.timeout_ms);
  settings_.tcp_timeout_ms = std::max<std::int64_t>(1, settings.tcp_timeout_ms);
  if (settings.port_low == 0 || settings.port_low > settings.port_high) settings_.port_low = settings_.port_high = 0;
}

DNSFILTER_DECL result<dispatch> transaction_table::begin(const sinkhole::query_echo& client,
                                                         std::int64_t now_ms) noexcept {
  return start(client, now_ms, false, 0);
}

DNSFILTER_DECL result<dispatch> transaction_table::begin_tcp(const sinkhole::query_echo& client, std::size_t upstream,
                                                             std::int64_t now_ms) noexcept {
  if (upstream >= upstreams_.size()) return errc::invalid_argument;
  return start(client, now_ms, true, upstream);
}

DNSFILTER_DECL result<dispatch> transaction_table::start(const sinkhole::query_echo& client, std::int64_t now_ms,
                                                         bool tcp, std::size_t upstream) noexcept {
  if (!client.has_question) return errc::invalid_argument;
  std::uint32_t index;
  if (free_count_ > 0) {
    index = free_[--free_count_];
  } else if (used_ < settings_.capacity) {
    index = used_;
    std::construct_at(&slots_[index]);  // first use: the page is touched now, not at construction
    ++used_;
  } else {
    return errc::table_full;
  }
  slot& s = slots_[index];
  s.client = client;
  s.tried = 0;
  s.attempts = 0;
  s.tcp = tcp;
  s.busy = true;
  auto d = launch(index, now_ms, upstream);
  if (!d) release(index);
  return d;
}

DNSFILTER_DECL result<dispatch> transaction_table::launch(std::uint32_t index, std::int64_t now_ms,
                                                          std::size_t upstream) noexcept {
  slot& s = slots_[index];
  if (!s.tcp) upstream = upstreams_.pick(s.tried, now_ms);
  // All the randomness of the attempt in one call: id, source port, letter case.
  const bool ports = settings_.port_low != 0 && !s.tcp;
  std::size_t letters = 0;
  if (settings_.randomize_case)
    for (std::size_t i = 0; i < s.client.qname_size; ++i) letters += detail::is_letter(s.client.qname_bytes[i]);
  std::array<std::byte, 2 + 4 + 32> bytes;
  const std::size_t case_at = ports ? 6 : 2, case_size = (letters + 7) / 8;
  if (!random_.fill({bytes.data(), case_at + case_size})) return errc::no_randomness;
  s.id = detail::load_u16(bytes.data());
  const std::uint16_t port = ports ? port_from(detail::load_u32(bytes.data() + 2)) : 0;
  s.letter_case.fill(0);
  std::memcpy(s.letter_case.data(), bytes.data() + case_at, case_size);
  s.upstream = static_cast<std::uint16_t>(upstream);
  s.tried |= std::uint64_t{1} << upstream;
  ++s.attempts;
  ++s.generation;
  s.deadline = now_ms + (s.tcp ? settings_.tcp_timeout_ms : settings_.timeout_ms);
  return dispatch{{index, s.generation}, upstream, port};
}

DNSFILTER_DECL std::uint16_t transaction_table::port_from(std::uint32_t value) noexcept {
  const std::uint32_t n = std::uint32_t{settings_.port_high} - settings_.port_low + 1;
  // Uniform without modulo bias: refuse the lowest 2^32 mod n values.
  const std::uint32_t limit = (0u - n) % n;
  while (value < limit) {
    std::array<std::byte, 4> more;
    if (!random_.fill(more)) return 0;  // then the kernel's ephemeral choice
    value = detail::load_u32(more.data());
  }
  return static_cast<std::uint16_t>(settings_.port_low + value % n);
}

DNSFILTER_DECL std::uint16_t transaction_table::draw_port() noexcept {
  if (settings_.port_low == 0) return 0;
  std::array<std::byte, 4> bytes;
  return random_.fill(bytes) ? port_from(detail::load_u32(bytes.data())) : 0;
}

DNSFILTER_DECL void transaction_table::release(std::uint32_t index) noexcept {
  slot& s = slots_[index];
  s.busy = false;
  ++s.generation;  // every handle of it is stale from now on
  free_[free_count_++] = index;
}

DNSFILTER_DECL void transaction_table::cancel(attempt which) noexcept {
  if (live(which)) release(which.slot);
}

DNSFILTER_DECL const sinkhole::query_echo* transaction_table::client(attempt which) const noexcept {
  const slot* s = live(which);
  return s ? &s->client : nullptr;
}

DNSFILTER_DECL std::span<const std::byte> transaction_table::write_query(attempt which,
                                                                        std::span<std::byte> out) const noexcept {
  const slot* s = live(which);
  if (!s) return {};
  const sinkhole::query_echo& c = s->client;
  wire::message_writer w{out};
  w.header().id = s->id;
  w.header().rd = true;  // we forward; the upstream recurses
  w.header().cd = c.cd;
  if (!w.add_question(c.qname(), c.qtype, c.qclass)) return {};
  if (settings_.edns == upstream_edns::always || c.has_edns) {
    wire::edns e;
    e.udp_payload_size = settings_.payload;
    if (settings_.edns == upstream_edns::as_client)
      e.udp_payload_size = static_cast<std::uint16_t>(std::min<std::size_t>(settings_.payload, std::max<std::size_t>(512, c.limit)));
    e.dnssec_ok = c.dnssec_ok;
    if (!w.add_opt(e)) return {};
  }
  const auto written = w.finish();
  // The question's name is the message's first, uncompressed at offset 12.
  if (settings_.randomize_case && !written.empty())
    detail::apply_case(out.data() + wire::header_size, c.qname_size, s->letter_case);
  return written;
}

DNSFILTER_DECL reject transaction_table::check(const slot& s, std::span<const std::byte> answer) const noexcept {
  if (answer.size() < wire::header_size) return reject::malformed;
  if (detail::load_u16(answer.data()) != s.id) return reject::id;
  const wire::header h = wire::header::decode(answer.data());
  if (!h.qr || h.opcode != wire::opcode::query) return reject::not_response;
  if (h.qdcount != 1) return reject::question;
  // The answer's first name cannot be compressed (nothing precedes it to
  // point at), so our question is its octets from 12, compared as sent.
  const std::size_t size = s.client.qname_size;
  if (answer.size() < wire::header_size + size + 4) return reject::malformed;
  const std::byte* name = answer.data() + wire::header_size;
  if (settings_.randomize_case) {
    std::array<std::byte, wire::max_name_length> sent;
    std::memcpy(sent.data(), s.client.qname_bytes.data(), size);
    detail::apply_case(sent.data(), size, s.letter_case);
    if (std::memcmp(name, sent.data(), size) != 0) return reject::question;
  } else {
    for (std::size_t i = 0; i < size; ++i)
      if (detail::ascii_lower(name[i]) != detail::ascii_lower(s.client.qname_bytes[i]))
        return reject::question;
  }
  if (detail::load_u16(name + size) != static_cast<std::uint16_t>(s.client.qtype) ||
      detail::load_u16(name + size + 2) != static_cast<std::uint16_t>(s.client.qclass))
    return reject::question;
  return reject::none;
}

DNSFILTER_DECL accept_result transaction_table::accept(attempt which, std::span<std::byte> answer, const endpoint& from,
                                                       std::int64_t now_ms) noexcept {
  accept_result r;
  const slot* s = live(which);
  if (!s) r.why = reject::late;
  else if (!(from == upstreams_.at(s->upstream))) r.why = reject::source;
  else r.why = check(*s, answer);
  if (r.why == reject::none && wire::header::decode(answer.data()).rcode == static_cast<std::uint8_t>(wire::rcode::refused)) {
    // The upstream does not serve us (its access list): another one may.
    r.what = accept_result::kind::refused;
    r.next = fail_attempt(which.slot, now_ms);
    return r;
  }
  if (r.why == reject::none) {
    // Ours: the client's id, RD and letter case back, then its one parse. A
    // message that does not parse is put back as it came, like any refusal.
    std::byte* p = answer.data();
    const std::size_t restored = wire::header_size + s->client.qname_size;
    std::array<std::byte, wire::header_size + wire::max_name_length> as_sent;
    std::memcpy(as_sent.data(), p, restored);
    detail::store_u16(p, s->client.id);
    p[2] = (p[2] & std::byte{0xFE}) | (s->client.rd ? std::byte{0x01} : std::byte{0});
    std::memcpy(p + wire::header_size, s->client.qname_bytes.data(), s->client.qname_size);
    r.truncated = (p[2] & std::byte{0x02}) != std::byte{0};
    if (!r.truncated) {
      auto parsed = wire::message_view::parse(answer);
      if (parsed) {
        r.message = *parsed;
      } else {
        r.why = reject::malformed;
        std::memcpy(p, as_sent.data(), restored);
      }
    }
  }
  if (r.why != reject::none) {
    r.alarm = alarm_.record(r.why, now_ms);
    return r;
  }
  if (!s->tcp) r.health = upstreams_.succeeded(s->upstream);
  release(which.slot);
  r.what = accept_result::kind::accepted;
  return r;
}

DNSFILTER_DECL next_step transaction_table::expire(attempt which, std::int64_t now_ms) noexcept {
  if (!live(which)) return {};
  return fail_attempt(which.slot, now_ms);
}

DNSFILTER_DECL next_step transaction_table::fail_attempt(std::uint32_t index, std::int64_t now_ms) noexcept {
  slot& s = slots_[index];
  next_step step;
  if (!s.tcp) step.health = upstreams_.failed(s.upstream, now_ms);
  if (!s.tcp && s.attempts < settings_.attempts) {
    if (auto d = launch(index, now_ms, 0)) {
      step.what = next_step::kind::retry;
      step.next = *d;
      return step;
    }
  }
  release(index);
  step.what = next_step::kind::fail;
  return step;
}

DNSFILTER_DECL std::int64_t transaction_table::next_deadline() const noexcept {
  std::int64_t next = std::numeric_limits<std::int64_t>::max();
  for (std::uint32_t i = 0; i < used_; ++i)
    if (slots_[i].busy) next = std::min(next, slots_[i].deadline);
  return next;
}

}  // namespace dnsfilter::forward
