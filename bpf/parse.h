/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Header cursor parsing shared by the voipfw BPF programs.
 *
 * Every parse_* function checks its header against the end of the packet
 * before touching it, advances the cursor past it and returns what comes
 * next (an ethertype, an L4 protocol, ...) or a negative PARSE_* code.
 * Loops over stacked headers have a fixed maximum depth.
 */
#ifndef VOIPFW_PARSE_H
#define VOIPFW_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "voipfw.h"

#define PARSE_MALFORMED   (-1)  /* truncated or inconsistent header */
#define PARSE_TOO_DEEP    (-2)  /* more stacked headers than we walk */

#define MAX_VLAN_TAGS     2     /* 802.1Q, and 802.1ad QinQ on top of it */
#define MAX_IPV6_EXT_HDRS 8

#define ETH_P_8021AD_OLD  0x9100 /* pre-standard QinQ outer tag */
#define PPP_IPV4          0x0021
#define PPP_IPV6          0x0057

#ifndef IPPROTO_MH
#define IPPROTO_MH        135
#endif
#define IPPROTO_HIP       139
#define IPPROTO_SHIM6     140

#define IP_MF             0x2000
#define IP_OFFSET         0x1fff

struct cursor {
	void *pos;
	void *end;
};

/* The parts of a packet the verdict depends on. */
struct packet {
	__u8 saddr[16];     /* IPv4-mapped for IPv4 */
	__u8 daddr[16];
	__u32 frag_id;
	__u16 sport;        /* host order */
	__u16 dport;        /* host order */
	__u8 l4proto;
	__u8 frag_proto;    /* next header of the fragment header (v6) or protocol (v4) */
	__u8 frag;          /* enum frag_kind */
};

enum frag_kind {
	FRAG_NONE = 0,
	FRAG_FIRST,         /* offset 0, more fragments follow */
	FRAG_LATER,         /* offset > 0: carries no L4 header */
};

struct vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

struct pppoe_session_hdr {
	__u8 ver_type;
	__u8 code;
	__be16 session_id;
	__be16 length;
	__be16 ppp_proto;   /* the PPP protocol field that follows */
};

struct ipv6_ext_hdr {
	__u8 nexthdr;
	__u8 hdrlen;
};

struct ipv6_frag {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;    /* offset << 3 | M flag */
	__be32 identification;
};

static __always_inline void *cursor_take(struct cursor *c, __u32 len)
{
	void *hdr = c->pos;

	if (c->pos + len > c->end)
		return NULL;
	c->pos += len;
	return hdr;
}

static __always_inline void map_ipv4(__u8 out[16], __be32 addr)
{
	__builtin_memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	__builtin_memcpy(out + 12, &addr, 4);
}

/* Returns the ethertype after the Ethernet header. */
static __always_inline int parse_ethhdr(struct cursor *c)
{
	struct ethhdr *eth = cursor_take(c, sizeof(*eth));

	if (!eth)
		return PARSE_MALFORMED;
	return bpf_ntohs(eth->h_proto);
}

static __always_inline int is_vlan_proto(int proto)
{
	return proto == ETH_P_8021Q || proto == ETH_P_8021AD ||
	       proto == ETH_P_8021AD_OLD;
}

/* Skips up to MAX_VLAN_TAGS tags; returns the inner ethertype. */
static __always_inline int parse_vlans(struct cursor *c, int proto)
{
	struct vlan_hdr *vh;
	int i;

#pragma unroll
	for (i = 0; i < MAX_VLAN_TAGS; i++) {
		if (!is_vlan_proto(proto))
			return proto;
		vh = cursor_take(c, sizeof(*vh));
		if (!vh)
			return PARSE_MALFORMED;
		proto = bpf_ntohs(vh->encap_proto);
	}
	return is_vlan_proto(proto) ? PARSE_TOO_DEEP : proto;
}

/*
 * A PPPoE session frame carries a PPP frame; only its IPv4 and IPv6 payloads
 * are mapped back to ethertypes. Anything else (LCP, IPCP, ...) is returned
 * as 0, which the caller treats as "not IP".
 */
static __always_inline int parse_pppoe(struct cursor *c)
{
	struct pppoe_session_hdr *ph = cursor_take(c, sizeof(*ph));

	if (!ph)
		return PARSE_MALFORMED;
	switch (bpf_ntohs(ph->ppp_proto)) {
	case PPP_IPV4:
		return ETH_P_IP;
	case PPP_IPV6:
		return ETH_P_IPV6;
	default:
		return 0;
	}
}

/* Link layer of an Ethernet device: returns the ethertype of the payload. */
static __always_inline int parse_l2(struct cursor *c)
{
	int proto = parse_ethhdr(c);

	if (proto < 0)
		return proto;
	proto = parse_vlans(c, proto);
	if (proto == ETH_P_PPP_SES)
		proto = parse_pppoe(c);
	return proto;
}

/* A device without a link-layer header: the IP version nibble decides. */
static __always_inline int parse_l3_start(struct cursor *c)
{
	__u8 *first = c->pos;

	if ((void *)(first + 1) > c->end)
		return PARSE_MALFORMED;
	switch (*first >> 4) {
	case 4:
		return ETH_P_IP;
	case 6:
		return ETH_P_IPV6;
	default:
		return 0;
	}
}

