# 32-bit ARM (ARMv7-A, hard float), little-endian, strict alignment for
# multi-word loads (Debian: g++-arm-linux-gnueabihf, qemu-user).
#   cmake --preset cross-armhf   (or -DCMAKE_TOOLCHAIN_FILE=<this file>)
set(DNSFILTER_CROSS_TRIPLE arm-linux-gnueabihf)
set(DNSFILTER_CROSS_PROCESSOR arm)
set(DNSFILTER_CROSS_QEMU qemu-arm)
include("${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake")
