#!/usr/bin/env bash
# Setup latency and footprint of the real daemon (see sip_load.c):
#   bench/daemon.sh OUT.tsv LAT_CALLS HOLD_CALLS MAX_CALLS
# Two namespaces joined by a veth pair: "isp" (203.0.113.10, the carrier)
# and "rtr" (wan0 203.0.113.1, voipfw run, the PBX socket). Everything
# created here carries a per-run prefix and goes away on exit.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT=$1 LAT=$2 HOLD=$3 MAXCALLS=$4
P="vfwb$$"
PIN="/sys/fs/bpf/$P"
TMP=$(mktemp -d "/tmp/$P.XXXX")
DPID=

cleanup() {
	set +e
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	ip netns del "$P-isp" 2>/dev/null
	ip netns del "$P-rtr" 2>/dev/null
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT
trap "exit 143" TERM INT

ip netns add "$P-isp"
ip netns add "$P-rtr"
ip link add "${P}w" type veth peer name eth0 netns "$P-isp"
ip link set "${P}w" netns "$P-rtr"
ip -n "$P-rtr" link set "${P}w" name wan0
ip -n "$P-rtr" addr add 203.0.113.1/24 dev wan0
ip -n "$P-isp" addr add 203.0.113.10/24 dev eth0
for ns in isp rtr; do
	ip -n "$P-$ns" link set lo up
done
ip -n "$P-rtr" link set wan0 up
ip -n "$P-isp" link set eth0 up
# XDP sees frames before checksum offload would complete them.
ip netns exec "$P-isp" ethtool -K eth0 tx off >/dev/null
ip netns exec "$P-rtr" ethtool -K wan0 tx off >/dev/null

cat >"$TMP/voipfw.conf" <<CONF
[general]
interface = wan0
[trunks]
static = 203.0.113.10
[limits]
max_calls = $MAXCALLS
[log]
level = warn
drop_summary_interval = 0
CONF
nsenter --net="/run/netns/$P-rtr" "$ROOT/build/voipfw" --pin-dir "$PIN" \
	run --config "$TMP/voipfw.conf" >"$TMP/daemon.log" 2>&1 &
DPID=$!
for _ in $(seq 100); do
	[ -e "$PIN/pinholes" ] && ip netns exec "$P-rtr" "$ROOT/build/voipfw" \
		--pin-dir "$PIN" status 2>/dev/null | grep -q "SIP feed: on" && break
	sleep 0.1
done
sleep 0.5
timeout 600 "$ROOT/build/bench/sip_load" "$P-isp" "$P-rtr" "$PIN" "$DPID" \
	"$LAT" "$HOLD" >"$OUT"
echo "info	max_calls	$MAXCALLS" >>"$OUT"
if [ -s "$TMP/daemon.log" ]; then
	echo "daemon log (last lines):" >&2
	tail -5 "$TMP/daemon.log" >&2
fi
