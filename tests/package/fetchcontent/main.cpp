// Consumer-package test program: it only has to compile, link and run.
#include <dnsfilter/dnsfilter.hpp>

static_assert(DNSFILTER_VERSION_MAJOR == 0, "unexpected dnsfilter major version");

int main() {
    return 0;
}
