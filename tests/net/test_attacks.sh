#!/usr/bin/env bash
# Attacks with real packets against voipfw run, counting what reaches the
# VoIP system. Each block runs next to a legitimate call whose RTP both ways
# must arrive (>= 99 %), and counts every attacker packet that arrived at
# the PBX side: a PBX on a LAN behind the router's NAT (port forwards of
# UDP 5060 and the media range, masquerade), as docs/DEPLOY.md sets it up.
#
#   isp ns:  trunk SIP 203.0.113.10 (static trunk, SIP only), the far end's
#            media 203.0.113.20 (+ listener on 40000), registrars .11-.15
#   evil ns: attacker 203.0.113.66 (row 1 caller), .67 (row 1 MESSAGE),
#            .68 (row 7), .69 (row 9), .70 (row 4), .71 (row 6): a fresh
#            address per block
#   rtr ns:  wan0 203.0.113.1, voipfw run, nft DNAT of UDP 5060 and
#            10000-20000 to the PBX, masquerade; raw sockets counting SCTP,
#            UDP-Lite and DCCP to 5060 and 10000-10210 (not forwarded: they
#            end here)
#   lan ns:  the PBX 192.0.2.10 (attack_peer.py pbx, its SDP names
#            203.0.113.1), a listener on the media ports 10000-10210
#
# MUTATE=row1,row2,row4,row6,row7,row7b,row9,expires weakens the firewall on purpose (a static
# pinhole or trunk for the attacker) so the named block's checks must fail:
# the proof that they can (row1sdp, row7sdp: the MESSAGEs are sent as
# INVITEs, whose SDP the kernel reads). Off by default.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PEER="python3 $HERE/attack_peer.py"
MUTATE=${MUTATE:-}
T0=$(date +%s)

net_init vfwa
host isp 203.0.113.10 203.0.113.20 203.0.113.11 203.0.113.12 203.0.113.13 \
	203.0.113.14 203.0.113.15
host evil 203.0.113.66 203.0.113.67 203.0.113.68 203.0.113.69 203.0.113.70 \
	203.0.113.71
IFNAME=wan0 host rtr 203.0.113.1
# MESSAGEs with 50 c= lines exceed 1500 bytes: one datagram, not fragments,
# so the kernel's SIP reader sees every line.
for d in "${P}i" "${P}e" "${P}r" br0; do in_ns inet ip link set "$d" mtu 3000; done
in_ns isp ip link set eth0 mtu 3000
in_ns evil ip link set eth0 mtu 3000
in_ns rtr ip link set wan0 mtu 3000
ip netns add "$P-lan"
NAMESPACES+=(lan)
ip -n "$P-rtr" link add lan0 mtu 3000 type veth peer name eth0 mtu 3000 netns "$P-lan"
in_ns rtr ip addr add 192.0.2.1/24 dev lan0
in_ns rtr ip link set lan0 up
in_ns lan ip link set lo up
in_ns lan ip addr add 192.0.2.10/24 dev eth0
in_ns lan ip link set eth0 up
in_ns lan ip route add default via 192.0.2.1
in_ns lan ethtool -K eth0 tx off >/dev/null
in_ns rtr ethtool -K lan0 tx off >/dev/null
in_ns rtr sysctl -qw net.ipv4.ip_forward=1
in_ns rtr nft -f - <<NFT
table ip vfwa_nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		iifname "wan0" udp dport { 5060, 10000-20000 } dnat to 192.0.2.10
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "wan0" masquerade
	}
}
NFT

FE="$TMP/farend.json"
RAW="$TMP/raw.json"
bg_in lan timeout 300 $TOOL listen "$STATE" 10000-10210
bg_in rtr timeout 300 $TOOL listen "$RAW" --raw=132,136,33 --raw-port=5060,10000-10210
bg_in isp timeout 300 $TOOL listen "$FE" 40000
cat >"$TMP/voipfw.conf" <<CONF
[general]
interface = wan0
# the PBX behind the NAT: only its SIP is followed
voip_hosts = 192.0.2.10
[trunks]
static = 203.0.113.10/32 sip
CONF
sleep 0.5
start_daemon

stop_pbx() { kill "$PBX_PID" 2>/dev/null || true; wait "$PBX_PID" 2>/dev/null || true; }

mutate() {  # mutate BLOCK CMD...: runs CMD only when MUTATE names BLOCK
	case ",$MUTATE," in *",$1,"*) shift; echo "MUTATION: $*"; "$@" ;; esac
}

