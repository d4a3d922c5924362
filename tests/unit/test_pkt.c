// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests for the packet layer: IPv4/IPv6/UDP/TCP header parsing,
 * fragment reassembly (order, overlap, duplicates, limits, timeout) and TCP
 * stream framing of SIP messages. Packets are parsed from exact-size heap
 * copies so ASan catches any read past the end.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pkt.h"
#include "pktbuild.h"

#define SEC 1000000000ULL
#define A4 "198.51.100.1"
#define B4 "203.0.113.10"
#define A6 "2001:db8:5::1"
#define B6 "2001:db8:1::10"

static uint8_t l4buf[PB_MAX], pktbuf[PB_MAX], tmp[PB_MAX];

/* Parses an exact-size heap copy of pkt. */
static int parse_copy(const uint8_t *pkt, size_t len, struct vfw_l3 *l3,
		      uint8_t **copy)
{
	*copy = malloc(len ? len : 1);
	assert_non_null(*copy);
	memcpy(*copy, pkt, len);
	return vfw_l3_parse(*copy, len, l3);
}

static size_t udp4(const char *src, const char *dst, const char *payload)
{
	size_t n = pb_udp(l4buf, 5060, 5062, payload, strlen(payload));

	return pb_ipv4(pktbuf, src, dst, IPPROTO_UDP, l4buf, n, 1, 0, 0, 0);
}

/* ---- IPv4 / UDP / TCP ----------------------------------------------------- */

static void test_ipv4_udp(void **state)
{
	struct vfw_datagram d;
	struct vfw_l3 l3;
	uint8_t *copy, v4[16] = { [10] = 0xff, [11] = 0xff, 198, 51, 100, 1 };
	size_t len = udp4(A4, B4, "hello");

	assert_int_equal(parse_copy(pktbuf, len, &l3, &copy), 0);
	assert_int_equal(l3.proto, IPPROTO_UDP);
	assert_false(l3.is_fragment);
	assert_memory_equal(l3.saddr, v4, 16);
	assert_int_equal(vfw_l4_parse(&l3, l3.proto, l3.l4, l3.l4_len, &d, NULL), 0);
	assert_int_equal(d.sport, 5060);
	assert_int_equal(d.dport, 5062);
	assert_int_equal(d.len, 5);
	assert_memory_equal(d.payload, "hello", 5);
	free(copy);
}

static void test_ipv4_options_and_padding(void **state)
{
	struct vfw_datagram d;
	struct vfw_l3 l3;
	uint8_t *copy;
	size_t n = pb_udp(l4buf, 1, 2, "abc", 3);
	size_t len = pb_ipv4(pktbuf, A4, B4, IPPROTO_UDP, l4buf, n, 1, 0, 0, 3);

	/* Ethernet pads short frames: bytes past the total length are ignored. */
	memset(pktbuf + len, 0xee, 10);
	assert_int_equal(parse_copy(pktbuf, len + 10, &l3, &copy), 0);
	assert_int_equal(l3.l4_len, 11);
	assert_int_equal(vfw_l4_parse(&l3, l3.proto, l3.l4, l3.l4_len, &d, NULL), 0);
	assert_int_equal(d.len, 3);
	assert_memory_equal(d.payload, "abc", 3);
	free(copy);
}

static void test_ipv4_bad_headers(void **state)
{
	struct vfw_l3 l3;
	uint8_t *copy;
	size_t len = udp4(A4, B4, "payload");

	/* Cut anywhere: shorter than the total length says. */
	for (size_t cut = 0; cut < len; cut++) {
		assert_int_not_equal(parse_copy(pktbuf, cut, &l3, &copy), 0);
		free(copy);
	}
	assert_int_equal(parse_copy(pktbuf, len - 1, &l3, &copy), -EMSGSIZE);
	free(copy);
	pktbuf[0] = 0x44;	/* IHL 4 < 5 */
	assert_int_equal(parse_copy(pktbuf, len, &l3, &copy), -EINVAL);
	free(copy);
	pktbuf[0] = 0x4f;	/* IHL 15: 60 bytes > the 40 captured */
	pb_be16(pktbuf + 2, 100);
	assert_int_equal(parse_copy(pktbuf, 40, &l3, &copy), -EMSGSIZE);
	free(copy);
	pktbuf[0] = 0x4f;	/* IHL 15 but total length 35 */
	pb_be16(pktbuf + 2, 35);
	assert_int_equal(parse_copy(pktbuf, len, &l3, &copy), -EINVAL);
	free(copy);
	pktbuf[0] = 0x45;
	pb_be16(pktbuf + 2, 19);	/* total length < header */
	assert_int_equal(parse_copy(pktbuf, len, &l3, &copy), -EINVAL);
	free(copy);
	pktbuf[0] = 0x55;	/* version 5 */
	assert_int_equal(parse_copy(pktbuf, len, &l3, &copy), -EINVAL);
	free(copy);
}

static void test_udp_bad_length(void **state)
{
	struct vfw_datagram d;
	struct vfw_l3 l3;
	uint8_t *copy;
	size_t len = udp4(A4, B4, "abcdef");

	pb_be16(pktbuf + 20 + 4, 8 + 7);	/* one byte longer than there is */
	assert_int_equal(parse_copy(pktbuf, len, &l3, &copy), 0);
	assert_int_equal(vfw_l4_parse(&l3, l3.proto, l3.l4, l3.l4_len, &d, NULL), -EINVAL);
	free(copy);
	pb_be16(pktbuf + 20 + 4, 7);	/* shorter than its header */
	assert_int_equal(parse_copy(pktbuf, len, &l3, &copy), 0);
	assert_int_equal(vfw_l4_parse(&l3, l3.proto, l3.l4, l3.l4_len, &d, NULL), -EINVAL);
	free(copy);
	/* An L4 header cut short by the IP total length. */
	len = pb_ipv4(pktbuf, A4, B4, IPPROTO_UDP, l4buf, 5, 1, 0, 0, 0);
	assert_int_equal(parse_copy(pktbuf, len, &l3, &copy), 0);
	assert_int_equal(vfw_l4_parse(&l3, l3.proto, l3.l4, l3.l4_len, &d, NULL), -EINVAL);
	free(copy);
}

static void test_tcp_data_offset(void **state)
{
	struct vfw_datagram d;
	struct vfw_tcp_seg seg;
	struct vfw_l3 l3;
	uint8_t *copy;
	size_t n, len;

	/* 8 bytes of options (doff 7) before the payload. */
	n = pb_tcp(l4buf, 40000, 5060, 0x01020304, 0x01, "OPTIONSxSIP", 11);
	memmove(l4buf + 28, l4buf + 20, 11);
	memset(l4buf + 20, 1, 8);
	l4buf[12] = 7 << 4;
	n += 8;
	len = pb_ipv4(pktbuf, A4, B4, IPPROTO_TCP, l4buf, n, 1, 0, 0, 0);
	assert_int_equal(parse_copy(pktbuf, len, &l3, &copy), 0);
	assert_int_equal(vfw_l4_parse(&l3, l3.proto, l3.l4, l3.l4_len, &d, &seg), 0);
	assert_int_equal(d.len, 11);
	assert_memory_equal(d.payload, "OPTIONSxSIP", 11);
	assert_int_equal(seg.seq, 0x01020304);
	assert_int_equal(seg.flags, VFW_TCP_FIN);
	free(copy);

	pktbuf[20 + 12] = 4 << 4;	/* doff < 5 */
	assert_int_equal(parse_copy(pktbuf, len, &l3, &copy), 0);
	assert_int_equal(vfw_l4_parse(&l3, l3.proto, l3.l4, l3.l4_len, &d, &seg), -EINVAL);
	free(copy);
	pktbuf[20 + 12] = 15 << 4;	/* 60 bytes > 39 there */
	assert_int_equal(parse_copy(pktbuf, len, &l3, &copy), 0);
	assert_int_equal(vfw_l4_parse(&l3, l3.proto, l3.l4, l3.l4_len, &d, &seg), -EINVAL);
	free(copy);
}

