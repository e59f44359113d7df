// Smoke test: the umbrella header compiles on its own and exposes the
// version macros.
#include <dnsfilter/dnsfilter.hpp>

#include <doctest/doctest.h>

TEST_CASE("umbrella header exposes the version") {
    CHECK(DNSFILTER_VERSION_MAJOR == 0);
}
