#!/usr/bin/env bash
# The advertised-address warning (issue 12) with real packets through the
# real XDP program: our SDP advertises a LAN address (192.168.77.10) while
# the registrar sees us as 203.0.113.1 -- a suspicion, not a failure, since
# a NAT-fixing proxy with a media relay makes such calls work. The daemon
# warns only when the far end's RTP did not reach the call's pinholes
# within 5 s of the answer (the kernel's packet counters say so).
#
#   isp ns: registrar + caller (203.0.113.10), its media relay (203.0.113.20)
#   rtr ns: wan0 203.0.113.1, voipfw run, the SIP UA and an RTP listener
#
#   1 the far end's RTP arrives (as through a relay): no warning
#   2 the far end sends no RTP (media failed): exactly one warning, naming
#     the evidence and both addresses
set -euo pipefail
source "$(dirname "$0")/lib.sh"

net_init vfwn
host isp 203.0.113.10 203.0.113.20 2001:db8::10
IFNAME=wan0 host rtr 203.0.113.1 2001:db8::1
bg_in rtr timeout 120 $TOOL listen "$STATE" 10000
cat >"$TMP/voipfw.conf" <<CONF
[general]
interface = wan0
[log]
level = debug
CONF
LAN=192.168.77.10
WARNING="no RTP from the far end reached port 10000 within 5 s of the answer; our SDP advertises $LAN but the registrar sees us as 203.0.113.1"

start_daemon
bg_in isp timeout 60 $SIPPEER registrar 203.0.113.10 --expires 120 --max-seconds 60
sleep 0.5
check "registration through the firewall" "registered 120" \
	"$(in_ns rtr $SIPPEER register 203.0.113.1 203.0.113.10 --expires 120)"
check "no warning at registration (our Contact is the public address)" 0 \
	"$(grep -c 'warning' "$DLOG" || true)"

# call_once NAME CALLER_ARGS...: one inbound call to the PBX, whose SDP
# advertises $LAN; prints "RTP_SENT RTP_ARRIVED" (at the PBX's port 10000).
call_once() {
	local name=$1 before sent; shift
	bg_in rtr timeout 30 $SIPPEER callee 203.0.113.1 10000 --sdp-addr "$LAN" \
		--max-seconds 30 >"$TMP/$name-callee.out"
	sleep 0.3
	before=$(arrived 203.0.113.20 10000)
	in_ns isp timeout 40 $SIPPEER caller 203.0.113.10 203.0.113.1 203.0.113.20 \
		"$@" --bye >"$TMP/$name-caller.out" || true
	sleep 0.3
	sent=$(sed -n 's/^rtp-sent \([0-9]*\) .*/\1/p' "$TMP/$name-caller.out")
	echo "${sent:-none} $(( $(arrived 203.0.113.20 10000) - before ))"
}

# 1. As through a media relay: the far end's RTP arrives for 7 s, i.e.
#    past the 5 s check.
read -r sent1 got1 <<<"$(call_once relay 50 --duration 7)"
echo "  call 1 (relay): far end sent $sent1 RTP, $got1 arrived at the PBX port 10000"
check "call 1: BYE answered" bye-ok "$(tail -1 "$TMP/relay-caller.out")"
check "call 1: the far end's RTP arrived" yes \
	"$([ "${got1:-0}" -gt 300 ] && [ "$got1" = "$sent1" ] && echo yes || echo "no ($got1 of $sent1)")"
check "call 1: the daemon checked and found its media" 1 \
	"$(grep -cE 'media check: call [0-9a-f]+: [1-9][0-9]* packets' "$DLOG" || true)"
{ grep 'media check' "$DLOG" || true; } | sed 's/^/  daemon: /'
check "call 1: no advertised-address warning" 0 "$(grep -c 'advertises' "$DLOG" || true)"

# 2. Media fails: the far end sends nothing for 7 s after the answer.
read -r sent2 got2 <<<"$(call_once silent 0 --duration 7 --no-rtp)"
echo "  call 2 (no media): far end sent $sent2 RTP, $got2 arrived at the PBX port 10000"
check "call 2: BYE answered" bye-ok "$(tail -1 "$TMP/silent-caller.out")"
check "call 2: no RTP arrived" "0 0" "$sent2 $got2"
check "call 2: the daemon checked and found no media" 1 \
	"$(grep -cE 'media check: call [0-9a-f]+: 0 packets' "$DLOG" || true)"
{ grep 'media check' "$DLOG" || true; } | tail -1 | sed 's/^/  daemon: /'
check "call 2: exactly one advertised-address warning" 1 "$(grep -c 'advertises' "$DLOG" || true)"
check "call 2: the warning names the evidence and both addresses" 1 \
	"$(grep -cF "$WARNING" "$DLOG" || true)"
{ grep 'advertises' "$DLOG" || true; } | sed 's/^/  daemon: /'

echo "daemon log (without libbpf):"; grep -v "libbpf:" "$DLOG" | sed "s/^/  /"
net_summary nat_warning
