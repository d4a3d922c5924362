#!/bin/bash
# voipfw e2e with the daemon: "voipfw run" on the router's WAN (native XDP on
# wan0 plus its TC SIP tap), configured only by a config file this test
# writes. No static trunks or pinholes: everything is learned from the real
# SIP traffic (Kamailio registrar/proxy, SIPp PBX behind NAT, SIPp ISP
# caller/callee, SIPVicious and SIPp scanners).
#
# Scenarios (each asserts packet counts from nft counters at the endpoints
# and voipfw's own counters, not only exit codes):
#   1 registration through NAT -> the registrar is a learned trunk with
#     the granted expiry
#   2 inbound and outbound call, RTP both ways, nothing lost (the callee
#     side sends RTP with its 200); call pinholes listed during the call,
#     gone after BYE
#   3 scanner during a live call: svmap/svwar find nothing, floods get no
#     answer, 0 scanner packets at the PBX, the call loses nothing, drops
#     counted by reason
#   4 expiry: a silent far end's pinholes close on idle; a registration not
#     refreshed stops being trusted on time
#   5 crash safety: kill -9 mid-call (media flows, scanners blocked),
#     restart restores the call, BYE closes it; SIGHUP with a changed config
#     mid-call loses nothing
#   6 IPv6 without NAT: registration learned, call with RTP, scanner blocked
#   7 monitor mode: nothing dropped, everything counted under drop-*
#
# Usage: sudo tests/e2e/test_daemon.sh       (root; ~2.5 minutes)
# Env:   E2E_SCENARIOS="1 2 5" runs a subset (1 always runs: it registers);
#        VOIPFW (default build/voipfw), E2E_KEEP_TMP, E2E_VERBOSE, E2E_BUDGET.
# Last line: "e2e: N passed, M failed"; exit status non-zero on any failure.

set -u
E2E_BUDGET=${E2E_BUDGET:-300}
if [ -z "${E2E_UNDER_TIMEOUT:-}" ]; then
	export E2E_UNDER_TIMEOUT=1
	exec timeout --foreground -k 30 "$E2E_BUDGET" bash "$0" "$@"
fi

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=lib_daemon.sh
source "$(dirname "$0")/lib_daemon.sh"
if [ -z "$VOIPFW" ] && [ -x "$E2E_DIR/../../build/voipfw" ]; then
	VOIPFW=$(cd "$E2E_DIR/../.." && pwd)/build/voipfw
fi
if ! fw_available; then
	echo "skip - VOIPFW not set and build/voipfw not built"
	echo "e2e: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
SCENARIOS=${E2E_SCENARIOS:-1 2 3 4 5 6 7}
want() { [[ " $SCENARIOS " == *" $1 "* ]]; }

e2e_init
t_start=$SECONDS
phase() { e2e_log "== $* (t=$((SECONDS - t_start))s)"; }

# Per-scenario record for the closing table: time, checks failed, RTP.
declare -A S_T0=() S_SECS=() S_FAIL0=() S_FAILS=() S_RTP=() S_TITLE=()
S_ORDER=()
S_CUR=
scen_begin() {
	S_CUR=$1; S_TITLE[$1]=$2; S_ORDER+=("$1")
	S_T0[$1]=$SECONDS; S_FAIL0[$1]=$E2E_FAILED; S_RTP[$1]=
	echo "# scenario $1: $2"
	phase "scenario $1: $2"
}
scen_end() {
	S_SECS[$S_CUR]=$((SECONDS - S_T0[$S_CUR]))
	S_FAILS[$S_CUR]=$((E2E_FAILED - S_FAIL0[$S_CUR]))
	echo "# scenario $S_CUR: $((S_FAILS[$S_CUR])) failed, ${S_SECS[$S_CUR]}s"
}
# rtp_note TEXT: RTP counts of the current scenario, for the table.
rtp_note() { S_RTP[$S_CUR]+="${S_RTP[$S_CUR]:+; }$*"; echo "  rtp: $*"; }

