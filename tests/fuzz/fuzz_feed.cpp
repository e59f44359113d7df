// libFuzzer target: the zone feed (xfr/feed.hpp) over two transfers in a row
// from a hostile primary: an AXFR, then an IXFR or another AXFR on top.
//
// Input: a mode byte. With bit 1 set, the rest is the body of a seed image:
// its checksum is appended (so the body's checks are reached, not only the
// checksum's) and load_seed must refuse it with a reason, leaving the
// catalogue as it was, or load it. Otherwise bit 0 says whether the second
// transfer is IXFR from the feed's serial, and messages follow as on TCP, each behind a 2-octet length; messages
// go to the first transfer until it ends or fails, then to the second. The
// zone is rpz.example. and the query id 0x4242, as in the seed corpus.
// Properties, any breach aborts:
//   - commit() never crashes; a refused transfer keeps the feed's serial;
//   - every snapshot made answers every probe name; the second one answers
//     as its own flatten() (the delta over the base is exact);
//   - the seed image of a snapshot loads back, and the snapshot it makes
//     answers the probe names as the original does.
#include <dnsfilter/dnsfilter.hpp>

#include <dnsfilter/detail/xxhash.hpp>

#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace {

using namespace dnsfilter;
using dnsfilter_fuzz::check;
using snapshot_ptr = std::shared_ptr<const xfr::zone_feed::snapshot_type>;

const wire::name zone = wire::name::from_text("rpz.example").value();
constexpr std::uint16_t id = 0x4242;

snapshot_ptr empty_snapshot() {
  match::catalogue cat;
  cat.add_source("list");
  cat.add_source("feed");
  return make_snapshot(std::move(cat));
}

// What decides for `name`: the action and entry id, or a miss.
std::string decide(const xfr::zone_feed::snapshot_type& s, wire::name_view name) {
  const auto r = s.lookup(name, 0);
  if (!r.hit()) return "-";
  const auto& e = s.entry_of(r);
  return std::string(match::to_string(e.action)) + e.id;
}

// Probe names: every rule's name and a name below it.
std::vector<wire::name> probes(const xfr::zone_feed::snapshot_type& s) {
  std::vector<wire::name> out;
  s.layers().for_each_rule([](const match::entry&) { return true; },
                           [&](std::uint32_t, wire::name_view n, const match::rule&, const match::entry&) {
                             if (out.size() >= 64) return;
                             out.emplace_back(n);
                             std::vector<std::byte> below{std::byte{1}, std::byte{'x'}};
                             below.insert(below.end(), n.wire().begin(), n.wire().end());
                             if (auto b = wire::name::from_wire(below)) out.push_back(*b);
                           });
  return out;
}

void check_seed(const xfr::zone_feed& feed, const xfr::zone_feed::snapshot_type& s) {
  const std::string image = feed.seed(s);
  xfr::zone_feed reloaded({.zone = zone, .source = 1});
  match::catalogue cat;
  cat.add_source("list");
  cat.add_source("feed");
  check(static_cast<bool>(reloaded.load_seed(image, cat)), "a seed image does not load back");
  check(reloaded.serial() == feed.serial(), "the seed's serial differs");
  const auto again = make_snapshot(std::move(cat));
  for (const auto& n : probes(s)) check(decide(*again, n) == decide(s, n), "the seed answers otherwise");
}

void hostile_seed(const std::uint8_t* data, std::size_t size) {
  std::string image(reinterpret_cast<const char*>(data), size);
  const std::uint64_t sum = XXH64(image.data(), image.size(), 0);
  for (int i = 0; i < 8; ++i) image.push_back(static_cast<char>(sum >> (8 * i)));
  xfr::zone_feed feed({.zone = zone, .source = 1});
  match::catalogue cat;
  cat.add_source("list");
  cat.add_source("feed");
  cat.add_rule(wire::name::from_text("kept.example").value(), cat.add_entry(match::entry{}));
  diagnostic why;
  if (!feed.load_seed(image, cat, &why)) {
    check(!why.message.empty(), "a seed refused without a reason");
    check(cat.rules().size() == 1 && cat.entries().size() == 1, "a refused seed changed the catalogue");
    check(!feed.has_zone(), "a refused seed set the zone");
  } else {
    (void)make_snapshot(std::move(cat))->lookup(wire::name::from_text("kept.example").value(), 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  if ((data[0] & 2) != 0) return hostile_seed(data + 1, size - 1), 0;
  const bool second_ixfr = (data[0] & 1) != 0;
  xfr::zone_feed feed({.zone = zone, .source = 1, .merge_threshold = 8, .max_records = 4096, .strict = false});
  snapshot_ptr serving = empty_snapshot();

  int round = 0;
  std::optional<xfr::transfer_reader> reader;
  bool over = false;
  auto begin = [&] {
    const xfr::kind k = round == 0 || !second_ixfr ? xfr::kind::axfr : xfr::kind::ixfr;
    reader.emplace(zone, id, k, k == xfr::kind::ixfr ? feed.serial() : 0);
    feed.start(serving);
  };
  auto end = [&](result<xfr::transfer_result> finished) {
    const std::uint32_t before = feed.serial();
    auto made = feed.commit(finished);
    if (!made) {
      check(feed.serial() == before, "a refused transfer changed the serial");
    } else {
      const auto& s = **made;
      for (const auto& n : probes(s)) (void)decide(s, n);
      if (round == 1 && s.layers().delta() != nullptr) {
        const auto flat = make_snapshot(s.layers().flatten());
        for (const auto& n : probes(s)) check(decide(*flat, n) == decide(s, n), "the delta answers otherwise");
      }
      if (feed.has_zone()) check_seed(feed, s);
      serving = *made;
    }
    ++round;
    over = round == 2;
    if (!over) begin();
  };
  begin();
  dnsfilter_fuzz::for_each_framed(data, size, 1, [&](std::span<const std::byte> message) {
    if (over) return;
    const auto parsed = wire::message_view::parse(message);
    if (!parsed) return;
    const auto r = reader->feed(*parsed, feed);
    if (!r) return end(r.error());
    if (*r) end(reader->finish());
  });
  if (!over) end(reader->finish());
  if (!over) end(reader->finish());
  return 0;
}
