#!/usr/bin/env bash
# voipfw doctor against a real router namespace: a clean setup is ok in
# every router check; each broken setup is reported by the right check with
# its evidence; and doctor changes nothing (ruleset, sysctls, maps
# byte-identical before and after a run).
#
#   isp ns:  203.0.113.10 (only there so wan0 has a link)
#   rtr ns:  wan0 203.0.113.1/24 + 2001:db8::1, lan0 192.168.50.1/24 +
#            2001:db8:50::1; masquerade out of wan0; udp 5060 and
#            10000-10011 forwarded to the PBX; voipfw on wan0
#   lan ns:  the PBX 192.168.50.10, 2001:db8:50::10
set -euo pipefail
source "$(dirname "$0")/lib.sh"

net_init vfwd
host isp 203.0.113.10 2001:db8::10
IFNAME=wan0 host rtr 203.0.113.1 2001:db8::1
ip netns add "$P-lan"
NAMESPACES+=(lan)
ip link add "${P}l" type veth peer name lan0 netns "$P-rtr"
ip link set "${P}l" netns "$P-lan"
in_ns lan ip link set "${P}l" name eth0
in_ns lan ip link set eth0 up
in_ns lan ip addr add 192.168.50.10/24 dev eth0
in_ns lan ip addr add 2001:db8:50::10/64 dev eth0 nodad
in_ns rtr ip link set lan0 up
in_ns rtr ip addr add 192.168.50.1/24 dev lan0
in_ns rtr ip addr add 2001:db8:50::1/64 dev lan0 nodad
in_ns rtr ip route add default via 203.0.113.10
in_ns rtr sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

# nat_rules SIP_DNAT MEDIA_PORTS [EXTRA_RULE]: the router's port forwards.
nat_rules() {
	in_ns rtr nft delete table ip vfwd_nat 2>/dev/null || true
	in_ns rtr nft -f - <<NFT
table ip vfwd_nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		iifname "wan0" udp dport 5060 $1
		iifname "wan0" udp dport $2 dnat to ${MEDIA_TO:-192.168.50.10}
		${3:-}
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "wan0" masquerade
	}
}
NFT
}
clean_nat() { nat_rules "dnat to 192.168.50.10" "10000-10011"; }
clean_nat

cat >"$TMP/voipfw.conf" <<EOF
[general]
interface = wan0
voip_hosts = 192.168.50.10
voip_hosts = 2001:db8:50::10
[ports]
media_udp = 10000-10011
EOF

doctor() { fw doctor --config "$TMP/voipfw.conf" "$@"; }
# field CHECK KEY: one field of one check in the JSON output (strict json.loads)
field() {
	doctor -j | python3 -c "
import json, sys
d = json.loads(sys.stdin.read())
r = [c for c in d if c['check'] == '$1'][0]
v = r['$2']
print(' | '.join(v) if isinstance(v, list) else v)"
}
has() {  # has DESCRIPTION NEEDLE HAYSTACK
	case $3 in
	*"$2"*) check "$1" yes yes ;;
	*) check "$1" "contains '$2'" "$3" ;;
	esac
}
ROUTER_CHECKS="sip-alg wan-address forward-port rtp-range unprotected-forward nat-timeout voipfw ipv6"

# 0. voipfw not loaded: the voipfw check fails, exit 1.
set +e; doctor >/dev/null 2>&1; rc=$?; set -e
check "not loaded: exit 1" 1 "$rc"
check "not loaded: voipfw fails" fail "$(field voipfw status)"
check "not loaded: unprotected-forward skips" skip "$(field unprotected-forward status)"

# 1. Attached, no daemon: everything ok but the daemon's feed.
fw attach --iface wan0 >/dev/null
fw ports set media udp 10000-10011 >/dev/null
fw ports clear udp 10012-20000 >/dev/null
check "no daemon: voipfw warns" warn "$(field voipfw status)"
has "no daemon: the feed is off" "daemon SIP feed off" "$(field voipfw detail)"
check "no daemon: SIP-observation checks skip" skip "$(field advertised-address status)"

