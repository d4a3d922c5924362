#!/usr/bin/env bash
# Benchmark item 3: voipfw against nftables on real (veth) interfaces.
#   bench/nft_compare.sh OUT.tsv
# Knobs: NFT_ROUNDS (5), NFT_CYCLES (2), NFT_BATCH_MS (100), NFT_PROFILE (1),
#        NFT_GEN_CPU (the generator's CPU; default the receivers', see live_gen.c)
#
# Topology: a generator namespace holds the sending ends ga, gb of two veth
# pairs; their peers ${P}a, ${P}b sit in receiver namespaces "a" and "b"
# (same MAC and address 192.0.2.1 in both, so one frame fits both). Each
# receiver has GRO on (veth then runs NAPI and accepts XDP frames) and
# threaded NAPI, its kthread SCHED_FIFO on the last CPU; the generator
# (live_gen, BPF_F_TEST_XDP_LIVE_FRAMES) runs on the same CPU, in lockstep
# with the receiver (why: live_gen.c). The traffic is a SIP scanner: UDP
# OPTIONS from 203.0.113.66 to 5060, dropped by every ruleset.
#
# Rulesets, the same policy in each (trunk 198.51.100.0/24, one pinhole
# 203.0.113.20 -> udp/10000, protected: udp 5060 and 10000-20000, tcp
# 5060-5061, everything else passes):
#   voipfw       the real XDP program, configured with the CLI
#   nft-ingress  nftables netdev ingress: interval sets for the trunks, a
#                concatenation set (saddr . proto . dport) for pinholes
#   nft-ct       nftables inet prerouting with conntrack and the SIP helper
#                (ct helper "sip"), the ALG setup: pinholes are the helper's
#                expectations (ct state related)
#   xdp-drop     bare XDP_DROP (bench/bare.bpf.c)
# voipfw runs on one pair while a competitor runs on the other; batches
# alternate between the pairs (live_gen); then the pairs swap roles.
#
# Output lines (tab separated), for bench/report.py:
#   info KEY VALUE
#   batch ROUND COMP LABEL SIDE CYCLE SEQ DELIVERED REFUSED KTHREAD_NS WALL_NS
#   warm  (the same, for the untimed first batch per pair of a phase)
#   frame ROUND COMP BYTES
#   check RULESET ROUND COMP ok|FAIL DELIVERED HOOK_COUNT
# and, next to OUT, profile-live-RULESET.txt (perf report -n, top symbols),
# profile-live-RULESET.samples (that kthread's sample count) and the
# perf-live-COMP.data they come from.
# Everything created carries the prefix vfwn<pid> and goes away on exit.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT=$1
RES=$(dirname "$OUT")
ROUNDS=${NFT_ROUNDS:-5}
CYCLES=${NFT_CYCLES:-2}
BATCH_MS=${NFT_BATCH_MS:-100}
PROFILE=${NFT_PROFILE:-1}
B=$ROOT/build/bench
VOIPFW=${VOIPFW:-$ROOT/build/voipfw}
P="vfwn$$"
PIN="/sys/fs/bpf/$P"
TMP=$(mktemp -d "/tmp/$P.XXXX")
RX_CPU=$(($(nproc) - 1))
GEN_CPU=${NFT_GEN_CPU:-$RX_CPU}
RX_MAC=02:76:66:00:00:01
COMPETITORS=(nft-ingress nft-ct xdp-drop)
SIP_LOADED=0
PERF_PID=

cleanup() {
	set +e
	[ -n "$PERF_PID" ] && kill "$PERF_PID" 2>/dev/null && wait "$PERF_PID" 2>/dev/null
	# The namespaces take their devices, XDP programs, nft tables and
	# conntrack entries with them.
	for ns in g a b; do ip netns del "$P-$ns" 2>/dev/null; done
	rm -rf "$PIN-a" "$PIN-b" "$TMP"
	# Namespaces die asynchronously: the helper may stay in use a moment.
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ "$SIP_LOADED" = 1 ] || break
		modprobe -r nf_conntrack_sip 2>/dev/null && break
		sleep 0.2
	done
}
trap cleanup EXIT
trap "exit 143" TERM INT

