// The C API (include/dnsfilter.h) over the C++ facade. Each handle wraps the
// C++ objects; every entry point that may allocate runs under guarded(), so
// no exception crosses into C; the per-packet calls allocate nothing and call
// only noexcept code. docs/c-api.md has the rules this file keeps.
#include <dnsfilter.h>

#include <dnsfilter/dnsfilter.hpp>

#include <array>
#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace df = dnsfilter;

struct dnsfilter_catalogue {
  df::match::catalogue catalogue;
};

struct dnsfilter_policy {
  df::policy::policy_config config;
};

namespace {

// The status codes mirror errc value for value: a new errc needs its
// DNSFILTER_E_ name in the header (the C test checks the count).
#define DNSFILTER_C_SAME(c_name, errc_name) \
  static_assert(static_cast<int>(df::errc::errc_name) == static_cast<int>(c_name), #c_name)
DNSFILTER_C_SAME(DNSFILTER_OK, ok);
DNSFILTER_C_SAME(DNSFILTER_E_TRUNCATED, truncated);
DNSFILTER_C_SAME(DNSFILTER_E_LABEL_TOO_LONG, label_too_long);
DNSFILTER_C_SAME(DNSFILTER_E_NAME_TOO_LONG, name_too_long);
DNSFILTER_C_SAME(DNSFILTER_E_RESERVED_LABEL_TYPE, reserved_label_type);
DNSFILTER_C_SAME(DNSFILTER_E_BAD_POINTER, bad_pointer);
DNSFILTER_C_SAME(DNSFILTER_E_TOO_MANY_POINTERS, too_many_pointers);
DNSFILTER_C_SAME(DNSFILTER_E_EMPTY_LABEL, empty_label);
DNSFILTER_C_SAME(DNSFILTER_E_BAD_ESCAPE, bad_escape);
DNSFILTER_C_SAME(DNSFILTER_E_BAD_CHARACTER, bad_character);
DNSFILTER_C_SAME(DNSFILTER_E_BAD_QUESTION_COUNT, bad_question_count);
DNSFILTER_C_SAME(DNSFILTER_E_BAD_RDATA, bad_rdata);
DNSFILTER_C_SAME(DNSFILTER_E_DUPLICATE_OPT, duplicate_opt);
DNSFILTER_C_SAME(DNSFILTER_E_MISPLACED_OPT, misplaced_opt);
DNSFILTER_C_SAME(DNSFILTER_E_BAD_OPTION, bad_option);
DNSFILTER_C_SAME(DNSFILTER_E_TRAILING_DATA, trailing_data);
DNSFILTER_C_SAME(DNSFILTER_E_NO_SPACE, no_space);
DNSFILTER_C_SAME(DNSFILTER_E_OUT_OF_RANGE, out_of_range);
DNSFILTER_C_SAME(DNSFILTER_E_INVALID_LIST_LINE, invalid_list_line);
DNSFILTER_C_SAME(DNSFILTER_E_BAD_UTF8, bad_utf8);
DNSFILTER_C_SAME(DNSFILTER_E_BAD_DATE, bad_date);
DNSFILTER_C_SAME(DNSFILTER_E_IO_ERROR, io_error);
DNSFILTER_C_SAME(DNSFILTER_E_BAD_STATS_FILE, bad_stats_file);
DNSFILTER_C_SAME(DNSFILTER_E_WRITE_FAILED, write_failed);
DNSFILTER_C_SAME(DNSFILTER_E_INVALID_ARGUMENT, invalid_argument);
DNSFILTER_C_SAME(DNSFILTER_E_NOT_REGULAR_FILE, not_regular_file);
DNSFILTER_C_SAME(DNSFILTER_E_TRANSFER_REFUSED, transfer_refused);
DNSFILTER_C_SAME(DNSFILTER_E_TRANSFER_MISMATCH, transfer_mismatch);
DNSFILTER_C_SAME(DNSFILTER_E_TRANSFER_OUT_OF_ZONE, transfer_out_of_zone);
DNSFILTER_C_SAME(DNSFILTER_E_TRANSFER_SERIAL, transfer_serial);
DNSFILTER_C_SAME(DNSFILTER_E_TRANSFER_MALFORMED, transfer_malformed);
DNSFILTER_C_SAME(DNSFILTER_E_TSIG_MISSING, tsig_missing);
DNSFILTER_C_SAME(DNSFILTER_E_TSIG_MALFORMED, tsig_malformed);
DNSFILTER_C_SAME(DNSFILTER_E_TSIG_BAD_KEY, tsig_bad_key);
DNSFILTER_C_SAME(DNSFILTER_E_TSIG_BAD_SIGNATURE, tsig_bad_signature);
DNSFILTER_C_SAME(DNSFILTER_E_TSIG_BAD_TIME, tsig_bad_time);
DNSFILTER_C_SAME(DNSFILTER_E_TSIG_UNSIGNED_TAIL, tsig_unsigned_tail);
DNSFILTER_C_SAME(DNSFILTER_E_TSIG_PEER_BAD_SIGNATURE, tsig_peer_bad_signature);
DNSFILTER_C_SAME(DNSFILTER_E_TSIG_PEER_BAD_KEY, tsig_peer_bad_key);
DNSFILTER_C_SAME(DNSFILTER_E_TSIG_PEER_BAD_TIME, tsig_peer_bad_time);
DNSFILTER_C_SAME(DNSFILTER_E_TSIG_PEER_ERROR, tsig_peer_error);
DNSFILTER_C_SAME(DNSFILTER_E_TSIG_HMAC_FAILED, tsig_hmac_failed);
DNSFILTER_C_SAME(DNSFILTER_E_BAD_KEY_FILE, bad_key_file);
DNSFILTER_C_SAME(DNSFILTER_E_UNKNOWN_TIME_ZONE, unknown_time_zone);
DNSFILTER_C_SAME(DNSFILTER_E_BAD_IMAGE, bad_image);
DNSFILTER_C_SAME(DNSFILTER_E_STATS_CONFLICT, stats_conflict);
DNSFILTER_C_SAME(DNSFILTER_E_TABLE_FULL, table_full);
DNSFILTER_C_SAME(DNSFILTER_E_NO_RANDOMNESS, no_randomness);
DNSFILTER_C_SAME(DNSFILTER_E_OVER_BUDGET, over_budget);
#undef DNSFILTER_C_SAME

static_assert(static_cast<int>(df::match::action::monitor) == DNSFILTER_ACTION_MONITOR &&
              df::match::action_count == DNSFILTER_ACTION_COUNT);
static_assert(static_cast<int>(df::lists::format::catalogue) == DNSFILTER_FORMAT_CATALOGUE);
static_assert(static_cast<int>(df::filter_outcome::dropped) == DNSFILTER_DROPPED);
static_assert(static_cast<int>(df::policy::basis::client_prefix) == DNSFILTER_BASIS_CLIENT_PREFIX);
namespace fwd = df::forward;
static_assert(static_cast<int>(fwd::upstream_edns::always) == DNSFILTER_EDNS_ALWAYS);
static_assert(static_cast<int>(fwd::selection::round_robin) == DNSFILTER_SELECT_ROUND_ROBIN);
static_assert(static_cast<int>(fwd::health_change::kind::up) == DNSFILTER_HEALTH_UP);
static_assert(static_cast<int>(fwd::next_step::kind::fail) == DNSFILTER_NEXT_FAIL);
static_assert(static_cast<int>(fwd::reject::late) == DNSFILTER_REJECT_LATE && fwd::reject_kinds == DNSFILTER_REJECT_COUNT);
static_assert(static_cast<int>(fwd::alarm_event::cleared) == DNSFILTER_ALARM_CLEARED);
static_assert(static_cast<int>(fwd::accept_result::kind::refused) == DNSFILTER_ANSWER_REFUSED);

dnsfilter_status status_of(df::errc e) noexcept { return static_cast<dnsfilter_status>(e); }

// Fills *err (when given) and returns `s`. Never allocates.
#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 4, 5)))
#endif
dnsfilter_status fail(dnsfilter_error* err, dnsfilter_status s, unsigned long line, const char* format, ...);
dnsfilter_status fail(dnsfilter_error* err, dnsfilter_status s, unsigned long line, const char* format, ...) {
  if (err != nullptr) {
    err->status = s;
    err->line = line;
    va_list args;
    va_start(args, format);
    std::vsnprintf(err->message, sizeof err->message, format, args);
    va_end(args);
  }
  return s;
}

dnsfilter_status null_argument(dnsfilter_error* err, const char* function, const char* argument) {
  return fail(err, DNSFILTER_E_INVALID_ARGUMENT, 0, "%s: %s is NULL", function, argument);
}

// Runs `body` so that no exception leaves: memory exhaustion becomes
// DNSFILTER_E_NOMEM, anything else DNSFILTER_E_INTERNAL. Built without
// exceptions, an allocation failure ends the program as everywhere else.
template <class Body>
dnsfilter_status guarded(dnsfilter_error* err, Body&& body) noexcept {
#if defined(__cpp_exceptions)
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail(err, DNSFILTER_E_NOMEM, 0, "out of memory");
  } catch (const std::exception& e) {
    return fail(err, DNSFILTER_E_INTERNAL, 0, "internal error: %s", e.what());
  } catch (...) {
    return fail(err, DNSFILTER_E_INTERNAL, 0, "internal error: an unknown exception");
  }
#else
  static_cast<void>(err);
  return body();
#endif
}

// Hands a handle's ownership to the callee: the caller's pointer becomes
// NULL and the handle is freed when the returned owner goes.
template <class Handle>
std::unique_ptr<Handle> take(Handle** handle) noexcept {
  if (handle == nullptr) return nullptr;
  return std::unique_ptr<Handle>(std::exchange(*handle, nullptr));
}

// A new handle in *out (null on failure).
template <class Handle>
dnsfilter_status create_handle(Handle** out, dnsfilter_error* err, const char* function) {
  if (out == nullptr) return null_argument(err, function, "out");
  *out = nullptr;
  return guarded(err, [&] {
    *out = new Handle;
    return DNSFILTER_OK;
  });
}

// A whole file, or why not.
dnsfilter_status read_whole(const char* path, std::string& out, dnsfilter_error* err) {
  const int saved = errno;
  errno = 0;
  auto data = df::read_file(path);
  const int why = errno;
  errno = saved;
  if (!data)
    return fail(err, status_of(data.error()), 0, "cannot read %s%s%s", path, why != 0 ? ": " : "",
                why != 0 ? std::strerror(why) : "");
  out = std::move(*data);
  return DNSFILTER_OK;
}

dnsfilter_load_options options_or_default(const dnsfilter_load_options* options) noexcept {
  dnsfilter_load_options o;
  if (options != nullptr) return *options;
  dnsfilter_load_options_init(&o);
  return o;
}

// Passes the load's diagnostics to the caller's callback, in order.
void report_diagnostics(const dnsfilter_load_options& o, const std::string& name,
                        const std::vector<df::diagnostic>& diagnostics) {
  if (o.on_diagnostic == nullptr) return;
  for (const df::diagnostic& d : diagnostics) o.on_diagnostic(o.context, name.c_str(), d.line, d.message.c_str());
}

// The failure of a strict load (or a refused file): callback, then *err.
dnsfilter_status load_failed(const dnsfilter_load_options& o, const std::string& name, df::errc e,
                             const df::diagnostic& why, dnsfilter_error* err) {
  if (o.on_diagnostic != nullptr) o.on_diagnostic(o.context, name.c_str(), why.line, why.message.c_str());
  if (why.line == 0) return fail(err, status_of(e), 0, "%s: %s", name.c_str(), why.message.c_str());
  return fail(err, status_of(e), why.line, "%s:%lu: %s", name.c_str(), static_cast<unsigned long>(why.line),
              why.message.c_str());
}

dnsfilter_status load_list(dnsfilter_catalogue& catalogue, std::string_view text, const std::string& name,
                           dnsfilter_format format, const dnsfilter_load_options* options,
                           dnsfilter_load_report* report, dnsfilter_error* err, bool text_is_ours = false) {
  const dnsfilter_load_options o = options_or_default(options);
  if (static_cast<unsigned>(format) > DNSFILTER_FORMAT_CATALOGUE)
    return fail(err, DNSFILTER_E_INVALID_ARGUMENT, 0, "%s: unknown list format %d", name.c_str(),
                static_cast<int>(format));
  if (static_cast<unsigned>(o.action) >= DNSFILTER_ACTION_COUNT)
    return fail(err, DNSFILTER_E_INVALID_ARGUMENT, 0, "%s: unknown action %d", name.c_str(),
                static_cast<int>(o.action));
  df::lists::load_options lo;
  lo.strict = o.strict != 0;
  lo.memory_budget = o.memory_budget;
  lo.release_read_text = text_is_ours;  // a file's text, read here: it may go as it is read
  lo.source_name = name;
  lo.action = static_cast<df::match::action>(o.action);
  if (o.category != nullptr) lo.category = o.category;
  auto f = static_cast<df::lists::format>(format);
  if (f == df::lists::format::automatic) f = df::lists::detect_format(name, text);
  df::diagnostic why;
  const auto loaded = df::lists::load(text, f, catalogue.catalogue, lo, &why);
  if (!loaded) return load_failed(o, name, loaded.error(), why, err);
  report_diagnostics(o, name, loaded->diagnostics);
  if (report != nullptr)
    *report = {loaded->loaded, loaded->skipped, loaded->invalid, loaded->warnings, loaded->lines, loaded->rules};
  return DNSFILTER_OK;
}

dnsfilter_status load_policy(dnsfilter_policy& policy, std::string_view text, const std::string& name,
                             const dnsfilter_load_options* options, dnsfilter_load_report* report,
                             dnsfilter_error* err) {
  const dnsfilter_load_options o = options_or_default(options);
  df::policy::policy_load_options po;
  po.strict = o.strict != 0;
  df::diagnostic why;
  const auto loaded = df::policy::load_policy(text, policy.config, po, &why);
  if (!loaded) return load_failed(o, name, loaded.error(), why, err);
  report_diagnostics(o, name, loaded->diagnostics);
  if (report != nullptr) *report = {loaded->directives, 0, loaded->invalid, 0, loaded->lines, 0};
  return DNSFILTER_OK;
}

// The text of file `path`, or of the caller's (text, size) named `name`,
// handed to `load(handle, text, name)`: the two ways to fill a handle.
template <class Handle, class Load>
dnsfilter_status load_file_into(Handle* handle, const char* path, dnsfilter_error* err, const char* function,
                                Load&& load) {
  if (handle == nullptr) return null_argument(err, function, "handle");
  if (path == nullptr) return null_argument(err, function, "path");
  return guarded(err, [&] {
    std::string text;
    if (const dnsfilter_status s = read_whole(path, text, err); s != DNSFILTER_OK) return s;
    return load(*handle, std::string_view(text), std::string(path));
  });
}

template <class Handle, class Load>
dnsfilter_status load_text_into(Handle* handle, const char* text, size_t size, const char* name,
                                dnsfilter_error* err, const char* function, Load&& load) {
  if (handle == nullptr) return null_argument(err, function, "handle");
  if (text == nullptr && size != 0) return null_argument(err, function, "text");
  return guarded(err, [&] { return load(*handle, std::string_view(text, size), std::string(name ? name : "<text>")); });
}

// A ticket as the C caller holds it: the C++ ticket, and who made it.
struct ticket_storage {
  static constexpr std::uint32_t tag = 0x64667463;  // "dftc"
  df::forward_ticket ticket;
  const dnsfilter_filter* owner;
  unsigned thread;
  std::uint32_t made;
};
static_assert(std::is_trivially_copyable_v<ticket_storage> && std::is_trivially_destructible_v<ticket_storage>);
static_assert(sizeof(ticket_storage) <= sizeof(dnsfilter_ticket) &&
              alignof(ticket_storage) <= alignof(dnsfilter_ticket));

df::policy::ip_address address_of(const dnsfilter_address& a) noexcept {
  if (a.family == 6) {
    std::array<std::uint8_t, 16> bytes;
    std::memcpy(bytes.data(), a.bytes, bytes.size());
    return df::policy::ip_address::v6(bytes);
  }
  return df::policy::ip_address::v4(a.bytes[0], a.bytes[1], a.bytes[2], a.bytes[3]);
}

const char* entry_key(const df::match::entry* e) noexcept { return e != nullptr ? e->id.c_str() : nullptr; }

}  // namespace

