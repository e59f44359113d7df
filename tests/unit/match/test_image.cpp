// Compiled images (match/image.hpp): what is mapped answers as what was
// compiled, and a damaged, truncated, foreign or hostile image is refused
// with its reason, never served.
#include <dnsfilter/detail/xxhash.hpp>
#include <dnsfilter/filter.hpp>
#include <dnsfilter/match/image.hpp>

#include <doctest/doctest.h>

#include <bit>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

using dnsfilter::diagnostic;
using dnsfilter::errc;
using namespace dnsfilter::match;
using dnsfilter::wire::name;

namespace {

name dn(std::string_view text) { return name::from_text(text).value(); }

// Entries of every kind, windows, scopes, and names shared by several rules
// (the matcher's overflow groups).
catalogue sample() {
  catalogue cat;
  const auto list = cat.add_source("lists/operator.tsv");
  const auto other = cat.add_source("lists/exceptions.txt");
  const auto e0 = cat.add_entry({"XX-1", "information theft", list, action::sinkhole, since_always, until_forever});
  const auto e1 = cat.add_entry({"XX-2", "backdoor", list, action::nxdomain, 1'000, 2'000});
  const auto e2 = cat.add_entry({"", "", other, action::pass, since_always, until_forever});
  const auto e3 = cat.add_entry({"XX-3", "DDoS", list, action::monitor, since_always, until_forever});
  REQUIRE(cat.add_rule(dn("evil.example"), e0));
  REQUIRE(cat.add_rule(dn("evil.example"), e1));
  REQUIRE(cat.add_rule(dn("good.evil.example"), e2));
  REQUIRE(cat.add_rule(dn("exact.example"), e0, scope::name_only));
  REQUIRE(cat.add_rule(dn("below.example"), e1, scope::subdomains_only));
  REQUIRE(cat.add_rule(dn("watched.example.net"), e3));
  for (int i = 0; i < 300; ++i) REQUIRE(cat.add_rule(dn("n" + std::to_string(i) + ".bulk.example"), i % 2 ? e0 : e3));
  return cat;
}

const std::vector<std::string> queries = {
    "evil.example",        "a.evil.example",    "good.evil.example", "x.good.evil.example", "exact.example",
    "a.exact.example",     "below.example",     "a.below.example",   "watched.example.net", "n7.bulk.example",
    "deep.n8.bulk.example", "bulk.example",     "example",           "unlisted.test",       "EVIL.Example"};

// An image copied into 8-byte aligned memory, as a mapping would hold it.
struct aligned_image {
  std::vector<std::uint64_t> words;
  std::size_t size = 0;
  explicit aligned_image(std::string_view bytes) : words((bytes.size() + 7) / 8), size(bytes.size()) {
    if (!bytes.empty()) std::memcpy(words.data(), bytes.data(), bytes.size());  // no null pointer to memcpy
  }
  std::span<const std::byte> bytes() const { return {reinterpret_cast<const std::byte*>(words.data()), size}; }
};

// Opens `bytes`; the reason of a refusal goes to `why`.
dnsfilter::result<std::shared_ptr<const hashed_catalogue>> open(std::string_view bytes, diagnostic& why) {
  auto copy = std::make_shared<aligned_image>(bytes);
  return open_image(copy->bytes(), copy, &why);
}

// Sets the checksum of a changed image, so the structural checks are reached.
void fix_checksum(std::string& image) {
  const std::uint64_t sum = XXH3_64bits(image.data(), image.size() - 8);
  std::memcpy(image.data() + image.size() - 8, &sum, 8);
}

template <class T>
void poke(std::string& image, std::size_t at, T v) {
  std::memcpy(image.data() + at, &v, sizeof v);
  fix_checksum(image);
}
template <class T>
T peek(const std::string& image, std::size_t at) {
  T v;
  std::memcpy(&v, image.data() + at, sizeof v);
  return v;
}
// The offset of section `s` (image.ipp's order: sources, entries, strings,
// rules, names, slots, bloom, overflow).
std::size_t section_offset(const std::string& image, std::size_t s) {
  return static_cast<std::size_t>(peek<std::uint64_t>(image, 64 + 24 * s));
}

void check_refused(const std::string& image, std::string_view reason) {
  CAPTURE(reason);
  diagnostic why;
  auto r = open(image, why);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == errc::bad_image);
  CHECK_MESSAGE(why.message.find(reason) != std::string::npos, why.message);
}

}  // namespace

