#!/usr/bin/env bash
# Trunks configured by DNS name, through the daemon: `voipfw run` attached
# to the router's interface resolves its "[trunks] dns =" names against a
# real dnsmasq whose answers (5 s TTL, the lowest dns_min_ttl allowed)
# change. The pinned trunks map, and with it the XDP verdict, must follow
# the answers within the TTL, leave trunks of other origins alone, and keep
# the last addresses while the server is silent or dead, until they expire.
#
#   rtr ns: eth0 203.0.113.1, 2001:db8::1; voipfw run, whose resolv.conf
#           (bind-mounted in its own mount namespace) lists 203.0.113.1
#           (nothing listens: refused, the resolver must move on) and
#           2001:db8::53
#   dns ns: dnsmasq on 203.0.113.53, 2001:db8::53; it also holds the trunk
#           addresses the names resolve to, to send SIP from them
set -euo pipefail
source "$(dirname "$0")/lib.sh"

DNSMASQ=${DNSMASQ:-/usr/sbin/dnsmasq}
TTL=5       # dnsmasq's TTL; dns_min_ttl cannot go lower (VFW_CONFIG_DNS_TTL_MIN)
# An address lives TTL + GRACE after its last answer. A silent server costs
# a round of 2 x 2 s query timeouts, then a retry after TTL: GRACE > 4 + TTL
# lets the recovery land before the expiry (see "the server goes silent").
GRACE=12
DNSMASQ_PID="" DAEMON_PID=""

net_init vfdns
# our own copy: the daemon is started twice, and a `make` elsewhere must not
# swap the binary under us in between
cp "$VOIPFW" "$TMP/voipfw"
VOIPFW=$TMP/voipfw
DLOG="$TMP/daemon.log"
: >"$DLOG"
echo 0 >"$TMP/our_drops"   # drops of our own SIP datagrams (sip_verdict)
# dnsmasq may be stopped (SIGSTOP) when the test ends early: let it take
# the TERM that net_cleanup's kill of its `timeout` parent forwards.
trap '[ -n "$DNSMASQ_PID" ] && kill -CONT "$DNSMASQ_PID" 2>/dev/null; net_cleanup' EXIT

host rtr 203.0.113.1 2001:db8::1
host dns 203.0.113.53 2001:db8::53 203.0.113.7 203.0.113.8 2001:db8::7 2001:db8::8

# The built-in protected ports (SIP 5060, media 10000-20000): the
# resolver must send its queries from ports outside them, or the XDP
# program would drop the answers as from no trunk (the last check counts
# every answer the firewall dropped).
PORTS=""

write_config() {  # write_config ["NAME [ADMIT]" ...]: the dns = lines
	local name
	{
		printf '[general]\ninterface = eth0\n%s\n[trunks]\n' "$PORTS"
		printf 'static = 198.51.100.40/32 sip\n'   # a config trunk
		for name in "$@"; do printf 'dns = %s\n' "$name"; done
		printf 'dns_min_ttl = %s\ndns_max_ttl = 60\n' "$TTL"
		printf '[timeouts]\nregistration_grace = %s\n' "$GRACE"
	} >"$TMP/voipfw.conf"
}

# trunk PREFIX: "origin/admit" of that exact entry, or "none"
# (plain output and awk: polled, so it must be quick)
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

expires_in() {  # expires_in PREFIX: seconds left of that trunk entry
	fw -j trunk list | python3 -c 'import json,sys; print(next((t["expires_in"] for t in json.load(sys.stdin) if t["prefix"]==sys.argv[1]), -1))' "$1"
}

log_has() { grep -cF -- "$1" "$DLOG" || true; }

# wait_log SECONDS TEXT: polls the daemon log; prints how often TEXT is in it
wait_log() {
	for _ in $(seq $(( $1 * 10 ))); do
		[ "$(log_has "$2")" -gt 0 ] && break
		sleep 0.1
	done
	log_has "$2"
}

