// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Packet layer: IP/UDP/TCP header parsing, SIP message shape and framing
 * helpers, and vfw_pkt_feed() which chains parsing, fragment reassembly and
 * TCP stream framing (those two live in reasm.c).
 */
#include "pkt.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

#define IPV4_MIN_HLEN   20
#define IPV6_HLEN       40
#define IPV4_MF         0x2000
#define IPV4_OFFSET     0x1fff
#define IPV6_FRAG_HLEN  8
#define UDP_HLEN        8
#define TCP_MIN_HLEN    20

/* A SIP start line longer than this is not worth recognising. */
#define SIP_START_LINE_MAX 1024

static __u16 get_be16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static __u32 get_be32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

/* ---- IPv4 ------------------------------------------------------------ */

static int ipv4_parse(const __u8 *pkt, size_t len, struct vfw_l3 *out)
{
	size_t hlen, tot_len;
	__u16 frag;

	if (len < IPV4_MIN_HLEN)
		return -EMSGSIZE;
	hlen = (size_t)(pkt[0] & 0x0f) * 4;
	if (hlen < IPV4_MIN_HLEN)
		return -EINVAL;
	tot_len = get_be16(pkt + 2);
	if (tot_len < hlen)
		return -EINVAL;
	/* Bytes past tot_len are link padding; fewer means a cut capture. */
	if (hlen > len || tot_len > len)
		return -EMSGSIZE;

	vfw_map_ipv4(out->saddr, pkt + 12);
	vfw_map_ipv4(out->daddr, pkt + 16);
	out->ipv6 = 0;
	out->proto = pkt[9];
	frag = get_be16(pkt + 6);
	out->more_fragments = !!(frag & IPV4_MF);
	out->frag_offset = (__u32)(frag & IPV4_OFFSET) * 8;
	out->is_fragment = out->more_fragments || out->frag_offset;
	out->frag_id = get_be16(pkt + 4);
	out->l4 = pkt + hlen;
	out->l4_len = tot_len - hlen;
	return 0;
}

/* ---- IPv6 ------------------------------------------------------------ */

/* Length of the extension header of type nh at hdr, or 0 when nh is not one. */
static int ipv6_ext_len(__u8 nh, const __u8 *hdr, size_t avail, size_t *hlen)
{
	switch (nh) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case 135:	/* mobility */
	case 139:	/* HIP */
	case 140:	/* shim6 */
		if (avail < 2)
			return -EINVAL;
		*hlen = ((size_t)hdr[1] + 1) * 8;
		return 1;
	case IPPROTO_AH:
		if (avail < 2)
			return -EINVAL;
		*hlen = ((size_t)hdr[1] + 2) * 4;
		return 1;
	case IPPROTO_FRAGMENT:
		*hlen = IPV6_FRAG_HLEN;
		return 1;
	default:
		return 0;
	}
}

/*
 * Walks extension headers; stops at a non-extension header, or at a
 * fragment header when frag_ok (then *proto = IPPROTO_FRAGMENT).
 */
static int ipv6_walk(__u8 nh, const __u8 *buf, size_t len, int frag_ok,
		     __u8 *proto, size_t *offset)
{
	size_t off = 0;
	unsigned n;

	for (n = 0; n <= VFW_IPV6_MAX_EXT; n++) {
		size_t hlen;
		int rc = ipv6_ext_len(nh, buf + off, len - off, &hlen);

		if (rc < 0)
			return rc;
		if (rc == 0 || (nh == IPPROTO_FRAGMENT && frag_ok)) {
			*proto = nh;
			*offset = off;
			return 0;
		}
		if (nh == IPPROTO_FRAGMENT)
			return -EINVAL;	/* a fragment inside a fragment */
		if (n == VFW_IPV6_MAX_EXT)
			break;
		if (hlen > len - off)
			return -EINVAL;
		nh = buf[off];
		off += hlen;
	}
	return -E2BIG;
}

int vfw_ipv6_skip_ext(__u8 nh, const __u8 *buf, size_t len, __u8 *proto,
		      size_t *offset)
{
	return ipv6_walk(nh, buf, len, 0, proto, offset);
}

