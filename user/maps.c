// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The map layer: the pinned maps' list, and every write to them. See maps.h. */
#include "maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "trunk_rules.h"

/* The walk's buffers: the largest key and value of any map (a call record). */
#define MAX_KEY   64
#define MAX_VALUE 4096
#define VFW_MAP_FITS(id, pin, skel, type, key, value) \
	_Static_assert((key) <= MAX_KEY && (value) <= MAX_VALUE, pin " fits the walk");
VFW_MAP_LIST(VFW_MAP_FITS)
#undef VFW_MAP_FITS

static const struct vfw_map_layout layouts[VFW_MAP_COUNT] = {
#define VFW_MAP_LAYOUT(id, pin, skel, type, key, value) \
	[VFW_MAP_##id] = { pin, type, key, value },
	VFW_MAP_LIST(VFW_MAP_LAYOUT)
#undef VFW_MAP_LAYOUT
};

const struct vfw_map_layout *vfw_map_layout(enum vfw_map_id id)
{
	return id < VFW_MAP_COUNT ? &layouts[id] : NULL;
}

const char *vfw_map_pin_name(enum vfw_map_id id)
{
	return id < VFW_MAP_COUNT ? layouts[id].pin_name : "?";
}

int vfw_map_check(enum vfw_map_id id, __u32 type, __u32 key_size,
		  __u32 value_size, const char *what)
{
	const struct vfw_map_layout *want = &layouts[id];

	if (type == want->type && key_size == want->key_size &&
	    value_size == want->value_size)
		return 0;
	pr_err("%s is not a voipfw %s map of this version (type %u, key %u, value %u bytes; expected type %u, key %u, value %u); "
	       "detach every interface and remove the pin directory",
	       what, want->pin_name, type, key_size, value_size, want->type,
	       want->key_size, want->value_size);
	return -EPROTO;
}

int vfw_map_check_layout(int fd, enum vfw_map_id id, const char *path)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		pr_err("%s: cannot read map info: %s", path, strerror(errno));
		return -errno;
	}
	return vfw_map_check(id, info.type, info.key_size, info.value_size, path);
}

