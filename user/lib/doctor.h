/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * `voipfw doctor`'s judgement: router facts in (struct doc_facts, gathered
 * by user/doctor_facts.c from netlink, nftables, sysctls and voipfw's maps),
 * one result per check out. Pure: no I/O, so every verdict is unit-tested
 * (tests/unit/test_doctor.c) on facts written by hand.
 *
 * The check ids are a contract (scripts and the JSON output name them):
 * they are listed once, in DOC_CHECK_LIST, in output order.
 */
#ifndef VOIPFW_DOCTOR_H
#define VOIPFW_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "addr.h"
#include "config.h"
#include "voipfw.h"

#define DOC_CHECK_LIST(X)                                                   \
	X(SIP_ALG, "sip-alg")                                               \
	X(WAN_ADDRESS, "wan-address")                                       \
	X(FORWARD_PORT, "forward-port")                                     \
	X(RTP_RANGE, "rtp-range")                                           \
	X(UNPROTECTED_FORWARD, "unprotected-forward")                       \
	X(NAT_TIMEOUT, "nat-timeout")                                       \
	X(VOIPFW, "voipfw")                                                 \
	X(IPV6, "ipv6")                                                     \
	X(DOUBLE_NAT, "double-nat")                                         \
	X(NAT_TYPE, "nat-type")                                             \
	X(ADVERTISED_ADDRESS, "advertised-address")                         \
	X(UPSTREAM_ALG, "upstream-alg")                                     \
	X(TRUNK, "trunk")                                                   \
	X(DAEMON_STATE, "daemon-state")

enum doc_check {
#define DOC_ENUM(id, name) DOC_##id,
	DOC_CHECK_LIST(DOC_ENUM)
#undef DOC_ENUM
	DOC_CHECK_COUNT,
};

enum doc_status { DOC_OK, DOC_WARN, DOC_FAIL, DOC_SKIP };

#define DOC_DETAIL_LEN   320
#define DOC_FIX_LEN      200
#define DOC_EVIDENCE_LEN 200
#define DOC_MAX_EVIDENCE 8

struct doc_result {
	enum doc_check check;
	enum doc_status status;
	char detail[DOC_DETAIL_LEN];   /* what was found; for skip, the reason */
	char fix[DOC_FIX_LEN];         /* one line, "" when ok or skip */
	unsigned n_evidence;           /* facts behind the verdict, one per line */
	char evidence[DOC_MAX_EVIDENCE][DOC_EVIDENCE_LEN];
};

/*
 * Registration refresh interval assumed when the real one is unknown (no
 * daemon observations yet): behind NAT, PBXs and ATAs refresh or send
 * keepalives about every 60 s (Asterisk qualifyfreq, most ATAs' NAT keep
 * alive default), so a UDP conntrack entry must live at least that long.
 */
#define DOC_TYPICAL_REG_INTERVAL 60
/* An unreplied UDP entry (a REGISTER awaiting its 401) should live this long. */
#define DOC_MIN_UDP_UNREPLIED    10
/* A map this full (percent) is worth a warning. */
#define DOC_FILL_WARN_PCT        90

#define DOC_MAX_ADDRS   64
#define DOC_MAX_DNAT    64
#define DOC_MAX_MATCH   16    /* destination port ranges per DNAT rule */
#define DOC_MAX_HELPERS 16
#define DOC_WHERE_LEN   96
#define DOC_MAX_IFACES  8
#define DOC_MAX_FILL    8
#define DOC_MAX_STUN    4

struct doc_addr {
	char ifname[16];
	__u8 addr[16];       /* IPv4-mapped for IPv4 (addr.h) */
	__u8 prefixlen;
	bool ipv4;
	bool dynamic;        /* a finite valid lifetime: DHCP, SLAAC, PPP */
	__u32 valid_lft;     /* seconds left, when dynamic */
};

