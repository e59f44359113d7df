// libFuzzer target: compiled images (match/image.hpp).
// Input: a mode byte, then an image. Mode bit 0 set: the image's checksum is
// fixed up first, so mutations reach the structural checks behind it.
// Properties, any breach aborts:
//   - a refused image is errc::bad_image with a reason;
//   - an accepted one answers lookups of its own rules' names and of names
//     taken from the input without reading outside it (ASan), and its image,
//     written again, opens again with the same rules.
#include <dnsfilter/detail/xxhash.hpp>
#include <dnsfilter/match/image.hpp>

#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dnsfilter;
  using dnsfilter_fuzz::check;
  if (size < 1) return 0;
  const bool fix = (data[0] & 1) != 0;
  ++data;
  --size;
  // 8-byte aligned, as a mapping is (at most 7 bytes of slack after the end).
  auto keep = std::make_shared<std::vector<std::uint64_t>>((size + 7) / 8);
  auto* aligned = reinterpret_cast<std::byte*>(keep->data());
  if (size > 0) std::memcpy(aligned, data, size);
  if (fix && size >= 8) {
    const std::uint64_t sum = XXH3_64bits(aligned, size - 8);
    std::memcpy(aligned + size - 8, &sum, 8);
  }

  diagnostic why;
  auto opened = match::open_image({aligned, size}, keep, &why);
  if (!opened) {
    check(opened.error() == errc::bad_image && !why.message.empty(), "a refused image without errc::bad_image and a reason");
    return 0;
  }
  const auto& c = **opened;
  const auto& cat = c.source();
  for (const auto& r : cat.rules()) {
    const auto n = cat.name_of(r);
    const auto hit = c.lookup(n, 0);
    if (hit.hit()) check(hit.entry < cat.entries().size() && hit.rule < cat.rules().size(), "a hit out of range");
  }
  // Names made of the input's bytes (as labels), looked up too.
  for (std::size_t at = 0; at + 4 <= size && at < 256; at += 4) {
    std::uint8_t wire[8] = {3, data[at], data[at + 1], data[at + 2], 1, data[at + 3], 0, 0};
    auto name = wire::name::from_wire({reinterpret_cast<const std::byte*>(wire), 7});
    if (name) (void)c.lookup(*name, 0);
  }
  const std::string again = match::make_image(c);
  auto words2 = std::make_shared<std::vector<std::uint64_t>>((again.size() + 7) / 8);
  std::memcpy(words2->data(), again.data(), again.size());
  auto reopened = match::open_image({reinterpret_cast<const std::byte*>(words2->data()), again.size()}, words2, &why);
  check(reopened.has_value() && (*reopened)->source().rules().size() == cat.rules().size(),
        "an accepted image, written again, does not open again");
  return 0;
}
