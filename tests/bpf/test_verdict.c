// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The verdict table, run against the real XDP program in the running kernel.
 *
 * Three private instances of the skeleton are loaded: Ethernet, a device
 * without link layer (cfg_l2 = VFW_L2_NONE) and monitor mode. Nothing is
 * pinned, so their maps belong to this process. Each row sets map state,
 * runs its packets through BPF_PROG_TEST_RUN and checks the returned XDP
 * action and that exactly the expected per-reason counter went up by one
 * packet and by the packet's length in bytes; no other counter may move.
 *
 * Every row runs against the same trunk table (std_trunks) and the default
 * port classes; rows add their own pinholes and port class overrides.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <arpa/inet.h>

#include "pkt.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "voipfw.h"
#include "addr.h"
#include "names.h"
#include "tracker.h"
#include "voipfw.skel.h"

/*
 * The tables below are written as terse initializers: fields left out are
 * meant to be zero, and a row may override a default a macro set (e.g.
 * UDP(5060), .payload = 0). Both are well defined C; -Wextra warns anyway.
 */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Woverride-init"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define offsetofend(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))

#define NS_PER_MS 1000000ULL
#define NS_PER_SEC 1000000000ULL
#define HOUR_MS   (3600LL * 1000)

/* ---------------------------------------------------------------------- */
/* The loaded programs                                                     */

enum inst { ETH, L3, MON, N_INST };

struct fw {
	const char *name;
	__u32 l2;
	__u32 monitor;
	struct voipfw_bpf *skel;
	int prog, egress, stats, ports, trunks, pinholes, frags, runtime;
	int negotiations, admissions, replies;
};

static struct fw fws[N_INST] = {
	[ETH] = { .name = "ethernet", .l2 = VFW_L2_ETHERNET },
	[L3]  = { .name = "l3-device", .l2 = VFW_L2_NONE },
	[MON] = { .name = "monitor", .l2 = VFW_L2_ETHERNET, .monitor = 1 },
};

static int ncpus;
static struct vfw_counter *percpu_buf;

static __u64 now_ns(void)
{
	struct timespec ts;

	/* bpf_ktime_get_ns() is CLOCK_MONOTONIC. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* What userspace writes by default; the program itself knows no ports. */
static __u8 default_class(__u16 port, __u8 proto)
{
	if (port == VFW_DEFAULT_SIP_PORT)
		return VFW_CLASS_SIP;
	if (proto == IPPROTO_TCP && port == VFW_DEFAULT_SIPS_PORT)
		return VFW_CLASS_SIP;
	if (proto == IPPROTO_UDP && port >= VFW_DEFAULT_MEDIA_FIRST &&
	    port <= VFW_DEFAULT_MEDIA_LAST)
		return VFW_CLASS_MEDIA;
	return VFW_CLASS_NONE;
}

static int write_port(const struct fw *fw, __u16 port, __u8 udp, __u8 tcp)
{
	struct vfw_port_class_entry e = { .udp = udp, .tcp = tcp };
	__u32 idx = port;

	return bpf_map_update_elem(fw->ports, &idx, &e, BPF_ANY);
}

static int write_default_port(const struct fw *fw, __u16 port)
{
	return write_port(fw, port, default_class(port, IPPROTO_UDP),
			  default_class(port, IPPROTO_TCP));
}

static int write_default_ports(const struct fw *fw)
{
	__u32 port;

	if (write_default_port(fw, VFW_DEFAULT_SIP_PORT) ||
	    write_default_port(fw, VFW_DEFAULT_SIPS_PORT))
		return -1;
	for (port = VFW_DEFAULT_MEDIA_FIRST; port <= VFW_DEFAULT_MEDIA_LAST; port++)
		if (write_default_port(fw, port))
			return -1;
	return 0;
}

/*
 * What the loader writes at attach: reply pinholes and the offer/answer
 * pairing on, their default windows (seconds: the pairing's).
 */
static int set_announce_ttl(const struct fw *fw, __u32 seconds)
{
	struct vfw_runtime rt = {
		.announce_ttl_s = seconds,
		.reply_ttl_ns = VFW_DEFAULT_REPLY_TTL_NS,
	};
	__u32 zero = 0;

	return bpf_map_update_elem(fw->runtime, &zero, &rt, BPF_ANY);
}

static int fw_load(struct fw *fw)
{
	fw->skel = voipfw_bpf__open();
	if (!fw->skel)
		return -1;
	fw->skel->rodata->cfg_l2 = fw->l2;
	fw->skel->rodata->cfg_monitor = fw->monitor;
	if (voipfw_bpf__load(fw->skel)) {
		fprintf(stderr, "loading the %s program failed\n", fw->name);
		return -1;
	}
	fw->prog = bpf_program__fd(fw->skel->progs.voipfw_xdp);
	fw->egress = bpf_program__fd(fw->skel->progs.voipfw_tc_egress);
	fw->negotiations = bpf_map__fd(fw->skel->maps.vfw_negotiations);
	fw->admissions = bpf_map__fd(fw->skel->maps.vfw_admissions);
	fw->replies = bpf_map__fd(fw->skel->maps.vfw_replies);
	fw->stats = bpf_map__fd(fw->skel->maps.vfw_stats);
	fw->ports = bpf_map__fd(fw->skel->maps.vfw_ports);
	fw->trunks = bpf_map__fd(fw->skel->maps.vfw_trunks);
	fw->pinholes = bpf_map__fd(fw->skel->maps.vfw_pinholes);
	fw->frags = bpf_map__fd(fw->skel->maps.vfw_frags);
	fw->runtime = bpf_map__fd(fw->skel->maps.vfw_runtime);
	return set_announce_ttl(fw, VFW_DEFAULT_ANNOUNCE_TTL_S) ?: write_default_ports(fw);
}

static int group_setup(void **state)
{
	int i;

	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0)
		return -1;
	percpu_buf = calloc(ncpus, sizeof(*percpu_buf));
	if (!percpu_buf)
		return -1;
	for (i = 0; i < N_INST; i++)
		if (fw_load(&fws[i]))
			return -1;
	return 0;
}

static int group_teardown(void **state)
{
	int i;

	for (i = 0; i < N_INST; i++)
		voipfw_bpf__destroy(fws[i].skel);
	free(percpu_buf);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Map state                                                               */

struct trunk_spec {
	const char *prefix;
	__u32 admit;
	__s64 expires_ms;       /* relative to now; 0 = never */
};

/* Sources inside std_trunks. */
#define TRUNK4   "198.51.100.10"
#define TRUNK6   "2001:db8:100::10"
#define SIPONLY4 "100.64.1.10"          /* trunk admitting SIP only */
#define SIPONLY6 "2001:db8:51::10"
#define OLD4     "100.64.2.10"          /* trunk that expired a second ago */
#define OLD6     "2001:db8:52::10"
#define TIMED4   "100.64.3.10"          /* trunk expiring in an hour */
#define TIMED6   "2001:db8:53::10"
/* Sources outside it. */
#define SCAN4    "203.0.113.66"
#define SCAN6    "2001:db8:bad::66"
#define PEER4    "203.0.113.20"         /* remote end of pinholes */
#define PEER6    "2001:db8:cafe::20"
#define PEER4B   "203.0.113.21"         /* a second media address */
/* Our WAN addresses. */
#define WAN4     "192.0.2.1"
#define WAN6     "2001:db8:1::1"

static const struct trunk_spec std_trunks[] = {
	{ "198.51.100.0/24",   VFW_ADMIT_ALL },
	{ "2001:db8:100::/48", VFW_ADMIT_ALL },
	{ "100.64.1.0/24",     VFW_ADMIT_SIP },
	{ "2001:db8:51::/48",  VFW_ADMIT_SIP },
	{ "100.64.2.0/24",     VFW_ADMIT_ALL, -1000 },
	{ "2001:db8:52::/48",  VFW_ADMIT_ALL, -1000 },
	{ "100.64.3.0/24",     VFW_ADMIT_ALL, HOUR_MS },
	{ "2001:db8:53::/48",  VFW_ADMIT_ALL, HOUR_MS },
};

struct pinhole_spec {
	const char *addr;       /* NULL ends a list */
	__u16 port;
	__u8 proto;
	__s64 expires_ms;       /* relative to now; 0 = never */
	__u64 idle_ms;          /* 0 = no idle timeout */
	__u64 seen_ago_ms;      /* last_seen_ns = now - this */
};

#define PINHOLES(...) ((const struct pinhole_spec[]){ __VA_ARGS__, { NULL } })
/* Live by both clocks, so both checks run and pass. */
#define LIVE_PH(a, port, proto) \
	{ a, port, proto, .expires_ms = HOUR_MS, .idle_ms = 30000, .seen_ago_ms = 1000 }
#define FOREVER_PH(a, port, proto) { a, port, proto }
#define EXPIRED_PH(a, port, proto) { a, port, proto, .expires_ms = -1000 }
/* Hard expiry an hour away: only the idle timeout can close it. */
#define IDLE_PH(a, port, proto) \
	{ a, port, proto, .expires_ms = HOUR_MS, .idle_ms = 1000, .seen_ago_ms = 5000 }

struct port_spec {
	__u16 port;             /* 0 ends a list */
	__u8 proto;
	__u8 class;
};

#define PORTS(...) ((const struct port_spec[]){ __VA_ARGS__, { 0 } })

static __u64 from_now(__u64 now, __s64 ms)
{
	if (!ms)
		return 0;
	/* Past times must stay after boot, or they would wrap. */
	assert_true(ms > 0 || (__u64)-ms * NS_PER_MS < now);
	return now + ms * (__s64)NS_PER_MS;
}

static void add_trunk(const struct fw *fw, const struct trunk_spec *t, __u64 now)
{
	struct vfw_trunk val = {
		.expires_ns = from_now(now, t->expires_ms),
		.admit = t->admit,
		.origin = VFW_ORIGIN_STATIC,
	};
	struct vfw_lpm_key key;
	struct vfw_prefix prefix;
	const char *why = NULL;

	assert_int_equal(vfw_parse_prefix(t->prefix, &prefix, &why), 0);
	vfw_prefix_to_lpm_key(&prefix, &key);
	assert_int_equal(bpf_map_update_elem(fw->trunks, &key, &val, BPF_ANY), 0);
}

static void add_std_trunks(const struct fw *fw, __u64 now)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(std_trunks); i++)
		add_trunk(fw, &std_trunks[i], now);
}

static void make_pinhole_key(struct vfw_pinhole_key *key, const char *addr,
			     __u16 port, __u8 proto)
{
	bool ipv4;

	memset(key, 0, sizeof(*key));
	assert_int_equal(vfw_parse_addr(addr, key->addr, &ipv4), 0);
	key->local_port = port;
	key->proto = proto;
}

static void add_pinhole(const struct fw *fw, const struct pinhole_spec *ph,
			__u64 now)
{
	struct vfw_pinhole_key key;
	struct vfw_pinhole val = {
		.expires_ns = from_now(now, ph->expires_ms),
		.idle_ns = ph->idle_ms * NS_PER_MS,
		.created_ns = now - 10000 * NS_PER_MS,
		.last_seen_ns = now - ph->seen_ago_ms * NS_PER_MS,
		.origin = VFW_ORIGIN_CALL,
	};

	make_pinhole_key(&key, ph->addr, ph->port, ph->proto);
	assert_int_equal(bpf_map_update_elem(fw->pinholes, &key, &val, BPF_ANY), 0);
}

static void set_port_class(const struct fw *fw, const struct port_spec *ps)
{
	struct vfw_port_class_entry e;
	__u32 idx = ps->port;

	assert_int_equal(bpf_map_lookup_elem(fw->ports, &idx, &e), 0);
	if (ps->proto == IPPROTO_UDP)
		e.udp = ps->class;
	else
		e.tcp = ps->class;
	assert_int_equal(bpf_map_update_elem(fw->ports, &idx, &e, BPF_ANY), 0);
}

static void clear_map(int fd)
{
	__u8 key[64];

	while (!bpf_map_get_next_key(fd, NULL, key))
		assert_int_equal(bpf_map_delete_elem(fd, key), 0);
}

static void clear_maps(const struct fw *fw)
{
	clear_map(fw->trunks);
	clear_map(fw->pinholes);
	clear_map(fw->frags);
	clear_map(fw->negotiations);
	clear_map(fw->admissions);
	clear_map(fw->replies);
}

/* ---------------------------------------------------------------------- */
/* Running packets                                                         */

struct counts {
	__u64 packets[VFW_REASON_MAX];
	__u64 bytes[VFW_REASON_MAX];
};

static void read_counts(const struct fw *fw, struct counts *c)
{
	__u32 reason;
	int cpu;

	memset(c, 0, sizeof(*c));
	for (reason = 0; reason < VFW_REASON_MAX; reason++) {
		assert_int_equal(bpf_map_lookup_elem(fw->stats, &reason, percpu_buf), 0);
		for (cpu = 0; cpu < ncpus; cpu++) {
			c->packets[reason] += percpu_buf[cpu].packets;
			c->bytes[reason] += percpu_buf[cpu].bytes;
		}
	}
}

