#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Builds pcap files of SIP flows for the replay tests (no scapy: raw bytes).

    mkpcap.py OUTDIR          writes every scenario as OUTDIR/NAME.pcap
    mkpcap.py --seeds OUTDIR  writes fuzz seeds for tests/fuzz/fuzz_pkt.c

Cast (documentation ranges only):
  our PBX's WAN address   203.0.113.10 / 2001:db8:1::10, SIP 5060, RTP 10000+
  trunk / registrar       198.51.100.1 / 2001:db8:5::1, SIP 5060
  far-end media           198.51.100.50 (inbound call), 198.51.100.60 (outbound)
                          2001:db8:5::50 (IPv6)
  LAN address 192.168.1.10 appears only as an advertised-wrong example.
"""
import os
import struct
import sys

PBX4, TRUNK4 = "203.0.113.10", "198.51.100.1"
MEDIA4_IN, MEDIA4_OUT = "198.51.100.50", "198.51.100.60"
PBX6, TRUNK6, MEDIA6 = "2001:db8:1::10", "2001:db8:5::1", "2001:db8:5::50"
T0 = 1704110400  # 2024-01-01 12:00:00 UTC

LINKTYPE_NULL, LINKTYPE_ETHERNET, LINKTYPE_RAW = 0, 1, 101
LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_USER0 = 113, 276, 147


# ---- checksums and addresses -----------------------------------------------

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def is6(addr):
    return ":" in addr


def addr_bytes(addr):
    import socket
    return socket.inet_pton(socket.AF_INET6 if is6(addr) else socket.AF_INET, addr)


def pseudo(src, dst, proto, length):
    if is6(src):
        return addr_bytes(src) + addr_bytes(dst) + struct.pack("!IxxxB", length, proto)
    return addr_bytes(src) + addr_bytes(dst) + struct.pack("!xBH", proto, length)


# ---- L4 ----------------------------------------------------------------------

def udp(src, dst, sport, dport, payload):
    hdr = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    c = csum(pseudo(src, dst, 17, 8 + len(payload)) + hdr + payload) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), c) + payload


def tcp(src, dst, sport, dport, seq, payload, flags=0x18, ack=1):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    c = csum(pseudo(src, dst, 6, len(hdr) + len(payload)) + hdr + payload)
    return hdr[:16] + struct.pack("!H", c) + hdr[18:] + payload


# ---- L3 (with fragmentation) -----------------------------------------------

def ipv4(src, dst, proto, l4, ident=1, frag_off=0, mf=False):
    flags = (0x2000 if mf else 0) | (frag_off // 8)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), ident, flags, 64,
                      proto, 0, addr_bytes(src), addr_bytes(dst))
    return hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:] + l4


def ipv6(src, dst, nh, payload):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nh, 64,
                       addr_bytes(src), addr_bytes(dst)) + payload


def ip(src, dst, proto, l4, ident=1):
    return ipv6(src, dst, proto, l4) if is6(src) else ipv4(src, dst, proto, l4, ident)


def fragments(src, dst, proto, l4, size, ident):
    """The L3 fragments of one datagram, each carrying at most size bytes."""
    out, off = [], 0
    while off < len(l4):
        chunk = l4[off:off + size]
        more = off + len(chunk) < len(l4)
        if is6(src):
            fh = struct.pack("!BBHI", proto, 0, off | (1 if more else 0), ident)
            out.append(ipv6(src, dst, 44, fh + chunk))
        else:
            out.append(ipv4(src, dst, proto, chunk, ident, off, more))
        off += len(chunk)
    return out


# ---- link layers -------------------------------------------------------------

def ether(l3, vlans=(), pppoe=False):
    et = 0x86DD if (l3[0] >> 4) == 6 else 0x0800
    inner = l3
    if pppoe:
        inner = struct.pack("!BBHHH", 0x11, 0, 0x1234, len(l3) + 2,
                            0x0057 if et == 0x86DD else 0x0021) + l3
        et = 0x8864
    tags = b""
    tpids = [0x88A8] + [0x8100] * (len(vlans) - 1) if len(vlans) > 1 else [0x8100]
    for i, vid in enumerate(vlans):
        nxt = struct.pack("!H", tpids[i + 1]) if i + 1 < len(vlans) else struct.pack("!H", et)
        tags += (struct.pack("!H", vid) + nxt)
    first = tpids[0] if vlans else et
    return (b"\x02\0\0\0\0\x01" + b"\x02\0\0\0\0\x02" + struct.pack("!H", first)
            + tags + inner)


def sll(l3, outbound):
    et = 0x86DD if (l3[0] >> 4) == 6 else 0x0800
    return struct.pack("!HHH8sH", 4 if outbound else 0, 1, 6, b"\x02\0\0\0\0\x01",
                       et) + l3


def sll2(l3, outbound):
    et = 0x86DD if (l3[0] >> 4) == 6 else 0x0800
    return struct.pack("!HHIHBB8s", et, 0, 2, 1, 4 if outbound else 0, 6,
                       b"\x02\0\0\0\0\x01") + l3


def null(l3):
    return struct.pack("<I", 30 if (l3[0] >> 4) == 6 else 2) + l3


def write_pcap(path, linktype, packets):
    """packets: (time_seconds_float, frame_bytes)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for t, frame in packets:
            usec = int(round(t * 1e6))
            f.write(struct.pack("<IIII", usec // 1000000, usec % 1000000,
                                len(frame), len(frame)))
            f.write(frame)


