// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* DNS query building, response parsing and resolv.conf reading. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "dnsmsg.h"

#define NAME "sip.example.net"
#define ID   0x4d2a

/* ---- a small message writer for the tests ---- */

struct msg {
	__u8 b[4096];
	size_t n;
};

static void u8(struct msg *m, unsigned v)
{
	assert_true(m->n < sizeof(m->b));
	m->b[m->n++] = (__u8)v;
}

static void u16(struct msg *m, unsigned v)
{
	u8(m, v >> 8);
	u8(m, v & 0xff);
}

static void u32(struct msg *m, __u32 v)
{
	u16(m, v >> 16);
	u16(m, v & 0xffff);
}

/* Dotted name in wire form, uncompressed; "" is the root. */
static void name(struct msg *m, const char *s)
{
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);

		u8(m, (unsigned)l);
		memcpy(m->b + m->n, s, l);
		m->n += l;
		s += l + (dot != NULL);
	}
	u8(m, 0);
}

static void ptr(struct msg *m, unsigned off)
{
	u16(m, 0xc000 | off);
}

static void hdr(struct msg *m, unsigned id, unsigned flags, unsigned qd,
		unsigned an)
{
	m->n = 0;
	u16(m, id);
	u16(m, flags);
	u16(m, qd);
	u16(m, an);
	u16(m, 0);
	u16(m, 0);
}

/* Response header + question; the question's name sits at offset 12. */
static void response(struct msg *m, const char *qname, unsigned qtype,
		     unsigned an)
{
	hdr(m, ID, 0x8180, 1, an);
	name(m, qname);
	u16(m, qtype);
	u16(m, VFW_DNS_CLASS_IN);
}

/* Record header; owner written by the caller before. */
static void rr_fixed(struct msg *m, unsigned type, __u32 ttl, unsigned rdlen)
{
	u16(m, type);
	u16(m, VFW_DNS_CLASS_IN);
	u32(m, ttl);
	u16(m, rdlen);
}

static void rr_a(struct msg *m, __u32 ttl, unsigned a, unsigned b, unsigned c,
		 unsigned d)
{
	rr_fixed(m, VFW_DNS_TYPE_A, ttl, 4);
	u8(m, a);
	u8(m, b);
	u8(m, c);
	u8(m, d);
}

static void rr_aaaa(struct msg *m, __u32 ttl, const char *text)
{
	__u8 a[16];
	bool v4;

	assert_int_equal(vfw_parse_addr(text, a, &v4), 0);
	rr_fixed(m, VFW_DNS_TYPE_AAAA, ttl, 16);
	memcpy(m->b + m->n, a, 16);
	m->n += 16;
}

/* CNAME whose target is written uncompressed. */
static void rr_cname(struct msg *m, __u32 ttl, const char *target)
{
	size_t at;

	rr_fixed(m, VFW_DNS_TYPE_CNAME, ttl, 0);
	at = m->n;
	name(m, target);
	m->b[at - 2] = (__u8)((m->n - at) >> 8);
	m->b[at - 1] = (__u8)((m->n - at) & 0xff);
}

static int parse(const struct msg *m, unsigned qtype, struct vfw_dns_answer *a)
{
	return vfw_dns_parse_response(m->b, m->n, ID, NAME, qtype, a);
}

static void assert_addr(const struct vfw_dns_addr *got, const char *text,
			__u32 ttl)
{
	char buf[VFW_ADDR_STRLEN];

	assert_string_equal(vfw_addr_str(got->addr, buf, sizeof(buf)), text);
	assert_int_equal(got->ttl, ttl);
}

/* ---- queries ---- */

static void test_query_bytes(void **state)
{
	static const __u8 want[] = {
		0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		3, 's', 'i', 'p', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		3, 'n', 'e', 't', 0, 0, 1, 0, 1,
	};
	__u8 buf[VFW_DNS_QUERY_MAX];
	int n;

	n = vfw_dns_build_query(buf, sizeof(buf), 0x1234, NAME, VFW_DNS_TYPE_A, false);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	/* a final dot is the same name */
	n = vfw_dns_build_query(buf, sizeof(buf), 0x1234, NAME ".", VFW_DNS_TYPE_A, false);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));

	/* EDNS0: ARCOUNT 1 and an OPT record advertising our buffer */
	n = vfw_dns_build_query(buf, sizeof(buf), 0x1234, NAME, VFW_DNS_TYPE_AAAA, true);
	assert_int_equal(n, sizeof(want) + 11);
	assert_int_equal(buf[11], 1);
	assert_int_equal(buf[sizeof(want) - 3], VFW_DNS_TYPE_AAAA);
	assert_int_equal(buf[sizeof(want)], 0);
	assert_int_equal(buf[sizeof(want) + 2], VFW_DNS_TYPE_OPT);
	assert_int_equal(buf[sizeof(want) + 3] << 8 | buf[sizeof(want) + 4],
			 VFW_DNS_EDNS_SIZE);

	assert_int_equal(vfw_dns_build_query(buf, sizeof(want) - 1, 1, NAME,
					     VFW_DNS_TYPE_A, false), -ENOSPC);
}