static int run_xdp(const struct fw *fw, const void *data, __u32 len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = data,
		.data_size_in = len,
		.repeat = 1,
	);

	assert_int_equal(bpf_prog_test_run_opts(fw->prog, &opts), 0);
	return opts.retval;
}

/* Runs a packet our VoIP system sends through the TC egress program. */
static void run_egress(const struct fw *fw, const void *data, __u32 len,
		       const char *what)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = data,
		.data_size_in = len,
		.repeat = 1,
	);
	struct counts before, after;

	read_counts(fw, &before);
	assert_int_equal(bpf_prog_test_run_opts(fw->egress, &opts), 0);
	read_counts(fw, &after);
	if (opts.retval != 0 /* TC_ACT_OK */)
		fail_msg("%s program, %s sent: tc egress returned %d, want TC_ACT_OK",
			 fw->name, what, opts.retval);
	/* egress has no verdicts: the XDP counters must not move */
	assert_memory_equal(&before, &after, sizeof(before));
}

static const char *action_name(int action)
{
	switch (action) {
	case XDP_ABORTED:
		return "XDP_ABORTED";
	case XDP_DROP:
		return "XDP_DROP";
	case XDP_PASS:
		return "XDP_PASS";
	case XDP_TX:
		return "XDP_TX";
	case XDP_REDIRECT:
		return "XDP_REDIRECT";
	default:
		return "XDP_?";
	}
}

/*
 * Runs len bytes of data and fails unless the program returned action and
 * the counter of reason, and no other, went up by one packet of len bytes.
 */
static void expect_verdict(const struct fw *fw, const void *data, __u32 len,
			   int action, __u32 reason, const char *what)
{
	struct counts before, after;
	char moved[512] = "";
	size_t used = 0;
	bool counters_ok = true;
	__u32 r;
	int got;

	read_counts(fw, &before);
	got = run_xdp(fw, data, len);
	read_counts(fw, &after);

	for (r = 0; r < VFW_REASON_MAX; r++) {
		__u64 packets = after.packets[r] - before.packets[r];
		__u64 bytes = after.bytes[r] - before.bytes[r];

		if (packets != (r == reason) || bytes != (r == reason ? len : 0))
			counters_ok = false;
		if (packets && used < sizeof(moved))
			used += snprintf(moved + used, sizeof(moved) - used,
					 " %s+%llu/%lluB", vfw_reason_name(r),
					 (unsigned long long)packets,
					 (unsigned long long)bytes);
	}
	if (got != action || !counters_ok)
		fail_msg("%s program, %s (%u bytes): got %s,%s; want %s, %s+1/%uB",
			 fw->name, what, len, action_name(got),
			 used ? moved : " no counter moved", action_name(action),
			 vfw_reason_name(reason), len);
}

/* ---------------------------------------------------------------------- */
/* The table                                                               */

struct step {
	struct pkt_spec pkt;
	int action;             /* XDP_ABORTED (0), never expected, ends the steps */
	__u32 reason;
	bool egress;            /* sent by our VoIP system: TC egress, not XDP */
};

#define MAX_STEPS 8

struct row {
	const char *desc;
	enum inst inst;
	struct step steps[MAX_STEPS];   /* run in order against the same state */
	const struct pinhole_spec *pinholes;
	const struct port_spec *ports;  /* overrides of the default classes */
};

#define PASS(r)       XDP_PASS, VFW_PASS_##r
#define DROP(r)       XDP_DROP, VFW_DROP_##r
/* Monitor mode counts the drop reason but lets the packet through. */
#define WOULD_DROP(r) XDP_PASS, VFW_DROP_##r
/* Sent by our VoIP system (Ethernet rows only: tc test runs start at L2). */
#define SENT          XDP_PASS, 0, true

#define STEP(verdict, ...) { { __VA_ARGS__ }, verdict }

#define V4(from)    .family = 4, .src = (from), .dst = WAN4
#define V6(from)    .family = 6, .src = (from), .dst = WAN6
#define UDP(port)   .proto = IPPROTO_UDP, .sport = 41000, .dport = (port), .payload = 64
#define TCP(port)   .proto = IPPROTO_TCP, .sport = 41000, .dport = (port), .payload = 64
#define PROTO(p)    .proto = (p), .payload = 64

/* SIP carrying SDP (from a trunk) whose connection line is cline (with its CRLF). */
#define SDP_MSG(first, id, ctype, body) \
	first "\r\n" \
	"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1\r\n" \
	"Call-ID: " id "\r\nCSeq: 1 INVITE\r\n" \
	"Content-Type: " ctype "\r\n\r\n" \
	"v=0\r\no=- 1 1 IN IP4 198.51.100.10\r\ns=-\r\n" body
#define M(port)      "m=audio " #port " RTP/AVP 0\r\n"
#define SDP_200(cline) \
	SDP_MSG("SIP/2.0 200 OK", "announce@192.0.2.1", "application/sdp", \
		cline "t=0 0\r\n" M(30000))
/* What our VoIP system offers in its INVITE: our media port 10002 (RTCP 10003). */
#define OUR_SDP(first, id, mlines) \
	SDP_MSG(first, id, "application/sdp", "c=IN IP4 192.0.2.1\r\nt=0 0\r\n" mlines)
#define OUR_INVITE   OUR_SDP("INVITE sip:100@198.51.100.10 SIP/2.0", "announce@192.0.2.1", M(10002))
#define TEXT(t)      .text = (t), .payload = sizeof(t) - 1
#define SIP_UDP(t)   .proto = IPPROTO_UDP, .sport = 5060, .dport = 5060, TEXT(t)
#define SIP_TCP(t)   .proto = IPPROTO_TCP, .sport = 5060, .dport = 5060, TEXT(t)
#define SIP_UDP_FROM(port, t) .proto = IPPROTO_UDP, .sport = (port), .dport = 5060, TEXT(t)
#define SIP_UDP_TO(port, t)   .proto = IPPROTO_UDP, .sport = 5060, .dport = (port), TEXT(t)
#define OUR_OPTIONS   "OPTIONS sip:ping@203.0.113.20 SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n"
#define THEIR_OPTIONS "OPTIONS sip:100@192.0.2.1 SIP/2.0\r\nCSeq: 7 OPTIONS\r\n\r\n"
#define THEIR_200     "SIP/2.0 200 OK\r\nCSeq: 1 OPTIONS\r\n\r\n"
#define C4(a)        "c=IN IP4 " a "\r\n"
#define C6(a)        "c=IN IP6 " a "\r\n"
#define OUT4(to)     .family = 4, .src = WAN4, .dst = (to)
#define OUT6(to)     .family = 6, .src = WAN6, .dst = (to)
#define WE_OFFER     STEP(SENT, OUT4(TRUNK4), SIP_UDP(OUR_INVITE))
/* The same Call-ID's other messages: a trunk's INVITE (an offer), our 200 (an answer). */
#define THEIR_INVITE(cline) \
	SDP_MSG("INVITE sip:100@192.0.2.1 SIP/2.0", "announce@192.0.2.1", "application/sdp", \
		cline "t=0 0\r\n" M(30000))
#define OUR_200(mlines) OUR_SDP("SIP/2.0 200 OK", "announce@192.0.2.1", mlines)
#define OUR_REINVITE(mlines) OUR_SDP("INVITE sip:100@198.51.100.10 SIP/2.0", \
				     "announce@192.0.2.1", mlines)

/* Our offer, then a trunk's answer with a connection line that must not admit PEER4. */
#define NOT_ANNOUNCED_ROW(what, cline) \
	{ "offer/answer: nothing admitted from " what, ETH, \
	  { WE_OFFER, \
	    STEP(PASS(TRUNK), V4(TRUNK4), SIP_UDP(SDP_200(cline))), \
	    STEP(DROP(NO_TRUST), V4(PEER4), UDP(10002)) } }

/* Fragments: offsets in 8-byte units, as on the wire. */
#define FIRST_FRAG(id)     .frag_more = true, .frag_id = (id)
#define MIDDLE_FRAG(id)    .frag_offset = 9, .frag_more = true, .frag_id = (id)
#define LAST_FRAG(id)      .frag_offset = 18, .frag_id = (id)
#define V6FRAG             .ext = { EXT(IPPROTO_FRAGMENT) }

#define VLAN(t)            .tpid = { t }
#define VLAN2(outer, inner) .tpid = { outer, inner }

/* IPv4 options of every length: dport would read as NOPs if not skipped. */
#define IHL_ROW(n) \
	{ "ipv4 ihl " #n " options skipped: untrusted to udp 5060", ETH, \
	  { STEP(DROP(NO_TRUST), V4(SCAN4), UDP(5060), .ihl = n) } }

/* Eight extension headers are walked; the ninth is one too many. */
#define EXT8 EXT(IPPROTO_HOPOPTS), EXT(IPPROTO_DSTOPTS), EXT(IPPROTO_ROUTING), \
	EXT(IPPROTO_DSTOPTS), EXTL(IPPROTO_AH, 4), EXT(IPPROTO_ROUTING), \
	EXT(IPPROTO_DSTOPTS), EXT(IPPROTO_DSTOPTS)

