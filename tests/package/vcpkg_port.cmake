# Runs ports/dnsfilter/portfile.cmake without vcpkg (it cannot be downloaded
# here), under stand-ins for the vcpkg helpers it calls. The stand-ins do what
# vcpkg does with real commands where it matters (cmake configure with the
# port's exact OPTIONS, build, install into CURRENT_PACKAGES_DIR, a Debug and a
# Release configuration unless VCPKG_BUILD_TYPE is release), and check what
# vcpkg's post-build checks would (copyright and usage installed, no absolute
# paths into the build machine, no debug/include, no empty directories, no lib/
# in a header-only port).
#
# Not reproduced: vcpkg's toolchain, triplets, and its rewriting of package
# paths (the port installs its CMake files straight into share/dnsfilter, so
# vcpkg_cmake_config_fixup has nothing to move; the stand-in insists on that).
#
#   cmake -DWORK=<dir> [-DFEATURES=separate-compilation|c-api] [-DCXX=c++] [-DGENERATOR=Ninja]
#         -P tests/package/vcpkg_port.cmake
cmake_minimum_required(VERSION 3.25)

if(NOT WORK)
  message(FATAL_ERROR "pass -DWORK=<scratch directory>")
endif()
get_filename_component(_port_dir "${CMAKE_CURRENT_LIST_DIR}/../../ports/dnsfilter" ABSOLUTE)
if(NOT CXX)
  set(CXX c++)
endif()

set(PORT dnsfilter)
set(TARGET_TRIPLET x64-linux)
set(VCPKG_TARGET_IS_LINUX ON)
set(VCPKG_LIBRARY_LINKAGE dynamic)  # the x64-linux default is static; dynamic checks vcpkg_check_linkage
set(CURRENT_PACKAGES_DIR "${WORK}/packages/${PORT}_${TARGET_TRIPLET}")
set(CURRENT_BUILDTREES_DIR "${WORK}/buildtrees/${PORT}")
file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}" "${CURRENT_BUILDTREES_DIR}")
file(MAKE_DIRECTORY "${CURRENT_PACKAGES_DIR}" "${CURRENT_BUILDTREES_DIR}")
file(READ "${_port_dir}/vcpkg.json" _manifest)
string(JSON VERSION GET "${_manifest}" "version-semver")

function(_vcpkg_stand_in_run)
  string(REPLACE ";" " " _line "${ARGN}")
  message(STATUS "+ ${_line}")
  execute_process(COMMAND ${ARGN} COMMAND_ERROR_IS_FATAL ANY)
endfunction()

function(vcpkg_check_features)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "OUT_FEATURE_OPTIONS" "FEATURES;INVERTED_FEATURES")
  set(out "")
  while(arg_FEATURES)
    list(POP_FRONT arg_FEATURES feature variable)
    if(feature IN_LIST FEATURES)
      list(APPEND out "-D${variable}=ON")
    else()
      list(APPEND out "-D${variable}=OFF")
    endif()
  endwhile()
  set(${arg_OUT_FEATURE_OPTIONS} "${out}" PARENT_SCOPE)
endfunction()

function(vcpkg_check_linkage)
  cmake_parse_arguments(PARSE_ARGV 0 arg "ONLY_STATIC_LIBRARY;ONLY_DYNAMIC_LIBRARY;ONLY_STATIC_CRT;ONLY_DYNAMIC_CRT" "" "")
  if(arg_ONLY_STATIC_LIBRARY)
    set(VCPKG_LIBRARY_LINKAGE static PARENT_SCOPE)
  endif()
endfunction()

