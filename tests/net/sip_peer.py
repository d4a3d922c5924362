#!/usr/bin/env python3
"""Tiny scripted SIP peers over real UDP sockets, for the daemon tests.

  sip_peer.py registrar BIND_ADDR [--expires N] [--max-seconds S] [--fail CODE]
      Answers the first REGISTER with 401 and later ones with 200 granting
      N seconds (Expires: 0 is answered with 200 and 0). --fail: answers
      every REGISTER with CODE instead (403: the account is refused).
  sip_peer.py register LOCAL REGISTRAR [--expires N] [--call-id ID]
      Sends REGISTER, answers the challenge, waits for the 200; prints
      "registered N" or "failed". --call-id: a refresh or unregistration
      of an earlier registration with that Call-ID.
  sip_peer.py callee LOCAL RTP_PORT [--max-seconds S] [--sdp-addr ADDR]
      Waits for an INVITE, answers 200 OK with SDP (our RTP_PORT), waits
      for ACK and BYE, answers 200; prints the events. --sdp-addr: the SDP
      advertises ADDR (a LAN address behind NAT) instead of LOCAL.
  sip_peer.py caller LOCAL REMOTE MEDIA_ADDR RTP_COUNT [--duration S] [--until FILE] [--bye]
                                          [--odd-bytes] [--no-rtp]
      Sends INVITE (its media at MEDIA_ADDR:40000), on the 200 OK sends ACK
      and immediately RTP_COUNT RTP packets to the port in the answer, then
      one every 20 ms for S seconds, then BYE. Prints "rtp-sent N port P"
      and "bye-ok". --no-rtp: sends none (media that fails), S seconds of
      silence.
  sip_peer.py uac LOCAL REMOTE MEDIA_ADDR MEDIA_PORT --calls N [--rtp K] [--hold S]
      N calls one after the other: INVITE with SDP (MEDIA_ADDR:MEDIA_PORT);
      on the 200 OK, K RTP packets to the answer's media address and port
      at once (back to back, before the ACK), then ACK, S seconds, BYE.
  sip_peer.py uas LOCAL MEDIA_ADDR MEDIA_PORT --calls N [--rtp K] [--ring S] [--media-first]
      Answers N INVITEs: 180, S seconds of ringing, 200 OK with SDP
      (MEDIA_ADDR:MEDIA_PORT) and, in the same instant, K RTP packets to
      the offer's media address and port; then ACK and BYE. --media-first:
      the RTP goes out as the INVITE arrives, before any answer (a far end
      whose SIP takes a slower path than its media).
  Both print "calls N" (completed calls) and "rtp-sent M" at the end.
  sip_peer.py ua LOCAL MEDIA_ADDR MEDIA_PORT [--call REMOTE] [--script STEPS]
                 [--rtp] [--session-expires N] [--max-seconds S]
      One call with a life: calls REMOTE (--call) or answers the first
      INVITE; answers every re-INVITE and UPDATE with 200 OK and the
      mirrored direction (sendonly <-> recvonly, inactive, c=0.0.0.0 hold
      answered sendrecv), BYE with 200. STEPS, comma-separated "T:ACTION",
      run T seconds after the call is up (200 OK sent or received):
      hold:DIR (re-INVITE with a=DIR: sendonly, recvonly, inactive, or
      null for c=0.0.0.0), resume, refresh (the same SDP again, a session
      refresh), bye, vanish (stop without a BYE: a lost BYE). --rtp: one RTP
      packet per 20 ms to the peer's media while nobody holds. Prints
      "rtp-sent N" and "rtp-sent-held N" (0: nothing while held),
      "rtp-sent-before-hold N", "ended WHY".
All loads are bounded; every wait has a timeout.
"""
import os
import random
import re
import socket
import sys
import time

SIP_PORT = 5060


def msg(first, headers, body=b""):
    lines = [first] + ["%s: %s" % h for h in headers]
    lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape") + body


# surrogateescape both ways: header bytes that are not UTF-8 (--odd-bytes)
# are echoed back exactly.
def header(data, name):
    m = re.search(rb"(?im)^" + name.encode() + rb"\s*:\s*(.*?)\r?$", data)
    return m.group(1).decode("utf-8", "surrogateescape") if m else None