# Attacker datagrams from SRC that reached any listened port (but EXCEPT).
from_src() { $TOOL total "$STATE" "$1" "${2:-udp}" ${3:+--except "$3"}; }

entries_from() {  # live pinholes + admissions whose remote is ADDR: "pinholes admissions"
	fw -j pinhole list | python3 -c "
import json,sys
ps=[p for p in json.load(sys.stdin) if p['remote']=='$1' and not p['expired']]
print(sum(p['origin']!='announced' for p in ps), sum(p['origin']=='announced' for p in ps))"
}

map_fill() {  # entries of a map in status
	fw -j status | python3 -c "import json,sys; print(json.load(sys.stdin)['maps']['$1']['entries'])"
}

tc_counter() { fw -j status | python3 -c "import json,sys; print(json.load(sys.stdin)['tc']['$1'])"; }

stats_snap() { fw -j stats >"$TMP/stats.$1"; }
stats_delta() {  # stats_delta NAME: the verdicts counted since stats_snap NAME
	fw -j stats | python3 -c "
import json,sys
old={r['reason']:r['packets'] for r in json.load(open('$TMP/stats.$1'))}
d=['%s %d' % (r['reason'], r['packets']-old.get(r['reason'],0)) for r in json.load(sys.stdin) if r['packets']-old.get(r['reason'],0)]
print('info verdicts during $1: ' + (', '.join(d) or 'none'))"
}
stat_delta() {  # stat_delta NAME REASON
	fw -j stats | python3 -c "
import json,sys
old={r['reason']:r['packets'] for r in json.load(open('$TMP/stats.$1'))}
print(next(r['packets']-old.get(r['reason'],0) for r in json.load(sys.stdin) if r['reason']=='$2'))"
}

wait_for() {  # wait_for FILE PATTERN [TENTHS]
	for _ in $(seq "${3:-50}"); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	echo "timeout waiting for '$2' in $1"; return 1
}

# legit_start TAG COUNT: the trunk calls the PBX for the far end's media
# 203.0.113.20:40000; once answered, COUNT RTP packets each way, 20 ms apart.
legit_start() {
	LTAG=$1 LCOUNT=$2
	bg_in isp timeout 90 $PEER call 203.0.113.10 203.0.113.1 203.0.113.20 40000 \
		--callid "legit-$1-$$@isp" --until "$TMP/legit-$1.stop" --max-seconds 80 \
		>"$TMP/legit-$1.out"
	LCALL_PID=$!
	wait_for "$TMP/legit-$1.out" answered
	LPORT=$(sed -n 's/^answered //p' "$TMP/legit-$1.out")
	LIN0=$(arrived 203.0.113.20 "$LPORT")
	LOUT0=$($TOOL count "$FE" 203.0.113.1 udp 40000)
	bg_in isp timeout 60 $TOOL send 203.0.113.1 "$LPORT" "$2" --src 203.0.113.20 --interval 20
	LIN_PID=$!
	bg_in lan timeout 60 $TOOL send 203.0.113.20 40000 "$2" --src 192.0.2.10 --interval 20
	LOUT_PID=$!
}

legit_finish() {  # checks the call's RTP both ways: >= 99 % of LCOUNT
	local in out need=$(( (LCOUNT * 99 + 99) / 100 ))
	wait "$LIN_PID" "$LOUT_PID" || true
	sleep 0.3
	in=$(( $(arrived 203.0.113.20 "$LPORT") - LIN0 ))
	out=$(( $($TOOL count "$FE" 203.0.113.1 udp 40000) - LOUT0 ))
	touch "$TMP/legit-$LTAG.stop"
	wait "$LCALL_PID" || true
	echo "info $LTAG legitimate call (port $LPORT): RTP in $in/$LCOUNT, out $out/$LCOUNT"
	check "$LTAG: legitimate RTP far end -> PBX >= 99 % ($in/$LCOUNT)" yes \
		"$([ "$in" -ge "$need" ] && echo yes || echo no)"
	check "$LTAG: legitimate RTP PBX -> far end >= 99 % ($out/$LCOUNT)" yes \
		"$([ "$out" -ge "$need" ] && echo yes || echo no)"
	check "$LTAG: legitimate call hung up" bye-ok "$(tail -1 "$TMP/legit-$LTAG.out")"
}

