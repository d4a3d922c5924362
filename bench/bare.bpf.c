// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Baselines for the benchmarks: the cheapest XDP programs there are. Each
 * touches nothing and returns a constant, so what bpf_prog_test_run_opts
 * measures for them is the harness itself (dispatch, context setup, loop).
 * bare_tx is the generator of the live-frames benchmark: it bounces every
 * frame it is given out of the device it runs on.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int bare_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

SEC("xdp")
int bare_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int bare_tx(struct xdp_md *ctx)
{
	return XDP_TX;
}
