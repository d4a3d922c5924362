/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet builder for the BPF tests: turns a declarative struct pkt_spec into
 * the bytes a WAN interface would hand to XDP. Header-only, because the
 * Makefile builds exactly one .c per test binary.
 *
 * Checksums stay zero and Ethernet frames are not padded to 60 bytes: the
 * XDP program reads neither, and unpadded frames keep the truncation tests'
 * arithmetic simple (the payload is whatever the spec says, nothing more).
 */
#ifndef VFW_TEST_PKT_H
#define VFW_TEST_PKT_H

#include <arpa/inet.h>
#include <assert.h>
#include <stdbool.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <netinet/tcp.h>
#include <linux/if_ether.h>
#include <linux/types.h>

/* Header sizes, for writing expected offsets as sums. */
#define HDR_ETH     14
#define HDR_VLAN    4
#define HDR_PPPOE   8       /* 6-byte session header + 2-byte PPP protocol */
#define HDR_IP4     20
#define HDR_IP6     40
#define HDR_EXT     8       /* smallest IPv6 extension header, and the fragment header */
#define HDR_UDP     8
#define HDR_TCP     20

#define PKT_MAX        1024
#define PKT_MAX_TAGS   3
#define PKT_MAX_EXT    10

#define PKT_PPP_IPV4   0x0021
#define PKT_PPP_IPV6   0x0057
#define PKT_PPP_LCP    0xc021
#define PKT_PPP_IPCP   0x8021
#define PKT_ETH_QINQ_OLD 0x9100

/* One IPv6 extension header. */
struct pkt_ext {
	bool present;
	__u8 type;      /* IPPROTO_HOPOPTS, IPPROTO_ROUTING, ... */
	__u8 hdrlen;    /* length field: 8-byte units - 1; AH: 4-byte units - 2 */
};

#define EXT(t)       { .present = true, .type = (t) }
#define EXTL(t, l)   { .present = true, .type = (t), .hdrlen = (l) }

struct pkt_spec {
	/* Link layer: written only for programs loaded with VFW_L2_ETHERNET. */
	__u16 tpid[PKT_MAX_TAGS];  /* VLAN tag protocol IDs, outermost first; 0 ends */
	bool pppoe;                /* PPPoE session frame around the payload */
	__u16 ppp_proto;           /* PPP protocol; 0 = the one for .family */
	__u16 ethertype;           /* nonzero: a non-IP frame, .payload bytes long */

	/* Network layer. */
	int family;                /* 4 or 6 */
	const char *src, *dst;
	__u8 version;              /* overrides the IP version nibble */
	__u8 ihl;                  /* IPv4 IHL field, 0 = 5; 6..15 add NOP options */
	__u16 tot_len;             /* overrides the IPv4 total length */
	bool dont_fragment;        /* IPv4 DF */
	struct pkt_ext ext[PKT_MAX_EXT]; /* IPv6 extension headers, in order */

	/* Fragmentation: the IPv4 header, or the IPv6 fragment header in .ext. */
	__u16 frag_offset;         /* in 8-byte units; > 0 means no L4 header */
	bool frag_more;
	__u32 frag_id;

	/* Transport. */
	__u8 proto;                /* upper-layer protocol */
	__u16 sport, dport;
	__u8 doff;                 /* TCP data offset, 0 = 5; 6..15 add NOP options */
	__u8 l4_cut;               /* nonzero: only this many L4 header bytes, no payload */
	__u16 payload;             /* bytes after the L4 header */
	const char *text;          /* those bytes, instead of a filler pattern */
};

struct pkt {
	__u8 data[PKT_MAX];
	__u32 len;
};

static inline void *pkt_put(struct pkt *p, __u32 n)
{
	void *at = p->data + p->len;

	assert(p->len + n <= PKT_MAX);
	memset(at, 0, n);
	p->len += n;
	return at;
}

static inline void pkt_be16(void *at, __u16 v)
{
	__u16 be = htons(v);

	memcpy(at, &be, 2);
}

static inline void pkt_be32(void *at, __u32 v)
{
	__u32 be = htonl(v);

	memcpy(at, &be, 4);
}

static inline void pkt_addr(const struct pkt_spec *s, const char *text, void *out)
{
	int ok = inet_pton(s->family == 4 ? AF_INET : AF_INET6, text, out);

	assert(ok == 1);
	(void)ok;
}

static inline bool pkt_is_later_fragment(const struct pkt_spec *s)
{
	return s->frag_offset > 0;
}

