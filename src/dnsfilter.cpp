// The one translation unit of the separate-compilation mode
// (DNSFILTER_SEPARATE_COMPILATION=ON): it compiles every non-template
// definition of the library exactly once.
#include <dnsfilter/src.hpp>
