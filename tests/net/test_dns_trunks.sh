#!/usr/bin/env bash
# Trunks configured by DNS name: a real dnsmasq answers from a hosts file
# with a 2 s TTL; the resolver (user/dns.c, run by tests/net/dns/dns_driver.c
# until `voipfw run` takes over) must make the pinned trunks map follow the
# answers, leave other origins alone, and survive a dead server.
#
#   rtr ns (203.0.113.1, 2001:db8::1)  ── veth ──  dns ns (203.0.113.53,
#     resolver, resolv.conf:                         2001:db8::53) dnsmasq
#     203.0.113.1 (nothing: refused), 2001:db8::53
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
VOIPFW=${VOIPFW:-$ROOT/build/voipfw}
DNSMASQ=${DNSMASQ:-/usr/sbin/dnsmasq}
P="vfwd$$"                       # unique per run: namespaces, pin dir
PIN="/sys/fs/bpf/$P"
TMP=$(mktemp -d "/tmp/$P.XXXX")
TTL=2 GRACE=4                    # GRACE > TTL + 1: see "the server dies"
DNSMASQ_PID="" DRIVER_PID=""     # dnsmasq's own PID (pid file), the driver's wrapper
passed=0 failed=0

cleanup() {
	set +e
	[ -n "$DRIVER_PID" ] && kill "$DRIVER_PID" 2>/dev/null && wait "$DRIVER_PID" 2>/dev/null
	[ -n "$DNSMASQ_PID" ] && kill "$DNSMASQ_PID" 2>/dev/null
	wait 2>/dev/null
	for ns in rtr dns; do ip netns del "$P-$ns" 2>/dev/null; done
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT

check() {  # check DESCRIPTION EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then
		passed=$((passed + 1)); echo "ok   $1"
	else
		failed=$((failed + 1)); echo "FAIL $1: expected $2, got $3"
	fi
}

in_ns() { local ns=$1; shift; ip netns exec "$P-$ns" "$@"; }
fw() { "$VOIPFW" --pin-dir "$PIN" "$@"; }

# trunk PREFIX: "origin/admit" of that exact entry, or "none"
# (plain output and awk: a python start costs more than the TTL allows)
trunk() {
	fw trunk list | awk -v p="$1" '$1 == p { print $3 "/" $2; f = 1; exit }
		END { if (!f) print "none" }'
}

# wait_for SECONDS PREFIX EXPECTED: polls; prints what it saw last
wait_for() {
	local end=$(( $(date +%s%N) + $1 * 1000000000 )) got
	while :; do
		got=$(trunk "$2")
		[ "$got" = "$3" ] && break
		[ "$(date +%s%N)" -ge "$end" ] && break
		sleep 0.1
	done
	echo "$got"
}

log_has() { grep -cF -- "$1" "$TMP/driver.log" || true; }

start_dnsmasq() {
	in_ns dns timeout 300 "$DNSMASQ" --keep-in-foreground --conf-file=/dev/null \
		--no-resolv --no-hosts --addn-hosts="$TMP/hosts" --local-ttl=$TTL \
		--local=/test.example/ \
		--listen-address=203.0.113.53 --listen-address=2001:db8::53 \
		--bind-interfaces --port=53 --user=root --group=root \
		--pid-file="$TMP/dnsmasq.pid" \
		--log-queries --log-facility="$TMP/dnsmasq.log" &
	local i
	for i in $(seq 50); do
		if in_ns dns ss -lnu | grep -q '203.0.113.53:53' && [ -s "$TMP/dnsmasq.pid" ]; then
			DNSMASQ_PID=$(cat "$TMP/dnsmasq.pid")
			return 0
		fi
		sleep 0.1
	done
	echo "dnsmasq did not come up"; cat "$TMP/dnsmasq.log" 2>/dev/null; return 1
}

stop_dnsmasq() {
	local pid=$DNSMASQ_PID
	DNSMASQ_PID=""
	kill "$pid" 2>/dev/null || true
	timeout 5 tail --pid="$pid" -f /dev/null || true
}

start_driver() {
	: >"$TMP/driver.log"
	nsenter --net="/run/netns/$P-rtr" timeout 300 "$TMP/dns_driver" \
		--trunks "$PIN/trunks" --config "$TMP/voipfw.conf" \
		--resolv "$TMP/resolv.conf" --min-ttl 1 2>>"$TMP/driver.log" &
	DRIVER_PID=$!
	local i
	for i in $(seq 150); do
		grep -q '^ready' "$TMP/driver.log" && return 0
		kill -0 "$DRIVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "driver did not become ready"; cat "$TMP/driver.log"; return 1
}

hosts() { printf '%s\n' "$@" >"$TMP/hosts"; }

# ---- setup ----
cc -O2 -g -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -Werror -std=gnu11 -D_GNU_SOURCE \
	-I"$ROOT/include" -I"$ROOT/user" -I"$ROOT/user/lib" \
	-o "$TMP/dns_driver" "$HERE/dns/dns_driver.c" "$ROOT/user/dns.c" \
	"$ROOT/user/log.c" "$ROOT/user/state.c" "$ROOT"/user/lib/*.c \
	-lbpf -lelf -lz -linih

ip netns add "$P-rtr"
ip netns add "$P-dns"
ip link add "$P-r" type veth peer name "$P-d"
ip link set "$P-r" netns "$P-rtr"
ip link set "$P-d" netns "$P-dns"
in_ns rtr ip link set "$P-r" name eth0
in_ns dns ip link set "$P-d" name eth0
for ns in rtr dns; do in_ns $ns ip link set lo up; in_ns $ns ip link set eth0 up; done
in_ns rtr ip addr add 203.0.113.1/24 dev eth0
in_ns rtr ip addr add 2001:db8::1/64 dev eth0 nodad
in_ns dns ip addr add 203.0.113.53/24 dev eth0
in_ns dns ip addr add 2001:db8::53/64 dev eth0 nodad

# the first server refuses (nothing listens): the resolver must move on
printf 'search test.example\nnameserver 203.0.113.1\nnameserver 2001:db8::53\n' \
	>"$TMP/resolv.conf"
hosts "203.0.113.7 trunk.test.example" "2001:db8:7::7 trunk.test.example" \
	"198.51.100.20 other.test.example" "198.51.100.30 new.test.example"
cat >"$TMP/voipfw.conf" <<EOF
[trunks]
dns = trunk.test.example
dns = other.test.example sip
dns_max_ttl = 60
[timeouts]
registration_grace = $GRACE
EOF

mkdir -p "$PIN"
bpftool map create "$PIN/trunks" type lpm_trie key 20 value 16 entries 64 \
	name trunks flags 1
fw trunk add 203.0.113.9/32                 # unrelated static trunk
fw trunk add 198.51.100.20/32 --admit media # equal to a DNS answer: stays static
start_dnsmasq

# ---- initial resolution ----
start_driver
check "A record is a dns trunk" "dns/all" "$(trunk 203.0.113.7/32)"
check "AAAA record is a dns trunk" "dns/all" "$(trunk 2001:db8:7::7/128)"
check "logged with its ttl" 1 "$(log_has "trunk dns trunk.test.example -> 203.0.113.7 (ttl ${TTL}s)")"
check "equal static key not taken over" "static/media" "$(trunk 198.51.100.20/32)"
check "conflict logged" 1 "$(log_has "trunk dns other.test.example -> 198.51.100.20: already a static trunk")"
check "unrelated static trunk untouched" "static/all" "$(trunk 203.0.113.9/32)"
expires=$(fw -j trunk list | python3 -c 'import json,sys; print(next(t["expires_in"] for t in json.load(sys.stdin) if t["prefix"]=="203.0.113.7/32"))')
# refreshed every TTL s: between GRACE and TTL + GRACE left (whole seconds)
check "expiry is ttl + grace" 1 "$(( expires <= TTL + GRACE && expires >= GRACE - 1 ? 1 : 0 ))"

# ---- the answer changes ----
hosts "203.0.113.8 trunk.test.example" "198.51.100.20 other.test.example" \
	"198.51.100.30 new.test.example"
kill -HUP "$DNSMASQ_PID"
t0=$(date +%s%N)
while :; do   # both at once: one answer replaces the set
	state="$(trunk 203.0.113.8/32) $(trunk 203.0.113.7/32) $(trunk 2001:db8:7::7/128)"
	took=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ "$state" = "dns/all none none" ] || [ $took -gt $(( (TTL + 3) * 1000 )) ] && break
	sleep 0.05
done
check "new address in, old A and AAAA out" "dns/all none none" "$state"
check "change took at most ttl + 1 s (${took} ms)" 1 "$(( took <= (TTL + 1) * 1000 ? 1 : 0 ))"
check "removal logged" 1 "$(log_has "trunk dns trunk.test.example -/-> 203.0.113.7 (no longer in the answer)")"
check "static trunks still untouched" "static/all static/media" \
	"$(trunk 203.0.113.9/32) $(trunk 198.51.100.20/32)"

# ---- reload: admit changes, a name leaves, a name arrives ----
cat >"$TMP/voipfw.conf" <<EOF
[trunks]
dns = trunk.test.example sip
dns = new.test.example
[timeouts]
registration_grace = $GRACE
EOF
kill -HUP "$DRIVER_PID"
check "added name resolved at once" "dns/all" "$(wait_for 2 198.51.100.30/32 dns/all)"
check "admit follows the config" "dns/sip" "$(wait_for 2 203.0.113.8/32 dns/sip)"
check "removed name left the static entry alone" "static/media" "$(trunk 198.51.100.20/32)"

# ---- stop leaves the entries; a restart cleans up a dropped name's ----
kill -TERM "$DRIVER_PID"
rc=0; timeout 5 tail --pid="$DRIVER_PID" -f /dev/null || rc=$?
wait "$DRIVER_PID" 2>/dev/null || true
DRIVER_PID=""
check "stop returns promptly" 0 "$rc"
check "stop leaves the entries" "dns/sip dns/all" \
	"$(trunk 203.0.113.8/32) $(trunk 198.51.100.30/32)"
cat >"$TMP/voipfw.conf" <<EOF
[trunks]
dns = trunk.test.example
[timeouts]
registration_grace = $GRACE
EOF
start_driver
check "restart: configured name refreshed" "dns/all" "$(trunk 203.0.113.8/32)"
check "restart: earlier run's entry of a dropped name deleted" "none" "$(trunk 198.51.100.30/32)"

# ---- the server dies: keep until expiry, then drop ----
stop_dnsmasq
sleep $((TTL + 1))
check "failed lookups keep the address past its ttl" "dns/all" "$(trunk 203.0.113.8/32)"
check "failure warned" 1 "$(( $(log_has "trunk dns trunk.test.example: lookup failed") >= 1 ? 1 : 0 ))"
check "address dropped once expired" "none" "$(wait_for $((GRACE + 2)) 203.0.113.8/32 none)"
check "expiry logged" 1 "$(log_has "trunk dns trunk.test.example -/-> 203.0.113.8 (expired")"
check "static trunks survived everything" "static/all static/media" \
	"$(trunk 203.0.113.9/32) $(trunk 198.51.100.20/32)"
check "driver still running" 0 "$(kill -0 "$DRIVER_PID"; echo $?)"

if [ "$failed" -ne 0 ]; then
	echo "--- driver log"; cat "$TMP/driver.log"
	echo "--- dnsmasq log"; tail -30 "$TMP/dnsmasq.log" 2>/dev/null || true
fi
echo "dns: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
