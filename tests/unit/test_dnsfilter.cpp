// Smoke test: the umbrella header compiles on its own and its version macros
// state the version CMake's project() declares.
#include <dnsfilter/dnsfilter.hpp>

#include <doctest/doctest.h>

#include <string>

TEST_CASE("umbrella header exposes the project's version") {
  static_assert(DNSFILTER_VERSION_MAJOR >= 0 && DNSFILTER_VERSION_MINOR >= 0 && DNSFILTER_VERSION_PATCH >= 0);
  const std::string header_version = std::to_string(DNSFILTER_VERSION_MAJOR) + "." +
                                     std::to_string(DNSFILTER_VERSION_MINOR) + "." +
                                     std::to_string(DNSFILTER_VERSION_PATCH);
  CHECK(header_version == DNSFILTER_TEST_PROJECT_VERSION);  // tests/CMakeLists.txt passes PROJECT_VERSION
}
