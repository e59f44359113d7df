#!/usr/bin/env python3
"""Checks conan/conanfile.py without Conan (it is not packaged for Debian 12
and PyPI is out of reach here).

A stand-in for the parts of the `conan` Python API that the recipe imports is
put in sys.modules, the recipe is imported and its methods are called the way
`conan create` calls them, and what they declare is asserted:
  set_version            the version of include/dnsfilter/config.hpp, which
                         CMake reads too (its project() states none), and which
                         ports/dnsfilter/vcpkg.json must repeat
  export_sources         the library's sources, no tests/examples/benchmarks
  configure / package_id header-library + cleared package_id by default;
                         static-library + settings kept with separate_compilation
                         or c_api
  requirements           xxhash and tsl-robin-map, transitive_headers
  validate               C++20 required
  package_info           cmake_file_name dnsfilter, cmake_target_name
                         dnsfilter::dnsfilter, pkg_config_name dnsfilter,
                         requires xxhash::xxhash + tsl-robin-map::tsl-robin-map
                         (ConanCenter's xxhash declares cmake_file_name xxHash and
                         target xxHash::xxhash; tsl-robin-map declares
                         tsl-robin-map and tsl::robin_map); with c_api two
                         components: core (as above) and c_api
                         (dnsfilter::dnsfilter_c, dnsfilter-c, libdnsfilter_c
                         and the C++ runtime)
With --build WORK, generate/build/package also run, with real CMake commands in
place of Conan's CMake helper (Conan's CMakeDeps is not available: the
dependencies come from the system), the package folder's layout is checked,
and conan/test_package is built and run against the package through a config
file generated from package_info() the way CMakeDeps would (target name, include
dir, defines, libraries, dependency targets; a target per component), its C
program too with c_api.

What this cannot check: Conan's own resolution of the version ranges, its
profiles, and ConanCenter's binaries. `conan create conan` does that.

usage: conan_recipe.py [--separate] [--c-api] [--build WORK] [--cxx CXX] [--generator NINJA|MAKE]
"""
import argparse
import fnmatch
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import types

sys.dont_write_bytecode = True  # no __pycache__ next to the recipe in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))

# The CMake names ConanCenter's recipes give the two dependencies.
CONAN_CENTER_CMAKE_NAMES = {
    "xxhash": ("xxHash", "xxHash::xxhash"),
    "tsl-robin-map": ("tsl-robin-map", "tsl::robin_map"),
}


# ---------------------------------------------------------------------------
# The stand-in `conan` package.
# ---------------------------------------------------------------------------
class ConanException(Exception):
    pass


class ConanInvalidConfiguration(ConanException):
    pass


class _Value:
    """Like Conan's option/setting values: compares with strings, bool() of "False" is False."""

    def __init__(self, value):
        self._value = None if value is None else str(value)

    def __bool__(self):
        return self._value is not None and self._value.lower() not in ("false", "none", "0", "off", "")

    def __eq__(self, other):
        return self._value == (None if other is None else str(other))

    def __str__(self):
        return str(self._value)

    __hash__ = None


class _Values:
    def __init__(self, values):
        object.__setattr__(self, "_values", {k: _Value(v) for k, v in values.items()})

    def __getattr__(self, name):
        values = object.__getattribute__(self, "_values")
        if name not in values:
            raise ConanException(f"option or setting '{name}' does not exist")
        return values[name]

    def __setattr__(self, name, value):
        self._values[name] = _Value(value)

    def __delattr__(self, name):
        del self._values[name]

    def get_safe(self, name, default=None):
        value = self._values.get(name)
        return default if value is None or value._value is None else value

    def rm_safe(self, name):
        self._values.pop(name, None)


class _Compiler(_Value):
    def __init__(self, name, version, cppstd):
        super().__init__(name)
        self.version = _Value(version)
        self.cppstd = _Value(cppstd)

    def get_safe(self, name, default=None):
        value = getattr(self, name, None)
        return default if value is None or value._value is None else value


