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
  udp_tool.py total STATEFILE SRC PROTO [--except PORTS]
      Print how many packets of PROTO ("udp", "p136", ...) from SRC were
      seen so far, summed over every port (but PORTS).
  udp_tool.py sweep DST PORTS ROUNDS --src ADDR [--gap-us N]
      ROUNDS times, one datagram to every port of PORTS ("10000-10199,10500")
      from ADDR, N microseconds apart (default 200).
  udp_tool.py litesend DST PORT COUNT --src ADDR
      COUNT real UDP-Lite datagrams (a SOCK_DGRAM socket of IPPROTO 136).

  PORT arguments of listen may be ranges (A-B). send takes --interval MS
  (default 2). listen --raw-port=P[,P] counts the raw transports to P too,
  without binding UDP/TCP sockets to it (its SIP user may own it).

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


def port_list(spec):
    out = []
    for part in spec.split(","):
        a, _, b = part.partition("-")
        out.extend(range(int(a), int(b or a) + 1))
    return out


def listen(statefile, ports, max_seconds, raw_protos=(), raw_ports=()):
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
                if dport in ports or dport in raw_ports:
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


def send(dst, port, count, src, sport=0, interval=0.002):
    family = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if src or sport:
        s.bind((src or "", sport))
    for i in range(count):
        s.sendto(b"voipfw-test %d" % i, (dst, port))
        time.sleep(interval)


def sweep(dst, ports, rounds, src, gap):
    family = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((src, 0))
    for _ in range(rounds):
        for port in ports:
            s.sendto(b"voipfw-probe", (dst, port))
            time.sleep(gap)


def litesend(dst, port, count, src):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, 136)  # IPPROTO_UDPLITE
    s.bind((src, 0))
    for i in range(count):
        s.sendto(b"voipfw-lite %d" % i, (dst, port))
        time.sleep(0.002)


def total(statefile, src, proto, skip):
    try:
        with open(statefile) as f:
            counts = json.load(f)
    except (OSError, ValueError):
        counts = {}
    n = 0
    for key, v in counts.items():
        a, p, port = key.split()
        if a == src and p == proto and int(port) not in skip:
            n += v
    print(n)


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
        ports, raw, raw_ports = [], [], []
        for a in argv[3:]:
            if a.startswith("--max-seconds="):
                max_seconds = float(a.split("=", 1)[1])
            elif a.startswith("--raw="):
                raw = [int(x) for x in a.split("=", 1)[1].split(",")]
            elif a.startswith("--raw-port="):
                raw_ports = port_list(a.split("=", 1)[1])
            else:
                ports.extend(port_list(a))
        listen(argv[2], ports, max_seconds, raw, raw_ports)
    elif len(argv) == 8 and argv[1] == "rawsend" and argv[6] == "--src":
        rawsend(argv[2], int(argv[3]), int(argv[4]), min(int(argv[5]), 10000), argv[7])
    elif len(argv) >= 5 and argv[1] == "send":
        rest = argv[5:]
        src = rest[rest.index("--src") + 1] if "--src" in rest else None
        sport = int(rest[rest.index("--sport") + 1]) if "--sport" in rest else 0
        interval = float(rest[rest.index("--interval") + 1]) / 1000 if "--interval" in rest else 0.002
        send(argv[2], int(argv[3]), min(int(argv[4]), 100000), src, sport, min(interval, 1.0))
    elif len(argv) >= 7 and argv[1] == "sweep" and argv[5] == "--src":
        rest = argv[7:]
        gap = int(rest[rest.index("--gap-us") + 1]) / 1e6 if "--gap-us" in rest else 0.0002
        ports = port_list(argv[3])[:2000]
        sweep(argv[2], ports, min(int(argv[4]), 20), argv[6], min(gap, 0.01))
    elif len(argv) == 7 and argv[1] == "litesend" and argv[5] == "--src":
        litesend(argv[2], int(argv[3]), min(int(argv[4]), 10000), argv[6])
    elif len(argv) >= 5 and argv[1] == "total":
        skip = port_list(argv[6]) if len(argv) >= 7 and argv[5] == "--except" else []
        total(argv[2], argv[3], argv[4], skip)
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
