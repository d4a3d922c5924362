#!/usr/bin/env bash
# One row of the kernel matrix:
#
#   tests/kernels/run.sh running                  # this machine's kernel
#   tests/kernels/run.sh linux-image-6.1.0-NN-amd64-unsigned
#
# A Debian kernel package (NN: the newest ABI apt knows) is fetched into
# build/kernels/ and booted under qemu, and guest.sh runs inside it: the
# verifier report, the bpf suite, the veth filtering and daemon smoke tests,
# the call-lifecycle test.
# On the running kernel only the verifier report runs here: the bpf and net
# suites of `make check` are that row. A guest that does not boot fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
spec=$1
limit=${KERNEL_VM_TIMEOUT:-1500}

if [ "$spec" = running ]; then
	exec bash tests/kernels/guest.sh verifier
fi

mkdir -p "$BUILD/kernels"
kdir=$(bash tests/kernels/kernel.sh "$spec" "$BUILD/kernels")
echo "kernel matrix: $(basename "$kdir") $(cat "$kdir/pkgversion"), under qemu (TCG)"
bash tests/kernels/vm.sh "$kdir" "$limit" bash tests/kernels/guest.sh
