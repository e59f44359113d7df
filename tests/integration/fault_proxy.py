#!/usr/bin/env python3
"""fault_proxy.py — a TCP proxy for DNS-over-TCP zone transfers on 127.0.0.1
that forwards to a primary and injects one kind of fault (python3, standard
library only). For the feed tests of issue 14: a transfer cut, delayed,
stalled, corrupted or truncated between a real primary and the client.

  fault_proxy.py --primary 127.0.0.1:PORT [--listen PORT] [fault] [--lifetime SECONDS]

Faults (none: plain pass-through; they combine, the first to end the stream wins;
--stall overrides the others):
  --cut-after BYTES       close both sides once BYTES octets of the primary's
                          stream have been forwarded (those BYTES are sent)
  --delay SECONDS         sleep before forwarding each chunk the primary sends
  --stall                 accept, read the client's query, never answer (the
                          primary is not contacted); the connection stays open
                          until the client closes it or the proxy's lifetime ends
  --corrupt-at BYTE       flip every bit of the octet at offset BYTE (0-based) of
                          the primary's stream (the 2-octet length prefixes count)
  --truncate-message N    end the stream in the middle of the Nth DNS message
                          (1-based) of the primary's answer: its length prefix
                          and half of its octets are sent, then both sides close

--listen 0 (the default) lets the system choose; the first line on stdout is
the port ("port N"), flushed at once. Each client connection gets its own
connection to the primary, and the fault applies to every connection (offsets
count per connection). --lifetime (default 120 s) bounds the proxy's life:
it exits then, whatever is open. A log of what it did goes to stderr.
"""
import argparse
import select
import socket
import sys
import threading
import time


def log(msg):
    print(f"fault_proxy: {msg}", file=sys.stderr, flush=True)


class Truncator:
    """Follows the 2-octet length framing of the primary's stream and says how
    many octets of a chunk may still go before the cut inside message N."""

    def __init__(self, message):
        self.message = message  # 1-based
        self.index = 0          # messages started so far
        self.need_prefix = 2
        self.prefix = b""
        self.body_left = 0
        self.body_sent = 0
        self.body_len = 0

    def allowed(self, chunk):
        """Returns (octets of chunk to send, True when the stream ends there)."""
        pos = 0
        while pos < len(chunk):
            if self.body_left == 0:
                take = min(self.need_prefix - len(self.prefix), len(chunk) - pos)
                self.prefix += chunk[pos:pos + take]
                pos += take
                if len(self.prefix) == self.need_prefix:
                    self.body_len = int.from_bytes(self.prefix, "big")
                    self.body_left = self.body_len
                    self.body_sent = 0
                    self.prefix = b""
                    self.index += 1
                    if self.index == self.message and self.body_len < 2:
                        return pos, True  # nothing to cut inside: end after the prefix
                continue
            if self.index == self.message:
                half = self.body_len // 2
                can = half - self.body_sent
                if can <= len(chunk) - pos:
                    return pos + can, True
                self.body_sent += len(chunk) - pos
                self.body_left -= len(chunk) - pos
                return len(chunk), False
            take = min(self.body_left, len(chunk) - pos)
            self.body_left -= take
            pos += take
        return len(chunk), False


def close_both(*socks):
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            s.close()
        except OSError:
            pass


def handle(client, primary, args, deadline, number):
    peer = client.getpeername()
    if args.stall:
        try:
            client.settimeout(max(0.1, deadline - time.time()))
            data = client.recv(65537)
            log(f"#{number} {peer}: stall: read {len(data)} octets of query, never answering")
            while time.time() < deadline:
                ready, _, _ = select.select([client], [], [], min(1.0, max(0.0, deadline - time.time())))
                if ready and not client.recv(65537):
                    break  # the client gave up
        except OSError:
            pass
        close_both(client)
        return
    try:
        upstream = socket.create_connection(primary, timeout=5)
    except OSError as e:
        log(f"#{number} {peer}: cannot reach the primary: {e}")
        close_both(client)
        return
    upstream.settimeout(None)
    sent = 0  # octets of the primary's stream forwarded so far
    truncator = Truncator(args.truncate_message) if args.truncate_message else None
    socks = [client, upstream]
    try:
        while time.time() < deadline:
            ready, _, _ = select.select(socks, [], [], min(1.0, max(0.0, deadline - time.time())))
            for s in ready:
                data = s.recv(65536)
                if not data:
                    log(f"#{number} {peer}: {'client' if s is client else 'primary'} closed after {sent} octets from the primary")
                    return
                if s is client:
                    upstream.sendall(data)
                    continue
                end = False
                if args.cut_after is not None and sent + len(data) >= args.cut_after:
                    data = data[:args.cut_after - sent]
                    end = True
                if truncator is not None:
                    n, end_here = truncator.allowed(data)
                    data = data[:n]
                    end = end or end_here
                if args.corrupt_at is not None and sent <= args.corrupt_at < sent + len(data):
                    i = args.corrupt_at - sent
                    data = data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1:]
                    log(f"#{number} {peer}: flipped the octet at offset {args.corrupt_at}")
                if args.delay:
                    time.sleep(args.delay)
                if data:
                    client.sendall(data)
                    sent += len(data)
                if end:
                    log(f"#{number} {peer}: {'cut' if args.cut_after is not None else 'truncated'} after {sent} octets from the primary")
                    return
        log(f"#{number} {peer}: lifetime over")
    except OSError as e:
        log(f"#{number} {peer}: {e}")
    finally:
        close_both(client, upstream)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--primary", required=True, help="ADDR:PORT of the primary")
    parser.add_argument("--listen", type=int, default=0, help="port on 127.0.0.1 (0: chosen, printed)")
    parser.add_argument("--lifetime", type=float, default=120.0)
    faults = parser.add_argument_group("faults (may be combined; --stall overrides the others)")
    faults.add_argument("--cut-after", type=int, metavar="BYTES")
    faults.add_argument("--delay", type=float, metavar="SECONDS")
    faults.add_argument("--stall", action="store_true")
    faults.add_argument("--corrupt-at", type=int, metavar="BYTE")
    faults.add_argument("--truncate-message", type=int, metavar="N")
    args = parser.parse_args()
    if args.truncate_message is not None and args.truncate_message < 1:
        parser.error("--truncate-message counts from 1")
    host, _, port = args.primary.rpartition(":")
    primary = (host or "127.0.0.1", int(port))

    deadline = time.time() + args.lifetime
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", args.listen))
    server.listen(16)
    print(f"port {server.getsockname()[1]}", flush=True)
    number = 0
    while time.time() < deadline:
        ready, _, _ = select.select([server], [], [], min(1.0, max(0.0, deadline - time.time())))
        if not ready:
            continue
        client, _ = server.accept()
        number += 1
        threading.Thread(target=handle, args=(client, primary, args, deadline, number), daemon=True).start()
    log("lifetime over, exiting")
    return 0


if __name__ == "__main__":
    sys.exit(main())
