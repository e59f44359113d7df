// dnsfilter-resolver — a build without libfstrm and protobuf-c: --dnstap is
// refused when the resolver starts (dnstap_output.hpp).
#include "dnstap_encode.hpp"
#include "dnstap_output.hpp"

namespace resolver::dnstap {

void encode(const event&, const identity&, const dnsfilter::stats::query_log_options&, frames&) {}
std::string encode(const event&, const identity&, const dnsfilter::stats::query_log_options&) { return {}; }

outcome<std::unique_ptr<output>> output::open(const output_options&) {
  return failure{dnsfilter::errc::invalid_argument,
                 "--dnstap: this dnsfilter-resolver was built without dnstap (install libfstrm-dev, "
                 "libprotobuf-c-dev and protobuf-c-compiler, and build again)"};
}
output::~output() = default;
void output::submit(frames& batch) noexcept { batch.clear(); }
bool output::stop(std::chrono::milliseconds) { return true; }
std::size_t output::queued() const { return 0; }

}  // namespace resolver::dnstap
