# Shared by the namespace tests: a bridge "inet" namespace with hosts on it,
# per-run names, checks, and teardown of everything on exit.
#
#   source tests/net/lib.sh; net_init PREFIX; host NAME V4 V6 ...
#
# Names: namespaces "$P-NAME", pin dir /sys/fs/bpf/$P, temp dir $TMP.
# Processes started with bg_in NAME CMD... are killed by PID on exit.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VOIPFW=${VOIPFW:-$HERE/../../build/voipfw}
TOOL="python3 $HERE/udp_tool.py"
SIPPEER="python3 $HERE/sip_peer.py"
N=${N:-20}
passed=0 failed=0
BG_PIDS=()
NAMESPACES=()

net_cleanup() {
	local pid ns
	set +e
	for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${BG_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	for ns in "${NAMESPACES[@]}"; do ip netns del "$P-$ns" 2>/dev/null; done
	rm -rf "$PIN" "$TMP"
}

net_init() {  # net_init PREFIX
	P="$1$$"
	PIN="/sys/fs/bpf/$P"
	TMP=$(mktemp -d "/tmp/$P.XXXX")
	STATE="$TMP/counts.json"
	DLOG="$TMP/daemon.log"
	trap net_cleanup EXIT
	trap "exit 143" TERM INT   # so EXIT cleanup runs on a kill too
	ip netns add "$P-inet"
	NAMESPACES+=(inet)
	in_ns inet ip link add br0 type bridge
	in_ns inet ip link set br0 up
}

in_ns() { local ns=$1; shift; ip netns exec "$P-$ns" "$@"; }

# Starts CMD in namespace NS in the background; remembers its PID.
bg_in() { local ns=$1; shift; ip netns exec "$P-$ns" "$@" & BG_PIDS+=($!); }

# nsenter keeps the mount namespace, so /sys/fs/bpf stays visible.
fw() { nsenter --net="/run/netns/$P-rtr" "$VOIPFW" --pin-dir "$PIN" "$@"; }

check() {  # check DESCRIPTION EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then
		passed=$((passed + 1)); echo "ok   $1"
	else
		failed=$((failed + 1)); echo "FAIL $1: expected '$2', got '$3'"
	fi
}

# The device inside is eth0, or $IFNAME ("IFNAME=wan0 host rtr ..."): named
# at creation, as 6.1 refuses to rename a device that is up.
host() {  # host NAME V4 V6 [more addresses...]
	local name=$1 port="$P${1:0:1}" dev=${IFNAME:-eth0} a   # bridge port name fits IFNAMSIZ
	shift
	ip netns add "$P-$name"
	NAMESPACES+=("$name")
	ip link add "$port" type veth peer name "$dev" netns "$P-$name"
	ip link set "$port" netns "$P-inet" up
	in_ns inet ip link set "$port" master br0 up
	in_ns "$name" ip link set lo up
	in_ns "$name" ip link set "$dev" up
	for a in "$@"; do
		case $a in
		*:*) in_ns "$name" ip addr add "$a/64" dev "$dev" nodad ;;
		*) in_ns "$name" ip addr add "$a/24" dev "$dev" ;;
		esac
	done
	# XDP sees packets before any checksum offload would fill them in.
	in_ns "$name" ethtool -K "$dev" tx off >/dev/null
}

# Datagrams that arrived at the listener from SRC to PORT so far.
arrived() { $TOOL count "$STATE" "$1" udp "$2"; }

# delivered FROM_NS SRC DST PORT: sends N datagrams, prints how many arrived.
delivered() {
	local from=$1 src=$2 dst=$3 port=$4 before after
	before=$(arrived "$src" "$port")
	in_ns "$from" $TOOL send "$dst" "$port" "$N" --src "$src"
	sleep 0.3
	after=$(arrived "$src" "$port")
	echo $((after - before))
}

# The daemon on the rtr namespace's wan with $TMP/voipfw.conf, logging to
# $DLOG (may be called again after a kill: waits for its own "running on").
start_daemon() {
	local runs
	runs=$(grep -c "running on" "$DLOG" 2>/dev/null || true)
	# nsenter execs voipfw itself, so $! is the daemon (for kill -9);
	# the EXIT trap ends it.
	nsenter --net="/run/netns/$P-rtr" "$VOIPFW" --pin-dir "$PIN" \
		run --config "$TMP/voipfw.conf" >>"$DLOG" 2>&1 &
	DAEMON_PID=$!
	BG_PIDS+=("$DAEMON_PID")
	# up to 20 s: under qemu's emulation, loading conntrack's modules at
	# the first lookup takes seconds
	for _ in $(seq 200); do
		[ "$(grep -c "running on" "$DLOG")" -gt "${runs:-0}" ] && return 0
		sleep 0.1
	done
	echo "daemon did not start:"; cat "$DLOG"; return 1
}

# After the test rewrote $TMP/voipfw.conf: SIGHUP, and wait until applied.
reload_daemon() {
	local n
	n=$(grep -c "reloaded" "$DLOG" || true)
	kill -HUP "$DAEMON_PID"
	for _ in $(seq 50); do
		[ "$(grep -c "reloaded" "$DLOG")" -gt "$n" ] && return 0
		sleep 0.1
	done
	echo "daemon did not reload"; return 1
}

trunk_origin() {  # origin of the trunk entry for an address, or "none"
	fw -j trunk list | python3 -c "import json,sys; print(next((t['origin'] for t in json.load(sys.stdin) if t['prefix'].startswith('$1/')), 'none'))"
}

all_drops() {  # packets counted under every drop-* reason
	fw -j stats | python3 -c "import json,sys; print(sum(r['packets'] for r in json.load(sys.stdin) if r['verdict']=='drop'))"
}

stat_of() {  # packets counted under a reason
	fw -j stats | python3 -c "import json,sys; print(next(r['packets'] for r in json.load(sys.stdin) if r['reason']=='$1'))"
}

net_summary() {  # net_summary NAME
	echo "$1: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