static void test_query_bad_names(void **state)
{
	static const char *const bad[] = {
		"", ".", "..", "a..b", ".a", "a b", "a/b", "trunk\x01.example",
		"xn--\xc3\xa4.example",
	};
	__u8 buf[VFW_DNS_QUERY_MAX];
	char lname[300];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(vfw_dns_build_query(buf, sizeof(buf), 1, bad[i],
						     VFW_DNS_TYPE_A, false), -EINVAL);
	assert_int_equal(vfw_dns_build_query(buf, sizeof(buf), 1, NULL,
					     VFW_DNS_TYPE_A, false), -EINVAL);

	/* labels: 63 fine, 64 not */
	memset(lname, 'a', 63);
	strcpy(lname + 63, ".example");
	assert_true(vfw_dns_build_query(buf, sizeof(buf), 1, lname, VFW_DNS_TYPE_A, false) > 0);
	memset(lname, 'a', 64);
	strcpy(lname + 64, ".example");
	assert_int_equal(vfw_dns_build_query(buf, sizeof(buf), 1, lname,
					     VFW_DNS_TYPE_A, false), -EINVAL);

	/* names: 253 characters (255 wire octets) fine, 254 not */
	for (i = 0; i < 253; i++)
		lname[i] = i % 2 ? '.' : 'a';
	lname[253] = '\0';
	assert_true(vfw_dns_build_query(buf, sizeof(buf), 1, lname, VFW_DNS_TYPE_A, true) > 0);
	strcpy(lname + 253, "a");   /* last label "aa": 256 wire octets */
	assert_int_equal(vfw_dns_build_query(buf, sizeof(buf), 1, lname,
					     VFW_DNS_TYPE_A, false), -EINVAL);
}

/* ---- responses ---- */

static void test_simple_a(void **state)
{
	struct vfw_dns_answer a;
	struct msg m;

	response(&m, NAME, VFW_DNS_TYPE_A, 2);
	ptr(&m, 12);
	rr_a(&m, 300, 203, 0, 113, 7);
	ptr(&m, 12);
	rr_a(&m, 200, 203, 0, 113, 8);
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), 0);
	assert_int_equal(a.rcode, 0);
	assert_false(a.truncated);
	assert_int_equal(a.n, 2);
	assert_addr(&a.addr[0], "203.0.113.7", 300);
	assert_addr(&a.addr[1], "203.0.113.8", 200);
	/* the question's case does not matter (0x20 randomisation, servers) */
	m.b[13] = 'S';
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), 0);
	assert_int_equal(a.n, 2);
	assert_int_equal(vfw_dns_parse_response(m.b, m.n, ID, "SIP.Example.NET.",
						VFW_DNS_TYPE_A, &a), 0);
	assert_int_equal(a.n, 2);
}

static void test_simple_aaaa(void **state)
{
	struct vfw_dns_answer a;
	struct msg m;

	response(&m, NAME, VFW_DNS_TYPE_AAAA, 1);
	name(&m, NAME);      /* uncompressed owner works too */
	rr_aaaa(&m, 60, "2001:db8::7");
	assert_int_equal(parse(&m, VFW_DNS_TYPE_AAAA, &a), 0);
	assert_int_equal(a.n, 1);
	assert_addr(&a.addr[0], "2001:db8::7", 60);
	/* an AAAA answer does not answer an A query */
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), -ENOMSG);
}