int vfw_map_open(const char *dir, enum vfw_map_id id)
{
	char path[PATH_MAX];
	int fd, err;

	err = vfw_pin_path(path, sizeof(path), dir, layouts[id].pin_name);
	if (err) {
		pr_err("pin directory name too long: %s", dir);
		return err;
	}
	fd = bpf_obj_get(path);
	if (fd < 0) {
		err = -errno;
		if (err == -ENOENT)
			pr_err("nothing attached: %s does not exist (run 'voipfw attach --iface IF'%s)",
			       path, strcmp(dir, VFW_DEFAULT_PIN_DIR) ?
			       " with the same --pin-dir" : "");
		else if (err == -EACCES || err == -EPERM)
			pr_err("permission denied opening %s: voipfw needs root (CAP_BPF, CAP_NET_ADMIN)",
			       path);
		else
			pr_err("cannot open %s: %s", path, strerror(-err));
		return err;
	}
	err = vfw_map_check_layout(fd, id, path);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

void vfw_maps_close(int fds[VFW_MAP_COUNT])
{
	int i;

	for (i = 0; i < VFW_MAP_COUNT; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

int vfw_maps_open(const char *dir, int fds[VFW_MAP_COUNT])
{
	int i;

	for (i = 0; i < VFW_MAP_COUNT; i++)
		fds[i] = -1;
	for (i = 0; i < VFW_MAP_COUNT; i++) {
		fds[i] = vfw_map_open(dir, i);
		if (fds[i] < 0) {
			int err = fds[i];

			vfw_maps_close(fds);
			return err;
		}
	}
	return 0;
}

int vfw_map_max_entries(int fd, __u32 *max)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*max = info.max_entries;
	return 0;
}

/* ---- walking ---- */

int vfw_map_each(int fd, enum vfw_map_id id, vfw_map_each_fn fn, void *ctx)
{
	const struct vfw_map_layout *l = &layouts[id];
	unsigned char key[MAX_KEY], next[MAX_KEY];
	_Alignas(8) unsigned char value[MAX_VALUE];
	void *prev = NULL;
	__u32 max = 0, steps = 0;
	int rc;

	if (l->key_size > sizeof(key) || l->value_size > sizeof(value) ||
	    l->type == BPF_MAP_TYPE_PERCPU_ARRAY || l->type == BPF_MAP_TYPE_RINGBUF)
		return -EINVAL;
	rc = vfw_map_max_entries(fd, &max);
	if (rc)
		return rc;
	while (steps++ <= max && bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, l->key_size);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, value))
			continue;   /* deleted meanwhile */
		rc = fn(key, value, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

static int count_one(const void *key, const void *value, void *ctx)
{
	(*(__u32 *)ctx)++;
	return 0;
}

int vfw_map_count(int fd, enum vfw_map_id id, __u32 *count)
{
	*count = 0;
	return vfw_map_each(fd, id, count_one, count);
}

int vfw_map_clear(int fd, enum vfw_map_id id)
{
	unsigned char key[MAX_KEY];
	__u32 max = 0, n = 0;
	int err = vfw_map_max_entries(fd, &max);

	if (err)
		return err;
	/* Always the first key: deleting while walking skips entries. */
	while (n <= max && bpf_map_get_next_key(fd, NULL, key) == 0) {
		if (bpf_map_delete_elem(fd, key) && errno != ENOENT)
			return -errno;
		n++;
	}
	return (int)n;
}

/*
 * Collects up to `max` keys whose entry pred() condemns, then deletes each
 * one pred() still condemns on a fresh look (the XDP program may have used
 * it since). Deleting while walking would skip keys. Returns how many went;
 * gone(), if not NULL, sees each entry as it was when deleted.
 */
typedef bool (*condemn_fn)(const void *key, const void *value, void *ctx);

struct collect {
	condemn_fn pred;
	void *ctx;
	unsigned char *keys;
	__u32 key_size;
	unsigned n, max;
};

static int collect_one(const void *key, const void *value, void *ctx)
{
	struct collect *c = ctx;

	if (c->pred(key, value, c->ctx))
		memcpy(c->keys + (size_t)c->n++ * c->key_size, key, c->key_size);
	return c->n >= c->max;
}

static unsigned delete_if(int fd, enum vfw_map_id id, unsigned max,
			  condemn_fn pred, void *ctx,
			  void (*gone)(const void *key, const void *value, void *ctx))
{
	struct collect c = { .pred = pred, .ctx = ctx, .max = max,
			     .key_size = layouts[id].key_size };
	_Alignas(8) unsigned char value[MAX_VALUE];
	unsigned i, deleted = 0;

	if (!max || !(c.keys = calloc(max, c.key_size)))
		return 0;
	vfw_map_each(fd, id, collect_one, &c);
	for (i = 0; i < c.n; i++) {
		const void *key = c.keys + (size_t)i * c.key_size;

		if (bpf_map_lookup_elem(fd, key, value) || !pred(key, value, ctx) ||
		    bpf_map_delete_elem(fd, key))
			continue;
		deleted++;
		if (gone)
			gone(key, value, ctx);
	}
	free(c.keys);
	return deleted;
}

__u64 vfw_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

bool vfw_pinhole_expired(const struct vfw_pinhole *v, __u64 now)
{
	/* last_seen may be newer than now: XDP writes it concurrently */
	return (v->expires_ns && now >= v->expires_ns) ||
	       (v->idle_ns && now > v->last_seen_ns &&
		now - v->last_seen_ns > v->idle_ns);
}

/* ---- ports, run-time switches, interfaces ---- */

static int set_class(struct vfw_port_class_entry *e, __u8 proto, __u8 class)
{
	if (proto == IPPROTO_UDP)
		e->udp = class;
	else if (proto == IPPROTO_TCP)
		e->tcp = class;
	else
		return -EINVAL;
	return 0;
}

int vfw_ports_read(int fd, struct vfw_port_class_entry *all)
{
	__u32 port;

	for (port = 0; port < VFW_PORT_SLOTS; port++) {
		if (bpf_map_lookup_elem(fd, &port, &all[port]))
			return -errno;
	}
	return 0;
}

int vfw_ports_write(int fd, const struct vfw_port_class_entry *want)
{
	struct vfw_port_class_entry cur;
	__u32 port;

	for (port = 0; port < VFW_PORT_SLOTS; port++) {
		if (bpf_map_lookup_elem(fd, &port, &cur))
			return -errno;
		if (cur.udp == want[port].udp && cur.tcp == want[port].tcp)
			continue;
		if (bpf_map_update_elem(fd, &port, &want[port], BPF_ANY))
			return -errno;
	}
	return 0;
}

/* A class for a range of ports of one protocol. */
struct port_range {
	__u8 proto, class;
	__u16 first, last;
};

/* Applies ranges to the current classes (or to none) and writes what changed. */
static int ports_apply(int fd, bool from_empty, const struct port_range *r,
		       unsigned n)
{
	struct vfw_port_class_entry *all = calloc(VFW_PORT_SLOTS, sizeof(*all));
	__u32 port;
	unsigned i;
	int err;

	if (!all)
		return -ENOMEM;
	err = from_empty ? 0 : vfw_ports_read(fd, all);
	for (i = 0; i < n && !err; i++)
		for (port = r[i].first; port <= r[i].last && !err; port++)
			err = set_class(&all[port], r[i].proto, r[i].class);
	err = err ?: vfw_ports_write(fd, all);
	free(all);
	return err;
}

int vfw_ports_set(int fd, __u8 proto, __u16 first, __u16 last, __u8 class)
{
	const struct port_range r = { proto, class, first, last };

	return ports_apply(fd, false, &r, 1);
}

int vfw_ports_set_defaults(int fd)
{
	static const struct port_range defaults[] = {
		{ IPPROTO_UDP, VFW_CLASS_SIP, VFW_DEFAULT_SIP_PORT, VFW_DEFAULT_SIP_PORT },
		{ IPPROTO_TCP, VFW_CLASS_SIP, VFW_DEFAULT_SIP_PORT, VFW_DEFAULT_SIPS_PORT },
		{ IPPROTO_UDP, VFW_CLASS_MEDIA, VFW_DEFAULT_MEDIA_FIRST,
		  VFW_DEFAULT_MEDIA_LAST },
	};

	return ports_apply(fd, true, defaults, sizeof(defaults) / sizeof(defaults[0]));
}

void vfw_runtime_defaults(struct vfw_runtime *rt)
{
	memset(rt, 0, sizeof(*rt));
	rt->reply_ttl_ns = VFW_DEFAULT_REPLY_TTL_NS;
	rt->announce_ttl_s = VFW_DEFAULT_ANNOUNCE_TTL_S;
}

int vfw_runtime_read(int fd, struct vfw_runtime *rt)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(fd, &zero, rt) ? -errno : 0;
}

int vfw_runtime_write(int fd, const struct vfw_runtime *rt)
{
	__u32 zero = 0;

	return bpf_map_update_elem(fd, &zero, rt, BPF_ANY) ? -errno : 0;
}

int vfw_iface_put(int fd, const struct vfw_iface *rec)
{
	__u32 key = rec->ifindex;

	return bpf_map_update_elem(fd, &key, rec, BPF_ANY) ? -errno : 0;
}

static bool iface_named(const void *key, const void *value, void *ctx)
{
	const struct vfw_iface *rec = value;

	return strncmp((const char *)rec->name, ctx, sizeof(rec->name)) == 0;
}

void vfw_iface_forget(int fd, const char *ifname)
{
	delete_if(fd, VFW_MAP_IFACES, VFW_MAX_IFACES, iface_named, (void *)ifname, NULL);
}

/*
 * Sums a per-CPU array over CPUs: n_keys entries whose values are `width`
 * __u64 counters each; out holds n_keys * width sums.
 */
static int percpu_sum(int fd, __u32 n_keys, __u32 width, __u64 *out)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *percpu;
	__u32 key, f;
	int cpu, err = 0;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	percpu = calloc((size_t)ncpu * width, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	memset(out, 0, (size_t)n_keys * width * sizeof(*out));
	for (key = 0; key < n_keys; key++) {
		if (bpf_map_lookup_elem(fd, &key, percpu)) {
			err = -errno;
			break;
		}
		for (cpu = 0; cpu < ncpu; cpu++)
			for (f = 0; f < width; f++)
				out[key * width + f] += percpu[cpu * width + f];
	}
	free(percpu);
	return err;
}

int vfw_stats_read(int fd, struct vfw_counter out[VFW_REASON_MAX])
{
	_Static_assert(sizeof(struct vfw_counter) == 2 * sizeof(__u64),
		       "vfw_counter is two __u64 counters");
	return percpu_sum(fd, VFW_REASON_MAX, 2, (__u64 *)out);
}

int vfw_tap_stats_read(int fd, __u64 out[VFW_TAP_COUNTER_MAX])
{
	return percpu_sum(fd, VFW_TAP_COUNTER_MAX, 1, out);
}

struct call_packets {
	const __u64 *hashes;
	unsigned n;
	__u64 *packets;
};

static int add_call_packets(const void *key, const void *value, void *ctx)
{
	const struct vfw_pinhole *v = value;
	struct call_packets *cp = ctx;
	unsigned i;

	if (!v->call_hash)
		return 0;
	for (i = 0; i < cp->n; i++)
		if (cp->hashes[i] == v->call_hash)
			cp->packets[i] += v->packets;
	return 0;
}

int vfw_calls_packets_read(int pinholes_fd, int admissions_fd,
			   const __u64 *call_hashes, unsigned n, __u64 *packets)
{
	struct call_packets cp = { call_hashes, n, packets };
	int err;

	memset(packets, 0, n * sizeof(*packets));
	if (!n)
		return 0;
	err = vfw_map_each(pinholes_fd, VFW_MAP_PINHOLES, add_call_packets, &cp);
	if (!err)
		err = vfw_map_each(admissions_fd, VFW_MAP_ADMISSIONS, add_call_packets, &cp);
	return err;
}

/* ---- trunks ---- */

/* Conditional writes that lost a race with another process are retried. */
#define PUT_TRIES 4

/* One lock per process: the daemon's main thread and its DNS thread. */
static pthread_mutex_t trunks_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The entry stored under exactly `key`. A lookup in an LPM trie answers
 * with the longest prefix covering the key, which may be a shorter one;
 * so the caller only trusts it after learning the exact key exists.
 */
static int lookup(int fd, const struct vfw_lpm_key *key, struct vfw_trunk *v)
{
	return bpf_map_lookup_elem(fd, key, v) ? -errno : 0;
}

static int put_locked(int fd, const struct vfw_lpm_key *key,
		      const struct vfw_trunk *want, struct vfw_trunk *held)
{
	struct vfw_trunk cur;
	int i;

	/* the longest prefix covering key: a permanent one of another origin? */
	if (want->origin == VFW_ORIGIN_LEARNED && lookup(fd, key, &cur) == 0 &&
	    cur.origin != VFW_ORIGIN_LEARNED && !cur.expires_ns) {
		if (held)
			*held = cur;
		return 0;
	}
	for (i = 0; i < PUT_TRIES; i++) {
		/* No exact entry: every writer may create one (the rule's "none"). */
		if (bpf_map_update_elem(fd, key, want, BPF_NOEXIST) == 0)
			return 1;
		if (errno != EEXIST)
			return -errno;
		/* the exact key exists, so the longest match is that entry */
		if (lookup(fd, key, &cur))
			continue;   /* deleted meanwhile: try creating again */
		if (vfw_trunk_put_rule(&cur, want) == VFW_TRUNK_KEEP) {
			if (held)
				*held = cur;
			return 0;
		}
		if (bpf_map_update_elem(fd, key, want, BPF_EXIST) == 0)
			return 1;
		if (errno != ENOENT)
			return -errno;
	}
	return -EAGAIN;
}

int vfw_trunk_put(int fd, const struct vfw_lpm_key *key,
		  const struct vfw_trunk *want, struct vfw_trunk *held)
{
	int rc;

	pthread_mutex_lock(&trunks_lock);
	rc = put_locked(fd, key, want, held);
	pthread_mutex_unlock(&trunks_lock);
	return rc;
}

/*
 * If the exact key is absent, the lookup may answer with a covering
 * prefix; the delete of the exact key then fails with ENOENT, which is the
 * right answer. A covering entry never makes us delete something else:
 * the delete is of the exact key, and it only exists if the lookup found it.
 */
static int del_locked(int fd, const struct vfw_lpm_key *key, __u32 by_origin,
		      struct vfw_trunk *held)
{
	struct vfw_trunk cur;
	int rc = lookup(fd, key, &cur);

	if (rc)
		return rc;
	if (vfw_trunk_del_rule(&cur, by_origin) == VFW_TRUNK_KEEP) {
		if (held)
			*held = cur;
		return 0;
	}
	return bpf_map_delete_elem(fd, key) ? -errno : 1;
}

int vfw_trunk_del(int fd, const struct vfw_lpm_key *key, __u32 by_origin,
		  struct vfw_trunk *held)
{
	int rc;

	pthread_mutex_lock(&trunks_lock);
	rc = del_locked(fd, key, by_origin, held);
	pthread_mutex_unlock(&trunks_lock);
	return rc;
}

struct trunk_gc {
	__u32 owned;
	__u64 now;
};

static bool trunk_collectable(const void *key, const void *value, void *ctx)
{
	const struct trunk_gc *g = ctx;

	return vfw_trunk_gc_rule(value, g->owned, g->now) == VFW_TRUNK_DELETE;
}

unsigned vfw_trunks_gc(int fd, __u32 owned, __u64 now, unsigned max)
{
	struct trunk_gc g = { owned, now };
	unsigned gone;

	pthread_mutex_lock(&trunks_lock);
	gone = delete_if(fd, VFW_MAP_TRUNKS, max, trunk_collectable, &g, NULL);
	pthread_mutex_unlock(&trunks_lock);
	return gone;
}

/* ---- pinholes and call records ---- */

int vfw_pinhole_put(int fd, const struct vfw_pinhole_key *key,
		    const struct vfw_pinhole *want)
{
	struct vfw_pinhole cur, val = *want;

	if (bpf_map_lookup_elem(fd, key, &cur) == 0) {
		if (cur.origin == VFW_ORIGIN_STATIC && !cur.expires_ns &&
		    want->origin != VFW_ORIGIN_STATIC)
			return 0;
		if (cur.origin == want->origin) {
			val.created_ns = cur.created_ns;
			val.packets = cur.packets;
			val.bytes = cur.bytes;
		}
	}
	return bpf_map_update_elem(fd, key, &val, BPF_ANY) ? -errno : 1;
}

int vfw_pinhole_del(int fd, const struct vfw_pinhole_key *key)
{
	return bpf_map_delete_elem(fd, key) ? -errno : 0;
}

/* Deletes fd's entry for key if it is this call's, of the given origin. */
static void delete_if_calls(int fd, const struct vfw_pinhole_key *key,
			    __u32 origin, __u64 call_hash)
{
	struct vfw_pinhole val;

	if (bpf_map_lookup_elem(fd, key, &val) == 0 && val.origin == origin &&
	    val.call_hash == call_hash)
		bpf_map_delete_elem(fd, key);
}

void vfw_call_pinhole_close(int pinholes_fd, int admissions_fd,
			    const struct vfw_pinhole_key *key, __u64 call_hash)
{
	delete_if_calls(pinholes_fd, key, VFW_ORIGIN_CALL, call_hash);
	delete_if_calls(admissions_fd, key, VFW_ORIGIN_ANNOUNCED, call_hash);
}

struct pinhole_gc {
	__u64 now;
	vfw_pinhole_closed_fn closed;
	void *ctx;
};

static bool pinhole_expired(const void *key, const void *value, void *ctx)
{
	const struct pinhole_gc *g = ctx;

	return vfw_pinhole_expired(value, g->now);
}

static void pinhole_gone(const void *key, const void *value, void *ctx)
{
	const struct pinhole_gc *g = ctx;

	if (g->closed)
		g->closed(key, value, g->ctx);
}

unsigned vfw_pinholes_gc(int fd, __u64 now, unsigned max,
			 vfw_pinhole_closed_fn closed, void *ctx)
{
	struct pinhole_gc g = { now, closed, ctx };

	return delete_if(fd, VFW_MAP_PINHOLES, max, pinhole_expired, &g, pinhole_gone);
}

int vfw_call_save(int fd, __u64 call_hash, const struct vfw_call_record *rec)
{
	return bpf_map_update_elem(fd, &call_hash, rec, BPF_ANY) ? -errno : 0;
}

void vfw_call_forget(int fd, __u64 call_hash)
{
	bpf_map_delete_elem(fd, &call_hash);
}
