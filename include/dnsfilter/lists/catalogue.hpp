// dnsfilter — the operator's catalogue of reputation entries, as TSV or CSV.
//
//   identifier<TAB>behaviour<TAB>start<TAB>end<TAB>fqdns
//   XX-20250109-0001<TAB>information theft<TAB>2025-01-09<TAB><TAB>c2.evil.example;backup.evil.example
//
//   identifier,behaviour,start,end,fqdns
//   XX-20250110-0002,"backdoor, remote shell",2025-01-10,2025-03-01,"a.example b.example|c.example"
//
// A record is one row; each valid row becomes one entry (its identifier,
// behaviour as category, [start, end) from the dates at local midnight of
// options.time_zone (UTC by default; a midnight that a daylight-saving change
// skips begins its day when the clocks jump), and
// options.action, or the row's own in an "action" column: sinkhole, nxdomain,
// nodata, refused, drop, pass for an exception, or monitor: counted and
// logged, answered normally) with one rule per FQDN. The delimiter is a tab when the
// first row holds one, a comma otherwise. CSV fields follow RFC 4180 ("..."
// with "" for a quote) except that a quoted field cannot span lines; a TSV
// field may be quoted the same way. Lines starting with '#' are comments.
//
// The first row is a header when its start column is not a date and its
// fields name the identifier, start and FQDN columns (by the words
// "id"/"identifier", "start", "fqdn"/"domain"; "behaviour"/"behavior"/
// "category", "end"/"until", "action"); the columns may then come in any
// order and extra ones are ignored. Without a header the order is identifier,
// behaviour, start, end, FQDNs (five fields; more are ignored).
//
// FQDNs inside their field are separated by blanks, ';', '|' or ','. A name
// covers itself and its subdomains; "=name" covers the name alone and
// "*.name" only the names below it (as in a Response Policy Zone). The end date may be empty
// or "-" (open). Invalid rows: a missing identifier, one seen before, a date
// that is neither YYYY-MM-DD nor YYYY/MM/DD, end <= start, no usable FQDN.
//
// Dates: the start date is the first day filtered and the end date the first
// day lifted: an entry filters in [start, end), so "2025/01/10 to 2025/03/01"
// filters until 2025-02-28 23:59:59 and no longer from 2025-03-01 00:00:00.
// A catalogue that means the last day filtered writes the day after it. A bad FQDN next to good
// ones is a warning: the row loads with the good ones (strict mode fails).
#pragma once

#include <dnsfilter/lists/common.hpp>

#include <string>

namespace dnsfilter::lists {

DNSFILTER_DECL result<load_report> load_catalogue(std::string_view text, match::catalogue& out,
                                                  const load_options& options, diagnostic* failure = nullptr);

// "2025-01-09" or "2025/01/09" → seconds at 2025-01-09T00:00:00Z (years 0001
// to 9999, the proleptic Gregorian calendar); errc::bad_date otherwise. For
// the midnight of another zone: time_zone.to_utc(*parse_date(text)).
DNSFILTER_DECL result<match::timestamp> parse_date(std::string_view text) noexcept;

// The date of `t` in `time_zone` (UTC by default) as "YYYY-MM-DD"; "" for
// since_always and until_forever (an open bound).
DNSFILTER_DECL std::string format_date(match::timestamp t, const stats::zone& time_zone = {});

// "2025-01-09" or "2025/01/09" (00:00 UTC), or "2025-01-09T12:30:00Z" →
// seconds; errc::bad_date otherwise (hours 00-23, minutes and seconds 00-59,
// the 'Z' required).
DNSFILTER_DECL result<match::timestamp> parse_utc_time(std::string_view text) noexcept;

// `t` as parse_utc_time reads it: "YYYY-MM-DD" at midnight UTC, else
// "YYYY-MM-DDTHH:MM:SSZ"; "" for since_always and until_forever.
DNSFILTER_DECL std::string format_utc_time(match::timestamp t);

}  // namespace dnsfilter::lists

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/lists/impl/catalogue.ipp>
#endif
