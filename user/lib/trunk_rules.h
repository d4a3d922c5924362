/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Who may write or delete an entry of the trunks map. Three writers share
 * it: the operator (CLI: STATIC, config file: CONFIG), the DNS thread (DNS)
 * and the registration tracker (LEARNED). One key holds one entry, so when
 * two of them want the same address the rule says whose entry stands:
 *
 *   operator (STATIC, CONFIG)  >  DNS  >  LEARNED
 *
 *  - A write of a higher or equal rank replaces the entry; STATIC and
 *    CONFIG are one rank (the operator's latest word wins, as before).
 *  - A write of a lower rank changes nothing: a registration neither
 *    replaces nor narrows (shorter expiry, fewer admit bits) a DNS or
 *    configured entry; it does not widen one either, since the wider
 *    entry would still carry the higher origin's name and expiry, and
 *    its owner rewrites it to its own value at its next pass.
 *  - A delete removes only the deleter's own origin (a failed or ended
 *    registration deletes LEARNED, a DNS answer DNS, the config file
 *    CONFIG); a STATIC delete is the operator's `trunk del` and removes
 *    any origin (see user/cmd_trunk.c).
 *  - Garbage collection removes only expired entries of the origins the
 *    collector owns (a mask of 1 << origin).
 *
 * Pure: no map access here (user/maps.c applies it), so the unit tests
 * reach every pair.
 */
#ifndef VOIPFW_TRUNK_RULES_H
#define VOIPFW_TRUNK_RULES_H

#include <stdbool.h>
#include "voipfw.h"

enum vfw_trunk_action {
	VFW_TRUNK_KEEP = 0,    /* leave the map as it is */
	VFW_TRUNK_WRITE,       /* store the proposed entry */
	VFW_TRUNK_DELETE,      /* delete the key */
};

#define VFW_ORIGIN_BIT(o) (1U << (o))

/* Rank of an origin in the trunks map: 3 operator, 2 DNS, 1 learned, 0 other. */
unsigned vfw_trunk_rank(__u32 origin);

/*
 * A proposed write of `want` over `cur` (NULL: no entry). WRITE or KEEP;
 * KEEP also when cur already equals want (nothing to do).
 */
enum vfw_trunk_action vfw_trunk_put_rule(const struct vfw_trunk *cur,
					 const struct vfw_trunk *want);

/* A delete by `by_origin` of `cur` (NULL: no entry). DELETE or KEEP. */
enum vfw_trunk_action vfw_trunk_del_rule(const struct vfw_trunk *cur,
					 __u32 by_origin);

/* Garbage collection at `now` by a collector owning `owned` origins. */
enum vfw_trunk_action vfw_trunk_gc_rule(const struct vfw_trunk *cur,
					__u32 owned, __u64 now);

#endif /* VOIPFW_TRUNK_RULES_H */
