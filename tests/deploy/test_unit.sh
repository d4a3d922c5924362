#!/usr/bin/env bash
# The shipped systemd unit verifies, and its sandbox stays tight.
# ExecStart is pointed at the freshly built binary in a temporary copy.
set -euo pipefail
cd "$(dirname "$0")/../.."
TMP=$(mktemp -d /tmp/vfwunit.XXXX)
trap 'rm -rf "$TMP"' EXIT
passed=0 failed=0
check() {
	if [ "$2" = "$3" ]; then passed=$((passed + 1)); echo "ok   $1"
	else failed=$((failed + 1)); echo "FAIL $1: expected '$2', got '$3'"; fi
}

sed "s|/usr/sbin/voipfw|$PWD/build/voipfw|" deploy/voipfw.service >"$TMP/voipfw.service"
check "systemd-analyze verify" 0 \
	"$(systemd-analyze verify --man=no "$TMP/voipfw.service" >"$TMP/verify.log" 2>&1; echo $?)"
cat "$TMP/verify.log"
score=$(systemd-analyze security --offline=yes "$TMP/voipfw.service" 2>/dev/null |
	sed -n 's/.*Overall exposure level for voipfw.service: \([0-9.]*\).*/\1/p')
echo "exposure score: ${score:-none}"
check "exposure score at most 3.0 (OK)" yes \
	"$(awk -v s="${score:-99}" 'BEGIN { print (s <= 3.0) ? "yes" : "no" }')"
check "unit is Type=notify with a watchdog" 2 \
	"$(grep -cE '^(Type=notify|WatchdogSec=)' deploy/voipfw.service)"
echo "deploy: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