# Issue 11: a Call-ID, From and User-Agent with bytes 0x80-0xff, valid UTF-8
# and not (stray, overlong, surrogate, C1, truncated).
ODD_CALL_ID = b"-caf\xc3\xa9-\xff\xfe-\xc0\xaf-\xed\xa0\x80-\xc2\x9b-\xe2\x82".decode(
    "utf-8", "surrogateescape")
ODD_FROM = b'"J\xc3\xbcrgen \xff\x80" '.decode("utf-8", "surrogateescape")
ODD_UA = ("User-Agent", b"caf\xc3\xa9\xfe\xc0\x80 1.0".decode("utf-8", "surrogateescape"))


def sdp(addr, port):
    fam = "IP6" if ":" in addr else "IP4"
    return ("v=0\r\no=- 1 1 IN %s %s\r\ns=-\r\nc=IN %s %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
            % (fam, addr, fam, addr, port)).encode()


def sock(addr, port=SIP_PORT):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    return s


def hostport(addr, port=SIP_PORT):
    return "[%s]:%d" % (addr, port) if ":" in addr else "%s:%d" % (addr, port)


def reply(s, req, src, code, reason, extra=(), body=b""):
    hs = [(n, header(req, n)) for n in ("Via", "From", "To", "Call-ID", "CSeq")]
    if any(n == "To" for n, _ in extra):
        del hs[2]       # the caller gives the To (with its tag)
    elif ";tag=" not in hs[2][1]:
        hs[2] = ("To", hs[2][1] + ";tag=peer%d" % random.randrange(1 << 30))
    s.sendto(msg("SIP/2.0 %d %s" % (code, reason), hs + list(extra), body), src)


def recv(s, deadline):
    while time.monotonic() < deadline:
        s.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            data, src = s.recvfrom(65535)
        except socket.timeout:
            return None, None
        return data, src
    return None, None


def registrar(bind, expires, max_seconds, fail=0):
    s = sock(bind)
    challenged = set()
    deadline = time.monotonic() + max_seconds
    while True:
        data, src = recv(s, deadline)
        if data is None:
            return
        if not data.startswith(b"REGISTER"):
            continue
        cid = header(data, "Call-ID")
        asked = header(data, "Expires")
        if fail:
            reply(s, data, src, fail, "Forbidden" if fail == 403 else "Failed")
            continue
        if cid not in challenged:
            challenged.add(cid)
            reply(s, data, src, 401, "Unauthorized",
                  [("WWW-Authenticate", 'Digest realm="test", nonce="abc"')])
            continue
        grant = 0 if asked == "0" else expires
        reply(s, data, src, 200, "OK",
              [("Contact", "<sip:1000@%s>;expires=%d" % (hostport(src[0], src[1]), grant)),
               ("Expires", str(grant))])


def request(method, uri, local, cseq, callid, tag, extra=(), body=b"", to_tag="",
            from_name=""):
    branch = "z9hG4bK%d" % random.randrange(1 << 40)
    hs = [("Via", "SIP/2.0/UDP %s;branch=%s;rport" % (hostport(local), branch)),
          ("Max-Forwards", "70"),
          ("From", "%s<sip:1000@%s>;tag=%s" % (from_name, hostport(local), tag)),
          ("To", "<%s>%s" % (uri, to_tag)),
          ("Call-ID", callid), ("CSeq", "%d %s" % (cseq, method))]
    return msg("%s %s SIP/2.0" % (method, uri), hs + list(extra), body)


def register(local, registrar_addr, expires, callid=""):
    s = sock(local)
    callid = callid or "reg%d@test" % random.randrange(1 << 30)
    dst = (registrar_addr, SIP_PORT)
    uri = "sip:%s" % hostport(registrar_addr)
    contact = [("Contact", "<sip:1000@%s>" % hostport(local)), ("Expires", str(expires))]
    for cseq in (1, 2):
        extra = list(contact)
        if cseq == 2:
            extra.append(("Authorization", 'Digest username="1000", realm="test", nonce="abc", uri="%s", response="00"' % uri))
        s.sendto(request("REGISTER", uri, local, cseq, callid, "r1", extra), dst)
        data, _ = recv(s, time.monotonic() + 3)
        if data is None:
            print("failed: no answer")
            return 1
        code = int(data.split()[1])
        if code == 200:
            print("registered %s" % header(data, "Expires"))
            return 0
    print("failed")
    return 1


