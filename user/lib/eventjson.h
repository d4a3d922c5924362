/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one JSON rendering of a tracker event: `voipfw replay --json` prints
 * it, one object per line, and its schema is the one README documents:
 *
 *   {"event":"pinhole_open","time":1704110403.36,"proto":"udp",
 *    "remote":"198.51.100.50","local_port":10000,"provisional":false,
 *    "idle":60,"call_id":"in-1@trunk","expires":14397.79,"reason":"SDP sent"}
 *
 *   event     always; vfw_event_type_name()
 *   time      always; seconds (the clock the tracker runs on)
 *   proto, remote   trunk and pinhole events
 *   remote_port, local_port   trunk events caused by a packet (from its obs)
 *   local_port, provisional, idle (seconds)   pinhole events
 *   call_id   when the event has one (escaped by jsonesc.h: valid UTF-8)
 *   expires   seconds from time, when the event grants a lifetime
 *   text      warnings
 *   reason    always ("" when none)
 */
#ifndef VOIPFW_EVENTJSON_H
#define VOIPFW_EVENTJSON_H

#include <stddef.h>
#include <linux/types.h>

#include "tracker.h"

int vfw_event_is_trunk(enum vfw_event_type t);
int vfw_event_is_pinhole(enum vfw_event_type t);
/* Whether the event grants a lifetime worth printing (an expiry, not a removal). */
int vfw_event_has_expiry(const struct vfw_event *ev, __u64 now_ns);

/* Seconds as a JSON number, ms precision, no trailing zeros: "660", "0.25". */
void vfw_fmt_seconds(__u64 ns, char *buf, size_t len);

/*
 * The event as one JSON object (no newline) at time now_ns; obs is the
 * packet that caused it, or NULL (a tick). Returns what snprintf would: the
 * length needed excluding the NUL, so the output is whole when < len.
 */
int vfw_event_to_json(const struct vfw_event *ev, __u64 now_ns,
		      const struct vfw_sip_obs *obs, char *buf, size_t len);

/* Enough for any event: the escaped call_id and text and the rest. */
#define VFW_EVENT_JSON_MAX 4096

#endif /* VOIPFW_EVENTJSON_H */
