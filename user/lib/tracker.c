// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Registration and dialog trackers. The design (what opens when, and why)
 * is documented in tracker.h; this file follows it section by section.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "sdp.h"
#include "tracker.h"

#define MAX_FORKS     4   /* dialogs per Call-ID (forked early media / 2xx) */
#define TAG_MAX       64  /* longer tags are compared by their first 64 bytes */
#define HOST_MAX      64
#define DEFAULT_REG_EXPIRES 3600U
#define SENT_MAX      4   /* our latest requests per call, for their responses */

/*
 * Session timers (RFC 4028): a Session-Expires below the RFC's minimum
 * Min-SE is raised to it, one above call_max lowered to call_max. The
 * session ends SE_GRACE after the last refresh: the refresher sends it at
 * half the interval, and the grace covers a refresh still in flight (the
 * other side sends its BYE min(32 s, SE/3) before expiry, RFC 4028 10).
 */
#define SE_MIN_S      90
#define SE_GRACE_NS   (32 * VFW_NS_PER_SEC)
/* The tick re-writes a call's pinholes this long before the kernel would cut them. */
#define REASSERT_MARGIN_NS (2 * VFW_NS_PER_SEC)

/*
 * A provider's servers: the smallest prefix routed on the internet (/24,
 * /48), so a sibling address belongs to the same operator's block. See
 * sender_believed().
 */
#define PEER_NET_BYTES_V4 15  /* ::ffff:a.b.c.0/120, i.e. a.b.c.0/24 */
#define PEER_NET_BYTES_V6 6   /* /48 */

enum side { SIDE_NONE = -1, SIDE_LOCAL = 0, SIDE_REMOTE = 1 };

static enum side opposite(enum side s)
{
	return s == SIDE_LOCAL ? SIDE_REMOTE : SIDE_LOCAL;
}

/* ---- data ----------------------------------------------------------- */

/* One m-line, reduced to what pinholes need. */
struct stream {
	__u8 addr[16];
	__u8 rtcp_addr[16];
	__u16 rtp_port;
	__u16 rtcp_port;    /* 0 = no separate RTCP port */
	__u8 proto;
	__u8 active;        /* port != 0 */
	__u8 has_addr;
	__u8 sends;         /* the side that wrote this SDP sends RTP */
	__u8 receives;      /* ... and wants to receive it */
};

/*
 * A session description, sized to its m-lines: most calls have one or two
 * streams, and a full SDP_MAX_MEDIA array in every slot below was most of
 * a call's memory. Always on the heap; a NULL pointer is "no SDP".
 */
struct desc {
	__u8 n;
	struct stream s[];
};

struct dialog {
	__u8 used;
	__u8 confirmed;
	__u8 tag_len;
	char tag[TAG_MAX];   /* the callee's tag: what tells forks apart */
	struct desc *cur[2];  /* committed, by side */
	struct desc *pend[2]; /* offer in flight, by side */
	__s8 pend_side;      /* enum side of the offerer, SIDE_NONE when idle */
	__s8 txn_offer_side; /* who offered in the current INVITE transaction */
	__u32 txn_cseq;      /* CSeq of that INVITE transaction */
};

struct pinhole {
	__u8 addr[16];
	__u16 port;
	__u8 proto;
	__u8 provisional;
	__u8 held;
	__u8 early;          /* needed by a dialog not answered yet: no idle timeout */
	__u64 idle_ns;
};

/* A request we sent in a call: its response must come from where it went. */
struct sent_req {
	__u8 used;
	__u8 method;         /* enum sip_method */
	__u32 cseq;
	__u8 addr[16];
};

/* A TCP connection a call's signalling used (both ends as seen on the WAN). */
struct tcp_conn {
	__u8 used;
	__u8 local_addr[16], remote_addr[16];
	__u16 local_port, remote_port;
};

/*
 * Allocated when the call starts and freed when it ends, so memory follows
 * the live calls rather than max_calls. Found through the tracker's hash
 * index (hnext chains a bucket) and walked by tick through the live list.
 */
struct call {
	struct call *hnext;
	struct call *prev, *next;
	__u8 confirmed;
	__u8 local_caller;
	__u8 imported;       /* restored from a record, SDP state unknown */
	__u8 answer_maybe_lost; /* a TCP connection it used lost data: see vfw_tracker_tcp_lost */
	__u8 counted_unanswered; /* inbound and unanswered: counted against its source */
	__u8 has_remote_target;
	__u8 proto;
	__u8 warned_public;
	__u8 warned_full;
	__u8 open_cap;       /* room in open[] */
	__u64 hash;
	__u8 peer_addr[16];
	__u64 created_ns;
	__u64 expires_ns;    /* the call ends here: see call_lifetime() */
	__u64 kernel_expires_ns; /* the earliest expiry its pinholes have in the kernel */
	__u32 session_expires_s; /* negotiated session timer, 0 = none */
	__u32 reassert_cseq; /* the request that last wrote all pinholes */
	__u8 reassert_method;
	__s8 reassert_side;  /* its sender, SIDE_NONE when a response did */
	__u32 invite_cseq;
	__s8 offer_side;     /* who offered in the initial INVITE */
	struct desc *offer;
	struct dialog forks[MAX_FORKS];
	struct tcp_conn conns[2]; /* TCP: the INVITE's connection, the last one used */
	__u8 remote_target[16];   /* the remote party's Contact, when an address literal */
	struct sent_req sent[SENT_MAX]; /* ring, oldest overwritten */
	unsigned sent_next;
	unsigned n_open;
	struct pinhole *open; /* grown on demand, at most VFW_CALL_MAX_PINHOLES */
	/* Is our advertised address wrong? See check_local_sdp(). */
	__u8 nat_suspect;    /* enum nat_suspect */
	__u8 media_check;    /* enum media_check */
	__u8 has_sdp_addr;
	__u16 sdp_port;      /* the RTP port of our first active stream */
	__u8 sdp_addr[16];   /* the address our latest SDP advertises */
	__u8 seen_addr[16];  /* the address the registrar / far end saw us as */
	__u64 answered_ns;   /* when the first 2xx was seen, 0 = not yet */
	__u16 id_len;
	char id[];           /* id_len bytes: Call-IDs are mostly far below the max */
};

struct src_count {
	struct src_count *next;
	__u8 addr[16];
	unsigned n;
};

struct reg_txn {
	__u8 used;
	__u8 unregister;
	__u8 has_requested;
	__u8 proto;
	__u64 hash;
	__u32 cseq;
	__u32 requested;
	__u8 registrar[16];
	__u8 contact_host_len;
	char contact_host[HOST_MAX];
	__u16 contact_port;  /* 0 = not given */
	__u64 sent_ns;
};

struct registration {
	__u8 used;
	__u8 proto;
	__u8 warned;
	__u64 hash;
	__u8 registrar[16];
	__u64 expires_ns;
};

struct vfw_tracker {
	struct vfw_tracker_config cfg;
	struct vfw_sink sink;
	/*
	 * Calls: a chained hash index on the call hash plus a list of the live
	 * ones in creation order. The bucket count is fixed at creation from
	 * max_calls, so chains stay short and nothing grows at run time; the
	 * seed keeps a sender of crafted Call-IDs from piling calls into one
	 * bucket (a full 64-bit hash collision still lands together and is told
	 * apart by the Call-ID).
	 */
	struct call **buckets;
	unsigned bucket_bits;
	__u64 seed;
	unsigned n_calls;
	/*
	 * Unanswered inbound calls, in all and per source address (a chained
	 * index like the calls', one entry per address that has any, so at
	 * most max_calls entries).
	 */
	struct src_count **src_buckets;
	unsigned n_unanswered_in;
	__u32 per_source_cap;     /* cfg.max_unanswered_per_source, resolved */
	__u32 outbound_reserve;   /* slots unanswered inbound calls never take */
	struct call *head, *tail;
	unsigned n_txns;
	struct reg_txn *txns;
	struct registration *regs;
	__u8 has_public;
	__u8 public_addr[16];
	struct vfw_tracker_stats stats;
};

/* ---- small helpers -------------------------------------------------- */

void vfw_tracker_config_defaults(struct vfw_tracker_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->reg_grace_ns = 60 * VFW_NS_PER_SEC;
	cfg->max_reg_trust_s = 4 * 3600;
	cfg->reg_txn_timeout_ns = 32 * VFW_NS_PER_SEC;	/* RFC 3261 Timer F */
	cfg->pinhole_idle_ns = 60 * VFW_NS_PER_SEC;
	cfg->call_max_ns = 4 * 3600 * VFW_NS_PER_SEC;
	cfg->setup_timeout_ns = 300 * VFW_NS_PER_SEC;
	cfg->max_calls = 1024;
	cfg->max_registrations = 64;
	cfg->provisional_pinholes = 1;
	cfg->max_unanswered_per_source = 0;	/* max_calls / 4 */
}

__u64 vfw_call_hash(struct sv call_id)
{
	__u64 h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < call_id.len; i++) {
		h ^= (unsigned char)call_id.p[i];
		h *= 0x100000001b3ULL;
	}
	return h ? h : 1;
}

static const char *const event_names[VFW_EV_COUNT] = {
	[VFW_EV_TRUNK_LEARN] = "trunk_learn",
	[VFW_EV_TRUNK_REFRESH] = "trunk_refresh",
	[VFW_EV_TRUNK_EXPIRE] = "trunk_expire",
	[VFW_EV_PINHOLE_OPEN] = "pinhole_open",
	[VFW_EV_PINHOLE_UPDATE] = "pinhole_update",
	[VFW_EV_PINHOLE_CLOSE] = "pinhole_close",
	[VFW_EV_WARNING] = "warning",
};

const char *vfw_event_type_name(enum vfw_event_type type)
{
	if ((unsigned)type >= VFW_EV_COUNT)
		return "unknown";
	return event_names[type];
}

static void copy_call_id(const struct call *c, struct vfw_event *ev)
{
	memcpy(ev->call_id, c->id, c->id_len);
	ev->call_id[c->id_len] = '\0';
	ev->call_hash = c->hash;
}

static void emit(struct vfw_tracker *t, const struct vfw_event *ev)
{
	if (t->sink.event)
		t->sink.event(t->sink.ctx, ev);
}

