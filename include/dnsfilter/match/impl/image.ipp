// dnsfilter — compiled images: writing, checking and mapping (match/image.hpp).
#include <dnsfilter/detail/file_io.hpp>
#include <dnsfilter/detail/xxhash.hpp>
#include <dnsfilter/match/image.hpp>

#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dnsfilter::match {
namespace image_detail {

// Layout (docs/design.md, "Compiled images"): a 256-octet header, then the
// sections at 8-aligned offsets, then the XXH3-64 checksum of everything
// before it. Integers are in the image's byte order, which must be the host's
// to map it.
inline constexpr char magic[8] = {'D', 'N', 'S', 'F', 'I', 'M', 'G', '\0'};
inline constexpr std::uint32_t order_mark = 0x01020304u;
inline constexpr std::size_t header_size = 256;
inline constexpr std::size_t trailer_size = 8;
enum section : std::size_t { sources, entries, strings, rules, names, slots, bloom, overflow, section_count };
inline constexpr const char* section_names[section_count] = {"sources", "entries", "strings", "rules",
                                                             "names",   "slots",   "bloom",   "overflow"};
inline constexpr std::size_t entry_size = 40;   // start, end, id, category, source, action
inline constexpr std::size_t source_size = 8;   // offset and size of the name in strings
inline constexpr std::size_t rule_size = 8;     // match::rule as laid out in memory
inline constexpr std::size_t slot_size = 4;     // suffix_hash_matcher::slot
inline constexpr std::size_t name_padding = 256;  // zero octets after the names: a comparison never leaves the image
// Header fields.
inline constexpr std::size_t at_version = 8, at_order = 12, at_header = 16, at_sections = 20, at_size = 24,
                             at_seed = 32, at_mask = 40, at_groups = 56, at_table = 64;  // table: 3 u64 per section

static_assert(sizeof(rule) == rule_size && offsetof(rule, name_offset) == 0 && offsetof(rule, packed) == 4);
static_assert(sizeof(suffix_hash_matcher::slot) == slot_size);
static_assert(at_table + section_count * 24 <= header_size);

// Appends integers in the chosen byte order.
class writer {
 public:
  explicit writer(bool swap) : swap_(swap) {}
  template <class T>
  void put(T v) {
    static_assert(std::is_unsigned_v<T>);
    if (swap_) v = byteswap(v);
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out.append(b, sizeof(T));
  }
  void put_bytes(std::string_view b) { out.append(b); }
  void align() { out.append((8 - out.size() % 8) % 8, '\0'); }
  template <class T>
  void put_at(std::size_t at, T v) {
    if (swap_) v = byteswap(v);
    std::memcpy(out.data() + at, &v, sizeof(T));
  }

  std::string out;

 private:
  template <class T>
  static T byteswap(T v) noexcept {
    T r = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) r = static_cast<T>((r << 8) | ((v >> (8 * i)) & 0xFF));
    return r;
  }
  bool swap_;
};

