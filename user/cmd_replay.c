// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * voipfw replay FILE.pcap [--local ADDR ...]: runs a capture through the
 * same pipeline the daemon uses (packet layer -> SIP parser -> tracker) and
 * prints the decisions it would have taken, in time order, one per line.
 *
 * Time: the capture's timestamps are the clock. Before each packet the
 * trackers are ticked once per second of capture time since the last tick
 * (like the daemon's timer), so expiries are reported within a second of
 * when they fall; after the last packet there is one final tick at its
 * timestamp and nothing later is invented. Timestamps going backwards
 * (captures merged from several queues) are clamped to keep time monotonic.
 *
 * Direction: SLL/SLL2 captures carry it (outgoing = sent by us). Otherwise
 * --local ADDR (repeatable) names our WAN address(es); without it the
 * source of the first REGISTER request in the file is taken as local.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "cli.h"
#include "eventfmt.h"
#include "pipeline.h"
#include "sip.h"

#define MAX_LOCALS ARGS_MAX_MANY
/* A gap longer than this many seconds is ticked through in coarser steps. */
#define MAX_TICKS_PER_GAP 100000ULL
/* VLAN tags peeled off an Ethernet frame before giving up. */
#define MAX_VLAN_TAGS 4

#define ETH_P_IPV4   0x0800
#define ETH_P_IPV6_  0x86dd
#define ETH_P_8021Q  0x8100
#define ETH_P_8021AD 0x88a8
#define ETH_P_QINQ   0x9100
#define ETH_P_PPPOE  0x8864
#define PPP_IPV4     0x0021
#define PPP_IPV6     0x0057
#define SLL_OUTGOING 4           /* PACKET_OUTGOING */

enum direction {
	DIR_UNKNOWN = -1,
	DIR_INBOUND = 0,
	DIR_OUTBOUND = 1,
};

struct replay {
	const char *path;
	int dlt;
	__u8 locals[MAX_LOCALS][16];
	unsigned n_locals;
	struct vfw_pipeline *pipe;
	__u64 now_ns;            /* the time events are reported at */
	__u64 last_tick_ns;
	int started;
	unsigned long long packets, not_ip, no_direction, events;
};

/* ---- link layers ------------------------------------------------------ */

static __u16 be16_at(const u_char *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static int link_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return 1;
	default:
		return 0;
	}
}

/*
 * Follows an ethertype through VLAN tags and a PPPoE session header to IP.
 * Returns 0 with *l3 set, or -1 when the frame carries no IP.
 */
static int ethertype_to_ip(__u16 type, const u_char *p, size_t len,
			   const u_char **l3, size_t *l3_len)
{
	unsigned tags;

	for (tags = 0; tags <= MAX_VLAN_TAGS; tags++) {
		if (type != ETH_P_8021Q && type != ETH_P_8021AD && type != ETH_P_QINQ)
			break;
		if (len < 4)
			return -1;
		type = be16_at(p + 2);
		p += 4;
		len -= 4;
	}
	if (type == ETH_P_PPPOE) {
		__u16 ppp;

		if (len < 8)
			return -1;
		ppp = be16_at(p + 6);
		p += 8;
		len -= 8;
		if (ppp == PPP_IPV4)
			type = ETH_P_IPV4;
		else if (ppp == PPP_IPV6)
			type = ETH_P_IPV6_;
		else
			return -1;
	}
	if (type != ETH_P_IPV4 && type != ETH_P_IPV6_)
		return -1;
	*l3 = p;
	*l3_len = len;
	return 0;
}