verdict_counts() {  # "PASS_TRUNK DROPS": packets so far (awk: polled)
	fw stats | awk '$1 == "pass-trunk" { p = $3 } $2 == "drop" { d += $3 }
		END { print p + 0, d + 0 }'
}

# sip_verdict SRC: sends 3 datagrams from SRC (on the dns host) to the
# router's SIP port and prints what the XDP program did with them: "trunk"
# (all passed as from a trunk), "dropped" (all dropped) or the counts.
sip_verdict() {
	local dst=203.0.113.1 p0 d0 p d
	case $1 in *:*) dst=2001:db8::1 ;; esac
	read -r p0 d0 < <(verdict_counts)
	in_ns dns $TOOL send "$dst" 5060 3 --src "$1"
	for _ in $(seq 20); do
		read -r p d < <(verdict_counts)
		[ $(( p - p0 + d - d0 )) -ge 3 ] && break
		sleep 0.05
	done
	# a file: we run in a command substitution's subshell
	echo $(( $(cat "$TMP/our_drops") + d - d0 )) >"$TMP/our_drops"
	if [ $(( p - p0 )) -eq 3 ] && [ "$d" -eq "$d0" ]; then echo trunk
	elif [ $(( d - d0 )) -eq 3 ] && [ "$p" -eq "$p0" ]; then echo dropped
	else echo "trunk $(( p - p0 )) dropped $(( d - d0 ))"
	fi
}

start_dnsmasq() {
	bg_in dns timeout 300 "$DNSMASQ" --keep-in-foreground --conf-file=/dev/null \
		--no-resolv --no-hosts --addn-hosts="$TMP/hosts" --local-ttl=$TTL \
		--local=/test.example/ \
		--listen-address=203.0.113.53 --listen-address=2001:db8::53 \
		--bind-interfaces --port=53 --user=root --group=root \
		--pid-file="$TMP/dnsmasq.pid" \
		--log-queries --log-facility="$TMP/dnsmasq.log"
	for _ in $(seq 50); do
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
	kill -TERM "$pid" 2>/dev/null || true
	kill -CONT "$pid" 2>/dev/null || true
	timeout 5 tail --pid="$pid" -f /dev/null || true
}

start_daemon() {
	local runs
	runs=$(log_has "running on")
	# A mount namespace of its own gives the daemon our resolv.conf without
	# touching the host's (unshare's default propagation is private).
	# nsenter, not ip netns exec, which would remount /sys and hide the
	# pins. unshare, sh and nsenter all exec: $! is the daemon itself.
	unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf &&
		exec nsenter --net="$2" "$3" --pin-dir "$4" run --config "$5"' \
		sh "$TMP/resolv.conf" "/run/netns/$P-rtr" "$VOIPFW" "$PIN" \
		"$TMP/voipfw.conf" >>"$DLOG" 2>&1 &
	DAEMON_PID=$!
	BG_PIDS+=("$DAEMON_PID")
	for _ in $(seq 100); do
		[ "$(log_has "running on")" -gt "$runs" ] && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "daemon did not start:"; cat "$DLOG"; return 1
}

# stop_daemon: SIGTERM; STOP_RC is timeout's status (0: gone within 5 s).
# Not in a command substitution: it must reap its child and edit BG_PIDS.
stop_daemon() {
	local pid=$DAEMON_PID keep=() p
	STOP_RC=0
	kill -TERM "$pid"
	timeout 5 tail --pid="$pid" -f /dev/null || STOP_RC=$?
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	# reaped: its PID may be reused, so the cleanup must not kill it
	for p in "${BG_PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
	BG_PIDS=("${keep[@]}")
	DAEMON_PID=""
}

hosts() { printf '%s\n' "$@" >"$TMP/hosts"; }

# ---- setup ----
printf 'search test.example\nnameserver 203.0.113.1\nnameserver 2001:db8::53\n' \
	>"$TMP/resolv.conf"