# sweep SRC: every port 10000-10203 (the live call's RTP/RTCP 10000/10001,
# the attacker's own call's 10002/10003 and a 200-port slice) ROUNDS times.
sweep() { in_ns evil $TOOL sweep 203.0.113.1 "${3:-10000-10203}" "${2:-2}" --src "$1"; sleep 0.3; }

###########################################################################
# Row 1: the attacker calls the PBX through the trusted trunk with his own
# c=; while it rings, once answered, and across re-INVITEs he probes the
# other live call's RTP/RTCP ports and sweeps the media range. Then
# MESSAGEs relayed by the trunk with 50 c= lines naming a second address of
# his: one text/plain, one application/sdp inside his answered dialog (our
# SDP's port is recorded under that Call-ID: read, it would pair).
bg_in lan timeout 90 $PEER pbx 192.0.2.10 --sdp-addr 203.0.113.1 --ports 10000,10002 --max-seconds 60 >"$TMP/pbx1.out"
PBX_PID=$!
sleep 0.3
stats_snap row1
legit_start row1 500
check "row1: the legitimate call got port 10000" 10000 "$LPORT"
mutate row1 fw pinhole add 203.0.113.66 10000 --ttl 60
mutate row1 fw pinhole add 203.0.113.67 10002 --ttl 60
EVIL_CID="evil-$$@attacker"
bg_in isp timeout 60 $PEER call 203.0.113.10 203.0.113.1 203.0.113.66 40000 --sport 5062 \
	--callid "$EVIL_CID" --ring 6 --reinvite-every 1.5 --reinvite-delay 1 \
	--until "$TMP/evil.stop" --max-seconds 40 >"$TMP/evil.out"
EVIL_PID=$!
sleep 0.5
check "row1: the attacker's call rings (not answered yet)" 0 "$(grep -c "answered $EVIL_CID" "$TMP/pbx1.out" || true)"
sweep 203.0.113.66 2
check "row1 ringing: attacker packets at the PBX (408 sent, the live call's ports included)" 0 \
	"$(from_src 203.0.113.66)"
check "row1 ringing: attacker packets to the live call's RTP/RTCP" 0 \
	"$(( $(arrived 203.0.113.66 10000) + $(arrived 203.0.113.66 10001) ))"
check "row1 ringing: pinholes/admissions from the attacker" "0 0" "$(entries_from 203.0.113.66)"
check "row1: still ringing after the sweep" 0 "$(grep -c "answered $EVIL_CID" "$TMP/pbx1.out" || true)"

wait_for "$TMP/evil.out" answered 60
OWN=$(sed -n 's/^answered //p' "$TMP/evil.out")
check "row1: the attacker's call was answered on port 10002" 10002 "$OWN"
own0=$(( $(arrived 203.0.113.66 10002) + $(arrived 203.0.113.66 10003) ))
sweep 203.0.113.66 2
check "row1 answered: attacker packets at the PBX but to his own call's 10002/10003 (816 sent so far)" 0 \
	"$(from_src 203.0.113.66 udp 10002,10003)"
check "row1 answered: attacker packets to the live call's RTP/RTCP" 0 \
	"$(( $(arrived 203.0.113.66 10000) + $(arrived 203.0.113.66 10001) ))"
echo "info row1 answered: his own call's ports took $(( $(arrived 203.0.113.66 10002) + $(arrived 203.0.113.66 10003) - own0 )) of 4 (his call's media, admitted by design)"
echo "info row1 answered: entries from the attacker (pinholes admissions): $(entries_from 203.0.113.66)"

for _ in 1 2 3; do sweep 203.0.113.66 1; sleep 0.5; done
for p in 10000 10001; do
	in_ns evil $TOOL send 203.0.113.1 $p 50 --src 203.0.113.66
done
sleep 0.3
check "row1 re-INVITEs: attacker packets at the PBX but to his own call's ports (1528 sent so far)" 0 \
	"$(from_src 203.0.113.66 udp 10002,10003)"
check "row1 re-INVITEs: attacker packets to the live call's RTP/RTCP" 0 \
	"$(( $(arrived 203.0.113.66 10000) + $(arrived 203.0.113.66 10001) ))"

neg0=$(tc_counter negotiated_admissions)
MSG_METHOD=MESSAGE
mutate row1sdp eval MSG_METHOD=INVITE   # a request whose SDP the kernel reads
in_ns isp $PEER message 203.0.113.10 203.0.113.1 --sport 5064 --count 1 --clines 50 \
	--addrs 203.0.113.67 --ctype text/plain --method $MSG_METHOD >"$TMP/msg1.out"