static inline void pkt_payload(struct pkt *p, __u32 n, const char *text)
{
	__u8 *body = pkt_put(p, n);
	__u32 i;

	if (text) {
		memcpy(body, text, n);
		return;
	}
	for (i = 0; i < n; i++)
		body[i] = 'a' + i % 26;
}

/*
 * UDP, TCP, the port pair of SCTP/UDP-Lite/DCCP, or 8 opaque bytes for
 * anything else (ICMPv6 echo, ESP SPI+seq).
 */
static inline void pkt_l4(struct pkt *p, const struct pkt_spec *s)
{
	__u8 hdr[60] = {};
	__u32 size = 8;

	if (s->proto == IPPROTO_UDP) {
		struct udphdr *uh = (struct udphdr *)hdr;

		uh->source = htons(s->sport);
		uh->dest = htons(s->dport);
		uh->len = htons(8 + s->payload);
	} else if (s->proto == IPPROTO_TCP) {
		struct tcphdr *th = (struct tcphdr *)hdr;
		__u8 doff = s->doff ? s->doff : 5;

		size = (doff < 5 ? 5 : doff) * 4;
		memset(hdr + 20, 1, size - 20);       /* TCPOPT_NOP */
		th->source = htons(s->sport);
		th->dest = htons(s->dport);
		th->seq = htonl(1000);
		th->doff = doff;
		th->ack = 1;
		th->psh = 1;
		th->window = htons(65535);
	} else if (s->proto == IPPROTO_SCTP || s->proto == IPPROTO_UDPLITE ||
		   s->proto == IPPROTO_DCCP) {
		/* ports where UDP has them; the rest of the header left zero */
		size = s->proto == IPPROTO_UDPLITE ? 8 : 12;
		pkt_be16(hdr, s->sport);
		pkt_be16(hdr + 2, s->dport);
	} else if (s->proto == IPPROTO_ICMPV6) {
		hdr[0] = 128;                          /* echo request */
	} else if (s->proto == IPPROTO_ESP) {
		pkt_be32(hdr, 0x1000);                 /* SPI */
		pkt_be32(hdr + 4, 1);                  /* sequence */
	}
	if (s->l4_cut) {
		assert(s->l4_cut < size);
		memcpy(pkt_put(p, s->l4_cut), hdr, s->l4_cut);
		return;
	}
	memcpy(pkt_put(p, size), hdr, size);
	pkt_payload(p, s->payload, s->text);
}

/* Returns the offset of the network header. */
static inline __u32 pkt_l2(struct pkt *p, const struct pkt_spec *s)
{
	static const __u8 router_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const __u8 isp_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	__u8 *eth = pkt_put(p, HDR_ETH);
	__u8 *type = eth + 12;
	__u8 *tag, *ph;
	int i;

	memcpy(eth, router_mac, 6);
	memcpy(eth + 6, isp_mac, 6);
	for (i = 0; i < PKT_MAX_TAGS && s->tpid[i]; i++) {
		pkt_be16(type, s->tpid[i]);
		tag = pkt_put(p, HDR_VLAN);
		pkt_be16(tag, 100 + i);                /* VLAN ID */
		type = tag + 2;
	}
	if (s->ethertype) {
		pkt_be16(type, s->ethertype);
		return p->len;
	}
	if (s->pppoe) {
		pkt_be16(type, ETH_P_PPP_SES);
		ph = pkt_put(p, HDR_PPPOE);
		ph[0] = 0x11;                          /* version 1, type 1 */
		pkt_be16(ph + 2, 0x0042);              /* session ID */
		pkt_be16(ph + 6, s->ppp_proto ? s->ppp_proto :
			 s->family == 4 ? PKT_PPP_IPV4 : PKT_PPP_IPV6);
		return p->len;
	}
	pkt_be16(type, s->family == 4 ? ETH_P_IP : ETH_P_IPV6);
	return p->len;
}

