// TSIG key files (xfr/key_file.hpp): BIND's key statements as tsig-keygen
// writes them, Knot's key section as keymgr -t writes it, the -y argument of
// dig and kdig; and hostile files, each refused with its line and a reason.
#include <dnsfilter/xfr/key_file.hpp>

#include <doctest/doctest.h>

#include <string>
#include <string_view>

namespace wire = dnsfilter::wire;
namespace xfr = dnsfilter::xfr;
using dnsfilter::errc;

namespace {

// The secret of "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ=".
constexpr std::string_view secret = "secret-secret-secret-secret-1234";

std::string secret_of(const xfr::tsig_key& k) {
  return std::string(reinterpret_cast<const char*>(k.secret().data()), k.secret().size());
}

// The diagnostic of a refused file, as "line: message".
std::string refusal(std::string_view text) {
  dnsfilter::diagnostic d;
  const auto keys = xfr::parse_key_file(text, d);
  if (keys) return "accepted";
  CHECK(keys.error() == errc::bad_key_file);
  return std::to_string(d.line) + ": " + d.message;
}

}  // namespace

TEST_CASE("key file: BIND's form, as tsig-keygen writes it") {
  dnsfilter::diagnostic d;
  const auto keys = xfr::parse_key_file(
      "# made by tsig-keygen\n"
      "key \"transfer.key\" {\n"
      "\talgorithm hmac-sha256;\n"
      "\tsecret \"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ=\";\n"
      "};\n"
      "/* a second key,\n   in a block comment's company */\n"
      "key other. { secret \"Zm9vYmFy\"; algorithm HMAC-SHA512; }; // trailing comment\n",
      d);
  REQUIRE(keys);
  REQUIRE(keys->size() == 2);
  CHECK((*keys)[0].name == wire::name::from_text("transfer.key").value());
  CHECK((*keys)[0].algorithm == xfr::tsig_algorithm::hmac_sha256);
  CHECK(secret_of((*keys)[0]) == secret);
  CHECK((*keys)[1].name == wire::name::from_text("other").value());
  CHECK((*keys)[1].algorithm == xfr::tsig_algorithm::hmac_sha512);
  CHECK(secret_of((*keys)[1]) == "foobar");
}

TEST_CASE("key file: Knot's form, as keymgr -t writes it") {
  dnsfilter::diagnostic d;
  const auto keys = xfr::parse_key_file(
      "# hmac-sha256:transfer.key:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ=\n"
      "key:\n"
      "  - id: transfer.key\n"
      "    algorithm: hmac-sha256\n"
      "    secret: c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ=\n"
      "\n"
      "  - id: \"second\"   # quoted\n"
      "    secret: 'Zm9vYmFy'\r\n"
      "    algorithm: hmac-sha1\n",
      d);
  REQUIRE(keys);
  REQUIRE(keys->size() == 2);
  CHECK((*keys)[0].name == wire::name::from_text("transfer.key").value());
  CHECK(secret_of((*keys)[0]) == secret);
  CHECK((*keys)[1].name == wire::name::from_text("second").value());
  CHECK((*keys)[1].algorithm == xfr::tsig_algorithm::hmac_sha1);
  CHECK(secret_of((*keys)[1]) == "foobar");
}

TEST_CASE("key file: the -y argument of dig and kdig") {
  dnsfilter::diagnostic d;
  auto k = xfr::parse_key_argument("hmac-sha384:transfer.key:Zm9vYmFy", d);
  REQUIRE(k);
  CHECK(k->algorithm == xfr::tsig_algorithm::hmac_sha384);
  CHECK(k->name == wire::name::from_text("transfer.key").value());
  CHECK(secret_of(*k) == "foobar");
  k = xfr::parse_key_argument("transfer.key:Zm9vYmFy", d);
  REQUIRE(k);
  CHECK(k->algorithm == xfr::tsig_algorithm::hmac_sha256);
  CHECK(xfr::parse_key_argument("transfer.key", d).error() == errc::bad_key_file);
  CHECK(xfr::parse_key_argument("hmac-md5:k:Zm9vYmFy", d).error() == errc::bad_key_file);
  CHECK(d.message.find("unsupported algorithm 'hmac-md5'") != std::string::npos);
  CHECK(xfr::parse_key_argument("k:Zm9vYmF", d).error() == errc::bad_key_file);
  CHECK(xfr::parse_key_argument(":Zm9vYmFy", d).error() == errc::bad_key_file);
  CHECK(xfr::parse_key_argument("a..b:Zm9vYmFy", d).error() == errc::bad_key_file);
}

