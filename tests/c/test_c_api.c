/* The C API (include/dnsfilter.h) as C firmware uses it: a C99 program built
 * with -std=c99 -Wall -Wextra -pedantic -Werror. It loads the catalogue and
 * the policy of tests/c/data, decides query packets written here byte by
 * byte, checks upstream answers, swaps snapshots while a second thread
 * serves, reads the counters, and walks every error path.
 *
 *   dnsfilter_c_api_test DATA_DIR SCRATCH_DIR */
#include <dnsfilter.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int checks = 0, failures = 0;

#define CHECK(cond)                                                          \
  do {                                                                       \
    ++checks;                                                                \
    if (!(cond)) {                                                           \
      ++failures;                                                            \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
    }                                                                        \
  } while (0)

/* A call's status, compared with the one expected; says both when they differ. */
#define CHECK_STATUS(call, expected)                                                                    \
  do {                                                                                                  \
    dnsfilter_status got_ = (call);                                                                     \
    ++checks;                                                                                           \
    if (got_ != (expected)) {                                                                           \
      ++failures;                                                                                       \
      fprintf(stderr, "%s:%d: %s gave %d (%s), expected %s\n", __FILE__, __LINE__, #call, (int)got_,    \
              dnsfilter_status_string(got_), #expected);                                                \
    }                                                                                                   \
  } while (0)

static const char* data_dir;
static const char* scratch_dir;

/* DIR/FILE in one of four rotating buffers. */
static const char* path_in(const char* dir, const char* file) {
  static char buffers[4][1024];
  static int next = 0;
  char* p = buffers[next++ % 4];
  snprintf(p, sizeof buffers[0], "%s/%s", dir, file);
  return p;
}

/* 2026-01-15T00:00:00Z: inside every entry's window but CAPI-0003's. */
static const int64_t now = 1768435200;

/* ------------------------------------------------------------------------
 * DNS packets, byte by byte. */
enum { TYPE_A = 1, TYPE_CNAME = 5, TYPE_AAAA = 28, TYPE_OPT = 41 };

static size_t put16(uint8_t* p, unsigned v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
  return 2;
}

/* "a.b.example" as wire labels. */
static size_t put_name(uint8_t* p, const char* name) {
  size_t n = 0;
  while (*name != '\0') {
    const char* dot = strchr(name, '.');
    size_t len = dot != NULL ? (size_t)(dot - name) : strlen(name);
    p[n++] = (uint8_t)len;
    memcpy(p + n, name, len);
    n += len;
    name += len;
    if (*name == '.') ++name;
  }
  p[n++] = 0;
  return n;
}

static size_t put_header(uint8_t* p, unsigned id, unsigned flags, unsigned qd, unsigned an, unsigned ar) {
  size_t n = put16(p, id);
  n += put16(p + n, flags);
  n += put16(p + n, qd);
  n += put16(p + n, an);
  n += put16(p + n, 0);
  n += put16(p + n, ar);
  return n;
}

/* A query with RD set; with `option_size` > 0 (or `edns`) an OPT record
 * (payload 1232) carrying option `option_code` with those bytes. */
static size_t make_query(uint8_t* p, unsigned id, const char* name, unsigned type, int edns, unsigned option_code,
                         const char* option, size_t option_size) {
  size_t n = put_header(p, id, 0x0100, 1, 0, edns ? 1 : 0);
  n += put_name(p + n, name);
  n += put16(p + n, type);
  n += put16(p + n, 1);
  if (edns) {
    p[n++] = 0; /* root owner */
    n += put16(p + n, TYPE_OPT);
    n += put16(p + n, 1232);
    n += put16(p + n, 0);
    n += put16(p + n, 0);
    n += put16(p + n, option_size > 0 ? (unsigned)(4 + option_size) : 0);
    if (option_size > 0) {
      n += put16(p + n, option_code);
      n += put16(p + n, (unsigned)option_size);
      memcpy(p + n, option, option_size);
      n += option_size;
    }
  }
  return n;
}

static size_t make_plain_query(uint8_t* p, unsigned id, const char* name, unsigned type) {
  return make_query(p, id, name, type, 0, 0, NULL, 0);
}

/* The upstream's answer to `name` A: `name` CNAME `target`, `target` A 198.51.100.7. */
static size_t make_cname_answer(uint8_t* p, unsigned id, const char* name, const char* target) {
  size_t n = put_header(p, id, 0x8180, 1, 2, 0);
  size_t target_at, rdlength_at;
  n += put_name(p + n, name);
  n += put16(p + n, TYPE_A);
  n += put16(p + n, 1);
  n += put16(p + n, 0xc00c); /* owner: the question's name */
  n += put16(p + n, TYPE_CNAME);
  n += put16(p + n, 1);
  n += put16(p + n, 0);
  n += put16(p + n, 300);
  rdlength_at = n;
  n += 2;
  target_at = n;
  n += put_name(p + n, target);
  put16(p + rdlength_at, (unsigned)(n - target_at));
  n += put16(p + n, 0xc000 | (unsigned)target_at);
  n += put16(p + n, TYPE_A);
  n += put16(p + n, 1);
  n += put16(p + n, 0);
  n += put16(p + n, 300);
  n += put16(p + n, 4);
  p[n++] = 198;
  p[n++] = 51;
  p[n++] = 100;
  p[n++] = 7;
  return n;
}

static unsigned get16(const uint8_t* p) { return (unsigned)p[0] << 8 | p[1]; }
static unsigned rcode_of(const uint8_t* answer) { return answer[3] & 0x0f; }
static unsigned ancount_of(const uint8_t* answer) { return get16(answer + 6); }

static const uint8_t sinkhole4[4] = {192, 0, 2, 1};
static const uint8_t sinkhole6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53};

/* A query from `client` on listener 0 at `now`. */
static dnsfilter_query query_of(const uint8_t* packet, size_t size, const char* client) {
  dnsfilter_query q;
  memset(&q, 0, sizeof q);
  q.packet = packet;
  q.size = size;
  if (dnsfilter_address_parse(client, &q.client) != DNSFILTER_OK) {
    fprintf(stderr, "bad test address %s\n", client);
    exit(2);
  }
  q.now = now;
  return q;
}

/* What the queries below counted, to compare with the statistics. */
struct expected_counts {
  uint64_t passed, filtered, opted_out, monitored, nxdomain;
};
static struct expected_counts expected;

/* ------------------------------------------------------------------------ */

static void test_basics(void) {
  dnsfilter_address a;
  CHECK(strcmp(dnsfilter_version(), "") != 0);
  CHECK(strcmp(dnsfilter_status_string(DNSFILTER_OK), "success") == 0);
  CHECK(strcmp(dnsfilter_status_string(DNSFILTER_E_NOMEM), "out of memory") == 0);
  CHECK(strcmp(dnsfilter_status_string(DNSFILTER_E_INVALID_LIST_LINE), "invalid line in a list file") == 0);
  /* Every library code has its DNSFILTER_E_ name: the last one is known, the next one not. */
  CHECK(strcmp(dnsfilter_status_string(DNSFILTER_E_OVER_BUDGET), "unknown dnsfilter error") != 0);
  CHECK(strcmp(dnsfilter_status_string((dnsfilter_status)(DNSFILTER_E_OVER_BUDGET + 1)),
               "unknown dnsfilter error") == 0);
  CHECK(strcmp(dnsfilter_status_string((dnsfilter_status)-1), "unknown dnsfilter error") == 0);
  CHECK(strcmp(dnsfilter_status_string((dnsfilter_status)100000), "unknown dnsfilter error") == 0);

  CHECK_STATUS(dnsfilter_address_parse("192.0.2.7", &a), DNSFILTER_OK);
  CHECK(a.family == 4 && a.bytes[0] == 192 && a.bytes[3] == 7);
  CHECK_STATUS(dnsfilter_address_parse("2001:db8::53", &a), DNSFILTER_OK);
  CHECK(a.family == 6 && a.bytes[1] == 0x01 && a.bytes[15] == 0x53);
  CHECK(dnsfilter_address_parse("10.010.0.1", &a) != DNSFILTER_OK);
  CHECK_STATUS(dnsfilter_address_parse(NULL, &a), DNSFILTER_E_INVALID_ARGUMENT);
}

