/* dnsfilter — the C API: the filter facade for firmware written in C.
 *
 * Four opaque handles: a catalogue (block lists loaded from files or text),
 * a policy (who opted out), a filter (the serving state: the compiled
 * catalogue, the policy, the sinkhole answer, the statistics), and a
 * forwarder (the upstream transactions of one serving thread). A query packet
 * goes through dnsfilter_process() into a caller buffer; a forwarded one
 * upstream through dnsfilter_forwarder_begin() and its answer back through
 * dnsfilter_forwarder_accept() and dnsfilter_check_answer(). Every fallible call
 * returns a dnsfilter_status and can fill a caller's dnsfilter_error with the
 * reason. Ownership, threads and errors: docs/c-api.md.
 *
 * C99; link the static library dnsfilter_c (CMake: dnsfilter::dnsfilter_c,
 * pkg-config: dnsfilter-c). */
#ifndef DNSFILTER_H
#define DNSFILTER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Every enum below ends with a *_MAX_ENUM of 0x7fffffff, which no call
 * takes or gives: it makes the enum as wide as an int in C and in C++, so that
 * a value out of range (passed by mistake) is refused with an error rather
 * than being undefined behaviour in the library's C++. */

/* ------------------------------------------------------------------------
 * Status codes. 1 to 99 are the library's own error codes (dnsfilter::errc,
 * same values); 100 and up belong to the C API. */
typedef enum dnsfilter_status {
  DNSFILTER_OK = 0,
  DNSFILTER_E_TRUNCATED = 1,
  DNSFILTER_E_LABEL_TOO_LONG = 2,
  DNSFILTER_E_NAME_TOO_LONG = 3,
  DNSFILTER_E_RESERVED_LABEL_TYPE = 4,
  DNSFILTER_E_BAD_POINTER = 5,
  DNSFILTER_E_TOO_MANY_POINTERS = 6,
  DNSFILTER_E_EMPTY_LABEL = 7,
  DNSFILTER_E_BAD_ESCAPE = 8,
  DNSFILTER_E_BAD_CHARACTER = 9,
  DNSFILTER_E_BAD_QUESTION_COUNT = 10,
  DNSFILTER_E_BAD_RDATA = 11,
  DNSFILTER_E_DUPLICATE_OPT = 12,
  DNSFILTER_E_MISPLACED_OPT = 13,
  DNSFILTER_E_BAD_OPTION = 14,
  DNSFILTER_E_TRAILING_DATA = 15,
  DNSFILTER_E_NO_SPACE = 16,
  DNSFILTER_E_OUT_OF_RANGE = 17,
  DNSFILTER_E_INVALID_LIST_LINE = 18,
  DNSFILTER_E_BAD_UTF8 = 19,
  DNSFILTER_E_BAD_DATE = 20,
  DNSFILTER_E_IO_ERROR = 21,
  DNSFILTER_E_BAD_STATS_FILE = 22,
  DNSFILTER_E_WRITE_FAILED = 23,
  DNSFILTER_E_INVALID_ARGUMENT = 24,
  DNSFILTER_E_NOT_REGULAR_FILE = 25,
  DNSFILTER_E_TRANSFER_REFUSED = 26,
  DNSFILTER_E_TRANSFER_MISMATCH = 27,
  DNSFILTER_E_TRANSFER_OUT_OF_ZONE = 28,
  DNSFILTER_E_TRANSFER_SERIAL = 29,
  DNSFILTER_E_TRANSFER_MALFORMED = 30,
  DNSFILTER_E_TSIG_MISSING = 31,
  DNSFILTER_E_TSIG_MALFORMED = 32,
  DNSFILTER_E_TSIG_BAD_KEY = 33,
  DNSFILTER_E_TSIG_BAD_SIGNATURE = 34,
  DNSFILTER_E_TSIG_BAD_TIME = 35,
  DNSFILTER_E_TSIG_UNSIGNED_TAIL = 36,
  DNSFILTER_E_TSIG_PEER_BAD_SIGNATURE = 37,
  DNSFILTER_E_TSIG_PEER_BAD_KEY = 38,
  DNSFILTER_E_TSIG_PEER_BAD_TIME = 39,
  DNSFILTER_E_TSIG_PEER_ERROR = 40,
  DNSFILTER_E_TSIG_HMAC_FAILED = 41,
  DNSFILTER_E_BAD_KEY_FILE = 42,
  DNSFILTER_E_UNKNOWN_TIME_ZONE = 43,
  DNSFILTER_E_BAD_IMAGE = 44,
  DNSFILTER_E_STATS_CONFLICT = 45,
  DNSFILTER_E_TABLE_FULL = 46,
  DNSFILTER_E_NO_RANDOMNESS = 47,
  DNSFILTER_E_OVER_BUDGET = 48,
  /* Memory ran out (std::bad_alloc inside the library); nothing was changed. */
  DNSFILTER_E_NOMEM = 100,
  /* Any other C++ exception inside the library: a bug, please report it. */
  DNSFILTER_E_INTERNAL = 101,
  DNSFILTER_STATUS_MAX_ENUM = 0x7fffffff
} dnsfilter_status;

