/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The path every packet seen on the WAN takes, shared by the daemon (packets
 * from the TC programs) and `voipfw replay` (packets from a capture):
 *
 *   L3 packet -> vfw_pkt (parse, reassemble, TCP framing)
 *             -> SIP parser (UDP payloads that look like SIP; framed TCP messages)
 *             -> tracker observation -> events through the sink
 *
 * Pure and single-threaded; events are emitted synchronously from inside
 * vfw_pipeline_packet() and vfw_pipeline_tick().
 *
 * A packet cut short by the capture length (the TC programs copy at most
 * 4096 bytes) is refused with -EMSGSIZE: a cut UDP datagram cannot be
 * parsed. Of a cut TCP segment the stream framer takes what was captured
 * and skips the rest at once; a segment the tap missed leaves a hole that
 * it waits for (ooo_timeout_ns). Either way it then resynchronises: the
 * partial message is lost, later ones are not, and the tracker is told
 * that the connection lost data (vfw_tracker_tcp_lost), so a call whose
 * answer may have been in it is not ended at its setup timeout.
 * IP fragments are each far below that size, so fragmented SIP is whole.
 * Checksums are not verified (egress packets carry offloaded, unfinished ones).
 */
#ifndef VOIPFW_PIPELINE_H
#define VOIPFW_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "pkt.h"
#include "tracker.h"

struct vfw_pipeline_stats {
	__u64 packets;        /* L3 packets fed */
	__u64 malformed;      /* refused by the packet layer: bad or truncated headers, bad fragments */
	__u64 fragments;      /* IP fragments fed */
	__u64 reassembled;    /* datagrams completed from fragments */
	__u64 sip_messages;   /* parsed and handed to the tracker */
	__u64 sip_rejected;   /* looked like SIP, the parser refused it */
	__u64 non_sip;        /* UDP payloads that are not SIP (RTP, STUN, keep-alives) */
	__u64 other_proto;    /* neither UDP nor TCP */
	__u64 truncated;      /* part of malformed: shorter than the IP header says */
	__u64 tcp_segments;
	__u64 tcp_resyncs;    /* stream gaps that threw away a partial message */
	__u64 tcp_reordered;  /* segments held out of order, then delivered in order */
	__u64 tcp_losses;     /* stream bytes never delivered (the tracker is told) */
	__u64 not_ours;       /* outbound SIP the sender filter refused (not the VoIP system's) */
};

/*
 * Whether an outbound datagram (SIP sent out of the WAN) is the VoIP
 * system's own: the daemon asks conntrack who sent it before NAT. The
 * pipeline follows only what this accepts; without a filter, all of it.
 */
typedef bool (*vfw_sender_filter)(void *ctx, const struct vfw_datagram *d);

struct vfw_pipeline;

/*
 * NULL when out of memory. The tracker config is copied and the sink kept
 * (it receives the tracker's events). pkt_cfg may be NULL for defaults.
 */
struct vfw_pipeline *vfw_pipeline_new(const struct vfw_tracker_config *cfg,
				      struct vfw_sink sink);
struct vfw_pipeline *vfw_pipeline_new_cfg(const struct vfw_tracker_config *cfg,
					  const struct vfw_pkt_config *pkt_cfg,
					  struct vfw_sink sink);
void vfw_pipeline_free(struct vfw_pipeline *p);

void vfw_pipeline_set_sender_filter(struct vfw_pipeline *p, vfw_sender_filter fn,
				    void *ctx);

/*
 * One L3 packet seen on the WAN (starting at the IPv4/IPv6 header; may be a
 * fragment or truncated). outbound = 1 when sent by our VoIP system: then
 * local = source, remote = destination; inbound the reverse. Returns 0, or
 * -errno for malformed input (counted in the stats). Non-SIP payloads and
 * SIP the parser refuses are counted, not errors.
 */
int vfw_pipeline_packet(struct vfw_pipeline *p, const __u8 *l3, size_t len,
			int outbound, __u64 now_ns);

/* Tracker expiry (registrations, calls) and reassembly/TCP state expiry. */
void vfw_pipeline_tick(struct vfw_pipeline *p, __u64 now_ns);

/*
 * While a sink callback runs from inside vfw_pipeline_packet(): the SIP
 * observation that caused the event (addresses, ports, the parsed message).
 * NULL otherwise, e.g. for events from vfw_pipeline_tick().
 */
const struct vfw_sip_obs *vfw_pipeline_current_obs(const struct vfw_pipeline *p);

/* For export/import of call records. */
struct vfw_tracker *vfw_pipeline_tracker(struct vfw_pipeline *p);

/* The packet layer, for its detailed statistics (vfw_reasm_stats, vfw_tcp_stats). */
struct vfw_pkt *vfw_pipeline_pkt(struct vfw_pipeline *p);

/* A snapshot (sums the packet layer's counters in). */
void vfw_pipeline_get_stats(const struct vfw_pipeline *p,
			    struct vfw_pipeline_stats *out);

#endif /* VOIPFW_PIPELINE_H */