# ctr NS NAME: a counter of table vfw_e2e, or of vfw_d as d:NAME.
ctr() {
	case $2 in
	d:*) dcount "$1" "${2#d:}" ;;
	*) counter_get "$1" "$2" ;;
	esac
}
# rtp_check LABEL SENT_NS SENT_CTR RECV_NS RECV_CTR [MIN]: one direction of a
# call: the sender sent >= MIN (200) and the receiver got every packet.
rtp_check() {
	local label=$1 sent recv min=${6:-200}
	sent=$(ctr "$2" "$3"); recv=$(ctr "$4" "$5")
	check_ge "$label: RTP sent" "${sent:-0}" "$min"
	check_eq "$label: RTP received == sent (0 lost)" "${recv:-x}" "${sent:-y}"
	rtp_note "$label $recv/$sent (lost $(( ${sent:-0} - ${recv:-0} )))"
}

# call_pinholes_gone REMOTE: pinholes of REMOTE's call closed (<= 3 s).
call_pinholes_gone() {
	wait_for 3 0 fw_call_pinholes "$1" >/dev/null
}

DCFG=$E2E_TMP/voipfw.conf

# ------------------------------------------------------------------ setup
phase "topology + daemon"
topo_up
fwd_init
dcounters_up || e2e_die "extra counters"
kamailio_start 400 || e2e_die "kamailio did not start"
bpffs_ensure || e2e_die "no bpffs at /sys/fs/bpf"
fwd_config "$DCFG"
check "voipfw run starts on wan0 with the test's config" fwd_start "$DCFG"
check "wan0 has a native XDP program" \
	bash -c "ip -n '$NS_ROUTER' -d link show wan0 | grep -q 'prog/xdp'"
status_has() { fw status | grep -Eq "$1"; }
check "status: wan0 enforcing" status_has 'wan0.*enforcing'
check_eq "no trunks before any SIP" "$(fw -j trunk list | "$E2E_PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')" 0
check_eq "no pinholes before any SIP" "$(fw -j pinhole list | "$E2E_PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')" 0

# -------------------------------------------------------- 1 registration
scen_begin 1 "registration through NAT -> learned trunk"
counters_zero
check "pbx REGISTER (digest auth) through NAT and voipfw" pbx_register_as reg1 600 1
check "kamailio location has sip:$PBX_USER@$ROUTER_WAN_IP:$SIP_PORT" kamailio_has_contact
sleep 0.3
check_eq "trunk list: the registrar is learned" "$(fw_trunk "$ISP_PROXY_IP/32" origin)" learned
exp=$(fw_trunk "$ISP_PROXY_IP/32" expires_in)
# granted 600 s + registration_grace 2 s
check "trunk list: learned expiry is the granted 600 s + 2 s grace ($exp s)" \
	test "$exp" -ge 595 -a "$exp" -le 602
check_eq "the 401 and the 200 came in (reply pinhole, then trunk): pbx got 2 SIP from the proxy" \
	"$(counter_get "$NS_PBX" sip_in_isp)" 2
check "daemon logged the learned trunk" grep -q "trunk_learn $ISP_PROXY_IP" "$FWD_LOG"
fw trunk list | sed 's/^/  /'
scen_end

# --------------------------------------------------------------- 2 calls
if want 2; then
scen_begin 2 "inbound and outbound call, RTP both ways"
counters_zero
pbx_any_start s2-pbx 4 40 || e2e_die "pbx did not start"
call_in_start s2-in
ph=$(wait_for 5 2 fw_call_pinholes "$ISP_CALLER_IP")
check_eq "inbound: call pinholes (RTP+RTCP) from the caller's media address listed" "$ph" 2
check_eq "inbound: RTP pinhole to port $PBX_MEDIA_PORT" "$(fw_call_pinholes "$ISP_CALLER_IP" "$PBX_MEDIA_PORT")" 1
fw pinhole list | sed 's/^/  /'
check "inbound call completes (ISP caller got 200 to BYE)" sipp_wait s2-in
check "inbound: pinholes gone after BYE" call_pinholes_gone "$ISP_CALLER_IP"
ns_stop s2-pbx
sleep 0.2
rtp_check "inbound isp->pbx" "$NS_ISP" rtp_out_caller "$NS_PBX" rtp_in_caller
rtp_check "inbound pbx->isp" "$NS_PBX" d:rtp_out_caller "$NS_ISP" rtp_in_caller