/* A short, stable text for a status; never NULL. */
const char* dnsfilter_status_string(dnsfilter_status status);

/* What went wrong, for a caller that passes one (every `err` may be NULL).
 * Filled on failure only: `message` is the whole reason, NUL-terminated and
 * cut to fit, "FILE:LINE: reason" for a line of a list or policy file. */
#define DNSFILTER_MESSAGE_SIZE 256
typedef struct dnsfilter_error {
  dnsfilter_status status;
  unsigned long line; /* 1-based line of the file or text; 0 when none */
  char message[DNSFILTER_MESSAGE_SIZE];
} dnsfilter_error;

/* "MAJOR.MINOR.PATCH" of the library this was built from. */
const char* dnsfilter_version(void);

/* ------------------------------------------------------------------------
 * Addresses: network-order bytes, as in sin_addr (family 4, the first 4
 * bytes) or sin6_addr (family 6, all 16). */
typedef struct dnsfilter_address {
  uint8_t family; /* 4 or 6 */
  uint8_t bytes[16];
} dnsfilter_address;

/* "192.0.2.1", "2001:db8::1" (strict: no leading zeros, no zone). */
dnsfilter_status dnsfilter_address_parse(const char* text, dnsfilter_address* out);

/* ------------------------------------------------------------------------
 * Loading: list formats, what a hit does, options and the report. */
typedef enum dnsfilter_format {
  DNSFILTER_FORMAT_AUTO = 0, /* by extension, then by content */
  DNSFILTER_FORMAT_PLAIN,
  DNSFILTER_FORMAT_HOSTS,
  DNSFILTER_FORMAT_ADBLOCK,
  DNSFILTER_FORMAT_RPZ,
  DNSFILTER_FORMAT_CATALOGUE, /* the operator's TSV/CSV of dated entries */
  DNSFILTER_FORMAT_MAX_ENUM = 0x7fffffff
} dnsfilter_format;

typedef enum dnsfilter_action {
  DNSFILTER_ACTION_SINKHOLE = 0, /* A/AAAA get the sinkhole address, other types NODATA */
  DNSFILTER_ACTION_NXDOMAIN,
  DNSFILTER_ACTION_NODATA,
  DNSFILTER_ACTION_REFUSED,
  DNSFILTER_ACTION_DROP,
  DNSFILTER_ACTION_PASS,    /* an exception: forwarded, never checked for cloaking */
  DNSFILTER_ACTION_MONITOR, /* counted as monitored, answered normally */
  DNSFILTER_ACTION_COUNT,
  DNSFILTER_ACTION_MAX_ENUM = 0x7fffffff
} dnsfilter_action;

/* Called once per problem line of a lenient load (or the failing line of a
 * strict one), in order; `file` is the path or the name given for a text. */
typedef void (*dnsfilter_diagnostic_fn)(void* context, const char* file, unsigned long line, const char* message);

typedef struct dnsfilter_load_options {
  int strict;                 /* nonzero: the first bad line fails the load and changes nothing */
  dnsfilter_action action;    /* the action of a list's entries (catalogue rows and RPZ carry their own) */
  const char* category;       /* the category of a list's entries, or NULL */
  dnsfilter_diagnostic_fn on_diagnostic; /* or NULL */
  void* context;              /* passed to on_diagnostic */
  /* Octets the catalogue may take with its matcher once the list is added, or
   * 0 for no limit: a list over it fails with DNSFILTER_E_OVER_BUDGET and
   * changes nothing (reading stops once the list alone is over). */
  size_t memory_budget;
} dnsfilter_load_options;

/* Lenient, sinkhole, no category, no callback, no memory budget. */
void dnsfilter_load_options_init(dnsfilter_load_options* options);

typedef struct dnsfilter_load_report {
  size_t loaded;   /* records that became rules or entries (policy: directives) */
  size_t skipped;  /* valid records a DNS filter ignores */
  size_t invalid;  /* records refused, each with a diagnostic */
  size_t warnings; /* problems inside a loaded record */
  size_t lines;    /* physical lines read */
  size_t rules;    /* rules added (catalogue only) */
} dnsfilter_load_report;

