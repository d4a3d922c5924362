/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Types shared by the BPF programs and userspace. Only fixed-width types,
 * enums and constants live here: the same layout must hold on both sides
 * and in the BTF that `bpftool map dump` uses to print the pinned maps.
 */
#ifndef VOIPFW_H
#define VOIPFW_H

#include <linux/types.h>

/* Every verdict the XDP program reaches is counted under exactly one reason. */
enum vfw_reason {
	VFW_PASS_UNPROTECTED = 0,  /* IP packet not aimed at a protected port */
	VFW_PASS_NOT_IP,           /* ARP, LLDP, PPPoE discovery, PPP control */
	VFW_PASS_TRUNK,            /* source inside a trusted trunk prefix */
	VFW_PASS_PINHOLE,          /* source + local port match a live pinhole */
	VFW_PASS_ANNOUNCED,        /* media on the port offer and answer paired it with (in-kernel) */
	VFW_PASS_FRAGMENT,         /* later fragment of a passed datagram */
	VFW_PASS_FRAGMENT_TRUNK,   /* unmatched later fragment from a trunk */
	VFW_DROP_NO_TRUST,         /* protected port, source not trusted */
	VFW_DROP_PINHOLE_EXPIRED,  /* the only match was an expired pinhole */
	VFW_DROP_TRUNK_EXPIRED,    /* the only match was an expired trunk */
	VFW_DROP_FRAGMENT,         /* later fragment of a dropped datagram */
	VFW_DROP_FRAGMENT_UNMATCHED, /* later fragment, first one unseen */
	VFW_DROP_MALFORMED,        /* truncated or inconsistent header */
	VFW_DROP_UNPARSEABLE,      /* header stack deeper than we walk */
	VFW_REASON_MAX,
};

/* Reasons below this value pass, the others drop (or would, in monitor mode). */
#define VFW_FIRST_DROP_REASON VFW_DROP_NO_TRUST

struct vfw_counter {
	__u64 packets;
	__u64 bytes;
};

/* What a destination port is, per L4 protocol. */
enum vfw_port_class {
	VFW_CLASS_NONE = 0,
	VFW_CLASS_SIP = 1,
	VFW_CLASS_MEDIA = 2,
};

/* One slot per port number; index = host-order destination port. */
struct vfw_port_class_entry {
	__u8 udp;   /* enum vfw_port_class */
	__u8 tcp;   /* enum vfw_port_class */
};

#define VFW_PORT_SLOTS 65536

/*
 * Addresses are stored as 16 bytes; IPv4 as IPv4-mapped IPv6
 * (::ffff:a.b.c.d), so one map serves both families. An IPv4 /n prefix is
 * an LPM prefix of 96 + n.
 */
struct vfw_lpm_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* Which port classes a trunk entry admits. */
#define VFW_ADMIT_SIP   (1U << 0)
#define VFW_ADMIT_MEDIA (1U << 1)
#define VFW_ADMIT_ALL   (VFW_ADMIT_SIP | VFW_ADMIT_MEDIA)

enum vfw_origin {
	VFW_ORIGIN_STATIC = 0,   /* added by the operator (CLI or config) */
	VFW_ORIGIN_LEARNED = 1,  /* learned from a registration */
	VFW_ORIGIN_DNS = 2,      /* resolved from a configured DNS name */
	VFW_ORIGIN_CALL = 3,     /* opened from a call's SDP */
	VFW_ORIGIN_REPLY = 4,    /* opened for replies to our own request */
	VFW_ORIGIN_EGRESS = 5,   /* opened by media the VoIP system sent */
	VFW_ORIGIN_CONFIG = 6,   /* from the daemon's config file */
	VFW_ORIGIN_ANNOUNCED = 7, /* offer and answer seen by the kernel (vfw_admissions) */
	/* VFW_ORIGIN_REPLY entries live in vfw_replies, keyed by vfw_reply_key */
};

struct vfw_trunk {
	__u64 expires_ns;   /* CLOCK_MONOTONIC; 0 = never */
	__u32 admit;        /* VFW_ADMIT_* */
	__u32 origin;       /* enum vfw_origin */
};

