#!/usr/bin/env python3
"""Helpers of bench/compare_feeds.sh (python3, standard library only).

  feed_probe.py poll PORT NAME RCODE INTERVAL LIMIT [--since NS] [--run CMD ...]
      Sends "NAME A" over UDP to 127.0.0.1:PORT every INTERVAL seconds until an
      answer with rcode RCODE (NOERROR, NXDOMAIN, ...) comes back, then prints
      the seconds elapsed since NS (CLOCK_REALTIME nanoseconds, as `date +%s%N`
      gives; default: when the probe started) and exits 0. With --run, the
      command is started (in the background) right after the start time is
      taken, so the probe is already polling when its effect can show. Exits 1
      after LIMIT seconds without such an answer. One process for the whole
      poll: a dig per poll costs more than the 10 ms between polls.
      With --primary-serial PORT ZONE SERIAL (before --run), each poll also asks
      127.0.0.1:PORT for ZONE's SOA until its serial is SERIAL or later, and the
      line printed has a second figure: when the primary first served it, so
      what the server took can be told from what the primary took to commit.
      When the server's answer comes before the primary's SOA reply of the same
      poll, the second figure is the first (the server had the serial from the
      primary, so the primary served it within that poll).

  feed_probe.py watch PORT NAME INTERVAL STOPFILE
      Asks "NAME A" every INTERVAL seconds, one query at a time (each waits up to
      2 s for its answer), until STOPFILE exists; prints "RCODE=COUNT ...
      timeouts=N slowest_ms=MS": what was served while something else happened
      (a policy gap shows as another rcode, a pause in serving as slowest_ms).

  feed_probe.py axfr PORT ZONE
      Asks 127.0.0.1:PORT for ZONE's SOA, then transfers the zone (AXFR over
      TCP) and reads the stream without interpreting it, until the message that
      ends with that SOA; prints "SECONDS MESSAGES OCTETS": what the primary
      takes to send the zone, the floor under any server's first policy answer.

  feed_probe.py rss PID INTERVAL STOPFILE
      Samples VmRSS of PID from /proc every INTERVAL seconds until STOPFILE
      exists or the process is gone; prints "MAX_VMRSS_KB SAMPLES VMHWM_KB".
"""
import os
import random
import select
import socket
import struct
import subprocess
import sys
import time

RCODES = {"NOERROR": 0, "FORMERR": 1, "SERVFAIL": 2, "NXDOMAIN": 3, "NOTIMP": 4, "REFUSED": 5}


def query(qid, name, qtype=1):
    wire = b"".join(bytes([len(label)]) + label.encode() for label in name.strip(".").split(".")) + b"\0"
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + wire + struct.pack("!HH", qtype, 1)


def skip_name(msg, pos):
    while True:
        length = msg[pos]
        if length >= 0xC0:
            return pos + 2
        if length == 0:
            return pos + 1
        pos += 1 + length


def soa_serial(msg):
    """The serial of the first answer record when it is an SOA, else None."""
    try:
        if struct.unpack("!H", msg[6:8])[0] < 1:
            return None
        pos = skip_name(msg, 12) + 4                   # the question
        pos = skip_name(msg, pos)                      # the answer's owner
        rtype = struct.unpack("!H", msg[pos:pos + 2])[0]
        if rtype != 6:
            return None
        pos += 10                                      # type, class, TTL, RDLENGTH
        pos = skip_name(msg, skip_name(msg, pos))      # MNAME, RNAME
        return struct.unpack("!I", msg[pos:pos + 4])[0]
    except (IndexError, struct.error):
        return None