class _Settings(_Values):
    def __init__(self, os_, arch, compiler, build_type):
        super().__init__({"os": os_, "arch": arch, "build_type": build_type})
        self._values["compiler"] = compiler

    def get_safe(self, name, default=None):
        if name.startswith("compiler."):
            return self._values["compiler"].get_safe(name.split(".", 1)[1], default)
        return super().get_safe(name, default)


class _Info:
    def __init__(self, conanfile):
        self.options = conanfile.options
        self.settings = conanfile.settings
        self.cleared = False

    def clear(self):
        self.cleared = True
        self.settings = _Values({})
        self.options = _Values({})


class _Components(dict):
    """cpp_info.components: a component is made on first use, as in Conan."""

    def __missing__(self, name):
        self[name] = _CppInfo()
        return self[name]


class _CppInfo:
    def __init__(self):
        self._properties = {}
        self.requires = []
        self.libs = []
        self.defines = []
        self.system_libs = []
        self.includedirs = ["include"]
        self.libdirs = ["lib"]
        self.bindirs = ["bin"]
        self.components = _Components()

    def set_property(self, name, value):
        self._properties[name] = value

    def get_property(self, name):
        return self._properties.get(name)


class _Output:
    def info(self, msg):
        print(f"conan-stand-in: {msg}")

    warning = info
    error = info


class _Folders:
    def __init__(self):
        self.source = "."
        self.build = "build"
        self.generators = "build/generators"


class ConanFile:
    name = None
    version = None
    settings = ()
    options = {}
    default_options = {}
    package_type = None

    def __init__(self, recipe_folder, settings, options=None):
        self.recipe_folder = recipe_folder
        self.settings = settings
        values = dict(type(self).default_options)
        values.update(options or {})
        self.options = _Values(values)
        self.info = _Info(self)
        self.cpp_info = _CppInfo()
        self.output = _Output()
        self.folders = _Folders()
        self.conf = {}
        self.requirements_declared = []
        self.layout_called = None
        self.export_sources_folder = None
        self.source_folder = None
        self.build_folder = None
        self.package_folder = None
        self.generators_folder = None

    def requires(self, reference, **traits):
        self.requirements_declared.append((reference, traits))

    def run(self, command, **kwargs):
        subprocess.run(command, shell=True, check=True)


def check_min_cppstd(conanfile, cppstd):
    value = conanfile.settings.get_safe("compiler.cppstd")
    if value is None:
        return
    have = int(re.sub(r"^gnu", "", str(value)))
    if have < int(cppstd):
        raise ConanInvalidConfiguration(f"requires C++{cppstd}, compiler.cppstd is {value}")


def can_run(conanfile):
    return True


def cmake_layout(conanfile, src_folder="."):
    conanfile.layout_called = ("cmake_layout", src_folder)
    conanfile.folders.source = src_folder


def _cmake_value(value):
    if isinstance(value, bool):
        return "ON" if value else "OFF"
    return str(value)


class CMakeToolchain:
    def __init__(self, conanfile):
        self._conanfile = conanfile
        self.cache_variables = {}
        self.variables = {}

    def generate(self):
        # Conan passes these through CMakePresets.json / the toolchain file.
        self._conanfile._stand_in_cache = {k: _cmake_value(v) for k, v in
                                           {**self.variables, **self.cache_variables}.items()}


class CMakeDeps:
    def __init__(self, conanfile):
        self._conanfile = conanfile

    def generate(self):
        # Stand-in: the dependencies come from the system (Debian's libxxhash-dev,
        # robin-map-dev); only the fact that the recipe asks for it is recorded.
        self._conanfile._stand_in_cmakedeps = True


class CMake:
    def __init__(self, conanfile):
        self._c = conanfile

    def configure(self, variables=None, build_script_folder=None):
        c = self._c
        cache = dict(getattr(c, "_stand_in_cache", {}))
        cache.update({k: _cmake_value(v) for k, v in (variables or {}).items()})
        cmd = ["cmake", "-S", c.source_folder, "-B", c.build_folder,
               f"-DCMAKE_BUILD_TYPE={c.settings.build_type}",
               f"-DCMAKE_CXX_COMPILER={c._stand_in_cxx}",
               "-DCMAKE_INSTALL_LIBDIR=lib"] + c._stand_in_generator
        cmd += [f"-D{k}={v}" for k, v in sorted(cache.items())]
        _run(cmd)

    def build(self, target=None):
        _run(["cmake", "--build", self._c.build_folder] + (["--target", target] if target else []))

    def install(self):
        _run(["cmake", "--install", self._c.build_folder, "--prefix", self._c.package_folder])

    def test(self):
        pass


