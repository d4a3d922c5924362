#!/usr/bin/env bash
# voipfw run on a real veth: SIP over real sockets through the attached
# programs. The VoIP system runs on the router itself (no NAT here; the
# e2e suite adds NAT and real SIP software).
#
#   isp ns: registrar + caller (203.0.113.10), its media server (203.0.113.20)
#   scanner ns: 203.0.113.66
#   rtr ns: wan0 203.0.113.1, voipfw run, the SIP UA and an RTP listener
set -euo pipefail
source "$(dirname "$0")/lib.sh"

net_init vfwd
host isp 203.0.113.10 203.0.113.20 2001:db8::10
host scanner 203.0.113.66 2001:db8::66
IFNAME=wan0 host rtr 203.0.113.1 2001:db8::1
bg_in rtr timeout 300 $TOOL listen "$STATE" 10000 10002
cat >"$TMP/voipfw.conf" <<CONF
[general]
interface = wan0
[learning]
egress_media = yes
egress_media_idle = 10
[log]
drop_summary_interval = 10
CONF

# The call's Call-ID (sip_peer.py --odd-bytes) as pinhole list --json must
# give it: the output strict UTF-8 and JSON, each bad byte one U+FFFD, the é
# kept, the C1 control (CSI) escaped. Prints how many call pinholes match.
odd_call_ids() {
	fw -j pinhole list | python3 -c '
import json, re, sys
R = "\ufffd"
want = re.compile(r"call[0-9]+-caf\u00e9-" + R * 2 + "-" + R * 2 + "-" + R * 3 +
                  "-\u009b-" + R * 2 + "@test$")
doc = json.loads(sys.stdin.buffer.read().decode("utf-8", "strict"))
print(sum(1 for p in doc if p["origin"] == "call" and want.match(p.get("call_id", ""))))'
}

# The first daemon runs with --json (its events as JSON lines on stdout, to
# $EVENTS; its other messages stay on stderr, in $DLOG), the restarted one
# plain. Prints "LINES BAD OPENS TRUNK": JSON lines, lines that are not
# strict UTF-8 JSON objects, pinhole_open events of the odd call (its
# Call-ID with U+FFFD as pinhole list gives it), trunk_learn events of ARG1.
EVENTS="$TMP/events.jsonl"
printf '#!/bin/sh\nexec "%s" --json "$@" >>"%s"\n' "$VOIPFW" "$EVENTS" >"$TMP/voipfw-json"
chmod +x "$TMP/voipfw-json"
json_events() {
	python3 - "$EVENTS" "$1" <<'PY'
import json, re, sys
R = "\ufffd"
odd = re.compile(r"call[0-9]+-caf\u00e9-" + R * 2 + "-" + R * 2 + "-" + R * 3 +
                 "-\u009b-" + R * 2 + "@test$")
lines = open(sys.argv[1], "rb").read().splitlines()
bad = opens = trunk = 0
for raw in lines:
    try:
        ev = json.loads(raw.decode("utf-8"))
        assert isinstance(ev, dict) and "event" in ev and "time" in ev
    except (ValueError, AssertionError):
        bad += 1
        continue
    opens += ev["event"] == "pinhole_open" and bool(odd.match(ev.get("call_id", "")))
    trunk += ev["event"] == "trunk_learn" and ev.get("remote") == sys.argv[2]
print(len(lines), bad, opens, trunk)
PY
}

pinholes_from() {  # number of pinholes whose remote is ADDR
	fw -j pinhole list | python3 -c "import json,sys; print(sum(1 for p in json.load(sys.stdin) if p['remote']=='$1' and p['origin']=='call'))"
}

VOIPFW="$TMP/voipfw-json" start_daemon
check "status after run: wan0 enforcing" 1 "$(fw status | grep -c 'interface wan0 .*enforcing')"

# 1. Before registration the ISP is nobody: its INVITE is dropped.
bg_in isp timeout 20 $SIPPEER registrar 203.0.113.10 --expires 120 --max-seconds 20
sleep 0.5
check "unregistered ISP cannot call in" "failed: no answer" \
	"$(in_ns isp $SIPPEER caller 203.0.113.10 203.0.113.1 203.0.113.20 5 | sed -n 1p)"
check "ISP not trusted yet" none "$(trunk_origin 203.0.113.10)"

# 2. Registration: the 401 comes back through the reply pinhole opened at
#    egress, the 200 makes the registrar a learned trunk.
registered_at=$(date +%s)
check "registration through the firewall" "registered 120" \
	"$(in_ns rtr $SIPPEER register 203.0.113.1 203.0.113.10 --expires 120)"
