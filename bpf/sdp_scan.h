/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Reading SDP connection addresses ("c=IN IP4 a.b.c.d", "c=IN IP6 x:y::z")
 * out of a SIP message in the packet, for the XDP program's announced-media
 * pinholes (see voipfw.bpf.c).
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
#ifndef VOIPFW_SDP_SCAN_H
#define VOIPFW_SDP_SCAN_H

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

/* The byte at off, or -1 past the end of the packet. */
static __always_inline int byte_at(struct xdp_md *ctx, __u32 off)
{
	const __u8 *data = (void *)(long)ctx->data;
	const void *end = (void *)(long)ctx->data_end;

	if (off >= TEXT_OFF_MAX)
		return -1;
	off = text_off(off);
	if ((void *)(data + off + 1) > end)
		return -1;
	return data[off];
}

/* What vfw_hex_group() returns: the value, the digits read, the byte after. */
#define GROUP_VALUE(r)  ((r) & 0xffff)
#define GROUP_DIGITS(r) (((r) >> 16) & 0xff)
#define GROUP_NEXT(r)   ((r) >> 24)

/*
 * One to four hex digits at off and the byte after them; digits 0 = not a
 * group (no digit, more than four, or the packet ends). A global function:
 * verified once, so the caller's loop over groups stays a handful of states
 * (group count and "::" position) instead of one per character and digit.
 */
__noinline __u32 vfw_hex_group(struct xdp_md *ctx, __u32 off)
{
	__u32 val = 0, i;
	int ch, h;

	for (i = 0; i <= 4; i++) {
		ch = byte_at(ctx, off + i);
		if (ch < 0)
			return 0;
		h = hex_value(ch);
		if (h < 0)
			return i ? val | i << 16 | (__u32)ch << 24 : 0;
		val = val << 4 | h;
	}
	return 0;
}

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

/*
 * IPv6 text at off, ending at CR/LF, into out: groups separated by ':',
 * at most one "::" (also leading or trailing), no embedded IPv4. Returns 0,
 * or -1 when it is not one.
 */
static __always_inline int text_ipv6(struct xdp_md *ctx, __u32 off, __u8 out[16])
{
	struct ip6_groups a = { .gap = -1 };
	__u32 r;
	int k, ch;

	if (byte_at(ctx, off) == ':') {
		if (byte_at(ctx, off + 1) != ':')
			return -1;
		a.gap = 0;
		off += 2;
		if (is_eol(byte_at(ctx, off)))
			return ip6_expand(&a, out);
	}
	for (k = 0; k < 8; k++) {
		r = vfw_hex_group(ctx, off);
		if (!GROUP_DIGITS(r))
			return -1;
		a.g[k & 7] = GROUP_VALUE(r);
		a.n = k + 1;
		off += GROUP_DIGITS(r);
		ch = GROUP_NEXT(r);
		if (is_eol(ch))
			return ip6_expand(&a, out);
		if (ch != ':')
			return -1;
		off++;
		if (byte_at(ctx, off) == ':') {
			if (a.gap >= 0)
				return -1;
			a.gap = a.n;
			off++;
			if (is_eol(byte_at(ctx, off)))
				return ip6_expand(&a, out);
		}
	}
	return -1;
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

/*
 * After "c=" at off: "IN IP4 " or "IN IP6 " and the address. Returns 0 with
 * a plausible far-end address in out, else -1.
 */
static __always_inline int sdp_connection_addr(struct xdp_md *ctx, __u32 off,
					       __u8 out[16])
{
	const __u8 *data = (void *)(long)ctx->data;
	const void *end = (void *)(long)ctx->data_end;
	const __u8 *s;
	int err;

	if (off >= TEXT_OFF_MAX)
		return -1;
	s = data + text_off(off);
	if ((void *)(s + 7) > end)
		return -1;
	if (s[0] != 'I' || s[1] != 'N' || s[2] != ' ' || s[3] != 'I' ||
	    s[4] != 'P' || s[6] != ' ')
		return -1;
	if (s[5] == '4')
		err = text_ipv4(s + 7, end, out);
	else if (s[5] == '6')
		err = text_ipv6(ctx, off + 7, out);
	else
		return -1;
	if (err || !announceable(out, s[5] == '6'))
		return -1;
	return 0;
}

#endif /* VOIPFW_SDP_SCAN_H */
