// EDNS(0): the OPT fields, the option list, and the typed options
// (Client Subnet, RFC 7871; Extended DNS Errors, RFC 8914).
#include <dnsfilter/wire/edns.hpp>

#include "hex.hpp"

#include <string>
#include <string_view>
#include <vector>

using dnsfilter::errc;
using dnsfilter::wire::client_subnet;
using dnsfilter::wire::edns;
using dnsfilter::wire::edns_option;
using dnsfilter::wire::extended_error;
using dnsfilter_test::hex;
using dnsfilter_test::to_hex;

namespace {

std::vector<std::string> option_list(const edns& e) {
  std::vector<std::string> out;
  for (edns_option opt : e.options()) out.push_back(std::to_string(opt.code) + ":" + to_hex(opt.data));
  return out;
}

errc subnet_error(std::string_view data_hex) {
  auto s = client_subnet::decode(hex(data_hex));
  return s ? errc::ok : s.error();
}

// Encodes `s` and returns the option data in hex, or the error's name.
std::string encoded(const client_subnet& s) {
  std::array<std::byte, 20> buf{};
  auto n = s.encode(buf);
  if (!n) return dnsfilter::to_string(n.error());
  return to_hex(std::span(buf).first(*n));
}

client_subnet subnet(std::uint16_t family, std::uint8_t source, std::string_view address_hex) {
  client_subnet s;
  s.family = family;
  s.source_prefix = source;
  const auto bytes = hex(address_hex);
  std::copy(bytes.begin(), bytes.end(), s.address.begin());
  return s;
}

}  // namespace

TEST_CASE("OPT CLASS and TTL fields") {
  // CLASS 4096; TTL: extended rcode 0x01, version 0x02, DO plus Z bits 0x0123.
  const auto options = hex("");
  auto e = edns::decode(4096, 0x01028123u, options);
  REQUIRE(e);
  CHECK(e->udp_payload_size == 4096);
  CHECK(e->extended_rcode == 1);
  CHECK(e->version == 2);
  CHECK(e->dnssec_ok);
  CHECK(e->z == 0x0123);
  CHECK(e->encode_ttl() == 0x01028123u);

  edns plain;
  CHECK(plain.encode_ttl() == 0);
  plain.dnssec_ok = true;
  CHECK(plain.encode_ttl() == 0x8000u);
  plain.z = 0xFFFF;  // only fifteen bits are Z; the top one is DO
  CHECK(plain.encode_ttl() == 0xFFFFu);
  plain.dnssec_ok = false;
  CHECK(plain.encode_ttl() == 0x7FFFu);
}

TEST_CASE("effective payload size is at least 512") {
  edns e;
  for (auto [sent, effective] : {std::pair{0, 512}, {511, 512}, {512, 512}, {1232, 1232}, {65535, 65535}}) {
    e.udp_payload_size = static_cast<std::uint16_t>(sent);
    CHECK(e.effective_payload_size() == effective);
  }
}

TEST_CASE("options are (code, bytes) views, unknown ones kept as they are") {
  const auto rdata = hex(
      "000a 0008 0011223344556677"  // COOKIE
      "fde9 0003 616263"            // a private-use code: kept verbatim
      "000c 0000"                   // PADDING, empty
      "fde9 0001 7a");              // the same code again
  auto e = edns::decode(1232, 0, rdata);
  REQUIRE(e);
  CHECK(option_list(*e) == std::vector<std::string>{"10:0011223344556677", "65001:616263", "12:", "65001:7a"});
  CHECK(e->options_data.data() == rdata.data());

  edns_option found;
  REQUIRE(e->find(0xfde9, found));
  CHECK(to_hex(found.data) == "616263");  // the first of two
  CHECK(found.data.data() == rdata.data() + 16);
  REQUIRE(e->find(dnsfilter::wire::option_code::padding, found));
  CHECK(found.data.empty());
  CHECK_FALSE(e->find(dnsfilter::wire::option_code::nsid, found));
}

TEST_CASE("validate_options checks lengths and Client Subnet") {
  auto check = [](std::string_view rdata_hex) {
    const auto bytes = hex(rdata_hex);
    auto r = dnsfilter::wire::validate_options(bytes);
    CHECK(edns::decode(512, 0, bytes).error() == r.error());
    return r ? errc::ok : r.error();
  };
  CHECK(check("") == errc::ok);
  CHECK(check("0003 0000") == errc::ok);
  CHECK(check("0003") == errc::bad_option);
  CHECK(check("0003 0001") == errc::bad_option);
  CHECK(check("0003 0002 61") == errc::bad_option);
  CHECK(check("0003 0001 61 00") == errc::bad_option);
  CHECK(check("0008 0004 0001 0000") == errc::ok);
  CHECK(check("0008 0004 0001 0100") == errc::bad_option);  // /1 needs one address octet
}

