// libFuzzer target: names in presentation form and in wire form.
//
// Text: name::from_text → to_text → from_text must give the very same wire
// bytes (escapes preserve octets and case), to_text must be stable, and the
// wire form must validate with name_view::from_wire.
// Wire: the input as an uncompressed wire name (name_view::from_wire) and as a
// possibly compressed name inside a message (read_name after a 12-octet
// header); whatever is accepted must survive to_text → from_text byte for
// byte, and the two readers must agree where their rules coincide.
// Any disagreement calls abort() so libFuzzer keeps the input.
#include <dnsfilter/dnsfilter.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace {

using namespace dnsfilter;
using namespace dnsfilter::wire;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_name_text: %s\n", what);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

// Invariants of any valid name, however it was obtained.
void check_valid(name_view n) {
  check(n.size() >= 1 && n.size() <= max_name_length, "name size out of limits");
  auto w = name_view::from_wire(n.wire());
  check(w.has_value() && w->equals_exact(n) && w->label_count() == n.label_count(),
        "a valid name does not validate as wire");
  std::size_t labels = 0, octets = 1;
  for (auto label : n) {
    check(!label.empty() && label.size() <= max_label_length, "label size out of limits");
    ++labels;
    octets += 1 + label.size();
  }
  check(labels == n.label_count() && octets == n.size(), "label iteration disagrees with size/count");
  check(n.equals(n) && n.compare(n) == 0, "a name differs from itself");
  if (!n.is_root()) {
    check(n.is_subdomain_of(n.parent()) && n.parent().size() < n.size(), "parent");
    check(n.suffix(n.label_count()).equals_exact(n), "suffix of all labels");
  }
}

// to_text → from_text must reproduce the exact bytes; to_text must be stable.
void check_text_round_trip(name_view n) {
  std::array<char, max_name_text_length> text;
  auto len = n.to_text(text);
  check(len.has_value(), "to_text of a valid name failed");
  check(*len >= 1 && text[*len - 1] == '.', "to_text does not end in a dot");
  const std::string_view t{text.data(), *len};
  auto back = name::from_text(t);
  check(back.has_value(), "from_text rejects the output of to_text");
  check(back->view().equals_exact(n), "text round trip changed the bytes");
  std::array<char, max_name_text_length> again;
  auto len2 = back->view().to_text(again);
  check(len2.has_value() && *len2 == *len && std::memcmp(text.data(), again.data(), *len) == 0,
        "to_text is not stable");
  // A buffer one short must be refused, never overrun.
  if (*len > 1) {
    std::vector<char> small(*len - 1);
    check(n.to_text(small).error() == errc::no_space, "to_text into a short buffer");
  }
  // The lower-cased form compares equal, case-insensitively.
  name low{n};
  low.to_lower();
  check(low == n && low.view().compare(n) == 0, "lower-cased name compares unequal");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text{reinterpret_cast<const char*>(data), size};
  const std::span<const std::byte> bytes{reinterpret_cast<const std::byte*>(data), size};

  // 1. Presentation form.
  if (auto n = name::from_text(text)) {
    check_valid(*n);
    check_text_round_trip(*n);
  }

  // 2. Uncompressed wire form.
  auto w = name_view::from_wire(bytes);
  if (w) {
    check(w->data() == bytes.data() && w->size() <= bytes.size(), "from_wire view outside the input");
    check_valid(*w);
    check_text_round_trip(*w);
  }

  // 3. Inside a message: a 12-octet header, then the input. At offset 12 no
  //    pointer can be valid (it would point into the header or forwards), so
  //    read_name must accept exactly what from_wire accepts.
  std::vector<std::byte> msg(header_size + size);
  if (size) std::memcpy(msg.data() + header_size, data, size);
  name at_start;
  auto ext = read_name(msg, header_size, at_start);
  check(ext.has_value() == w.has_value(), "read_name and from_wire disagree on an uncompressed name");
  if (ext) {
    check(at_start.view().equals_exact(*w) && ext->size == w->size() && ext->end == header_size + w->size() &&
              ext->labels == w->label_count() && !ext->compressed,
          "read_name and from_wire read different names");
  }

  // 4. A name further in, chosen by the first octet, so that pointers back
  //    into the input are exercised.
  if (size > 1) {
    const std::size_t offset = header_size + 1 + data[0] % (size - 1);
    name n;
    auto e = read_name(msg, offset, n);
    auto skipped = skip_name(msg, offset);
    check(e.has_value() == skipped.has_value(), "skip_name and read_name disagree");
    if (e) {
      check(e->end == skipped->end && e->size == skipped->size && e->labels == skipped->labels,
            "skip_name and read_name report different extents");
      check(e->end > offset && e->end <= msg.size(), "name extent outside the message");
      check(e->size == n.size() && e->labels == n.label_count(), "extent disagrees with the name");
      check_valid(n);
      check_text_round_trip(n);
    }
  }
  return 0;
}
