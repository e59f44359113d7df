// The query log: SipHash-2-4, the client's privacy forms, the JSON line (golden,
// and escaping of any byte), the writers to a FILE* and a descriptor, and the
// recorder's guarantee that opted-out clients and exceptions are never logged.
#include <doctest/doctest.h>

#include <dnsfilter/detail/siphash.hpp>
#include <dnsfilter/stats.hpp>
#include <dnsfilter/wire/name.hpp>

#include "hex.hpp"

#include <array>
#include <cstdio>
#include <mutex>
#include <numeric>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

namespace stats = dnsfilter::stats;
namespace match = dnsfilter::match;
namespace wire = dnsfilter::wire;
using dnsfilter::errc;
using dnsfilter::policy::ip_address;

std::string client_text(const ip_address& a, const stats::query_log_options& opt) {
  std::array<char, 64> buf;
  const auto n = stats::format_client(a, opt, buf);
  REQUIRE(n.has_value());
  return std::string(buf.data(), *n);
}

std::string line_of(const stats::query_record& r, const stats::query_log_options& opt = {}) {
  std::array<char, stats::max_jsonl_length> buf;
  const auto n = stats::format_jsonl(r, opt, buf);
  REQUIRE(n.has_value());
  return std::string(buf.data(), *n);
}

// Keeps what it is given, for the tests of the recorder's logging.
struct capture_sink final : stats::query_log_sink {
  std::mutex mutex;
  std::vector<std::string> lines;
  void write(const stats::query_record& r) noexcept override {
    std::lock_guard lock(mutex);
    lines.push_back(line_of(r));
  }
};

const match::timestamp jan_15_10h = 1768471200;  // 2026-01-15T10:00:00Z

// A record of `name` (which must outlive it) at jan_15_10h, client 0.0.0.0.
stats::query_record record_of(wire::name_view name, std::string_view entry = "XX-1") {
  stats::query_record r;
  r.time = jan_15_10h;
  r.qname = name;
  r.entry = entry;
  return r;
}

}  // namespace
TEST_CASE("query log: SipHash-2-4 gives the paper's test vectors") {
  std::array<std::uint8_t, 16> key;
  std::iota(key.begin(), key.end(), std::uint8_t{0});
  std::array<std::uint8_t, 64> msg;
  std::iota(msg.begin(), msg.end(), std::uint8_t{0});
  const auto h = [&](std::size_t n) { return dnsfilter::detail::siphash24(key, std::span(msg.data(), n)); };
  CHECK(h(0) == 0x726fdb47dd0e0e31ULL);
  CHECK(h(1) == 0x74f839c593dc67fdULL);
  CHECK(h(8) == 0x93f5f5799a932462ULL);
  CHECK(h(15) == 0xa129ca6149be45e5ULL);  // the paper's appendix A
  static_assert(dnsfilter::detail::siphash24({}, {}) != 0);  // usable at compile time
}

