// The --time-zone option of the example programs (dnsfilter-report,
// dnsfilter-compile): an offset (+09:00, Z, UTC) always, a name (Asia/Tokyo)
// when the program is built with the tz database (stats/tz.hpp, date::date-tz;
// the program's CMake defines DNSFILTER_EXAMPLE_TZ=1 then).
#pragma once

#include <dnsfilter/result.hpp>
#include <dnsfilter/stats/calendar.hpp>
#if DNSFILTER_EXAMPLE_TZ
#include <dnsfilter/stats/tz.hpp>
#endif

#include <string>
#include <string_view>

namespace examples {

// The zone `text` names, or the reason in `why`.
inline dnsfilter::result<dnsfilter::stats::zone> parse_time_zone(std::string_view text, std::string& why) {
#if DNSFILTER_EXAMPLE_TZ
  return dnsfilter::stats::tz::parse_zone(text, &why);
#else
  auto fixed = dnsfilter::stats::zone::parse(text);
  if (!fixed) why = "'" + std::string(text) + "' is not +HH:MM (within +-14:00), Z or UTC (this build has no tz database)";
  return fixed;
#endif
}

}  // namespace examples