static void warn(struct vfw_tracker *t, const struct call *c,
		 const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void warn(struct vfw_tracker *t, const struct call *c,
		 const char *reason, const char *fmt, ...)
{
	struct vfw_event ev;
	va_list ap;

	memset(&ev, 0, sizeof(ev));
	ev.type = VFW_EV_WARNING;
	ev.reason = reason;
	if (c)
		copy_call_id(c, &ev);
	va_start(ap, fmt);
	vsnprintf(ev.text, sizeof(ev.text), fmt, ap);
	va_end(ap);
	emit(t, &ev);
}

static void emit_trunk(struct vfw_tracker *t, enum vfw_event_type type,
		       const __u8 addr[16], __u8 proto, __u64 expires_ns,
		       const char *reason)
{
	struct vfw_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	memcpy(ev.addr, addr, 16);
	ev.proto = proto;
	ev.expires_ns = expires_ns;
	ev.reason = reason;
	emit(t, &ev);
}

static void emit_pinhole(struct vfw_tracker *t, const struct call *c,
			 enum vfw_event_type type, const struct pinhole *p,
			 const char *reason)
{
	struct vfw_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	memcpy(ev.addr, p->addr, 16);
	ev.local_port = p->port;
	ev.proto = p->proto;
	ev.provisional = p->provisional;
	ev.expires_ns = c->expires_ns;
	ev.idle_ns = p->idle_ns;
	ev.reason = reason;
	copy_call_id(c, &ev);
	emit(t, &ev);
}

static char *fmt_addr(const __u8 addr[16], char *buf)
{
	return sip_addr_format(addr, buf, SIP_ADDR_STRLEN);
}

/* ---- lifecycle ------------------------------------------------------ */

/*
 * Up to 2^20 buckets (8 MiB of pointers); a max_calls above that only
 * lengthens the chains, it never grows the table.
 */
#define CALL_BUCKET_BITS_MAX 20

static void call_free(struct call *c);

static __u64 tracker_seed(const struct vfw_tracker *t)
{
	__u64 seed = 0;

	/* Without entropy the index still works; it is only less DoS-proof. */
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (__u64)(unsigned long)t * 0x9e3779b97f4a7c15ULL;
	return seed;
}

struct vfw_tracker *vfw_tracker_new(const struct vfw_tracker_config *cfg,
				    struct vfw_sink sink)
{
	struct vfw_tracker *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cfg = *cfg;
	if (t->cfg.max_calls == 0)
		t->cfg.max_calls = 1;
	if (t->cfg.max_registrations == 0)
		t->cfg.max_registrations = 1;
	t->sink = sink;
	t->n_txns = 2 * t->cfg.max_registrations;
	/* load factor <= 1 with max_calls live */
	while (t->bucket_bits < CALL_BUCKET_BITS_MAX &&
	       (1U << t->bucket_bits) < t->cfg.max_calls)
		t->bucket_bits++;
	t->seed = tracker_seed(t);
	t->per_source_cap = t->cfg.max_unanswered_per_source;
	if (t->per_source_cap == 0)
		t->per_source_cap = t->cfg.max_calls / 4 ? t->cfg.max_calls / 4 : 1;
	/* An eighth, at least one slot once there are two. */
	t->outbound_reserve = t->cfg.max_calls / 8;
	if (t->outbound_reserve == 0 && t->cfg.max_calls > 1)
		t->outbound_reserve = 1;
	t->buckets = calloc(1U << t->bucket_bits, sizeof(*t->buckets));
	t->src_buckets = calloc(1U << t->bucket_bits, sizeof(*t->src_buckets));
	t->regs = calloc(t->cfg.max_registrations, sizeof(*t->regs));
	t->txns = calloc(t->n_txns, sizeof(*t->txns));
	if (!t->buckets || !t->src_buckets || !t->regs || !t->txns) {
		vfw_tracker_free(t);
		return NULL;
	}
	return t;
}

void vfw_tracker_free(struct vfw_tracker *t)
{
	struct call *c, *next;
	unsigned i;

	if (!t)
		return;
	for (c = t->head; c; c = next) {
		next = c->next;
		call_free(c);
	}
	if (t->src_buckets) {
		for (i = 0; i < 1U << t->bucket_bits; i++) {
			struct src_count *e, *enext;

			for (e = t->src_buckets[i]; e; e = enext) {
				enext = e->next;
				free(e);
			}
		}
	}
	free(t->src_buckets);
	free(t->buckets);
	free(t->regs);
	free(t->txns);
	free(t);
}

unsigned vfw_tracker_n_calls(const struct vfw_tracker *t)
{
	return t->n_calls;
}

unsigned vfw_tracker_n_registrations(const struct vfw_tracker *t)
{
	unsigned i, n = 0;

	for (i = 0; i < t->cfg.max_registrations; i++)
		n += t->regs[i].used;
	return n;
}

/* ================= registrations ===================================== */

static int reg_addr_live(const struct vfw_tracker *t, const __u8 addr[16],
			 __u64 *max_expires)
{
	unsigned i;
	int live = 0;

	*max_expires = 0;
	for (i = 0; i < t->cfg.max_registrations; i++) {
		const struct registration *r = &t->regs[i];

		if (!r->used || memcmp(r->registrar, addr, 16) != 0)
			continue;
		live = 1;
		if (r->expires_ns > *max_expires)
			*max_expires = r->expires_ns;
	}
	return live;
}

/*
 * Trunk events are per address: compares liveness before and after a
 * change to any registration with that registrar address.
 */
static void trunk_changed(struct vfw_tracker *t, const __u8 addr[16],
			  __u8 proto, int was_live, const char *reason)
{
	__u64 expires;
	int live = reg_addr_live(t, addr, &expires);

	if (!was_live && live)
		emit_trunk(t, VFW_EV_TRUNK_LEARN, addr, proto, expires, reason);
	else if (was_live && live)
		emit_trunk(t, VFW_EV_TRUNK_REFRESH, addr, proto, expires, reason);
	else if (was_live && !live)
		emit_trunk(t, VFW_EV_TRUNK_EXPIRE, addr, proto, 0, reason);
}

static struct registration *reg_find(struct vfw_tracker *t, __u64 hash,
				     const __u8 registrar[16])
{
	unsigned i;

	for (i = 0; i < t->cfg.max_registrations; i++) {
		struct registration *r = &t->regs[i];

		if (r->used && r->hash == hash &&
		    memcmp(r->registrar, registrar, 16) == 0)
			return r;
	}
	return NULL;
}

static void reg_remove(struct vfw_tracker *t, struct registration *r,
		       const char *reason)
{
	__u8 addr[16];
	__u8 proto = r->proto;
	__u64 unused;
	int was = reg_addr_live(t, r->registrar, &unused);

	memcpy(addr, r->registrar, 16);
	memset(r, 0, sizeof(*r));
	trunk_changed(t, addr, proto, was, reason);
}

static struct reg_txn *txn_slot(struct vfw_tracker *t, __u64 hash, __u32 cseq)
{
	struct reg_txn *free_slot = NULL, *oldest = NULL;
	unsigned i;

	for (i = 0; i < t->n_txns; i++) {
		struct reg_txn *x = &t->txns[i];

		if (x->used && x->hash == hash && x->cseq == cseq)
			return x;
		if (!x->used && !free_slot)
			free_slot = x;
		if (x->used && (!oldest || x->sent_ns < oldest->sent_ns))
			oldest = x;
	}
	/* Full: the oldest transaction is the least likely to be answered. */
	return free_slot ? free_slot : oldest;
}

static struct reg_txn *txn_find(struct vfw_tracker *t, __u64 hash, __u32 cseq)
{
	unsigned i;

	for (i = 0; i < t->n_txns; i++)
		if (t->txns[i].used && t->txns[i].hash == hash &&
		    t->txns[i].cseq == cseq)
			return &t->txns[i];
	return NULL;
}

/* What the REGISTER asked for: first Contact's expires param, else Expires. */
static void register_requested(const struct sip_msg *m, struct reg_txn *x)
{
	if (m->n_contacts && m->contacts[0].has_expires) {
		x->has_requested = 1;
		x->requested = m->contacts[0].expires;
	} else if (m->has_expires) {
		x->has_requested = 1;
		x->requested = m->expires;
	}
	x->unregister = m->contact_star || (x->has_requested && x->requested == 0);
}

static void on_register_request(struct vfw_tracker *t,
				const struct vfw_sip_obs *obs)
{
	const struct sip_msg *m = obs->msg;
	__u64 hash = vfw_call_hash(m->call_id);
	struct reg_txn *x = txn_slot(t, hash, m->cseq);

	if (!x)
		return;
	memset(x, 0, sizeof(*x));
	x->used = 1;
	x->hash = hash;
	x->cseq = m->cseq;
	x->proto = obs->proto;
	x->sent_ns = obs->now_ns;
	memcpy(x->registrar, obs->remote_addr, 16);
	register_requested(m, x);
	if (m->n_contacts && m->contacts[0].uri.host.len &&
	    m->contacts[0].uri.host.len <= HOST_MAX) {
		x->contact_host_len = (__u8)m->contacts[0].uri.host.len;
		memcpy(x->contact_host, m->contacts[0].uri.host.p, x->contact_host_len);
		x->contact_port = m->contacts[0].uri.port;
	}
}

static int contact_is_ours(const struct reg_txn *x, const struct sip_addr *c)
{
	return x->contact_host_len &&
	       sv_casecmp_eq(c->uri.host, sv_make(x->contact_host, x->contact_host_len)) &&
	       c->uri.port == x->contact_port;
}

/* The expiry the registrar granted (RFC 3261 10.2.4), in seconds. */
static __u32 registrar_expires(const struct sip_msg *m, const struct reg_txn *x)
{
	unsigned i, with_expires = 0;
	const struct sip_addr *only = NULL;

	for (i = 0; i < m->n_contacts; i++) {
		if (!m->contacts[i].has_expires)
			continue;
		if (contact_is_ours(x, &m->contacts[i]))
			return m->contacts[i].expires;
		with_expires++;
		only = &m->contacts[i];
	}
	/* A registrar that rewrote our Contact (NAT fixing) still lists one binding. */
	if (with_expires == 1)
		return only->expires;
	if (m->has_expires)
		return m->expires;
	if (x->has_requested)
		return x->requested;
	return DEFAULT_REG_EXPIRES;
}

/*
 * How long the registrar is trusted: what it granted, but never more than
 * our system asked for (a registrar may shorten, not lengthen, RFC 3261
 * 10.2.1) nor than max_reg_trust_s; the registrar is a peer on the
 * internet, and an Expires of 2^32-1 must not mean 136 years of trust.
 */
static __u32 granted_expires(const struct vfw_tracker *t, const struct sip_msg *m,
			     const struct reg_txn *x)
{
	__u32 granted = registrar_expires(m, x);

	if (x->has_requested && x->requested && granted > x->requested)
		granted = x->requested;
	if (t->cfg.max_reg_trust_s && granted > t->cfg.max_reg_trust_s)
		granted = t->cfg.max_reg_trust_s;
	return granted;
}

/*
 * The top Via of a response to our REGISTER is the one our system added;
 * received= / rport= say where the registrar saw it come from, i.e. our
 * public address. Warns when the Contact we advertised differs.
 */
static void check_public_address(struct vfw_tracker *t, const struct sip_msg *m,
				 const struct reg_txn *x, struct registration *r)
{
	const struct sip_via *via;
	__u8 pub[16], contact[16];
	__u16 pub_port, contact_port;
	char a[SIP_ADDR_STRLEN], b[SIP_ADDR_STRLEN];

	if (m->n_vias == 0)
		return;
	via = &m->vias[0];
	if (sip_host_to_addr(via->received.len ? via->received : via->host, pub) != 0)
		return;
	memcpy(t->public_addr, pub, 16);
	t->has_public = 1;

	if (r->warned || sip_host_to_addr(sv_make(x->contact_host, x->contact_host_len),
					  contact) != 0)
		return;
	pub_port = via->rport ? via->rport : (via->port ? via->port : 5060);
	contact_port = x->contact_port ? x->contact_port : 5060;
	if (memcmp(pub, contact, 16) == 0 && pub_port == contact_port)
		return;
	r->warned = 1;
	warn(t, NULL, "contact differs from public address",
	     "registrar %s sees us as %s:%u but our Contact advertises %.*s:%u "
	     "(NAT not rewritten: expect one-way or no audio)",
	     fmt_addr(r->registrar, a), fmt_addr(pub, b), pub_port,
	     (int)x->contact_host_len, x->contact_host, contact_port);
}

static struct registration *reg_create(struct vfw_tracker *t, __u64 hash,
				       const struct reg_txn *x)
{
	unsigned i;

	for (i = 0; i < t->cfg.max_registrations; i++) {
		struct registration *r = &t->regs[i];

		if (r->used)
			continue;
		memset(r, 0, sizeof(*r));
		r->used = 1;
		r->hash = hash;
		r->proto = x->proto;
		memcpy(r->registrar, x->registrar, 16);
		return r;
	}
	return NULL;
}

static void on_register_2xx(struct vfw_tracker *t, const struct vfw_sip_obs *obs,
			    const struct reg_txn *x)
{
	const struct sip_msg *m = obs->msg;
	struct registration *r = reg_find(t, x->hash, x->registrar);
	__u32 granted = granted_expires(t, m, x);
	__u64 unused;
	int was;

	if (x->unregister || granted == 0) {
		if (r)
			reg_remove(t, r, x->unregister ? "unregistered" :
				   "registrar granted 0 s");
		return;
	}
	was = reg_addr_live(t, x->registrar, &unused);
	if (!r) {
		r = reg_create(t, x->hash, x);
		if (!r) {
			char a[SIP_ADDR_STRLEN];

			warn(t, NULL, "registration table full",
			     "registration with %s not tracked: %u registrations already",
			     fmt_addr(x->registrar, a), t->cfg.max_registrations);
			return;
		}
	}
	r->expires_ns = obs->now_ns + (__u64)granted * VFW_NS_PER_SEC +
			t->cfg.reg_grace_ns;
	trunk_changed(t, x->registrar, x->proto, was, "registered");
	check_public_address(t, m, x, r);
}

static void on_register_response(struct vfw_tracker *t,
				 const struct vfw_sip_obs *obs)
{
	const struct sip_msg *m = obs->msg;
	__u64 hash = vfw_call_hash(m->call_id);
	struct reg_txn *x = txn_find(t, hash, m->cseq);
	struct reg_txn copy;
	struct registration *r;
	char a[SIP_ADDR_STRLEN];

	if (!x || m->status < 200)
		return;
	copy = *x;
	memset(x, 0, sizeof(*x));	/* final response: the transaction is over */

	if (m->status < 300) {
		on_register_2xx(t, obs, &copy);
		return;
	}
	if (m->status == 401 || m->status == 407)
		return;	/* challenge: the UA retries with credentials */
	r = reg_find(t, copy.hash, copy.registrar);
	if (r) {
		reg_remove(t, r, "registration rejected");
		return;
	}
	warn(t, NULL, "registration rejected", "registration with %s failed: %u %.*s",
	     fmt_addr(copy.registrar, a), m->status, (int)(m->reason.len > 64 ? 64 : m->reason.len),
	     m->reason.p ? m->reason.p : "");
}

static void handle_register(struct vfw_tracker *t, const struct vfw_sip_obs *obs)
{
	/* Only our system registering with the internet matters. */
	if (obs->msg->is_request && obs->outbound)
		on_register_request(t, obs);
	else if (!obs->msg->is_request && !obs->outbound)
		on_register_response(t, obs);
}

/* ================= calls ============================================= */

/*
 * The Call-ID hash is FNV-1a of attacker-chosen text: its low bits alone
 * would let a sender aim at a bucket. Mixing in the secret seed
 * (splitmix64's finaliser) leaves only full 64-bit collisions in common.
 */
static unsigned bucket_index(const struct vfw_tracker *t, __u64 hash)
{
	__u64 x = hash ^ t->seed;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return t->bucket_bits ? (unsigned)(x >> (64 - t->bucket_bits)) : 0;
}

static struct call **call_bucket(const struct vfw_tracker *t, __u64 hash)
{
	return &t->buckets[bucket_index(t, hash)];
}

/* ---- unanswered inbound calls per source ------------------------------ */

static struct src_count **src_bucket(const struct vfw_tracker *t, const __u8 addr[16])
{
	__u64 h = 0xcbf29ce484222325ULL;
	unsigned i;

	for (i = 0; i < 16; i++) {
		h ^= addr[i];
		h *= 0x100000001b3ULL;
	}
	return &t->src_buckets[bucket_index(t, h)];
}

static struct src_count *src_find(const struct vfw_tracker *t, const __u8 addr[16])
{
	struct src_count *e;

	for (e = *src_bucket(t, addr); e; e = e->next)
		if (!memcmp(e->addr, addr, 16))
			return e;
	return NULL;
}

static unsigned src_unanswered(const struct vfw_tracker *t, const __u8 addr[16])
{
	const struct src_count *e = src_find(t, addr);

	return e ? e->n : 0;
}

/* Counts c against its source (the peer that sent its INVITE). 0 or -ENOMEM. */
static int unanswered_add(struct vfw_tracker *t, struct call *c)
{
	struct src_count *e = src_find(t, c->peer_addr);

	if (!e) {
		struct src_count **b = src_bucket(t, c->peer_addr);

		e = calloc(1, sizeof(*e));
		if (!e)
			return -ENOMEM;
		memcpy(e->addr, c->peer_addr, 16);
		e->next = *b;
		*b = e;
	}
	e->n++;
	t->n_unanswered_in++;
	c->counted_unanswered = 1;
	return 0;
}

/* c was answered (or taken as answered) or ends: it no longer counts. */
static void unanswered_release(struct vfw_tracker *t, struct call *c)
{
	struct src_count **pp, *e;

	if (!c->counted_unanswered)
		return;
	c->counted_unanswered = 0;
	t->n_unanswered_in--;
	for (pp = src_bucket(t, c->peer_addr); (e = *pp) != NULL; pp = &e->next) {
		if (memcmp(e->addr, c->peer_addr, 16))
			continue;
		if (--e->n == 0) {
			*pp = e->next;
			free(e);
		}
		return;
	}
}

static void call_answered(struct vfw_tracker *t, struct call *c)
{
	c->confirmed = 1;
	unanswered_release(t, c);
}

/*
 * Why a new inbound call from src is refused, or NULL. A source may keep
 * only per_source_cap calls ringing at once, so a peer that relays a flood
 * of INVITEs cannot take the table from the others; and all unanswered
 * inbound calls together leave outbound_reserve slots free, so our own
 * calls can still be set up while inbound ones are at their caps.
 */
static const char *inbound_refusal(struct vfw_tracker *t, const __u8 src[16])
{
	if (src_unanswered(t, src) >= t->per_source_cap) {
		t->stats.refused_per_source++;
		return "unanswered calls per source";
	}
	if (t->n_unanswered_in + t->outbound_reserve >= t->cfg.max_calls) {
		t->stats.refused_inbound_share++;
		return "unanswered inbound calls";
	}
	return NULL;
}

static struct call *call_find(struct vfw_tracker *t, struct sv call_id)
{
	__u64 hash = vfw_call_hash(call_id);
	size_t n = call_id.len < VFW_CALL_ID_MAX ? call_id.len : VFW_CALL_ID_MAX;
	struct call *c;

	for (c = *call_bucket(t, hash); c; c = c->hnext)
		if (c->hash == hash && c->id_len == n &&
		    memcmp(c->id, call_id.p, n) == 0)
			return c;
	return NULL;
}

/*
 * By hash alone (restart records). Chains keep insertion order, so with
 * two Call-IDs of one hash this is the older call, as the slot scan was.
 */
static struct call *call_find_hash(const struct vfw_tracker *t, __u64 hash)
{
	struct call *c;

	for (c = *call_bucket(t, hash); c; c = c->hnext)
		if (c->hash == hash)
			return c;
	return NULL;
}

/*
 * A new call with c->hash set: linked at the tail of its bucket and of the
 * live list, so both keep creation order (tick walks calls oldest first,
 * as it walked the slots of the old fixed table).
 */
static void call_link(struct vfw_tracker *t, struct call *c)
{
	struct call **pp = call_bucket(t, c->hash);

	while (*pp)
		pp = &(*pp)->hnext;
	*pp = c;
	c->prev = t->tail;
	if (t->tail)
		t->tail->next = c;
	else
		t->head = c;
	t->tail = c;
	t->n_calls++;
}

static void call_unlink(struct vfw_tracker *t, struct call *c)
{
	struct call **pp = call_bucket(t, c->hash);

	while (*pp != c)
		pp = &(*pp)->hnext;
	*pp = c->hnext;
	if (c->prev)
		c->prev->next = c->next;
	else
		t->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		t->tail = c->prev;
	t->n_calls--;
}

/* NULL when the table is at max_calls or memory is short; the caller says which. */
static struct call *call_alloc(struct vfw_tracker *t, size_t id_len)
{
	struct call *c;

	if (t->n_calls >= t->cfg.max_calls)
		return NULL;
	c = calloc(1, sizeof(*c) + id_len);
	if (c) {
		c->offer_side = SIDE_NONE;
		c->reassert_side = SIDE_NONE;
		c->id_len = (__u16)id_len;
	}
	return c;
}

/*
 * Room for n open pinholes. Most calls need two (RTP and RTCP), a few
 * four for a while (provisional plus answered), so the array starts small
 * and doubles up to the per-call cap instead of always holding the cap.
 */
static int open_reserve(struct call *c, unsigned n)
{
	unsigned cap = c->open_cap ? c->open_cap : 2;
	struct pinhole *p;

	if (n <= c->open_cap)
		return 0;
	while (cap < n)
		cap *= 2;
	if (cap > VFW_CALL_MAX_PINHOLES)
		cap = VFW_CALL_MAX_PINHOLES;
	p = realloc(c->open, cap * sizeof(*p));
	if (!p)
		return -1;
	c->open = p;
	c->open_cap = (__u8)cap;
	return 0;
}

/* Remembers the TCP connection obs came over (nothing for UDP). */
static void conn_note(struct tcp_conn *conn, const struct vfw_sip_obs *obs)
{
	if (obs->proto != IPPROTO_TCP)
		return;
	conn->used = 1;
	memcpy(conn->local_addr, obs->local_addr, 16);
	memcpy(conn->remote_addr, obs->remote_addr, 16);
	conn->local_port = obs->local_port;
	conn->remote_port = obs->remote_port;
}

/* The connection between a:pa and b:pb, whichever end is ours. */
static int conn_is(const struct tcp_conn *conn, const __u8 a[16], __u16 pa,
		   const __u8 b[16], __u16 pb)
{
	if (!conn->used)
		return 0;
	return (conn->local_port == pa && conn->remote_port == pb &&
		!memcmp(conn->local_addr, a, 16) && !memcmp(conn->remote_addr, b, 16)) ||
	       (conn->local_port == pb && conn->remote_port == pa &&
		!memcmp(conn->local_addr, b, 16) && !memcmp(conn->remote_addr, a, 16));
}

/*
 * How long a call lives past its latest in-dialog message: the session
 * interval when session timers are in use, else call_max. It is a bound
 * for a call whose BYE was lost; media that flows stretches it (without
 * session timers) through vfw_tracker_media_flowing().
 */
static __u64 call_lifetime(const struct vfw_tracker *t, const struct call *c)
{
	if (c->session_expires_s)
		return (__u64)c->session_expires_s * VFW_NS_PER_SEC + SE_GRACE_NS;
	return t->cfg.call_max_ns;
}

/* A hostile Session-Expires, bounded to [SE_MIN_S, call_max] (see above). */
static __u32 session_interval(const struct vfw_tracker *t, __u32 se)
{
	__u64 max_s = t->cfg.call_max_ns / VFW_NS_PER_SEC;

	if (se < SE_MIN_S)
		se = SE_MIN_S;
	if (se > max_s)
		se = (__u32)(max_s > SE_MIN_S ? max_s : SE_MIN_S);
	return se;
}

static struct call *call_create(struct vfw_tracker *t, const struct vfw_sip_obs *obs)
{
	const struct sip_msg *m = obs->msg;
	const char *refused = obs->outbound ? NULL : inbound_refusal(t, obs->remote_addr);
	struct call *c;

	if (refused) {
		char a[SIP_ADDR_STRLEN];

		warn(t, NULL, refused,
		     "call %.*s from %s not tracked: %u unanswered from it, %u in all "
		     "(at most %u per source, %u in all), no pinholes will open",
		     (int)(m->call_id.len > 80 ? 80 : m->call_id.len), m->call_id.p,
		     fmt_addr(obs->remote_addr, a), src_unanswered(t, obs->remote_addr),
		     t->n_unanswered_in, t->per_source_cap,
		     t->cfg.max_calls - t->outbound_reserve);
		return NULL;
	}
	c = call_alloc(t, m->call_id.len < VFW_CALL_ID_MAX ?
		       m->call_id.len : VFW_CALL_ID_MAX);
	if (!c) {
		if (t->n_calls < t->cfg.max_calls) {
			warn(t, NULL, "out of memory",
			     "call %.*s not tracked: out of memory, no pinholes will open",
			     (int)(m->call_id.len > 80 ? 80 : m->call_id.len), m->call_id.p);
			return NULL;
		}
		t->stats.refused_table_full++;
		warn(t, NULL, "call table full",
		     "call %.*s not tracked: %u calls already, no pinholes will open",
		     (int)(m->call_id.len > 80 ? 80 : m->call_id.len), m->call_id.p,
		     t->cfg.max_calls);
		return NULL;
	}
	c->hash = vfw_call_hash(m->call_id);
	memcpy(c->id, m->call_id.p, c->id_len);
	c->local_caller = obs->outbound ? 1 : 0;
	c->proto = obs->proto;
	memcpy(c->peer_addr, obs->remote_addr, 16);
	c->created_ns = obs->now_ns;
	c->expires_ns = obs->now_ns + t->cfg.call_max_ns;
	c->kernel_expires_ns = c->expires_ns;
	c->invite_cseq = m->cseq;
	conn_note(&c->conns[0], obs);
	if (!obs->outbound && unanswered_add(t, c) != 0) {
		warn(t, NULL, "out of memory",
		     "call %.*s not tracked: out of memory, no pinholes will open",
		     (int)(m->call_id.len > 80 ? 80 : m->call_id.len), m->call_id.p);
		call_free(c);
		return NULL;
	}
	call_link(t, c);
	return c;
}

/* ---- SDP -> desc ---------------------------------------------------- */

static void stream_from_media(const struct sdp_media *m, struct stream *s)
{
	memset(s, 0, sizeof(*s));
	s->active = !m->rejected;
	s->rtp_port = m->rtp_port;
	s->rtcp_port = m->rtcp_port;
	s->proto = sv_case_starts(m->proto, "TCP") ? IPPROTO_TCP : IPPROTO_UDP;
	s->has_addr = m->has_addr;
	if (m->has_addr) {
		memcpy(s->addr, m->addr, 16);
		memcpy(s->rtcp_addr, m->addr, 16);
	}
	if (m->rtcp_conn.present && m->rtcp_conn.resolved && !m->rtcp_conn.is_null)
		memcpy(s->rtcp_addr, m->rtcp_conn.addr, 16);
	s->sends = (__u8)sdp_direction_sends(m->direction);
	s->receives = (__u8)sdp_direction_receives(m->direction);
	/* RFC 2543 hold: c=0.0.0.0 means "don't send to me". */
	if (m->conn.present && m->conn.is_null)
		s->receives = 0;
}

static struct desc *desc_alloc(unsigned n)
{
	struct desc *d = malloc(sizeof(*d) + n * sizeof(d->s[0]));

	if (d)
		d->n = (__u8)n;
	return d;
}

static struct desc *desc_dup(const struct desc *d)
{
	struct desc *copy = desc_alloc(d->n);

	if (copy)
		memcpy(copy->s, d->s, d->n * sizeof(d->s[0]));
	return copy;
}

/* Frees *d and forgets it. */
static void desc_put(struct desc **d)
{
	free(*d);
	*d = NULL;
}

/* Replaces *slot with d (taking it over). */
static void desc_set(struct desc **slot, struct desc *d)
{
	free(*slot);
	*slot = d;
}

/*
 * A new heap desc, or NULL (with a WARNING) when the SDP is unusable or
 * memory is short: either way the message is handled as if it had none.
 */
static struct desc *desc_from_msg(struct vfw_tracker *t, const struct call *c,
				  const struct sip_msg *m)
{
	struct sdp_session s;
	enum sdp_error err = sdp_parse(m->sdp.p, m->sdp.len, &s);
	struct desc *d;
	unsigned i;

	if (err != SDP_OK) {
		warn(t, c, "bad SDP", "ignoring SDP in %s: %s",
		     m->is_request ? sip_method_name(m->method) : "response",
		     sdp_strerror(err));
		return NULL;
	}
	d = desc_alloc(s.n_media);
	if (!d) {
		warn(t, c, "out of memory", "ignoring SDP in %s: out of memory",
		     m->is_request ? sip_method_name(m->method) : "response");
		return NULL;
	}
	for (i = 0; i < s.n_media; i++)
		stream_from_media(&s.media[i], &d->s[i]);
	return d;
}

/*
 * A remote re-offer with c=0.0.0.0 (old-style hold) names no address; the
 * stream keeps the address it had so its pinholes survive the hold.
 */
static void inherit_hold_addresses(struct desc *d, const struct desc *old)
{
	unsigned i;

	if (!old)
		return;
	for (i = 0; i < d->n && i < old->n; i++) {
		struct stream *s = &d->s[i];

		if (!s->active || s->has_addr || !old->s[i].has_addr)
			continue;
		memcpy(s->addr, old->s[i].addr, 16);
		memcpy(s->rtcp_addr, old->s[i].rtcp_addr, 16);
		s->has_addr = 1;
		s->sends = 0;
	}
}

/*
 * == Our advertised address: warned about only with evidence ==
 * Our SDP advertising another address than the registrar sees us as (or
 * than the far end saw our INVITE come from, by the 2xx's Via received /
 * rport) is the classic cause of one-way audio -- but only a suspicion: a
 * NAT-fixing proxy with a media relay (an ISP's SBC, rtpproxy) rewrites
 * the SDP and the audio flows. Warning on the mismatch alone cried wolf
 * on every such call and taught users to ignore the warning. So a
 * mismatch only marks the call; VFW_MEDIA_CHECK_NS after the answer the
 * daemon is asked (vfw_tracker_media_due) whether any of the far end's
 * media reached the call's pinholes, and only vfw_tracker_media_missing
 * warns, once per call, naming both the evidence and the mismatch.
 */
enum nat_suspect {
	NAT_NONE = 0,
	NAT_REGISTRAR,       /* SDP c= differs from the registrar's received= */
	NAT_VIA,             /* ... from the received/rport of our INVITE's 2xx */
};

enum media_check {
	MEDIA_UNASKED = 0,
	MEDIA_ASKED,         /* handed to the daemon, verdict pending */
	MEDIA_DONE,          /* verdict given, or nothing to check */
};

/* Remembers what our SDP advertises and whether the registrar disagrees. */
static void check_local_sdp(struct vfw_tracker *t, struct call *c,
			    const struct desc *d)
{
	unsigned i;

	for (i = 0; i < d->n; i++) {
		if (!d->s[i].active || !d->s[i].has_addr)
			continue;
		/* a re-offer from a fixed address clears a registrar suspicion */
		memcpy(c->sdp_addr, d->s[i].addr, 16);
		c->sdp_port = d->s[i].rtp_port;
		c->has_sdp_addr = 1;
		if (c->nat_suspect == NAT_REGISTRAR)
			c->nat_suspect = NAT_NONE;
		if (!t->has_public || memcmp(d->s[i].addr, t->public_addr, 16) == 0)
			continue;
		c->nat_suspect = NAT_REGISTRAR;
		memcpy(c->seen_addr, t->public_addr, 16);
		return;
	}
}

/*
 * The 2xx to our INVITE: its top Via is ours, and received= / rport= say
 * where the far end saw it come from. A difference from what we wrote is
 * a NAT between us and the far end; our SDP advertising another address
 * than the one seen is then suspect (when the registrar has not already
 * said so).
 */
static void check_invite_via(struct call *c, const struct sip_msg *m)
{
	const struct sip_via *via = &m->vias[0];
	__u8 sent[16], seen[16];
	__u16 sent_port = via->port ? via->port : 5060;
	int sent_is_addr, moved = 0;

	if (m->n_vias == 0 || !c->has_sdp_addr || c->nat_suspect != NAT_NONE)
		return;
	/* a name as sent-by: only received= can tell where we are */
	sent_is_addr = sip_host_to_addr(via->host, sent) == 0;
	if (via->received.len && sip_host_to_addr(via->received, seen) == 0)
		moved = !sent_is_addr || memcmp(seen, sent, 16) != 0;
	else if (sent_is_addr)
		memcpy(seen, sent, 16);
	else
		return;
	if (via->rport && via->rport != sent_port)
		moved = 1;
	if (!moved || memcmp(c->sdp_addr, seen, 16) == 0)
		return;
	c->nat_suspect = NAT_VIA;
	memcpy(c->seen_addr, seen, 16);
}

/*
 * After every message of a call: the answer time (the media clock starts
 * there), and the Via of the 2xx to our own INVITE.
 */
static void check_answer(struct call *c, const struct vfw_sip_obs *obs)
{
	const struct sip_msg *m = obs->msg;

	if (!obs->outbound && !m->is_request && m->status >= 200 &&
	    m->status < 300 && m->cseq_method == SIP_INVITE && c->local_caller &&
	    m->cseq == c->invite_cseq)
		check_invite_via(c, m);
	if (c->confirmed && !c->answered_ns)
		c->answered_ns = obs->now_ns ? obs->now_ns : 1;
}

/* The far end is expected to send RTP: some pinhole of the call is not on hold. */
static int media_expected(const struct call *c)
{
	unsigned i;

	for (i = 0; i < c->n_open; i++)
		if (!c->open[i].held)
			return 1;
	return 0;
}

unsigned vfw_tracker_media_due(struct vfw_tracker *t, __u64 now_ns,
			       __u64 *call_hashes, unsigned max)
{
	struct call *c;
	unsigned n = 0;

	for (c = t->head; c && n < max; c = c->next) {
		if (c->nat_suspect == NAT_NONE || c->media_check != MEDIA_UNASKED ||
		    !c->answered_ns || c->warned_public || now_ns < c->answered_ns ||
		    now_ns - c->answered_ns < VFW_MEDIA_CHECK_NS)
			continue;
		if (!media_expected(c)) {
			/* on hold from the start: silence is no evidence */
			c->media_check = MEDIA_DONE;
			continue;
		}
		c->media_check = MEDIA_ASKED;
		call_hashes[n++] = c->hash;
	}
	return n;
}

void vfw_tracker_media_seen(struct vfw_tracker *t, __u64 call_hash)
{
	struct call *c = call_find_hash(t, call_hash);

	if (c && c->media_check == MEDIA_ASKED)
		c->media_check = MEDIA_DONE;
}

void vfw_tracker_media_missing(struct vfw_tracker *t, __u64 call_hash)
{
	struct call *c = call_find_hash(t, call_hash);
	char a[SIP_ADDR_STRLEN], b[SIP_ADDR_STRLEN];
	unsigned secs = (unsigned)(VFW_MEDIA_CHECK_NS / VFW_NS_PER_SEC);

	if (!c || c->media_check != MEDIA_ASKED)
		return;
	c->media_check = MEDIA_DONE;
	if (c->warned_public)
		return;
	c->warned_public = 1;
	fmt_addr(c->sdp_addr, a);
	fmt_addr(c->seen_addr, b);
	/* two IPv6 addresses at full length still fit VFW_EVENT_TEXT_MAX */
	if (c->nat_suspect == NAT_VIA)
		warn(t, c, "SDP address differs from Via received",
		     "no RTP from the far end reached port %u within %u s of the "
		     "answer; our SDP advertises %s but the far end sees us as %s "
		     "(Via)", c->sdp_port, secs, a, b);
	else
		warn(t, c, "SDP address differs from public address",
		     "no RTP from the far end reached port %u within %u s of the "
		     "answer; our SDP advertises %s but the registrar sees us as %s",
		     c->sdp_port, secs, a, b);
}

/* ---- offer/answer inside a dialog ----------------------------------- */

enum sdp_role { ROLE_OFFER, ROLE_ANSWER, ROLE_EITHER };

static void pend_clear(struct dialog *d)
{
	desc_put(&d->pend[SIDE_LOCAL]);
	desc_put(&d->pend[SIDE_REMOTE]);
}

static void dialog_clear(struct dialog *d)
{
	desc_put(&d->cur[SIDE_LOCAL]);
	desc_put(&d->cur[SIDE_REMOTE]);
	pend_clear(d);
	memset(d, 0, sizeof(*d));
}

static int desc_eq(const struct desc *a, const struct desc *b)
{
	return a && b && a->n == b->n && !memcmp(a->s, b->s, a->n * sizeof(a->s[0]));
}

/*
 * Takes over *sdp (sets it to NULL): each message's SDP lands in one place.
 * Returns 1 when an offer/answer completed: an offer in flight answered, or
 * an answer that differs from the one before (18x then 2xx with new SDP);
 * a retransmitted answer returns 0.
 */
static int apply_sdp(struct dialog *d, enum side sender, struct desc **sdp,
		     enum sdp_role role)
{
	struct desc *copy = *sdp;
	int done;

	*sdp = NULL;
	if (sender == SIDE_REMOTE)
		inherit_hold_addresses(copy, d->cur[SIDE_REMOTE]);
	if (role == ROLE_EITHER)
		role = d->pend_side == opposite(sender) ? ROLE_ANSWER : ROLE_OFFER;

	if (role == ROLE_OFFER) {
		desc_set(&d->pend[sender], copy);
		desc_put(&d->pend[opposite(sender)]);
		d->pend_side = (__s8)sender;
		return 0;
	}
	done = d->pend_side == opposite(sender) || !desc_eq(copy, d->cur[sender]);
	if (d->pend_side == opposite(sender)) {
		desc_set(&d->cur[opposite(sender)], d->pend[opposite(sender)]);
		d->pend[opposite(sender)] = NULL;
		pend_clear(d);
		d->pend_side = SIDE_NONE;
	}
	/* an answer, or a repeated/updated answer (18x then 2xx) */
	desc_set(&d->cur[sender], copy);
	return done;
}

static struct dialog *dialog_find(struct call *c, struct sv tag)
{
	size_t n = tag.len < TAG_MAX ? tag.len : TAG_MAX;
	unsigned i;

	if (tag.len == 0)
		return NULL;
	for (i = 0; i < MAX_FORKS; i++) {
		struct dialog *d = &c->forks[i];

		if (d->used && d->tag_len == n && memcmp(d->tag, tag.p, n) == 0)
			return d;
	}
	return NULL;
}

/* A new dialog inherits the initial INVITE's offer as its offer in flight. */
static struct dialog *dialog_get(struct vfw_tracker *t, struct call *c,
				 struct sv tag)
{
	struct dialog *d = dialog_find(c, tag);
	unsigned i;

	if (d || tag.len == 0)
		return d;
	for (i = 0; i < MAX_FORKS; i++) {
		struct desc *offer = NULL;

		d = &c->forks[i];
		if (d->used)
			continue;
		if (c->offer_side != SIDE_NONE) {
			offer = desc_dup(c->offer);
			if (!offer) {
				warn(t, c, "out of memory", "ignoring fork %.*s: out of memory",
				     (int)(tag.len > 64 ? 64 : tag.len), tag.p);
				return NULL;
			}
		}
		memset(d, 0, sizeof(*d));
		d->used = 1;
		d->tag_len = (__u8)(tag.len < TAG_MAX ? tag.len : TAG_MAX);
		memcpy(d->tag, tag.p, d->tag_len);
		d->pend_side = SIDE_NONE;
		d->txn_cseq = c->invite_cseq;
		d->txn_offer_side = c->offer_side;
		if (offer) {
			d->pend[c->offer_side] = offer;
			d->pend_side = c->offer_side;
		}
		return d;
	}
	warn(t, c, "too many forks", "more than %d dialogs for one call; ignoring fork %.*s",
	     MAX_FORKS, (int)(tag.len > 64 ? 64 : tag.len), tag.p);
	return NULL;
}

static unsigned dialogs_confirmed(const struct call *c)
{
	unsigned i, n = 0;

	for (i = 0; i < MAX_FORKS; i++)
		n += c->forks[i].used && c->forks[i].confirmed;
	return n;
}

static unsigned dialogs_used(const struct call *c)
{
	unsigned i, n = 0;

	for (i = 0; i < MAX_FORKS; i++)
		n += c->forks[i].used;
	return n;
}

/* ---- desired pinholes and reconciliation ------------------------------ */

struct pinhole_set {
	unsigned n;
	int overflow;
	struct pinhole p[VFW_CALL_MAX_PINHOLES];
};

static int pinhole_same_key(const struct pinhole *a, const struct pinhole *b)
{
	return a->port == b->port && a->proto == b->proto &&
	       memcmp(a->addr, b->addr, 16) == 0;
}

static void set_add(struct pinhole_set *set, const struct pinhole *p)
{
	unsigned i;

	for (i = 0; i < set->n; i++) {
		struct pinhole *q = &set->p[i];

		if (!pinhole_same_key(q, p))
			continue;
		/*
		 * Needed for real by anyone -> not provisional. The idle
		 * timeout applies as soon as anyone expects media on it
		 * (answered, remote sends): held or early only if all
		 * agree. That media keeps the pinhole alive for the others,
		 * and a stale early fork cannot disable the idle timeout of
		 * an answered call.
		 */
		q->provisional = q->provisional && p->provisional;
		q->held = q->held && p->held;
		q->early = q->early && p->early;
		if (p->idle_ns > q->idle_ns)
			q->idle_ns = p->idle_ns;
		return;
	}
	if (set->n == VFW_CALL_MAX_PINHOLES) {
		set->overflow = 1;
		return;
	}
	set->p[set->n++] = *p;
}

/*
 * The kernel's idle timeout only makes sense while media is expected:
 * not during a hold, and not before the answer -- a call may ring (early
 * media or provisional pinholes, no RTP) for longer than the timeout, and
 * the pinholes must still be there when the callee picks up. Before the
 * answer, setup_timeout_ns and the hard cap bound them instead.
 */
static __u64 pinhole_idle(const struct vfw_tracker *t, const struct pinhole *p)
{
	return p->held || p->early ? 0 : t->cfg.pinhole_idle_ns;
}

static void add_pinhole(const struct vfw_tracker *t, struct pinhole_set *set,
			const __u8 addr[16], __u16 port, __u8 proto,
			int provisional, int held, int early)
{
	struct pinhole p;

	memset(&p, 0, sizeof(p));
	memcpy(p.addr, addr, 16);
	p.port = port;
	p.proto = proto;
	p.provisional = (__u8)provisional;
	p.held = (__u8)held;
	p.early = (__u8)early;
	p.idle_ns = pinhole_idle(t, &p);
	set_add(set, &p);
}

/*
 * One pairing of our streams L with the remote's R. For an offer in
 * flight the answerer's direction is not known yet (its old one says
 * nothing about the new session): `unknown` names that side, whose
 * direction is taken as sendrecv.
 */
struct pair {
	const struct desc *l, *r;
	enum side unknown;
};

/*
 * Stream i is on hold when either side declared it so: sendonly,
 * recvonly, inactive, or c=0.0.0.0 (stream_from_media clears receives).
 * Whoever holds, media may stop both ways -- a held party's phone often
 * sends nothing, and the holder may play no music -- while RTCP may or
 * may not go on, so neither RTP nor RTCP can be judged by its silence.
 */
static int stream_held(const struct pair *p, unsigned i)
{
	const struct stream *ls, *rs;

	if (!p->l || !p->r || i >= p->l->n || i >= p->r->n)
		return 0;
	ls = &p->l->s[i];
	rs = &p->r->s[i];
	if (!ls->active || !rs->active)
		return 0;
	return !((p->unknown == SIDE_LOCAL || (ls->sends && ls->receives)) &&
		 (p->unknown == SIDE_REMOTE || (rs->sends && rs->receives)));
}

/*
 * Pinholes for pairing p, m-line by m-line. `other`, when an offer is in
 * flight, is the other pairing of the same dialog (committed vs offered):
 * a stream going on or off hold counts as held until the offer/answer
 * completes, so the idle timeout is off while the sides switch and comes
 * back with the resume's answer. `early`: the dialog has not been
 * answered (no 2xx to its INVITE yet).
 */
static void add_pairs(const struct vfw_tracker *t, struct pinhole_set *set,
		      const struct pair *p, const struct pair *other, int early)
{
	unsigned i;

	if (!p->l || !p->r)
		return;
	for (i = 0; i < p->l->n && i < p->r->n; i++) {
		const struct stream *ls = &p->l->s[i], *rs = &p->r->s[i];
		int held;

		if (!ls->active || !rs->active || !rs->has_addr || !ls->rtp_port)
			continue;
		held = stream_held(p, i) || (other && stream_held(other, i));
		add_pinhole(t, set, rs->addr, ls->rtp_port, ls->proto, 0, held, early);
		if (ls->rtcp_port)
			add_pinhole(t, set, rs->rtcp_addr, ls->rtcp_port, ls->proto, 0,
				    held, early);
	}
}

/*
 * Before any remote SDP: our ports, from the SIP peer's address. They
 * belong to no dialog in particular, so the call's answer (any 2xx)
 * decides whether they are still early (late offer: our 2xx carries the
 * offer, so they open already answered).
 */
static void add_provisional(const struct vfw_tracker *t, struct pinhole_set *set,
			    const struct call *c, const struct desc *l)
{
	unsigned i;

	for (i = 0; i < l->n; i++) {
		const struct stream *ls = &l->s[i];

		if (!ls->active || !ls->rtp_port)
			continue;
		add_pinhole(t, set, c->peer_addr, ls->rtp_port, ls->proto, 1, 0,
			    !c->confirmed);
		if (ls->rtcp_port)
			add_pinhole(t, set, c->peer_addr, ls->rtcp_port, ls->proto, 1, 0,
				    !c->confirmed);
	}
}

static const struct desc *pick(const struct desc *a, const struct desc *b)
{
	return a ? a : b;
}

static void desired_pinholes(const struct vfw_tracker *t, const struct call *c,
			     struct pinhole_set *set)
{
	const struct desc *local_any = NULL;
	int remote_known = c->offer_side == SIDE_REMOTE;
	unsigned i;

	memset(set, 0, sizeof(*set));
	if (c->imported) {
		for (i = 0; i < c->n_open; i++) {
			struct pinhole p = c->open[i];

			/*
			 * Which dialog an imported pinhole served is unknown:
			 * the call's answer is the best evidence there is.
			 */
			if (p.early && c->confirmed) {
				p.early = 0;
				p.idle_ns = pinhole_idle(t, &p);
			}
			set_add(set, &p);
			/* a real pinhole means the remote's SDP was seen */
			if (!p.provisional)
				remote_known = 1;
		}
	}

	if (c->offer_side == SIDE_LOCAL)
		local_any = c->offer;
	for (i = 0; i < MAX_FORKS; i++) {
		const struct dialog *d = &c->forks[i];
		const struct desc *l = d->cur[SIDE_LOCAL], *r = d->cur[SIDE_REMOTE];
		struct pair cur = { l, r, SIDE_NONE }, pend;

		if (!d->used)
			continue;
		if (d->pend_side == SIDE_NONE) {
			add_pairs(t, set, &cur, NULL, !d->confirmed);
		} else {
			pend.l = pick(d->pend[SIDE_LOCAL], l);
			pend.r = pick(d->pend[SIDE_REMOTE], r);
			pend.unknown = opposite((enum side)d->pend_side);
			add_pairs(t, set, &cur, &pend, !d->confirmed);
			add_pairs(t, set, &pend, &cur, !d->confirmed);
		}
		if (r || d->pend[SIDE_REMOTE])
			remote_known = 1;
		if (!local_any && (l || d->pend[SIDE_LOCAL]))
			local_any = pick(d->pend[SIDE_LOCAL], l);
	}
	if (!remote_known && local_any && t->cfg.provisional_pinholes)
		add_provisional(t, set, c, local_any);
}

static int pinhole_attrs_differ(const struct pinhole *a, const struct pinhole *b)
{
	return a->provisional != b->provisional || a->held != b->held ||
	       a->idle_ns != b->idle_ns;
}

static int set_find(const struct pinhole *arr, unsigned n, const struct pinhole *p)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (pinhole_same_key(&arr[i], p))
			return (int)i;
	return -1;
}