static const struct row rows[] = {
	/* --- offer and answer, paired in the kernel by Call-ID -------------- */
	{ "offer/answer: outbound call, the answer admits its c= to our m= port and port + 1", ETH,
	  { WE_OFFER,
	    STEP(PASS(TRUNK), V4(TRUNK4), SIP_UDP(SDP_200(C4(PEER4)))),
	    STEP(PASS(ANNOUNCED), V4(PEER4), UDP(10002)),
	    STEP(PASS(ANNOUNCED), V4(PEER4), UDP(10003)),
	    STEP(DROP(NO_TRUST), V4(PEER4), UDP(10004)),
	    STEP(DROP(NO_TRUST), V4(PEER4), UDP(10000)),
	    STEP(DROP(NO_TRUST), V4(SCAN4), UDP(10002)),
	    STEP(DROP(NO_TRUST), V4(PEER4), UDP(5060)) } },
	{ "offer/answer: inbound call, our answer admits the offer's c=", ETH,
	  { STEP(PASS(TRUNK), V4(TRUNK4), SIP_UDP(SDP_MSG("INVITE sip:100@192.0.2.1 SIP/2.0",
		 "in@198.51.100.10", "application/sdp", C4(PEER4) M(30000)))),
	    STEP(DROP(NO_TRUST), V4(PEER4), UDP(10002)),
	    STEP(SENT, OUT4(TRUNK4), SIP_UDP(OUR_SDP("SIP/2.0 200 OK", "in@198.51.100.10", M(10002)))),
	    STEP(PASS(ANNOUNCED), V4(PEER4), UDP(10002)),
	    STEP(DROP(NO_TRUST), V4(PEER4), UDP(10000)) } },
	{ "offer/answer: the trunk's offer alone (a call ringing) admits nothing", ETH,
	  { STEP(PASS(TRUNK), V4(TRUNK4), SIP_UDP(SDP_MSG("INVITE sip:100@192.0.2.1 SIP/2.0",
		 "ring@198.51.100.10", "application/sdp", C4(PEER4) M(30000)))),
	    STEP(DROP(NO_TRUST), V4(PEER4), UDP(10000)),
	    STEP(DROP(NO_TRUST), V4(PEER4), UDP(10002)) } },
	{ "offer/answer: another call's answer admits nothing to our offer's port", ETH,
	  { WE_OFFER,
	    STEP(PASS(TRUNK), V4(TRUNK4), SIP_UDP(SDP_MSG("SIP/2.0 200 OK", "other@198.51.100.10",
		 "application/sdp", C4(PEER4) M(30000)))),
	    STEP(DROP(NO_TRUST), V4(PEER4), UDP(10002)) } },
	{ "offer/answer: ipv6", ETH,
	  { STEP(SENT, OUT6(TRUNK6), SIP_UDP(OUR_INVITE)),
	    STEP(PASS(TRUNK), V6(TRUNK6), SIP_UDP(SDP_200(C6(PEER6)))),
	    STEP(PASS(ANNOUNCED), V6(PEER6), UDP(10002)),
	    STEP(DROP(NO_TRUST), V6(PEER6), TCP(5060)),
	    STEP(DROP(NO_TRUST), V6(SCAN6), UDP(10002)) } },
	{ "offer/answer: m= lines pair in order; a line's own c= wins over the session's", ETH,
	  { STEP(SENT, OUT4(TRUNK4), SIP_UDP(OUR_SDP("INVITE sip:100@198.51.100.10 SIP/2.0",
		 "two@192.0.2.1", M(10002) M(10004)))),
	    STEP(PASS(TRUNK), V4(TRUNK4), SIP_UDP(SDP_MSG("SIP/2.0 200 OK", "two@192.0.2.1",
		 "application/sdp", C4(PEER4B) M(30000) M(30002) C4(PEER4)))),
	    STEP(PASS(ANNOUNCED), V4(PEER4B), UDP(10002)),
	    STEP(PASS(ANNOUNCED), V4(PEER4), UDP(10004)),
	    STEP(DROP(NO_TRUST), V4(PEER4), UDP(10002)),
	    STEP(DROP(NO_TRUST), V4(PEER4B), UDP(10004)) } },
	{ "offer/answer: compact headers (i:, c:) are read", ETH,
	  { WE_OFFER,
	    STEP(PASS(TRUNK), V4(TRUNK4), SIP_UDP("SIP/2.0 183 Session Progress\r\n"
		 "i: announce@192.0.2.1\r\nc: application/SDP\r\n\r\nv=0\r\n"
		 C4(PEER4) M(30000))),
	    STEP(PASS(ANNOUNCED), V4(PEER4), UDP(10002)) } },
	{ "offer/answer: not from a MESSAGE carrying sdp", ETH,
	  { WE_OFFER,
	    STEP(PASS(TRUNK), V4(TRUNK4), SIP_UDP(SDP_MSG("MESSAGE sip:100@192.0.2.1 SIP/2.0",
		 "announce@192.0.2.1", "application/sdp", C4(PEER4) M(30000)))),
	    STEP(DROP(NO_TRUST), V4(PEER4), UDP(10002)) } },
	{ "offer/answer: not from a body that is not application/sdp", ETH,
	  { WE_OFFER,
	    STEP(PASS(TRUNK), V4(TRUNK4), SIP_UDP(SDP_MSG("SIP/2.0 200 OK", "announce@192.0.2.1",
		 "text/plain", C4(PEER4) M(30000)))),
	    STEP(DROP(NO_TRUST), V4(PEER4), UDP(10002)) } },
	{ "offer/answer: not when the message has two Call-ID headers", ETH,
	  { WE_OFFER,
	    STEP(PASS(TRUNK), V4(TRUNK4), SIP_UDP("SIP/2.0 200 OK\r\nCall-ID: announce@192.0.2.1\r\n"
		 "Call-ID: x@y\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n" C4(PEER4) M(30000))),
	    STEP(DROP(NO_TRUST), V4(PEER4), UDP(10002)) } },
	{ "offer/answer: our sdp naming a sip port opens nothing there", ETH,
	  { STEP(SENT, OUT4(TRUNK4), SIP_UDP(OUR_SDP("INVITE sip:100@198.51.100.10 SIP/2.0",
		 "announce@192.0.2.1", M(5060)))),
	    STEP(PASS(TRUNK), V4(TRUNK4), SIP_UDP(SDP_200(C4(PEER4)))),
	    STEP(DROP(NO_TRUST), V4(PEER4), UDP(5060)) } },
	{ "offer/answer: a BYE forgets the pair", ETH,
	  { WE_OFFER,
	    STEP(PASS(TRUNK), V4(TRUNK4), SIP_UDP("BYE sip:100@192.0.2.1 SIP/2.0\r\n"
		 "Call-ID: announce@192.0.2.1\r\n\r\n")),
	    STEP(PASS(TRUNK), V4(TRUNK4), SIP_UDP(SDP_200(C4(PEER4)))),
	    STEP(DROP(NO_TRUST), V4(PEER4), UDP(10002)) } },
	{ "offer/answer: over tcp sip", ETH,
	  { STEP(SENT, OUT4(TRUNK4), SIP_TCP(OUR_INVITE)),
	    STEP(PASS(TRUNK), V4(TRUNK4), SIP_TCP(SDP_200(C4(PEER4)))),
	    STEP(PASS(ANNOUNCED), V4(PEER4), UDP(10002)) } },
	{ "offer/answer: a sip-only trunk's answer counts too", ETH,
	  { STEP(SENT, OUT4(SIPONLY4), SIP_UDP(OUR_INVITE)),
	    STEP(PASS(TRUNK), V4(SIPONLY4), SIP_UDP(SDP_200(C4(PEER4)))),
	    STEP(PASS(ANNOUNCED), V4(PEER4), UDP(10002)) } },
	{ "offer/answer: through vlan and pppoe", ETH,
	  { STEP(SENT, OUT4(TRUNK4), SIP_UDP(OUR_INVITE), VLAN(ETH_P_8021Q), .pppoe = true),
	    STEP(PASS(TRUNK), V4(TRUNK4), SIP_UDP(SDP_200(C4(PEER4))),
		 VLAN(ETH_P_8021Q), .pppoe = true),
	    STEP(PASS(ANNOUNCED), V4(PEER4), UDP(10002)) } },
	{ "offer/answer: a trunk's answer passing by its reply pinhole", ETH,
	  { WE_OFFER,
	    STEP(PASS(PINHOLE), V4(TRUNK4), SIP_UDP(SDP_200(C4(PEER4)))),
	    STEP(PASS(ANNOUNCED), V4(PEER4), UDP(10002)) },
	  .pinholes = PINHOLES(LIVE_PH(TRUNK4, 5060, IPPROTO_UDP)) },
	{ "offer/answer: a trunk's INVITE under a paired Call-ID admits only once we answer", ETH,
	  { WE_OFFER,
	    STEP(PASS(TRUNK), V4(TRUNK4), SIP_UDP(SDP_200(C4(PEER4)))),
	    STEP(PASS(ANNOUNCED), V4(PEER4), UDP(10002)),
	    STEP(PASS(TRUNK), V4(TRUNK4), SIP_UDP(THEIR_INVITE(C4(SCAN4)))),
	    STEP(DROP(NO_TRUST), V4(SCAN4), UDP(10002)),
	    STEP(DROP(NO_TRUST), V4(SCAN4), UDP(10003)),
	    STEP(SENT, OUT4(TRUNK4), SIP_UDP(OUR_200(M(10002)))),
	    STEP(PASS(ANNOUNCED), V4(SCAN4), UDP(10002)) } },
	{ "offer/answer: our re-INVITE's new port waits for their answer", ETH,
	  { STEP(PASS(TRUNK), V4(TRUNK4), SIP_UDP(THEIR_INVITE(C4(PEER4)))),
	    STEP(DROP(NO_TRUST), V4(PEER4), UDP(10002)),
	    STEP(SENT, OUT4(TRUNK4), SIP_UDP(OUR_200(M(10002)))),
	    STEP(PASS(ANNOUNCED), V4(PEER4), UDP(10002)),
	    STEP(SENT, OUT4(TRUNK4), SIP_UDP(OUR_REINVITE(M(10004)))),
	    STEP(DROP(NO_TRUST), V4(PEER4), UDP(10004)),
	    STEP(PASS(TRUNK), V4(TRUNK4), SIP_UDP(SDP_200(C4(PEER4)))),
	    STEP(PASS(ANNOUNCED), V4(PEER4), UDP(10004)) } },
	{ "our offered port before the answer: no source admitted", ETH,
	  { STEP(SENT, OUT4(TRUNK4), SIP_UDP(OUR_INVITE)),
	    STEP(DROP(NO_TRUST), V4(SCAN4), UDP(10002)),
	    STEP(DROP(NO_TRUST), V6(SCAN6), UDP(10002)) } },
	{ "an entry from the unspecified address admits no one", ETH,
	  { STEP(DROP(NO_TRUST), V4(SCAN4), UDP(10002)),
	    STEP(DROP(NO_TRUST), V4(SCAN4), UDP(5060)) },
	  .pinholes = PINHOLES(LIVE_PH("::", 10002, IPPROTO_UDP),
			       LIVE_PH("::", 5060, IPPROTO_UDP)) },
	/* --- reply pinholes: our request's destination may answer, nothing more */
	{ "reply pinhole: the response from where our request went", ETH,
	  { STEP(SENT, OUT4(PEER4), SIP_UDP(OUR_OPTIONS)),
	    STEP(PASS(PINHOLE), V4(PEER4), SIP_UDP(THEIR_200)),
	    STEP(DROP(NO_TRUST), V4(PEER4), SIP_UDP(THEIR_OPTIONS)),
	    STEP(DROP(NO_TRUST), V4(PEER4), SIP_UDP("SIP/2.0200 OK\r\n")),
	    STEP(DROP(NO_TRUST), V4(PEER4), SIP_UDP_FROM(5080, THEIR_200)),
	    STEP(DROP(NO_TRUST), V4(SCAN4), SIP_UDP(THEIR_200)),
	    STEP(DROP(NO_TRUST), V4(PEER4), UDP(10002)) } },
	{ "reply pinhole over ipv6", ETH,
	  { STEP(SENT, OUT6(PEER6), SIP_UDP(OUR_OPTIONS)),
	    STEP(PASS(PINHOLE), V6(PEER6), SIP_UDP(THEIR_200)),
	    STEP(DROP(NO_TRUST), V6(PEER6), SIP_UDP(THEIR_OPTIONS)) } },
	{ "reply pinhole: a response from our port to another port opens none", ETH,
	  { STEP(SENT, OUT4(PEER4), SIP_UDP_TO(5080, OUR_OPTIONS)),
	    STEP(PASS(PINHOLE), V4(PEER4), SIP_UDP_FROM(5080, THEIR_200)),
	    STEP(DROP(NO_TRUST), V4(PEER4), SIP_UDP(THEIR_200)) } },
	{ "reply pinhole over tcp: the connection, requests too", ETH,
	  { STEP(SENT, OUT4(PEER4), SIP_TCP(OUR_OPTIONS)),
	    STEP(PASS(PINHOLE), V4(PEER4), SIP_TCP(THEIR_OPTIONS)),
	    STEP(DROP(NO_TRUST), V4(PEER4), SIP_UDP(THEIR_200)) } },
	{ "reply pinhole: a keep-alive or our response opens none", ETH,
	  { STEP(SENT, OUT4(PEER4), SIP_UDP("\r\n\r\n")),
	    STEP(SENT, OUT4(PEER4), SIP_UDP(THEIR_200)),
	    STEP(DROP(NO_TRUST), V4(PEER4), SIP_UDP(THEIR_200)) } },
	{ "offer/answer: not from sdp of a pinhole source", ETH,
	  { STEP(SENT, OUT4(PEER4), SIP_UDP(OUR_INVITE)),
	    STEP(PASS(PINHOLE), V4(PEER4), SIP_UDP(SDP_200(C4(SCAN4)))),
	    STEP(DROP(NO_TRUST), V4(SCAN4), UDP(10002)) },
	  .pinholes = PINHOLES(LIVE_PH(PEER4, 5060, IPPROTO_UDP)) },
	{ "offer/answer: not from sdp of an untrusted source", ETH,
	  { WE_OFFER,
	    STEP(DROP(NO_TRUST), V4(SCAN4), SIP_UDP(SDP_200(C4(PEER4)))),
	    STEP(DROP(NO_TRUST), V4(PEER4), UDP(10002)) } },
	{ "offer/answer: not from sdp of an expired trunk (passing by the reply pinhole)", ETH,
	  { STEP(SENT, OUT4(OLD4), SIP_UDP(OUR_INVITE)),
	    STEP(PASS(PINHOLE), V4(OLD4), SIP_UDP(SDP_200(C4(PEER4)))),
	    STEP(DROP(NO_TRUST), V4(PEER4), UDP(10002)) } },
	{ "offer/answer: not for tcp media", ETH,
	  { WE_OFFER,
	    STEP(PASS(TRUNK), V4(TRUNK4), SIP_UDP(SDP_200(C4(PEER4)))),
	    STEP(DROP(NO_TRUST), V4(PEER4), TCP(10002)) },
	  .ports = PORTS({ 10002, IPPROTO_TCP, VFW_CLASS_MEDIA }) },
	NOT_ANNOUNCED_ROW("a multicast ttl suffix", C4("203.0.113.20/127")),
	NOT_ANNOUNCED_ROW("a leading zero", C4("203.0.113.020")),
	NOT_ANNOUNCED_ROW("lower case tokens", "c=in ip4 203.0.113.20\r\n"),
	NOT_ANNOUNCED_ROW("a space after c=", "c= IN IP4 203.0.113.20\r\n"),
	NOT_ANNOUNCED_ROW("trailing junk", C4("203.0.113.20 x")),
	NOT_ANNOUNCED_ROW("ipv4-mapped ipv6 text", C6("::ffff:cb00:7114")),
	NOT_ANNOUNCED_ROW("embedded ipv4 in ipv6 text", C6("::ffff:203.0.113.20")),
	NOT_ANNOUNCED_ROW("a c: line in the body", "c:IN IP4 203.0.113.20\r\n"),
	{ "offer/answer: not from a c= line cut by the end of the packet", ETH,
	  { WE_OFFER,
	    STEP(PASS(TRUNK), V4(TRUNK4), SIP_UDP("SIP/2.0 200 OK\r\nCall-ID: announce@192.0.2.1\r\n"
		 "Content-Type: application/sdp\r\n\r\nv=0\r\nm=audio 30000 RTP/AVP 0\r\n"
		 "c=IN IP4 203.0.113.20")),
	    STEP(DROP(NO_TRUST), V4(PEER4), UDP(10002)) } },

	/* --- the base matrix: family x transport x source ----------------- */
	{ "ipv4 udp 5060 from trunk", ETH,
	  { STEP(PASS(TRUNK), V4(TRUNK4), UDP(5060)) } },
	{ "ipv4 udp 5060 from untrusted", ETH,
	  { STEP(DROP(NO_TRUST), V4(SCAN4), UDP(5060)) } },
	{ "ipv4 udp media via live pinhole", ETH,
	  { STEP(PASS(PINHOLE), V4(PEER4), UDP(10002)) },
	  .pinholes = PINHOLES(LIVE_PH(PEER4, 10002, IPPROTO_UDP)) },
	{ "ipv4 udp media via hard-expired pinhole", ETH,
	  { STEP(DROP(PINHOLE_EXPIRED), V4(PEER4), UDP(10002)) },
	  .pinholes = PINHOLES(EXPIRED_PH(PEER4, 10002, IPPROTO_UDP)) },
	{ "ipv4 udp media via idle-expired pinhole", ETH,
	  { STEP(DROP(PINHOLE_EXPIRED), V4(PEER4), UDP(10002)) },
	  .pinholes = PINHOLES(IDLE_PH(PEER4, 10002, IPPROTO_UDP)) },
	{ "ipv4 udp unprotected port from untrusted", ETH,
	  { STEP(PASS(UNPROTECTED), V4(SCAN4), UDP(53)) } },

	{ "ipv4 tcp 5060 from trunk", ETH,
	  { STEP(PASS(TRUNK), V4(TRUNK4), TCP(5060)) } },
	{ "ipv4 tcp 5061 from untrusted", ETH,
	  { STEP(DROP(NO_TRUST), V4(SCAN4), TCP(5061)) } },
	{ "ipv4 tcp 5061 via live pinhole", ETH,
	  { STEP(PASS(PINHOLE), V4(PEER4), TCP(5061)) },
	  .pinholes = PINHOLES(LIVE_PH(PEER4, 5061, IPPROTO_TCP)) },
	{ "ipv4 tcp 5061 via hard-expired pinhole", ETH,
	  { STEP(DROP(PINHOLE_EXPIRED), V4(PEER4), TCP(5061)) },
	  .pinholes = PINHOLES(EXPIRED_PH(PEER4, 5061, IPPROTO_TCP)) },
	{ "ipv4 tcp 5061 via idle-expired pinhole", ETH,
	  { STEP(DROP(PINHOLE_EXPIRED), V4(PEER4), TCP(5061)) },
	  .pinholes = PINHOLES(IDLE_PH(PEER4, 5061, IPPROTO_TCP)) },
	{ "ipv4 tcp unprotected port from untrusted", ETH,
	  { STEP(PASS(UNPROTECTED), V4(SCAN4), TCP(443)) } },

	/* SCTP, UDP-Lite, DCCP: ports where UDP has them; trunks only. */
#define OTHER(l4, port) .proto = (l4), .sport = 41000, .dport = (port), .payload = 64
	{ "ipv4 sctp 5060 from untrusted", ETH,
	  { STEP(DROP(NO_TRUST), V4(SCAN4), OTHER(IPPROTO_SCTP, 5060)) } },
	{ "ipv6 udplite 5060 from untrusted", ETH,
	  { STEP(DROP(NO_TRUST), V6(SCAN6), OTHER(IPPROTO_UDPLITE, 5060)) } },
	{ "ipv4 dccp media 10002 from untrusted", ETH,
	  { STEP(DROP(NO_TRUST), V4(SCAN4), OTHER(IPPROTO_DCCP, 10002)) } },
	{ "ipv4 sctp tcp-only port 5061 from untrusted", ETH,
	  { STEP(DROP(NO_TRUST), V4(SCAN4), OTHER(IPPROTO_SCTP, 5061)) } },
	{ "ipv4 udplite media with a udp pinhole is still dropped", ETH,
	  { STEP(DROP(NO_TRUST), V4(PEER4), OTHER(IPPROTO_UDPLITE, 10002)) },
	  .pinholes = PINHOLES(LIVE_PH(PEER4, 10002, IPPROTO_UDP)) },
	{ "ipv4 sctp 5060 from trunk", ETH,
	  { STEP(PASS(TRUNK), V4(TRUNK4), OTHER(IPPROTO_SCTP, 5060)) } },
	{ "ipv6 dccp 5060 from trunk", ETH,
	  { STEP(PASS(TRUNK), V6(TRUNK6), OTHER(IPPROTO_DCCP, 5060)) } },
	{ "ipv4 sctp media from sip-only trunk", ETH,
	  { STEP(DROP(NO_TRUST), V4(SIPONLY4), OTHER(IPPROTO_SCTP, 10002)) } },
	{ "ipv4 udplite 5060 from expired trunk", ETH,
	  { STEP(DROP(TRUNK_EXPIRED), V4(OLD4), OTHER(IPPROTO_UDPLITE, 5060)) } },
	{ "ipv4 sctp unprotected port", ETH,
	  { STEP(PASS(UNPROTECTED), V4(SCAN4), OTHER(IPPROTO_SCTP, 443)) } },
	{ "ipv4 sctp cut inside the ports is malformed", ETH,
	  { STEP(DROP(MALFORMED), V4(SCAN4), OTHER(IPPROTO_SCTP, 5060), .l4_cut = 3) } },
	{ "ipv4 sctp fragments follow the first", ETH,
	  { STEP(DROP(NO_TRUST), V4(SCAN4), OTHER(IPPROTO_SCTP, 5060), FIRST_FRAG(0x1010)),
	    STEP(DROP(FRAGMENT), V4(SCAN4), OTHER(IPPROTO_SCTP, 5060), LAST_FRAG(0x1010)) } },

	{ "ipv6 udp 5060 from trunk", ETH,
	  { STEP(PASS(TRUNK), V6(TRUNK6), UDP(5060)) } },
	{ "ipv6 udp 5060 from untrusted", ETH,
	  { STEP(DROP(NO_TRUST), V6(SCAN6), UDP(5060)) } },
	{ "ipv6 with an ipv4-mapped source posing as a trunk", ETH,
	  { STEP(DROP(MALFORMED), V6("::ffff:" TRUNK4), UDP(5060)) } },
	{ "ipv6 udp media via live pinhole", ETH,
	  { STEP(PASS(PINHOLE), V6(PEER6), UDP(19998)) },
	  .pinholes = PINHOLES(LIVE_PH(PEER6, 19998, IPPROTO_UDP)) },
	{ "ipv6 udp media via hard-expired pinhole", ETH,
	  { STEP(DROP(PINHOLE_EXPIRED), V6(PEER6), UDP(19998)) },
	  .pinholes = PINHOLES(EXPIRED_PH(PEER6, 19998, IPPROTO_UDP)) },
	{ "ipv6 udp media via idle-expired pinhole", ETH,
	  { STEP(DROP(PINHOLE_EXPIRED), V6(PEER6), UDP(19998)) },
	  .pinholes = PINHOLES(IDLE_PH(PEER6, 19998, IPPROTO_UDP)) },
	{ "ipv6 udp unprotected port from untrusted", ETH,
	  { STEP(PASS(UNPROTECTED), V6(SCAN6), UDP(53)) } },

	{ "ipv6 tcp 5061 from trunk", ETH,
	  { STEP(PASS(TRUNK), V6(TRUNK6), TCP(5061)) } },
	{ "ipv6 tcp 5060 from untrusted", ETH,
	  { STEP(DROP(NO_TRUST), V6(SCAN6), TCP(5060)) } },
	{ "ipv6 tcp 5060 via live pinhole", ETH,
	  { STEP(PASS(PINHOLE), V6(PEER6), TCP(5060)) },
	  .pinholes = PINHOLES(LIVE_PH(PEER6, 5060, IPPROTO_TCP)) },
	{ "ipv6 tcp 5060 via hard-expired pinhole", ETH,
	  { STEP(DROP(PINHOLE_EXPIRED), V6(PEER6), TCP(5060)) },
	  .pinholes = PINHOLES(EXPIRED_PH(PEER6, 5060, IPPROTO_TCP)) },
	{ "ipv6 tcp 5060 via idle-expired pinhole", ETH,
	  { STEP(DROP(PINHOLE_EXPIRED), V6(PEER6), TCP(5060)) },
	  .pinholes = PINHOLES(IDLE_PH(PEER6, 5060, IPPROTO_TCP)) },
	{ "ipv6 tcp unprotected port from untrusted", ETH,
	  { STEP(PASS(UNPROTECTED), V6(SCAN6), TCP(443)) } },

	/* --- trunks: admit bits, expiry, lookup ---------------------------- */
	{ "ipv4 sip-only trunk on sip port", ETH,
	  { STEP(PASS(TRUNK), V4(SIPONLY4), UDP(5060)) } },
	{ "ipv4 sip-only trunk on media port", ETH,
	  { STEP(DROP(NO_TRUST), V4(SIPONLY4), UDP(10002)) } },
	{ "ipv6 sip-only trunk on media port", ETH,
	  { STEP(DROP(NO_TRUST), V6(SIPONLY6), UDP(10002)) } },
	{ "ipv6 sip-only trunk on tcp sips port", ETH,
	  { STEP(PASS(TRUNK), V6(SIPONLY6), TCP(5061)) } },
	{ "ipv4 expired trunk", ETH,
	  { STEP(DROP(TRUNK_EXPIRED), V4(OLD4), UDP(5060)) } },
	{ "ipv6 expired trunk", ETH,
	  { STEP(DROP(TRUNK_EXPIRED), V6(OLD6), TCP(5060)) } },
	{ "ipv4 expired trunk on media port", ETH,
	  { STEP(DROP(TRUNK_EXPIRED), V4(OLD4), UDP(10002)) } },
	{ "ipv4 trunk expiring in an hour", ETH,
	  { STEP(PASS(TRUNK), V4(TIMED4), UDP(5060)) } },
	{ "ipv6 trunk expiring in an hour, media", ETH,
	  { STEP(PASS(TRUNK), V6(TIMED6), UDP(20000)) } },
	{ "ipv4 address just outside the trunk prefix", ETH,
	  { STEP(DROP(NO_TRUST), V4("198.51.101.10"), UDP(5060)) } },
	{ "ipv6 address just outside the trunk prefix", ETH,
	  { STEP(DROP(NO_TRUST), V6("2001:db8:101::10"), UDP(5060)) } },

	/* --- pinholes: key fields and precedence ---------------------------- */
	{ "pinhole that never expires", ETH,
	  { STEP(PASS(PINHOLE), V4(PEER4), UDP(10002)) },
	  .pinholes = PINHOLES(FOREVER_PH(PEER4, 10002, IPPROTO_UDP)) },
	{ "udp pinhole does not open tcp on the same port", ETH,
	  { STEP(DROP(NO_TRUST), V4(PEER4), TCP(5060)) },
	  .pinholes = PINHOLES(LIVE_PH(PEER4, 5060, IPPROTO_UDP)) },
	{ "pinhole does not open a neighbouring port", ETH,
	  { STEP(DROP(NO_TRUST), V4(PEER4), UDP(10004)) },
	  .pinholes = PINHOLES(LIVE_PH(PEER4, 10002, IPPROTO_UDP)) },
	{ "pinhole does not open for another address", ETH,
	  { STEP(DROP(NO_TRUST), V6(SCAN6), UDP(10002)) },
	  .pinholes = PINHOLES(LIVE_PH(PEER6, 10002, IPPROTO_UDP)) },
	{ "pinhole on sip port admits a non-trunk", ETH,
	  { STEP(PASS(PINHOLE), V4(PEER4), UDP(5060)) },
	  .pinholes = PINHOLES(LIVE_PH(PEER4, 5060, IPPROTO_UDP)) },
	{ "pinhole admits a sip-only trunk on media", ETH,
	  { STEP(PASS(PINHOLE), V4(SIPONLY4), UDP(10002)) },
	  .pinholes = PINHOLES(LIVE_PH(SIPONLY4, 10002, IPPROTO_UDP)) },
	{ "expired pinhole, but the source is a trunk", ETH,
	  { STEP(PASS(TRUNK), V4(TRUNK4), UDP(10002)) },
	  .pinholes = PINHOLES(EXPIRED_PH(TRUNK4, 10002, IPPROTO_UDP)) },
	{ "expired pinhole from an expired trunk", ETH,
	  { STEP(DROP(PINHOLE_EXPIRED), V6(OLD6), UDP(10002)) },
	  .pinholes = PINHOLES(EXPIRED_PH(OLD6, 10002, IPPROTO_UDP)) },

	/* --- port classes ---------------------------------------------------- */
	{ "udp 10000, first media port", ETH,
	  { STEP(DROP(NO_TRUST), V4(SCAN4), UDP(10000)) } },
	{ "udp 20000, last media port", ETH,
	  { STEP(DROP(NO_TRUST), V4(SCAN4), UDP(20000)) } },
	{ "udp 9999, below the media range", ETH,
	  { STEP(PASS(UNPROTECTED), V4(SCAN4), UDP(9999)) } },
	{ "udp 20001, above the media range", ETH,
	  { STEP(PASS(UNPROTECTED), V4(SCAN4), UDP(20001)) } },
	{ "udp 5061 is not sips", ETH,
	  { STEP(PASS(UNPROTECTED), V4(SCAN4), UDP(5061)) } },
	{ "tcp in the media range is not media", ETH,
	  { STEP(PASS(UNPROTECTED), V6(SCAN6), TCP(10002)) } },
	{ "udp 7000 by default is unprotected", ETH,
	  { STEP(PASS(UNPROTECTED), V4(SCAN4), UDP(7000)) } },
	{ "udp 7000 set to sip: untrusted drops", ETH,
	  { STEP(DROP(NO_TRUST), V4(SCAN4), UDP(7000)) },
	  .ports = PORTS({ 7000, IPPROTO_UDP, VFW_CLASS_SIP }) },
	{ "udp 7000 set to sip: trunk passes", ETH,
	  { STEP(PASS(TRUNK), V6(TRUNK6), UDP(7000)) },
	  .ports = PORTS({ 7000, IPPROTO_UDP, VFW_CLASS_SIP }) },
	{ "udp 7000 set to sip leaves tcp 7000 alone", ETH,
	  { STEP(PASS(UNPROTECTED), V4(SCAN4), TCP(7000)) },
	  .ports = PORTS({ 7000, IPPROTO_UDP, VFW_CLASS_SIP }) },
	{ "udp 7000 set to media: sip-only trunk drops", ETH,
	  { STEP(DROP(NO_TRUST), V4(SIPONLY4), UDP(7000)) },
	  .ports = PORTS({ 7000, IPPROTO_UDP, VFW_CLASS_MEDIA }) },
	{ "udp 5060 set to none: untrusted passes", ETH,
	  { STEP(PASS(UNPROTECTED), V4(SCAN4), UDP(5060)) },
	  .ports = PORTS({ 5060, IPPROTO_UDP, VFW_CLASS_NONE }) },

	/* --- link layer ------------------------------------------------------ */
	{ "vlan 8100 from untrusted", ETH,
	  { STEP(DROP(NO_TRUST), V4(SCAN4), UDP(5060), VLAN(ETH_P_8021Q)) } },
	{ "vlan 8100 from trunk", ETH,
	  { STEP(PASS(TRUNK), V6(TRUNK6), UDP(5060), VLAN(ETH_P_8021Q)) } },
	{ "qinq 88a8+8100 from untrusted", ETH,
	  { STEP(DROP(NO_TRUST), V6(SCAN6), TCP(5060),
		 VLAN2(ETH_P_8021AD, ETH_P_8021Q)) } },
	{ "qinq 88a8+8100 from trunk", ETH,
	  { STEP(PASS(TRUNK), V4(TRUNK4), UDP(5060),
		 VLAN2(ETH_P_8021AD, ETH_P_8021Q)) } },
	{ "qinq 9100+8100 from untrusted", ETH,
	  { STEP(DROP(NO_TRUST), V4(SCAN4), UDP(5060),
		 VLAN2(PKT_ETH_QINQ_OLD, ETH_P_8021Q)) } },
	{ "qinq 9100+8100 via pinhole", ETH,
	  { STEP(PASS(PINHOLE), V6(PEER6), UDP(10002),
		 VLAN2(PKT_ETH_QINQ_OLD, ETH_P_8021Q)) },
	  .pinholes = PINHOLES(LIVE_PH(PEER6, 10002, IPPROTO_UDP)) },
	{ "three vlan tags, even from a trunk", ETH,
	  { STEP(DROP(UNPARSEABLE), V4(TRUNK4), UDP(5060),
		 .tpid = { ETH_P_8021AD, ETH_P_8021Q, ETH_P_8021Q }) } },
	{ "arp", ETH,
	  { STEP(PASS(NOT_IP), .ethertype = ETH_P_ARP, .payload = 28) } },
	{ "arp in a vlan", ETH,
	  { STEP(PASS(NOT_IP), .ethertype = ETH_P_ARP, .payload = 28,
		 VLAN(ETH_P_8021Q)) } },
	{ "lldp", ETH,
	  { STEP(PASS(NOT_IP), .ethertype = 0x88cc, .payload = 40) } },
	{ "pppoe discovery", ETH,
	  { STEP(PASS(NOT_IP), .ethertype = ETH_P_PPP_DISC, .payload = 20) } },
	{ "pppoe lcp", ETH,
	  { STEP(PASS(NOT_IP), .pppoe = true, .ppp_proto = PKT_PPP_LCP,
		 .payload = 14) } },
	{ "pppoe ipcp", ETH,
	  { STEP(PASS(NOT_IP), .pppoe = true, .ppp_proto = PKT_PPP_IPCP,
		 .payload = 10) } },
	{ "pppoe ipv4 from trunk", ETH,
	  { STEP(PASS(TRUNK), V4(TRUNK4), UDP(5060), .pppoe = true) } },
	{ "pppoe ipv4 from untrusted", ETH,
	  { STEP(DROP(NO_TRUST), V4(SCAN4), UDP(5060), .pppoe = true) } },
	{ "pppoe ipv6 from trunk", ETH,
	  { STEP(PASS(TRUNK), V6(TRUNK6), TCP(5060), .pppoe = true) } },
	{ "pppoe ipv6 from untrusted", ETH,
	  { STEP(DROP(NO_TRUST), V6(SCAN6), TCP(5060), .pppoe = true) } },
	{ "pppoe ipv6 unprotected port", ETH,
	  { STEP(PASS(UNPROTECTED), V6(SCAN6), UDP(53), .pppoe = true) } },
	{ "vlan + pppoe ipv4 from untrusted", ETH,
	  { STEP(DROP(NO_TRUST), V4(SCAN4), UDP(10002), .pppoe = true,
		 VLAN(ETH_P_8021Q)) } },
	{ "vlan + pppoe ipv6 via pinhole", ETH,
	  { STEP(PASS(PINHOLE), V6(PEER6), UDP(10002), .pppoe = true,
		 VLAN(ETH_P_8021Q)) },
	  .pinholes = PINHOLES(LIVE_PH(PEER6, 10002, IPPROTO_UDP)) },

	/* --- device without link layer: packets start at the IP header ----- */
	{ "l3: ipv4 udp from trunk", L3,
	  { STEP(PASS(TRUNK), V4(TRUNK4), UDP(5060)) } },
	{ "l3: ipv4 udp from untrusted", L3,
	  { STEP(DROP(NO_TRUST), V4(SCAN4), UDP(5060)) } },
	{ "l3: ipv4 udp header only, untrusted", L3,
	  { STEP(DROP(NO_TRUST), V4(SCAN4), UDP(5060), .payload = 0) } },
	{ "l3: ipv6 tcp from trunk", L3,
	  { STEP(PASS(TRUNK), V6(TRUNK6), TCP(5060)) } },
	{ "l3: ipv6 tcp from untrusted", L3,
	  { STEP(DROP(NO_TRUST), V6(SCAN6), TCP(5061)) } },
	{ "l3: ipv6 udp via pinhole", L3,
	  { STEP(PASS(PINHOLE), V6(PEER6), UDP(10002)) },
	  .pinholes = PINHOLES(LIVE_PH(PEER6, 10002, IPPROTO_UDP)) },
	{ "l3: ipv4 unprotected", L3,
	  { STEP(PASS(UNPROTECTED), V4(SCAN4), TCP(443)) } },
	{ "l3: ipv4 options", L3,
	  { STEP(DROP(NO_TRUST), V4(SCAN4), UDP(5060), .ihl = 9) } },
	{ "l3: ipv4 bad ihl", L3,
	  { STEP(DROP(MALFORMED), V4(TRUNK4), UDP(5060), .ihl = 4) } },
	{ "l3: version nibble 5 is not ip", L3,
	  { STEP(PASS(NOT_IP), V4(SCAN4), UDP(5060), .version = 5) } },
	{ "l3: ipv6 fragments of a dropped datagram", L3,
	  { STEP(DROP(NO_TRUST), V6(SCAN6), UDP(5060), V6FRAG, FIRST_FRAG(0x51)),
	    STEP(DROP(FRAGMENT), V6(SCAN6), UDP(5060), V6FRAG, LAST_FRAG(0x51)) } },

	/* --- IPv4 header ------------------------------------------------------ */
	IHL_ROW(6), IHL_ROW(7), IHL_ROW(8), IHL_ROW(9), IHL_ROW(10),
	IHL_ROW(11), IHL_ROW(12), IHL_ROW(13), IHL_ROW(14), IHL_ROW(15),
	{ "ipv4 ihl 15 options skipped: trunk tcp", ETH,
	  { STEP(PASS(TRUNK), V4(TRUNK4), TCP(5060), .ihl = 15) } },
	{ "ipv4 ihl 4 is malformed", ETH,
	  { STEP(DROP(MALFORMED), V4(TRUNK4), UDP(5060), .ihl = 4) } },
	{ "ipv4 ihl 1 is malformed", ETH,
	  { STEP(DROP(MALFORMED), V4(SCAN4), UDP(53), .ihl = 1) } },
	{ "ipv4 header with version 6 is malformed", ETH,
	  { STEP(DROP(MALFORMED), V4(TRUNK4), UDP(5060), .version = 6) } },
	{ "ipv4 header with version 5 is malformed", ETH,
	  { STEP(DROP(MALFORMED), V4(SCAN4), UDP(53), .version = 5) } },
	{ "ipv4 total length below the header is malformed", ETH,
	  { STEP(DROP(MALFORMED), V4(TRUNK4), UDP(5060), .tot_len = 19) } },
	{ "ipv4 DF set is not a fragment", ETH,
	  { STEP(DROP(NO_TRUST), V4(SCAN4), UDP(5060), .dont_fragment = true) } },
	{ "tcp data offset 4 is malformed", ETH,
	  { STEP(DROP(MALFORMED), V4(TRUNK4), TCP(5060), .doff = 4) } },
	{ "tcp with options, untrusted", ETH,
	  { STEP(DROP(NO_TRUST), V6(SCAN6), TCP(5060), .doff = 15) } },
	{ "ipv6 header with version 4 is malformed", ETH,
	  { STEP(DROP(MALFORMED), V6(TRUNK6), UDP(5060), .version = 4) } },
	{ "ipv4 icmp is unprotected", ETH,
	  { STEP(PASS(UNPROTECTED), V4(SCAN4), PROTO(IPPROTO_ICMP)) } },

	/* --- IPv6 extension headers ------------------------------------------ */
	{ "ipv6 hop-by-hop, untrusted", ETH,
	  { STEP(DROP(NO_TRUST), V6(SCAN6), UDP(5060),
		 .ext = { EXT(IPPROTO_HOPOPTS) }) } },
	{ "ipv6 hop-by-hop, trunk", ETH,
	  { STEP(PASS(TRUNK), V6(TRUNK6), UDP(5060),
		 .ext = { EXT(IPPROTO_HOPOPTS) }) } },
	{ "ipv6 hop-by-hop of 24 bytes, untrusted", ETH,
	  { STEP(DROP(NO_TRUST), V6(SCAN6), UDP(5060),
		 .ext = { EXTL(IPPROTO_HOPOPTS, 2) }) } },
	{ "ipv6 routing, untrusted", ETH,
	  { STEP(DROP(NO_TRUST), V6(SCAN6), TCP(5060),
		 .ext = { EXT(IPPROTO_ROUTING) }) } },
	{ "ipv6 destination options of 16 bytes, trunk", ETH,
	  { STEP(PASS(TRUNK), V6(TRUNK6), UDP(5060),
		 .ext = { EXTL(IPPROTO_DSTOPTS, 1) }) } },
	{ "ipv6 destination options, untrusted", ETH,
	  { STEP(DROP(NO_TRUST), V6(SCAN6), UDP(10002),
		 .ext = { EXT(IPPROTO_DSTOPTS) }) } },
	{ "ipv6 ah of 24 bytes (4-byte units), untrusted", ETH,
	  { STEP(DROP(NO_TRUST), V6(SCAN6), UDP(5060),
		 .ext = { EXTL(IPPROTO_AH, 4) }) } },
	{ "ipv6 ah of 32 bytes (4-byte units), trunk tcp", ETH,
	  { STEP(PASS(TRUNK), V6(TRUNK6), TCP(5060),
		 .ext = { EXTL(IPPROTO_AH, 6) }) } },
	{ "ipv6 chain hbh+dst+rt+ah+dst, untrusted", ETH,
	  { STEP(DROP(NO_TRUST), V6(SCAN6), UDP(5060),
		 .ext = { EXT(IPPROTO_HOPOPTS), EXT(IPPROTO_DSTOPTS),
			  EXTL(IPPROTO_ROUTING, 2), EXTL(IPPROTO_AH, 4),
			  EXT(IPPROTO_DSTOPTS) }) } },
	{ "ipv6 chain hbh+dst+rt+ah+dst, pinhole", ETH,
	  { STEP(PASS(PINHOLE), V6(PEER6), UDP(10002),
		 .ext = { EXT(IPPROTO_HOPOPTS), EXT(IPPROTO_DSTOPTS),
			  EXTL(IPPROTO_ROUTING, 2), EXTL(IPPROTO_AH, 4),
			  EXT(IPPROTO_DSTOPTS) }) },
	  .pinholes = PINHOLES(LIVE_PH(PEER6, 10002, IPPROTO_UDP)) },
	{ "ipv6 eight extension headers are walked", ETH,
	  { STEP(DROP(NO_TRUST), V6(SCAN6), UDP(5060), .ext = { EXT8 }) } },
	{ "ipv6 nine extension headers, even from a trunk", ETH,
	  { STEP(DROP(UNPARSEABLE), V6(TRUNK6), UDP(5060),
		 .ext = { EXT8, EXT(IPPROTO_DSTOPTS) }) } },
	{ "ipv6 esp is unprotected", ETH,
	  { STEP(PASS(UNPROTECTED), V6(SCAN6), PROTO(IPPROTO_ESP)) } },
	{ "ipv6 hop-by-hop then esp is unprotected", ETH,
	  { STEP(PASS(UNPROTECTED), V6(SCAN6), PROTO(IPPROTO_ESP),
		 .ext = { EXT(IPPROTO_HOPOPTS) }) } },
	{ "ipv6 icmpv6 is unprotected", ETH,
	  { STEP(PASS(UNPROTECTED), V6(SCAN6), PROTO(IPPROTO_ICMPV6)) } },
	{ "ipv6 no next header is unprotected", ETH,
	  { STEP(PASS(UNPROTECTED), V6(SCAN6), PROTO(IPPROTO_NONE),
		 .ext = { EXT(IPPROTO_DSTOPTS) }) } },

	/* --- IPv4 fragments ---------------------------------------------------- */
	{ "ipv4 fragments from trunk", ETH,
	  { STEP(PASS(TRUNK), V4(TRUNK4), UDP(5060), FIRST_FRAG(0x1001)),
	    STEP(PASS(FRAGMENT), V4(TRUNK4), UDP(5060), MIDDLE_FRAG(0x1001)),
	    STEP(PASS(FRAGMENT), V4(TRUNK4), UDP(5060), LAST_FRAG(0x1001)) } },
	{ "ipv4 fragments from untrusted", ETH,
	  { STEP(DROP(NO_TRUST), V4(SCAN4), UDP(5060), FIRST_FRAG(0x1002)),
	    STEP(DROP(FRAGMENT), V4(SCAN4), UDP(5060), MIDDLE_FRAG(0x1002)),
	    STEP(DROP(FRAGMENT), V4(SCAN4), UDP(5060), LAST_FRAG(0x1002)) } },
	{ "ipv4 fragments via pinhole", ETH,
	  { STEP(PASS(PINHOLE), V4(PEER4), UDP(10002), FIRST_FRAG(0x1003)),
	    STEP(PASS(FRAGMENT), V4(PEER4), UDP(10002), LAST_FRAG(0x1003)) },
	  .pinholes = PINHOLES(LIVE_PH(PEER4, 10002, IPPROTO_UDP)) },
	{ "ipv4 unmatched later fragment from untrusted", ETH,
	  { STEP(DROP(FRAGMENT_UNMATCHED), V4(SCAN4), UDP(5060), LAST_FRAG(0x1004)) } },
	{ "ipv4 unmatched later fragment from trunk", ETH,
	  { STEP(PASS(FRAGMENT_TRUNK), V4(TRUNK4), UDP(5060), LAST_FRAG(0x1005)) } },
	{ "ipv4 unmatched later fragment from expired trunk", ETH,
	  { STEP(DROP(FRAGMENT_UNMATCHED), V4(OLD4), UDP(5060), LAST_FRAG(0x1006)) } },
	{ "ipv4 fragments to an unprotected port", ETH,
	  { STEP(PASS(UNPROTECTED), V4(SCAN4), UDP(53), FIRST_FRAG(0x1007)),
	    STEP(PASS(FRAGMENT), V4(SCAN4), UDP(53), MIDDLE_FRAG(0x1007)),
	    STEP(PASS(FRAGMENT), V4(SCAN4), UDP(53), LAST_FRAG(0x1007)) } },
	{ "ipv4 tcp first fragment of 16 bytes is malformed", ETH,
	  { STEP(DROP(MALFORMED), V4(TRUNK4), TCP(5060), FIRST_FRAG(0x1008),
		 .l4_cut = 16) } },
	{ "ipv4 udp first fragment cut to 4 bytes is malformed", ETH,
	  { STEP(DROP(MALFORMED), V4(SCAN4), UDP(53), FIRST_FRAG(0x1009),
		 .l4_cut = 4) } },
	{ "ipv4 fragment memory is per source", ETH,
	  { STEP(PASS(TRUNK), V4(TRUNK4), UDP(5060), FIRST_FRAG(0x100a)),
	    STEP(DROP(FRAGMENT_UNMATCHED), V4(SCAN4), UDP(5060), LAST_FRAG(0x100a)) } },
	{ "ipv4 fragment memory is per id", ETH,
	  { STEP(PASS(UNPROTECTED), V4(SCAN4), UDP(53), FIRST_FRAG(0x100b)),
	    STEP(DROP(FRAGMENT_UNMATCHED), V4(SCAN4), UDP(53), LAST_FRAG(0x100c)) } },
	{ "ipv4 fragment memory is per protocol", ETH,
	  { STEP(PASS(TRUNK), V4(TRUNK4), UDP(5060), FIRST_FRAG(0x100d)),
	    STEP(PASS(FRAGMENT_TRUNK), V4(TRUNK4), TCP(5060), MIDDLE_FRAG(0x100d)) } },
	{ "ipv4 fragment memory is per destination", ETH,
	  { STEP(DROP(NO_TRUST), V4(SCAN4), UDP(5060), FIRST_FRAG(0x100e)),
	    STEP(DROP(FRAGMENT_UNMATCHED), .family = 4, .src = SCAN4,
		 .dst = "192.0.2.2", UDP(5060), LAST_FRAG(0x100e)) } },

	/* --- IPv6 fragments ---------------------------------------------------- */
	{ "ipv6 fragments from trunk", ETH,
	  { STEP(PASS(TRUNK), V6(TRUNK6), UDP(5060), V6FRAG, FIRST_FRAG(0x2001)),
	    STEP(PASS(FRAGMENT), V6(TRUNK6), UDP(5060), V6FRAG, MIDDLE_FRAG(0x2001)),
	    STEP(PASS(FRAGMENT), V6(TRUNK6), UDP(5060), V6FRAG, LAST_FRAG(0x2001)) } },
	{ "ipv6 fragments from untrusted", ETH,
	  { STEP(DROP(NO_TRUST), V6(SCAN6), TCP(5060), V6FRAG, FIRST_FRAG(0x2002)),
	    STEP(DROP(FRAGMENT), V6(SCAN6), TCP(5060), V6FRAG, MIDDLE_FRAG(0x2002)),
	    STEP(DROP(FRAGMENT), V6(SCAN6), TCP(5060), V6FRAG, LAST_FRAG(0x2002)) } },
	{ "ipv6 fragments after hop-by-hop from untrusted", ETH,
	  { STEP(DROP(NO_TRUST), V6(SCAN6), UDP(5060), FIRST_FRAG(0x2003),
		 .ext = { EXT(IPPROTO_HOPOPTS), EXT(IPPROTO_FRAGMENT) }),
	    STEP(DROP(FRAGMENT), V6(SCAN6), UDP(5060), LAST_FRAG(0x2003),
		 .ext = { EXT(IPPROTO_HOPOPTS), EXT(IPPROTO_FRAGMENT) }) } },
	{ "ipv6 unmatched later fragment from untrusted", ETH,
	  { STEP(DROP(FRAGMENT_UNMATCHED), V6(SCAN6), UDP(5060), V6FRAG,
		 LAST_FRAG(0x2004)) } },
	{ "ipv6 unmatched later fragment from trunk", ETH,
	  { STEP(PASS(FRAGMENT_TRUNK), V6(TRUNK6), UDP(5060), V6FRAG,
		 MIDDLE_FRAG(0x2005)) } },
	{ "ipv6 fragments to an unprotected port", ETH,
	  { STEP(PASS(UNPROTECTED), V6(SCAN6), UDP(53), V6FRAG, FIRST_FRAG(0x2006)),
	    STEP(PASS(FRAGMENT), V6(SCAN6), UDP(53), V6FRAG, MIDDLE_FRAG(0x2006)),
	    STEP(PASS(FRAGMENT), V6(SCAN6), UDP(53), V6FRAG, LAST_FRAG(0x2006)) } },
	{ "ipv6 udp first fragment cut to 4 bytes is malformed", ETH,
	  { STEP(DROP(MALFORMED), V6(TRUNK6), UDP(5060), V6FRAG,
		 FIRST_FRAG(0x2007), .l4_cut = 4) } },
	{ "ipv6 atomic fragment from untrusted, judged whole", ETH,
	  { STEP(DROP(NO_TRUST), V6(SCAN6), UDP(5060), V6FRAG, .frag_id = 0x2008),
	    /* not remembered: a later fragment with its id is unmatched */
	    STEP(DROP(FRAGMENT_UNMATCHED), V6(SCAN6), UDP(5060), V6FRAG,
		 LAST_FRAG(0x2008)) } },
	{ "ipv6 atomic fragment from trunk", ETH,
	  { STEP(PASS(TRUNK), V6(TRUNK6), TCP(5060), V6FRAG, .frag_id = 0x2009) } },
	{ "ipv6 atomic fragment to unprotected port", ETH,
	  { STEP(PASS(UNPROTECTED), V6(SCAN6), UDP(53), V6FRAG, .frag_id = 0x200a) } },
	{ "ipv6 fragment memory is per source", ETH,
	  { STEP(PASS(TRUNK), V6(TRUNK6), UDP(5060), V6FRAG, FIRST_FRAG(0x200b)),
	    STEP(DROP(FRAGMENT_UNMATCHED), V6(SCAN6), UDP(5060), V6FRAG,
		 LAST_FRAG(0x200b)) } },
	/*
	 * Here the later fragments' fragment header names destination options,
	 * not UDP; they are still fragments of the judged datagram.
	 */
	{ "ipv6 fragments with destination options after the fragment header", ETH,
	  { STEP(DROP(NO_TRUST), V6(SCAN6), UDP(5060), FIRST_FRAG(0x200c),
		 .ext = { EXT(IPPROTO_FRAGMENT), EXT(IPPROTO_DSTOPTS) }),
	    STEP(DROP(FRAGMENT), V6(SCAN6), UDP(5060), LAST_FRAG(0x200c),
		 .ext = { EXT(IPPROTO_FRAGMENT), EXT(IPPROTO_DSTOPTS) }) } },
	{ "ipv6 trunk fragments with destination options after the fragment header", ETH,
	  { STEP(PASS(TRUNK), V6(TRUNK6), UDP(5060), FIRST_FRAG(0x200d),
		 .ext = { EXT(IPPROTO_FRAGMENT), EXT(IPPROTO_DSTOPTS) }),
	    STEP(PASS(FRAGMENT), V6(TRUNK6), UDP(5060), LAST_FRAG(0x200d),
		 .ext = { EXT(IPPROTO_FRAGMENT), EXT(IPPROTO_DSTOPTS) }) } },
	/* Only UDP and TCP are tracked: other fragments pass as unprotected. */
	{ "ipv6 icmpv6 fragments are unprotected", ETH,
	  { STEP(PASS(UNPROTECTED), V6(SCAN6), PROTO(IPPROTO_ICMPV6), V6FRAG,
		 FIRST_FRAG(0x200e)),
	    STEP(PASS(UNPROTECTED), V6(SCAN6), PROTO(IPPROTO_ICMPV6), V6FRAG,
		 LAST_FRAG(0x200e)) } },
	{ "ipv4 icmp fragments are unprotected", ETH,
	  { STEP(PASS(UNPROTECTED), V4(SCAN4), PROTO(IPPROTO_ICMP), FIRST_FRAG(0x100f)),
	    STEP(PASS(UNPROTECTED), V4(SCAN4), PROTO(IPPROTO_ICMP), LAST_FRAG(0x100f)) } },

	/* --- monitor mode: count the verdict, pass the packet ----------------- */
	{ "monitor: ipv4 untrusted to 5060", MON,
	  { STEP(WOULD_DROP(NO_TRUST), V4(SCAN4), UDP(5060)) } },
	{ "monitor: ipv6 untrusted to tcp 5061", MON,
	  { STEP(WOULD_DROP(NO_TRUST), V6(SCAN6), TCP(5061)) } },
	{ "monitor: trunk", MON,
	  { STEP(PASS(TRUNK), V4(TRUNK4), UDP(5060)) } },
	{ "monitor: expired pinhole", MON,
	  { STEP(WOULD_DROP(PINHOLE_EXPIRED), V4(PEER4), UDP(10002)) },
	  .pinholes = PINHOLES(EXPIRED_PH(PEER4, 10002, IPPROTO_UDP)) },
	{ "monitor: malformed", MON,
	  { STEP(WOULD_DROP(MALFORMED), V4(SCAN4), UDP(5060), .ihl = 3) } },
	{ "monitor: unparseable", MON,
	  { STEP(WOULD_DROP(UNPARSEABLE), V4(SCAN4), UDP(5060),
		 .tpid = { ETH_P_8021Q, ETH_P_8021Q, ETH_P_8021Q }) } },
	{ "monitor: later fragment of a dropped datagram", MON,
	  { STEP(WOULD_DROP(NO_TRUST), V4(SCAN4), UDP(5060), FIRST_FRAG(0x3001)),
	    STEP(WOULD_DROP(FRAGMENT), V4(SCAN4), UDP(5060), LAST_FRAG(0x3001)) } },
};