/* ---- IPv6 ------------------------------------------------------------------ */

static void test_ipv6_ext_headers(void **state)
{
	struct vfw_datagram d;
	struct vfw_l3 l3;
	uint8_t *copy;
	size_t n = pb_udp(l4buf, 5060, 5060, "x6", 2), len;

	/* hop-by-hop -> destination options -> UDP */
	n = pb_dstopts(tmp, IPPROTO_UDP, l4buf, n);
	n = pb_dstopts(l4buf, IPPROTO_DSTOPTS, tmp, n);
	len = pb_ipv6(pktbuf, A6, B6, IPPROTO_HOPOPTS, l4buf, n);
	assert_int_equal(parse_copy(pktbuf, len, &l3, &copy), 0);
	assert_true(l3.ipv6);
	assert_int_equal(l3.proto, IPPROTO_UDP);
	assert_int_equal(vfw_l4_parse(&l3, l3.proto, l3.l4, l3.l4_len, &d, NULL), 0);
	assert_memory_equal(d.payload, "x6", 2);
	free(copy);

	/* The extension header claims more than the packet holds. */
	pktbuf[40 + 1] = 20;
	assert_int_equal(parse_copy(pktbuf, len, &l3, &copy), -EINVAL);
	free(copy);
	/* Payload length beyond the capture. */
	assert_int_equal(parse_copy(pktbuf, len - 1, &l3, &copy), -EMSGSIZE);
	free(copy);
	assert_int_equal(parse_copy(pktbuf, 39, &l3, &copy), -EMSGSIZE);
	free(copy);
}

static void test_ipv6_too_many_ext_headers(void **state)
{
	struct vfw_l3 l3;
	uint8_t *copy;
	size_t n = pb_udp(l4buf, 1, 2, "z", 1), len;
	int i;

	/* VFW_IPV6_MAX_EXT headers are walked ... */
	for (i = 0; i < VFW_IPV6_MAX_EXT; i++) {
		n = pb_dstopts(tmp, i ? IPPROTO_DSTOPTS : IPPROTO_UDP, l4buf, n);
		memcpy(l4buf, tmp, n);
	}
	len = pb_ipv6(pktbuf, A6, B6, IPPROTO_DSTOPTS, l4buf, n);
	assert_int_equal(parse_copy(pktbuf, len, &l3, &copy), 0);
	assert_int_equal(l3.proto, IPPROTO_UDP);
	free(copy);
	/* ... one more is refused. */
	n = pb_dstopts(tmp, IPPROTO_DSTOPTS, l4buf, n);
	len = pb_ipv6(pktbuf, A6, B6, IPPROTO_DSTOPTS, tmp, n);
	assert_int_equal(parse_copy(pktbuf, len, &l3, &copy), -E2BIG);
	free(copy);
}

static void test_ipv6_fragment_header(void **state)
{
	struct vfw_l3 l3;
	uint8_t *copy;
	uint8_t data[16] = "0123456789abcdef";
	size_t n = pb_frag6(l4buf, IPPROTO_UDP, 1208, 1, 0xdeadbeef, data, 16);
	size_t len = pb_ipv6(pktbuf, A6, B6, IPPROTO_FRAGMENT, l4buf, n);

	assert_int_equal(parse_copy(pktbuf, len, &l3, &copy), 0);
	assert_true(l3.is_fragment);
	assert_true(l3.more_fragments);
	assert_int_equal(l3.frag_offset, 1208);
	assert_int_equal(l3.frag_id, 0xdeadbeef);
	assert_int_equal(l3.proto, IPPROTO_UDP);
	assert_int_equal(l3.l4_len, 16);
	free(copy);

	/* An atomic fragment (offset 0, no more) is a whole datagram. */
	n = pb_udp(tmp, 7, 8, "at", 2);
	n = pb_frag6(l4buf, IPPROTO_UDP, 0, 0, 1, tmp, n);
	len = pb_ipv6(pktbuf, A6, B6, IPPROTO_FRAGMENT, l4buf, n);
	assert_int_equal(parse_copy(pktbuf, len, &l3, &copy), 0);
	assert_false(l3.is_fragment);
	assert_int_equal(l3.proto, IPPROTO_UDP);
	assert_int_equal(l3.l4_len, 10);
	free(copy);

	/* A fragment header cut short. */
	len = pb_ipv6(pktbuf, A6, B6, IPPROTO_FRAGMENT, l4buf, 5);
	assert_int_equal(parse_copy(pktbuf, len, &l3, &copy), -EINVAL);
	free(copy);
}

/* ---- reassembly ------------------------------------------------------------- */

struct frag_fx {
	struct vfw_reasm *r;
	struct vfw_reasm_config cfg;
	uint8_t data[4000];
};

static int frag_setup(void **state)
{
	struct frag_fx *fx = calloc(1, sizeof(*fx));
	size_t i;

	vfw_reasm_config_defaults(&fx->cfg);
	for (i = 0; i < sizeof(fx->data); i++)
		fx->data[i] = (uint8_t)(i * 7 + 3);
	fx->r = vfw_reasm_new(&fx->cfg);
	*state = fx;
	return fx->r ? 0 : -1;
}

static int frag_teardown(void **state)
{
	struct frag_fx *fx = *state;

	vfw_reasm_free(fx->r);
	free(fx);
	return 0;
}

static void reasm_reconfigure(struct frag_fx *fx)
{
	vfw_reasm_free(fx->r);
	fx->r = vfw_reasm_new(&fx->cfg);
	assert_non_null(fx->r);
}

/* Feeds [off, off+len) of fx->data as one IPv4 fragment of datagram id. */
static int feed(struct frag_fx *fx, unsigned id, unsigned off, unsigned len,
		int more, uint64_t now, const uint8_t **out, size_t *out_len)
{
	struct vfw_l3 l3;
	uint8_t *copy;
	size_t plen = pb_ipv4(pktbuf, A4, B4, IPPROTO_UDP, fx->data + off, len,
			      id, off, more, 0);
	int rc;

	assert_int_equal(parse_copy(pktbuf, plen, &l3, &copy), 0);
	assert_true(l3.is_fragment);
	rc = vfw_reasm_feed(fx->r, &l3, now, out, out_len);
	free(copy);
	return rc;
}

static void test_reasm_in_order(void **state)
{
	struct frag_fx *fx = *state;
	const uint8_t *out;
	size_t len;

	assert_int_equal(feed(fx, 1, 0, 1480, 1, SEC, &out, &len), 0);
	assert_int_equal(feed(fx, 1, 1480, 1480, 1, SEC, &out, &len), 0);
	assert_int_equal(vfw_reasm_pending(fx->r), 1);
	assert_int_equal(feed(fx, 1, 2960, 1000, 0, SEC, &out, &len), 1);
	assert_int_equal(len, 3960);
	assert_memory_equal(out, fx->data, 3960);
	assert_int_equal(vfw_reasm_pending(fx->r), 0);
	assert_int_equal(vfw_reasm_stats(fx->r)->reassembled, 1);
}

static void test_reasm_out_of_order(void **state)
{
	struct frag_fx *fx = *state;
	const uint8_t *out;
	size_t len;

	/* Last first, then the middle, then the first; another datagram interleaved. */
	assert_int_equal(feed(fx, 7, 2000, 555, 0, SEC, &out, &len), 0);
	assert_int_equal(feed(fx, 8, 0, 800, 1, SEC, &out, &len), 0);
	assert_int_equal(feed(fx, 7, 1000, 1000, 1, SEC, &out, &len), 0);
	assert_int_equal(feed(fx, 7, 0, 1000, 1, SEC, &out, &len), 1);
	assert_int_equal(len, 2555);
	assert_memory_equal(out, fx->data, 2555);
	assert_int_equal(vfw_reasm_pending(fx->r), 1);	/* id 8 still waits */
}

