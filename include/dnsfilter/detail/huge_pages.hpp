// Internal helper: transparent huge pages for the large arrays of a load.
//
// Loading a million-name list touches some 60 MiB of fresh memory (the file's
// text, the catalogue's names and rules, the matcher), and the kernel faults
// it in one 4 KiB page at a time: 15 000 faults, a third of the load's time
// on a virtual machine where a fault costs some 15 µs. Backed by 2 MiB pages
// the same memory takes a few dozen. Linux gives them only to memory that
// asks (madvise) unless configured otherwise, so the large arrays ask.
// Advice only: anywhere else, or without THP, nothing changes.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace dnsfilter::detail {

// Arrays smaller than this are left alone (a huge page would mostly be waste).
inline constexpr std::size_t huge_page_advice_threshold = std::size_t{4} << 20;

// Advises huge pages for the 2 MiB-aligned part of [data, data + size); call
// it before the memory is first written.
inline void advise_huge_pages(const void* data, std::size_t size) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t huge = std::uintptr_t{2} << 20;
  if (data == nullptr || size < huge_page_advice_threshold) return;
  const auto first = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t begin = (first + huge - 1) & ~(huge - 1);
  const std::uintptr_t end = (first + size) & ~(huge - 1);
  if (end > begin) (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)data;
  (void)size;
#endif
}

// Returns the memory of the 2 MiB-aligned part of [from, to) to the kernel
// (MADV_DONTNEED): it reads as zeros afterwards. For a buffer of anonymous
// memory that the caller owns and has finished reading (a list's text behind
// the loader). Whole 2 MiB units, so that a huge page is never split; the
// allocator's own words, outside [from, to), are never touched.
inline void release_pages(const void* from, const void* to) noexcept {
#if defined(__linux__) && defined(MADV_DONTNEED)
  constexpr std::uintptr_t unit = std::uintptr_t{2} << 20;
  const std::uintptr_t begin = (reinterpret_cast<std::uintptr_t>(from) + unit - 1) & ~(unit - 1);
  const std::uintptr_t end = reinterpret_cast<std::uintptr_t>(to) & ~(unit - 1);
  if (end > begin) (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
#else
  (void)from;
  (void)to;
#endif
}

}  // namespace dnsfilter::detail
