# shellcheck shell=bash
# voipfw end-to-end topology library. Source it from a test; do not run it.
#
#   source tests/e2e/lib.sh
#   e2e_init            # per-run prefix, temp dir, EXIT/INT/TERM trap
#   topo_up             # namespaces, bridge, veths, addresses, NAT, counters
#   ...                 # ns_start / ns_wait / ns_exec / router_exec ...
#   (nothing else: the EXIT trap kills what we started and removes it all)
#
# Topology (every name carries the per-run prefix $E2E_ID):
#
#     isp  (203.0.113.10 kamailio, .11 ISP caller, .12 ISP callee/"PSTN gw")
#      |  eth0                                     2001:db8:113::10
#      +------ br0 in "inet" ------+
#      |  eth0                     | wan0 (203.0.113.1, 2001:db8:113::1)
#    scanner (203.0.113.66)      router  -- nft masquerade + port forwards
#             2001:db8:113::66     | lan0 (192.168.77.1, 2001:db8:77::1)
#                                  | eth0
#                                 pbx (192.168.77.10, 2001:db8:77::10)
#
# The router's WAN is a plain veth (wan0) whose peer (rwan) is a port of br0
# in the "inet" namespace, so native (driver-mode) XDP can be attached to
# wan0. See README.md in this directory for the veth/XDP facts.
#
# Firewall hook: set VOIPFW=/path/to/voipfw. router_exec runs a command in
# the router's network namespace with nsenter (keeps the host mount
# namespace, so /sys/fs/bpf is the real bpffs); E2E_PINDIR is a per-run pin
# dir under /sys/fs/bpf that the EXIT trap removes.

# ---------------------------------------------------------------- constants
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_SIPP_DIR=$E2E_DIR/sipp
E2E_PCAP=${E2E_PCAP:-/usr/share/sip-tester/g711a.pcap}

# "Internet" side: documentation ranges only (RFC 5737 / RFC 3849).
WAN_PREFIXLEN=24
ROUTER_WAN_IP=203.0.113.1
ISP_PROXY_IP=203.0.113.10    # kamailio registrar/proxy (the SIP trunk)
ISP_CALLER_IP=203.0.113.11   # SIPp calling the PBX through the proxy
ISP_CALLEE_IP=203.0.113.12   # SIPp answering the PBX's calls ("PSTN gw")
SCANNER_IP=203.0.113.66
ROUTER_WAN_IP6=2001:db8:113::1
ISP_PROXY_IP6=2001:db8:113::10
SCANNER_IP6=2001:db8:113::66
# LAN: private range, only inside our namespaces. IPv6 is routed, not NATed.
LAN_PREFIXLEN=24
ROUTER_LAN_IP=192.168.77.1
PBX_IP=192.168.77.10
ROUTER_LAN_IP6=2001:db8:77::1
PBX_IP6=2001:db8:77::10
LAN6_NET=2001:db8:77::/64

SIP_PORT=5060
RTP_MIN=10000
RTP_MAX=20000
PBX_MEDIA_PORT=10000          # the PBX's SIPp media port (inside the range)
ISP_CALLER_MEDIA_PORT=16000
ISP_CALLEE_MEDIA_PORT=18000

# SIP account of the PBX at the ISP (must match kamailio.cfg).
PBX_USER=1000
PBX_PASS=e2e-trunk-secret
ISP_PSTN_NUMBER=2000          # a number the proxy routes to ISP_CALLEE_IP

VOIPFW=${VOIPFW:-}
# The distribution's python3 (sipvicious depends on it); avoids slow shims.
if [ -x /usr/bin/python3 ]; then E2E_PY=${E2E_PY:-/usr/bin/python3}; else E2E_PY=${E2E_PY:-python3}; fi
E2E_CMD_TIMEOUT=${E2E_CMD_TIMEOUT:-20}