// One serving thread's filter, on cache lines of its own.
struct alignas(64) dnsfilter_worker {
  df::filter filter;
};

struct dnsfilter_filter {
  dnsfilter_filter(unsigned threads, const df::stats::registry_options& options, df::match::catalogue first,
                   std::shared_ptr<const df::policy::policy_set> rules, df::sinkhole::settings answers)
      : counters(threads, options),
        catalogue(df::make_snapshot(std::move(first), &counters)),
        policies(std::move(rules)),
        responder(std::move(answers)) {
    workers.reserve(threads);
    for (unsigned i = 0; i < threads; ++i)
      workers.push_back({df::filter{this->catalogue, this->policies, responder, &counters.at(i)}});
  }

  df::stats::registry counters;
  df::filter::catalogue_handle catalogue;
  df::policy::policy_set_handle policies;
  df::sinkhole::responder responder;
  std::vector<dnsfilter_worker> workers;
};

namespace {

// The filter of thread `thread`, or null for a bad handle or index.
df::filter* worker_of(dnsfilter_filter* filter, unsigned thread) noexcept {
  if (filter == nullptr || thread >= filter->workers.size()) return nullptr;
  return &filter->workers[thread].filter;
}

dnsfilter_status build_policy(dnsfilter_policy* policy, std::shared_ptr<const df::policy::policy_set>& out,
                              dnsfilter_error* err) {
  if (policy == nullptr) {
    out = std::make_shared<const df::policy::policy_set>();
    return DNSFILTER_OK;
  }
  auto built = df::policy::policy_set::build(std::move(policy->config));
  if (!built)
    return fail(err, status_of(built.error()), 0, "policy: %s", df::to_string(built.error()));
  out = std::make_shared<const df::policy::policy_set>(std::move(*built));
  return DNSFILTER_OK;
}

// The month asked for: year 0 and month 0 for every month.
dnsfilter_status month_of(int year, int month, bool& all, df::stats::month_index& index, dnsfilter_error* err) {
  all = year == 0 && month == 0;
  if (all) return DNSFILTER_OK;
  if (year < 1 || year > 9999 || month < 1 || month > 12)
    return fail(err, DNSFILTER_E_OUT_OF_RANGE, 0, "no month %d of year %d (year 1-9999, month 1-12; 0 and 0 for all)",
                month, year);
  index = df::stats::make_month(year, static_cast<unsigned>(month));
  return DNSFILTER_OK;
}

// Hands `use` the counts of the month asked for (summed over months for
// "all") and the queries that could not be counted.
template <class Use>
dnsfilter_status with_counts(dnsfilter_filter* filter, int year, int month, dnsfilter_error* err, Use&& use) {
  return guarded(err, [&] {
    bool all = false;
    df::stats::month_index index = 0;
    if (const dnsfilter_status s = month_of(year, month, all, index, err); s != DNSFILTER_OK) return s;
    const df::stats::totals t = filter->counters.read();
    df::stats::month_counts counts;
    for (const auto& [m, c] : t.months)
      if (all || m == index) counts.add(c);
    use(counts, t.unrecorded);
    return DNSFILTER_OK;
  });
}

}  // namespace