static int ipv6_parse(const __u8 *pkt, size_t len, struct vfw_l3 *out)
{
	const __u8 *payload = pkt + IPV6_HLEN;
	size_t plen, off;
	__u8 nh;
	int rc;

	if (len < IPV6_HLEN)
		return -EMSGSIZE;
	plen = get_be16(pkt + 4);
	if (plen == 0)
		return -EINVAL;	/* jumbograms do not cross a WAN link */
	if (IPV6_HLEN + plen > len)
		return -EMSGSIZE;

	memcpy(out->saddr, pkt + 8, 16);
	memcpy(out->daddr, pkt + 24, 16);
	out->ipv6 = 1;
	out->is_fragment = 0;
	out->more_fragments = 0;
	out->frag_offset = 0;
	out->frag_id = 0;

	rc = ipv6_walk(pkt[6], payload, plen, 1, &nh, &off);
	if (rc)
		return rc;
	if (nh == IPPROTO_FRAGMENT) {
		const __u8 *fh = payload + off;
		__u16 offlg;
		size_t rest_off;

		if (plen - off < IPV6_FRAG_HLEN)
			return -EINVAL;
		offlg = get_be16(fh + 2);
		out->proto = fh[0];
		out->frag_offset = offlg & 0xfff8;
		out->more_fragments = offlg & 1;
		out->frag_id = get_be32(fh + 4);
		rest_off = off + IPV6_FRAG_HLEN;
		if (out->frag_offset || out->more_fragments) {
			out->is_fragment = 1;
			out->l4 = payload + rest_off;
			out->l4_len = plen - rest_off;
			return 0;
		}
		/* An atomic fragment (RFC 6946) is a whole datagram: walk on. */
		rc = ipv6_walk(fh[0], payload + rest_off, plen - rest_off, 0, &nh,
			       &off);
		if (rc)
			return rc;
		off += rest_off;
	}
	out->proto = nh;
	out->l4 = payload + off;
	out->l4_len = plen - off;
	return 0;
}

int vfw_l3_parse(const __u8 *pkt, size_t len, struct vfw_l3 *out)
{
	memset(out, 0, sizeof(*out));
	if (!pkt || len < 1)
		return -EMSGSIZE;
	switch (pkt[0] >> 4) {
	case 4:
		return ipv4_parse(pkt, len, out);
	case 6:
		return ipv6_parse(pkt, len, out);
	default:
		return -EINVAL;
	}
}

/* ---- UDP / TCP ------------------------------------------------------- */

int vfw_l4_parse(const struct vfw_l3 *l3, __u8 proto, const __u8 *l4,
		 size_t l4_len, struct vfw_datagram *out,
		 struct vfw_tcp_seg *seg)
{
	size_t hlen, plen;

	memset(out, 0, sizeof(*out));
	memcpy(out->saddr, l3->saddr, 16);
	memcpy(out->daddr, l3->daddr, 16);
	out->ipv6 = l3->ipv6;
	out->proto = proto;
	if (seg)
		memset(seg, 0, sizeof(*seg));

	switch (proto) {
	case IPPROTO_UDP:
		if (l4_len < UDP_HLEN)
			return -EINVAL;
		plen = get_be16(l4 + 4);
		if (plen < UDP_HLEN || plen > l4_len)
			return -EINVAL;
		hlen = UDP_HLEN;
		break;
	case IPPROTO_TCP:
		if (l4_len < TCP_MIN_HLEN)
			return -EINVAL;
		hlen = (size_t)(l4[12] >> 4) * 4;
		if (hlen < TCP_MIN_HLEN || hlen > l4_len)
			return -EINVAL;
		plen = l4_len;
		if (seg) {
			seg->seq = get_be32(l4 + 4);
			seg->flags = l4[13] & (VFW_TCP_FIN | VFW_TCP_SYN |
					       VFW_TCP_RST);
		}
		break;
	default:
		return -EPROTONOSUPPORT;
	}
	out->sport = get_be16(l4);
	out->dport = get_be16(l4 + 2);
	out->payload = l4 + hlen;
	out->len = plen - hlen;
	return 0;
}

/* ---- SIP shape and framing ------------------------------------------- */

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 'a' - 'A' : c;
}