/* ---------------------------------------------------------------------- */
/* Truncation: every length from 14 bytes to the full packet               */

/*
 * The program reads headers up to `need` bytes into the packet. Any prefix
 * shorter than that cuts a header and must be malformed; any prefix at
 * least that long only loses payload and keeps the full packet's verdict.
 */
struct cut_case {
	struct row row;         /* steps[0]: the full packet and its verdict */
	__u32 need;             /* written as header sizes, not from the builder */
};

static const struct cut_case cuts[] = {
	{ { "cut eth+ipv4+udp, untrusted", ETH,
	    { STEP(DROP(NO_TRUST), V4(SCAN4), UDP(5060)) } },
	  HDR_ETH + HDR_IP4 + HDR_UDP },
	{ { "cut eth+ipv4 with options+tcp, trunk", ETH,
	    { STEP(PASS(TRUNK), V4(TRUNK4), TCP(5060), .ihl = 7, .doff = 8) } },
	  HDR_ETH + 7 * 4 + 8 * 4 },     /* the TCP header with its options */
	{ { "cut eth+vlan+vlan+ipv6+hbh+frag+udp, trunk", ETH,
	    { STEP(PASS(TRUNK), V6(TRUNK6), UDP(5060), FIRST_FRAG(0x4001),
		   VLAN2(ETH_P_8021AD, ETH_P_8021Q),
		   .ext = { EXT(IPPROTO_HOPOPTS), EXT(IPPROTO_FRAGMENT) }) } },
	  HDR_ETH + 2 * HDR_VLAN + HDR_IP6 + HDR_EXT + HDR_EXT + HDR_UDP },
	{ { "cut eth+pppoe+ipv4+tcp, untrusted", ETH,
	    { STEP(DROP(NO_TRUST), V4(SCAN4), TCP(5061), .pppoe = true) } },
	  HDR_ETH + HDR_PPPOE + HDR_IP4 + HDR_TCP },
	{ { "cut eth+ipv6+ah+udp, untrusted", ETH,
	    { STEP(DROP(NO_TRUST), V6(SCAN6), UDP(10002),
		   .ext = { EXTL(IPPROTO_AH, 4) }) } },
	  HDR_ETH + HDR_IP6 + 24 + HDR_UDP },
	{ { "cut eth+vlan+pppoe+ipv6+dstopts+tcp, pinhole", ETH,
	    { STEP(PASS(PINHOLE), V6(PEER6), TCP(5060), .pppoe = true,
		   VLAN(ETH_P_8021Q), .ext = { EXTL(IPPROTO_DSTOPTS, 1) }) },
	    .pinholes = PINHOLES(LIVE_PH(PEER6, 5060, IPPROTO_TCP)) },
	  HDR_ETH + HDR_VLAN + HDR_PPPOE + HDR_IP6 + 16 + HDR_TCP },
	{ { "cut eth+ipv6 with eight extension headers+udp, trunk", ETH,
	    { STEP(PASS(TRUNK), V6(TRUNK6), UDP(5060), .ext = { EXT8 }) } },
	  HDR_ETH + HDR_IP6 + 7 * HDR_EXT + 24 + HDR_UDP },
	{ { "cut eth+vlan+ipv4 later fragment, untrusted", ETH,
	    { STEP(DROP(FRAGMENT_UNMATCHED), V4(SCAN4), UDP(5060),
		   LAST_FRAG(0x4002), VLAN(ETH_P_8021Q)) } },
	  HDR_ETH + HDR_VLAN + HDR_IP4 },   /* no L4 header to read */
	{ { "cut eth+ipv6+frag later fragment, trunk", ETH,
	    { STEP(PASS(FRAGMENT_TRUNK), V6(TRUNK6), UDP(5060), V6FRAG,
		   LAST_FRAG(0x4003)) } },
	  HDR_ETH + HDR_IP6 + HDR_EXT },
	{ { "cut eth+ipv6+hbh+icmpv6", ETH,
	    { STEP(PASS(UNPROTECTED), V6(SCAN6), PROTO(IPPROTO_ICMPV6),
		   .ext = { EXT(IPPROTO_HOPOPTS) }) } },
	  HDR_ETH + HDR_IP6 + HDR_EXT },   /* ICMPv6 is not read */
	{ { "cut eth+arp", ETH,
	    { STEP(PASS(NOT_IP), .ethertype = ETH_P_ARP, .payload = 28) } },
	  HDR_ETH },
	{ { "cut eth+vlan+pppoe lcp", ETH,
	    { STEP(PASS(NOT_IP), .pppoe = true, .ppp_proto = PKT_PPP_LCP,
		   .payload = 14, VLAN(ETH_P_8021Q)) } },
	  HDR_ETH + HDR_VLAN + HDR_PPPOE },
	{ { "cut eth+three vlan tags", ETH,
	    { STEP(DROP(UNPARSEABLE), V4(TRUNK4), UDP(5060),
		   .tpid = { ETH_P_8021AD, ETH_P_8021Q, ETH_P_8021Q }) } },
	  HDR_ETH + 2 * HDR_VLAN },        /* the third tag is seen, not read */
	{ { "cut eth+ipv6 with nine extension headers", ETH,
	    { STEP(DROP(UNPARSEABLE), V6(SCAN6), UDP(5060),
		   .ext = { EXT8, EXT(IPPROTO_DSTOPTS) }) } },
	  HDR_ETH + HDR_IP6 + 7 * HDR_EXT + 24 },
	{ { "cut l3 ipv4+udp, untrusted", L3,
	    { STEP(DROP(NO_TRUST), V4(SCAN4), UDP(5060)) } },
	  HDR_IP4 + HDR_UDP },
	{ { "cut l3 ipv6+routing+udp, trunk", L3,
	    { STEP(PASS(TRUNK), V6(TRUNK6), UDP(5060),
		   .ext = { EXT(IPPROTO_ROUTING) }) } },
	  HDR_IP6 + HDR_EXT + HDR_UDP },
};