/* One nftables rule with a dnat statement. */
struct doc_dnat {
	char where[DOC_WHERE_LEN];   /* "ip nat prerouting handle 4" */
	char iifname[16];            /* "" when the rule matches any input */
	bool udp, tcp;               /* protocols it matches */
	unsigned n_match;            /* 0: every port */
	struct vfw_port_range match[DOC_MAX_MATCH];
	bool has_addr;
	__u8 addr[16];               /* dnat to ADDR */
	__u16 to_first, to_last;     /* dnat to :PORT[-PORT]; 0 = unchanged */
};

/* An nftables "ct helper" object, or a rule that assigns one. */
struct doc_helper {
	char where[DOC_WHERE_LEN];   /* "ip filter sip-5060" / "... handle 7" */
	char name[32];               /* object name; for a rule, the name set */
	char type[16];               /* object: "sip", "ftp", ...; rule: the object's */
};

struct doc_fill {
	char name[16];
	__u32 used, max;
};

struct doc_facts {
	/* The WAN: --iface, the config's, voipfw's attached one, or the default route's. */
	char wan[16];
	const char *wan_from;        /* "--iface", "config", ... ; NULL: none known */
	unsigned n_addrs;
	struct doc_addr addrs[DOC_MAX_ADDRS];

	/* nftables (libnftables' JSON) */
	bool nft_ok;
	char nft_err[128];
	unsigned n_dnat;
	struct doc_dnat dnat[DOC_MAX_DNAT];
	unsigned n_dnat_unread;      /* dnat rules not understood (maps, named sets) */
	char dnat_unread_where[DOC_WHERE_LEN];
	unsigned n_helper_objs, n_helper_rules;
	struct doc_helper helper_objs[DOC_MAX_HELPERS];
	struct doc_helper helper_rules[DOC_MAX_HELPERS];
	unsigned n_xt_ct;            /* iptables-nft "CT" targets (helper not visible) */
	char xt_ct_where[DOC_WHERE_LEN];

	/* The kernel's SIP helper and conntrack */
	bool sip_module;             /* nf_conntrack_sip loaded (or built in) */
	int helper_sysctl;           /* net.netfilter.nf_conntrack_helper, -1 absent */
	int ct_sip_entries;          /* conntrack entries with helper sip, -1 unknown */
	int udp_timeout, udp_timeout_stream;  /* seconds, -1 unknown */

	/* voipfw's pinned maps (read only) */
	const char *pin_dir;
	bool have_maps;
	char maps_err[128];
	const struct vfw_port_class_entry *ports;   /* [VFW_PORT_SLOTS] or NULL */
	unsigned n_ifaces;
	struct vfw_iface ifaces[DOC_MAX_IFACES];
	unsigned n_fill;
	struct doc_fill fill[DOC_MAX_FILL];
	bool feed_on;                /* runtime.tap: the daemon's SIP feed */
	__u64 tap_lost;

	/* --config */
	const struct vfw_config *cfg;   /* NULL without --config */

	/* --stun: one Binding request per server, all from one local UDP port */
	unsigned n_stun;
	struct doc_stun {
		char server[64];             /* as given: HOST[:PORT] */
		char err[64];                /* "" when answered */
		__u8 server_addr[16];        /* the address asked */
		__u16 server_port;
		__u8 mapped[16];             /* what the server saw */
		__u16 mapped_port;
	} stun[DOC_MAX_STUN];
	__u16 stun_local_port;           /* the port the requests left from */
	bool pcap;                       /* --pcap given (not used yet) */
};

/* Runs every check, in DOC_CHECK_LIST order, into out[DOC_CHECK_COUNT]. */
void doc_run(const struct doc_facts *f, struct doc_result out[DOC_CHECK_COUNT]);

const char *doc_check_name(enum doc_check c);
const char *doc_status_name(enum doc_status s);   /* "ok", "warn", "fail", "skip" */

/* RFC 1918, CGN 100.64.0.0/10 (IPv4-mapped input); 0 when neither. */
enum doc_v4_kind { DOC_V4_PUBLIC, DOC_V4_PRIVATE, DOC_V4_CGN, DOC_V4_OTHER };
enum doc_v4_kind doc_v4_kind(const __u8 addr[16]);
/* A global unicast IPv6 address (2000::/3). */
bool doc_v6_global(const __u8 addr[16]);

#endif /* VOIPFW_DOCTOR_H */