in_ns() { local ns=$1; shift; ip netns exec "$P-$ns" "$@"; }
dev() { echo "$P$1"; }
other() { [ "$1" = a ] && echo b || echo a; }
# nsenter keeps the mount namespace, so the pins under /sys/fs/bpf stay visible.
fw() { local side=$1; shift; nsenter --net="/run/netns/$P-$side" "$VOIPFW" --pin-dir "$PIN-$side" "$@"; }

# ---- topology ---------------------------------------------------------------

receiver() {  # receiver SIDE: veth pair g$SIDE <-> ${P}$SIDE
	local s=$1 d
	d=$(dev "$1")
	ip netns add "$P-$s"
	ip link add "g$s" netns "$P-g" type veth peer name "$d" netns "$P-$s"
	# IPv6 off: no router or neighbour solicitations mixed into the counts.
	in_ns "$s" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	in_ns "$s" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ip -n "$P-$s" link set "$d" address "$RX_MAC"
	ip -n "$P-$s" addr add 192.0.2.1/24 dev "$d"
	ip -n "$P-$s" link set lo up
	ip -n "$P-$s" link set "$d" up
	ip -n "$P-g" link set "g$s" up
	# GRO on gives veth a NAPI context: it then accepts ndo_xdp_xmit frames.
	in_ns "$s" ethtool -K "$d" gro on >/dev/null
	in_ns "$s" sh -c "echo 1 > /sys/class/net/$d/threaded"
}

topology() {
	ip netns add "$P-g"
	ip netns exec "$P-g" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$P-g" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	receiver a
	receiver b
}

# The NAPI kthread of a receiver ("napi/DEV-ID"; /proc/PID/comm has the full
# name of a kthread). Pinned to RX_CPU and made SCHED_FIFO: it must preempt
# the generator at each batch boundary (the lockstep), and other work on
# that CPU then delays it less and pollutes its caches less.
napi_pid() {
	local d f c
	d=$(dev "$1")
	for f in /proc/[0-9]*/comm; do
		read -r c <"$f" 2>/dev/null || continue
		if [[ $c == "napi/$d-"* ]]; then
			f=${f#/proc/}
			echo "${f%/comm}"
			return 0
		fi
	done
	echo "nft_compare: no NAPI kthread for $d" >&2
	return 1
}

pin_napi() {
	local pid
	pid=$(napi_pid "$1")
	taskset -pc "$RX_CPU" "$pid" >/dev/null
	chrt -f -p 1 "$pid"
	echo "$pid"
}

# ---- rulesets ---------------------------------------------------------------

nft_ingress() {  # nft_ingress DEV: the policy as a netdev ingress table
	cat <<EOF
table netdev $P {
	set trunks4 { type ipv4_addr; flags interval; elements = { 198.51.100.0/24 } }
	set trunks6 { type ipv6_addr; flags interval; elements = { 2001:db8:100::/48 } }
	set pinholes4 {
		type ipv4_addr . inet_proto . inet_service
		elements = { 203.0.113.20 . udp . 10000 }
	}
	set pinholes6 { type ipv6_addr . inet_proto . inet_service; }
	counter scan_drops {}
	chain ingress {
		type filter hook ingress device "$1" priority 0; policy accept;
		udp dport { 5060, 10000-20000 } jump protected
		tcp dport 5060-5061 jump protected
	}
	chain protected {
		ip saddr . meta l4proto . th dport @pinholes4 accept
		ip6 saddr . meta l4proto . th dport @pinholes6 accept
		ip saddr @trunks4 accept
		ip6 saddr @trunks6 accept
		counter name scan_drops drop
	}
}
EOF
}

# The "ALG" setup: conntrack with the SIP helper on 5060, whose expectations
# admit the negotiated media (ct state related) in place of pinholes.
nft_ct() {
	cat <<EOF
table inet $P {
	ct helper sip-udp { type "sip" protocol udp; l3proto inet; }
	ct helper sip-tcp { type "sip" protocol tcp; l3proto inet; }
	set trunks4 { type ipv4_addr; flags interval; elements = { 198.51.100.0/24 } }
	set trunks6 { type ipv6_addr; flags interval; elements = { 2001:db8:100::/48 } }
	counter scan_drops {}
	chain prerouting {
		type filter hook prerouting priority filter; policy accept;
		ct state established,related accept
		ct state new udp dport 5060 ct helper set "sip-udp"
		ct state new tcp dport 5060 ct helper set "sip-tcp"
		udp dport { 5060, 10000-20000 } jump protected
		tcp dport 5060-5061 jump protected
	}
	chain protected {
		ip saddr @trunks4 accept
		ip6 saddr @trunks6 accept
		counter name scan_drops drop
	}
}
EOF
}

voipfw_configured=()
ruleset_on() {  # ruleset_on SIDE RULESET
	local s=$1 d
	d=$(dev "$1")
	case $2 in
	voipfw)
		fw "$s" attach --iface "$d" >/dev/null
		if [[ " ${voipfw_configured[*]} " != *" $s "* ]]; then
			fw "$s" trunk add 198.51.100.0/24 >/dev/null
			fw "$s" trunk add 2001:db8:100::/48 >/dev/null
			fw "$s" pinhole add 203.0.113.20 10000 --ttl 0 >/dev/null
			voipfw_configured+=("$s")
		fi ;;
	nft-ingress) nft_ingress "$d" | in_ns "$s" nft -f - ;;
	nft-ct) nft_ct | in_ns "$s" nft -f - ;;
	xdp-drop) ip -n "$P-$s" link set dev "$d" xdpdrv obj "$B/bare.bpf.o" program bare_drop ;;
	esac
}

