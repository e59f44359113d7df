// Definitions for stats/calendar.hpp.
#pragma once

#include <dnsfilter/stats/calendar.hpp>

namespace dnsfilter::stats {

namespace detail {

// The decimal number of text[at, at + len), all digits; -1 otherwise.
inline int fixed_digits(std::string_view text, std::size_t at, std::size_t len) noexcept {
  int v = 0;
  for (std::size_t i = at; i < at + len; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

inline void put_digits(char* out, unsigned value, int width) noexcept {
  for (int i = width - 1; i >= 0; --i, value /= 10) out[i] = static_cast<char>('0' + value % 10);
}

}  // namespace detail

DNSFILTER_DECL result<month_index> parse_month(std::string_view text) noexcept {
  if (text.size() != 7 || text[4] != '-') return errc::bad_date;
  const int y = detail::fixed_digits(text, 0, 4), m = detail::fixed_digits(text, 5, 2);
  if (y < 1 || m < 1 || m > 12) return errc::bad_date;
  return make_month(y, static_cast<unsigned>(m));
}

DNSFILTER_DECL rfc3339_text format_rfc3339(match::timestamp t) noexcept {
  using namespace std::chrono;
  constexpr zone utc;
  t = std::clamp(t, utc.start_of(first_month), utc.start_of(last_month + 1) - 1);
  const match::timestamp d = t / 86400 - (t % 86400 < 0 ? 1 : 0);
  const auto s = static_cast<unsigned>(t - d * 86400);
  const year_month_day ymd{sys_days{days{d}}};
  rfc3339_text out{};
  char* p = out.data();
  detail::put_digits(p, static_cast<unsigned>(static_cast<int>(ymd.year())), 4);
  p[4] = '-';
  detail::put_digits(p + 5, static_cast<unsigned>(ymd.month()), 2);
  p[7] = '-';
  detail::put_digits(p + 8, static_cast<unsigned>(ymd.day()), 2);
  p[10] = 'T';
  detail::put_digits(p + 11, s / 3600, 2);
  p[13] = ':';
  detail::put_digits(p + 14, s / 60 % 60, 2);
  p[16] = ':';
  detail::put_digits(p + 17, s % 60, 2);
  p[19] = 'Z';
  return out;
}

DNSFILTER_DECL result<match::timestamp> parse_rfc3339(std::string_view text) noexcept {
  using namespace std::chrono;
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z')
    return errc::bad_date;
  const int y = detail::fixed_digits(text, 0, 4), mo = detail::fixed_digits(text, 5, 2),
            d = detail::fixed_digits(text, 8, 2), h = detail::fixed_digits(text, 11, 2),
            mi = detail::fixed_digits(text, 14, 2), s = detail::fixed_digits(text, 17, 2);
  if (y < 1 || mo < 1 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return errc::bad_date;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return errc::bad_date;
  return static_cast<match::timestamp>(sys_days{ymd}.time_since_epoch().count()) * 86400 + h * 3600 + mi * 60 + s;
}

DNSFILTER_DECL result<zone> zone::from_offset(std::int32_t seconds) noexcept {
  if (seconds < -max_offset || seconds > max_offset || seconds % 60 != 0) return errc::out_of_range;
  zone z;
  z.offset_ = seconds;
  return z;
}

DNSFILTER_DECL result<zone> zone::parse(std::string_view text) noexcept {
  if (text == "Z" || text == "UTC") return zone{};
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':') return errc::bad_character;
  const int h = detail::fixed_digits(text, 1, 2), m = detail::fixed_digits(text, 4, 2);
  if (h < 0 || m < 0) return errc::bad_character;
  if (m > 59) return errc::out_of_range;
  const std::int32_t magnitude = (h * 60 + m) * 60;
  return from_offset(text[0] == '-' ? -magnitude : magnitude);
}

DNSFILTER_DECL std::array<char, 7> zone::text() const noexcept {
  std::array<char, 7> out{};
  const std::int32_t minutes = (offset_ < 0 ? -offset_ : offset_) / 60;
  out[0] = offset_ < 0 ? '-' : '+';
  detail::put_digits(out.data() + 1, static_cast<unsigned>(minutes / 60), 2);
  out[3] = ':';
  detail::put_digits(out.data() + 4, static_cast<unsigned>(minutes % 60), 2);
  return out;
}

}  // namespace dnsfilter::stats
