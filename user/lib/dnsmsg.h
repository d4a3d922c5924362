/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * DNS messages (RFC 1035) for the trunk resolver: build an A/AAAA query,
 * parse the response into addresses, and read resolv.conf's nameservers.
 * Pure: no I/O, no allocation. Everything parsed is hostile input: every
 * length, count, offset and compression pointer is checked, names are at
 * most 255 octets, pointer chains and CNAME chains are bounded.
 */
#ifndef VOIPFW_DNSMSG_H
#define VOIPFW_DNSMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define VFW_DNS_TYPE_A      1
#define VFW_DNS_TYPE_CNAME  5
#define VFW_DNS_TYPE_AAAA   28
#define VFW_DNS_TYPE_OPT    41
#define VFW_DNS_CLASS_IN    1

#define VFW_DNS_RCODE_NOERROR  0
#define VFW_DNS_RCODE_SERVFAIL 2
#define VFW_DNS_RCODE_NXDOMAIN 3

#define VFW_DNS_HDR_LEN     12
#define VFW_DNS_NAME_MAX    255   /* wire octets, including the root label */
#define VFW_DNS_QUERY_MAX   (VFW_DNS_HDR_LEN + VFW_DNS_NAME_MAX + 4 + 11)
#define VFW_DNS_EDNS_SIZE   1232  /* UDP payload we advertise (and receive) */
#define VFW_DNS_MAX_ADDRS   32    /* addresses kept per answer */
#define VFW_DNS_MAX_CNAMES  8     /* CNAME links followed in one answer */
#define VFW_DNS_MAX_RRS     512   /* answer records looked at */

struct vfw_dns_addr {
	__u8 addr[16];      /* IPv4 as ::ffff:a.b.c.d */
	__u32 ttl;          /* seconds: min over the record and its CNAME chain */
};

struct vfw_dns_answer {
	__u8 rcode;         /* header RCODE */
	bool truncated;     /* TC: the set may be incomplete, retry over TCP */
	bool authoritative; /* AA */
	__u32 n;            /* addresses in addr[], distinct */
	__u32 n_dropped;    /* distinct addresses beyond VFW_DNS_MAX_ADDRS */
	__u32 n_ignored;    /* unusable addresses skipped (see below) */
	__u32 n_cnames;     /* CNAME links followed */
	struct vfw_dns_addr addr[VFW_DNS_MAX_ADDRS];
};

/*
 * Writes a recursive query (RD) for name (dotted, a final dot optional,
 * labels 1-63 of letters, digits, '-' and '_') and qtype into buf, with
 * an EDNS0 OPT record when edns. Returns the length, -EINVAL for a bad
 * name or -ENOSPC if buf is too small (VFW_DNS_QUERY_MAX always fits).
 */
int vfw_dns_build_query(__u8 *buf, size_t len, __u16 id, const char *name,
			__u16 qtype, bool edns);

/*
 * Parses a response to the query (id, name, qtype) built above.
 *   0        out filled. Check out->rcode: NOERROR with n == 0 is NODATA.
 *            Addresses are those of type qtype (class IN) owned by name or
 *            by the end of the CNAME chain starting at name within the
 *            answer section; the rest is ignored. Unusable addresses are
 *            skipped and counted: unspecified, loopback, multicast,
 *            broadcast, and IPv4-mapped/compatible ones in AAAA records.
 *   -ENOMSG  well-formed but not the answer to this query (ID, QR,
 *            opcode or question differ): keep waiting for the real one.
 *   -EINVAL  malformed (truncated data, bad label, pointer loop, wrong
 *            RDLENGTH, counts beyond the data, CNAME loop or too long
 *            a chain).
 */
int vfw_dns_parse_response(const __u8 *msg, size_t len, __u16 id,
			   const char *name, __u16 qtype,
			   struct vfw_dns_answer *out);

/* ---- resolv.conf ---- */

#define VFW_DNS_MAX_SERVERS 3     /* glibc's MAXNS */
#define VFW_RESOLV_CONF_MAX (64 * 1024)  /* bytes looked at */

#define VFW_DNS_ZONE_MAX    16    /* IFNAMSIZ */

struct vfw_dns_server {
	__u8 addr[16];      /* IPv4 as ::ffff:a.b.c.d */
	bool ipv4;
	__u32 scope_id;     /* IPv6 zone given as a number ("fe80::1%2") */
	char zone[VFW_DNS_ZONE_MAX]; /* or as an interface name: the caller maps it */
};

/*
 * Collects the "nameserver ADDR[%ZONE]" lines of resolv.conf text (len
 * bytes, no NUL needed; lines of any length; '#' and ';' start comments),
 * in order, at most max (<= VFW_DNS_MAX_SERVERS is what glibc uses),
 * duplicates skipped. Only the first VFW_RESOLV_CONF_MAX bytes are looked
 * at. Unparseable lines are skipped. Returns the number of servers.
 */
int vfw_resolv_conf_parse(const char *text, size_t len,
			  struct vfw_dns_server *out, int max);

#endif /* VOIPFW_DNSMSG_H */
