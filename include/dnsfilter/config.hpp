// dnsfilter — build configuration shared by every header.
//
// Header-only by default: functions that are not templates are defined in
// impl/*.ipp files that the public headers include, and are marked `inline`
// through DNSFILTER_DECL. With DNSFILTER_SEPARATE_COMPILATION defined (the CMake
// option of the same name sets it), the headers only declare those functions and
// one translation unit that includes <dnsfilter/src.hpp> defines them, so large
// programs compile the codec once.
#pragma once

// The one statement of the version: CMake and the Conan recipe read it from
// here; vcpkg.json must repeat it, and tests/package checks that it does.
#define DNSFILTER_VERSION_MAJOR 0
#define DNSFILTER_VERSION_MINOR 1
#define DNSFILTER_VERSION_PATCH 0

#if defined(DNSFILTER_SEPARATE_COMPILATION)
#define DNSFILTER_HEADER_ONLY 0
#define DNSFILTER_DECL
#else
#define DNSFILTER_HEADER_ONLY 1
#define DNSFILTER_DECL inline
#endif

#if defined(__GNUC__) || defined(__clang__)
#define DNSFILTER_LIKELY(x) __builtin_expect(!!(x), 1)
#define DNSFILTER_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define DNSFILTER_ALWAYS_INLINE inline __attribute__((always_inline))
// A hint to start loading the cache line at `p` (read, keep in all levels).
#define DNSFILTER_PREFETCH(p) __builtin_prefetch((p), 0, 3)
#else
#define DNSFILTER_LIKELY(x) (x)
#define DNSFILTER_UNLIKELY(x) (x)
#define DNSFILTER_ALWAYS_INLINE inline
#define DNSFILTER_PREFETCH(p) ((void)(p))
#endif

// Called with `query` or `message` at the start of every query_view::parse and
// message_view::parse. Empty unless a program defines it before its first
// dnsfilter include, identically in every file (the parsers are inline), in
// header-only mode: the tests count parses with it, to show that a forwarded
// query and its answer are each parsed once.
#if !defined(DNSFILTER_COUNT_PARSE)
#define DNSFILTER_COUNT_PARSE(kind) ((void)0)
#endif