call_out_start s2-out
ph=$(wait_for 5 2 fw_call_pinholes "$ISP_CALLEE_IP")
check_eq "outbound: call pinholes from the callee's media address listed" "$ph" 2
check "outbound call completes (PBX got 200 to BYE)" sipp_wait s2-out
check "outbound: ISP callee completed" sipp_wait s2-out-isp
check "outbound: pinholes gone after BYE" call_pinholes_gone "$ISP_CALLEE_IP"
sleep 0.2
# The SIPp callee starts its early media as it sends the 183, which goes
# through Kamailio: its first packets can reach wan0 before any SDP has
# named their address, and voipfw admits no source by port alone.
sent=$(ctr "$NS_ISP" rtp_out_callee); recv=$(ctr "$NS_PBX" rtp_in_callee)
check_ge "outbound isp->pbx (early media): RTP sent" "${sent:-0}" 200
check_ge "outbound isp->pbx (early media): >= 99% received" "$(( ${recv:-0} * 100 ))" "$(( ${sent:-0} * 99 ))"
rtp_note "outbound isp->pbx (early media) $recv/$sent (lost $(( ${sent:-0} - ${recv:-0} )), before the 183 named the source)"
rtp_check "outbound pbx->isp" "$NS_PBX" d:rtp_out_callee "$NS_ISP" rtp_in_callee
check_eq "drops during the calls: only that early media, nothing else" "$(fw_drops)" \
	"$(( ${sent:-0} - ${recv:-0} ))"
# Behind the router's masquerade the Via of our INVITE comes back with
# received=/rport=; the PBX advertises the public address and audio flows:
# no advertised-address warning (issue 12: only with evidence).
check_eq "no advertised-address warning for calls whose audio flows" \
	"$(grep -c 'advertises' "$FWD_LOG")" 0
scen_end
fi

# since T0: seconds (one decimal) from T0 (date +%s.%N) to now.
since() { awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN { printf "%.1f", a - b }'; }
# between X LO HI: LO <= X <= HI (decimals).
between() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x <= hi) }'; }
# fw_port_range CLASS PROTO PORT: the protected range holding PORT, or none.
fw_port_range() {
	fw -j ports list | "$E2E_PY" -c '
import json, sys
c, p, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
r = next((r for r in json.load(sys.stdin) if r["class"] == c and r["proto"] == p
          and r["first"] <= port <= r["last"]), None)
print("none" if r is None else "%d-%d" % (r["first"], r["last"]))' "$@"
}

