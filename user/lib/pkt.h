/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet layer: raw L3 packets (IPv4/IPv6, as seen on the WAN) in, complete
 * UDP datagrams and complete SIP messages framed from TCP streams out.
 *
 * Pure: no BPF, no I/O. Everything it reads comes from the internet, so it
 * never reads past the input, every loop is bounded, and all state it keeps
 * (fragments being reassembled, TCP streams being framed) is bounded by
 * struct vfw_pkt_config and expires with time.
 *
 * Three layers, usable on their own (tests, the replay pre-scan) or through
 * vfw_pkt_feed(), which chains them:
 *   vfw_l3_parse()      one packet's IP header(s): addresses, protocol,
 *                       fragment fields, where the L4 bytes start
 *   struct vfw_reasm    bounded reassembly of IPv4 and IPv6 fragments
 *   struct vfw_tcp      per-connection in-order byte stream (bounded
 *                       out-of-order queue) and SIP framing (blank line +
 *                       Content-Length)
 */
#ifndef VOIPFW_PKT_H
#define VOIPFW_PKT_H

#include <stddef.h>
#include <linux/types.h>

/* One complete UDP datagram, or one complete SIP message from a TCP stream. */
struct vfw_datagram {
	__u8 saddr[16], daddr[16];    /* IPv4-mapped for IPv4 */
	__u16 sport, dport;           /* host order */
	__u8 proto;                   /* IPPROTO_UDP / IPPROTO_TCP */
	__u8 ipv6;                    /* 1 when carried over IPv6 */
	__u8 reassembled;             /* 1 when rebuilt from IP fragments */
	__u8 outbound;                /* as given to vfw_pkt_feed_dir(); kept per TCP flow */
	const __u8 *payload;          /* valid until the next feed call */
	size_t len;
};

/* ---- L3 parsing ------------------------------------------------------ */

/* Extension headers walked before giving up (the XDP program walks 8 too). */
#define VFW_IPV6_MAX_EXT 8

struct vfw_l3 {
	__u8 saddr[16], daddr[16];    /* IPv4-mapped for IPv4 */
	__u8 ipv6;
	__u8 proto;                   /* L4 protocol; for fragments the fragmented one */
	__u8 is_fragment;             /* offset != 0 or more-fragments set */
	__u8 more_fragments;
	__u32 frag_id;                /* IPv4 ID or IPv6 fragment identification */
	__u32 frag_offset;            /* in bytes */
	/*
	 * Not a fragment: the L4 header and payload. A fragment: the
	 * fragment's data (for IPv6 what follows the fragment header, which
	 * in the first fragment may begin with more extension headers).
	 */
	const __u8 *l4;
	size_t l4_len;
};

/*
 * Parses one L3 packet. Returns 0; -EINVAL for a malformed header (bad
 * version, IHL, lengths, extension header chain); -EMSGSIZE when the packet
 * is shorter than its IP header says (truncated capture); -E2BIG for more
 * than VFW_IPV6_MAX_EXT extension headers.
 */
int vfw_l3_parse(const __u8 *pkt, size_t len, struct vfw_l3 *out);

/*
 * Walks IPv6 extension headers starting with next header nh over buf,
 * stopping at the first header that is not an extension header. Sets
 * *proto and *offset (where that header begins). A fragment header here
 * (nested fragmentation) is -EINVAL. Returns 0, -EINVAL, -EMSGSIZE, -E2BIG.
 */
int vfw_ipv6_skip_ext(__u8 nh, const __u8 *buf, size_t len, __u8 *proto,
		      size_t *offset);

/* TCP header fields the stream framer needs besides the datagram. */
struct vfw_tcp_seg {
	__u32 seq;
	__u8 flags;                   /* VFW_TCP_* */
};

#define VFW_TCP_FIN 0x01
#define VFW_TCP_SYN 0x02
#define VFW_TCP_RST 0x04