/* ------------------------------------------------------------------------
 * The catalogue: block lists, appended to one another. */
typedef struct dnsfilter_catalogue dnsfilter_catalogue;

dnsfilter_status dnsfilter_catalogue_create(dnsfilter_catalogue** out, dnsfilter_error* err);
void dnsfilter_catalogue_free(dnsfilter_catalogue* catalogue); /* NULL is fine */

/* Appends the list in `path`. `options` and `report` may be NULL. A strict
 * load that fails, or a file that cannot be read, leaves the catalogue as it
 * was. */
dnsfilter_status dnsfilter_catalogue_load_file(dnsfilter_catalogue* catalogue, const char* path,
                                               dnsfilter_format format, const dnsfilter_load_options* options,
                                               dnsfilter_load_report* report, dnsfilter_error* err);
/* The same for `size` octets of text; `name` (or "<text>" when NULL) names it
 * in messages and as the entries' source. */
dnsfilter_status dnsfilter_catalogue_load_text(dnsfilter_catalogue* catalogue, const char* text, size_t size,
                                               const char* name, dnsfilter_format format,
                                               const dnsfilter_load_options* options,
                                               dnsfilter_load_report* report, dnsfilter_error* err);

/* Rules loaded so far (0 for NULL). */
size_t dnsfilter_catalogue_rules(const dnsfilter_catalogue* catalogue);

/* ------------------------------------------------------------------------
 * The opt-out policy, in the policy file's language (docs/library.md):
 *   listener 1 unfiltered | client 10.0.0.0/8 opt-out | client 10.1.0.0/16 filter
 *   subscriber-option 65001 | subscriber alice opt-out | trusted-forwarder 192.0.2.0/24 */
typedef struct dnsfilter_policy dnsfilter_policy;

dnsfilter_status dnsfilter_policy_create(dnsfilter_policy** out, dnsfilter_error* err); /* nobody opted out */
void dnsfilter_policy_free(dnsfilter_policy* policy);                                  /* NULL is fine */
/* Appends the rules of a policy file or text (options.action and .category
 * are not used). Later lines override earlier ones for the same prefix,
 * subscriber or listener. A strict load that fails changes nothing. */
dnsfilter_status dnsfilter_policy_load_file(dnsfilter_policy* policy, const char* path,
                                            const dnsfilter_load_options* options, dnsfilter_load_report* report,
                                            dnsfilter_error* err);
dnsfilter_status dnsfilter_policy_load_text(dnsfilter_policy* policy, const char* text, size_t size,
                                            const char* name, const dnsfilter_load_options* options,
                                            dnsfilter_load_report* report, dnsfilter_error* err);

/* ------------------------------------------------------------------------
 * The filter: what the serving threads share. */
typedef struct dnsfilter_filter dnsfilter_filter;

typedef struct dnsfilter_settings {
  unsigned threads;       /* serving threads (1 to 4096), each calling with its own index 0 .. threads-1; default 1 */
  int has_ipv4;           /* A queries for a blocked name get ipv4; without it, NODATA */
  uint8_t ipv4[4];
  int has_ipv6;           /* AAAA likewise */
  uint8_t ipv6[16];
  uint32_t answer_ttl;    /* TTL of the sinkhole records (default 60) */
  uint32_t negative_ttl;  /* the SOA MINIMUM of NXDOMAIN and NODATA answers (default 60) */
  int extended_errors;    /* RFC 8914 EDE naming the entry for EDNS clients (default 1) */
  int32_t utc_offset;     /* seconds east of UTC in which statistics months are counted (default 0) */
} dnsfilter_settings;

/* The defaults above; no sinkhole address. */
void dnsfilter_settings_init(dnsfilter_settings* settings);

/* Makes a filter serving `*catalogue` (compiled now) and `*policy`. Both
 * handles are taken, whatever the outcome: the call frees them and sets the
 * pointers to NULL. A NULL pointer (or a pointer to NULL) stands for an empty
 * catalogue or policy. */
dnsfilter_status dnsfilter_filter_create(dnsfilter_filter** out, const dnsfilter_settings* settings,
                                         dnsfilter_catalogue** catalogue, dnsfilter_policy** policy,
                                         dnsfilter_error* err);
/* No thread may be inside a call on the filter. NULL is fine. */
void dnsfilter_filter_free(dnsfilter_filter* filter);

/* Compiles `*catalogue` (or builds `*policy`) and publishes it atomically:
 * each serving thread picks it up at its next packet, without a lock. Takes
 * the handle as dnsfilter_filter_create does. On failure the filter keeps
 * serving what it served. Any thread, while others process. */
dnsfilter_status dnsfilter_filter_swap_catalogue(dnsfilter_filter* filter, dnsfilter_catalogue** catalogue,
                                                 dnsfilter_error* err);
