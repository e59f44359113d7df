// A stand-in for the caller's HMAC in structural TSIG tests and the fuzz
// target, where no crypto library is linked (cross builds, libFuzzer): keyed
// FNV-1a, stretched to the algorithm's digest size. NOT a MAC and never to be
// used as one; it is deterministic, and any change of one input octet changes
// its output, which is all that sign/verify/tamper tests need. Real HMACs are
// checked with OpenSSL in the host-only known-answer tests.
#pragma once

#include <dnsfilter/xfr/tsig.hpp>

#include <cstdint>

namespace dnsfilter_test {

class test_hmac final : public dnsfilter::xfr::tsig_hmac {
 public:
  std::size_t begins = 0;  // MACs started: the tests count them
  bool refuse = false;     // begin() fails, as an HMAC without the algorithm would

  bool begin(dnsfilter::xfr::tsig_algorithm algorithm, std::span<const std::byte> secret) noexcept override {
    ++begins;
    h_ = 14695981039346656037u ^ static_cast<std::uint64_t>(algorithm);
    update(secret);
    return !refuse;
  }
  void update(std::span<const std::byte> data) noexcept override {
    for (std::byte b : data) h_ = (h_ ^ static_cast<std::uint8_t>(b)) * 1099511628211u;
  }
  bool finish(std::span<std::byte> out) noexcept override {
    std::uint64_t h = h_;
    for (std::size_t i = 0; i < out.size(); ++i) {
      h = (h ^ i) * 1099511628211u;
      out[i] = static_cast<std::byte>(h >> 56);
    }
    return true;
  }

 private:
  std::uint64_t h_ = 0;
};

}  // namespace dnsfilter_test
