// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer harness for the packet pipeline: arbitrary bytes as a sequence
 * of L3 packets fed to one fresh pipeline, so fragments can meet across
 * packets and TCP segments build streams.
 *
 * Input format, repeated: [len_hi len_lo] [flags] [len bytes of packet]
 *   flags bit 0: outbound; bits 1-7: seconds to advance the clock before it
 *   (a tick follows every advance, so expiry paths run too).
 * A trailing record shorter than its length is fed as it is (a cut packet).
 *
 * The same packets also go to a bare packet layer whose callbacks read
 * every delivered byte (so ASan sees a message pointing past its buffer)
 * and check the bounds: no TCP message beyond max_buffer, no out-of-order
 * bytes beyond their caps, nothing still queued once every hole timed out.
 * The out-of-order bounds are tiny and its timeout is 2 s, which one
 * record's clock advance passes, so reordering, duplicates, overlaps,
 * caps and given-up holes are all reachable (seeds tcp_reordered,
 * tcp_shuffled, tcp_hole).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned sink_count;

#define MAX_BUFFER 4096
#define MAX_OOO_TOTAL 4096

static void on_payload(void *ctx, const struct vfw_datagram *d)
{
	unsigned sum = 0;
	size_t i;

	if (d->proto == IPPROTO_TCP && d->len > MAX_BUFFER)
		abort();
	for (i = 0; i < d->len; i++)
		sum += d->payload[i];
	sink_count += sum;
}

static void on_loss(void *ctx, const struct vfw_datagram *flow,
		    enum vfw_tcp_loss reason)
{
	if (flow->payload || flow->len || flow->proto != IPPROTO_TCP ||
	    reason > VFW_TCP_LOSS_CUT)
		abort();
	sink_count++;
}

static void on_event(void *ctx, const struct vfw_event *ev)
{
	sink_count += ev->type + ev->local_port;
}

/* Small limits so inputs can reach them. */
static void small_limits(struct vfw_pkt_config *pcfg)
{
	vfw_pkt_config_defaults(pcfg);
	pcfg->reasm.max_datagrams = 4;
	pcfg->reasm.max_fragments = 8;
	pcfg->reasm.max_total_bytes = 8192;
	pcfg->tcp.max_flows = 4;
	pcfg->tcp.max_buffer = MAX_BUFFER;
	pcfg->tcp.max_total_bytes = 8192;
	pcfg->tcp.max_ooo_segments = 4;
	pcfg->tcp.max_ooo_bytes = 2048;
	pcfg->tcp.max_ooo_total_bytes = MAX_OOO_TOTAL;
	pcfg->tcp.ooo_timeout_ns = 2 * VFW_NS_PER_SEC;
}

static struct vfw_pipeline *make_pipeline(void)
{
	struct vfw_tracker_config cfg;
	struct vfw_pkt_config pcfg;
	struct vfw_sink sink = { NULL, on_event };

	vfw_tracker_config_defaults(&cfg);
	cfg.max_calls = 8;
	cfg.max_registrations = 4;
	small_limits(&pcfg);
	return vfw_pipeline_new_cfg(&cfg, &pcfg, sink);
}

static struct vfw_pkt *make_pkt(void)
{
	struct vfw_pkt_config pcfg;
	struct vfw_pkt *pkt;

	small_limits(&pcfg);
	pkt = vfw_pkt_new(&pcfg);
	if (pkt)
		vfw_tcp_set_loss_fn(vfw_pkt_tcp(pkt), on_loss, NULL);
	return pkt;
}

static void check_bounds(struct vfw_pkt *pkt)
{
	const struct vfw_tcp *t = vfw_pkt_tcp(pkt);
	const struct vfw_tcp_stats *st = vfw_tcp_stats(t);

	if (vfw_tcp_ooo_bytes(t) > MAX_OOO_TOTAL || st->ooo_delivered > st->ooo_queued)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vfw_pipeline *p = make_pipeline();
	struct vfw_pkt *pkt = make_pkt();
	uint64_t now = 1000ULL * VFW_NS_PER_SEC;
	size_t pos = 0;

	if (!p || !pkt)
		abort();
	while (pos + 3 <= size) {
		size_t len = (size_t)data[pos] << 8 | data[pos + 1];
		uint8_t flags = data[pos + 2];
		uint8_t *copy;

		pos += 3;
		if (len > size - pos)
			len = size - pos;
		if (flags >> 1) {
			now += (uint64_t)(flags >> 1) * VFW_NS_PER_SEC;
			vfw_pipeline_tick(p, now);
			vfw_pkt_expire(pkt, now, on_payload, NULL);
		}
		/* An exact-size heap copy, so ASan sees any read past the packet. */
		copy = malloc(len ? len : 1);
		if (!copy)
			abort();
		memcpy(copy, data + pos, len);
		vfw_pipeline_packet(p, copy, len, flags & 1, now);
		vfw_pkt_feed_dir(pkt, copy, len, flags & 1, now, on_payload, NULL);
		check_bounds(pkt);
		free(copy);
		pos += len;
	}
	vfw_pipeline_tick(p, now + 100000ULL * VFW_NS_PER_SEC);
	vfw_pkt_expire(pkt, now + 100000ULL * VFW_NS_PER_SEC, on_payload, NULL);
	if (vfw_tcp_ooo_bytes(vfw_pkt_tcp(pkt)) != 0 || vfw_tcp_flows(vfw_pkt_tcp(pkt)) != 0)
		abort();	/* every hole given up, every flow idle */
	vfw_pkt_free(pkt);
	vfw_pipeline_free(p);
	return 0;
}