/* Counts the diagnostics a lenient load reports. */
struct diagnostics_seen {
  int count;
  unsigned long line;
  char file[512];
};
static void on_diagnostic(void* context, const char* file, unsigned long line, const char* message) {
  struct diagnostics_seen* seen = (struct diagnostics_seen*)context;
  ++seen->count;
  seen->line = line;
  snprintf(seen->file, sizeof seen->file, "%s", file);
  CHECK(message != NULL && message[0] != '\0');
}

static dnsfilter_catalogue* load_catalogue(void) {
  dnsfilter_catalogue* cat = NULL;
  dnsfilter_load_report report;
  dnsfilter_load_options options;
  dnsfilter_error err;
  struct diagnostics_seen seen;
  const char* bad = path_in(data_dir, "bad.tsv");
  char expected_prefix[1100];
  size_t rules;

  CHECK_STATUS(dnsfilter_catalogue_create(&cat, &err), DNSFILTER_OK);
  CHECK(cat != NULL);
  CHECK(dnsfilter_catalogue_rules(cat) == 0);
  CHECK_STATUS(dnsfilter_catalogue_load_file(cat, path_in(data_dir, "catalogue.tsv"), DNSFILTER_FORMAT_AUTO, NULL,
                                             &report, &err),
               DNSFILTER_OK);
  CHECK(report.loaded == 5 && report.invalid == 0 && report.rules == 6);
  CHECK(dnsfilter_catalogue_rules(cat) == 6);

  /* A list from memory, in a named format, with a category. */
  dnsfilter_load_options_init(&options);
  options.category = "advertising";
  options.action = DNSFILTER_ACTION_NXDOMAIN;
  CHECK_STATUS(dnsfilter_catalogue_load_text(cat, "||ads.example^\n", 15, "ads", DNSFILTER_FORMAT_ADBLOCK, &options,
                                             &report, &err),
               DNSFILTER_OK);
  CHECK(report.loaded == 1 && dnsfilter_catalogue_rules(cat) == 7);
  expected.nxdomain = 0;

  /* A missing file. */
  memset(&err, 0, sizeof err);
  CHECK_STATUS(dnsfilter_catalogue_load_file(cat, path_in(data_dir, "missing.txt"), DNSFILTER_FORMAT_AUTO, NULL,
                                             NULL, &err),
               DNSFILTER_E_IO_ERROR);
  CHECK(err.status == DNSFILTER_E_IO_ERROR && err.line == 0);
  CHECK(strstr(err.message, "cannot read") != NULL && strstr(err.message, "missing.txt") != NULL);

  /* A malformed row, strictly: FILE:3, and the catalogue unchanged. */
  rules = dnsfilter_catalogue_rules(cat);
  dnsfilter_load_options_init(&options);
  options.strict = 1;
  memset(&err, 0, sizeof err);
  CHECK_STATUS(dnsfilter_catalogue_load_file(cat, bad, DNSFILTER_FORMAT_CATALOGUE, &options, NULL, &err),
               DNSFILTER_E_INVALID_LIST_LINE);
  CHECK(err.status == DNSFILTER_E_INVALID_LIST_LINE && err.line == 3);
  snprintf(expected_prefix, sizeof expected_prefix, "%s:3: ", bad);
  CHECK(strncmp(err.message, expected_prefix, strlen(expected_prefix)) == 0);
  CHECK(dnsfilter_catalogue_rules(cat) == rules);

  /* The same leniently: the good rows load, the bad one is reported by its line. */
  memset(&seen, 0, sizeof seen);
  options.strict = 0;
  options.on_diagnostic = on_diagnostic;
  options.context = &seen;
  CHECK_STATUS(dnsfilter_catalogue_load_file(cat, bad, DNSFILTER_FORMAT_AUTO, &options, &report, &err), DNSFILTER_OK);
  CHECK(report.loaded == 2 && report.invalid == 1);
  CHECK(seen.count == 1 && seen.line == 3 && strcmp(seen.file, bad) == 0);
  CHECK(dnsfilter_catalogue_rules(cat) == rules + 2);

  /* Bad arguments. */
  CHECK_STATUS(dnsfilter_catalogue_load_file(NULL, bad, DNSFILTER_FORMAT_AUTO, NULL, NULL, &err),
               DNSFILTER_E_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "handle is NULL") != NULL);
  CHECK_STATUS(dnsfilter_catalogue_load_file(cat, NULL, DNSFILTER_FORMAT_AUTO, NULL, NULL, NULL),
               DNSFILTER_E_INVALID_ARGUMENT);
  CHECK_STATUS(dnsfilter_catalogue_load_file(cat, bad, (dnsfilter_format)99, NULL, NULL, &err),
               DNSFILTER_E_INVALID_ARGUMENT);
  dnsfilter_load_options_init(&options);
  options.action = (dnsfilter_action)42;
  CHECK_STATUS(dnsfilter_catalogue_load_text(cat, "x.example\n", 10, NULL, DNSFILTER_FORMAT_PLAIN, &options, NULL,
                                             &err),
               DNSFILTER_E_INVALID_ARGUMENT);
  CHECK_STATUS(dnsfilter_catalogue_load_text(cat, NULL, 5, NULL, DNSFILTER_FORMAT_PLAIN, NULL, NULL, &err),
               DNSFILTER_E_INVALID_ARGUMENT);
  CHECK_STATUS(dnsfilter_catalogue_create(NULL, &err), DNSFILTER_E_INVALID_ARGUMENT);

  /* A list over the memory budget: refused with its own code, nothing added. */
  {
    const size_t rules_before = dnsfilter_catalogue_rules(cat);
    dnsfilter_load_options_init(&options);
    options.memory_budget = 64; /* octets: less than the catalogue already takes */
    CHECK_STATUS(dnsfilter_catalogue_load_text(cat, "budget.example\n", 15, "budget", DNSFILTER_FORMAT_PLAIN, &options,
                                               NULL, &err),
                 DNSFILTER_E_OVER_BUDGET);
    CHECK(strstr(err.message, "memory budget") != NULL);
    CHECK(dnsfilter_catalogue_rules(cat) == rules_before);
  }
  CHECK(dnsfilter_catalogue_rules(NULL) == 0);
  dnsfilter_catalogue_free(NULL);
  return cat;
}

static dnsfilter_policy* load_policy(void) {
  dnsfilter_policy* policy = NULL;
  dnsfilter_load_report report;
  dnsfilter_load_options strict;
  dnsfilter_error err;
  static const char bad[] = "client 10.0.0.0/8 opt-out\nclient 10.1.2.3/8 opt-out\n";

  CHECK_STATUS(dnsfilter_policy_create(&policy, &err), DNSFILTER_OK);
  CHECK_STATUS(dnsfilter_policy_load_file(policy, path_in(data_dir, "policy.txt"), NULL, &report, &err),
               DNSFILTER_OK);
  CHECK(report.loaded == 6 && report.invalid == 0);

  /* Host bits set on line 2: refused with its line, nothing appended. */
  dnsfilter_load_options_init(&strict);
  strict.strict = 1;
  memset(&err, 0, sizeof err);
  CHECK_STATUS(dnsfilter_policy_load_text(policy, bad, sizeof bad - 1, "ui", &strict, NULL, &err),
               DNSFILTER_E_INVALID_LIST_LINE);
  CHECK(err.line == 2 && strncmp(err.message, "ui:2: ", 6) == 0);
  CHECK_STATUS(dnsfilter_policy_load_file(policy, path_in(data_dir, "missing-policy.txt"), NULL, NULL, &err),
               DNSFILTER_E_IO_ERROR);
  CHECK_STATUS(dnsfilter_policy_load_text(NULL, bad, sizeof bad - 1, NULL, NULL, NULL, &err),
               DNSFILTER_E_INVALID_ARGUMENT);
  CHECK_STATUS(dnsfilter_policy_create(NULL, NULL), DNSFILTER_E_INVALID_ARGUMENT);
  dnsfilter_policy_free(NULL);
  return policy;
}

static void sinkhole_settings(dnsfilter_settings* s, unsigned threads) {
  dnsfilter_settings_init(s);
  s->threads = threads;
  s->has_ipv4 = 1;
  memcpy(s->ipv4, sinkhole4, 4);
  s->has_ipv6 = 1;
  memcpy(s->ipv6, sinkhole6, 16);
}

