/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one rendering of a tracker event, as JSON and as plain text. The
 * daemon's log (`voipfw run`, plain on stderr or with --json on stdout) and
 * `voipfw replay` (plain or --json) both print events through it only.
 *
 * == JSON ==
 * One object (no newline), the schema README documents:
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
 *
 * == Plain text ==
 * One line (no newline) of the same fields in the same order, without time
 * (the caller's prefix says when: replay's capture clock, the journal's
 * timestamp), and without the packet's ports and a trunk's proto: a trunk
 * is its address, as the trunk map keys it, so the daemon's trunk lines
 * keep the form scripts grep ("trunk_expire 203.0.113.8 (unregistered)").
 *
 *   trunk_learn 198.51.100.1 expires in 660s (registered)
 *   trunk_expire 198.51.100.1 (registration expired)
 *   pinhole_open udp 198.51.100.50 -> port 10000 idle 60s call in-1@trunk
 *     expires in 14397.79s (SDP sent)                   (one line)
 *   pinhole_close udp 198.51.100.1 -> port 10002 provisional idle 0s
 *     call out-1@pbx (answer named another address)     (one line)
 *   warning: contact differs from public address: ... call x@y (reason)
 *
 * (a warning's text comes before its call, as a sentence reads). Every
 * string (call_id, text and reason) is escaped so that the line holds
 * printable ASCII only (0x20..0x7e): a Call-ID or a warning quoting a
 * header carries whatever bytes a peer sent, and a raw ESC or C1 CSI (0x9b)
 * in the journal or on a terminal would act on the terminal. Each byte
 * outside 0x20..0x7e becomes "\xNN" (two lowercase hex digits) -- per
 * byte, not per UTF-8 character: valid UTF-8 is escaped too, "é" reads
 * "\xc3\xa9", since the line promises ASCII and a reader can decode the
 * bytes back; '\' itself becomes "\\", so every escape reads back
 * unambiguously. The JSON, whose strings are Unicode, keeps the é.
 *
 * == Both ==
 * Each function returns what snprintf would: the length needed excluding the
 * NUL, so the output is whole when < len. The output is NUL-terminated when
 * len > 0. A cut one ends where snprintf would cut a plain field (ASCII
 * punctuation, names, numbers), or before the first escaped unit that did
 * not fit whole: never inside an escape or a UTF-8 sequence, and nothing
 * after the cut. obs is the packet that caused the event, or NULL (a tick).
 */
#ifndef VOIPFW_EVENTFMT_H
#define VOIPFW_EVENTFMT_H

#include <stddef.h>
#include <linux/types.h>

#include "tracker.h"

int vfw_event_is_trunk(enum vfw_event_type t);
int vfw_event_is_pinhole(enum vfw_event_type t);
/* Whether the event grants a lifetime worth printing (an expiry, not a removal). */
int vfw_event_has_expiry(const struct vfw_event *ev, __u64 now_ns);

/* Seconds as a JSON number, ms precision, no trailing zeros: "660", "0.25". */
void vfw_fmt_seconds(__u64 ns, char *buf, size_t len);

int vfw_event_to_json(const struct vfw_event *ev, __u64 now_ns,
		      const struct vfw_sip_obs *obs, char *buf, size_t len);
int vfw_event_to_text(const struct vfw_event *ev, __u64 now_ns,
		      char *buf, size_t len);

/* How a warning's plain line starts, for a logger that tags warnings itself. */
#define VFW_EVENT_WARNING_TAG "warning: "

/* Enough for any event in either form: the escaped call_id and text and the rest. */
#define VFW_EVENT_JSON_MAX 4096
#define VFW_EVENT_PLAIN_MAX 2048

#endif /* VOIPFW_EVENTFMT_H */
