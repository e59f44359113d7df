// Benchmarks of the sinkhole responder, each beside a baseline measured in the
// same run (see bench/README.md). One item = one packet answered.
//
//   BM_check_query                   sinkhole::check_query alone (the gate: header checks + query_view::parse)
//   BM_sinkhole_a_ede                check_query + respond: A 192.0.2.53, OPT, EDE 15 naming the entry
//   BM_sinkhole_nxdomain_soa         check_query + respond: NXDOMAIN, SOA, OPT, EDE 15
//   BM_sinkhole_in_place             the A answer written over the query in its own buffer
//                                    (the query is copied back in first, 56 octets, inside the timing)
//   BM_baseline_generic_a_ede        the same A answer through the generic path (below)
//   BM_baseline_generic_nxdomain_soa the same NXDOMAIN answer through the generic path
//
// The baseline is what a caller writes with the codec alone: message_view::parse
// of the whole packet, the question name copied out with read_name_at, the
// records written by message_writer from typed RDATA built per packet (the SOA
// with its two names, which the writer compresses), and the EDE text assembled
// in a std::string. It writes the same answer as the responder (checked before
// timing; the bytes differ only in the SOA's name compression, 16 octets), so
// the ratio is the cost of the responder's choices: query_view's
// single-question fast path, the SOA RDATA built once in wire form, the
// address written as raw RDATA, the text assembled on the stack.
#include <dnsfilter/sinkhole.hpp>
#include <dnsfilter/wire.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace {

using namespace dnsfilter;
using namespace dnsfilter::wire;

// What `dig c2.eViL.Example` (BIND 9.18) sends: RD and AD, one question for A
// with 0x20 mixed case, an OPT record with payload size 1232 and an 8-octet
// client cookie. 56 octets.
constexpr std::array<std::uint8_t, 56> query_octets = {
    0xbe, 0xef, 0x01, 0x20, 0, 1, 0, 0, 0, 0, 0, 1,                           // header
    2, 'c', '2', 4, 'e', 'V', 'i', 'L', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 0,  // c2.eViL.Example.
    0, 1, 0, 1,                                                               // A IN
    0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 12,                                  // OPT 1232, RDLEN 12
    0, 10, 0, 8, 0xd2, 0x1f, 0x6c, 0x3a, 0x95, 0x01, 0x7e, 0x44};            // COOKIE

std::span<const std::byte> query_packet() noexcept { return std::as_bytes(std::span{query_octets}); }

constexpr std::string_view entry_id = "XX-20250109-0001";
constexpr std::string_view category = "backdoor";
constexpr std::array<std::byte, 4> sinkhole_v4{std::byte{192}, std::byte{0}, std::byte{2}, std::byte{53}};

const sinkhole::responder& the_responder() {
  static const sinkhole::responder r{[] {
    sinkhole::settings s;
    s.ipv4 = rdata::a{sinkhole_v4};
    s.info_codes = {{"information theft", ede_code::filtered}, {"ddos", ede_code::filtered}};
    return s;
  }()};
  return r;
}

// The responder's path, as the facade runs it: gate, then answer.
std::span<const std::byte> sinkhole_answer(std::span<const std::byte> packet, match::action act,
                                           std::span<std::byte> out) {
  const auto checked = sinkhole::check_query(packet);
  if (checked.what != sinkhole::admission::process) return {};
  auto a = the_responder().respond(checked.query, {act, entry_id, category}, out);
  return a ? *a : std::span<const std::byte>{};
}

// The generic path (see the top of this file).
std::span<const std::byte> generic_answer(std::span<const std::byte> packet, match::action act,
                                          std::span<std::byte> out) {
  static const name mname = name::from_text("sinkhole.invalid").value();
  static const name rname = name::from_text("hostmaster.sinkhole.invalid").value();
  auto m = message_view::parse(packet);
  if (!m) return {};
  const auto& qh = m->header();
  if (qh.qr || qh.opcode != opcode::query || qh.qdcount != 1) return {};
  const bool edns = m->has_edns();
  if (edns && m->edns().version != 0) return {};
  const bool dnssec_ok = edns && m->edns().dnssec_ok;
  const auto question = m->question();
  const name qname = m->read_name_at(question.name_offset);

  message_writer w{out, edns ? m->edns().effective_payload_size() : std::size_t{512}};
  auto& h = w.header();
  h.id = qh.id;
  h.qr = true;
  h.rd = qh.rd;
  h.ra = true;
  h.cd = qh.cd;
  h.rcode = act == match::action::nxdomain ? 3 : 0;
  if (edns) w.reserve(11);
  (void)w.add_question(qname, question.type, question.klass);
  if (act == match::action::nxdomain) {
    (void)w.add_record(section::authority, qname, rr_type::soa, rr_class::in, 60,
                       rdata::soa{mname, rname, 1, 3600, 600, 86400, 60});
  } else if (question.type == rr_type::a) {
    (void)w.add_record(section::answer, qname, rr_type::a, rr_class::in, 60, rdata::a{sinkhole_v4});
  }
  if (edns) {
    wire::edns e;
    e.udp_payload_size = 1232;
    e.dnssec_ok = dnssec_ok;
    (void)w.add_opt(e);
    const std::string text = "blocked by entry " + std::string(entry_id);
    (void)w.add_extended_error(ede_code::blocked, text);
  }
  return w.finish();
}