static const char *update_reason(const struct pinhole *old, const struct pinhole *now)
{
	if (old->provisional && !now->provisional)
		return "confirmed by answer";
	if (old->early && !now->early && now->idle_ns)
		return "call answered: idle timeout starts";
	if (!old->held && now->held)
		return "hold: no idle timeout";
	if (old->held && !now->held)
		return "resumed";
	return "changed";
}

/*
 * No room for a new pinhole: close one that is no longer wanted first. One
 * always exists, since want holds at most VFW_CALL_MAX_PINHOLES entries
 * and the new one is not among the open ones.
 */
static void close_one_stale(struct vfw_tracker *t, struct call *c,
			    const struct pinhole_set *want, const char *why)
{
	unsigned i;

	for (i = 0; i < c->n_open; i++) {
		if (set_find(want->p, want->n, &c->open[i]) >= 0)
			continue;
		emit_pinhole(t, c, VFW_EV_PINHOLE_CLOSE, &c->open[i], why);
		c->open[i] = c->open[--c->n_open];
		return;
	}
}

/*
 * Opens what is new, updates what changed, then closes what is gone.
 * `reassert`, when not NULL, says why every wanted pinhole is written
 * again, changed or not (a completed offer/answer, the call's expiry
 * moving past what the kernel has), so one the kernel lost (idle expiry the tracker was not told of, a
 * failed write, a restart) is back and all carry the call's new expiry.
 */