static void test_reasm_overlap_drops_datagram(void **state)
{
	struct frag_fx *fx = *state;
	const uint8_t *out;
	size_t len;

	assert_int_equal(feed(fx, 2, 0, 1000, 1, SEC, &out, &len), 0);
	/* Starts inside the first one: the whole datagram goes, as in Linux. */
	assert_int_equal(feed(fx, 2, 992, 1000, 1, SEC, &out, &len), -EEXIST);
	assert_int_equal(vfw_reasm_pending(fx->r), 0);
	assert_int_equal(vfw_reasm_stats(fx->r)->overlaps, 1);
	/* What follows starts a new datagram that never completes from the rest alone. */
	assert_int_equal(feed(fx, 2, 1992, 100, 0, SEC, &out, &len), 0);
	assert_int_equal(vfw_reasm_stats(fx->r)->reassembled, 0);
}

static void test_reasm_duplicate_ignored(void **state)
{
	struct frag_fx *fx = *state;
	const uint8_t *out;
	size_t len;

	assert_int_equal(feed(fx, 3, 0, 1000, 1, SEC, &out, &len), 0);
	assert_int_equal(feed(fx, 3, 0, 1000, 1, SEC, &out, &len), 0);
	assert_int_equal(vfw_reasm_stats(fx->r)->duplicates, 1);
	assert_int_equal(feed(fx, 3, 1000, 10, 0, SEC, &out, &len), 1);
	assert_int_equal(len, 1010);
}

static void test_reasm_bad_geometry(void **state)
{
	struct frag_fx *fx = *state;
	const uint8_t *out;
	size_t len;

	/* Not the last fragment, yet not a multiple of 8 bytes. */
	assert_int_equal(feed(fx, 4, 0, 1001, 1, SEC, &out, &len), -EINVAL);
	/* Two different ends. */
	assert_int_equal(feed(fx, 5, 1000, 100, 0, SEC, &out, &len), 0);
	assert_int_equal(feed(fx, 5, 2000, 100, 0, SEC, &out, &len), -EINVAL);
	assert_int_equal(vfw_reasm_pending(fx->r), 0);
	/* Data past a known end. */
	assert_int_equal(feed(fx, 9, 1000, 100, 0, SEC, &out, &len), 0);
	assert_int_equal(feed(fx, 9, 1200, 800, 1, SEC, &out, &len), -EINVAL);
}

static void test_reasm_limits(void **state)
{
	struct frag_fx *fx = *state;
	const uint8_t *out;
	size_t len;
	unsigned i;

	fx->cfg.max_datagrams = 2;
	fx->cfg.max_datagram_bytes = 3000;
	fx->cfg.max_total_bytes = 4000;
	fx->cfg.max_fragments = 3;
	reasm_reconfigure(fx);

	/* Beyond max_datagram_bytes. */
	assert_int_equal(feed(fx, 1, 2992, 16, 0, SEC, &out, &len), -EINVAL);
	/* A third datagram evicts the oldest. */
	assert_int_equal(feed(fx, 10, 0, 8, 1, 1 * SEC, &out, &len), 0);
	assert_int_equal(feed(fx, 11, 0, 8, 1, 2 * SEC, &out, &len), 0);
	assert_int_equal(feed(fx, 12, 0, 8, 1, 3 * SEC, &out, &len), 0);
	assert_int_equal(vfw_reasm_pending(fx->r), 2);
	assert_int_equal(feed(fx, 11, 8, 8, 0, 3 * SEC, &out, &len), 1);	/* 11 survived */
	assert_int_equal(feed(fx, 10, 8, 8, 0, 3 * SEC, &out, &len), 0);	/* 10 was evicted */
	assert_true(vfw_reasm_stats(fx->r)->evicted >= 1);

	/* Too many fragments for one datagram. */
	reasm_reconfigure(fx);
	for (i = 0; i < 3; i++)
		assert_int_equal(feed(fx, 20, i * 8, 8, 1, SEC, &out, &len), 0);
	assert_int_equal(feed(fx, 20, 24, 8, 0, SEC, &out, &len), -ENOSPC);
	assert_int_equal(vfw_reasm_pending(fx->r), 0);

	/* Total bytes: a second big datagram pushes the first out. */
	reasm_reconfigure(fx);
	assert_int_equal(feed(fx, 30, 2000, 800, 0, SEC, &out, &len), 0);
	assert_int_equal(feed(fx, 31, 2000, 800, 0, 2 * SEC, &out, &len), 0);
	assert_true(vfw_reasm_bytes(fx->r) <= 4000);
	assert_int_equal(vfw_reasm_pending(fx->r), 1);
}

static void test_reasm_timeout(void **state)
{
	struct frag_fx *fx = *state;
	const uint8_t *out;
	size_t len;

	assert_int_equal(feed(fx, 40, 0, 1000, 1, 100 * SEC, &out, &len), 0);
	assert_int_equal(feed(fx, 41, 0, 1000, 1, 110 * SEC, &out, &len), 0);
	vfw_reasm_expire(fx->r, 129 * SEC);
	assert_int_equal(vfw_reasm_pending(fx->r), 2);
	vfw_reasm_expire(fx->r, 130 * SEC);
	assert_int_equal(vfw_reasm_pending(fx->r), 1);
	assert_int_equal(vfw_reasm_bytes(fx->r) > 0, 1);
	/* A late fragment of an expired datagram does not complete it... */
	assert_int_equal(feed(fx, 40, 1000, 8, 0, 131 * SEC, &out, &len), 0);
	/* ...and one arriving after the timeout without a tick finds it stale. */
	assert_int_equal(feed(fx, 41, 1000, 8, 0, 141 * SEC, &out, &len), 0);
	assert_int_equal(vfw_reasm_stats(fx->r)->timeouts, 2);
	assert_int_equal(vfw_reasm_stats(fx->r)->reassembled, 0);
}

/* ---- the whole chain, IPv6 fragments with an extension header inside ------- */

struct got {
	unsigned n;
	struct vfw_datagram last;
	char text[4][512];
};

static void collect(void *ctx, const struct vfw_datagram *d)
{
	struct got *g = ctx;

	if (g->n < 4)
		snprintf(g->text[g->n], sizeof(g->text[0]), "%.*s", (int)d->len,
			 (const char *)d->payload);
	g->last = *d;
	g->last.payload = NULL;
	g->n++;
}

static int feed_pkt(struct vfw_pkt *p, const uint8_t *pkt, size_t len,
		    uint64_t now, struct got *g)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, pkt, len);
	rc = vfw_pkt_feed(p, copy, len, now, collect, g);
	free(copy);
	return rc;
}

static void test_pkt_ipv6_fragments_with_dstopts(void **state)
{
	struct vfw_pkt_config cfg;
	struct vfw_pkt *p;
	struct got g = { 0 };
	char msg[400];
	size_t ulen, dlen, len;

	memset(msg, 'm', sizeof(msg));
	msg[sizeof(msg) - 1] = '\0';
	vfw_pkt_config_defaults(&cfg);
	p = vfw_pkt_new(&cfg);
	assert_non_null(p);
	/* Fragmentable part: destination options, then UDP. */
	ulen = pb_udp(tmp, 5060, 5060, msg, strlen(msg));
	dlen = pb_dstopts(l4buf, IPPROTO_UDP, tmp, ulen);

	/* Second fragment first. */
	assert_true(dlen > 304);
	len = pb_frag6(tmp, IPPROTO_DSTOPTS, 304, 0, 77, l4buf + 304, dlen - 304);
	len = pb_ipv6(pktbuf, A6, B6, IPPROTO_FRAGMENT, tmp, len);
	assert_int_equal(feed_pkt(p, pktbuf, len, SEC, &g), 0);
	assert_int_equal(g.n, 0);
	len = pb_frag6(tmp, IPPROTO_DSTOPTS, 0, 1, 77, l4buf, 304);
	len = pb_ipv6(pktbuf, A6, B6, IPPROTO_FRAGMENT, tmp, len);
	assert_int_equal(feed_pkt(p, pktbuf, len, SEC, &g), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.last.len, strlen(msg));
	assert_string_equal(g.text[0], msg);
	assert_true(g.last.reassembled);
	assert_true(g.last.ipv6);
	assert_int_equal(g.last.dport, 5060);
	vfw_pkt_free(p);
}

