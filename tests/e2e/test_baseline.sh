#!/bin/bash
# voipfw e2e baseline: the topology with NO firewall, only the plain home
# router setup (masquerade + UDP 5060 and 10000-20000 forwarded to the PBX).
#
# Asserts that real SIP software works through the NAT:
#   - the PBX registers at the ISP's Kamailio (digest auth) and Kamailio
#     holds its contact at the router's public address;
#   - an inbound call (ISP -> PBX) and an outbound call (PBX -> ISP, with
#     proxy auth) complete, with RTP both ways, and every RTP packet sent
#     arrives (nft counters at the sender vs at the receiver);
# and shows the problem voipfw solves: the scanner reaches the PBX too
# (svmap fingerprints it, svwar finds extension 1000, every flood and stray
# RTP packet sent by the scanner is counted at the PBX, IPv4 and IPv6).
#
# Usage: sudo tests/e2e/test_baseline.sh     (root; < 2 minutes)
# Env:   E2E_KEEP_TMP=1 keeps the per-run temp dir (logs, SIPp traces);
#        E2E_VERBOSE=1 logs every process started.
# Last line: "e2e: N passed, M failed"; exit status non-zero on any failure.

set -u
# shellcheck source-path=SCRIPTDIR
E2E_BUDGET=${E2E_BUDGET:-115}
# Whole-run bound: re-exec under timeout (--foreground: Ctrl-C still works;
# on expiry the TERM trap tears everything down).
if [ -z "${E2E_UNDER_TIMEOUT:-}" ]; then
	export E2E_UNDER_TIMEOUT=1
	exec timeout --foreground -k 30 "$E2E_BUDGET" bash "$0" "$@"
fi

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

e2e_init
t_start=$SECONDS
phase() { e2e_log "== $* (t=$((SECONDS - t_start))s)"; }

phase "topology"
topo_up
kamailio_start 110 || e2e_die "kamailio did not start"

# -------------------------------------------------------------- register
phase "register through NAT"
check "router has no SIP ALG (no ct helper in its ruleset)" \
	bash -c "! ip netns exec '$NS_ROUTER' nft list ruleset | grep -q 'ct helper'"
register_refused() { ! pbx_register regbad wrong-password 2>/dev/null; }
check "REGISTER with a wrong password is refused (digest auth is real)" \
	register_refused
check "pbx REGISTER with digest auth through NAT (SIPp)" pbx_register
check "kamailio location has sip:$PBX_USER@$ROUTER_WAN_IP:$SIP_PORT" \
	kamailio_has_contact

# ----------------------------------------------------------- inbound call
phase "inbound call isp -> pbx"
check "inbound call isp -> proxy -> pbx completes (both SIPp)" call_inbound
sleep 0.2
in_sent_isp=$(counter_get "$NS_ISP" rtp_out_caller)
in_recv_pbx=$(counter_get "$NS_PBX" rtp_in_caller)
in_sent_pbx=$(counter_get "$NS_PBX" rtp_out_caller)
in_recv_isp=$(counter_get "$NS_ISP" rtp_in_caller)
# The pcap holds 236 packets; a call that ran its course sends all of them.
check_ge "inbound call: isp sent RTP" "$in_sent_isp" 200
check_eq "inbound call: every isp RTP packet reached the pbx" \
	"$in_recv_pbx" "$in_sent_isp"
check_ge "inbound call: pbx sent RTP" "$in_sent_pbx" 200
check_eq "inbound call: every pbx RTP packet reached the isp" \
	"$in_recv_isp" "$in_sent_pbx"

# ---------------------------------------------------------- outbound call
phase "outbound call pbx -> isp"
check "outbound call pbx -> proxy (407 auth) -> isp completes" call_outbound
sleep 0.2
out_sent_isp=$(counter_get "$NS_ISP" rtp_out_callee)
out_recv_pbx=$(counter_get "$NS_PBX" rtp_in_callee)
out_sent_pbx=$(counter_get "$NS_PBX" rtp_out_callee)
out_recv_isp=$(counter_get "$NS_ISP" rtp_in_callee)
check_ge "outbound call: pbx sent RTP" "$out_sent_pbx" 200
check_eq "outbound call: every pbx RTP packet reached the isp" \
	"$out_recv_isp" "$out_sent_pbx"
check_ge "outbound call: isp sent RTP" "$out_sent_isp" 200
check_eq "outbound call: every isp RTP packet reached the pbx" \
	"$out_recv_pbx" "$out_sent_isp"
check_eq "no RTP at the pbx from unexpected sources so far" \
	"$(counter_get "$NS_PBX" rtp_in_other)" 0

# --------------------------------------------------------------- scanner
phase "scanner (no firewall: it gets through)"
pbx_responder_start 45 || e2e_die "pbx responder did not start"
scanner_svmap
check "svmap finds the pbx at $ROUTER_WAN_IP:$SIP_PORT" \
	grep -q "$ROUTER_WAN_IP:$SIP_PORT.*voipfw-e2e-pbx" "$E2E_TMP/svmap.out"
scanner_svwar
check "svwar enumerates extension $PBX_USER behind the NAT" \
	grep -Eq "^\| *$PBX_USER +\|" "$E2E_TMP/svwar.out"
check "scanner SIPp OPTIONS/INVITE floods ran" scanner_floods
check "scanner stray RTP / IPv6 probes ran" scanner_stray_rtp
sleep 0.2
ns_stop rsp
scan_sip_sent=$(counter_get "$NS_SCAN" sip_out)
scan_sip_recv=$(counter_get "$NS_PBX" sip_in_scanner)
scan_rtp_sent=$(counter_get "$NS_SCAN" rtp_out)
scan_rtp_recv=$(counter_get "$NS_PBX" rtp_in_scanner)
check_ge "scanner sent SIP to $ROUTER_WAN_IP:$SIP_PORT" "$scan_sip_sent" \
	$((SCAN_OPTIONS_COUNT + SCAN_INVITE_COUNT))
check_eq "every scanner SIP packet reached the pbx" "$scan_sip_recv" "$scan_sip_sent"
check_eq "scanner sent stray RTP into the forwarded range" "$scan_rtp_sent" "$SCAN_RTP_COUNT"
check_eq "every stray RTP packet reached the pbx" "$scan_rtp_recv" "$scan_rtp_sent"
check_eq "IPv6: every scanner SIP packet reached the pbx" \
	"$(counter_get "$NS_PBX" sip_in_scanner6)" "$(counter_get "$NS_SCAN" sip_out6)"
check_eq "IPv6: every stray RTP packet reached the pbx" \
	"$(counter_get "$NS_PBX" rtp_in_scanner6)" "$(counter_get "$NS_SCAN" rtp_out6)"

phase "done"
{
	echo "pbx counters:";     counters_dump "$NS_PBX"  | sed 's/^/  /'
	echo "isp counters:";     counters_dump "$NS_ISP"  | sed 's/^/  /'
	echo "scanner counters:"; counters_dump "$NS_SCAN" | sed 's/^/  /'
} >&2
e2e_log "elapsed $((SECONDS - t_start))s"
e2e_summary
