#!/usr/bin/env python3
"""recording_upstream.py — a small UDP upstream on 127.0.0.1 for the forwarding
tests of dnsfilter-embed (python3, standard library only). It answers every A
query with 192.0.2.1 and writes one line per query it receives to --log:
"NAME ID PORT" (the name in lower case, the query's id and its source port),
so a test can check what a forwarder really sends. By the query name (any case):

  spoof-port.*  first a forged answer (6.6.6.6) from another socket, so from
                another source port, with the right id and question; then the
                real answer 0.2 s later
  spoof-id.*    first a forged answer (6.6.6.6) with another id from the right
                port; then the real answer 0.2 s later
  silent.*      no answer at all
  hold.*        held until --hold N such queries wait together, then all are
                answered: only a forwarder with N queries in flight gets them

  recording_upstream.py --log FILE [--hold N] [--lifetime SECONDS]

The first line on stdout is "port N" (the port the system chose).
"""
import argparse
import select
import socket
import struct
import sys
import time


def parse_question(packet):
    """(name as sent, question octets, end offset), or None for a runt."""
    if len(packet) < 12:
        return None
    at, labels = 12, []
    while at < len(packet):
        length = packet[at]
        if length == 0 or length > 63:
            break
        labels.append(packet[at + 1:at + 1 + length])
        at += 1 + length
    end = at + 1 + 4
    if at >= len(packet) or packet[at] != 0 or end > len(packet):
        return None
    return b".".join(labels).decode("ascii", "replace"), packet[12:end], end


def answer(packet, question, address, id_xor=0):
    qid, flags, _qd, _an, _ns, ar = struct.unpack("!HHHHHH", packet[:12])
    header = struct.pack("!HHHHHH", qid ^ id_xor, 0x8180 | (flags & 0x0100), 1, 1, 0, 1 if ar else 0)
    record = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + bytes(int(x) for x in address.split("."))
    opt = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0) if ar else b""
    return header + question + record + opt


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    parser.add_argument("--hold", type=int, default=4)
    parser.add_argument("--lifetime", type=float, default=120)
    args = parser.parse_args()

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # the spoofer's socket: another port
    other.bind(("127.0.0.1", 0))
    print(f"port {sock.getsockname()[1]}", flush=True)
    log = open(args.log, "a", buffering=1)
    later, held = [], []
    deadline = time.monotonic() + args.lifetime
    while time.monotonic() < deadline:
        now = time.monotonic()
        for due, data, peer in [x for x in later if x[0] <= now]:
            sock.sendto(data, peer)
        later = [x for x in later if x[0] > now]
        ready, _, _ = select.select([sock], [], [], 0.05)
        if not ready:
            continue
        packet, peer = sock.recvfrom(4096)
        parsed = parse_question(packet)
        if parsed is None or packet[2] & 0x80:
            continue
        name, question, _ = parsed
        name = name.lower()
        log.write(f"{name} {struct.unpack('!H', packet[:2])[0]} {peer[1]}\n")
        real = answer(packet, question, "192.0.2.1")
        if name.startswith("silent."):
            continue
        if name.startswith("spoof-port."):
            other.sendto(answer(packet, question, "6.6.6.6"), peer)
            later.append((now + 0.2, real, peer))
        elif name.startswith("spoof-id."):
            sock.sendto(answer(packet, question, "6.6.6.6", id_xor=0x5A5A), peer)
            later.append((now + 0.2, real, peer))
        elif name.startswith("hold."):
            held.append((real, peer))
            if len(held) >= args.hold:
                for data, to in held:
                    sock.sendto(data, to)
                held = []
        else:
            sock.sendto(real, peer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
