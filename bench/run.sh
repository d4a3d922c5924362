#!/usr/bin/env bash
# voipfw benchmarks: builds what they need, runs them all (a few minutes),
# writes docs/PERFORMANCE.md (+ PNG plots in docs/) and prints a summary.
# Needs root (BPF test runs, namespaces). Never fails on a number.
#   bench/run.sh            (from the Makefile: `bench: all` + `bench/run.sh`)
# Knobs: ROUNDS, REPEAT, SCALE_ROUNDS, SCALE_REPEAT, PARSE_ITER, LAT_CALLS, HOLD_CALLS,
#        NFT_ROUNDS, NFT_CYCLES, NFT_BATCH_MS (bench/nft_compare.sh)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
B=build/bench
R=$B/results
mkdir -p "$B" "$R"
rm -rf "${R:?}"/*

ROUNDS=${ROUNDS:-11}
REPEAT=${REPEAT:-200000}
SCALE_ROUNDS=${SCALE_ROUNDS:-7}
SCALE_REPEAT=${SCALE_REPEAT:-100000}
PARSE_ITER=${PARSE_ITER:-200}
LAT_CALLS=${LAT_CALLS:-2000}
HOLD_CALLS=${HOLD_CALLS:-10000}

step() { printf '== %s\n' "$*" >&2; }

step build
make -s all
CC=${CC:-gcc}
CFLAGS="-O2 -g -Wall -Wextra -Wno-unused-parameter -Werror -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -Iuser/lib -Ibuild"
MULTIARCH=$($CC -print-multiarch 2>/dev/null || true)
clang -g -O2 -target bpf -Wall -Werror ${MULTIARCH:+-I/usr/include/$MULTIARCH} \
	-c bench/bare.bpf.c -o $B/bare.bpf.o
$CC $CFLAGS -o $B/xdp_bench bench/xdp_bench.c build/libvoipfw.a -lbpf -lelf -lz
$CC $CFLAGS -o $B/parse_bench bench/parse_bench.c bench/parse_voipfw.c \
	bench/parse_osip.c build/libvoipfw.a -losipparser2
$CC $CFLAGS -o $B/sip_load bench/sip_load.c -lbpf
$CC $CFLAGS -o $B/live_gen bench/live_gen.c -lbpf

step machine
{
	echo "nproc	$(nproc)"
	echo "cpu	$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
	echo "kernel	$(uname -r)"
	echo "clang	$(clang --version | sed -n 1p)"
	echo "libbpf	$(dpkg-query -W -f='${Version}' libbpf-dev 2>/dev/null || echo '?')"
	echo "libosip2	$(dpkg-query -W -f='${Version}' libosip2-dev 2>/dev/null || echo '?')"
	echo "valgrind	$(valgrind --version 2>/dev/null || echo '?')"
	echo "nftables	$(nft --version 2>/dev/null || echo '?')"
	echo "clocksource	$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
	echo "bpf_jit	$(cat /proc/sys/net/core/bpf_jit_enable)"
	echo "date	$(date -u +%Y-%m-%dT%H:%MZ)"
	echo "commit	$(git rev-parse --short HEAD)"
	echo "paths	$ROUNDS rounds x repeat $REPEAT"
	echo "scale	$SCALE_ROUNDS rounds x repeat $SCALE_REPEAT"
} >"$R/machine.tsv"

step "XDP per path: $ROUNDS rounds x $REPEAT"
$B/xdp_bench paths $B/bare.bpf.o "$ROUNDS" "$REPEAT" >"$R/paths.tsv"

step "XDP map scale: $SCALE_ROUNDS rounds x $SCALE_REPEAT"
$B/xdp_bench scale $B/bare.bpf.o "$SCALE_ROUNDS" "$SCALE_REPEAT" >"$R/scale.tsv"

# Where the time goes: hardware counters are not available in every VM, a
# cpu-clock sampling profile of the test-run loop is. The load (verifier)
# is left out by starting perf once the loop runs.
step "profile"
if perf stat -e cpu-clock true >/dev/null 2>&1; then
	for path in scanner-drop pinhole-hit; do
		$B/xdp_bench profile $B/bare.bpf.o "$path" 5 >/dev/null &
		pid=$!
		sleep 2.5
		cpu=$(($(nproc) - 1))
		perf record -q -e cpu-clock -C "$cpu" -o "$R/perf-$path.data" -- sleep 2 \
			>/dev/null 2>&1 || true
		wait "$pid" || true
		perf report -i "$R/perf-$path.data" --sort symbol --stdio 2>/dev/null |
			grep -E '^ +[0-9.]+%' | head -12 >"$R/profile-$path.txt" || true
	done
	perf stat -e instructions true >"$R/perf-hw.txt" 2>&1 || true
fi

# Section 3 needs veth, nftables and a loadable XDP program; without them
# the report says it was not measured, and the other sections still run.
step "live frames on veth: voipfw vs nftables vs XDP_DROP, ${NFT_ROUNDS:-5} rounds"
bench/nft_compare.sh "$R/nft.tsv" || echo "bench: nft_compare.sh failed (status $?)" >&2

step "parser: callgrind, $PARSE_ITER iterations per message"
rm -rf "$R/cg" && mkdir -p "$R/cg"
$B/parse_bench 1 >"$R/parse-corpus.tsv"
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$R/cg/cg.out" \
	$B/parse_bench "$PARSE_ITER" >/dev/null 2>"$R/cg/valgrind.log"
for f in "$R"/cg/cg.out.*; do
	name=$(sed -n 's/^desc: Trigger: Client Request: //p' "$f")
	callgrind_annotate --inclusive=yes --threshold=100 "$f" 2>/dev/null |
		awk -v n="$name" '/PROGRAM TOTALS/ { gsub(",", "", $1); print n "\tTOTAL\t" $1 }
		    /:(sip_parse|sdp_parse|osip_message_parse|sdp_message_parse|osip_message_init|osip_message_free|sdp_message_init|sdp_message_free) \[/ {
			split($0, a, ":"); fn = a[2]; sub(/ .*/, "", fn)
			v = $1; gsub(",", "", v)
			if (!(fn in seen)) { seen[fn] = 1; print n "\t" fn "\t" v } }'
done >"$R/parse.tsv"
echo "iter	$PARSE_ITER" >>"$R/parse.tsv"

step "daemon: setup latency at the default max_calls, $LAT_CALLS calls"
bench/daemon.sh "$R/daemon-default.tsv" "$LAT_CALLS" 0 1024
step "daemon: $HOLD_CALLS held calls (max_calls $((HOLD_CALLS + 64)))"
bench/daemon.sh "$R/daemon-hold.tsv" 500 "$HOLD_CALLS" $((HOLD_CALLS + 64))

step report
python3 bench/report.py "$R" docs