/* ---------------------------------------------------------------------- */
/* Test bodies                                                             */

static int row_setup(void **state)
{
	const struct row *row = *state;
	const struct fw *fw = &fws[row->inst];
	const struct pinhole_spec *ph;
	const struct port_spec *ps;
	__u64 now = now_ns();

	clear_maps(fw);
	add_std_trunks(fw, now);
	for (ph = row->pinholes; ph && ph->addr; ph++)
		add_pinhole(fw, ph, now);
	for (ps = row->ports; ps && ps->port; ps++)
		set_port_class(fw, ps);
	return 0;
}

/* Runs even when the row failed, so the next row starts from defaults. */
static int row_teardown(void **state)
{
	const struct row *row = *state;
	const struct fw *fw = &fws[row->inst];
	const struct port_spec *ps;

	for (ps = row->ports; ps && ps->port; ps++)
		if (write_default_port(fw, ps->port))
			return -1;
	clear_maps(fw);
	return 0;
}

static bool with_l2(const struct fw *fw)
{
	return fw->l2 == VFW_L2_ETHERNET;
}

static void test_row(void **state)
{
	const struct row *row = *state;
	const struct fw *fw = &fws[row->inst];
	struct pkt p;
	char what[32];
	int i;

	for (i = 0; i < MAX_STEPS && row->steps[i].action != XDP_ABORTED; i++) {
		const struct step *st = &row->steps[i];

		pkt_build(&p, &st->pkt, with_l2(fw));
		snprintf(what, sizeof(what), "packet %d", i + 1);
		if (st->egress)
			run_egress(fw, p.data, p.len, what);
		else
			expect_verdict(fw, p.data, p.len, st->action, st->reason, what);
	}
	assert_true(i > 0);
}