dnsfilter_status dnsfilter_filter_swap_policy(dnsfilter_filter* filter, dnsfilter_policy** policy,
                                              dnsfilter_error* err);

/* ------------------------------------------------------------------------
 * Per packet: no allocation, no lock. */
typedef enum dnsfilter_outcome {
  DNSFILTER_FORWARD = 0, /* resolve upstream, then dnsfilter_check_answer() */
  DNSFILTER_OPTED_OUT,   /* resolve upstream; the client opted out (never logged or counted as filtered) */
  DNSFILTER_ANSWERED,    /* send result.answer: sinkhole, NXDOMAIN, NODATA, REFUSED */
  DNSFILTER_REJECTED,    /* send result.answer: FORMERR, NOTIMP, BADVERS */
  DNSFILTER_DROPPED,     /* send nothing: a response, a runt, or an entry whose action is drop */
  DNSFILTER_OUTCOME_MAX_ENUM = 0x7fffffff
} dnsfilter_outcome;

/* Which policy rule decided. */
typedef enum dnsfilter_basis {
  DNSFILTER_BASIS_DEFAULT = 0,
  DNSFILTER_BASIS_LISTENER,
  DNSFILTER_BASIS_SUBSCRIBER,
  DNSFILTER_BASIS_CLIENT_PREFIX,
  DNSFILTER_BASIS_MAX_ENUM = 0x7fffffff
} dnsfilter_basis;

typedef struct dnsfilter_query {
  const void* packet;        /* the query as received */
  size_t size;
  dnsfilter_address client;  /* its source address */
  uint16_t listener;         /* index of the address it arrived on (the policy's listeners) */
  int tcp;                   /* nonzero: the answer may be up to 65535 octets, else the client's UDP size */
  int64_t now;               /* seconds since 1970-01-01 UTC: entry dates, statistics month */
} dnsfilter_query;

typedef struct dnsfilter_result {
  dnsfilter_outcome outcome;
  const uint8_t* answer;     /* ANSWERED, REJECTED: the answer, at the start of `out` */
  size_t answer_size;
  dnsfilter_status reason;   /* REJECTED, DROPPED: why the packet was refused (DNSFILTER_OK: it was not) */
  dnsfilter_basis basis;     /* the policy rule that decided */
  int filtered;              /* an entry changed the answer */
  int monitored;             /* a monitored entry matched: counted, answered normally */
  dnsfilter_action action;   /* the deciding entry's action, when `entry` is set */
  /* The deciding entry's identifier ("" for a list without identifiers), or
   * NULL when no entry matched. Valid until the next call with this thread
   * index. */
  const char* entry;
} dnsfilter_result;

/* What dnsfilter_check_answer() needs of a forwarded query, copied out of the
 * packet so its buffer can be reused at once. Plain bytes: copy it, keep it
 * with the upstream transaction; no cleanup. */
typedef struct dnsfilter_ticket {
  uint64_t opaque[72];
} dnsfilter_ticket;

/* Decides one query packet on thread `thread`. The answer, if any, is written
 * to `out` (which may be the packet's own buffer). For FORWARD and OPTED_OUT
 * a non-NULL `ticket` is filled. DNSFILTER_OK whenever the packet was decided,
 * a malformed one included (REJECTED with FORMERR, `reason` says why);
 * DNSFILTER_E_NO_SPACE when an answer was due and `out` is under 12 octets
 * (a shorter answer than the whole one is cut at a record and flagged TC);
 * DNSFILTER_E_INVALID_ARGUMENT for a NULL or an unknown thread index. */
dnsfilter_status dnsfilter_process(dnsfilter_filter* filter, unsigned thread, const dnsfilter_query* query,
                                   void* out, size_t out_size, dnsfilter_result* result, dnsfilter_ticket* ticket);

typedef struct dnsfilter_check {
  int blocked;               /* a CNAME of the chain is blocked: send `answer` instead (none for drop) */
  int monitored;             /* a CNAME of the chain is monitored: counted; send the upstream answer */
  const uint8_t* answer;     /* blocked: the answer for the original question, at the start of `out` */
  size_t answer_size;
  dnsfilter_action action;   /* the blocking (or monitored) entry's action */
  const char* entry;         /* its identifier, or NULL; valid until the next call with this thread index */
} dnsfilter_check;

/* Checks the upstream answer to a forwarded query for CNAME cloaking: follows
 * the CNAME chain from the question's name and, when it reaches a blocked
 * name, writes the blocked answer for the original question to `out`. The
 * caller's transaction has matched the answer to its query (source address,
 * id, question). Call it with the thread index that processed the query.
 * DNSFILTER_E_* of the parser for an answer that is not a valid DNS message;
 * DNSFILTER_E_INVALID_ARGUMENT for a ticket that this filter and thread did
 * not fill. */
