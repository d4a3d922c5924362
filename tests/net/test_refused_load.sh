#!/usr/bin/env bash
# A kernel that refuses one of voipfw's programs, on any kernel: the test
# build build/refused/voipfw carries a TC egress program every verifier
# refuses (VFW_TEST_REFUSE_TC). attach and run must name the program, the
# kernel and the verifier's reason, exit 1 and leave nothing behind;
# attach --xdp-only must then filter with the XDP program alone.
#
#   inet ns: bridge br0 ── trunk ns   (203.0.113.5)
#                      ├── scanner ns (203.0.113.66)
#                      └── rtr ns wan0 (203.0.113.1) + listeners
set -euo pipefail
source "$(dirname "$0")/lib.sh"
GOOD=$VOIPFW
VOIPFW=${VOIPFW_REFUSED:-$HERE/../../build/refused/voipfw}

net_init vfwr
host trunk 203.0.113.5 2001:db8::5
host scanner 203.0.113.66 2001:db8::66
IFNAME=wan0 host rtr 203.0.113.1 2001:db8::1
bg_in rtr timeout 300 $TOOL listen "$STATE" 5060 10000
sleep 1

nothing_left() {  # "xdp tc pins" still present on wan0 and in the pin dir
	local xdp tc pins
	xdp=$(in_ns rtr ip -d link show wan0 | grep -c 'prog/xdp' || true)
	tc=$(in_ns rtr tc filter show dev wan0 ingress | grep -c 'handle 0x5646' || true)
	tc=$((tc + $(in_ns rtr tc filter show dev wan0 egress | grep -c 'handle 0x5646' || true)))
	pins=$(find "$PIN" -mindepth 1 2>/dev/null | wc -l)
	echo "$xdp $tc $pins"
}

rc=0; fw attach --iface wan0 2>"$TMP/attach.err" || rc=$?
check "refused attach exits 1" 1 "$rc"
check "it names the refused program" 1 \
	"$(grep -c 'refused the BPF program voipfw_tc_egress' "$TMP/attach.err")"
check "it names the kernel" 1 "$(grep -c "(Linux $(uname -r))" "$TMP/attach.err")"
check "it quotes the verifier's reason" 1 \
	"$(grep -c 'invalid bpf_context access off=4000' "$TMP/attach.err")"
check "it points to --xdp-only" 1 "$(grep -c "attach --xdp-only" "$TMP/attach.err")"
check "nothing attached, nothing pinned" "0 0 0" "$(nothing_left)"
check "the scanner still reaches 5060 (no filter)" $N \
	"$(delivered scanner 203.0.113.66 203.0.113.1 5060)"

cat >"$TMP/voipfw.conf" <<EOF
[general]
interface = wan0
EOF
rc=0
nsenter --net="/run/netns/$P-rtr" timeout 20 "$VOIPFW" --pin-dir "$PIN" \
	run --config "$TMP/voipfw.conf" 2>"$TMP/run.err" || rc=$?
check "refused run exits 1" 1 "$rc"
check "run names the refused program and kernel" 1 \
	"$(grep -c "(Linux $(uname -r)) refused the BPF program voipfw_tc_egress" "$TMP/run.err")"
check "after run: nothing attached, nothing pinned" "0 0 0" "$(nothing_left)"

rc=0; fw attach --iface wan0 --xdp-only 2>"$TMP/xdp.err" || rc=$?
check "attach --xdp-only succeeds" 0 "$rc"
check "--xdp-only warns that nothing is learned" 1 \
	"$(grep -c 'warning: XDP only on wan0' "$TMP/xdp.err")"
check "XDP on wan0, no TC filter" "1 0" "$(nothing_left | cut -d' ' -f1,2)"
check "XDP only: scanner -> 5060 dropped" 0 "$(delivered scanner 203.0.113.66 203.0.113.1 5060)"
check "XDP only: trunk -> 5060 dropped until added" 0 \
	"$(delivered trunk 203.0.113.5 203.0.113.1 5060)"
fw trunk add 203.0.113.5/32
check "XDP only: static trunk -> 5060 arrives" $N "$(delivered trunk 203.0.113.5 203.0.113.1 5060)"
fw pinhole add 203.0.113.66 10000 --ttl 60
check "XDP only: static pinhole opens 10000" $N \
	"$(delivered scanner 203.0.113.66 203.0.113.1 10000)"

# The working build: a full attach adds the TC programs, --xdp-only removes them.
VOIPFW=$GOOD
fw attach --iface wan0
check "full attach replaces: XDP and both TC filters" "1 2" "$(nothing_left | cut -d' ' -f1,2)"
fw attach --iface wan0 --xdp-only 2>/dev/null
check "--xdp-only again removes voipfw's TC filters" "1 0" "$(nothing_left | cut -d' ' -f1,2)"
check "state kept across the replacements" 1 "$(fw trunk list | grep -c '203.0.113.5/32')"
check "detach" 0 "$(fw detach --iface wan0; echo $?)"

net_summary net