in_ns isp $PEER message 203.0.113.10 203.0.113.1 --sport 5064 --count 1 --clines 50 \
	--addrs 203.0.113.67 --ctype application/sdp --callid "$EVIL_CID" --method $MSG_METHOD \
	>>"$TMP/msg1.out"
echo "info row1 MESSAGE: $(head -1 "$TMP/msg1.out")"
sleep 0.3
check "row1 MESSAGE: both MESSAGEs reached the PBX" 2 "$(grep -c '^message' "$TMP/pbx1.out")"
check "row1 MESSAGE (50 c= lines; text/plain, and application/sdp in the attacker's dialog): entries for the named address" \
	"0 0" "$(entries_from 203.0.113.67)"
check "row1 MESSAGE: no kernel admission opened" 0 $(( $(tc_counter negotiated_admissions) - neg0 ))
sweep 203.0.113.67 2
check "row1 MESSAGE: packets from the named address at the PBX (408 sent)" 0 "$(from_src 203.0.113.67)"

# Row 2: holding his own call's media pinhole (10002), the attacker sends
# 1,100 "INVITEs" from source port 5060 to that RTP port. They reach the
# PBX as the RTP of his own call, but the daemon is not handed them as SIP
# (a media pinhole is not a SIP source), so it creates no call from them.
untrusted0=$(tc_counter sip_untrusted_ignored)
mutate row2 fw trunk add 203.0.113.66/32 --admit sip
in_ns evil python3 - <<'PY'
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("203.0.113.66", 5060))
for i in range(1100):
    s.sendto(("INVITE sip:%d@203.0.113.1 SIP/2.0\r\nVia: SIP/2.0/UDP 203.0.113.66:5060;branch=z9hG4bK-f%d\r\n"
              "From: <sip:x@203.0.113.66>;tag=f%d\r\nTo: <sip:%d@203.0.113.1>\r\nCall-ID: fake-%d@evil\r\n"
              "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n" % (i, i, i, i, i)).encode(), ("203.0.113.1", 10002))
    if i % 50 == 49:
        time.sleep(0.01)
PY
sleep 0.5
check "row2: fake INVITEs from port 5060 to his RTP port, not handed to the daemon (1100 sent)" yes \
	"$(d=$(( $(tc_counter sip_untrusted_ignored) - untrusted0 )); [ "$d" -ge 1100 ] && echo yes || echo "no ($d)")"
mutate row2 fw trunk del 203.0.113.66/32

touch "$TMP/evil.stop"; wait "$EVIL_PID" || true

# Row 1b: the attacker knows the live call's Call-ID (he was its caller, or
# saw it on the way) and sends, through the trunk, an INVITE of a new dialog
# under it with his own c=. The PBX refuses it (482, merged request); no
# media port of the live call may open to him.
neg0=$(tc_counter negotiated_admissions)
a0=$(( $(arrived 203.0.113.66 10000) + $(arrived 203.0.113.66 10001) ))
in_ns isp timeout 10 $PEER call 203.0.113.10 203.0.113.1 203.0.113.66 40000 --sport 5068 \
	--callid "legit-row1-$$@isp" --max-seconds 1 >"$TMP/reuse.out" || true
check "row1b: the PBX refused the INVITE under the live call's Call-ID" 1 "$(grep -c '^merged' "$TMP/pbx1.out")"
for p in 10000 10001; do in_ns evil $TOOL send 203.0.113.1 $p 50 --src 203.0.113.66; done
sleep 0.3
echo "info row1b: entries from the attacker (pinholes admissions): $(entries_from 203.0.113.66), kernel admissions opened: $(( $(tc_counter negotiated_admissions) - neg0 ))"
check "row1b: attacker packets to the live call's RTP/RTCP after an INVITE reusing its Call-ID (100 sent)" 0 \
	$(( $(arrived 203.0.113.66 10000) + $(arrived 203.0.113.66 10001) - a0 ))
# (An offer admits nothing until it is answered, and the PBX answered 482.)
# The same INVITE again opens nothing either.
neg0=$(tc_counter negotiated_admissions)
a0=$(( $(arrived 203.0.113.66 10000) + $(arrived 203.0.113.66 10001) ))
in_ns isp timeout 10 $PEER call 203.0.113.10 203.0.113.1 203.0.113.66 40000 --sport 5068 \
	--callid "legit-row1-$$@isp" --max-seconds 1 >"$TMP/reuse.out" || true