struct vfw_pinhole_key {
	__u8 addr[16];      /* remote address, IPv4-mapped for IPv4 */
	__u16 local_port;   /* host order: the destination port on the WAN */
	__u8 proto;         /* IPPROTO_UDP or IPPROTO_TCP */
	__u8 pad;
};

struct vfw_pinhole {
	__u64 expires_ns;   /* hard limit, CLOCK_MONOTONIC; 0 = never */
	__u64 idle_ns;      /* closes after this long without a packet; 0 = off */
	__u64 created_ns;
	__u64 last_seen_ns; /* updated by XDP on every passed packet */
	__u64 packets;      /* updated by XDP */
	__u64 bytes;        /* updated by XDP */
	__u64 call_hash;    /* which call opened it (0 = none), see userspace */
	__u32 origin;       /* enum vfw_origin */
	__u32 pad;
};

/*
 * A reply pinhole: the exact address and port one of our SIP requests went
 * to, and the port it left from. Only SIP responses from there pass (over
 * UDP; over TCP the connection itself), so a request's target cannot use
 * the pinhole to send requests of its own. Value: struct vfw_pinhole.
 */
struct vfw_reply_key {
	struct vfw_pinhole_key ph; /* addr, local_port (our source port), proto */
	__u16 remote_port;         /* host order: the request's destination port */
	__u16 pad;
};

/* Remembered verdict of a fragmented datagram, keyed like the kernel's reassembly. */
struct vfw_frag_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__u32 id;           /* IPv4 ID (16 bits) or IPv6 fragment ID */
	__u8 proto;
	__u8 pad[3];
};

struct vfw_frag {
	__u64 seen_ns;      /* when the first fragment was judged */
	__u32 reason;       /* enum vfw_reason of the first fragment */
	__u32 flags;        /* VFW_FRAG_TAP: the datagram is SIP for the daemon */
};

#define VFW_FRAG_TAP 1U

/* Fragment verdicts older than this are ignored (IPv6 reassembly gives up at 60 s). */
#define VFW_FRAG_TTL_NS (60ULL * 1000000000ULL)

/* How the XDP program finds the network header. */
enum vfw_l2 {
	VFW_L2_ETHERNET = 0,
	VFW_L2_NONE = 1,     /* ppp, wireguard, tun: packets start at IP */
};

enum vfw_xdp_mode {
	VFW_XDP_NATIVE = 0,
	VFW_XDP_GENERIC = 1,
};

/* Bookkeeping of one attachment, kept in a pinned map for `status`. */
struct vfw_iface {
	__u32 ifindex;
	__u32 xdp_mode;     /* enum vfw_xdp_mode */
	__u32 l2;           /* enum vfw_l2 */
	__u32 monitor;      /* 1 = count would-be drops, drop nothing */
	__u64 attached_unix; /* wall clock seconds of the (re)attach */
	__u8 name[16];
};

/*
 * Run-time switches of the TC programs, one entry, written by userspace
 * (CLI attach writes the defaults, the daemon its config).
 */
struct vfw_runtime {
	__u64 reply_ttl_ns;        /* egress SIP requests open reply pinholes; 0 = off */
	__u64 egress_media_idle_ns; /* egress RTP opens return pinholes; 0 = off */
	__u32 tap;                 /* 1 = hand SIP to the daemon's ring buffer */
	/*
	 * Offer and answer paired in the kernel (vfw_negotiations) admit the
	 * far end's c= address to our m= ports for this long, until the
	 * daemon's own pinholes for the call are open; 0 = off.
	 */
	__u32 announce_ttl_s;
};

#define VFW_DEFAULT_REPLY_TTL_NS (32ULL * 1000000000ULL) /* SIP timer B/F */
#define VFW_DEFAULT_ANNOUNCE_TTL_S 5

/* What the TC programs copy to userspace: the packet from its IP header. */
#define VFW_TAP_SNAPLEN 4096

enum vfw_tap_dir {
	VFW_TAP_INGRESS = 0,   /* received from the internet */
	VFW_TAP_EGRESS = 1,    /* sent by our VoIP system */
};

