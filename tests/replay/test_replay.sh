#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `voipfw replay` over pcaps built by mkpcap.py: asserts the exact sequence
# of decisions for each capture (link types, fragments, IPv6, TCP, expiry),
# and the error paths. Needs no root. Ends with "replay: N passed, N failed".
#   VOIPFW=path/to/voipfw tests/replay/test_replay.sh
set -uo pipefail

cd "$(dirname "$0")/../.."
VOIPFW=${VOIPFW:-build/voipfw}
T0=1704110400   # the captures start at 2024-01-01 12:00:00 UTC
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

python3 tests/replay/mkpcap.py "$work" || { echo "mkpcap.py failed"; exit 1; }

ok()   { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }

# JSON lines -> "t=+SECONDS event proto remote[:port] local_port call expires|reason".
# Fails (exit 1) on a line that is not a JSON object with event and time,
# or on time going backwards.
condense() {
	python3 -c '
import json, sys
t0, last = float(sys.argv[1]), 0.0
for n, line in enumerate(sys.stdin, 1):
    ev = json.loads(line)
    assert isinstance(ev, dict) and "event" in ev and "time" in ev, line
    assert ev["time"] >= last, "line %d goes back in time" % n
    last = ev["time"]
    out = ["t=+%.2f" % (ev["time"] - t0), ev["event"]]
    if "remote" in ev:
        out.append(ev["proto"])
        out.append(ev["remote"] + (":%d" % ev["remote_port"] if "remote_port" in ev else ""))
    if "local_port" in ev:
        out.append("local=%d" % ev["local_port"])
    if ev.get("provisional"):
        out.append("provisional")
    if ev.get("call_id"):
        out.append("call=" + ev["call_id"])
    out.append("exp=%g" % ev["expires"] if "expires" in ev else "(%s)" % ev["reason"])
    print(" ".join(out))
' "$T0"
}

# expect NAME EXPECTED_FILE -- VOIPFW_ARGS...: JSON events must equal EXPECTED_FILE.
expect() {
	local name=$1 want=$2 got=$work/$1.got
	shift 3
	if ! "$VOIPFW" --json replay "$@" >"$work/$name.json" 2>"$work/$name.err"; then
		fail "$name: exit status $?"; cat "$work/$name.err"; return
	fi
	if ! condense <"$work/$name.json" >"$got"; then
		fail "$name: output is not time-ordered JSON lines"; return
	fi
	if diff -u "$want" "$got" >"$work/$name.diff"; then
		ok "$name"
	else
		fail "$name"; cat "$work/$name.diff"
	fi
}

# expect_error NAME STATUS STDERR_PATTERN -- VOIPFW_ARGS...
expect_error() {
	local name=$1 status=$2 pattern=$3 rc
	shift 4
	"$VOIPFW" replay "$@" >"$work/$name.out" 2>"$work/$name.err"
	rc=$?
	if [ "$rc" -ne "$status" ]; then
		fail "$name: exit status $rc, want $status"; cat "$work/$name.err"
	elif ! grep -q -- "$pattern" "$work/$name.err"; then
		fail "$name: stderr lacks '$pattern'"; cat "$work/$name.err"
	else
		ok "$name"
	fi
}

# ---- expected decisions ----------------------------------------------------

# Register (401 challenge, then 200 granting 600 s; the tracker adds 60 s of
# grace), an inbound call (pinholes open when our 200 with SDP leaves, close
# at the remote's BYE), an outbound call (provisional pinholes from the trunk
# when our offer leaves, replaced by the answer's media address, closed at
# our BYE). A call lives call_max (4 h) past its latest message.
cat >"$work/basic.want" <<'EOF'
t=+0.15 trunk_learn udp 198.51.100.1:5060 local=5060 exp=660
t=+3.36 pinhole_open udp 198.51.100.50 local=10000 call=in-1@trunk exp=14400
t=+3.36 pinhole_open udp 198.51.100.50 local=10001 call=in-1@trunk exp=14400
t=+8.53 pinhole_close udp 198.51.100.50 local=10000 call=in-1@trunk (BYE received)
t=+8.53 pinhole_close udp 198.51.100.50 local=10001 call=in-1@trunk (BYE received)
t=+9.54 pinhole_open udp 198.51.100.1 local=10002 provisional call=out-1@pbx exp=14400
t=+9.54 pinhole_open udp 198.51.100.1 local=10003 provisional call=out-1@pbx exp=14400
t=+11.09 pinhole_open udp 198.51.100.60 local=10002 call=out-1@pbx exp=14400
t=+11.09 pinhole_open udp 198.51.100.60 local=10003 call=out-1@pbx exp=14400
t=+11.09 pinhole_close udp 198.51.100.1 local=10003 provisional call=out-1@pbx (answer named another address)
t=+11.09 pinhole_close udp 198.51.100.1 local=10002 provisional call=out-1@pbx (answer named another address)
t=+14.20 pinhole_close udp 198.51.100.60 local=10002 call=out-1@pbx (BYE sent)
t=+14.20 pinhole_close udp 198.51.100.60 local=10003 call=out-1@pbx (BYE sent)
EOF

