# FindxxHash
# ----------
# Locates the xxHash library (https://github.com/Cyan4973/xxHash), which ships
# a pkg-config file on most distributions but no CMake package.
#
# Imported target:
#   xxHash::xxhash  - xxhash.h include directory, plus libxxhash when found.
#                     dnsfilter only needs the header (XXH3 can be inlined with
#                     XXH_INLINE_ALL), so a header-only install is accepted.
#
# Result variables:
#   xxHash_FOUND, xxHash_INCLUDE_DIRS, xxHash_LIBRARIES, xxHash_VERSION
#
# Hints: xxHash_ROOT (CMake's <Package>_ROOT), or CMAKE_PREFIX_PATH.
#
# xxHash's own CMake package (xxHashConfig.cmake, installed by its CMake build,
# vcpkg and Conan's CMakeDeps; Debian ships none) is used first when present:
# it defines the same xxHash::xxhash target.
#
# Cross builds: the library is searched like any other (so a toolchain file
# with CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY never gets the host's), and the
# host's pkg-config is not asked unless the toolchain points it at the target
# (PKG_CONFIG_LIBDIR or PKG_CONFIG_SYSROOT_DIR): its answer describes host
# libraries. dnsfilter itself needs only the header.

if(NOT xxHash_NO_CONFIG)
  find_package(xxHash CONFIG QUIET)
  if(xxHash_FOUND AND TARGET xxHash::xxhash)
    if(NOT xxHash_FIND_QUIETLY)
      message(STATUS "Found xxHash: ${xxHash_DIR} (CMake package, version \"${xxHash_VERSION}\")")
    endif()
    return()
  endif()
  set(xxHash_FOUND FALSE)
endif()

if(NOT CMAKE_CROSSCOMPILING OR DEFINED ENV{PKG_CONFIG_LIBDIR} OR DEFINED ENV{PKG_CONFIG_SYSROOT_DIR})
  find_package(PkgConfig QUIET)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(PC_xxHash QUIET libxxhash)
  endif()
endif()

find_path(xxHash_INCLUDE_DIR
  NAMES xxhash.h
  HINTS ${PC_xxHash_INCLUDEDIR} ${PC_xxHash_INCLUDE_DIRS}
  PATH_SUFFIXES xxhash)

find_library(xxHash_LIBRARY
  NAMES xxhash libxxhash
  HINTS ${PC_xxHash_LIBDIR} ${PC_xxHash_LIBRARY_DIRS})

# Read the version from the header so it works without pkg-config as well.
if(xxHash_INCLUDE_DIR AND EXISTS "${xxHash_INCLUDE_DIR}/xxhash.h")
  file(STRINGS "${xxHash_INCLUDE_DIR}/xxhash.h" _xxhash_version_lines
    REGEX "^#[ \t]*define[ \t]+XXH_VERSION_(MAJOR|MINOR|RELEASE)[ \t]+[0-9]+")
  foreach(_part IN ITEMS MAJOR MINOR RELEASE)
    string(REGEX REPLACE ".*XXH_VERSION_${_part}[ \t]+([0-9]+).*" "\\1"
      _xxhash_${_part} "${_xxhash_version_lines}")
  endforeach()
  if(_xxhash_MAJOR MATCHES "^[0-9]+$" AND _xxhash_MINOR MATCHES "^[0-9]+$"
     AND _xxhash_RELEASE MATCHES "^[0-9]+$")
    set(xxHash_VERSION "${_xxhash_MAJOR}.${_xxhash_MINOR}.${_xxhash_RELEASE}")
  endif()
  unset(_xxhash_version_lines)
  unset(_xxhash_MAJOR)
  unset(_xxhash_MINOR)
  unset(_xxhash_RELEASE)
elseif(PC_xxHash_VERSION)
  set(xxHash_VERSION "${PC_xxHash_VERSION}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(xxHash
  REQUIRED_VARS xxHash_INCLUDE_DIR
  VERSION_VAR xxHash_VERSION)

if(xxHash_FOUND)
  set(xxHash_INCLUDE_DIRS "${xxHash_INCLUDE_DIR}")
  if(xxHash_LIBRARY)
    set(xxHash_LIBRARIES "${xxHash_LIBRARY}")
  else()
    set(xxHash_LIBRARIES "")
  endif()

  if(NOT TARGET xxHash::xxhash)
    if(xxHash_LIBRARY)
      add_library(xxHash::xxhash UNKNOWN IMPORTED)
      set_target_properties(xxHash::xxhash PROPERTIES
        IMPORTED_LOCATION "${xxHash_LIBRARY}")
    else()
      add_library(xxHash::xxhash INTERFACE IMPORTED)
    endif()
    set_target_properties(xxHash::xxhash PROPERTIES
      INTERFACE_INCLUDE_DIRECTORIES "${xxHash_INCLUDE_DIR}")
  endif()
endif()

mark_as_advanced(xxHash_INCLUDE_DIR xxHash_LIBRARY)
