#!/usr/bin/env python3
"""Prints the dnstap messages of Frame Streams capture files (fstrm_capture -w),
one JSON object per line, in the files' order.

Decoded by hand from the Frame Streams format (a control frame is a zero
length followed by the control frame's length; a data frame is its length and
its bytes) and the protobuf wire format, with the field numbers of
dnstap.proto. dnstap-ldns 0.2 predates the `policy` field (15) and does not
print it; this reads every field the resolver writes, `policy` included, and
fails loudly on anything it cannot parse, so it is also a check of the framing.

usage: dnstap_decode.py CAPTURE...
"""
import ipaddress
import json
import struct
import sys

MESSAGE_TYPES = {5: "CLIENT_QUERY", 6: "CLIENT_RESPONSE", 7: "FORWARDER_QUERY", 8: "FORWARDER_RESPONSE"}
ACTIONS = {1: "NXDOMAIN", 2: "NODATA", 3: "PASS", 4: "DROP", 5: "TRUNCATE", 6: "LOCAL_DATA"}
MATCHES = {1: "QNAME", 2: "CLIENT_IP", 3: "RESPONSE_IP", 4: "NS_NAME", 5: "NS_IP"}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def varint(data, i):
    value = shift = 0
    while True:
        if i >= len(data):
            raise ValueError("truncated varint")
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, i
        if shift > 63:
            raise ValueError("varint too long")


def fields(data):
    """(number, value) pairs of a protobuf message: ints for varints and fixed, bytes for the rest."""
    i = 0
    while i < len(data):
        key, i = varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(data, i)
        elif wire == 1:
            value, i = struct.unpack_from("<Q", data, i)[0], i + 8
        elif wire == 5:
            value, i = struct.unpack_from("<I", data, i)[0], i + 4
        elif wire == 2:
            length, i = varint(data, i)
            if i + length > len(data):
                raise ValueError("truncated field %d" % number)
            value, i = bytes(data[i:i + length]), i + length
        else:
            raise ValueError("wire type %d" % wire)
        yield number, value


def wire_name(data, i=0, hops=0):
    """The text of a wire-format name at `i` of `data` (a message or a bare name), and the end of it."""
    labels, end = [], None
    while True:
        length = data[i]
        if length & 0xC0 == 0xC0:
            if hops > 20:
                raise ValueError("compression loop")
            if end is None:
                end = i + 2
            i = ((length & 0x3F) << 8) | data[i + 1]
            hops += 1
            continue
        if length == 0:
            return ".".join(labels) + ".", (end if end is not None else i + 1)
        labels.append(data[i + 1:i + 1 + length].decode("ascii", "backslashreplace"))
        i += 1 + length


def dns_summary(message):
    if len(message) < 12:
        return {}
    flags, qdcount, ancount = struct.unpack_from("!HHH", message, 2)
    out = {"id": struct.unpack_from("!H", message)[0], "rcode": RCODES.get(flags & 15, flags & 15), "ancount": ancount}
    if qdcount:
        name, end = wire_name(message, 12)
        out["qname"] = name
        out["qtype"] = struct.unpack_from("!H", message, end)[0]
    return out


def address(data):
    return str(ipaddress.ip_address(data)) if len(data) in (4, 16) else data.hex()


def decode_policy(data):
    p = {}
    for number, value in fields(data):
        if number == 1:
            p["type"] = value.decode()
        elif number == 2:
            p["rule"] = value.decode("utf-8", "backslashreplace")
        elif number == 3:
            p["action"] = ACTIONS.get(value, value)
        elif number == 4:
            p["match"] = MATCHES.get(value, value)
        elif number == 5:
            p["value"] = wire_name(value)[0]
    return p


def decode_message(data):
    m = {}
    for number, value in fields(data):
        if number == 1:
            m["type"] = MESSAGE_TYPES.get(value, value)
        elif number == 2:
            m["family"] = {1: "INET", 2: "INET6"}.get(value, value)
        elif number == 3:
            m["protocol"] = {1: "UDP", 2: "TCP"}.get(value, value)
        elif number == 4:
            m["query_address"] = address(value)
        elif number == 5:
            m["response_address"] = address(value)
        elif number == 6:
            m["query_port"] = value
        elif number == 7:
            m["response_port"] = value
        elif number == 8:
            m["query_time"] = value
        elif number == 10:
            m["query"] = dns_summary(value)
        elif number == 14:
            m["response"] = dns_summary(value)
        elif number == 15:
            m["policy"] = decode_policy(value)
    return m


def decode_dnstap(data):
    d = {}
    for number, value in fields(data):
        if number == 1:
            d["identity"] = value.decode("utf-8", "backslashreplace")
        elif number == 2:
            d["version"] = value.decode("utf-8", "backslashreplace")
        elif number == 3:
            d["extra"] = value.decode("utf-8", "backslashreplace")
        elif number == 14:
            d["message"] = decode_message(value)
        elif number == 15 and value != 1:
            raise ValueError("Dnstap.type %d" % value)
    if "message" not in d:
        raise ValueError("no message")
    return d


def frames(data):
    """The data frames of a Frame Streams file; checks its START content type."""
    i, started = 0, False
    while i < len(data):
        (length,) = struct.unpack_from("!I", data, i)
        i += 4
        if length == 0:  # a control frame
            (control_length,) = struct.unpack_from("!I", data, i)
            control = data[i + 4:i + 4 + control_length]
            i += 4 + control_length
            (kind,) = struct.unpack_from("!I", control, 0)
            if kind == 2:  # START
                if b"protobuf:dnstap.Dnstap" not in control:
                    raise ValueError("content type is not protobuf:dnstap.Dnstap")
                started = True
            continue
        if not started or i + length > len(data):
            raise ValueError("data frame outside a stream, or truncated")
        yield data[i:i + length]
        i += length


def main(paths):
    for path in paths:
        with open(path, "rb") as f:
            data = f.read()
        for frame in frames(data):
            print(json.dumps(decode_dnstap(frame), sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
