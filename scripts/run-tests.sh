#!/usr/bin/env bash
# Runs voipfw's test suites and ends with one line "N passed, N failed".
#   scripts/run-tests.sh [unit|cli|replay|deploy|fuzz|bpf|net|e2e|kernels ...]   (default: all)
# The bpf, net, e2e and kernels suites need root. Without it they are skipped loudly,
# and under CI (CI=true) a skipped suite counts as a failure.
set -uo pipefail

cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(unit cli replay deploy fuzz bpf net e2e kernels)
FUZZ_SECONDS=${FUZZ_SECONDS:-15}
passed=0 failed=0 skipped=0
failures=()

run_one() {  # run_one NAME COMMAND...
	local name=$1 start end; shift
	echo "=== $name"
	start=$(date +%s)
	if "$@"; then
		passed=$((passed + 1))
		end=$(date +%s); echo "--- pass $name ($((end - start))s)"
	else
		failed=$((failed + 1)); failures+=("$name")
		end=$(date +%s); echo "--- FAIL $name ($((end - start))s)"
	fi
}

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "!!! SKIPPED suite '$1': needs root (sudo make check)"
		skipped=$((skipped + 1))
		[ "${CI:-}" = true ] && { failed=$((failed + 1)); failures+=("$1 (skipped)"); }
		return 1
	fi
	return 0
}

for suite in "${suites[@]}"; do
	case $suite in
	unit)
		for t in "$BUILD"/tests/test_*; do
			[ -x "$t" ] || continue
			[ -f "tests/unit/$(basename "$t").c" ] || continue
			run_one "unit/$(basename "$t")" "$t"
		done ;;
	cli)	# help vs parser, --json errors, exit codes; no root needed
		run_one "cli/test_cli" timeout 300 env VOIPFW="$BUILD/voipfw" bash tests/cli/test_cli.sh ;;
	replay|deploy)
		for t in tests/"$suite"/test_*.sh; do
			[ -f "$t" ] || continue
			run_one "$suite/$(basename "$t" .sh)" timeout 600 bash "$t"
		done ;;
	fuzz)
		for f in "$BUILD"/fuzz/fuzz_*; do
			[ -x "$f" ] || continue
			run_one "fuzz/$(basename "$f")" scripts/run-fuzz.sh "$FUZZ_SECONDS" "$f"
		done ;;
	bpf)
		need_root bpf || continue
		for t in "$BUILD"/tests/test_*; do
			[ -x "$t" ] || continue
			[ -f "tests/bpf/$(basename "$t").c" ] || continue
			run_one "bpf/$(basename "$t")" "$t"
		done ;;
	net|e2e)
		need_root "$suite" || continue
		for t in tests/"$suite"/test_*.sh; do
			[ -f "$t" ] || continue
			run_one "$suite/$(basename "$t" .sh)" timeout 900 bash "$t"
		done ;;
	kernels)
		# The kernel matrix: this kernel's verifier report, then each
		# kernel of KERNEL_MATRIX booted under qemu (tests/kernels/).
		need_root kernels || continue
		for k in running ${KERNEL_MATRIX:-linux-image-6.1.0-NN-amd64-unsigned}; do
			run_one "kernels/${k/linux-image-/}" bash tests/kernels/run.sh "$k"
		done
		run_one "kernels/readme-verifier-table" python3 scripts/verifier-report.py --check ;;
	*)
		echo "unknown suite '$suite'" >&2; exit 2 ;;
	esac
done

echo
[ ${#failures[@]} -gt 0 ] && printf 'failed: %s\n' "${failures[@]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
