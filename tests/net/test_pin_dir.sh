#!/usr/bin/env bash
# The pin directory holds the XDP link: whoever can unlink it switches the
# filter off. attach must refuse a pin dir (or a directory above it) that
# another user owns or may write to, or that is reached through a symlink,
# before anything is loaded, and accept a root-owned one.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

net_init vfwp
IFNAME=wan0 host rtr 203.0.113.1 2001:db8::1
NOBODY=65534
BASE=$PIN            # per-run parent, removed by the EXIT trap
mkdir -m 0755 "$BASE"

attach_in() {  # attach_in DIR: prints "exit-code error-line"
	local rc=0
	nsenter --net="/run/netns/$P-rtr" "$VOIPFW" --pin-dir "$1" attach --iface wan0 \
		2>"$TMP/err" || rc=$?
	echo "$rc $(grep -c 'error: .*pin directory' "$TMP/err" || true)"
}
attached() { in_ns rtr ip -d link show wan0 | grep -c 'prog/xdp' || true; }

mkdir -m 0755 "$BASE/user"; chown $NOBODY "$BASE/user"
check "pin dir owned by another user: refused" "1 1" "$(attach_in "$BASE/user")"
check "its message names the owner" 1 "$(grep -c "owned by uid $NOBODY" "$TMP/err")"
check "nothing attached, nothing pinned there" "0 0" \
	"$(attached) $(find "$BASE/user" -mindepth 1 | wc -l)"

mkdir -m 0777 "$BASE/open"; chmod 0777 "$BASE/open"
check "world-writable pin dir: refused" "1 1" "$(attach_in "$BASE/open")"
check "its message says writable by others" 1 "$(grep -c 'writable by others (mode 0777)' "$TMP/err")"

mkdir -m 0755 "$BASE/owned"; chown $NOBODY "$BASE/owned"
check "pin dir below another user's directory: refused" "1 1" "$(attach_in "$BASE/owned/voipfw")"
check "the directory was not even created" 0 "$(find "$BASE/owned" -mindepth 1 | wc -l)"

mkdir -m 0755 "$BASE/real"; ln -s "$BASE/real" "$BASE/link"
check "pin dir through a symlink: refused" "1 1" "$(attach_in "$BASE/link/voipfw")"

mkdir -m 1777 "$BASE/sticky"; chmod 1777 "$BASE/sticky"
check "root-owned dir below a sticky world-writable one: accepted" "0 0" \
	"$(attach_in "$BASE/sticky/voipfw")"
check "attached" 1 "$(attached)"
check "the pin dir it made is root's, not writable by others" "0 700" \
	"$(stat -c '%u %a' "$BASE/sticky/voipfw")"
nsenter --net="/run/netns/$P-rtr" "$VOIPFW" --pin-dir "$BASE/sticky/voipfw" detach --iface wan0
check "detached" 0 "$(attached)"

net_summary net
