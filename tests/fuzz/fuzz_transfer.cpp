// libFuzzer target: the zone-transfer reader (xfr/transfer.hpp) over a stream
// of messages from a hostile primary.
//
// Input: one byte (bit 0: IXFR, else AXFR), the client's serial (4 octets,
// big-endian), then messages as on TCP, each behind a 2-octet length. The
// zone is rpz.example. and the query id 0x4242, as in the seed corpus.
// Properties, any breach aborts:
//   - the handler sees a well-formed sequence: begin_full then records, or
//     begin_difference / deleted / begin_additions / added in that order, and
//     end() once, last;
//   - once feed() fails it keeps failing, and finish() reports the failure;
//   - feed() says true exactly when end() has run, and finish() then succeeds;
//   - every record handed over lies in the zone;
//   - lists::interpret_rpz (docs/rpz.md) reads every record without a crash,
//     refuses with a reason, and what it returns is well formed: a trigger
//     below the apex, an entry's and a link's key of 1 to 63 octets.
#include <dnsfilter/dnsfilter.hpp>

#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace {

using namespace dnsfilter;
using dnsfilter_fuzz::check;

const wire::name zone = wire::name::from_text("rpz.example").value();

struct order_checker final : xfr::transfer_handler {
  enum class phase { start, full, deleting, adding, ended } at = phase::start;
  void begin_full(const wire::rdata::soa&) override {
    check(at == phase::start, "begin_full after other events");
    at = phase::full;
  }
  void full_record(const xfr::record& r) override {
    check(at == phase::full, "full_record outside a full transfer");
    in_zone(r);
  }
  void begin_difference(std::uint32_t) override {
    check(at == phase::start || at == phase::adding, "begin_difference out of order");
    at = phase::deleting;
  }
  void deleted(const xfr::record& r) override {
    check(at == phase::deleting, "deleted outside a difference's deletions");
    in_zone(r);
  }
  void begin_additions(std::uint32_t) override {
    check(at == phase::deleting, "begin_additions without begin_difference");
    at = phase::adding;
  }
  void added(const xfr::record& r) override {
    check(at == phase::adding, "added outside a difference's additions");
    in_zone(r);
  }
  void end(const wire::rdata::soa&) override {
    check(at != phase::ended && at != phase::deleting, "end twice, or inside deletions");
    at = phase::ended;
  }
  void in_zone(const xfr::record& r) {
    check(r.owner.view().is_subdomain_of(zone.view()), "record outside the zone");
    std::string why;
    const auto item = lists::interpret_rpz(r.message, r.rr, zone, scratch, why);
    if (!item) {
      check(item.error() == errc::invalid_list_line && !why.empty(), "an RPZ record refused without a reason");
      return;
    }
    using kind = lists::rpz_item::kind;
    if (item->what == kind::trigger || item->what == kind::link)
      check(!item->name.is_root(), "a trigger or link at the apex");
    if (item->what == kind::entry || item->what == kind::link)
      check(!item->key.empty() && item->key.size() <= wire::max_label_length, "an entry key out of bounds");
    if (item->what == kind::entry) check(item->name.label_count() == 1, "an entry key of more than one label");
  }
  lists::rpz_scratch scratch;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 5) return 0;
  const auto k = (data[0] & 1) != 0 ? xfr::kind::ixfr : xfr::kind::axfr;
  const std::uint32_t serial = std::uint32_t{data[1]} << 24 | std::uint32_t{data[2]} << 16 |
                               std::uint32_t{data[3]} << 8 | data[4];
  xfr::transfer_reader reader{zone, 0x4242, k, serial};
  order_checker handler;
  bool failed = false, done = false;
  dnsfilter_fuzz::for_each_framed(data, size, 5, [&](std::span<const std::byte> message) {
    const auto parsed = wire::message_view::parse(message);
    if (!parsed) return;  // the caller's parse refused it; the reader never sees it
    const auto r = reader.feed(*parsed, handler);
    check(!failed || !r, "feed succeeded after a failure");
    if (!r) {
      failed = true;
      return;
    }
    check(*r == (handler.at == order_checker::phase::ended), "feed's result disagrees with end()");
    done = *r;
  });
  const auto finished = reader.finish();
  if (failed) check(!finished, "finish() succeeded after a failure");
  else check(static_cast<bool>(finished) == done, "finish() disagrees with the stream");
  return 0;
}