// A transaction table with its own upstream set, mismatch alarm and random
// source: one serving thread's forwarding.
struct dnsfilter_forwarder {
  dnsfilter_forwarder(fwd::upstream_set set, const fwd::alarm_settings& alarm_settings,
                      const fwd::table_settings& table_settings)
      : upstreams(std::move(set)), alarm(alarm_settings), table(table_settings, upstreams, alarm, random) {}

  fwd::upstream_set upstreams;
  fwd::mismatch_alarm alarm;
  fwd::system_random random;
  fwd::transaction_table table;
};

namespace {

bool valid_family(const dnsfilter_address& a) noexcept { return a.family == 4 || a.family == 6; }

fwd::endpoint endpoint_of(const dnsfilter_endpoint& e) noexcept { return {address_of(e.address), e.port}; }

dnsfilter_endpoint c_endpoint(const fwd::endpoint& e) noexcept {
  dnsfilter_endpoint out{};
  const auto bytes = e.address.bytes();
  out.address.family = e.address.is_v4() ? 4 : 6;
  std::memcpy(out.address.bytes, bytes.data(), bytes.size());
  out.port = e.port;
  return out;
}

fwd::attempt attempt_of(dnsfilter_attempt a) noexcept { return {a.slot, a.generation}; }

dnsfilter_dispatch c_dispatch(const dnsfilter_forwarder& fw, const fwd::dispatch& d) noexcept {
  dnsfilter_dispatch out{};
  out.attempt = {d.which.slot, d.which.generation};
  out.upstream = d.upstream;
  out.to = c_endpoint(fw.upstreams.at(d.upstream));
  out.source_port = d.source_port;
  return out;
}

dnsfilter_health_change c_health(const fwd::health_change& h) noexcept {
  return {static_cast<dnsfilter_health>(h.what), h.failures, h.retry_in_ms};
}

dnsfilter_next_step c_step(const dnsfilter_forwarder& fw, const fwd::next_step& step) noexcept {
  dnsfilter_next_step out{};
  out.what = static_cast<dnsfilter_next>(step.what);
  if (step.what == fwd::next_step::kind::retry) out.next = c_dispatch(fw, step.next);
  out.health = c_health(step.health);
  return out;
}

// The forwarder, or why not: a NULL handle, or an attempt that is not live.
dnsfilter_status check_attempt(const dnsfilter_forwarder* fw, dnsfilter_attempt a, dnsfilter_error* err,
                               const char* function) {
  if (fw == nullptr) return null_argument(err, function, "forwarder");
  if (fw->table.client(attempt_of(a)) == nullptr)
    return fail(err, DNSFILTER_E_INVALID_ARGUMENT, 0,
                "%s: attempt %lu/%lu is stale (answered, retried, given up or cancelled) or not this forwarder's",
                function, static_cast<unsigned long>(a.slot), static_cast<unsigned long>(a.generation));
  return DNSFILTER_OK;
}

// The size of the upstream query write_query makes of `q`: header, question,
// and an OPT without options when one goes.
std::size_t query_size_for(const fwd::table_settings& settings, const df::sinkhole::query_echo& q) noexcept {
  const bool opt = settings.edns == fwd::upstream_edns::always || q.has_edns;
  return df::wire::header_size + q.qname_size + 4 + (opt ? 11 : 0);
}

// The C++ ticket inside a C one, or why not.
dnsfilter_status ticket_of(const dnsfilter_ticket* ticket, ticket_storage& t, dnsfilter_error* err,
                           const char* function) {
  if (ticket == nullptr) return null_argument(err, function, "ticket");
  std::memcpy(&t, ticket->opaque, sizeof t);
  if (t.made != ticket_storage::tag)
    return fail(err, DNSFILTER_E_INVALID_ARGUMENT, 0, "%s: the ticket was not filled by dnsfilter_process", function);
  return DNSFILTER_OK;
}

// begin and begin_tcp: a transaction and its first query, or nothing at all.
dnsfilter_status start(dnsfilter_forwarder* fw, const dnsfilter_ticket* ticket, bool tcp, std::size_t upstream,
                       std::int64_t now_ms, void* query, size_t query_size, dnsfilter_dispatch* dispatch,
                       dnsfilter_error* err, const char* function) {
  if (fw == nullptr) return null_argument(err, function, "forwarder");
  if (query == nullptr) return null_argument(err, function, "query");
  if (dispatch == nullptr) return null_argument(err, function, "dispatch");
  ticket_storage t;
  if (const dnsfilter_status s = ticket_of(ticket, t, err, function); s != DNSFILTER_OK) return s;
  const df::sinkhole::query_echo& echo = t.ticket.query;
  if (!echo.has_question)
    return fail(err, DNSFILTER_E_INVALID_ARGUMENT, 0, "%s: the ticket's query has no question", function);
  if (tcp && upstream >= fw->upstreams.size())
    return fail(err, DNSFILTER_E_OUT_OF_RANGE, 0, "%s: no upstream %zu (%zu given)", function, upstream,
                fw->upstreams.size());
  // Checked before the transaction starts, so that a short buffer changes nothing.
  const std::size_t needed = query_size_for(fw->table.settings(), echo);
  if (query_size < needed)
    return fail(err, DNSFILTER_E_NO_SPACE, 0, "%s: the query takes %zu octets, the buffer has %zu", function, needed,
                query_size);
  const auto d = tcp ? fw->table.begin_tcp(echo, upstream, now_ms) : fw->table.begin(echo, now_ms);
  if (!d) {
    if (d.error() == df::errc::table_full)
      return fail(err, DNSFILTER_E_TABLE_FULL, 0, "%s: %zu queries in flight already (the capacity)", function,
                  fw->table.capacity());
    return fail(err, status_of(d.error()), 0, "%s: %s", function, df::to_string(d.error()));
  }
  const auto written = fw->table.write_query(d->which, {static_cast<std::byte*>(query), query_size});
  if (written.empty()) {  // not expected: the size was checked
    fw->table.cancel(d->which);
    return fail(err, DNSFILTER_E_NO_SPACE, 0, "%s: the query did not fit in %zu octets", function, query_size);
  }
  *dispatch = c_dispatch(*fw, *d);
  dispatch->query_size = written.size();
  return DNSFILTER_OK;
}

// The settings, each in its range, as the C++ types take them; or why not.
dnsfilter_status forwarder_settings(const dnsfilter_forwarder_settings& s, fwd::table_settings& table,
                                    fwd::health_settings& health, fwd::alarm_settings& alarm, dnsfilter_error* err) {
  const char* out_of_range = nullptr;
  if (s.capacity < 1 || s.capacity > 65536) out_of_range = "capacity (1 to 65536)";
  else if (s.attempts < 1 || s.attempts > 64) out_of_range = "attempts (1 to 64)";
  else if (s.timeout_ms < 1 || s.tcp_timeout_ms < 1) out_of_range = "timeout_ms and tcp_timeout_ms (at least 1)";
  else if ((s.port_low != 0 || s.port_high != 0) && (s.port_low == 0 || s.port_low > s.port_high))
    out_of_range = "port_low and port_high (both 0, or 1 <= port_low <= port_high)";
  else if (s.payload < 512) out_of_range = "payload (512 to 65535)";
  else if (s.down_after < 1) out_of_range = "down_after (at least 1)";
  else if (s.retry_after_ms < 1 || s.max_backoff_ms < s.retry_after_ms)
    out_of_range = "retry_after_ms and max_backoff_ms (1 <= retry_after_ms <= max_backoff_ms)";
  else if (s.alarm_window_ms < 1) out_of_range = "alarm_window_ms (at least 1)";
  if (out_of_range != nullptr)
    return fail(err, DNSFILTER_E_OUT_OF_RANGE, 0, "dnsfilter_forwarder_create: %s", out_of_range);
  if (static_cast<unsigned>(s.edns) > DNSFILTER_EDNS_ALWAYS ||
      static_cast<unsigned>(s.selection) > DNSFILTER_SELECT_ROUND_ROBIN)
    return fail(err, DNSFILTER_E_INVALID_ARGUMENT, 0, "dnsfilter_forwarder_create: unknown edns %d or selection %d",
                static_cast<int>(s.edns), static_cast<int>(s.selection));
  table.capacity = s.capacity;
  table.attempts = s.attempts;
  table.timeout_ms = s.timeout_ms;
  table.tcp_timeout_ms = s.tcp_timeout_ms;
  table.randomize_case = s.randomize_case != 0;
  table.port_low = s.port_low;
  table.port_high = s.port_high;
  table.edns = static_cast<fwd::upstream_edns>(s.edns);
  table.payload = s.payload;
  health.order = static_cast<fwd::selection>(s.selection);
  health.down_after = s.down_after;
  health.retry_after_ms = s.retry_after_ms;
  health.max_backoff_ms = s.max_backoff_ms;
  alarm.window_ms = s.alarm_window_ms;
  alarm.threshold = s.alarm_threshold;
  return DNSFILTER_OK;
}

}  // namespace