/* Strips the link header; *dir is set when the link type records it. */
static int strip_link(int dlt, const u_char *p, size_t len, const u_char **l3,
		      size_t *l3_len, enum direction *dir)
{
	*dir = DIR_UNKNOWN;
	switch (dlt) {
	case DLT_EN10MB:
		if (len < 14)
			return -1;
		return ethertype_to_ip(be16_at(p + 12), p + 14, len - 14, l3, l3_len);
	case DLT_LINUX_SLL:
		if (len < 16)
			return -1;
		*dir = be16_at(p) == SLL_OUTGOING ? DIR_OUTBOUND : DIR_INBOUND;
		return ethertype_to_ip(be16_at(p + 14), p + 16, len - 16, l3, l3_len);
	case DLT_LINUX_SLL2:
		if (len < 20)
			return -1;
		*dir = p[10] == SLL_OUTGOING ? DIR_OUTBOUND : DIR_INBOUND;
		return ethertype_to_ip(be16_at(p), p + 20, len - 20, l3, l3_len);
	case DLT_NULL:
	case DLT_LOOP:
		/* The 4-byte family is in the capturing host's byte order; the IP version nibble is not. */
		if (len < 4)
			return -1;
		p += 4;
		len -= 4;
		break;
	default:	/* DLT_RAW, DLT_IPV4, DLT_IPV6 */
		break;
	}
	if (len < 1 || ((p[0] >> 4) != 4 && (p[0] >> 4) != 6))
		return -1;
	*l3 = p;
	*l3_len = len;
	return 0;
}

/* ---- addresses and direction ------------------------------------------- */

static int is_local(const struct replay *r, const __u8 addr[16])
{
	unsigned i;

	for (i = 0; i < r->n_locals; i++)
		if (!memcmp(r->locals[i], addr, 16))
			return 1;
	return 0;
}

/* Source and destination of an L3 packet, for direction by address. */
static int l3_addresses(const u_char *l3, size_t len, __u8 src[16], __u8 dst[16])
{
	if (len >= 20 && (l3[0] >> 4) == 4) {
		vfw_map_ipv4(src, l3 + 12);
		vfw_map_ipv4(dst, l3 + 16);
		return 0;
	}
	if (len >= 40 && (l3[0] >> 4) == 6) {
		memcpy(src, l3 + 8, 16);
		memcpy(dst, l3 + 24, 16);
		return 0;
	}
	return -1;
}

static enum direction direction_by_address(const struct replay *r,
					   const u_char *l3, size_t len)
{
	__u8 src[16], dst[16];

	if (l3_addresses(l3, len, src, dst))
		return DIR_UNKNOWN;
	if (is_local(r, src))
		return DIR_OUTBOUND;
	if (is_local(r, dst))
		return DIR_INBOUND;
	return DIR_UNKNOWN;
}

/* ---- output ------------------------------------------------------------ */

/* One line per event in the one rendering (eventfmt.h): JSON, or plain after the clock. */
static void on_event(void *ctx, const struct vfw_event *ev)
{
	struct replay *r = ctx;
	time_t secs = (time_t)(r->now_ns / VFW_NS_PER_SEC);
	char line[VFW_EVENT_JSON_MAX];
	struct tm tm;

	r->events++;
	if (cli.json) {
		vfw_event_to_json(ev, r->now_ns, vfw_pipeline_current_obs(r->pipe),
				  line, sizeof(line));
		puts(line);
		return;
	}
	/* "12:00:01.250" in UTC, so output does not depend on the reader's zone */
	vfw_event_to_text(ev, r->now_ns, line, sizeof(line));
	gmtime_r(&secs, &tm);
	printf("%02d:%02d:%02d.%03llu %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
	       (unsigned long long)(r->now_ns % VFW_NS_PER_SEC) / 1000000, line);
}

/* ---- the clock ------------------------------------------------------------ */

static __u64 ts_ns(const struct pcap_pkthdr *h)
{
	/* The file is opened with nanosecond precision: tv_usec holds ns. */
	return (__u64)h->ts.tv_sec * VFW_NS_PER_SEC + (__u64)h->ts.tv_usec;
}

static void tick_at(struct replay *r, __u64 t)
{
	r->now_ns = t;
	vfw_pipeline_tick(r->pipe, t);
	r->last_tick_ns = t;
}

/* Ticks once per second of capture time up to t, as the daemon's timer would. */
static void advance_clock(struct replay *r, __u64 t)
{
	__u64 step = VFW_NS_PER_SEC;

	if (!r->started) {
		r->started = 1;
		r->last_tick_ns = t;
		r->now_ns = t;
		return;
	}
	if (t <= r->last_tick_ns)
		return;
	if ((t - r->last_tick_ns) / step > MAX_TICKS_PER_GAP)
		step = (t - r->last_tick_ns) / MAX_TICKS_PER_GAP;
	while (t - r->last_tick_ns >= step)
		tick_at(r, r->last_tick_ns + step);
}

