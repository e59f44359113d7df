// dnsfilter-resolver unit tests: the parts that need no socket.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