for p in 10000 10001; do in_ns evil $TOOL send 203.0.113.1 $p 50 --src 203.0.113.66; done
sleep 0.3
check "row1b: a second such INVITE after the 482 opens nothing (kernel admissions, packets)" "0 0" \
	"$(( $(tc_counter negotiated_admissions) - neg0 )) $(( $(arrived 203.0.113.66 10000) + $(arrived 203.0.113.66 10001) - a0 ))"
check "row1: the attacker's call was re-INVITEd at least 3 times" yes \
	"$(n=$(sed -n 's/^reinvites //p' "$TMP/evil.out"); [ "${n:-0}" -ge 3 ] && echo yes || echo "no (${n:-none})")"
own=$(( $(arrived 203.0.113.66 10002) + $(arrived 203.0.113.66 10003) ))
check "row1: every attacker packet but to his own call counted drop-no-trust" \
	$(( 1528 + 1100 - own + 408 + 200 )) "$(stat_delta row1 drop-no-trust)"
legit_finish
stats_delta row1
stop_pbx

###########################################################################
# Row 7: a flood of trunk-relayed MESSAGEs, 45 c= lines each, ~130/s for
# ~5 s: half application/sdp inside the attacker's own answered dialog
# (our SDP's ports are recorded under that Call-ID) naming fresh IPv6
# addresses, half text/plain with fresh Call-IDs naming IPv4 ones. Neither
# map fills, and a legitimate call meanwhile keeps its RTP.
bg_in lan timeout 90 $PEER pbx 192.0.2.10 --sdp-addr 203.0.113.1 --ports 10100,10102,10104 --max-seconds 60 >"$TMP/pbx7.out"
PBX_PID=$!
sleep 0.3
stats_snap row7
legit_start row7 500
EVIL_CID="evil7-$$@attacker"
bg_in isp timeout 60 $PEER call 203.0.113.10 203.0.113.1 203.0.113.68 40000 --sport 5062 \
	--callid "$EVIL_CID" --until "$TMP/evil7.stop" --max-seconds 40 >"$TMP/evil7.out"
EVIL_PID=$!
wait_for "$TMP/evil7.out" answered
sleep 0.3
ph0=$(map_fill pinholes) ad0=$(map_fill admissions) neg0=$(tc_counter negotiated_admissions)
FLOOD_METHOD=MESSAGE
mutate row7sdp eval FLOOD_METHOD=INVITE   # requests whose SDP the kernel reads
echo "info row7 before the flood: pinholes $ph0, admissions $ad0 entries"
bg_in isp timeout 30 $PEER message 203.0.113.10 203.0.113.1 --sport 5064 --count 325 --rate 65 \
	--clines 45 --addrs v6flood --ctype application/sdp --callid "$EVIL_CID" --method $FLOOD_METHOD \
	>"$TMP/flood-a.out"
FA_PID=$!
bg_in isp timeout 30 $PEER message 203.0.113.10 203.0.113.1 --sport 5066 --count 325 --rate 65 \
	--clines 45 --addrs v4flood --ctype text/plain >"$TMP/flood-b.out"
FB_PID=$!
sleep 2.5
mutate row7 fw pinhole flush
mutate row7 fw pinhole add 2001:db8:bad::0:5 10100 --ttl 60
ph_mid=$(map_fill pinholes) ad_mid=$(map_fill admissions)
wait "$FA_PID" "$FB_PID" || true
sleep 0.3
echo "info row7 flood: $(cat "$TMP/flood-a.out") (application/sdp, in-dialog); $(cat "$TMP/flood-b.out") (text/plain)"
check "row7: all 650 MESSAGEs reached the PBX" 650 "$(grep -c '^message' "$TMP/pbx7.out")"
flood_entries() {
	fw -j pinhole list | python3 -c "
import json,sys
print(sum(1 for p in json.load(sys.stdin) if p['remote'].startswith(('2001:db8:bad:', '198.51.100.', '192.0.2.'))))"
}
ph1=$(map_fill pinholes) ad1=$(map_fill admissions)
echo "info row7 map fill: pinholes $ph0 -> $ph_mid (mid-flood) -> $ph1, admissions $ad0 -> $ad_mid -> $ad1 (max 4096 each)"
check "row7: pinhole/admission entries naming a flood address" 0 "$(flood_entries)"
check "row7: the pinhole map did not grow during the flood" "$ph0 $ph0" "$ph_mid $ph1"
check "row7: the admissions map did not grow during the flood" "$ad0 $ad0" "$ad_mid $ad1"
check "row7: no kernel admission opened during the flood" 0 $(( $(tc_counter negotiated_admissions) - neg0 ))
touch "$TMP/evil7.stop"; wait "$EVIL_PID" || true

