#!/usr/bin/env bash
# Installs the Debian packages voipfw needs to build, test and run its demo;
# with "bench", also what `make bench` uses (libosip2 as the parser
# baseline, callgrind, perf, gnuplot).
# Only what is missing is installed; run as root (apt-get).
set -euo pipefail

PACKAGES=(
	# build
	make gcc clang llvm libclang-rt-dev pkg-config libbpf-dev libelf-dev zlib1g-dev bpftool
	linux-libc-dev libinih-dev libpcap-dev libsystemd-dev libnetfilter-conntrack-dev
	libnftables-dev libjansson-dev   # voipfw doctor reads the ruleset as JSON
	# tests
	libcmocka-dev iproute2 nftables ethtool python3 util-linux procps
	dnsmasq-base systemd
	# end-to-end tests and demo: real SIP software
	sip-tester kamailio sipvicious
	coturn   # voipfw doctor --stun against a real STUN server (tests/net/test_doctor.sh)
	# kernel matrix: Debian's kernels booted under qemu (tests/kernels/)
	qemu-system-x86 busybox-static kmod
)
[ "${1:-}" = bench ] && PACKAGES+=(libosip2-dev valgrind linux-perf gnuplot-nox)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}" >&2
	echo "install-deps: run as root (sudo) to install them" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