# ------------------------------------------------------------------- output
e2e_log()  { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
e2e_die()  { e2e_log "FATAL: $*"; exit 1; }

E2E_PASSED=0
E2E_FAILED=0
# check DESCRIPTION COMMAND... : runs COMMAND, records pass/fail.
check() {
	local desc=$1; shift
	if "$@"; then
		E2E_PASSED=$((E2E_PASSED + 1)); printf 'ok   - %s\n' "$desc"
	else
		E2E_FAILED=$((E2E_FAILED + 1)); printf 'FAIL - %s\n' "$desc"
	fi
}
# check_eq DESCRIPTION GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then
		E2E_PASSED=$((E2E_PASSED + 1)); printf 'ok   - %s (%s)\n' "$1" "$2"
	else
		E2E_FAILED=$((E2E_FAILED + 1)); printf 'FAIL - %s (got %s, want %s)\n' "$1" "$2" "$3"
	fi
}
# check_ge DESCRIPTION GOT MIN
check_ge() {
	if [ "$2" -ge "$3" ] 2>/dev/null; then
		E2E_PASSED=$((E2E_PASSED + 1)); printf 'ok   - %s (%s >= %s)\n' "$1" "$2" "$3"
	else
		E2E_FAILED=$((E2E_FAILED + 1)); printf 'FAIL - %s (got %s, want >= %s)\n' "$1" "$2" "$3"
	fi
}
# e2e_summary: the closing line; returns non-zero if anything failed.
E2E_SUMMARY_DONE=0
e2e_summary() {
	E2E_SUMMARY_DONE=1
	printf 'e2e: %d passed, %d failed\n' "$E2E_PASSED" "$E2E_FAILED"
	[ "$E2E_FAILED" -eq 0 ] && [ "$E2E_PASSED" -gt 0 ]
}

# ----------------------------------------------------------- run lifecycle
declare -a E2E_PIDS=()          # every background PID we started
declare -A E2E_PID_OF=()        # name -> PID
declare -a E2E_NETNS=()         # namespaces we created
E2E_TMP=
E2E_ID=
E2E_CLEANED=0

# e2e_init: checks, per-run identity, temp dir and traps. Call once.
e2e_init() {
	[ "$(id -u)" -eq 0 ] || e2e_die "needs root (network namespaces)"
	local tool
	for tool in ip nft ethtool nsenter timeout ss "$E2E_PY"; do
		command -v "$tool" >/dev/null || e2e_die "missing tool: $tool"
	done
	# Unique per run: our PID plus randomness, checked against existing ones.
	local _try
	for _try in 1 2 3 4 5; do
		E2E_ID=vfw$$$(printf '%03x' $((RANDOM % 4096)))
		ip netns list | grep -q "^${E2E_ID}-" || break
	done
	NS_INET=$E2E_ID-inet
	NS_ROUTER=$E2E_ID-router
	NS_ISP=$E2E_ID-isp
	NS_SCAN=$E2E_ID-scanner
	NS_PBX=$E2E_ID-pbx
	E2E_PINDIR=/sys/fs/bpf/vfw-e2e-$E2E_ID
	E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/vfw-e2e-$E2E_ID.XXXXXX")
	# Tools that write into $HOME (sipvicious) write here instead.
	export HOME=$E2E_TMP
	trap e2e_cleanup EXIT
	trap _e2e_on_int INT
	trap _e2e_on_term TERM
	trap _e2e_on_hup HUP
	e2e_log "run $E2E_ID, temp dir $E2E_TMP"
}

_e2e_on_int()  { trap '' INT TERM; e2e_log "interrupted"; exit 130; }
_e2e_on_term() { trap '' INT TERM; e2e_log "terminated"; exit 143; }
_e2e_on_hup()  { exit 129; }

# _e2e_kill_all: end every process we started (TERM, then KILL), then any
# process still inside one of our namespaces, then delete the namespaces.
_e2e_kill_all() {
	local pid ns i alive
	for pid in "${E2E_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for i in 1 2 3 4 5 6 7 8 9 10; do
		alive=0
		for pid in "${E2E_PIDS[@]}"; do
			kill -0 "$pid" 2>/dev/null && alive=1
		done
		[ "$alive" = 0 ] && break
		sleep 0.2
	done
	for pid in "${E2E_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	E2E_PIDS=()
	E2E_PID_OF=()
	# Anything still running inside one of *our* namespaces was started by
	# this run (e.g. a daemon the firewall CLI forked): end it by PID.
	for ns in "${E2E_NETNS[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
	done
	for ns in "${E2E_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	E2E_NETNS=()
}

