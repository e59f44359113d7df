// dnsfilter — domain names as wire labels.
//
// A name *is* its uncompressed wire encoding: length-prefixed labels ending in the
// zero-length root label. Untrusted input is validated once, with hard limits
// (labels of at most 63 octets, names of at most 255 octets, compression pointers
// only strictly backwards and at most max_pointer_hops of them); afterwards the
// bytes are trusted and every operation is a plain scan with no allocation.
//
//   name_view  a non-owning view of validated, uncompressed wire bytes
//   name       an owning name with inline storage (no heap)
//
// Comparison is ASCII case-insensitive (RFC 4343); the bytes keep the case they
// were written with, so an answer can echo a query's 0x20 mixed case.
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/detail/bytes.hpp>
#include <dnsfilter/result.hpp>
#include <dnsfilter/wire/header.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace dnsfilter::wire {

inline constexpr std::size_t max_name_length = 255;   // octets, wire form, root label included
inline constexpr std::size_t max_label_length = 63;   // octets
inline constexpr std::size_t max_label_count = 127;   // 127 one-octet labels + root = 255 octets
inline constexpr std::size_t max_pointer_hops = 32;   // compression pointers followed per name
// Longest presentation form: every octet escaped as \DDD, dots, final dot.
inline constexpr std::size_t max_name_text_length = 4 * 253 + 2;

class name;

// Where a name read from a message ends, and whether it was compressed.
struct name_extent {
  std::size_t end = 0;       // offset just after the name's encoding at the read position
  std::size_t size = 0;      // uncompressed wire length
  std::size_t labels = 0;    // label count, root excluded
  bool compressed = false;   // at least one pointer was followed
};

// Reads the possibly compressed name at `offset` in `message`, validating every
// limit; copies the uncompressed form into `out` when it is not null.
// Pointers must point strictly before the name that contains them (so no loop
// is possible), never into the 12-octet header, and at most max_pointer_hops
// are followed.
DNSFILTER_DECL result<name_extent> read_name(std::span<const std::byte> message, std::size_t offset,
                                             name* out) noexcept;

// A non-owning view of a validated uncompressed wire name.
class name_view {
 public:
  // The root name ".".
  constexpr name_view() noexcept = default;

  // Validates the uncompressed name that starts at bytes[0] (a compression
  // pointer is an error here: use read_name for names inside messages). The
  // view covers exactly the name; bytes after it are ignored.
  static DNSFILTER_DECL result<name_view> from_wire(std::span<const std::byte> bytes) noexcept;

  // Wraps bytes already known to be a valid uncompressed name, without checks.
  static name_view from_trusted(const std::byte* data, std::size_t size, std::size_t labels) noexcept {
    name_view v;
    v.data_ = data;
    v.size_ = static_cast<std::uint8_t>(size);
    v.labels_ = static_cast<std::uint8_t>(labels);
    return v;
  }

  const std::byte* data() const noexcept { return data_; }
  // Octets of the wire form, the root label included (1 for the root).
  std::size_t size() const noexcept { return size_; }
  std::span<const std::byte> wire() const noexcept { return {data_, size_}; }
  // Labels, the root label excluded (0 for the root).
  std::size_t label_count() const noexcept { return labels_; }
  bool is_root() const noexcept { return labels_ == 0; }

  // Forward iteration over labels (left to right), each a span of its octets
  // without the length prefix. The root label is not visited.
  class label_iterator {
   public:
    using value_type = std::span<const std::byte>;
    using difference_type = std::ptrdiff_t;
    label_iterator() noexcept = default;
    explicit label_iterator(const std::byte* p) noexcept : p_(p) {}
    value_type operator*() const noexcept { return {p_ + 1, detail::u8(p_)}; }
    label_iterator& operator++() noexcept { p_ += 1 + detail::u8(p_); return *this; }
    label_iterator operator++(int) noexcept { auto t = *this; ++*this; return t; }
    // An iterator at the root label compares equal to end().
    bool operator==(const label_iterator& o) const noexcept {
      return p_ == o.p_ || (o.p_ == nullptr && *p_ == std::byte{0}) || (p_ == nullptr && *o.p_ == std::byte{0});
    }

   private:
    const std::byte* p_ = nullptr;
  };
  label_iterator begin() const noexcept { return label_iterator{data_}; }
  label_iterator end() const noexcept { return label_iterator{}; }

  // Offsets (into wire()) of each label's length octet, left to right; returns
  // the label count. With these, suffixes can be visited right to left.
  std::size_t label_offsets(std::array<std::uint8_t, max_label_count>& out) const noexcept {
    std::size_t n = 0, off = 0;
    while (n < labels_) {
      out[n++] = static_cast<std::uint8_t>(off);
      off += 1u + detail::u8(data_ + off);
    }
    return n;
  }

  // The name without its `count` leftmost labels ("a.b.example." minus 1 is "b.example.").
  name_view parent(std::size_t count = 1) const noexcept {
    std::size_t off = 0;
    if (count > labels_) count = labels_;
    for (std::size_t i = 0; i < count; ++i) off += 1u + detail::u8(data_ + off);
    return from_trusted(data_ + off, size_ - off, labels_ - count);
  }

