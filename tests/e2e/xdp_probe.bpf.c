// SPDX-License-Identifier: GPL-2.0
/*
 * Tiny XDP program for veth_xdp_facts.sh only (not part of voipfw): counts
 * IPv4 UDP packets to port 7777, remembers the last UDP checksum field it
 * saw, and returns PASS, DROP or TX for them depending on the program.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);   /* [0] packets seen, [1] last UDP checksum */
	__type(key, __u32);
	__type(value, __u64);
} probe_stats SEC(".maps");

static __always_inline int probe_match(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	__u32 k;
	__u64 *v;

	if ((void *)(udp + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->ihl != 5 || ip->protocol != IPPROTO_UDP ||
	    udp->dest != bpf_htons(7777))
		return 0;
	k = 0;
	v = bpf_map_lookup_elem(&probe_stats, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	k = 1;
	v = bpf_map_lookup_elem(&probe_stats, &k);
	if (v)
		*v = bpf_ntohs(udp->check);
	return 1;
}

SEC("xdp")
int probe_pass(struct xdp_md *ctx)
{
	probe_match(ctx);
	return XDP_PASS;
}

SEC("xdp")
int probe_drop(struct xdp_md *ctx)
{
	return probe_match(ctx) ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int probe_tx(struct xdp_md *ctx)
{
	return probe_match(ctx) ? XDP_TX : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
