#!/usr/bin/env python3
"""UDP/TCP helpers for the namespace tests.

  udp_tool.py listen STATEFILE PORT [PORT ...]
      Count datagrams per (source address, destination port) on every port,
      IPv4 and IPv6, and rewrite STATEFILE (JSON) after each one. Also
      accepts TCP connections on the same ports and counts them. Exits on
      SIGTERM or after --max-seconds (default 300).
  udp_tool.py send DST PORT COUNT [--src ADDR] [--sport PORT]
      Send COUNT small datagrams, 2 ms apart.
  udp_tool.py count STATEFILE SRC PORT
      Print how many datagrams from SRC to PORT were seen so far.
"""
import json
import os
import selectors
import signal
import socket
import sys
import time


def listen(statefile, ports, max_seconds):
    sel = selectors.DefaultSelector()
    for port in ports:
        for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(socket.AF_INET6, kind)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            # a slow Python reader must not lose bursts in the socket
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            s.bind(("::", port))
            if kind == socket.SOCK_STREAM:
                s.listen(16)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, (kind, port))
    counts = {}

    def save():
        tmp = statefile + ".tmp"
        with open(tmp, "w") as f:
            json.dump(counts, f)
        os.replace(tmp, statefile)

    def bump(src, proto, port):
        if src.startswith("::ffff:"):
            src = src[7:]
        key = "%s %s %d" % (src, proto, port)
        counts[key] = counts.get(key, 0) + 1

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    save()
    deadline = time.monotonic() + max_seconds
    dirty, last_save = False, 0.0
    while time.monotonic() < deadline:
        events = sel.select(timeout=0.02)
        for key, _ in events:
            kind, port = key.data
            if kind == socket.SOCK_DGRAM:
                _, addr = key.fileobj.recvfrom(2048)
                bump(addr[0], "udp", port)
            else:
                conn, addr = key.fileobj.accept()
                conn.close()
                bump(addr[0], "tcp", port)
            dirty = True
        # the state file trails the sockets by at most ~50 ms
        now = time.monotonic()
        if dirty and (not events or now - last_save > 0.05):
            save()
            dirty, last_save = False, now


def send(dst, port, count, src, sport=0):
    family = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if src or sport:
        s.bind((src or "", sport))
    for i in range(count):
        s.sendto(b"voipfw-test %d" % i, (dst, port))
        time.sleep(0.002)


def tcp_connect(dst, port, src):
    family = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(2)
    if src:
        s.bind((src, 0))
    try:
        s.connect((dst, port))
        print("connected")
    except OSError as e:
        print("failed: %s" % e)


def count(statefile, src, proto, port):
    try:
        with open(statefile) as f:
            counts = json.load(f)
    except (OSError, ValueError):
        counts = {}
    print(counts.get("%s %s %s" % (src, proto, port), 0))


def main(argv):
    if len(argv) >= 3 and argv[1] == "listen":
        max_seconds = 300
        ports = []
        for a in argv[3:]:
            if a.startswith("--max-seconds="):
                max_seconds = float(a.split("=", 1)[1])
            else:
                ports.append(int(a))
        listen(argv[2], ports, max_seconds)
    elif len(argv) >= 5 and argv[1] == "send":
        rest = argv[5:]
        src = rest[rest.index("--src") + 1] if "--src" in rest else None
        sport = int(rest[rest.index("--sport") + 1]) if "--sport" in rest else 0
        send(argv[2], int(argv[3]), min(int(argv[4]), 100000), src, sport)
    elif len(argv) >= 4 and argv[1] == "connect":
        src = argv[5] if len(argv) >= 6 and argv[4] == "--src" else None
        tcp_connect(argv[2], int(argv[3]), src)
    elif len(argv) == 6 and argv[1] == "count":
        count(argv[2], argv[3], argv[4], argv[5])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
