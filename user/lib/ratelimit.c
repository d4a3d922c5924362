// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "ratelimit.h"

#include <stddef.h>
#include <stdint.h>

static struct vfw_ratelimit_slot *slot_of(struct vfw_ratelimit *rl,
					  const char *kind)
{
	unsigned i;

	if (!kind)
		return &rl->slot[VFW_RATELIMIT_KINDS - 1];
	for (i = 0; i < VFW_RATELIMIT_KINDS - 1; i++) {
		if (rl->slot[i].kind == kind)
			return &rl->slot[i];
		if (!rl->slot[i].kind) {
			rl->slot[i].kind = kind;
			return &rl->slot[i];
		}
	}
	return &rl->slot[VFW_RATELIMIT_KINDS - 1];
}

bool vfw_ratelimit_allow(struct vfw_ratelimit *rl, const char *kind,
			 __u64 now_ns, __u32 *suppressed)
{
	struct vfw_ratelimit_slot *s = slot_of(rl, kind);

	/* a new window; a clock that went back starts one too */
	if (now_ns < s->window_start_ns ||
	    now_ns - s->window_start_ns >= VFW_RATELIMIT_INTERVAL_NS) {
		s->window_start_ns = now_ns;
		s->logged = 0;
	}
	if (s->logged >= VFW_RATELIMIT_BURST) {
		if (s->suppressed < UINT32_MAX)
			s->suppressed++;
		return false;
	}
	s->logged++;
	*suppressed = s->suppressed;
	s->suppressed = 0;
	return true;
}
