// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* L3 packet -> packet layer -> SIP parser -> tracker: see pipeline.h. */
#include "pipeline.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "sip.h"

struct vfw_pipeline {
	struct vfw_pkt *pkt;
	struct vfw_tracker *tracker;
	struct vfw_pipeline_stats stats;  /* the pipeline's own counters */
	__u64 now_ns;                     /* of the packet or tick being handled */
	struct sip_msg msg;               /* large: kept here, not on the stack */
	const struct vfw_sip_obs *current; /* set while the tracker handles one */
	vfw_sender_filter ours;           /* NULL: every outbound datagram is ours */
	void *ours_ctx;
};

static const char *tcp_loss_text(enum vfw_tcp_loss reason)
{
	switch (reason) {
	case VFW_TCP_LOSS_HOLE:
		return "a hole not filled in time";
	case VFW_TCP_LOSS_QUEUE_FULL:
		return "out-of-order queue full";
	case VFW_TCP_LOSS_MESSAGE:
		return "a message too long or unframeable";
	case VFW_TCP_LOSS_EVICTED:
		return "connection evicted with bytes queued";
	case VFW_TCP_LOSS_RESET:
		return "reset with a hole open";
	case VFW_TCP_LOSS_CUT:
		return "a segment cut short by the capture";
	}
	return "unknown";
}

/* The connection lost bytes: an answer in them would be missed, so tell the tracker. */
static void on_tcp_loss(void *ctx, const struct vfw_datagram *flow,
			enum vfw_tcp_loss reason)
{
	struct vfw_pipeline *p = ctx;

	vfw_tracker_tcp_lost(p->tracker, flow->saddr, flow->sport, flow->daddr,
			     flow->dport, tcp_loss_text(reason));
}

struct vfw_pipeline *vfw_pipeline_new_cfg(const struct vfw_tracker_config *cfg,
					  const struct vfw_pkt_config *pkt_cfg,
					  struct vfw_sink sink)
{
	struct vfw_pipeline *p = calloc(1, sizeof(*p));
	struct vfw_pkt_config defaults;

	if (!p)
		return NULL;
	if (!pkt_cfg) {
		vfw_pkt_config_defaults(&defaults);
		pkt_cfg = &defaults;
	}
	p->pkt = vfw_pkt_new(pkt_cfg);
	p->tracker = vfw_tracker_new(cfg, sink);
	if (!p->pkt || !p->tracker) {
		vfw_pipeline_free(p);
		return NULL;
	}
	vfw_tcp_set_loss_fn(vfw_pkt_tcp(p->pkt), on_tcp_loss, p);
	return p;
}

struct vfw_pipeline *vfw_pipeline_new(const struct vfw_tracker_config *cfg,
				      struct vfw_sink sink)
{
	return vfw_pipeline_new_cfg(cfg, NULL, sink);
}

void vfw_pipeline_set_sender_filter(struct vfw_pipeline *p, vfw_sender_filter fn,
				    void *ctx)
{
	p->ours = fn;
	p->ours_ctx = ctx;
}

void vfw_pipeline_free(struct vfw_pipeline *p)
{
	if (!p)
		return;
	vfw_pkt_free(p->pkt);
	vfw_tracker_free(p->tracker);
	free(p);
}

/* Local is our VoIP system: the sender of outbound packets, the receiver of inbound ones. */
static void fill_obs(const struct vfw_pipeline *p, const struct vfw_datagram *d,
		     struct vfw_sip_obs *obs)
{
	memset(obs, 0, sizeof(*obs));
	obs->outbound = d->outbound;
	obs->proto = d->proto;
	obs->now_ns = p->now_ns;
	obs->msg = &p->msg;
	if (d->outbound) {
		memcpy(obs->local_addr, d->saddr, 16);
		memcpy(obs->remote_addr, d->daddr, 16);
		obs->local_port = d->sport;
		obs->remote_port = d->dport;
	} else {
		memcpy(obs->local_addr, d->daddr, 16);
		memcpy(obs->remote_addr, d->saddr, 16);
		obs->local_port = d->dport;
		obs->remote_port = d->sport;
	}
}

static void on_payload(void *ctx, const struct vfw_datagram *d)
{
	struct vfw_pipeline *p = ctx;
	struct vfw_sip_obs obs;
	int is_stream = d->proto == IPPROTO_TCP;

	/* TCP messages were framed by their SIP shape already; UDP is mostly RTP. */
	if (!is_stream && !vfw_looks_like_sip(d->payload, d->len)) {
		p->stats.non_sip++;
		return;
	}
	if (d->outbound && p->ours && !p->ours(p->ours_ctx, d)) {
		p->stats.not_ours++;
		return;
	}
	if (sip_parse(d->payload, d->len, is_stream, &p->msg) != SIP_OK) {
		p->stats.sip_rejected++;
		return;
	}
	p->stats.sip_messages++;
	fill_obs(p, d, &obs);
	p->current = &obs;
	vfw_tracker_observe(p->tracker, &obs);
	p->current = NULL;
}

int vfw_pipeline_packet(struct vfw_pipeline *p, const __u8 *l3, size_t len,
			int outbound, __u64 now_ns)
{
	int rc;

	p->stats.packets++;
	p->now_ns = now_ns;
	rc = vfw_pkt_feed_dir(p->pkt, l3, len, outbound, now_ns, on_payload, p);
	if (rc < 0)
		p->stats.malformed++;
	return rc < 0 ? rc : 0;
}

void vfw_pipeline_tick(struct vfw_pipeline *p, __u64 now_ns)
{
	p->now_ns = now_ns;
	vfw_pkt_expire(p->pkt, now_ns, on_payload, p);
	vfw_tracker_tick(p->tracker, now_ns);
}

const struct vfw_sip_obs *vfw_pipeline_current_obs(const struct vfw_pipeline *p)
{
	return p->current;
}

struct vfw_tracker *vfw_pipeline_tracker(struct vfw_pipeline *p)
{
	return p->tracker;
}

struct vfw_pkt *vfw_pipeline_pkt(struct vfw_pipeline *p)
{
	return p->pkt;
}

void vfw_pipeline_get_stats(const struct vfw_pipeline *p,
			    struct vfw_pipeline_stats *out)
{
	const struct vfw_pkt_stats *ps = vfw_pkt_stats(p->pkt);
	const struct vfw_reasm_stats *rs = vfw_reasm_stats(vfw_pkt_reasm(p->pkt));
	const struct vfw_tcp_stats *ts = vfw_tcp_stats(vfw_pkt_tcp(p->pkt));

	*out = p->stats;
	out->fragments = rs->fragments;
	out->reassembled = rs->reassembled;
	out->other_proto = ps->other_proto;
	out->truncated = ps->truncated;
	out->tcp_segments = ts->segments;
	out->tcp_resyncs = ts->resyncs;
	out->tcp_reordered = ts->ooo_delivered;
	out->tcp_losses = ts->losses;
}