static void reconcile(struct vfw_tracker *t, struct call *c, const char *why,
		      const char *reassert)
{
	struct pinhole_set want;
	unsigned i;

	desired_pinholes(t, c, &want);
	if (want.overflow && !c->warned_full) {
		c->warned_full = 1;
		warn(t, c, "too many pinholes", "call needs more than %d pinholes; some not opened",
		     VFW_CALL_MAX_PINHOLES);
	}
	for (i = 0; i < want.n; i++) {
		int j = set_find(c->open, c->n_open, &want.p[i]);

		if (j < 0) {
			if (c->n_open == VFW_CALL_MAX_PINHOLES)
				close_one_stale(t, c, &want, why);
			if (open_reserve(c, c->n_open + 1) != 0) {
				warn(t, c, "out of memory", "pinhole to port %u not opened: out of memory",
				     want.p[i].port);
				continue;
			}
			c->open[c->n_open++] = want.p[i];
			emit_pinhole(t, c, VFW_EV_PINHOLE_OPEN, &want.p[i],
				     want.p[i].provisional ? "provisional: offer sent to SIP peer" : why);
		} else if (pinhole_attrs_differ(&c->open[j], &want.p[i])) {
			const char *r = update_reason(&c->open[j], &want.p[i]);

			c->open[j] = want.p[i];
			emit_pinhole(t, c, VFW_EV_PINHOLE_UPDATE, &want.p[i], r);
		} else {
			/*
			 * Nothing the kernel sees changed (e.g. answered while
			 * held, or idle timeout off): keep the state silently,
			 * unless told to write it again.
			 */
			c->open[j] = want.p[i];
			if (reassert)
				emit_pinhole(t, c, VFW_EV_PINHOLE_UPDATE, &want.p[i],
					     reassert);
		}
	}
	if (reassert)
		c->kernel_expires_ns = c->expires_ns;
	for (i = c->n_open; i-- > 0;) {
		if (set_find(want.p, want.n, &c->open[i]) >= 0)
			continue;
		emit_pinhole(t, c, VFW_EV_PINHOLE_CLOSE, &c->open[i],
			     c->open[i].provisional ? "answer named another address" : why);
		c->open[i] = c->open[--c->n_open];
	}
}

