#!/usr/bin/env bash
# Issue 11: our VoIP system registers with the very address a DNS-named
# trunk resolves to (a DNS trunk plus the PBX registering to the same host
# is the common setup), and the registration then ends (Expires: 0) or is
# refused (403). The address must stay a DNS trunk throughout: the
# registration may neither take the entry over nor delete it, or SIP from
# the provider is dropped until the resolver's next pass (here the
# record's TTL, 300 s; up to dns_max_ttl in the field).
#
#   rtr ns: eth0 203.0.113.1 (a UDP listener on 5060 counts what the XDP
#           program let through) and 203.0.113.2 (the VoIP system: its
#           REGISTERs leave from 203.0.113.2:5060); voipfw run, whose
#           resolv.conf (bind-mounted in its own mount namespace) lists
#           203.0.113.53
#   dns ns: dnsmasq on 203.0.113.53; 203.0.113.7, trunk.test.example: the
#           registrar, and the source of the SIP datagrams counted;
#           203.0.113.8, later.test.example, a registrar first learned and
#           then named in the config (the DNS entry takes over)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

DNSMASQ=${DNSMASQ:-/usr/sbin/dnsmasq}
TTL=300     # the resolver sleeps this long between passes
TRUNK=203.0.113.7
CALLID="reg-prec-$$@test"
DNSMASQ_PID="" DAEMON_PID=""

net_init vfprec
cp "$VOIPFW" "$TMP/voipfw"   # a `make` elsewhere must not swap it under us
VOIPFW=$TMP/voipfw
: >"$DLOG"

host rtr 203.0.113.1 203.0.113.2 2001:db8::1
host dns 203.0.113.53 $TRUNK 203.0.113.8 2001:db8::53
bg_in rtr timeout 120 $TOOL listen "$STATE" 5060

printf 'nameserver 203.0.113.53\n' >"$TMP/resolv.conf"
printf '%s trunk.test.example\n203.0.113.8 later.test.example\n' $TRUNK >"$TMP/hosts"
write_config() {  # write_config NAME...: the dns = lines
	{
		printf '[general]\ninterface = eth0\n[trunks]\n'
		printf 'dns = %s\n' "$@"
		printf 'dns_min_ttl = 5\ndns_max_ttl = 3600\n'
	} >"$TMP/voipfw.conf"
}
write_config trunk.test.example

log_has() { grep -cF -- "$1" "$DLOG" || true; }

wait_log() {  # wait_log SECONDS TEXT COUNT: until TEXT is logged COUNT times
	for _ in $(seq $(( $1 * 10 ))); do
		[ "$(log_has "$2")" -ge "$3" ] && break
		sleep 0.1
	done
	log_has "$2"
}

start_dnsmasq() {
	bg_in dns timeout 120 "$DNSMASQ" --keep-in-foreground --conf-file=/dev/null \
		--no-resolv --no-hosts --addn-hosts="$TMP/hosts" --local-ttl=$TTL \
		--local=/test.example/ --listen-address=203.0.113.53 \
		--bind-interfaces --port=53 --user=root --group=root \
		--pid-file="$TMP/dnsmasq.pid" --log-facility="$TMP/dnsmasq.log"
	for _ in $(seq 50); do
		in_ns dns ss -lnu | grep -q '203.0.113.53:53' && return 0
		sleep 0.1
	done
	echo "dnsmasq did not come up"; return 1
}

# As in test_dns_trunks.sh: our resolv.conf, in a mount namespace of its
# own; unshare, sh and nsenter all exec, so $! is the daemon.
start_daemon() {
	unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf &&
		exec nsenter --net="$2" "$3" --pin-dir "$4" run --config "$5"' \
		sh "$TMP/resolv.conf" "/run/netns/$P-rtr" "$VOIPFW" "$PIN" \
		"$TMP/voipfw.conf" >>"$DLOG" 2>&1 &
	DAEMON_PID=$!
	BG_PIDS+=("$DAEMON_PID")
	for _ in $(seq 200); do
		[ "$(log_has "running on")" -gt 0 ] && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "daemon did not start:"; cat "$DLOG"; return 1
}

# registrar ADDR [ARGS...]: (re)starts the one registrar, on ADDR; ours,
# so killed by its PID
registrar() {
	local addr=$1; shift
	if [ -n "${REG_PID:-}" ]; then
		kill "$REG_PID" 2>/dev/null || true
		wait "$REG_PID" 2>/dev/null || true
	fi
	bg_in dns timeout 60 $SIPPEER registrar "$addr" --max-seconds 50 "$@"
	REG_PID=${BG_PIDS[-1]}
	for _ in $(seq 30); do
		in_ns dns ss -lnu | grep -q "$addr:5060" && return 0
		sleep 0.1
	done
	echo "registrar did not come up"; return 1
}