  // The suffix of this name made of its `count` rightmost labels.
  name_view suffix(std::size_t count) const noexcept {
    return count >= labels_ ? *this : parent(labels_ - count);
  }

  // Case-insensitive equality.
  bool equals(name_view other) const noexcept {
    if (size_ != other.size_) return false;
    for (std::size_t i = 0; i < size_; ++i) {
      // Length octets are below 64 and unaffected by folding, so one loop does both.
      if (detail::ascii_lower(data_[i]) != detail::ascii_lower(other.data_[i])) return false;
    }
    return true;
  }
  // Exact, case-sensitive equality of the wire bytes.
  bool equals_exact(name_view other) const noexcept {
    return size_ == other.size_ && std::memcmp(data_, other.data_, size_) == 0;
  }
  friend bool operator==(name_view a, name_view b) noexcept { return a.equals(b); }

  // True when this name equals `ancestor` or lies below it, on whole labels
  // ("a.evil.example." is under "evil.example.", "notevil.example." is not).
  bool is_subdomain_of(name_view ancestor) const noexcept {
    if (ancestor.labels_ > labels_) return false;
    return parent(labels_ - ancestor.labels_).equals(ancestor);
  }

  // DNSSEC canonical order (RFC 4034 section 6.1): labels compared right to
  // left, each as lower-cased octets, a shorter label sorting first when it is
  // a prefix of the other. Returns <0, 0 or >0.
  DNSFILTER_DECL int compare(name_view other) const noexcept;

  // Presentation form with RFC 1035 escapes, always ending in '.'.
  // Writes at most out.size() characters; errc::no_space if they do not fit.
  DNSFILTER_DECL result<std::size_t> to_text(std::span<char> out) const noexcept;
  std::string to_string() const;

 private:
  static constexpr std::byte root_[1] = {std::byte{0}};
  const std::byte* data_ = root_;
  std::uint8_t size_ = 1;
  std::uint8_t labels_ = 0;
};

// An owning name with inline storage: 257 bytes, no heap.
class name {
 public:
  // The root name.
  name() noexcept { bytes_[0] = std::byte{0}; }
  name(name_view v) noexcept { assign(v); }
  name(const name& o) noexcept { assign(o.view()); }
  name& operator=(const name& o) noexcept { assign(o.view()); return *this; }
  name& operator=(name_view v) noexcept { assign(v); return *this; }

  // Parses presentation form ("www.example.com", "www.example.com.", "." for
  // the root, "\." and "\DDD" escapes). Names are absolute: a missing final dot
  // is implied. Whitespace and control characters must be escaped.
  static DNSFILTER_DECL result<name> from_text(std::string_view text) noexcept;

  // Validates and copies an uncompressed wire name.
  static result<name> from_wire(std::span<const std::byte> bytes) noexcept {
    auto v = name_view::from_wire(bytes);
    if (!v) return v.error();
    return name{*v};
  }

  name_view view() const noexcept { return name_view::from_trusted(bytes_.data(), size_, labels_); }
  operator name_view() const noexcept { return view(); }

  const std::byte* data() const noexcept { return bytes_.data(); }
  std::size_t size() const noexcept { return size_; }
  std::span<const std::byte> wire() const noexcept { return {bytes_.data(), size_}; }
  std::size_t label_count() const noexcept { return labels_; }
  bool is_root() const noexcept { return labels_ == 0; }

  // Folds A-Z to a-z in place: the canonical form used for matching and hashing.
  void to_lower() noexcept {
    for (std::size_t i = 0; i < size_; ++i) bytes_[i] = detail::ascii_lower(bytes_[i]);
  }
  name lowered() const noexcept { name n = *this; n.to_lower(); return n; }

  std::string to_string() const { return view().to_string(); }
  friend bool operator==(const name& a, const name& b) noexcept { return a.view().equals(b.view()); }
  friend bool operator==(const name& a, name_view b) noexcept { return a.view().equals(b); }

 private:
  friend result<name_extent> read_name(std::span<const std::byte>, std::size_t, name*) noexcept;
  void assign(name_view v) noexcept {
    // memmove: v may view these very bytes (n = n.view().parent()).
    std::memmove(bytes_.data(), v.data(), v.size());
    size_ = static_cast<std::uint8_t>(v.size());
    labels_ = static_cast<std::uint8_t>(v.label_count());
  }

  std::array<std::byte, max_name_length> bytes_;
  std::uint8_t size_ = 1;
  std::uint8_t labels_ = 0;
};

// The name read into `out` must be owned somewhere: read into a name.
inline result<name_extent> read_name(std::span<const std::byte> message, std::size_t offset, name& out) noexcept {
  return read_name(message, offset, &out);
}

// Validates the name at `offset` and returns where it ends, copying nothing.
inline result<name_extent> skip_name(std::span<const std::byte> message, std::size_t offset) noexcept {
  return read_name(message, offset, nullptr);
}

inline std::string name_view::to_string() const {
  std::array<char, max_name_text_length> buf;
  auto n = to_text(buf);
  return std::string(buf.data(), n ? *n : 0);
}

}  // namespace dnsfilter::wire

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/wire/impl/name.ipp>
#endif
