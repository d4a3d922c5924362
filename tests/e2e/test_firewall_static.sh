#!/bin/bash
# voipfw e2e with the firewall attached (native XDP on the router's wan0),
# configured statically through the CLI, no daemon: the ISP proxy is a trunk
# (SIP only) and the two ISP media endpoints get pinholes to the PBX's media
# port, as the daemon would open them from the calls' SDP.
#
# Asserts that the same real SIP traffic as in test_baseline.sh still works
# (register, both calls, every RTP packet arrives) while nothing the scanner
# sends reaches the PBX (svmap and svwar find nothing, the PBX counts zero
# scanner packets, IPv4 and IPv6), and that voipfw counted the drops.
#
# Usage: sudo VOIPFW=build/voipfw tests/e2e/test_firewall_static.sh
#        (VOIPFW defaults to build/voipfw of this tree; skipped without it)

set -u
# shellcheck source-path=SCRIPTDIR
E2E_BUDGET=${E2E_BUDGET:-115}
if [ -z "${E2E_UNDER_TIMEOUT:-}" ]; then
	export E2E_UNDER_TIMEOUT=1
	exec timeout --foreground -k 30 "$E2E_BUDGET" bash "$0" "$@"
fi

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
if [ -z "$VOIPFW" ] && [ -x "$E2E_DIR/../../build/voipfw" ]; then
	VOIPFW=$(cd "$E2E_DIR/../.." && pwd)/build/voipfw
fi
if ! fw_available; then
	echo "skip - VOIPFW not set and build/voipfw not built"
	echo "e2e: 0 passed, 0 failed, 1 skipped"
	exit 0
fi

e2e_init
t_start=$SECONDS
phase() { e2e_log "== $* (t=$((SECONDS - t_start))s)"; }

# fw ARGS...: the firewall CLI on the router, with this run's pin dir.
fw() { voipfw --pin-dir "$E2E_PINDIR" "$@"; }
# fw_stat REASON: packets counted under one verdict reason.
fw_stat() {
	fw -j stats | "$E2E_PY" -c '
import json, sys
print(next((r["packets"] for r in json.load(sys.stdin) if r["reason"] == sys.argv[1]), 0))' "$1"
}

phase "topology + firewall"
topo_up
kamailio_start 110 || e2e_die "kamailio did not start"
bpffs_ensure || e2e_die "no bpffs at /sys/fs/bpf"
check "voipfw attach --iface wan0 (native XDP)" fw attach --iface wan0 --mode native
check "voipfw protects udp 5060 (sip)" fw ports set sip udp "$SIP_PORT"
check "voipfw protects udp $RTP_MIN-$RTP_MAX (media)" \
	fw ports set media udp "$RTP_MIN-$RTP_MAX"
check "voipfw trunk: the ISP proxy, SIP only" \
	fw trunk add "$ISP_PROXY_IP/32" --admit sip
check "voipfw pinhole: ISP caller media -> pbx media port" \
	fw pinhole add "$ISP_CALLER_IP" "$PBX_MEDIA_PORT" --ttl 100
check "voipfw pinhole: ISP callee media -> pbx media port" \
	fw pinhole add "$ISP_CALLEE_IP" "$PBX_MEDIA_PORT" --ttl 100
check "wan0 has a native XDP program" \
	bash -c "ip -n '$NS_ROUTER' -d link show wan0 | grep -q 'prog/xdp'"

phase "register through NAT + firewall"
check "pbx REGISTER through NAT and firewall" pbx_register
check "kamailio location has sip:$PBX_USER@$ROUTER_WAN_IP:$SIP_PORT" \
	kamailio_has_contact

phase "inbound call"
check "inbound call completes through the firewall" call_inbound
sleep 0.2
check_ge "inbound call: isp sent RTP" "$(counter_get "$NS_ISP" rtp_out_caller)" 200
check_eq "inbound call: every isp RTP packet reached the pbx" \
	"$(counter_get "$NS_PBX" rtp_in_caller)" "$(counter_get "$NS_ISP" rtp_out_caller)"
check_eq "inbound call: every pbx RTP packet reached the isp" \
	"$(counter_get "$NS_ISP" rtp_in_caller)" "$(counter_get "$NS_PBX" rtp_out_caller)"

phase "outbound call"
check "outbound call completes through the firewall" call_outbound
sleep 0.2
check_ge "outbound call: isp sent RTP" "$(counter_get "$NS_ISP" rtp_out_callee)" 200
check_eq "outbound call: every isp RTP packet reached the pbx" \
	"$(counter_get "$NS_PBX" rtp_in_callee)" "$(counter_get "$NS_ISP" rtp_out_callee)"
check_eq "outbound call: every pbx RTP packet reached the isp" \
	"$(counter_get "$NS_ISP" rtp_in_callee)" "$(counter_get "$NS_PBX" rtp_out_callee)"

phase "scanner (firewall: it must not get through)"
drops0=$(fw_stat drop-no-trust)
pbx_responder_start 45 || e2e_die "pbx responder did not start"
scanner_svmap
check "svmap finds nothing at $ROUTER_WAN_IP" \
	bash -c "! grep -q '$ROUTER_WAN_IP:$SIP_PORT' '$E2E_TMP/svmap.out'"
scanner_svwar
check "svwar enumerates nothing" \
	bash -c "! grep -Eq '^\| *$PBX_USER +\|' '$E2E_TMP/svwar.out'"
check "scanner SIPp floods ran" scanner_floods
check "scanner stray RTP / IPv6 probes ran" scanner_stray_rtp
sleep 0.2
ns_stop rsp
scan_sent=$(( $(counter_get "$NS_SCAN" sip_out) + $(counter_get "$NS_SCAN" rtp_out) +
	$(counter_get "$NS_SCAN" sip_out6) + $(counter_get "$NS_SCAN" rtp_out6) ))
check_ge "scanner sent packets" "$scan_sent" \
	$((SCAN_OPTIONS_COUNT + SCAN_INVITE_COUNT + SCAN_RTP_COUNT + SCAN_RTP6_COUNT + SCAN_SIP6_COUNT))
check_eq "pbx got no scanner SIP (IPv4)" "$(counter_get "$NS_PBX" sip_in_scanner)" 0
check_eq "pbx got no scanner RTP (IPv4)" "$(counter_get "$NS_PBX" rtp_in_scanner)" 0
check_eq "pbx got no scanner SIP (IPv6)" "$(counter_get "$NS_PBX" sip_in_scanner6)" 0
check_eq "pbx got no scanner RTP (IPv6)" "$(counter_get "$NS_PBX" rtp_in_scanner6)" 0
check_eq "voipfw drop-no-trust counted every scanner packet" \
	$(( $(fw_stat drop-no-trust) - drops0 )) "$scan_sent"

phase "done"
{
	echo "pbx counters:";     counters_dump "$NS_PBX"  | sed 's/^/  /'
	echo "scanner counters:"; counters_dump "$NS_SCAN" | sed 's/^/  /'
	echo "voipfw stats:";     fw stats | sed 's/^/  /'
	echo "voipfw pinholes:";  fw pinhole list | sed 's/^/  /'
	echo "voipfw trunks:";    fw trunk list | sed 's/^/  /'
} >&2
e2e_log "elapsed $((SECONDS - t_start))s"
e2e_summary
