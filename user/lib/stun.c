// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* STUN Binding request and response (stun.h), RFC 5389 section 6 and 15.1-2. */
#include <errno.h>
#include <string.h>

#include "addr.h"
#include "stun.h"

#define ATTR_MAPPED_ADDRESS     0x0001
#define ATTR_XOR_MAPPED_ADDRESS 0x0020

static __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static __u32 get32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

void vfw_stun_request(__u8 out[VFW_STUN_HDR_LEN], const __u8 txid[12])
{
	out[0] = VFW_STUN_BINDING_REQ >> 8;
	out[1] = VFW_STUN_BINDING_REQ & 0xff;
	out[2] = out[3] = 0;   /* no attributes */
	out[4] = VFW_STUN_MAGIC >> 24;
	out[5] = VFW_STUN_MAGIC >> 16 & 0xff;
	out[6] = VFW_STUN_MAGIC >> 8 & 0xff;
	out[7] = VFW_STUN_MAGIC & 0xff;
	memcpy(out + 8, txid, 12);
}

/* An (XOR-)MAPPED-ADDRESS value: family, port, address. */
static int mapped(const __u8 *v, __u16 vlen, bool xor, const __u8 *hdr,
		  __u8 addr[16], __u16 *port)
{
	__u8 raw[16];
	unsigned i;

	if (vlen < 8)
		return -EINVAL;
	*port = get16(v + 2) ^ (xor ? VFW_STUN_MAGIC >> 16 : 0);
	if (v[1] == 0x01) {   /* IPv4 */
		for (i = 0; i < 4; i++)
			raw[i] = v[4 + i] ^ (xor ? hdr[4 + i] : 0);
		vfw_map_ipv4(addr, raw);
		return 0;
	}
	if (v[1] == 0x02 && vlen >= 20) {   /* IPv6: XOR with cookie + txid */
		for (i = 0; i < 16; i++)
			addr[i] = v[4 + i] ^ (xor ? hdr[4 + i] : 0);
		return 0;
	}
	return -EINVAL;
}

int vfw_stun_parse(const __u8 *msg, size_t len, const __u8 txid[12],
		   __u8 addr[16], __u16 *port)
{
	size_t off = VFW_STUN_HDR_LEN, end;
	int plain = -ENOENT;
	__u8 paddr[16];
	__u16 pport = 0, type;

	if (len < VFW_STUN_HDR_LEN || (msg[0] & 0xc0) || get32(msg + 4) != VFW_STUN_MAGIC ||
	    memcmp(msg + 8, txid, 12))
		return -EINVAL;
	end = VFW_STUN_HDR_LEN + get16(msg + 2);
	if (end > len || (end & 3))
		return -EINVAL;
	type = get16(msg);
	if (type == (VFW_STUN_BINDING_OK | 0x0010))   /* error response class */
		return -EPROTO;
	if (type != VFW_STUN_BINDING_OK)
		return -EINVAL;
	while (off + 4 <= end) {
		__u16 at = get16(msg + off), alen = get16(msg + off + 2);
		const __u8 *v = msg + off + 4;

		if (off + 4 + alen > end)
			return -EINVAL;
		if (at == ATTR_XOR_MAPPED_ADDRESS)
			return mapped(v, alen, true, msg, addr, port);
		if (at == ATTR_MAPPED_ADDRESS && plain == -ENOENT)
			plain = mapped(v, alen, false, msg, paddr, &pport);
		off += 4 + ((alen + 3u) & ~3u);
	}
	if (plain == 0) {
		memcpy(addr, paddr, 16);
		*port = pport;
	}
	return plain;
}
