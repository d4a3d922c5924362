// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Bounded reassembly, of IP fragments into datagrams and of TCP segments
 * into SIP messages. Both tables are small arrays searched linearly: their
 * sizes are bounded by configuration (tens to hundreds of entries), and SIP
 * signalling is a few packets per second, so a hash buys nothing here.
 */
#include "pkt.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* ==== IP fragments ===================================================== */

struct frag_range {
	__u32 start, end;             /* [start, end) of the reassembled payload */
};

struct frag_dgram {
	__u8 used;
	__u8 ipv6;
	__u8 proto;
	__u8 have_last;               /* the fragment without more-fragments arrived */
	__u8 saddr[16], daddr[16];
	__u32 id;
	__u32 total;                  /* payload length, known once have_last */
	__u32 received;               /* bytes in ranges (they never overlap) */
	__u64 first_ns;
	__u8 *buf;
	size_t cap;
	unsigned n_ranges;
	struct frag_range *ranges;    /* max_fragments of them */
};

struct vfw_reasm {
	struct vfw_reasm_config cfg;
	struct frag_dgram *slots;
	size_t total_bytes;
	__u8 *done;                   /* the last completed datagram, owned until the next call */
	struct vfw_reasm_stats stats;
};

void vfw_reasm_config_defaults(struct vfw_reasm_config *cfg)
{
	cfg->max_datagrams = 64;
	cfg->max_datagram_bytes = 65535;
	cfg->max_total_bytes = 1 << 20;
	cfg->max_fragments = 64;
	cfg->timeout_ns = 30ULL * 1000000000ULL;
}

struct vfw_reasm *vfw_reasm_new(const struct vfw_reasm_config *cfg)
{
	struct vfw_reasm *r = calloc(1, sizeof(*r));
	unsigned i;

	if (!r)
		return NULL;
	r->cfg = *cfg;
	r->slots = calloc(cfg->max_datagrams ? cfg->max_datagrams : 1,
			  sizeof(*r->slots));
	if (!r->slots)
		goto fail;
	for (i = 0; i < cfg->max_datagrams; i++) {
		r->slots[i].ranges = calloc(cfg->max_fragments ? cfg->max_fragments : 1,
					    sizeof(struct frag_range));
		if (!r->slots[i].ranges)
			goto fail;
	}
	return r;
fail:
	vfw_reasm_free(r);
	return NULL;
}

static void slot_clear(struct vfw_reasm *r, struct frag_dgram *s)
{
	struct frag_range *ranges = s->ranges;

	if (s->buf) {
		r->total_bytes -= s->cap;
		free(s->buf);
	}
	memset(s, 0, sizeof(*s));
	s->ranges = ranges;
}

void vfw_reasm_free(struct vfw_reasm *r)
{
	unsigned i;

	if (!r)
		return;
	if (r->slots) {
		for (i = 0; i < r->cfg.max_datagrams; i++) {
			slot_clear(r, &r->slots[i]);
			free(r->slots[i].ranges);
		}
		free(r->slots);
	}
	free(r->done);
	free(r);
}

static int slot_matches(const struct frag_dgram *s, const struct vfw_l3 *l3)
{
	return s->used && s->id == l3->frag_id && s->proto == l3->proto &&
	       s->ipv6 == l3->ipv6 && !memcmp(s->saddr, l3->saddr, 16) &&
	       !memcmp(s->daddr, l3->daddr, 16);
}

static int slot_expired(const struct vfw_reasm *r, const struct frag_dgram *s,
			__u64 now_ns)
{
	return now_ns >= s->first_ns && now_ns - s->first_ns >= r->cfg.timeout_ns;
}

static struct frag_dgram *slot_find(struct vfw_reasm *r, const struct vfw_l3 *l3)
{
	unsigned i;

	for (i = 0; i < r->cfg.max_datagrams; i++)
		if (slot_matches(&r->slots[i], l3))
			return &r->slots[i];
	return NULL;
}

/* The oldest datagram other than keep, or NULL when there is none. */
static struct frag_dgram *slot_oldest(struct vfw_reasm *r,
				      const struct frag_dgram *keep)
{
	struct frag_dgram *oldest = NULL;
	unsigned i;

	for (i = 0; i < r->cfg.max_datagrams; i++) {
		struct frag_dgram *s = &r->slots[i];

		if (s->used && s != keep && (!oldest || s->first_ns < oldest->first_ns))
			oldest = s;
	}
	return oldest;
}

