// libFuzzer target: the adblock list loader (lists::load_adblock); the invariants
// are in list_fuzz_common.hpp.
#include "list_fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return dnsfilter_fuzz::run("fuzz_list_adblock", dnsfilter::lists::load_adblock, dnsfilter_fuzz::lines_per_record::one, data,
                             size);
}
