# Shared part of the cross toolchain files in this directory: a Debian 12
# cross compiler (g++-<triple>) with its sysroot in /usr/<triple>, and
# qemu-user to run the test programs it builds.
#
# Not used directly: a per-target file sets DNSFILTER_CROSS_TRIPLE,
# DNSFILTER_CROSS_PROCESSOR and DNSFILTER_CROSS_QEMU, then includes this one.
#
# Dependencies of the target build:
#   - tsl-robin-map, doctest and xxhash.h are header-only for dnsfilter (it
#     includes xxhash.h with XXH_INLINE_ALL, so libxxhash is never needed).
#     Debian installs their headers in /usr/include, which Debian's cross
#     compilers search last (multiarch), and their CMake packages in the
#     architecture-independent /usr/share/cmake and /usr/lib/cmake. So
#     packages are looked up in the sysroot AND on the host (BOTH).
#   - Libraries are looked up in the sysroot ONLY: the host's x86-64
#     libxxhash.so (or any other host library) can never end up on a target's
#     link line. CMAKE_LIBRARY_ARCHITECTURE is the target's triple, so
#     architecture-specific package directories (/usr/lib/x86_64-linux-gnu/cmake,
#     e.g. Google Benchmark's) are not searched either.
#
# Overridable from the command line or the environment:
#   DNSFILTER_CROSS_SYSROOT   default /usr/<triple> (Debian's cross libc)
#   DNSFILTER_CROSS_EMULATOR  default "<qemu> -L <sysroot> -E LD_LIBRARY_PATH=/lib"; set it empty
#                             when the binaries should not be run on this host

if(NOT DNSFILTER_CROSS_TRIPLE)
  message(FATAL_ERROR "include a per-target toolchain file (e.g. aarch64-linux-gnu.cmake), not debian-cross.cmake")
endif()

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR "${DNSFILTER_CROSS_PROCESSOR}")
set(CMAKE_LIBRARY_ARCHITECTURE "${DNSFILTER_CROSS_TRIPLE}")

set(CMAKE_C_COMPILER "${DNSFILTER_CROSS_TRIPLE}-gcc")
set(CMAKE_CXX_COMPILER "${DNSFILTER_CROSS_TRIPLE}-g++")

if(NOT DEFINED DNSFILTER_CROSS_SYSROOT)
  if(DEFINED ENV{DNSFILTER_CROSS_SYSROOT})
    set(DNSFILTER_CROSS_SYSROOT "$ENV{DNSFILTER_CROSS_SYSROOT}")
  else()
    set(DNSFILTER_CROSS_SYSROOT "/usr/${DNSFILTER_CROSS_TRIPLE}")
  endif()
endif()

set(CMAKE_FIND_ROOT_PATH "${DNSFILTER_CROSS_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# The host's pkg-config would describe host libraries: point it at the
# sysroot's own .pc files (none, with Debian's cross packages) instead.
set(ENV{PKG_CONFIG_LIBDIR} "${DNSFILTER_CROSS_SYSROOT}/lib/pkgconfig:${DNSFILTER_CROSS_SYSROOT}/share/pkgconfig")

# ctest (and add_custom_command with a target as the command) run target
# programs through the emulator.
if(NOT DEFINED DNSFILTER_CROSS_EMULATOR)
  if(DEFINED ENV{DNSFILTER_CROSS_EMULATOR})
    set(DNSFILTER_CROSS_EMULATOR "$ENV{DNSFILTER_CROSS_EMULATOR}")
  else()
    # LD_LIBRARY_PATH=/lib (the sysroot's /lib under -L) puts the cross libc
    # before whatever the host's ld.so.cache lists: with Debian's multiarch
    # libc6:<arch> installed (libboost-dev:arm64 pulls it in), the cache names
    # that libc, another build than the cross loader's, and the mix hangs at
    # the first thread a program starts.
    set(DNSFILTER_CROSS_EMULATOR "${DNSFILTER_CROSS_QEMU};-L;${DNSFILTER_CROSS_SYSROOT};-E;LD_LIBRARY_PATH=/lib")
  endif()
endif()
if(DNSFILTER_CROSS_EMULATOR)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${DNSFILTER_CROSS_EMULATOR}")
endif()
