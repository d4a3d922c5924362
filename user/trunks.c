// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The trunks map's one gate: read, ask trunk_rules, write. See trunks.h. */
#include "trunks.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "trunk_rules.h"

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

/* The rule again, under the lock: the walk's view may be stale. */
static bool gc_one(int fd, const struct vfw_lpm_key *key, __u32 owned, __u64 now)
{
	struct vfw_trunk cur;
	bool gone = false;

	pthread_mutex_lock(&trunks_lock);
	if (lookup(fd, key, &cur) == 0 &&
	    vfw_trunk_gc_rule(&cur, owned, now) == VFW_TRUNK_DELETE)
		gone = bpf_map_delete_elem(fd, key) == 0;
	pthread_mutex_unlock(&trunks_lock);
	return gone;
}

unsigned vfw_trunks_gc(int fd, __u32 owned, __u64 now, unsigned max)
{
	struct vfw_lpm_key key, next, *prev = NULL, *dead;
	struct vfw_trunk val;
	unsigned n = 0, i, gone = 0;

	dead = calloc(max ? max : 1, sizeof(*dead));
	if (!dead)
		return 0;
	/* collect first: deleting while walking the trie skips keys */
	while (n < max && bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (lookup(fd, &key, &val) == 0 &&
		    vfw_trunk_gc_rule(&val, owned, now) == VFW_TRUNK_DELETE)
			dead[n++] = key;
	}
	for (i = 0; i < n; i++)
		gone += gc_one(fd, &dead[i], owned, now);
	free(dead);
	return gone;
}
