# vcpkg overlay port for dnsfilter, built from the repository it lives in
# (ports/dnsfilter/ -> ../..):
#
#   vcpkg install dnsfilter --overlay-ports=<repo>/ports
#   vcpkg install "dnsfilter[separate-compilation]" --overlay-ports=<repo>/ports
#   vcpkg install "dnsfilter[c-api]" --overlay-ports=<repo>/ports    # the C API, dnsfilter::dnsfilter_c
#
# For a registry, replace SOURCE_PATH below with vcpkg_from_github(... REF v${VERSION} SHA512 ...).
#
# tests/package/vcpkg_port.sh runs this file under a stand-in for vcpkg's helper
# functions (real CMake configure/install with exactly these OPTIONS), then
# builds a consumer with the lines of the `usage` file; keep the two in step.
get_filename_component(SOURCE_PATH "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)

vcpkg_check_features(OUT_FEATURE_OPTIONS FEATURE_OPTIONS
    FEATURES
        separate-compilation DNSFILTER_SEPARATE_COMPILATION
        c-api DNSFILTER_C_API
)

if("separate-compilation" IN_LIST FEATURES OR "c-api" IN_LIST FEATURES)
    # The CMake project builds static libraries only (always PIC).
    vcpkg_check_linkage(ONLY_STATIC_LIBRARY)
    set(dnsfilter_pkgconfig_dir "lib/pkgconfig")
else()
    # Header-only: one configuration is enough, and every installed file is
    # architecture-independent.
    set(VCPKG_BUILD_TYPE release)
    set(dnsfilter_pkgconfig_dir "share/pkgconfig")
endif()

vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        ${FEATURE_OPTIONS}
        -DDNSFILTER_INSTALL=ON
        -DDNSFILTER_BUILD_TESTS=OFF
        -DDNSFILTER_BUILD_EXAMPLES=OFF
        -DDNSFILTER_BUILD_BENCH=OFF
        -DDNSFILTER_BUILD_FUZZ=OFF
        -DDNSFILTER_INSTALL_CMAKEDIR=share/dnsfilter
        "-DDNSFILTER_INSTALL_PKGCONFIGDIR=${dnsfilter_pkgconfig_dir}"
)

vcpkg_cmake_install()
# The package files are installed straight into share/dnsfilter, so the
# fixup only merges the debug configuration's targets file.
vcpkg_cmake_config_fixup(PACKAGE_NAME dnsfilter CONFIG_PATH share/dnsfilter)
vcpkg_fixup_pkgconfig()

file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/debug/include" "${CURRENT_PACKAGES_DIR}/debug/share")

file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
if("c-api" IN_LIST FEATURES)
    file(APPEND "${CURRENT_PACKAGES_DIR}/share/${PORT}/usage" [[

The C API (feature c-api, include <dnsfilter.h>), also from a C-only project:

  find_package(dnsfilter CONFIG REQUIRED)
  target_link_libraries(main PRIVATE dnsfilter::dnsfilter_c)

and the pkg-config module dnsfilter-c.
]])
endif()
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