static void test_create_errors(void) {
  dnsfilter_settings s;
  dnsfilter_filter* f = (dnsfilter_filter*)&s; /* overwritten with NULL on failure */
  dnsfilter_catalogue* cat = NULL;
  dnsfilter_policy* policy = NULL;
  dnsfilter_error err;

  /* The handles are taken even when creation fails. */
  CHECK_STATUS(dnsfilter_catalogue_create(&cat, NULL), DNSFILTER_OK);
  CHECK_STATUS(dnsfilter_policy_create(&policy, NULL), DNSFILTER_OK);
  sinkhole_settings(&s, 0);
  CHECK_STATUS(dnsfilter_filter_create(&f, &s, &cat, &policy, &err), DNSFILTER_E_OUT_OF_RANGE);
  CHECK(f == NULL && cat == NULL && policy == NULL);
  CHECK(strstr(err.message, "0 threads") != NULL);
  sinkhole_settings(&s, 1);
  s.utc_offset = 30; /* not a whole minute */
  CHECK_STATUS(dnsfilter_filter_create(&f, &s, NULL, NULL, &err), DNSFILTER_E_OUT_OF_RANGE);
  CHECK_STATUS(dnsfilter_filter_create(&f, NULL, NULL, NULL, &err), DNSFILTER_E_INVALID_ARGUMENT);
  CHECK_STATUS(dnsfilter_filter_create(NULL, &s, NULL, NULL, &err), DNSFILTER_E_INVALID_ARGUMENT);
  dnsfilter_filter_free(NULL);
}

/* Decides `packet` from `client` on thread 0 into `out`. */
static dnsfilter_status decide(dnsfilter_filter* f, const uint8_t* packet, size_t size, const char* client,
                               uint8_t* out, size_t out_size, dnsfilter_result* r, dnsfilter_ticket* ticket) {
  const dnsfilter_query q = query_of(packet, size, client);
  return dnsfilter_process(f, 0, &q, out, out_size, r, ticket);
}

static void test_process(dnsfilter_filter* f) {
  uint8_t packet[512], out[512];
  size_t n;
  dnsfilter_result r;
  dnsfilter_query q;

  /* A blocked name: the sinkhole address, the id and question echoed. */
  n = make_plain_query(packet, 0x1234, "c2.evil.example", TYPE_A);
  CHECK_STATUS(decide(f, packet, n, "192.0.2.7", out, sizeof out, &r, NULL), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_ANSWERED && r.filtered && !r.monitored);
  CHECK(r.answer == out && r.answer_size == n + 16);
  CHECK(get16(r.answer) == 0x1234 && (r.answer[2] & 0x80) && rcode_of(r.answer) == 0 && ancount_of(r.answer) == 1);
  CHECK(memcmp(r.answer + r.answer_size - 4, sinkhole4, 4) == 0);
  CHECK(r.entry != NULL && strcmp(r.entry, "CAPI-0001") == 0 && r.action == DNSFILTER_ACTION_SINKHOLE);
  CHECK(r.basis == DNSFILTER_BASIS_DEFAULT && r.reason == DNSFILTER_OK);
  ++expected.filtered;

  /* A subdomain, AAAA, answered in the query's own buffer. */
  n = make_plain_query(packet, 0x1235, "www.C2.Evil.Example", TYPE_AAAA);
  CHECK_STATUS(decide(f, packet, n, "192.0.2.7", packet, sizeof packet, &r, NULL), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_ANSWERED && r.answer == packet);
  CHECK(memcmp(r.answer + r.answer_size - 16, sinkhole6, 16) == 0);
  CHECK(memcmp(r.answer + 12, "\3www\2C2\4Evil\7Example", 20) == 0); /* the client's case */
  ++expected.filtered;

  /* An entry whose action is NXDOMAIN. */
  n = make_plain_query(packet, 0x1236, "nx.evil.example", TYPE_A);
  CHECK_STATUS(decide(f, packet, n, "192.0.2.7", out, sizeof out, &r, NULL), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_ANSWERED && rcode_of(r.answer) == 3 && ancount_of(r.answer) == 0);
  CHECK(r.action == DNSFILTER_ACTION_NXDOMAIN && strcmp(r.entry, "CAPI-0002") == 0);
  ++expected.filtered;
  ++expected.nxdomain;

  /* An EDNS client gets an Extended DNS Error naming the entry. */
  n = make_query(packet, 0x1237, "backup.evil.example", TYPE_A, 1, 0, NULL, 0);
  CHECK_STATUS(decide(f, packet, n, "192.0.2.7", out, sizeof out, &r, NULL), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_ANSWERED && get16(r.answer + 10) == 1);
  {
    static const char text[] = "blocked by entry CAPI-0001";
    const uint8_t* end = r.answer + r.answer_size;
    CHECK(r.answer_size > sizeof text && memcmp(end - (sizeof text - 1), text, sizeof text - 1) == 0);
  }
  ++expected.filtered;

  /* Not listed; an entry lifted before now; an exception under a block; a monitored entry. */
  n = make_plain_query(packet, 0x1238, "good.example", TYPE_A);
  CHECK_STATUS(decide(f, packet, n, "192.0.2.7", out, sizeof out, &r, NULL), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_FORWARD && r.entry == NULL && !r.filtered && r.answer_size == 0);
  n = make_plain_query(packet, 0x1239, "lifted.example", TYPE_A);
  CHECK_STATUS(decide(f, packet, n, "192.0.2.7", out, sizeof out, &r, NULL), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_FORWARD && r.entry == NULL);
  n = make_plain_query(packet, 0x123a, "safe.c2.evil.example", TYPE_A);
  CHECK_STATUS(decide(f, packet, n, "192.0.2.7", out, sizeof out, &r, NULL), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_FORWARD && r.action == DNSFILTER_ACTION_PASS && strcmp(r.entry, "CAPI-0005") == 0);
  n = make_plain_query(packet, 0x123b, "watch.example", TYPE_A);
  CHECK_STATUS(decide(f, packet, n, "192.0.2.7", out, sizeof out, &r, NULL), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_FORWARD && r.monitored && !r.filtered && strcmp(r.entry, "CAPI-0004") == 0);
  expected.passed += 4;
  ++expected.monitored;

  /* Opted out: by client prefix, by listener, by subscriber id from a trusted forwarder. */
  n = make_plain_query(packet, 0x1240, "c2.evil.example", TYPE_A);
  CHECK_STATUS(decide(f, packet, n, "10.2.3.4", out, sizeof out, &r, NULL), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_OPTED_OUT && r.basis == DNSFILTER_BASIS_CLIENT_PREFIX && r.entry == NULL);
  CHECK_STATUS(decide(f, packet, n, "10.1.2.3", out, sizeof out, &r, NULL), DNSFILTER_OK); /* opted back in */
  CHECK(r.outcome == DNSFILTER_ANSWERED && r.basis == DNSFILTER_BASIS_CLIENT_PREFIX);
  q = query_of(packet, n, "192.0.2.7");
  q.listener = 1;
  CHECK_STATUS(dnsfilter_process(f, 0, &q, out, sizeof out, &r, NULL), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_OPTED_OUT && r.basis == DNSFILTER_BASIS_LISTENER);
  n = make_query(packet, 0x1241, "c2.evil.example", TYPE_A, 1, 65001, "alice", 5);
  CHECK_STATUS(decide(f, packet, n, "192.0.2.7", out, sizeof out, &r, NULL), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_OPTED_OUT && r.basis == DNSFILTER_BASIS_SUBSCRIBER);
  CHECK_STATUS(decide(f, packet, n, "198.51.100.9", out, sizeof out, &r, NULL), DNSFILTER_OK); /* not trusted */
  CHECK(r.outcome == DNSFILTER_ANSWERED);
  expected.opted_out += 3;
  expected.filtered += 2;

  /* Over TCP the answer may exceed the client's UDP size. */
  n = make_plain_query(packet, 0x1242, "c2.evil.example", TYPE_A);
  q = query_of(packet, n, "192.0.2.7");
  q.tcp = 1;
  CHECK_STATUS(dnsfilter_process(f, 0, &q, out, sizeof out, &r, NULL), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_ANSWERED);
  ++expected.filtered;
}