TEST_CASE("Client Subnet decodes IPv4, IPv6 and the zero prefix") {
  auto v4 = client_subnet::decode(hex("0001 18 10 c00002"));  // 192.0.2.0/24, scope /16
  REQUIRE(v4);
  CHECK(v4->family == client_subnet::family_ipv4);
  CHECK(v4->source_prefix == 24);
  CHECK(v4->scope_prefix == 16);
  CHECK(v4->address_bits() == 32);
  CHECK(v4->wire_address_size() == 3);
  CHECK(to_hex(v4->address) == "c0000200000000000000000000000000");

  auto v6 = client_subnet::decode(hex("0002 38 00 20010db8abcdef"));  // 2001:db8:abcd:ef00::/56
  REQUIRE(v6);
  CHECK(v6->family == client_subnet::family_ipv6);
  CHECK(v6->address_bits() == 128);
  CHECK(v6->wire_address_size() == 7);
  CHECK(to_hex(std::span(v6->address).first(8)) == "20010db8abcdef00");

  auto full6 = client_subnet::decode(hex("0002 80 80 20010db8000000000000000000000001"));
  REQUIRE(full6);
  CHECK(full6->source_prefix == 128);

  auto zero = client_subnet::decode(hex("0001 00 00"));
  REQUIRE(zero);
  CHECK(zero->source_prefix == 0);
  CHECK(zero->wire_address_size() == 0);
}

TEST_CASE("malformed Client Subnet data is bad_option") {
  CHECK(subnet_error("") == errc::bad_option);
  CHECK(subnet_error("0001 18") == errc::bad_option);                       // shorter than 4 octets
  CHECK(subnet_error("0000 00 00") == errc::bad_option);                    // family 0
  CHECK(subnet_error("0003 00 00") == errc::bad_option);                    // family 3
  CHECK(subnet_error("0001 21 00 c0000201 00") == errc::bad_option);        // /33
  CHECK(subnet_error("0001 20 21 c0000201") == errc::bad_option);           // scope /33
  CHECK(subnet_error("0002 81 00 20010db8000000000000000000000001 00") == errc::bad_option);  // /129
  CHECK(subnet_error("0001 18 00 c00002 00") == errc::bad_option);          // too many address octets
  CHECK(subnet_error("0001 18 00 c000") == errc::bad_option);               // too few
  CHECK(subnet_error("0001 00 00 00") == errc::bad_option);                 // /0 with an octet
  CHECK(subnet_error("0001 19 00 c0000280") == errc::ok);                   // /25: the first bit only
  CHECK(subnet_error("0001 19 00 c0000240") == errc::bad_option);           // /25: the second bit set
  CHECK(subnet_error("0001 01 00 80") == errc::ok);
  CHECK(subnet_error("0001 01 00 c0") == errc::bad_option);
  CHECK(subnet_error("0001 07 00 fe") == errc::ok);
  CHECK(subnet_error("0001 07 00 ff") == errc::bad_option);
}

TEST_CASE("Client Subnet encodes only the prefix's octets, with the extra bits cleared") {
  CHECK(encoded(subnet(1, 24, "c0000201")) == "00011800c00002");
  CHECK(encoded(subnet(1, 23, "c00003ff")) == "00011700c00002");   // the bits past /23 are cleared
  CHECK(encoded(subnet(1, 32, "c0000201")) == "00012000c0000201");
  CHECK(encoded(subnet(1, 0, "c0000201")) == "00010000");
  CHECK(encoded(subnet(2, 56, "20010db8abcdefff")) == "0002380020010db8abcdef");
  CHECK(encoded(subnet(2, 128, "20010db8000000000000000000000001")) == "0002800020010db8000000000000000000000001");
  CHECK(encoded(subnet(1, 33, "")) == dnsfilter::to_string(errc::out_of_range));
  CHECK(encoded(subnet(2, 129, "")) == dnsfilter::to_string(errc::out_of_range));
  CHECK(encoded(subnet(7, 0, "")) == dnsfilter::to_string(errc::out_of_range));
  auto scoped = subnet(1, 8, "0a");
  scoped.scope_prefix = 33;
  CHECK(encoded(scoped) == dnsfilter::to_string(errc::out_of_range));

  std::array<std::byte, 6> small{};
  CHECK(subnet(1, 24, "c00002").encode(small).error() == errc::no_space);
  CHECK(subnet(1, 16, "c000").encode(small).value() == 6);

  // Encode then decode gives the same subnet back.
  const auto original = subnet(2, 61, "20010db8abcdeff8");
  std::array<std::byte, 20> buf{};
  auto n = original.encode(buf);
  REQUIRE(n);
  auto back = client_subnet::decode(std::span(buf).first(*n));
  REQUIRE(back);
  CHECK(back->source_prefix == 61);
  CHECK(to_hex(back->address) == to_hex(original.address));
}

TEST_CASE("Extended DNS Error: an INFO-CODE and an optional UTF-8 text") {
  const auto blocked = hex("000f 626c6f636b6564 20 4c53 e280 94 6f6b");  // 15, "blocked LS—ok"
  auto e = extended_error::decode(blocked);
  REQUIRE(e);
  CHECK(e->info_code == dnsfilter::wire::ede_code::blocked);
  CHECK(e->text == "blocked LS\xe2\x80\x94ok");
  CHECK(static_cast<const void*>(e->text.data()) == static_cast<const void*>(blocked.data() + 2));

  auto bare = extended_error::decode(hex("0011"));
  REQUIRE(bare);
  CHECK(bare->info_code == dnsfilter::wire::ede_code::filtered);
  CHECK(bare->text.empty());

  CHECK(extended_error::decode(hex("00")).error() == errc::bad_option);
  CHECK(extended_error::decode(hex("")).error() == errc::bad_option);
}
