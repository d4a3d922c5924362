#!/usr/bin/env bash
# The kernel matrix's checks on the kernel this runs on (a qemu guest from
# vm.sh, or the host): the verifier report, the bpf suite, the CLI-only veth
# filtering test, the refused-program test (its report, attach --xdp-only)
# the daemon smoke test (registration learned, a call with RTP, a
# scanner dropped, kill -9 and restart, BYE) and whose SIP it follows
# behind NAT (conntrack's pre-NAT sender, voip_hosts), the advertised-
# address evidence, calls' lives (hold and resume, session timers, past
# call_max, lost BYE), the map layer, and attach racing attach or run on
# one pin dir. Each result line names the kernel. Exit status: the number
# of failed checks.
#
#   tests/kernels/guest.sh [verifier|bpf|net-xdp|net-refused|daemon|voip-hosts|nat-warning|call-lifecycle|pin-lock ...]   (default: all)
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
kernel=$(uname -r)
report=$BUILD/kernels/verifier-$kernel.txt
checks=("$@")
[ ${#checks[@]} -eq 0 ] && checks=(verifier bpf net-xdp net-refused daemon voip-hosts nat-warning call-lifecycle pin-lock)
failed=0

one() {  # one NAME COMMAND...
	local name=$1 start rc; shift
	start=$(date +%s)
	"$@"
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "kernel $kernel: pass $name ($(( $(date +%s) - start ))s)"
	else
		echo "kernel $kernel: FAIL $name (exit $rc, $(( $(date +%s) - start ))s)"
		failed=$((failed + 1))
	fi
}

verifier() {
	mkdir -p "$(dirname "$report")"
	"$BUILD/tests/verifier_stats" > "$report.new"
	local rc=$?
	cat "$report.new"
	mv "$report.new" "$report"
	return $rc
}

for c in "${checks[@]}"; do
	case $c in
	verifier) one verifier verifier ;;
	bpf) one bpf/test_verdict "$BUILD/tests/test_verdict"
	     one bpf/test_maps "$BUILD/tests/test_maps" ;;
	net-xdp) one net/test_xdp_veth timeout 600 bash tests/net/test_xdp_veth.sh ;;
	net-refused) one net/test_refused_load timeout 600 bash tests/net/test_refused_load.sh ;;
	daemon) one net/test_daemon_sip timeout 600 bash tests/net/test_daemon_sip.sh ;;
	voip-hosts) one net/test_voip_hosts timeout 600 bash tests/net/test_voip_hosts.sh ;;
	nat-warning) one net/test_nat_warning timeout 600 bash tests/net/test_nat_warning.sh ;;
	pin-lock) one net/test_pin_dir_lock env ROUNDS=2 timeout 600 bash tests/net/test_pin_dir_lock.sh ;;
	call-lifecycle) one net/test_call_lifecycle timeout 600 bash tests/net/test_call_lifecycle.sh ;;
	*) echo "guest.sh: unknown check '$c'" >&2; exit 2 ;;
	esac
done
exit $failed