ruleset_off() {
	local s=$1 d
	d=$(dev "$1")
	case $2 in
	voipfw) fw "$s" detach --iface "$d" >/dev/null ;;
	nft-ingress) in_ns "$s" nft delete table netdev "$P" ;;
	nft-ct) in_ns "$s" nft delete table inet "$P" ;;
	xdp-drop) ip -n "$P-$s" link set dev "$d" xdpdrv off ;;
	esac
}

# Packets the ruleset's own drop counter has seen: what reached the hook.
hook_count() {  # hook_count SIDE RULESET
	local s=$1 d
	d=$(dev "$1")
	case $2 in
	voipfw) fw "$s" stats | awk '$1 == "drop-no-trust" { print $3 }' ;;
	nft-ingress) in_ns "$s" nft list counter netdev "$P" scan_drops |
		awk '/packets/ { print $2 }' ;;
	nft-ct) in_ns "$s" nft list counter inet "$P" scan_drops |
		awk '/packets/ { print $2 }' ;;
	xdp-drop) in_ns "$s" ethtool -S "$d" | awk '$1 == "rx_queue_0_xdp_drops:" { print $2 }' ;;
	esac
}

# ---- one phase: voipfw on VSIDE, COMP on the other pair ------------------------

phase() {  # phase ROUND COMP VSIDE [PERF_TAG]
	local round=$1 comp=$2 vs=$3 tag=${4:-} os la lb pa pb v0 c0 v1 c1
	os=$(other "$vs")
	ruleset_on "$os" "$comp"
	pa=$(pin_napi a)
	pb=$(pin_napi b)
	if [ "$vs" = a ]; then la=voipfw lb=$comp; else la=$comp lb=voipfw; fi
	v0=$(hook_count "$vs" voipfw)
	c0=$(hook_count "$os" "$comp")
	[ -n "$tag" ] && start_perf "$tag"
	in_ns g "$B/live_gen" -c "$GEN_CPU" -t "$BATCH_MS" -w "$B/bare.bpf.o" "$CYCLES" \
		ga "$pa" "$la" gb "$pb" "$lb" |
		awk -v r="$round" -v c="$comp" 'BEGIN { OFS = "\t" } { $1 = $1 "\t" r "\t" c; print }' \
		>"$TMP/phase.tsv"
	[ -n "$tag" ] && stop_perf "$tag" "$pa" "$pb" "$la" "$lb"
	v1=$(hook_count "$vs" voipfw)
	c1=$(hook_count "$os" "$comp")
	ruleset_off "$os" "$comp"
	check voipfw "$round" "$comp" $((v1 - v0))
	check "$comp" "$round" "$comp" $((c1 - c0))
	cat "$TMP/phase.tsv" >>"$OUT"
}