sleep 0.3
check "registrar learned as trunk" learned "$(trunk_origin 203.0.113.10)"
check "the learned trunk admits SIP only" sip \
	"$(fw -j trunk list | python3 -c "import json,sys; print(next(t['admit'] for t in json.load(sys.stdin) if t['prefix'].startswith('203.0.113.10/')))")"
check "the registrar cannot reach a media port" 0 "$(delivered isp 203.0.113.10 203.0.113.1 10002)"
expires=$(fw -j trunk list | python3 -c "import json,sys; print(next(t['expires_in'] for t in json.load(sys.stdin) if t['prefix'].startswith('203.0.113.10/')))")
# 120 s + 60 s grace from the 200 OK, less the time since (slow under emulation)
floor=$(( 180 - ($(date +%s) - registered_at) - 2 ))
check "learned trunk expires after granted 120 s + grace" yes \
	"$([ "$expires" -ge "$floor" ] && [ "$expires" -le 180 ] && echo yes || echo "no ($expires, want $floor-180)")"
check "the media server is not a trunk" none "$(trunk_origin 203.0.113.20)"

# 3. Inbound call: the far end sends RTP the instant the 200 OK arrives,
#    then a steady stream (10 s at least, until the test hangs up) while the
#    daemon is killed and restarted.
bg_in rtr timeout 60 $SIPPEER callee 203.0.113.1 10000 --max-seconds 60 >"$TMP/callee.out"
sleep 0.5
before=$(arrived 203.0.113.20 10000)
drops_setup=$(all_drops)
bg_in isp timeout 180 $SIPPEER caller 203.0.113.10 203.0.113.1 203.0.113.20 200 \
	--duration 10 --until "$TMP/hangup" --bye --odd-bytes >"$TMP/caller.out"
CALLER_PID=$!
for _ in $(seq 30); do [ "$(pinholes_from 203.0.113.20)" = 2 ] && break; sleep 0.1; done
check "pinholes for RTP and RTCP from the media server" 2 "$(pinholes_from 203.0.113.20)"
check "pinhole list names the call" 2 \
	"$(fw -j pinhole list | python3 -c "import json,sys; print(sum(1 for p in json.load(sys.stdin) if p['origin']=='call' and p.get('call_id','').endswith('@test')))")"
check "pinhole list --json: a non-UTF-8 Call-ID as strict UTF-8 with U+FFFD" 2 "$(odd_call_ids)"
fw pinhole list >"$TMP/table"   # pinholes and the call's media admissions
check "pinhole list table: the Call-ID in printable ASCII only" "yes 0" \
	"$(LC_ALL=C grep -q 'call[0-9]*-caf??-??-??-???-??-??@test' "$TMP/table" && echo yes) $(LC_ALL=C grep -c '[^ -~]' "$TMP/table")"
read -r n_json bad_json opens_json trunk_json <<<"$(json_events 203.0.113.10)"
check "--json run: every event line is strict UTF-8 JSON" "yes 0" \
	"$([ "$n_json" -ge 3 ] && echo yes || echo "no ($n_json lines)") $bad_json"
check "--json run: the odd call's pinhole_open events, Call-ID with U+FFFD" 2 "$opens_json"
check "--json run: the registrar's trunk_learn event" 1 "$trunk_json"
check "--json run: no event line on stderr" 0 "$(grep -c 'pinhole_open\|trunk_learn' "$DLOG")"
check "status shows the live call record" 1 \
	"$(fw -j status | python3 -c "import json,sys; print(json.load(sys.stdin)['maps']['calls']['entries'])")"
sleep 0.5
check "voipfw dropped no RTP at call setup" 0 $(( $(all_drops) - drops_setup ))
check "the first 200 RTP packets all arrived (setup race)" yes \
	"$([ $(( $(arrived 203.0.113.20 10000) - before )) -ge 200 ] && echo yes || echo no)"
check "scanner RTP to the call's port is dropped" 0 "$(delivered scanner 203.0.113.66 203.0.113.1 10000)"
# The media peer holds a pinhole to 10001 (RTCP); "SIP" it sends there from source
# port 5060 is media to us, never signalling for the daemon.
tap_counter() { fw -j status | python3 -c "import json,sys; print(json.load(sys.stdin)['tc']['$1'])"; }
untrusted0=$(tap_counter sip_untrusted_ignored) sip_in0=$(tap_counter sip_in)
in_ns isp $TOOL send 203.0.113.1 10001 5 --src 203.0.113.20 --sport 5060
sleep 0.3
check "SIP-port datagrams from a media pinhole's holder are not tapped" "5 0" \
	"$(( $(tap_counter sip_untrusted_ignored) - untrusted0 )) $(( $(tap_counter sip_in) - sip_in0 ))"