static void call_free(struct call *c)
{
	unsigned i;

	for (i = 0; i < MAX_FORKS; i++)
		dialog_clear(&c->forks[i]);
	free(c->offer);
	free(c->open);
	free(c);
}

/* Closes the call's pinholes and frees it: c is gone on return. */
static void call_end(struct vfw_tracker *t, struct call *c, const char *why)
{
	unsigned i;

	for (i = 0; i < c->n_open; i++)
		emit_pinhole(t, c, VFW_EV_PINHOLE_CLOSE, &c->open[i], why);
	unanswered_release(t, c);
	call_unlink(t, c);
	call_free(c);
}

/* ---- message handlers ----------------------------------------------- */

struct call_msg {
	const struct vfw_sip_obs *obs;
	const struct sip_msg *m;
	enum side sender;
	struct sv callee_tag;
	int has_sdp;
	int answered;        /* an offer/answer completed: re-assert the pinholes */
	struct desc *sdp;    /* owned until a handler takes it over */
};

static void on_invite_request(struct vfw_tracker *t, struct call *c,
			      struct call_msg *cm)
{
	const struct sip_msg *m = cm->m;
	struct dialog *d;

	if (m->to.tag.len == 0) {
		/* initial INVITE, its retransmission, or a retry with credentials */
		if (m->cseq < c->invite_cseq)
			return;
		c->invite_cseq = m->cseq;
		if (cm->has_sdp) {
			desc_set(&c->offer, cm->sdp);
			cm->sdp = NULL;
			c->offer_side = (__s8)cm->sender;
		}
		return;
	}
	/* re-INVITE inside a dialog */
	d = dialog_get(t, c, cm->callee_tag);
	if (!d)
		return;
	if (m->cseq != d->txn_cseq) {
		d->txn_cseq = m->cseq;
		d->txn_offer_side = cm->has_sdp ? (__s8)cm->sender : SIDE_NONE;
	}
	if (cm->has_sdp)
		apply_sdp(d, cm->sender, &cm->sdp, ROLE_OFFER);
}