# Row 7b: the same in a dialog the PBX does accept: a second call of the
# attacker re-INVITEd as fast as the PBX answers (~3 s), each re-INVITE
# naming a fresh media address. Each answered offer/answer admits its pair
# (2 admissions, announced_media s, LRU-bounded); the daemon's pinholes
# must follow the call (its current address), not pile up.
ph0=$(map_fill pinholes) ad0=$(map_fill admissions) neg0=$(tc_counter negotiated_admissions)
bg_in isp timeout 30 $PEER call 203.0.113.10 203.0.113.1 203.0.113.68 40000 --sport 5070 \
	--callid "evil7b-$$@attacker" --reinvite-every 0.01 --vary-media --max-seconds 3 \
	>"$TMP/evil7b.out"
EVIL_PID=$!
sleep 1.5
mutate row7b eval 'for i in 1 2 3; do fw pinhole add 2001:db8:bad::1:$i 10104 --ttl 60; done'
ph_mid=$(map_fill pinholes)
wait "$EVIL_PID" || true
sleep 0.3
ph1=$(map_fill pinholes) ad1=$(map_fill admissions)
n7b=$(sed -n 's/^reinvites //p' "$TMP/evil7b.out")
echo "info row7b: ${n7b:-0} re-INVITEs answered; pinholes $ph0 -> $ph_mid (mid-flood) -> $ph1, admissions $ad0 -> $ad1, kernel admissions opened $(( $(tc_counter negotiated_admissions) - neg0 ))"
check "row7b: the re-INVITE flood ran (>= 50 answered)" yes "$([ "${n7b:-0}" -ge 50 ] && echo yes || echo "no (${n7b:-none})")"
check "row7b: mid-flood the pinhole map holds at most the two calls' 4 (+2 in transition)" yes \
	"$([ "$ph_mid" -le $((ph0 + 4)) ] && echo yes || echo "no ($ph_mid)")"
check "row7b: the pinhole map ends where it started (the call hung up)" "$ph0" "$ph1"
legit_finish
stats_delta row7
stop_pbx

###########################################################################
# Row 9: UDP-Lite (a real UDP-Lite socket and raw packets), SCTP and DCCP
# (raw IP packets with the ports in their first 4 bytes) to 5060 and to a
# live call's media port, from a non-trunk address, from the call's own
# media peer (it holds UDP pinholes to that port) and from the SIP-only
# trunk. Counted by raw sockets in the rtr namespace; the trunk's packets
# to 5060 are the positive control (a trunk admitting SIP: pass-trunk).
bg_in lan timeout 90 $PEER pbx 192.0.2.10 --sdp-addr 203.0.113.1 --ports 10200 --max-seconds 60 >"$TMP/pbx9.out"
PBX_PID=$!
sleep 0.3
stats_snap row9
legit_start row9 250
mutate row9 fw trunk add 203.0.113.69/32
mutate row9 fw trunk add 203.0.113.20/32
mutate row9 fw trunk add 203.0.113.10/32
raw_from() {  # raw_from NS SRC IPPROTO PORT: sends N, prints how many arrived
	local before
	before=$($TOOL count "$RAW" "$2" "p$3" "$4")
	if [ "$3" = lite ]; then
		in_ns "$1" $TOOL litesend 203.0.113.1 "$4" "$N" --src "$2"
		set -- "$1" "$2" 136 "$4"
	else
		in_ns "$1" $TOOL rawsend 203.0.113.1 "$3" "$4" "$N" --src "$2"
	fi
	sleep 0.2
	echo $(( $($TOOL count "$RAW" "$2" "p$3" "$4") - before ))
}
sent9=0
for proto in lite 136 132 33; do
	for port in 5060 10200; do
		check "row9: IP protocol $proto from a non-trunk address to $port delivered" 0 \
			"$(raw_from evil 203.0.113.69 $proto $port)"
		sent9=$((sent9 + N))
	done
	check "row9: IP protocol $proto from the call's media peer to its port 10200 delivered" 0 \
		"$(raw_from isp 203.0.113.20 $proto 10200)"
	sent9=$((sent9 + N))