static void test_not_our_answer(void **state)
{
	struct vfw_dns_answer a;
	struct msg m;

	response(&m, NAME, VFW_DNS_TYPE_A, 1);
	ptr(&m, 12);
	rr_a(&m, 300, 203, 0, 113, 7);
	assert_int_equal(vfw_dns_parse_response(m.b, m.n, ID + 1, NAME,
						VFW_DNS_TYPE_A, &a), -ENOMSG);
	assert_int_equal(vfw_dns_parse_response(m.b, m.n, ID, "sip.example.org",
						VFW_DNS_TYPE_A, &a), -ENOMSG);
	assert_int_equal(vfw_dns_parse_response(m.b, m.n, ID, "ip.example.net",
						VFW_DNS_TYPE_A, &a), -ENOMSG);
	m.b[2] &= 0x7f;     /* a query, not a response */
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), -ENOMSG);
	m.b[2] |= 0x80 | 0x10;   /* opcode 2 */
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), -ENOMSG);
	m.b[2] = 0x81;
	m.b[5] = 2;         /* two questions */
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), -ENOMSG);
	m.b[5] = 0;
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), -ENOMSG);
	m.b[5] = 1;
	m.b[12 + 17 + 3] = 3;    /* question class CH */
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), -ENOMSG);
}

static void test_cname_chain(void **state)
{
	struct vfw_dns_answer a;
	struct msg m;

	/* records out of order: the chain is followed by name, not position */
	response(&m, NAME, VFW_DNS_TYPE_A, 4);
	name(&m, "edge.cdn.example");
	rr_a(&m, 600, 198, 51, 100, 9);
	name(&m, "pool.example.net");
	rr_cname(&m, 120, "edge.cdn.example");
	ptr(&m, 12);
	rr_cname(&m, 3600, "pool.example.net");
	name(&m, "other.example");   /* not on the chain: ignored */
	rr_a(&m, 600, 198, 51, 100, 66);
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), 0);
	assert_int_equal(a.n_cnames, 2);
	assert_int_equal(a.n, 1);
	assert_addr(&a.addr[0], "198.51.100.9", 120);   /* min over the chain */
}

static void test_cname_compressed_target(void **state)
{
	struct vfw_dns_answer a;
	struct msg m;
	size_t at;

	/* CNAME to "trunk." + pointer to "example.net" in the question */
	response(&m, NAME, VFW_DNS_TYPE_A, 2);
	ptr(&m, 12);
	rr_fixed(&m, VFW_DNS_TYPE_CNAME, 300, 8);
	at = m.n;
	name(&m, "trunk");
	m.n--;
	ptr(&m, 12 + 4);
	assert_int_equal(m.n - at, 8);
	ptr(&m, at);
	rr_a(&m, 30, 203, 0, 113, 9);
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), 0);
	assert_int_equal(a.n, 1);
	assert_addr(&a.addr[0], "203.0.113.9", 30);

	/* RDLENGTH not matching the name inside */
	m.b[at - 1] = 9;
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), -EINVAL);
}

static void test_cname_loop_and_depth(void **state)
{
	char from[32], to[32];
	struct vfw_dns_answer a;
	struct msg m;
	int i;

	response(&m, NAME, VFW_DNS_TYPE_A, 3);
	ptr(&m, 12);
	rr_cname(&m, 60, "b.example");
	name(&m, "b.example");
	rr_cname(&m, 60, NAME);
	name(&m, "b.example");
	rr_a(&m, 60, 203, 0, 113, 1);
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), -EINVAL);

	/* a chain of exactly VFW_DNS_MAX_CNAMES links is fine, one more is not */
	for (int links = VFW_DNS_MAX_CNAMES; links <= VFW_DNS_MAX_CNAMES + 1; links++) {
		response(&m, NAME, VFW_DNS_TYPE_A, (unsigned)links + 1);
		for (i = 0; i < links; i++) {
			snprintf(from, sizeof(from), "c%d.example", i);
			snprintf(to, sizeof(to), "c%d.example", i + 1);
			if (i == 0)
				ptr(&m, 12);
			else
				name(&m, from);
			rr_cname(&m, 60, to);
		}
		name(&m, to);
		rr_a(&m, 60, 203, 0, 113, 2);
		assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a),
				 links <= VFW_DNS_MAX_CNAMES ? 0 : -EINVAL);
	}
	assert_int_equal(a.n, 0);
}

