# 64-bit ARM, little-endian (Debian: g++-aarch64-linux-gnu, qemu-user).
#   cmake --preset cross-aarch64   (or -DCMAKE_TOOLCHAIN_FILE=<this file>)
set(DNSFILTER_CROSS_TRIPLE aarch64-linux-gnu)
set(DNSFILTER_CROSS_PROCESSOR aarch64)
set(DNSFILTER_CROSS_QEMU qemu-aarch64)
include("${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake")