/* ---- the file ------------------------------------------------------------- */

static pcap_t *open_capture(const char *path, int *dlt)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pc;

	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO,
						     err);
	if (!pc) {
		fprintf(stderr, "voipfw: replay: cannot read '%s': %s\n", path, err);
		return NULL;
	}
	*dlt = pcap_datalink(pc);
	if (!link_supported(*dlt)) {
		const char *name = pcap_datalink_val_to_name(*dlt);

		fprintf(stderr,
			"voipfw: replay: '%s': unsupported link type %d%s%s%s; "
			"supported: EN10MB (with VLAN, PPPoE), LINUX_SLL, LINUX_SLL2, "
			"RAW, IPV4, IPV6, NULL, LOOP\n",
			path, *dlt, name ? " (" : "", name ? name : "", name ? ")" : "");
		pcap_close(pc);
		return NULL;
	}
	return pc;
}

/* Reports a read error in the middle of the file; 0 at a clean end. */
static int read_status(pcap_t *pc, const char *path, int rc)
{
	if (rc == -2 || rc == 1)
		return 0;
	fprintf(stderr, "voipfw: replay: error reading '%s': %s\n", path,
		pcap_geterr(pc));
	return -1;
}

struct register_scan {
	int found;
	__u8 addr[16];
	struct sip_msg msg;
};

static void scan_payload(void *ctx, const struct vfw_datagram *d)
{
	struct register_scan *s = ctx;

	if (s->found || !vfw_looks_like_sip(d->payload, d->len))
		return;
	if (sip_parse(d->payload, d->len, d->proto == IPPROTO_TCP, &s->msg) != SIP_OK)
		return;
	if (s->msg.is_request && s->msg.method == SIP_REGISTER) {
		memcpy(s->addr, d->saddr, 16);
		s->found = 1;
	}
}

/* First pass: our address is the one the first REGISTER was sent from. */
static int infer_local(struct replay *r)
{
	struct register_scan *scan = NULL;
	struct vfw_pkt_config cfg;
	struct pcap_pkthdr *h;
	const u_char *data;
	struct vfw_pkt *pkt = NULL;
	char addr[SIP_ADDR_STRLEN];
	pcap_t *pc;
	int dlt, rc;

	pc = open_capture(r->path, &dlt);
	if (!pc)
		return EXIT_FAIL;
	vfw_pkt_config_defaults(&cfg);
	scan = calloc(1, sizeof(*scan));
	pkt = vfw_pkt_new(&cfg);
	if (!scan || !pkt) {
		rc = EXIT_FAIL;
		goto out;
	}
	while (!scan->found && (rc = pcap_next_ex(pc, &h, &data)) == 1) {
		const u_char *l3;
		size_t l3_len;
		enum direction dir;

		if (strip_link(dlt, data, h->caplen, &l3, &l3_len, &dir) == 0)
			vfw_pkt_feed(pkt, l3, l3_len, ts_ns(h), scan_payload, scan);
	}
	if (!scan->found) {
		if (read_status(pc, r->path, rc))
			rc = EXIT_FAIL;
		else
			rc = usage_error("no REGISTER in '%s' tells which address is ours; "
					 "give it with --local ADDR", r->path);
		goto out;
	}
	memcpy(r->locals[0], scan->addr, 16);
	r->n_locals = 1;
	fprintf(stderr, "voipfw: replay: local address %s (source of the first REGISTER)\n",
		sip_addr_format(scan->addr, addr, sizeof(addr)));
	rc = EXIT_OK;
out:
	pcap_close(pc);
	vfw_pkt_free(pkt);
	free(scan);
	return rc;
}

