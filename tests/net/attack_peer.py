#!/usr/bin/env python3
"""SIP peers for the attack suite (test_attacks.sh); builds on sip_peer.py.

  attack_peer.py pbx LOCAL --ports P[,P...] [--sdp-addr A] [--max-seconds S]
      The VoIP system: answers each new Call-ID's INVITE with 180 (no SDP)
      and, after the seconds its X-Ring header asks for (default 0), 200 OK
      with SDP (A, default LOCAL: a PBX behind NAT names the router's
      public address; the next port of the list); a re-INVITE gets 200 OK
      with the same SDP at once, an INVITE without To tag under a live
      Call-ID 482 (merged request); MESSAGE and BYE get 200. Prints
      "answered CALLID PORT", "reinvite CALLID", "bye CALLID".
  attack_peer.py call LOCAL PBX MEDIA_ADDR MEDIA_PORT --callid ID
          [--sport P] [--ring S] [--reinvite-every S] [--reinvite-delay S]
          [--until FILE] [--max-seconds S] [--vary-media]
      A call relayed by the trunk at LOCAL: INVITE with SDP c=MEDIA_ADDR,
      waits for the 200 (prints "answered PORT"), ACK; then re-INVITEs
      every S seconds (same SDP; the first one S + delay seconds after the
      answer) until FILE exists, then BYE. --vary-media: each re-INVITE
      names a fresh 2001:db8:bad::/48 media address.
      Prints "reinvites N" and "bye-ok".
  attack_peer.py message LOCAL PBX --count N --rate R --clines K
          --addrs A[,A...] [--sport P] [--ctype T] [--callid ID] [--method M]
      N MESSAGEs (or M requests) at R per second relayed by the trunk at LOCAL, each body
      K "c=" lines (addresses taken in turn from A..., or, for
      "v6flood", fresh 2001:db8:bad::/48 ones, for "v4flood" the hosts of
      198.51.100.0/24 and 192.0.2.0/24 in turn) with an "m=audio" line
      after each of the first 4; a fresh Call-ID each unless --callid.
  attack_peer.py registrar BIND [--header-expires V] [--contact-expires V]
          [--max-seconds S]
      401 to the first REGISTER, then 200 OK granting exactly the given
      strings (omitted: that header/parameter is left out).
All loads are bounded; every wait has a timeout.
"""
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sip_peer import (SIP_PORT, header, hostport, in_dialog, msg, recv,  # noqa: E402
                      reply, request, sdp, sock)


def opt(a, name, default):
    return type(default)(a[a.index(name) + 1]) if name in a else default


def pbx(local, ports, max_seconds, public):
    s = sock(local)
    deadline = time.monotonic() + max_seconds
    calls = {}      # Call-ID -> port
    pending = []    # (answer time, request, source, To)
    free = list(ports)
    while time.monotonic() < deadline:
        wait = min([p[0] for p in pending] + [time.monotonic() + 0.05])
        data, src = recv(s, max(wait, time.monotonic() + 0.005))
        now = time.monotonic()
        for item in [p for p in pending if p[0] <= now]:
            pending.remove(item)
            _, req, rsrc, to = item
            cid = header(req, "Call-ID")
            reply(s, req, rsrc, 200, "OK", [to, ("Contact", "<sip:pbx@%s>" % hostport(public)),
                                            ("Content-Type", "application/sdp")],
                  sdp(public, calls[cid]))
            print("answered %s %d" % (cid, calls[cid]), flush=True)
        if data is None:
            continue
        cid = header(data, "Call-ID")
        if data.startswith(b"INVITE"):
            to = ("To", header(data, "To") if ";tag=" in header(data, "To")
                  else header(data, "To") + ";tag=pbx%d" % random.randrange(1 << 30))
            if cid in calls:
                if any(header(p[1], "Call-ID") == cid for p in pending):
                    continue            # a retransmission while it rings
                if ";tag=" not in header(data, "To"):
                    # a new dialog under a live call's Call-ID: a merged
                    # request (RFC 3261 8.2.2.2)
                    reply(s, data, src, 482, "Loop Detected")
                    print("merged %s" % cid, flush=True)
                    continue
                reply(s, data, src, 200, "OK", [to, ("Content-Type", "application/sdp")],
                      sdp(public, calls[cid]))
                print("reinvite %s" % cid, flush=True)
                continue
            if not free:
                reply(s, data, src, 486, "Busy Here")
                continue
            calls[cid] = free.pop(0)
            reply(s, data, src, 180, "Ringing", [to])
            pending.append((now + float(header(data, "X-Ring") or 0), data, src, to))
        elif data.startswith(b"MESSAGE") or data.startswith(b"BYE"):
            reply(s, data, src, 200, "OK")
            print("%s %s" % ("bye" if data.startswith(b"BYE") else "message", cid),
                  flush=True)
    return 0


def wait_final(s, deadline):
    while True:
        data, _ = recv(s, deadline)
        if data is None or int(data.split()[1]) >= 200:
            return data


