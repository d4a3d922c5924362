#!/usr/bin/env bash
# The voipfw demo (sudo make demo): the e2e topology of tests/e2e (a router
# with NAT, a PBX behind it, the provider's Kamailio and SIPp on the internet
# side, a SIPVicious scanner), "voipfw run" on the router's WAN, then:
#   1. the PBX registers -> voipfw learns the provider's server as a trunk
#   2. the provider calls the PBX -> voipfw opens the call's media pinholes,
#      audio passes both ways, the pinholes close with the BYE
#   3. a scanner sweeps the same ports -> finds nothing, nothing arrives
# and prints what voipfw shows (status, stats, trunks, pinholes).
# Everything runs in network namespaces on documentation addresses and is
# removed at the end. Exit status 0 only if the call and the blocking worked.
set -u
cd "$(dirname "$0")/.." || exit 1
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (sudo make demo)" >&2
	exit 1
fi
if [ -z "${E2E_UNDER_TIMEOUT:-}" ]; then
	export E2E_UNDER_TIMEOUT=1
	exec timeout --foreground -k 10 110 bash "$0" "$@"
fi

export E2E_AUTO_SUMMARY=0
# shellcheck source=tests/e2e/lib.sh
source tests/e2e/lib.sh
# shellcheck source=tests/e2e/lib_daemon.sh
source tests/e2e/lib_daemon.sh
VOIPFW=${VOIPFW:-$PWD/build/voipfw}
fw_available || { echo "demo: $VOIPFW not built (make)" >&2; exit 1; }

# The library's progress lines go to a file; problems are shown at the end.
# shellcheck disable=SC2317  # (e2e_log and e2e_die are called by the library)
DEMO_LOG=/dev/null
e2e_log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >>"$DEMO_LOG"; }
e2e_die() { printf 'demo: %s\n' "$*" >&2; show_log; exit 1; }
show_log() {
	[ -s "${FWD_LOG:-}" ] && { echo "--- voipfw run log"; tail -n 30 "$FWD_LOG"; } >&2
	[ -s "$DEMO_LOG" ] && { echo "--- demo log"; tail -n 30 "$DEMO_LOG"; } >&2
}

e2e_init
DEMO_LOG=$E2E_TMP/demo.log
t0=$SECONDS
ok=1
section() { printf '\n== %s\n\n' "$*"; }
say()  { printf '   %s\n' "$*"; }
good() { printf '   [ok]   %s\n' "$*"; }
bad()  { printf '   [FAIL] %s\n' "$*"; ok=0; }
indent() { sed 's/^/     /'; }

section "Setting up"
say "internet: provider $ISP_PROXY_IP (Kamailio), caller $ISP_CALLER_IP (SIPp), scanner $SCANNER_IP"
say "router:   WAN $ROUTER_WAN_IP (voipfw), NAT, UDP $SIP_PORT and $RTP_MIN-$RTP_MAX forwarded"
say "LAN:      PBX $PBX_IP (SIPp)"
topo_up
fwd_init
dcounters_up || e2e_die "counters"
kamailio_start 110 || e2e_die "kamailio did not start"
bpffs_ensure || e2e_die "no bpffs"
DCFG=$E2E_TMP/voipfw.conf
fwd_config "$DCFG" reply_ttl=32 registration_grace=60 pinhole_idle=60
fwd_start "$DCFG" || e2e_die "voipfw run did not start"
say "voipfw run is attached to wan0; it knows no trunk and no call yet:"
fw trunk list | indent

section "1. The PBX registers with its provider"
if pbx_register_as reg 600 1; then
	good "REGISTER with digest auth through the NAT: 200 OK"
else
	bad "the registration failed"
fi
sleep 0.3
if [ "$(fw_trunk "$ISP_PROXY_IP/32" origin)" = learned ]; then
	good "voipfw learned the provider's server as a trunk (for the granted time + grace):"
else
	bad "voipfw did not learn the provider's server"
fi
fw trunk list | indent

