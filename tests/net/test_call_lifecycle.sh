#!/usr/bin/env bash
# Calls that live like real ones (issue 12), through the real XDP/TC
# programs and `voipfw run`, with short timers (pinhole_idle 10 s, the
# minimum; call_max 60 s, the minimum) and no kernel admission of
# negotiated media (announced_media 0), so every pinhole is the daemon's:
#
#  1-4 hold for 22 s (> 2 x pinhole_idle) with no RTP, then resume; every
#      RTP packet the far end sends after the resume must arrive:
#      1 the far end holds (sendonly: the softphone case of the issue),
#      2 the far end holds (inactive), 3 we hold (sendonly), 4 we hold the
#      old way (c=0.0.0.0).
#  5   a 70 s call (> call_max) refreshed by re-INVITEs with session timers.
#  6   a 70 s call with no signalling at all after its setup: its media
#      keeps it past call_max.
#  7   a held call whose BYE is lost: its pinholes (no idle timeout while
#      held) close call_max after its last signalling.
#  8   an active call whose BYE is lost: its pinholes close pinhole_idle
#      after its media stopped.
# All eight run at once; the whole test takes about 80 s.
#
#   isp ns: call i's far end: SIP 203.0.113.(10+i), media 203.0.113.(20+i):40000
#   rtr ns: wan0 203.0.113.1-8 (call i's PBX UA at 203.0.113.i, its RTP
#           port 10000+2i), voipfw run, an RTP listener
set -euo pipefail
source "$(dirname "$0")/lib.sh"

net_init vfwl
isp_addrs=() rtr_addrs=() trunks=""
for i in 1 2 3 4 5 6 7 8; do
	isp_addrs+=("203.0.113.$((10 + i))" "203.0.113.$((20 + i))")
	rtr_addrs+=("203.0.113.$i")
	trunks+="static = 203.0.113.$((10 + i))/32 sip"$'\n'
done
host isp "${isp_addrs[@]}"
IFNAME=wan0 host rtr "${rtr_addrs[@]}"
bg_in rtr timeout 200 $TOOL listen "$STATE" 10002-10016
cat >"$TMP/voipfw.conf" <<CONF
[general]
interface = wan0
[trunks]
# SIP only: media must earn its way in through SDP
$trunks
[learning]
announced_media = 0
[timeouts]
pinhole_idle = 10
call_max = 60
CONF
start_daemon

port_of() { echo $((10000 + 2 * $1)); }
media_of() { echo "203.0.113.$((20 + $1))"; }

# call I PBX_SCRIPT FAR_SCRIPT [FAR OPTIONS...]: call I, the far end calling
# our PBX UA; both sides' outputs in $TMP/pbx-I.out and $TMP/far-I.out.
call() {
	local i=$1 pbx_script=$2 far_script=$3
	shift 3
	bg_in rtr timeout 120 $SIPPEER ua "203.0.113.$i" "203.0.113.$i" "$(port_of "$i")" \
		--script "$pbx_script" --max-seconds 100 "$@" >"$TMP/pbx-$i.out"
	sleep 0.2
	bg_in isp timeout 120 $SIPPEER ua "203.0.113.$((10 + i))" "$(media_of "$i")" 40000 \
		--call "203.0.113.$i" --rtp --script "$far_script" --max-seconds 100 "$@" \
		>"$TMP/far-$i.out"
	FAR_PIDS+=($!)
}

got() { arrived "$(media_of "$1")" "$(port_of "$1")"; }
sent() { sed -n 's/^rtp-sent //p' "$TMP/far-$1.out"; }
before_hold() { sed -n 's/^rtp-sent-before-hold //p' "$TMP/far-$1.out"; }

live_pinholes() {  # call pinholes from call I's media address the kernel still admits
	fw -j pinhole list | python3 -c "import json,sys; print(sum(1 for p in json.load(sys.stdin) if p['remote']=='$(media_of "$1")' and p['origin']=='call' and not p['expired']))"
}