# register EXPIRES [ADDR]: our system (re)registers, same Call-ID per ADDR
register() {
	local addr=${2:-$TRUNK}
	in_ns rtr $SIPPEER register 203.0.113.2 "$addr" --expires "$1" --call-id "$addr-$CALLID"
}

sip_passes() {  # sip_passes [ADDR]: how many of N datagrams reach 5060
	delivered dns "${1:-$TRUNK}" 203.0.113.1 5060
}

wait_origin() {  # wait_origin SECONDS ADDR ORIGIN: polls; prints the last seen
	local got
	for _ in $(seq $(( $1 * 10 ))); do
		got=$(trunk_origin "$2")
		[ "$got" = "$3" ] && break
		sleep 0.1
	done
	echo "$got"
}

start_dnsmasq
start_daemon
check "the name is a dns trunk" dns "$(trunk_origin $TRUNK)"
check "SIP from it passes (of $N)" "$N" "$(sip_passes)"

# ---- our system registers with the trunk's address ----
registrar $TRUNK --expires 120
check "registered" "registered 120" "$(register 120)"
check "the daemon saw the registration" 1 \
	"$(wait_log 3 "trunk_learn $TRUNK" 1)"
check "a registration does not take over the dns trunk" dns "$(trunk_origin $TRUNK)"
check "SIP still passes after the registration (of $N)" "$N" "$(sip_passes)"

# ---- the registration ends: Expires: 0 ----
check "unregistered" "registered 0" "$(register 0)"
check "the daemon saw it end" 1 "$(wait_log 3 "trunk_expire $TRUNK (unregistered)" 1)"
check "unregistering leaves the dns trunk" dns "$(trunk_origin $TRUNK)"
check "SIP still passes after Expires: 0 (of $N)" "$N" "$(sip_passes)"

# ---- registered again, then the registrar refuses the refresh: 403 ----
check "registered again" "registered 120" "$(register 120)"
wait_log 3 "trunk_learn $TRUNK" 2 >/dev/null
registrar $TRUNK --fail 403
check "the refresh is refused" failed "$(register 120)"
check "the daemon saw the refusal" 1 \
	"$(wait_log 3 "trunk_expire $TRUNK (registration rejected)" 1)"
check "a refused registration leaves the dns trunk" dns "$(trunk_origin $TRUNK)"
check "SIP still passes after the 403 (of $N)" "$N" "$(sip_passes)"
check "its expiry is still the resolver's (ttl $TTL s)" 1 \
	"$(fw -j trunk list | python3 -c 'import json,sys; t=next((t for t in json.load(sys.stdin) if t["prefix"].startswith(sys.argv[1]+"/")), None); print(1 if t and t["admit"]=="all" and t["expires_in"] > 200 else 0)' $TRUNK)"

# ---- the other order: a learned registrar is then named in the config ----
registrar 203.0.113.8 --expires 120
check "a registrar of no name" "registered 120" "$(register 120 203.0.113.8)"
check "is learned" learned "$(wait_origin 3 203.0.113.8 learned)"
write_config trunk.test.example later.test.example
reload_daemon
check "its name in the config: the dns entry takes over" dns \
	"$(wait_origin 5 203.0.113.8 dns)"
check "unregistered" "registered 0" "$(register 0 203.0.113.8)"
check "the daemon saw it end" 1 "$(wait_log 3 "trunk_expire 203.0.113.8 (unregistered)" 1)"
check "its end leaves the dns entry" dns "$(trunk_origin 203.0.113.8)"
check "SIP from it passes (of $N)" "$N" "$(sip_passes 203.0.113.8)"
check "the first trunk is untouched by the reload" dns "$(trunk_origin $TRUNK)"

# ---- gc still removes the operator's expired --ttl entries ----
fw trunk add 198.51.100.50/32 --ttl 1
check "an operator's --ttl entry" static "$(trunk_origin 198.51.100.50)"
check "is collected once expired" none "$(wait_origin 4 198.51.100.50 none)"
check "daemon still running" 0 "$(kill -0 "$DAEMON_PID"; echo $?)"

[ "$failed" -ne 0 ] && { echo "--- daemon log"; cat "$DLOG"; }
net_summary trunk_precedence
