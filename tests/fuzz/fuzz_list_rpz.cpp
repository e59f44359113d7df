// libFuzzer target: the rpz list loader (lists::load_rpz); the invariants
// are in list_fuzz_common.hpp.
#include "list_fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return dnsfilter_fuzz::run("fuzz_list_rpz", dnsfilter::lists::load_rpz, dnsfilter_fuzz::lines_per_record::one_or_fewer, data,
                             size);
}