TEST_CASE("key file: hostile files are refused with the line and the reason") {
  CHECK(refusal("") == "0: no key in the file");
  CHECK(refusal("# nothing\n\n") == "0: no key in the file");
  CHECK(refusal("options { };") == "1: expected a key statement (key \"name\" { ... };), found 'options'");
  CHECK(refusal("key \"k\" {\n algorithm hmac-sha256;\n};") == "1: key 'k' has no secret");
  CHECK(refusal("key \"k\" {\n secret \"Zm9v\";\n};") == "1: key 'k' has no algorithm");
  CHECK(refusal("key \"k\" {\n algorithm hmac-sha256;\n secret \"Zm9v!\";\n};") ==
        "1: secret of key 'k' is not valid base64");
  CHECK(refusal("key \"k\" {\n algorithm hmac-sha256;\n secret \"\";\n};") == "1: secret of key 'k' is empty");
  CHECK(refusal("key \"k\" {\n algorithm rot13;\n secret \"Zm9v\";\n};").find("unsupported algorithm 'rot13'") !=
        std::string::npos);
  CHECK(refusal("key \"k\" {\n algorithm hmac-sha256;\n algorithm hmac-sha1;\n};") ==
        "3: 'algorithm' given twice in key 'k'");
  CHECK(refusal("key \"k\" {\n keep-it; };") == "2: unknown statement 'keep-it' in key 'k'");
  CHECK(refusal("key \"k\" {\n algorithm hmac-sha256;\n secret \"Zm9v\";\n}") ==
        "4: expected ';' after the key's '}', found the end of the file");
  CHECK(refusal("key \"k\" {\n secret \"Zm9v\n\";\n};") == "2: a quoted string must be one line without escapes");
  CHECK(refusal("key \"k\" {\n secret \"Zm9v") == "2: unterminated quoted string");
  CHECK(refusal("/* never closed\nkey \"k\" {};") == "1: unterminated /* comment");
  CHECK(refusal("key \"k\" { algorithm hmac-sha256; secret \"Zm9v\"; };\nkey \"K\" { algorithm hmac-sha256; "
                "secret \"Zm9v\"; };") == "2: key 'K' is defined twice");
  CHECK(refusal("key \"a..b\" { algorithm hmac-sha256; secret \"Zm9v\"; };").find("1: bad key name 'a..b'") == 0);
  CHECK(refusal(std::string_view("key \"k\" {\n\0 };", 13)) == "2: unexpected byte");
  const std::string long_secret = "key k { algorithm hmac-sha256; secret \"" + std::string(400, 'A') + "\"; };";
  CHECK(refusal(long_secret) == "1: secret of key 'k' is longer than 256 octets");

  CHECK(refusal("key:\n  - id: k\n    algorithm: hmac-sha256\n") == "2: key 'k' has no secret");
  CHECK(refusal("key:\n  - id: k\n    colour: blue\n") == "3: unknown key option 'colour' (id, algorithm, secret)");
  CHECK(refusal("key:\n  - id: k\n    secret: \"Zm9v\n") == "3: unbalanced quotes in 'secret: \"Zm9v'");
  CHECK(refusal("key:\n  - id: k\n    secret Zm9v\n") == "3: expected 'option: value', found 'secret Zm9v'");
  CHECK(refusal("key:\n    algorithm: hmac-sha256\n") ==
        "2: expected a key item ('- id: name'), found 'algorithm: hmac-sha256'");
  CHECK(refusal("key:\n  - id: k\nserver:\n") == "3: expected 'key:', the section of TSIG keys, found 'server:'");
  CHECK(refusal("key:\n  - id: k\n    secret: Zm9v\n    secret: Zm9v\n") == "4: 'secret' given twice in key 'k'");
  CHECK(refusal("key:\n  - id: k\n    id: j\n") == "3: 'id' given twice in one key");
  CHECK(refusal(std::string_view("key:\n  - id: k\x01\n", 15)).find("2: binary data") == 0);
}
