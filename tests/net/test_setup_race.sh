#!/usr/bin/env bash
# The call-setup race: the far end sends RTP in the same instant as its
# 200 OK, from a media address that only that answer names. The BPF
# programs pair our offer and the trunk's answer by Call-ID and admit
# exactly that address to our offered port before the daemon has even seen
# the answer; this test counts every first packet.
#
#   isp ns: trunk SIP 203.0.113.10 / 2001:db8::10, media 203.0.113.20 / 2001:db8::20
#           (203.0.113.21: media of the inbound calls, unseen before them)
#   scanner ns: 203.0.113.66
#   rtr ns: wan0 203.0.113.1 / 2001:db8::1, voipfw run, the PBX's SIP UA,
#           an RTP listener on 10000
set -euo pipefail
source "$(dirname "$0")/lib.sh"

CALLS=${CALLS:-20}   # per phase
BURST=5              # RTP packets sent back to back with the answer

net_init vfwr
host isp 203.0.113.10 203.0.113.20 203.0.113.21 2001:db8::10 2001:db8::20
host scanner 203.0.113.66 2001:db8::66
IFNAME=wan0 host rtr 203.0.113.1 2001:db8::1
bg_in rtr timeout 300 $TOOL listen "$STATE" 10000

write_config() {  # write_config ANNOUNCED_MEDIA_SECONDS
	cat >"$TMP/voipfw.conf" <<CONF
[general]
interface = wan0
[trunks]
# SIP only: media must earn its way in through SDP
static = 203.0.113.10/32 sip
static = 2001:db8::10/128 sip
[learning]
announced_media = $1
CONF
}

announced_from() {  # live (unexpired) kernel admissions for ADDR: "count port,port..."
	fw -j pinhole list | python3 -c "import json,sys; ps=sorted(p['local_port'] for p in json.load(sys.stdin) if p['remote']=='$1' and p['origin']=='announced' and not p['expired']); print(len(ps), ','.join(map(str, ps)))"
}

# outbound_calls SIP_ADDR MEDIA_ADDR LOCAL N [UAS OPTION]: the PBX calls out N
# times; the far end answers and bursts RTP. Prints "sent arrived dropped
# announced".
outbound_calls() {
	local sip=$1 media=$2 local_addr=$3 n=$4 a0 d0 p0 out
	a0=$(arrived "$media" 10000); d0=$(all_drops); p0=$(stat_of pass-announced)
	bg_in isp timeout 60 $SIPPEER uas "$sip" "$media" 40000 --calls "$n" \
		--rtp "$BURST" ${5:-} >"$TMP/uas.out"
	local uas_pid=$!
	sleep 0.3
	in_ns rtr timeout 60 $SIPPEER uac "$local_addr" "$sip" "$local_addr" 10000 \
		--calls "$n" --hold 0.05 >"$TMP/uac.out" || true
	wait "$uas_pid" || true
	sleep 0.3
	out=$(sed -n 's/^rtp-sent //p' "$TMP/uas.out")
	echo "${out:-0} $(( $(arrived "$media" 10000) - a0 )) $(( $(all_drops) - d0 ))" \
		"$(( $(stat_of pass-announced) - p0 ))"
}

write_config 0
start_daemon

# 1. The race without announced media, for
#    comparison (not asserted: it is a race). The pinhole comes from the
#    daemon, after the answer's tap.
read -r sent got dropped _ <<<"$(outbound_calls 203.0.113.10 203.0.113.20 203.0.113.1 "$CALLS")"
echo "info without announced media: $dropped of $sent RTP packets sent with the answer were dropped ($got arrived)"
check "baseline calls completed" "calls $CALLS" "$(head -1 "$TMP/uac.out")"