TEST_CASE("image: what is opened answers as what was compiled") {
  auto compiled = make_compiled<suffix_hash_matcher>(sample());
  const std::string image = make_image(*compiled);
  diagnostic why;
  auto opened = open(image, why);
  REQUIRE_MESSAGE(opened.has_value(), why.message);
  const auto& o = **opened;
  CHECK(o.source().borrows());
  CHECK(o.source().rules().size() == compiled->source().rules().size());
  REQUIRE(o.source().sources().size() == 2);
  CHECK(o.source().sources()[1].name == "lists/exceptions.txt");
  REQUIRE(o.source().entries().size() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    const entry &a = o.source().entries()[i], &b = compiled->source().entries()[i];
    CHECK(a.id == b.id);
    CHECK(a.category == b.category);
    CHECK(a.source == b.source);
    CHECK(a.action == b.action);
    CHECK(a.start == b.start);
    CHECK(a.end == b.end);
  }
  for (const auto& q : queries) {
    for (timestamp t : {timestamp{0}, timestamp{1'500}, timestamp{5'000}}) {
      CAPTURE(q);
      CAPTURE(t);
      const auto want = compiled->lookup(dn(q), t), got = o.lookup(dn(q), t);
      CHECK(got.hit() == want.hit());
      CHECK(got.rule == want.rule);
      CHECK(got.entry == want.entry);
    }
  }
  // Only the entries and list names were copied out.
  CHECK(o.matcher().memory_bytes() == 0);
  CHECK(o.memory_bytes() < compiled->memory_bytes() / 4);
  // The same bytes again from the opened one: an image is a fixed point.
  CHECK(make_image(o) == image);
}

TEST_CASE("image: written atomically, mapped, served through a snapshot, and outlives its file") {
  char path[] = "/tmp/dnsfilter-image-XXXXXX";
  const int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  ::close(fd);
  auto compiled = make_compiled<suffix_hash_matcher>(sample());
  REQUIRE(write_image(path, *compiled).has_value());
  diagnostic why;
  auto mapped = map_image(path, &why);
  REQUIRE_MESSAGE(mapped.has_value(), why.message);
  // The file may go (or be replaced by rename): the mapping keeps its pages.
  ::unlink(path);
  auto snap = dnsfilter::make_snapshot(*mapped);
  const auto hit = snap->lookup(dn("x.evil.example"), 0);
  REQUIRE(hit.hit());
  CHECK(snap->entry_of(hit).id == "XX-1");
  CHECK(snap->source().sources()[0].name == "lists/operator.tsv");

  CHECK(map_image(path, &why).error() == errc::io_error);
  CHECK(why.message.find("cannot open") != std::string::npos);
  CHECK(map_image("/tmp", &why).error() == errc::not_regular_file);
}

TEST_CASE("image: changing a borrowed catalogue copies it first") {
  auto compiled = make_compiled<suffix_hash_matcher>(sample());
  diagnostic why;
  auto opened = open(make_image(*compiled), why);
  REQUIRE(opened.has_value());
  catalogue copy = (*opened)->source();  // borrows too
  CHECK(copy.borrows());
  REQUIRE(copy.add_rule(dn("new.example"), 0));
  CHECK_FALSE(copy.borrows());
  CHECK(copy.rules().size() == compiled->source().rules().size() + 1);
  auto again = make_compiled<suffix_hash_matcher>(std::move(copy));
  CHECK(again->lookup(dn("new.example"), 0).hit());
  CHECK(again->lookup(dn("a.evil.example"), 0).hit());
}

TEST_CASE("image: another byte order is refused with what to do") {
  auto compiled = make_compiled<suffix_hash_matcher>(sample());
  const bool little = std::endian::native == std::endian::little;
  const std::string foreign = make_image(*compiled, {.order = little ? byte_order::big : byte_order::little});
  check_refused(foreign, little ? "written for big-endian hosts" : "written for little-endian hosts");
  const std::string own = make_image(*compiled, {.order = little ? byte_order::little : byte_order::big});
  CHECK(own == make_image(*compiled));
}