static void test_bad_packets(dnsfilter_filter* f) {
  uint8_t packet[512], out[512];
  size_t n;
  dnsfilter_result r;
  dnsfilter_query q;
  dnsfilter_ticket ticket;

  /* A question cut short: FORMERR, the reason given. Not counted. */
  n = make_plain_query(packet, 0x2001, "c2.evil.example", TYPE_A);
  CHECK_STATUS(decide(f, packet, n - 3, "192.0.2.7", out, sizeof out, &r, NULL), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_REJECTED && rcode_of(r.answer) == 1 && get16(r.answer) == 0x2001);
  CHECK(r.reason == DNSFILTER_E_TRUNCATED);
  /* Two questions. */
  n = make_plain_query(packet, 0x2002, "c2.evil.example", TYPE_A);
  packet[5] = 2;
  CHECK_STATUS(decide(f, packet, n, "192.0.2.7", out, sizeof out, &r, NULL), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_REJECTED && rcode_of(r.answer) == 1 && r.reason != DNSFILTER_OK);
  /* A runt and a response: nothing to send. */
  CHECK_STATUS(decide(f, packet, 5, "192.0.2.7", out, sizeof out, &r, NULL), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_DROPPED && r.answer_size == 0);
  n = make_cname_answer(packet, 0x2003, "good.example", "c2.evil.example");
  CHECK_STATUS(decide(f, packet, n, "192.0.2.7", out, sizeof out, &r, NULL), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_DROPPED);
  CHECK_STATUS(decide(f, packet, 0, "192.0.2.7", out, sizeof out, &r, NULL), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_DROPPED);

  /* Buffers too small: no room for a header; room for the question only (TC). */
  n = make_plain_query(packet, 0x2004, "c2.evil.example", TYPE_A);
  CHECK_STATUS(decide(f, packet, n, "192.0.2.7", out, 8, &r, NULL), DNSFILTER_E_NO_SPACE);
  CHECK(r.outcome == DNSFILTER_DROPPED && r.answer_size == 0);
  CHECK_STATUS(decide(f, packet, n, "192.0.2.7", out, n + 4, &r, NULL), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_ANSWERED && (r.answer[2] & 0x02) && ancount_of(r.answer) == 0);
  CHECK(r.answer_size <= n + 4);
  expected.filtered += 2;
  n = make_plain_query(packet, 0x2005, "good.example", TYPE_A); /* forwarded: no answer needed */
  CHECK_STATUS(decide(f, packet, n, "192.0.2.7", NULL, 0, &r, NULL), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_FORWARD);
  ++expected.passed;

  /* Bad arguments: nothing is decided, nothing counted. */
  q = query_of(packet, n, "192.0.2.7");
  CHECK_STATUS(dnsfilter_process(NULL, 0, &q, out, sizeof out, &r, NULL), DNSFILTER_E_INVALID_ARGUMENT);
  CHECK_STATUS(dnsfilter_process(f, 7, &q, out, sizeof out, &r, NULL), DNSFILTER_E_INVALID_ARGUMENT);
  CHECK_STATUS(dnsfilter_process(f, 0, NULL, out, sizeof out, &r, NULL), DNSFILTER_E_INVALID_ARGUMENT);
  CHECK_STATUS(dnsfilter_process(f, 0, &q, out, sizeof out, NULL, NULL), DNSFILTER_E_INVALID_ARGUMENT);
  CHECK_STATUS(dnsfilter_process(f, 0, &q, NULL, 64, &r, NULL), DNSFILTER_E_INVALID_ARGUMENT);
  q.client.family = 0;
  CHECK_STATUS(dnsfilter_process(f, 0, &q, out, sizeof out, &r, &ticket), DNSFILTER_E_INVALID_ARGUMENT);
  q = query_of(NULL, 12, "192.0.2.7");
  CHECK_STATUS(dnsfilter_process(f, 0, &q, out, sizeof out, &r, NULL), DNSFILTER_E_INVALID_ARGUMENT);
  dnsfilter_release(NULL, 0);
  dnsfilter_release(f, 99);
}

static void test_answers(dnsfilter_filter* f) {
  uint8_t packet[512], out[512], answer[512];
  size_t n, m;
  dnsfilter_result r;
  dnsfilter_ticket ticket, other;
  dnsfilter_check c;

  /* good.example is an alias of a blocked name: the sinkhole answer for good.example. */
  n = make_plain_query(packet, 0x3001, "good.example", TYPE_A);
  CHECK_STATUS(decide(f, packet, n, "192.0.2.7", out, sizeof out, &r, &ticket), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_FORWARD);
  memset(packet, 0, sizeof packet); /* the ticket needs no packet */
  m = make_cname_answer(answer, 0x3001, "good.example", "x.c2.evil.example");
  CHECK_STATUS(dnsfilter_check_answer(f, 0, &ticket, answer, m, out, sizeof out, &c), DNSFILTER_OK);
  CHECK(c.blocked && !c.monitored && c.answer == out && strcmp(c.entry, "CAPI-0001") == 0);
  CHECK(get16(c.answer) == 0x3001 && rcode_of(c.answer) == 0 && ancount_of(c.answer) == 1);
  CHECK(memcmp(c.answer + 12, "\4good\7example", 14) == 0);
  CHECK(memcmp(c.answer + c.answer_size - 4, sinkhole4, 4) == 0);
  ++expected.filtered; /* counted as passed first, then moved */

  /* An alias of an unlisted name, of a monitored one. */
  m = make_cname_answer(answer, 0x3001, "good.example", "cdn.example");
  CHECK_STATUS(dnsfilter_check_answer(f, 0, &ticket, answer, m, out, sizeof out, &c), DNSFILTER_OK);
  CHECK(!c.blocked && !c.monitored && c.entry == NULL && c.answer_size == 0);
  m = make_cname_answer(answer, 0x3001, "good.example", "a.watch.example");
  CHECK_STATUS(dnsfilter_check_answer(f, 0, &ticket, answer, m, out, sizeof out, &c), DNSFILTER_OK);
  CHECK(!c.blocked && c.monitored && strcmp(c.entry, "CAPI-0004") == 0);
  ++expected.monitored;

  /* Bad answers and tickets; a buffer too small for the blocked answer (the
   * query is counted as filtered all the same: the caller sends nothing). */
  m = make_cname_answer(answer, 0x3001, "good.example", "x.c2.evil.example");
  CHECK_STATUS(dnsfilter_check_answer(f, 0, &ticket, answer, m - 2, out, sizeof out, &c), DNSFILTER_E_TRUNCATED);
  n = make_plain_query(packet, 0x3001, "good.example", TYPE_A);
  CHECK_STATUS(decide(f, packet, n, "192.0.2.7", out, sizeof out, &r, &ticket), DNSFILTER_OK);
  CHECK_STATUS(dnsfilter_check_answer(f, 0, &ticket, answer, m, out, 8, &c), DNSFILTER_E_NO_SPACE);
  CHECK(c.blocked && c.answer_size == 0);
  ++expected.filtered;
  CHECK_STATUS(dnsfilter_check_answer(f, 1, &ticket, answer, m, out, sizeof out, &c), DNSFILTER_E_INVALID_ARGUMENT);
  memset(&other, 0, sizeof other);
  CHECK_STATUS(dnsfilter_check_answer(f, 0, &other, answer, m, out, sizeof out, &c), DNSFILTER_E_INVALID_ARGUMENT);
  CHECK_STATUS(dnsfilter_check_answer(NULL, 0, &ticket, answer, m, out, sizeof out, &c),
               DNSFILTER_E_INVALID_ARGUMENT);
  CHECK_STATUS(dnsfilter_check_answer(f, 0, NULL, answer, m, out, sizeof out, &c), DNSFILTER_E_INVALID_ARGUMENT);
  CHECK_STATUS(dnsfilter_check_answer(f, 0, &ticket, NULL, m, out, sizeof out, &c), DNSFILTER_E_INVALID_ARGUMENT);

  /* An opted-out client's answer is never checked. */
  n = make_plain_query(packet, 0x3002, "good.example", TYPE_A);
  CHECK_STATUS(decide(f, packet, n, "10.9.9.9", out, sizeof out, &r, &other), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_OPTED_OUT);
  m = make_cname_answer(answer, 0x3002, "good.example", "x.c2.evil.example");
  CHECK_STATUS(dnsfilter_check_answer(f, 0, &other, answer, m, out, sizeof out, &c), DNSFILTER_OK);
  CHECK(!c.blocked);
  expected.opted_out += 1;
}

/* ------------------------------------------------------------------------
 * Forwarding: the transaction of a forwarded query. */