template <class T>
T load(const std::byte* p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// The checks of open_image, with the reason of the first failure.
class checker {
 public:
  checker(std::span<const std::byte> bytes, diagnostic* why) : b_(bytes), why_(why) {}

  bool fail(std::string reason) {
    if (why_ != nullptr) *why_ = {0, std::move(reason)};
    return false;
  }

  // Header, checksum and section bounds.
  bool frame() {
    if (reinterpret_cast<std::uintptr_t>(b_.data()) % 8 != 0) return fail("the image is not 8-byte aligned in memory");
    if (b_.size() < sizeof magic || std::memcmp(b_.data(), magic, sizeof magic) != 0)
      return fail("not a dnsfilter compiled image");
    if (b_.size() < header_size + trailer_size) return fail("truncated: " + std::to_string(b_.size()) + " bytes");
    const auto mark = u32(at_order);
    if (mark != order_mark) {
      if (mark == 0x04030201u)
        return fail(std::string("written for ") + (std::endian::native == std::endian::little ? "big" : "little") +
                    "-endian hosts; compile it for this one");
      return fail("bad byte-order mark");
    }
    if (u32(at_version) != image_version)
      return fail("version " + std::to_string(u32(at_version)) + ", this library reads " +
                  std::to_string(image_version));
    if (u32(at_header) != header_size || u32(at_sections) != section_count) return fail("bad header");
    if (u64(at_size) != b_.size())
      return fail("truncated or padded: " + std::to_string(b_.size()) + " bytes, the header says " +
                  std::to_string(u64(at_size)));
    const std::size_t body = b_.size() - trailer_size;
    if (XXH3_64bits(b_.data(), body) != load<std::uint64_t>(b_.data() + body)) return fail("checksum mismatch");
    for (std::size_t s = 0; s < section_count; ++s) {
      const std::uint64_t offset = u64(at_table + 24 * s), size = u64(at_table + 24 * s + 8),
                          count = u64(at_table + 24 * s + 16);
      const std::uint64_t unit = s == entries    ? entry_size
                                 : s == sources  ? source_size
                                 : s == rules    ? rule_size
                                 : s == slots    ? slot_size
                                 : s == bloom    ? 8
                                 : s == overflow ? 4
                                                 : 1;
      if (offset % 8 != 0 || offset < header_size || offset > body || size > body - offset || count > size ||
          count * unit != size)
        return fail(std::string("section ") + section_names[s] + " out of bounds");
      sec_[s] = b_.subspan(static_cast<std::size_t>(offset), static_cast<std::size_t>(size));
      count_[s] = static_cast<std::size_t>(count);
    }
    return true;
  }

  // Every index in bounds, every name well-formed, every probe sure to end.
  bool contents(std::vector<source_info>& sources_out, std::vector<entry>& entries_out) {
    const auto text = [&](std::uint32_t off, std::uint32_t n, std::string& out) {
      if (off > sec_[strings].size() || n > sec_[strings].size() - off) return false;
      out.assign(reinterpret_cast<const char*>(sec_[strings].data()) + off, n);
      return true;
    };
    sources_out.resize(count_[sources]);
    for (std::size_t i = 0; i < count_[sources]; ++i) {
      const std::byte* p = sec_[sources].data() + i * source_size;
      if (!text(load<std::uint32_t>(p), load<std::uint32_t>(p + 4), sources_out[i].name))
        return fail("source " + std::to_string(i) + ": name out of bounds");
    }
    entries_out.resize(count_[entries]);
    for (std::size_t i = 0; i < count_[entries]; ++i) {
      const std::byte* p = sec_[entries].data() + i * entry_size;
      entry& e = entries_out[i];
      e.start = load<std::int64_t>(p);
      e.end = load<std::int64_t>(p + 8);
      if (!text(load<std::uint32_t>(p + 16), load<std::uint32_t>(p + 20), e.id) ||
          !text(load<std::uint32_t>(p + 24), load<std::uint32_t>(p + 28), e.category))
        return fail("entry " + std::to_string(i) + ": text out of bounds");
      e.source = load<std::uint16_t>(p + 32);
      const auto a = std::to_integer<std::uint8_t>(p[34]);
      if (a >= action_count) return fail("entry " + std::to_string(i) + ": unknown action " + std::to_string(a));
      e.action = static_cast<action>(a);
      if (e.source >= count_[sources] && count_[sources] != 0)
        return fail("entry " + std::to_string(i) + ": unknown source");
    }
    const auto rs = rule_view();
    if (rs.size() >= suffix_hash_matcher::overflow_bit) return fail("too many rules");
    const std::span<const std::byte> names_section = sec_[names];
    for (std::size_t i = 0; i < rs.size(); ++i) {
      const rule& r = rs[i];
      if (r.entry() >= entries_out.size()) return fail("rule " + std::to_string(i) + ": unknown entry");
      if (r.flags() > rule::subdomains_only) return fail("rule " + std::to_string(i) + ": bad flags");
      if (r.name_offset >= names_section.size()) return fail("rule " + std::to_string(i) + ": name out of bounds");
      // A wire name inside the section: labels of 1-63 octets, at most 255
      // octets with the root label that ends it.
      const std::size_t room = std::min<std::size_t>(names_section.size() - r.name_offset, wire::max_name_length);
      const std::byte* n = names_section.data() + r.name_offset;
      std::size_t pos = 0, labels = 0;
      for (;;) {
        if (pos >= room) return fail("rule " + std::to_string(i) + ": name out of bounds");
        const auto len = std::to_integer<std::size_t>(n[pos]);
        if (len == 0) break;
        if (len > 63) return fail("rule " + std::to_string(i) + ": bad name");
        pos += 1 + len;
        ++labels;
      }
      if (labels == 0) return fail("rule " + std::to_string(i) + ": bad name");
    }
    const auto of = overflow_view();
    if (!of.empty() && (of.back() & suffix_hash_matcher::overflow_bit) == 0) return fail("overflow array unterminated");
    for (std::uint32_t v : of) {
      if ((v & ~suffix_hash_matcher::overflow_bit) >= rs.size()) return fail("overflow array: unknown rule");
    }
    const auto ss = slot_view();
    const std::span<const std::byte> arena = sec_[names];
    if (static_cast<std::size_t>(arena.data() - b_.data()) + arena.size() + name_padding > b_.size() - trailer_size)
      return fail("no padding after the names");
    if (ss.empty()) return fail("no slots");
    // A slot's value: a rule, the start of a group in the overflow array, or
    // empty (suffix_hash_matcher::slot). A probe compares a query's suffix
    // with the rule's name, checked above, and the padding after the names
    // keeps the comparison inside the image.
    const unsigned value_bits = suffix_hash_matcher::value_bits_for(rs.size());
    const auto value_mask = static_cast<std::uint32_t>((std::uint64_t{1} << value_bits) - 1);
    bool any_empty = false;
    for (const std::uint32_t s : ss) {
      const std::uint32_t v = s & value_mask;
      if (v == value_mask) {
        any_empty = true;
      } else if (v >= rs.size() && v - rs.size() >= of.size()) {
        return fail("slot: value out of bounds");
      }
    }
    if (!any_empty) return fail("slot table full: a probe could not end");
    return true;
  }

  suffix_hash_matcher::parts parts() const noexcept {
    suffix_hash_matcher::parts p;
    p.seed = u64(at_seed);
    p.label_mask[0] = u64(at_mask);
    p.label_mask[1] = u64(at_mask + 8);
    p.groups = u64(at_groups);
    p.slots = slot_view();
    p.bloom = {reinterpret_cast<const std::uint64_t*>(sec_[bloom].data()), count_[bloom]};
    p.overflow = overflow_view();
    return p;
  }
  std::span<const rule> rule_view() const noexcept {
    return {reinterpret_cast<const rule*>(sec_[rules].data()), count_[rules]};
  }
  std::span<const std::byte> name_view() const noexcept { return sec_[names]; }

 private:
  std::uint32_t u32(std::size_t at) const noexcept { return load<std::uint32_t>(b_.data() + at); }
  std::uint64_t u64(std::size_t at) const noexcept { return load<std::uint64_t>(b_.data() + at); }
  std::span<const suffix_hash_matcher::slot> slot_view() const noexcept {
    return {reinterpret_cast<const suffix_hash_matcher::slot*>(sec_[slots].data()), count_[slots]};
  }
  std::span<const std::uint32_t> overflow_view() const noexcept {
    return {reinterpret_cast<const std::uint32_t*>(sec_[overflow].data()), count_[overflow]};
  }

  std::span<const std::byte> b_;
  diagnostic* why_;
  std::span<const std::byte> sec_[section_count];
  std::size_t count_[section_count] = {};
};

// munmap()s when the last borrower lets go.
struct mapping {
  void* address = nullptr;
  std::size_t size = 0;
  mapping(void* a, std::size_t n) noexcept : address(a), size(n) {}
  mapping(const mapping&) = delete;
  mapping& operator=(const mapping&) = delete;
  ~mapping() { ::munmap(address, size); }
};

}  // namespace image_detail