# 4. Crash safety: kill -9 mid-call; media keeps flowing, scanners stay
#    out; the restarted daemon restores the call and BYE still closes it.
drops_before=$(all_drops)
kill -9 "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true
check "after kill -9 scanners stay blocked" 0 "$(delivered scanner 203.0.113.66 203.0.113.1 10000)"
start_daemon
for _ in $(seq 20); do grep -q 'restored 1 live call' "$DLOG" && break; sleep 0.1; done
check "restart restored the live call" 1 "$(grep -c 'restored 1 live call' "$DLOG")"
check "the restored call's pinholes are listed" 2 "$(pinholes_from 203.0.113.20)"
check "the restored call record keeps the Call-ID's bytes" 2 "$(odd_call_ids)"
touch "$TMP/hangup"   # the caller streams on until here, however slow the kernel
wait "$CALLER_PID" || true
sleep 0.3
sent=$(sed -n 's/^rtp-sent \([0-9]*\) .*/\1/p' "$TMP/caller.out")
check "caller sent a call's worth of RTP" yes "$([ "${sent:-0}" -gt 500 ] && echo yes || echo "no (${sent:-none})")"
# voipfw's own counters are exact: across kill -9 and restart it dropped
# nothing but the scanner's 20 packets; and every RTP packet the caller
# sent, from the first, arrived.
check "voipfw dropped nothing of the call across kill -9 and restart" "$N" \
	$(( $(all_drops) - drops_before ))
check "every RTP packet of the call arrived across kill -9 and restart" "$sent" \
	$(( $(arrived 203.0.113.20 10000) - before ))
check "BYE answered" bye-ok "$(tail -1 "$TMP/caller.out")"
sleep 0.3
check "BYE closed the restored call's pinholes" 0 "$(pinholes_from 203.0.113.20)"
# The restarted daemon logs plain: the Call-ID's bytes outside 0x20-0x7e as \xNN.
check "plain log: the BYE's pinhole_close lines with the Call-ID escaped" 2 \
	"$(grep -cE 'pinhole_close udp 203\.0\.113\.20 -> port 1000[01] idle [0-9]+s call call[0-9]+-caf\\xc3\\xa9-\\xff\\xfe-\\xc0\\xaf-\\xed\\xa0\\x80-\\xc2\\x9b-\\xe2\\x82@test \(BYE received\)' "$DLOG")"
check "media after BYE is dropped" 0 "$(delivered isp 203.0.113.20 203.0.113.1 10000)"

# 5. Egress media learning (for SRTP/TLS, where SDP is unreadable): media
#    we send from a media port opens the return path from that address only.
check "before: the media server cannot reach port 10002" 0 "$(delivered isp 203.0.113.20 203.0.113.1 10002)"
in_ns rtr $TOOL send 203.0.113.20 40002 3 --src 203.0.113.1 --sport 10002
check "egress media opened a return pinhole" 1 \
	"$(fw -j pinhole list | python3 -c "import json,sys; print(sum(1 for p in json.load(sys.stdin) if p['origin']=='egress' and p['remote']=='203.0.113.20' and p['local_port']==10002))")"
check "the return media arrives" "$N" "$(delivered isp 203.0.113.20 203.0.113.1 10002)"
check "other sources still cannot use that port" 0 "$(delivered scanner 203.0.113.66 203.0.113.1 10002)"

# 6. Drop summaries name the sources: 640 scanner packets, one in 64 sampled.
N=640 delivered scanner 203.0.113.66 203.0.113.1 5060 >/dev/null
for _ in $(seq 130); do grep -q "top sources.*203.0.113.66" "$DLOG" && break; sleep 0.1; done
check "drop summary names the scanner as top source" yes \
	"$(grep "top sources" "$DLOG" | grep -q '203.0.113.66 drop-no-trust' && echo yes || echo no)"

check "plain log: printable ASCII only (and tabs)" 0 "$(LC_ALL=C grep -c $'[^ -~\t]' "$DLOG")"

echo "daemon log:"; sed 's/^/  /' "$DLOG"
net_summary daemon