# 2. Read only: ruleset, sysctls and maps byte-identical around a run.
snapshot() {
	in_ns rtr nft -j list ruleset
	in_ns rtr sysctl net.netfilter.nf_conntrack_udp_timeout \
		net.netfilter.nf_conntrack_udp_timeout_stream net.ipv4.ip_forward
	local m
	for m in "$PIN"/*; do
		[ -f "$m" ] || continue
		case $(basename "$m") in tap) continue ;; esac   # a ring buffer has no dump
		bpftool map show pinned "$m" >/dev/null 2>&1 || continue   # link pins
		echo "== $(basename "$m")"
		bpftool map dump pinned "$m"
	done
}
# wan0's bridge port goes down meanwhile: the bridge's IPv6 chatter (MLD, RS) would
# move voipfw's packet counters, which doctor only reads.
in_ns inet ip link set "${P}r" down
sleep 1
snapshot >"$TMP/before"
doctor >/dev/null || true
doctor -j >/dev/null || true
doctor -v >/dev/null || true
snapshot >"$TMP/after"
in_ns inet ip link set "${P}r" up
check "read only: ruleset, sysctls, maps unchanged" same \
	"$(cmp -s "$TMP/before" "$TMP/after" && echo same || diff "$TMP/before" "$TMP/after" | head -5)"
check "read only: the snapshot holds maps" 1 "$([ "$(grep -c '^== ' "$TMP/before")" -ge 10 ] && echo 1 || echo 0)"

# 3. The daemon running: a clean router is ok in every router check.
start_daemon
set +e; doctor >"$TMP/plain"; rc=$?; set -e
check "clean: exit 0" 0 "$rc"
for c in $ROUTER_CHECKS; do
	check "clean: $c ok (plain)" ok "$(awk -v c="$c" '$2 == c { print $1 }' "$TMP/plain")"
	check "clean: $c ok (json)" ok "$(field "$c" status)"
done
has "clean: wan-address names the address" "203.0.113.1/24 public" "$(field wan-address detail)"
has "clean: rtp-range names the range" "udp 10000-10011 (12 ports)" "$(field rtp-range detail)"
has "clean: ipv6 names both sides" "2001:db8:50::1" "$(field ipv6 detail)"
has "clean: voipfw says where" "attached to wan0 native XDP enforcing" "$(field voipfw detail)"
check "clean: 14 checks in JSON" 14 "$(doctor -j | python3 -c 'import json,sys; print(len(json.loads(sys.stdin.read())))')"
check "clean: fix is null when ok" None "$(field sip-alg fix)"

# 4. An nftables ct helper of type sip assigned to udp 5060.
in_ns rtr nft -f - <<'NFT'
table ip vfwd_alg {
	ct helper sip-5060 { type "sip" protocol udp; l3proto ip; }
	chain pre {
		type filter hook prerouting priority filter; policy accept;
		udp dport 5060 ct helper set "sip-5060"
	}
}
NFT
set +e; doctor >"$TMP/plain"; rc=$?; set -e
check "sip helper: exit 1" 1 "$rc"
check "sip helper: sip-alg fails (plain)" fail "$(awk '$2 == "sip-alg" { print $1 }' "$TMP/plain")"
check "sip helper: sip-alg fails (json)" fail "$(field sip-alg status)"
has "sip helper: the rule is evidence" 'ip vfwd_alg pre handle' "$(field sip-alg evidence)"
has "sip helper: the object is evidence" 'ct helper ip vfwd_alg sip-5060: type "sip"' \
	"$(field sip-alg evidence)"
has "sip helper: a fix is given" "delete the rules that set the sip helper" "$(field sip-alg fix)"
in_ns rtr nft delete table ip vfwd_alg
check "sip helper removed: ok" ok "$(field sip-alg status)"

# 5. A WAN address in 100.64.0.0/10 (carrier-grade NAT), then a dynamic one.
in_ns rtr ip addr del 203.0.113.1/24 dev wan0
in_ns rtr ip addr add 100.64.7.1/24 dev wan0
check "CGN: wan-address fails" fail "$(field wan-address status)"
has "CGN: names the address" "100.64.7.1/24 carrier-grade NAT" "$(field wan-address detail)"
in_ns rtr ip addr del 100.64.7.1/24 dev wan0
in_ns rtr ip addr add 192.168.1.2/24 dev wan0
check "RFC 1918 WAN: wan-address warns" warn "$(field wan-address status)"
in_ns rtr ip addr del 192.168.1.2/24 dev wan0
in_ns rtr ip addr add 203.0.113.1/24 dev wan0 valid_lft 3600 preferred_lft 3600
check "dynamic WAN: still ok" ok "$(field wan-address status)"
has "dynamic WAN: the lease is named" "dynamic (lease" "$(field wan-address detail)"
in_ns rtr ip addr del 203.0.113.1/24 dev wan0
in_ns rtr ip addr add 203.0.113.1/24 dev wan0
in_ns rtr ip route replace default via 203.0.113.10

# 6. A DNAT that changes the port: WAN 5060 -> LAN 5061.
nat_rules "dnat to 192.168.50.10:5061" "10000-10011"
check "5060->5061: forward-port warns" warn "$(field forward-port status)"
has "5060->5061: names the change" "WAN udp 5060 -> 192.168.50.10:5061" "$(field forward-port detail)"
has "5060->5061: the rule is evidence" "dnat to 192.168.50.10:5061" "$(field forward-port evidence)"

# 7. SIP to the PBX, media to another host.
MEDIA_TO=192.168.50.20 nat_rules "dnat to 192.168.50.10" "10000-10011"
check "media elsewhere: forward-port warns" warn "$(field forward-port status)"
has "media elsewhere: names both hosts" "SIP forwarded to 192.168.50.10, media to 192.168.50.20" \
	"$(field forward-port detail)"
clean_nat

# 8. A forwarded range whose last RTP port has no RTCP port, and one of even ports only.
nat_rules "dnat to 192.168.50.10" "10000-10010"
check "range ends even: rtp-range warns" warn "$(field rtp-range status)"
has "range ends even: RTCP 10011 named" "RTCP (RTP port + 1) not forwarded: 1 port, 10011" \
	"$(field rtp-range detail)"
nat_rules "dnat to 192.168.50.10" "{ 10000, 10002, 10004 }"
check "even ports only: rtp-range warns" warn "$(field rtp-range status)"
has "even ports only: the odd ports named" "not forwarded: 3 ports, 10001, 10003, 10005" \
	"$(field rtp-range detail)"

# 9. A forwarded port voipfw does not protect.
nat_rules "dnat to 192.168.50.10" "10000-10011" \
	'iifname "wan0" udp dport 7000 dnat to 192.168.50.10'
set +e; doctor >/dev/null; rc=$?; set -e
check "unprotected: exit 1" 1 "$rc"
check "unprotected: unprotected-forward fails" fail "$(field unprotected-forward status)"
has "unprotected: names the port" "unprotected forwarded udp 7000 (1)" \
	"$(field unprotected-forward detail)"
has "unprotected: the rule is evidence" "udp dport 7000 dnat to 192.168.50.10" \
	"$(field unprotected-forward evidence)"
clean_nat

# 10. A short UDP conntrack timeout (this namespace's own sysctl).
in_ns rtr sysctl -qw net.netfilter.nf_conntrack_udp_timeout_stream=20
check "short timeout: nat-timeout warns" warn "$(field nat-timeout status)"
has "short timeout: the sysctl is evidence" "nf_conntrack_udp_timeout_stream=20" \
	"$(field nat-timeout evidence)"
in_ns rtr sysctl -qw net.netfilter.nf_conntrack_udp_timeout_stream=120

# 11. --stun against a real STUN server (coturn, two addresses) from the
#     router: its own masquerade keeps the port (cone), "masquerade random"
#     maps each server to another port (symmetric), and a source NAT to an
#     address that is not the WAN's stands for a NAT in front (double NAT).
in_ns isp ip addr add 203.0.113.11/24 dev eth0
bg_in isp turnserver -n --stun-only --no-auth --no-tls --no-dtls --no-cli \
	-L 203.0.113.10 -L 203.0.113.11 -p 3478 --log-file "$TMP/turn.log" \
	--simple-log --no-stdout-log --pidfile "$TMP/turn.pid" 2>/dev/null   # it probes SCTP
for _ in $(seq 50); do grep -q "203.0.113.11:3478" "$TMP/turn.log" 2>/dev/null && break; sleep 0.1; done
stun() { doctor -j --stun 203.0.113.10 --stun 203.0.113.11:3478 | python3 -c "
import json, sys
d = {c['check']: c for c in json.loads(sys.stdin.read())}
print(d['$1']['$2'])"; }
check "stun cone: double-nat ok" ok "$(stun double-nat status)"
has "stun cone: the server saw the WAN address" "sees 203.0.113.1:" "$(stun double-nat detail)"
check "stun cone: nat-type ok" ok "$(stun nat-type status)"
has "stun cone: endpoint-independent" "endpoint-independent mapping" "$(stun nat-type detail)"
in_ns rtr nft flush chain ip vfwd_nat postrouting
in_ns rtr nft add rule ip vfwd_nat postrouting oifname wan0 masquerade random
check "stun masquerade random: nat-type warns" warn "$(stun nat-type status)"
has "stun masquerade random: symmetric" "symmetric NAT (address-dependent mapping)" \
	"$(stun nat-type detail)"
in_ns rtr nft flush chain ip vfwd_nat postrouting
in_ns rtr nft add rule ip vfwd_nat postrouting oifname wan0 udp dport 3478 snat to 203.0.113.9
in_ns isp ip route add 203.0.113.9/32 via 203.0.113.1
check "stun behind another NAT: double-nat warns" warn "$(stun double-nat status)"
has "stun behind another NAT: names the outside address" "sees 203.0.113.9:" \
	"$(stun double-nat detail)"
check "stun: no server answering warns" warn \
	"$(doctor -j --stun 203.0.113.12 | python3 -c "import json,sys; print([c for c in json.loads(sys.stdin.read()) if c['check']=='double-nat'][0]['status'])")"
clean_nat

# 12. Back to clean; usage errors exit 2.
set +e; doctor >/dev/null; rc=$?; set -e
check "clean again: exit 0" 0 "$rc"
set +e; doctor --bogus >/dev/null 2>&1; rc=$?; set -e
check "unknown option: exit 2" 2 "$rc"
set +e; doctor --iface a/b >/dev/null 2>&1; rc=$?; set -e
check "bad interface name: exit 2" 2 "$rc"

net_summary doctor