/*
 * Parses the UDP or TCP header at l4 (proto from vfw_l3) into out, with
 * addresses from l3. UDP: the length field must be 8..l4_len (bytes past it
 * are padding); TCP: data offset 5..15 words within l4_len. seg may be NULL.
 * Returns 0, -EINVAL (malformed), -EPROTONOSUPPORT (neither UDP nor TCP).
 */
int vfw_l4_parse(const struct vfw_l3 *l3, __u8 proto, const __u8 *l4,
		 size_t l4_len, struct vfw_datagram *out,
		 struct vfw_tcp_seg *seg);

/* ---- fragment reassembly --------------------------------------------- */

struct vfw_reasm_config {
	unsigned max_datagrams;       /* being reassembled at once */
	size_t max_datagram_bytes;    /* reassembled payload size */
	size_t max_total_bytes;       /* sum of all buffers */
	unsigned max_fragments;       /* per datagram */
	__u64 timeout_ns;             /* from the first fragment seen */
};

/* 64 datagrams, 65535 bytes each, 1 MiB total, 64 fragments each, 30 s. */
void vfw_reasm_config_defaults(struct vfw_reasm_config *cfg);

struct vfw_reasm_stats {
	__u64 fragments;              /* fed */
	__u64 reassembled;            /* datagrams completed */
	__u64 overlaps;               /* datagrams dropped for overlapping fragments */
	__u64 invalid;                /* bad fragment geometry: odd size, too big, conflicting end */
	__u64 evicted;                /* dropped to make room (count or bytes limit) */
	__u64 timeouts;               /* dropped incomplete after timeout_ns */
	__u64 duplicates;             /* identical fragment seen again, ignored */
};

struct vfw_reasm;

/* NULL when out of memory. The config is copied. */
struct vfw_reasm *vfw_reasm_new(const struct vfw_reasm_config *cfg);
void vfw_reasm_free(struct vfw_reasm *r);

/*
 * Feeds one fragment (l3->is_fragment set). Returns 1 when it completed a
 * datagram: *data and *len then hold the reassembled payload (IPv4: the L4
 * header onwards; IPv6: what followed the fragment headers, possibly
 * starting with extension headers of type l3->proto), valid until the next
 * call. Returns 0 when more fragments are needed or the fragment was a
 * duplicate; -EINVAL for bad geometry; -EEXIST for an overlap (the whole
 * datagram is dropped, like Linux does); -ENOSPC when it cannot be kept.
 */
int vfw_reasm_feed(struct vfw_reasm *r, const struct vfw_l3 *l3, __u64 now_ns,
		   const __u8 **data, size_t *len);

/* Drops datagrams older than the timeout. */
void vfw_reasm_expire(struct vfw_reasm *r, __u64 now_ns);

unsigned vfw_reasm_pending(const struct vfw_reasm *r);
size_t vfw_reasm_bytes(const struct vfw_reasm *r);
const struct vfw_reasm_stats *vfw_reasm_stats(const struct vfw_reasm *r);

/* ---- TCP stream framing ---------------------------------------------- */

/*
 * Each direction of a connection is one flow (keyed by the 4-tuple). Bytes
 * are taken in sequence order; retransmitted and overlapping bytes are
 * taken once. A segment that arrives ahead of the next expected byte
 * (reordering, or a loss that the sender's retransmission will repair) is
 * copied into the flow's out-of-order queue, and delivered once the hole
 * before it is filled, so a message split over reordered segments comes out
 * whole and in order. The queue is bounded per flow (max_ooo_segments, and
 * max_ooo_bytes, which also bounds how far ahead of the stream a segment may
 * lie) and overall (max_ooo_total_bytes); a segment no bound admits, or a
 * hole not filled within ooo_timeout_ns, is a loss: the partial message is
 * thrown away, what the queue holds is taken in order with the holes jumped
 * over (the stream resynchronises at the next line that starts a SIP
 * message), and the loss is reported through the loss hook, so that whoever
 * follows the connection's messages knows one may be missing. A truncated
 * capture and joining mid-stream resynchronise the same way. Flows are
 * bounded in number (least recently used evicted) and in buffer size, and
 * forgotten when idle.
 *
 * Sequence numbers are compared modulo 2^32 (serial arithmetic): the queue
 * holds only bytes within max_ooo_bytes ahead of the stream, far below 2^31,
 * so a stream may wrap any number of times.
 */