/* Returns 1 when the call ended. */
static int on_dialog_gone(struct vfw_tracker *t, struct call *c,
			  struct dialog *d, const char *why)
{
	if (d)
		dialog_clear(d);
	if (dialogs_confirmed(c))
		return 0;
	if (c->confirmed || c->imported || !dialogs_used(c)) {
		call_end(t, c, why);
		return 1;
	}
	return 0;
}

/*
 * The first 2xx to the initial INVITE ends the other forks' early media
 * (their branches are cancelled by the forking proxy). A later 2xx from
 * another fork creates its dialog afresh, until the caller's BYE to it.
 */
static void drop_early_dialogs(struct call *c, const struct dialog *keep)
{
	unsigned i;

	for (i = 0; i < MAX_FORKS; i++)
		if (&c->forks[i] != keep && c->forks[i].used && !c->forks[i].confirmed)
			dialog_clear(&c->forks[i]);
}

static int on_invite_response(struct vfw_tracker *t, struct call *c,
			      struct call_msg *cm)
{
	const struct sip_msg *m = cm->m;
	struct dialog *d = NULL;

	if (m->status >= 300) {
		if (m->cseq == c->invite_cseq && !c->confirmed && !dialogs_confirmed(c)) {
			if (m->status == 401 || m->status == 407)
				return 0;	/* the INVITE is retried with credentials */
			call_end(t, c, "INVITE failed");
			return 1;
		}
		d = dialog_find(c, cm->callee_tag);
		if (!d || m->cseq != d->txn_cseq)
			return 0;
		d->pend_side = SIDE_NONE;	/* re-INVITE refused: old session stands */
		pend_clear(d);
		if (m->status == 481 || m->status == 408)
			return on_dialog_gone(t, c, d, "dialog gone (481/408)");
		return 0;
	}
	if (m->status == 100)
		return 0;
	d = dialog_get(t, c, cm->callee_tag);
	if (!d)
		return 0;
	if (m->status >= 200) {
		if (!c->confirmed && m->cseq == c->invite_cseq)
			drop_early_dialogs(c, d);
		d->confirmed = 1;
		call_answered(t, c);
	}
	if (cm->has_sdp) {
		int txn_had_offer = m->cseq == d->txn_cseq &&
				    d->txn_offer_side == opposite(cm->sender);

		cm->answered |= apply_sdp(d, cm->sender, &cm->sdp,
					  txn_had_offer ? ROLE_ANSWER : ROLE_EITHER);
	}
	return 0;
}