static dnsfilter_endpoint endpoint_of(const char* address, uint16_t port) {
  dnsfilter_endpoint e;
  memset(&e, 0, sizeof e);
  if (dnsfilter_address_parse(address, &e.address) != DNSFILTER_OK) {
    fprintf(stderr, "bad test address %s\n", address);
    exit(2);
  }
  e.port = port;
  return e;
}

/* The upstream's answer to `query` (as sent: our id, our letter case), with
 * `flags` and one A record 198.51.100.9. */
static size_t make_upstream_answer(uint8_t* p, const uint8_t* query, size_t query_size, unsigned flags) {
  size_t n = query_size;
  memcpy(p, query, query_size);
  put16(p + 2, flags);
  put16(p + 6, 1);
  n += put16(p + n, 0xc00c);
  n += put16(p + n, TYPE_A);
  n += put16(p + n, 1);
  n += put16(p + n, 0);
  n += put16(p + n, 60);
  n += put16(p + n, 4);
  p[n++] = 198;
  p[n++] = 51;
  p[n++] = 100;
  p[n++] = 9;
  return n;
}

/* What tick reported. */
struct expiries {
  int count;
  dnsfilter_attempt expired;
  dnsfilter_next_step step;
};
static void on_expired(void* context, dnsfilter_attempt expired, const dnsfilter_next_step* step) {
  struct expiries* e = (struct expiries*)context;
  ++e->count;
  e->expired = expired;
  e->step = *step;
}

static int same_attempt(dnsfilter_attempt a, dnsfilter_attempt b) {
  return a.slot == b.slot && a.generation == b.generation;
}

static void test_forwarder_create(void) {
  dnsfilter_forwarder_settings s;
  dnsfilter_forwarder* fw = (dnsfilter_forwarder*)&s; /* overwritten with NULL on failure */
  dnsfilter_endpoint up[2];
  dnsfilter_error err;

  dnsfilter_forwarder_settings_init(&s);
  CHECK(s.capacity == 64 && s.attempts == 3 && s.timeout_ms == 1000 && !s.randomize_case && s.port_low == 0 &&
        s.port_high == 0 && s.edns == DNSFILTER_EDNS_AS_CLIENT && s.payload == 1232 && s.down_after == 3 &&
        s.alarm_window_ms == 10000 && s.alarm_threshold == 10);
  up[0] = endpoint_of("192.0.2.53", 53);
  up[1] = endpoint_of("2001:db8::53", 53);
  CHECK_STATUS(dnsfilter_forwarder_create(&fw, &s, up, 2, &err), DNSFILTER_OK);
  CHECK(fw != NULL && dnsfilter_forwarder_in_flight(fw) == 0);
  CHECK(dnsfilter_forwarder_next_deadline(fw) == INT64_MAX);
  CHECK(dnsfilter_forwarder_draw_port(fw) == 0); /* no range: connect() picks */
  dnsfilter_forwarder_free(fw);
  dnsfilter_forwarder_free(NULL);

  CHECK_STATUS(dnsfilter_forwarder_create(NULL, &s, up, 2, &err), DNSFILTER_E_INVALID_ARGUMENT);
  CHECK_STATUS(dnsfilter_forwarder_create(&fw, NULL, up, 2, &err), DNSFILTER_E_INVALID_ARGUMENT);
  CHECK(fw == NULL);
  CHECK_STATUS(dnsfilter_forwarder_create(&fw, &s, NULL, 2, &err), DNSFILTER_E_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "upstreams is NULL") != NULL);
  CHECK_STATUS(dnsfilter_forwarder_create(&fw, &s, up, 0, &err), DNSFILTER_E_OUT_OF_RANGE);
  CHECK_STATUS(dnsfilter_forwarder_create(&fw, &s, up, 65, &err), DNSFILTER_E_OUT_OF_RANGE);
  up[1].address.family = 5;
  CHECK_STATUS(dnsfilter_forwarder_create(&fw, &s, up, 2, &err), DNSFILTER_E_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "upstream 1") != NULL);
  s.capacity = 0;
  CHECK_STATUS(dnsfilter_forwarder_create(&fw, &s, up, 1, &err), DNSFILTER_E_OUT_OF_RANGE);
  CHECK(strstr(err.message, "capacity") != NULL);
  dnsfilter_forwarder_settings_init(&s);
  s.port_low = 2000;
  s.port_high = 1000;
  CHECK_STATUS(dnsfilter_forwarder_create(&fw, &s, up, 1, &err), DNSFILTER_E_OUT_OF_RANGE);
  CHECK(strstr(err.message, "port_low") != NULL);
  dnsfilter_forwarder_settings_init(&s);
  s.attempts = 65;
  CHECK_STATUS(dnsfilter_forwarder_create(&fw, &s, up, 1, &err), DNSFILTER_E_OUT_OF_RANGE);
  dnsfilter_forwarder_settings_init(&s);
  s.edns = (dnsfilter_upstream_edns)7;
  CHECK_STATUS(dnsfilter_forwarder_create(&fw, &s, up, 1, &err), DNSFILTER_E_INVALID_ARGUMENT);
  CHECK(fw == NULL);
}