dnsfilter_status dnsfilter_check_answer(dnsfilter_filter* filter, unsigned thread, const dnsfilter_ticket* ticket,
                                        const void* answer, size_t size, void* out, size_t out_size,
                                        dnsfilter_check* result);

/* Lets thread `thread` drop its hold on a replaced catalogue or policy, e.g.
 * when it goes idle, so the memory is freed without waiting for its next
 * packet. */
void dnsfilter_release(dnsfilter_filter* filter, unsigned thread);

/* ------------------------------------------------------------------------
 * Statistics: exact counts per calendar month, any thread, any time. */
typedef struct dnsfilter_counts {
  uint64_t queries;     /* passed + filtered: the share's denominator (opted-out ones excluded) */
  uint64_t passed;
  uint64_t filtered;
  uint64_t opted_out;
  uint64_t monitored;   /* hits on monitored entries (counted in passed or filtered too) */
  uint64_t by_action[DNSFILTER_ACTION_COUNT];
  uint64_t unrecorded;  /* queries lost because counters could not be allocated */
} dnsfilter_counts;

/* The counts of month `month` (1-12) of `year`, or with year 0 and month 0
 * of every month together. */
dnsfilter_status dnsfilter_read_counts(dnsfilter_filter* filter, int year, int month, dnsfilter_counts* out,
                                       dnsfilter_error* err);

/* Calls `each` for every entry hit in that month (or every month), by its
 * key: the entry's identifier, or the list's name for a list without. */
typedef void (*dnsfilter_entry_count_fn)(void* context, const char* key, uint64_t hits, uint64_t monitored);
dnsfilter_status dnsfilter_read_entry_counts(dnsfilter_filter* filter, int year, int month,
                                             dnsfilter_entry_count_fn each, void* context, dnsfilter_error* err);

/* Writes every count to the statistics file `path`, replacing it atomically
 * (the format dnsfilter-report reads), and adds such a file's counts back in
 * (after a restart). */
dnsfilter_status dnsfilter_write_counts(dnsfilter_filter* filter, const char* path, dnsfilter_error* err);
dnsfilter_status dnsfilter_merge_counts(dnsfilter_filter* filter, const char* path, dnsfilter_error* err);

/* ------------------------------------------------------------------------
 * Forwarding: seed 002's protections for the queries the filter forwards
 * (docs/forwarding.md), without the sockets. Each attempt of a query gets a
 * fresh 16-bit id from the kernel's CSPRNG (getrandom, /dev/urandom), a
 * random letter case with 0x20 on, and a source port of its own: the caller
 * opens a fresh UDP socket per attempt, binds `source_port` when nonzero
 * (0: connect() alone lets the kernel pick a random ephemeral port),
 * connects it to `to` and sends the query. An answer is believed only from
 * that address and port, with that id, as a response to that exact question;
 * anything else is rejected with a reason, counted by the mismatch alarm, and
 * the attempt goes on waiting. A timeout, a network error or a REFUSED moves
 * the query to the next usable upstream with a new id, case and port until
 * the attempts are spent; then the client gets SERVFAIL (dnsfilter_servfail).
 * None of the client's id, cookie, ECS or padding travels upstream.
 *
 * A forwarder belongs to one thread at a time (each serving thread makes its
 * own, with its own upstream health and alarm). Its capacity is allocated
 * when it is made; begin, write_query, accept, expire, tick and cancel
 * allocate nothing. Times are `now_ms`: any monotonic clock in milliseconds. */
typedef struct dnsfilter_forwarder dnsfilter_forwarder;

/* An address and port: an upstream's, or where an answer came from. */
typedef struct dnsfilter_endpoint {
  dnsfilter_address address;
  uint16_t port;
} dnsfilter_endpoint;

typedef enum dnsfilter_upstream_edns {
  DNSFILTER_EDNS_AS_CLIENT = 0, /* an OPT when the client sent one: its DO bit, `payload` but never above its size */
  DNSFILTER_EDNS_ALWAYS,        /* always an OPT with `payload` and the client's DO bit */
  DNSFILTER_EDNS_MAX_ENUM = 0x7fffffff
} dnsfilter_upstream_edns;

typedef enum dnsfilter_selection {
  DNSFILTER_SELECT_ORDERED = 0, /* the first healthy upstream, in the order given */
  DNSFILTER_SELECT_ROUND_ROBIN, /* spread over the healthy ones */
  DNSFILTER_SELECTION_MAX_ENUM = 0x7fffffff
} dnsfilter_selection;