def poll(argv):
    port, name, rcode, interval, limit = int(argv[0]), argv[1], RCODES[argv[2]], float(argv[3]), float(argv[4])
    rest = argv[5:]
    since = None
    command = None
    primary = None
    while rest:
        if rest[0] == "--since":
            since = int(rest[1]) / 1e9
            rest = rest[2:]
        elif rest[0] == "--primary-serial":
            primary = (int(rest[1]), rest[2], int(rest[3]))
            rest = rest[4:]
        elif rest[0] == "--run":
            command = rest[1:]
            rest = []
        else:
            sys.exit(f"feed_probe.py poll: unknown argument {rest[0]}")
    start = time.time()
    if since is None:
        since = start
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL) if command else None
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect(("127.0.0.1", port))
    sent = set()
    psock = None
    ready_at = ""
    if primary:
        psock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        psock.connect(("127.0.0.1", primary[0]))
    deadline = start + limit
    try:
        while time.time() < deadline:
            qid = random.randrange(65536)
            sent.add(qid)
            try:
                sock.send(query(qid, name))
                if psock is not None and not ready_at:
                    psock.send(query(qid, primary[1], 6))
            except OSError:  # nothing listening yet (ICMP refused from an earlier send)
                pass
            tick_end = time.time() + interval
            while True:
                left = tick_end - time.time()
                if left <= 0:
                    break
                ready, _, _ = select.select([s for s in (sock, psock) if s is not None], [], [], left)
                if not ready:
                    break
                for s in ready:
                    try:
                        reply = s.recv(4096)
                    except OSError:
                        continue
                    if len(reply) < 12:
                        continue
                    if s is psock:
                        serial = soa_serial(reply)
                        if not ready_at and serial is not None and serial >= primary[2]:
                            ready_at = f"{time.time() - since:.3f}"
                        continue
                    rid, flags = struct.unpack("!HH", reply[:4])
                    # Any of our queries: a late answer still says what the server served then.
                    if rid in sent and flags & 0x8000 and flags & 0xF == rcode:
                        now = f"{time.time() - since:.3f}"
                        # The server's answer came before the primary's SOA reply
                        # of the same poll: the primary served the serial by then
                        # (the server had it from there), so within this poll.
                        if psock is not None and not ready_at:
                            ready_at = now
                        print(f"{now} {ready_at}".rstrip())
                        return 0
            left = tick_end - time.time()
            if left > 0:
                time.sleep(left)
        return 1
    finally:
        if child is not None:
            child.wait()


def watch(argv):
    port, name, interval, stopfile = int(argv[0]), argv[1], float(argv[2]), argv[3]
    names = {v: k for k, v in RCODES.items()}
    counts, timeouts, slowest = {}, 0, 0.0
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect(("127.0.0.1", port))
    while not os.path.exists(stopfile):
        qid = random.randrange(65536)
        sent = time.time()
        try:
            sock.send(query(qid, name))
        except OSError:
            pass
        answered = False
        while time.time() - sent < 2.0:
            ready, _, _ = select.select([sock], [], [], 2.0 - (time.time() - sent))
            if not ready:
                break
            try:
                reply = sock.recv(4096)
            except OSError:
                break
            if len(reply) >= 12 and struct.unpack("!H", reply[:2])[0] == qid:
                rcode = names.get(reply[3] & 0xF, str(reply[3] & 0xF))
                counts[rcode] = counts.get(rcode, 0) + 1
                answered = True
                break
        took = time.time() - sent
        slowest = max(slowest, took)
        if not answered:
            timeouts += 1
        time.sleep(max(0.0, interval - took))
    print(" ".join(f"{k}={v}" for k, v in sorted(counts.items())), f"timeouts={timeouts}", f"slowest_ms={slowest * 1000:.0f}")
    return 0


def axfr(argv):
    port, zone = int(argv[0]), argv[1]
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.connect(("127.0.0.1", port))
    udp.settimeout(5)
    udp.send(query(random.randrange(65536), zone, 6))
    reply = udp.recv(4096)
    if soa_serial(reply) is None:
        sys.exit("feed_probe.py axfr: no SOA")
    tail = reply[-20:]  # the SOA's RDATA ends with serial, refresh, retry, expire, minimum
    start = time.time()
    tcp = socket.create_connection(("127.0.0.1", port), timeout=60)
    q = query(random.randrange(65536), zone, 252)
    tcp.sendall(struct.pack("!H", len(q)) + q)
    buf = bytearray()
    messages = octets = 0
    pos = 0
    while True:
        while len(buf) - pos < 2 or len(buf) - pos < 2 + struct.unpack_from("!H", buf, pos)[0]:
            data = tcp.recv(1 << 20)
            if not data:
                sys.exit("feed_probe.py axfr: the stream ended early")
            del buf[:pos]
            pos = 0
            buf += data
        size = struct.unpack_from("!H", buf, pos)[0]
        message = bytes(buf[pos + 2:pos + 2 + size])
        pos += 2 + size
        messages += 1
        octets += size
        # The first message begins with the SOA; the last one ends with it.
        if message.endswith(tail) and (messages > 1 or message.count(tail) > 1):
            break
    print(f"{time.time() - start:.3f} {messages} {octets}")
    return 0


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def rss(argv):
    pid, interval, stopfile = int(argv[0]), float(argv[1]), argv[2]
    peak = samples = hwm = 0
    while not os.path.exists(stopfile):
        try:
            peak = max(peak, status_kb(pid, "VmRSS"))
            hwm = status_kb(pid, "VmHWM")
        except OSError:
            break
        samples += 1
        time.sleep(interval)
    print(peak, samples, hwm)
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in ("poll", "watch", "rss", "axfr"):
        sys.exit(__doc__)
    sys.exit({"poll": poll, "watch": watch, "rss": rss, "axfr": axfr}[sys.argv[1]](sys.argv[2:]))