# The inbound call alone (its INVITE arrives in IP fragments, last one first).
cat >"$work/frag.want" <<'EOF'
t=+0.15 trunk_learn udp 198.51.100.1:5060 local=5060 exp=660
t=+3.36 pinhole_open udp 198.51.100.50 local=10000 call=in-1@trunk exp=14400
t=+3.36 pinhole_open udp 198.51.100.50 local=10001 call=in-1@trunk exp=14400
t=+8.53 pinhole_close udp 198.51.100.50 local=10000 call=in-1@trunk (BYE received)
t=+8.53 pinhole_close udp 198.51.100.50 local=10001 call=in-1@trunk (BYE received)
EOF

cat >"$work/ipv6.want" <<'EOF'
t=+0.15 trunk_learn udp 2001:db8:5::1:5060 local=5060 exp=660
t=+3.36 pinhole_open udp 2001:db8:5::50 local=10004 call=in-v6@trunk exp=14400
t=+3.36 pinhole_open udp 2001:db8:5::50 local=10005 call=in-v6@trunk exp=14400
t=+8.53 pinhole_close udp 2001:db8:5::50 local=10004 call=in-v6@trunk (BYE received)
t=+8.53 pinhole_close udp 2001:db8:5::50 local=10005 call=in-v6@trunk (BYE received)
EOF

# SIP over TCP (INVITE in 97-byte segments); media pinholes are UDP regardless.
cat >"$work/tcp.want" <<'EOF'
t=+0.15 trunk_learn tcp 198.51.100.1:5060 local=40000 exp=660
t=+3.36 pinhole_open udp 198.51.100.50 local=10000 call=in-1@trunk exp=14400
t=+3.36 pinhole_open udp 198.51.100.50 local=10001 call=in-1@trunk exp=14400
t=+8.41 pinhole_close udp 198.51.100.50 local=10000 call=in-1@trunk (BYE received)
t=+8.41 pinhole_close udp 198.51.100.50 local=10001 call=in-1@trunk (BYE received)
EOF

# 120 s granted + 60 s grace, never refreshed: expires at +180.15, reported
# by the next once-a-second tick; the capture goes on to +200.
cat >"$work/expiry.want" <<'EOF'
t=+0.15 trunk_learn udp 198.51.100.1:5060 local=5060 exp=180
t=+181.00 trunk_expire udp 198.51.100.1 (registration expired)
EOF

cat >"$work/natwarn.want" <<'EOF'
t=+0.15 trunk_learn udp 198.51.100.1:5060 local=5060 exp=660
t=+0.15 warning (contact differs from public address)
EOF

# Only the inbound call, with no REGISTER to learn the local address from.
cat >"$work/nolocal.want" <<'EOF2'
t=+3.21 pinhole_open udp 198.51.100.50 local=10000 call=in-1@trunk exp=14400
t=+3.21 pinhole_open udp 198.51.100.50 local=10001 call=in-1@trunk exp=14400
t=+8.38 pinhole_close udp 198.51.100.50 local=10000 call=in-1@trunk (BYE received)
t=+8.38 pinhole_close udp 198.51.100.50 local=10001 call=in-1@trunk (BYE received)
EOF2
: >"$work/empty.want"

# ---- runs --------------------------------------------------------------------

L=(--local 203.0.113.10)
expect raw_inferred_local   "$work/basic.want"   -- "$work/basic_raw.pcap"
expect ethernet_qinq        "$work/basic.want"   -- "$work/basic_vlan.pcap" "${L[@]}"
expect ethernet_pppoe       "$work/basic.want"   -- "$work/basic_pppoe.pcap" "${L[@]}"
expect sll_direction        "$work/basic.want"   -- "$work/basic_sll.pcap"
expect null_loopback        "$work/basic.want"   -- "$work/basic_null.pcap" --local=203.0.113.10
expect two_locals           "$work/basic.want"   -- "$work/basic_raw.pcap" --local 192.0.2.1 "${L[@]}"
expect ipv4_fragments       "$work/frag.want"    -- "$work/frag_eth.pcap"
expect ipv6_frag_sll2       "$work/ipv6.want"    -- "$work/ipv6_sll2.pcap"
expect tcp_segments         "$work/tcp.want"     -- "$work/tcp_raw.pcap"
expect registration_expiry  "$work/expiry.want"  -- "$work/expiry_raw.pcap"
expect nat_warning          "$work/natwarn.want" -- "$work/natwarn_raw.pcap"
expect local_given          "$work/nolocal.want" -- "$work/nolocal_raw.pcap" "${L[@]}"
expect wrong_local_no_events "$work/empty.want"  -- "$work/basic_raw.pcap" --local 192.0.2.99