def call(local, pbx_addr, media_addr, media_port, callid, sport, ring, every, delay,
         until, max_seconds, vary=False):
    s = sock(local, sport)
    me = hostport(local, sport)
    uri = "sip:1000@%s" % hostport(pbx_addr)
    dst = (pbx_addr, SIP_PORT)
    body = sdp(media_addr, media_port)
    extra = [("Contact", "<sip:trunk@%s>" % me), ("Content-Type", "application/sdp")]

    def req(method, cseq, hs=(), b=b""):
        r = request(method, uri, local, cseq, callid, "t1", hs, b)
        return r.replace(hostport(local).encode(), me.encode(), 2)  # Via and From

    s.sendto(req("INVITE", 1, extra + [("X-Ring", str(ring))], body), dst)
    data = wait_final(s, time.monotonic() + ring + 5)
    if data is None or int(data.split()[1]) != 200:
        print("failed: no answer", flush=True)
        return 1
    to = header(data, "To")
    port = int(data.split(b"m=audio ")[1].split()[0])
    print("answered %d" % port, flush=True)
    s.sendto(in_dialog(req("ACK", 1), to), dst)
    cseq, reinvites = 1, 0
    start = time.monotonic()
    last = start + delay
    while time.monotonic() - start < max_seconds and not (until and os.path.exists(until)):
        time.sleep(min(0.05, every) if every else 0.05)
        if every and time.monotonic() - last >= every:
            last = time.monotonic()
            cseq += 1
            if vary:
                body = sdp(flood_addr(cseq), media_port)
            s.sendto(in_dialog(req("INVITE", cseq, extra, body), to), dst)
            data = wait_final(s, time.monotonic() + 3)
            if data is not None and int(data.split()[1]) == 200:
                reinvites += 1
                s.sendto(in_dialog(req("ACK", cseq), to), dst)
    print("reinvites %d" % reinvites, flush=True)
    s.sendto(in_dialog(req("BYE", cseq + 1), to), dst)
    data = wait_final(s, time.monotonic() + 3)
    print("bye-ok" if data is not None and int(data.split()[1]) == 200 else "bye-failed",
          flush=True)
    return 0


def flood_addr(n):
    return "2001:db8:bad::%x:%x" % (n >> 16, n & 0xffff)


def message(local, pbx_addr, count, rate, clines, addrs, sport, ctype, callid, method):
    s = sock(local, sport)
    me = hostport(local, sport)
    uri = "sip:1000@%s" % hostport(pbx_addr)
    dst = (pbx_addr, SIP_PORT)
    n_addr = 0
    start = time.monotonic()
    for i in range(count):
        lines = ["v=0", "o=- 1 1 IN IP4 %s" % local, "s=-", "t=0 0"]
        for k in range(clines):
            if addrs == ["v6flood"]:
                a = flood_addr(n_addr)
            elif addrs == ["v4flood"]:
                a = ("198.51.100.%d", "192.0.2.%d")[n_addr // 254 % 2] % (n_addr % 254 + 1)
            else:
                a = addrs[n_addr % len(addrs)]
            n_addr += 1
            lines.append("c=IN %s %s" % ("IP6" if ":" in a else "IP4", a))
            if k < 4:
                lines.append("m=audio %d RTP/AVP 0" % (10000 + 2 * k))
        body = ("\r\n".join(lines) + "\r\n").encode()
        cid = callid or "msg%d-%d@attacker" % (i, random.randrange(1 << 30))
        r = request(method, uri, local, i + 1, cid, "m1",
                    [("Content-Type", ctype)], body)
        s.sendto(r.replace(hostport(local).encode(), me.encode(), 2), dst)
        delay = start + (i + 1) / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    print("messages %d bytes %d in %.1f s" % (count, len(r), time.monotonic() - start),
          flush=True)
    return 0


def registrar(bind, header_expires, contact_expires, max_seconds):
    s = sock(bind)
    challenged = set()
    deadline = time.monotonic() + max_seconds
    while True:
        data, src = recv(s, deadline)
        if data is None:
            return 0
        if not data.startswith(b"REGISTER"):
            continue
        cid = header(data, "Call-ID")
        if cid not in challenged:
            challenged.add(cid)
            reply(s, data, src, 401, "Unauthorized",
                  [("WWW-Authenticate", 'Digest realm="test", nonce="abc"')])
            continue
        contact = "<sip:1000@%s>" % hostport(src[0], src[1])
        if contact_expires:
            contact += ";expires=%s" % contact_expires
        hs = [("Contact", contact)]
        if header_expires:
            hs.append(("Expires", header_expires))
        reply(s, data, src, 200, "OK", hs)


def main(a):
    if len(a) >= 3 and a[1] == "pbx":
        ports = [int(p) for p in opt(a, "--ports", "10000").split(",")][:64]
        return pbx(a[2], ports, min(opt(a, "--max-seconds", 60.0), 300.0),
                   opt(a, "--sdp-addr", a[2]))
    if len(a) >= 6 and a[1] == "call":
        return call(a[2], a[3], a[4], int(a[5]), opt(a, "--callid", "call@test"),
                    opt(a, "--sport", SIP_PORT), min(opt(a, "--ring", 0.0), 10.0),
                    opt(a, "--reinvite-every", 0.0), opt(a, "--reinvite-delay", 0.0),
                    opt(a, "--until", ""),
                    min(opt(a, "--max-seconds", 30.0), 120.0), "--vary-media" in a)
    if len(a) >= 4 and a[1] == "message":
        return message(a[2], a[3], min(opt(a, "--count", 1), 2000),
                       min(opt(a, "--rate", 100.0), 500.0), min(opt(a, "--clines", 1), 100),
                       opt(a, "--addrs", "203.0.113.66").split(","),
                       opt(a, "--sport", SIP_PORT), opt(a, "--ctype", "text/plain"),
                       opt(a, "--callid", ""), opt(a, "--method", "MESSAGE"))
    if len(a) >= 3 and a[1] == "registrar":
        return registrar(a[2], opt(a, "--header-expires", ""),
                         opt(a, "--contact-expires", ""),
                         min(opt(a, "--max-seconds", 30.0), 120.0))
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