# scan_sent: every packet the scanner sent at the router or the PBX.
scan_sent() {
	echo $(( $(counter_get "$NS_SCAN" sip_out) + $(counter_get "$NS_SCAN" rtp_out) +
		$(counter_get "$NS_SCAN" sip_out6) + $(counter_get "$NS_SCAN" rtp_out6) ))
}
# scan_at_pbx: scanner packets that reached the PBX (IPv4 and IPv6).
scan_at_pbx() {
	echo $(( $(counter_get "$NS_PBX" sip_in_scanner) + $(counter_get "$NS_PBX" rtp_in_scanner) +
		$(counter_get "$NS_PBX" sip_in_scanner6) + $(counter_get "$NS_PBX" rtp_in_scanner6) ))
}
# scan_sip_tools_start: svmap and svwar (SIPVicious) in the background.
scan_sip_tools_start() {
	ns_start svmap "$NS_SCAN" 25 svmap -x "$SCANNER_IP" -b "$SCANNER_IP" \
		-P 5062 -p "$SIP_PORT" "$ROUTER_WAN_IP"
	ns_start svwar "$NS_SCAN" 25 svwar -x "$SCANNER_IP" -b "$SCANNER_IP" \
		-P 5063 -p "$SIP_PORT" -e 990-1010 "$ROUTER_WAN_IP"
}
scan_sip_tools_wait() {
	ns_wait svmap; cp "$(ns_log svmap)" "$E2E_TMP/svmap.out"
	ns_wait svwar; cp "$(ns_log svwar)" "$E2E_TMP/svwar.out"
}
svmap_found_nothing() { ! grep -q "$ROUTER_WAN_IP:$SIP_PORT" "$E2E_TMP/svmap.out"; }
svwar_found_nothing() { ! grep -Eq "^\| *$PBX_USER +\|" "$E2E_TMP/svwar.out"; }
# stray_at_call PORTS COUNT: scanner RTP aimed at the live call's ports.
stray_at_call() {
	udp_tool "$NS_SCAN" rtp "$ROUTER_WAN_IP" "$1" --count "$2" --rate 500 >/dev/null
}

# ------------------------------------------------ 3 scanner during a call
if want 3; then
scen_begin 3 "scanner during a live call"
counters_zero
nt0=$(fw_stat drop-no-trust)
pbx_any_start s3-pbx 4 40 || e2e_die "pbx did not start"
call_in_start s3-in
wait_for 5 2 fw_call_pinholes "$ISP_CALLER_IP" >/dev/null
scan_sip_tools_start
check "scanner SIPp OPTIONS/INVITE floods ran" scanner_floods
check "scanner stray RTP (range, IPv6) ran" scanner_stray_rtp
check "scanner stray RTP at the call's own ports ran" stray_at_call "$PBX_MEDIA_PORT-$PBX_RTCP_PORT" 100
scan_sip_tools_wait
check "the call was live through the whole scan" test "$(fw_call_pinholes "$ISP_CALLER_IP")" = 2
check "inbound call completes" sipp_wait s3-in
ns_stop s3-pbx
sleep 0.2
check "svmap finds nothing at $ROUTER_WAN_IP" svmap_found_nothing
check "svwar finds no extension" svwar_found_nothing
check_eq "the scanner got no answer at all (IPv4)" "$(dcount "$NS_SCAN" answers)" 0
check_eq "the scanner got no answer at all (IPv6)" "$(dcount "$NS_SCAN" answers6)" 0
sent=$(scan_sent)
check_ge "scanner sent packets" "$sent" $((SCAN_OPTIONS_COUNT + SCAN_INVITE_COUNT + SCAN_RTP_COUNT + 100))
check_eq "0 scanner packets reached the pbx" "$(scan_at_pbx)" 0
check_eq "voipfw drop-no-trust counted every scanner packet" $(( $(fw_stat drop-no-trust) - nt0 )) "$sent"
rtp_check "call isp->pbx" "$NS_ISP" rtp_out_caller "$NS_PBX" rtp_in_caller
rtp_check "call pbx->isp" "$NS_PBX" d:rtp_out_caller "$NS_ISP" rtp_in_caller
echo "  scanner: $sent packets sent, $(scan_at_pbx) at the pbx"
fw stats | awk 'NR == 1 || ($2 == "drop" && $3 > 0)' | sed 's/^/  /'
scen_end
fi

# ------------------------------------------------------------ 4 expiry
if want 4; then
scen_begin 4 "expiry: silent far end (idle), registration not refreshed"
counters_zero
pbx_any_start s4-pbx 4 40 || e2e_die "pbx did not start"
# the far end answers... and sends only 50 RTP packets of its own, then nothing
call_in_start s4-in 4 17000
wait_for 5 2 fw_call_pinholes "$ISP_CALLER_IP" >/dev/null
udp_tool "$NS_ISP" rtp "$ROUTER_WAN_IP" "$PBX_MEDIA_PORT" --count 50 --rate 50 \
	--bind "$ISP_CALLER_IP" >/dev/null
