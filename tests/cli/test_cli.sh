#!/usr/bin/env bash
# voipfw's command line: every help lists exactly the options its parser
# accepts, --json errors are one strict JSON object with an "error" key, and
# the exit codes are 0/1/2. Needs no root: nothing here reaches a BPF map
# except through a pin dir that does not exist.
set -uo pipefail
cd "$(dirname "$0")/../.."
V=${VOIPFW:-build/voipfw}
NOPIN=/tmp/voipfw-cli-nonexistent-$$
passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

# The options listed in a help text: "-i,--iface IF" or "--monitor" per line.
options_of() {
	sed -nE 's/^ +(-([a-zA-Z]), )?--([a-z][a-z0-9-]*)( ([^ ]+))?  .*/\2,\3,\5/p'
}

leaves=("attach" "detach" "trunk add" "trunk del" "trunk list" "ports list"
	"ports set" "ports clear" "ports reset" "pinhole add" "pinhole del"
	"pinhole list" "pinhole flush" "stats" "status" "run" "replay" "doctor")
groups=("trunk" "ports" "pinhole")

# Every option any help lists, and the global ones.
all=$( { "$V" --help; for c in "${leaves[@]}"; do "$V" $c --help; done; } |
	options_of | sort -u)
globals=$("$V" --help | options_of)
[ -n "$globals" ] && ok || fail "no global options in 'voipfw --help'"

# probe CMD OPT_SPEC: exit status and message of CMD with that option and
# more words than any command takes (so nothing ever runs).
probe() {
	local cmd=$1 spec=$2 short long meta
	IFS=, read -r short long meta <<<"$spec"
	local args=("--$long")
	[ -n "$meta" ] && args+=("x")
	"$V" --pin-dir "$NOPIN" $cmd "${args[@]}" w1 w2 w3 w4 w5 2>&1 >/dev/null
}

for c in "${leaves[@]}"; do
	help=$("$V" $c --help); rc=$?
	[ "$rc" -eq 0 ] && ok || fail "'$c --help' exits $rc"
	[ "$("$V" $c help)" = "$help" ] && ok || fail "'$c help' differs from '$c --help'"
	mine=$(options_of <<<"$help")
	# Listed: accepted (the error is about the words, not the option).
	while IFS= read -r spec; do
		[ -n "$spec" ] || continue
		out=$(probe "$c" "$spec"); rc=$?
		if [ "$rc" -eq 2 ] && ! grep -q "unknown option" <<<"$out"; then ok
		else fail "$c: listed option '$spec' refused (rc $rc): $out"; fi
		IFS=, read -r short long meta <<<"$spec"
		if [ -n "$short" ]; then
			out=$("$V" --pin-dir "$NOPIN" $c "-$short" ${meta:+x} w1 w2 w3 w4 w5 2>&1 >/dev/null)
			grep -q "unknown option" <<<"$out" && fail "$c: -$short refused" || ok
		fi
	done <<<"$mine"
	# Not listed (another command's, or made up): refused, exit 2.
	while IFS= read -r spec; do
		[ -n "$spec" ] || continue
		IFS=, read -r short long meta <<<"$spec"
		grep -q -- ",$long," <<<"$mine$(printf '\n%s' "$globals")" && continue
		out=$(probe "$c" "$spec"); rc=$?
		if [ "$rc" -eq 2 ] && grep -q "unknown option '--$long'" <<<"$out"; then ok
		else fail "$c: unlisted '$spec' accepted (rc $rc): $out"; fi
	done <<<"$all
,bogus,"
	# Short options not listed are refused too.
	for l in {a..z} {A..Z}; do
		grep -q "^$l," <<<"$mine$(printf '\n%s' "$globals")" && continue
		out=$("$V" $c "-$l" 2>&1 >/dev/null); rc=$?
		[ "$rc" -eq 2 ] && grep -q "unknown option '-$l'" <<<"$out" ||
			fail "$c: unlisted -$l (rc $rc): $out"
	done
	ok
done

# A group's help shows each subcommand's options, as the leaf's help does.
for g in "${groups[@]}"; do
	want=$(for c in "${leaves[@]}"; do [ "${c%% *}" = "$g" ] && "$V" $c --help | options_of; done | sort)
	got=$("$V" $g help | options_of | sort)
	[ "$got" = "$want" ] && ok || fail "'$g help' options differ: $got / $want"
	"$V" $g >/dev/null 2>&1; rc=$?
	[ "$rc" -eq 2 ] && ok || fail "'$g' without a command exits $rc"
done

# Exit codes, plain.
expect() {  # expect RC CMD...
	local want=$1; shift
	"$V" "$@" >/dev/null 2>&1; local rc=$?
	[ "$rc" -eq "$want" ] && ok || fail "'voipfw $*' exits $rc, want $want"
}
expect 0 --help
expect 0 --version
expect 0 help
expect 0 tr ad -h
expect 2
expect 2 bogus
expect 2 p                      # ambiguous: ports, pinhole
expect 2 --bogus trunk list
expect 2 --pin-dir relative trunk list
expect 2 --pin-dir
expect 2 pinhole add 300.1.1.1 5060
expect 2 pinhole add 192.0.2.1 5060 --proto sctp
expect 2 trunk add 203.0.113.5/33
expect 2 attach --iface wan0 --mode fast
expect 2 attach
expect 1 --pin-dir "$NOPIN" trunk list
expect 1 --pin-dir "$NOPIN" stats
expect 1 replay "$NOPIN.pcap"

# --json: errors are one strict JSON object with "error", same exit codes.
json_error() {  # json_error RC CMD...
	local want=$1 out rc; shift
	out=$("$V" --json "$@" 2>/dev/null); rc=$?
	if [ "$rc" -ne "$want" ]; then fail "'voipfw --json $*' exits $rc, want $want"; return; fi
	if python3 -c 'import json,sys; d = json.load(sys.stdin); assert isinstance(d["error"], str) and d["error"]' <<<"$out"
	then ok; else fail "'voipfw --json $*' stdout is not one JSON error: $out"; fi
}
json_error 2 pinhole add 300.1.1.1 5060
json_error 2 pinhole add 192.0.2.1
json_error 2 trunk add --ttl
json_error 2 trunk
json_error 2
json_error 2 bogus
json_error 2 trunk list extra
json_error 2 stats --bogus
json_error 2 --pin-dir relative status
json_error 1 --pin-dir "$NOPIN" trunk list
json_error 1 --pin-dir "$NOPIN" pinhole list
json_error 1 --pin-dir "$NOPIN" status
json_error 1 --pin-dir "$NOPIN" ports reset
json_error 1 run --config "$NOPIN.conf"
# -j anywhere, and the message names the bad input
out=$("$V" trunk add 1.2.3.4 --admit nobody -j 2>/dev/null)
grep -q "nobody" <<<"$out" && ok || fail "-j late: $out"
# plain mode keeps errors on stderr, stdout empty
[ -z "$("$V" trunk add 2>/dev/null)" ] && ok || fail "plain error on stdout"

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