# ---- SIP ---------------------------------------------------------------------

def host(addr):
    return "[%s]" % addr if is6(addr) else addr


def sdp(addr, port, sess="1"):
    fam = "IP6" if is6(addr) else "IP4"
    return ("v=0\r\no=- %s 1 IN %s %s\r\ns=-\r\nc=IN %s %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
            % (sess, fam, addr, fam, addr, port))


def sip(start, headers, body=""):
    lines = [start] + headers
    if body:
        lines.append("Content-Type: application/sdp")
    lines.append("Content-Length: %d" % len(body.encode()))
    # surrogateescape: "\udcff" in a header is the raw byte 0xff (odd_bytes)
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode("utf-8", "surrogateescape")


class Flow:
    """Collects (time, direction, L3 packet) for one scenario."""

    def __init__(self, pbx, trunk, transport="UDP"):
        self.pbx, self.trunk, self.transport = pbx, trunk, transport
        self.t = float(T0)
        self.items = []     # (t, outbound, l3)
        self.ident = 100
        self.seq = {True: 1000, False: 5000}

    def at(self, dt):
        self.t += dt
        return self

    def l3(self, outbound, src, dst, proto, l4, frag=0):
        self.ident += 1
        if frag:
            for p in fragments(src, dst, proto, l4, frag, self.ident)[::-1]:
                self.items.append((self.t, outbound, p))  # last fragment first
        else:
            self.items.append((self.t, outbound, ip(src, dst, proto, l4, self.ident)))

    def sip(self, outbound, msg, frag=0):
        src, dst = (self.pbx, self.trunk) if outbound else (self.trunk, self.pbx)
        if self.transport == "TCP":
            # A stream: split messages at odd places (frag = segment size).
            sport, dport = (40000, 5060) if outbound else (5060, 40000)
            size = frag or len(msg)
            for off in range(0, len(msg), size):
                self.l3(outbound, src, dst, 6, tcp(src, dst, sport, dport,
                                                   self.seq[outbound], msg[off:off + size]))
                self.seq[outbound] += len(msg[off:off + size])
        else:
            self.l3(outbound, src, dst, 17, udp(src, dst, 5060, 5060, msg), frag)

    def rtp(self, outbound, remote, rport, lport, n=3):
        for i in range(n):
            pay = struct.pack("!BBHII", 0x80, 0, i, i * 160, 0x1234) + b"\xff" * 160
            src, dst = (self.pbx, remote) if outbound else (remote, self.pbx)
            sp, dp = (lport, rport) if outbound else (rport, lport)
            self.l3(outbound, src, dst, 17, udp(src, dst, sp, dp, pay))
            self.at(0.02)