t_silent=$(date +%s.%N)
check_eq "far end: its 50 RTP packets arrived" "$(counter_get "$NS_PBX" rtp_in_caller)" 50
wait_for 16 0 fw_call_pinholes "$ISP_CALLER_IP" "$PBX_MEDIA_PORT" >/dev/null
idle=$(since "$t_silent")
check "RTP pinhole closed ~10 s (pinhole_idle) after the last packet (${idle}s)" \
	between "$idle" 9.5 12
check_eq "RTCP pinhole (never used) closed too" "$(fw_call_pinholes "$ISP_CALLER_IP")" 0
pe0=$(fw_drops)
udp_tool "$NS_ISP" rtp "$ROUTER_WAN_IP" "$PBX_MEDIA_PORT" --count 20 --rate 100 \
	--bind "$ISP_CALLER_IP" >/dev/null
sleep 0.2
check_eq "far end's late RTP is dropped (pbx still at 50)" "$(counter_get "$NS_PBX" rtp_in_caller)" 50
check_eq "... and counted as drops" $(( $(fw_drops) - pe0 )) 20
check "the silent call still ends with BYE" sipp_wait s4-in
ns_stop s4-pbx
rtp_note "silent far end: 50/50 then 0/20 after idle close at ${idle}s"

# registration: refreshed (same Call-ID) with a 5 s grant, then left alone
check "REGISTER refresh asking 5 s" pbx_register_as s4-reg 5 2
t_reg=$(date +%s.%N)
sleep 0.3
exp=$(fw_trunk "$ISP_PROXY_IP/32" expires_in)
check "trunk now expires in 5 s + 2 s grace ($exp s)" test "$exp" -ge 5 -a "$exp" -le 7
check_eq "trunk still trusted at 5 s" "$(sleep 4.5; fw_trunk "$ISP_PROXY_IP/32" origin)" learned
wait_for 6 none fw_trunk "$ISP_PROXY_IP/32" origin >/dev/null
gone=$(since "$t_reg")
check "learned trunk gone at 5 + 2 s ($gone s)" between "$gone" 6.5 9
check "daemon logged trunk_expire" grep -q "trunk_expire $ISP_PROXY_IP" "$FWD_LOG"
counters_zero
d0=$(fw_drops)
udp_tool "$NS_ISP" sip "$ROUTER_WAN_IP" "$SIP_PORT" --count 10 --bind "$ISP_PROXY_IP" >/dev/null
sleep 0.2
check_eq "the expired registrar's SIP no longer reaches the pbx" "$(counter_get "$NS_PBX" sip_in_isp)" 0
check_eq "... dropped by voipfw" $(( $(fw_drops) - d0 )) 10
check "re-REGISTER (600 s) learns it again" pbx_register_as s4-rereg 600 3
check_eq "trunk learned again" "$(sleep 0.3; fw_trunk "$ISP_PROXY_IP/32" origin)" learned
scen_end
fi