typedef struct dnsfilter_forwarder_settings {
  size_t capacity;          /* queries in flight at most, 1 to 65536 (default 64); beyond: DNSFILTER_E_TABLE_FULL */
  unsigned attempts;        /* UDP sends per query, each to the next usable upstream, 1 to 64 (default 3) */
  int64_t timeout_ms;       /* per UDP attempt (default 1000) */
  int64_t tcp_timeout_ms;   /* a dnsfilter_forwarder_begin_tcp exchange, whole (default 3000) */
  int randomize_case;       /* nonzero: 0x20, a random letter case echoed exactly (default 0) */
  /* Source ports drawn uniformly from [port_low, port_high], 1 to 65535; both
   * 0 (the default): source_port 0, and connect() picks from the kernel's
   * ephemeral range (Linux: 32768-60999, itself randomised). */
  uint16_t port_low, port_high;
  dnsfilter_upstream_edns edns; /* default DNSFILTER_EDNS_AS_CLIENT */
  uint16_t payload;         /* EDNS payload size advertised upstream, 512 or more (default 1232) */
  /* Upstream health: `down_after` consecutive failures (timeouts, network
   * errors, REFUSED) mark an upstream down; after `retry_after_ms` one query
   * probes it, the delay doubling per failed probe up to `max_backoff_ms`. */
  dnsfilter_selection selection; /* default DNSFILTER_SELECT_ORDERED */
  unsigned down_after;      /* at least 1 (default 3) */
  int64_t retry_after_ms;   /* at least 1 (default 5000) */
  int64_t max_backoff_ms;   /* at least retry_after_ms (default 60000) */
  /* The mismatch alarm: raised when more than `alarm_threshold` answers fail
   * the checks within `alarm_window_ms` (late ones aside), cleared after a
   * whole window without any. */
  int64_t alarm_window_ms;  /* at least 1 (default 10000) */
  uint64_t alarm_threshold; /* default 10 */
} dnsfilter_forwarder_settings;

/* The defaults above. */
void dnsfilter_forwarder_settings_init(dnsfilter_forwarder_settings* settings);

/* A forwarder to `count` upstreams (1 to 64, in order of preference; IPv4 or
 * IPv6, port nonzero). DNSFILTER_E_OUT_OF_RANGE for a setting out of its
 * range, DNSFILTER_E_INVALID_ARGUMENT for a bad endpoint or enum value. */
dnsfilter_status dnsfilter_forwarder_create(dnsfilter_forwarder** out, const dnsfilter_forwarder_settings* settings,
                                            const dnsfilter_endpoint* upstreams, size_t count, dnsfilter_error* err);
void dnsfilter_forwarder_free(dnsfilter_forwarder* forwarder); /* NULL is fine */

/* One send of a query. Stale once it is answered, retried, given up or
 * cancelled: every call then refuses it with DNSFILTER_E_INVALID_ARGUMENT and
 * changes nothing (close an attempt's socket when it ends, so that no
 * datagram for it is read later). `slot` is below the capacity and stays the
 * same across the attempts of one query: index your per-query state by it. */
typedef struct dnsfilter_attempt {
  uint32_t slot;
  uint32_t generation;
} dnsfilter_attempt;

/* What to send next. */
typedef struct dnsfilter_dispatch {
  dnsfilter_attempt attempt;
  size_t upstream;          /* its index in the upstreams given */
  dnsfilter_endpoint to;    /* that upstream: connect the attempt's socket to it */
  uint16_t source_port;     /* bind it first (0: no bind); on EADDRINUSE dnsfilter_forwarder_draw_port() */
  size_t query_size;        /* dnsfilter_forwarder_begin*: the query's size in its buffer; else 0 */
} dnsfilter_dispatch;

/* What a failure did to an upstream's health, for the caller's log. */
typedef enum dnsfilter_health {
  DNSFILTER_HEALTH_SAME = 0,
  DNSFILTER_HEALTH_DOWN,       /* marked down now, after `failures` consecutive failures */
  DNSFILTER_HEALTH_STILL_DOWN, /* a probe failed: the next one in `retry_in_ms` */
  DNSFILTER_HEALTH_UP,         /* a down upstream answered */
  DNSFILTER_HEALTH_MAX_ENUM = 0x7fffffff
} dnsfilter_health;

typedef struct dnsfilter_health_change {
  dnsfilter_health what;
  unsigned failures;
  int64_t retry_in_ms;
} dnsfilter_health_change;