static void test_pkt_counts_errors(void **state)
{
	struct vfw_pkt_config cfg;
	struct vfw_pkt *p;
	struct got g = { 0 };
	size_t len = udp4(A4, B4, "x");
	uint8_t icmp[8] = { 8, 0 };

	vfw_pkt_config_defaults(&cfg);
	p = vfw_pkt_new(&cfg);
	assert_int_equal(feed_pkt(p, pktbuf, len - 1, SEC, &g), -EMSGSIZE);
	assert_int_equal(feed_pkt(p, (const uint8_t *)"", 0, SEC, &g), -EMSGSIZE);
	pktbuf[0] = 0x35;
	assert_int_equal(feed_pkt(p, pktbuf, len, SEC, &g), -EINVAL);
	len = pb_ipv4(pktbuf, A4, B4, IPPROTO_ICMP, icmp, 8, 1, 0, 0, 0);
	assert_int_equal(feed_pkt(p, pktbuf, len, SEC, &g), 0);
	assert_int_equal(vfw_pkt_stats(p)->truncated, 2);
	assert_int_equal(vfw_pkt_stats(p)->malformed, 1);
	assert_int_equal(vfw_pkt_stats(p)->other_proto, 1);
	assert_int_equal(g.n, 0);
	vfw_pkt_free(p);
}

/* ---- SIP shape and framing -------------------------------------------------- */

#define REQ "OPTIONS sip:a@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.2\r\n"

static long frame(const char *s, size_t max)
{
	return vfw_sip_frame_len((const uint8_t *)s, strlen(s), max);
}

static void test_looks_like_sip(void **state)
{
	const uint8_t rtp[12] = { 0x80, 0x00, 0, 1 };
	const uint8_t stun[20] = { 0x00, 0x01, 0, 0, 0x21, 0x12, 0xa4, 0x42 };

	assert_true(vfw_looks_like_sip((const uint8_t *)REQ, strlen(REQ)));
	assert_true(vfw_looks_like_sip((const uint8_t *)"SIP/2.0 200 OK\r\n", 16));
	assert_false(vfw_looks_like_sip(rtp, sizeof(rtp)));
	assert_false(vfw_looks_like_sip(stun, sizeof(stun)));
	assert_false(vfw_looks_like_sip((const uint8_t *)"\r\n\r\n", 4));
	assert_false(vfw_looks_like_sip((const uint8_t *)"GET / HTTP/1.1\r\nX: SIP/2.0\r\n", 28));
	assert_false(vfw_looks_like_sip((const uint8_t *)"SIP/2.", 6));
	assert_false(vfw_looks_like_sip((const uint8_t *)"Via: SIP/2.0/TCP h\r\n", 20));
	assert_false(vfw_looks_like_sip((const uint8_t *)"INVITE sip:a@b SIP/2.0", 22)); /* no line end */
	assert_true(vfw_looks_like_sip((const uint8_t *)"INVITE sip:a@b SIP/2.0\n", 23));
}

static void test_frame_len(void **state)
{
	assert_int_equal(frame(REQ "Content-Length: 3\r\n\r\nabcEXTRA", 1000),
			 strlen(REQ "Content-Length: 3\r\n\r\nabc"));
	assert_int_equal(frame(REQ "l:3\r\n\r\nabc", 1000), strlen(REQ "l:3\r\n\r\nabc"));
	assert_int_equal(frame(REQ "CONTENT-LENGTH :  3 \r\n\r\nabc", 1000),
			 strlen(REQ "CONTENT-LENGTH :  3 \r\n\r\nabc"));
	assert_int_equal(frame(REQ "Content-Length: 3\n\nabc", 1000),
			 strlen(REQ "Content-Length: 3\n\nabc"));
	/* Missing Content-Length frames as 0 (the parser then refuses it). */
	assert_int_equal(frame(REQ "\r\nBODY", 1000), strlen(REQ "\r\n"));
	/* Incomplete: body short, headers unterminated. */
	assert_int_equal(frame(REQ "Content-Length: 4\r\n\r\nabc", 1000), 0);
	assert_int_equal(frame(REQ "Content-Length: 4\r\n", 1000), 0);
	/* Unusable. */
	assert_int_equal(frame(REQ "Content-Length: x\r\n\r\n", 1000), -EINVAL);
	assert_int_equal(frame(REQ "Content-Length: 1\r\nl: 2\r\n\r\nab", 1000), -EINVAL);
	assert_int_equal(frame(REQ "Content-Length: 99999999999999999999\r\n\r\n", 1000), -EMSGSIZE);
	assert_int_equal(frame(REQ "Content-Length: 950\r\n\r\n", 1000), -EMSGSIZE);
	/* Headers alone longer than the limit. */
	assert_int_equal(frame(REQ REQ REQ, 100), -EMSGSIZE);
	/* "Content-Length" inside another header's value is not one. */
	assert_int_equal(frame(REQ "Subject: Content-Length: 9\r\n\r\n", 1000),
			 strlen(REQ "Subject: Content-Length: 9\r\n\r\n"));
}

/* ---- TCP framing ------------------------------------------------------------ */

struct tcp_fx {
	struct vfw_tcp *t;
	struct vfw_tcp_config cfg;
	struct got g;
	uint64_t now;               /* time of the next segment */
	uint32_t seq0;              /* sequence number of byte 0 of the stream */
	unsigned losses;            /* loss hook calls */
	enum vfw_tcp_loss last_loss;
	struct vfw_datagram lost;   /* the flow of the last one */
};

static void on_loss(void *ctx, const struct vfw_datagram *flow,
		    enum vfw_tcp_loss reason)
{
	struct tcp_fx *fx = ctx;

	assert_null(flow->payload);
	fx->losses++;
	fx->last_loss = reason;
	fx->lost = *flow;
}

/* (Re)creates the framer from fx->cfg, with the loss hook. */
static int tcp_renew(struct tcp_fx *fx)
{
	vfw_tcp_free(fx->t);
	fx->t = vfw_tcp_new(&fx->cfg);
	if (fx->t)
		vfw_tcp_set_loss_fn(fx->t, on_loss, fx);
	return fx->t ? 0 : -1;
}

static int tcp_setup(void **state)
{
	struct tcp_fx *fx = calloc(1, sizeof(*fx));

	vfw_tcp_config_defaults(&fx->cfg);
	fx->now = SEC;
	fx->seq0 = 1000;
	*state = fx;
	return tcp_renew(fx);
}

static int tcp_teardown(void **state)
{
	struct tcp_fx *fx = *state;

	vfw_tcp_free(fx->t);
	free(fx);
	return 0;
}

/* Feeds bytes [from, to) of s as one segment from port sport, stream starting at fx->seq0. */
static void seg(struct tcp_fx *fx, unsigned sport, const char *s, size_t from,
		size_t to, uint8_t flags)
{
	struct vfw_datagram d = { 0 };
	struct vfw_tcp_seg h = { .seq = fx->seq0 + (uint32_t)from, .flags = flags };
	uint8_t *copy = malloc(to - from + 1);

	assert_non_null(copy);
	memcpy(copy, s + from, to - from);
	d.saddr[15] = 1;
	d.daddr[15] = 2;
	d.sport = (uint16_t)sport;
	d.dport = 5060;
	d.proto = IPPROTO_TCP;
	d.payload = copy;
	d.len = to - from;
	vfw_tcp_feed(fx->t, &d, &h, fx->now, collect, &fx->g);
	free(copy);
}