# ----------------------------------------------------- 5 crash safety
if want 5; then
scen_begin 5 "kill -9 and restart mid-call; SIGHUP mid-call"
counters_zero
pbx_any_start s5-pbx 4 40 || e2e_die "pbx did not start"
call_in_start s5-in
wait_for 5 2 fw_call_pinholes "$ISP_CALLER_IP" >/dev/null
sleep 1
check "kill -9 the daemon mid-call" fwd_kill9
check_eq "call pinholes stay in the kernel" "$(fw_call_pinholes "$ISP_CALLER_IP")" 2
nt0=$(fw_stat drop-no-trust)
stray_at_call "$PBX_MEDIA_PORT-$PBX_RTCP_PORT" 100
udp_tool "$NS_SCAN" sip "$ROUTER_WAN_IP" "$SIP_PORT" --count 20 >/dev/null
sleep 0.2
check_eq "daemon dead: scanner still blocked (0 at the pbx)" "$(scan_at_pbx)" 0
check_eq "daemon dead: scanner packets counted as drop-no-trust" $(( $(fw_stat drop-no-trust) - nt0 )) 120
check "restart the daemon" fwd_start "$DCFG"
check "restart restored the live call(s)" grep -Eq 'restored [1-9][0-9]* live call' "$FWD_LOG"
n=$(fw_call_pinholes "$ISP_CALLER_IP")
check_eq "restored call's pinholes listed (with the call)" "$n" 2
[ "$n" = 2 ] || { fw -j pinhole list; fw -j status; } | sed 's/^/  diag: /'
# a drop-no-trust from the caller at call setup = its first RTP beat the pinhole
check_eq "no setup-race drop so far in this scenario" "$(fw_stat drop-no-trust)" $((nt0 + 120))
check "call completes across kill -9 and restart" sipp_wait s5-in
check "BYE closed the restored call's pinholes" call_pinholes_gone "$ISP_CALLER_IP"
ns_stop s5-pbx
sleep 0.2
rtp_check "kill-9 call isp->pbx" "$NS_ISP" rtp_out_caller "$NS_PBX" rtp_in_caller
rtp_check "kill-9 call pbx->isp" "$NS_PBX" d:rtp_out_caller "$NS_ISP" rtp_in_caller

call_out_start s5-out
wait_for 5 2 fw_call_pinholes "$ISP_CALLEE_IP" >/dev/null
sleep 1
fwd_config "$DCFG" "statics=2001:db8:5::/48 sip" "media_udp=$RTP_MIN-$RTP_MAX, 30000-30009"
check "SIGHUP with a changed config mid-call: reloaded" fwd_hup
check_eq "reload added the static trunk" "$(fw_trunk 2001:db8:5::/48 origin)" config
check_eq "reload added the media range 30000-30009" "$(fw_port_range media udp 30000)" 30000-30009
# The RTP pinhole carries traffic; the RTCP one (SIPp sends no RTCP) may
# legitimately idle out (pinhole_idle 10 s) if the reload came late.
check_eq "call's RTP pinhole untouched by the reload" "$(fw_call_pinholes "$ISP_CALLEE_IP" "$PBX_MEDIA_PORT")" 1
check "outbound call completes across SIGHUP" sipp_wait s5-out
check "ISP callee completed" sipp_wait s5-out-isp
check "BYE closed the pinholes" call_pinholes_gone "$ISP_CALLEE_IP"
sleep 0.2
rtp_check "SIGHUP call isp->pbx" "$NS_ISP" rtp_out_callee "$NS_PBX" rtp_in_callee
rtp_check "SIGHUP call pbx->isp" "$NS_PBX" d:rtp_out_callee "$NS_ISP" rtp_in_callee
scen_end
fi