def via(f, branch, outbound):
    h = host(f.pbx if outbound else f.trunk)
    return "Via: SIP/2.0/%s %s:5060;branch=z9hG4bK%s" % (f.transport, h, branch)


def register(f, expires=600, contact=None):
    ua, reg = host(contact or f.pbx), host(f.trunk)
    base = ["From: <sip:1000@%s>;tag=r1" % reg, "To: <sip:1000@%s>" % reg,
            "Call-ID: reg-1@pbx", "Contact: <sip:1000@%s:5060>" % ua,
            "Expires: %d" % expires, "Max-Forwards: 70"]
    f.sip(True, sip("REGISTER sip:%s SIP/2.0" % reg,
                    [via(f, "reg1", True)] + base + ["CSeq: 1 REGISTER"]))
    f.at(0.05)
    f.sip(False, sip("SIP/2.0 401 Unauthorized",
                     [via(f, "reg1", True) + ";received=%s;rport=5060" % f.pbx]
                     + base[:1] + [base[1] + ";tag=s1", base[2], "CSeq: 1 REGISTER",
                                   'WWW-Authenticate: Digest realm="x", nonce="abc"']))
    f.at(0.05)
    auth = 'Authorization: Digest username="1000", realm="x", nonce="abc", response="0"'
    f.sip(True, sip("REGISTER sip:%s SIP/2.0" % reg,
                    [via(f, "reg2", True)] + base + ["CSeq: 2 REGISTER", auth]))
    f.at(0.05)
    f.sip(False, sip("SIP/2.0 200 OK",
                     [via(f, "reg2", True) + ";received=%s;rport=5060" % f.pbx]
                     + base[:1] + [base[1] + ";tag=s2", base[2], "CSeq: 2 REGISTER",
                                   "Contact: <sip:1000@%s:5060>;expires=%d" % (ua, expires)]))


def inbound_call(f, media, lport, call_id="in-1@trunk", frag=0, rtp=True,
                 from_name="", extra=()):
    ua, tr = host(f.pbx), host(f.trunk)
    hdrs = ["From: %s<sip:+15550001@%s>;tag=c1" % (from_name, tr), "To: <sip:1000@%s>" % ua,
            "Call-ID: %s" % call_id] + list(extra)
    tagged = hdrs[:1] + [hdrs[1] + ";tag=p1"] + hdrs[2:]
    v = via(f, "inv1", False)
    contact_tr, contact_ua = "Contact: <sip:gw@%s:5060>" % tr, "Contact: <sip:1000@%s:5060>" % ua
    f.at(1)
    f.sip(False, sip("INVITE sip:1000@%s SIP/2.0" % ua,
                     [v] + hdrs + ["CSeq: 10 INVITE", contact_tr],
                     sdp(media, 40000, "77")), frag=frag)
    f.at(0.01)
    f.sip(True, sip("SIP/2.0 100 Trying", [v] + hdrs + ["CSeq: 10 INVITE"]))
    f.at(0.2)
    f.sip(True, sip("SIP/2.0 180 Ringing", [v] + tagged + ["CSeq: 10 INVITE", contact_ua]))
    f.at(2)
    f.sip(True, sip("SIP/2.0 200 OK", [v] + tagged + ["CSeq: 10 INVITE", contact_ua],
                    sdp(f.pbx, lport, "88")))
    f.at(0.05)
    f.sip(False, sip("ACK sip:1000@%s:5060 SIP/2.0" % ua,
                     [via(f, "ack1", False)] + tagged + ["CSeq: 10 ACK"]))
    if rtp:
        f.rtp(False, media, 40000, lport)
        f.rtp(True, media, 40000, lport)
    f.at(5)
    f.sip(False, sip("BYE sip:1000@%s:5060 SIP/2.0" % ua,
                     [via(f, "bye1", False)] + tagged + ["CSeq: 11 BYE"]))
    f.at(0.01)
    f.sip(True, sip("SIP/2.0 200 OK", [via(f, "bye1", False)] + tagged + ["CSeq: 11 BYE"]))