static void replay_packet(struct replay *r, const struct pcap_pkthdr *h,
			  const u_char *data)
{
	__u64 t = ts_ns(h);
	enum direction dir;
	const u_char *l3;
	size_t l3_len;

	r->packets++;
	if (strip_link(r->dlt, data, h->caplen, &l3, &l3_len, &dir)) {
		r->not_ip++;
		return;
	}
	if (dir == DIR_UNKNOWN)
		dir = direction_by_address(r, l3, l3_len);
	if (dir == DIR_UNKNOWN) {
		r->no_direction++;
		return;
	}
	if (t < r->last_tick_ns)
		t = r->last_tick_ns;	/* keep the trackers' clock monotonic */
	advance_clock(r, t);
	r->now_ns = t;
	vfw_pipeline_packet(r->pipe, l3, l3_len, dir == DIR_OUTBOUND, t);
}

static void print_summary(const struct replay *r)
{
	struct vfw_pipeline_stats st;

	vfw_pipeline_get_stats(r->pipe, &st);
	fprintf(stderr,
		"voipfw: replay: %llu packets (%llu not IP, %llu neither from nor to a local address), "
		"%llu malformed, %llu fragments -> %llu datagrams, %llu SIP messages "
		"(%llu refused by the parser), %llu non-SIP, %llu events\n",
		r->packets, r->not_ip, r->no_direction,
		(unsigned long long)st.malformed, (unsigned long long)st.fragments,
		(unsigned long long)st.reassembled, (unsigned long long)st.sip_messages,
		(unsigned long long)st.sip_rejected, (unsigned long long)st.non_sip,
		r->events);
}

static int run_replay(struct replay *r)
{
	struct vfw_tracker_config cfg;
	struct vfw_sink sink = { r, on_event };
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc;
	int rc;

	pc = open_capture(r->path, &r->dlt);
	if (!pc)
		return EXIT_FAIL;
	vfw_tracker_config_defaults(&cfg);
	r->pipe = vfw_pipeline_new(&cfg, sink);
	if (!r->pipe) {
		pcap_close(pc);
		fprintf(stderr, "voipfw: replay: out of memory\n");
		return EXIT_FAIL;
	}
	while ((rc = pcap_next_ex(pc, &h, &data)) == 1)
		replay_packet(r, h, data);
	rc = read_status(pc, r->path, rc);
	if (r->started)
		tick_at(r, r->last_tick_ns > r->now_ns ? r->last_tick_ns : r->now_ns);
	fflush(stdout);
	print_summary(r);
	vfw_pipeline_free(r->pipe);
	pcap_close(pc);
	return rc ? EXIT_FAIL : EXIT_OK;
}

/* Whether this link type records the direction of every packet. */
static int link_has_direction(int dlt)
{
	return dlt == DLT_LINUX_SLL || dlt == DLT_LINUX_SLL2;
}

static int do_replay(int argc, char **argv)
{
	struct replay *r = calloc(1, sizeof(*r));
	int rc = EXIT_OK, dlt;
	bool ipv4;
	pcap_t *pc;

	if (!r)
		return EXIT_FAIL;
	for (; !rc && r->n_locals < cli.opt.n_many; r->n_locals++)   /* --local */
		if (vfw_parse_addr(cli.opt.many[r->n_locals], r->locals[r->n_locals], &ipv4))
			rc = usage_error("bad --local address '%s' (one IPv4 or IPv6 address)",
					 cli.opt.many[r->n_locals]);
	if (rc != EXIT_OK)
		goto out;
	r->path = argv[0];

	/* Check the file before a pre-scan could complain about something else. */
	pc = open_capture(r->path, &dlt);
	if (!pc) {
		rc = EXIT_FAIL;
		goto out;
	}
	pcap_close(pc);
	if (!r->n_locals && !link_has_direction(dlt)) {
		rc = infer_local(r);
		if (rc != EXIT_OK)
			goto out;
	}
	rc = run_replay(r);
out:
	free(r);
	return rc;
}

const struct args_cmd replay_cmd = {
	.name = "replay", .words = "FILE.pcap", .fn = do_replay,
	.summary = "run a WAN capture through the SIP trackers and print their decisions",
	.text = "Why did a call lose audio? The decisions come in capture time, one per\n"
		"line (with --json one object per line), and a summary on stderr. The local\n"
		"side is told by --local, by an SLL capture's direction, or else is the\n"
		"source of the first REGISTER.",
	.opts = (const struct args_opt[]) {
		{ "local", 0, "ADDR", "our WAN address (repeatable)", NULL, ARGS_MANY },
		{ NULL },
	},
};
