/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * One live call as the daemon saves it in a pinned BPF map, so that a
 * restarted daemon still knows which pinholes belong to which Call-ID and
 * can close them at BYE (see vfw_tracker_export_call/import_call).
 *
 * Fixed-width fields only, explicit padding, no pointers: the same bytes
 * are written by one daemon version and read back by the next, and
 * `bpftool map dump` prints them through BTF.
 */
#ifndef VOIPFW_CALL_H
#define VOIPFW_CALL_H

#include <linux/types.h>

/* 2: session_expires_s (was padding); expires_ns moves with in-dialog signalling */
#define VFW_CALL_RECORD_VERSION 2
#define VFW_CALL_ID_MAX         128  /* longer Call-IDs are kept truncated; the hash covers all of it */
#define VFW_CALL_MAX_PINHOLES   16

/* vfw_call_record.flags */
#define VFW_CALL_F_CONFIRMED    (1U << 0)  /* a 2xx to the INVITE was seen */
#define VFW_CALL_F_LOCAL_CALLER (1U << 1)  /* our VoIP system sent the INVITE */

/* vfw_call_pinhole.flags */
#define VFW_PINHOLE_F_PROVISIONAL (1U << 0) /* opened from the SIP peer's address before the answer */
#define VFW_PINHOLE_F_HELD        (1U << 1) /* on hold (either side): idle timeout off */

struct vfw_call_pinhole {
	__u8 addr[16];       /* remote address, IPv4-mapped for IPv4 */
	__u16 local_port;    /* host order */
	__u8 proto;          /* IPPROTO_UDP / IPPROTO_TCP */
	__u8 flags;          /* VFW_PINHOLE_F_* */
	__u32 pad;
	__u64 idle_ns;       /* as given to the kernel: 0 = no idle timeout */
};

struct vfw_call_record {
	__u32 version;       /* VFW_CALL_RECORD_VERSION */
	__u32 flags;         /* VFW_CALL_F_* */
	__u64 call_hash;     /* vfw_call_hash() of the full Call-ID, never 0 */
	__u64 created_ns;    /* CLOCK_MONOTONIC */
	__u64 expires_ns;    /* the call ends here unless signalling (or media) moves it */
	__u8 peer_addr[16];  /* the SIP peer the call was set up with */
	__u16 call_id_len;   /* bytes used in call_id */
	__u8 proto;          /* signalling transport */
	__u8 n_pinholes;     /* entries used in pinholes */
	__u32 session_expires_s; /* RFC 4028 session interval, 0 = no session timer */
	__u8 call_id[VFW_CALL_ID_MAX];
	struct vfw_call_pinhole pinholes[VFW_CALL_MAX_PINHOLES];
};

#endif /* VOIPFW_CALL_H */
