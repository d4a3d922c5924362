#!/usr/bin/env bash
# Two voipfw processes creating the pins of one pin directory at the same
# time (two `attach`, or `attach` and `run`) must not take each other's
# pins away: each either succeeds or fails cleanly, and afterwards every
# map is pinned and every attached program uses exactly the pinned maps.
# Without a lock, the loser of a pin race has libbpf unpin the maps it
# created, which the winner may already be using: a filter whose trunks
# no CLI can reach.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

net_init vfwl
IFNAME=wan0 host rtr 203.0.113.1 2001:db8::1
in_ns rtr ip link add wan1 type veth peer name wan1p
in_ns rtr ip link set wan1 up
in_ns rtr ip link set wan1p up
ROUNDS=${ROUNDS:-10}
mkdir -m 0700 "$PIN"

# prints "OK" or what is wrong: a missing pin, a program map that is not
# pinned (.rodata/.bss and the per-CPU scratch buffer are private to a load)
pins_intact() {  # pins_intact DIR IFACE...
	local dir=$1; shift
	python3 - "$P-rtr" "$dir" "$@" <<'EOF'
import json, subprocess, sys
ns, d, ifaces = sys.argv[1], sys.argv[2], sys.argv[3:]
names = ["stats", "ports", "trunks", "pinholes", "frags", "ifaces", "runtime", "tap",
         "tap_stats", "calls", "drop_sources", "negotiations", "admissions", "replies"]
def bt(*a):
    return json.loads(subprocess.run(["bpftool", "-j", *a], check=True,
                                     capture_output=True, text=True).stdout)
pinned = {}
for n in names:
    try:
        pinned[bt("map", "show", "pinned", f"{d}/{n}")["id"]] = n
    except subprocess.CalledProcessError:
        print(f"no pin {n}"); sys.exit()
for i in ifaces:
    link = json.loads(subprocess.run(["ip", "-n", ns, "-j", "-d", "link", "show", i], check=True,
                                     capture_output=True, text=True).stdout)[0]
    prog = link.get("xdp", {}).get("prog", {}).get("id")
    if not prog:
        print(f"{i}: no XDP program"); sys.exit()
    for m in bt("prog", "show", "id", str(prog)).get("map_ids", []):
        name = bt("map", "show", "id", str(m))["name"]
        if m not in pinned and not any(name.endswith(s) for s in (".rodata", ".data", ".bss", "_scratc")):
            print(f"{i}: map {name} (id {m}) is not pinned"); sys.exit()
print("OK")
EOF
}

in_rtr() { nsenter --net="/run/netns/$P-rtr" "$@"; }

bad=0 clean_fail=0 unclean=0
for r in $(seq "$ROUNDS"); do
	dir=$PIN/r$r
	rc0=0 rc1=0
	in_rtr "$VOIPFW" --pin-dir "$dir" attach --iface wan0 2>"$TMP/e0" & p0=$!
	in_rtr "$VOIPFW" --pin-dir "$dir" attach --iface wan1 2>"$TMP/e1" & p1=$!
	wait $p0 || rc0=$?
	wait $p1 || rc1=$?
	ok=()
	[ $rc0 -eq 0 ] && ok+=(wan0)
	[ $rc1 -eq 0 ] && ok+=(wan1)
	for e in 0 1; do
		rc=$([ $e -eq 0 ] && echo $rc0 || echo $rc1)
		[ "$rc" -eq 0 ] && continue
		if [ "$rc" -eq 1 ] && grep -q "error: " "$TMP/e$e"; then
			clean_fail=$((clean_fail + 1))
		else
			unclean=$((unclean + 1)); echo "round $r wan$e: exit $rc"; cat "$TMP/e$e"
		fi
	done
	if [ ${#ok[@]} -gt 0 ]; then
		res=$(pins_intact "$dir" "${ok[@]}")
		[ "$res" = OK ] || { bad=$((bad + 1)); echo "round $r: $res"; }
	fi
	for i in "${ok[@]}"; do in_rtr "$VOIPFW" --pin-dir "$dir" detach --iface "$i" 2>/dev/null || true; done
done
check "$ROUNDS rounds of two concurrent attach: pins intact" 0 "$bad"
check "a failed attach failed cleanly (exit 1, an error message)" 0 "$unclean"
echo "   ($clean_fail attaches failed cleanly)"

# attach racing run on one pin dir
cat >"$TMP/voipfw.conf" <<EOF
[general]
interface = wan1
pin_dir = $PIN/run
[ports]
sip_udp = 5070
EOF
bad=0 overwritten=0
for r in $(seq "$ROUNDS"); do
	dir=$PIN/run
	: >"$DLOG"
	in_rtr "$VOIPFW" --pin-dir "$dir" run --config "$TMP/voipfw.conf" >>"$DLOG" 2>&1 & DAEMON_PID=$!
	BG_PIDS+=("$DAEMON_PID")
	rc=0
	in_rtr "$VOIPFW" --pin-dir "$dir" attach --iface wan0 2>"$TMP/e0" || rc=$?
	for _ in $(seq 200); do
		grep -q "running on\|error" "$DLOG" && break
		sleep 0.1
	done
	ok=()
	[ $rc -eq 0 ] && ok+=(wan0)
	grep -q "running on" "$DLOG" && ok+=(wan1)
	if [ ${#ok[@]} -eq 0 ]; then
		bad=$((bad + 1)); echo "round $r: neither attached"; cat "$TMP/e0" "$DLOG"
	else
		res=$(pins_intact "$dir" "${ok[@]}")
		[ "$res" = OK ] || { bad=$((bad + 1)); echo "round $r: $res"; }
	fi
	# the daemon's config stays applied: attach must not reset maps it did not create
	if grep -q "running on" "$DLOG" &&
	   ! in_rtr "$VOIPFW" --pin-dir "$dir" ports list | grep -q "^sip *udp *5070$"; then
		overwritten=$((overwritten + 1)); echo "round $r: the daemon's ports were reset"
		in_rtr "$VOIPFW" --pin-dir "$dir" ports list
	fi
	kill "$DAEMON_PID" 2>/dev/null || true
	wait "$DAEMON_PID" 2>/dev/null || true
	for i in wan0 wan1; do in_rtr "$VOIPFW" --pin-dir "$dir" detach --iface "$i" 2>/dev/null || true; done
	rm -rf "$dir"
done
check "$ROUNDS rounds of attach racing run: pins intact" 0 "$bad"
check "... and the daemon's config applied (attach initialises only maps it created)" 0 "$overwritten"

net_summary net