function(vcpkg_cmake_configure)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "SOURCE_PATH" "OPTIONS;OPTIONS_RELEASE;OPTIONS_DEBUG")
  set(generator "")
  if(GENERATOR)
    set(generator -G "${GENERATOR}")
  endif()
  set(configs rel)
  if(NOT VCPKG_BUILD_TYPE STREQUAL "release")
    list(APPEND configs dbg)
  endif()
  foreach(config IN LISTS configs)
    if(config STREQUAL "rel")
      set(type Release)
      set(prefix "${CURRENT_PACKAGES_DIR}")
      set(extra ${arg_OPTIONS_RELEASE})
    else()
      set(type Debug)
      set(prefix "${CURRENT_PACKAGES_DIR}/debug")
      set(extra ${arg_OPTIONS_DEBUG})
    endif()
    # The variables vcpkg_cmake_configure itself always passes.
    _vcpkg_stand_in_run("${CMAKE_COMMAND}" -S "${arg_SOURCE_PATH}"
      -B "${CURRENT_BUILDTREES_DIR}/${TARGET_TRIPLET}-${config}" ${generator}
      "-DCMAKE_CXX_COMPILER=${CXX}"
      "-DCMAKE_BUILD_TYPE=${type}"
      "-DCMAKE_INSTALL_PREFIX=${prefix}"
      -DCMAKE_INSTALL_LIBDIR:STRING=lib
      -DCMAKE_INSTALL_BINDIR:STRING=bin
      -DBUILD_SHARED_LIBS=OFF
      -DFETCHCONTENT_FULLY_DISCONNECTED=ON
      -DCMAKE_EXPORT_NO_PACKAGE_REGISTRY=ON
      -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON
      ${arg_OPTIONS} ${extra})
  endforeach()
  set_property(GLOBAL PROPERTY _vcpkg_stand_in_configs "${configs}")
endfunction()

function(vcpkg_cmake_install)
  get_property(configs GLOBAL PROPERTY _vcpkg_stand_in_configs)
  foreach(config IN LISTS configs)
    _vcpkg_stand_in_run("${CMAKE_COMMAND}" --build "${CURRENT_BUILDTREES_DIR}/${TARGET_TRIPLET}-${config}"
      --target install)
  endforeach()
endfunction()

function(vcpkg_cmake_config_fixup)
  cmake_parse_arguments(PARSE_ARGV 0 arg "DO_NOT_DELETE_PARENT_CONFIG_PATH;NO_PREFIX_CORRECTION" "PACKAGE_NAME;CONFIG_PATH" "")
  if(NOT arg_PACKAGE_NAME)
    set(arg_PACKAGE_NAME "${PORT}")
  endif()
  if(NOT arg_CONFIG_PATH)
    set(arg_CONFIG_PATH "share/${arg_PACKAGE_NAME}")
  endif()
  if(NOT arg_CONFIG_PATH STREQUAL "share/${arg_PACKAGE_NAME}")
    message(FATAL_ERROR "stand-in: the port should install its CMake files into share/${arg_PACKAGE_NAME} "
      "(got ${arg_CONFIG_PATH}); relocating them is vcpkg's job and is not reproduced here")
  endif()
  set(release "${CURRENT_PACKAGES_DIR}/${arg_CONFIG_PATH}")
  if(NOT EXISTS "${release}/${arg_PACKAGE_NAME}Config.cmake")
    message(FATAL_ERROR "vcpkg_cmake_config_fixup: no ${arg_PACKAGE_NAME}Config.cmake in ${release}")
  endif()
  # The Debug configuration's targets file joins the Release ones, pointing
  # into debug/ (what vcpkg does).
  set(debug "${CURRENT_PACKAGES_DIR}/debug/${arg_CONFIG_PATH}")
  if(EXISTS "${debug}")
    file(GLOB debug_targets "${debug}/*Targets-debug.cmake")
    if(NOT debug_targets)
      message(FATAL_ERROR "vcpkg_cmake_config_fixup: no *Targets-debug.cmake in ${debug}")
    endif()
    foreach(f IN LISTS debug_targets)
      file(READ "${f}" text)
      string(REPLACE "\${_IMPORT_PREFIX}/lib" "\${_IMPORT_PREFIX}/debug/lib" text "${text}")
      get_filename_component(name "${f}" NAME)
      file(WRITE "${release}/${name}" "${text}")
    endforeach()
    file(REMOVE_RECURSE "${debug}")
  endif()
endfunction()

function(vcpkg_fixup_pkgconfig)
  foreach(dir IN ITEMS "" "/debug")
    file(GLOB pcs "${CURRENT_PACKAGES_DIR}${dir}/lib/pkgconfig/*.pc" "${CURRENT_PACKAGES_DIR}${dir}/share/pkgconfig/*.pc")
    foreach(pc IN LISTS pcs)
      file(READ "${pc}" text)
      string(REGEX REPLACE "(^|\n)prefix=[^\n]*" "\\1prefix=\${pcfiledir}/../.." text "${text}")
      if(dir STREQUAL "/debug")
        # A debug tree shares the release headers (what vcpkg does).
        string(REPLACE "\${prefix}/include" "\${prefix}/../include" text "${text}")
      endif()
      file(WRITE "${pc}" "${text}")
    endforeach()
  endforeach()
