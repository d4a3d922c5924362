// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const __u8 v4_mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

bool vfw_addr_is_ipv4(const __u8 addr[16])
{
	return memcmp(addr, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0;
}

void vfw_map_ipv4(__u8 out[16], const __u8 v4[4])
{
	memcpy(out, v4_mapped_prefix, sizeof(v4_mapped_prefix));
	memcpy(out + 12, v4, 4);
}

int vfw_parse_addr(const char *s, __u8 out[16], bool *ipv4)
{
	__u8 v4[4];

	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, v4) == 1) {
		vfw_map_ipv4(out, v4);
		*ipv4 = true;
		return 0;
	}
	if (strchr(s, ':') && inet_pton(AF_INET6, s, out) == 1) {
		/* "::ffff:1.2.3.4" would alias the IPv4 space; say IPv4 instead. */
		if (vfw_addr_is_ipv4(out))
			return -EINVAL;
		*ipv4 = false;
		return 0;
	}
	return -EINVAL;
}

int vfw_parse_u64(const char *s, __u64 max, __u64 *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Host bits beyond len (counted within the 16-byte form) must be zero. */
static bool host_bits_clear(const __u8 addr[16], unsigned int len)
{
	unsigned int i;

	for (i = len; i < 128; i++)
		if (addr[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

int vfw_parse_prefix(const char *s, struct vfw_prefix *out, const char **why)
{
	char buf[VFW_ADDR_STRLEN];
	const char *slash;
	__u64 len;
	size_t alen;

	*why = "not an IPv4 or IPv6 address";
	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (vfw_parse_addr(buf, out->addr, &out->ipv4))
		return -EINVAL;

	if (!slash) {
		out->len = out->ipv4 ? 32 : 128;
		return 0;
	}
	*why = out->ipv4 ? "prefix length must be 0-32" :
			   "prefix length must be 0-128";
	if (vfw_parse_u64(slash + 1, out->ipv4 ? 32 : 128, &len))
		return -EINVAL;
	out->len = len;
	if (!host_bits_clear(out->addr, out->ipv4 ? 96 + len : len)) {
		*why = "host bits set beyond the prefix length";
		return -EINVAL;
	}
	return 0;
}

bool vfw_prefix_equal(const struct vfw_prefix *a, const struct vfw_prefix *b)
{
	return a->len == b->len && a->ipv4 == b->ipv4 && !memcmp(a->addr, b->addr, 16);
}

bool vfw_prefix_contains(const struct vfw_prefix *p, const __u8 addr[16])
{
	unsigned int bits = p->ipv4 ? 96 + p->len : p->len, i;

	if (p->ipv4 != vfw_addr_is_ipv4(addr))
		return false;
	for (i = 0; i < bits; i++) {
		__u8 mask = 0x80 >> (i % 8);

		if ((addr[i / 8] & mask) != (p->addr[i / 8] & mask))
			return false;
	}
	return true;
}

int vfw_parse_port(const char *s, __u16 *out)
{
	__u64 v;

	if (vfw_parse_u64(s, 65535, &v) || v == 0)
		return -EINVAL;
	*out = v;
	return 0;
}

int vfw_parse_port_range(const char *s, __u16 *first, __u16 *last)
{
	char buf[16];
	const char *dash;
	size_t n;

	if (!s)
		return -EINVAL;
	dash = strchr(s, '-');
	if (!dash) {
		if (vfw_parse_port(s, first))
			return -EINVAL;
		*last = *first;
		return 0;
	}
	n = dash - s;
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (vfw_parse_port(buf, first) || vfw_parse_port(dash + 1, last))
		return -EINVAL;
	return *first <= *last ? 0 : -EINVAL;
}

int vfw_parse_proto(const char *s, __u8 *proto)
{
	if (s && strcmp(s, "udp") == 0)
		*proto = IPPROTO_UDP;
	else if (s && strcmp(s, "tcp") == 0)
		*proto = IPPROTO_TCP;
	else
		return -EINVAL;
	return 0;
}

const char *vfw_proto_name(__u8 proto)
{
	switch (proto) {
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_TCP:
		return "tcp";
	default:
		return "?";
	}
}

const char *vfw_addr_str(const __u8 addr[16], char *buf, size_t len)
{
	if (vfw_addr_is_ipv4(addr)) {
		if (!inet_ntop(AF_INET, addr + 12, buf, len))
			snprintf(buf, len, "?");
	} else if (!inet_ntop(AF_INET6, addr, buf, len)) {
		snprintf(buf, len, "?");
	}
	return buf;
}

void vfw_lpm_host_key(struct vfw_lpm_key *key, const __u8 addr[16])
{
	memset(key, 0, sizeof(*key));
	key->prefixlen = 128;
	memcpy(key->addr, addr, 16);
}

void vfw_prefix_to_lpm_key(const struct vfw_prefix *p, struct vfw_lpm_key *key)
{
	memset(key, 0, sizeof(*key));
	memcpy(key->addr, p->addr, 16);
	key->prefixlen = p->ipv4 ? 96 + p->len : p->len;
}

/* Keys outside what vfw_prefix_to_lpm_key makes are reported, not trusted. */
int vfw_lpm_key_to_prefix(const struct vfw_lpm_key *key, struct vfw_prefix *p)
{
	if (key->prefixlen > 128)
		return -EINVAL;
	memcpy(p->addr, key->addr, 16);
	p->ipv4 = key->prefixlen >= 96 && vfw_addr_is_ipv4(key->addr);
	p->len = p->ipv4 ? key->prefixlen - 96 : key->prefixlen;
	return 0;
}

const char *vfw_lpm_key_str(const struct vfw_lpm_key *key, char *buf,
			    size_t len)
{
	char addr[VFW_ADDR_STRLEN];
	struct vfw_prefix p;

	if (vfw_lpm_key_to_prefix(key, &p)) {
		snprintf(buf, len, "?/%u", key->prefixlen);
		return buf;
	}
	if (p.ipv4)
		inet_ntop(AF_INET, p.addr + 12, addr, sizeof(addr));
	else
		inet_ntop(AF_INET6, p.addr, addr, sizeof(addr));
	snprintf(buf, len, "%s/%u", addr, p.len);
	return buf;
}

void vfw_pinhole_key_make(struct vfw_pinhole_key *key, const __u8 addr[16],
			  __u16 local_port, __u8 proto)
{
	memset(key, 0, sizeof(*key));
	memcpy(key->addr, addr, 16);
	key->local_port = local_port;
	key->proto = proto;
}