# e2e_cleanup: EXIT trap. Kills only PIDs we started and processes inside our
# own namespaces, deletes our namespaces, pin dir and temp dir. If the run
# ends before e2e_summary (error, signal, budget), prints a summary with one
# more failure, so the closing line is always there (E2E_AUTO_SUMMARY=0 for
# scripts that are not tests, e.g. a demo).
e2e_cleanup() {
	local rc=$?
	[ "$E2E_CLEANED" = 1 ] && return "$rc"
	E2E_CLEANED=1
	trap '' INT TERM HUP
	_e2e_kill_all
	if [ -n "$E2E_ID" ] && [ -d "$E2E_PINDIR" ]; then
		rm -rf -- "$E2E_PINDIR"
	fi
	if [ -n "$E2E_TMP" ] && [ -d "$E2E_TMP" ]; then
		if [ "${E2E_KEEP_TMP:-0}" = 1 ] || { [ "$rc" != 0 ] && [ "${E2E_KEEP_TMP_ON_FAIL:-0}" = 1 ]; }; then
			e2e_log "kept temp dir $E2E_TMP"
		else
			rm -rf -- "$E2E_TMP"
		fi
	fi
	if [ "$E2E_SUMMARY_DONE" = 0 ] && [ "${E2E_AUTO_SUMMARY:-1}" = 1 ]; then
		printf 'FAIL - run aborted (status %s)\n' "$rc"
		printf 'e2e: %d passed, %d failed\n' "$E2E_PASSED" $((E2E_FAILED + 1))
		[ "$rc" = 0 ] && exit 1
	fi
	return "$rc"
}

# ----------------------------------------------------- processes in netns
# ns_exec NS CMD...: run a short command in NS (bounded by E2E_CMD_TIMEOUT).
# --foreground keeps it in our process group, so Ctrl-C reaches it at once.
ns_exec() {
	local ns=$1; shift
	timeout --foreground -k 2 "$E2E_CMD_TIMEOUT" ip netns exec "$ns" "$@"
}

# ns_start NAME NS SECONDS CMD...: start CMD in NS in the background under
# `timeout SECONDS`, stdout+stderr to $E2E_TMP/NAME.log; records its PID.
ns_start() {
	local name=$1 ns=$2 secs=$3; shift 3
	timeout -k 2 "$secs" ip netns exec "$ns" "$@" \
		>"$E2E_TMP/$name.log" 2>&1 </dev/null &
	local pid=$!
	E2E_PIDS+=("$pid")
	E2E_PID_OF[$name]=$pid
	[ "${E2E_VERBOSE:-0}" = 1 ] && e2e_log "started $name (pid $pid) in $ns: $*"
	return 0
}

# ns_wait NAME: wait for a process started by ns_start; returns its status
# (124 = killed by its timeout).
ns_wait() {
	local pid=${E2E_PID_OF[$1]:-}
	[ -n "$pid" ] || { e2e_log "ns_wait: unknown $1"; return 255; }
	local rc=0
	wait "$pid" || rc=$?
	[ "${E2E_VERBOSE:-0}" = 1 ] && e2e_log "$1 (pid $pid) exited $rc"
	return "$rc"
}

