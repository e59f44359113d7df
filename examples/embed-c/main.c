/* dnsfilter-embed-c LIST [PORT [UPSTREAM [UPSTREAM_PORT]]] (defaults 5300, 127.0.0.1, 53): examples/embed in C,
 * through the C API (include/dnsfilter.h). Blocked names get the sinkhole answer 127.0.0.2; the rest goes to
 * UPSTREAM through the library's forwarder: up to 16 queries in flight, each attempt on a fresh UDP socket with a
 * random id, an answer believed only from the upstream's address and port with our id and question, SERVFAIL
 * after two silent attempts; the answer is then checked for CNAME cloaking. */
#define _POSIX_C_SOURCE 200809L
#include <dnsfilter.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 16

struct pending { /* one per forwarder slot: the attempt's socket, and whom to answer */
  dnsfilter_attempt attempt;
  int fd;
  struct sockaddr_in client;
  dnsfilter_ticket ticket;
};

static dnsfilter_filter* f;
static dnsfilter_forwarder* fw;
static struct pending slots[SLOTS];
static int server;
static uint8_t packet[1232], reply[1232], query[512];

static struct sockaddr_in address_of(const char* ip, int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

static dnsfilter_endpoint endpoint_of(const struct sockaddr_in* a) {
  dnsfilter_endpoint e;
  memset(&e, 0, sizeof e);
  e.address.family = 4;
  memcpy(e.address.bytes, &a->sin_addr, 4);
  e.port = ntohs(a->sin_port);
  return e;
}

static int64_t now_ms(void) { /* monotonic: timeouts and the mismatch window */
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The list in a filter of one serving thread; NULL (and why, on stderr) on failure. */
static dnsfilter_filter* load(const char* list) {
  dnsfilter_catalogue* cat = NULL;
  dnsfilter_filter* filter = NULL;
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
  if (dnsfilter_filter_create(&filter, &settings, &cat, NULL, &err) != DNSFILTER_OK)  /* nobody opted out */
    fprintf(stderr, "dnsfilter-embed-c: %s\n", err.message);
  return filter;
}

static void answer(const struct sockaddr_in* client, const uint8_t* bytes, size_t size) {
  if (size > 0) sendto(server, bytes, size, 0, (const struct sockaddr*)client, sizeof *client);
}

/* The `size` octets of `query` for attempt d, on a fresh socket: connect() picks a random ephemeral port. */
static void send_attempt(const dnsfilter_dispatch* d, size_t size) {
  struct pending* p = &slots[d->attempt.slot];
  struct sockaddr_in to = address_of("0.0.0.0", d->to.port), local = address_of("0.0.0.0", d->source_port);
  memcpy(&to.sin_addr, d->to.address.bytes, 4);
  if (p->fd >= 0) close(p->fd);
  p->attempt = d->attempt;
  p->fd = socket(AF_INET, SOCK_DGRAM, 0);  /* a send that fails is left to time out */
  if (d->source_port != 0) bind(p->fd, (const struct sockaddr*)&local, sizeof local);  /* with a port range */
  if (connect(p->fd, (const struct sockaddr*)&to, sizeof to) == 0) send(p->fd, query, size, 0);
}

static void go_on(struct pending* p, const dnsfilter_next_step* next) {  /* after a timeout, an error or REFUSED */
  size_t size;
  if (next->what == DNSFILTER_NEXT_RETRY) {  /* the next upstream, a new id and port */
    if (dnsfilter_forwarder_write_query(fw, next->next.attempt, query, sizeof query, &size, NULL) == DNSFILTER_OK)
      send_attempt(&next->next, size);
    return;
  }
  if (next->what == DNSFILTER_NEXT_NONE) return;
  close(p->fd);  /* no attempt left: SERVFAIL, with EDE 23 for an EDNS client */
  p->fd = -1;
  if (dnsfilter_servfail(f, &p->ticket, "no upstream answered", reply, sizeof reply, &size) == DNSFILTER_OK)
    answer(&p->client, reply, size);
}

static void on_expired(void* context, dnsfilter_attempt expired, const dnsfilter_next_step* next) {
  (void)context;
  go_on(&slots[expired.slot], next);
}

static void client_query(void) {
  struct sockaddr_in client;  /* the source address of the query: policy and answer */
  socklen_t client_size = sizeof client;
  const ssize_t n = recvfrom(server, packet, sizeof packet, 0, (struct sockaddr*)&client, &client_size);
  dnsfilter_query q;
  dnsfilter_result r;
  dnsfilter_ticket ticket;
  dnsfilter_dispatch d;
  size_t size;
  memset(&q, 0, sizeof q);
  q.packet = packet;
  q.size = n > 0 ? (size_t)n : 0;
  q.client.family = 4;
  memcpy(q.client.bytes, &client.sin_addr, 4);
  q.now = (int64_t)time(NULL);
  if (dnsfilter_process(f, 0, &q, reply, sizeof reply, &r, &ticket) != DNSFILTER_OK) return;
  if (r.outcome != DNSFILTER_FORWARD && r.outcome != DNSFILTER_OPTED_OUT) {
    answer(&client, r.answer, r.answer_size);  /* sinkhole, FORMERR, NOTIMP, ...; nothing for a drop */
  } else if (dnsfilter_forwarder_begin(fw, &ticket, now_ms(), query, sizeof query, &d, NULL) == DNSFILTER_OK) {
    slots[d.attempt.slot].client = client;
    slots[d.attempt.slot].ticket = ticket;
    send_attempt(&d, d.query_size);
  } else if (dnsfilter_servfail(f, &ticket, NULL, reply, sizeof reply, &size) == DNSFILTER_OK) {
    answer(&client, reply, size);  /* 16 in flight already (or no random bytes) */
  }
}

static void upstream_datagram(struct pending* p) {
  struct sockaddr_in from;
  socklen_t from_size = sizeof from;
  const ssize_t size = recvfrom(p->fd, reply, sizeof reply, 0, (struct sockaddr*)&from, &from_size);
  dnsfilter_endpoint source = endpoint_of(&from);
  dnsfilter_accept_result r;
  dnsfilter_next_step next;
  dnsfilter_check c;
  if (size < 0) {  /* ICMP port unreachable and the like */
    if (dnsfilter_forwarder_expire(fw, p->attempt, now_ms(), &next, NULL) == DNSFILTER_OK) go_on(p, &next);
    return;
  }
  if (dnsfilter_forwarder_accept(fw, p->attempt, reply, (size_t)size, &source, now_ms(), &r, NULL) != DNSFILTER_OK)
    return;
  if (r.alarm == DNSFILTER_ALARM_RAISED)
    fputs("dnsfilter-embed-c: warning: over 10 upstream answers failed the spoofing checks within 10 s\n", stderr);
  if (r.what == DNSFILTER_ANSWER_REFUSED) go_on(p, &r.next);
  if (r.what != DNSFILTER_ANSWER_ACCEPTED) return;  /* not ours (r.why): the genuine one may still come */
  /* The client's id and case are restored. CNAME cloaking: the chain may lead to a blocked name. */
  if (!r.truncated && dnsfilter_check_answer(f, 0, &p->ticket, reply, (size_t)size, packet, sizeof packet, &c) ==
                          DNSFILTER_OK && c.blocked)
    answer(&p->client, c.answer, c.answer_size);
  else
    answer(&p->client, reply, (size_t)size);
  close(p->fd);
  p->fd = -1;
}

int main(int argc, char** argv) {
  struct sockaddr_in local, upstream;
  dnsfilter_forwarder_settings settings;
  dnsfilter_endpoint to;
  dnsfilter_error err;
  int i;
  if (argc < 2) return fputs("usage: dnsfilter-embed-c LIST [PORT [UPSTREAM [UPSTREAM_PORT]]]\n", stderr), 2;
  if ((f = load(argv[1])) == NULL) return 1;
  local = address_of("127.0.0.1", argc > 2 ? atoi(argv[2]) : 5300);
  upstream = address_of(argc > 3 ? argv[3] : "127.0.0.1", argc > 4 ? atoi(argv[4]) : 53);
  server = socket(AF_INET, SOCK_DGRAM, 0);
  if (bind(server, (const struct sockaddr*)&local, sizeof local) != 0) return perror("bind"), 1;

  /* Forwarding: one upstream, the alarm on spoofed answers (more than 10 in 10 s), 16 queries, two attempts. */
  dnsfilter_forwarder_settings_init(&settings);
  settings.capacity = SLOTS;
  settings.attempts = 2;
  settings.timeout_ms = 1500;
  to = endpoint_of(&upstream);
  if (dnsfilter_forwarder_create(&fw, &settings, &to, 1, &err) != DNSFILTER_OK)
    return fprintf(stderr, "dnsfilter-embed-c: %s\n", err.message), 1;
  for (i = 0; i < SLOTS; ++i) slots[i].fd = -1;
  for (;;) {
    struct pollfd fds[1 + SLOTS];
    struct pending* owner[1 + SLOTS];
    nfds_t n = 0, k;
    const int64_t wait = dnsfilter_forwarder_next_deadline(fw) - now_ms();
    memset(fds, 0, sizeof fds);
    fds[n].fd = server;
    fds[n++].events = POLLIN;
    for (i = 0; i < SLOTS; ++i)
      if (slots[i].fd >= 0) owner[n] = &slots[i], fds[n].fd = slots[i].fd, fds[n++].events = POLLIN;
    poll(fds, n, wait < 0 ? 0 : wait > 1000 ? 1000 : (int)wait);
    if (fds[0].revents & POLLIN) client_query();
    for (k = 1; k < n; ++k)  /* datagrams on upstream sockets */
      if (fds[k].revents & (POLLIN | POLLERR)) upstream_datagram(owner[k]);
    dnsfilter_forwarder_tick(fw, now_ms(), on_expired, NULL, NULL);
    if (dnsfilter_forwarder_poll_alarm(fw, now_ms()) == DNSFILTER_ALARM_CLEARED)
      fputs("dnsfilter-embed-c: spoofing alarm cleared\n", stderr);
  }
}
