// libFuzzer target: TSIG key files and -y arguments (xfr/key_file.hpp).
// Input: the text of a key file, also read as a -y argument.
// Properties, any breach aborts:
//   - a refused file has a diagnostic: a message and a line within the text;
//   - an accepted file has at least one key, each with a secret, and no name twice.
#include <dnsfilter/dnsfilter.hpp>

#include "fuzz_check.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dnsfilter;
  using dnsfilter_fuzz::check;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::size_t lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  diagnostic error;
  const auto keys = xfr::parse_key_file(text, error);
  if (!keys) {
    check(keys.error() == errc::bad_key_file, "a refused file with another error");
    check(!error.message.empty() && error.line <= lines, "a refused file without a usable diagnostic");
  } else {
    check(!keys->empty(), "an accepted file without keys");
    for (std::size_t i = 0; i < keys->size(); ++i) {
      check(!(*keys)[i].secret().empty(), "a key without a secret");
      for (std::size_t j = 0; j < i; ++j) check(!((*keys)[i].name == (*keys)[j].name), "a key name twice");
    }
  }
  diagnostic argument_error;
  const auto key = xfr::parse_key_argument(text, argument_error);
  if (!key) check(!argument_error.message.empty(), "a refused -y argument without a message");
  return 0;
}
