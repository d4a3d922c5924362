/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Parsing and printing of what the CLI and config take from users:
 * addresses, CIDR prefixes, ports and port ranges, numbers. Pure: no I/O.
 * Addresses are kept in the maps' 16-byte form (IPv4 as ::ffff:a.b.c.d).
 */
#ifndef VOIPFW_ADDR_H
#define VOIPFW_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "voipfw.h"

/* Longest text form: a full IPv6 address plus "/128". */
#define VFW_ADDR_STRLEN 64

struct vfw_prefix {
	__u8 addr[16];
	__u8 len;           /* in the family's own terms: 0-32 or 0-128 */
	bool ipv4;
};

bool vfw_prefix_equal(const struct vfw_prefix *a, const struct vfw_prefix *b);

/* Whether addr (16-byte form) lies inside prefix p. */
bool vfw_prefix_contains(const struct vfw_prefix *p, const __u8 addr[16]);

/* Parse an IPv4 or IPv6 address. Returns 0 or -EINVAL. */
int vfw_parse_addr(const char *s, __u8 out[16], bool *ipv4);

/*
 * Parse "ADDR" or "ADDR/LEN". A bare address is a host prefix. Host bits set
 * beyond LEN are an error (-EINVAL with *why explaining), not silently masked.
 */
int vfw_parse_prefix(const char *s, struct vfw_prefix *out, const char **why);

/* Parse a port 1-65535. */
int vfw_parse_port(const char *s, __u16 *out);

/* Parse "PORT" or "FIRST-LAST" with FIRST <= LAST. */
int vfw_parse_port_range(const char *s, __u16 *first, __u16 *last);

/* Parse a decimal unsigned number up to max (no sign, no junk). */
int vfw_parse_u64(const char *s, __u64 max, __u64 *out);

/* "udp"/"tcp" to IPPROTO_*; returns 0 or -EINVAL. */
int vfw_parse_proto(const char *s, __u8 *proto);
const char *vfw_proto_name(__u8 proto);

bool vfw_addr_is_ipv4(const __u8 addr[16]);
void vfw_map_ipv4(__u8 out[16], const __u8 v4[4]);

/* Text form of a 16-byte address (IPv4-mapped printed as dotted quad). */
const char *vfw_addr_str(const __u8 addr[16], char *buf, size_t len);

/* Text form of a trie key: "203.0.113.0/24", "2001:db8::/32". */
const char *vfw_lpm_key_str(const struct vfw_lpm_key *key, char *buf,
			    size_t len);

/* Trie key for a prefix, and the prefix for a trie key. */
/* The trie key of exactly one address (prefixlen 128). */
void vfw_lpm_host_key(struct vfw_lpm_key *key, const __u8 addr[16]);
void vfw_prefix_to_lpm_key(const struct vfw_prefix *p, struct vfw_lpm_key *key);
int vfw_lpm_key_to_prefix(const struct vfw_lpm_key *key, struct vfw_prefix *p);

void vfw_pinhole_key_make(struct vfw_pinhole_key *key, const __u8 addr[16],
			  __u16 local_port, __u8 proto);

#endif /* VOIPFW_ADDR_H */
