#!/usr/bin/env python3
"""fake_primary.py — a zone-transfer primary on 127.0.0.1 that serves exactly
the records it is given, in the order given, even ones a real primary would
refuse to serve (records outside the zone, the same record twice). For the
feed tests of issue 14 (python3, standard library only).

  fake_primary.py --zone ZONE --axfr SERIAL:FILE [--ixfr FROM:DELETED:ADDED]
                  [--per-message N] [--listen PORT] [--lifetime SECONDS]

FILE, DELETED and ADDED hold one record a line, "OWNER TYPE DATA" with
absolute or zone-relative owners ("@" is the apex) and TYPE one of CNAME, NS
(DATA a name), A (DATA an IPv4 address) or TXT (DATA one string); blank lines
and lines starting with ";" are skipped.

The answers, over TCP only (a UDP SOA query gets the SOA too):
  AXFR                  SOA(SERIAL), FILE's records, SOA(SERIAL)
  IXFR at serial FROM   SOA(TO), SOA(FROM), DELETED, SOA(TO), ADDED, SOA(TO)
                        where TO is the --axfr SERIAL (the zone FILE must be
                        the zone at TO for later AXFRs to agree)
  IXFR at SERIAL        SOA(SERIAL) (up to date)
  other IXFR            the AXFR answer (RFC 1995 section 4)
  another zone          REFUSED
N records go in one message (default 50), so a zone spans several. --listen 0
(the default) lets the system choose; the first line on stdout is "port N".
--lifetime (default 60 s) bounds its life. What it did goes to stderr.
"""
import argparse
import ipaddress
import select
import socket
import struct
import sys
import threading
import time

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "TXT": 16, "AXFR": 252, "IXFR": 251}


def log(msg):
    print(f"fake_primary: {msg}", file=sys.stderr, flush=True)


def absolute(name, zone):
    if name == "@":
        return zone
    if name.endswith("."):
        return name
    return f"{name}.{zone}"


def wire_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\0"


def rdata(rtype, data, zone):
    if rtype in ("CNAME", "NS"):
        return wire_name(absolute(data, zone) if data != "." else ".")
    if rtype == "A":
        return ipaddress.IPv4Address(data).packed
    if rtype == "TXT":
        text = data.strip('"').encode("ascii")
        return bytes([len(text)]) + text
    raise ValueError(f"type {rtype} not supported")


def record(owner, rtype, rd, ttl=3600):
    return wire_name(owner) + struct.pack("!HHIH", TYPES[rtype], 1, ttl, len(rd)) + rd


def soa(zone, serial):
    rd = wire_name(f"ns.{zone}") + wire_name(f"hostmaster.{zone}") + struct.pack("!IIIII", serial, 3600, 1, 86400, 60)
    return record(zone, "SOA", rd)


def read_records(path, zone):
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith(";"):
                continue
            owner, rtype, data = line.split(None, 2)
            rtype = rtype.upper()
            out.append(record(absolute(owner, zone), rtype, rdata(rtype, data, zone)))
    return out


def skip_name(msg, pos):
    """The offset after the (possibly compressed) name at pos."""
    while True:
        n = msg[pos]
        if n == 0:
            return pos + 1
        if n & 0xC0 == 0xC0:
            return pos + 2
        pos += 1 + n


def read_name(msg, pos):
    labels = []
    while msg[pos] != 0:
        n = msg[pos]
        labels.append(msg[pos + 1:pos + 1 + n].decode("ascii").lower())
        pos += 1 + n
    return ".".join(labels) + ".", pos + 1


class Primary:
    def __init__(self, args):
        self.zone = args.zone if args.zone.endswith(".") else args.zone + "."
        serial, _, path = args.axfr.partition(":")
        self.serial = int(serial)
        self.records = read_records(path, self.zone)
        self.ixfr = None
        if args.ixfr:
            frm, deleted, added = args.ixfr.split(":")
            self.ixfr = (int(frm), read_records(deleted, self.zone), read_records(added, self.zone))
        self.per_message = args.per_message

    def answer(self, query):
        """The messages answering one query (a list of bytes)."""
        qid, flags = struct.unpack("!HH", query[:4])
        name, pos = read_name(query, 12)
        qtype, _ = struct.unpack("!HH", query[pos:pos + 4])
        question = query[12:pos + 4]

        def message(records, rcode=0):
            header = struct.pack("!HHHHHH", qid, 0x8400 | rcode | (flags & 0x0100), 1, len(records), 0, 0)
            return header + question + b"".join(records)

        if name != self.zone.lower():
            log(f"query for {name}: REFUSED")
            return [message([], rcode=5)]
        if qtype == TYPES["SOA"]:
            return [message([soa(self.zone, self.serial)])]
        stream = [soa(self.zone, self.serial)] + self.records + [soa(self.zone, self.serial)]
        kind = "AXFR"
        if qtype == TYPES["IXFR"]:
            apos = skip_name(query, pos + 4)  # the authority SOA
            rdstart = apos + 10
            p = skip_name(query, skip_name(query, rdstart))
            (client,) = struct.unpack("!I", query[p:p + 4])
            if client == self.serial:
                log(f"IXFR at {client}: up to date")
                return [message([soa(self.zone, self.serial)])]
            if self.ixfr and client == self.ixfr[0]:
                frm, deleted, added = self.ixfr
                stream = ([soa(self.zone, self.serial), soa(self.zone, frm)] + deleted +
                          [soa(self.zone, self.serial)] + added + [soa(self.zone, self.serial)])
                kind = f"IXFR {frm}->{self.serial}"
            else:
                kind = f"IXFR at {client} answered as AXFR"
        log(f"{kind}: {len(stream)} records")
        return [message(stream[i:i + self.per_message]) for i in range(0, len(stream), self.per_message)]


def serve_tcp(conn, primary, deadline):
    try:
        conn.settimeout(max(0.1, deadline - time.time()))
        while time.time() < deadline:
            head = conn.recv(2, socket.MSG_WAITALL)
            if len(head) < 2:
                return
            (n,) = struct.unpack("!H", head)
            query = conn.recv(n, socket.MSG_WAITALL)
            for m in primary.answer(query):
                conn.sendall(struct.pack("!H", len(m)) + m)
    except (OSError, ValueError, IndexError, struct.error) as e:
        log(f"tcp: {e}")
    finally:
        conn.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--zone", required=True)
    parser.add_argument("--axfr", required=True, metavar="SERIAL:FILE")
    parser.add_argument("--ixfr", metavar="FROM:DELETED:ADDED")
    parser.add_argument("--per-message", type=int, default=50)
    parser.add_argument("--listen", type=int, default=0)
    parser.add_argument("--lifetime", type=float, default=60.0)
    args = parser.parse_args()
    primary = Primary(args)

    deadline = time.time() + args.lifetime
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind(("127.0.0.1", args.listen))
    tcp.listen(16)
    port = tcp.getsockname()[1]
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", port))
    print(f"port {port}", flush=True)
    while time.time() < deadline:
        ready, _, _ = select.select([tcp, udp], [], [], min(1.0, max(0.0, deadline - time.time())))
        for s in ready:
            if s is tcp:
                conn, _ = tcp.accept()
                threading.Thread(target=serve_tcp, args=(conn, primary, deadline), daemon=True).start()
            else:
                query, peer = udp.recvfrom(65535)
                try:
                    udp.sendto(primary.answer(query)[0][:512], peer)
                except (ValueError, IndexError, struct.error) as e:
                    log(f"udp: {e}")
    log("lifetime over, exiting")
    return 0


if __name__ == "__main__":
    sys.exit(main())
