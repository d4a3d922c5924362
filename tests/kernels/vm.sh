#!/usr/bin/env bash
# Runs a command on another kernel: boots KERNEL_DIR (made by kernel.sh) under
# qemu with this machine's root file system as the guest's root, and runs
#
#   tests/kernels/vm.sh KERNEL_DIR TIMEOUT_S COMMAND [ARG...]
#
# inside it, as root, in the checkout (shared read-write at the same path).
# Everything installed here (libbpf, iproute2, SIPp, ...) is there too.
# The command's output comes on stdout; the exit status is the command's,
# or 125 when the guest did not boot or did not report one in TIMEOUT_S.
#
# How: a busybox initramfs loads the 9p and virtio modules of the kernel's
# own package, mounts / read-only over virtio-9p under a tmpfs overlay, the
# checkout and the package's modules over two more 9p shares, switch_roots
# and runs stage2 (below). TCG, not KVM: these machines' CPUs have no
# vmx/svm, and with -enable-kvm the guest hangs after the BIOS.
set -euo pipefail

kdir=$(cd "$1" && pwd) limit=$2
shift 2
top=$(cd "$(dirname "$0")/../.." && pwd)
kver=$(cat "$kdir/version")

run=$(mktemp -d "$top/build/kernels/run.XXXXXX")
cleanup() { [ -n "${qpid:-}" ] && kill "$qpid" 2>/dev/null; rm -rf "$run"; }
trap cleanup EXIT
trap 'exit 143' TERM INT

# The guest's second stage, run from the host's root under the overlay.
{
	echo '#!/bin/bash'
	printf 'cd %q\n' "$top"
	printf 'top=%q\n' "$top"
	printf 'export CI=%q VOIPFW_GUEST_KERNEL=1\n' "${CI:-}"
	printf 'rc_file=%q\n' "$run/rc"
	printf 'cmd=('; printf '%q ' "$@"; echo ')'
	cat <<'EOF'
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
# Fresh scratch dirs, but not over the checkout's share (CI clones into
# /tmp): there the overlay, writable already, has to do.
for d in /tmp /run /var/tmp /root; do
	case $top/ in "$d"/*) continue ;; esac
	mount -t tmpfs tmpfs "$d"
done
mount -t bpf bpf /sys/fs/bpf
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
ip link set lo up
hostname vfw-guest
export HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
echo "guest kernel: $(uname -r)"
"${cmd[@]}" </dev/null 2>&1
echo $? > "$rc_file"
sync
echo o > /proc/sysrq-trigger
sleep 10
EOF
} > "$run/stage2"
chmod +x "$run/stage2"

# The first stage: busybox and the modules needed to reach the shares.
ird=$run/initrd
mkdir -p "$ird/bin" "$ird/mods" "$ird/proc" "$ird/sys" "$ird/dev" \
	"$ird/lower" "$ird/rw" "$ird/newroot"
cp /bin/busybox "$ird/bin/busybox"
mods="netfs fscache 9pnet 9p virtio_ring virtio 9pnet_virtio \
	virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci overlay"
for m in $mods; do
	f=$(find "$kdir/modules/kernel" -name "$m.ko" -print -quit)
	[ -n "$f" ] && cp "$f" "$ird/mods/"   # absent: built into the kernel
done
cat > "$ird/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t devtmpfs dev /dev
for m in $mods; do [ -f /mods/\$m.ko ] && insmod /mods/\$m.ko; done
o=trans=virtio,version=9p2000.L,msize=512000
mount -t 9p -o \$o,ro hostroot /lower || { echo "vm: no root share"; poweroff -f; }
mount -t tmpfs -o size=4g tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot
mkdir -p /newroot$top /newroot/lib/modules/$kver
mount -t 9p -o \$o work /newroot$top
mount -t 9p -o \$o,ro modules /newroot/lib/modules/$kver
umount /proc
exec switch_root /newroot $run/stage2
EOF
chmod +x "$ird/init"
(cd "$ird" && find . | busybox cpio -o -H newc 2>/dev/null) > "$run/initrd.cpio"

mem=${VM_MEM_MB:-4096}
timeout --foreground -k 5 "$limit" qemu-system-x86_64 \
	-accel tcg,thread=multi -cpu max -smp "${VM_CPUS:-2}" -m "$mem" \
	-kernel "$kdir/vmlinuz" -initrd "$run/initrd.cpio" \
	-append "console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init" \
	-display none -monitor none -serial stdio -no-reboot \
	-nic none \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs local,path="$top",mount_tag=work,security_model=none,multidevs=remap \
	-virtfs local,path="$kdir/modules",mount_tag=modules,security_model=none,readonly=on \
	</dev/null | tr -d '\r' || true

if [ -f "$run/rc" ]; then
	exit "$(cat "$run/rc")"
fi
echo "vm.sh: the guest ($kver) ended or timed out (limit ${limit}s) without reporting an exit status" >&2
exit 125