def outbound_call(f, media, lport, call_id="out-1@pbx"):
    ua, tr = host(f.pbx), host(f.trunk)
    hdrs = ["From: <sip:1000@%s>;tag=o1" % tr, "To: <sip:+15550002@%s>" % tr,
            "Call-ID: %s" % call_id]
    tagged = [hdrs[0], hdrs[1] + ";tag=q1", hdrs[2]]
    v = via(f, "oinv1", True)
    contact_ua = "Contact: <sip:1000@%s:5060>" % ua
    f.at(1)
    f.sip(True, sip("INVITE sip:+15550002@%s SIP/2.0" % tr,
                    [v] + hdrs + ["CSeq: 20 INVITE", contact_ua], sdp(f.pbx, lport, "99")))
    f.at(0.05)
    f.sip(False, sip("SIP/2.0 100 Trying", [v] + hdrs + ["CSeq: 20 INVITE"]))
    f.at(1.5)
    f.sip(False, sip("SIP/2.0 200 OK", [v] + tagged + ["CSeq: 20 INVITE",
                                                       "Contact: <sip:gw@%s:5060>" % tr],
                     sdp(media, 50000, "55")))
    f.at(0.05)
    f.sip(True, sip("ACK sip:gw@%s:5060 SIP/2.0" % tr,
                    [via(f, "oack1", True)] + tagged + ["CSeq: 20 ACK"]))
    f.rtp(False, media, 50000, lport)
    f.at(3)
    f.sip(True, sip("BYE sip:gw@%s:5060 SIP/2.0" % tr,
                    [via(f, "obye1", True)] + tagged + ["CSeq: 21 BYE"]))
    f.at(0.02)
    f.sip(False, sip("SIP/2.0 200 OK", [via(f, "obye1", True)] + tagged + ["CSeq: 21 BYE"]))


# ---- scenarios ---------------------------------------------------------------

def scen_basic():
    f = Flow(PBX4, TRUNK4)
    register(f)
    inbound_call(f, MEDIA4_IN, 10000)
    outbound_call(f, MEDIA4_OUT, 10002)
    return f


def scen_frag():
    f = Flow(PBX4, TRUNK4)
    register(f)
    inbound_call(f, MEDIA4_IN, 10000, frag=304)
    return f


def scen_ipv6():
    f = Flow(PBX6, TRUNK6)
    register(f)
    inbound_call(f, MEDIA6, 10004, call_id="in-v6@trunk", frag=256)
    return f


def scen_tcp():
    f = Flow(PBX4, TRUNK4, transport="TCP")
    register(f)
    inbound_call(f, MEDIA4_IN, 10000, rtp=False, frag=97)  # INVITE in 97-byte segments
    return f


def scen_nolocal():
    f = Flow(PBX4, TRUNK4)
    inbound_call(f, MEDIA4_IN, 10000)
    return f


def scen_natwarn():
    """Our Contact advertises a LAN address: the registrar's received= differs."""
    f = Flow(PBX4, TRUNK4)
    register(f, contact="192.168.1.10")
    return f


def scen_expiry():
    """A registration of 120 s that is never refreshed; the capture runs past it."""
    f = Flow(PBX4, TRUNK4)
    register(f, expires=120)
    f.at(200)
    f.rtp(False, MEDIA4_IN, 40000, 10000, n=1)   # something to carry the clock on
    return f


def raw(b):
    """Bytes as a str that sip() encodes back to exactly those bytes."""
    return b.decode("utf-8", "surrogateescape")