struct vfw_tcp_config {
	unsigned max_flows;
	size_t max_buffer;            /* per flow: longest message accepted */
	size_t max_total_bytes;       /* sum of all flow buffers */
	__u64 idle_ns;
	unsigned max_ooo_segments;    /* queued per flow */
	size_t max_ooo_bytes;         /* queued per flow, and its reach past the stream */
	size_t max_ooo_total_bytes;   /* queued in all flows */
	__u64 ooo_timeout_ns;         /* longest a queued segment waits for its hole */
};

/*
 * 256 flows, 64 KiB per flow, 4 MiB total, 15 min idle; out of order: 16
 * segments and 32 KiB per flow, 1 MiB in all, 2 s. Reordering of a message
 * spans a few segments and microseconds; a segment lost before our WAN is
 * resent by the sender after one retransmission timeout (Linux: at least
 * 200 ms, RFC 6298: 1 s at first), which 2 s covers once or twice. A hole
 * no retransmission fills (the tap missed a segment) delays the messages
 * behind it by those 2 s, then they are delivered.
 */
void vfw_tcp_config_defaults(struct vfw_tcp_config *cfg);

struct vfw_tcp_stats {
	__u64 segments;
	__u64 messages;               /* complete SIP messages framed */
	__u64 resyncs;                /* gaps that discarded data */
	__u64 oversize;               /* messages longer than max_buffer */
	__u64 evicted;                /* flows dropped to make room */
	__u64 keepalives;             /* CRLF keep-alives skipped (RFC 5626) */
	__u64 ooo_queued;             /* segments put in an out-of-order queue */
	__u64 ooo_delivered;          /* queued segments later taken in order */
	__u64 ooo_duplicates;         /* ahead of the stream, but already queued */
	__u64 ooo_dropped;            /* refused by a queue bound: a loss */
	__u64 ooo_timeouts;           /* holes not filled in ooo_timeout_ns: a loss */
	__u64 losses;                 /* loss reports (every reason below) */
};

/* Why a flow's bytes were not all delivered (see the loss hook). */
enum vfw_tcp_loss {
	VFW_TCP_LOSS_HOLE = 0,        /* a hole was not filled in ooo_timeout_ns */
	VFW_TCP_LOSS_QUEUE_FULL,      /* a segment ahead of the stream fitted no bound */
	VFW_TCP_LOSS_MESSAGE,         /* a message too long, without room, or unframeable */
	VFW_TCP_LOSS_EVICTED,         /* the flow was evicted with bytes queued */
	VFW_TCP_LOSS_RESET,           /* RST while a hole was open */
	VFW_TCP_LOSS_CUT,             /* a segment cut short by the capture */
};

struct vfw_tcp;

typedef void (*vfw_payload_fn)(void *ctx, const struct vfw_datagram *d);

/*
 * flow: the flow's addresses, ports, proto and direction (payload NULL,
 * len 0). Called at the moment of the loss: before any message that
 * followed the lost bytes is delivered.
 */
typedef void (*vfw_tcp_loss_fn)(void *ctx, const struct vfw_datagram *flow,
				enum vfw_tcp_loss reason);

struct vfw_tcp *vfw_tcp_new(const struct vfw_tcp_config *cfg);
void vfw_tcp_free(struct vfw_tcp *t);

/* The loss hook (fn NULL: none). Losses are counted in stats either way. */
void vfw_tcp_set_loss_fn(struct vfw_tcp *t, vfw_tcp_loss_fn fn, void *ctx);

/*
 * Feeds one segment (seg->payload is the TCP payload). Calls fn once per
 * complete SIP message, with payload/len spanning exactly that message;
 * a segment that fills a hole may complete several, from the queue.
 */
void vfw_tcp_feed(struct vfw_tcp *t, const struct vfw_datagram *seg,
		  const struct vfw_tcp_seg *hdr, __u64 now_ns,
		  vfw_payload_fn fn, void *ctx);
