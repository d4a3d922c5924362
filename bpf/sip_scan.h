/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The in-kernel reader of SIP messages for media negotiation: the start
 * line, Call-ID, Content-Type, and the SDP m= ports and c= addresses.
 *
 * Written once for both packet contexts. Include it with SCAN_CTX (struct
 * xdp_md or struct __sk_buff: both have data/data_end) and SCAN(name)
 * (the name with a suffix for that context) defined; no include guard, on
 * purpose. Global (__noinline) functions are verified once each, so the
 * byte loops do not multiply the walk of the header paths that reach them.
 *
 * What it reads, and nothing else (the daemon's full parser sees every
 * message anyway and decides about the call):
 *  - SDP only in INVITE, ACK, UPDATE, PRACK and 1xx/2xx responses whose
 *    Content-Type is application/sdp; one Call-ID and one Content-Type
 *    header (a repeated one: nothing is read);
 *  - per m= line its port, and the c= that applies to it (its own, else
 *    the session's), for the first VFW_SDP_MAX_MEDIA lines;
 *  - header lines are not unfolded: a folded Call-ID reads as none.
 * Anything it does not recognise opens nothing.
 */
#ifndef SCAN_CTX
#error "define SCAN_CTX and SCAN(name) before including sip_scan.h"
#endif

#define SIP_LINE_MAX  2048   /* bytes of one line (STIR/SHAKEN Identity headers run long) */
#define SIP_LINES_MAX 80     /* lines of one message, headers and SDP */
#define SIP_TOKEN_MAX 256    /* Call-ID bytes hashed; a longer one reads as none */

/* The byte at off, or -1 past the end of the packet. */
static __always_inline int SCAN(byte_at)(SCAN_CTX *ctx, __u32 off)
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

/*
 * One to four hex digits at off and the byte after them; digits 0 = not a
 * group (no digit, more than four, or the packet ends). Global: the
 * caller's loop over groups stays a handful of states (group count and
 * "::" position) instead of one per character and digit.
 */
__noinline __u32 SCAN(vfw_hex_group)(SCAN_CTX *ctx, __u32 off)
{
	__u32 val = 0, i;
	int ch, h;

	for (i = 0; i <= 4; i++) {
		ch = SCAN(byte_at)(ctx, off + i);
		if (ch < 0)
			return 0;
		h = hex_value(ch);
		if (h < 0)
			return i ? val | i << 16 | (__u32)ch << 24 : 0;
		val = val << 4 | h;
	}
	return 0;
}

/*
 * IPv6 text at off, ending at CR/LF, into out: groups separated by ':',
 * at most one "::" (also leading or trailing), no embedded IPv4. Returns 0,
 * or -1 when it is not one.
 */
static __always_inline int SCAN(text_ipv6)(SCAN_CTX *ctx, __u32 off, __u8 out[16])
{
	struct ip6_groups a = { .gap = -1 };
	__u32 r;
	int k, ch;

	if (SCAN(byte_at)(ctx, off) == ':') {
		if (SCAN(byte_at)(ctx, off + 1) != ':')
			return -1;
		a.gap = 0;
		off += 2;
		if (is_eol(SCAN(byte_at)(ctx, off)))
			return ip6_expand(&a, out);
	}
	for (k = 0; k < 8; k++) {
		r = SCAN(vfw_hex_group)(ctx, off);
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
		if (SCAN(byte_at)(ctx, off) == ':') {
			if (a.gap >= 0)
				return -1;
			a.gap = a.n;
			off++;
			if (is_eol(SCAN(byte_at)(ctx, off)))
				return ip6_expand(&a, out);
		}
	}
	return -1;
}

/*
 * After "c=" at off: "IN IP4 " or "IN IP6 " and the address. Returns 0 with
 * a plausible far-end address in out, else -1.
 */
static __always_inline int SCAN(sdp_connection_addr)(SCAN_CTX *ctx, __u32 off,
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
		err = SCAN(text_ipv6)(ctx, off + 7, out);
	else
		return -1;
	if (err || !announceable(out, s[5] == '6'))
		return -1;
	return 0;
}

/*
 * Whether the len (at most 16) bytes at off, letters folded to lower case,
 * are the needle packed in lo and hi (NEEDLE_WORD).
 */
__noinline int SCAN(vfw_text_is)(SCAN_CTX *ctx, __u32 off, __u64 lo, __u64 hi,
				 __u32 len)
{
	__u32 i;

	for (i = 0; i < 16; i++) {
		__u64 want = i < 8 ? lo >> (8 * i) : hi >> (8 * (i - 8));
		int ch;

		if (i >= len)
			return 1;
		ch = SCAN(byte_at)(ctx, off + i);
		if (ch < 0 || fold_case(ch) != (int)(want & 0xff))
			return 0;
	}
	return 1;
}

#define SCAN_TEXT_IS(ctx, off, s) \
	SCAN(vfw_text_is)(ctx, off, NEEDLE_WORD(s, 0), NEEDLE_WORD(s, 8), \
			  sizeof(s) - 1)

/*
 * After a header name at off: blanks, ':', blanks. Returns where the value
 * starts, or 0 when this is not a header of that name (a longer name, say).
 */
__noinline __u32 SCAN(vfw_header_value)(SCAN_CTX *ctx, __u32 off)
{
	__u32 i;

	for (i = 0; i < 8 && is_blank(SCAN(byte_at)(ctx, off)); i++)
		off++;
	if (SCAN(byte_at)(ctx, off) != ':')
		return 0;
	off++;
	for (i = 0; i < 8 && is_blank(SCAN(byte_at)(ctx, off)); i++)
		off++;
	return off;
}

/*
 * FNV-1a of the token at off (up to a blank or the line end), the same hash
 * the daemon keeps its calls under. 0 when empty, too long or cut.
 */
__noinline __u64 SCAN(vfw_token_hash)(SCAN_CTX *ctx, __u32 off)
{
	__u64 h = FNV64_BASIS;
	__u32 i;
	int ch;

	for (i = 0; i < SIP_TOKEN_MAX; i++) {
		ch = SCAN(byte_at)(ctx, off + i);
		if (ch < 0)
			return 0;
		if (is_eol(ch) || is_blank(ch))
			return i ? (h ? h : 1) : 0;
		h ^= (__u8)ch;
		h *= FNV64_PRIME;
	}
	return 0;
}

/*
 * The port of "m=<media> <port>[/<count>] ..." after "m=" at off, or 0 for
 * a refused stream or a line that is not one.
 */
__noinline __u32 SCAN(vfw_media_port)(SCAN_CTX *ctx, __u32 off)
{
	__u32 i, port = 0, digits = 0;
	int ch;

	for (i = 0; i < 32; i++) {          /* the media token */
		ch = SCAN(byte_at)(ctx, off);
		if (ch < 0 || is_eol(ch))
			return 0;
		off++;
		if (ch == ' ')
			break;
	}
	for (i = 0; i < 6; i++) {
		ch = SCAN(byte_at)(ctx, off + i);
		if (ch >= '0' && ch <= '9' && digits < 5) {
			port = port * 10 + (ch - '0');
			digits++;
			continue;
		}
		if ((ch == ' ' || ch == '/') && digits && port <= 0xffff)
			return port;
		return 0;
	}
	return 0;
}

/* The start line's kind (enum sip_kind); methods and "SIP/2.0" by case-folded text. */
__noinline __u32 SCAN(vfw_start_line)(SCAN_CTX *ctx, __u32 off)
{
	int d;

	if (SCAN_TEXT_IS(ctx, off, "sip/2.0 ")) {
		d = SCAN(byte_at)(ctx, off + 8);
		if (d == '1' || d == '2')
			return SIP_ANSWER;
		return d >= '3' && d <= '6' ? SIP_ENDS_CALL : SIP_OTHER;
	}
	if (SCAN_TEXT_IS(ctx, off, "invite ") || SCAN_TEXT_IS(ctx, off, "update "))
		return SIP_OFFER;
	if (SCAN_TEXT_IS(ctx, off, "ack ") || SCAN_TEXT_IS(ctx, off, "prack "))
		return SIP_ANSWER;
	if (SCAN_TEXT_IS(ctx, off, "bye ") || SCAN_TEXT_IS(ctx, off, "cancel "))
		return SIP_ENDS_CALL;
	return SIP_OTHER;
}

/* Where the value of header "long" or its compact form "c" starts, or 0. */
static __always_inline __u32 SCAN(named_value)(SCAN_CTX *ctx, __u32 off, int first,
					       int is_long, __u32 long_len, int compact)
{
	if (is_long)
		return SCAN(vfw_header_value)(ctx, off + long_len);
	if (fold_case(first) == compact)
		return SCAN(vfw_header_value)(ctx, off + 1);
	return 0;
}

/* One header line at off. Returns 1 to stop reading the message. */
static __always_inline int SCAN(header_line)(SCAN_CTX *ctx, __u32 off,
					     struct sip_scan *st)
{
	int first = SCAN(byte_at)(ctx, off);
	__u32 v;

	if (first < 0)
		return 1;
	if (is_eol(first)) {            /* the blank line: the body follows */
		st->phase = SCAN_BODY;
		return !kind_carries_sdp(st->kind) || !st->sdp || !st->call_hash;
	}
	v = SCAN(named_value)(ctx, off, first, SCAN_TEXT_IS(ctx, off, "call-id"), 7, 'i');
	if (v) {
		if (st->headers_seen & SCAN_SEEN_CALL_ID) {
			st->call_hash = 0;
			return 1;
		}
		st->headers_seen |= SCAN_SEEN_CALL_ID;
		st->call_hash = SCAN(vfw_token_hash)(ctx, v);
		return 0;
	}
	v = SCAN(named_value)(ctx, off, first, SCAN_TEXT_IS(ctx, off, "content-type"),
			      12, 'c');
	if (v) {
		if (st->headers_seen & SCAN_SEEN_CONTENT_TYPE) {
			st->sdp = 0;
			return 1;
		}
		st->headers_seen |= SCAN_SEEN_CONTENT_TYPE;
		first = SCAN(byte_at)(ctx, v + 15);
		st->sdp = SCAN_TEXT_IS(ctx, v, "application/sdp") &&
			  (is_eol(first) || is_blank(first) || first == ';');
	}
	return 0;
}

/*
 * A c= line (off just after "c="): the session's connection address
 * before the first m= line, else that m= line's own. Global, so the
 * address parsers' stack and states stay out of the line dispatcher.
 */
__noinline int SCAN(vfw_connection_line)(SCAN_CTX *ctx, __u32 off,
					 struct sip_scan *st)
{
	__u32 m, bit;
	__u8 *out;

	if (!st)
		return 0;
	m = st->media_seen;
	if (m > VFW_SDP_MAX_MEDIA)
		return 0;
	if (m) {
		m = (m - 1) & (VFW_SDP_MAX_MEDIA - 1);
		bit = 1U << m;
		out = st->addr[m];
		st->own_addr |= bit;
	} else {
		bit = SCAN_SESSION_OK;
		out = st->session;
	}
	/* parsed in place: the slot counts only with its bit set */
	if (SCAN(sdp_connection_addr)(ctx, off, out) == 0)
		st->addr_ok |= bit;
	else
		st->addr_ok &= ~bit;
	return 0;
}

/* One SDP line at off: m= and c= are kept, the others skipped. */
static __always_inline void SCAN(body_line)(SCAN_CTX *ctx, __u32 off,
					    struct sip_scan *st)
{
	int type = SCAN(byte_at)(ctx, off);
	__u32 m = st->media_seen;

	if (SCAN(byte_at)(ctx, off + 1) != '=')
		return;
	if (type == 'm') {
		if (m < VFW_SDP_MAX_MEDIA)
			st->port[m & (VFW_SDP_MAX_MEDIA - 1)] =
				SCAN(vfw_media_port)(ctx, off + 2);
		if (m < 255)
			st->media_seen = m + 1;
	} else if (type == 'c') {
		SCAN(vfw_connection_line)(ctx, off + 2, st);
	}
}

/* The line at off. Returns 1 to stop reading the message. */
__noinline int SCAN(vfw_sip_line)(SCAN_CTX *ctx, __u32 off, struct sip_scan *st)
{
	if (!st)
		return 1;
	if (st->phase == SCAN_HEADERS)
		return SCAN(header_line)(ctx, off, st);
	SCAN(body_line)(ctx, off, st);
	return 0;
}

/*
 * Where the line after the one at off starts: past its '\n', within
 * SIP_LINE_MAX bytes and the packet; 0 when there is none.
 */
__noinline __u32 SCAN(vfw_next_line)(SCAN_CTX *ctx, __u32 off)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 i;

	if (off >= TEXT_OFF_MAX)
		return 0;
	off = text_off(off);
	for (i = 0; i < SIP_LINE_MAX; i++) {
		const __u8 *s = data + off + i;

		if ((void *)(s + 1) > end)
			return 0;
		if (*s == '\n')
			return off + i + 1;
	}
	return 0;
}

/*
 * Reads the SIP message whose first byte is at off into st (zeroed by the
 * caller): the start line, then line after line. Two loops: the byte
 * search is its own function, verified once, and the line loop has only
 * SIP_LINES_MAX turns to walk (one byte loop would cost the verifier its
 * whole body for every byte). Inline in its caller: one stack frame less
 * on a call chain that 6.1 counts at 32 bytes a frame.
 */
static __always_inline void SCAN(sip_scan)(SCAN_CTX *ctx, __u32 off,
					  struct sip_scan *st)
{
	__u32 n;

	st->kind = SCAN(vfw_start_line)(ctx, off);
	if (st->kind == SIP_OTHER)
		return;
	for (n = 0; n < SIP_LINES_MAX; n++) {
		off = SCAN(vfw_next_line)(ctx, off);
		if (!off || SCAN(vfw_sip_line)(ctx, off, st))
			break;
	}
}