typedef enum dnsfilter_next {
  DNSFILTER_NEXT_NONE = 0, /* nothing to do */
  DNSFILTER_NEXT_RETRY,    /* write and send `next` (dnsfilter_forwarder_write_query) */
  DNSFILTER_NEXT_FAIL,     /* no attempt left: the query is over, answer SERVFAIL */
  DNSFILTER_NEXT_MAX_ENUM = 0x7fffffff
} dnsfilter_next;

/* After a failed attempt: send the next one, or answer SERVFAIL. */
typedef struct dnsfilter_next_step {
  dnsfilter_next what;
  dnsfilter_dispatch next;        /* RETRY */
  dnsfilter_health_change health; /* of the upstream that failed */
} dnsfilter_next_step;

/* Why an answer was rejected. */
typedef enum dnsfilter_reject {
  DNSFILTER_REJECT_NONE = 0,
  DNSFILTER_REJECT_SOURCE,       /* from another address or port than the one queried */
  DNSFILTER_REJECT_ID,           /* another id than the attempt's */
  DNSFILTER_REJECT_NOT_RESPONSE, /* QR clear, or an opcode other than QUERY */
  DNSFILTER_REJECT_QUESTION,     /* another question (name, with 0x20 its case too; type; class), or not one */
  DNSFILTER_REJECT_MALFORMED,    /* shorter than its header and question, or a message that does not parse */
  DNSFILTER_REJECT_LATE,         /* for an attempt that is over (C++ callers; the C API refuses such a handle) */
  DNSFILTER_REJECT_COUNT,
  DNSFILTER_REJECT_MAX_ENUM = 0x7fffffff
} dnsfilter_reject;

typedef enum dnsfilter_alarm_event {
  DNSFILTER_ALARM_NONE = 0,
  DNSFILTER_ALARM_RAISED,  /* this rejection took the window over the threshold: log it */
  DNSFILTER_ALARM_CLEARED, /* a whole window passed without a rejection */
  DNSFILTER_ALARM_MAX_ENUM = 0x7fffffff
} dnsfilter_alarm_event;

typedef enum dnsfilter_answer_kind {
  DNSFILTER_ANSWER_ACCEPTED = 0, /* ours: the query is over; pass it to dnsfilter_check_answer */
  DNSFILTER_ANSWER_REJECTED,     /* not ours (`why`): ignore it and keep waiting */
  DNSFILTER_ANSWER_REFUSED,      /* the upstream REFUSED us: `next` says what now, as after a timeout */
  DNSFILTER_ANSWER_KIND_MAX_ENUM = 0x7fffffff
} dnsfilter_answer_kind;

typedef struct dnsfilter_accept_result {
  dnsfilter_answer_kind what;
  dnsfilter_reject why;           /* REJECTED */
  int truncated;                  /* ACCEPTED with TC set: only its header and question were checked */
  dnsfilter_next_step next;       /* REFUSED: the next attempt, or SERVFAIL */
  dnsfilter_health_change health; /* ACCEPTED: the upstream came back up, maybe */
  dnsfilter_alarm_event alarm;    /* REJECTED: this one raised the mismatch alarm */
} dnsfilter_accept_result;

/* Starts forwarding the query of `ticket` (from dnsfilter_process, outcome
 * FORWARD or OPTED_OUT): its first attempt in *dispatch, and its query
 * (our id and case, the client's question) written to `query`, of
 * dispatch->query_size octets (512 always suffice). DNSFILTER_E_TABLE_FULL
 * when `capacity` queries are in flight, DNSFILTER_E_NO_RANDOMNESS when the
 * kernel gave no random octets (answer SERVFAIL); DNSFILTER_E_NO_SPACE for a
 * `query` buffer too small, DNSFILTER_E_INVALID_ARGUMENT for NULLs or a
 * ticket dnsfilter_process did not fill: then nothing was started. */
dnsfilter_status dnsfilter_forwarder_begin(dnsfilter_forwarder* forwarder, const dnsfilter_ticket* ticket,
                                           int64_t now_ms, void* query, size_t query_size,
                                           dnsfilter_dispatch* dispatch, dnsfilter_error* err);
/* The same over TCP to upstream `upstream`, after a truncated UDP answer: one
 * attempt of tcp_timeout_ms with its own id and case; connect (no source
 * port), send the query with its 2-octet length, and pass the connection's
 * peer to accept. Its failure does not count against the upstream's health. */
dnsfilter_status dnsfilter_forwarder_begin_tcp(dnsfilter_forwarder* forwarder, const dnsfilter_ticket* ticket,
                                               size_t upstream, int64_t now_ms, void* query, size_t query_size,
                                               dnsfilter_dispatch* dispatch, dnsfilter_error* err);

