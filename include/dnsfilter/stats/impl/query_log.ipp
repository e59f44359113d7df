// Definitions for stats/query_log.hpp.
#pragma once

#include <dnsfilter/detail/siphash.hpp>
#include <dnsfilter/stats/detail/common.hpp>
#include <dnsfilter/stats/calendar.hpp>
#include <dnsfilter/stats/query_log.hpp>

#include <algorithm>

namespace dnsfilter::stats {

namespace detail {

// Entry keys longer than this are cut in the log, so that a record always fits
// max_jsonl_length whatever the catalogue holds.
inline constexpr std::size_t max_logged_key = 256;

}  // namespace detail

DNSFILTER_DECL result<std::size_t> format_client(const policy::ip_address& client, const query_log_options& options,
                                                 std::span<char> out) noexcept {
  const policy::ip_address a = client.unmapped();
  switch (options.privacy) {
    case client_privacy::full: return a.to_text(out);
    case client_privacy::truncated: {
      const unsigned length = std::min<unsigned>(a.is_v4() ? options.v4_prefix : options.v6_prefix, a.bit_length());
      return policy::ip_prefix::masked(a, length)->to_text(out);
    }
    case client_privacy::keyed_hash: break;
  }
  // 4 or 16 bytes: the length goes into the hash, so families never collide.
  const std::uint64_t h = dnsfilter::detail::siphash24(options.key, a.bytes());
  if (out.size() < 16) return errc::no_space;
  for (int i = 0; i < 16; ++i) out[static_cast<std::size_t>(i)] = dnsfilter::detail::hex_digits[(h >> (60 - 4 * i)) & 15];
  return std::size_t{16};
}

DNSFILTER_DECL result<std::size_t> format_jsonl(const query_record& record, const query_log_options& options,
                                                std::span<char> out) noexcept {
  detail::span_out o{out};
  o(std::string_view(R"({"time":")"));
  o(std::string_view(format_rfc3339(record.time).data()));
  o(std::string_view(R"(","client":")"));
  std::array<char, policy::ip_prefix::max_text_length> client;
  o(std::string_view(client.data(), format_client(record.client, options, client).value_or(0)));
  o(std::string_view(R"(","name":)"));
  std::array<char, wire::max_name_text_length> name;
  detail::put_json_string(o, std::string_view(name.data(), record.qname.to_text(name).value_or(0)));
  o(std::string_view(R"(,"type":)"));
  const char* mnemonic = wire::mnemonic(record.qtype);
  std::array<char, 16> type_text;
  const int type_length = std::snprintf(type_text.data(), type_text.size(), "TYPE%u", static_cast<unsigned>(record.qtype));
  detail::put_json_string(o, mnemonic != nullptr ? std::string_view(mnemonic)
                                                 : std::string_view(type_text.data(), static_cast<std::size_t>(type_length)));
  o(std::string_view(R"(,"entry":)"));
  detail::put_json_string(o, record.entry.substr(0, detail::max_logged_key));
  o(std::string_view(R"(,"action":")"));
  o(std::string_view(match::to_string(record.action)));
  o(std::string_view("\"}\n"));
  if (o.overflowed()) return errc::no_space;
  return o.n;
}

DNSFILTER_DECL void jsonl_writer::write(const query_record& record) noexcept {
  std::array<char, max_jsonl_length> line;
  const auto n = format_jsonl(record, options_, line);
  bool ok = n.has_value();
  if (ok && file_ != nullptr) ok = std::fwrite(line.data(), 1, *n, file_) == *n;
  else if (ok) ok = detail::write_all(fd_, std::string_view(line.data(), *n));
  (ok ? written_ : failed_).fetch_add(1, std::memory_order_relaxed);
}

}  // namespace dnsfilter::stats
