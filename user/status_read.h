/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Reading what `voipfw status` shows (attached interfaces, map fill levels,
 * protected ports, the daemon's feed, the TC counters) from the pinned
 * maps, read only. Shared by `status` (cmd_stats.c) and `doctor`.
 */
#ifndef VOIPFW_STATUS_READ_H
#define VOIPFW_STATUS_READ_H

#include <stdbool.h>
#include <linux/types.h>

#include "voipfw.h"

struct vfw_map_fill {
	const char *name;
	__u32 used;
	__u32 max;
};

/* trunks, pinholes, frags, calls, admissions, replies */
#define VFW_STATUS_FILL_MAPS 6

struct vfw_status {
	struct vfw_iface ifaces[VFW_MAX_IFACES];
	bool link_ok[VFW_MAX_IFACES];
	int n_ifaces;
	struct vfw_map_fill fill[VFW_STATUS_FILL_MAPS];
	__u32 protected_udp, protected_tcp;
	__u64 tap[VFW_TAP_COUNTER_MAX];
	struct vfw_runtime rt;
};

/* The TC counters' names, as `status` prints them ("sip_lost", ...). */
extern const char *const vfw_tap_counter_names[VFW_TAP_COUNTER_MAX];

/*
 * Fills *st (zeroed by the caller) from the maps under pin_dir; ports, if
 * not NULL, receives the whole ports map ([VFW_PORT_SLOTS]). Logs and
 * returns -errno on failure.
 */
int vfw_status_read(const char *pin_dir, struct vfw_status *st,
		    struct vfw_port_class_entry *ports);

#endif /* VOIPFW_STATUS_READ_H */