# A phase's frames all reach the ruleset's drop: the hook counted every
# frame the receiver took (its kthread's NAPI consumed) and nothing else.
check() {  # check RULESET ROUND COMP HOOK_DELTA
	local delivered
	delivered=$(awk -v l="$1" '$4 == l { n += $8 } END { print n + 0 }' "$TMP/phase.tsv")  # warm-up too
	if [ "$delivered" -gt 0 ] && [ "$delivered" -le "$4" ] &&
		[ "$4" -le $((delivered + delivered / 100 + 64)) ]; then
		printf 'check\t%s\t%s\t%s\tok\t%s\t%s\n' "$1" "$2" "$3" "$delivered" "$4" >>"$OUT"
	else
		printf 'check\t%s\t%s\t%s\tFAIL\t%s\t%s\n' "$1" "$2" "$3" "$delivered" "$4" >>"$OUT"
	fi
}

# ---- profile ----------------------------------------------------------------

start_perf() {
	perf record -q -e cpu-clock -C "$RX_CPU" -o "$RES/perf-live-$1.data" -- sleep 600 \
		>/dev/null 2>&1 &
	PERF_PID=$!
	sleep 0.3
}

# Splits the samples by kthread: one top-symbol list per ruleset, with
# sample counts (-n), shares relative to that kthread's samples.
stop_perf() {  # stop_perf TAG PID_A PID_B LABEL_A LABEL_B
	kill -INT "$PERF_PID" 2>/dev/null
	wait "$PERF_PID" 2>/dev/null || true
	PERF_PID=
	kthread_profile "$1" "$2" "$4"
	kthread_profile "$1" "$3" "$5"
}

# (Sorted by pid and filtered here: perf 6.1's own --pid filter loses the
# samples of symbols that other threads hit too.)
kthread_profile() {  # kthread_profile TAG PID RULESET
	perf report -i "$RES/perf-live-$1.data" -n --sort pid,symbol --stdio 2>/dev/null |
		awk -v p="$2:" 'index($3, p) == 1 { print $2, $4, $5 }' >"$TMP/profile.txt" || true
	awk '{ n += $1 } END { print n + 0 }' "$TMP/profile.txt" >"$RES/profile-live-$3.samples"
	awk -v n="$(cat "$RES/profile-live-$3.samples")" \
		'n > 0 { printf "%.2f%% %d %s %s\n", 100 * $1 / n, $1, $2, $3 }' "$TMP/profile.txt" |
		sed -n 1,12p >"$RES/profile-live-$3.txt"
}

# ---- main -------------------------------------------------------------------

# Everything of this benchmark on the receivers' CPU: the other one is left
# to whatever else the machine runs, and a busy other CPU cannot delay us.
taskset -pc "$RX_CPU" $$ >/dev/null
: >"$OUT"
if [ ! -d /sys/module/nf_conntrack_sip ]; then
	modprobe nf_conntrack_sip && SIP_LOADED=1
fi
topology
{
	echo "info	rounds	$ROUNDS"
	echo "info	cycles	$CYCLES"
	echo "info	batch_ms	$BATCH_MS"
	echo "info	gen_cpu	$GEN_CPU"
	echo "info	rx_cpu	$RX_CPU"
	echo "info	nf_conntrack_sip	$([ "$SIP_LOADED" = 1 ] && echo "loaded by the benchmark" || echo "present")"
} >>"$OUT"

# voipfw sits on one pair for all rounds, then on the other: the two
# attaches are the slow part of a switch (program load and verification).
for vs in a b; do
	ruleset_on "$vs" voipfw
	for round in $(seq 1 "$ROUNDS"); do
		for i in 0 1 2; do
			comp=${COMPETITORS[$(((i + round) % 3))]}
			phase "$round" "$comp" "$vs"
		done
	done
	ruleset_off "$vs" voipfw
done

if [ "$PROFILE" = 1 ] && perf stat -e cpu-clock true >/dev/null 2>&1; then
	ruleset_on a voipfw
	for comp in "${COMPETITORS[@]}"; do
		phase 0 "$comp" a "$comp"
	done
	ruleset_off a voipfw
fi