static int on_bye(struct vfw_tracker *t, struct call *c, struct call_msg *cm)
{
	struct dialog *d = dialog_find(c, cm->callee_tag);

	return on_dialog_gone(t, c, d, cm->sender == SIDE_LOCAL ? "BYE sent" :
			      "BYE received");
}

static int on_cancel(struct vfw_tracker *t, struct call *c)
{
	/* CANCEL after a 2xx does nothing (RFC 3261 9.1); BYE ends such a call. */
	if (c->confirmed)
		return 0;
	call_end(t, c, "CANCEL");
	return 1;
}

/* UPDATE and PRACK requests and responses; ACK. */
static int on_in_dialog(struct vfw_tracker *t, struct call *c, struct call_msg *cm,
			enum sip_method method)
{
	const struct sip_msg *m = cm->m;
	struct dialog *d = dialog_find(c, cm->callee_tag);

	if (!d)
		return 0;
	if (!m->is_request) {
		if (m->status >= 300) {
			if (d->pend_side == opposite(cm->sender)) {
				d->pend_side = SIDE_NONE;
				pend_clear(d);
			}
			if (m->status == 481)
				return on_dialog_gone(t, c, d, "dialog gone (481)");
			return 0;
		}
		if (m->status >= 200 && cm->has_sdp)
			cm->answered |= apply_sdp(d, cm->sender, &cm->sdp, ROLE_ANSWER);
		return 0;
	}
	if (!cm->has_sdp)
		return 0;
	if (method == SIP_ACK) {
		if (d->pend_side == opposite(cm->sender))
			cm->answered |= apply_sdp(d, cm->sender, &cm->sdp, ROLE_ANSWER);
	} else {
		cm->answered |= apply_sdp(d, cm->sender, &cm->sdp,
					  method == SIP_UPDATE ? ROLE_OFFER : ROLE_EITHER);
	}
	return 0;
}

/* Which tag tells this call's forks apart: the callee's. */
static struct sv callee_tag(const struct call *c, const struct vfw_sip_obs *obs)
{
	const struct sip_msg *m = obs->msg;
	int local_is_from = (obs->outbound != 0) == (m->is_request != 0);
	struct sv local_tag = local_is_from ? m->from.tag : m->to.tag;
	struct sv remote_tag = local_is_from ? m->to.tag : m->from.tag;

	return c->local_caller ? remote_tag : local_tag;
}

static int addr_eq(const __u8 a[16], const __u8 b[16])
{
	return memcmp(a, b, 16) == 0;
}

static int addr_is_v4(const __u8 a[16])
{
	static const __u8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(a, mapped, sizeof(mapped)) == 0;
}

/* The same address, or another in the same /24 (IPv4) or /48 (IPv6). */
static int same_provider(const __u8 peer[16], const __u8 from[16])
{
	if (addr_is_v4(peer) != addr_is_v4(from))
		return 0;
	return memcmp(peer, from, addr_is_v4(peer) ? PEER_NET_BYTES_V4 :
		      PEER_NET_BYTES_V6) == 0;
}

/*
 * Whether a message from the internet may act on call c. Its SIP peer --
 * where the INVITE came from or went to -- may; so may:
 *  - another server in the peer's /24 or /48. A provider runs its proxies
 *    and SBCs as a cluster, and an in-dialog request (a BYE, a re-INVITE
 *    moving the media) can leave through another node than the INVITE
 *    came through, e.g. after a failover or from a record-routed cluster
 *    name. Refusing those would keep a dead call's pinholes or lose a
 *    call's new media address. The price is small: a host reaches the SIP
 *    tap only as a trusted source (a trunk prefix, a learned registrar, a
 *    reply pinhole), and inside one operator's block that trust is mostly
 *    the operator's anyway; another provider's or a scanner's address is
 *    not in it. What it does admit: a host of that block that our VoIP
 *    system itself sent a request to (so it holds a reply pinhole), e.g.
 *    another customer of the same hosting provider.
 *  - for a request: the remote party's Contact (its UA may send in-dialog
 *    requests straight from there when no proxy record-routes), and any
 *    address we sent a request of this call to;
 *  - for a response: the address the request with that CSeq went to.
 * Our own messages are always believed.
 */
static int sender_believed(const struct call *c, const struct vfw_sip_obs *obs)
{
	const struct sip_msg *m = obs->msg;
	const __u8 *from = obs->remote_addr;
	unsigned i;

	if (obs->outbound || same_provider(c->peer_addr, from))
		return 1;
	if (m->is_request && c->has_remote_target && addr_eq(c->remote_target, from))
		return 1;
	for (i = 0; i < SENT_MAX; i++) {
		const struct sent_req *r = &c->sent[i];

		if (!r->used || !addr_eq(r->addr, from))
			continue;
		if (m->is_request || (r->cseq == m->cseq && r->method == m->cseq_method))
			return 1;
	}
	return 0;
}

static void ignore_stranger(struct vfw_tracker *t, const struct call *c,
			    const struct vfw_sip_obs *obs)
{
	const struct sip_msg *m = obs->msg;
	char from[SIP_ADDR_STRLEN], peer[SIP_ADDR_STRLEN];
	char what[48];

	t->stats.peer_mismatch++;
	if (m->is_request)
		snprintf(what, sizeof(what), "%.*s",
			 (int)(m->method_name.len > 20 ? 20 : m->method_name.len),
			 m->method_name.p);
	else
		snprintf(what, sizeof(what), "%u to %.*s", m->status,
			 (int)(m->cseq_method_name.len > 20 ? 20 : m->cseq_method_name.len),
			 m->cseq_method_name.p);
	warn(t, c, "not from the call's SIP peer",
	     "%s from %s ignored: the call's SIP peer is %s", what,
	     fmt_addr(obs->remote_addr, from), fmt_addr(c->peer_addr, peer));
}

/* What the tracker remembers of who takes part: our requests' destinations, the remote Contact. */
static void note_parties(struct call *c, const struct vfw_sip_obs *obs)
{
	const struct sip_msg *m = obs->msg;

	if (obs->outbound && m->is_request) {
		struct sent_req *r = &c->sent[c->sent_next++ % SENT_MAX];

		r->used = 1;
		r->method = (__u8)m->method;
		r->cseq = m->cseq;
		memcpy(r->addr, obs->remote_addr, 16);
	}
	/* The remote side's Contact: in its requests and in its 1xx/2xx. */
	if (!obs->outbound && m->n_contacts && (m->is_request || m->status < 300) &&
	    sip_host_to_addr(m->contacts[0].uri.host, c->remote_target) == 0)
		c->has_remote_target = 1;
}

/*
 * RFC 4028: the 2xx to an INVITE or UPDATE says whether session timers
 * run (its Session-Expires) and for how long; a 2xx without one turns
 * them off, so a refresher that never refreshes cannot cut the call.
 */
static void note_session_timer(struct vfw_tracker *t, struct call *c,
			       const struct sip_msg *m, enum sip_method method)
{
	if (m->is_request || m->status < 200 || m->status >= 300 ||
	    (method != SIP_INVITE && method != SIP_UPDATE))
		return;
	c->session_expires_s = m->has_session_expires ?
			       session_interval(t, m->session_expires) : 0;
}

/*
 * Every believed message of the call shows its dialog alive: the call now
 * ends a lifetime after it. The kernel's copy of the expiry is written
 * again (reconcile's reassert) once it lags by more than a sixteenth of
 * the lifetime, so a burst of messages is not a burst of map writes; the
 * tick re-writes it before the kernel would act on the stale one.
 */
static int refresh_lifetime(struct vfw_tracker *t, struct call *c, __u64 now)
{
	__u64 life = call_lifetime(t, c);

	c->expires_ns = now + life;
	return c->expires_ns > c->kernel_expires_ns + life / 16;
}

/*
 * Once per transaction: a request (a session refresh) that moved the
 * expiry had the pinholes written with it, so its 2xx completing the
 * offer/answer need not write the same ones again (what the answer
 * changes is written anyway). Responses are not remembered: each fork's
 * answer to the one INVITE is an offer/answer of its own.
 */
static int reassert_wanted(struct call *c, const struct sip_msg *m,
			   enum side sender, int wanted)
{
	if (!wanted)
		return 0;
	if (!m->is_request && c->reassert_side == (__s8)opposite(sender) &&
	    c->reassert_cseq == m->cseq && c->reassert_method == (__u8)m->cseq_method)
		return 0;
	c->reassert_side = m->is_request ? (__s8)sender : SIDE_NONE;
	c->reassert_cseq = m->cseq;
	c->reassert_method = (__u8)m->cseq_method;
	return 1;
}

static void handle_call(struct vfw_tracker *t, const struct vfw_sip_obs *obs,
			enum sip_method method)
{
	const struct sip_msg *m = obs->msg;
	struct call *c = call_find(t, m->call_id);
	struct call_msg cm;
	int ended = 0, reassert;
	const char *why;

	if (!c) {
		if (!(m->is_request && m->method == SIP_INVITE && m->to.tag.len == 0))
			return;	/* nothing to act on for a call we never saw start */
		c = call_create(t, obs);
		if (!c)
			return;
	} else if (!sender_believed(c, obs)) {
		ignore_stranger(t, c, obs);
		return;
	}
	note_parties(c, obs);
	conn_note(&c->conns[1], obs);
	memset(&cm, 0, sizeof(cm));
	cm.obs = obs;
	cm.m = m;
	cm.sender = obs->outbound ? SIDE_LOCAL : SIDE_REMOTE;
	cm.callee_tag = callee_tag(c, obs);
	if (m->sdp.len && (cm.sdp = desc_from_msg(t, c, m)) != NULL) {
		cm.has_sdp = 1;
		if (cm.sender == SIDE_LOCAL)
			check_local_sdp(t, c, cm.sdp);
	}