DNSFILTER_DECL std::string make_image(const hashed_catalogue& c, const image_options& options) {
  using namespace image_detail;
  const bool big = options.order == byte_order::big ||
                   (options.order == byte_order::native && std::endian::native == std::endian::big);
  writer w(big != (std::endian::native == std::endian::big));
  const catalogue& cat = c.source();
  const auto parts = c.matcher().image_parts();

  // Strings first, so their offsets are known.
  std::string text_table;
  auto add_text = [&](const std::string& t) {
    const auto at = static_cast<std::uint32_t>(text_table.size());
    text_table += t;
    return std::pair<std::uint32_t, std::uint32_t>{at, static_cast<std::uint32_t>(t.size())};
  };

  w.out.assign(header_size, '\0');
  std::uint64_t table[section_count][3] = {};
  auto begin = [&](section s) {
    w.align();
    table[s][0] = w.out.size();
  };
  auto end = [&](section s, std::size_t count) {
    table[s][1] = w.out.size() - table[s][0];
    table[s][2] = count;
  };

  begin(sources);
  for (const auto& s : cat.sources()) {
    const auto [at, n] = add_text(s.name);
    w.put(at);
    w.put(n);
  }
  end(sources, cat.sources().size());
  begin(entries);
  for (const auto& e : cat.entries()) {
    w.put(static_cast<std::uint64_t>(e.start));
    w.put(static_cast<std::uint64_t>(e.end));
    const auto [id_at, id_n] = add_text(e.id);
    const auto [cat_at, cat_n] = add_text(e.category);
    w.put(id_at);
    w.put(id_n);
    w.put(cat_at);
    w.put(cat_n);
    w.put(e.source);
    w.put(static_cast<std::uint8_t>(e.action));
    w.put_bytes(std::string_view("\0\0\0\0\0", 5));
  }
  end(entries, cat.entries().size());
  begin(strings);
  w.put_bytes(text_table);
  end(strings, text_table.size());
  begin(rules);
  for (const rule& r : cat.rules()) {
    w.put(r.name_offset);
    w.put(r.packed);
  }
  end(rules, cat.rules().size());
  begin(names);
  const auto arena = cat.name_arena();
  w.put_bytes(std::string_view(reinterpret_cast<const char*>(arena.data()), arena.size()));
  end(names, arena.size());
  w.out.append(name_padding, '\0');
  begin(slots);
  for (const std::uint32_t s : parts.slots) w.put(s);
  end(slots, parts.slots.size());
  begin(bloom);
  for (std::uint64_t word : parts.bloom) w.put(word);
  end(bloom, parts.bloom.size());
  begin(overflow);
  for (std::uint32_t v : parts.overflow) w.put(v);
  end(overflow, parts.overflow.size());

  std::memcpy(w.out.data(), magic, sizeof magic);
  w.put_at(at_version, image_version);
  w.put_at(at_order, order_mark);
  w.put_at(at_header, static_cast<std::uint32_t>(header_size));
  w.put_at(at_sections, static_cast<std::uint32_t>(section_count));
  w.put_at(at_size, static_cast<std::uint64_t>(w.out.size() + trailer_size));
  w.put_at(at_seed, parts.seed);
  w.put_at(at_mask, parts.label_mask[0]);
  w.put_at(at_mask + 8, parts.label_mask[1]);
  w.put_at(at_groups, parts.groups);
  for (std::size_t s = 0; s < section_count; ++s)
    for (std::size_t k = 0; k < 3; ++k) w.put_at(at_table + 24 * s + 8 * k, table[s][k]);
  // The checksum is of the bytes as written, so it is stored as the reader
  // computes it: in the reader's (the image's) byte order.
  w.put(XXH3_64bits(w.out.data(), w.out.size()));
  return std::move(w.out);
}