static void test_cuts(void **state)
{
	const struct cut_case *cc = container_of(*state, struct cut_case, row);
	const struct fw *fw = &fws[cc->row.inst];
	const struct step *full = &cc->row.steps[0];
	struct pkt p;
	char what[48];
	__u32 len;

	pkt_build(&p, &full->pkt, with_l2(fw));
	/* the packet must have headers to cut and payload beyond them */
	assert_true(cc->need >= ETH_HLEN);
	assert_true(cc->need < p.len);
	for (len = ETH_HLEN; len <= p.len; len++) {
		bool whole_headers = len >= cc->need;

		snprintf(what, sizeof(what), "cut to %u of %u bytes", len, p.len);
		if (whole_headers)
			expect_verdict(fw, p.data, len, full->action,
				       full->reason, what);
		else
			expect_verdict(fw, p.data, len, XDP_DROP,
				       VFW_DROP_MALFORMED, what);
	}
}

/* The entry {addr, port, proto} of a map keyed like the pinholes; it must exist. */
static void lookup_entry(int map_fd, const char *addr, __u16 port, __u8 proto,
			 struct vfw_pinhole *val)
{
	struct vfw_pinhole_key key;

	make_pinhole_key(&key, addr, port, proto);
	assert_int_equal(bpf_map_lookup_elem(map_fd, &key, val), 0);
}

