#!/usr/bin/env bash
# Fetches and unpacks a Debian kernel image package for the kernel matrix.
#
#   tests/kernels/kernel.sh PACKAGE CACHE_DIR
#
# PACKAGE is a Debian package name (linux-image-6.1.0-57-amd64-unsigned) or
# one with NN for the ABI number ("linux-image-6.1.0-NN-amd64-unsigned"): the
# newest such package apt knows is taken. Prints the directory holding
# vmlinuz, modules/ (with modules.dep), version and pkgversion.
set -euo pipefail

pkg=$1 cache=$2

newest_match() {  # newest_match NAME_WITH_NN
	local re="^${1//./\\.}\$"
	re=${re/NN/[0-9]+}
	apt-cache pkgnames linux-image- 2>/dev/null | grep -E "$re" | sort -V | tail -n 1
}

if [[ $pkg == *NN* ]]; then
	want=$pkg
	pkg=$(newest_match "$want")
	if [ -z "$pkg" ]; then
		apt-get update -q >/dev/null 2>&1 || true
		pkg=$(newest_match "$want")
	fi
	[ -n "$pkg" ] || { echo "kernel.sh: no package matches $want" >&2; exit 1; }
fi

dir=$cache/$pkg
if [ ! -f "$dir/version" ]; then
	rm -rf "$dir"
	mkdir -p "$dir/deb"
	(cd "$dir/deb" && apt-get download "$pkg" >/dev/null 2>&1) || {
		apt-get update -q >/dev/null 2>&1 || true
		(cd "$dir/deb" && apt-get download "$pkg" >/dev/null)
	}
	dpkg-deb -x "$dir"/deb/*.deb "$dir/root"
	ver=$(ls "$dir/root/lib/modules")
	depmod -b "$dir/root" "$ver"
	mv "$dir/root/boot/vmlinuz-$ver" "$dir/vmlinuz"
	mv "$dir/root/lib/modules/$ver" "$dir/modules"
	dpkg-deb -f "$dir"/deb/*.deb Version > "$dir/pkgversion"
	rm -rf "$dir/root" "$dir/deb"
	echo "$ver" > "$dir/version"
fi
echo "$dir"