/* Returns the L4 protocol; fills addresses and fragment state. */
static __always_inline int parse_ipv4(struct cursor *c, struct packet *p)
{
	struct iphdr *iph = c->pos;
	__u32 ihl;
	__u16 frag_off;

	if ((void *)(iph + 1) > c->end)
		return PARSE_MALFORMED;
	ihl = iph->ihl * 4;
	if (iph->version != 4 || ihl < sizeof(*iph))
		return PARSE_MALFORMED;
	if (bpf_ntohs(iph->tot_len) < ihl && iph->tot_len != 0)
		return PARSE_MALFORMED;
	if (!cursor_take(c, ihl))   /* options are skipped, not read */
		return PARSE_MALFORMED;

	map_ipv4(p->saddr, iph->saddr);
	map_ipv4(p->daddr, iph->daddr);
	frag_off = bpf_ntohs(iph->frag_off);
	if (frag_off & IP_OFFSET)
		p->frag = FRAG_LATER;
	else if (frag_off & IP_MF)
		p->frag = FRAG_FIRST;
	p->frag_id = bpf_ntohs(iph->id);
	p->frag_proto = iph->protocol;
	p->l4proto = iph->protocol;
	return iph->protocol;
}

static __always_inline int is_ipv6_ext(__u8 nexthdr)
{
	switch (nexthdr) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case IPPROTO_FRAGMENT:
	case IPPROTO_AH:
	case IPPROTO_MH:
	case IPPROTO_HIP:
	case IPPROTO_SHIM6:
		return 1;
	default:
		return 0;
	}
}

/* One extension header; returns the next header value. */
static __always_inline int parse_ipv6_ext(struct cursor *c, __u8 nexthdr,
					  struct packet *p)
{
	struct ipv6_ext_hdr *eh;
	struct ipv6_frag *fh;
	__u16 frag_off;
	__u32 len;

	if (nexthdr == IPPROTO_FRAGMENT) {
		fh = cursor_take(c, sizeof(*fh));
		if (!fh)
			return PARSE_MALFORMED;
		frag_off = bpf_ntohs(fh->frag_off);
		p->frag_id = bpf_ntohl(fh->identification);
		p->frag_proto = fh->nexthdr;
		if (frag_off & ~7)
			p->frag = FRAG_LATER;
		else if (frag_off & 1)
			p->frag = FRAG_FIRST;
		/* offset 0 without M is an atomic fragment: a whole datagram */
		return fh->nexthdr;
	}

	eh = c->pos;
	if ((void *)(eh + 1) > c->end)
		return PARSE_MALFORMED;
	if (nexthdr == IPPROTO_AH)
		len = (eh->hdrlen + 2) * 4;
	else
		len = (eh->hdrlen + 1) * 8;
	if (!cursor_take(c, len))
		return PARSE_MALFORMED;
	return eh->nexthdr;
}

/*
 * Walks the extension header chain to the upper-layer protocol. A later
 * fragment stops the walk: what follows its fragment header is payload.
 */
static __always_inline int parse_ipv6(struct cursor *c, struct packet *p)
{
	struct ipv6hdr *ip6 = cursor_take(c, sizeof(*ip6));
	int nexthdr, i;

	if (!ip6 || ip6->version != 6)
		return PARSE_MALFORMED;
	/* An IPv4-mapped source would pose as IPv4 (RFC 4291 2.5.5.2). */
	if (ip6->saddr.s6_addr32[0] == 0 && ip6->saddr.s6_addr32[1] == 0 &&
	    ip6->saddr.s6_addr32[2] == bpf_htonl(0xffff))
		return PARSE_MALFORMED;
	__builtin_memcpy(p->saddr, &ip6->saddr, 16);
	__builtin_memcpy(p->daddr, &ip6->daddr, 16);
	nexthdr = ip6->nexthdr;

	/*
	 * Unrolled: a compiled loop may close by falling through into its
	 * header, which the 6.1 verifier refuses ("back-edge"); only jump
	 * edges may close a loop there.
	 */
#pragma unroll
	for (i = 0; i < MAX_IPV6_EXT_HDRS; i++) {
		if (!is_ipv6_ext(nexthdr)) {
			p->l4proto = nexthdr;
			return nexthdr;
		}
		nexthdr = parse_ipv6_ext(c, nexthdr, p);
		if (nexthdr < 0)
			return nexthdr;
		if (p->frag == FRAG_LATER) {
			p->l4proto = nexthdr;
			return nexthdr;
		}
	}
	if (!is_ipv6_ext(nexthdr)) {
		p->l4proto = nexthdr;
		return nexthdr;
	}
	return PARSE_TOO_DEEP;
}

static __always_inline int parse_udp(struct cursor *c, struct packet *p)
{
	struct udphdr *uh = cursor_take(c, sizeof(*uh));

	if (!uh)
		return PARSE_MALFORMED;
	p->sport = bpf_ntohs(uh->source);
	p->dport = bpf_ntohs(uh->dest);
	return 0;
}

/*
 * The whole fixed TCP header must be present: no tiny first fragments.
 * Options are skipped so the cursor ends at the payload.
 */
static __always_inline int parse_tcp(struct cursor *c, struct packet *p)
{
	struct tcphdr *th = cursor_take(c, sizeof(*th));
	__u32 opts;

	if (!th || th->doff < 5)
		return PARSE_MALFORMED;
	opts = th->doff * 4 - sizeof(*th);
	if (opts && !cursor_take(c, opts))
		return PARSE_MALFORMED;
	p->sport = bpf_ntohs(th->source);
	p->dport = bpf_ntohs(th->dest);
	return 0;
}

#endif /* VOIPFW_PARSE_H */