def callee(local, rtp_port, max_seconds, sdp_addr=""):
    s = sock(local)
    deadline = time.monotonic() + max_seconds
    while True:
        data, src = recv(s, deadline)
        if data is None:
            return 1
        if data.startswith(b"INVITE"):
            print("invite", flush=True)
            reply(s, data, src, 200, "OK", [("Contact", "<sip:1000@%s>" % hostport(local)),
                                              ("Content-Type", "application/sdp")],
                  sdp(sdp_addr or local, rtp_port))
        elif data.startswith(b"ACK"):
            print("ack", flush=True)
        elif data.startswith(b"BYE"):
            reply(s, data, src, 200, "OK")
            print("bye", flush=True)
            return 0


def caller(local, remote, media_addr, count, bye, duration, until=None, odd=False,
           no_rtp=False):
    s = sock(local)
    callid = "call%d%s@test" % (random.randrange(1 << 30), ODD_CALL_ID if odd else "")
    uri = "sip:1000@%s" % hostport(remote)
    dst = (remote, SIP_PORT)
    s.sendto(request("INVITE", uri, local, 1, callid, "c1",
                     [("Contact", "<sip:isp@%s>" % hostport(local)),
                      ("Content-Type", "application/sdp")] + ([ODD_UA] if odd else []),
                     sdp(media_addr, 40000), from_name=ODD_FROM if odd else ""), dst)
    while True:
        data, _ = recv(s, time.monotonic() + 3)
        if data is None:
            print("failed: no answer")
            return 1
        if int(data.split()[1]) >= 200:
            break
    to = header(data, "To")
    port = int(re.search(rb"m=audio (\d+)", data).group(1))
    ack = request("ACK", uri, local, 1, callid, "c1")
    ack = ack.replace(("To: <%s>" % uri).encode(), ("To: %s" % to).encode())
    s.sendto(ack, dst)
    # media starts the instant the answer is in: the setup race
    fam = socket.AF_INET6 if ":" in media_addr else socket.AF_INET
    rtp = socket.socket(fam, socket.SOCK_DGRAM)
    rtp.bind((media_addr, 40000))
    def send_rtp(seq):
        if no_rtp:
            return 0
        pkt = bytes([0x80, 0]) + (seq & 0xffff).to_bytes(2, "big") + \
            (seq * 160 & 0xffffffff).to_bytes(4, "big") + b"\x12\x34\x56\x78" + b"\xff" * 160
        rtp.sendto(pkt, (remote, port))
        return 1
    sent = 0
    for seq in range(count):
        sent += send_rtp(seq)
        time.sleep(0.002)
    # a call's steady stream, one per 20 ms, for duration seconds and then
    # until the file "until" exists (the test's hang-up), at most 150 s
    # (a kernel under emulation, its host busy, takes minutes)
    start = time.monotonic()
    def streaming():
        t = time.monotonic() - start
        return t < duration or (until and not os.path.exists(until) and t < 150)
    while streaming():
        sent += send_rtp(sent)
        time.sleep(0.02)
    print("rtp-sent %d port %d" % (sent, port), flush=True)
    if bye:
        b = request("BYE", uri, local, 2, callid, "c1")
        b = b.replace(("To: <%s>" % uri).encode(), ("To: %s" % to).encode())
        s.sendto(b, dst)
        data, _ = recv(s, time.monotonic() + 3)
        print("bye-ok" if data and int(data.split()[1]) == 200 else "bye-failed")
    return 0


def rtp_packet(seq):
    return bytes([0x80, 0]) + (seq & 0xffff).to_bytes(2, "big") + \
        (seq * 160 & 0xffffffff).to_bytes(4, "big") + b"\x12\x34\x56\x78" + b"\xff" * 160


def sdp_media(data):
    """(address, port) of the first audio stream of the SDP in data."""
    c = re.search(rb"(?m)^c=IN IP[46] (\S+)\r?$", data)
    m = re.search(rb"(?m)^m=audio (\d+) ", data)
    return c.group(1).decode(), int(m.group(1))


