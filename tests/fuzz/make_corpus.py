#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (deterministic, stdlib only).

    python3 tests/fuzz/make_corpus.py            # rewrites tests/fuzz/corpus/{message,name_text,transfer,feed,tsig,tsig_key_file,forward}/

corpus/message/    DNS messages: queries, responses, EDNS options, edge cases
corpus/name_text/  domain names in presentation form
corpus/transfer/   zone-transfer streams (fuzz_transfer's input: kind, serial, messages)
corpus/feed/       two transfers in a row (fuzz_feed's input: mode, messages)
corpus/tsig/       signed requests and answer streams (fuzz_tsig's input: mode, messages),
                   signed with the tests' stand-in HMAC (tests/support/test_hmac.hpp)
corpus/tsig_key_file/  TSIG key files in BIND's and Knot's forms, -y arguments
corpus/forward/    upstream answers (fuzz_forward's input: flags, random octets, answer)
Each file is named after what it holds; re-running the script gives the same
bytes, so the committed files can be checked against it.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

A, NS, CNAME, SOA, PTR, MX, TXT, AAAA, SRV, OPT, CAA = 1, 2, 5, 6, 12, 15, 16, 28, 33, 41, 257
IN = 1


def name(text):
    """Uncompressed wire form of a dotted name ("" or "." is the root)."""
    out = b""
    for label in text.strip(".").split("."):
        if label:
            raw = label.encode()
            out += bytes([len(raw)]) + raw
    return out + b"\0"


def ptr(offset):
    return struct.pack("!H", 0xC000 | offset)


def header(qid, flags, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


def question(qname, qtype, qclass=IN):
    return (qname if isinstance(qname, bytes) else name(qname)) + struct.pack("!HH", qtype, qclass)


def rr(owner, rtype, ttl, rdata, rclass=IN):
    owner = owner if isinstance(owner, bytes) else name(owner)
    return owner + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def option(code, data):
    return struct.pack("!HH", code, len(data)) + data


def opt(options=b"", udp=1232, do=False, ext_rcode=0, version=0):
    ttl = (ext_rcode << 24) | (version << 16) | (0x8000 if do else 0)
    return rr(b"\0", OPT, ttl, options, rclass=udp)


COOKIE = option(10, bytes.fromhex("0123456789abcdef"))
FLAGS_QUERY = 0x0100            # RD
FLAGS_RESPONSE = 0x8180         # QR RD RA
FLAGS_NXDOMAIN = 0x8183

# The question name always starts at offset 12, so responses point there.
Q = 12


def messages():
    m = {}
    m["query_a"] = header(0x1234, FLAGS_QUERY) + question("www.example.com", A)
    m["query_aaaa_mixed_case"] = header(0x4321, FLAGS_QUERY) + question("wWw.ExAmPlE.CoM", AAAA)
    m["query_a_opt_cookie"] = (header(0xBEEF, FLAGS_QUERY | 0x0020, ar=1) + question("www.example.com", A)
                               + opt(COOKIE))
    ecs4 = option(8, struct.pack("!HBB", 1, 24, 0) + bytes([192, 0, 2]))
    ecs6 = option(8, struct.pack("!HBB", 2, 56, 0) + bytes.fromhex("20010db8000100"))
    m["query_ecs_v4"] = header(7, FLAGS_QUERY, ar=1) + question("example.org", A) + opt(ecs4 + COOKIE, do=True)
    m["query_ecs_v6"] = header(8, FLAGS_QUERY, ar=1) + question("example.org", AAAA) + opt(ecs6)
    m["query_root_ns"] = header(9, 0, ar=1) + question("", NS) + opt(udp=4096, do=True)
    m["query_unknown_option"] = (header(10, FLAGS_QUERY, ar=1) + question("x.test", TXT)
                                 + opt(option(65001, b"opaque") + option(12, bytes(8))))
    m["query_edns_version1"] = header(11, FLAGS_QUERY, ar=1) + question("example.net", A) + opt(version=1)

    # A response with compression: answers point to the question name.
    m["response_a_compressed"] = (header(0x1234, FLAGS_RESPONSE, an=2) + question("www.example.com", A)
                                  + rr(ptr(Q), A, 300, bytes([93, 184, 216, 34]))
                                  + rr(ptr(Q), A, 300, bytes([93, 184, 216, 35])))
    # CNAME chain: www.example.com -> cdn.example.net -> edge.cdn.example.net, A.
    q = question("www.example.com", A)
    cname1_at = 12 + len(q) + 12  # the CNAME target's offset in the RDATA
    body = rr(ptr(Q), CNAME, 60, name("cdn.example.net"))
    cname2_target_at = cname1_at + len(name("cdn.example.net")) + 12
    body += rr(ptr(cname1_at), CNAME, 60, b"\x04edge" + ptr(cname1_at))
    body += rr(ptr(cname2_target_at), A, 20, bytes([198, 51, 100, 7]))
    m["response_cname_chain"] = header(0x5555, FLAGS_RESPONSE, an=3, ar=1) + q + body + opt()
    # NXDOMAIN with SOA in authority, names compressed inside the SOA RDATA.
    q = question("nope.example.com", A)
    soa_owner_at = 12 + 5  # "example.com" inside the question name
    soa = (b"\x03ns1" + ptr(soa_owner_at) + b"\x0ahostmaster" + ptr(soa_owner_at)
           + struct.pack("!IIIII", 2025010901, 7200, 3600, 1209600, 300))
    m["response_nxdomain_soa"] = header(0x0101, FLAGS_NXDOMAIN, ns=1) + q + rr(ptr(soa_owner_at), SOA, 300, soa)
    q = question("example.com", MX)
    m["response_mx"] = (header(2, FLAGS_RESPONSE, an=2) + q
                        + rr(ptr(Q), MX, 3600, struct.pack("!H", 10) + b"\x04mail" + ptr(Q))
                        + rr(ptr(Q), MX, 3600, struct.pack("!H", 20) + name("backup.example.net")))
    q = question("example.com", TXT)
    m["response_txt"] = (header(3, FLAGS_RESPONSE, an=2) + q
                         + rr(ptr(Q), TXT, 300, b"".join(bytes([len(t)]) + t for t in (b"v=spf1 -all", b"", b"hello")))
                         + rr(ptr(Q), TXT, 300, b""))
    q = question("_sip._tcp.example.com", SRV)
    m["response_srv"] = (header(4, FLAGS_RESPONSE, an=1, ar=1) + q
                         + rr(ptr(Q), SRV, 600, struct.pack("!HHH", 10, 60, 5060) + name("sip.example.com"))
                         + rr(name("sip.example.com"), AAAA, 600, bytes.fromhex("20010db8000000000000000000000001")))
    q = question("example.com", CAA)
    m["response_unknown_types"] = (header(5, FLAGS_RESPONSE, an=2) + q
                                   + rr(ptr(Q), CAA, 300, b"\x00\x05issueletsencrypt.org")
                                   + rr(ptr(Q), 65280, 300, bytes(range(16))))
    q = question("1.2.0.192.in-addr.arpa", PTR)
    m["response_ptr_ns"] = (header(6, FLAGS_RESPONSE | 0x0400, an=1, ns=1) + q
                            + rr(ptr(Q), PTR, 86400, name("host.example.com"))
                            + rr(ptr(Q + 10), NS, 86400, name("ns.example.com")))
    # The sinkhole answer: A, then OPT with EDE 15 naming the entry.
    q = question("cc.evil.example", A)
    m["response_sinkhole_ede"] = (header(0x7777, FLAGS_RESPONSE, an=1, ar=1) + q
                                  + rr(ptr(Q), A, 30, bytes([10, 0, 0, 53]))
                                  + opt(option(15, struct.pack("!H", 15) + b"blocked by XX-20250109-0001")))
    m["response_badvers_ext_rcode"] = (header(12, 0x8000, ar=1) + question("example.net", A)
                                       + opt(ext_rcode=1, version=0))
    m["two_questions"] = header(13, FLAGS_QUERY, qd=2) + question("a.example", A) + question(b"\x01b" + ptr(12 + 2), A)

    # Bad inputs.
    m["bad_truncated"] = m["response_cname_chain"][:40]
    loop = header(14, FLAGS_RESPONSE, an=1) + question("loop.example", A)
    m["bad_pointer_loop"] = loop + ptr(len(loop)) + struct.pack("!HHIH", A, IN, 1, 4) + bytes(4)
    m["bad_forward_pointer"] = header(15, FLAGS_QUERY) + ptr(20) + struct.pack("!HH", A, IN) + name("x")
    m["bad_label_too_long"] = header(16, FLAGS_QUERY) + b"\x40" + b"a" * 64 + b"\0" + struct.pack("!HH", A, IN)
    m["bad_two_opts"] = header(17, FLAGS_QUERY, ar=2) + question("x.example", A) + opt() + opt()
    m["bad_trailing"] = m["query_a"] + b"\0"
    m["bad_ecs_prefix"] = (header(18, FLAGS_QUERY, ar=1) + question("x.example", A)
                           + opt(option(8, struct.pack("!HBB", 1, 33, 0) + bytes(5))))
    return m


def name_texts():
    return {
        "plain": b"www.example.com",
        "plain_dot": b"www.example.com.",
        "root": b".",
        "mixed_case": b"WwW.ExAmPlE.cOm.",
        "escaped_dot": b"a\\.b.example.",
        "escaped_decimal": b"\\000\\255\\046x.example",
        "escaped_specials": b"\\\\\\\"\\(\\)\\;\\@\\$.test",
        "label_63": b"a" * 63 + b".example.",
        "label_64": b"a" * 64 + b".example.",
        "name_255": b".".join([b"a" * 63] * 3 + [b"b" * 61]) + b".",
        "name_256": b".".join([b"a" * 63] * 3 + [b"b" * 62]) + b".",
        "many_labels": b"a." * 127,
        "empty_label": b"a..b",
        "bad_escape": b"a\\25",
        "utf8": "bücher.example".encode(),
        "sinkhole_entry": b"cc.evil-c2.example.net",
        # The target also reads its input as wire bytes; the first octet picks
        # where a second, possibly compressed, name is read.
        "wire_plain": name("www.example.com"),
        "wire_pointer": b"\x05\x03com\x00\x07example" + ptr(13),
    }


AXFR, IXFR = 252, 251
XFR_ZONE = "rpz.example"


def xfr_soa(serial):
    return name("ns.rpz.example") + name("h.rpz.example") + struct.pack("!IIIII", serial, 3600, 600, 86400, 60)


def txt(*strings):
    return b"".join(bytes([len(s)]) + s for s in (x.encode() for x in strings))


def xfr_message(records, qtype, with_question=True):
    """One message of a transfer answer (id 0x4242): records are an SOA
    serial (int), a trigger owner (str, a CNAME to the root), or an
    (owner, type, rdata) tuple (docs/rpz.md metadata and the like)."""
    body = b""
    for r in records:
        if isinstance(r, int):
            body += rr(XFR_ZONE, SOA, 3600, xfr_soa(r))
        elif isinstance(r, tuple):
            body += rr(r[0], r[1], 3600, r[2])
        else:
            body += rr(r, CNAME, 3600, name(""))
    head = header(0x4242, 0x8400, qd=1 if with_question else 0, an=len(records))
    return head + (question(XFR_ZONE, qtype) if with_question else b"") + body


def xfr_stream(ixfr, serial, messages):
    out = bytes([1 if ixfr else 0]) + struct.pack("!I", serial)
    for m in messages:
        out += struct.pack("!H", len(m)) + m
    return out


def transfers():
    return {
        "axfr_two_messages": xfr_stream(False, 0, [
            xfr_message([10, "a.rpz.example"], AXFR),
            xfr_message(["b.sub.rpz.example", 10], AXFR, with_question=False)]),
        "ixfr_two_differences": xfr_stream(True, 10, [
            xfr_message([12, 10, "gone.rpz.example", 11, "new.rpz.example", 11, 12, "newer.rpz.example", 12], IXFR)]),
        "ixfr_as_axfr": xfr_stream(True, 10, [xfr_message([12, "a.rpz.example", 12], IXFR)]),
        "ixfr_up_to_date": xfr_stream(True, 10, [xfr_message([10], IXFR)]),
        "bad_out_of_zone": xfr_stream(False, 0, [xfr_message([10, "evil.example", 10], AXFR)]),
        "axfr_metadata": xfr_stream(False, 0, [xfr_message([
            10,
            ("xx-1.entry._dnsfilter.rpz.example", TXT,
             txt("id=XX-1", "category=backdoor", "start=2025-01-09", "end=2025-04-01T12:00:00Z", "new=1")),
            ("c2.evil.example.link._dnsfilter.rpz.example", TXT, txt("xx-1")),
            ("*.c2.evil.example.link._dnsfilter.rpz.example", TXT, txt("XX-1")),
            "c2.evil.example.rpz.example",
            "*.c2.evil.example.rpz.example",
            ("ok.c2.evil.example.rpz.example", CNAME, name("rpz-passthru")),
            ("sink.example.rpz.example", A, bytes([0, 0, 0, 0])),
            ("bad.entry._dnsfilter.rpz.example", TXT, txt("id=B", "id=C", "start=2025-13-01")),
            ("x.link._dnsfilter.rpz.example", TXT, txt("a", "b")),
            10], AXFR)]),
        "bad_unclosed": xfr_stream(False, 0, [xfr_message([10, "a.rpz.example"], AXFR)]),
    }


def feeds():
    """fuzz_feed's input: a mode byte (bit 0: the second transfer is IXFR),
    then the messages of an AXFR and of a second transfer, framed."""
    def stream(ixfr, messages):
        out = bytes([1 if ixfr else 0])
        for m in messages:
            out += struct.pack("!H", len(m)) + m
        return out
    axfr = xfr_message([10, "a.rpz.example", "*.w.rpz.example", "kept.rpz.example",
                        ("xx-1.entry._dnsfilter.rpz.example", TXT, txt("id=XX-1", "category=backdoor")),
                        ("kept.link._dnsfilter.rpz.example", TXT, txt("xx-1")), 10], AXFR)
    return {
        "axfr_then_ixfr": stream(True, [axfr, xfr_message(
            [12, 10, "a.rpz.example", 11, "new.rpz.example", 11, 12, "*.w.rpz.example", 12], IXFR)]),
        "axfr_then_axfr": stream(False, [axfr, xfr_message(
            [11, "kept.rpz.example", "b.rpz.example", "b.rpz.example",
             ("xx-1.entry._dnsfilter.rpz.example", TXT, txt("id=XX-1", "category=phishing")), 11], AXFR)]),
        "axfr_then_bad_ixfr": stream(True, [axfr, xfr_message([11, 10, "missing.rpz.example", 11, 11], IXFR)]),
        "seed": bytes([2]) + seed_body(),
    }


def seed_body():
    """A seed image as zone_feed::seed writes it, without its checksum (fuzz_feed adds it):
    one entry, one link, two rules of zone rpz.example at serial 10."""
    def u32(v): return struct.pack("<I", v)
    def u64(v): return struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF)
    def text(t): return u32(len(t)) + t
    def wname(n):
        w = b"".join(bytes([len(l)]) + l.encode() for l in n.split(".") if l) + b"\0"
        return bytes([len(w)]) + w
    out = b"DNSFSEED" + u32(1) + wname("rpz.example") + u32(10) + u32(3600) + u32(600) + u32(86400)
    out += u32(1) + text(b"xx-1") + text(b"XX-1") + text(b"backdoor") + u64(-(1 << 63)) + u64((1 << 63) - 1)
    out += u32(1) + wname("evil.example") + bytes([0]) + text(b"xx-1")
    out += u32(2)
    out += text(b"xx-1") + bytes([1, 1]) + wname("evil.example")   # nxdomain, name only
    out += text(b"") + bytes([1, 2]) + wname("wild.example")       # nxdomain, subdomains only
    return out


TSIG = 250
TSIG_KEY = "transfer.key"
TSIG_SECRET = b"secret-secret-secret-secret-1234"
TSIG_NOW = 1765000000
TSIG_REQUEST_MAC = b"\x11" * 32  # the MAC fuzz_tsig's answer streams answer


class StandInMac:
    """tests/support/test_hmac.hpp in Python: keyed FNV-1a, NOT a MAC."""
    SHA256 = 2  # tsig_algorithm::hmac_sha256

    def __init__(self):
        self.h = (14695981039346656037 ^ self.SHA256)
        self.update(TSIG_SECRET)

    def update(self, data):
        for b in data:
            self.h = ((self.h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF

    def finish(self, size=32):
        h, out = self.h, b""
        for i in range(size):
            h = ((h ^ i) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
            out += bytes([h >> 56])
        return out


def tsig_sign(message, prior=None, first=True, mac=None):
    """Appends a TSIG record (hmac-sha256, fudge 300) as xfr::sign_request /
    tsig_stream_signer do; `mac` is a running StandInMac holding the prior
    MAC and unsigned messages. Returns (signed message, its MAC)."""
    alg = name("hmac-sha256")
    if mac is None:
        mac = StandInMac()
        if prior is not None:
            mac.update(struct.pack("!H", len(prior)) + prior)
    mac.update(message)
    timers = struct.pack("!HIH", TSIG_NOW >> 32, TSIG_NOW & 0xFFFFFFFF, 300)
    if first:
        mac.update(name(TSIG_KEY) + struct.pack("!HI", 255, 0) + alg + timers + struct.pack("!HH", 0, 0))
    else:
        mac.update(timers)
    digest = mac.finish()
    qid = struct.unpack("!H", message[:2])[0]
    rdata = alg + timers + struct.pack("!H", len(digest)) + digest + struct.pack("!HHH", qid, 0, 0)
    arcount = struct.unpack("!H", message[10:12])[0] + 1
    signed = message[:10] + struct.pack("!H", arcount) + message[12:] + rr(TSIG_KEY, TSIG, 0, rdata, rclass=255)
    return signed, digest


def tsig_answer_stream(unsigned_at):
    """An AXFR answer of len(unsigned_at) messages; True marks one sent unsigned."""
    count = len(unsigned_at)
    out, prior, running = [], TSIG_REQUEST_MAC, None
    for i, skip in enumerate(unsigned_at):
        records = ([10] if i == 0 else []) + [f"t{i}.rpz.example"] + ([10] if i == count - 1 else [])
        m = xfr_message(records, AXFR, with_question=(i == 0))
        if skip:
            if running is None:
                running = StandInMac()
                running.update(struct.pack("!H", len(prior)) + prior)
            running.update(m)
            out.append(m)
        else:
            signed, prior = tsig_sign(m, prior=prior, first=(i == 0), mac=running)
            running = None
            out.append(signed)
    return out


def tsig_stream(answer, messages):
    out = bytes([1 if answer else 0])
    for m in messages:
        out += struct.pack("!H", len(m)) + m
    return out


def tsigs():
    query = header(0x4242, 0, qd=1) + question(XFR_ZONE, AXFR)
    signed_query, _ = tsig_sign(query)
    tampered = bytearray(signed_query)
    tampered[-10] ^= 1  # a MAC octet
    return {
        "request_signed": tsig_stream(False, [signed_query]),
        "request_unsigned": tsig_stream(False, [query]),
        "request_tampered": tsig_stream(False, [bytes(tampered)]),
        "answer_one": tsig_stream(True, tsig_answer_stream([False])),
        "answer_all_signed": tsig_stream(True, tsig_answer_stream([False, False, False])),
        "answer_unsigned_between": tsig_stream(True, tsig_answer_stream([False, True, True, False])),
        "answer_unsigned_last": tsig_stream(True, tsig_answer_stream([False, True])),
    }


def tsig_key_files():
    secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ="
    return {
        "bind": f'key "transfer.key" {{\n\talgorithm hmac-sha256;\n\tsecret "{secret}";\n}};\n'.encode(),
        "bind_comments": (f'# comment\n/* block\n comment */ key other. {{ secret "Zm9vYmFy"; // x\n'
                          f'algorithm hmac-sha512; }};\n').encode(),
        "knot": (f"# hmac-sha256:transfer.key:{secret}\nkey:\n  - id: transfer.key\n"
                 f"    algorithm: hmac-sha256\n    secret: {secret}\n").encode(),
        "knot_two_quoted": b'key:\n  - id: "a"\n    algorithm: hmac-sha1\n    secret: \'Zm9v\'\n'
                           b"  - id: b\n    algorithm: hmac-sha384\n    secret: Zm9vYmFy\n",
        "argument": f"hmac-sha256:transfer.key:{secret}".encode(),
        "bad_base64": b'key k { algorithm hmac-sha256; secret "Zm9v!"; };\n',
    }


FORWARD_NAME = "Www.Example.COM"  # fuzz_forward's client question (A, IN)


def forward_input(flags, answer, qid=0x4242, case=b"\xa5\x5a"):
    """fuzz_forward's input: flags, the 34 random octets (our id, then case bits), the answer."""
    return bytes([flags]) + struct.pack("!H", qid) + case.ljust(32, b"\0") + answer


def forward_sent_name(case):
    """The question's name as the table sends it with 0x20: bit k of the case octets lowers letter k."""
    out, k = b"", 0
    for c in name(FORWARD_NAME):
        if chr(c).isalpha():
            lower = (case[k // 8] >> (k % 8)) & 1
            c = ord(chr(c).lower()) if lower else ord(chr(c).upper())
            k += 1
        out += bytes([c])
    return out


def forwards():
    f = {}
    q = question(FORWARD_NAME, A)
    a_record = rr(ptr(Q), A, 300, bytes([192, 0, 2, 1]))
    f["answer_a"] = forward_input(0, header(0x4242, FLAGS_RESPONSE, an=1) + q + a_record)
    f["answer_a_opt"] = forward_input(0, header(0x4242, FLAGS_RESPONSE, an=1, ar=1) + q + a_record + opt())
    f["answer_lower_case"] = forward_input(0, header(0x4242, FLAGS_RESPONSE, an=1) + question(FORWARD_NAME.lower(), A)
                                           + a_record)
    case = b"\xa5\x5a"
    f["answer_0x20"] = forward_input(1, header(0x4242, FLAGS_RESPONSE, an=1) + question(forward_sent_name(case), A)
                                     + a_record)
    f["answer_0x20_wrong_case"] = forward_input(1, header(0x4242, FLAGS_RESPONSE, an=1) + q + a_record)
    f["answer_cname_chain"] = forward_input(4, header(0x4242, FLAGS_RESPONSE, an=2, ar=1) + q
                                            + rr(ptr(Q), CNAME, 300, name("x.evil.example"))
                                            + rr("x.evil.example", A, 300, bytes([192, 0, 2, 66])) + opt())
    f["answer_nxdomain_soa"] = forward_input(0, header(0x4242, FLAGS_NXDOMAIN, ns=1) + q
                                             + rr(name("example.com"), SOA, 300, name("ns.example.com")
                                                  + name("host.example.com") + struct.pack("!IIIII", 1, 2, 3, 4, 60)))
    f["answer_tc"] = forward_input(0, header(0x4242, FLAGS_RESPONSE | 0x0200) + q)
    f["answer_refused"] = forward_input(0, header(0x4242, 0x8185) + q)
    f["another_port"] = forward_input(2, header(0x4242, FLAGS_RESPONSE, an=1) + q + a_record)
    f["another_id"] = forward_input(0, header(0x4243, FLAGS_RESPONSE, an=1) + q + a_record)
    f["another_name"] = forward_input(0, header(0x4242, FLAGS_RESPONSE, an=1) + question("www.example.org", A)
                                      + a_record)
    f["not_a_response"] = forward_input(0, header(0x4242, FLAGS_QUERY) + q)
    f["two_questions"] = forward_input(0, header(0x4242, FLAGS_RESPONSE, qd=2) + q + q)
    f["runt_header"] = forward_input(0, header(0x4242, FLAGS_RESPONSE)[:11])
    f["question_cut"] = forward_input(0, (header(0x4242, FLAGS_RESPONSE) + q)[:20])
    f["compression_loop"] = forward_input(0, header(0x4242, FLAGS_RESPONSE, an=1) + q
                                          + ptr(12 + len(q)) + struct.pack("!HHIH", A, IN, 60, 4) + bytes(4))
    f["question_pointer"] = forward_input(0, header(0x4242, FLAGS_RESPONSE, an=1) + ptr(12) + struct.pack("!HH", A, IN)
                                          + a_record)
    return f


def write_dir(path, files):
    os.makedirs(path, exist_ok=True)
    for old in os.listdir(path):
        os.remove(os.path.join(path, old))
    for fname, data in sorted(files.items()):
        with open(os.path.join(path, fname), "wb") as f:
            f.write(data)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")
    write_dir(os.path.join(root, "message"), messages())
    write_dir(os.path.join(root, "name_text"), name_texts())
    write_dir(os.path.join(root, "transfer"), transfers())
    write_dir(os.path.join(root, "feed"), feeds())
    write_dir(os.path.join(root, "tsig"), tsigs())
    write_dir(os.path.join(root, "tsig_key_file"), tsig_key_files())
    write_dir(os.path.join(root, "forward"), forwards())


if __name__ == "__main__":
    main()
