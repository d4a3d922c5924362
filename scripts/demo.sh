#!/usr/bin/env bash
# The demo: a trunk and a scanner on a namespace topology send real traffic
# to a router whose WAN carries voipfw; the trunk gets through, the scanner
# does not. (The full SIP call demo with Kamailio and SIPp replaces this
# once the end-to-end suite lands.)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (sudo make demo)" >&2
	exit 1
fi
exec bash tests/net/test_xdp_veth.sh
