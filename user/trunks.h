/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Every write and delete of the pinned trunks map goes through here: the
 * daemon's registrations and config (user/daemon.c), the DNS thread
 * (user/dns.c) and the CLI (user/cmd_trunk.c). Each call reads the key's
 * exact entry, asks the precedence rule (user/lib/trunk_rules.h) and
 * writes or deletes only what it allows, so no writer can take over or
 * remove another's entry (issue 11: a registration to a DNS trunk's
 * address used to replace it, and the registration's end deleted it).
 *
 * Concurrency. Within one process (the daemon's main thread and its DNS
 * thread) a mutex makes each read-modify-write atomic. Across processes
 * (the CLI, a second daemon) there is no lock the kernel would honour on
 * an LPM trie without changing its value layout; the write is conditional
 * instead (BPF_NOEXIST when the key was absent, BPF_EXIST when present)
 * and retried, so a key created or deleted in between is noticed. What
 * remains is an entry's value changing between our lookup and our write:
 * an operator's `trunk add` racing a daemon write of the same address by
 * microseconds; the later write wins, as it always did.
 */
#ifndef VOIPFW_TRUNKS_H
#define VOIPFW_TRUNKS_H

#include "voipfw.h"

/*
 * Proposes `want` (its origin names the writer) for exactly `key`.
 * Returns 1 if written, 0 if the map already holds what the rule keeps
 * (then *held, if not NULL, is that entry: equal to want, or a
 * higher-ranked origin's), or -errno.
 */
int vfw_trunk_put(int fd, const struct vfw_lpm_key *key,
		  const struct vfw_trunk *want, struct vfw_trunk *held);

/*
 * Deletes exactly `key` if the rule lets `by_origin` delete it.
 * Returns 1 if deleted, 0 if kept (*held, if not NULL, is the entry),
 * -ENOENT if there is no such entry, or another -errno. Where the key is
 * absent but a shorter prefix covers it, the rule is asked about that
 * prefix's entry: 0 (kept) or -ENOENT; nothing is deleted either way.
 */
int vfw_trunk_del(int fd, const struct vfw_lpm_key *key, __u32 by_origin,
		  struct vfw_trunk *held);

/*
 * Deletes up to `max` entries expired at `now` whose origin is in the
 * mask `owned` (VFW_ORIGIN_BIT). Returns how many were deleted.
 */
unsigned vfw_trunks_gc(int fd, __u32 owned, __u64 now, unsigned max);

#endif /* VOIPFW_TRUNKS_H */
