# shellcheck shell=bash
# Names from lib.sh (sourced first); PBX_RTCP_PORT is for the tests.
# shellcheck disable=SC2034,SC2153
# voipfw e2e: helpers for tests that run the daemon ("voipfw run") on the
# router's WAN. Source after lib.sh and e2e_init; used by test_daemon.sh
# and scripts/demo.sh.
#
#   fwd_config FILE [KEY=VALUE ...]   write a daemon config (see below)
#   fwd_start FILE                    start "voipfw run" in the router
#   fwd_kill9 / fwd_stop / fwd_hup    by PID (FWD_PID), never by name
#   fw ARGS...                        the CLI with this run's pin dir
#   fw_stat REASON                    packets under one verdict reason
#   fw_trunk PREFIX FIELD             origin|expires_in|admit of a trunk, or "none"
#   fw_call_pinholes REMOTE [PORT]    live call pinholes from REMOTE
#   dcounters_up / dcount NS NAME     extra nft counters (IPv6 call, answers
#                                     to the scanner) in table inet vfw_d
#   pbx_any_start / call_in_start / call_out_start / call_wait

ISP_CALLER_IP6=2001:db8:113::11
PBX_USER6=1006               # the PBX's IPv6 account at the ISP (kamailio.cfg)
PBX_RTCP_PORT=$((PBX_MEDIA_PORT + 1))

FWD_LOG=        # the daemon's log (all runs appended), set by fwd_init
FWD_PID=        # the voipfw process itself
FWD_TPID=       # its `timeout` parent (in E2E_PIDS)
FWD_SECS=${FWD_SECS:-400}

fwd_init() {
	FWD_LOG=$E2E_TMP/daemon.log
	: >"$FWD_LOG"
	# the ISP caller's IPv6 address (lib.sh's topology has only the proxy's)
	ip -n "$NS_ISP" addr add "$ISP_CALLER_IP6/64" dev eth0 nodad
}

