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
#include <stdint.h>
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

/*
 * A segment that arrived ahead of the stream's next byte, kept until the
 * hole before it is filled (or given up on). Its bytes are a private copy:
 * the caller's packet is gone after the feed call.
 */
struct ooo_seg {
	__u32 seq;
	__u32 len;
	__u64 arrived_ns;
	__u8 *data;
};

struct tcp_flow {
	__u8 used;
	__u8 seq_known;               /* next_seq is the stream's next byte */
	__u8 synced;                  /* buf starts at a message */
	__u8 fin;                     /* a FIN was seen; the flow ends at fin_seq */
	struct vfw_datagram id;       /* addresses, ports, direction; no payload */
	__u32 next_seq;
	__u32 fin_seq;
	__u64 fin_ns;                 /* when the FIN arrived */
	__u64 last_ns;
	__u8 *buf;
	size_t len, cap;
	/*
	 * Out-of-order queue: sorted by distance from next_seq, every entry
	 * ahead of it and ending within max_ooo_bytes of it (so the serial
	 * number comparisons below never meet a wrapped distance). The array
	 * (max_ooo_segments entries) is allocated on first use.
	 */
	struct ooo_seg *ooo;
	unsigned n_ooo;
	size_t ooo_bytes;
};

struct vfw_tcp {
	struct vfw_tcp_config cfg;
	struct tcp_flow *flows;
	size_t total_bytes;           /* message buffers */
	size_t ooo_total_bytes;       /* out-of-order queues */
	vfw_tcp_loss_fn loss_fn;
	void *loss_ctx;
	struct vfw_tcp_stats stats;
};