# ns_stop NAME: SIGTERM a process started by ns_start and reap it.
ns_stop() {
	local pid=${E2E_PID_OF[$1]:-}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# ns_log NAME: path of a process's log.
ns_log() { printf '%s/%s.log' "$E2E_TMP" "$1"; }

# udp_tool NS ARGS...: udp_tool.py (probe | rtp | sip) inside NS, bounded.
udp_tool() {
	local ns=$1; shift
	ns_exec "$ns" "$E2E_PY" "$E2E_DIR/udp_tool.py" "$@"
}

# wait_udp_listen NS ADDR PORT [TRIES]: poll until something listens.
wait_udp_listen() {
	local ns=$1 addr=$2 port=$3 tries=${4:-50} i
	for ((i = 0; i < tries; i++)); do
		if ns_exec "$ns" ss -Hlun "src $addr:$port" 2>/dev/null | grep -q .; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# --------------------------------------------------------- firewall hooks
# router_exec CMD...: run CMD in the router's network namespace but in the
# host mount namespace (nsenter --net), so /sys/fs/bpf is visible. Bounded.
router_exec() {
	timeout --foreground -k 2 "$E2E_CMD_TIMEOUT" nsenter --net="/run/netns/$NS_ROUTER" -- "$@"
}

# router_start NAME SECONDS CMD...: like ns_start, in the router, via nsenter
# (for a long-running firewall daemon).
router_start() {
	local name=$1 secs=$2; shift 2
	timeout -k 2 "$secs" nsenter --net="/run/netns/$NS_ROUTER" -- "$@" \
		>"$E2E_TMP/$name.log" 2>&1 </dev/null &
	local pid=$!
	E2E_PIDS+=("$pid")
	E2E_PID_OF[$name]=$pid
	return 0
}

# bpffs_ensure: mount bpffs at /sys/fs/bpf if it is not one, then create the
# per-run pin dir (removed by the EXIT trap).
bpffs_ensure() {
	if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" != bpf_fs ]; then
		mkdir -p /sys/fs/bpf
		mount -t bpf bpf /sys/fs/bpf || return 1
	fi
	mkdir -p "$E2E_PINDIR"
}

# fw_available: true if $VOIPFW names an executable.
fw_available() { [ -n "$VOIPFW" ] && [ -x "$VOIPFW" ]; }

# voipfw ARGS...: the firewall CLI in the router, e.g.
#   voipfw attach --iface wan0 --pin-dir "$E2E_PINDIR"
voipfw() {
	fw_available || { e2e_log "VOIPFW not set or not executable"; return 127; }
	router_exec "$VOIPFW" "$@"
}

# ---------------------------------------------------------------- topology
_ns_add() {
	ip netns add "$1" || e2e_die "ip netns add $1"
	E2E_NETNS+=("$1")
	ip -n "$1" link set lo up
	# No IPv6 duplicate address detection delay; no router solicitations.
	ns_exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.default.accept_ra=0 >/dev/null
}

# _veth NS_A IF_A NS_B IF_B: a veth pair created directly in both namespaces
# (so interface names never clash with the host or a parallel run), with TX
# checksum offload off on both ends: each end's packets then carry real
# checksums, which is what XDP programs and raw receivers see on a wire.
_veth() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" ||
		e2e_die "veth $1/$2 <-> $3/$4"
	ns_exec "$1" ethtool -K "$2" tx off >/dev/null 2>&1
	ns_exec "$3" ethtool -K "$4" tx off >/dev/null 2>&1
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

topo_up() {
	local ns
	for ns in "$NS_INET" "$NS_ROUTER" "$NS_ISP" "$NS_SCAN" "$NS_PBX"; do
		_ns_add "$ns"
	done

	# inet: a learning bridge, no STP delay, no netfilter on bridged frames.
	ip -n "$NS_INET" link add br0 type bridge stp_state 0 forward_delay 0
	ip -n "$NS_INET" link set br0 up
	ns_exec "$NS_INET" sysctl -qw net.bridge.bridge-nf-call-iptables=0 \
		net.bridge.bridge-nf-call-ip6tables=0 >/dev/null 2>&1

	_veth "$NS_ROUTER" wan0 "$NS_INET" rwan
	_veth "$NS_ISP" eth0 "$NS_INET" risp
	_veth "$NS_SCAN" eth0 "$NS_INET" rscan
	_veth "$NS_PBX" eth0 "$NS_ROUTER" lan0
	for ns in rwan risp rscan; do
		ip -n "$NS_INET" link set "$ns" master br0
	done
	# Native XDP on wan0 needs nothing on its peer to PASS/DROP; XDP_TX or
	# XDP_REDIRECT out of wan0 needs NAPI on the peer: GRO on (or an XDP
	# program there). See veth_xdp_facts.sh.
	if [ "${E2E_PEER_GRO:-0}" = 1 ]; then
		ns_exec "$NS_INET" ethtool -K rwan gro on >/dev/null
	fi

	# router
	ip -n "$NS_ROUTER" addr add "$ROUTER_WAN_IP/$WAN_PREFIXLEN" dev wan0
	ip -n "$NS_ROUTER" addr add "$ROUTER_WAN_IP6/64" dev wan0 nodad
	ip -n "$NS_ROUTER" addr add "$ROUTER_LAN_IP/$LAN_PREFIXLEN" dev lan0
	ip -n "$NS_ROUTER" addr add "$ROUTER_LAN_IP6/64" dev lan0 nodad
	ns_exec "$NS_ROUTER" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 >/dev/null

	# isp: proxy, caller and callee each on their own address.
	local a
	for a in "$ISP_PROXY_IP" "$ISP_CALLER_IP" "$ISP_CALLEE_IP"; do
		ip -n "$NS_ISP" addr add "$a/$WAN_PREFIXLEN" dev eth0
	done
	ip -n "$NS_ISP" addr add "$ISP_PROXY_IP6/64" dev eth0 nodad
	ip -n "$NS_ISP" -6 route add "$LAN6_NET" via "$ROUTER_WAN_IP6"

	# scanner
	ip -n "$NS_SCAN" addr add "$SCANNER_IP/$WAN_PREFIXLEN" dev eth0
	ip -n "$NS_SCAN" addr add "$SCANNER_IP6/64" dev eth0 nodad
	ip -n "$NS_SCAN" -6 route add "$LAN6_NET" via "$ROUTER_WAN_IP6"

	# pbx: behind the router's NAT (IPv4), routed (IPv6).
	ip -n "$NS_PBX" addr add "$PBX_IP/$LAN_PREFIXLEN" dev eth0
	ip -n "$NS_PBX" addr add "$PBX_IP6/64" dev eth0 nodad
	ip -n "$NS_PBX" route add default via "$ROUTER_LAN_IP"
	ip -n "$NS_PBX" -6 route add default via "$ROUTER_LAN_IP6"

	router_nat_up || e2e_die "router nft"
	counters_up || e2e_die "counters nft"

	# Reachability (also resolves neighbours so first packets are not
	# queued): an ICMP port unreachable back proves the path both ways.
	udp_tool "$NS_PBX" probe "$ISP_PROXY_IP" 9 ||
		e2e_die "pbx cannot reach the ISP through the NAT"
	udp_tool "$NS_ISP" probe "$ROUTER_WAN_IP" 9 || e2e_die "isp -> router"
	udp_tool "$NS_SCAN" probe "$ROUTER_WAN_IP" 9 || e2e_die "scanner -> router"
	udp_tool "$NS_SCAN" probe "$PBX_IP6" 9 || e2e_die "scanner -> pbx (IPv6)"
	for a in "$ISP_CALLER_IP" "$ISP_CALLEE_IP"; do
		udp_tool "$NS_ROUTER" probe "$a" 9 || e2e_die "router -> $a"
	done
	e2e_log "topology up: $NS_INET $NS_ROUTER $NS_ISP $NS_SCAN $NS_PBX"
}

# topo_down: tear the topology down now (processes and namespaces; the temp
# dir stays until exit). topo_up may be called again afterwards.
topo_down() { _e2e_kill_all; }

# router_nat_up: the plain home-router setup: masquerade out of wan0 and port
# forwards of UDP 5060 and the RTP range (same port numbers) to the PBX.
# No conntrack helper is assigned anywhere, so there is no SIP ALG.
router_nat_up() {
	ns_exec "$NS_ROUTER" nft -f - <<-EOF
	table ip vfw_e2e_nat {
		chain prerouting {
			type nat hook prerouting priority dstnat; policy accept;
			iifname "wan0" udp dport $SIP_PORT dnat to $PBX_IP
			iifname "wan0" udp dport $RTP_MIN-$RTP_MAX dnat to $PBX_IP
		}
		chain postrouting {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "wan0" masquerade
		}
	}
	EOF
}

# ---------------------------------------------------------------- counters
# Named nft counters in a table "inet vfw_e2e" of each endpoint namespace.
# Read them with counter_get NS NAME (packets).
counters_up() {
	local r=$RTP_MIN-$RTP_MAX
	ns_exec "$NS_PBX" nft -f - <<-EOF || return 1
	table inet vfw_e2e {
		counter sip_in_isp {}
		counter sip_in_scanner {}
		counter sip_in_scanner6 {}
		counter sip_in_other {}
		counter rtp_in_caller {}
		counter rtp_in_callee {}
		counter rtp_in_scanner {}
		counter rtp_in_scanner6 {}
		counter rtp_in_other {}
		counter rtp_out_caller {}
		counter rtp_out_callee {}
		counter sip_out_isp {}
		chain input {
			type filter hook input priority 0; policy accept;
			ip saddr $ISP_PROXY_IP udp dport $SIP_PORT counter name sip_in_isp accept
			ip saddr $SCANNER_IP udp dport $SIP_PORT counter name sip_in_scanner accept
			ip6 saddr $SCANNER_IP6 udp dport $SIP_PORT counter name sip_in_scanner6 accept
			udp dport $SIP_PORT counter name sip_in_other accept
			ip saddr $ISP_CALLER_IP udp dport $r counter name rtp_in_caller accept
			ip saddr $ISP_CALLEE_IP udp dport $r counter name rtp_in_callee accept
			ip saddr $SCANNER_IP udp dport $r counter name rtp_in_scanner accept
			ip6 saddr $SCANNER_IP6 udp dport $r counter name rtp_in_scanner6 accept
			udp dport $r counter name rtp_in_other accept
		}
		chain output {
			type filter hook output priority 0; policy accept;
			ip daddr $ISP_PROXY_IP udp dport $SIP_PORT counter name sip_out_isp accept
			ip daddr $ISP_CALLER_IP udp sport $r counter name rtp_out_caller accept
			ip daddr $ISP_CALLEE_IP udp sport $r counter name rtp_out_callee accept
		}
	}
	EOF
	ns_exec "$NS_ISP" nft -f - <<-EOF || return 1
	table inet vfw_e2e {
		counter rtp_out_caller {}
		counter rtp_in_caller {}
		counter rtp_out_callee {}
		counter rtp_in_callee {}
		counter sip_in_router {}
		chain input {
			type filter hook input priority 0; policy accept;
			ip saddr $ROUTER_WAN_IP ip daddr $ISP_CALLER_IP udp dport $ISP_CALLER_MEDIA_PORT counter name rtp_in_caller accept
			ip saddr $ROUTER_WAN_IP ip daddr $ISP_CALLEE_IP udp dport $ISP_CALLEE_MEDIA_PORT counter name rtp_in_callee accept
			ip saddr $ROUTER_WAN_IP ip daddr $ISP_PROXY_IP udp dport $SIP_PORT counter name sip_in_router accept
		}
		chain output {
			type filter hook output priority 0; policy accept;
			ip saddr $ISP_CALLER_IP ip daddr $ROUTER_WAN_IP udp sport $ISP_CALLER_MEDIA_PORT counter name rtp_out_caller accept
			ip saddr $ISP_CALLEE_IP ip daddr $ROUTER_WAN_IP udp sport $ISP_CALLEE_MEDIA_PORT counter name rtp_out_callee accept
		}
	}
	EOF
	ns_exec "$NS_SCAN" nft -f - <<-EOF || return 1
	table inet vfw_e2e {
		counter sip_out {}
		counter rtp_out {}
		counter sip_out6 {}
		counter rtp_out6 {}
		chain output {
			type filter hook output priority 0; policy accept;
			ip daddr $ROUTER_WAN_IP udp dport $SIP_PORT counter name sip_out accept
			ip daddr $ROUTER_WAN_IP udp dport $r counter name rtp_out accept
			ip6 daddr $PBX_IP6 udp dport $SIP_PORT counter name sip_out6 accept
			ip6 daddr $PBX_IP6 udp dport $r counter name rtp_out6 accept
		}
	}
	EOF
}

# counters_dump NS: "name packets" lines for table inet vfw_e2e in NS.
counters_dump() {
	ns_exec "$1" nft -j list counters table inet vfw_e2e | "$E2E_PY" -c '
import json, sys
for obj in json.load(sys.stdin).get("nftables", []):
    c = obj.get("counter")
    if c:
        print(c["name"], c["packets"])
'
}

# counter_get NS NAME: packet count of one named counter (empty on error).
counter_get() {
	counters_dump "$1" | awk -v n="$2" '$1 == n { print $2 }'
}

# counters_reset NS: zero every counter in NS's vfw_e2e table.
counters_reset() {
	ns_exec "$1" nft reset counters table inet vfw_e2e >/dev/null
}

# ------------------------------------------------------------------- apps
# kamailio_start: the ISP registrar/proxy, foreground, everything in $E2E_TMP.
kamailio_start() {
	mkdir -p "$E2E_TMP/kamailio"
	ns_start kamailio "$NS_ISP" "${1:-110}" kamailio -DD -E \
		-f "$E2E_DIR/kamailio.cfg" \
		-P "$E2E_TMP/kamailio/kamailio.pid" \
		-Y "$E2E_TMP/kamailio" -w "$E2E_TMP/kamailio" \
		-m 32 -M 8 \
		-A "E2E_CTL=\"unix:$E2E_TMP/kamailio/kamailio_ctl\""
	wait_udp_listen "$NS_ISP" "$ISP_PROXY_IP" "$SIP_PORT" 100 || {
		tail -20 "$(ns_log kamailio)" >&2
		return 1
	}
}

# kamcmd_isp CMD...: Kamailio's RPC over its per-run ctl socket.
kamcmd_isp() {
	ns_exec "$NS_ISP" kamcmd -s "unix:$E2E_TMP/kamailio/kamailio_ctl" "$@"
}

# sipp_start NAME NS SECONDS SCENARIO ARGS...: SIPp with the per-run trace
# files in $E2E_TMP, error and statistics traces on, bounded by SECONDS.
sipp_start() {
	local name=$1 ns=$2 secs=$3 scen=$4; shift 4
	mkdir -p "$E2E_TMP/sipp-$name"
	ns_start "$name" "$ns" "$secs" sipp \
		-sf "$E2E_SIPP_DIR/$scen" \
		-trace_err -error_file "$E2E_TMP/sipp-$name/errors.log" \
		-trace_stat -stf "$E2E_TMP/sipp-$name/stat.csv" \
		-trace_screen -screen_file "$E2E_TMP/sipp-$name/screen.log" \
		-nostdin -timeout_error \
		"$@"
}

# sipp_diag NAME: print the tail of a SIPp run's log and error trace.
sipp_diag() {
	local f
	for f in "$(ns_log "$1")" "$E2E_TMP/sipp-$1/errors.log"; do
		[ -s "$f" ] || continue
		printf -- '--- %s\n' "${f#"$E2E_TMP"/}" >&2
		tail -n 25 "$f" >&2
	done
}

# sipp_wait NAME: wait for a SIPp run; on failure print diagnostics.
sipp_wait() {
	local rc=0
	ns_wait "$1" || rc=$?
	if [ "$rc" != 0 ]; then
		e2e_log "$1: sipp exited $rc"
		sipp_diag "$1"
	fi
	return "$rc"
}

# ------------------------------------------------------------ scenarios
# Reusable steps; tests assert on their status and on the counters.

# pbx_register [TAG [PASSWORD [EXPIRES]]]: the PBX registers at the ISP
# proxy through the NAT, asking for EXPIRES seconds (600) (status 0 when the
# proxy answered 200).
pbx_register() {
	local t=${1:-reg} pw=${2:-$PBX_PASS} exp=${3:-600}
	sipp_start "$t" "$NS_PBX" 15 pbx_register.xml \
		-i "$PBX_IP" -p "$SIP_PORT" -s "$PBX_USER" \
		-key pubip "$ROUTER_WAN_IP" -key expires "$exp" \
		-key cseq1 1 -key cseq2 2 \
		-au "$PBX_USER" -ap "$pw" \
		-m 1 -timeout 10 -recv_timeout 5000 "$ISP_PROXY_IP:$SIP_PORT"
	sipp_wait "$t"
}

# kamailio_has_contact: the proxy's location table holds the PBX contact at
# the router's public address.
kamailio_has_contact() {
	kamcmd_isp ul.lookup location "s:$PBX_USER" 2>/dev/null |
		grep -q "sip:$PBX_USER@$ROUTER_WAN_IP:$SIP_PORT"
}

# call_inbound [TAG]: ISP caller -> proxy -> (NAT) -> PBX, ~7 s of RTP each
# way, caller hangs up. Status 0 if both SIPp ends completed their call.
call_inbound() {
	local t=${1:-in} rc=0
	sipp_start "$t-pbx" "$NS_PBX" 30 pbx_uas.xml \
		-i "$PBX_IP" -p "$SIP_PORT" -mi "$PBX_IP" -mp "$PBX_MEDIA_PORT" \
		-s "$PBX_USER" -key pubip "$ROUTER_WAN_IP" \
		-m 1 -timeout 25 -recv_timeout 15000
	wait_udp_listen "$NS_PBX" "$PBX_IP" "$SIP_PORT" || rc=1
	sipp_start "$t-isp" "$NS_ISP" 30 isp_uac.xml \
		-i "$ISP_CALLER_IP" -p "$SIP_PORT" \
		-mi "$ISP_CALLER_IP" -mp "$ISP_CALLER_MEDIA_PORT" \
		-s "$PBX_USER" -m 1 -timeout 25 -recv_timeout 15000 \
		"$ISP_PROXY_IP:$SIP_PORT"
	sipp_wait "$t-isp" || rc=1
	sipp_wait "$t-pbx" || rc=1
	return "$rc"
}

# call_outbound [TAG]: PBX -> (NAT) -> proxy (407 + credentials) -> ISP
# callee, ~7 s of RTP each way, PBX hangs up.
call_outbound() {
	local t=${1:-out} rc=0
	sipp_start "$t-isp" "$NS_ISP" 30 isp_uas.xml \
		-i "$ISP_CALLEE_IP" -p "$SIP_PORT" \
		-mi "$ISP_CALLEE_IP" -mp "$ISP_CALLEE_MEDIA_PORT" \
		-m 1 -timeout 25 -recv_timeout 15000
	wait_udp_listen "$NS_ISP" "$ISP_CALLEE_IP" "$SIP_PORT" || rc=1
	sipp_start "$t-pbx" "$NS_PBX" 30 pbx_uac.xml \
		-i "$PBX_IP" -p "$SIP_PORT" -mi "$PBX_IP" -mp "$PBX_MEDIA_PORT" \
		-s "$ISP_PSTN_NUMBER" -key user "$PBX_USER" \
		-key pubip "$ROUTER_WAN_IP" -au "$PBX_USER" -ap "$PBX_PASS" \
		-m 1 -timeout 25 -recv_timeout 15000 "$ISP_PROXY_IP:$SIP_PORT"
	sipp_wait "$t-pbx" || rc=1
	sipp_wait "$t-isp" || rc=1
	return "$rc"
}

# pbx_responder_start [SECONDS]: a SIPp on the PBX's SIP port answering
# what scanners send (OPTIONS 200, REGISTER 401/404, INVITE 403).
pbx_responder_start() {
	sipp_start rsp "$NS_PBX" "${1:-40}" pbx_responder.xml \
		-i "$PBX_IP" -p "$SIP_PORT" -key pubip "$ROUTER_WAN_IP" \
		-m 2000 -timeout "$(( ${1:-40} - 5 ))"
	wait_udp_listen "$NS_PBX" "$PBX_IP" "$SIP_PORT"
}

# Scanner load, all bounded (count and time). Sizes can be overridden.
SCAN_OPTIONS_COUNT=${SCAN_OPTIONS_COUNT:-100}
SCAN_INVITE_COUNT=${SCAN_INVITE_COUNT:-50}
SCAN_RTP_COUNT=${SCAN_RTP_COUNT:-300}
SCAN_RTP6_COUNT=${SCAN_RTP6_COUNT:-50}
SCAN_SIP6_COUNT=${SCAN_SIP6_COUNT:-20}

# scanner_svmap: SIPVicious svmap against the router's public address;
# output in $E2E_TMP/svmap.out. -x/-b pin its addresses (no lookups).
scanner_svmap() {
	# Run in the background and wait: sipvicious swallows Ctrl-C, so it must
	# not be in our (foreground) process group; `wait` is interruptible.
	ns_start svmap "$NS_SCAN" 20 svmap -x "$SCANNER_IP" -b "$SCANNER_IP" \
		-P 5062 -p "$SIP_PORT" "$ROUTER_WAN_IP"
	ns_wait svmap
	cp "$(ns_log svmap)" "$E2E_TMP/svmap.out"
}

# scanner_svwar: SIPVicious svwar enumerating extensions 990-1010.
scanner_svwar() {
	ns_start svwar "$NS_SCAN" 20 svwar -x "$SCANNER_IP" -b "$SCANNER_IP" \
		-P 5063 -p "$SIP_PORT" -e 990-1010 "$ROUTER_WAN_IP"
	ns_wait svwar
	cp "$(ns_log svwar)" "$E2E_TMP/svwar.out"
}

# scanner_floods: SIPp OPTIONS and INVITE floods at the public address.
scanner_floods() {
	local rc=0
	sipp_start flood-opt "$NS_SCAN" 20 scan_options.xml \
		-i "$SCANNER_IP" -p 5070 -s 100 \
		-m "$SCAN_OPTIONS_COUNT" -r 200 -timeout 15 \
		"$ROUTER_WAN_IP:$SIP_PORT"
	sipp_wait flood-opt || rc=1
	sipp_start flood-inv "$NS_SCAN" 20 scan_invite.xml \
		-i "$SCANNER_IP" -p 5071 -s 100 \
		-m "$SCAN_INVITE_COUNT" -r 200 -timeout 15 \
		"$ROUTER_WAN_IP:$SIP_PORT"
	sipp_wait flood-inv || rc=1
	return "$rc"
}

# scanner_stray_rtp: RTP-looking packets into the forwarded media range
# (IPv4, through the port forward) and to the PBX's IPv6 address (routed),
# plus plain SIP OPTIONS over IPv6.
scanner_stray_rtp() {
	udp_tool "$NS_SCAN" rtp "$ROUTER_WAN_IP" "$RTP_MIN-$RTP_MAX" \
		--count "$SCAN_RTP_COUNT" --rate 500 >/dev/null &&
	udp_tool "$NS_SCAN" rtp "$PBX_IP6" "$RTP_MIN-$RTP_MAX" \
		--count "$SCAN_RTP6_COUNT" --rate 500 >/dev/null &&
	udp_tool "$NS_SCAN" sip "$PBX_IP6" "$SIP_PORT" \
		--count "$SCAN_SIP6_COUNT" --rate 200 >/dev/null
}