static void lookup_pinhole(const struct fw *fw, const char *addr, __u16 port,
			   __u8 proto, struct vfw_pinhole *val)
{
	lookup_entry(fw->pinholes, addr, port, proto, val);
}

/* A pinhole hit bumps packets and bytes and stamps last_seen; nothing else. */
static void test_pinhole_hit_updates_entry(void **state)
{
	const struct fw *fw = &fws[ETH];
	const struct pkt_spec v4 = { V4(PEER4), UDP(10002), .payload = 160 };
	const struct pkt_spec v6 = { V6(PEER6), TCP(5060) };
	const struct pinhole_spec live_v4 = LIVE_PH(PEER4, 10002, IPPROTO_UDP);
	const struct pinhole_spec live_v6 = FOREVER_PH(PEER6, 5060, IPPROTO_TCP);
	struct vfw_pinhole before, after;
	struct pkt p4, p6;
	__u64 t0, t1;

	clear_maps(fw);
	add_pinhole(fw, &live_v4, now_ns());
	add_pinhole(fw, &live_v6, now_ns());
	pkt_build(&p4, &v4, true);
	pkt_build(&p6, &v6, true);
	lookup_pinhole(fw, PEER4, 10002, IPPROTO_UDP, &before);

	t0 = now_ns();
	expect_verdict(fw, p4.data, p4.len, PASS(PINHOLE), "first v4 packet");
	expect_verdict(fw, p4.data, p4.len, PASS(PINHOLE), "second v4 packet");
	expect_verdict(fw, p6.data, p6.len, PASS(PINHOLE), "v6 packet");
	t1 = now_ns();

	lookup_pinhole(fw, PEER4, 10002, IPPROTO_UDP, &after);
	assert_int_equal(after.packets, before.packets + 2);
	assert_int_equal(after.bytes, before.bytes + 2 * p4.len);
	assert_in_range(after.last_seen_ns, t0, t1);
	assert_true(before.last_seen_ns < t0);
	assert_int_equal(after.expires_ns, before.expires_ns);
	assert_int_equal(after.idle_ns, before.idle_ns);
	assert_int_equal(after.created_ns, before.created_ns);
	assert_int_equal(after.origin, before.origin);

	lookup_pinhole(fw, PEER6, 5060, IPPROTO_TCP, &after);
	assert_int_equal(after.packets, 1);
	assert_int_equal(after.bytes, p6.len);
	assert_in_range(after.last_seen_ns, t0, t1);
	clear_maps(fw);
}

/* An expired pinhole is not revived or counted by the packets it drops. */
static void test_expired_pinhole_untouched(void **state)
{
	const struct fw *fw = &fws[ETH];
	const struct pkt_spec spec = { V4(PEER4), UDP(10002) };
	const struct pinhole_spec idle = IDLE_PH(PEER4, 10002, IPPROTO_UDP);
	struct vfw_pinhole before, after;
	struct pkt p;

	clear_maps(fw);
	add_pinhole(fw, &idle, now_ns());
	pkt_build(&p, &spec, true);
	lookup_pinhole(fw, PEER4, 10002, IPPROTO_UDP, &before);
	expect_verdict(fw, p.data, p.len, DROP(PINHOLE_EXPIRED), "first packet");
	expect_verdict(fw, p.data, p.len, DROP(PINHOLE_EXPIRED), "second packet");
	lookup_pinhole(fw, PEER4, 10002, IPPROTO_UDP, &after);
	assert_memory_equal(&after, &before, sizeof(after));
	clear_maps(fw);
}

static void make_frag_key(struct vfw_frag_key *key, const char *src,
			  const char *dst, __u32 id, __u8 proto)
{
	bool ipv4;

	memset(key, 0, sizeof(*key));
	assert_int_equal(vfw_parse_addr(src, key->saddr, &ipv4), 0);
	assert_int_equal(vfw_parse_addr(dst, key->daddr, &ipv4), 0);
	key->id = id;
	key->proto = proto;
}

/*
 * The first fragment's verdict is stored under the key userspace can
 * rebuild, and later fragments follow a stored verdict only while it is
 * younger than VFW_FRAG_TTL_NS.
 */
