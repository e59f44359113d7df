// libFuzzer target: the hosts list loader (lists::load_hosts); the invariants
// are in list_fuzz_common.hpp.
#include "list_fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return dnsfilter_fuzz::run("fuzz_list_hosts", dnsfilter::lists::load_hosts, dnsfilter_fuzz::lines_per_record::one_or_more, data,
                             size);
}