	switch (method) {
	case SIP_INVITE:
		if (m->is_request)
			on_invite_request(t, c, &cm);
		else
			ended = on_invite_response(t, c, &cm);
		why = cm.sender == SIDE_LOCAL ? "SDP sent" : "SDP received";
		break;
	case SIP_BYE:
		if (m->is_request)
			ended = on_bye(t, c, &cm);
		why = "BYE";
		break;
	case SIP_CANCEL:
		if (m->is_request)
			ended = on_cancel(t, c);
		why = "CANCEL";
		break;
	default:
		ended = on_in_dialog(t, c, &cm, method);
		why = cm.sender == SIDE_LOCAL ? "SDP sent" : "SDP received";
		break;
	}
	/* not taken over (retransmission, no dialog, ended call): dropped */
	free(cm.sdp);
	if (ended)
		return;	/* c is freed */
	check_answer(c, obs);
	note_session_timer(t, c, m, method);
	reassert = reassert_wanted(c, m, cm.sender,
				   refresh_lifetime(t, c, obs->now_ns) || cm.answered);
	/* An import is superseded once a full offer/answer has been seen. */
	if (c->imported) {
		unsigned i;

		for (i = 0; i < MAX_FORKS; i++)
			if (c->forks[i].used && c->forks[i].cur[SIDE_LOCAL] &&
			    c->forks[i].cur[SIDE_REMOTE])
				c->imported = 0;
	}
	reconcile(t, c, why, reassert ? "re-asserted" : NULL);
}

void vfw_tracker_observe(struct vfw_tracker *t, const struct vfw_sip_obs *obs)
{
	const struct sip_msg *m = obs->msg;
	enum sip_method method = m->is_request ? m->method : m->cseq_method;

	switch (method) {
	case SIP_REGISTER:
		handle_register(t, obs);
		break;
	case SIP_INVITE:
	case SIP_ACK:
	case SIP_BYE:
	case SIP_CANCEL:
	case SIP_UPDATE:
	case SIP_PRACK:
		if (m->call_id.len)
			handle_call(t, obs, method);
		break;
	default:
		break;
	}
}

unsigned vfw_tracker_tcp_lost(struct vfw_tracker *t, const __u8 addr_a[16],
			      __u16 port_a, const __u8 addr_b[16], __u16 port_b,
			      const char *why)
{
	char a[SIP_ADDR_STRLEN], b[SIP_ADDR_STRLEN];
	struct call *c;
	unsigned n = 0;

	t->stats.tcp_losses++;
	for (c = t->head; c; c = c->next) {
		if (c->confirmed || c->answer_maybe_lost)
			continue;
		if (conn_is(&c->conns[0], addr_a, port_a, addr_b, port_b) ||
		    conn_is(&c->conns[1], addr_a, port_a, addr_b, port_b)) {
			c->answer_maybe_lost = 1;
			n++;
		}
	}
	t->stats.calls_answer_maybe_lost += n;
	warn(t, NULL, "TCP stream lost data",
	     "TCP %s port %u <-> %s port %u lost stream data (%s); %u unanswered call(s) "
	     "on it will not be ended at the setup timeout",
	     fmt_addr(addr_a, a), port_a, fmt_addr(addr_b, b), port_b,
	     why ? why : "unknown", n);
	return n;
}

const struct vfw_tracker_stats *vfw_tracker_stats(const struct vfw_tracker *t)
{
	return &t->stats;
}

/* ---- time ----------------------------------------------------------- */

/*
 * No 2xx was seen, but one may have been: the call counts as answered, and
 * so does every dialog it has, so that early pinholes get the idle timeout
 * (pinhole_idle) and the kernel closes them if no media flows.
 */
static void call_take_as_answered(struct vfw_tracker *t, struct call *c)
{
	unsigned i;

	call_answered(t, c);
	for (i = 0; i < MAX_FORKS; i++)
		if (c->forks[i].used)
			c->forks[i].confirmed = 1;
}

void vfw_tracker_tick(struct vfw_tracker *t, __u64 now_ns)
{
	struct call *c, *next;
	unsigned i;

	for (i = 0; i < t->cfg.max_registrations; i++)
		if (t->regs[i].used && now_ns >= t->regs[i].expires_ns)
			reg_remove(t, &t->regs[i], "registration expired");
	for (i = 0; i < t->n_txns; i++)
		if (t->txns[i].used && now_ns >= t->txns[i].sent_ns &&
		    now_ns - t->txns[i].sent_ns >= t->cfg.reg_txn_timeout_ns)
			memset(&t->txns[i], 0, sizeof(t->txns[i]));
	for (c = t->head; c; c = next) {
		next = c->next;	/* call_end frees c */
		if (now_ns >= c->expires_ns) {
			call_end(t, c, c->session_expires_s ? "session timer expired" :
				 "call_max without signalling or media");
		} else if (c->expires_ns > c->kernel_expires_ns &&
			   now_ns + REASSERT_MARGIN_NS >= c->kernel_expires_ns) {
			/* refreshed since its pinholes were written: before the kernel cuts */
			reconcile(t, c, "expiry refreshed", "expiry refreshed");
		} else if (!c->confirmed && now_ns >= c->created_ns &&
			   now_ns - c->created_ns >= t->cfg.setup_timeout_ns) {
			if (!c->imported && !c->answer_maybe_lost) {
				call_end(t, c, "call setup timed out");
				continue;
			}
			/*
			 * Restored unanswered, or its TCP connection lost
			 * data: the 2xx may have gone by unseen (while the
			 * daemon was down, or in the lost bytes), so closing
			 * could cut a live call. Take it as answered instead
			 * and let the kernel's idle timeout end its pinholes
			 * if no media flows.
			 */
			call_take_as_answered(t, c);
			t->stats.calls_assumed_answered++;
			reconcile(t, c, c->imported ? "setup timed out after restart" :
				  "setup timed out, answer may be in lost TCP data", NULL);
		}
	}
}

int vfw_tracker_pinhole_gone(struct vfw_tracker *t, __u64 call_hash,
			     const __u8 addr[16], __u16 port, __u8 proto)
{
	struct call *c = call_find_hash(t, call_hash);
	struct pinhole key;
	int j;

	if (!c)
		return -ENOENT;
	memset(&key, 0, sizeof(key));
	memcpy(key.addr, addr, 16);
	key.port = port;
	key.proto = proto;
	j = set_find(c->open, c->n_open, &key);
	if (j < 0)
		return -ENOENT;
	/* Not open any more: the next completed offer/answer opens it again. */
	c->open[j] = c->open[--c->n_open];
	return 0;
}

int vfw_tracker_media_flowing(struct vfw_tracker *t, __u64 call_hash, __u64 seen_ns)
{
	struct call *c = call_find_hash(t, call_hash);

	if (!c)
		return -ENOENT;
	/* Session timers end a session without refresh, whatever the media does. */
	if (!c->confirmed || c->session_expires_s ||
	    seen_ns + t->cfg.call_max_ns <= c->expires_ns)
		return 0;
	c->expires_ns = seen_ns + t->cfg.call_max_ns;
	reconcile(t, c, "media flows", "media flows");
	return 1;
}

__u64 vfw_tracker_next_expiry(const struct vfw_tracker *t)
{
	const struct call *c;
	__u64 next = 0;

	for (c = t->head; c; c = c->next)
		if (c->confirmed && !c->session_expires_s &&
		    (!next || c->expires_ns < next))
			next = c->expires_ns;
	return next;
}

/* ---- restart records ------------------------------------------------ */

int vfw_tracker_export_call(const struct vfw_tracker *t, __u64 call_hash,
			    struct vfw_call_record *out)
{
	const struct call *c = call_find_hash(t, call_hash);
	unsigned i;

	if (!c)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	out->version = VFW_CALL_RECORD_VERSION;
	out->flags = (c->confirmed ? VFW_CALL_F_CONFIRMED : 0) |
		     (c->local_caller ? VFW_CALL_F_LOCAL_CALLER : 0);
	out->call_hash = c->hash;
	out->created_ns = c->created_ns;
	out->expires_ns = c->expires_ns;
	out->session_expires_s = c->session_expires_s;
	memcpy(out->peer_addr, c->peer_addr, 16);
	out->call_id_len = c->id_len;
	out->proto = c->proto;
	memcpy(out->call_id, c->id, c->id_len);
	out->n_pinholes = (__u8)c->n_open;
	for (i = 0; i < c->n_open; i++) {
		struct vfw_call_pinhole *p = &out->pinholes[i];

		memcpy(p->addr, c->open[i].addr, 16);
		p->local_port = c->open[i].port;
		p->proto = c->open[i].proto;
		p->flags = (c->open[i].provisional ? VFW_PINHOLE_F_PROVISIONAL : 0) |
			   (c->open[i].held ? VFW_PINHOLE_F_HELD : 0);
		p->idle_ns = c->open[i].idle_ns;
	}
	return 0;
}

int vfw_tracker_import_call(struct vfw_tracker *t,
			    const struct vfw_call_record *rec)
{
	struct sv id = sv_make((const char *)rec->call_id, rec->call_id_len);
	struct call *c;
	unsigned i;

	if (rec->version != VFW_CALL_RECORD_VERSION || rec->call_id_len == 0 ||
	    rec->call_id_len > VFW_CALL_ID_MAX ||
	    rec->n_pinholes > VFW_CALL_MAX_PINHOLES || rec->call_hash == 0)
		return -EINVAL;
	/* a session timer this tracker would not have negotiated */
	if (rec->session_expires_s &&
	    session_interval(t, rec->session_expires_s) != rec->session_expires_s)
		return -EINVAL;
	/* A truncated Call-ID cannot be re-hashed; trust the stored hash then. */
	if (rec->call_id_len < VFW_CALL_ID_MAX && vfw_call_hash(id) != rec->call_hash)
		return -EINVAL;
	if (call_find_hash(t, rec->call_hash))
		return -EEXIST;
	if (t->n_calls >= t->cfg.max_calls)
		return -ENOSPC;
	c = call_alloc(t, rec->call_id_len);
	if (!c || open_reserve(c, rec->n_pinholes) != 0) {
		free(c);
		return -ENOMEM;
	}
	c->imported = 1;
	c->confirmed = (rec->flags & VFW_CALL_F_CONFIRMED) != 0;
	c->local_caller = (rec->flags & VFW_CALL_F_LOCAL_CALLER) != 0;
	c->proto = rec->proto;
	c->hash = rec->call_hash;
	memcpy(c->id, rec->call_id, c->id_len);
	memcpy(c->peer_addr, rec->peer_addr, 16);
	c->created_ns = rec->created_ns;
	c->expires_ns = rec->expires_ns;
	c->kernel_expires_ns = rec->expires_ns;
	c->session_expires_s = rec->session_expires_s;
	c->n_open = rec->n_pinholes;
	for (i = 0; i < c->n_open; i++) {
		const struct vfw_call_pinhole *p = &rec->pinholes[i];

		memcpy(c->open[i].addr, p->addr, 16);
		c->open[i].port = p->local_port;
		c->open[i].proto = p->proto;
		c->open[i].provisional = (p->flags & VFW_PINHOLE_F_PROVISIONAL) != 0;
		c->open[i].held = (p->flags & VFW_PINHOLE_F_HELD) != 0;
		c->open[i].idle_ns = p->idle_ns;
		/*
		 * The record has no flag for it: a pinhole without idle
		 * timeout that is not held was waiting for the answer.
		 */
		c->open[i].early = !c->open[i].held && p->idle_ns == 0;
	}
	/* Restored calls count like new ones, though they may exceed the caps. */
	if (!c->confirmed && !c->local_caller && unanswered_add(t, c) != 0) {
		call_free(c);
		return -ENOMEM;
	}
	call_link(t, c);
	return 0;
}
