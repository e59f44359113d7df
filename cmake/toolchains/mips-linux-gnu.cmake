# 32-bit MIPS (MIPS32r2, o32), BIG-endian, strict alignment — the classic
# router/CPE SoC (Debian: g++-mips-linux-gnu, qemu-user).
#   cmake --preset cross-mips   (or -DCMAKE_TOOLCHAIN_FILE=<this file>)
set(DNSFILTER_CROSS_TRIPLE mips-linux-gnu)
set(DNSFILTER_CROSS_PROCESSOR mips)
set(DNSFILTER_CROSS_QEMU qemu-mips)
include("${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake")