endfunction()

function(vcpkg_install_copyright)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "" "FILE_LIST")
  set(text "")
  foreach(f IN LISTS arg_FILE_LIST)
    file(READ "${f}" part)
    string(APPEND text "${part}")
  endforeach()
  file(WRITE "${CURRENT_PACKAGES_DIR}/share/${PORT}/copyright" "${text}")
endfunction()

message(STATUS "vcpkg stand-in: ${PORT} ${VERSION}, features: [${FEATURES}]")
include("${_port_dir}/portfile.cmake")

# ---- a subset of vcpkg's post-build checks ----
set(errors "")
foreach(required IN ITEMS "share/${PORT}/copyright" "share/${PORT}/usage" "share/${PORT}/${PORT}Config.cmake"
                          "share/${PORT}/${PORT}ConfigVersion.cmake" "share/${PORT}/${PORT}Targets.cmake"
                          "include/dnsfilter/dnsfilter.hpp")
  if(NOT EXISTS "${CURRENT_PACKAGES_DIR}/${required}")
    list(APPEND errors "missing ${required}")
  endif()
endforeach()
if(EXISTS "${CURRENT_PACKAGES_DIR}/debug/include" OR EXISTS "${CURRENT_PACKAGES_DIR}/debug/share")
  list(APPEND errors "debug/include or debug/share left behind")
endif()
set(libraries "")
if("separate-compilation" IN_LIST FEATURES)
  list(APPEND libraries lib/libdnsfilter.a debug/lib/libdnsfilter.a lib/pkgconfig/dnsfilter.pc)
endif()
if("c-api" IN_LIST FEATURES)
  list(APPEND libraries lib/libdnsfilter_c.a debug/lib/libdnsfilter_c.a lib/pkgconfig/dnsfilter-c.pc
                        include/dnsfilter.h)
endif()
if(libraries)
  foreach(lib IN LISTS libraries)
    if(NOT EXISTS "${CURRENT_PACKAGES_DIR}/${lib}")
      list(APPEND errors "missing ${lib}")
    endif()
  endforeach()
else()
  if(EXISTS "${CURRENT_PACKAGES_DIR}/lib" OR EXISTS "${CURRENT_PACKAGES_DIR}/debug")
    list(APPEND errors "header-only port installed lib/ or debug/")
  endif()
  if(NOT EXISTS "${CURRENT_PACKAGES_DIR}/share/pkgconfig/dnsfilter.pc")
    list(APPEND errors "missing share/pkgconfig/dnsfilter.pc")
  endif()
endif()
file(GLOB_RECURSE installed LIST_DIRECTORIES true "${CURRENT_PACKAGES_DIR}/*")
foreach(path IN LISTS installed)
  if(IS_DIRECTORY "${path}")
    file(GLOB children "${path}/*")
    if(NOT children)
      list(APPEND errors "empty directory ${path}")
    endif()
  elseif(path MATCHES "\\.(cmake|pc|hpp|ipp|h)$")
    file(READ "${path}" text)
    foreach(forbidden IN ITEMS "${CURRENT_PACKAGES_DIR}" "${CURRENT_BUILDTREES_DIR}" "${WORK}")
      string(FIND "${text}" "${forbidden}" at)
      if(NOT at EQUAL -1)
        list(APPEND errors "absolute path ${forbidden} in ${path}")
      endif()
    endforeach()
  endif()
endforeach()
if(errors)
  list(JOIN errors "\n  " text)
  message(FATAL_ERROR "vcpkg post-build checks failed:\n  ${text}")
endif()
file(GLOB_RECURSE installed RELATIVE "${CURRENT_PACKAGES_DIR}" "${CURRENT_PACKAGES_DIR}/*")
list(SORT installed)
list(JOIN installed "\n  " text)
message(STATUS "vcpkg stand-in: installed into ${CURRENT_PACKAGES_DIR}:\n  ${text}")