FAR_PIDS=()
start=$(date +%s.%N)
# at SECONDS since start; already past (a slow emulated guest): at once.
# Each check below holds at any time after its mark until the next one.
at() {
	local d
	d=$(echo "$1 - ($(date +%s.%N) - $start)" | bc)
	case $d in -*) return 0 ;; esac
	sleep "$d"
}

call 1 "" "2:hold:sendonly,24:resume,30:bye"
call 2 "" "2:hold:inactive,24:resume,30:bye"
call 3 "2:hold:sendonly,24:resume" "30:bye"
call 4 "2:hold:null,24:resume" "30:bye"
call 5 "" "20:refresh,40:refresh,60:refresh,70:bye" --session-expires 90
call 6 "" "70:bye"
call 7 "" "2:hold:sendonly,4:vanish"
call 8 "" "3:vanish"

at 13
declare -A mid
for i in 1 2 3 4; do mid[$i]=$(got "$i"); done
check "held calls keep their pinholes through the hold" "2 2 2 2" \
	"$(live_pinholes 1) $(live_pinholes 2) $(live_pinholes 3) $(live_pinholes 4)"
at 20
check "lost BYE, active call: its pinholes closed by media idle (10 s)" 0 "$(live_pinholes 8)"
at 40
check "lost BYE, held call: no idle timeout, kept past 2 x pinhole_idle" 2 "$(live_pinholes 7)"
at 68
# call_max after its last signalling (about 4 s in, later on a slow guest),
# then the next second's tick: polled for up to 20 s more
for _ in $(seq 20); do [ "$(live_pinholes 7)" = 0 ] && break; sleep 1; done
check "lost BYE, held call: pinholes closed call_max after its last signalling" 0 \
	"$(live_pinholes 7)"
for pid in "${FAR_PIDS[@]}"; do wait "$pid" || true; done
sleep 0.5

names=([1]="far end holds (sendonly)" [2]="far end holds (inactive)"
       [3]="we hold (sendonly)" [4]="we hold (c=0.0.0.0)")
# Nothing is sent during the hold, so what arrived by the mark at 13 s is
# what arrived before it; what came after is the resume's. (The first
# packets of a call race its pinhole: test_setup_race.sh measures that.)
for i in 1 2 3 4; do
	total=$(got "$i") s=$(sent "$i") bh=$(before_hold "$i")
	echo "info call $i, ${names[$i]}: RTP sent $s, arrived $total" \
		"(before the hold ${mid[$i]} of $bh, after the resume $((total - mid[$i])) of $((s - bh)))"
	check "${names[$i]}: every RTP packet after the resume arrived" "$((s - bh))" "$((total - mid[$i]))"
	check "${names[$i]}: the call ended with its BYE" "ended bye sent" "$(tail -1 "$TMP/far-$i.out")"
done
for i in 5 6; do
	echo "info call $i: RTP sent $(sent "$i"), arrived $(got "$i") over 70 s (call_max 60 s)"
done
check "session-timer call past call_max: every RTP packet arrived" "$(sent 5)" "$(got 5)"
check "media-only call past call_max: every RTP packet arrived" "$(sent 6)" "$(got 6)"
check "both long calls ended with their BYE" "ended bye sent ended bye sent" \
	"$(tail -1 "$TMP/far-5.out") $(tail -1 "$TMP/far-6.out")"
check "no call pinhole left" 0 "$(fw -j pinhole list | python3 -c "import json,sys; print(sum(1 for p in json.load(sys.stdin) if p['origin']=='call' and not p['expired']))")"

if [ "$failed" -ne 0 ]; then
	echo "--- daemon log (tail)"; tail -40 "$DLOG"
	for i in 1 2 3 4 5 6 7 8; do echo "--- call $i: $(tr '\n' ' ' <"$TMP/far-$i.out")"; done
	echo "--- drops"; fw -j stats | python3 -c "import json,sys; [print(r['reason'], r['packets']) for r in json.load(sys.stdin) if r['verdict']=='drop' and r['packets']]"
fi
net_summary call-lifecycle