# fwd_config FILE [KEY=VALUE ...]: the daemon's config; keys override the
# test defaults: mode, media_udp, statics (";"-separated "static =" values),
# reply_ttl, registration_grace, pinhole_idle.
fwd_config() {
	local file=$1; shift
	local -A v=([mode]=enforce [media_udp]="$RTP_MIN-$RTP_MAX" [statics]=""
		[reply_ttl]=4 [registration_grace]=2 [pinhole_idle]=10)
	local kv s
	for kv in "$@"; do v[${kv%%=*}]=${kv#*=}; done
	{
		echo "# written by ${0##*/} for run $E2E_ID"
		echo "[general]"
		echo "interface = wan0"
		echo "pin_dir = $E2E_PINDIR"
		echo "mode = ${v[mode]}"
		echo "xdp_mode = native"
		echo "voip_hosts = $PBX_IP"
		echo "voip_hosts = $PBX_IP6"
		echo "[ports]"
		echo "sip_udp = $SIP_PORT"
		echo "sip_tcp = none"
		echo "media_udp = ${v[media_udp]}"
		echo "[trunks]"
		IFS=';' read -ra s <<<"${v[statics]}"
		for kv in "${s[@]}"; do [ -n "$kv" ] && echo "static = $kv"; done
		echo "[learning]"
		echo "registrations = yes"
		echo "reply_pinholes = yes"
		echo "reply_ttl = ${v[reply_ttl]}"
		echo "egress_media = no"
		echo "provisional_pinholes = yes"
		echo "[timeouts]"
		echo "registration_grace = ${v[registration_grace]}"
		echo "pinhole_idle = ${v[pinhole_idle]}"
		echo "setup_timeout = 30"
		echo "[log]"
		echo "level = info"
		echo "drop_summary_interval = 10"
	} >"$file"
}

# fwd_runs PATTERN: how many daemon log lines match.
fwd_runs() { grep -c -- "$1" "$FWD_LOG" 2>/dev/null || true; }

# fwd_start CONFIG: "voipfw run" in the router (nsenter --net keeps the host
# mount namespace, so the pin dir is visible; nsenter execs voipfw, so the
# child of our `timeout` is the daemon). Waits for "running on".
fwd_start() {
	local cfg=$1 runs i
	runs=$(fwd_runs "running on")
	timeout -k 2 "$FWD_SECS" nsenter --net="/run/netns/$NS_ROUTER" -- \
		"$VOIPFW" --pin-dir "$E2E_PINDIR" run --config "$cfg" \
		>>"$FWD_LOG" 2>&1 </dev/null &
	FWD_TPID=$!
	E2E_PIDS+=("$FWD_TPID")
	FWD_PID=
	for ((i = 0; i < 100; i++)); do
		[ -z "$FWD_PID" ] && FWD_PID=$(pgrep -P "$FWD_TPID" 2>/dev/null | head -1)
		if [ "$(fwd_runs "running on")" -gt "$runs" ] && [ -n "$FWD_PID" ]; then
			return 0
		fi
		kill -0 "$FWD_TPID" 2>/dev/null || break
		sleep 0.1
	done
	e2e_log "voipfw run did not start:"; tail -20 "$FWD_LOG" >&2
	return 1
}

# fwd_alive: the daemon process still exists.
fwd_alive() { [ -n "$FWD_PID" ] && kill -0 "$FWD_PID" 2>/dev/null; }

fwd_kill9() {
	[ -n "$FWD_PID" ] || return 1
	kill -KILL "$FWD_PID" 2>/dev/null
	wait "$FWD_TPID" 2>/dev/null
	! fwd_alive
}

fwd_stop() {
	[ -n "$FWD_PID" ] || return 0
	kill -TERM "$FWD_PID" 2>/dev/null
	wait "$FWD_TPID" 2>/dev/null
	FWD_PID=
}

# fwd_hup: SIGHUP, then wait (<= 3 s) for the daemon to log the reload.
fwd_hup() {
	local runs i
	runs=$(fwd_runs "reloaded ")
	kill -HUP "$FWD_PID" || return 1
	for ((i = 0; i < 30; i++)); do
		[ "$(fwd_runs "reloaded ")" -gt "$runs" ] && return 0
		sleep 0.1
	done
	return 1
}

# fw ARGS...: the firewall CLI in the router with this run's pin dir.
fw() { voipfw --pin-dir "$E2E_PINDIR" "$@"; }

fw_stat() {
	fw -j stats | "$E2E_PY" -c '
import json, sys
print(next((r["packets"] for r in json.load(sys.stdin) if r["reason"] == sys.argv[1]), 0))' "$1"
}

# fw_drops: packets under all drop-* reasons together.
fw_drops() {
	fw -j stats | "$E2E_PY" -c '
import json, sys
print(sum(r["packets"] for r in json.load(sys.stdin) if r["reason"].startswith("drop-")))'
}

# fw_trunk PREFIX FIELD: a field of the trunk entry PREFIX (e.g.
# 203.0.113.10/32), "none" when there is none. expires_in null -> "never".
fw_trunk() {
	fw -j trunk list | "$E2E_PY" -c '
import json, sys
t = next((t for t in json.load(sys.stdin) if t["prefix"] == sys.argv[1]), None)
v = "none" if t is None else t.get(sys.argv[2])
print("never" if v is None else v)' "$1" "$2"
}

# fw_call_pinholes REMOTE [PORT]: number of live pinholes a call opened for
# REMOTE (to PORT if given) that name their call.
fw_call_pinholes() {
	fw -j pinhole list | "$E2E_PY" -c '
import json, sys
r, port = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else None
print(sum(1 for p in json.load(sys.stdin)
          if p["remote"] == r and p["origin"] == "call" and not p["expired"]
          and p.get("call_id") and (port is None or p["local_port"] == port)))' "$@"
}

# wait_for SECONDS WANT CMD...: poll (10/s) until CMD prints WANT; prints
# the last value. Status 0 if it got there.
wait_for() {
	local secs=$1 want=$2 got i; shift 2
	for ((i = 0; i < secs * 10; i++)); do
		got=$("$@")
		[ "$got" = "$want" ] && { echo "$got"; return 0; }
		sleep 0.1
	done
	echo "$got"
	return 1
}

# --------------------------------------------------------- extra counters
# Table inet vfw_d: the IPv6 call's RTP (sent at the sender, received at
# the receiver), the PBX's RTP to the ISP matched like the ISP counts it
# (by destination port: SIPp's play_pcap_audio sends its first packets from
# the pcap's own source port when it starts before the 200 has left), and
# anything the scanner gets back from the router or PBX.
dcounters_up() {
	local r=$RTP_MIN-$RTP_MAX
	ns_exec "$NS_PBX" nft -f - <<-EOF || return 1
	table inet vfw_d {
		counter rtp6_in_caller {}
		counter rtp6_out_caller {}
		counter sip6_in_isp {}
		counter rtp_out_caller {}
		counter rtp_out_callee {}
		chain input {
			type filter hook input priority 0; policy accept;
			ip6 saddr $ISP_CALLER_IP6 udp dport $r counter name rtp6_in_caller
			ip6 saddr $ISP_PROXY_IP6 udp dport $SIP_PORT counter name sip6_in_isp
		}
		chain output {
			type filter hook output priority 0; policy accept;
			ip6 daddr $ISP_CALLER_IP6 udp dport $ISP_CALLER_MEDIA_PORT counter name rtp6_out_caller
			ip daddr $ISP_CALLER_IP udp dport $ISP_CALLER_MEDIA_PORT counter name rtp_out_caller
			ip daddr $ISP_CALLEE_IP udp dport $ISP_CALLEE_MEDIA_PORT counter name rtp_out_callee
		}
	}
	EOF
	ns_exec "$NS_ISP" nft -f - <<-EOF || return 1
	table inet vfw_d {
		counter rtp6_out_caller {}
		counter rtp6_in_caller {}
		chain input {
			type filter hook input priority 0; policy accept;
			ip6 saddr $PBX_IP6 ip6 daddr $ISP_CALLER_IP6 udp dport $ISP_CALLER_MEDIA_PORT counter name rtp6_in_caller
		}
		chain output {
			type filter hook output priority 0; policy accept;
			ip6 saddr $ISP_CALLER_IP6 ip6 daddr $PBX_IP6 udp sport $ISP_CALLER_MEDIA_PORT counter name rtp6_out_caller
		}
	}
	EOF
	ns_exec "$NS_SCAN" nft -f - <<-EOF || return 1
	table inet vfw_d {
		counter answers {}
		counter answers6 {}
		chain input {
			type filter hook input priority 0; policy accept;
			ip saddr $ROUTER_WAN_IP meta l4proto udp counter name answers
			ip6 saddr $PBX_IP6 meta l4proto udp counter name answers6
		}
	}
	EOF
}

# dcount NS NAME: packets of a vfw_d counter.
dcount() {
	ns_exec "$1" nft -j list counter inet vfw_d "$2" | "$E2E_PY" -c '
import json, sys
print(next(o["counter"]["packets"] for o in json.load(sys.stdin)["nftables"] if "counter" in o))'
}

# counters_zero: every e2e counter in every endpoint, both tables.
counters_zero() {
	local ns
	for ns in "$NS_PBX" "$NS_ISP" "$NS_SCAN"; do
		ns_exec "$ns" nft reset counters table inet vfw_e2e >/dev/null
		ns_exec "$ns" nft reset counters table inet vfw_d >/dev/null
	done
}

# ------------------------------------------------------------------ calls
# pbx_any_start NAME [4|6] [SECONDS]: the PBX answering calls and scanners
# (sipp/pbx_uas_any.xml) on its SIP port, IPv4 behind NAT or IPv6.
pbx_any_start() {
	local name=$1 fam=${2:-4} secs=${3:-40} ip pub sdp
	if [ "$fam" = 6 ]; then
		ip=$PBX_IP6 pub="[$PBX_IP6]" sdp=$PBX_IP6
	else
		ip=$PBX_IP pub=$ROUTER_WAN_IP sdp=$ROUTER_WAN_IP
	fi
	sipp_start "$name" "$NS_PBX" "$secs" pbx_uas_any.xml \
		-i "$ip" -p "$SIP_PORT" -mi "$ip" -mp "$PBX_MEDIA_PORT" \
		-s "$PBX_USER" -key pubip "$pub" -key sdpfam "$fam" -key sdpip "$sdp" \
		-m 5000 -timeout "$((secs - 3))"
	wait_udp_listen "$NS_PBX" "$ip" "$SIP_PORT"
}

# call_in_start TAG [4|6] [SILENT_MS]: the ISP caller calls the PBX through
# the proxy (isp_uac.xml, ~7 s of RTP, BYE at 8.5 s); with SILENT_MS it
# sends no RTP and hangs up SILENT_MS after the answer (isp_uac_silent.xml).
# The PBX side must be running (pbx_any_start).
call_in_start() {
	local t=$1 fam=${2:-4} silent=${3:-} src proxy user scen=isp_uac.xml
	local -a extra=()
	if [ "$fam" = 6 ]; then
		src=$ISP_CALLER_IP6 proxy="[$ISP_PROXY_IP6]:$SIP_PORT" user=$PBX_USER6
	else
		src=$ISP_CALLER_IP proxy="$ISP_PROXY_IP:$SIP_PORT" user=$PBX_USER
	fi
	if [ -n "$silent" ]; then
		scen=isp_uac_silent.xml extra=(-d "$silent")
	fi
	sipp_start "$t" "$NS_ISP" 40 "$scen" \
		-i "$src" -p "$SIP_PORT" -mi "$src" -mp "$ISP_CALLER_MEDIA_PORT" \
		-s "$user" -m 1 -timeout 35 -recv_timeout 15000 "${extra[@]}" "$proxy"
}

# call_out_start TAG: the PBX calls the ISP's PSTN gateway through the proxy
# (407 + credentials); the gateway starts RTP with its 200 (isp_uas_early).
call_out_start() {
	local t=$1
	sipp_start "$t-isp" "$NS_ISP" 30 isp_uas_early.xml \
		-i "$ISP_CALLEE_IP" -p "$SIP_PORT" \
		-mi "$ISP_CALLEE_IP" -mp "$ISP_CALLEE_MEDIA_PORT" \
		-m 1 -timeout 25 -recv_timeout 15000
	wait_udp_listen "$NS_ISP" "$ISP_CALLEE_IP" "$SIP_PORT" || return 1
	sipp_start "$t" "$NS_PBX" 30 pbx_uac.xml \
		-i "$PBX_IP" -p "$SIP_PORT" -mi "$PBX_IP" -mp "$PBX_MEDIA_PORT" \
		-s "$ISP_PSTN_NUMBER" -key user "$PBX_USER" \
		-key pubip "$ROUTER_WAN_IP" -au "$PBX_USER" -ap "$PBX_PASS" \
		-m 1 -timeout 25 -recv_timeout 15000 "$ISP_PROXY_IP:$SIP_PORT"
}

# pbx_register_as TAG EXPIRES N: the PBX's registration as a UA keeps it:
# one Call-ID for the whole run, CSeq 2N-1 and 2N for the N-th REGISTER
# (so the N-th is a refresh of the same registration), asking for EXPIRES.
pbx_register_as() {
	local t=$1 exp=$2 n=$3
	sipp_start "$t" "$NS_PBX" 15 pbx_register.xml \
		-i "$PBX_IP" -p "$SIP_PORT" -s "$PBX_USER" \
		-key pubip "$ROUTER_WAN_IP" -key expires "$exp" \
		-key cseq1 $((2 * n - 1)) -key cseq2 $((2 * n)) \
		-cid_str "reg-$E2E_ID@pbx" -au "$PBX_USER" -ap "$PBX_PASS" \
		-m 1 -timeout 10 -recv_timeout 5000 "$ISP_PROXY_IP:$SIP_PORT"
	sipp_wait "$t"
}

# pbx_register6 TAG: the PBX registers its IPv6 account directly (no NAT).
pbx_register6() {
	local t=${1:-reg6}
	sipp_start "$t" "$NS_PBX" 15 pbx_register.xml \
		-i "$PBX_IP6" -p "$SIP_PORT" -s "$PBX_USER6" \
		-key pubip "[$PBX_IP6]" -key expires 600 -key cseq1 1 -key cseq2 2 \
		-au "$PBX_USER6" -ap "$PBX_PASS" \
		-m 1 -timeout 10 -recv_timeout 5000 "[$ISP_PROXY_IP6]:$SIP_PORT"
	sipp_wait "$t"
}