static void test_fragment_memory(void **state)
{
	const struct fw *fw = &fws[ETH];
	const struct pkt_spec first = { V4(SCAN4), UDP(5060), FIRST_FRAG(0x5001) };
	const struct pkt_spec later = { V4(SCAN4), UDP(5060), LAST_FRAG(0x5001) };
	struct vfw_frag_key key;
	struct vfw_frag val;
	struct pkt p;
	__u64 t0, now;

	clear_maps(fw);
	pkt_build(&p, &first, true);
	t0 = now_ns();
	expect_verdict(fw, p.data, p.len, DROP(NO_TRUST), "first fragment");
	make_frag_key(&key, SCAN4, WAN4, 0x5001, IPPROTO_UDP);
	assert_int_equal(bpf_map_lookup_elem(fw->frags, &key, &val), 0);
	assert_int_equal(val.reason, VFW_DROP_NO_TRUST);
	assert_in_range(val.seen_ns, t0, now_ns());

	/*
	 * A passing verdict remembered long ago no longer counts. A kernel
	 * booted less than a TTL ago (the kernel matrix's VMs) has no such
	 * past; a time in the future is as stale (the age is unsigned).
	 */
	pkt_build(&p, &later, true);
	val.reason = VFW_PASS_TRUNK;
	now = now_ns();
	if (now > VFW_FRAG_TTL_NS + 1000 * NS_PER_MS) {
		val.seen_ns = now - VFW_FRAG_TTL_NS - 1000 * NS_PER_MS;
		assert_int_equal(bpf_map_update_elem(fw->frags, &key, &val, BPF_ANY), 0);
		expect_verdict(fw, p.data, p.len, DROP(FRAGMENT_UNMATCHED), "stale memory");
	}
	val.seen_ns = now + 1000 * NS_PER_MS;
	assert_int_equal(bpf_map_update_elem(fw->frags, &key, &val, BPF_ANY), 0);
	expect_verdict(fw, p.data, p.len, DROP(FRAGMENT_UNMATCHED), "memory from the future");

	/* the same verdict remembered a second ago does */
	val.seen_ns = now_ns() - 1000 * NS_PER_MS;
	assert_int_equal(bpf_map_update_elem(fw->frags, &key, &val, BPF_ANY), 0);
	expect_verdict(fw, p.data, p.len, PASS(FRAGMENT), "fresh memory");
	clear_maps(fw);
}

/* Our VoIP system offers port 10002 under Call-ID announce@192.0.2.1. */
static void run_our_offer(const struct fw *fw, int family, const char *to)
{
	static const char text[] = OUR_INVITE;
	struct pkt_spec spec = {
		.family = family, .src = family == 4 ? WAN4 : WAN6, .dst = to,
		SIP_UDP(text),
	};
	struct pkt p;

	pkt_build(&p, &spec, true);
	run_egress(fw, p.data, p.len, "our offer");
}

/*
 * Our offer, then the trunk's answer with this connection line (no CRLF
 * added) before its m= line.
 */
static void run_trunk_sdp(const struct fw *fw, const char *family_src,
			  int family, const char *cline)
{
	char text[PKT_MAX / 2];
	struct pkt_spec spec = {
		.family = family, .src = family_src,
		.dst = family == 4 ? WAN4 : WAN6,
		.proto = IPPROTO_UDP, .sport = 5060, .dport = 5060,
	};
	struct pkt p;
	int n;

	run_our_offer(fw, family, family_src);
	n = snprintf(text, sizeof(text),
		     "SIP/2.0 200 OK\r\nCall-ID: announce@192.0.2.1\r\nCSeq: 1 INVITE\r\n"
		     "Content-Type: application/sdp\r\n\r\nv=0\r\n%s" M(30000), cline);
	assert_true(n > 0 && (size_t)n < sizeof(text));
	spec.text = text;
	spec.payload = n;
	pkt_build(&p, &spec, true);
	assert_int_equal(run_xdp(fw, p.data, p.len), XDP_PASS);
}

/* The kernel's admissions: how many, and the last key. */
static int announced_entries(const struct fw *fw, struct vfw_pinhole_key *last)
{
	struct vfw_pinhole_key key, next, *prev = NULL;
	int n = 0;

	while (!bpf_map_get_next_key(fw->admissions, prev, &next)) {
		key = next;
		prev = &key;
		*last = key;
		n++;
	}
	return n;
}

/*
 * An admission is {far-end addr, our port, udp} and its RTCP twin (port +
 * 1), origin announced, no idle timeout, the call's hash as the daemon
 * computes it, and lives announce_ttl_s from the message that completed
 * the pair; announce_ttl_s = 0 turns the pairing off.
 */
static void test_announced_entry(void **state)
{
	const struct fw *fw = &fws[ETH];
	const char id[] = "announce@192.0.2.1";
	struct vfw_pinhole_key key;
	struct vfw_pinhole val;
	struct vfw_negotiation neg;
	__u64 hash = vfw_call_hash((struct sv){ id, sizeof(id) - 1 });
	const __u64 ttl = VFW_DEFAULT_ANNOUNCE_TTL_S * NS_PER_SEC;
	__u64 t0, t1;

	clear_maps(fw);
	add_std_trunks(fw, now_ns());
	t0 = now_ns();
	run_trunk_sdp(fw, TRUNK4, 4, C4(PEER4));
	t1 = now_ns();
	assert_int_equal(announced_entries(fw, &key), 2);
	lookup_entry(fw->admissions, PEER4, 10002, IPPROTO_UDP, &val);
	assert_int_equal(val.origin, VFW_ORIGIN_ANNOUNCED);
	assert_int_equal(val.idle_ns, 0);
	assert_int_equal(val.call_hash, hash);
	assert_in_range(val.created_ns, t0, t1);
	assert_in_range(val.expires_ns, t0 + ttl, t1 + ttl);
	lookup_entry(fw->admissions, PEER4, 10003, IPPROTO_UDP, &val);
	assert_int_equal(val.call_hash, hash);

	/* the pair itself, under the same hash */
	assert_int_equal(bpf_map_lookup_elem(fw->negotiations, &hash, &neg), 0);
	assert_int_equal(neg.n_local, 1);
	assert_int_equal(neg.n_remote, 1);
	assert_int_equal(neg.local_port[0], 10002);
	assert_in_range(neg.local_ns, t0, t1);
	assert_in_range(neg.remote_ns, neg.local_ns, t1);

	/* off: nothing is opened */
	clear_maps(fw);
	add_std_trunks(fw, now_ns());
	assert_int_equal(set_announce_ttl(fw, 0), 0);
	run_trunk_sdp(fw, TRUNK4, 4, C4(PEER4));
	assert_int_equal(announced_entries(fw, &key), 0);
	assert_int_equal(set_announce_ttl(fw, VFW_DEFAULT_ANNOUNCE_TTL_S), 0);
	clear_maps(fw);
}

/* What the kernel's c= address reader must accept: inet_pton() plus its own rules. */
static bool reference_announce(const char *text, int family, __u8 out[16])
{
	__u8 a[16];

	if (family == 6 && strchr(text, '.'))
		return false;               /* embedded IPv4 is not read */
	if (inet_pton(family == 4 ? AF_INET : AF_INET6, text,
		      family == 4 ? a + 12 : a) != 1)
		return false;
	if (family == 4) {
		memset(a, 0, 10);
		a[10] = a[11] = 0xff;
		if (a[12] == 0 || a[12] == 127 || a[12] >= 224)
			return false;
	} else {
		static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };
		static const __u8 zero[12];

		if (a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
		    !memcmp(a, mapped, 12) || !memcmp(a, zero, 12))
			return false;
	}
	memcpy(out, a, 16);
	return true;
}

/* Small random edits of a valid address: insert, delete, replace. */
static void mutate(char *text, size_t cap, unsigned *seed)
{
	static const char alphabet[] = "0123456789abcdefABCDEFg:.:/ x";
	int edits = rand_r(seed) % 4, i;

	for (i = 0; i < edits; i++) {
		size_t len = strlen(text), at = len ? rand_r(seed) % (len + 1) : 0;
		char ch = alphabet[rand_r(seed) % (sizeof(alphabet) - 1)];

		switch (rand_r(seed) % 3) {
		case 0:
			if (len + 1 < cap) {
				memmove(text + at + 1, text + at, len - at + 1);
				text[at] = ch;
			}
			break;
		case 1:
			if (at < len)
				memmove(text + at, text + at + 1, len - at);
			break;
		default:
			if (at < len)
				text[at] = ch;
		}
	}
}

/*
 * The in-kernel c= reader against inet_pton() on thousands of near-valid
 * addresses: it opens exactly the address the reference reads, or nothing.
 */
static void test_announce_reader_differential(void **state)
{
	static const char *const seeds4[] = {
		"203.0.113.20", "1.2.3.4", "255.255.255.255", "10.0.0.1",
		"0.0.0.0", "224.0.0.1", "127.0.0.1", "198.51.100.199",
	};
	static const char *const seeds6[] = {
		"2001:db8:cafe::20", "2001:db8::", "::1", "::", "fe80::1",
		"ff02::1", "2001:db8:0:0:0:0:0:1", "1:2:3:4:5:6:7:8",
		"::ffff:cb00:7114", "2001:DB8::A", "2001:db8:1:2:3:4:5::",
		"::2:3:4:5:6:7:8", "abcd:ef01::2345:6789",
	};
	const struct fw *fw = &fws[ETH];
	unsigned seed = 20261123, agree_open = 0, agree_none = 0, i;

	clear_maps(fw);
	add_std_trunks(fw, now_ns());
	for (i = 0; i < 3000; i++) {
		int family = i % 2 ? 6 : 4;
		const char *base = family == 4 ? seeds4[rand_r(&seed) % ARRAY_SIZE(seeds4)] :
						 seeds6[rand_r(&seed) % ARRAY_SIZE(seeds6)];
		char text[64], cline[96];
		struct vfw_pinhole_key key;
		__u8 want[16];
		bool expect;
		int n;

		snprintf(text, sizeof(text), "%s", base);
		mutate(text, sizeof(text), &seed);
		expect = reference_announce(text, family, want);
		snprintf(cline, sizeof(cline), "c=IN IP%d %s\r\n", family, text);
		clear_map(fw->negotiations);
		clear_map(fw->admissions);
		run_trunk_sdp(fw, family == 4 ? TRUNK4 : TRUNK6, family, cline);
		n = announced_entries(fw, &key) / 2;   /* RTP and RTCP */
		if (n != (expect ? 1 : 0) || (n && memcmp(key.addr, want, 16)))
			fail_msg("c= \"%s\": kernel opened %d entr%s, reference %s",
				 text, n, n == 1 ? "y" : "ies",
				 expect ? "reads an address" : "reads none");
		if (expect)
			agree_open++;
		else
			agree_none++;
	}
	print_message("[ INFO     ] announce reader: %u addresses opened, %u rejected, "
		      "all as inet_pton()\n", agree_open, agree_none);
	/* both outcomes must be exercised, or the comparison proves little */
	assert_true(agree_open > 300 && agree_none > 300);
	clear_maps(fw);
}

/* Loading succeeded, so the verifier accepted all three; report its work. */
static void test_programs_verified(void **state)
{
	int i;

	for (i = 0; i < N_INST; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		assert_int_equal(bpf_obj_get_info_by_fd(fws[i].prog, &info, &len), 0);
		assert_int_equal(info.type, BPF_PROG_TYPE_XDP);
		if (len >= offsetofend(struct bpf_prog_info, verified_insns))
			print_message("[ INFO     ] %s program: %u instructions verified, "
				      "%u translated\n", fws[i].name,
				      info.verified_insns, info.xlated_prog_len / 8);
		else
			print_message("[ INFO     ] %s program: %u instructions translated "
				      "(kernel does not report verified_insns)\n",
				      fws[i].name, info.xlated_prog_len / 8);
	}
}

/* ---------------------------------------------------------------------- */

static const struct CMUnitTest fixed_tests[] = {
	cmocka_unit_test(test_programs_verified),
	cmocka_unit_test(test_pinhole_hit_updates_entry),
	cmocka_unit_test(test_expired_pinhole_untouched),
	cmocka_unit_test(test_fragment_memory),
	cmocka_unit_test(test_announced_entry),
	cmocka_unit_test(test_announce_reader_differential),
};

static struct CMUnitTest tests[ARRAY_SIZE(fixed_tests) + ARRAY_SIZE(rows) +
			       ARRAY_SIZE(cuts)];

int main(void)
{
	size_t n = 0, i;

	for (i = 0; i < ARRAY_SIZE(fixed_tests); i++)
		tests[n++] = fixed_tests[i];
	for (i = 0; i < ARRAY_SIZE(rows); i++)
		tests[n++] = (struct CMUnitTest){
			.name = rows[i].desc,
			.test_func = test_row,
			.setup_func = row_setup,
			.teardown_func = row_teardown,
			.initial_state = (void *)&rows[i],
		};
	for (i = 0; i < ARRAY_SIZE(cuts); i++)
		tests[n++] = (struct CMUnitTest){
			.name = cuts[i].row.desc,
			.test_func = test_cuts,
			.setup_func = row_setup,
			.teardown_func = row_teardown,
			.initial_state = (void *)&cuts[i].row,
		};
	return cmocka_run_group_tests_name("verdict", tests, group_setup,
					   group_teardown);
}