void vfw_tcp_config_defaults(struct vfw_tcp_config *cfg)
{
	cfg->max_flows = 256;
	cfg->max_buffer = 64 * 1024;
	cfg->max_total_bytes = 4 << 20;
	cfg->idle_ns = 900ULL * 1000000000ULL;
	cfg->max_ooo_segments = 16;
	cfg->max_ooo_bytes = 32 * 1024;
	cfg->max_ooo_total_bytes = 1 << 20;
	cfg->ooo_timeout_ns = 2ULL * 1000000000ULL;
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

void vfw_tcp_set_loss_fn(struct vfw_tcp *t, vfw_tcp_loss_fn fn, void *ctx)
{
	t->loss_fn = fn;
	t->loss_ctx = ctx;
}

static void flow_discard_data(struct vfw_tcp *t, struct tcp_flow *f)
{
	t->total_bytes -= f->cap;
	free(f->buf);
	f->buf = NULL;
	f->len = f->cap = 0;
}

/* Removes queue entry i, handing its data to the caller (who frees it). */
static struct ooo_seg ooo_take(struct vfw_tcp *t, struct tcp_flow *f, unsigned i)
{
	struct ooo_seg s = f->ooo[i];

	memmove(&f->ooo[i], &f->ooo[i + 1], (f->n_ooo - i - 1) * sizeof(*f->ooo));
	f->n_ooo--;
	f->ooo_bytes -= s.len;
	t->ooo_total_bytes -= s.len;
	return s;
}

static void ooo_clear(struct vfw_tcp *t, struct tcp_flow *f)
{
	while (f->n_ooo) {
		struct ooo_seg s = ooo_take(t, f, f->n_ooo - 1);

		free(s.data);
	}
}

static void flow_clear(struct vfw_tcp *t, struct tcp_flow *f)
{
	flow_discard_data(t, f);
	ooo_clear(t, f);
	free(f->ooo);
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

/* Tells the owner that bytes of this flow were never delivered. */
static void flow_report_loss(struct vfw_tcp *t, const struct tcp_flow *f,
			     enum vfw_tcp_loss reason)
{
	t->stats.losses++;
	if (t->loss_fn)
		t->loss_fn(t->loss_ctx, &f->id, reason);
}

static int flow_matches(const struct tcp_flow *f, const struct vfw_datagram *d)
{
	return f->used && f->id.sport == d->sport && f->id.dport == d->dport &&
	       !memcmp(f->id.saddr, d->saddr, 16) && !memcmp(f->id.daddr, d->daddr, 16);
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
		/* Queued bytes die with it: whoever follows that connection must know. */
		if (lru->n_ooo)
			flow_report_loss(t, lru, VFW_TCP_LOSS_EVICTED);
		flow_clear(t, lru);
		t->stats.evicted++;
		free_slot = lru;
	}
	free_slot->used = 1;
	free_slot->id = *d;
	free_slot->id.payload = NULL;
	free_slot->id.len = 0;
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

/* A message could not be framed (too long, no room, bad Content-Length). */
static void flow_drop_message(struct vfw_tcp *t, struct tcp_flow *f, int rc)
{
	if (rc == -EMSGSIZE)
		t->stats.oversize++;
	flow_report_loss(t, f, VFW_TCP_LOSS_MESSAGE);
	flow_lose_sync(t, f);
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
		       vfw_payload_fn fn, void *ctx)
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
			flow_drop_message(t, f, (int)n);
			return;
		}
		if (fn) {
			struct vfw_datagram msg = f->id;

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

/*
 * Bytes that start exactly at next_seq: the stream moves on by n, and
 * they join the message being framed (or, out of sync, are searched for
 * the next message start).
 */
static void flow_take(struct vfw_tcp *t, struct tcp_flow *f, const __u8 *data,
		      size_t n, vfw_payload_fn fn, void *ctx)
{
	int rc;

	f->next_seq += (__u32)n;
	if (!f->synced) {
		size_t start = find_message_start(data, n);

		if (start == n)
			return;
		f->synced = 1;
		data += start;
		n -= start;
	}
	rc = flow_append(t, f, data, n);
	if (rc)
		flow_drop_message(t, f, rc);
	else
		flow_frame(t, f, fn, ctx);
}

/*
 * Drops the bytes of [*seq, *seq + n) the stream already took (a
 * retransmission, or the overlapping head of a resent segment). Returns
 * how many new bytes remain; *seq and *data then point at the first.
 */
static size_t trim_taken(const struct tcp_flow *f, __u32 *seq,
			 const __u8 **data, size_t n)
{
	__s32 ahead = (__s32)(*seq - f->next_seq);
	size_t old;

	if (ahead >= 0)
		return n;
	old = (size_t)-(__s64)ahead;
	if (old >= n)
		return 0;
	*seq += (__u32)old;
	*data += old;
	return n - old;
}

static __u32 ahead_of(const struct tcp_flow *f, __u32 seq)
{
	return seq - f->next_seq;
}

/*
 * Queues [seq, seq + n), which lies ahead of next_seq. Returns 0 when
 * queued, 1 when a queued segment already holds all of it, -ENOSPC when a
 * bound refuses it. A new segment that covers queued ones replaces them;
 * partial overlaps are kept and trimmed when taken (trim_taken).
 */
static int ooo_insert(struct vfw_tcp *t, struct tcp_flow *f, __u32 seq,
		      const __u8 *data, size_t n, __u64 now_ns)
{
	__u32 start = ahead_of(f, seq);
	size_t end = (size_t)start + n, freed = 0;
	unsigned i, covered = 0, at;
	__u8 *copy;

	if (end > t->cfg.max_ooo_bytes)
		return -ENOSPC;	/* too far ahead (or bigger than the whole queue) */
	for (i = 0; i < f->n_ooo; i++) {
		__u32 s = ahead_of(f, f->ooo[i].seq);
		size_t e = (size_t)s + f->ooo[i].len;

		if (s <= start && e >= end)
			return 1;
		if (start <= s && end >= e) {
			covered++;
			freed += f->ooo[i].len;
		}
	}
	if (f->n_ooo - covered >= t->cfg.max_ooo_segments ||
	    f->ooo_bytes - freed + n > t->cfg.max_ooo_bytes ||
	    t->ooo_total_bytes - freed + n > t->cfg.max_ooo_total_bytes)
		return -ENOSPC;
	if (!f->ooo) {
		f->ooo = calloc(t->cfg.max_ooo_segments, sizeof(*f->ooo));
		if (!f->ooo)
			return -ENOSPC;
	}
	copy = malloc(n);
	if (!copy)
		return -ENOSPC;
	memcpy(copy, data, n);
	for (i = f->n_ooo; i-- > 0;) {
		__u32 s = ahead_of(f, f->ooo[i].seq);

		if (start <= s && end >= (size_t)s + f->ooo[i].len)
			free(ooo_take(t, f, i).data);
	}
	for (at = 0; at < f->n_ooo && ahead_of(f, f->ooo[at].seq) < start; at++)
		;
	memmove(&f->ooo[at + 1], &f->ooo[at], (f->n_ooo - at) * sizeof(*f->ooo));
	f->ooo[at] = (struct ooo_seg){ seq, (__u32)n, now_ns, copy };
	f->n_ooo++;
	f->ooo_bytes += n;
	t->ooo_total_bytes += n;
	t->stats.ooo_queued++;
	return 0;
}

/* Takes the queued segments that the stream has now reached, in order. */
static void ooo_drain_ready(struct vfw_tcp *t, struct tcp_flow *f,
			    vfw_payload_fn fn, void *ctx)
{
	while (f->n_ooo && (__s32)ahead_of(f, f->ooo[0].seq) <= 0) {
		struct ooo_seg s = ooo_take(t, f, 0);
		const __u8 *data = s.data;
		size_t n = trim_taken(f, &s.seq, &data, s.len);

		if (n) {
			flow_take(t, f, data, n, fn, ctx);
			t->stats.ooo_delivered++;
		}
		free(s.data);
	}
}

/*
 * The hole before the queue will not be filled (it waited too long, or a
 * bound was reached): report the loss, drop the partial message and take
 * whatever is queued in order, jumping over the holes between -- a message
 * that starts after the first hole is still delivered whole.
 */
static void flow_give_up(struct vfw_tcp *t, struct tcp_flow *f,
			 enum vfw_tcp_loss reason, vfw_payload_fn fn, void *ctx)
{
	flow_report_loss(t, f, reason);
	flow_lose_sync(t, f);
	while (f->n_ooo) {
		if ((__s32)ahead_of(f, f->ooo[0].seq) > 0) {
			flow_lose_sync(t, f);
			f->next_seq = f->ooo[0].seq;
		}
		ooo_drain_ready(t, f, fn, ctx);
	}
}

/* After a FIN, the flow is done once the stream has reached it. */
static int flow_finished(const struct tcp_flow *f)
{
	return f->fin && (__s32)(f->next_seq - f->fin_seq) >= 0;
}

/*
 * Whatever waits for a hole -- the oldest queued segment, or a FIN that
 * arrived ahead of the stream -- waited ooo_timeout_ns: the hole counts as
 * lost. A FIN ends the stream then, so nothing waits for it any longer.
 */
static void flow_check_hole_age(struct vfw_tcp *t, struct tcp_flow *f,
				__u64 now_ns, vfw_payload_fn fn, void *ctx)
{
	__u64 oldest = UINT64_MAX;
	unsigned i;

	for (i = 0; i < f->n_ooo; i++)
		if (f->ooo[i].arrived_ns < oldest)
			oldest = f->ooo[i].arrived_ns;
	if (f->fin && !flow_finished(f) && f->fin_ns < oldest)
		oldest = f->fin_ns;
	if (oldest == UINT64_MAX || now_ns < oldest ||
	    now_ns - oldest < t->cfg.ooo_timeout_ns)
		return;
	t->stats.ooo_timeouts++;
	flow_give_up(t, f, VFW_TCP_LOSS_HOLE, fn, ctx);
	if (f->fin)
		f->next_seq = f->fin_seq;
}

/* One segment's payload [seq, seq + n): in order, behind, or ahead of the stream. */
static void flow_segment(struct vfw_tcp *t, struct tcp_flow *f, __u32 seq,
			 const __u8 *data, size_t n, __u64 now_ns,
			 vfw_payload_fn fn, void *ctx)
{
	int rc;

	if (!f->seq_known) {
		/* Joined mid-stream: this is where the stream starts for us. */
		f->next_seq = seq;
		f->seq_known = 1;
	}
	n = trim_taken(f, &seq, &data, n);
	if (!n)
		return;		/* a pure retransmission */
	if (seq != f->next_seq) {
		rc = ooo_insert(t, f, seq, data, n, now_ns);
		if (rc == 1)
			t->stats.ooo_duplicates++;
		if (rc >= 0)
			return;
		t->stats.ooo_dropped++;
		flow_give_up(t, f, VFW_TCP_LOSS_QUEUE_FULL, fn, ctx);
		n = trim_taken(f, &seq, &data, n);
		if (!n)
			return;
		/* The queue is empty now; only a segment too big for it jumps. */
		if (seq != f->next_seq && ooo_insert(t, f, seq, data, n, now_ns) == 0)
			return;
		if (seq != f->next_seq) {
			flow_lose_sync(t, f);
			f->next_seq = seq;
		}
	}
	flow_take(t, f, data, n, fn, ctx);
	ooo_drain_ready(t, f, fn, ctx);
}

/*
 * The segment's last `missing` bytes, from cut_seq on, were cut off by the
 * capture: when the stream has reached them, they are a hole that no
 * retransmission fills (the sender did send them), so skip it now rather
 * than wait ooo_timeout_ns. A cut segment that was queued out of order
 * waits like any hole.
 */
static void flow_skip_cut(struct vfw_tcp *t, struct tcp_flow *f, __u32 cut_seq,
			  size_t missing, vfw_payload_fn fn, void *ctx)
{
	__s32 into = (__s32)(f->next_seq - cut_seq);

	if (into < 0 || (size_t)into >= missing)
		return;		/* not reached yet, or those bytes are here already */
	flow_report_loss(t, f, VFW_TCP_LOSS_CUT);
	flow_lose_sync(t, f);
	f->next_seq = cut_seq + (__u32)missing;
	ooo_drain_ready(t, f, fn, ctx);
}

static void tcp_feed(struct vfw_tcp *t, const struct vfw_datagram *seg,
		     const struct vfw_tcp_seg *hdr, size_t missing, __u64 now_ns,
		     vfw_payload_fn fn, void *ctx)
{
	__u32 seq = hdr->seq;
	struct tcp_flow *f;

	t->stats.segments++;
	f = flow_get(t, seg);
	if (!f)
		return;
	f->last_ns = now_ns;
	f->id.outbound = seg->outbound;
	if (hdr->flags & VFW_TCP_RST) {
		/* Bytes already queued were on the wire: take what they hold. */
		if (f->n_ooo)
			flow_give_up(t, f, VFW_TCP_LOSS_RESET, fn, ctx);
		flow_clear(t, f);
		return;
	}
	if (hdr->flags & VFW_TCP_SYN) {
		flow_discard_data(t, f);
		ooo_clear(t, f);
		f->synced = 1;
		f->fin = 0;
		seq++;			/* data on a SYN (TCP Fast Open) follows it */
		f->next_seq = seq;
		f->seq_known = 1;
	}
	flow_segment(t, f, seq, seg->payload, seg->len, now_ns, fn, ctx);
	if (missing)
		flow_skip_cut(t, f, seq + (__u32)seg->len, missing, fn, ctx);
	if ((hdr->flags & VFW_TCP_FIN) && !f->fin) {
		/* the first FIN's time, so a resent one cannot prolong the wait */
		f->fin = 1;
		f->fin_seq = seq + (__u32)(seg->len + missing);
		f->fin_ns = now_ns;
	}
	flow_check_hole_age(t, f, now_ns, fn, ctx);
	if (flow_finished(f))
		flow_clear(t, f);
}

void vfw_tcp_feed(struct vfw_tcp *t, const struct vfw_datagram *seg,
		  const struct vfw_tcp_seg *hdr, __u64 now_ns,
		  vfw_payload_fn fn, void *ctx)
{
	tcp_feed(t, seg, hdr, 0, now_ns, fn, ctx);
}

void vfw_tcp_feed_cut(struct vfw_tcp *t, const struct vfw_datagram *seg,
		      const struct vfw_tcp_seg *hdr, size_t missing, __u64 now_ns,
		      vfw_payload_fn fn, void *ctx)
{
	/* An IP packet holds less than 64 KiB: more is no real segment. */
	if (missing > 0xffff)
		missing = 0xffff;
	tcp_feed(t, seg, hdr, missing, now_ns, fn, ctx);
}

void vfw_tcp_expire(struct vfw_tcp *t, __u64 now_ns, vfw_payload_fn fn,
		    void *ctx)
{
	unsigned i;

	for (i = 0; i < t->cfg.max_flows; i++) {
		struct tcp_flow *f = &t->flows[i];

		if (!f->used)
			continue;
		flow_check_hole_age(t, f, now_ns, fn, ctx);
		if (flow_finished(f) ||
		    (now_ns >= f->last_ns && now_ns - f->last_ns >= t->cfg.idle_ns))
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

size_t vfw_tcp_ooo_bytes(const struct vfw_tcp *t)
{
	return t->ooo_total_bytes;
}

const struct vfw_tcp_stats *vfw_tcp_stats(const struct vfw_tcp *t)
{
	return &t->stats;
}