TEST_CASE("query log: the client in full, truncated or keyed-hashed") {
  const auto v4 = ip_address::parse("192.0.2.77").value();
  const auto v6 = ip_address::parse("2001:db8:aa:bbcc::1").value();
  const auto mapped = ip_address::parse("::ffff:192.0.2.77").value();
  stats::query_log_options opt;
  opt.privacy = stats::client_privacy::full;
  CHECK(client_text(v4, opt) == "192.0.2.77");
  CHECK(client_text(v6, opt) == "2001:db8:aa:bbcc::1");
  CHECK(client_text(mapped, opt) == "192.0.2.77");

  opt.privacy = stats::client_privacy::truncated;  // the default: /24 and /56
  CHECK(client_text(v4, opt) == "192.0.2.0/24");
  CHECK(client_text(v6, opt) == "2001:db8:aa:bb00::/56");
  CHECK(client_text(mapped, opt) == "192.0.2.0/24");
  opt.v4_prefix = 16;
  opt.v6_prefix = 200;  // more than the address: the whole address
  CHECK(client_text(v4, opt) == "192.0.0.0/16");
  CHECK(client_text(v6, opt) == "2001:db8:aa:bbcc::1/128");

  opt.privacy = stats::client_privacy::keyed_hash;
  std::iota(opt.key.begin(), opt.key.end(), std::uint8_t{1});
  const std::string h4 = client_text(v4, opt);
  CHECK(h4.size() == 16);
  CHECK(h4.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(client_text(v4, opt) == h4);       // stable while the key is kept
  CHECK(client_text(mapped, opt) == h4);   // the mapped form is the same client
  CHECK(client_text(v6, opt) != h4);
  CHECK(client_text(ip_address::parse("192.0.2.78").value(), opt) != h4);
  char expected[17];
  std::snprintf(expected, sizeof expected, "%016llx",
                static_cast<unsigned long long>(dnsfilter::detail::siphash24(opt.key, v4.bytes())));
  CHECK(h4 == expected);
  opt.key[0] ^= 1;
  CHECK(client_text(v4, opt) != h4);  // another key, another value

  std::array<char, 15> small;
  CHECK(stats::format_client(v4, opt, small).error() == errc::no_space);
}

TEST_CASE("query log: one JSON line per filtered query (golden)") {
  const auto name = wire::name::from_text("c2.Evil.example").value();
  stats::query_record r = record_of(name, "XX-20250109-0001");
  r.client = ip_address::parse("192.0.2.77").value();
  r.qtype = wire::rr_type::aaaa;
  r.action = match::action::sinkhole;
  CHECK(line_of(r) ==
        R"({"time":"2026-01-15T10:00:00Z","client":"192.0.2.0/24","name":"c2.Evil.example.","type":"AAAA",)"
        R"("entry":"XX-20250109-0001","action":"sinkhole"})"
        "\n");
  r.qtype = static_cast<wire::rr_type>(65280);
  r.action = match::action::nxdomain;
  CHECK(line_of(r).find(R"("type":"TYPE65280","entry":"XX-20250109-0001","action":"nxdomain"})") !=
        std::string::npos);
}

TEST_CASE("query log: any label byte and any key byte give valid JSON") {
  // Labels: a quote, a backslash, a dot inside a label, NUL, DEL, a control
  // byte and non-ASCII octets (UTF-8 of "é", and a lone 0xFF).
  const auto wire_name = dnsfilter_test::hex("05 61225c2e62 04 00017f09 03 c3a9ff 00");
  const auto name = wire::name_view::from_wire(wire_name).value();
  stats::query_record r = record_of(name, std::string_view("k\"\\\n\x01\x7f\xc3\xa9\xff", 9));
  const std::string line = line_of(r);
  // to_text gives a\"\\\.b.\000\001\127\009.\195\169\255. ; JSON doubles each backslash.
  CHECK(line.find(R"("name":"a\\\"\\\\\\.b.\\000\\001\\127\\009.\\195\\169\\255.")") != std::string::npos);
  // The key: quote, backslash, newline and controls escaped, "é" kept, 0xFF replaced.
  CHECK(line.find("\"entry\":\"k\\\"\\\\\\n\\u0001\\u007f\xc3\xa9\xef\xbf\xbd\"") != std::string::npos);
  for (char c : line.substr(0, line.size() - 1)) CHECK(static_cast<unsigned char>(c) >= 0x20);
  CHECK(line.back() == '\n');

  // The longest record still fits max_jsonl_length; a long key is cut at 256 bytes.
  std::array<std::byte, 255> longest{};
  for (std::size_t i = 0; i < 254; i += 64) longest[i] = std::byte{static_cast<std::uint8_t>(std::min<std::size_t>(63, 253 - i))};
  const auto long_name = wire::name_view::from_wire(longest).value();
  REQUIRE(long_name.size() == 255);
  const std::string long_key(5000, '\x01');
  r.qname = long_name;
  r.entry = long_key;
  r.client = ip_address::parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").value();
  stats::query_log_options full;
  full.privacy = stats::client_privacy::full;
  std::array<char, stats::max_jsonl_length> buf;
  const auto n = stats::format_jsonl(r, full, buf);
  REQUIRE(n.has_value());
  const std::string_view line_out(buf.data(), *n);
  std::size_t escapes = 0;
  for (auto at = line_out.find("\\u0001"); at != std::string_view::npos; at = line_out.find("\\u0001", at + 1)) ++escapes;
  CHECK(escapes == 256);
  CHECK(*n > 2500);
  std::array<char, 100> small;
  CHECK(stats::format_jsonl(r, full, small).error() == errc::no_space);
}

TEST_CASE("query log: the writers send whole lines to a FILE* and to a descriptor") {
  const auto name = wire::name::from_text("c2.evil.example").value();
  const stats::query_record r = record_of(name);

  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  stats::jsonl_writer to_file{file};
  to_file.write(r);
  to_file.write(r);
  CHECK(to_file.written() == 2);
  std::fflush(file);
  std::rewind(file);
  char text[1024] = {};
  const std::size_t got = std::fread(text, 1, sizeof text - 1, file);
  std::fclose(file);
  CHECK(std::string(text, got) == line_of(r) + line_of(r));

  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  stats::query_log_options opt;
  opt.privacy = stats::client_privacy::full;
  stats::jsonl_writer to_fd{fds[1], opt};
  to_fd.write(r);
  ::close(fds[1]);
  const ssize_t n = ::read(fds[0], text, sizeof text);
  REQUIRE(n > 0);
  CHECK(std::string(text, static_cast<std::size_t>(n)) == line_of(r, opt));
  to_fd.write(r);  // the reader is gone... and then the descriptor is closed
  ::close(fds[0]);
  stats::jsonl_writer closed{-1};
  closed.write(r);
  CHECK(closed.failed() == 1);
  CHECK(closed.written() == 0);
}