# ---------------------------------------------------------------- 6 IPv6
if want 6; then
scen_begin 6 "IPv6 without NAT"
counters_zero
check "pbx REGISTER over IPv6 ($PBX_IP6 -> $ISP_PROXY_IP6)" pbx_register6 s6-reg
sleep 0.3
check_eq "trunk list: the IPv6 registrar is learned" "$(fw_trunk "$ISP_PROXY_IP6/128" origin)" learned
exp=$(fw_trunk "$ISP_PROXY_IP6/128" expires_in)
check "IPv6 trunk expiry is the granted 600 s + 2 s ($exp s)" test "$exp" -ge 595 -a "$exp" -le 602
pbx_any_start s6-pbx 6 40 || e2e_die "pbx (IPv6) did not start"
call_in_start s6-in 6
ph=$(wait_for 5 2 fw_call_pinholes "$ISP_CALLER_IP6")
check_eq "IPv6 call pinholes listed" "$ph" 2
nt0=$(fw_stat drop-no-trust)
ns_start svmap6 "$NS_SCAN" 25 svmap -6 -b "$SCANNER_IP6" -P 5062 -p "$SIP_PORT" "$PBX_IP6"
udp_tool "$NS_SCAN" rtp "$PBX_IP6" "$PBX_MEDIA_PORT-$PBX_RTCP_PORT" --count 100 --rate 500 >/dev/null
udp_tool "$NS_SCAN" rtp "$PBX_IP6" "$RTP_MIN-$RTP_MAX" --count 100 --rate 500 >/dev/null
udp_tool "$NS_SCAN" sip "$PBX_IP6" "$SIP_PORT" --count 50 --rate 200 >/dev/null
ns_wait svmap6; cp "$(ns_log svmap6)" "$E2E_TMP/svmap6.out"
check "IPv6 call completes" sipp_wait s6-in
check "IPv6: pinholes gone after BYE" call_pinholes_gone "$ISP_CALLER_IP6"
ns_stop s6-pbx
sleep 0.2
rtp_check "IPv6 call isp->pbx" "$NS_ISP" d:rtp6_out_caller "$NS_PBX" d:rtp6_in_caller
rtp_check "IPv6 call pbx->isp" "$NS_PBX" d:rtp6_out_caller "$NS_ISP" d:rtp6_in_caller
check "svmap -6 finds nothing at $PBX_IP6" bash -c "! grep -qi 'voipfw-e2e-pbx' '$E2E_TMP/svmap6.out'"
check_eq "IPv6 scanner got no answer" "$(dcount "$NS_SCAN" answers6)" 0
sent6=$(( $(counter_get "$NS_SCAN" sip_out6) + $(counter_get "$NS_SCAN" rtp_out6) ))
check_ge "IPv6 scanner sent packets" "$sent6" 250
check_eq "0 IPv6 scanner packets at the pbx" "$(scan_at_pbx)" 0
check_eq "voipfw drop-no-trust counted them all" $(( $(fw_stat drop-no-trust) - nt0 )) "$sent6"
scen_end
fi

# ------------------------------------------------------------ 7 monitor
if want 7; then
scen_begin 7 "monitor mode: nothing dropped, everything counted"
fwd_stop
fwd_config "$DCFG" mode=monitor
check "daemon restarted in monitor mode" fwd_start "$DCFG"
check "status: wan0 monitor" status_has 'wan0.*monitor'
counters_zero
d0=$(fw_drops); nt0=$(fw_stat drop-no-trust)
check "scanner SIPp floods ran" scanner_floods
check "scanner stray RTP (range, IPv6) ran" scanner_stray_rtp
sleep 0.3
sent=$(scan_sent)
check_ge "scanner sent packets" "$sent" $((SCAN_OPTIONS_COUNT + SCAN_INVITE_COUNT + SCAN_RTP_COUNT))
check_eq "every scanner packet reached the pbx (nothing dropped)" "$(scan_at_pbx)" "$sent"
check_eq "drop-no-trust counted every one (would have dropped)" $(( $(fw_stat drop-no-trust) - nt0 )) "$sent"
check_eq "no other drop-* reason" $(( $(fw_drops) - d0 )) "$sent"
echo "  monitor: $sent scanner packets sent, $(scan_at_pbx) at the pbx, drop-no-trust +$(( $(fw_stat drop-no-trust) - nt0 ))"
scen_end
fi

# ------------------------------------------------------------------ done
phase "done"
{
	echo "voipfw stats:";    fw stats | sed 's/^/  /'
	echo "voipfw trunks:";   fw trunk list | sed 's/^/  /'
	echo "voipfw pinholes:"; fw pinhole list | sed 's/^/  /'
	echo "daemon log:";      sed 's/^/  /' "$FWD_LOG"
} >&2
echo "# scenario  result  time   RTP (received/sent)"
for s in "${S_ORDER[@]}"; do
	printf '# %-9s %-7s %4ss   %s  -- %s\n' "$s" \
		"$([ "${S_FAILS[$s]:-1}" = 0 ] && echo pass || echo FAIL)" \
		"${S_SECS[$s]:-?}" "${S_RTP[$s]:--}" "${S_TITLE[$s]}"
done
e2e_log "elapsed $((SECONDS - t_start))s"
e2e_summary