/* Opens the flow from port sport: its data starts at sequence fx->seq0. */
static void syn(struct tcp_fx *fx, unsigned sport)
{
	struct vfw_datagram d = { 0 };
	struct vfw_tcp_seg h = { .seq = fx->seq0 - 1, .flags = VFW_TCP_SYN };

	d.saddr[15] = 1;
	d.daddr[15] = 2;
	d.sport = (uint16_t)sport;
	d.dport = 5060;
	d.proto = IPPROTO_TCP;
	vfw_tcp_feed(fx->t, &d, &h, fx->now, collect, &fx->g);
}

#define M1 REQ "Content-Length: 5\r\n\r\nhello"
#define M2 "SIP/2.0 200 OK\r\nl: 0\r\n\r\n"

static void test_tcp_two_messages_one_segment(void **state)
{
	struct tcp_fx *fx = *state;
	const char *s = M1 M2 "\r\n\r\n" M1;

	seg(fx, 1, s, 0, strlen(s), 0);
	assert_int_equal(fx->g.n, 3);
	assert_string_equal(fx->g.text[0], M1);
	assert_string_equal(fx->g.text[1], M2);
	assert_string_equal(fx->g.text[2], M1);
	assert_int_equal(vfw_tcp_stats(fx->t)->keepalives, 1);
}

static void test_tcp_split_and_retransmitted(void **state)
{
	struct tcp_fx *fx = *state;
	const char *s = M1 M2;
	size_t i;

	/* One byte at a time, each byte sent twice, with overlapping resends. */
	syn(fx, 1);
	for (i = 0; i < strlen(s); i++) {
		seg(fx, 1, s, i, i + 1, 0);
		seg(fx, 1, s, i > 3 ? i - 3 : 0, i + 1, 0);
	}
	assert_int_equal(fx->g.n, 2);
	assert_string_equal(fx->g.text[0], M1);
	assert_string_equal(fx->g.text[1], M2);
	assert_int_equal(vfw_tcp_stats(fx->t)->resyncs, 0);
}

static void test_tcp_gap_resyncs(void **state)
{
	struct tcp_fx *fx = *state;
	const char *s = M1 M2 M1;
	size_t m1 = strlen(M1), m2 = strlen(M2);

	syn(fx, 1);
	seg(fx, 1, s, 0, 10, 0);
	/* Bytes 10..20 missing: what follows waits for them... */
	seg(fx, 1, s, 20, m1, 0);
	seg(fx, 1, s, m1, m1 + m2 + m1, 0);
	assert_int_equal(fx->g.n, 0);
	assert_int_equal(vfw_tcp_stats(fx->t)->ooo_queued, 2);
	vfw_tcp_expire(fx->t, SEC + fx->cfg.ooo_timeout_ns - 1, collect, &fx->g);
	assert_int_equal(fx->g.n, 0);
	assert_int_equal(fx->losses, 0);
	/* ...until the timeout: the first message is gone, the stream picks up
	 * again at the next message start, and the loss is reported. */
	vfw_tcp_expire(fx->t, SEC + fx->cfg.ooo_timeout_ns, collect, &fx->g);
	assert_int_equal(fx->g.n, 2);
	assert_string_equal(fx->g.text[0], M2);
	assert_string_equal(fx->g.text[1], M1);
	assert_int_equal(vfw_tcp_stats(fx->t)->resyncs, 1);
	assert_int_equal(vfw_tcp_stats(fx->t)->ooo_timeouts, 1);
	assert_int_equal(fx->losses, 1);
	assert_int_equal(fx->last_loss, VFW_TCP_LOSS_HOLE);
	assert_int_equal(fx->lost.sport, 1);
	assert_int_equal(fx->lost.dport, 5060);
	assert_int_equal(fx->lost.saddr[15], 1);
	assert_int_equal(fx->lost.daddr[15], 2);
	assert_int_equal(vfw_tcp_ooo_bytes(fx->t), 0);
	/* The missing bytes arriving late are behind the stream: ignored. */
	seg(fx, 1, s, 10, 20, 0);
	assert_int_equal(fx->g.n, 2);
}

static void test_tcp_join_mid_stream(void **state)
{
	struct tcp_fx *fx = *state;
	const char *s = M1 M2;

	/* The daemon starts in the middle of a message: skip to the next start
	 * (not to the "Via: SIP/2.0/TCP" header line). */
	seg(fx, 1, s, 7, strlen(s), 0);
	assert_int_equal(fx->g.n, 1);
	assert_string_equal(fx->g.text[0], M2);
}

static void test_tcp_resync_after_body(void **state)
{
	struct tcp_fx *fx = *state;
	const char *s = "ody-of-a-lost-message" M1 M2;

	/* A request glued to the end of a lost message's body. */
	seg(fx, 1, s, 0, strlen(s), 0);
	assert_int_equal(fx->g.n, 2);
	assert_string_equal(fx->g.text[0], M1);
	assert_string_equal(fx->g.text[1], M2);
}

static void test_tcp_oversize_and_rst(void **state)
{
	struct tcp_fx *fx = *state;
	static char big[80000];
	size_t n;

	n = (size_t)snprintf(big, sizeof(big), REQ "Content-Length: 70000\r\n\r\n");
	memset(big + n, 'b', sizeof(big) - n - 1);
	seg(fx, 1, big, 0, 60000, 0);
	seg(fx, 1, big, 60000, 70000, 0);
	assert_int_equal(fx->g.n, 0);
	assert_true(vfw_tcp_stats(fx->t)->oversize >= 1);

	/* A partial message, then RST: the flow and its buffer are gone. */
	seg(fx, 2, M1, 0, 10, 0);
	assert_int_equal(vfw_tcp_flows(fx->t), 2);
	seg(fx, 2, M1, 10, 10, VFW_TCP_RST);
	assert_int_equal(vfw_tcp_flows(fx->t), 1);
	/* FIN after a complete message: delivered, then forgotten. */
	seg(fx, 3, M1, 0, strlen(M1), VFW_TCP_FIN);
	assert_int_equal(fx->g.n, 1);
	assert_int_equal(vfw_tcp_flows(fx->t), 1);
}

static void test_tcp_flow_limit_and_idle(void **state)
{
	struct tcp_fx *fx = *state;
	unsigned i;

	fx->cfg.max_flows = 4;
	fx->cfg.idle_ns = 60 * SEC;
	vfw_tcp_free(fx->t);
	fx->t = vfw_tcp_new(&fx->cfg);
	for (i = 0; i < 10; i++)
		seg(fx, 100 + i, M1, 0, 10, 0);
	assert_int_equal(vfw_tcp_flows(fx->t), 4);
	assert_int_equal(vfw_tcp_stats(fx->t)->evicted, 6);
	vfw_tcp_expire(fx->t, 60 * SEC, collect, &fx->g);
	assert_int_equal(vfw_tcp_flows(fx->t), 4);
	vfw_tcp_expire(fx->t, 61 * SEC, collect, &fx->g);
	assert_int_equal(vfw_tcp_flows(fx->t), 0);
}

static void test_tcp_syn_sets_sequence(void **state)
{
	struct tcp_fx *fx = *state;

	/* SYN at 999: data begins at 1000; one from the second line on is a gap. */
	syn(fx, 9);
	seg(fx, 9, M1, strlen("OPTIONS sip:a@192.0.2.1 SIP/2.0\r\n"), strlen(M1), 0);
	assert_int_equal(fx->g.n, 0);
	seg(fx, 9, M1, 0, strlen(M1), 0);
	assert_int_equal(fx->g.n, 1);
}