extern "C" {

const char* dnsfilter_status_string(dnsfilter_status status) {
  switch (status) {
    case DNSFILTER_E_NOMEM: return "out of memory";
    case DNSFILTER_E_INTERNAL: return "internal error";
    default: return df::to_string(static_cast<df::errc>(status));
  }
}

const char* dnsfilter_version(void) {
#define DNSFILTER_C_TEXT(x) #x
#define DNSFILTER_C_VERSION(a, b, c) DNSFILTER_C_TEXT(a) "." DNSFILTER_C_TEXT(b) "." DNSFILTER_C_TEXT(c)
  return DNSFILTER_C_VERSION(DNSFILTER_VERSION_MAJOR, DNSFILTER_VERSION_MINOR, DNSFILTER_VERSION_PATCH);
#undef DNSFILTER_C_VERSION
#undef DNSFILTER_C_TEXT
}

dnsfilter_status dnsfilter_address_parse(const char* text, dnsfilter_address* out) {
  if (text == nullptr || out == nullptr) return DNSFILTER_E_INVALID_ARGUMENT;
  const auto a = df::policy::ip_address::parse(text);
  if (!a) return status_of(a.error());
  *out = {};
  out->family = a->is_v4() ? 4 : 6;
  std::memcpy(out->bytes, a->bytes().data(), a->bytes().size());
  return DNSFILTER_OK;
}

void dnsfilter_load_options_init(dnsfilter_load_options* options) {
  if (options == nullptr) return;
  *options = {};
  options->action = DNSFILTER_ACTION_SINKHOLE;
}

// ---------------------------------------------------------------------------
// Catalogue

dnsfilter_status dnsfilter_catalogue_create(dnsfilter_catalogue** out, dnsfilter_error* err) {
  return create_handle(out, err, "dnsfilter_catalogue_create");
}

void dnsfilter_catalogue_free(dnsfilter_catalogue* catalogue) { delete catalogue; }

dnsfilter_status dnsfilter_catalogue_load_file(dnsfilter_catalogue* catalogue, const char* path,
                                               dnsfilter_format format, const dnsfilter_load_options* options,
                                               dnsfilter_load_report* report, dnsfilter_error* err) {
  return load_file_into(catalogue, path, err, "dnsfilter_catalogue_load_file", [&](auto& c, auto text, auto name) {
    return load_list(c, text, name, format, options, report, err, /*text_is_ours=*/true);
  });
}

dnsfilter_status dnsfilter_catalogue_load_text(dnsfilter_catalogue* catalogue, const char* text, size_t size,
                                               const char* name, dnsfilter_format format,
                                               const dnsfilter_load_options* options,
                                               dnsfilter_load_report* report, dnsfilter_error* err) {
  return load_text_into(catalogue, text, size, name, err, "dnsfilter_catalogue_load_text",
                        [&](auto& c, auto all, auto named) { return load_list(c, all, named, format, options, report, err); });
}

size_t dnsfilter_catalogue_rules(const dnsfilter_catalogue* catalogue) {
  return catalogue != nullptr ? catalogue->catalogue.rules().size() : 0;
}

// ---------------------------------------------------------------------------
// Policy

dnsfilter_status dnsfilter_policy_create(dnsfilter_policy** out, dnsfilter_error* err) {
  return create_handle(out, err, "dnsfilter_policy_create");
}

void dnsfilter_policy_free(dnsfilter_policy* policy) { delete policy; }

dnsfilter_status dnsfilter_policy_load_file(dnsfilter_policy* policy, const char* path,
                                            const dnsfilter_load_options* options, dnsfilter_load_report* report,
                                            dnsfilter_error* err) {
  return load_file_into(policy, path, err, "dnsfilter_policy_load_file", [&](auto& p, auto text, auto name) {
    return load_policy(p, text, name, options, report, err);
  });
}

dnsfilter_status dnsfilter_policy_load_text(dnsfilter_policy* policy, const char* text, size_t size,
                                            const char* name, const dnsfilter_load_options* options,
                                            dnsfilter_load_report* report, dnsfilter_error* err) {
  return load_text_into(policy, text, size, name, err, "dnsfilter_policy_load_text",
                        [&](auto& p, auto all, auto named) { return load_policy(p, all, named, options, report, err); });
}

// ---------------------------------------------------------------------------
// Filter

void dnsfilter_settings_init(dnsfilter_settings* settings) {
  if (settings == nullptr) return;
  *settings = {};
  settings->threads = 1;
  settings->answer_ttl = 60;
  settings->negative_ttl = 60;
  settings->extended_errors = 1;
}

dnsfilter_status dnsfilter_filter_create(dnsfilter_filter** out, const dnsfilter_settings* settings,
                                         dnsfilter_catalogue** catalogue, dnsfilter_policy** policy,
                                         dnsfilter_error* err) {
  // Taken first, so that they are freed on every path.
  const std::unique_ptr<dnsfilter_catalogue> cat = take(catalogue);
  const std::unique_ptr<dnsfilter_policy> pol = take(policy);
  if (out == nullptr) return null_argument(err, "dnsfilter_filter_create", "out");
  *out = nullptr;
  if (settings == nullptr) return null_argument(err, "dnsfilter_filter_create", "settings");
  if (settings->threads == 0 || settings->threads > 4096)
    return fail(err, DNSFILTER_E_OUT_OF_RANGE, 0, "dnsfilter_filter_create: %u threads (1 to 4096)",
                settings->threads);
  const auto zone = df::stats::zone::from_offset(settings->utc_offset);
  if (!zone)
    return fail(err, DNSFILTER_E_OUT_OF_RANGE, 0,
                "dnsfilter_filter_create: UTC offset %ld s (whole minutes, -14:00 to +14:00)",
                static_cast<long>(settings->utc_offset));
  return guarded(err, [&] {
    std::shared_ptr<const df::policy::policy_set> policies;
    if (const dnsfilter_status s = build_policy(pol.get(), policies, err); s != DNSFILTER_OK) return s;
    df::sinkhole::settings s;
    if (settings->has_ipv4) {
      df::wire::rdata::a a;
      std::memcpy(a.address.data(), settings->ipv4, 4);
      s.ipv4 = a;
    }
    if (settings->has_ipv6) {
      df::wire::rdata::aaaa aaaa;
      std::memcpy(aaaa.address.data(), settings->ipv6, 16);
      s.ipv6 = aaaa;
    }
    s.answer_ttl = settings->answer_ttl;
    s.soa.minimum = settings->negative_ttl;
    s.extended_errors = settings->extended_errors != 0;
    df::stats::registry_options options;
    options.zone = *zone;
    *out = new dnsfilter_filter(settings->threads, options, cat ? std::move(cat->catalogue) : df::match::catalogue{},
                                std::move(policies), std::move(s));
    return DNSFILTER_OK;
  });
}

void dnsfilter_filter_free(dnsfilter_filter* filter) { delete filter; }

dnsfilter_status dnsfilter_filter_swap_catalogue(dnsfilter_filter* filter, dnsfilter_catalogue** catalogue,
                                                 dnsfilter_error* err) {
  const std::unique_ptr<dnsfilter_catalogue> cat = take(catalogue);
  if (filter == nullptr) return null_argument(err, "dnsfilter_filter_swap_catalogue", "filter");
  return guarded(err, [&] {
    filter->catalogue.store(
        df::make_snapshot(cat ? std::move(cat->catalogue) : df::match::catalogue{}, &filter->counters));
    return DNSFILTER_OK;
  });
}

dnsfilter_status dnsfilter_filter_swap_policy(dnsfilter_filter* filter, dnsfilter_policy** policy,
                                              dnsfilter_error* err) {
  const std::unique_ptr<dnsfilter_policy> pol = take(policy);
  if (filter == nullptr) return null_argument(err, "dnsfilter_filter_swap_policy", "filter");
  return guarded(err, [&] {
    std::shared_ptr<const df::policy::policy_set> policies;
    if (const dnsfilter_status s = build_policy(pol.get(), policies, err); s != DNSFILTER_OK) return s;
    filter->policies.store(std::move(policies));
    return DNSFILTER_OK;
  });
}

// ---------------------------------------------------------------------------
// Per packet: nothing here allocates or throws.

dnsfilter_status dnsfilter_process(dnsfilter_filter* filter, unsigned thread, const dnsfilter_query* query,
                                   void* out, size_t out_size, dnsfilter_result* result, dnsfilter_ticket* ticket) {
  df::filter* f = worker_of(filter, thread);
  if (f == nullptr || query == nullptr || result == nullptr || (query->packet == nullptr && query->size != 0) ||
      (out == nullptr && out_size != 0) || (query->client.family != 4 && query->client.family != 6))
    return DNSFILTER_E_INVALID_ARGUMENT;
  const std::span<const std::byte> packet{static_cast<const std::byte*>(query->packet), query->size};
  const std::span<std::byte> buffer{static_cast<std::byte*>(out), out_size};
  const df::filter_result r =
      f->process(packet, address_of(query->client), query->listener, query->now, buffer,
                 query->tcp ? df::sinkhole::transport::tcp : df::sinkhole::transport::udp);
  *result = {};
  result->outcome = static_cast<dnsfilter_outcome>(r.what);
  result->answer = reinterpret_cast<const uint8_t*>(r.answer.data());
  result->answer_size = r.answer.size();
  result->reason = status_of(r.error);
  result->basis = static_cast<dnsfilter_basis>(r.policy.decided_by);
  result->filtered = r.filtered();
  result->monitored = r.monitored();
  if (r.entry != nullptr) result->action = static_cast<dnsfilter_action>(r.entry->action);
  result->entry = entry_key(r.entry);
  if (ticket != nullptr && (r.what == df::filter_outcome::forward || r.what == df::filter_outcome::opted_out)) {
    const ticket_storage t{r.ticket(), filter, thread, ticket_storage::tag};
    std::memcpy(ticket->opaque, &t, sizeof t);
  }
  // Only a buffer under 12 octets fails to take an answer (filter.hpp).
  return r.error == df::errc::no_space ? DNSFILTER_E_NO_SPACE : DNSFILTER_OK;
}

dnsfilter_status dnsfilter_check_answer(dnsfilter_filter* filter, unsigned thread, const dnsfilter_ticket* ticket,
                                        const void* answer, size_t size, void* out, size_t out_size,
                                        dnsfilter_check* result) {
  df::filter* f = worker_of(filter, thread);
  if (f == nullptr || ticket == nullptr || result == nullptr || (answer == nullptr && size != 0) ||
      (out == nullptr && out_size != 0))
    return DNSFILTER_E_INVALID_ARGUMENT;
  ticket_storage t;
  std::memcpy(&t, ticket->opaque, sizeof t);
  if (t.made != ticket_storage::tag || t.owner != filter || t.thread != thread) return DNSFILTER_E_INVALID_ARGUMENT;
  *result = {};
  const auto parsed = df::wire::message_view::parse({static_cast<const std::byte*>(answer), size});
  if (!parsed) return status_of(parsed.error());
  const df::response_result r = f->check_response(t.ticket, *parsed, {static_cast<std::byte*>(out), out_size});
  result->blocked = r.blocked;
  result->monitored = r.monitored;
  result->answer = reinterpret_cast<const uint8_t*>(r.answer.data());
  result->answer_size = r.answer.size();
  if (r.entry != nullptr) result->action = static_cast<dnsfilter_action>(r.entry->action);
  result->entry = entry_key(r.entry);
  if (r.blocked && r.answer.empty() && r.entry->action != df::match::action::drop) return DNSFILTER_E_NO_SPACE;
  return DNSFILTER_OK;
}

void dnsfilter_release(dnsfilter_filter* filter, unsigned thread) {
  if (df::filter* f = worker_of(filter, thread)) f->release();
}

// ---------------------------------------------------------------------------
// Statistics

dnsfilter_status dnsfilter_read_counts(dnsfilter_filter* filter, int year, int month, dnsfilter_counts* out,
                                       dnsfilter_error* err) {
  if (filter == nullptr) return null_argument(err, "dnsfilter_read_counts", "filter");
  if (out == nullptr) return null_argument(err, "dnsfilter_read_counts", "out");
  return with_counts(filter, year, month, err, [&](const df::stats::month_counts& c, std::uint64_t unrecorded) {
    *out = {};
    out->queries = c.queries();
    out->passed = c.passed;
    out->filtered = c.filtered;
    out->opted_out = c.opted_out;
    out->monitored = c.monitored;
    for (std::size_t i = 0; i < df::match::action_count; ++i) out->by_action[i] = c.by_action[i];
    out->unrecorded = unrecorded;
  });
}

dnsfilter_status dnsfilter_read_entry_counts(dnsfilter_filter* filter, int year, int month,
                                             dnsfilter_entry_count_fn each, void* context, dnsfilter_error* err) {
  if (filter == nullptr) return null_argument(err, "dnsfilter_read_entry_counts", "filter");
  if (each == nullptr) return null_argument(err, "dnsfilter_read_entry_counts", "each");
  return with_counts(filter, year, month, err, [&](const df::stats::month_counts& c, std::uint64_t) {
    for (const auto& [key, hits] : c.by_entry) {
      const auto monitored = c.monitored_by_entry.find(key);
      each(context, key.c_str(), hits, monitored != c.monitored_by_entry.end() ? monitored->second : 0);
    }
  });
}

dnsfilter_status dnsfilter_write_counts(dnsfilter_filter* filter, const char* path, dnsfilter_error* err) {
  if (filter == nullptr) return null_argument(err, "dnsfilter_write_counts", "filter");
  if (path == nullptr) return null_argument(err, "dnsfilter_write_counts", "path");
  return guarded(err, [&] {
    errno = 0;
    const auto written = df::stats::write_totals(path, filter->counters.read());
    if (!written)
      return fail(err, status_of(written.error()), 0, "cannot write %s%s%s", path, errno != 0 ? ": " : "",
                  errno != 0 ? std::strerror(errno) : "");
    return DNSFILTER_OK;
  });
}

dnsfilter_status dnsfilter_merge_counts(dnsfilter_filter* filter, const char* path, dnsfilter_error* err) {
  if (filter == nullptr) return null_argument(err, "dnsfilter_merge_counts", "filter");
  if (path == nullptr) return null_argument(err, "dnsfilter_merge_counts", "path");
  return guarded(err, [&] {
    std::string text;
    if (const dnsfilter_status s = read_whole(path, text, err); s != DNSFILTER_OK) return s;
    df::diagnostic why;
    const auto totals = df::stats::parse_totals(text, &why);
    if (!totals)
      return fail(err, status_of(totals.error()), why.line, "%s:%lu: %s", path,
                  static_cast<unsigned long>(why.line), why.message.c_str());
    if (const auto merged = filter->counters.merge(*totals); !merged)
      return fail(err, status_of(merged.error()), 0, "%s: counted in UTC%s, not in this filter's zone", path,
                  totals->zone.text().data());
    return DNSFILTER_OK;
  });
}

// ---------------------------------------------------------------------------
// Forwarding: begin, write_query, accept, expire, tick and cancel allocate
// nothing and throw nothing.

void dnsfilter_forwarder_settings_init(dnsfilter_forwarder_settings* settings) {
  if (settings == nullptr) return;
  const fwd::table_settings table;
  const fwd::health_settings health;
  const fwd::alarm_settings alarm;
  *settings = {};
  settings->capacity = table.capacity;
  settings->attempts = table.attempts;
  settings->timeout_ms = table.timeout_ms;
  settings->tcp_timeout_ms = table.tcp_timeout_ms;
  settings->edns = DNSFILTER_EDNS_AS_CLIENT;
  settings->payload = table.payload;
  settings->selection = DNSFILTER_SELECT_ORDERED;
  settings->down_after = health.down_after;
  settings->retry_after_ms = health.retry_after_ms;
  settings->max_backoff_ms = health.max_backoff_ms;
  settings->alarm_window_ms = alarm.window_ms;
  settings->alarm_threshold = alarm.threshold;
}

dnsfilter_status dnsfilter_forwarder_create(dnsfilter_forwarder** out, const dnsfilter_forwarder_settings* settings,
                                            const dnsfilter_endpoint* upstreams, size_t count, dnsfilter_error* err) {
  static constexpr const char* function = "dnsfilter_forwarder_create";
  if (out == nullptr) return null_argument(err, function, "out");
  *out = nullptr;
  if (settings == nullptr) return null_argument(err, function, "settings");
  if (upstreams == nullptr) return null_argument(err, function, "upstreams");
  if (count < 1 || count > fwd::max_upstreams)
    return fail(err, DNSFILTER_E_OUT_OF_RANGE, 0, "%s: %zu upstreams (1 to %zu)", function, count, fwd::max_upstreams);
  std::array<fwd::endpoint, fwd::max_upstreams> endpoints;
  for (std::size_t i = 0; i < count; ++i) {
    if (!valid_family(upstreams[i].address) || upstreams[i].port == 0)
      return fail(err, DNSFILTER_E_INVALID_ARGUMENT, 0, "%s: upstream %zu: address family %u (4 or 6), port %u",
                  function, i, static_cast<unsigned>(upstreams[i].address.family),
                  static_cast<unsigned>(upstreams[i].port));
    endpoints[i] = endpoint_of(upstreams[i]);
  }
  fwd::table_settings table;
  fwd::health_settings health;
  fwd::alarm_settings alarm;
  if (const dnsfilter_status s = forwarder_settings(*settings, table, health, alarm, err); s != DNSFILTER_OK) return s;
  return guarded(err, [&] {
    auto set = fwd::upstream_set::make({endpoints.data(), count}, health);
    if (!set) return fail(err, status_of(set.error()), 0, "%s: %s", function, df::to_string(set.error()));
    *out = new dnsfilter_forwarder(std::move(*set), alarm, table);
    return DNSFILTER_OK;
  });
}

void dnsfilter_forwarder_free(dnsfilter_forwarder* forwarder) { delete forwarder; }

dnsfilter_status dnsfilter_forwarder_begin(dnsfilter_forwarder* forwarder, const dnsfilter_ticket* ticket,
                                           int64_t now_ms, void* query, size_t query_size,
                                           dnsfilter_dispatch* dispatch, dnsfilter_error* err) {
  return start(forwarder, ticket, false, 0, now_ms, query, query_size, dispatch, err, "dnsfilter_forwarder_begin");
}

dnsfilter_status dnsfilter_forwarder_begin_tcp(dnsfilter_forwarder* forwarder, const dnsfilter_ticket* ticket,
                                               size_t upstream, int64_t now_ms, void* query, size_t query_size,
                                               dnsfilter_dispatch* dispatch, dnsfilter_error* err) {
  return start(forwarder, ticket, true, upstream, now_ms, query, query_size, dispatch, err,
               "dnsfilter_forwarder_begin_tcp");
}

dnsfilter_status dnsfilter_forwarder_write_query(const dnsfilter_forwarder* forwarder, dnsfilter_attempt attempt,
                                                 void* out, size_t out_size, size_t* size, dnsfilter_error* err) {
  static constexpr const char* function = "dnsfilter_forwarder_write_query";
  if (const dnsfilter_status s = check_attempt(forwarder, attempt, err, function); s != DNSFILTER_OK) return s;
  if (out == nullptr) return null_argument(err, function, "out");
  if (size == nullptr) return null_argument(err, function, "size");
  const std::size_t needed = query_size_for(forwarder->table.settings(), *forwarder->table.client(attempt_of(attempt)));
  const auto written = forwarder->table.write_query(attempt_of(attempt), {static_cast<std::byte*>(out), out_size});
  if (written.empty())
    return fail(err, DNSFILTER_E_NO_SPACE, 0, "%s: the query takes %zu octets, the buffer has %zu", function, needed,
                out_size);
  *size = written.size();
  return DNSFILTER_OK;
}

dnsfilter_status dnsfilter_forwarder_accept(dnsfilter_forwarder* forwarder, dnsfilter_attempt attempt, void* answer,
                                            size_t size, const dnsfilter_endpoint* from, int64_t now_ms,
                                            dnsfilter_accept_result* result, dnsfilter_error* err) {
  static constexpr const char* function = "dnsfilter_forwarder_accept";
  if (forwarder == nullptr) return null_argument(err, function, "forwarder");
  if (answer == nullptr && size != 0) return null_argument(err, function, "answer");
  if (from == nullptr) return null_argument(err, function, "from");
  if (result == nullptr) return null_argument(err, function, "result");
  if (!valid_family(from->address))
    return fail(err, DNSFILTER_E_INVALID_ARGUMENT, 0, "%s: address family %u (4 or 6)", function,
                static_cast<unsigned>(from->address.family));
  if (const dnsfilter_status s = check_attempt(forwarder, attempt, err, function); s != DNSFILTER_OK) return s;
  const fwd::accept_result r = forwarder->table.accept(
      attempt_of(attempt), {static_cast<std::byte*>(answer), size}, endpoint_of(*from), now_ms);
  *result = {};
  result->what = static_cast<dnsfilter_answer_kind>(r.what);
  result->why = static_cast<dnsfilter_reject>(r.why);
  result->truncated = r.truncated;
  result->next = c_step(*forwarder, r.next);
  result->health = c_health(r.health);
  result->alarm = static_cast<dnsfilter_alarm_event>(r.alarm);
  return DNSFILTER_OK;
}

dnsfilter_status dnsfilter_forwarder_expire(dnsfilter_forwarder* forwarder, dnsfilter_attempt attempt, int64_t now_ms,
                                            dnsfilter_next_step* step, dnsfilter_error* err) {
  static constexpr const char* function = "dnsfilter_forwarder_expire";
  if (step == nullptr) return null_argument(err, function, "step");
  if (const dnsfilter_status s = check_attempt(forwarder, attempt, err, function); s != DNSFILTER_OK) return s;
  *step = c_step(*forwarder, forwarder->table.expire(attempt_of(attempt), now_ms));
  return DNSFILTER_OK;
}

dnsfilter_status dnsfilter_forwarder_tick(dnsfilter_forwarder* forwarder, int64_t now_ms,
                                          dnsfilter_expired_fn on_expired, void* context, size_t* expired) {
  if (forwarder == nullptr || on_expired == nullptr) return DNSFILTER_E_INVALID_ARGUMENT;
  const std::size_t n = forwarder->table.tick(now_ms, [&](fwd::attempt a, const fwd::next_step& next) {
    const dnsfilter_next_step step = c_step(*forwarder, next);
    on_expired(context, dnsfilter_attempt{a.slot, a.generation}, &step);
  });
  if (expired != nullptr) *expired = n;
  return DNSFILTER_OK;
}

int64_t dnsfilter_forwarder_next_deadline(const dnsfilter_forwarder* forwarder) {
  return forwarder != nullptr ? forwarder->table.next_deadline() : INT64_MAX;
}

size_t dnsfilter_forwarder_in_flight(const dnsfilter_forwarder* forwarder) {
  return forwarder != nullptr ? forwarder->table.in_flight() : 0;
}

dnsfilter_status dnsfilter_forwarder_cancel(dnsfilter_forwarder* forwarder, dnsfilter_attempt attempt,
                                            dnsfilter_error* err) {
  if (const dnsfilter_status s = check_attempt(forwarder, attempt, err, "dnsfilter_forwarder_cancel"); s != DNSFILTER_OK)
    return s;
  forwarder->table.cancel(attempt_of(attempt));
  return DNSFILTER_OK;
}

uint16_t dnsfilter_forwarder_draw_port(dnsfilter_forwarder* forwarder) {
  return forwarder != nullptr ? forwarder->table.draw_port() : 0;
}

dnsfilter_status dnsfilter_forwarder_read_mismatches(const dnsfilter_forwarder* forwarder, int64_t now_ms,
                                                     dnsfilter_mismatch_counts* out) {
  if (forwarder == nullptr || out == nullptr) return DNSFILTER_E_INVALID_ARGUMENT;
  *out = {};
  for (std::size_t i = 0; i < fwd::reject_kinds; ++i) out->by_reason[i] = forwarder->alarm.total(static_cast<fwd::reject>(i));
  out->in_window = forwarder->alarm.in_window(now_ms);
  out->alarms = forwarder->alarm.alarms();
  out->raised = forwarder->alarm.raised();
  return DNSFILTER_OK;
}

dnsfilter_alarm_event dnsfilter_forwarder_poll_alarm(dnsfilter_forwarder* forwarder, int64_t now_ms) {
  if (forwarder == nullptr) return DNSFILTER_ALARM_NONE;
  return static_cast<dnsfilter_alarm_event>(forwarder->alarm.poll(now_ms));
}

dnsfilter_status dnsfilter_servfail(const dnsfilter_filter* filter, const dnsfilter_ticket* ticket,
                                    const char* ede_text, void* out, size_t out_size, size_t* answer_size) {
  if (filter == nullptr || (out == nullptr && out_size != 0) || answer_size == nullptr)
    return DNSFILTER_E_INVALID_ARGUMENT;
  ticket_storage t;
  if (ticket_of(ticket, t, nullptr, "dnsfilter_servfail") != DNSFILTER_OK || t.owner != filter)
    return DNSFILTER_E_INVALID_ARGUMENT;
  std::optional<df::wire::extended_error> ede;
  if (ede_text != nullptr) ede = df::wire::extended_error{df::wire::ede_code::network_error, ede_text};
  const auto a = filter->responder.error_answer(t.ticket.query, df::wire::rcode::servfail,
                                                {static_cast<std::byte*>(out), out_size}, ede);
  if (!a) return status_of(a.error());
  *answer_size = a->size();
  return DNSFILTER_OK;
}

}  // extern "C"
