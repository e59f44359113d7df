// The global allocation functions replaced by counting ones, for the programs
// that prove a path allocates nothing (tests/no_alloc). Include it in exactly
// one file of such a program: it defines operator new and delete for all of
// it. `refuse_allocations` makes every allocation fail meanwhile (bad_alloc,
// or null from the nothrow forms), to test what a caller sees then.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace {
std::atomic<long> allocations{0};
std::atomic<std::size_t> largest{0};  // the largest single request since reset
std::atomic<bool> refuse_allocations{false};

// Counts the request; null when refused (or when memory is exhausted).
void* counted_alloc(std::size_t n, std::size_t align = 0) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  for (std::size_t seen = largest.load(std::memory_order_relaxed);
       n > seen && !largest.compare_exchange_weak(seen, n, std::memory_order_relaxed);) {
  }
  if (refuse_allocations.load(std::memory_order_relaxed)) return nullptr;
  // Over-aligned types (the statistics' cache-line-aligned counters) ask for `align`.
  if (align != 0) return std::aligned_alloc(align, (std::max<std::size_t>(n, 1) + align - 1) / align * align);
  return std::malloc(n ? n : 1);
}

void* or_bad_alloc(void* p) {
  if (p != nullptr) return p;
#if defined(__cpp_exceptions)
  throw std::bad_alloc();
#else
  std::abort();
#endif
}
}  // namespace

void* operator new(std::size_t n) { return or_bad_alloc(counted_alloc(n)); }
void* operator new[](std::size_t n) { return or_bad_alloc(counted_alloc(n)); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void* operator new(std::size_t n, std::align_val_t a) {
  return or_bad_alloc(counted_alloc(n, static_cast<std::size_t>(a)));
}
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_alloc(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_alloc(n, static_cast<std::size_t>(a));
}
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
