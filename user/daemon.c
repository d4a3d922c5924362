// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * voipfw run: attach, apply the config, then follow SIP.
 *
 * The TC programs hand every SIP packet to a ring buffer; the pipeline
 * (user/lib/pipeline.h) parses it and drives the trackers, whose events are
 * applied here to the pinned maps. All state that matters lives in those
 * maps (trunks, pinholes, and the call records of live calls), so the
 * daemon can die at any moment: the XDP program keeps enforcing, and a
 * restart reconciles from the maps.
 */
#include "daemon.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "addr.h"
#include "dns.h"
#include "eventfmt.h"
#include "loader.h"
#include "log.h"
#include "names.h"
#include "pipeline.h"
#include "ratelimit.h"
#include "sender.h"
#include "maps.h"
#include "trunk_rules.h"

#define NSEC              1000000000ULL
#define POLL_MS           250
#define GC_INTERVAL_NS    (1 * NSEC)
#define MAX_DIRTY_CALLS   64
#define MAX_GC_BATCH      4096
#define MAX_LOST_PUTS     64
#define MAX_MEDIA_CALLS   256
/* how soon before a call's end its pinholes' packet counters are watched */
#define MEDIA_CHECK_NS    (12 * NSEC)   /* > an RTCP interval (5 s) twice */

struct media_scan;

struct daemon {
	struct vfw_config cfg;
	const char *config_path;
	bool json_events;           /* --json: events as JSON lines on stdout */
	int fds[VFW_MAP_COUNT];
	struct ring_buffer *rb;
	struct vfw_pipeline *pipe;
	struct vfw_sender *sender;  /* whose outgoing SIP is the VoIP system's */
	struct vfw_ratelimit warnings;   /* tracker warnings, per reason */
	struct vfw_dns *dns;        /* resolver thread for DNS-named trunks */
	/* calls whose record must be saved once the current packet is done */
	__u64 dirty[MAX_DIRTY_CALLS];
	unsigned n_dirty;
	/*
	 * Pinholes the tracker asked for that could not be written (a full
	 * table): it is told once its event is done, never from inside it.
	 */
	struct lost_put {
		__u64 call_hash;
		struct vfw_pinhole_key key;
	} lost[MAX_LOST_PUTS];
	unsigned n_lost;
	struct media_scan *media;   /* the last media check's packet sums */
	__u64 next_gc_ns;
	__u64 next_summary_ns;
	struct vfw_counter last_stats[VFW_REASON_MAX];
};

static volatile sig_atomic_t got_stop, got_reload;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_reload = 1;
	else
		got_stop = 1;
}