# The fragmented INVITE really went through reassembly.
if grep -q "2 fragments -> 1 datagrams" "$work/ipv4_fragments.err"; then
	ok "fragments_counted"
else
	fail "fragments_counted"; cat "$work/ipv4_fragments.err"
fi

# Plain output: one human-readable line per decision, same order.
"$VOIPFW" replay "$work/basic_raw.pcap" >"$work/plain.out" 2>/dev/null
# (user/lib/eventfmt.h: the daemon's log lines, after the capture's clock)
first='12:00:00.150 trunk_learn 198.51.100.1 expires in 660s (registered)'
inbound='12:00:03.360 pinhole_open udp 198.51.100.50 -> port 10000 idle 60s call in-1@trunk expires in 14400s (SDP sent)'
if [ "$(wc -l <"$work/plain.out")" -eq 13 ] && [ "$(head -n 1 "$work/plain.out")" = "$first" ] &&
   [ "$(sed -n 2p "$work/plain.out")" = "$inbound" ]; then
	ok "plain_output"
else
	fail "plain_output"; cat "$work/plain.out"
fi

# Issue 11: a Call-ID, From and User-Agent with bytes 0x80-0xff (mkpcap.py's
# scen_odd_bytes). The output must be strict UTF-8 and JSON, each bad byte one
# U+FFFD, valid UTF-8 kept, the C1 control escaped, and the 128-byte cut of
# the long Call-ID inside a euro sign two U+FFFD -- replay's old escaper
# passed the strict decode but made "\u00c3\u00a9" of the é.
"$VOIPFW" --json replay "$work/odd_bytes_raw.pcap" >"$work/odd.json" 2>"$work/odd.err"
if python3 - "$work/odd.json" >"$work/odd.check" 2>&1 <<'PY'
import json, sys
R = "\ufffd"
want = {"odd-caf\u00e9-" + R * 2 + "-" + R * 2 + "-" + R * 3 + "-" + R * 4 +
        "-\u009b-" + R * 2 + "@trunk": 4,
        "x" * 126 + R * 2: 8}
got = {}
for line in open(sys.argv[1], "rb").read().decode("utf-8", "strict").splitlines():
    ev = json.loads(line)
    if "call_id" in ev:
        got[ev["call_id"]] = got.get(ev["call_id"], 0) + 1
assert got == want, "call_ids %r" % got
PY
then
	ok "non_utf8_call_id_json"
else
	fail "non_utf8_call_id_json"; cat "$work/odd.check" "$work/odd.err"
fi

# Issue 11, plain: the same capture prints printable ASCII only, every byte
# outside 0x20-0x7e of the Call-ID as \xNN (a raw 0x9b is a terminal's CSI).
"$VOIPFW" replay "$work/odd_bytes_raw.pcap" >"$work/odd.out" 2>>"$work/odd.err"
odd='odd-caf\xc3\xa9-\xff\xfe-\xc0\xaf-\xed\xa0\x80-\xf4\x90\x80\x80-\xc2\x9b-\xe2\x82@trunk'
if [ "$(LC_ALL=C grep -c '[^ -~]' "$work/odd.out")" = 0 ] &&
   [ "$(grep -cF " call $odd " "$work/odd.out")" = 4 ] &&
   [ "$(grep -cE ' call x{126}\\xe2\\x82 ' "$work/odd.out")" = 8 ]; then
	ok "non_utf8_call_id_plain_ascii"
else
	fail "non_utf8_call_id_plain_ascii"; cat -v "$work/odd.out"
fi

expect_error missing_file   1 "$work/nope.pcap"        -- "$work/nope.pcap"
expect_error not_a_pcap     1 "mkpcap.py"              -- tests/replay/mkpcap.py
expect_error unknown_link   1 "unsupported link type 147" -- "$work/user0.pcap"
expect_error no_register    2 "give it with --local"   -- "$work/nolocal_raw.pcap"
expect_error bad_local      2 "bad --local address '1.2.3'" -- "$work/basic_raw.pcap" --local 1.2.3
expect_error no_file_arg    2 "usage: voipfw replay"   --
expect_error extra_arg      2 "unexpected argument 'x'" -- "$work/basic_raw.pcap" x
expect_error unknown_option 2 "unknown option '--bogus'" -- "$work/basic_raw.pcap" --bogus

echo
echo "replay: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