done
for proto in 136 132 33; do
	check "row9: IP protocol $proto from the SIP-only trunk to media port 10200 delivered" 0 \
		"$(raw_from isp 203.0.113.10 $proto 10200)"
	sent9=$((sent9 + N))
	check "row9 control: IP protocol $proto from the trunk to 5060 arrives (counted)" "$N" \
		"$(raw_from isp 203.0.113.10 $proto 5060)"
done
check "row9: the attacker's packets all at the PBX (every transport, every port)" "0 0" \
	"$($TOOL total "$RAW" 203.0.113.69 p136) $(( $($TOOL total "$RAW" 203.0.113.69 p132) + $($TOOL total "$RAW" 203.0.113.69 p33) ))"
check "row9: every one of them counted drop-no-trust" "$sent9" "$(stat_delta row9 drop-no-trust)"
legit_finish
stats_delta row9
stop_pbx

###########################################################################
# Expires: registrars granting 4294967295, a Contact expires= above 2^32-1
# (and above 2^64), more than was asked, and 2^32-1 to a request above
# max_registration_trust (14400 s). The learned trust never exceeds
# min(asked, 14400) + registration_grace (60 s); it admits SIP only.
reg_case() {  # reg_case ADDR ASKED BOUND DESCRIPTION REGISTRAR-OPTIONS...
	local addr=$1 asked=$2 bound=$3 what=$4 pid got
	shift 4
	bg_in isp timeout 15 $PEER registrar "$addr" --max-seconds 10 "$@"
	pid=$!
	sleep 0.3
	got=$(in_ns lan $SIPPEER register 192.0.2.10 "$addr" --expires "$asked")
	kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
	sleep 0.3
	mutate expires fw trunk add "$addr/32" --ttl 100000
	check "expires $what: registered" registered "${got%% *}"
	fw -j trunk list | python3 -c "
import json,sys
t=next((t for t in json.load(sys.stdin) if t['prefix']=='$addr/32'), None)
print('%s %s %s' % (t['origin'], t['admit'], t['expires_in']) if t else 'none - -')" >"$TMP/trunk.$addr"
	read -r origin admit expires <"$TMP/trunk.$addr"
	echo "info expires $what: asked $asked, trunk $origin admit $admit expires_in $expires (bound $bound)"
	check "expires $what: the registrar is a learned trunk for SIP only" "learned sip" "$origin $admit"
	check "expires $what: trust at most min(asked, 14400) + 60 = $bound s" yes \
		"$([ "${expires//[!0-9]/}" ] && [ "$expires" -ge 1 ] && [ "$expires" -le "$bound" ] && echo yes || echo "no ($expires)")"
	in_ns isp $TOOL sweep 203.0.113.1 10000-10203 1 --src "$addr"
	sleep 0.3
	check "expires $what: media probes from the registrar delivered (204 sent)" 0 "$(from_src "$addr")"
}
stats_snap expires
reg_case 203.0.113.11 120 180 "Expires: 4294967295" --header-expires 4294967295
reg_case 203.0.113.12 120 180 "Contact expires=4294967296" --contact-expires 4294967296
reg_case 203.0.113.13 120 180 "Contact expires=2^64 and Expires: 2^64" \
	--contact-expires 18446744073709551616 --header-expires 18446744073709551616
reg_case 203.0.113.14 120 180 "3600 granted, 120 asked" --contact-expires 3600 --header-expires 3600
reg_case 203.0.113.15 100000 14460 "4294967295 granted, 100000 asked" --header-expires 4294967295
stats_delta expires

###########################################################################
# Row 4: the PBX calls out through the trunk and the far end rings for 3 s;
# meanwhile an attacker sweeps the media ports, the offered one included.
# No source is admitted by its port alone: none arrive. The far end's RTP
# sent with its answer, from the address the answer names, does.
stats_snap row4
# the far end's media address .12 (free since the expires block): its
# socket must not take the far-end listener's packets to .20:40000
bg_in isp timeout 30 $SIPPEER uas 203.0.113.10 203.0.113.12 40000 --calls 1 --ring 3 \
	--rtp 50 >"$TMP/uas4.out"
UAS_PID=$!
sleep 0.3
bg_in lan timeout 30 $SIPPEER uac 192.0.2.10 203.0.113.10 203.0.113.1 10150 --calls 1 \
	--hold 0.5 >"$TMP/uac4.out"
UAC_PID=$!
sleep 0.8
out0=$($TOOL count "$FE" 203.0.113.1 udp 40000)
bg_in lan timeout 20 $TOOL send 203.0.113.20 40000 50 --src 192.0.2.10 --interval 20
mutate row4 fw pinhole add 203.0.113.70 10150 --ttl 60
in_ns evil $TOOL sweep 203.0.113.1 10100-10203 2 --src 203.0.113.70
in_ns evil $TOOL send 203.0.113.1 10150 50 --src 203.0.113.70 --interval 20
ringing=$(from_src 203.0.113.70)
wait "$UAC_PID" || true
wait "$UAS_PID" || true
sleep 0.3
check "row4: the outbound call completed" "calls 1" "$(head -1 "$TMP/uac4.out")"
check "row4: attacker packets while the call rang (258 sent, 52 to the offered port)" 0 "$ringing"
check "row4: the far end's RTP sent with its answer arrived (50)" 50 "$(arrived 203.0.113.12 10150)"
check "row4: the PBX's RTP to the far end arrived (50)" 50 \
	$(( $($TOOL count "$FE" 203.0.113.1 udp 40000) - out0 ))
in_ns evil $TOOL send 203.0.113.1 10150 20 --src 203.0.113.70
sleep 0.3
check "row4: attacker packets after the answer, to the call's port (20 sent)" 0 "$(from_src 203.0.113.70)"
stats_delta row4

###########################################################################
# Row 6: the attacker's Contact points at himself (203.0.113.71:5070), so
# a request of the PBX goes there and opens a reply pinhole. Through it he
# tries 90 requests of his own (OPTIONS) to the PBX's SIP port; only a
# response from exactly where the request went may come back.
stats_snap row6
cat >"$TMP/row6.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.10", 5060))
s.settimeout(0.2)
s.sendto(b"BYE sip:evil@203.0.113.71:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bK-r6\r\n"
         b"Call-ID: row6@pbx\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n", ("203.0.113.71", 5070))
