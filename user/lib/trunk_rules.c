// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Precedence of the trunks map's writers; see trunk_rules.h. */
#include "trunk_rules.h"

#include <string.h>

unsigned vfw_trunk_rank(__u32 origin)
{
	switch (origin) {
	case VFW_ORIGIN_STATIC:
	case VFW_ORIGIN_CONFIG:
		return 3;
	case VFW_ORIGIN_DNS:
		return 2;
	case VFW_ORIGIN_LEARNED:
		return 1;
	default:
		/* not a trunk origin: whatever put it there, anyone may replace it */
		return 0;
	}
}

enum vfw_trunk_action vfw_trunk_put_rule(const struct vfw_trunk *cur,
					 const struct vfw_trunk *want)
{
	if (!cur)
		return VFW_TRUNK_WRITE;
	if (!memcmp(cur, want, sizeof(*cur)))
		return VFW_TRUNK_KEEP;   /* a rewrite would only cost a syscall */
	if (vfw_trunk_rank(want->origin) < vfw_trunk_rank(cur->origin))
		return VFW_TRUNK_KEEP;
	return VFW_TRUNK_WRITE;
}

enum vfw_trunk_action vfw_trunk_del_rule(const struct vfw_trunk *cur,
					 __u32 by_origin)
{
	if (!cur)
		return VFW_TRUNK_KEEP;
	/* the operator's `trunk del` is an override: it removes what is there */
	if (by_origin == VFW_ORIGIN_STATIC || cur->origin == by_origin)
		return VFW_TRUNK_DELETE;
	return VFW_TRUNK_KEEP;
}

enum vfw_trunk_action vfw_trunk_gc_rule(const struct vfw_trunk *cur,
					__u32 owned, __u64 now)
{
	if (!cur || !cur->expires_ns || now < cur->expires_ns)
		return VFW_TRUNK_KEEP;
	if (cur->origin >= 32 || !(owned & VFW_ORIGIN_BIT(cur->origin)))
		return VFW_TRUNK_KEEP;
	return VFW_TRUNK_DELETE;
}
