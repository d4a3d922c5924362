/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * STUN Binding (RFC 5389) for `voipfw doctor --stun`: the request, and the
 * mapped address out of a response. Pure: the caller sends and receives.
 */
#ifndef VOIPFW_STUN_H
#define VOIPFW_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define VFW_STUN_PORT        3478
#define VFW_STUN_HDR_LEN     20
#define VFW_STUN_MAGIC       0x2112A442u
#define VFW_STUN_BINDING_REQ 0x0001
#define VFW_STUN_BINDING_OK  0x0101

/* A Binding request with transaction id txid: 20 bytes into out. */
void vfw_stun_request(__u8 out[VFW_STUN_HDR_LEN], const __u8 txid[12]);

/*
 * The mapped address of a Binding success response to txid:
 * XOR-MAPPED-ADDRESS, else (RFC 3489 servers) MAPPED-ADDRESS. addr is
 * 16-byte (IPv4-mapped for IPv4), port host order. Returns 0, -EINVAL
 * (not a STUN message, malformed, another transaction), -EPROTO (an error
 * response) or -ENOENT (no mapped address).
 */
int vfw_stun_parse(const __u8 *msg, size_t len, const __u8 txid[12],
		   __u8 addr[16], __u16 *port);

#endif /* VOIPFW_STUN_H */