/*
 * A free slot for a new datagram. When all are taken the oldest is evicted:
 * a flood of bogus first fragments then costs legitimate datagrams, but
 * stale ones never pin the table until their timeout.
 */
static struct frag_dgram *slot_new(struct vfw_reasm *r, const struct vfw_l3 *l3,
				   __u64 now_ns)
{
	struct frag_dgram *s = NULL;
	unsigned i;

	for (i = 0; i < r->cfg.max_datagrams && !s; i++)
		if (!r->slots[i].used)
			s = &r->slots[i];
	if (!s) {
		s = slot_oldest(r, NULL);
		if (!s)
			return NULL;	/* max_datagrams == 0 */
		slot_clear(r, s);
		r->stats.evicted++;
	}
	s->used = 1;
	s->ipv6 = l3->ipv6;
	s->proto = l3->proto;
	s->id = l3->frag_id;
	memcpy(s->saddr, l3->saddr, 16);
	memcpy(s->daddr, l3->daddr, 16);
	s->first_ns = now_ns;
	return s;
}

/* Makes s->buf hold at least need bytes within the byte limits. */
static int slot_reserve(struct vfw_reasm *r, struct frag_dgram *s, size_t need)
{
	size_t grow, cap;
	__u8 *buf;

	if (need <= s->cap)
		return 0;
	/* Grow in steps so a datagram arriving in order is not copied per fragment. */
	cap = s->cap * 2 > need ? s->cap * 2 : need;
	if (cap > r->cfg.max_datagram_bytes)
		cap = need;
	grow = cap - s->cap;
	while (r->total_bytes + grow > r->cfg.max_total_bytes) {
		struct frag_dgram *victim = slot_oldest(r, s);

		if (!victim)
			return -ENOSPC;
		slot_clear(r, victim);
		r->stats.evicted++;
	}
	buf = realloc(s->buf, cap);
	if (!buf)
		return -ENOMEM;
	s->buf = buf;
	s->cap = cap;
	r->total_bytes += grow;
	return 0;
}

/* Checks a fragment [start, end) against what the datagram already holds. */
static int frag_fits(struct vfw_reasm *r, const struct frag_dgram *s,
		     __u32 start, __u32 end, int last)
{
	unsigned i;

	if (last && s->have_last && s->total != end)
		return -EINVAL;		/* two different ends */
	if (s->have_last && end > s->total)
		return -EINVAL;		/* data past the end */
	for (i = 0; i < s->n_ranges; i++) {
		const struct frag_range *g = &s->ranges[i];

		if (last && g->end > end)
			return -EINVAL;	/* an end before data already received */
		if (start >= g->start && end <= g->end)
			return 1;	/* nothing new: a duplicate (Linux ignores these too) */
		if (start < g->end && end > g->start)
			return -EEXIST;	/* overlap: Linux drops the whole datagram */
	}
	if (s->n_ranges >= r->cfg.max_fragments)
		return -ENOSPC;
	return 0;
}

static void count_failure(struct vfw_reasm *r, int rc)
{
	if (rc == -EEXIST)
		r->stats.overlaps++;
	else if (rc == -EINVAL)
		r->stats.invalid++;
	else
		r->stats.evicted++;
}