# 2. With it (alone): not one packet of the burst is lost, call after call.
write_config 5 && reload_daemon
read -r sent got dropped announced <<<"$(outbound_calls 203.0.113.10 203.0.113.20 203.0.113.1 "$CALLS")"
echo "info with announced media: $announced of $sent packets passed before the daemon's pinhole existed"
check "ipv4: $CALLS outbound calls completed" "calls $CALLS" "$(head -1 "$TMP/uac.out")"
check "ipv4: every RTP packet sent with the answer arrived" "$((CALLS * BURST))" "$got"
check "ipv4: voipfw dropped none of them" 0 "$dropped"
check "ipv4: the calls' admissions went with them" "0 " "$(announced_from 203.0.113.20)"
check "scanner RTP to the media port is still dropped" 0 \
	"$(delivered scanner 203.0.113.66 203.0.113.1 10000)"

read -r sent got dropped _ <<<"$(outbound_calls 2001:db8::10 2001:db8::20 2001:db8::1 5)"
check "ipv6: every RTP packet sent with the answer arrived" "$((5 * BURST))" "$got"
check "ipv6: voipfw dropped none of them" 0 "$dropped"

# 2b. Media before the answer: a far end whose SIP goes through a proxy
#     and its media directly sends the first RTP before our PBX has any
#     answer. Only our own offer is known then, and no source is admitted
#     to a port by the port alone: dropped until an SDP names it. (The
#     previous calls' admissions of that address went with their calls.)
read -r sent got dropped _ <<<"$(outbound_calls 203.0.113.10 203.0.113.20 203.0.113.1 5 --media-first)"
check "media before any answer: none admitted by port alone" 0 "$got"
check "media before any answer: all $((5 * BURST)) dropped" "$((5 * BURST))" "$dropped"
check "calls with media before the answer still completed" "calls 5" "$(head -1 "$TMP/uac.out")"
check "the offered port stays closed to a scanner" 0 \
	"$(delivered scanner 203.0.113.66 203.0.113.1 10000)"

# 3. No daemon at all in the loop: frozen during the whole call, and the
#    first media still arrives -- the kernel alone admitted it.
kill -STOP "$DAEMON_PID"
read -r sent got dropped announced <<<"$(outbound_calls 203.0.113.10 203.0.113.20 203.0.113.1 1)"
check "daemon stopped: the burst arrived" "$BURST" "$got"
check "daemon stopped: admitted as announced media" "$BURST" "$announced"
check "daemon stopped: admitted exactly the offered port and its RTCP port" "2 10000,10001" \
	"$(announced_from 203.0.113.20)"
kill -CONT "$DAEMON_PID"

# 4. Inbound call ringing longer than the window (1 s here): nothing is
#    admitted while it rings (only the caller's offer is known); our 200 OK
#    completes the pair, so the caller's RTP right after it does not race
#    the daemon either.
write_config 1 && reload_daemon
a0=$(arrived 203.0.113.21 10000); d0=$(all_drops)
bg_in rtr timeout 60 $SIPPEER uas 203.0.113.1 203.0.113.1 10000 --calls 3 --ring 3 \
	>"$TMP/pbx.out"
PBX_PID=$!
sleep 0.3
bg_in isp timeout 60 $SIPPEER uac 203.0.113.10 203.0.113.1 203.0.113.21 40000 \
	--calls 3 --rtp "$BURST" --hold 0.05 >"$TMP/caller.out"
CALLER_PID=$!
sleep 1.6
check "inbound: the caller's offer alone admits nothing while it rings" "0 " \
	"$(announced_from 203.0.113.21)"
wait "$CALLER_PID" || true
wait "$PBX_PID" || true
sleep 0.3
check "inbound: 3 calls completed" "calls 3" "$(head -1 "$TMP/caller.out")"
check "inbound: every RTP packet sent with the 200 OK arrived" "$((3 * BURST))" \
	$(( $(arrived 203.0.113.21 10000) - a0 ))
check "inbound: voipfw dropped none of them" 0 $(( $(all_drops) - d0 ))
sleep 2.5
check "the admissions close after their window" "0 " "$(announced_from 203.0.113.21)"

net_summary setup-race
