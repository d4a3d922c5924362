#!/usr/bin/env bash
# Runs each libFuzzer harness for a bounded time over its seed corpus.
#   scripts/run-fuzz.sh SECONDS FUZZER...
# New inputs go to a scratch dir (the committed corpus holds only seeds);
# crashes are written to build/fuzz/artifacts/ and fail the run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=$1; shift
mkdir -p build/fuzz/artifacts
rc=0
for f in "$@"; do
	name=$(basename "$f")
	scratch=$(mktemp -d "/tmp/vfwfuzz.$name.XXXX")
	echo "fuzz: $name for ${seconds}s"
	if ! "$f" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix=build/fuzz/artifacts/"$name"- \
		"$scratch" "tests/fuzz/corpus/$name" 2>"$scratch.log"; then
		echo "fuzz: $name FAILED"; tail -40 "$scratch.log"; rc=1
	else
		grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$scratch.log" | sed "s/^/fuzz: $name /"
	fi
	rm -rf "$scratch" "$scratch.log"
done
exit $rc
