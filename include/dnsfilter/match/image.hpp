// dnsfilter — compiled images: a catalogue and its matcher in one file that a
// device maps read-only and serves from directly.
//
//   // at build time, once (dnsfilter-compile does this):
//   auto compiled = match::make_compiled<match::suffix_hash_matcher>(std::move(cat));
//   match::write_image("policy.dfimg", *compiled, {.order = match::byte_order::big});
//   // on each device, at start and on every update:
//   diagnostic why;
//   auto base = match::map_image("policy.dfimg", &why);   // a few ms for a million names
//   auto snap = make_snapshot(*base, &registry);
//
// The rules, names and the matcher's arrays stay in the file's pages: the
// kernel's page cache holds them, shares them between processes and may evict
// them, and a new image replaces an old one without a second copy in
// anonymous memory. Only the entries and list names are copied out (a few
// per plain list). An image is versioned, carries its byte order and an XXH3
// checksum, and is checked structurally before it is trusted: every index
// in bounds, every name well-formed, every probe sure to end. A bad file is
// errc::bad_image with the reason; it is never served. Replace an image by
// renaming a new file over it (write_image does); truncating a mapped file in
// place would fault its readers. Format and figures: docs/design.md,
// "Compiled images".
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/load.hpp>
#include <dnsfilter/match/compiled.hpp>
#include <dnsfilter/match/hashed.hpp>
#include <dnsfilter/result.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace dnsfilter::match {

using hashed_catalogue = compiled_catalogue<suffix_hash_matcher>;

// The byte order an image is written in; a host maps only images of its own.
enum class byte_order : std::uint8_t { native, little, big };

struct image_options {
  byte_order order = byte_order::native;
};

// The format version write_image writes and map_image reads.
inline constexpr std::uint32_t image_version = 2;

// The image of `c` as bytes.
DNSFILTER_DECL std::string make_image(const hashed_catalogue& c, const image_options& options = {});

// Writes the image of `c` to `path` atomically (a temporary file beside it,
// fsync, rename). errc::write_failed, errno telling why, on any failure.
DNSFILTER_DECL result<void> write_image(const std::string& path, const hashed_catalogue& c,
                                        const image_options& options = {});

// Checks the image in `bytes` (8-byte aligned), which `backing` keeps alive,
// and returns a compiled catalogue that borrows from it. errc::bad_image and
// the reason in `why` for anything but a whole, consistent image of this
// version and this host's byte order.
DNSFILTER_DECL result<std::shared_ptr<const hashed_catalogue>> open_image(std::span<const std::byte> bytes,
                                                                          std::shared_ptr<const void> backing,
                                                                          diagnostic* why = nullptr);

// Maps the file at `path` read-only and opens it as open_image does.
// errc::io_error when it cannot be opened or mapped, errc::not_regular_file
// for anything but a regular file.
DNSFILTER_DECL result<std::shared_ptr<const hashed_catalogue>> map_image(const std::string& path,
                                                                         diagnostic* why = nullptr);

}  // namespace dnsfilter::match

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/match/impl/image.ipp>
#endif
