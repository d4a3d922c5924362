// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer harness for the SDP parser: parse, then check the invariants
 * the trackers rely on and read every returned view.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned sink;

static void touch(struct sv v, const uint8_t *data, size_t size)
{
	size_t i;

	if (v.len == 0)
		return;
	if ((const uint8_t *)v.p < data || (const uint8_t *)v.p + v.len > data + size)
		abort();
	for (i = 0; i < v.len; i++)
		sink += (unsigned char)v.p[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sdp_session s;
	unsigned i;

	if (sdp_parse(data, size, &s) != SDP_OK)
		return 0;
	if (s.n_media > SDP_MAX_MEDIA || s.n_media > s.n_media_seen)
		abort();
	touch(s.origin_username, data, size);
	touch(s.origin_sess_id, data, size);
	touch(s.conn.addr_text, data, size);
	for (i = 0; i < s.n_media; i++) {
		const struct sdp_media *m = &s.media[i];

		touch(m->media, data, size);
		touch(m->proto, data, size);
		touch(m->conn.addr_text, data, size);
		/* a rejected stream must never yield a port to open */
		if (m->rejected && (m->rtp_port || m->rtcp_port))
			abort();
		if (m->rtcp_mux && m->rtcp_port)
			abort();
		if (m->has_addr && (!m->conn.resolved || m->conn.is_null))
			abort();
	}
	return 0;
}