hosts "203.0.113.7 trunk.test.example" "2001:db8::7 trunk.test.example" \
	"198.51.100.20 other.test.example" "198.51.100.40 other.test.example" \
	"198.51.100.30 new.test.example"
start_dnsmasq
write_config
start_daemon
fw trunk add 203.0.113.9/32                  # unrelated static trunk
fw trunk add 198.51.100.20/32 --admit media  # equal to a DNS answer: stays static
check "no names: SIP from the trunk's address is dropped" dropped "$(sip_verdict 203.0.113.7)"

# ---- the first names arrive by a reload: the daemon starts its resolver ----
write_config "trunk.test.example" "other.test.example sip"
reload_daemon
check "A record is a dns trunk" "dns/all" "$(wait_for 3 203.0.113.7/32 dns/all)"
check "AAAA record is a dns trunk" "dns/all" "$(wait_for 1 2001:db8::7/128 dns/all)"
check "logged with its ttl" 1 "$(log_has "trunk dns trunk.test.example -> 203.0.113.7 (ttl ${TTL}s)")"
check "equal static key not taken over" "static/media" "$(trunk 198.51.100.20/32)"
check "equal config key not taken over" "config/sip" "$(trunk 198.51.100.40/32)"
check "conflicts logged" "1 1" \
	"$(log_has "trunk dns other.test.example -> 198.51.100.20: already a static trunk") $(log_has "trunk dns other.test.example -> 198.51.100.40: already a config trunk")"
check "unrelated static trunk untouched" "static/all" "$(trunk 203.0.113.9/32)"
expires=$(expires_in 203.0.113.7/32)
# refreshed every TTL s: between GRACE and TTL + GRACE left (whole seconds)
check "expiry is ttl + grace ($expires s)" 1 "$(( expires <= TTL + GRACE && expires >= GRACE - 1 ? 1 : 0 ))"
check "SIP from the A address passes as from a trunk" trunk "$(sip_verdict 203.0.113.7)"
check "SIP from the AAAA address passes as from a trunk" trunk "$(sip_verdict 2001:db8::7)"

# ---- the answer changes, both families ----
hosts "203.0.113.8 trunk.test.example" "2001:db8::8 trunk.test.example" \
	"198.51.100.20 other.test.example" "198.51.100.40 other.test.example" \
	"198.51.100.30 new.test.example"
kill -HUP "$DNSMASQ_PID"
t0=$(date +%s%N)
while :; do   # all at once: one answer replaces the set
	state="$(trunk 203.0.113.8/32) $(trunk 2001:db8::8/128) $(trunk 203.0.113.7/32) $(trunk 2001:db8::7/128)"
	took=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ "$state" = "dns/all dns/all none none" ] || [ $took -gt $(( (TTL + 3) * 1000 )) ] && break
	sleep 0.05
done
check "new A and AAAA in, old ones out" "dns/all dns/all none none" "$state"
check "change took at most ttl + 1 s (${took} ms)" 1 "$(( took <= (TTL + 1) * 1000 ? 1 : 0 ))"
check "removals logged" "1 1" \
	"$(log_has "trunk dns trunk.test.example -/-> 203.0.113.7 (no longer in the answer)") $(log_has "trunk dns trunk.test.example -/-> 2001:db8::7 (no longer in the answer)")"
check "static and config trunks still untouched" "static/all static/media config/sip" \
	"$(trunk 203.0.113.9/32) $(trunk 198.51.100.20/32) $(trunk 198.51.100.40/32)"
check "the firewall follows: old addresses dropped" "dropped dropped" \
	"$(sip_verdict 203.0.113.7) $(sip_verdict 2001:db8::7)"
check "the firewall follows: new addresses pass" "trunk trunk" \
	"$(sip_verdict 203.0.113.8) $(sip_verdict 2001:db8::8)"

