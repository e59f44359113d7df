// OpenSSL's HMAC behind dnsfilter's xfr::tsig_hmac: the library computes no
// MAC itself, the program plugs one in. EVP_MAC (OpenSSL 3) because a signed
// zone transfer needs an HMAC fed piece by piece (begin, update..., finish).
#pragma once

#include <dnsfilter/xfr/tsig.hpp>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

class openssl_hmac final : public dnsfilter::xfr::tsig_hmac {
 public:
  openssl_hmac() noexcept : mac_(EVP_MAC_fetch(nullptr, "HMAC", nullptr)), ctx_(mac_ ? EVP_MAC_CTX_new(mac_) : nullptr) {}
  ~openssl_hmac() override {
    EVP_MAC_CTX_free(ctx_);
    EVP_MAC_free(mac_);
  }
  openssl_hmac(const openssl_hmac&) = delete;
  openssl_hmac& operator=(const openssl_hmac&) = delete;

  bool begin(dnsfilter::xfr::tsig_algorithm algorithm, std::span<const std::byte> secret) noexcept override {
    using dnsfilter::xfr::tsig_algorithm;
    const char* digest = algorithm == tsig_algorithm::hmac_sha1     ? "SHA1"
                         : algorithm == tsig_algorithm::hmac_sha224 ? "SHA224"
                         : algorithm == tsig_algorithm::hmac_sha256 ? "SHA256"
                         : algorithm == tsig_algorithm::hmac_sha384 ? "SHA384"
                                                                    : "SHA512";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
                           OSSL_PARAM_construct_end()};
    ok_ = ctx_ != nullptr &&
          EVP_MAC_init(ctx_, reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), params) == 1;
    return ok_;
  }
  void update(std::span<const std::byte> data) noexcept override {
    if (ok_ && !data.empty())
      ok_ = EVP_MAC_update(ctx_, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  }
  bool finish(std::span<std::byte> out) noexcept override {
    std::size_t written = 0;
    const bool done = ok_ && EVP_MAC_final(ctx_, reinterpret_cast<unsigned char*>(out.data()), &written, out.size()) == 1;
    ok_ = false;
    return done && written == out.size();
  }

 private:
  EVP_MAC* mac_;
  EVP_MAC_CTX* ctx_;
  bool ok_ = false;
};