int vfw_reasm_feed(struct vfw_reasm *r, const struct vfw_l3 *l3, __u64 now_ns,
		   const __u8 **data, size_t *len)
{
	__u64 start = l3->frag_offset, end = start + l3->l4_len;
	int last = !l3->more_fragments;
	struct frag_dgram *s;
	int rc;

	free(r->done);
	r->done = NULL;
	r->stats.fragments++;

	/* Every fragment but the last carries a multiple of 8 bytes (RFC 791, 8200). */
	if (l3->l4_len == 0 || (!last && l3->l4_len % 8) ||
	    end > r->cfg.max_datagram_bytes) {
		r->stats.invalid++;
		return -EINVAL;
	}
	s = slot_find(r, l3);
	if (s && slot_expired(r, s, now_ns)) {
		slot_clear(r, s);
		r->stats.timeouts++;
		s = NULL;
	}
	if (!s)
		s = slot_new(r, l3, now_ns);
	if (!s) {
		r->stats.evicted++;
		return -ENOSPC;
	}

	rc = frag_fits(r, s, (__u32)start, (__u32)end, last);
	if (rc == 1) {
		r->stats.duplicates++;
		return 0;
	}
	if (!rc)
		rc = slot_reserve(r, s, end);
	if (rc) {
		count_failure(r, rc);
		slot_clear(r, s);
		return rc;
	}
	memcpy(s->buf + start, l3->l4, l3->l4_len);
	s->ranges[s->n_ranges++] = (struct frag_range){ (__u32)start, (__u32)end };
	s->received += (__u32)l3->l4_len;
	if (last) {
		s->have_last = 1;
		s->total = (__u32)end;
	}
	if (!s->have_last || s->received != s->total)
		return 0;

	/* Complete: hand the buffer over; it lives until the next call. */
	r->done = s->buf;
	r->total_bytes -= s->cap;
	*data = s->buf;
	*len = s->total;
	s->buf = NULL;
	s->cap = 0;
	slot_clear(r, s);
	r->stats.reassembled++;
	return 1;
}

void vfw_reasm_expire(struct vfw_reasm *r, __u64 now_ns)
{
	unsigned i;

	for (i = 0; i < r->cfg.max_datagrams; i++) {
		struct frag_dgram *s = &r->slots[i];

		if (s->used && slot_expired(r, s, now_ns)) {
			slot_clear(r, s);
			r->stats.timeouts++;
		}
	}
}

unsigned vfw_reasm_pending(const struct vfw_reasm *r)
{
	unsigned i, n = 0;

	for (i = 0; i < r->cfg.max_datagrams; i++)
		n += r->slots[i].used;
	return n;
}

size_t vfw_reasm_bytes(const struct vfw_reasm *r)
{
	return r->total_bytes;
}

const struct vfw_reasm_stats *vfw_reasm_stats(const struct vfw_reasm *r)
{
	return &r->stats;
}

/* ==== TCP streams ======================================================= */

struct tcp_flow {
	__u8 used;
	__u8 synced;                  /* next_seq known and buf starts at a message */
	__u8 saddr[16], daddr[16];
	__u16 sport, dport;
	__u32 next_seq;
	__u64 last_ns;
	__u8 *buf;
	size_t len, cap;
};

struct vfw_tcp {
	struct vfw_tcp_config cfg;
	struct tcp_flow *flows;
	size_t total_bytes;
	struct vfw_tcp_stats stats;
};

void vfw_tcp_config_defaults(struct vfw_tcp_config *cfg)
{
	cfg->max_flows = 256;
	cfg->max_buffer = 64 * 1024;
	cfg->max_total_bytes = 4 << 20;
	cfg->idle_ns = 900ULL * 1000000000ULL;
}

struct vfw_tcp *vfw_tcp_new(const struct vfw_tcp_config *cfg)
{
	struct vfw_tcp *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cfg = *cfg;
	t->flows = calloc(cfg->max_flows ? cfg->max_flows : 1, sizeof(*t->flows));
	if (!t->flows) {
		free(t);
		return NULL;
	}
	return t;
}

static void flow_discard_data(struct vfw_tcp *t, struct tcp_flow *f)
{
	t->total_bytes -= f->cap;
	free(f->buf);
	f->buf = NULL;
	f->len = f->cap = 0;
}

static void flow_clear(struct vfw_tcp *t, struct tcp_flow *f)
{
	flow_discard_data(t, f);
	memset(f, 0, sizeof(*f));
}

void vfw_tcp_free(struct vfw_tcp *t)
{
	unsigned i;

	if (!t)
		return;
	for (i = 0; i < t->cfg.max_flows; i++)
		flow_clear(t, &t->flows[i]);
	free(t->flows);
	free(t);
}

static int flow_matches(const struct tcp_flow *f, const struct vfw_datagram *d)
{
	return f->used && f->sport == d->sport && f->dport == d->dport &&
	       !memcmp(f->saddr, d->saddr, 16) && !memcmp(f->daddr, d->daddr, 16);
}