static int mem_case_eq(const __u8 *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lower(a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

/* RFC 3261 token characters (a method name). */
static int is_token_char(__u8 c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || (c && strchr("-.!%*_+`'~", c));
}

/*
 * RTP starts with version bits 10 (0x80..0xbf), STUN with 0x00/0x01, a
 * keep-alive with CR LF. SIP starts with a status line "SIP/2.0 ..." or a
 * request line "METHOD SP Request-URI SP SIP/2.0" -- which no header line
 * matches ("Via: SIP/2.0/UDP" has a colon after its name), so this also
 * finds message starts when resynchronising a TCP stream. Cheap enough for
 * every media packet: RTP fails on the first byte.
 */
int vfw_looks_like_sip(const __u8 *buf, size_t len)
{
	size_t limit = len < SIP_START_LINE_MAX ? len : SIP_START_LINE_MAX;
	const __u8 *nl;
	size_t i, end;

	if (limit < 8 || buf[0] < 'A' || buf[0] > 'Z')
		return 0;
	if (mem_case_eq(buf, "SIP/2.0 ", 8))
		return 1;
	for (i = 0; i < limit && is_token_char(buf[i]); i++)
		;
	if (i == limit || buf[i] != ' ')
		return 0;
	nl = memchr(buf, '\n', limit);
	if (!nl)
		return 0;
	end = (size_t)(nl - buf);
	if (end && buf[end - 1] == '\r')
		end--;
	return end >= i + 9 && mem_case_eq(buf + end - 8, " SIP/2.0", 8);
}

/* Offset just past the blank line ending the headers, or 0 when not there. */
static size_t header_end(const __u8 *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static int is_hspace(__u8 c)
{
	return c == ' ' || c == '\t';
}

/* If line is a Content-Length header, parses its value: 1 found, 0 not, -errno. */
static int content_length_line(const __u8 *line, size_t n, size_t max,
			       size_t *value)
{
	size_t name_end = 0, i;
	size_t v = 0;
	int digits = 0;

	while (name_end < n && line[name_end] != ':')
		name_end++;
	if (name_end == n)
		return 0;
	i = name_end;
	while (name_end > 0 && is_hspace(line[name_end - 1]))
		name_end--;
	if (!((name_end == 14 && mem_case_eq(line, "content-length", 14)) ||
	      (name_end == 1 && lower(line[0]) == 'l')))
		return 0;
	for (i++; i < n && is_hspace(line[i]); i++)
		;
	for (; i < n && line[i] >= '0' && line[i] <= '9'; i++, digits++) {
		v = v * 10 + (size_t)(line[i] - '0');
		if (v > max)
			return -EMSGSIZE;
	}
	while (i < n && (is_hspace(line[i]) || line[i] == '\r'))
		i++;
	if (!digits || i != n)
		return -EINVAL;
	*value = v;
	return 1;
}

long vfw_sip_frame_len(const __u8 *buf, size_t len, size_t max)
{
	size_t scan = len < max ? len : max;
	size_t hend = header_end(buf, scan);
	size_t pos, cl = 0;
	int have_cl = 0;

	if (!hend)
		return len >= max ? -EMSGSIZE : 0;
	/* Skip the start line; then one header per line (folds are never a Content-Length). */
	for (pos = 0; pos < hend && buf[pos] != '\n'; pos++)
		;
	for (pos++; pos < hend;) {
		size_t eol = pos, v;
		int rc;

		while (eol < hend && buf[eol] != '\n')
			eol++;
		rc = content_length_line(buf + pos, eol - pos, max, &v);
		if (rc < 0)
			return rc;
		if (rc == 1) {
			if (have_cl && v != cl)
				return -EINVAL;
			cl = v;
			have_cl = 1;
		}
		pos = eol + 1;
	}
	if (cl > max - hend)
		return -EMSGSIZE;
	if (hend + cl > len)
		return 0;
	return (long)(hend + cl);
}

/* ---- the chain --------------------------------------------------------- */

struct vfw_pkt {
	struct vfw_reasm *reasm;
	struct vfw_tcp *tcp;
	struct vfw_pkt_stats stats;
};

void vfw_pkt_config_defaults(struct vfw_pkt_config *cfg)
{
	vfw_reasm_config_defaults(&cfg->reasm);
	vfw_tcp_config_defaults(&cfg->tcp);
}

struct vfw_pkt *vfw_pkt_new(const struct vfw_pkt_config *cfg)
{
	struct vfw_pkt *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->reasm = vfw_reasm_new(&cfg->reasm);
	p->tcp = vfw_tcp_new(&cfg->tcp);
	if (!p->reasm || !p->tcp) {
		vfw_pkt_free(p);
		return NULL;
	}
	return p;
}

void vfw_pkt_free(struct vfw_pkt *p)
{
	if (!p)
		return;
	vfw_reasm_free(p->reasm);
	vfw_tcp_free(p->tcp);
	free(p);
}

static void count_error(struct vfw_pkt *p, int rc)
{
	if (rc == -EMSGSIZE)
		p->stats.truncated++;
	else
		p->stats.malformed++;
}

/* The L4 bytes of a reassembled datagram: IPv6 may still have extension headers. */
static int reassembled_l4(const struct vfw_l3 *l3, const __u8 **data,
			  size_t *len, __u8 *proto)
{
	size_t off;
	int rc;

	*proto = l3->proto;
	if (!l3->ipv6)
		return 0;
	rc = vfw_ipv6_skip_ext(l3->proto, *data, *len, proto, &off);
	if (rc)
		return rc;
	*data += off;
	*len -= off;
	return 0;
}

/*
 * A packet shorter than its IP header says. When it is an unfragmented TCP
 * segment whose headers were captured, the stream is given the captured
 * payload and told how much is missing. Parsed from a copy whose IP length
 * field is set to what was captured, so the parsers' checks all apply.
 */
static void salvage_cut_tcp(struct vfw_pkt *p, const __u8 *pkt, size_t len,
			    int outbound, __u64 now_ns, vfw_payload_fn fn, void *ctx)
{
	struct vfw_datagram d;
	struct vfw_tcp_seg seg;
	struct vfw_l3 l3;
	size_t claimed;
	__u8 *copy;

	if (len < IPV4_MIN_HLEN || len > 0xffff)
		return;
	if (pkt[0] >> 4 == 4) {
		claimed = get_be16(pkt + 2);
	} else if (pkt[0] >> 4 == 6 && len > IPV6_HLEN) {
		claimed = IPV6_HLEN + (size_t)get_be16(pkt + 4);
	} else {
		return;
	}
	if (claimed <= len)
		return;
	copy = malloc(len);
	if (!copy)
		return;
	memcpy(copy, pkt, len);
	if (copy[0] >> 4 == 4) {
		copy[2] = (__u8)(len >> 8);
		copy[3] = (__u8)len;
	} else {
		copy[4] = (__u8)((len - IPV6_HLEN) >> 8);
		copy[5] = (__u8)(len - IPV6_HLEN);
	}
	if (vfw_l3_parse(copy, len, &l3) == 0 && !l3.is_fragment &&
	    l3.proto == IPPROTO_TCP &&
	    vfw_l4_parse(&l3, IPPROTO_TCP, l3.l4, l3.l4_len, &d, &seg) == 0) {
		d.outbound = outbound ? 1 : 0;
		p->stats.tcp_segments++;
		vfw_tcp_feed_cut(p->tcp, &d, &seg, claimed - len, now_ns, fn, ctx);
	}
	free(copy);
}

int vfw_pkt_feed(struct vfw_pkt *p, const __u8 *pkt, size_t len, __u64 now_ns,
		 vfw_payload_fn fn, void *ctx)
{
	return vfw_pkt_feed_dir(p, pkt, len, 0, now_ns, fn, ctx);
}

int vfw_pkt_feed_dir(struct vfw_pkt *p, const __u8 *pkt, size_t len,
		     int outbound, __u64 now_ns, vfw_payload_fn fn, void *ctx)
{
	struct vfw_datagram d;
	struct vfw_tcp_seg seg;
	struct vfw_l3 l3;
	const __u8 *l4;
	size_t l4_len;
	__u8 proto;
	int rc;

	p->stats.packets++;
	rc = vfw_l3_parse(pkt, len, &l3);
	if (rc) {
		count_error(p, rc);
		if (rc == -EMSGSIZE)
			salvage_cut_tcp(p, pkt, len, outbound, now_ns, fn, ctx);
		return rc;
	}
	l4 = l3.l4;
	l4_len = l3.l4_len;
	proto = l3.proto;
	if (l3.is_fragment) {
		rc = vfw_reasm_feed(p->reasm, &l3, now_ns, &l4, &l4_len);
		if (rc <= 0)
			return rc;	/* kept for later, or refused (counted by reasm) */
		rc = reassembled_l4(&l3, &l4, &l4_len, &proto);
		if (rc) {
			count_error(p, rc);
			return rc;
		}
	}
	if (proto != IPPROTO_UDP && proto != IPPROTO_TCP) {
		p->stats.other_proto++;
		return 0;
	}
	rc = vfw_l4_parse(&l3, proto, l4, l4_len, &d, &seg);
	if (rc) {
		count_error(p, rc);
		return rc;
	}
	d.reassembled = l3.is_fragment;
	d.outbound = outbound ? 1 : 0;
	if (proto == IPPROTO_UDP) {
		p->stats.udp_datagrams++;
		if (fn)
			fn(ctx, &d);
	} else {
		p->stats.tcp_segments++;
		vfw_tcp_feed(p->tcp, &d, &seg, now_ns, fn, ctx);
	}
	return 0;
}

void vfw_pkt_expire(struct vfw_pkt *p, __u64 now_ns, vfw_payload_fn fn,
		    void *ctx)
{
	vfw_reasm_expire(p->reasm, now_ns);
	vfw_tcp_expire(p->tcp, now_ns, fn, ctx);
}

const struct vfw_pkt_stats *vfw_pkt_stats(const struct vfw_pkt *p)
{
	return &p->stats;
}

struct vfw_reasm *vfw_pkt_reasm(struct vfw_pkt *p)
{
	return p->reasm;
}

struct vfw_tcp *vfw_pkt_tcp(struct vfw_pkt *p)
{
	return p->tcp;
}