/* The query of a live attempt, written to `out` (its size in *size): for a
 * RETRY, whose new id and case it carries. DNSFILTER_E_NO_SPACE when `out`
 * is too small (512 octets always suffice). */
dnsfilter_status dnsfilter_forwarder_write_query(const dnsfilter_forwarder* forwarder, dnsfilter_attempt attempt,
                                                 void* out, size_t out_size, size_t* size, dnsfilter_error* err);

/* A datagram that arrived on the socket of `attempt` from `from` (recvfrom's
 * source). DNSFILTER_OK whenever it was judged: see result->what. An accepted
 * one is modified in place: the client's id, RD bit and letter case restored,
 * ready for dnsfilter_check_answer and the client. A rejected or refused one
 * is left as it came. */
dnsfilter_status dnsfilter_forwarder_accept(dnsfilter_forwarder* forwarder, dnsfilter_attempt attempt, void* answer,
                                            size_t size, const dnsfilter_endpoint* from, int64_t now_ms,
                                            dnsfilter_accept_result* result, dnsfilter_error* err);

/* The attempt failed: it timed out, its socket could not be opened, bound,
 * connected or written, or ICMP said unreachable (recv's error). Counts it
 * against its upstream and says what next in *step: RETRY or FAIL. */
dnsfilter_status dnsfilter_forwarder_expire(dnsfilter_forwarder* forwarder, dnsfilter_attempt attempt, int64_t now_ms,
                                            dnsfilter_next_step* step, dnsfilter_error* err);

/* dnsfilter_forwarder_expire for every attempt whose deadline is at or before
 * `now_ms`, calling on_expired for each (close its socket, then send the
 * retry or answer SERVFAIL); the number expired in *expired (may be NULL). */
typedef void (*dnsfilter_expired_fn)(void* context, dnsfilter_attempt expired, const dnsfilter_next_step* step);
dnsfilter_status dnsfilter_forwarder_tick(dnsfilter_forwarder* forwarder, int64_t now_ms,
                                          dnsfilter_expired_fn on_expired, void* context, size_t* expired);

/* When the next attempt times out: the poll() timeout is this minus now_ms.
 * INT64_MAX when none is in flight (or for NULL). */
int64_t dnsfilter_forwarder_next_deadline(const dnsfilter_forwarder* forwarder);
/* Queries in flight (0 for NULL). */
size_t dnsfilter_forwarder_in_flight(const dnsfilter_forwarder* forwarder);

/* Ends a query without an answer (the caller gives up, or passes a truncated
 * answer on after a failed TCP retry). */
dnsfilter_status dnsfilter_forwarder_cancel(dnsfilter_forwarder* forwarder, dnsfilter_attempt attempt,
                                            dnsfilter_error* err);

/* Another source port from the range, when binding the last one failed
 * (EADDRINUSE); 0 without a range (or for NULL), or when the random source
 * failed: then bind nothing and let connect() pick. */
uint16_t dnsfilter_forwarder_draw_port(dnsfilter_forwarder* forwarder);

/* The mismatch alarm's counts. */
typedef struct dnsfilter_mismatch_counts {
  uint64_t by_reason[DNSFILTER_REJECT_COUNT]; /* rejected answers since start, by dnsfilter_reject */
  uint64_t in_window;                         /* spoofing rejections within the window ending at now_ms */
  uint64_t alarms;                            /* times the alarm was raised since start */
  int raised;                                 /* the alarm is raised now */
} dnsfilter_mismatch_counts;

dnsfilter_status dnsfilter_forwarder_read_mismatches(const dnsfilter_forwarder* forwarder, int64_t now_ms,
                                                     dnsfilter_mismatch_counts* out);
/* Clears the alarm once a whole window was quiet (DNSFILTER_ALARM_CLEARED,
 * once); call it now and then, e.g. when a poll() returns. */
dnsfilter_alarm_event dnsfilter_forwarder_poll_alarm(dnsfilter_forwarder* forwarder, int64_t now_ms);

/* The SERVFAIL for a forwarded query that no upstream answered (NEXT_FAIL,
 * or a begin that failed), written to `out` (its size in *answer_size), with
 * Extended DNS Error 23 (Network Error) and `ede_text` for an EDNS client
 * when `ede_text` is not NULL. DNSFILTER_E_NO_SPACE when `out` is under 12
 * octets; DNSFILTER_E_INVALID_ARGUMENT for a ticket this filter did not fill. */
dnsfilter_status dnsfilter_servfail(const dnsfilter_filter* filter, const dnsfilter_ticket* ticket,
                                    const char* ede_text, void* out, size_t out_size, size_t* answer_size);

#ifdef __cplusplus
}
#endif

#endif /* DNSFILTER_H */
