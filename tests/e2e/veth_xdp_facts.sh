#!/bin/bash
# What native (driver-mode) XDP on a veth needs on this kernel, measured.
# Two namespaces joined by a veth (wan0 <-> peer); a tiny XDP program on
# wan0 (xdp_probe.bpf.c); 100 UDP datagrams from the peer each case.
# Prints one line per case plus the checksum fact; exits non-zero if the
# facts the e2e topology relies on do not hold:
#   1. native XDP on wan0 sees and can PASS/DROP what the peer sends, with
#      nothing on the peer (no XDP program, GRO off);
#   2. XDP_TX (and XDP_REDIRECT into a veth) needs NAPI on the receiving
#      peer: an XDP program there or `ethtool -K peer gro on`;
#   3. with TX checksum offload on at the sender, XDP sees the partial
#      checksum (pseudo-header sum only); with it off, the real one.
# Needs: clang, libbpf headers (libbpf-dev), iproute2 with libbpf, bpftool.
# Usage: sudo tests/e2e/veth_xdp_facts.sh      (a few seconds)

set -u
DIR=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
ID=vfwx$$$(printf '%03x' $((RANDOM % 4096)))
A=$ID-a; B=$ID-b
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vfw-xdp-$ID.XXXXXX")
LP=
# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
	[ -n "$LP" ] && kill "$LP" 2>/dev/null
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	rm -rf -- "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

MULTIARCH=$(gcc -print-multiarch 2>/dev/null)
clang -O2 -g -target bpf ${MULTIARCH:+-I/usr/include/$MULTIARCH} \
	-c "$DIR/xdp_probe.bpf.c" -o "$TMP/probe.o" || { echo "clang failed"; exit 1; }

ip netns add "$A" && ip netns add "$B" || exit 1
ip link add wan0 netns "$A" type veth peer name peer netns "$B"
ip -n "$A" addr add 203.0.113.1/24 dev wan0
ip -n "$B" addr add 203.0.113.2/24 dev peer
ip -n "$A" link set wan0 up
ip -n "$B" link set peer up
ip netns exec "$B" ethtool -K peer gro off >/dev/null

attach() {
	ip -n "$A" link set dev wan0 xdpdrv off 2>/dev/null
	ip -n "$A" link set dev wan0 xdpgeneric off 2>/dev/null
	[ "$1" = none ] && return 0
	ip -n "$A" link set dev wan0 "${2:-xdpdrv}" obj "$TMP/probe.o" sec xdp program "$1"
}
xstat() { # NAME: a wan0 ethtool stat
	ip netns exec "$A" ethtool -S wan0 | awk -v k="rx_queue_0_$1:" '$1 == k { print $2 }'
}
probe_map() { # "<seen> <last csum>" from the attached program's map
	local prog map
	prog=$(ip -n "$A" -j -d link show wan0 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["xdp"]["prog"]["id"])')
	map=$(bpftool -j prog show id "$prog" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["map_ids"][0])')
	bpftool -j map dump id "$map" | "$PY" -c '
import json, sys
v = [int.from_bytes(bytes(int(b, 16) for b in e["value"]), "little") for e in json.load(sys.stdin)]
print(v[0], "0x%04x" % v[1])'
}
# run: 100 datagrams peer:40000 -> wan0:7777; prints "received tx tx_errors drops"
run() {
	ip netns exec "$A" timeout 5 "$PY" -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("203.0.113.1", 7777)); s.settimeout(0.3); n = 0
end = time.time() + 1.2
while time.time() < end:
    try:
        s.recv(2048); n += 1
    except socket.timeout:
        pass
print(n)' >"$TMP/recv" &
	LP=$!
	sleep 0.3
	local tx0 txe0 dr0
	tx0=$(xstat xdp_tx); txe0=$(xstat xdp_tx_errors); dr0=$(xstat xdp_drops)
	ip netns exec "$B" timeout 5 "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("203.0.113.2", 40000))
for i in range(100):
    s.sendto(b"x" * 200, ("203.0.113.1", 7777))'
	wait "$LP"; LP=
	echo "$(cat "$TMP/recv") $(( $(xstat xdp_tx) - tx0 )) $(( $(xstat xdp_tx_errors) - txe0 )) $(( $(xstat xdp_drops) - dr0 ))"
}

fail=0
expect() { # DESC GOT WANT
	if [ "$2" = "$3" ]; then echo "ok   - $1 [$2]"; else echo "FAIL - $1 [got $2, want $3]"; fail=1; fi
}
echo "kernel $(uname -r)"

attach probe_pass
ip netns exec "$B" ethtool -K peer tx on >/dev/null
r=$(run); m=$(probe_map)
expect "native XDP PASS on wan0, peer: no XDP, GRO off (recv tx txerr drops)" "$r" "100 0 0 0"
expect "  ... XDP program saw every packet" "${m% *}" 100
csum_partial=${m#* }
attach probe_pass
ip netns exec "$B" ethtool -K peer tx off >/dev/null
r=$(run); m=$(probe_map)
csum_full=${m#* }
attach probe_drop
r=$(run)
expect "native XDP DROP on wan0, peer: no XDP, GRO off" "$r" "0 0 0 100"
attach probe_tx
r=$(run)
expect "native XDP_TX on wan0, peer GRO off: every TX fails" "$r" "0 0 100 0"
ip netns exec "$B" ethtool -K peer gro on >/dev/null
attach probe_tx
r=$(run)
expect "native XDP_TX on wan0, peer GRO on: TX works" "$r" "0 100 0 0"
ip netns exec "$B" ethtool -K peer gro off >/dev/null

# The true UDP checksum of what the peer sent, and the partial value
# (folded pseudo-header sum) that CHECKSUM_PARTIAL leaves in the packet.
read -r want_full want_partial < <("$PY" -c '
import struct
src, dst, payload = bytes([203,0,113,2]), bytes([203,0,113,1]), b"x" * 200
ln = 8 + len(payload)
ph = src + dst + struct.pack("!BBH", 0, 17, ln)
def fold(s):
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s
d = ph + struct.pack("!HHHH", 40000, 7777, ln, 0) + payload
full = ~fold(sum(struct.unpack("!%dH" % (len(d) // 2), d))) & 0xffff
part = fold(sum(struct.unpack("!6H", ph)))
print("0x%04x 0x%04x" % (full, part))')
expect "peer tx-checksum on: XDP sees the partial checksum" "$csum_partial" "$want_partial"
expect "peer tx-checksum off: XDP sees the real checksum" "$csum_full" "$want_full"
exit "$fail"