section "2. The provider calls the PBX (~7 s of G.711 audio each way)"
counters_zero
pbx_any_start call-pbx 4 40 || e2e_die "pbx did not start"
call_in_start call
sleep 2
say "during the call voipfw has opened the media ports to the caller's address only:"
fw pinhole list | indent
call_ok=1
sipp_wait call || call_ok=0
ns_stop call-pbx
sleep 0.3
in_sent=$(counter_get "$NS_ISP" rtp_out_caller); in_recv=$(counter_get "$NS_PBX" rtp_in_caller)
out_sent=$(dcount "$NS_PBX" rtp_out_caller); out_recv=$(counter_get "$NS_ISP" rtp_in_caller)
say "$(printf 'audio caller -> PBX: %4s RTP packets sent, %4s received' "$in_sent" "$in_recv")"
say "$(printf 'audio PBX -> caller: %4s RTP packets sent, %4s received' "$out_sent" "$out_recv")"
if [ "$call_ok" = 1 ] && [ "${in_sent:-0}" -ge 200 ] && [ "$in_sent" = "$in_recv" ] &&
   [ "${out_sent:-0}" -ge 200 ] && [ "$out_sent" = "$out_recv" ]; then
	good "the call completed and no audio packet was lost"
else
	bad "the call failed or lost audio"
fi
if wait_for 3 0 fw_call_pinholes "$ISP_CALLER_IP" >/dev/null; then
	good "after the BYE the call's pinholes are closed again"
else
	bad "the call's pinholes are still open after the BYE"
fi

section "3. A scanner sweeps the router's public address"
counters_zero
pbx_responder_start 40 || e2e_die "pbx responder did not start"
say "(the PBX now answers OPTIONS and REGISTER, as a real one would)"
ns_start svmap "$NS_SCAN" 25 svmap -x "$SCANNER_IP" -b "$SCANNER_IP" -P 5062 -p "$SIP_PORT" "$ROUTER_WAN_IP"
ns_start svwar "$NS_SCAN" 25 svwar -x "$SCANNER_IP" -b "$SCANNER_IP" -P 5063 -p "$SIP_PORT" -e 990-1010 "$ROUTER_WAN_IP"
scanner_floods >/dev/null 2>&1
udp_tool "$NS_SCAN" rtp "$ROUTER_WAN_IP" "$RTP_MIN-$RTP_MAX" --count 300 --rate 500 >/dev/null
ns_wait svmap; ns_wait svwar
ns_stop rsp
sleep 0.3
if grep -q "$ROUTER_WAN_IP:$SIP_PORT" "$(ns_log svmap)"; then
	bad "svmap found a SIP device at $ROUTER_WAN_IP:$SIP_PORT"
else
	good "svmap (SIPVicious) found no SIP device at $ROUTER_WAN_IP"
fi
if grep -Eq "^\| *$PBX_USER +\|" "$(ns_log svwar)"; then
	bad "svwar enumerated extension $PBX_USER"
else
	good "svwar (SIPVicious) found no extension"
fi
sent=$(( $(counter_get "$NS_SCAN" sip_out) + $(counter_get "$NS_SCAN" rtp_out) ))
arrived=$(( $(counter_get "$NS_PBX" sip_in_scanner) + $(counter_get "$NS_PBX" rtp_in_scanner) ))
answers=$(dcount "$NS_SCAN" answers)
say "scanner: $sent packets sent (svmap, svwar, SIPp OPTIONS/INVITE floods, stray RTP),"
say "         $arrived reached the PBX, $answers answers came back"
if [ "$sent" -ge 450 ] && [ "$arrived" = 0 ] && [ "$answers" = 0 ]; then
	good "every scanner packet was dropped on the router's WAN"
else
	bad "scanner packets got through"
fi

section "What voipfw shows: voipfw status"
fw status | indent
section "voipfw stats (packets per verdict)"
fw stats | awk 'NR == 1 || $3 > 0' | indent
section "voipfw trunk list"
fw trunk list | indent
section "voipfw pinhole list (the call is over; left: the short-lived reply pinhole of the PBX's last request)"
fw pinhole list | indent

section "Result"
if [ "$ok" = 1 ]; then
	say "PASS: audio passed both ways, the scanner got nothing ($((SECONDS - t0)) s)"
	exit 0
fi
say "FAIL: see above"
show_log
exit 1