class Media:
    """The RTP socket of MEDIA_ADDR:MEDIA_PORT; bursts sent back to back."""

    def __init__(self, addr, port, count):
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        self.s = socket.socket(fam, socket.SOCK_DGRAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.bind((addr, port))
        self.count, self.sent = count, 0

    def burst(self, dst):
        for _ in range(self.count):
            self.s.sendto(rtp_packet(self.sent), dst)
            self.sent += 1


def in_dialog(req_bytes, to):
    return re.sub(rb"(?m)^To: .*$", ("To: %s" % to).encode(), req_bytes, count=1)


def transaction(s, req_bytes, dst, final):
    """Sends a request, resending it every 0.5 s (timer A) until a
    response -- a final one if final -- arrives; None after 8 tries."""
    for _ in range(8):
        s.sendto(req_bytes, dst)
        deadline = time.monotonic() + 0.5
        answered = False
        while True:
            data, _ = recv(s, deadline)
            if data is None:
                break
            answered = True
            if not final or int(data.split()[1]) >= 200:
                return data
        if answered:    # provisional seen: the far end has it, keep waiting
            data, _ = recv(s, time.monotonic() + 10)
            while data is not None and int(data.split()[1]) < 200:
                data, _ = recv(s, time.monotonic() + 10)
            return data
    return None


def uac(local, remote, media_addr, media_port, calls, count, hold):
    s = sock(local)
    media = Media(media_addr, media_port, count) if count else None
    uri = "sip:1000@%s" % hostport(remote)
    dst = (remote, SIP_PORT)
    done = 0
    for n in range(calls):
        callid = "race%d-%d@test" % (n, random.randrange(1 << 30))
        invite = request("INVITE", uri, local, 1, callid, "u%d" % n,
                         [("Contact", "<sip:u@%s>" % hostport(local)),
                          ("Content-Type", "application/sdp")],
                         sdp(media_addr, media_port))
        data = transaction(s, invite, dst, final=True)
        if data is None or int(data.split()[1]) != 200:
            break
        if media:
            media.burst(sdp_media(data))    # the far end's port, this instant
        to = header(data, "To")
        s.sendto(in_dialog(request("ACK", uri, local, 1, callid, "u%d" % n), to), dst)
        time.sleep(hold)
        bye = in_dialog(request("BYE", uri, local, 2, callid, "u%d" % n), to)
        if transaction(s, bye, dst, final=True) is None:
            break
        done += 1
    print("calls %d" % done)
    print("rtp-sent %d" % (media.sent if media else 0), flush=True)
    return 0 if done == calls else 1


def uas(local, media_addr, media_port, calls, count, ring, max_seconds, media_first):
    s = sock(local)
    media = Media(media_addr, media_port, count) if count else None
    deadline = time.monotonic() + max_seconds
    done = 0
    answered, ended = set(), set()
    while done < calls:
        data, src = recv(s, deadline)
        if data is None:
            break
        callid = header(data, "Call-ID")
        if data.startswith(b"INVITE"):
            first = callid not in answered
            tag = [("To", header(data, "To") + ";tag=uas-%s" % callid.split("@")[0])]
            if first and media and media_first:
                media.burst(sdp_media(data))
            if first:
                reply(s, data, src, 180, "Ringing", tag)
                time.sleep(ring)
            reply(s, data, src, 200, "OK", tag + [
                ("Contact", "<sip:1000@%s>" % hostport(local)),
                ("Content-Type", "application/sdp")], sdp(media_addr, media_port))
            if media and first and not media_first:
                media.burst(sdp_media(data))
            answered.add(callid)
        elif data.startswith(b"BYE"):
            reply(s, data, src, 200, "OK")
            if callid not in ended:
                ended.add(callid)
                done += 1
    print("calls %d" % done)
    print("rtp-sent %d" % (media.sent if media else 0), flush=True)
    return 0 if done == calls else 1


def ua_sdp(addr, port, direction):
    """Our SDP: direction sendrecv/sendonly/recvonly/inactive, or null."""
    body = sdp("0.0.0.0" if direction == "null" else addr, port)
    if direction not in ("sendrecv", "null"):
        body += ("a=%s\r\n" % direction).encode()
    return body


def offered_direction(data):
    if re.search(rb"(?m)^c=IN IP4 0\.0\.0\.0\r?$", data):
        return "null"
    m = re.search(rb"(?m)^a=(sendonly|recvonly|inactive|sendrecv)\r?$", data)
    return m.group(1).decode() if m else "sendrecv"


MIRROR = {"sendonly": "recvonly", "recvonly": "sendonly", "inactive": "inactive",
          "sendrecv": "sendrecv", "null": "sendrecv"}


class Ua:
    def __init__(self, local, media_addr, media_port, se):
        self.s = sock(local)
        self.local, self.media_addr, self.media_port, self.se = local, media_addr, media_port, se
        self.cseq = 1
        self.held = False
        self.peer_media = None
        self.dst = None

    def se_hdr(self, data=None):
        if not self.se or (data is not None and header(data, "Session-Expires") is None
                           and header(data, "x") is None):
            return []
        return [("Session-Expires", "%d;refresher=uac" % self.se)]

    def answer(self, data, src, extra=()):
        direction = offered_direction(data)
        self.held = direction != "sendrecv"
        if b"m=audio" in data and direction != "null":
            self.peer_media = sdp_media(data)
        hs = [("Contact", "<sip:ua@%s>" % hostport(self.local)),
              ("Content-Type", "application/sdp")] + list(extra) + self.se_hdr(data)
        reply(self.s, data, src, 200, "OK", hs,
              ua_sdp(self.media_addr, self.media_port, MIRROR[direction]))

    def send_request(self, method, direction=None):
        self.cseq += 1
        hs = [("Via", "SIP/2.0/UDP %s;branch=z9hG4bK%d;rport" % (hostport(self.local),
                                                                 random.randrange(1 << 40))),
              ("Max-Forwards", "70"), ("From", self.me), ("To", self.them),
              ("Call-ID", self.callid), ("CSeq", "%d %s" % (self.cseq, method)),
              ("Contact", "<sip:ua@%s>" % hostport(self.local))]
        body = b""
        if direction is not None:
            hs.append(("Content-Type", "application/sdp"))
            hs += self.se_hdr()
            body = ua_sdp(self.media_addr, self.media_port, direction)
            self.held = direction != "sendrecv"
        self.s.sendto(msg("%s sip:ua@%s SIP/2.0" % (method, hostport(self.dst[0])), hs, body),
                      self.dst)

    def ack(self, cseq):
        hs = [("Via", "SIP/2.0/UDP %s;branch=z9hG4bK%d;rport" % (hostport(self.local),
                                                                 random.randrange(1 << 40))),
              ("Max-Forwards", "70"), ("From", self.me), ("To", self.them),
              ("Call-ID", self.callid), ("CSeq", "%d ACK" % cseq)]
        self.s.sendto(msg("ACK sip:ua@%s SIP/2.0" % hostport(self.dst[0]), hs), self.dst)


def ua(local, media_addr, media_port, remote, steps, rtp, se, max_seconds):
    u = Ua(local, media_addr, media_port, se)
    deadline = time.monotonic() + max_seconds
    up = None
    if remote:
        u.dst = (remote, SIP_PORT)
        u.callid = "life%d@test" % random.randrange(1 << 30)
        u.me = "<sip:ua@%s>;tag=ua%d" % (hostport(local), random.randrange(1 << 30))
        u.them = "<sip:1000@%s>" % hostport(remote)
        u.cseq = 0
        u.send_request("INVITE", "sendrecv")
    media = None
    if rtp:
        fam = socket.AF_INET6 if ":" in media_addr else socket.AF_INET
        media = socket.socket(fam, socket.SOCK_DGRAM)
        media.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        media.bind((media_addr, media_port))
    sent = sent_held = 0
    before_hold = None      # RTP sent before either side's first hold
    next_rtp = time.monotonic()
    why = "timeout"
    while time.monotonic() < deadline:
        now = time.monotonic()
        if u.held and before_hold is None:
            before_hold = sent
        if up is not None and steps and now >= up + steps[0][0]:
            _, action, arg = steps.pop(0)
            if action == "hold":
                u.send_request("INVITE", arg)
            elif action in ("resume", "refresh"):
                u.send_request("INVITE", "sendrecv")
            elif action == "bye":
                u.send_request("BYE")
                u.peer_media = None     # no RTP after our BYE: it would race the close
            elif action == "vanish":
                why = "vanished"
                break
        if media is not None and u.peer_media and now >= next_rtp:
            next_rtp += 0.02
            if not u.held:
                media.sendto(rtp_packet(sent), u.peer_media)
                sent += 1
        u.s.settimeout(0.005)
        try:
            data, src = u.s.recvfrom(65535)
        except socket.timeout:
            continue
        if data.startswith(b"SIP/2.0"):
            code = int(data.split()[1])
            method = header(data, "CSeq").split()[1]
            if code >= 200 and method == "INVITE":
                if up is None:
                    u.them = header(data, "To")
                    up = time.monotonic()
                if b"m=audio" in data and offered_direction(data) != "null":
                    u.peer_media = sdp_media(data)
                u.ack(int(header(data, "CSeq").split()[0]))
            elif method == "BYE":
                why = "bye sent"
                break
            continue
        if data.startswith(b"INVITE"):
            if up is None:
                u.dst = (src[0], SIP_PORT)
                u.callid = header(data, "Call-ID")
                u.them = header(data, "From")
                u.me = header(data, "To") + ";tag=ua%d" % random.randrange(1 << 30)
                u.answer(data, src, [("To", u.me)])
                up = time.monotonic()
            elif ";tag=" in (header(data, "To") or ""):
                u.answer(data, src, [("To", header(data, "To"))])
            else:       # a retransmitted initial INVITE
                u.answer(data, src, [("To", u.me)])
        elif data.startswith(b"UPDATE"):
            reply(u.s, data, src, 200, "OK", [("To", header(data, "To"))] + u.se_hdr(data))
        elif data.startswith(b"BYE"):
            reply(u.s, data, src, 200, "OK", [("To", header(data, "To"))])
            why = "bye received"
            break
    print("rtp-sent %d" % sent)
    print("rtp-sent-held %d" % sent_held)
    print("rtp-sent-before-hold %d" % (sent if before_hold is None else before_hold))
    print("ended %s" % why, flush=True)
    return 0


def parse_steps(text):
    steps = []
    for item in filter(None, text.split(",")):
        t, _, rest = item.partition(":")
        action, _, arg = rest.partition(":")
        steps.append((float(t), action, arg))
    return sorted(steps)


def opt(args, name, default):
    return type(default)(args[args.index(name) + 1]) if name in args else default


def main(a):
    if len(a) >= 3 and a[1] == "registrar":
        return registrar(a[2], opt(a, "--expires", 120), opt(a, "--max-seconds", 60.0),
                         opt(a, "--fail", 0))
    if len(a) >= 4 and a[1] == "register":
        return register(a[2], a[3], opt(a, "--expires", 120), opt(a, "--call-id", ""))
    if len(a) >= 4 and a[1] == "callee":
        return callee(a[2], int(a[3]), opt(a, "--max-seconds", 30.0),
                      opt(a, "--sdp-addr", ""))
    if len(a) >= 6 and a[1] == "caller":
        return caller(a[2], a[3], a[4], min(int(a[5]), 1000), "--bye" in a,
                      min(opt(a, "--duration", 0.0), 60.0), opt(a, "--until", ""),
                      "--odd-bytes" in a, "--no-rtp" in a)
    if len(a) >= 6 and a[1] == "uac":
        return uac(a[2], a[3], a[4], int(a[5]), min(opt(a, "--calls", 1), 200),
                   min(opt(a, "--rtp", 0), 100), min(opt(a, "--hold", 0.1), 5.0))
    if len(a) >= 5 and a[1] == "uas":
        return uas(a[2], a[3], int(a[4]), min(opt(a, "--calls", 1), 200),
                   min(opt(a, "--rtp", 0), 100), min(opt(a, "--ring", 0.0), 10.0),
                   opt(a, "--max-seconds", 120.0), "--media-first" in a)
    if len(a) >= 5 and a[1] == "ua":
        return ua(a[2], a[3], int(a[4]), opt(a, "--call", ""),
                  parse_steps(opt(a, "--script", "")), "--rtp" in a,
                  min(opt(a, "--session-expires", 0), 86400),
                  min(opt(a, "--max-seconds", 60.0), 300.0))
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
