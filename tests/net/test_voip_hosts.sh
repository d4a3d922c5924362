#!/usr/bin/env bash
# Whose SIP voipfw follows: only the VoIP system's (voip_hosts). A router
# masquerades a LAN with the PBX and another device; that device registers
# to an attacker's "registrar", which answers 200 with a huge Expires. The
# daemon asks conntrack who sent each outgoing message before NAT, so the
# attacker is never learned as a trunk and reaches nothing, while the PBX's
# own registration still makes its provider a trunk.
#
#   isp ns:      provider registrar 203.0.113.10, 2001:db8::10
#   attacker ns: 203.0.113.66, 2001:db8::66 (answers REGISTER 200)
#   rtr ns:      wan0 203.0.113.1 / 2001:db8::1, lan0 192.168.50.1 /
#                2001:db8:50::1; masquerade out of wan0, UDP 5060 and
#                10000-10010 forwarded to the PBX; voipfw run
#   lan ns:      PBX 192.168.50.10 / 2001:db8:50::10, other device
#                192.168.50.66 / 2001:db8:50::66
set -euo pipefail
source "$(dirname "$0")/lib.sh"

net_init vfwh
host isp 203.0.113.10 2001:db8::10
host attacker 203.0.113.66 2001:db8::66
IFNAME=wan0 host rtr 203.0.113.1 2001:db8::1

# The LAN behind the router.
ip netns add "$P-lan"
NAMESPACES+=(lan)
ip link add "${P}l" type veth peer name lan0 netns "$P-rtr"
ip link set "${P}l" netns "$P-lan"
in_ns lan ip link set "${P}l" name eth0
in_ns lan ip link set lo up
in_ns lan ip link set eth0 up
in_ns rtr ip link set lan0 up
in_ns rtr ip addr add 192.168.50.1/24 dev lan0
in_ns rtr ip addr add 2001:db8:50::1/64 dev lan0 nodad
for a in 192.168.50.10/24 192.168.50.66/24; do in_ns lan ip addr add "$a" dev eth0; done
for a in 2001:db8:50::10/64 2001:db8:50::66/64; do in_ns lan ip addr add "$a" dev eth0 nodad; done
in_ns lan ip route add default via 192.168.50.1
in_ns lan ip -6 route add default via 2001:db8:50::1
in_ns lan ethtool -K eth0 tx off >/dev/null
for ns in isp attacker; do in_ns "$ns" ip -6 route add 2001:db8:50::/64 via 2001:db8::1; done
in_ns rtr sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
in_ns rtr nft -f - <<'NFT'
table ip vfwh_nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		iifname "wan0" udp dport { 5060, 10000-10010 } dnat to 192.168.50.10
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "wan0" masquerade
	}
}
NFT

write_config() {  # write_config VOIP_HOSTS...
	{
		echo "[general]"
		echo "interface = wan0"
		for h in "$@"; do echo "voip_hosts = $h"; done
		echo "[ports]"
		echo "media_udp = 10000-10010"
	} >"$TMP/voipfw.conf"
}

ignored_from() {  # daemon log lines that ignored SIP from ADDR
	grep -c "outgoing SIP from $1 ignored" "$DLOG" || true
}

# register LAN_ADDR REGISTRAR_NS REGISTRAR [EXPIRES]: prints sip_peer's result.
register() {
	local from=$1 ns=$2 to=$3 exp=${4:-120}
	bg_in "$ns" timeout 10 $SIPPEER registrar "$to" --expires "$exp" --max-seconds 8
	local reg_pid=$!
	sleep 0.3
	in_ns lan timeout 10 $SIPPEER register "$from" "$to" --expires 120 | sed -n 1p
	kill "$reg_pid" 2>/dev/null || true
	wait "$reg_pid" 2>/dev/null || true
}

write_config 192.168.50.10 2001:db8:50::10
start_daemon

# 1. The PBX's registration through NAT: its provider becomes a trunk.
check "the PBX registers through NAT" "registered 120" \
	"$(register 192.168.50.10 isp 203.0.113.10)"
sleep 0.3
check "the PBX's registrar is learned as a trunk" learned "$(trunk_origin 203.0.113.10)"

# 2. Another LAN device registers to the attacker (IPv4 masqueraded, IPv6
#    routed): it works for that device, and teaches voipfw nothing.
check "the other device registers to the attacker (ipv4)" "registered 4294967295" \
	"$(register 192.168.50.66 attacker 203.0.113.66 4294967295)"
check "the other device registers to the attacker (ipv6)" "registered 4294967295" \
	"$(register 2001:db8:50::66 attacker 2001:db8::66 4294967295)"
sleep 0.3
check "the attacker is not a trunk (ipv4)" none "$(trunk_origin 203.0.113.66)"
check "the attacker is not a trunk (ipv6)" none "$(trunk_origin 2001:db8::66)"
check "the daemon says whose SIP it ignored (masqueraded)" 1 \
	"$([ "$(ignored_from 192.168.50.66)" -ge 1 ] && echo 1 || echo 0)"
check "the daemon says whose SIP it ignored (routed)" 1 \
	"$([ "$(ignored_from 2001:db8:50::66)" -ge 1 ] && echo 1 || echo 0)"

# 3. What reaches the PBX now (counted there, behind the port forward).
bg_in lan timeout 120 $TOOL listen "$STATE" 5060 10000
sleep 0.5
check "attacker -> PBX SIP port: 0 of $N" 0 "$(delivered attacker 203.0.113.66 203.0.113.1 5060)"
check "attacker -> PBX media port: 0 of $N" 0 "$(delivered attacker 203.0.113.66 203.0.113.1 10000)"
check "provider -> PBX SIP port: all $N (the trunk works)" "$N" \
	"$(delivered isp 203.0.113.10 203.0.113.1 5060)"
check "provider -> PBX media port: 0 (a learned trunk admits SIP only)" 0 \
	"$(delivered isp 203.0.113.10 203.0.113.1 10000)"

# 4. The same with the whole LAN believed (what voipfw did before
#    voip_hosts): the attacker is learned and reaches the PBX. This is the
#    check above failing on purpose, so it is known to be able to.
write_config 192.168.50.0/24 2001:db8:50::/64 && reload_daemon
register 192.168.50.66 attacker 203.0.113.66 4294967295 >/dev/null
sleep 0.3
check "whole LAN believed: the attacker becomes a trunk" learned "$(trunk_origin 203.0.113.66)"
check "whole LAN believed: the attacker reaches the SIP port" "$N" \
	"$(delivered attacker 203.0.113.66 203.0.113.1 5060)"
fw trunk del 203.0.113.66 >/dev/null

net_summary voip-hosts