static inline void pkt_ipv4(struct pkt *p, const struct pkt_spec *s)
{
	__u32 l3 = p->len;
	__u8 ihl = s->ihl ? s->ihl : 5;
	__u32 size = (ihl < 5 ? 5 : ihl) * 4;
	struct iphdr *ip = pkt_put(p, size);
	__u16 frag = s->frag_offset;

	memset((__u8 *)ip + 20, 1, size - 20);    /* IPOPT_NOP */
	ip->version = s->version ? s->version : 4;
	ip->ihl = ihl;
	ip->ttl = 64;
	ip->protocol = s->proto;
	ip->id = htons(s->frag_id);
	if (s->frag_more)
		frag |= IP_MF;
	if (s->dont_fragment)
		frag |= IP_DF;
	ip->frag_off = htons(frag);
	pkt_addr(s, s->src, &ip->saddr);
	pkt_addr(s, s->dst, &ip->daddr);

	if (pkt_is_later_fragment(s))
		pkt_payload(p, s->payload, s->text);
	else
		pkt_l4(p, s);
	ip->tot_len = htons(s->tot_len ? s->tot_len : p->len - l3);
}

static inline __u32 pkt_ext_size(const struct pkt_ext *e)
{
	if (e->type == IPPROTO_FRAGMENT)
		return HDR_EXT;
	if (e->type == IPPROTO_AH)
		return (e->hdrlen + 2) * 4;
	return (e->hdrlen + 1) * 8;
}

/* Returns true when the header was a later fragment's: nothing parseable follows. */
static inline bool pkt_ipv6_ext(struct pkt *p, const struct pkt_spec *s,
				const struct pkt_ext *e, __u8 next)
{
	__u32 size = pkt_ext_size(e);
	__u8 *h = pkt_put(p, size);

	h[0] = next;
	if (e->type == IPPROTO_FRAGMENT) {
		pkt_be16(h + 2, s->frag_offset << 3 | (s->frag_more ? 1 : 0));
		pkt_be32(h + 4, s->frag_id);
		return pkt_is_later_fragment(s);
	}
	h[1] = e->hdrlen;
	if (e->type == IPPROTO_AH) {
		pkt_be32(h + 4, 0x2000);               /* SPI; the ICV stays zero */
		pkt_be32(h + 8, 1);                    /* sequence */
	} else if (e->type == IPPROTO_HOPOPTS || e->type == IPPROTO_DSTOPTS) {
		h[2] = 1;                              /* PadN fills the options */
		h[3] = size - 4;
	}
	return false;
}

static inline void pkt_ipv6(struct pkt *p, const struct pkt_spec *s)
{
	__u32 l3 = p->len;
	struct ip6_hdr *ip6 = pkt_put(p, HDR_IP6);
	__u8 version = s->version ? s->version : 6;
	int i;

	ip6->ip6_flow = htonl((__u32)version << 28);
	ip6->ip6_nxt = s->ext[0].present ? s->ext[0].type : s->proto;
	ip6->ip6_hlim = 64;
	pkt_addr(s, s->src, &ip6->ip6_src);
	pkt_addr(s, s->dst, &ip6->ip6_dst);

	for (i = 0; i < PKT_MAX_EXT && s->ext[i].present; i++) {
		bool last = i + 1 == PKT_MAX_EXT || !s->ext[i + 1].present;
		__u8 next = last ? s->proto : s->ext[i + 1].type;

		if (pkt_ipv6_ext(p, s, &s->ext[i], next)) {
			pkt_payload(p, s->payload, s->text);
			goto done;
		}
	}
	pkt_l4(p, s);
done:
	ip6->ip6_plen = htons(p->len - l3 - HDR_IP6);
}

/* Fixes up the PPPoE length once the payload is known. */
static inline void pkt_pppoe_len(struct pkt *p, __u32 l3)
{
	pkt_be16(p->data + l3 - HDR_PPPOE + 4, p->len - (l3 - 2));
}

/*
 * Builds the packet. with_l2 = false gives what a device without a link
 * layer (ppp, wireguard) hands to XDP: the packet starts at the IP header.
 */
static inline void pkt_build(struct pkt *p, const struct pkt_spec *s,
			     bool with_l2)
{
	__u32 l3 = 0;

	memset(p, 0, sizeof(*p));
	if (with_l2)
		l3 = pkt_l2(p, s);
	if (with_l2 && (s->ethertype || (s->pppoe && s->ppp_proto &&
					s->ppp_proto != PKT_PPP_IPV4 &&
					s->ppp_proto != PKT_PPP_IPV6)))
		pkt_payload(p, s->payload, s->text);    /* not IP: opaque body */
	else if (s->family == 4)
		pkt_ipv4(p, s);
	else
		pkt_ipv6(p, s);
	if (with_l2 && s->pppoe)
		pkt_pppoe_len(p, l3);
}

#endif /* VFW_TEST_PKT_H */
