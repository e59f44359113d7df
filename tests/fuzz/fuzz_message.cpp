// libFuzzer target: whole-message parsing, the query fast path, and the writer.
//
// For every input:
//   - message_view::parse and query_view::parse must agree: a query_view is a
//     message_view with exactly one question, so each accepts what the other
//     does (when QDCOUNT is 1) and both report the same question and EDNS.
//   - a message that parses is written again with message_writer (names
//     decompressed from the input, re-compressed by the writer, typed RDATA
//     re-encoded, OPT options copied verbatim); the output must parse, mean the
//     same thing (header, counts, names case-insensitively, types, classes,
//     TTLs, RDATA values), and writing it once more must give the same bytes.
// Any disagreement calls abort() so libFuzzer keeps the input.
#include <dnsfilter/dnsfilter.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>

namespace {

using namespace dnsfilter;
using namespace dnsfilter::wire;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_message: %s\n", what);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

constexpr std::size_t out_size = 65535;

bool same_edns(const edns& a, const edns& b) {
  return a.udp_payload_size == b.udp_payload_size && a.extended_rcode == b.extended_rcode && a.version == b.version &&
         a.dnssec_ok == b.dnssec_ok && a.z == b.z && a.options_data.size() == b.options_data.size() &&
         std::equal(a.options_data.begin(), a.options_data.end(), b.options_data.begin());
}

// Walks the options through the public iterator: every option of a validated
// area must be reachable and lie inside it, and the typed accessors must not
// misbehave on whatever bytes they get.
void exercise_options(const edns& e) {
  std::size_t total = 0;
  for (auto opt : e.options()) {
    check(opt.data.data() >= e.options_data.data() &&
              opt.data.data() + opt.data.size() <= e.options_data.data() + e.options_data.size(),
          "option outside the OPT RDATA");
    total += 4 + opt.data.size();
    if (opt.code == option_code::client_subnet) {
      auto cs = client_subnet::decode(opt.data);
      check(cs.has_value(), "validated ECS option does not decode");
      std::array<std::byte, 20> buf;
      auto n = cs->encode(buf);
      check(n.has_value() && *n == opt.data.size() && std::memcmp(buf.data(), opt.data.data(), *n) == 0,
            "ECS option does not re-encode to the same bytes");
    } else if (opt.code == option_code::extended_error) {
      auto ede = extended_error::decode(opt.data);
      if (ede) check(ede->text.size() + 2 == opt.data.size(), "EDE text length");
    }
  }
  check(total == e.options_data.size(), "options do not cover the OPT RDATA");
}

// Writes `m` into `buf`, at most `limit` octets. Strict (limit == buffer
// size): returns an empty span when it does not fit (the input may decompress
// to more than 64 KiB); every record must be accepted. Otherwise records that
// do not fit are dropped and writing goes on, as a server filling a UDP answer
// would; `dropped_tc` tells whether a question, answer or authority record was
// dropped (which must set TC).
std::span<const std::byte> rewrite(const message_view& m, std::span<std::byte> buf, std::size_t limit = SIZE_MAX,
                                   bool* dropped_tc = nullptr) {
  const bool strict = dropped_tc == nullptr;
  message_writer w{buf, limit};
  w.header() = m.header();
  const auto& h = m.header();
  auto step = [&](result<void> r, section s) {
    if (r) return true;
    if (r.error() != errc::no_space) fail("writer refused a record of a parsed message");
    if (strict) return false;
    if (s != section::additional) *dropped_tc = true;
    return true;
  };
  std::size_t pos = header_size;
  for (std::size_t i = 0; i < h.qdcount; ++i) {
    name qname;
    auto ext = read_name(m.bytes(), pos, qname);
    check(ext.has_value(), "question name of a parsed message does not read");
    const question_view q = m.question(i);
    check(q.name_offset == pos, "question(i) disagrees with the walk");
    if (!step(w.add_question(qname, q.type, q.klass), section::question)) return {};
    pos = q.end;
  }
  for (auto s : {section::answer, section::authority, section::additional}) {
    for (const record_view& rr : m.records(s)) {
      check(rr.section == s, "record reports the wrong section");
      name owner;
      check(read_name(m.bytes(), rr.owner_offset, owner).has_value(), "owner of a parsed record does not read");
      if (rr.type == rr_type::opt) {
        check(m.has_edns() && owner.is_root() && s == section::additional, "OPT record without EDNS");
        auto e = edns::decode(rr.klass, rr.ttl, m.bytes().subspan(rr.rdata_offset, rr.rdata_length));
        check(e.has_value() && same_edns(*e, m.edns()), "OPT record disagrees with edns()");
        if (!step(w.add_opt(m.edns()), s)) return {};
      } else {
        auto rd = m.rdata(rr);
        check(rd.has_value(), "RDATA of a parsed record does not decode");
        check(type_of(*rd, rr.type) == rr.type, "rdata type disagrees with the record type");
        if (!step(w.add_record(s, owner, rr.type, static_cast<rr_class>(rr.klass), rr.ttl, *rd), s)) return {};
      }
    }
  }
  if (strict) check(!w.truncated(), "writer truncated without reporting no_space");
  auto out = w.finish();
  check(out.size() <= buf.size() && out.size() <= std::max(limit, header_size), "writer overran its limit");
  return out;
}

// Semantic equality of two parsed messages.
void compare(const message_view& a, const message_view& b) {
  check(a.header() == b.header(), "header differs after rewrite");
  check(a.rcode() == b.rcode(), "rcode differs after rewrite");
  check(a.has_edns() == b.has_edns(), "EDNS presence differs after rewrite");
  if (a.has_edns()) check(same_edns(a.edns(), b.edns()), "EDNS differs after rewrite");
  for (std::size_t i = 0; i < a.header().qdcount; ++i) {
    const auto qa = a.question(i), qb = b.question(i);
    check(qa.type == qb.type && qa.klass == qb.klass, "question type/class differs");
    check(a.read_name_at(qa.name_offset) == b.read_name_at(qb.name_offset), "question name differs");
  }
  for (auto s : {section::answer, section::authority, section::additional}) {
    auto ra = a.records(s), rb = b.records(s);
    auto ia = ra.begin(), ib = rb.begin();
    for (; ia != ra.end() && ib != rb.end(); ++ia, ++ib) {
      check(ia->type == ib->type && ia->klass == ib->klass && ia->ttl == ib->ttl, "record type/class/ttl differs");
      check(a.read_name_at(ia->owner_offset) == b.read_name_at(ib->owner_offset), "owner differs");
      if (ia->type == rr_type::opt) continue;  // compared through edns() above
      auto da = a.rdata(*ia), db = b.rdata(*ib);
      check(da.has_value() && db.has_value(), "rdata does not decode");
      check(*da == *db, "rdata differs after rewrite");
    }
    check(ia == ra.end() && ib == rb.end(), "record count differs");
  }
}

void check_query_agrees(const message_view& m, const query_view& q) {
  check(m.header() == q.header(), "query_view header differs");
  const auto qv = m.question(0);
  check(qv.end == q.question_end(), "question end differs");
  check(qv.type == q.qtype() && qv.klass == q.qclass(), "query_view qtype/qclass differs");
  // query_view keeps the client's bytes: the match is exact, not just folded.
  check(m.read_name_at(qv.name_offset).view().equals_exact(q.qname()), "query_view qname differs");
  check(m.has_edns() == q.has_edns(), "query_view EDNS presence differs");
  if (m.has_edns()) check(same_edns(m.edns(), q.edns()), "query_view EDNS differs");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> in{reinterpret_cast<const std::byte*>(data), size};

  auto m = message_view::parse(in);
  auto q = query_view::parse(in);

  if (q) check(m.has_value(), "query_view accepted what message_view rejected");
  if (m && m->header().qdcount == 1) {
    check(q.has_value(), "message_view accepted a one-question message that query_view rejected");
    check_query_agrees(*m, *q);
  }
  if (!m) return 0;
  if (m->has_edns()) exercise_options(m->edns());

  static std::array<std::byte, out_size> first, second;
  const auto w1 = rewrite(*m, first);
  if (w1.empty()) return 0;  // did not fit in 64 KiB after decompression

  auto m2 = message_view::parse(w1);
  check(m2.has_value(), "the writer's output does not parse");
  compare(*m, *m2);

  if (m2->header().qdcount == 1) {
    auto q2 = query_view::parse(w1);
    check(q2.has_value(), "query_view rejects the writer's output");
    check_query_agrees(*m2, *q2);
  }

  const auto w2 = rewrite(*m2, second);
  check(w2.size() == w1.size() && std::memcmp(w1.data(), w2.data(), w1.size()) == 0,
        "writing the re-parsed message changed the bytes");

  // Truncation: the same message under a size limit the last input octet
  // picks. What is written must fit, parse, and carry TC when a question,
  // answer or authority record was left out.
  const std::size_t limit = header_size + (w1.size() - header_size) * (data[size - 1] % 8) / 8;
  bool dropped_tc = false;
  const auto w3 = rewrite(*m, second, limit, &dropped_tc);
  check(w3.size() <= limit, "truncated write exceeds its limit");
  auto m3 = message_view::parse(w3);
  check(m3.has_value(), "a truncated write does not parse");
  if (dropped_tc) check(m3->header().tc, "records were dropped but TC is not set");
  check(m3->header().qdcount <= m->header().qdcount && m3->header().ancount <= m->header().ancount &&
            m3->header().nscount <= m->header().nscount && m3->header().arcount <= m->header().arcount,
        "a truncated write has more records than the message");
  return 0;
}
