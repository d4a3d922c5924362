#!/usr/bin/env bash
# voipfw on a real veth with native XDP: a trunk and a scanner send real UDP
# (and TCP) to listeners behind the router's WAN interface. Only the CLI
# configures the firewall; every step asserts datagram counts.
#
#   inet ns: bridge br0 ── trunk ns   (203.0.113.5,  2001:db8::5)
#                      ├── scanner ns (203.0.113.66, 2001:db8::66)
#                      └── rtr ns wan0 (203.0.113.1, 2001:db8::1) + listeners
set -euo pipefail
source "$(dirname "$0")/lib.sh"

setup() {
	net_init vfwt
	host trunk 203.0.113.5 2001:db8::5
	host scanner 203.0.113.66 2001:db8::66
	IFNAME=wan0 host rtr 203.0.113.1 2001:db8::1
	bg_in rtr timeout 300 $TOOL listen "$STATE" 5060 9999 10000 10002 --raw=132,136,33
	sleep 1
}

setup
check "attach (native XDP)" 0 "$(fw attach --iface wan0 >/dev/null; echo $?)"
check "status shows wan0 native enforcing" 1 \
	"$(fw status | grep -c 'interface wan0 .*native XDP, enforcing')"
fw trunk add 203.0.113.5/32
fw trunk add 2001:db8::5/128

for fam in 4 6; do
	if [ $fam = 4 ]; then T=203.0.113.5 S=203.0.113.66 D=203.0.113.1
	else T=2001:db8::5 S=2001:db8::66 D=2001:db8::1; fi
	drops0=$(stat_of drop-no-trust)
	check "IPv$fam trunk -> sip 5060 arrives" $N "$(delivered trunk $T $D 5060)"
	check "IPv$fam scanner -> sip 5060 dropped" 0 "$(delivered scanner $S $D 5060)"
	check "IPv$fam scanner -> media 10000 dropped" 0 "$(delivered scanner $S $D 10000)"
	check "IPv$fam scanner -> unprotected 9999 arrives" $N "$(delivered scanner $S $D 9999)"
	check "IPv$fam drop-no-trust counted the scanner" $((2 * N)) \
		"$(( $(stat_of drop-no-trust) - drops0 ))"
done

# TCP SIP: the handshake of a trusted trunk completes, a scanner's does not.
check "TCP 5060 from trunk connects" connected \
	"$(in_ns trunk $TOOL connect 203.0.113.1 5060 --src 203.0.113.5)"
check "TCP 5060 from scanner blocked" 1 \
	"$(in_ns scanner $TOOL connect 203.0.113.1 5060 --src 203.0.113.66 | grep -c failed)"

# SCTP (132), UDP-Lite (136), DCCP (33): their ports sit where UDP's do, and
# at a protected port only a trunk gets in.
raw_delivered() {  # raw_delivered FROM_NS IPPROTO SRC PORT
	local before after
	before=$($TOOL count "$STATE" "$3" "p$2" "$4")
	in_ns "$1" $TOOL rawsend 203.0.113.1 "$2" "$4" "$N" --src "$3"
	sleep 0.3
	after=$($TOOL count "$STATE" "$3" "p$2" "$4")
	echo $((after - before))
}
for proto in 132 136 33; do
	check "IP protocol $proto scanner -> 5060 dropped" 0 "$(raw_delivered scanner $proto 203.0.113.66 5060)"
	check "IP protocol $proto scanner -> media 10000 dropped" 0 \
		"$(raw_delivered scanner $proto 203.0.113.66 10000)"
	check "IP protocol $proto trunk -> 5060 arrives" $N "$(raw_delivered trunk $proto 203.0.113.5 5060)"
done
check "SCTP scanner -> unprotected 9999 arrives" $N "$(raw_delivered scanner 132 203.0.113.66 9999)"

fw pinhole add 203.0.113.66 10000 --ttl 60
check "pinhole opens 10000 to that source" $N "$(delivered scanner 203.0.113.66 203.0.113.1 10000)"
check "pinhole does not open 10002" 0 "$(delivered scanner 203.0.113.66 203.0.113.1 10002)"
check "pinhole counters follow traffic" $N \
	"$(fw -j pinhole list | python3 -c "import json,sys; print(next(p['packets'] for p in json.load(sys.stdin) if p['remote']=='203.0.113.66'))")"
fw pinhole del 203.0.113.66 10000
check "deleted pinhole closes again" 0 "$(delivered scanner 203.0.113.66 203.0.113.1 10000)"

fw pinhole add 203.0.113.66 10002 --ttl 1
sleep 1.2
expired0=$(stat_of drop-pinhole-expired)
check "expired pinhole drops" 0 "$(delivered scanner 203.0.113.66 203.0.113.1 10002)"
check "drop-pinhole-expired counted" $N "$(( $(stat_of drop-pinhole-expired) - expired0 ))"

fw trunk del 203.0.113.5/32
check "deleted trunk is dropped" 0 "$(delivered trunk 203.0.113.5 203.0.113.1 5060)"
fw trunk add 203.0.113.0/24 --admit media
check "trunk admitting media only: sip dropped" 0 "$(delivered trunk 203.0.113.5 203.0.113.1 5060)"
check "trunk admitting media only: media passes" $N "$(delivered trunk 203.0.113.5 203.0.113.1 10000)"

fw ports set sip udp 9999
check "ports set protects 9999 live" 0 "$(delivered scanner 203.0.113.66 203.0.113.1 9999)"
fw ports clear udp 9999
check "ports clear unprotects 9999" $N "$(delivered scanner 203.0.113.66 203.0.113.1 9999)"

fw attach --iface wan0 --monitor
check "monitor mode: scanner passes" $N "$(delivered scanner 203.0.113.66 203.0.113.1 5060)"
fw attach --iface wan0
check "enforcing again after replace: scanner dropped" 0 "$(delivered scanner 203.0.113.66 203.0.113.1 5060)"
check "state survived the program replacement" 1 "$(fw trunk list | grep -c '203.0.113.0/24')"

check "bad CIDR is a usage error" 2 "$(fw trunk add 203.0.113.5/33 2>/dev/null; echo $?)"
check "bad interface fails" 1 "$(fw attach --iface nosuch0 2>/dev/null; echo $?)"

check "detach" 0 "$(fw detach --iface wan0; echo $?)"
check "after detach the scanner reaches 5060" $N "$(delivered scanner 203.0.113.66 203.0.113.1 5060)"
check "no XDP program left on wan0" 0 "$(in_ns rtr ip -d link show wan0 | grep -c 'prog/xdp' || true)"

net_summary net
