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
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned sink_count;

static void on_event(void *ctx, const struct vfw_event *ev)
{
	sink_count += ev->type + ev->local_port;
}

static struct vfw_pipeline *make_pipeline(void)
{
	struct vfw_tracker_config cfg;
	struct vfw_pkt_config pcfg;
	struct vfw_sink sink = { NULL, on_event };

	vfw_tracker_config_defaults(&cfg);
	cfg.max_calls = 8;
	cfg.max_registrations = 4;
	/* Small limits so inputs can reach them. */
	vfw_pkt_config_defaults(&pcfg);
	pcfg.reasm.max_datagrams = 4;
	pcfg.reasm.max_fragments = 8;
	pcfg.reasm.max_total_bytes = 8192;
	pcfg.tcp.max_flows = 4;
	pcfg.tcp.max_buffer = 4096;
	pcfg.tcp.max_total_bytes = 8192;
	return vfw_pipeline_new_cfg(&cfg, &pcfg, sink);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vfw_pipeline *p = make_pipeline();
	uint64_t now = 1000ULL * VFW_NS_PER_SEC;
	size_t pos = 0;

	if (!p)
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
		}
		/* An exact-size heap copy, so ASan sees any read past the packet. */
		copy = malloc(len ? len : 1);
		if (!copy)
			abort();
		memcpy(copy, data + pos, len);
		vfw_pipeline_packet(p, copy, len, flags & 1, now);
		free(copy);
		pos += len;
	}
	vfw_pipeline_tick(p, now + 100000ULL * VFW_NS_PER_SEC);
	vfw_pipeline_free(p);
	return 0;
}
