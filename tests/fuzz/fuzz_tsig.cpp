// libFuzzer target: TSIG verification (xfr/tsig.hpp) of messages from a
// hostile peer, with the tests' stand-in HMAC (tests/support/test_hmac.hpp:
// no crypto library in the fuzz build).
//
// Input: one byte (bit 0: the messages are an answer stream to our request,
// whose MAC is 32 octets of 0x11; else a request from a peer), then messages
// as on TCP, each behind a 2-octet length. The key is transfer.key,
// hmac-sha256, secret "secret-secret-secret-secret-1234"; the clock reads
// 1765000000 — as in the seed corpus (make_corpus.py signs it the same way).
// Properties, any breach aborts:
//   - once verify() fails it keeps failing, and finish() fails;
//   - a verified signed message has a TSIG record of our key, last;
//   - finish() succeeds only when the last message verified was signed;
//   - any message without a TSIG record, signed by sign_request(), verifies
//     as a request and still parses (signing and verifying agree).
#include <dnsfilter/dnsfilter.hpp>

#include "fuzz_check.hpp"
#include "test_hmac.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace {

using namespace dnsfilter;
using dnsfilter_fuzz::check;

constexpr std::uint64_t now = 1765000000;

const xfr::tsig_key& key() {
  static const xfr::tsig_key k = [] {
    constexpr std::string_view secret = "secret-secret-secret-secret-1234";
    return xfr::tsig_key::make(wire::name::from_text("transfer.key").value(), xfr::tsig_algorithm::hmac_sha256,
                               std::as_bytes(std::span(secret.data(), secret.size())))
        .value();
  }();
  return k;
}

// Signs a copy of a message that has no TSIG record and checks it verifies.
void sign_and_verify(const wire::message_view& m) {
  std::vector<std::byte> buffer(m.bytes().begin(), m.bytes().end());
  buffer.resize(m.bytes().size() + 200);
  dnsfilter_test::test_hmac hmac;
  xfr::tsig_mac mac;
  const auto size = xfr::sign_request(buffer, m.bytes().size(), key(), hmac, now, mac);
  if (!size) {
    check(size.error() == errc::out_of_range || size.error() == errc::no_space, "signing failed for another reason");
    return;
  }
  const auto signed_message = wire::message_view::parse(std::span<const std::byte>(buffer.data(), *size));
  check(static_cast<bool>(signed_message), "a signed message no longer parses");
  xfr::tsig_verifier verifier{key(), hmac};
  check(static_cast<bool>(verifier.verify(*signed_message, now)), "a message we signed does not verify");
  check(static_cast<bool>(verifier.finish()), "finish() after a verified request");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bool answer = (data[0] & 1) != 0;
  dnsfilter_test::test_hmac hmac;
  xfr::tsig_mac request_mac;
  std::memset(request_mac.bytes.data(), 0x11, 32);
  request_mac.size = 32;
  xfr::tsig_verifier verifier = answer ? xfr::tsig_verifier{key(), hmac, request_mac} : xfr::tsig_verifier{key(), hmac};
  bool failed = false, last_signed = false, signed_once = false;
  dnsfilter_fuzz::for_each_framed(data, size, 1, [&](std::span<const std::byte> message) {
    const auto parsed = wire::message_view::parse(message);
    if (!parsed) return;
    const auto tsig = xfr::read_tsig(*parsed);
    if (tsig && !*tsig && !signed_once) {
      sign_and_verify(*parsed);
      signed_once = true;
    }
    const auto v = verifier.verify(*parsed, now);
    check(!failed || !v, "verify succeeded after a failure");
    if (!v) {
      failed = true;
      return;
    }
    check(static_cast<bool>(tsig), "verified a message whose TSIG record is malformed");
    last_signed = tsig->has_value();
    if (last_signed) {
      check((*tsig)->key_name == key().name, "verified a message signed with another key");
      check((*tsig)->offset < parsed->bytes().size(), "the TSIG record lies outside the message");
    }
  });
  const auto finished = verifier.finish();
  if (failed) check(!finished, "finish() succeeded after a failure");
  if (finished) check(last_signed, "finish() succeeded on an unsigned last message");
  return 0;
}
