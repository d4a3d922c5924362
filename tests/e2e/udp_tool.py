#!/usr/bin/env python3
"""Small, bounded UDP helpers for the voipfw e2e topology.

  udp_tool.py probe HOST PORT [--timeout S]
      Send one datagram from a connected UDP socket; exit 0 if anything comes
      back (a reply, or an ICMP port unreachable, which proves the path both
      ways), 1 on timeout.

  udp_tool.py rtp HOST PORT_MIN-PORT_MAX --count N [--rate PPS] [--sport P]
                 [--bind ADDR]
      Send N RTP-looking packets (RTP v2 header + 160 bytes of A-law
      silence), walking the destination port range with an odd stride.
      Stray media, as a scanner or a misbehaving peer would send it.
      Prints the number of packets sent.

  udp_tool.py sip HOST PORT --count N [--rate PPS] [--method M] [--bind ADDR]
      Send N minimal SIP requests (one datagram each, no retransmission).
      --bind sends from one of the host's addresses (e.g. a trunk's).

Every mode is bounded in count and time (count <= 100000, rate >= 1 pps).
"""
import argparse
import random
import socket
import struct
import sys
import time


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def cmd_probe(a):
    s = socket.socket(family_of(a.host), socket.SOCK_DGRAM)
    s.settimeout(a.timeout)
    s.connect((a.host, a.port))
    s.send(b"voipfw-e2e probe\r\n")
    try:
        s.recv(2048)
    except ConnectionRefusedError:
        pass  # ICMP port unreachable came back: reachable
    except socket.timeout:
        return 1
    return 0


def _pace(i, start, rate):
    due = start + i / rate
    delay = due - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def cmd_rtp(a):
    lo, _, hi = a.ports.partition("-")
    lo, hi = int(lo), int(hi or lo)
    span = hi - lo + 1
    s = socket.socket(family_of(a.host), socket.SOCK_DGRAM)
    if a.sport or a.bind:
        s.bind((a.bind or ("::" if family_of(a.host) == socket.AF_INET6 else "0.0.0.0"), a.sport))
    ssrc = random.getrandbits(32)
    payload = b"\xd5" * 160  # A-law silence
    sent = 0
    start = time.monotonic()
    for i in range(a.count):
        port = lo + (i * 7919) % span
        hdr = struct.pack("!BBHII", 0x80, 8, i & 0xFFFF, (i * 160) & 0xFFFFFFFF, ssrc)
        try:
            s.sendto(hdr + payload, (a.host, port))
            sent += 1
        except OSError:
            pass  # e.g. ICMP error reported on a later send
        _pace(i + 1, start, a.rate)
    print(sent)
    return 0


def cmd_sip(a):
    fam = family_of(a.host)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((a.bind or ("::" if fam == socket.AF_INET6 else "0.0.0.0"), 0))
    lport = s.getsockname()[1]
    host = "[%s]" % a.host if fam == socket.AF_INET6 else a.host
    sent = 0
    start = time.monotonic()
    for i in range(a.count):
        tag = random.getrandbits(32)
        msg = (
            "{m} sip:100@{h}:{p} SIP/2.0\r\n"
            "Via: SIP/2.0/UDP {h}:{lp};branch=z9hG4bK{t:x}{i}\r\n"
            "From: <sip:scan@{h}>;tag={t:x}\r\n"
            "To: <sip:100@{h}>\r\n"
            "Call-ID: {t:x}-{i}@voipfw-e2e\r\n"
            "CSeq: 1 {m}\r\n"
            "Max-Forwards: 70\r\n"
            "User-Agent: voipfw-e2e-scanner\r\n"
            "Content-Length: 0\r\n\r\n"
        ).format(m=a.method, h=host, p=a.port, lp=lport, t=tag, i=i)
        try:
            s.sendto(msg.encode(), (a.host, a.port))
            sent += 1
        except OSError:
            pass
        _pace(i + 1, start, a.rate)
    print(sent)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("probe")
    q.add_argument("host")
    q.add_argument("port", type=int)
    q.add_argument("--timeout", type=float, default=1.0)
    q.set_defaults(fn=cmd_probe)
    q = sub.add_parser("rtp")
    q.add_argument("host")
    q.add_argument("ports")
    q.add_argument("--count", type=int, required=True)
    q.add_argument("--rate", type=float, default=200.0)
    q.add_argument("--sport", type=int, default=0)
    q.add_argument("--bind", default="")
    q.set_defaults(fn=cmd_rtp)
    q = sub.add_parser("sip")
    q.add_argument("host")
    q.add_argument("port", type=int)
    q.add_argument("--count", type=int, required=True)
    q.add_argument("--rate", type=float, default=100.0)
    q.add_argument("--method", default="OPTIONS")
    q.add_argument("--bind", default="")
    q.set_defaults(fn=cmd_sip)
    a = p.parse_args()
    if getattr(a, "count", 1) > 100000 or getattr(a, "rate", 1) < 1:
        p.error("count must be <= 100000 and rate >= 1")
    return a.fn(a)


if __name__ == "__main__":
    sys.exit(main())