static struct tcp_flow *flow_get(struct vfw_tcp *t, const struct vfw_datagram *d)
{
	struct tcp_flow *free_slot = NULL, *lru = NULL;
	unsigned i;

	for (i = 0; i < t->cfg.max_flows; i++) {
		struct tcp_flow *f = &t->flows[i];

		if (flow_matches(f, d))
			return f;
		if (!f->used && !free_slot)
			free_slot = f;
		if (f->used && (!lru || f->last_ns < lru->last_ns))
			lru = f;
	}
	if (!free_slot) {
		if (!lru)
			return NULL;	/* max_flows == 0 */
		flow_clear(t, lru);
		t->stats.evicted++;
		free_slot = lru;
	}
	free_slot->used = 1;
	memcpy(free_slot->saddr, d->saddr, 16);
	memcpy(free_slot->daddr, d->daddr, 16);
	free_slot->sport = d->sport;
	free_slot->dport = d->dport;
	return free_slot;
}

/* Throws away a partial message; the stream resynchronises at the next message start. */
static void flow_lose_sync(struct vfw_tcp *t, struct tcp_flow *f)
{
	if (f->len || f->synced)
		t->stats.resyncs++;
	flow_discard_data(t, f);
	f->synced = 0;
}

static const char *const known_methods[] = {
	"INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "UPDATE",
	"PRACK", "INFO", "NOTIFY", "SUBSCRIBE", "MESSAGE", "REFER", "PUBLISH",
};

/*
 * Where a message starts inside the line [0, n) when it does not start at
 * the line's beginning: the previous message's body has no line end of its
 * own, so "helloSIP/2.0 200 OK" or "helloINVITE sip:..." are what follows a
 * body. A status line is unambiguous; for a request line the token before
 * the first space must end with a method we know. Returns n when neither.
 */
static size_t start_inside_line(const __u8 *line, size_t n, size_t avail)
{
	size_t i, sp, m;

	for (i = 1; i + 9 <= n; i++)
		if (!memcmp(line + i, "SIP/2.0 ", 8) && line[i + 8] >= '1' &&
		    line[i + 8] <= '6')
			return i;
	for (sp = 0; sp < n && line[sp] != ' '; sp++)
		;
	for (m = 0; m < sizeof(known_methods) / sizeof(known_methods[0]); m++) {
		size_t k = strlen(known_methods[m]);

		if (sp > k && !memcmp(line + sp - k, known_methods[m], k) &&
		    vfw_looks_like_sip(line + sp - k, avail - (sp - k)))
			return sp - k;
	}
	return n;
}

/* Offset of the first SIP message start in buf (see above), or len. */
static size_t find_message_start(const __u8 *buf, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const __u8 *nl = memchr(buf + i, '\n', len - i);
		size_t line_len = nl ? (size_t)(nl - (buf + i)) : len - i;
		size_t in;

		if (vfw_looks_like_sip(buf + i, len - i))
			return i;
		in = start_inside_line(buf + i, line_len, len - i);
		if (in < line_len)
			return i + in;
		if (!nl)
			break;
		i += line_len + 1;
	}
	return len;
}

static int flow_append(struct vfw_tcp *t, struct tcp_flow *f, const __u8 *data,
		       size_t n)
{
	size_t need = f->len + n, cap;
	__u8 *buf;

	if (need > t->cfg.max_buffer)
		return -EMSGSIZE;
	if (need > f->cap) {
		cap = f->cap * 2 > need ? f->cap * 2 : need;
		if (cap > t->cfg.max_buffer)
			cap = t->cfg.max_buffer;
		if (t->total_bytes + (cap - f->cap) > t->cfg.max_total_bytes)
			return -ENOSPC;
		buf = realloc(f->buf, cap);
		if (!buf)
			return -ENOMEM;
		t->total_bytes += cap - f->cap;
		f->buf = buf;
		f->cap = cap;
	}
	memcpy(f->buf + f->len, data, n);
	f->len += n;
	return 0;
}

/* CR/LF between messages are keep-alives (RFC 5626 3.5.1): skipped. */
static size_t skip_keepalives(struct vfw_tcp *t, const __u8 *buf, size_t len)
{
	size_t i = 0;

	while (i < len && (buf[i] == '\r' || buf[i] == '\n'))
		i++;
	if (i)
		t->stats.keepalives++;
	return i;
}