struct vfw_tap_hdr {
	__u64 ts_ns;           /* bpf_ktime_get_ns() at the hook */
	__u32 ifindex;
	__u32 orig_len;        /* bytes of the packet from its IP header */
	__u16 cap_len;         /* bytes that follow in data[] */
	__u8 dir;              /* enum vfw_tap_dir */
	__u8 pad[5];
};

struct vfw_tap_event {
	struct vfw_tap_hdr hdr;
	__u8 data[VFW_TAP_SNAPLEN];
};

/* Counters of the TC programs (per CPU, index = enum vfw_tap_counter). */
enum vfw_tap_counter {
	VFW_TAP_SIP_IN = 0,    /* SIP handed to the daemon, from the internet */
	VFW_TAP_SIP_OUT,       /* SIP handed to the daemon, sent by us */
	VFW_TAP_UNTRUSTED,     /* SIP-port traffic from untrusted sources, not handed on */
	VFW_TAP_LOST,          /* ring buffer full: the daemon fell behind or is gone */
	VFW_TAP_REPLY_PINHOLE, /* reply pinholes opened or extended at egress */
	VFW_TAP_EGRESS_MEDIA,  /* return pinholes opened by egress media */
	VFW_TAP_NEGOTIATED,    /* admissions opened by an offer/answer pair */
	VFW_TAP_SDP_REFUSED,   /* an m= port of ours that is not a media port */
	VFW_TAP_COUNTER_MAX,
};

/*
 * Who was dropped: one in VFW_DROP_SAMPLE_RATE drops is recorded per source
 * and reason, for the daemon's rate-limited drop summaries. Sampling keeps
 * a flood's cost per packet at a random number and a compare.
 */
#define VFW_DROP_SAMPLE_RATE 64

struct vfw_drop_key {
	__u8 addr[16];
	__u32 reason;      /* enum vfw_reason */
};

struct vfw_drop_val {
	__u64 samples;     /* times VFW_DROP_SAMPLE_RATE ~ packets */
	__u64 last_ns;
};

#define VFW_MAX_DROP_SOURCES 1024

/*
 * Offer and answer, paired in the kernel by a hash of the Call-ID: the SDP
 * our VoIP system sends (TC egress) gives our m= ports, the SDP a trunk
 * sends (XDP) gives the far end's connection address per m= line. When
 * both are known, each pair {far-end address, our port} (and port + 1 for
 * RTCP) is admitted in vfw_admissions for announce_ttl_s: the far end's
 * first RTP may follow its answer within microseconds, long before the
 * daemon has read that answer from the tap.
 */
#define VFW_SDP_MAX_MEDIA 4     /* m= lines paired per message; more are left to the daemon */

struct vfw_negotiation {
	__u64 local_ns;     /* when our SDP was last seen; 0 = not yet */
	__u64 remote_ns;    /* when the trunk's SDP was last seen; 0 = not yet */
	__u16 local_port[VFW_SDP_MAX_MEDIA]; /* our m= ports, 0 = stream refused */
	__u8 n_local;       /* m= lines in our SDP (at most VFW_SDP_MAX_MEDIA) */
	__u8 n_remote;      /* m= lines in the trunk's SDP */
	__u8 pad[6];
	__u8 remote_addr[VFW_SDP_MAX_MEDIA][16]; /* :: = no usable c= for that line */
};

#define VFW_MAX_NEGOTIATIONS 1024
#define VFW_MAX_ADMISSIONS   4096
#define VFW_MAX_REPLIES      4096

/* Default map sizes (the daemon may change them before the first load). */
#define VFW_MAX_TRUNKS    4096
#define VFW_MAX_PINHOLES  65536
#define VFW_MAX_FRAGS     8192
#define VFW_MAX_IFACES    64
#define VFW_MAX_CALLS     1024
#define VFW_TAP_RING_BYTES (1U << 20)

/* Default protected ports. */
#define VFW_DEFAULT_SIP_PORT     5060
#define VFW_DEFAULT_SIPS_PORT    5061
#define VFW_DEFAULT_MEDIA_FIRST  10000
#define VFW_DEFAULT_MEDIA_LAST   20000

#endif /* VOIPFW_H */
