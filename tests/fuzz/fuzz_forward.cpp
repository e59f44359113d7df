// libFuzzer target: forward::transaction_table::accept() over hostile
// upstream answers (forward/transactions.hpp).
//
// Input: one flags octet (bit 0: 0x20 case randomisation; bit 1: the answer
// comes from another port; bit 2: EDNS always), 34 octets that the random
// source hands out (the id first, most significant octet first, then the
// letter case bits), then the answer. The client asked "Www.Example.COM A"
// with id 0xbeef and EDNS; the seeds (make_corpus.py) answer the query the
// table writes from those octets. Properties, any breach aborts:
//   - a refused answer has a reason and is left as it came;
//   - an accepted one came from the upstream with our id; it now carries the
//     client's id and name; it is parsed unless TC is set, and the parse is of
//     the answer's own bytes; the transaction is over (a second copy is late);
//   - a REFUSED one had rcode REFUSED and says what next.
#include <dnsfilter/dnsfilter.hpp>

#include "fuzz_check.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace {

using namespace dnsfilter;
using dnsfilter_fuzz::check;

// The octets of the input, then zeros.
struct input_random {
  std::span<const std::uint8_t> bytes;
  bool fill(std::span<std::byte> out) noexcept {
    for (std::byte& b : out) {
      b = bytes.empty() ? std::byte{0} : std::byte{bytes.front()};
      if (!bytes.empty()) bytes = bytes.subspan(1);
    }
    return true;
  }
};

const sinkhole::query_echo& client() {
  static const sinkhole::query_echo echo = [] {
    // Www.Example.COM A, id 0xbeef, RD, EDNS (payload 1232).
    static constexpr std::uint8_t query[] = {0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
                                             3, 'W', 'w', 'W', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'C', 'O', 'M', 0,
                                             0, 1, 0, 1,
                                             0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};
    const auto parsed = wire::query_view::parse(std::as_bytes(std::span(query)));
    check(parsed.has_value(), "the client's query parses");
    return sinkhole::query_echo::of(*parsed, sinkhole::transport::udp);
  }();
  return echo;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t random_size = 34;
  if (size < 1 + random_size) return 0;
  const std::uint8_t flags = data[0];
  const forward::endpoint upstream{policy::ip_address::v4(192, 0, 2, 53), 53};
  auto upstreams = forward::upstream_set::make(std::span(&upstream, 1)).value();
  forward::mismatch_alarm alarm;
  input_random random{{data + 1, random_size}};
  forward::table_settings settings;
  settings.randomize_case = (flags & 1) != 0;
  settings.edns = (flags & 4) != 0 ? forward::upstream_edns::always : forward::upstream_edns::as_client;
  forward::transaction_table table{settings, upstreams, alarm, random};

  const auto d = table.begin(client(), 0);
  check(d.has_value(), "begin with random octets to spare");
  std::array<std::byte, 512> query;
  const auto sent = table.write_query(d->which, query);
  check(sent.size() > wire::header_size, "the query is written");
  const std::uint16_t our_id = detail::load_u16(sent.data());

  std::vector<std::byte> answer(reinterpret_cast<const std::byte*>(data) + 1 + random_size,
                                reinterpret_cast<const std::byte*>(data) + size);
  const std::vector<std::byte> before = answer;
  const forward::endpoint from{upstream.address, static_cast<std::uint16_t>((flags & 2) != 0 ? 5353 : 53)};
  const auto r = table.accept(d->which, answer, from, 1);
  using kind = forward::accept_result::kind;
  switch (r.what) {
    case kind::rejected:
      check(r.why != forward::reject::none, "a refusal without a reason");
      check(answer == before, "a refused answer was changed");
      check(!r.message, "a refused answer with a message");
      check(table.in_flight() == 1, "a refusal ended the transaction");
      break;
    case kind::refused:
      check(from == upstream && detail::load_u16(before.data()) == our_id, "REFUSED believed from a stranger");
      check((std::to_integer<unsigned>(before[3]) & 0x0F) == 5, "refused without REFUSED");
      check(r.next.what != forward::next_step::kind::none, "REFUSED without a next step");
      break;
    case kind::accepted: {
      check(from == upstream, "accepted from another port");
      check(detail::load_u16(before.data()) == our_id, "accepted with another id");
      check(detail::load_u16(answer.data()) == client().id, "the client's id not restored");
      check(std::memcmp(answer.data() + wire::header_size, client().qname_bytes.data(), client().qname_size) == 0,
            "the client's name not restored");
      const bool tc = (std::to_integer<unsigned>(answer[2]) & 0x02) != 0;
      check(r.truncated == tc, "truncated disagrees with TC");
      check(tc || (r.message && r.message->bytes().data() == answer.data() && r.message->bytes().size() == answer.size()),
            "an accepted answer without its parse");
      check(table.in_flight() == 0, "an accepted answer left the transaction open");
      std::vector<std::byte> again = before;
      check(table.accept(d->which, again, from, 2).why == forward::reject::late, "a second answer not late");
      break;
    }
  }
  return 0;
}
