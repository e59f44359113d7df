"""Conan 2 recipe for dnsfilter.

    conan create conan --build=missing                     # header-only (default)
    conan create conan --build=missing -o "dnsfilter/*:separate_compilation=True"
    conan create conan --build=missing -o "dnsfilter/*:c_api=True"    # the C API, dnsfilter::dnsfilter_c

The recipe lives in conan/ and packages the repository it sits in: export_sources()
copies the library's sources from the parent directory, and set_version() reads
the version from include/dnsfilter/config.hpp, where CMake reads it too. The
vcpkg port must state it as a literal (ports/dnsfilter/vcpkg.json);
tests/package/conan_recipe.py checks that copy against config.hpp.

Consumers get the same names as our own CMake install exports:
find_package(dnsfilter CONFIG REQUIRED) and the target dnsfilter::dnsfilter
(and pkg-config module `dnsfilter` through PkgConfigDeps); with c_api=True also
dnsfilter::dnsfilter_c and the module `dnsfilter-c`.
"""
import os
import re

from conan import ConanFile
from conan.errors import ConanException
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, load, rmdir

required_conan_version = ">=2.0"


class DnsfilterConan(ConanFile):
    name = "dnsfilter"
    description = "Embeddable header-heavy C++20 library for DNS filtering"
    license = "MIT"
    topics = ("dns", "filtering", "sinkhole", "embedded", "header-only")
    settings = "os", "arch", "compiler", "build_type"

    # Header-only by default. The option builds the non-template code once into
    # a static library (CMake's DNSFILTER_SEPARATE_COMPILATION=ON). A header
    # library and a binary package cannot share one package type and one
    # package_id policy, so both follow the option:
    #   separate_compilation=False -> "header-library", package_id cleared (one
    #                                 package for every os/arch/compiler/build type)
    #   separate_compilation=True  -> "static-library", package_id keeps the
    #                                 settings (one binary per configuration)
    # See configure() and package_id(). The static library is always built with
    # -fPIC (our CMakeLists sets POSITION_INDEPENDENT_CODE), so there is no
    # fPIC option, and never shared (the CMake project has no shared mode).
    #
    # c_api builds the C API (include/dnsfilter.h) as the static library
    # dnsfilter_c (CMake's DNSFILTER_C_API): a binary package as well. The
    # package then has two components, the core (dnsfilter::dnsfilter, as
    # without the option) and the C API (dnsfilter::dnsfilter_c, linking the
    # C++ runtime by name so that a C-only project links it).
    package_type = "header-library"
    options = {"separate_compilation": [True, False], "c_api": [True, False]}
    default_options = {"separate_compilation": False, "c_api": False}

    _archs_without_atomic64 = ("mips", "ppc32", "ppc32be", "armv4", "armv4i", "armv5el", "armv5hf", "sparc")

    def set_version(self):
        if self.version:
            return
        config = load(self, os.path.join(self.recipe_folder, "..", "include", "dnsfilter", "config.hpp"))
        parts = []
        for part in ("MAJOR", "MINOR", "PATCH"):
            match = re.search(rf"^#define DNSFILTER_VERSION_{part} +([0-9]+)$", config, re.MULTILINE)
            if not match:
                raise ConanException(f"cannot read DNSFILTER_VERSION_{part} from ../include/dnsfilter/config.hpp")
            parts.append(match.group(1))
        self.version = ".".join(parts)

    def export_sources(self):
        # Only what the library's install needs: no tests, examples or benchmarks.
        root = os.path.join(self.recipe_folder, "..")
        for pattern in ("CMakeLists.txt", "LICENSE", "cmake/*.cmake", "cmake/*.in", "include/*", "src/*"):
            copy(self, pattern, src=root, dst=self.export_sources_folder)

    def _has_binary(self, options):
        return bool(options.separate_compilation) or bool(options.c_api)

    def configure(self):
        if self._has_binary(self.options):
            self.package_type = "static-library"
        else:
            self.package_type = "header-library"

    def layout(self):
        cmake_layout(self)

    def requirements(self):
        # dnsfilter's public headers include xxhash.h and tsl/robin_map.h, so
        # consumers need their headers too. dnsfilter inlines XXH3
        # (XXH_INLINE_ALL), so libxxhash's binary is never needed by it.
        self.requires("xxhash/[>=0.8.1 <0.9]", transitive_headers=True)
        self.requires("tsl-robin-map/[>=1.2.1 <2]", transitive_headers=True)

    def package_id(self):
        if not self._has_binary(self.info.options):
            self.info.clear()

    def validate(self):
        check_min_cppstd(self, 20)

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["DNSFILTER_SEPARATE_COMPILATION"] = bool(self.options.separate_compilation)
        tc.cache_variables["DNSFILTER_C_API"] = bool(self.options.c_api)
        tc.cache_variables["DNSFILTER_INSTALL"] = True
        tc.cache_variables["DNSFILTER_BUILD_TESTS"] = False
        tc.cache_variables["DNSFILTER_BUILD_EXAMPLES"] = False
        tc.cache_variables["DNSFILTER_BUILD_BENCH"] = False
        tc.cache_variables["DNSFILTER_BUILD_FUZZ"] = False
        tc.generate()
        CMakeDeps(self).generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def package(self):
        copy(self, "LICENSE", src=self.source_folder, dst=os.path.join(self.package_folder, "licenses"))
        cmake = CMake(self)
        cmake.install()
        # CMakeDeps and PkgConfigDeps generate these from package_info().
        rmdir(self, os.path.join(self.package_folder, "lib", "cmake"))
        rmdir(self, os.path.join(self.package_folder, "lib", "pkgconfig"))
        rmdir(self, os.path.join(self.package_folder, "share"))
        if not self._has_binary(self.options):
            rmdir(self, os.path.join(self.package_folder, "lib"))

    def package_info(self):
        # The names our own install exports (dnsfilterConfig.cmake, dnsfilter.pc, dnsfilter-c.pc).
        self.cpp_info.set_property("cmake_file_name", "dnsfilter")
        if not self.options.c_api:
            self._core_info(self.cpp_info)
            return
        # Two targets, so components; the package's own target links both.
        self.cpp_info.set_property("cmake_target_name", "dnsfilter::dnsfilter_all")
        self.cpp_info.set_property("pkg_config_name", "dnsfilter-all")
        self._core_info(self.cpp_info.components["core"])
        c_api = self.cpp_info.components["c_api"]
        c_api.set_property("cmake_target_name", "dnsfilter::dnsfilter_c")
        c_api.set_property("pkg_config_name", "dnsfilter-c")
        c_api.libs = ["dnsfilter_c"]
        c_api.requires = ["core"]
        # The C++ runtime the library is made of, for a program linked by the
        # C compiler (our CMake package and dnsfilter-c.pc name it too).
        libcxx = str(self.settings.get_safe("compiler.libcxx", ""))
        if libcxx == "libc++":
            c_api.system_libs = ["c++"]
        elif str(self.settings.get_safe("compiler", "")) != "msvc":
            c_api.system_libs = ["stdc++", "m"]

    def _core_info(self, info):
        info.set_property("cmake_target_name", "dnsfilter::dnsfilter")
        info.set_property("pkg_config_name", "dnsfilter")
        # ConanCenter's names: xxhash -> xxHash::xxhash, tsl-robin-map -> tsl::robin_map.
        info.requires = ["xxhash::xxhash", "tsl-robin-map::tsl-robin-map"]
        # As our CMakeLists.txt finds out with a link check: 32-bit targets
        # without 64-bit atomic instructions need libatomic for the exact
        # statistics counters (std::atomic<std::uint64_t>).
        if str(self.settings.arch) in self._archs_without_atomic64:
            info.system_libs = ["atomic"]
        if self.options.separate_compilation:
            info.libs = ["dnsfilter"]
            info.defines = ["DNSFILTER_SEPARATE_COMPILATION"]
        else:
            info.bindirs = []
            info.libdirs = []
