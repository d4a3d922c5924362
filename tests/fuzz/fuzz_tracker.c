// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer harness driving the trackers with a sequence of SIP messages.
 * Input: records of [flags:1][len:2 little-endian][message:len]. flags bit 0
 * = outbound, bits 1-2 = which of four peer addresses, bit 3 = run a tick
 * first, bit 4 = advance the clock by a minute, bit 5 = over TCP (from the
 * peer's port 5060 + bits 1-2), bit 6 = that TCP connection lost data first. Small tables make the
 * "full" paths reachable. The sink checks the invariants the daemon relies on.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "eventfmt.h"
#include "sip.h"
#include "tracker.h"

/* The advertised-address check: every due call answered, seen or missing. */
static void media_verdicts(struct vfw_tracker *t, uint64_t now, int missing)
{
	__u64 due[4];
	unsigned i, n = vfw_tracker_media_due(t, now, due, 4);

	if (n > 4)
		abort();
	for (i = 0; i < n; i++) {
		if (missing)
			vfw_tracker_media_missing(t, due[i]);
		else
			vfw_tracker_media_seen(t, due[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct state {
	unsigned open;   /* pinholes open minus closed, must never go negative */
	uint64_t last_hash;
	uint64_t idle_ns; /* the configured idle timeout */
};

/* Every event renders whole in both forms, with no raw control byte. */
static void render(const struct vfw_event *ev)
{
	char json[VFW_EVENT_JSON_MAX];
	int n = vfw_event_to_json(ev, 0, NULL, json, sizeof(json));
	int i;

	if (n <= 0 || (size_t)n >= sizeof(json) || (int)strlen(json) != n ||
	    json[0] != '{' || json[n - 1] != '}')
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)json[i] < 0x20)
			abort();
	/* the plain line: whole within VFW_EVENT_PLAIN_MAX, printable ASCII only */
	n = vfw_event_to_text(ev, 0, json, VFW_EVENT_PLAIN_MAX);
	if (n <= 0 || n >= VFW_EVENT_PLAIN_MAX || (int)strlen(json) != n)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)json[i] < 0x20 || (unsigned char)json[i] > 0x7e)
			abort();
}

static void on_event(void *ctx, const struct vfw_event *ev)
{
	struct state *st = ctx;

	if (!ev->reason || memchr(ev->call_id, 0, sizeof(ev->call_id)) == NULL ||
	    memchr(ev->text, 0, sizeof(ev->text)) == NULL)
		abort();
	if (ev->call_hash)
		st->last_hash = ev->call_hash;
	render(ev);
	switch (ev->type) {
	case VFW_EV_PINHOLE_OPEN:
		st->open++;
		break;
	case VFW_EV_PINHOLE_UPDATE:
		if (st->open == 0)
			abort();	/* updating something never opened */
		break;
	case VFW_EV_PINHOLE_CLOSE:
		if (st->open == 0)
			abort();	/* closing something never opened */
		st->open--;
		break;
	default:
		break;
	}
	if (ev->type >= VFW_EV_PINHOLE_OPEN && ev->type <= VFW_EV_PINHOLE_CLOSE &&
	    (ev->call_hash == 0 || ev->local_port == 0))
		abort();
	/* off (ringing, held) or the configured timeout, nothing else */
	if (ev->type >= VFW_EV_PINHOLE_OPEN && ev->type <= VFW_EV_PINHOLE_CLOSE &&
	    ev->idle_ns != 0 && ev->idle_ns != st->idle_ns)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t peers[4][16] = {
		{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100, 1 },
		{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100, 2 },
		{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
		{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 203, 0, 113, 10 },
	};
	struct vfw_tracker_config cfg;
	struct state st = { 0 };
	struct vfw_tracker *t;
	uint64_t now = 1000000000ULL;

	vfw_tracker_config_defaults(&cfg);
	cfg.max_calls = 4;
	cfg.max_registrations = 2;
	st.idle_ns = cfg.pinhole_idle_ns;
	t = vfw_tracker_new(&cfg, (struct vfw_sink){ &st, on_event });
	if (!t)
		return 0;

	while (size >= 3) {
		uint8_t flags = data[0];
		size_t len = (size_t)data[1] | ((size_t)data[2] << 8);
		struct sip_msg msg;
		struct vfw_sip_obs obs;

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		if (flags & 0x10)
			now += 60ULL * 1000000000ULL;
		if (flags & 0x08)
			vfw_tracker_tick(t, now);
		if (flags & 0x08)
			media_verdicts(t, now, flags & 0x80);
		if (flags & 0x40)
			vfw_tracker_tcp_lost(t, peers[(flags >> 1) & 3],
					     (uint16_t)(5060 + ((flags >> 1) & 3)),
					     peers[3], 5060, "fuzz");
		if (sip_parse(data, len, 0, &msg) == SIP_OK) {
			memset(&obs, 0, sizeof(obs));
			obs.outbound = flags & 1;
			obs.proto = flags & 0x20 ? IPPROTO_TCP : IPPROTO_UDP;
			memcpy(obs.remote_addr, peers[(flags >> 1) & 3], 16);
			memcpy(obs.local_addr, peers[3], 16);
			obs.local_port = 5060;
			obs.remote_port = (uint16_t)(5060 + ((flags >> 1) & 3));
			obs.now_ns = now;
			obs.msg = &msg;
			vfw_tracker_observe(t, &obs);
		}
		/* calls are allocated on demand: the bound must still hold */
		if (vfw_tracker_n_calls(t) > cfg.max_calls)
			abort();
		/* the call the last event was about exports to a sane record */
		if (st.last_hash) {
			struct vfw_call_record rec;

			if (vfw_tracker_export_call(t, st.last_hash, &rec) == 0 &&
			    (rec.n_pinholes > VFW_CALL_MAX_PINHOLES ||
			     rec.call_hash != st.last_hash ||
			     rec.call_id_len > VFW_CALL_ID_MAX))
				abort();
			st.last_hash = 0;
		}
		data += len;
		size -= len;
	}
	/* the end of time closes everything that is still open */
	vfw_tracker_tick(t, UINT64_MAX);
	if (st.open != 0 || vfw_tracker_n_calls(t) != 0)
		abort();
	vfw_tracker_free(t);
	return 0;
}