static void test_forwarder(dnsfilter_filter* f) {
  dnsfilter_forwarder_settings s;
  dnsfilter_forwarder* fw = NULL;
  dnsfilter_endpoint up[2], from;
  dnsfilter_error err;
  dnsfilter_result r;
  dnsfilter_ticket ticket, edns_ticket, zero;
  dnsfilter_dispatch d, d2, spare;
  dnsfilter_accept_result a;
  dnsfilter_next_step step;
  dnsfilter_mismatch_counts m;
  dnsfilter_check c;
  struct expiries e;
  uint8_t packet[512], out[512], query[512], answer[512], before[512];
  size_t n, size, k;
  unsigned ids[8];
  int distinct = 0, not_the_clients = 0;
  uint16_t port;

  test_forwarder_create();

  /* Two upstreams, two queries in flight, two attempts; ports 20000-20009, 0x20, the alarm over 2. */
  dnsfilter_forwarder_settings_init(&s);
  s.capacity = 2;
  s.attempts = 2;
  s.randomize_case = 1;
  s.port_low = 20000;
  s.port_high = 20009;
  s.alarm_threshold = 2;
  up[0] = endpoint_of("192.0.2.53", 53);
  up[1] = endpoint_of("198.51.100.53", 5353);
  CHECK_STATUS(dnsfilter_forwarder_create(&fw, &s, up, 2, &err), DNSFILTER_OK);
  if (fw == NULL) return;

  /* The client asks www.Shop.example A with id 0x4242: forwarded. */
  n = make_plain_query(packet, 0x4242, "www.Shop.example", TYPE_A);
  CHECK_STATUS(decide(f, packet, n, "192.0.2.7", out, sizeof out, &r, &ticket), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_FORWARD);
  ++expected.passed;

  /* Each begin: a random id (eight begins, not all one id, not the client's),
   * a port from the range, the question in some letter case. */
  for (k = 0; k < 8; ++k) {
    memset(&d, 0, sizeof d);
    CHECK_STATUS(dnsfilter_forwarder_begin(fw, &ticket, 1000, query, sizeof query, &d, &err), DNSFILTER_OK);
    CHECK(d.query_size == n && d.upstream == 0 && d.to.port == 53 && d.to.address.family == 4 &&
          d.to.address.bytes[3] == 53);
    CHECK(d.source_port >= 20000 && d.source_port <= 20009);
    CHECK(get16(query + 2) == 0x0100 && get16(query + 4) == 1 && ancount_of(query) == 0);
    CHECK(query[12] == 3 && (query[13] | 0x20) == 'w' && (query[17] | 0x20) == 's');
    ids[k] = get16(query);
    distinct += k > 0 && ids[k] != ids[0];
    not_the_clients += ids[k] != 0x4242;
    CHECK_STATUS(dnsfilter_forwarder_cancel(fw, d.attempt, &err), DNSFILTER_OK);
  }
  CHECK(distinct > 0 && not_the_clients > 0);
  CHECK(dnsfilter_forwarder_in_flight(fw) == 0);

  /* Two in flight: their own slots; a third is DNSFILTER_E_TABLE_FULL. */
  CHECK_STATUS(dnsfilter_forwarder_begin(fw, &ticket, 1000, query, sizeof query, &d2, &err), DNSFILTER_OK);
  CHECK_STATUS(dnsfilter_forwarder_begin(fw, &ticket, 1000, query, sizeof query, &d, &err), DNSFILTER_OK);
  CHECK(d.attempt.slot != d2.attempt.slot && dnsfilter_forwarder_in_flight(fw) == 2);
  memset(&err, 0, sizeof err);
  CHECK_STATUS(dnsfilter_forwarder_begin(fw, &ticket, 1000, answer, sizeof answer, &spare, &err),
               DNSFILTER_E_TABLE_FULL);
  CHECK(err.status == DNSFILTER_E_TABLE_FULL && strstr(err.message, "2 queries in flight") != NULL);
  CHECK(dnsfilter_forwarder_in_flight(fw) == 2);
  CHECK_STATUS(dnsfilter_forwarder_cancel(fw, d2.attempt, &err), DNSFILTER_OK);

  /* Bad calls change nothing: a short buffer, NULLs, a ticket dnsfilter_process did not fill. */
  CHECK_STATUS(dnsfilter_forwarder_begin(fw, &ticket, 1000, answer, n - 1, &spare, &err), DNSFILTER_E_NO_SPACE);
  CHECK(strstr(err.message, "takes 34 octets") != NULL);
  CHECK_STATUS(dnsfilter_forwarder_begin(NULL, &ticket, 1000, answer, sizeof answer, &spare, &err),
               DNSFILTER_E_INVALID_ARGUMENT);
  CHECK_STATUS(dnsfilter_forwarder_begin(fw, NULL, 1000, answer, sizeof answer, &spare, &err),
               DNSFILTER_E_INVALID_ARGUMENT);
  CHECK_STATUS(dnsfilter_forwarder_begin(fw, &ticket, 1000, NULL, sizeof answer, &spare, &err),
               DNSFILTER_E_INVALID_ARGUMENT);
  CHECK_STATUS(dnsfilter_forwarder_begin(fw, &ticket, 1000, answer, sizeof answer, NULL, &err),
               DNSFILTER_E_INVALID_ARGUMENT);
  memset(&zero, 0, sizeof zero);
  CHECK_STATUS(dnsfilter_forwarder_begin(fw, &zero, 1000, answer, sizeof answer, &spare, &err),
               DNSFILTER_E_INVALID_ARGUMENT);
  CHECK(strstr(err.message, "not filled by dnsfilter_process") != NULL);
  CHECK(dnsfilter_forwarder_in_flight(fw) == 1);
  CHECK_STATUS(dnsfilter_forwarder_read_mismatches(fw, 1000, &m), DNSFILTER_OK);
  CHECK(m.in_window == 0 && m.alarms == 0 && !m.raised);
  CHECK_STATUS(dnsfilter_forwarder_read_mismatches(NULL, 1000, &m), DNSFILTER_E_INVALID_ARGUMENT);

  /* Answers to `d`: another id, another port, another question are rejected
   * and counted (the third raises the alarm); the right one is accepted with
   * the client's id and letter case back. */
  from = d.to;
  size = make_upstream_answer(answer, query, d.query_size, 0x8180);
  answer[1] ^= 1;
  memcpy(before, answer, size);
  CHECK_STATUS(dnsfilter_forwarder_accept(fw, d.attempt, answer, size, &from, 1100, &a, &err), DNSFILTER_OK);
  CHECK(a.what == DNSFILTER_ANSWER_REJECTED && a.why == DNSFILTER_REJECT_ID && a.alarm == DNSFILTER_ALARM_NONE);
  CHECK(memcmp(answer, before, size) == 0); /* left as it came */
  answer[1] ^= 1;
  from.port = 54;
  CHECK_STATUS(dnsfilter_forwarder_accept(fw, d.attempt, answer, size, &from, 1100, &a, &err), DNSFILTER_OK);
  CHECK(a.what == DNSFILTER_ANSWER_REJECTED && a.why == DNSFILTER_REJECT_SOURCE);
  from.port = 53;
  put16(answer + d.query_size - 4, TYPE_AAAA);
  CHECK_STATUS(dnsfilter_forwarder_accept(fw, d.attempt, answer, size, &from, 1100, &a, &err), DNSFILTER_OK);
  CHECK(a.what == DNSFILTER_ANSWER_REJECTED && a.why == DNSFILTER_REJECT_QUESTION && a.alarm == DNSFILTER_ALARM_RAISED);
  put16(answer + d.query_size - 4, TYPE_A);
  CHECK_STATUS(dnsfilter_forwarder_read_mismatches(fw, 1100, &m), DNSFILTER_OK);
  CHECK(m.by_reason[DNSFILTER_REJECT_ID] == 1 && m.by_reason[DNSFILTER_REJECT_SOURCE] == 1 &&
        m.by_reason[DNSFILTER_REJECT_QUESTION] == 1 && m.by_reason[DNSFILTER_REJECT_LATE] == 0);
  CHECK(m.in_window == 3 && m.alarms == 1 && m.raised);
  CHECK_STATUS(dnsfilter_forwarder_accept(fw, d.attempt, answer, size, &from, 1100, &a, &err), DNSFILTER_OK);
  CHECK(a.what == DNSFILTER_ANSWER_ACCEPTED && a.why == DNSFILTER_REJECT_NONE && !a.truncated);
  CHECK(get16(answer) == 0x4242 && memcmp(answer + 12, "\3www\4Shop\7example", 18) == 0);
  CHECK(dnsfilter_forwarder_in_flight(fw) == 0);
  CHECK_STATUS(dnsfilter_check_answer(f, 0, &ticket, answer, size, out, sizeof out, &c), DNSFILTER_OK);
  CHECK(!c.blocked);
  /* The alarm clears after a quiet window. */
  CHECK(dnsfilter_forwarder_poll_alarm(fw, 5000) == DNSFILTER_ALARM_NONE);
  CHECK(dnsfilter_forwarder_poll_alarm(fw, 30000) == DNSFILTER_ALARM_CLEARED);
  CHECK(dnsfilter_forwarder_poll_alarm(fw, 30000) == DNSFILTER_ALARM_NONE);

  /* The attempt is stale now: every call refuses it and changes nothing. */
  memset(&err, 0, sizeof err);
  CHECK_STATUS(dnsfilter_forwarder_accept(fw, d.attempt, answer, size, &from, 1200, &a, &err),
               DNSFILTER_E_INVALID_ARGUMENT);
  CHECK(err.status == DNSFILTER_E_INVALID_ARGUMENT && strstr(err.message, "stale") != NULL);
  CHECK_STATUS(dnsfilter_forwarder_expire(fw, d.attempt, 1200, &step, &err), DNSFILTER_E_INVALID_ARGUMENT);
  CHECK_STATUS(dnsfilter_forwarder_cancel(fw, d.attempt, &err), DNSFILTER_E_INVALID_ARGUMENT);
  memset(out, 0xAA, sizeof out);
  CHECK_STATUS(dnsfilter_forwarder_write_query(fw, d.attempt, out, sizeof out, &size, &err),
               DNSFILTER_E_INVALID_ARGUMENT);
  CHECK(out[0] == 0xAA && out[11] == 0xAA);
  CHECK_STATUS(dnsfilter_forwarder_read_mismatches(fw, 1200, &m), DNSFILTER_OK);
  CHECK(m.by_reason[DNSFILTER_REJECT_LATE] == 0 && m.by_reason[DNSFILTER_REJECT_ID] == 1);
  CHECK_STATUS(dnsfilter_forwarder_accept(fw, d.attempt, answer, size, NULL, 1200, &a, &err),
               DNSFILTER_E_INVALID_ARGUMENT);
  CHECK_STATUS(dnsfilter_forwarder_accept(fw, d.attempt, NULL, size, &from, 1200, &a, &err),
               DNSFILTER_E_INVALID_ARGUMENT);
  CHECK_STATUS(dnsfilter_forwarder_accept(NULL, d.attempt, answer, size, &from, 1200, &a, &err),
               DNSFILTER_E_INVALID_ARGUMENT);

  /* A silent upstream: at the deadline the retry goes to the next upstream,
   * with a new attempt, id and port; its own timeout gives up. */
  CHECK_STATUS(dnsfilter_forwarder_begin(fw, &ticket, 2000, query, sizeof query, &d, &err), DNSFILTER_OK);
  CHECK(d.upstream == 0 && dnsfilter_forwarder_next_deadline(fw) == 3000);
  memset(&e, 0, sizeof e);
  CHECK_STATUS(dnsfilter_forwarder_tick(fw, 2999, on_expired, &e, &k), DNSFILTER_OK);
  CHECK(k == 0 && e.count == 0);
  CHECK_STATUS(dnsfilter_forwarder_tick(fw, 3000, on_expired, &e, &k), DNSFILTER_OK);
  CHECK(k == 1 && e.count == 1 && same_attempt(e.expired, d.attempt));
  CHECK(e.step.what == DNSFILTER_NEXT_RETRY && e.step.next.upstream == 1 && e.step.next.to.port == 5353 &&
        e.step.next.to.address.bytes[0] == 198 && e.step.health.what == DNSFILTER_HEALTH_SAME);
  CHECK(e.step.next.attempt.slot == d.attempt.slot && e.step.next.attempt.generation != d.attempt.generation);
  CHECK(e.step.next.source_port >= 20000 && e.step.next.source_port <= 20009 && e.step.next.query_size == 0);
  CHECK(dnsfilter_forwarder_next_deadline(fw) == 4000);
  CHECK_STATUS(dnsfilter_forwarder_write_query(fw, e.step.next.attempt, out, 10, &size, &err), DNSFILTER_E_NO_SPACE);
  CHECK_STATUS(dnsfilter_forwarder_write_query(fw, e.step.next.attempt, out, sizeof out, &size, &err), DNSFILTER_OK);
  CHECK(size == n && get16(out + 4) == 1 && (out[13] | 0x20) == 'w');
  CHECK_STATUS(dnsfilter_forwarder_expire(fw, e.step.next.attempt, 4000, &step, &err), DNSFILTER_OK);
  CHECK(step.what == DNSFILTER_NEXT_FAIL && dnsfilter_forwarder_in_flight(fw) == 0);
  CHECK(dnsfilter_forwarder_next_deadline(fw) == INT64_MAX);
  CHECK_STATUS(dnsfilter_forwarder_tick(fw, 9000, on_expired, &e, &k), DNSFILTER_OK);
  CHECK(k == 0);
  CHECK_STATUS(dnsfilter_forwarder_tick(fw, 9000, NULL, &e, &k), DNSFILTER_E_INVALID_ARGUMENT);
  CHECK_STATUS(dnsfilter_forwarder_expire(fw, e.step.next.attempt, 4000, &step, &err), DNSFILTER_E_INVALID_ARGUMENT);

  /* ... then the client gets SERVFAIL. */
  CHECK_STATUS(dnsfilter_servfail(f, &ticket, "no upstream answered", out, sizeof out, &size), DNSFILTER_OK);
  CHECK(get16(out) == 0x4242 && rcode_of(out) == 2 && (out[2] & 0x80) && size == n);
  CHECK_STATUS(dnsfilter_servfail(f, &ticket, NULL, out, 8, &size), DNSFILTER_E_NO_SPACE);
  CHECK_STATUS(dnsfilter_servfail(f, &zero, NULL, out, sizeof out, &size), DNSFILTER_E_INVALID_ARGUMENT);
  CHECK_STATUS(dnsfilter_servfail(NULL, &ticket, NULL, out, sizeof out, &size), DNSFILTER_E_INVALID_ARGUMENT);

  /* REFUSED moves the query on, as a timeout does; TC is accepted, flagged. */
  CHECK_STATUS(dnsfilter_forwarder_begin(fw, &ticket, 5000, query, sizeof query, &d, &err), DNSFILTER_OK);
  size = make_upstream_answer(answer, query, d.query_size, 0x8185);
  CHECK_STATUS(dnsfilter_forwarder_accept(fw, d.attempt, answer, size, &d.to, 5100, &a, &err), DNSFILTER_OK);
  CHECK(a.what == DNSFILTER_ANSWER_REFUSED && a.next.what == DNSFILTER_NEXT_RETRY && a.next.next.upstream != d.upstream);
  CHECK_STATUS(dnsfilter_forwarder_write_query(fw, a.next.next.attempt, query, sizeof query, &size, &err), DNSFILTER_OK);
  size = make_upstream_answer(answer, query, size, 0x8380);
  CHECK_STATUS(dnsfilter_forwarder_accept(fw, a.next.next.attempt, answer, size, &a.next.next.to, 5200, &a, &err),
               DNSFILTER_OK);
  CHECK(a.what == DNSFILTER_ANSWER_ACCEPTED && a.truncated && get16(answer) == 0x4242);

  /* An EDNS client: the upstream query carries an OPT, 11 octets more. */
  n = make_query(packet, 0x5151, "www.plain.example", TYPE_A, 1, 0, NULL, 0);
  CHECK_STATUS(decide(f, packet, n, "192.0.2.7", out, sizeof out, &r, &edns_ticket), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_FORWARD);
  ++expected.passed;
  CHECK_STATUS(dnsfilter_forwarder_begin(fw, &edns_ticket, 6000, query, 12 + 19 + 4 + 10, &d, &err),
               DNSFILTER_E_NO_SPACE);
  CHECK_STATUS(dnsfilter_forwarder_begin(fw, &edns_ticket, 6000, query, 12 + 19 + 4 + 11, &d, &err), DNSFILTER_OK);
  CHECK(d.query_size == 12 + 19 + 4 + 11 && get16(query + 10) == 1);
  CHECK_STATUS(dnsfilter_forwarder_cancel(fw, d.attempt, &err), DNSFILTER_OK);

  /* Over TCP after a truncated answer: one attempt to the upstream named, no source port. */
  CHECK_STATUS(dnsfilter_forwarder_begin_tcp(fw, &ticket, 2, 7000, query, sizeof query, &d, &err),
               DNSFILTER_E_OUT_OF_RANGE);
  CHECK_STATUS(dnsfilter_forwarder_begin_tcp(fw, &ticket, 1, 7000, query, sizeof query, &d, &err), DNSFILTER_OK);
  CHECK(d.upstream == 1 && d.source_port == 0 && d.query_size == 34 && dnsfilter_forwarder_next_deadline(fw) == 10000);
  CHECK_STATUS(dnsfilter_forwarder_expire(fw, d.attempt, 10000, &step, &err), DNSFILTER_OK);
  CHECK(step.what == DNSFILTER_NEXT_FAIL && dnsfilter_forwarder_in_flight(fw) == 0);

  port = dnsfilter_forwarder_draw_port(fw);
  CHECK(port >= 20000 && port <= 20009);
  CHECK(dnsfilter_forwarder_draw_port(NULL) == 0 && dnsfilter_forwarder_in_flight(NULL) == 0);
  dnsfilter_forwarder_free(fw);
}