/* ---- TCP out-of-order queue ----------------------------------------------- */

/* A trunk's 200 OK with SDP, as it may leave in two segments. */
#define OK_SDP_BODY \
	"v=0\r\no=- 1 1 IN IP4 198.51.100.50\r\ns=-\r\nc=IN IP4 198.51.100.50\r\n" \
	"t=0 0\r\nm=audio 30000 RTP/AVP 0\r\n"
#define OK_SDP \
	"SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 192.0.2.2;branch=z9hG4bK1\r\n" \
	"Call-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\n" \
	"Content-Length: 96\r\n\r\n" OK_SDP_BODY

static void test_tcp_ooo_in_order(void **state)
{
	struct tcp_fx *fx = *state;
	size_t n = strlen(OK_SDP);

	assert_int_equal(strlen(OK_SDP_BODY), 96);
	syn(fx, 1);
	seg(fx, 1, OK_SDP, 0, n / 2, 0);
	seg(fx, 1, OK_SDP, n / 2, n, 0);
	assert_int_equal(fx->g.n, 1);
	assert_string_equal(fx->g.text[0], OK_SDP);
	assert_int_equal(vfw_tcp_stats(fx->t)->ooo_queued, 0);
	assert_int_equal(fx->losses, 0);
}

static void test_tcp_ooo_swapped_200ok(void **state)
{
	struct tcp_fx *fx = *state;
	size_t n = strlen(OK_SDP), half = 150;

	syn(fx, 1);
	/* The second half overtakes the first: held, nothing delivered. */
	seg(fx, 1, OK_SDP, half, n, 0);
	assert_int_equal(fx->g.n, 0);
	assert_int_equal(vfw_tcp_ooo_bytes(fx->t), n - half);
	/* The first half fills the hole: the answer comes out whole, once. */
	seg(fx, 1, OK_SDP, 0, half, 0);
	assert_int_equal(fx->g.n, 1);
	assert_string_equal(fx->g.text[0], OK_SDP);
	assert_int_equal(vfw_tcp_stats(fx->t)->ooo_queued, 1);
	assert_int_equal(vfw_tcp_stats(fx->t)->ooo_delivered, 1);
	assert_int_equal(vfw_tcp_stats(fx->t)->resyncs, 0);
	assert_int_equal(vfw_tcp_ooo_bytes(fx->t), 0);
	/* Nothing waits any more: no loss at any later time. */
	vfw_tcp_expire(fx->t, 100 * SEC, collect, &fx->g);
	assert_int_equal(fx->losses, 0);
	assert_int_equal(fx->g.n, 1);
}