print("sent", flush=True)
requests = responses = 0
end = time.monotonic() + float(sys.argv[1])
while time.monotonic() < end:
    try:
        data, src = s.recvfrom(4096)
    except socket.timeout:
        continue
    if data.startswith(b"SIP/2.0 "):
        responses += 1
    else:
        requests += 1
print("requests %d responses %d" % (requests, responses))
PY
bg_in lan timeout 20 python3 "$TMP/row6.py" 4 >"$TMP/row6.out"
R6_PID=$!
wait_for "$TMP/row6.out" sent
sleep 0.2
mutate row6 fw pinhole add 203.0.113.71 5060 --ttl 60
in_ns evil python3 - <<'PY'
import socket, time
opt = (b"OPTIONS sip:100@203.0.113.1 SIP/2.0\r\nVia: SIP/2.0/UDP 203.0.113.71:5070;branch=z9hG4bK-%d\r\n"
       b"Call-ID: evil6@x\r\nCSeq: %d OPTIONS\r\nContent-Length: 0\r\n\r\n")
ok = b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bK-r6\r\nCall-ID: row6@pbx\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n"
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("203.0.113.71", 5070))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(("203.0.113.71", 5071))
for i in range(90):
    a.sendto(opt % (i, i), ("203.0.113.1", 5060)); time.sleep(0.01)
for i in range(20):
    b.sendto(ok, ("203.0.113.1", 5060)); time.sleep(0.005)
a.sendto(ok, ("203.0.113.1", 5060))
PY
wait "$R6_PID" || true
read -r _ requests _ responses <<<"$(tail -1 "$TMP/row6.out")" || true
echo "info row6: at the PBX: $(tail -1 "$TMP/row6.out")"
check "row6: the attacker's requests through the reply pinhole reached the PBX (90 sent)" 0 "${requests:-x}"
check "row6: responses reached the PBX (20 from another port, 1 from the request's target)" 1 \
	"${responses:-x}"
stats_delta row6

echo "daemon log (row 7b's $(grep -c evil7b "$DLOG") pinhole lines left out):"
grep -v evil7b "$DLOG" | sed 's/^/  /'

net_summary attacks
echo "runtime $(( $(date +%s) - T0 )) s"
