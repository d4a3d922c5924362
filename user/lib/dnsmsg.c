// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * DNS query building and response parsing (RFC 1035 section 4, RFC 2181,
 * RFC 3596 for AAAA, RFC 6891 for the OPT record). See dnsmsg.h.
 */
#include "dnsmsg.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

#define HDR_QR     0x8000
#define HDR_OPCODE 0x7800
#define HDR_AA     0x0400
#define HDR_TC     0x0200
#define HDR_RD     0x0100
#define HDR_RCODE  0x000f

#define PTR_MASK   0xc0
#define MAX_JUMPS  128       /* compression pointers followed per name */
#define RR_FIXED   10        /* TYPE, CLASS, TTL, RDLENGTH */

static __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static __u32 get32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static __u8 lower(__u8 c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/*
 * Dotted name to wire form (length-prefixed labels, root label last),
 * lowercased when fold. Returns the wire length or -EINVAL.
 */
static int encode_name(const char *name, __u8 out[VFW_DNS_NAME_MAX], bool fold)
{
	size_t o = 0, label = 0, i;

	if (!name || !name[0] || (name[0] == '.' && !name[1]))
		return -EINVAL;   /* the root is never a trunk */
	for (i = 0;; i++) {
		char c = name[i];

		if (c == '.' || c == '\0') {
			if (label == 0) {
				if (c == '\0' && i > 0 && name[i - 1] == '.')
					break;   /* final dot */
				return -EINVAL;  /* empty label */
			}
			out[o - label - 1] = (__u8)label;
			label = 0;
			if (c == '\0')
				break;
			continue;
		}
		if (!name_char_ok(c) || label == 63)
			return -EINVAL;
		if (label == 0) {
			if (o + 1 >= VFW_DNS_NAME_MAX)
				return -EINVAL;
			o++;    /* room for the length octet */
		}
		if (o + 1 >= VFW_DNS_NAME_MAX)
			return -EINVAL;
		out[o++] = fold ? lower((__u8)c) : (__u8)c;
		label++;
	}
	out[o++] = 0;
	return (int)o;
}

/*
 * Reads the (possibly compressed) name at off into out, lowercased, in
 * wire form. *next is set to the offset after the name where it sits.
 * Returns the wire length or -EINVAL.
 */
static int read_name(const __u8 *msg, size_t len, size_t off,
		     __u8 out[VFW_DNS_NAME_MAX], size_t *next)
{
	size_t pos = off, o = 0;
	unsigned jumps = 0;
	bool jumped = false;

	for (;;) {
		__u8 c;

		if (pos >= len)
			return -EINVAL;
		c = msg[pos];
		if ((c & PTR_MASK) == PTR_MASK) {
			if (pos + 1 >= len || ++jumps > MAX_JUMPS)
				return -EINVAL;
			if (!jumped && next)
				*next = pos + 2;
			jumped = true;
			pos = (size_t)(c & ~PTR_MASK) << 8 | msg[pos + 1];
			continue;
		}
		if (c & PTR_MASK)
			return -EINVAL;   /* 0x40, 0x80: extended/reserved label types */
		if (c == 0) {
			out[o++] = 0;
			if (!jumped && next)
				*next = pos + 1;
			return (int)o;
		}
		/* this label, its length octet and the root label must fit */
		if (pos + 1 + c > len || o + 1 + c + 1 > VFW_DNS_NAME_MAX)
			return -EINVAL;
		out[o++] = c;
		for (size_t i = 0; i < c; i++)
			out[o++] = lower(msg[pos + 1 + i]);
		pos += 1 + c;
	}
}

static bool name_eq(const __u8 *a, int alen, const __u8 *b, int blen)
{
	return alen == blen && !memcmp(a, b, (size_t)alen);
}

int vfw_dns_build_query(__u8 *buf, size_t len, __u16 id, const char *name,
			__u16 qtype, bool edns)
{
	__u8 wire[VFW_DNS_NAME_MAX];
	int n = encode_name(name, wire, false);
	size_t need, o = 0;

	if (n < 0)
		return n;
	need = VFW_DNS_HDR_LEN + (size_t)n + 4 + (edns ? 11 : 0);
	if (!buf || len < need)
		return -ENOSPC;
	memset(buf, 0, need);
	put16(buf, id);
	put16(buf + 2, HDR_RD);
	put16(buf + 4, 1);              /* QDCOUNT */
	put16(buf + 10, edns ? 1 : 0);  /* ARCOUNT */
	o = VFW_DNS_HDR_LEN;
	memcpy(buf + o, wire, (size_t)n);
	o += (size_t)n;
	put16(buf + o, qtype);
	put16(buf + o + 2, VFW_DNS_CLASS_IN);
	o += 4;
	if (edns) {
		buf[o] = 0;                 /* root owner */
		put16(buf + o + 1, VFW_DNS_TYPE_OPT);
		put16(buf + o + 3, VFW_DNS_EDNS_SIZE);  /* CLASS = UDP size */
		/* TTL (extended RCODE, version 0, flags 0) and RDLENGTH 0 */
		o += 11;
	}
	return (int)o;
}

/* Addresses never worth a trunk entry. */
static bool usable_v4(const __u8 *a)
{
	if (a[0] == 0 || a[0] == 127 || a[0] >= 224)
		return false;   /* this-network, loopback, multicast, 240/4 + broadcast */
	return true;
}

static bool usable_v6(const __u8 *a)
{
	static const __u8 zero[12];

	if (a[0] == 0xff)
		return false;   /* multicast */
	if (!memcmp(a, zero, 12))
		return false;   /* ::, ::1, IPv4-compatible */
	if (!memcmp(a, zero, 10) && a[10] == 0xff && a[11] == 0xff)
		return false;   /* IPv4-mapped: an A record's business */
	return true;
}

struct rr {
	__u16 owner;        /* offset of the owner name */
	__u16 type;
	__u16 rdata;        /* offset of RDATA */
	__u16 rdlen;
	__u32 ttl;
};

static void add_addr(struct vfw_dns_answer *out, const __u8 a[16], __u32 ttl)
{
	__u32 i;

	for (i = 0; i < out->n; i++) {
		if (!memcmp(out->addr[i].addr, a, 16)) {
			if (ttl < out->addr[i].ttl)
				out->addr[i].ttl = ttl;
			return;
		}
	}
	if (out->n == VFW_DNS_MAX_ADDRS) {
		out->n_dropped++;   /* may count a repeat of a dropped one twice */
		return;
	}
	memcpy(out->addr[out->n].addr, a, 16);
	out->addr[out->n].ttl = ttl;
	out->n++;
}

int vfw_dns_parse_response(const __u8 *msg, size_t len, __u16 id,
			   const char *name, __u16 qtype,
			   struct vfw_dns_answer *out)
{
	struct rr rrs[VFW_DNS_MAX_RRS];
	__u8 want[VFW_DNS_NAME_MAX], got[VFW_DNS_NAME_MAX];
	__u8 target[VFW_DNS_NAME_MAX];
	int want_len, got_len, target_len;
	__u16 flags, qd, an;
	__u32 chain_ttl = UINT32_MAX, i;
	size_t pos;
	unsigned depth;

	if (!msg || !out || len < VFW_DNS_HDR_LEN || len > 65535)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	want_len = encode_name(name, want, true);
	if (want_len < 0 || (qtype != VFW_DNS_TYPE_A && qtype != VFW_DNS_TYPE_AAAA))
		return -EINVAL;

	flags = get16(msg + 2);
	qd = get16(msg + 4);
	an = get16(msg + 6);
	if (get16(msg) != id || !(flags & HDR_QR) || (flags & HDR_OPCODE) || qd != 1)
		return -ENOMSG;

	/* The question must be ours. */
	got_len = read_name(msg, len, VFW_DNS_HDR_LEN, got, &pos);
	if (got_len < 0 || pos + 4 > len)
		return -EINVAL;
	if (!name_eq(got, got_len, want, want_len) || get16(msg + pos) != qtype ||
	    get16(msg + pos + 2) != VFW_DNS_CLASS_IN)
		return -ENOMSG;
	pos += 4;

	out->rcode = flags & HDR_RCODE;
	out->truncated = flags & HDR_TC;
	out->authoritative = flags & HDR_AA;
	if (out->truncated || out->rcode != VFW_DNS_RCODE_NOERROR)
		return 0;   /* nothing to take from it */

	/* Walk the answer section once, checking every record. */
	if (an > VFW_DNS_MAX_RRS || (size_t)an * (1 + RR_FIXED) > len - pos)
		return -EINVAL;
	for (i = 0; i < an; i++) {
		struct rr *r = &rrs[i];
		__u16 class;

		r->owner = (__u16)pos;
		if (read_name(msg, len, pos, got, &pos) < 0 || pos + RR_FIXED > len)
			return -EINVAL;
		r->type = get16(msg + pos);
		class = get16(msg + pos + 2);
		r->ttl = get32(msg + pos + 4);
		r->rdlen = get16(msg + pos + 8);
		pos += RR_FIXED;
		if (r->rdlen > len - pos)
			return -EINVAL;
		r->rdata = (__u16)pos;
		if (r->ttl & 0x80000000u)
			r->ttl = 0;     /* RFC 2181 section 8 */
		if (class != VFW_DNS_CLASS_IN) {
			r->type = 0;    /* never matches below */
		} else if ((r->type == VFW_DNS_TYPE_A && r->rdlen != 4) ||
			   (r->type == VFW_DNS_TYPE_AAAA && r->rdlen != 16)) {
			return -EINVAL;
		} else if (r->type == VFW_DNS_TYPE_CNAME) {
			size_t end;

			if (read_name(msg, len, pos, got, &end) < 0 ||
			    end != pos + r->rdlen)
				return -EINVAL;
		}
		pos += r->rdlen;
	}

	/* Follow the CNAME chain from the question's name. */
	memcpy(target, want, (size_t)want_len);
	target_len = want_len;
	for (depth = 0;; depth++) {
		const struct rr *link = NULL;

		for (i = 0; i < an && !link; i++) {
			if (rrs[i].type != VFW_DNS_TYPE_CNAME)
				continue;
			got_len = read_name(msg, len, rrs[i].owner, got, NULL);
			if (name_eq(got, got_len, target, target_len))
				link = &rrs[i];
		}
		if (!link)
			break;
		if (depth == VFW_DNS_MAX_CNAMES)
			return -EINVAL;   /* too long, or a loop */
		target_len = read_name(msg, len, link->rdata, target, NULL);
		if (target_len < 0)
			return -EINVAL;   /* checked above; keeps the analyser calm */
		if (link->ttl < chain_ttl)
			chain_ttl = link->ttl;
		out->n_cnames++;
	}

	/* The addresses of the chain's end. */
	for (i = 0; i < an; i++) {
		const struct rr *r = &rrs[i];
		__u8 a[16];

		if (r->type != qtype)
			continue;
		got_len = read_name(msg, len, r->owner, got, NULL);
		if (!name_eq(got, got_len, target, target_len))
			continue;
		if (qtype == VFW_DNS_TYPE_A) {
			if (!usable_v4(msg + r->rdata)) {
				out->n_ignored++;
				continue;
			}
			vfw_map_ipv4(a, msg + r->rdata);
		} else {
			if (!usable_v6(msg + r->rdata)) {
				out->n_ignored++;
				continue;
			}
			memcpy(a, msg + r->rdata, 16);
		}
		add_addr(out, a, r->ttl < chain_ttl ? r->ttl : chain_ttl);
	}
	return 0;
}

/* ---- resolv.conf ---- */

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void parse_ns_line(const char *p, const char *end,
			  struct vfw_dns_server *out, int max, int *n)
{
	static const char kw[] = "nameserver";
	char tok[64 + VFW_DNS_ZONE_MAX], *zone;
	struct vfw_dns_server s;
	size_t tl = 0;
	bool ipv4;
	int i;

	if ((size_t)(end - p) <= sizeof(kw) - 1 || memcmp(p, kw, sizeof(kw) - 1) ||
	    !blank(p[sizeof(kw) - 1]))
		return;
	p += sizeof(kw) - 1;
	while (p < end && blank(*p))
		p++;
	while (p < end && !blank(*p) && *p != '#' && *p != ';') {
		if (tl + 1 >= sizeof(tok))
			return;
		tok[tl++] = *p++;
	}
	tok[tl] = '\0';
	if (!tl)
		return;
	memset(&s, 0, sizeof(s));
	zone = strchr(tok, '%');
	if (zone)
		*zone++ = '\0';
	if (vfw_parse_addr(tok, s.addr, &ipv4))
		return;
	s.ipv4 = ipv4;
	if (zone) {
		__u64 v;

		if (ipv4 || !zone[0] || strlen(zone) >= VFW_DNS_ZONE_MAX)
			return;
		if (vfw_parse_u64(zone, UINT32_MAX, &v) == 0)
			s.scope_id = (__u32)v;
		else
			memcpy(s.zone, zone, strlen(zone) + 1);
	}
	for (i = 0; i < *n; i++)
		if (!memcmp(out[i].addr, s.addr, 16) && out[i].scope_id == s.scope_id &&
		    !strcmp(out[i].zone, s.zone))
			return;
	if (*n < max)
		out[(*n)++] = s;
}

int vfw_resolv_conf_parse(const char *text, size_t len,
			  struct vfw_dns_server *out, int max)
{
	const char *p = text, *end;
	int n = 0;

	if (!text || !out || max <= 0)
		return 0;
	if (len > VFW_RESOLV_CONF_MAX)
		len = VFW_RESOLV_CONF_MAX;
	end = text + len;
	while (p < end && n < max) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (!eol)
			eol = end;
		while (p < eol && blank(*p))
			p++;
		parse_ns_line(p, eol, out, max, &n);
		p = eol + (eol < end);
	}
	return n;
}