static void test_compression_attacks(void **state)
{
	struct vfw_dns_answer a;
	struct msg m;
	size_t at;

	/* owner is a pointer to itself */
	response(&m, NAME, VFW_DNS_TYPE_A, 1);
	at = m.n;
	ptr(&m, at);
	rr_a(&m, 60, 203, 0, 113, 1);
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), -EINVAL);

	/* two pointers to each other */
	response(&m, NAME, VFW_DNS_TYPE_A, 1);
	at = m.n;
	ptr(&m, at + 2);
	ptr(&m, at);
	rr_a(&m, 60, 203, 0, 113, 1);
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), -EINVAL);

	/* pointer past the end */
	response(&m, NAME, VFW_DNS_TYPE_A, 1);
	ptr(&m, 0x3fff);
	rr_a(&m, 60, 203, 0, 113, 1);
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), -EINVAL);

	/* label type 0x40 (extended) and 0x80 (reserved) */
	response(&m, NAME, VFW_DNS_TYPE_A, 1);
	u8(&m, 0x41);
	u8(&m, 'x');
	u8(&m, 0);
	rr_a(&m, 60, 203, 0, 113, 1);
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), -EINVAL);

	/* a name growing past 255 octets through pointers: label + pointer back */
	response(&m, NAME, VFW_DNS_TYPE_A, 1);
	at = m.n;
	u8(&m, 63);
	memset(m.b + m.n, 'a', 63);
	m.n += 63;
	ptr(&m, at);
	rr_a(&m, 60, 203, 0, 113, 1);
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), -EINVAL);

	/* pointer in the question pointing into the header (garbage labels) */
	hdr(&m, ID, 0x8180, 1, 0);
	ptr(&m, 0);
	u16(&m, VFW_DNS_TYPE_A);
	u16(&m, VFW_DNS_CLASS_IN);
	assert_true(parse(&m, VFW_DNS_TYPE_A, &a) < 0);
}

static void test_truncations(void **state)
{
	struct vfw_dns_answer a;
	struct msg m;
	size_t full, cut;

	response(&m, NAME, VFW_DNS_TYPE_A, 3);
	ptr(&m, 12);
	rr_cname(&m, 60, "x.example");
	name(&m, "x.example");
	rr_a(&m, 60, 203, 0, 113, 1);
	ptr(&m, 12 + 17 + 4 + 2 + 10);     /* the CNAME's target */
	rr_a(&m, 60, 203, 0, 113, 2);
	full = m.n;
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), 0);
	assert_int_equal(a.n, 2);
	for (cut = 0; cut < full; cut++) {
		m.n = cut;
		assert_true(parse(&m, VFW_DNS_TYPE_A, &a) < 0);
	}
	/* more answers announced than present */
	m.n = full;
	m.b[7] = 4;
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), -EINVAL);
	m.b[6] = 0xff;
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), -EINVAL);
	assert_int_equal(vfw_dns_parse_response(NULL, 0, ID, NAME, VFW_DNS_TYPE_A, &a),
			 -EINVAL);
}

static void test_bad_rdlength(void **state)
{
	struct vfw_dns_answer a;
	struct msg m;

	response(&m, NAME, VFW_DNS_TYPE_A, 1);
	ptr(&m, 12);
	rr_fixed(&m, VFW_DNS_TYPE_A, 60, 5);
	u32(&m, 0xcb007101);
	u8(&m, 0);
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), -EINVAL);

	response(&m, NAME, VFW_DNS_TYPE_AAAA, 1);
	ptr(&m, 12);
	rr_fixed(&m, VFW_DNS_TYPE_AAAA, 60, 4);
	u32(&m, 0xcb007101);
	assert_int_equal(parse(&m, VFW_DNS_TYPE_AAAA, &a), -EINVAL);

	/* RDLENGTH past the end */
	response(&m, NAME, VFW_DNS_TYPE_A, 1);
	ptr(&m, 12);
	rr_fixed(&m, 99, 60, 200);
	u32(&m, 0);
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), -EINVAL);
}

static void test_rcodes_and_tc(void **state)
{
	struct vfw_dns_answer a;
	struct msg m;

	response(&m, NAME, VFW_DNS_TYPE_A, 0);
	m.b[3] = 0x83;      /* NXDOMAIN */
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), 0);
	assert_int_equal(a.rcode, VFW_DNS_RCODE_NXDOMAIN);
	assert_int_equal(a.n, 0);

	m.b[3] = 0x82;      /* SERVFAIL */
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), 0);
	assert_int_equal(a.rcode, VFW_DNS_RCODE_SERVFAIL);

	/* TC with a cut answer section: flagged, nothing taken */
	response(&m, NAME, VFW_DNS_TYPE_A, 5);
	m.b[2] |= 0x02;
	ptr(&m, 12);
	rr_a(&m, 60, 203, 0, 113, 1);
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), 0);
	assert_true(a.truncated);
	assert_int_equal(a.n, 0);

	/* NODATA */
	response(&m, NAME, VFW_DNS_TYPE_AAAA, 0);
	assert_int_equal(parse(&m, VFW_DNS_TYPE_AAAA, &a), 0);
	assert_int_equal(a.rcode, 0);
	assert_int_equal(a.n, 0);
}