# Issue 11: bytes 0x80-0xff, well-formed UTF-8 and not, as the parser accepts
# them. test_replay.sh holds what --json must make of them.
ODD_CALL_ID = raw(b"odd-caf\xc3\xa9-\xff\xfe-\xc0\xaf-\xed\xa0\x80-\xf4\x90\x80\x80"
                  b"-\xc2\x9b-\xe2\x82@trunk")
# 126 + 3 bytes: the tracker keeps 128, cutting the euro sign after two bytes
LONG_CALL_ID = "x" * 126 + "\u20ac@pbx"


def scen_odd_bytes():
    f = Flow(PBX4, TRUNK4)
    register(f)
    inbound_call(f, MEDIA4_IN, 10000, call_id=ODD_CALL_ID,
                 from_name=raw(b'"J\xc3\xbcrgen \xff\x80" '),
                 extra=[raw(b"User-Agent: caf\xc3\xa9\xfe\xc0\x80 1.0")])
    outbound_call(f, MEDIA4_OUT, 10002, call_id=LONG_CALL_ID)
    return f


def frames(f, wrap):
    return [(t, wrap(l3, out)) for t, out, l3 in f.items]


def scenarios():
    basic = scen_basic()
    yield "basic_raw", LINKTYPE_RAW, frames(basic, lambda l3, o: l3)
    yield "basic_vlan", LINKTYPE_ETHERNET, frames(basic, lambda l3, o: ether(l3, (100, 7)))
    yield "basic_pppoe", LINKTYPE_ETHERNET, frames(basic, lambda l3, o: ether(l3, pppoe=True))
    yield "basic_sll", LINKTYPE_LINUX_SLL, frames(basic, sll)
    yield "basic_null", LINKTYPE_NULL, frames(basic, lambda l3, o: null(l3))
    yield "frag_eth", LINKTYPE_ETHERNET, frames(scen_frag(), lambda l3, o: ether(l3))
    yield "ipv6_sll2", LINKTYPE_LINUX_SLL2, frames(scen_ipv6(), sll2)
    yield "tcp_raw", LINKTYPE_RAW, frames(scen_tcp(), lambda l3, o: l3)
    yield "nolocal_raw", LINKTYPE_RAW, frames(scen_nolocal(), lambda l3, o: l3)
    yield "expiry_raw", LINKTYPE_RAW, frames(scen_expiry(), lambda l3, o: l3)
    yield "natwarn_raw", LINKTYPE_RAW, frames(scen_natwarn(), lambda l3, o: l3)
    yield "odd_bytes_raw", LINKTYPE_RAW, frames(scen_odd_bytes(), lambda l3, o: l3)
    yield "user0", LINKTYPE_USER0, frames(basic, lambda l3, o: l3)


def write_seeds(outdir):
    """Fuzz seeds: the L3 packets of a flow in fuzz_pkt's record format."""
    os.makedirs(outdir, exist_ok=True)
    for name, f in (("basic", scen_basic()), ("frag", scen_frag()),
                    ("ipv6_frag", scen_ipv6()), ("tcp", scen_tcp())):
        out, last = b"", None
        for t, outbound, l3 in f.items:
            dt = 0 if last is None else min(int(t - last), 127)
            last = t
            out += struct.pack("!HB", len(l3), (dt << 1) | (1 if outbound else 0)) + l3
        with open(os.path.join(outdir, name), "wb") as fh:
            fh.write(out)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--seeds":
        write_seeds(sys.argv[2])
        return
    if len(sys.argv) != 2:
        sys.exit("usage: mkpcap.py OUTDIR | --seeds OUTDIR")
    os.makedirs(sys.argv[1], exist_ok=True)
    for name, linktype, pkts in scenarios():
        write_pcap(os.path.join(sys.argv[1], name + ".pcap"), linktype, pkts)


if __name__ == "__main__":
    main()