static int install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL) ||
	    sigaction(SIGHUP, &sa, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* ---- applying tracker events to the maps ---- */

static void mark_dirty(struct daemon *d, __u64 call_hash)
{
	unsigned i;

	if (!call_hash)
		return;
	for (i = 0; i < d->n_dirty; i++)
		if (d->dirty[i] == call_hash)
			return;
	if (d->n_dirty < MAX_DIRTY_CALLS)
		d->dirty[d->n_dirty++] = call_hash;
	else
		pr_warn("too many calls changed by one packet; call %llx not saved",
			(unsigned long long)call_hash);
}

/* A pinhole the kernel map does not hold (any more): the tracker must know. */
static void tell_gone(struct daemon *d, __u64 call_hash,
		      const struct vfw_pinhole_key *key)
{
	vfw_tracker_pinhole_gone(vfw_pipeline_tracker(d->pipe), call_hash,
				 key->addr, key->local_port, key->proto);
	mark_dirty(d, call_hash);
}

static void tell_lost_puts(struct daemon *d)
{
	unsigned i, n = d->n_lost;

	d->n_lost = 0;
	for (i = 0; i < n; i++)
		tell_gone(d, d->lost[i].call_hash, &d->lost[i].key);
}

/* Saves (or forgets) the records of the calls the last packet changed. */
static void save_dirty_calls(struct daemon *d)
{
	struct vfw_tracker *t = vfw_pipeline_tracker(d->pipe);
	struct vfw_call_record rec;
	unsigned i;

	tell_lost_puts(d);
	for (i = 0; i < d->n_dirty; i++) {
		__u64 key = d->dirty[i];

		int err;

		if (vfw_tracker_export_call(t, key, &rec) == 0) {
			err = vfw_call_save(d->fds[VFW_MAP_CALLS], key, &rec);
			if (err)
				pr_warn("cannot save call %llx: %s",
					(unsigned long long)key, strerror(-err));
		} else {
			vfw_call_forget(d->fds[VFW_MAP_CALLS], key);
		}
	}
	d->n_dirty = 0;
}

/*
 * A learned trunk is a host entry admitting SIP only: a registration
 * vouches for the registrar's signalling, and media is admitted per call
 * from the address its SDP negotiated. Whether an entry of another origin
 * keeps the address is the map layer's rule (maps.h).
 */
static void learn_trunk(struct daemon *d, const struct vfw_event *ev)
{
	struct vfw_trunk cur, val = {
		.expires_ns = ev->expires_ns,
		.admit = VFW_ADMIT_SIP,
		.origin = VFW_ORIGIN_LEARNED,
	};
	struct vfw_lpm_key key;
	int fd = d->fds[VFW_MAP_TRUNKS];
	int rc;

	vfw_lpm_host_key(&key, ev->addr);
	rc = vfw_trunk_put(fd, &key, &val, &cur);
	if (rc < 0)
		pr_warn("cannot learn trunk: %s", strerror(-rc));
	else if (rc == 0 && cur.origin != VFW_ORIGIN_LEARNED)
		pr_debug("registrar already a %s trunk, left alone",
			 vfw_origin_name(cur.origin));
}

/* A registration ended or failed: only its own (learned) entry goes. */
static void expire_trunk(struct daemon *d, const struct vfw_event *ev)
{
	struct vfw_lpm_key key;

	vfw_lpm_host_key(&key, ev->addr);
	vfw_trunk_del(d->fds[VFW_MAP_TRUNKS], &key, VFW_ORIGIN_LEARNED, NULL);
}

/* Opens or changes a call's pinhole; the idle clock restarts now. */
static void put_pinhole(struct daemon *d, const struct vfw_event *ev)
{
	__u64 now = vfw_now_ns();
	struct vfw_pinhole_key key;
	struct vfw_pinhole val = {
		.expires_ns = ev->expires_ns,
		.idle_ns = ev->idle_ns,
		.created_ns = now,
		.last_seen_ns = now,
		.call_hash = ev->call_hash,
		.origin = VFW_ORIGIN_CALL,
	};
	int rc;

	vfw_pinhole_key_make(&key, ev->addr, ev->local_port, ev->proto);
	rc = vfw_pinhole_put(d->fds[VFW_MAP_PINHOLES], &key, &val);
	if (rc >= 0)
		return;
	pr_warn("cannot open pinhole: %s%s", strerror(-rc),
		rc == -E2BIG ? " (pinhole table full)" : "");
	/* not open, whatever an earlier write left: the next offer/answer retries */
	vfw_call_pinhole_close(d->fds[VFW_MAP_PINHOLES], d->fds[VFW_MAP_ADMISSIONS],
			       &key, ev->call_hash);
	if (d->n_lost < MAX_LOST_PUTS) {
		d->lost[d->n_lost].call_hash = ev->call_hash;
		d->lost[d->n_lost++].key = key;
	}
}

static void close_pinhole(struct daemon *d, const struct vfw_event *ev)
{
	struct vfw_pinhole_key key;

	vfw_pinhole_key_make(&key, ev->addr, ev->local_port, ev->proto);
	vfw_call_pinhole_close(d->fds[VFW_MAP_PINHOLES], d->fds[VFW_MAP_ADMISSIONS],
			       &key, ev->call_hash);
}

/*
 * Every event is one line in the one rendering (eventfmt.h): with --json a
 * JSON line on stdout, flushed so a pipe or the journal gets it whole at
 * once; else plain on stderr, trunks and pinholes at info, warnings at warn.
 */
static void log_event(struct daemon *d, const struct vfw_event *ev, __u64 now)
{
	char line[VFW_EVENT_JSON_MAX];
	__u32 suppressed = 0;

	/* packets cause warnings: bounded, so a flood cannot fill the log */
	if (ev->type == VFW_EV_WARNING &&
	    !vfw_ratelimit_allow(&d->warnings, ev->reason, now, &suppressed))
		return;
	if (suppressed)
		pr_warn("(%u more '%s' warnings were not logged)", suppressed,
			ev->reason ? ev->reason : "other");
	if (d->json_events) {
		vfw_event_to_json(ev, now, vfw_pipeline_current_obs(d->pipe), line,
				  sizeof(line));
		printf("%s\n", line);
		fflush(stdout);
		return;
	}
	vfw_event_to_text(ev, now, line, sizeof(line));
	if (ev->type == VFW_EV_WARNING)   /* the logger tags warnings itself */
		pr_warn("%s", line + strlen(VFW_EVENT_WARNING_TAG));
	else
		pr_info("%s", line);
}

static void on_event(void *ctx, const struct vfw_event *ev)
{
	struct daemon *d = ctx;

	log_event(d, ev, vfw_now_ns());
	switch (ev->type) {
	case VFW_EV_TRUNK_LEARN:
	case VFW_EV_TRUNK_REFRESH:
		if (d->cfg.registrations)
			learn_trunk(d, ev);
		break;
	case VFW_EV_TRUNK_EXPIRE:
		expire_trunk(d, ev);
		break;
	case VFW_EV_PINHOLE_OPEN:
	case VFW_EV_PINHOLE_UPDATE:
		put_pinhole(d, ev);
		break;
	case VFW_EV_PINHOLE_CLOSE:
		close_pinhole(d, ev);
		break;
	default:
		break;
	}
	mark_dirty(d, ev->call_hash);
}

/* ---- the SIP tap ---- */

static int on_tap(void *ctx, void *data, size_t size)
{
	const struct vfw_tap_hdr *h = data;
	struct daemon *d = ctx;

	/* The ring buffer is written by our program, but check anyway. */
	if (size < sizeof(*h) || h->cap_len > size - sizeof(*h) ||
	    h->cap_len > VFW_TAP_SNAPLEN)
		return 0;
	vfw_pipeline_packet(d->pipe, (const __u8 *)data + sizeof(*h),
			    h->cap_len, h->dir == VFW_TAP_EGRESS, h->ts_ns);
	save_dirty_calls(d);
	return 0;
}

/* ---- config application ---- */

static int apply_ports(struct daemon *d)
{
	const struct vfw_config *c = &d->cfg;
	struct vfw_port_class_entry *want = calloc(VFW_PORT_SLOTS, sizeof(*want));
	__u32 port;
	int err;

	if (!want)
		return -ENOMEM;
	for (port = 0; port < VFW_PORT_SLOTS; port++) {
		want[port].udp = vfw_port_class_in(&c->sip_udp, &c->media_udp, port);
		want[port].tcp = vfw_port_class_in(&c->sip_tcp, &c->media_tcp, port);
	}
	err = vfw_ports_write(d->fds[VFW_MAP_PORTS], want);
	free(want);
	return err;
}

static bool config_has_trunk(const struct vfw_config *c,
			     const struct vfw_lpm_key *key, __u32 *admit)
{
	struct vfw_lpm_key k;
	__u32 i;

	for (i = 0; i < c->n_static && i < VFW_CONFIG_MAX_STATIC; i++) {
		vfw_prefix_to_lpm_key(&c->statics[i].prefix, &k);
		if (k.prefixlen == key->prefixlen && !memcmp(k.addr, key->addr, 16)) {
			*admit = c->statics[i].admit;
			return true;
		}
	}
	return false;
}

struct stale_trunks {
	const struct vfw_config *cfg;
	struct vfw_lpm_key keys[VFW_CONFIG_MAX_STATIC];
	unsigned n;
};

/* A config entry the file no longer lists. */
static int find_stale(const void *key, const void *value, void *ctx)
{
	const struct vfw_trunk *t = value;
	struct stale_trunks *st = ctx;
	__u32 admit;

	if (t->origin == VFW_ORIGIN_CONFIG && !config_has_trunk(st->cfg, key, &admit))
		st->keys[st->n++] = *(const struct vfw_lpm_key *)key;
	return st->n == VFW_CONFIG_MAX_STATIC;
}

/* Config trunks: add what the file lists, remove config entries it no longer does. */
static int apply_trunks(struct daemon *d)
{
	struct stale_trunks stale = { .cfg = &d->cfg };
	const struct vfw_config *c = &d->cfg;
	int fd = d->fds[VFW_MAP_TRUNKS];
	struct vfw_lpm_key key;
	unsigned i;

	vfw_map_each(fd, VFW_MAP_TRUNKS, find_stale, &stale);
	for (i = 0; i < stale.n; i++)
		vfw_trunk_del(fd, &stale.keys[i], VFW_ORIGIN_CONFIG, NULL);
	for (i = 0; i < c->n_static && i < VFW_CONFIG_MAX_STATIC; i++) {
		struct vfw_trunk t = {
			.admit = c->statics[i].admit,
			.origin = VFW_ORIGIN_CONFIG,
		};
		int rc;

		/* the operator's rank: replaces a DNS or learned entry of the key */
		vfw_prefix_to_lpm_key(&c->statics[i].prefix, &key);
		rc = vfw_trunk_put(fd, &key, &t, NULL);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int apply_runtime(struct daemon *d, bool tap)
{
	const struct vfw_config *c = &d->cfg;
	struct vfw_runtime rt = {
		.reply_ttl_ns = c->reply_pinholes ? (__u64)c->reply_ttl * NSEC : 0,
		.egress_media_idle_ns = c->egress_media ?
			(__u64)c->egress_media_idle * NSEC : 0,
		.tap = tap,
		.announce_ttl_s = c->announced_media,
	};

	return vfw_runtime_write(d->fds[VFW_MAP_RUNTIME], &rt);
}

static int apply_config(struct daemon *d)
{
	int err;

	vfw_log_set_level(d->cfg.log_level);
	err = apply_ports(d);
	if (err) {
		pr_err("cannot apply ports: %s", strerror(-err));
		return err;
	}
	err = apply_trunks(d);
	if (err) {
		pr_err("cannot apply trunks: %s", strerror(-err));
		return err;
	}
	err = apply_runtime(d, true);
	if (err)
		pr_err("cannot apply run-time settings: %s", strerror(-err));
	return err;
}

static int attach_all(struct daemon *d)
{
	const struct vfw_config *c = &d->cfg;
	__u32 i;
	int err;

	for (i = 0; i < c->n_ifaces; i++) {
		struct vfw_attach_opts o = {
			.ifname = c->ifaces[i],
			.pin_dir = c->pin_dir,
			.mode = c->xdp_mode,
			.monitor = c->monitor,
			.max_trunks = c->max_trunks,
			.max_pinholes = c->max_pinholes,
			.max_calls = c->max_calls,
		};

		err = vfw_attach(&o);
		if (err)
			return err;
	}
	return 0;
}

struct restored {
	struct vfw_tracker *t;
	unsigned ok, bad;
};

static int restore_one(const void *key, const void *value, void *ctx)
{
	struct restored *r = ctx;

	/* map contents are checked by the import, never trusted */
	if (vfw_tracker_import_call(r->t, value) == 0)
		r->ok++;
	else
		r->bad++;
	return 0;
}

/* Calls that were live when the last daemon stopped. */
static void restore_calls(struct daemon *d)
{
	struct restored r = { .t = vfw_pipeline_tracker(d->pipe) };

	vfw_map_each(d->fds[VFW_MAP_CALLS], VFW_MAP_CALLS, restore_one, &r);
	if (r.ok || r.bad)
		pr_info("restored %u live call%s from %s%s", r.ok,
			r.ok == 1 ? "" : "s", d->cfg.pin_dir,
			r.bad ? " (some records were unusable)" : "");
}

/* ---- housekeeping ---- */

struct gc_pass {
	struct daemon *d;
	__u64 now;
};

/* A call's pinhole the kernel map let expire, told as the tracker's events are. */
static void log_pinhole_gone(const struct vfw_pinhole_key *key,
			     const struct vfw_pinhole *val, void *ctx)
{
	const struct gc_pass *g = ctx;
	struct vfw_event ev = {
		.type = VFW_EV_PINHOLE_CLOSE,
		.proto = key->proto,
		.local_port = key->local_port,
		.call_hash = val->call_hash,
		.reason = val->expires_ns && g->now >= val->expires_ns ?
			  "call time cap" : "media idle",
	};

	memcpy(ev.addr, key->addr, sizeof(ev.addr));
	if (val->origin != VFW_ORIGIN_CALL)
		return;
	log_event(g->d, &ev, g->now);
	/* one truth: the tracker no longer counts it open (re-opened by the next offer/answer) */
	tell_gone(g->d, val->call_hash, key);
}

static void gc_pinholes(struct daemon *d, __u64 now)
{
	struct gc_pass g = { d, now };

	vfw_pinholes_gc(d->fds[VFW_MAP_PINHOLES], now, MAX_GC_BATCH,
			log_pinhole_gone, &g);
	save_dirty_calls(d);
}

struct media_scan {
	unsigned n;
	__u64 hash[MAX_MEDIA_CALLS], packets[MAX_MEDIA_CALLS];
};

/* Sums the packets each call's pinholes passed (the counters survive re-writes). */
static int sum_media(const void *key, const void *value, void *ctx)
{
	const struct vfw_pinhole *v = value;
	struct media_scan *m = ctx;
	unsigned i;

	if (v->origin != VFW_ORIGIN_CALL || !v->call_hash)
		return 0;
	for (i = 0; i < m->n && m->hash[i] != v->call_hash; i++)
		;
	if (i == m->n) {
		if (m->n == MAX_MEDIA_CALLS)
			return 1;
		m->hash[m->n++] = v->call_hash;
		m->packets[i] = 0;
	}
	m->packets[i] += v->packets;
	return 0;
}

/*
 * A call without session timers ends call_max after its last signalling
 * unless media still flows. While one is within MEDIA_CHECK_NS of its
 * end, every pass sums each call's pinhole packet counters and tells the
 * tracker of the calls whose sum grew since the pass before. Counters,
 * not last-seen times: every write of a pinhole resets its last-seen, so
 * the daemon's own refresh would look like media. Collected first,
 * reported after the walk: the reports write the map.
 */
static void keep_flowing_calls(struct daemon *d, __u64 now)
{
	struct vfw_tracker *t = vfw_pipeline_tracker(d->pipe);
	__u64 next = vfw_tracker_next_expiry(t);
	struct media_scan *m, *prev = d->media;
	unsigned i, j;

	if (!next || next > now + MEDIA_CHECK_NS) {
		free(prev);
		d->media = NULL;
		return;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return;
	vfw_map_each(d->fds[VFW_MAP_PINHOLES], VFW_MAP_PINHOLES, sum_media, m);
	for (i = 0; prev && i < m->n; i++) {
		for (j = 0; j < prev->n && prev->hash[j] != m->hash[i]; j++)
			;
		if (j < prev->n && m->packets[i] > prev->packets[j])
			vfw_tracker_media_flowing(t, m->hash[i], now);
	}
	free(prev);
	d->media = m;
	save_dirty_calls(d);
}

/*
 * Expired entries the daemon owns: learned ones, and the operator's: a
 * `trunk add --ttl` (STATIC) has nobody else to remove it once the CLI
 * has exited, and CONFIG entries never expire (if one did, the config is
 * the daemon's). DNS entries are the resolver thread's, which deletes them
 * at their expiry; without a resolver (no names, or it could not start)
 * an earlier run's leftovers are nobody's, so the daemon takes them too.
 */
static void gc_trunks(struct daemon *d, __u64 now)
{
	__u32 owned = VFW_ORIGIN_BIT(VFW_ORIGIN_LEARNED) |
		      VFW_ORIGIN_BIT(VFW_ORIGIN_STATIC) |
		      VFW_ORIGIN_BIT(VFW_ORIGIN_CONFIG);

	if (!d->dns)
		owned |= VFW_ORIGIN_BIT(VFW_ORIGIN_DNS);
	vfw_trunks_gc(d->fds[VFW_MAP_TRUNKS], owned, now, 256);
}

#define TOP_DROP_SOURCES 5

struct top_sources {
	struct vfw_drop_key key[TOP_DROP_SOURCES];
	__u64 samples[TOP_DROP_SOURCES];
};

static int rank_source(const void *key, const void *value, void *ctx)
{
	const struct vfw_drop_val *val = value;
	struct top_sources *top = ctx;
	int i, j;

	for (i = 0; i < TOP_DROP_SOURCES && val->samples <= top->samples[i]; i++)
		;
	if (i == TOP_DROP_SOURCES)
		return 0;
	for (j = TOP_DROP_SOURCES - 1; j > i; j--) {
		top->samples[j] = top->samples[j - 1];
		top->key[j] = top->key[j - 1];
	}
	top->samples[i] = val->samples;
	top->key[i] = *(const struct vfw_drop_key *)key;
	return 0;
}

/*
 * The sampled drop sources since the last summary, the busiest first, as
 * "ADDR REASON ~PACKETS"; the map is emptied for the next interval.
 */
static void drop_sources(struct daemon *d, char *line, size_t len)
{
	struct top_sources top = {};
	int fd = d->fds[VFW_MAP_DROP_SRC];
	char addr[VFW_ADDR_STRLEN];
	size_t off = 0;
	int i;

	vfw_map_each(fd, VFW_MAP_DROP_SRC, rank_source, &top);
	vfw_map_clear(fd, VFW_MAP_DROP_SRC);
	line[0] = '\0';
	for (i = 0; i < TOP_DROP_SOURCES && top.samples[i] && off < len; i++)
		off += snprintf(line + off, len - off, "%s%s %s ~%llu",
				i ? ", " : "",
				vfw_addr_str(top.key[i].addr, addr, sizeof(addr)),
				vfw_reason_name(top.key[i].reason),
				(unsigned long long)top.samples[i] * VFW_DROP_SAMPLE_RATE);
}

/* One line per interval: what was dropped, by reason and by source. */
static void drop_summary(struct daemon *d)
{
	struct vfw_counter now[VFW_REASON_MAX];
	char line[512], sources[512];
	size_t off = 0;
	__u32 r;

	if (vfw_stats_read(d->fds[VFW_MAP_STATS], now))
		return;
	for (r = VFW_FIRST_DROP_REASON; r < VFW_REASON_MAX; r++) {
		__u64 delta = now[r].packets - d->last_stats[r].packets;

		if (delta && off < sizeof(line))
			off += snprintf(line + off, sizeof(line) - off, "%s%s %llu",
					off ? ", " : "", vfw_reason_name(r),
					(unsigned long long)delta);
	}
	memcpy(d->last_stats, now, sizeof(now));
	drop_sources(d, sources, sizeof(sources));
	if (off)
		pr_info("%s in the last %us: %s%s%s",
			d->cfg.monitor ? "would have dropped" : "dropped",
			d->cfg.drop_summary_interval, line,
			sources[0] ? "; top sources (sampled): " : "", sources);
}

#define MEDIA_CHECK_BATCH 64

/*
 * The tracker's advertised-address check (tracker.h, vfw_tracker_media_due):
 * the kernel counts what it passed to each call's pinholes and admissions,
 * so whether the far end's media arrived is read there, and the tracker
 * decides whether that is worth a warning. A call the maps cannot answer
 * for gets no verdict: no warning without evidence.
 */
static void check_advertised_media(struct daemon *d, __u64 now)
{
	struct vfw_tracker *t = vfw_pipeline_tracker(d->pipe);
	__u64 hashes[MEDIA_CHECK_BATCH], packets[MEDIA_CHECK_BATCH];
	unsigned i, n;
	int err;

	while ((n = vfw_tracker_media_due(t, now, hashes, MEDIA_CHECK_BATCH)) > 0) {
		err = vfw_calls_packets_read(d->fds[VFW_MAP_PINHOLES],
					     d->fds[VFW_MAP_ADMISSIONS], hashes, n,
					     packets);
		if (err) {
			pr_debug("media check: cannot read pinholes: %s", strerror(-err));
			continue;	/* those calls stay unjudged */
		}
		for (i = 0; i < n; i++) {
			pr_debug("media check: call %llx: %llu packets from the far end",
				 (unsigned long long)hashes[i],
				 (unsigned long long)packets[i]);
			if (packets[i])
				vfw_tracker_media_seen(t, hashes[i]);
			else
				vfw_tracker_media_missing(t, hashes[i]);
		}
	}
}

static void housekeeping(struct daemon *d)
{
	__u64 now = vfw_now_ns();

	if (now < d->next_gc_ns)
		return;
	d->next_gc_ns = now + GC_INTERVAL_NS;
	keep_flowing_calls(d, now);
	vfw_pipeline_tick(d->pipe, now);
	check_advertised_media(d, now);
	save_dirty_calls(d);
	gc_pinholes(d, now);
	gc_trunks(d, now);
	if (d->cfg.drop_summary_interval && now >= d->next_summary_ns) {
		d->next_summary_ns = now + (__u64)d->cfg.drop_summary_interval * NSEC;
		drop_summary(d);
	}
}

/* SIGHUP: new ports, trunks, switches; live calls and pinholes untouched. */
static void reload(struct daemon *d)
{
	struct vfw_config fresh;

	if (!d->config_path) {
		pr_info("reload: no config file, nothing to do");
		return;
	}
	if (vfw_config_load(d->config_path, &fresh)) {
		pr_err("reload: keeping the running config");
		return;
	}
	/* Where we are attached is not changed by a reload. */
	memcpy(fresh.ifaces, d->cfg.ifaces, sizeof(fresh.ifaces));
	fresh.n_ifaces = d->cfg.n_ifaces;
	memcpy(fresh.pin_dir, d->cfg.pin_dir, sizeof(fresh.pin_dir));
	d->cfg = fresh;
	vfw_sender_configure(d->sender, &d->cfg);
	if (apply_config(d) == 0)
		pr_info("reloaded %s", d->config_path);
	if (d->dns)
		vfw_dns_reload(d->dns, &d->cfg);
	else if (d->cfg.n_dns)
		d->dns = vfw_dns_start(&d->cfg, d->fds[VFW_MAP_TRUNKS], NULL);
}

static int setup(struct daemon *d)
{
	struct vfw_tracker_config tcfg;
	struct vfw_sink sink = { .ctx = d, .event = on_event };
	int err;

	err = attach_all(d);
	if (err)
		return err;
	err = vfw_maps_open(d->cfg.pin_dir, d->fds);
	if (err)
		return err;
	err = apply_config(d);
	if (err)
		return err;
	vfw_config_tracker(&d->cfg, &tcfg);
	d->pipe = vfw_pipeline_new(&tcfg, sink);
	if (!d->pipe)
		return -ENOMEM;
	d->sender = vfw_sender_new(&d->cfg);
	if (!d->sender) {
		err = -errno;
		pr_err("cannot ask conntrack who sends outgoing SIP (needed to follow only voip_hosts): %s",
		       strerror(-err));
		return err;
	}
	vfw_pipeline_set_sender_filter(d->pipe, vfw_sender_is_voip_host, d->sender);
	restore_calls(d);
	d->rb = ring_buffer__new(d->fds[VFW_MAP_TAP], on_tap, d, NULL);
	if (!d->rb) {
		err = -errno;
		pr_err("cannot open the SIP tap ring buffer: %s", strerror(-err));
		return err;
	}
	if (d->cfg.n_dns) {
		d->dns = vfw_dns_start(&d->cfg, d->fds[VFW_MAP_TRUNKS], NULL);
		if (!d->dns)
			pr_warn("DNS trunks disabled: cannot start the resolver: %s",
				strerror(errno));
	}
	vfw_stats_read(d->fds[VFW_MAP_STATS], d->last_stats);
	d->next_summary_ns = vfw_now_ns() +
			     (__u64)d->cfg.drop_summary_interval * NSEC;
	return 0;
}

static void teardown(struct daemon *d)
{
	if (d->dns)
		vfw_dns_stop(d->dns);
	/* Nobody reads the tap any more; the filter itself stays. */
	if (d->fds[VFW_MAP_RUNTIME] >= 0)
		apply_runtime(d, false);
	ring_buffer__free(d->rb);
	vfw_pipeline_free(d->pipe);
	vfw_sender_free(d->sender);
	free(d->media);
	vfw_maps_close(d->fds);
}

int vfw_daemon_run(const struct vfw_daemon_opts *opts)
{
	struct daemon *d;
	int i, err;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	for (i = 0; i < VFW_MAP_COUNT; i++)
		d->fds[i] = -1;
	d->cfg = opts->cfg;
	d->config_path = opts->config_path;
	d->json_events = opts->json_events;
	vfw_log_set_level(d->cfg.log_level);

	/*
	 * The tap-to-pinhole latency is a race with the far end's first RTP
	 * packet; a busy router must not keep us waiting for a CPU.
	 */
	if (setpriority(PRIO_PROCESS, 0, -10))
		pr_debug("cannot raise the daemon's priority: %s", strerror(errno));
	err = install_signals();
	err = err ?: setup(d);
	if (err)
		goto cleanup;
	pr_info("running on %u interface%s, %s, pin dir %s", d->cfg.n_ifaces,
		d->cfg.n_ifaces == 1 ? "" : "s",
		d->cfg.monitor ? "monitor mode" : "enforcing", d->cfg.pin_dir);
	sd_notify(0, "READY=1\nSTATUS=following SIP");

	while (!got_stop) {
		err = ring_buffer__poll(d->rb, POLL_MS);
		if (err < 0 && err != -EINTR) {
			pr_err("reading the SIP tap failed: %s", strerror(-err));
			break;
		}
		err = 0;
		if (got_reload) {
			got_reload = 0;
			sd_notify(0, "RELOADING=1");
			reload(d);
			sd_notify(0, "READY=1");
		}
		housekeeping(d);
		sd_notify(0, "WATCHDOG=1");
	}
	sd_notify(0, "STOPPING=1");
	pr_info("stopping; the firewall stays attached ('voipfw detach' removes it)");
cleanup:
	teardown(d);
	free(d);
	return err;
}