DNSFILTER_DECL result<void> write_image(const std::string& path, const hashed_catalogue& c,
                                        const image_options& options) {
  if (!dnsfilter::detail::replace_file(path, make_image(c, options))) return errc::write_failed;
  return {};
}

DNSFILTER_DECL result<std::shared_ptr<const hashed_catalogue>> open_image(std::span<const std::byte> bytes,
                                                                          std::shared_ptr<const void> backing,
                                                                          diagnostic* why) {
  image_detail::checker check(bytes, why);
  std::vector<source_info> sources;
  std::vector<entry> entries;
  if (!check.frame() || !check.contents(sources, entries)) return errc::bad_image;
  catalogue cat = catalogue::borrowing(std::move(sources), std::move(entries), check.rule_view(), check.name_view(),
                                       std::move(backing));
  return std::make_shared<const hashed_catalogue>(std::move(cat), std::in_place, check.parts());
}

DNSFILTER_DECL result<std::shared_ptr<const hashed_catalogue>> map_image(const std::string& path, diagnostic* why) {
  auto fail = [&](errc e, const std::string& reason) {
    if (why != nullptr) *why = {0, reason};
    return e;
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(errc::io_error, "cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int saved = errno;
    ::close(fd);
    return fail(errc::io_error, "cannot stat " + path + ": " + std::strerror(saved));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(errc::not_regular_file, path + " is not a regular file");
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return fail(errc::bad_image, "empty file");
  }
  int flags = MAP_SHARED;
#ifdef MAP_POPULATE
  flags |= MAP_POPULATE;  // the checks read every page anyway: fault them in at once
#endif
  void* address = ::mmap(nullptr, size, PROT_READ, flags, fd, 0);
  const int saved = errno;
  ::close(fd);
  if (address == MAP_FAILED) return fail(errc::io_error, "cannot map " + path + ": " + std::strerror(saved));
  auto keep = std::make_shared<const image_detail::mapping>(address, size);
  return open_image({static_cast<const std::byte*>(address), size}, std::move(keep), why);
}

}  // namespace dnsfilter::match