TEST_CASE("image: truncated, padded, damaged or hostile images are refused") {
  auto compiled = make_compiled<suffix_hash_matcher>(sample());
  const std::string good = make_image(*compiled);

  // Every truncation (and a byte more) is refused, never trusted.
  for (std::size_t n = 0; n < good.size(); n += (n < 300 ? 1 : 97)) {
    CAPTURE(n);
    diagnostic why;
    CHECK(open(good.substr(0, n), why).error() == errc::bad_image);
  }
  check_refused(good + '\0', "the header says");
  check_refused(good.substr(0, 100), "truncated: 100 bytes");
  check_refused(good.substr(0, 7), "not a dnsfilter compiled image");

  // Any changed byte fails the checksum.
  for (std::size_t at : {std::size_t{300}, good.size() / 2, good.size() - 9}) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x20);
    check_refused(bad, "checksum mismatch");
  }

  std::string bad = good;
  bad[0] = 'X';
  check_refused(bad, "not a dnsfilter compiled image");
  bad = good;
  poke<std::uint32_t>(bad, 8, 1);
  check_refused(bad, "version 1, this library reads 2");

  // Hostile contents with a valid checksum: the structural checks.
  const std::size_t rules = section_offset(good, 3), slots = section_offset(good, 5),
                    overflow = section_offset(good, 7), entries = section_offset(good, 1);
  bad = good;
  poke<std::uint32_t>(bad, rules, 0xFFFFFF00u);  // rule 0's name offset
  check_refused(bad, "rule 0: name out of bounds");
  bad = good;
  poke<std::uint32_t>(bad, rules + 4, 99u << 2);  // rule 0's entry
  check_refused(bad, "rule 0: unknown entry");
  bad = good;
  poke<std::uint32_t>(bad, rules + 4, 3);  // rule 0's flags: both scopes
  check_refused(bad, "rule 0: bad flags");
  bad = good;
  poke<std::uint32_t>(bad, rules + 8, 1);  // rule 1's name starts at rule 0's first letter: a "length" over 63
  check_refused(bad, "rule 1: bad name");
  bad = good;  // the last name's root label made a label of 5 octets: it runs off the end of the names
  poke<std::uint8_t>(bad, section_offset(good, 4) + peek<std::uint64_t>(good, 64 + 24 * 4 + 8) - 1, 5);
  check_refused(bad, "name out of bounds");
  bad = good;
  poke<std::uint8_t>(bad, entries + 34, 200);  // entry 0's action
  check_refused(bad, "entry 0: unknown action 200");
  bad = good;
  poke<std::uint64_t>(bad, 64 + 24 * 3, 12345);  // the rules section misaligned
  check_refused(bad, "section rules out of bounds");

  // Every slot taken: a probe for a missing name would never end. A slot's
  // value is in its low bits (value_bits_for the rule count): all ones is empty.
  const auto slot_count = peek<std::uint64_t>(good, 64 + 24 * 5 + 16);
  const auto rule_count = peek<std::uint64_t>(good, 64 + 24 * 3 + 16);
  const auto overflow_count = peek<std::uint64_t>(good, 64 + 24 * 7 + 16);
  const std::uint32_t value_mask = (std::uint32_t{1} << suffix_hash_matcher::value_bits_for(rule_count)) - 1;
  bad = good;
  for (std::size_t i = 0; i < slot_count; ++i) {
    if ((peek<std::uint32_t>(bad, slots + 4 * i) & value_mask) == value_mask) poke<std::uint32_t>(bad, slots + 4 * i, 0);
  }
  fix_checksum(bad);
  check_refused(bad, "slot table full");

  // A slot whose value is past the rules and the overflow groups.
  std::size_t used_slot = 0;
  for (std::size_t i = 0; i < slot_count; ++i) {
    if ((peek<std::uint32_t>(good, slots + 4 * i) & value_mask) != value_mask) {
      used_slot = i;
      break;
    }
  }
  REQUIRE(rule_count + overflow_count < value_mask);
  bad = good;
  poke<std::uint32_t>(bad, slots + 4 * used_slot, static_cast<std::uint32_t>(rule_count + overflow_count));
  check_refused(bad, "slot: value out of bounds");

  // The overflow groups must end inside their array.
  REQUIRE(peek<std::uint64_t>(good, 64 + 24 * 7 + 16) > 0);
  const auto last = overflow + 4 * (peek<std::uint64_t>(good, 64 + 24 * 7 + 16) - 1);
  bad = good;
  poke<std::uint32_t>(bad, last, peek<std::uint32_t>(good, last) & 0x7FFFFFFFu);
  check_refused(bad, "overflow array unterminated");

  // Misaligned memory is refused rather than read through misaligned pointers.
  auto copy = std::make_shared<std::vector<std::uint64_t>>((good.size() + 15) / 8);
  auto* base = reinterpret_cast<std::byte*>(copy->data()) + 1;
  std::memcpy(base, good.data(), good.size());
  diagnostic why;
  CHECK(open_image({base, good.size()}, copy, &why).error() == errc::bad_image);
  CHECK(why.message.find("not 8-byte aligned") != std::string::npos);
}
