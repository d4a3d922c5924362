/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A bound on repeated log lines. Warnings are caused by packets from the
 * internet, so whoever sends them must not be able to fill the disk or
 * drown the other messages: each kind (a static reason string) may log
 * VFW_RATELIMIT_BURST lines per VFW_RATELIMIT_INTERVAL_NS window; the rest
 * are counted, and the next allowed line says how many were suppressed.
 * Pure logic: the caller passes the time.
 */
#ifndef VOIPFW_RATELIMIT_H
#define VOIPFW_RATELIMIT_H

#include <stdbool.h>
#include <linux/types.h>

#define VFW_RATELIMIT_BURST       5
#define VFW_RATELIMIT_INTERVAL_NS (10ULL * 1000000000ULL)
#define VFW_RATELIMIT_KINDS       16   /* more kinds share the last slot */

struct vfw_ratelimit_slot {
	const char *kind;
	__u64 window_start_ns;
	__u32 logged, suppressed;
};

struct vfw_ratelimit {
	struct vfw_ratelimit_slot slot[VFW_RATELIMIT_KINDS];
};

/*
 * true: log this line now; *suppressed is then the number of lines of the
 * same kind dropped since the last one logged (say so when non-zero).
 */
bool vfw_ratelimit_allow(struct vfw_ratelimit *rl, const char *kind,
			 __u64 now_ns, __u32 *suppressed);

#endif /* VOIPFW_RATELIMIT_H */