# ---- reload: admit changes, a name leaves, a name arrives ----
write_config "trunk.test.example sip" "new.test.example"
reload_daemon
check "added name resolved at once" "dns/all" "$(wait_for 2 198.51.100.30/32 dns/all)"
check "admit follows the config" "dns/sip dns/sip" \
	"$(wait_for 2 203.0.113.8/32 dns/sip) $(trunk 2001:db8::8/128)"
check "removed name left the static and config entries alone" "static/media config/sip" \
	"$(trunk 198.51.100.20/32) $(trunk 198.51.100.40/32)"

# ---- stop leaves the entries; a restart cleans up a dropped name's ----
stop_daemon
check "stop returns promptly" 0 "$STOP_RC"
check "stop leaves the entries" "dns/sip dns/all" \
	"$(trunk 203.0.113.8/32) $(trunk 198.51.100.30/32)"
write_config "trunk.test.example"
start_daemon
check "restart: configured name refreshed" "dns/all dns/all" \
	"$(trunk 203.0.113.8/32) $(trunk 2001:db8::8/128)"
check "restart: earlier run's entry of a dropped name deleted" "none" "$(trunk 198.51.100.30/32)"

# ---- the server goes silent: keep the addresses, recover when it answers ----
kill -STOP "$DNSMASQ_PID"
# a round of timeouts ends at most TTL + 4 s from now, at least TTL + 4 s
# after the last answer
check "unanswered lookups warned" 1 \
	"$(( $(wait_log $((TTL + 6)) "trunk dns trunk.test.example: lookup failed (timeout)") >= 1 ? 1 : 0 ))"
check "a silent server: addresses kept past their ttl" "dns/all dns/all" \
	"$(trunk 203.0.113.8/32) $(trunk 2001:db8::8/128)"
kill -CONT "$DNSMASQ_PID"
# the next lookup is TTL s after the failed one; then TTL + GRACE are left
end=$(( $(date +%s) + TTL + 3 ))
while :; do
	expires=$(expires_in 203.0.113.8/32)
	[ "$expires" -ge $(( TTL + GRACE - 2 )) ] || [ "$(date +%s)" -ge "$end" ] && break
	sleep 0.2
done
check "the server answers again: expiry renewed ($expires s)" 1 \
	"$(( expires >= TTL + GRACE - 2 ? 1 : 0 ))"
check "and nothing was lost meanwhile" "dns/all dns/all" \
	"$(trunk 203.0.113.8/32) $(trunk 2001:db8::8/128)"

# ---- the server dies: keep until expiry, then drop ----
stop_dnsmasq
sleep $((TTL + 2))
check "a dead server: addresses kept past their ttl" "dns/all dns/all" \
	"$(trunk 203.0.113.8/32) $(trunk 2001:db8::8/128)"
check "failure warned" 1 "$(( $(log_has "trunk dns trunk.test.example: lookup failed (Connection refused)") >= 1 ? 1 : 0 ))"
check "addresses dropped once expired" "none none" \
	"$(wait_for $((GRACE + 2)) 203.0.113.8/32 none) $(wait_for 1 2001:db8::8/128 none)"
check "expiry logged" "1 1" \
	"$(log_has "trunk dns trunk.test.example -/-> 203.0.113.8 (expired") $(log_has "trunk dns trunk.test.example -/-> 2001:db8::8 (expired")"
check "the firewall follows: expired address dropped" dropped "$(sip_verdict 203.0.113.8)"
check "static and config trunks survived everything" "static/all static/media config/sip" \
	"$(trunk 203.0.113.9/32) $(trunk 198.51.100.20/32) $(trunk 198.51.100.40/32)"
check "daemon still running" 0 "$(kill -0 "$DAEMON_PID"; echo $?)"
read -r _ drops < <(verdict_counts)
check "the firewall dropped none of the resolver's answers" 0 $(( drops - $(cat "$TMP/our_drops") ))

if [ "$failed" -ne 0 ]; then
	echo "--- daemon log"; cat "$DLOG"
	echo "--- dnsmasq log"; tail -30 "$TMP/dnsmasq.log" 2>/dev/null || true
fi
net_summary dns