/* Hands every complete message in the flow's buffer to fn and keeps the rest. */
static void flow_frame(struct vfw_tcp *t, struct tcp_flow *f,
		       const struct vfw_datagram *seg, vfw_payload_fn fn, void *ctx)
{
	size_t pos = 0;

	while (pos < f->len) {
		long n;

		pos += skip_keepalives(t, f->buf + pos, f->len - pos);
		if (pos == f->len)
			break;
		n = vfw_sip_frame_len(f->buf + pos, f->len - pos, t->cfg.max_buffer);
		if (n == 0)
			break;
		if (n < 0) {
			if (n == -EMSGSIZE)
				t->stats.oversize++;
			flow_lose_sync(t, f);
			return;
		}
		if (fn) {
			struct vfw_datagram msg = *seg;

			msg.payload = f->buf + pos;
			msg.len = (size_t)n;
			fn(ctx, &msg);
		}
		t->stats.messages++;
		pos += (size_t)n;
	}
	if (pos == f->len) {
		flow_discard_data(t, f);
	} else if (pos) {
		memmove(f->buf, f->buf + pos, f->len - pos);
		f->len -= pos;
	}
}

/* Takes the in-order part of the segment: returns the bytes to append. */
static const __u8 *segment_new_bytes(struct vfw_tcp *t, struct tcp_flow *f,
				     __u32 seq, const __u8 *data, size_t *n)
{
	if (f->synced) {
		__s32 ahead = (__s32)(seq - f->next_seq);

		if (ahead < 0) {
			size_t old = (size_t)-(__s64)ahead;

			if (old >= *n) {
				*n = 0;		/* a pure retransmission */
				return data;
			}
			*n -= old;
			data += old;
		} else if (ahead > 0) {
			flow_lose_sync(t, f);	/* a gap: bytes are missing */
		}
	}
	if (!f->synced) {
		size_t start = find_message_start(data, *n);

		f->next_seq = seq + (__u32)*n;
		if (start == *n) {
			*n = 0;
			return data;
		}
		f->synced = 1;
		*n -= start;
		return data + start;
	}
	f->next_seq += (__u32)*n;
	return data;
}

void vfw_tcp_feed(struct vfw_tcp *t, const struct vfw_datagram *seg,
		  const struct vfw_tcp_seg *hdr, __u64 now_ns,
		  vfw_payload_fn fn, void *ctx)
{
	__u32 seq = hdr->seq;
	struct tcp_flow *f;
	const __u8 *data;
	size_t n = seg->len;

	t->stats.segments++;
	f = flow_get(t, seg);
	if (!f)
		return;
	f->last_ns = now_ns;
	if (hdr->flags & VFW_TCP_RST) {
		flow_clear(t, f);
		return;
	}
	if (hdr->flags & VFW_TCP_SYN) {
		flow_discard_data(t, f);
		f->synced = 1;
		seq++;			/* data on a SYN (TCP Fast Open) follows it */
		f->next_seq = seq;
	}
	data = segment_new_bytes(t, f, seq, seg->payload, &n);
	if (n) {
		int rc = flow_append(t, f, data, n);

		if (rc) {
			if (rc == -EMSGSIZE)
				t->stats.oversize++;
			flow_lose_sync(t, f);
		} else {
			flow_frame(t, f, seg, fn, ctx);
		}
	}
	if (hdr->flags & VFW_TCP_FIN)
		flow_clear(t, f);
}

void vfw_tcp_expire(struct vfw_tcp *t, __u64 now_ns)
{
	unsigned i;

	for (i = 0; i < t->cfg.max_flows; i++) {
		struct tcp_flow *f = &t->flows[i];

		if (f->used && now_ns >= f->last_ns &&
		    now_ns - f->last_ns >= t->cfg.idle_ns)
			flow_clear(t, f);
	}
}

unsigned vfw_tcp_flows(const struct vfw_tcp *t)
{
	unsigned i, n = 0;

	for (i = 0; i < t->cfg.max_flows; i++)
		n += t->flows[i].used;
	return n;
}

const struct vfw_tcp_stats *vfw_tcp_stats(const struct vfw_tcp *t)
{
	return &t->stats;
}
