/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Text helpers of the in-kernel SIP/SDP reader (sip_scan.h) that do not
 * touch the packet: characters, IPv4 text, IPv6 group assembly, which
 * addresses may be a far end.
 *
 * Only what a well-formed line can be is accepted: the text must end in CR
 * or LF inside the packet, IPv4 is four decimal octets without leading
 * junk, IPv6 is hex groups with at most one "::" and no embedded IPv4.
 * Anything else is "not an address" and opens nothing: the daemon's full
 * parser still sees the message and decides about the call.
 *
 * Loops run over at most a few dozen characters and keep their state in
 * small counters, so the verifier's walk stays short on any kernel since
 * bounded loops (5.3).
 */
#ifndef VOIPFW_SIP_TEXT_H
#define VOIPFW_SIP_TEXT_H

#include "parse.h"

#define IP4_TEXT_MAX 15   /* 255.255.255.255 */
#define IP6_TEXT_MAX 39   /* eight groups of four and seven colons */

static __always_inline int is_eol(int ch)
{
	return ch == '\r' || ch == '\n';
}

static __always_inline int hex_value(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch |= 0x20;   /* lower case */
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/*
 * Dotted-quad IPv4 text at s, ending at CR/LF, into out (IPv4-mapped).
 * Returns 0, or -1 when it is not one.
 */
static __always_inline int text_ipv4(const __u8 *s, const void *end,
				     __u8 out[16])
{
	__u32 addr = 0, val = 0, dots = 0, digits = 0;
	int i;

	for (i = 0; i <= IP4_TEXT_MAX; i++) {
		__u8 ch;

		if ((void *)(s + i + 1) > end)
			return -1;
		ch = s[i];
		if (ch >= '0' && ch <= '9') {
			/* no leading zeros, as inet_pton() */
			if (digits == 3 || (digits == 1 && val == 0))
				return -1;
			val = val * 10 + (ch - '0');
			digits++;
		} else if (ch == '.' && digits && dots < 3) {
			if (val > 255)
				return -1;
			addr = addr << 8 | val;
			val = 0;
			digits = 0;
			dots++;
		} else if (is_eol(ch) && digits && dots == 3) {
			if (val > 255)
				return -1;
			addr = addr << 8 | val;
			map_ipv4(out, bpf_htonl(addr));
			return 0;
		} else {
			return -1;
		}
	}
	return -1;
}

/*
 * Offsets into the packet are bounded well below the verifier's 64 KiB
 * packet-offset limit, so a variable offset plus what is read after it
 * still fits.
 */
#define TEXT_OFF_MAX 8192

/*
 * off < TEXT_OFF_MAX, restated by a mask on the very register the pointer
 * arithmetic uses: the compiler may otherwise test a copy (off + 7 against
 * a shifted limit, say) that the verifier cannot relate to it.
 */
static __always_inline __u32 text_off(__u32 off)
{
	asm volatile("" : "+r"(off));
	return off & (TEXT_OFF_MAX - 1);
}

/* What vfw_hex_group() returns: the value, the digits read, the byte after. */
#define GROUP_VALUE(r)  ((r) & 0xffff)
#define GROUP_DIGITS(r) (((r) >> 16) & 0xff)
#define GROUP_NEXT(r)   ((r) >> 24)

/* Groups of an IPv6 text address; gap = where "::" stands, -1 if absent. */
struct ip6_groups {
	__u16 g[8];
	__s32 n;
	__s32 gap;
};

/* Places the groups around the "::" gap, zero-filled, as 16 bytes. */
static __always_inline int ip6_expand(const struct ip6_groups *a, __u8 out[16])
{
	__s32 tail, k;

	if (a->gap < 0 ? a->n != 8 : a->n > 7)
		return -1;
	tail = a->gap < 0 ? 0 : a->n - a->gap;   /* groups after the gap */
	for (k = 0; k < 8; k++) {
		__u16 v = 0;

		if (a->gap < 0 || k < a->gap)
			v = a->g[k & 7];
		else if (k >= 8 - tail)
			v = a->g[(k - (8 - a->n)) & 7];
		out[2 * k] = v >> 8;
		out[2 * k + 1] = v & 0xff;
	}
	return 0;
}

static __always_inline int ipv4_mapped(const __u8 a[16])
{
	return !a[0] && !a[1] && !a[2] && !a[3] && !a[4] && !a[5] && !a[6] &&
	       !a[7] && !a[8] && !a[9] && a[10] == 0xff && a[11] == 0xff;
}

/*
 * Media may only be announced from addresses that can be a far end on the
 * internet: not unspecified (0.0.0.0 is "hold"), loopback, multicast or
 * broadcast; for IPv6 also not link-local, and not ::/96 or IPv4-mapped
 * (which would pose as an IPv4 source).
 */
static __always_inline int announceable(const __u8 a[16], int ipv6)
{
	if (!ipv6)
		return a[12] != 0 && a[12] != 127 && a[12] < 224;
	if (a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
	    ipv4_mapped(a))
		return 0;
	return a[0] || a[1] || a[2] || a[3] || a[4] || a[5] || a[6] ||
	       a[7] || a[8] || a[9] || a[10] || a[11];
}

static __always_inline int is_blank(int ch)
{
	return ch == ' ' || ch == '\t';
}

/* Lower case of an ASCII letter; every other byte as it is. */
static __always_inline int fold_case(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch | 0x20 : ch;
}

/*
 * A needle of up to 16 bytes packed into two words (byte i at bits 8*i),
 * for vfw_text_is(): the literal is padded so every index is in bounds.
 */
#define NEEDLE_BYTE(s, i) \
	((__u64)(__u8)((s "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0")[i]) << (8 * ((i) & 7)))
#define NEEDLE_WORD(s, b) \
	(NEEDLE_BYTE(s, b) | NEEDLE_BYTE(s, b + 1) | NEEDLE_BYTE(s, b + 2) | \
	 NEEDLE_BYTE(s, b + 3) | NEEDLE_BYTE(s, b + 4) | NEEDLE_BYTE(s, b + 5) | \
	 NEEDLE_BYTE(s, b + 6) | NEEDLE_BYTE(s, b + 7))

/* What a SIP start line means for media negotiation. */
enum sip_kind {
	SIP_OTHER = 0,        /* nothing to read (MESSAGE, OPTIONS, 3xx+ to ...) */
	SIP_ANSWER = 1,       /* ACK, PRACK, 1xx, 2xx: SDP here answers the other side's */
	SIP_ENDS_CALL = 2,    /* BYE, CANCEL, or a final 3xx-6xx response */
	SIP_OFFER = 3,        /* INVITE, UPDATE: SDP here is an offer, not yet accepted */
};

/* Whether a message of this kind is read for SDP. */
static __always_inline int kind_carries_sdp(__u32 kind)
{
	return kind == SIP_ANSWER || kind == SIP_OFFER;
}

enum sip_phase {
	SCAN_HEADERS = 0,
	SCAN_BODY = 1,        /* past the blank line of a message worth reading */
};

/* What the reader collects from one message (sip_scan.h). */
struct sip_scan {
	__u64 call_hash;      /* FNV-1a of the Call-ID, as vfw_call_hash(); 0 = none */
	__u32 kind;           /* enum sip_kind */
	__u32 phase;          /* enum sip_phase */
	__u32 sdp;            /* Content-Type is application/sdp */
	__u32 headers_seen;   /* SCAN_SEEN_*: a repeated one makes the message unreadable */
	__u32 media_seen;     /* m= lines so far (counted past VFW_SDP_MAX_MEDIA) */
	__u32 own_addr;       /* bit i: m= line i has its own c= line */
	__u32 addr_ok;        /* bit i: ... and it is a far-end address; bit 31: session c= */
	__u16 port[VFW_SDP_MAX_MEDIA];
	__u8 session[16];     /* the c= before the first m= */
	__u8 addr[VFW_SDP_MAX_MEDIA][16];
};

#define SCAN_SEEN_CALL_ID      (1U << 0)
#define SCAN_SEEN_CONTENT_TYPE (1U << 1)
#define SCAN_SESSION_OK        (1U << 31)

#define FNV64_BASIS 0xcbf29ce484222325ULL
#define FNV64_PRIME 0x100000001b3ULL

#endif /* VOIPFW_SIP_TEXT_H */