static void test_unusable_and_duplicates(void **state)
{
	struct vfw_dns_answer a;
	struct msg m;

	response(&m, NAME, VFW_DNS_TYPE_A, 7);
	ptr(&m, 12); rr_a(&m, 60, 127, 0, 0, 1);
	ptr(&m, 12); rr_a(&m, 60, 0, 0, 0, 0);
	ptr(&m, 12); rr_a(&m, 60, 224, 0, 0, 1);
	ptr(&m, 12); rr_a(&m, 60, 255, 255, 255, 255);
	ptr(&m, 12); rr_a(&m, 90, 192, 0, 2, 1);
	ptr(&m, 12); rr_a(&m, 30, 192, 0, 2, 1);   /* duplicate: lower ttl wins */
	ptr(&m, 12); rr_a(&m, 0x80000001u, 192, 0, 2, 2);  /* "negative" ttl */
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), 0);
	assert_int_equal(a.n_ignored, 4);
	assert_int_equal(a.n, 2);
	assert_addr(&a.addr[0], "192.0.2.1", 30);
	assert_addr(&a.addr[1], "192.0.2.2", 0);

	response(&m, NAME, VFW_DNS_TYPE_AAAA, 5);
	ptr(&m, 12); rr_aaaa(&m, 60, "::1");
	ptr(&m, 12); rr_aaaa(&m, 60, "::");
	ptr(&m, 12); rr_aaaa(&m, 60, "ff02::1");
	ptr(&m, 12);
	rr_fixed(&m, VFW_DNS_TYPE_AAAA, 60, 16);   /* ::ffff:192.0.2.1 */
	memset(m.b + m.n, 0, 10);
	m.b[m.n + 10] = m.b[m.n + 11] = 0xff;
	m.b[m.n + 12] = 192; m.b[m.n + 13] = 0; m.b[m.n + 14] = 2; m.b[m.n + 15] = 1;
	m.n += 16;
	ptr(&m, 12); rr_aaaa(&m, 60, "2001:db8:5::1");
	assert_int_equal(parse(&m, VFW_DNS_TYPE_AAAA, &a), 0);
	assert_int_equal(a.n_ignored, 4);
	assert_int_equal(a.n, 1);
	assert_addr(&a.addr[0], "2001:db8:5::1", 60);
}

static void test_many_addresses_and_classes(void **state)
{
	struct vfw_dns_answer a;
	struct msg m;
	unsigned i;

	response(&m, NAME, VFW_DNS_TYPE_A, VFW_DNS_MAX_ADDRS + 6);
	for (i = 0; i < VFW_DNS_MAX_ADDRS + 5; i++) {
		ptr(&m, 12);
		rr_a(&m, 60, 198, 51, 100, i + 1);
	}
	ptr(&m, 12);     /* class CH: ignored */
	u16(&m, VFW_DNS_TYPE_A);
	u16(&m, 3);
	u32(&m, 60);
	u16(&m, 4);
	u32(&m, 0xc6336463);
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), 0);
	assert_int_equal(a.n, VFW_DNS_MAX_ADDRS);
	assert_int_equal(a.n_dropped, 5);

	/* more records than we look at at all */
	response(&m, NAME, VFW_DNS_TYPE_A, VFW_DNS_MAX_RRS + 1);
	for (i = 0; i <= VFW_DNS_MAX_RRS && m.n + 16 < sizeof(m.b); i++) {
		ptr(&m, 12);
		rr_a(&m, 60, 198, 51, 100, 1);
	}
	assert_int_equal(parse(&m, VFW_DNS_TYPE_A, &a), -EINVAL);
}