using answer_fn = std::span<const std::byte> (*)(std::span<const std::byte>, match::action, std::span<std::byte>);

// Both paths must write the same answer, or the comparison means nothing:
// the same header, question and records (owner with its case, type, class,
// TTL, decoded RDATA). The bytes differ only where the generic path
// compresses the SOA's names.
bool same_answers(match::action act) {
  std::array<std::byte, 512> a, b;
  const auto x = message_view::parse(sinkhole_answer(query_packet(), act, a));
  const auto y = message_view::parse(generic_answer(query_packet(), act, b));
  if (!x || !y || x->header() != y->header()) return false;
  const auto qx = x->question(), qy = y->question();
  if (!x->read_name_at(qx.name_offset).view().equals_exact(y->read_name_at(qy.name_offset)) || qx.type != qy.type ||
      qx.klass != qy.klass) {
    return false;
  }
  for (auto s : {section::answer, section::authority, section::additional}) {
    auto rx = x->records(s).begin(), ry = y->records(s).begin();
    for (std::size_t i = 0; i < x->header().count(s); ++i, ++rx, ++ry) {
      if (!x->read_name_at(rx->owner_offset).view().equals_exact(y->read_name_at(ry->owner_offset)) ||
          rx->type != ry->type || rx->klass != ry->klass || rx->ttl != ry->ttl) {
        return false;
      }
      const auto dx = x->rdata(*rx), dy = y->rdata(*ry);
      if (!dx || !dy || !(*dx == *dy)) return false;
    }
  }
  return true;
}

void run_out_of_place(benchmark::State& state, answer_fn fn, match::action act) {
  if (!same_answers(act)) {
    state.SkipWithError("the responder and the generic path disagree");
    return;
  }
  const std::span<const std::byte> in = query_packet();
  std::size_t size = 0;
  for (auto _ : state) {
    std::array<std::byte, 512> buf;
    benchmark::DoNotOptimize(in.data());
    const auto out = fn(in, act, buf);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
    size = out.size();
  }
  state.counters["octets"] = static_cast<double>(size);
  state.SetItemsProcessed(state.iterations());
}

void BM_check_query(benchmark::State& state) {
  const std::span<const std::byte> in = query_packet();
  if (sinkhole::check_query(in).what != sinkhole::admission::process) state.SkipWithError("query rejected");
  for (auto _ : state) {
    benchmark::DoNotOptimize(in.data());
    auto c = sinkhole::check_query(in);
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_check_query);

void BM_sinkhole_a_ede(benchmark::State& state) { run_out_of_place(state, sinkhole_answer, match::action::sinkhole); }
BENCHMARK(BM_sinkhole_a_ede);

void BM_baseline_generic_a_ede(benchmark::State& state) {
  run_out_of_place(state, generic_answer, match::action::sinkhole);
}
BENCHMARK(BM_baseline_generic_a_ede);

void BM_sinkhole_nxdomain_soa(benchmark::State& state) {
  run_out_of_place(state, sinkhole_answer, match::action::nxdomain);
}
BENCHMARK(BM_sinkhole_nxdomain_soa);

void BM_baseline_generic_nxdomain_soa(benchmark::State& state) {
  run_out_of_place(state, generic_answer, match::action::nxdomain);
}
BENCHMARK(BM_baseline_generic_nxdomain_soa);

// The resolver's receive buffer answered in place. Each iteration first puts
// the query back (the previous answer overwrote it), as a receive would.
void BM_sinkhole_in_place(benchmark::State& state) {
  const auto packet = query_packet();
  std::array<std::byte, 1232> buf;
  std::array<std::byte, 512> reference;
  const auto want = sinkhole_answer(packet, match::action::sinkhole, reference);
  std::size_t size = 0;
  for (auto _ : state) {
    std::memcpy(buf.data(), packet.data(), packet.size());
    benchmark::DoNotOptimize(buf.data());
    const auto out = sinkhole_answer(std::span<const std::byte>(buf).first(packet.size()),
                                     match::action::sinkhole, buf);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
    size = out.size();
  }
  if (size != want.size() || !std::equal(want.begin(), want.end(), buf.begin())) {
    state.SkipWithError("the in-place answer differs from the out-of-place one");
  }
  state.counters["octets"] = static_cast<double>(size);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_sinkhole_in_place);

}  // namespace
