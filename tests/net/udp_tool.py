#!/usr/bin/env python3
"""UDP/TCP helpers for the namespace tests.

  udp_tool.py listen STATEFILE PORT [PORT ...]
      Count datagrams per (source address, destination port) on every port,
      IPv4 and IPv6, and rewrite STATEFILE (JSON) after each one. Also
      accepts TCP connections on the same ports and counts them. Exits on
      SIGTERM or after --max-seconds (default 300).
  udp_tool.py send DST PORT COUNT [--src ADDR] [--sport PORT]
      Send COUNT small datagrams, 2 ms apart.
  udp_tool.py rawsend DST IPPROTO PORT COUNT --src ADDR
      Send COUNT IPv4 packets of transport IPPROTO (SCTP 132, UDP-Lite 136,
      DCCP 33) whose first four bytes are the ports, as theirs are.
  udp_tool.py count STATEFILE SRC PORT
      Print how many datagrams from SRC to PORT were seen so far.

  listen --raw=IPPROTO[,IPPROTO] also counts those IPv4 transports to the
  listed ports (as "pIPPROTO"), through raw sockets: no kernel module needed.
"""
import json
import os
import selectors
import signal
import socket
import sys
import time


def listen(statefile, ports, max_seconds, raw_protos=()):
    sel = selectors.DefaultSelector()
    for proto in raw_protos:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, proto)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, ("raw", proto))
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
            if kind == "raw":  # IPv4 header, then the ports
                data, addr = key.fileobj.recvfrom(2048)
                l4 = (data[0] & 0x0f) * 4
                dport = int.from_bytes(data[l4 + 2:l4 + 4], "big")
                if dport in ports:
                    bump(addr[0], "p%d" % key.data[1], dport)
            elif kind == socket.SOCK_DGRAM:
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


def rawsend(dst, proto, port, count, src):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, proto)
    s.bind((src, 0))
    for _ in range(count):
        s.sendto((41000).to_bytes(2, "big") + port.to_bytes(2, "big") + bytes(12),
                 (dst, 0))
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
        ports, raw = [], []
        for a in argv[3:]:
            if a.startswith("--max-seconds="):
                max_seconds = float(a.split("=", 1)[1])
            elif a.startswith("--raw="):
                raw = [int(x) for x in a.split("=", 1)[1].split(",")]
            else:
                ports.append(int(a))
        listen(argv[2], ports, max_seconds, raw)
    elif len(argv) == 8 and argv[1] == "rawsend" and argv[6] == "--src":
        rawsend(argv[2], int(argv[3]), int(argv[4]), min(int(argv[5]), 10000), argv[7])
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