/* Every order of three segments cut inside messages gives the same messages. */
static void test_tcp_ooo_three_way_shuffle(void **state)
{
	static const int orders[6][3] = {
		{ 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
	};
	struct tcp_fx *fx = *state;
	const char *s = M1 M2 OK_SDP;
	size_t cut[4] = { 0, strlen(M1) - 3, strlen(M1) + strlen(M2) + 40, strlen(s) };
	unsigned o, k;

	for (o = 0; o < 6; o++) {
		memset(&fx->g, 0, sizeof(fx->g));
		syn(fx, 10 + o);
		for (k = 0; k < 3; k++) {
			int i = orders[o][k];

			seg(fx, 10 + o, s, cut[i], cut[i + 1], 0);
		}
		assert_int_equal(fx->g.n, 3);
		assert_string_equal(fx->g.text[0], M1);
		assert_string_equal(fx->g.text[1], M2);
		assert_string_equal(fx->g.text[2], OK_SDP);
	}
	assert_int_equal(vfw_tcp_stats(fx->t)->resyncs, 0);
	assert_int_equal(fx->losses, 0);
	assert_int_equal(vfw_tcp_ooo_bytes(fx->t), 0);
}

static void test_tcp_ooo_duplicates(void **state)
{
	struct tcp_fx *fx = *state;
	const char *s = M1 M2;
	size_t m1 = strlen(M1), n = strlen(s);

	syn(fx, 1);
	seg(fx, 1, s, m1, n, 0);
	seg(fx, 1, s, m1, n, 0);		/* the same segment again */
	seg(fx, 1, s, m1 + 5, n - 2, 0);	/* inside it */
	assert_int_equal(vfw_tcp_stats(fx->t)->ooo_queued, 1);
	assert_int_equal(vfw_tcp_stats(fx->t)->ooo_duplicates, 2);
	assert_int_equal(vfw_tcp_ooo_bytes(fx->t), n - m1);
	seg(fx, 1, s, 0, m1, 0);
	seg(fx, 1, s, 0, m1, 0);		/* resent after it was taken */
	seg(fx, 1, s, 0, n, 0);			/* everything resent at once */
	assert_int_equal(fx->g.n, 2);
	assert_string_equal(fx->g.text[0], M1);
	assert_string_equal(fx->g.text[1], M2);
	assert_int_equal(fx->losses, 0);
}

static void test_tcp_ooo_overlap(void **state)
{
	struct tcp_fx *fx = *state;
	const char *s = M1 M2 M1;
	size_t n = strlen(s);

	syn(fx, 1);
	/* Partial overlaps are kept and trimmed when taken... */
	seg(fx, 1, s, 30, 60, 0);
	seg(fx, 1, s, 20, 50, 0);
	seg(fx, 1, s, 55, 80, 0);
	assert_int_equal(vfw_tcp_stats(fx->t)->ooo_queued, 3);
	/* ...a segment covering queued ones replaces them... */
	seg(fx, 1, s, 15, 90, 0);
	assert_int_equal(vfw_tcp_ooo_bytes(fx->t), 75);
	seg(fx, 1, s, 100, n, 0);
	seg(fx, 1, s, 85, 105, 0);
	/* ...and the hole's bytes, overlapping the queue, complete the stream once. */
	seg(fx, 1, s, 0, 20, 0);
	assert_int_equal(fx->g.n, 3);
	assert_string_equal(fx->g.text[0], M1);
	assert_string_equal(fx->g.text[1], M2);
	assert_string_equal(fx->g.text[2], M1);
	assert_int_equal(vfw_tcp_ooo_bytes(fx->t), 0);
	assert_int_equal(vfw_tcp_stats(fx->t)->resyncs, 0);
	assert_int_equal(fx->losses, 0);
}

/* Sequence numbers wrap at 2^32 inside the message, in order and reordered. */
static void test_tcp_ooo_wraparound(void **state)
{
	struct tcp_fx *fx = *state;
	size_t n = strlen(OK_SDP);

	fx->seq0 = 0xffffffffU - 99;	/* byte 100 of the stream is seq 0 */
	syn(fx, 1);
	seg(fx, 1, OK_SDP, 0, 80, 0);
	seg(fx, 1, OK_SDP, 80, n, 0);
	assert_int_equal(fx->g.n, 1);
	syn(fx, 2);
	seg(fx, 2, OK_SDP, 150, n, 0);		/* after the wrap */
	seg(fx, 2, OK_SDP, 90, 150, 0);		/* across it */
	assert_int_equal(fx->g.n, 1);
	seg(fx, 2, OK_SDP, 0, 90, 0);		/* before it */
	assert_int_equal(fx->g.n, 2);
	assert_string_equal(fx->g.text[1], OK_SDP);
	/* An old segment from before the wrap is still behind the stream. */
	seg(fx, 2, OK_SDP, 0, 50, 0);
	assert_int_equal(fx->g.n, 2);
	assert_int_equal(vfw_tcp_stats(fx->t)->resyncs, 0);
	assert_int_equal(fx->losses, 0);
}

/* The per-flow segment bound: the next segment is a loss, the stream resyncs. */
static void test_tcp_ooo_segment_cap(void **state)
{
	struct tcp_fx *fx = *state;
	const char *s = M1 M2 M1;
	size_t m1 = strlen(M1), m2 = strlen(M2), n = strlen(s);

	fx->cfg.max_ooo_segments = 2;
	assert_int_equal(tcp_renew(fx), 0);
	syn(fx, 1);
	seg(fx, 1, s, 10, 20, 0);		/* hole at 0..10 */
	seg(fx, 1, s, m1, m1 + m2, 0);		/* M2, whole */
	assert_int_equal(fx->g.n, 0);
	seg(fx, 1, s, m1 + m2, n, 0);		/* the third: no room */
	assert_int_equal(vfw_tcp_stats(fx->t)->ooo_dropped, 1);
	assert_int_equal(fx->losses, 1);
	assert_int_equal(fx->last_loss, VFW_TCP_LOSS_QUEUE_FULL);
	/* M1 is lost; M2 and the last M1 come out in order. */
	assert_int_equal(fx->g.n, 2);
	assert_string_equal(fx->g.text[0], M2);
	assert_string_equal(fx->g.text[1], M1);
	assert_int_equal(vfw_tcp_ooo_bytes(fx->t), 0);
	/* The flow goes on in order afterwards. */
	seg(fx, 1, M1 M2 M1 M2, n, n + m2, 0);
	assert_int_equal(fx->g.n, 3);
	assert_string_equal(fx->g.text[2], M2);
}

/* Per-flow bytes bound (also how far ahead a segment may lie), and the global one. */
static void test_tcp_ooo_byte_caps(void **state)
{
	struct tcp_fx *fx = *state;
	const char *s = M1 M2 M1;
	size_t m1 = strlen(M1), m2 = strlen(M2), n = strlen(s);

	fx->cfg.max_ooo_bytes = m1 + m2;
	fx->cfg.max_ooo_total_bytes = 2 * m2;
	assert_int_equal(tcp_renew(fx), 0);
	syn(fx, 1);
	/* Ends beyond max_ooo_bytes past the stream: refused at once. */
	seg(fx, 1, s, m1 + m2, n, 0);
	assert_int_equal(vfw_tcp_stats(fx->t)->ooo_dropped, 1);
	assert_int_equal(fx->last_loss, VFW_TCP_LOSS_QUEUE_FULL);
	/* The stream jumped to it: M1 delivered, the old bytes are behind. */
	assert_int_equal(fx->g.n, 1);
	seg(fx, 1, s, 0, n, 0);
	assert_int_equal(fx->g.n, 1);

	/* Two flows share the global bound: the one that exceeds it loses. */
	syn(fx, 2);
	syn(fx, 3);
	seg(fx, 2, s, m1, m1 + m2, 0);
	seg(fx, 3, s, m1, m1 + m2, 0);
	assert_int_equal(vfw_tcp_ooo_bytes(fx->t), 2 * m2);
	seg(fx, 3, s, m1 + m2, m1 + m2 + 10, 0);
	assert_int_equal(vfw_tcp_stats(fx->t)->ooo_dropped, 2);
	assert_int_equal(fx->losses, 2);
	assert_int_equal(fx->lost.sport, 3);
	assert_int_equal(vfw_tcp_ooo_bytes(fx->t), m2);
	/* Flow 2 still waits for its hole and completes. */
	seg(fx, 2, s, 0, m1, 0);
	assert_int_equal(fx->g.n, 4);	/* M2 of flow 3, then M1 M2 of flow 2 */
	assert_string_equal(fx->g.text[1], M2);
	assert_string_equal(fx->g.text[2], M1);
	assert_string_equal(fx->g.text[3], M2);
	assert_int_equal(vfw_tcp_ooo_bytes(fx->t), 0);
}

/* A hole never filled: loss reported once, with the flow, at the timeout. */
static void test_tcp_ooo_loss_reported(void **state)
{
	struct tcp_fx *fx = *state;
	struct vfw_datagram d = { 0 };
	struct vfw_tcp_seg h = { .seq = 5000 };
	const char *s = M1 M2;
	size_t m1 = strlen(M1);

	syn(fx, 7);
	seg(fx, 7, s, 0, 10, 0);
	fx->now = 2 * SEC;
	seg(fx, 7, s, 20, strlen(s), 0);
	/* The wait counts from the queued segment, not from the flow's last packet. */
	fx->now = 3 * SEC;
	seg(fx, 7, s, 25, 30, 0);
	vfw_tcp_expire(fx->t, 2 * SEC + fx->cfg.ooo_timeout_ns - 1, collect, &fx->g);
	assert_int_equal(fx->losses, 0);
	vfw_tcp_expire(fx->t, 2 * SEC + fx->cfg.ooo_timeout_ns, collect, &fx->g);
	assert_int_equal(fx->losses, 1);
	assert_int_equal(fx->lost.sport, 7);
	assert_int_equal(fx->lost.proto, IPPROTO_TCP);
	assert_int_equal(fx->g.n, 1);
	assert_string_equal(fx->g.text[0], M2);
	(void)m1;
	vfw_tcp_expire(fx->t, 100 * SEC, collect, &fx->g);
	assert_int_equal(fx->losses, 1);

	/* The direction a flow was fed with is reported and delivered too. */
	d.saddr[15] = 9;
	d.daddr[15] = 2;
	d.sport = 5060;
	d.dport = 40000;
	d.proto = IPPROTO_TCP;
	d.outbound = 1;
	d.payload = (const __u8 *)M2;
	d.len = strlen(M2);
	vfw_tcp_feed(fx->t, &d, &h, 100 * SEC, collect, &fx->g);
	assert_int_equal(fx->g.n, 2);
	assert_int_equal(fx->g.last.outbound, 1);
	h.seq = 6000;
	vfw_tcp_feed(fx->t, &d, &h, 100 * SEC, collect, &fx->g);
	vfw_tcp_expire(fx->t, 200 * SEC, collect, &fx->g);
	assert_int_equal(fx->losses, 2);
	assert_int_equal(fx->lost.outbound, 1);
	assert_int_equal(fx->lost.sport, 5060);
	assert_int_equal(fx->g.n, 3);
	assert_int_equal(fx->g.last.outbound, 1);
}

/* A FIN ahead of a hole waits for it; RST gives up and takes what is queued. */
static void test_tcp_ooo_fin_and_rst(void **state)
{
	struct tcp_fx *fx = *state;
	const char *s = M1 M2;
	size_t m1 = strlen(M1), n = strlen(s);

	syn(fx, 1);
	seg(fx, 1, s, m1, n, VFW_TCP_FIN);
	assert_int_equal(vfw_tcp_flows(fx->t), 1);
	seg(fx, 1, s, 0, m1, 0);
	assert_int_equal(fx->g.n, 2);
	assert_int_equal(vfw_tcp_flows(fx->t), 0);
	assert_int_equal(fx->losses, 0);

	/* A bare FIN beyond a hole that never fills: lost, and the flow ends. */
	syn(fx, 2);
	seg(fx, 2, s, n, n, VFW_TCP_FIN);
	vfw_tcp_expire(fx->t, SEC + fx->cfg.ooo_timeout_ns, collect, &fx->g);
	assert_int_equal(fx->losses, 1);
	assert_int_equal(vfw_tcp_flows(fx->t), 0);

	syn(fx, 3);
	seg(fx, 3, s, m1, n, 0);
	seg(fx, 3, s, n, n, VFW_TCP_RST);
	assert_int_equal(fx->losses, 2);
	assert_int_equal(fx->last_loss, VFW_TCP_LOSS_RESET);
	assert_int_equal(fx->g.n, 3);
	assert_string_equal(fx->g.text[2], M2);
	assert_int_equal(vfw_tcp_flows(fx->t), 0);
	assert_int_equal(vfw_tcp_ooo_bytes(fx->t), 0);
}

/* Evicting a flow with bytes queued is a loss too. */
static void test_tcp_ooo_evicted(void **state)
{
	struct tcp_fx *fx = *state;

	fx->cfg.max_flows = 1;
	assert_int_equal(tcp_renew(fx), 0);
	syn(fx, 1);
	seg(fx, 1, M1, 10, 20, 0);
	syn(fx, 2);
	assert_int_equal(fx->losses, 1);
	assert_int_equal(fx->last_loss, VFW_TCP_LOSS_EVICTED);
	assert_int_equal(fx->lost.sport, 1);
	assert_int_equal(vfw_tcp_ooo_bytes(fx->t), 0);
}

static void count_loss(void *ctx, const struct vfw_datagram *flow,
		       enum vfw_tcp_loss reason)
{
	enum vfw_tcp_loss *last = ctx;

	*last = reason;
}

/* One TCP segment [from, to) of s from A to B, stream starting at 1000 (a SYN at 999). */
static size_t tcp_pkt(int v6, const char *s, size_t from, size_t to, uint8_t flags)
{
	uint32_t seq = (flags & 0x02) ? 999 : 1000 + (uint32_t)from;
	size_t n = pb_tcp(l4buf, 5060, 5060, seq, flags, s + from, to - from);

	return v6 ? pb_ipv6(pktbuf, A6, B6, IPPROTO_TCP, l4buf, n)
		  : pb_ipv4(pktbuf, A4, B4, IPPROTO_TCP, l4buf, n, 1, 0, 0, 0);
}

/*
 * A segment cut short by the capture (the tap copies 4096 bytes; a GSO
 * packet is longer): what was captured is used, the rest skipped at once
 * as a loss, and the next segment is taken without waiting.
 */
static void test_pkt_cut_tcp_segment(void **state)
{
	const char *s = M1 M2 M1 M2;
	size_t m1 = strlen(M1), m2 = strlen(M2), len;
	enum vfw_tcp_loss last = VFW_TCP_LOSS_HOLE;
	struct vfw_pkt_config cfg;
	struct vfw_pkt *p;
	int v6;

	vfw_pkt_config_defaults(&cfg);
	for (v6 = 0; v6 < 2; v6++) {
		struct got g = { 0 };

		p = vfw_pkt_new(&cfg);
		assert_non_null(p);
		vfw_tcp_set_loss_fn(vfw_pkt_tcp(p), count_loss, &last);
		len = tcp_pkt(v6, s, 0, 0, 0x02);
		assert_int_equal(feed_pkt(p, pktbuf, len, SEC, &g), 0);
		/* M1 whole and 10 bytes of M2 captured, the rest of M2 and M1 cut off. */
		len = tcp_pkt(v6, s, 0, 2 * m1 + m2, 0);
		assert_int_equal(feed_pkt(p, pktbuf, len - (m1 + m2 - 10), SEC, &g), -EMSGSIZE);
		assert_int_equal(g.n, 1);
		assert_string_equal(g.text[0], M1);
		assert_int_equal(last, VFW_TCP_LOSS_CUT);
		assert_int_equal(vfw_tcp_stats(vfw_pkt_tcp(p))->losses, 1);
		assert_int_equal(vfw_pkt_stats(p)->truncated, 1);
		/* The next segment follows the cut bytes: taken at once. */
		len = tcp_pkt(v6, s, 2 * m1 + m2, 2 * m1 + 2 * m2, 0);
		assert_int_equal(feed_pkt(p, pktbuf, len, SEC, &g), 0);
		assert_int_equal(g.n, 2);
		assert_string_equal(g.text[1], M2);
		/* A cut inside the TCP header: nothing to use, nothing breaks. */
		len = tcp_pkt(v6, s, 0, m1, 0);
		assert_int_equal(feed_pkt(p, pktbuf, (v6 ? 40 : 20) + 10, SEC, &g), -EMSGSIZE);
		assert_int_equal(vfw_tcp_stats(vfw_pkt_tcp(p))->losses, 1);
		assert_int_equal(vfw_tcp_ooo_bytes(vfw_pkt_tcp(p)), 0);
		vfw_pkt_free(p);
	}

	/* A resent, cut segment whose captured part the stream already has. */
	{
		struct got g = { 0 };

		p = vfw_pkt_new(&cfg);
		assert_non_null(p);
		vfw_tcp_set_loss_fn(vfw_pkt_tcp(p), count_loss, &last);
		len = tcp_pkt(0, s, 0, 0, 0x02);
		assert_int_equal(feed_pkt(p, pktbuf, len, SEC, &g), 0);
		len = tcp_pkt(0, s, 0, m1 + 10, 0);
		assert_int_equal(feed_pkt(p, pktbuf, len, SEC, &g), 0);
		len = tcp_pkt(0, s, 0, 2 * m1 + m2, 0);
		assert_int_equal(feed_pkt(p, pktbuf, len - (m1 + m2), SEC, &g), -EMSGSIZE);
		assert_int_equal(vfw_tcp_stats(vfw_pkt_tcp(p))->losses, 1);
		len = tcp_pkt(0, s, 2 * m1 + m2, 2 * m1 + 2 * m2, 0);
		assert_int_equal(feed_pkt(p, pktbuf, len, SEC, &g), 0);
		assert_int_equal(g.n, 2);
		assert_string_equal(g.text[1], M2);
		vfw_pkt_free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_udp),
		cmocka_unit_test(test_ipv4_options_and_padding),
		cmocka_unit_test(test_ipv4_bad_headers),
		cmocka_unit_test(test_udp_bad_length),
		cmocka_unit_test(test_tcp_data_offset),
		cmocka_unit_test(test_ipv6_ext_headers),
		cmocka_unit_test(test_ipv6_too_many_ext_headers),
		cmocka_unit_test(test_ipv6_fragment_header),
		cmocka_unit_test_setup_teardown(test_reasm_in_order, frag_setup, frag_teardown),
		cmocka_unit_test_setup_teardown(test_reasm_out_of_order, frag_setup, frag_teardown),
		cmocka_unit_test_setup_teardown(test_reasm_overlap_drops_datagram, frag_setup, frag_teardown),
		cmocka_unit_test_setup_teardown(test_reasm_duplicate_ignored, frag_setup, frag_teardown),
		cmocka_unit_test_setup_teardown(test_reasm_bad_geometry, frag_setup, frag_teardown),
		cmocka_unit_test_setup_teardown(test_reasm_limits, frag_setup, frag_teardown),
		cmocka_unit_test_setup_teardown(test_reasm_timeout, frag_setup, frag_teardown),
		cmocka_unit_test(test_pkt_ipv6_fragments_with_dstopts),
		cmocka_unit_test(test_pkt_counts_errors),
		cmocka_unit_test(test_looks_like_sip),
		cmocka_unit_test(test_frame_len),
		cmocka_unit_test_setup_teardown(test_tcp_two_messages_one_segment, tcp_setup, tcp_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_split_and_retransmitted, tcp_setup, tcp_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_gap_resyncs, tcp_setup, tcp_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_join_mid_stream, tcp_setup, tcp_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_resync_after_body, tcp_setup, tcp_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_oversize_and_rst, tcp_setup, tcp_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_flow_limit_and_idle, tcp_setup, tcp_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_syn_sets_sequence, tcp_setup, tcp_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_ooo_in_order, tcp_setup, tcp_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_ooo_swapped_200ok, tcp_setup, tcp_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_ooo_three_way_shuffle, tcp_setup, tcp_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_ooo_duplicates, tcp_setup, tcp_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_ooo_overlap, tcp_setup, tcp_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_ooo_wraparound, tcp_setup, tcp_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_ooo_segment_cap, tcp_setup, tcp_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_ooo_byte_caps, tcp_setup, tcp_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_ooo_loss_reported, tcp_setup, tcp_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_ooo_fin_and_rst, tcp_setup, tcp_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_ooo_evicted, tcp_setup, tcp_teardown),
		cmocka_unit_test(test_pkt_cut_tcp_segment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