/* Serving thread 1 while the main thread swaps: every answer is one of the two. */
struct server {
  dnsfilter_filter* filter;
  int decided, odd;
};

static void* serve(void* arg) {
  struct server* s = (struct server*)arg;
  uint8_t packet[512], out[512];
  int i;
  for (i = 0; i < 2000; ++i) {
    dnsfilter_query q;
    dnsfilter_result r;
    const size_t n = make_plain_query(packet, (unsigned)i, "c2.evil.example", TYPE_A);
    q = query_of(packet, n, "192.0.2.8");
    if (dnsfilter_process(s->filter, 1, &q, out, sizeof out, &r, NULL) != DNSFILTER_OK) {
      ++s->odd;
      continue;
    }
    ++s->decided;
    if (r.outcome != DNSFILTER_ANSWERED && r.outcome != DNSFILTER_FORWARD) ++s->odd;
  }
  dnsfilter_release(s->filter, 1);
  return NULL;
}

static dnsfilter_catalogue* catalogue_from(const char* file) {
  dnsfilter_catalogue* cat = NULL;
  CHECK_STATUS(dnsfilter_catalogue_create(&cat, NULL), DNSFILTER_OK);
  CHECK_STATUS(dnsfilter_catalogue_load_file(cat, path_in(data_dir, file), DNSFILTER_FORMAT_AUTO, NULL, NULL, NULL),
               DNSFILTER_OK);
  return cat;
}

