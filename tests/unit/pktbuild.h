/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet builders for the packet-layer and pipeline unit tests: IPv4/IPv6
 * headers (with fragmentation), UDP and TCP, written byte by byte. No
 * checksums: the packet layer does not verify them.
 */
#ifndef VOIPFW_TEST_PKTBUILD_H
#define VOIPFW_TEST_PKTBUILD_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PB_MAX 70000

static inline void pb_be16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void pb_be32(uint8_t *p, uint32_t v)
{
	pb_be16(p, v >> 16);
	pb_be16(p + 2, v & 0xffff);
}

/* UDP header + payload into out; returns its length. */
static inline size_t pb_udp(uint8_t *out, unsigned sport, unsigned dport,
			    const void *payload, size_t len)
{
	pb_be16(out, sport);
	pb_be16(out + 2, dport);
	pb_be16(out + 4, (unsigned)(8 + len));
	pb_be16(out + 6, 0);
	memcpy(out + 8, payload, len);
	return 8 + len;
}

/* TCP header (no options) + payload; flags as on the wire (0x02 SYN, ...). */
static inline size_t pb_tcp(uint8_t *out, unsigned sport, unsigned dport,
			    uint32_t seq, uint8_t flags, const void *payload,
			    size_t len)
{
	memset(out, 0, 20);
	pb_be16(out, sport);
	pb_be16(out + 2, dport);
	pb_be32(out + 4, seq);
	out[12] = 5 << 4;
	out[13] = flags | 0x10;
	pb_be16(out + 14, 65535);
	if (len)
		memcpy(out + 20, payload, len);
	return 20 + len;
}

/* IPv4 header (20 bytes, or more with opt_words of NOP options) + l4. */
static inline size_t pb_ipv4(uint8_t *out, const char *src, const char *dst,
			     uint8_t proto, const uint8_t *l4, size_t l4_len,
			     unsigned id, unsigned frag_off, int more,
			     unsigned opt_words)
{
	size_t hlen = 20 + 4 * (size_t)opt_words;

	memset(out, 0, hlen);
	out[0] = (uint8_t)(0x40 | (hlen / 4));
	pb_be16(out + 2, (unsigned)(hlen + l4_len));
	pb_be16(out + 4, id);
	pb_be16(out + 6, (more ? 0x2000 : 0) | (frag_off / 8));
	out[8] = 64;
	out[9] = proto;
	inet_pton(AF_INET, src, out + 12);
	inet_pton(AF_INET, dst, out + 16);
	memset(out + 20, 1, hlen - 20);	/* NOP options */
	memcpy(out + hlen, l4, l4_len);
	return hlen + l4_len;
}

/* IPv6 header + payload (already holding any extension headers). */
static inline size_t pb_ipv6(uint8_t *out, const char *src, const char *dst,
			     uint8_t nh, const uint8_t *payload, size_t len)
{
	memset(out, 0, 40);
	out[0] = 0x60;
	pb_be16(out + 4, (unsigned)len);
	out[6] = nh;
	out[7] = 64;
	inet_pton(AF_INET6, src, out + 8);
	inet_pton(AF_INET6, dst, out + 24);
	memcpy(out + 40, payload, len);
	return 40 + len;
}

/* An 8-byte IPv6 fragment header + data. */
static inline size_t pb_frag6(uint8_t *out, uint8_t nh, unsigned off, int more,
			      uint32_t id, const uint8_t *data, size_t len)
{
	out[0] = nh;
	out[1] = 0;
	pb_be16(out + 2, off | (more ? 1 : 0));
	pb_be32(out + 4, id);
	memcpy(out + 8, data, len);
	return 8 + len;
}

/* An 8-byte destination options extension header (PadN) + data. */
static inline size_t pb_dstopts(uint8_t *out, uint8_t nh, const uint8_t *data,
				size_t len)
{
	out[0] = nh;
	out[1] = 0;
	out[2] = 1;	/* PadN */
	out[3] = 4;
	memset(out + 4, 0, 4);
	memcpy(out + 8, data, len);
	return 8 + len;
}

#endif /* VOIPFW_TEST_PKTBUILD_H */
