// libFuzzer target: the filter facade (filter.hpp) on hostile packets.
//
// The input is split at its first byte: that many following bytes (mod the
// size) are the client's packet, the rest an upstream response to it. For the
// packet: process() must not crash; whatever it writes must parse as a
// response to it (QR set, same id, and the same question when the query
// parsed); the answer written over the packet itself (in place) must equal
// the one written apart; an answer never exceeds the UDP limit. For the
// response: check_response() must not crash, and a blocked verdict must come
// with an answer that parses (or none, for a drop entry).
#include "fuzz_check.hpp"

#include <dnsfilter/filter.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace {

using namespace dnsfilter;
using dnsfilter_fuzz::check;

struct world {
  filter::catalogue_handle catalogue{make()};
  policy::policy_set_handle policies{policy_set()};
  sinkhole::responder responder{settings()};
  filter f{catalogue, policies, responder};

  static std::shared_ptr<const filter::snapshot_type> make() {
    match::catalogue cat;
    const match::action actions[] = {match::action::sinkhole, match::action::nxdomain, match::action::nodata,
                                     match::action::refused,  match::action::drop,     match::action::pass,
                                     match::action::monitor,  match::action::monitor};
    // g.b.a: monitored under a block; h: monitored alone (and in CNAME chains).
    const char* names[] = {"a", "b.a", "c", "d", "e", "f.a", "g.b.a", "h"};
    for (int i = 0; i < 8; ++i) {
      match::entry e;
      e.id = "XX-" + std::to_string(i);
      e.category = i % 2 ? "backdoor" : "ddos";
      e.action = actions[i];
      const auto index = cat.add_entry(std::move(e));
      cat.add_rule(*wire::name::from_text(names[i]), index);
    }
    return make_snapshot(std::move(cat));
  }
  static std::shared_ptr<const policy::policy_set> policy_set() {
    policy::policy_config c;
    c.client_prefixes = {{*policy::ip_prefix::parse("10.0.0.0/8"), policy::treatment::opt_out}};
    c.trusted_forwarders = {{*policy::ip_prefix::parse("192.0.2.0/24"), policy::trust::trusted}};
    c.subscriber_option = 65001;
    c.subscribers = {{"x", policy::treatment::opt_out}};
    return std::make_shared<const policy::policy_set>(*policy::policy_set::build(c));
  }
  static sinkhole::settings settings() {
    sinkhole::settings s;
    s.ipv4 = wire::rdata::a{{std::byte{192}, std::byte{0}, std::byte{2}, std::byte{1}}};
    s.ipv6 = wire::rdata::aaaa{};
    s.info_codes = {{"backdoor", wire::ede_code::filtered}};
    return s;
  }
};

void check_answer(std::span<const std::byte> query, const filter_result& r) {
  if (r.what != filter_outcome::answered && r.what != filter_outcome::rejected) {
    check(r.answer.empty(), "an answer for a packet that gets none");
    return;
  }
  auto m = wire::message_view::parse(r.answer);
  check(m.has_value(), "our answer does not parse");
  check(m->header().qr, "answer without QR");
  check(std::memcmp(r.answer.data(), query.data(), 2) == 0, "answer id differs");
  if (r.what == filter_outcome::answered) {
    check(r.answer.size() <= 512 || r.query.has_edns(), "answer over 512 octets to a query without EDNS");
    const std::size_t q_end = r.query.question_end();
    check(r.answer.size() >= q_end && std::memcmp(r.answer.data() + 12, query.data() + 12, q_end - 12) == 0,
          "question not echoed byte for byte");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static world w;
  if (size == 0) return 0;
  const std::size_t split = std::min<std::size_t>(data[0], size - 1);
  const auto* bytes = reinterpret_cast<const std::byte*>(data + 1);
  const std::span<const std::byte> packet(bytes, split), response(bytes + split, size - 1 - split);
  const match::timestamp now = 1'767'225'600;
  const auto source = (data[0] & 1) ? policy::ip_address::v4(192, 0, 2, 7) : policy::ip_address::v4(203, 0, 113, 9);

  std::array<std::byte, 4096> out;
  const filter_result apart = w.f.process(packet, source, 0, now, out);
  check_answer(packet, apart);

  std::array<std::byte, 4096> in_place;
  std::copy(packet.begin(), packet.end(), in_place.begin());
  const filter_result same = w.f.process(std::span<const std::byte>(in_place.data(), packet.size()), source, 0, now,
                                         in_place);
  check(same.what == apart.what, "in place: another outcome");
  check(same.answer.size() == apart.answer.size() &&
            std::equal(same.answer.begin(), same.answer.end(), apart.answer.begin()),
        "in place: another answer");

  const auto parsed = wire::message_view::parse(response);  // as the upstream transaction would
  if ((apart.what == filter_outcome::forward || apart.what == filter_outcome::opted_out) && parsed) {
    const response_result r = w.f.check_response(apart.ticket(), *parsed, out);
    if (r.blocked && !r.answer.empty()) check(wire::message_view::parse(r.answer).has_value(), "cloaking answer does not parse");
    check(!r.blocked || r.entry != nullptr, "blocked without an entry");
    check(!r.blocked || apart.ticket().checks_cloaking(), "blocked although the ticket vouched or opted out");
  }
  return 0;
}
