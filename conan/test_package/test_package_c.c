/* Conan's test_package of the C API (option c_api), and the C consumer of
 * tests/package/run.sh (a C-only CMake project, pkg-config dnsfilter-c, the
 * vcpkg port's c-api feature): a C99 program that loads a list from memory,
 * makes a filter and has a query for a listed name answered with the
 * sinkhole address. */
#include <dnsfilter.h>

#include <stdio.h>
#include <string.h>

int main(void) {
  /* c2.evil.example A, id 0x1234, RD */
  static const uint8_t query[] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 2, 'c', '2', 4, 'e', 'v', 'i',
                                  'l', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1};
  static const char list[] = "evil.example\n";
  uint8_t out[512];
  dnsfilter_catalogue* cat = NULL;
  dnsfilter_filter* f = NULL;
  dnsfilter_settings settings;
  dnsfilter_query q;
  dnsfilter_result r;
  dnsfilter_error err;
  int ok;

  if (dnsfilter_catalogue_create(&cat, &err) != DNSFILTER_OK ||
      dnsfilter_catalogue_load_text(cat, list, sizeof list - 1, "list", DNSFILTER_FORMAT_PLAIN, NULL, NULL, &err) !=
          DNSFILTER_OK)
    return fprintf(stderr, "%s\n", err.message), 1;
  dnsfilter_settings_init(&settings);
  settings.has_ipv4 = 1;
  settings.ipv4[0] = 192;
  settings.ipv4[2] = 2;
  settings.ipv4[3] = 1;
  if (dnsfilter_filter_create(&f, &settings, &cat, NULL, &err) != DNSFILTER_OK)
    return fprintf(stderr, "%s\n", err.message), 1;
  memset(&q, 0, sizeof q);
  q.packet = query;
  q.size = sizeof query;
  dnsfilter_address_parse("192.0.2.7", &q.client);
  q.now = 1767225600;
  ok = dnsfilter_process(f, 0, &q, out, sizeof out, &r, NULL) == DNSFILTER_OK && r.outcome == DNSFILTER_ANSWERED &&
       r.answer_size == sizeof query + 16 && memcmp(r.answer + r.answer_size - 4, settings.ipv4, 4) == 0;
  printf("dnsfilter %s (C API): c2.evil.example -> %s\n", dnsfilter_version(), ok ? "192.0.2.1" : "not blocked");
  dnsfilter_filter_free(f);
  return ok ? 0 : 1;
}