def copy(conanfile, pattern, src, dst, keep_path=True, excludes=None):
    copied = []
    for dirpath, _, files in os.walk(src):
        for f in files:
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, src)
            if not fnmatch.fnmatch(rel, pattern):
                continue
            target = os.path.join(dst, rel if keep_path else f)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(path, target)
            copied.append(target)
    return copied


def load(conanfile, path, encoding="utf-8"):
    with open(path, encoding=encoding) as f:
        return f.read()


def rmdir(conanfile, path):
    shutil.rmtree(path, ignore_errors=True)


def _install_stand_in():
    def module(name, **attrs):
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        sys.modules[name] = m
        return m

    conan = module("conan", ConanFile=ConanFile)
    conan.__path__ = []
    module("conan.errors", ConanException=ConanException, ConanInvalidConfiguration=ConanInvalidConfiguration)
    tools = module("conan.tools")
    tools.__path__ = []
    module("conan.tools.build", check_min_cppstd=check_min_cppstd, can_run=can_run)
    module("conan.tools.cmake", CMake=CMake, CMakeToolchain=CMakeToolchain, CMakeDeps=CMakeDeps,
           cmake_layout=cmake_layout)
    module("conan.tools.files", copy=copy, load=load, rmdir=rmdir)


def _import(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _recipe_class(mod):
    classes = [v for v in vars(mod).values()
               if isinstance(v, type) and issubclass(v, ConanFile) and v is not ConanFile]
    assert len(classes) == 1, f"expected one ConanFile class, found {classes}"
    return classes[0]


def _run(cmd, **kwargs):
    print("+ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kwargs)


def _check(cond, what):
    if not cond:
        raise AssertionError(what)
    print(f"ok   - {what}")


# ---------------------------------------------------------------------------
# The checks.
# ---------------------------------------------------------------------------
def project_version():
    with open(os.path.join(ROOT, "include", "dnsfilter", "config.hpp")) as f:
        text = f.read()
    header = ".".join(re.search(rf"^#define DNSFILTER_VERSION_{p} +([0-9]+)$", text, re.MULTILINE).group(1)
                      for p in ("MAJOR", "MINOR", "PATCH"))
    with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
        project = re.search(r"project\(\s*dnsfilter\s+VERSION\s+(\S+)", f.read()).group(1)
    _check(not re.match(r"[0-9]", project), f"CMakeLists.txt states no version of its own (project VERSION {project})")
    with open(os.path.join(ROOT, "ports", "dnsfilter", "vcpkg.json")) as f:
        port = json.load(f)["version-semver"]
    _check(port == header, f"the vcpkg port's literal follows config.hpp: vcpkg.json {port}, config.hpp {header}")
    return header


def make(recipe_cls, separate, cppstd="20", arch="x86_64", c_api=False):
    settings = _Settings("Linux", arch, _Compiler("gcc", "12", cppstd), "Release")
    return recipe_cls(os.path.join(ROOT, "conan"), settings,
                      {"separate_compilation": "True" if separate else "False",
                       "c_api": "True" if c_api else "False"})


def core_info(c):
    """The core library's cpp_info: the package's own, or its core component with c_api."""
    return c.cpp_info.components["core"] if c.cpp_info.components else c.cpp_info


def check_declarations(recipe_cls, separate, version, work, c_api=False):
    variant = ("separate_compilation=True" if separate else "default (header-only)") + (", c_api=True" if c_api else "")
    binary = separate or c_api
    c = make(recipe_cls, separate, c_api=c_api)
    _check(recipe_cls.name == "dnsfilter", "the package is called dnsfilter")
    _check(recipe_cls.license == "MIT", "licence MIT, as LICENSE says")
    _check(recipe_cls.package_type == "header-library", "the class declares package_type header-library")

    c.set_version()
    _check(c.version == version, f"set_version reads {version} from config.hpp")

    c.export_sources_folder = os.path.join(work, "export")
    shutil.rmtree(c.export_sources_folder, ignore_errors=True)
    c.export_sources()
    exported = {os.path.relpath(os.path.join(d, f), c.export_sources_folder)
                for d, _, fs in os.walk(c.export_sources_folder) for f in fs}
    for needed in ("CMakeLists.txt", "LICENSE", "cmake/FindxxHash.cmake", "cmake/dnsfilterConfig.cmake.in",
                   "cmake/dnsfilter.pc.in", "cmake/dnsfilter-c.pc.in", "include/dnsfilter/dnsfilter.hpp",
                   "include/dnsfilter/src.hpp", "include/dnsfilter.h", "src/dnsfilter.cpp", "src/c_api.cpp"):
        _check(needed in exported, f"export_sources exports {needed}")
    _check(not any(p.split("/")[0] in ("tests", "examples", "bench", "build") for p in exported),
           "export_sources leaves out tests, examples, benchmarks and build trees")

    c.configure()
    want_type = "static-library" if binary else "header-library"
    _check(c.package_type == want_type, f"{variant}: package_type {want_type}")

    c.requirements()
    refs = {ref.split("/")[0]: (ref, traits) for ref, traits in c.requirements_declared}
    _check(set(refs) == {"xxhash", "tsl-robin-map"}, "requires xxhash and tsl-robin-map, nothing else")
    for name, (ref, traits) in refs.items():
        _check(traits.get("transitive_headers") is True, f"{ref}: transitive_headers=True")
        _check(re.fullmatch(rf"{name}/\[[^\]]+\]", ref) is not None, f"{ref}: a version range")

    c.validate()
    try:
        make(recipe_cls, separate, cppstd="17", c_api=c_api).validate()
        _check(False, "validate() refuses C++17")
    except ConanInvalidConfiguration:
        _check(True, "validate() refuses C++17")

    c.package_id()
    _check(c.info.cleared == (not binary),
           f"{variant}: package_id {'kept (one binary per configuration)' if binary else 'cleared'}")

    c.layout()
    _check(c.layout_called is not None and c.layout_called[0] == "cmake_layout", "layout() uses cmake_layout")

    c.package_info()
    _check(c.cpp_info.get_property("cmake_file_name") == "dnsfilter",
           "cmake_file_name dnsfilter (find_package(dnsfilter))")
    core = core_info(c)
    _check(bool(c.cpp_info.components) == c_api, f"{variant}: {'components core and c_api' if c_api else 'no components'}")
    props = core._properties
    _check(props.get("cmake_target_name") == "dnsfilter::dnsfilter", "cmake_target_name dnsfilter::dnsfilter")
    _check(props.get("pkg_config_name") == "dnsfilter", "pkg_config_name dnsfilter (dnsfilter.pc)")
    _check(sorted(core.requires) == ["tsl-robin-map::tsl-robin-map", "xxhash::xxhash"],
           "cpp_info.requires xxhash::xxhash and tsl-robin-map::tsl-robin-map")
    _check(core.system_libs == [], "x86_64: no system libs")
    mips = make(recipe_cls, separate, arch="mips", c_api=c_api)
    mips.set_version()
    mips.configure()
    mips.package_info()
    _check(core_info(mips).system_libs == ["atomic"],
           "mips (no 64-bit atomics): system_libs [atomic], as CMakeLists.txt's link check decides")
    if separate:
        _check(core.libs == ["dnsfilter"], "separate: libs [dnsfilter]")
        _check(core.defines == ["DNSFILTER_SEPARATE_COMPILATION"],
               "separate: defines DNSFILTER_SEPARATE_COMPILATION (as our CMake target does)")
    else:
        _check(core.libs == [] and core.libdirs == [] and core.bindirs == [],
               "header-only: no libs, libdirs or bindirs")
        _check(core.defines == [], "header-only: no defines")
    if c_api:
        root, capi = c.cpp_info, c.cpp_info.components["c_api"]
        _check(set(c.cpp_info.components) == {"core", "c_api"}, "c_api: components core and c_api, no other")
        _check(root.get_property("cmake_target_name") not in ("dnsfilter::dnsfilter", "dnsfilter::dnsfilter_c"),
               "c_api: the package's own target is neither component's")
        _check(capi.get_property("cmake_target_name") == "dnsfilter::dnsfilter_c",
               "c_api: cmake_target_name dnsfilter::dnsfilter_c")
        _check(capi.get_property("pkg_config_name") == "dnsfilter-c", "c_api: pkg_config_name dnsfilter-c")
        _check(capi.libs == ["dnsfilter_c"] and capi.requires == ["core"], "c_api: libs [dnsfilter_c], requires core")
        _check(capi.system_libs == ["stdc++", "m"], "c_api: the C++ runtime for C programs (stdc++, m)")
    return c


def build_and_package(recipe_cls, separate, work, cxx, generator, c_api=False):
    c = make(recipe_cls, separate, c_api=c_api)
    c.set_version()
    c.configure()
    c._stand_in_cxx = cxx
    c._stand_in_generator = generator
    c.export_sources_folder = c.source_folder = os.path.join(work, "export")
    c.build_folder = os.path.join(work, "build")
    c.generators_folder = os.path.join(work, "build", "generators")
    c.package_folder = os.path.join(work, "package")
    for d in (c.build_folder, c.package_folder):
        shutil.rmtree(d, ignore_errors=True)
    c.export_sources()
    c.generate()
    _check(getattr(c, "_stand_in_cmakedeps", False), "generate() runs CMakeDeps")
    cache = c._stand_in_cache
    _check(cache.get("DNSFILTER_SEPARATE_COMPILATION") == ("ON" if separate else "OFF"),
           "generate() passes DNSFILTER_SEPARATE_COMPILATION")
    _check(cache.get("DNSFILTER_C_API") == ("ON" if c_api else "OFF"), "generate() passes DNSFILTER_C_API")
    for off in ("DNSFILTER_BUILD_TESTS", "DNSFILTER_BUILD_EXAMPLES", "DNSFILTER_BUILD_BENCH", "DNSFILTER_BUILD_FUZZ"):
        _check(cache.get(off) == "OFF", f"generate() turns {off} off")
    c.build()
    c.package()
    files = sorted(os.path.relpath(os.path.join(d, f), c.package_folder)
                   for d, _, fs in os.walk(c.package_folder) for f in fs)
    print("package folder:\n  " + "\n  ".join(files))
    _check("include/dnsfilter/dnsfilter.hpp" in files, "package: headers in include/")
    _check("licenses/LICENSE" in files, "package: licenses/LICENSE")
    _check(not any(f.startswith(("lib/cmake", "lib/pkgconfig", "share/")) for f in files),
           "package: no CMake or pkg-config files of ours (CMakeDeps/PkgConfigDeps make them)")
    if separate:
        _check("lib/libdnsfilter.a" in files, "package: lib/libdnsfilter.a")
    if c_api:
        _check("lib/libdnsfilter_c.a" in files and "include/dnsfilter.h" in files,
               "package: lib/libdnsfilter_c.a and include/dnsfilter.h")
    if not separate and not c_api:
        _check(not any(f.startswith(("lib/", "bin/")) for f in files), "package: header-only, no lib/ or bin/")
    c.package_info()
    return c


def cmakedeps_like_config(c, generators):
    """What CMakeDeps would generate for dnsfilter from package_info(), reduced
    to the essentials: an INTERFACE IMPORTED target per component (or for the
    package), the package's own linking them all; the dependencies come from
    the system packages."""
    os.makedirs(generators, exist_ok=True)
    components = c.cpp_info.components
    parts = dict(components) if components else {"": c.cpp_info}
    pkg = c.package_folder
    deps = {}
    targets = {}
    for name, info in parts.items():
        links = [os.path.join(pkg, info.libdirs[0], f"lib{lib}.a") for lib in info.libs]
        for req in info.requires:
            if "::" in req:
                deps[req] = CONAN_CENTER_CMAKE_NAMES[req.split("::")[0]]
                links.append(deps[req][1])
            else:  # another component of this package
                links.append(parts[req].get_property("cmake_target_name"))
        targets[info.get_property("cmake_target_name")] = (
            [os.path.join(pkg, d) for d in info.includedirs], info.defines, links + info.system_libs)
    if components:
        targets[c.cpp_info.get_property("cmake_target_name")] = (
            [], [], [info.get_property("cmake_target_name") for info in components.values()])
    lines = ["# Generated by tests/package/conan_recipe.py from package_info(), like CMakeDeps.",
             "include(CMakeFindDependencyMacro)",
             f'list(PREPEND CMAKE_MODULE_PATH "{os.path.join(ROOT, "cmake")}")  # FindxxHash for the system xxhash']
    lines += [f"find_dependency({f})" for f in sorted({f for f, _ in deps.values()})]
    for target, (includes, defines, links) in targets.items():
        lines += [f"if(NOT TARGET {target})",
                  f"  add_library({target} INTERFACE IMPORTED)",
                  f"  set_target_properties({target} PROPERTIES",
                  f'    INTERFACE_INCLUDE_DIRECTORIES "{";".join(includes)}"',
                  f'    INTERFACE_COMPILE_DEFINITIONS "{";".join(defines)}"',
                  f'    INTERFACE_LINK_LIBRARIES "{";".join(links)}")',
                  "endif()"]
    name = c.cpp_info.get_property("cmake_file_name")
    with open(os.path.join(generators, f"{name}-config.cmake"), "w") as f:
        f.write("\n".join(lines) + "\n")


def test_package(c, work, cxx, generator):
    tp_dir = os.path.join(ROOT, "conan", "test_package")
    tp = _recipe_class(_import(os.path.join(tp_dir, "conanfile.py"), "dnsfilter_test_package"))
    t = tp(tp_dir, make(type(c), False).settings)
    t.tested_reference_str = f"dnsfilter/{c.version}"
    t.requirements()
    _check([r for r, _ in t.requirements_declared] == [t.tested_reference_str],
           "test_package requires the tested reference")
    generators = os.path.join(work, "test_package", "generators")
    cmakedeps_like_config(c, generators)
    build = os.path.join(work, "test_package", "build")
    _run(["cmake", "-S", tp_dir, "-B", build, f"-DCMAKE_CXX_COMPILER={cxx}", "-DCMAKE_BUILD_TYPE=Release",
          f"-DCMAKE_PREFIX_PATH={generators}"] + generator)
    _run(["cmake", "--build", build])
    _run([os.path.join(build, "test_package")])
    _check(True, "conan/test_package builds and runs against the package through package_info()")
    if c.cpp_info.components:
        _run([os.path.join(build, "test_package_c")])
        _check(True, "conan/test_package's C program builds and runs against the c_api component")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--separate", action="store_true")
    ap.add_argument("--c-api", action="store_true")
    ap.add_argument("--build", metavar="WORK")
    ap.add_argument("--cxx", default=os.environ.get("CXX", "c++"))
    ap.add_argument("--generator", default="Ninja" if shutil.which("ninja") else "")
    args = ap.parse_args()
    generator = ["-G", args.generator] if args.generator else []

    _install_stand_in()
    recipe_cls = _recipe_class(_import(os.path.join(ROOT, "conan", "conanfile.py"), "dnsfilter_conanfile"))
    work = os.path.abspath(args.build) if args.build else os.path.join(
        os.environ.get("TMPDIR", "/tmp"), f"dnsfilter-conan-recipe-{os.getpid()}")
    os.makedirs(work, exist_ok=True)
    version = project_version()
    check_declarations(recipe_cls, args.separate, version, work, args.c_api)
    if args.build:
        c = build_and_package(recipe_cls, args.separate, work, args.cxx, generator, args.c_api)
        test_package(c, work, args.cxx, generator)
    else:
        shutil.rmtree(work, ignore_errors=True)
    print("conan recipe: all checks passed")


if __name__ == "__main__":
    main()
