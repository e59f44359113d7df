/* dnsfilter-embed-c LIST [PORT [UPSTREAM [UPSTREAM_PORT]]] (defaults 5300, 127.0.0.1, 53): examples/embed in C,
 * through the C API (include/dnsfilter.h). Blocked names get the sinkhole answer 127.0.0.2; the rest is
 * relayed to UPSTREAM one query at a time, and its answer checked for CNAME cloaking. */
#define _POSIX_C_SOURCE 200809L
#include <dnsfilter.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

static struct sockaddr_in address_of(const char* ip, int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

/* The list in a filter of one serving thread; NULL (and why, on stderr) on failure. */
static dnsfilter_filter* load(const char* list) {
  dnsfilter_catalogue* cat = NULL;
  dnsfilter_filter* f = NULL;
  dnsfilter_settings settings;
  dnsfilter_error err;
  static const uint8_t sinkhole[4] = {127, 0, 0, 2};
  if (dnsfilter_catalogue_create(&cat, &err) != DNSFILTER_OK ||
      dnsfilter_catalogue_load_file(cat, list, DNSFILTER_FORMAT_AUTO, NULL, NULL, &err) != DNSFILTER_OK) {
    fprintf(stderr, "dnsfilter-embed-c: %s\n", err.message);
    dnsfilter_catalogue_free(cat);
    return NULL;
  }
  dnsfilter_settings_init(&settings);
  settings.has_ipv4 = 1;
  memcpy(settings.ipv4, sinkhole, sizeof sinkhole);
  if (dnsfilter_filter_create(&f, &settings, &cat, NULL, &err) != DNSFILTER_OK)  /* nobody opted out */
    fprintf(stderr, "dnsfilter-embed-c: %s\n", err.message);
  return f;
}

int main(int argc, char** argv) {
  static uint8_t packet[1232], reply[1232];
  struct sockaddr_in local, upstream;
  struct timeval timeout = {2, 0};
  dnsfilter_filter* f;
  int server, relay;
  if (argc < 2) return fputs("usage: dnsfilter-embed-c LIST [PORT [UPSTREAM [UPSTREAM_PORT]]]\n", stderr), 2;
  if ((f = load(argv[1])) == NULL) return 1;
  local = address_of("127.0.0.1", argc > 2 ? atoi(argv[2]) : 5300);
  upstream = address_of(argc > 3 ? argv[3] : "127.0.0.1", argc > 4 ? atoi(argv[4]) : 53);
  server = socket(AF_INET, SOCK_DGRAM, 0);
  relay = socket(AF_INET, SOCK_DGRAM, 0);
  setsockopt(relay, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (bind(server, (const struct sockaddr*)&local, sizeof local) != 0 ||
      connect(relay, (const struct sockaddr*)&upstream, sizeof upstream) != 0)
    return perror("socket"), 1;
  for (;;) {
    struct sockaddr_in client;
    socklen_t client_size = sizeof client;
    dnsfilter_query q;
    dnsfilter_result r;
    dnsfilter_ticket ticket;
    dnsfilter_check c;
    const uint8_t* answer;
    size_t answer_size;
    ssize_t n = recvfrom(server, packet, sizeof packet, 0, (struct sockaddr*)&client, &client_size), m;
    memset(&q, 0, sizeof q);
    q.packet = packet;
    q.size = n > 0 ? (size_t)n : 0;
    q.client.family = 4;
    memcpy(q.client.bytes, &client.sin_addr, 4);
    q.now = (int64_t)time(NULL);
    if (dnsfilter_process(f, 0, &q, reply, sizeof reply, &r, &ticket) != DNSFILTER_OK) continue;
    answer = r.answer;
    answer_size = r.answer_size;
    if (r.outcome == DNSFILTER_FORWARD || r.outcome == DNSFILTER_OPTED_OUT) {
      if (send(relay, packet, q.size, 0) != n) continue;
      do m = recv(relay, reply, sizeof reply, 0); /* skip late answers to earlier queries */
      while (m >= 2 && memcmp(reply, packet, 2) != 0);
      if (m < 12) continue; /* timed out (the client will retry) or a runt */
      answer = reply;
      answer_size = (size_t)m;
      if (dnsfilter_check_answer(f, 0, &ticket, reply, (size_t)m, packet, sizeof packet, &c) != DNSFILTER_OK)
        continue; /* not a DNS message: send nothing */
      if (c.blocked) {
        answer = c.answer;
        answer_size = c.answer_size;
      }
    }
    if (answer_size > 0) sendto(server, answer, answer_size, 0, (const struct sockaddr*)&client, client_size);
  }
}