static void test_swap(dnsfilter_filter* f) {
  uint8_t packet[512], out[512];
  size_t n;
  dnsfilter_result r;
  dnsfilter_catalogue* cat;
  dnsfilter_policy* policy = NULL;
  struct server s;
  pthread_t thread;
  int i;

  memset(&s, 0, sizeof s);
  s.filter = f;
  CHECK(pthread_create(&thread, NULL, serve, &s) == 0);
  for (i = 0; i < 20; ++i) {
    cat = catalogue_from(i % 2 == 0 ? "swap.txt" : "catalogue.tsv");
    CHECK_STATUS(dnsfilter_filter_swap_catalogue(f, &cat, NULL), DNSFILTER_OK);
    CHECK(cat == NULL);
  }
  CHECK(pthread_join(thread, NULL) == 0);
  CHECK(s.decided == 2000 && s.odd == 0);

  /* Now swap.txt: c2.evil.example is let through, other.example blocked. */
  cat = catalogue_from("swap.txt");
  CHECK_STATUS(dnsfilter_filter_swap_catalogue(f, &cat, NULL), DNSFILTER_OK);
  n = make_plain_query(packet, 0x4001, "c2.evil.example", TYPE_A);
  CHECK_STATUS(decide(f, packet, n, "192.0.2.7", out, sizeof out, &r, NULL), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_FORWARD);
  n = make_plain_query(packet, 0x4002, "www.other.example", TYPE_A);
  CHECK_STATUS(decide(f, packet, n, "192.0.2.7", out, sizeof out, &r, NULL), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_ANSWERED && r.entry != NULL && r.entry[0] == '\0');
  expected.passed += 1;
  expected.filtered += 1;

  /* An empty policy: 10.2.3.4 is filtered now. */
  CHECK_STATUS(dnsfilter_policy_create(&policy, NULL), DNSFILTER_OK);
  CHECK_STATUS(dnsfilter_filter_swap_policy(f, &policy, NULL), DNSFILTER_OK);
  CHECK(policy == NULL);
  CHECK_STATUS(decide(f, packet, n, "10.2.3.4", out, sizeof out, &r, NULL), DNSFILTER_OK);
  CHECK(r.outcome == DNSFILTER_ANSWERED && r.basis == DNSFILTER_BASIS_DEFAULT);
  expected.filtered += 1;

  /* Swapping into no filter still takes (frees) the handle. */
  cat = catalogue_from("swap.txt");
  CHECK_STATUS(dnsfilter_filter_swap_catalogue(NULL, &cat, NULL), DNSFILTER_E_INVALID_ARGUMENT);
  CHECK(cat == NULL);
  CHECK_STATUS(dnsfilter_filter_swap_policy(NULL, NULL, NULL), DNSFILTER_E_INVALID_ARGUMENT);
}

/* Collects the entry counts. */
struct entry_hits {
  uint64_t capi_0001, capi_0004_monitored, lists;
};
static void on_entry(void* context, const char* key, uint64_t hits, uint64_t monitored) {
  struct entry_hits* e = (struct entry_hits*)context;
  if (strcmp(key, "CAPI-0001") == 0) e->capi_0001 = hits;
  if (strcmp(key, "CAPI-0004") == 0) e->capi_0004_monitored = monitored;
  if (strstr(key, "swap.txt") != NULL) e->lists += hits;
}

static void test_counts(dnsfilter_filter* f, const dnsfilter_settings* settings) {
  dnsfilter_counts all, january, february;
  dnsfilter_error err;
  struct entry_hits hits;
  const char* stats = path_in(scratch_dir, "c_api.stats");
  dnsfilter_filter* restarted = NULL;

  CHECK_STATUS(dnsfilter_read_counts(f, 0, 0, &all, &err), DNSFILTER_OK);
  CHECK_STATUS(dnsfilter_read_counts(f, 2026, 1, &january, &err), DNSFILTER_OK);
  CHECK_STATUS(dnsfilter_read_counts(f, 2026, 2, &february, &err), DNSFILTER_OK);
  /* The serving thread's 2000 queries are passed or filtered, by the catalogue then served. */
  CHECK(all.passed + all.filtered == expected.passed + expected.filtered + 2000);
  CHECK(all.filtered >= expected.filtered && all.filtered <= expected.filtered + 2000);
  CHECK(all.queries == all.passed + all.filtered);
  CHECK(all.opted_out == expected.opted_out);
  CHECK(all.monitored == expected.monitored);
  CHECK(all.by_action[DNSFILTER_ACTION_NXDOMAIN] == expected.nxdomain);
  CHECK(all.by_action[DNSFILTER_ACTION_MONITOR] == expected.monitored);
  CHECK(all.unrecorded == 0);
  CHECK(memcmp(&all, &january, sizeof all) == 0);
  CHECK(february.queries == 0 && february.opted_out == 0);

  memset(&hits, 0, sizeof hits);
  CHECK_STATUS(dnsfilter_read_entry_counts(f, 2026, 1, on_entry, &hits, &err), DNSFILTER_OK);
  CHECK(hits.capi_0001 >= 9 && hits.capi_0004_monitored == 2 && hits.lists >= 2);

  memset(&err, 0, sizeof err);
  CHECK_STATUS(dnsfilter_read_counts(f, 2026, 13, &all, &err), DNSFILTER_E_OUT_OF_RANGE);
  CHECK(err.status == DNSFILTER_E_OUT_OF_RANGE && strstr(err.message, "month 13") != NULL);
  CHECK_STATUS(dnsfilter_read_counts(NULL, 0, 0, &all, &err), DNSFILTER_E_INVALID_ARGUMENT);
  CHECK_STATUS(dnsfilter_read_counts(f, 0, 0, NULL, &err), DNSFILTER_E_INVALID_ARGUMENT);
  CHECK_STATUS(dnsfilter_read_entry_counts(f, 0, 0, NULL, NULL, &err), DNSFILTER_E_INVALID_ARGUMENT);

  /* Written, then added into a new filter as after a restart: the same counts. */
  CHECK_STATUS(dnsfilter_write_counts(f, stats, &err), DNSFILTER_OK);
  CHECK_STATUS(dnsfilter_filter_create(&restarted, settings, NULL, NULL, &err), DNSFILTER_OK);
  CHECK_STATUS(dnsfilter_merge_counts(restarted, stats, &err), DNSFILTER_OK);
  CHECK_STATUS(dnsfilter_read_counts(restarted, 0, 0, &february, &err), DNSFILTER_OK);
  CHECK(february.queries == january.queries && february.filtered == january.filtered &&
        february.opted_out == january.opted_out && february.monitored == january.monitored);
  memset(&err, 0, sizeof err);
  CHECK_STATUS(dnsfilter_merge_counts(restarted, path_in(data_dir, "catalogue.tsv"), &err),
               DNSFILTER_E_BAD_STATS_FILE);
  CHECK(err.line == 1 && strstr(err.message, "catalogue.tsv:1: ") != NULL);
  CHECK_STATUS(dnsfilter_merge_counts(restarted, path_in(scratch_dir, "no-such.stats"), &err), DNSFILTER_E_IO_ERROR);
  CHECK_STATUS(dnsfilter_write_counts(restarted, path_in(scratch_dir, "no-such-dir/x.stats"), &err),
               DNSFILTER_E_WRITE_FAILED);
  CHECK(strstr(err.message, "no-such-dir/x.stats") != NULL);
  dnsfilter_filter_free(restarted);
}

int main(int argc, char** argv) {
  dnsfilter_settings settings;
  dnsfilter_filter* f = NULL;
  dnsfilter_catalogue* cat;
  dnsfilter_policy* policy;
  dnsfilter_error err;

  if (argc != 3) {
    fprintf(stderr, "usage: %s DATA_DIR SCRATCH_DIR\n", argv[0]);
    return 2;
  }
  data_dir = argv[1];
  scratch_dir = argv[2];

  test_basics();
  cat = load_catalogue();
  policy = load_policy();
  test_create_errors();

  sinkhole_settings(&settings, 2);
  CHECK_STATUS(dnsfilter_filter_create(&f, &settings, &cat, &policy, &err), DNSFILTER_OK);
  CHECK(f != NULL && cat == NULL && policy == NULL);
  if (f == NULL) {
    fprintf(stderr, "dnsfilter_filter_create: %s\n", err.message);
    return 1;
  }
  test_process(f);
  test_bad_packets(f);
  test_answers(f);
  test_forwarder(f);
  test_swap(f);
  test_counts(f, &settings);
  dnsfilter_filter_free(f);

  printf("C API: %d checks, %d failed\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