/*
 * A segment whose last `missing` payload bytes the capture cut off
 * (seg->payload holds what was captured): what it holds is taken as
 * usual, then the stream skips the missing bytes at once, as a loss
 * (VFW_TCP_LOSS_CUT), when it has reached them.
 */
void vfw_tcp_feed_cut(struct vfw_tcp *t, const struct vfw_datagram *seg,
		      const struct vfw_tcp_seg *hdr, size_t missing, __u64 now_ns,
		      vfw_payload_fn fn, void *ctx);
/*
 * Gives up holes older than ooo_timeout_ns (delivering, through fn, the
 * messages queued behind them) and forgets idle or finished flows.
 */
void vfw_tcp_expire(struct vfw_tcp *t, __u64 now_ns, vfw_payload_fn fn,
		    void *ctx);
unsigned vfw_tcp_flows(const struct vfw_tcp *t);
size_t vfw_tcp_ooo_bytes(const struct vfw_tcp *t);   /* queued in all flows */
const struct vfw_tcp_stats *vfw_tcp_stats(const struct vfw_tcp *t);

/*
 * The length of the complete SIP message at the start of buf: headers up to
 * the blank line (CRLF CRLF, or LF LF) plus Content-Length (compact "l"
 * too; absent counts as 0 and the parser rejects it). 0 when more bytes are
 * needed; -EINVAL when the Content-Length is unusable; -EMSGSIZE when the
 * message would be longer than max.
 */
long vfw_sip_frame_len(const __u8 *buf, size_t len, size_t max);

/* 1 when buf starts with something shaped like a SIP request or status line. */
int vfw_looks_like_sip(const __u8 *buf, size_t len);

/* ---- all of it --------------------------------------------------------- */

struct vfw_pkt_config {
	struct vfw_reasm_config reasm;
	struct vfw_tcp_config tcp;
};

void vfw_pkt_config_defaults(struct vfw_pkt_config *cfg);

struct vfw_pkt_stats {
	__u64 packets;
	__u64 malformed;              /* bad headers (-EINVAL, -E2BIG) */
	__u64 truncated;              /* shorter than the IP header says (-EMSGSIZE) */
	__u64 other_proto;            /* neither UDP nor TCP: ignored */
	__u64 udp_datagrams;          /* complete, handed on */
	__u64 tcp_segments;
};

struct vfw_pkt;

struct vfw_pkt *vfw_pkt_new(const struct vfw_pkt_config *cfg);
void vfw_pkt_free(struct vfw_pkt *p);

/*
 * One L3 packet: parse, reassemble, frame. fn gets every complete UDP
 * datagram (whatever its payload) and every SIP message framed from TCP.
 * Returns 0 (also for a fragment kept for later, or an ignored protocol)
 * or the -errno of the layer that refused it. A TCP segment cut short by
 * the capture is still -EMSGSIZE, but what was captured of it goes to the
 * stream (vfw_tcp_feed_cut), so the stream skips the cut bytes at once.
 */
int vfw_pkt_feed(struct vfw_pkt *p, const __u8 *l3, size_t len, __u64 now_ns,
		 vfw_payload_fn fn, void *ctx);
/*
 * The same, marking what it delivers with outbound (0/1): a TCP flow keeps
 * it, so messages its queue delivers later (vfw_pkt_expire) carry it too.
 */
int vfw_pkt_feed_dir(struct vfw_pkt *p, const __u8 *l3, size_t len,
		     int outbound, __u64 now_ns, vfw_payload_fn fn, void *ctx);
/* Expiry of fragments and TCP state; fn gets messages freed by given-up holes. */
void vfw_pkt_expire(struct vfw_pkt *p, __u64 now_ns, vfw_payload_fn fn,
		    void *ctx);

const struct vfw_pkt_stats *vfw_pkt_stats(const struct vfw_pkt *p);
struct vfw_reasm *vfw_pkt_reasm(struct vfw_pkt *p);
struct vfw_tcp *vfw_pkt_tcp(struct vfw_pkt *p);

#endif /* VOIPFW_PKT_H */