static void test_roundtrip_question(void **state)
{
	__u8 buf[VFW_DNS_QUERY_MAX + 16];
	struct vfw_dns_answer a;
	int n;

	/* our own query, echoed as a response with one A appended */
	n = vfw_dns_build_query(buf, sizeof(buf), ID, NAME, VFW_DNS_TYPE_A, false);
	assert_true(n > 0);
	buf[2] |= 0x80;
	buf[7] = 1;
	buf[n++] = 0xc0;
	buf[n++] = 12;
	memcpy(buf + n, "\0\1\0\1\0\0\0\x3c\0\4\xcb\0\x71\x05", 14);
	n += 14;
	assert_int_equal(vfw_dns_parse_response(buf, (size_t)n, ID, NAME,
						VFW_DNS_TYPE_A, &a), 0);
	assert_int_equal(a.n, 1);
	assert_addr(&a.addr[0], "203.0.113.5", 60);
}

/* ---- resolv.conf ---- */

static int rc_parse(const char *text, struct vfw_dns_server *s, int max)
{
	return vfw_resolv_conf_parse(text, strlen(text), s, max);
}

static void test_resolv_conf(void **state)
{
	struct vfw_dns_server s[VFW_DNS_MAX_SERVERS];
	char buf[VFW_ADDR_STRLEN];
	static const char text[] =
		"# generated\n"
		"; also a comment\n"
		"search example.net\n"
		"nameserver\t203.0.113.53   # primary\n"
		"nameservers 192.0.2.9\n"
		"nameserver\n"
		"nameserver 300.1.1.1\n"
		"  nameserver 2001:db8::53%3\r\n"
		"nameserver 203.0.113.53\n"
		"nameserver fe80::1%eth0;x\n"
		"nameserver 192.0.2.10\n";

	assert_int_equal(rc_parse(text, s, VFW_DNS_MAX_SERVERS), 3);
	assert_true(s[0].ipv4);
	assert_string_equal(vfw_addr_str(s[0].addr, buf, sizeof(buf)), "203.0.113.53");
	assert_false(s[1].ipv4);
	assert_string_equal(vfw_addr_str(s[1].addr, buf, sizeof(buf)), "2001:db8::53");
	assert_int_equal(s[1].scope_id, 3);
	assert_string_equal(s[1].zone, "");
	assert_string_equal(vfw_addr_str(s[2].addr, buf, sizeof(buf)), "fe80::1");
	assert_string_equal(s[2].zone, "eth0");

	assert_int_equal(rc_parse("", s, 3), 0);
	assert_int_equal(rc_parse("nameserver 192.0.2.1", s, 3), 1);  /* no LF */
	assert_int_equal(rc_parse("nameserver 192.0.2.1%1\n", s, 3), 0);
	assert_int_equal(rc_parse("nameserver 2001:db8::1%0123456789abcdefg\n", s, 3), 0);
	assert_int_equal(rc_parse("nameserver ::ffff:192.0.2.1\n", s, 3), 0);
	assert_int_equal(rc_parse("nameserver 192.0.2.1\n", s, 0), 0);
	assert_int_equal(vfw_resolv_conf_parse(NULL, 5, s, 3), 0);
}

static void test_resolv_conf_long_lines(void **state)
{
	static char text[VFW_RESOLV_CONF_MAX + 100];
	struct vfw_dns_server s[3];
	size_t n;

	/* a huge token is skipped, the next line still read */
	n = (size_t)snprintf(text, sizeof(text), "nameserver ");
	memset(text + n, '1', 5000);
	n += 5000;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\nnameserver 192.0.2.7\n");
	assert_int_equal(rc_parse(text, s, 3), 1);

	/* nothing past VFW_RESOLV_CONF_MAX bytes is looked at */
	memset(text, '#', sizeof(text));
	memcpy(text + VFW_RESOLV_CONF_MAX, "\nnameserver 192.0.2.8\n", 22);
	text[sizeof(text) - 1] = '\0';
	assert_int_equal(rc_parse(text, s, 3), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_bytes),
		cmocka_unit_test(test_query_bad_names),
		cmocka_unit_test(test_simple_a),
		cmocka_unit_test(test_simple_aaaa),
		cmocka_unit_test(test_not_our_answer),
		cmocka_unit_test(test_cname_chain),
		cmocka_unit_test(test_cname_compressed_target),
		cmocka_unit_test(test_cname_loop_and_depth),
		cmocka_unit_test(test_compression_attacks),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_bad_rdlength),
		cmocka_unit_test(test_rcodes_and_tc),
		cmocka_unit_test(test_unusable_and_duplicates),
		cmocka_unit_test(test_many_addresses_and_classes),
		cmocka_unit_test(test_roundtrip_question),
		cmocka_unit_test(test_resolv_conf),
		cmocka_unit_test(test_resolv_conf_long_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
