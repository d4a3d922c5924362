// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * voipfw BPF programs for the WAN interface.
 *
 * XDP (ingress): packets to protected ports (SIP, the RTP/RTCP range) pass
 * only when their source is a trusted trunk or matches a live pinhole;
 * everything else that is IP passes untouched. Every verdict is counted
 * with its reason. Offer and answer are paired here in the kernel (the SDP
 * our VoIP system sends, the SDP a trunk sends, by Call-ID), and each pair
 * admits exactly the far end's address to our negotiated port at once, so
 * the far end's first RTP never races the daemon.
 *
 * TC (ingress and egress): hand the SIP the VoIP system sends and receives
 * to the daemon through a ring buffer, open reply pinholes for the SIP
 * requests it sends, and optionally learn return pinholes from its RTP.
 */
#include <linux/pkt_cls.h>

#include "parse.h"
#include "sip_text.h"
#include "voipfw_call.h"

/* The SIP/SDP reader, once per packet context (sip_scan.h). */
#define SCAN_CTX struct xdp_md
#define SCAN(name) name##_xdp
#include "sip_scan.h"
#undef SCAN_CTX
#undef SCAN
#define SCAN_CTX struct __sk_buff
#define SCAN(name) name##_tc
#include "sip_scan.h"
#undef SCAN_CTX
#undef SCAN

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the loader between open and load, per attached interface. */
const volatile __u32 cfg_l2 = VFW_L2_ETHERNET;
const volatile __u32 cfg_monitor = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VFW_REASON_MAX);
	__type(key, __u32);
	__type(value, struct vfw_counter);
} vfw_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VFW_PORT_SLOTS);
	__type(key, __u32);
	__type(value, struct vfw_port_class_entry);
} vfw_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, VFW_MAX_TRUNKS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vfw_lpm_key);
	__type(value, struct vfw_trunk);
} vfw_trunks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VFW_MAX_PINHOLES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vfw_pinhole_key);
	__type(value, struct vfw_pinhole);
} vfw_pinholes SEC(".maps");

/*
 * Where the SIP reader keeps what it found in the message at hand: per CPU,
 * so it need not sit on the stack of a call chain that is already deep.
 * Not pinned: nothing outlives one program run.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sip_scan);
} vfw_scan_scratch SEC(".maps");

/* Offer/answer state per Call-ID hash, written by the programs only. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VFW_MAX_NEGOTIATIONS);
	__type(key, __u64);
	__type(value, struct vfw_negotiation);
} vfw_negotiations SEC(".maps");

/*
 * Exact media admissions from those pairs, written by the programs only:
 * their own map, so no message can fill the pinhole table, and LRU, so a
 * flood of them evicts its own oldest entries instead of failing new ones.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VFW_MAX_ADMISSIONS);
	__type(key, struct vfw_pinhole_key);
	__type(value, struct vfw_pinhole);
} vfw_admissions SEC(".maps");

/*
 * Reply pinholes, opened by our SIP requests at TC egress: LRU, so the
 * requests of a busy PBX evict their own oldest instead of failing.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VFW_MAX_REPLIES);
	__type(key, struct vfw_reply_key);
	__type(value, struct vfw_pinhole);
} vfw_replies SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VFW_MAX_FRAGS);
	__type(key, struct vfw_frag_key);
	__type(value, struct vfw_frag);
} vfw_frags SEC(".maps");

/* Sampled sources of drops, read and cleared by the daemon. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VFW_MAX_DROP_SOURCES);
	__type(key, struct vfw_drop_key);
	__type(value, struct vfw_drop_val);
} vfw_drop_src SEC(".maps");

/* Written by userspace only: what is attached where, for `voipfw status`. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VFW_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct vfw_iface);
} vfw_ifaces SEC(".maps");

/* What the TC programs do, set by userspace at run time. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vfw_runtime);
} vfw_runtime SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, VFW_TAP_RING_BYTES);
} vfw_tap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VFW_TAP_COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} vfw_tap_stats SEC(".maps");

/* Written by the daemon only: live calls, so a restart can still close them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VFW_MAX_CALLS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct vfw_call_record);
} vfw_calls SEC(".maps");

static __always_inline int is_drop(__u32 reason)
{
	return reason >= VFW_FIRST_DROP_REASON;
}

static __always_inline void sample_drop(const __u8 saddr[16], __u32 reason)
{
	struct vfw_drop_key key = { .reason = reason };
	struct vfw_drop_val *v, fresh = { .samples = 1 };

	if (bpf_get_prandom_u32() % VFW_DROP_SAMPLE_RATE)
		return;
	__builtin_memcpy(key.addr, saddr, 16);
	fresh.last_ns = bpf_ktime_get_ns();
	v = bpf_map_lookup_elem(&vfw_drop_src, &key);
	if (v) {
		__sync_fetch_and_add(&v->samples, 1);
		v->last_ns = fresh.last_ns;
	} else {
		bpf_map_update_elem(&vfw_drop_src, &key, &fresh, BPF_ANY);
	}
}

/* The single exit: count the reason, then act on it. */
static __always_inline int finish(struct xdp_md *ctx, __u32 reason,
				  const __u8 saddr[16])
{
	struct vfw_counter *cnt = bpf_map_lookup_elem(&vfw_stats, &reason);

	if (cnt) {
		cnt->packets++;
		cnt->bytes += ctx->data_end - ctx->data;
	}
	if (is_drop(reason))
		sample_drop(saddr, reason);
	if (is_drop(reason) && !cfg_monitor)
		return XDP_DROP;
	return XDP_PASS;
}

static __always_inline __u8 class_of_port(__u16 port, __u8 l4proto)
{
	__u32 idx = port;
	struct vfw_port_class_entry *e = bpf_map_lookup_elem(&vfw_ports, &idx);

	if (!e)
		return VFW_CLASS_NONE;
	return l4proto == IPPROTO_UDP ? e->udp : e->tcp;
}

static __always_inline __u8 port_class(const struct packet *p)
{
	return class_of_port(p->dport, p->l4proto);
}

static __always_inline __u32 admit_bit(__u8 class)
{
	return class == VFW_CLASS_SIP ? VFW_ADMIT_SIP : VFW_ADMIT_MEDIA;
}

static __always_inline struct vfw_trunk *trunk_lookup(const __u8 addr[16])
{
	struct vfw_lpm_key key = { .prefixlen = 128 };

	__builtin_memcpy(key.addr, addr, 16);
	return bpf_map_lookup_elem(&vfw_trunks, &key);
}

/* The clock is read only for entries that expire: it is a third of the cost. */
static __always_inline int trunk_live(const struct vfw_trunk *t)
{
	return !t->expires_ns || bpf_ktime_get_ns() < t->expires_ns;
}

/* A live trunk whose SIP we trust. */
static __always_inline int live_sip_trunk(const __u8 addr[16])
{
	struct vfw_trunk *t = trunk_lookup(addr);

	return t && trunk_live(t) && (t->admit & VFW_ADMIT_SIP);
}

static __always_inline int pinhole_live(const struct vfw_pinhole *ph, __u64 now)
{
	if (ph->expires_ns && now >= ph->expires_ns)
		return 0;
	if (ph->idle_ns && now - ph->last_seen_ns > ph->idle_ns)
		return 0;
	return 1;
}

/*
 * A matched entry: VFW_PASS_PINHOLE, or 1 if it has expired; 0 for no
 * entry.
 */
static __always_inline __u32 pass_entry(struct xdp_md *ctx,
					struct vfw_pinhole *ph)
{
	__u64 now;

	if (!ph)
		return 0;
	now = bpf_ktime_get_ns();   /* only on a match: scanners never pay it */
	if (!pinhole_live(ph, now))
		return 1;
	/* Idle expiry and the daemon's idle reaper read these. */
	ph->last_seen_ns = now;
	__sync_fetch_and_add(&ph->packets, 1);
	__sync_fetch_and_add(&ph->bytes, ctx->data_end - ctx->data);
	return VFW_PASS_PINHOLE;
}

/* {source, destination port, protocol} in vfw_pinholes or vfw_admissions. */
static __always_inline __u32 check_pinhole(struct xdp_md *ctx, void *map,
					   const struct packet *p)
{
	struct vfw_pinhole_key key = {};

	__builtin_memcpy(key.addr, p->saddr, 16);
	key.local_port = p->dport;
	key.proto = p->l4proto;
	return pass_entry(ctx, bpf_map_lookup_elem(map, &key));
}

/* The reply pinhole a packet to one of our SIP ports would answer, if any. */
static __always_inline struct vfw_pinhole *reply_entry(const struct packet *p)
{
	struct vfw_reply_key key = {};

	__builtin_memcpy(key.ph.addr, p->saddr, 16);
	key.ph.local_port = p->dport;
	key.ph.proto = p->l4proto;
	key.remote_port = p->sport;
	return bpf_map_lookup_elem(&vfw_replies, &key);
}

/* A SIP response starts with its version: "SIP/2.0 ". */
static __always_inline int is_sip_response(const char *s, const void *end)
{
	if ((const void *)(s + 8) > end)
		return 0;
	return s[0] == 'S' && s[1] == 'I' && s[2] == 'P' && s[3] == '/' &&
	       s[4] == '2' && s[5] == '.' && s[6] == '0' && s[7] == ' ';
}

/*
 * What a reply pinhole lets in: over UDP only SIP responses (the target of
 * our request must not use it to send requests of its own); over TCP the
 * connection itself, which carries both.
 */
static __always_inline int reply_admits(const struct packet *p, const char *payload,
					const void *end)
{
	return p->l4proto == IPPROTO_TCP || is_sip_response(payload, end);
}

/* Headers end well before this (a power of two minus one, for a mask). */
#define VFW_PAYLOAD_OFF_MAX 0xfff

/* XDP: a reply pinhole that admits this packet (payload at payload_off). */
static __always_inline __u32 check_reply(struct xdp_md *ctx, const struct packet *p,
					 __u32 payload_off)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct vfw_pinhole *ph = reply_entry(p);

	if (!ph || payload_off > VFW_PAYLOAD_OFF_MAX)
		return 0;
	/* the mask restates that bound in a form the verifier tracks */
	asm volatile("" : "+r"(payload_off));
	if (!reply_admits(p, data + (payload_off & VFW_PAYLOAD_OFF_MAX), end))
		return 0;
	return pass_entry(ctx, ph);
}

/*
 * Verdict for a packet to a protected port: pinhole first, then trunk, then
 * (UDP media only) an admission from an offer/answer pair. Nothing admits
 * a source no signalling named.
 */
static __always_inline __u32 judge_protected(struct xdp_md *ctx,
					     const struct packet *p, __u8 class,
					     __u32 payload_off)
{
	__u32 pinhole = check_pinhole(ctx, &vfw_pinholes, p);
	struct vfw_trunk *t;
	int live;

	if (pinhole == VFW_PASS_PINHOLE)
		return VFW_PASS_PINHOLE;
	t = trunk_lookup(p->saddr);
	live = t && trunk_live(t);
	if (live && (t->admit & admit_bit(class)))
		return VFW_PASS_TRUNK;
	if (class == VFW_CLASS_MEDIA && p->l4proto == IPPROTO_UDP &&
	    check_pinhole(ctx, &vfw_admissions, p) == VFW_PASS_PINHOLE)
		return VFW_PASS_ANNOUNCED;
	if (class == VFW_CLASS_SIP) {
		__u32 reply = check_reply(ctx, p, payload_off);

		if (reply == VFW_PASS_PINHOLE)
			return VFW_PASS_PINHOLE;
		pinhole = pinhole ?: reply;
	}
	if (pinhole)
		return VFW_DROP_PINHOLE_EXPIRED;
	if (t && !live)
		return VFW_DROP_TRUNK_EXPIRED;
	return VFW_DROP_NO_TRUST;
}

static __always_inline void frag_key(struct vfw_frag_key *key,
				     const struct packet *p)
{
	__builtin_memcpy(key->saddr, p->saddr, 16);
	__builtin_memcpy(key->daddr, p->daddr, 16);
	key->id = p->frag_id;
	key->proto = p->frag_proto;
}

static __always_inline void remember_first_fragment(const struct packet *p,
						    __u32 reason)
{
	struct vfw_frag_key key = {};
	struct vfw_frag val = {
		.seen_ns = bpf_ktime_get_ns(),
		.reason = reason,
	};


	frag_key(&key, p);
	bpf_map_update_elem(&vfw_frags, &key, &val, BPF_ANY);
}

/*
 * A later fragment has no ports. It follows the verdict remembered for its
 * first fragment. Without one (reordered, or the entry was evicted) it passes
 * only when its source is a live trunk: a datagram whose first fragment was
 * dropped can never be completed, and trunk SIP still gets through.
 */
static __always_inline __u32 judge_later_fragment(const struct packet *p)
{
	struct vfw_frag_key key = {};
	struct vfw_frag *f;
	struct vfw_trunk *t;
	__u64 now = bpf_ktime_get_ns();

	frag_key(&key, p);
	f = bpf_map_lookup_elem(&vfw_frags, &key);
	if (f && now - f->seen_ns < VFW_FRAG_TTL_NS)
		return is_drop(f->reason) ? VFW_DROP_FRAGMENT : VFW_PASS_FRAGMENT;
	t = trunk_lookup(p->saddr);
	if (t && trunk_live(t))
		return VFW_PASS_FRAGMENT_TRUNK;
	return VFW_DROP_FRAGMENT_UNMATCHED;
}

static __always_inline __u32 parse_error_reason(int err)
{
	return err == PARSE_TOO_DEEP ? VFW_DROP_UNPARSEABLE : VFW_DROP_MALFORMED;
}

/* Transports other than UDP and TCP whose first four bytes are the ports. */
static __always_inline int is_port_transport(__u8 proto)
{
	return proto == IPPROTO_SCTP || proto == IPPROTO_UDPLITE ||
	       proto == IPPROTO_DCCP;
}

/*
 * Fragments are tracked when what follows the fragment header may lead to
 * ports: UDP, TCP, SCTP, UDP-Lite, DCCP, or more IPv6 extension headers
 * (then the first fragment's walk decides). Others (ICMP, ESP, ...) carry
 * no ports in any fragment.
 */
static __always_inline int frag_tracked(__u8 frag_proto)
{
	return frag_proto == IPPROTO_UDP || frag_proto == IPPROTO_TCP ||
	       is_port_transport(frag_proto) || is_ipv6_ext(frag_proto);
}

static __always_inline struct vfw_runtime *runtime(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&vfw_runtime, &zero);
}

/*
 * Opens a pinhole, or gives an existing one a longer life (never a shorter
 * one, and never an expiry to a permanent one). Returns 1 when it opened.
 */
static __always_inline int keep_pinhole_open(void *map, const void *key,
					     __u64 ttl_ns, __u64 idle_ns,
					     __u32 origin)
{
	struct vfw_pinhole *ph, val = {};
	__u64 now = bpf_ktime_get_ns();

	ph = bpf_map_lookup_elem(map, key);
	if (ph) {
		if (ttl_ns && ph->expires_ns && ph->expires_ns < now + ttl_ns)
			ph->expires_ns = now + ttl_ns;
		if (ph->origin == origin)
			ph->last_seen_ns = now;
		return 0;
	}
	val.expires_ns = ttl_ns ? now + ttl_ns : 0;
	val.idle_ns = idle_ns;
	val.created_ns = now;
	val.last_seen_ns = now;
	val.origin = origin;
	return bpf_map_update_elem(map, key, &val, BPF_NOEXIST) == 0;
}

static __always_inline void tap_count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&vfw_tap_stats, &idx);

	if (v)
		(*v)++;
}

/* ---- offer and answer, paired in the kernel ----
 *
 * The far end may send RTP the instant its answer leaves, and on an
 * outbound call only that answer names the address it sends from. The
 * daemon hears of the answer through the TC tap, after this program has
 * already judged the packets behind it (a NAPI poll runs XDP over a whole
 * batch before the stack sees the first). So the programs pair offer and
 * answer themselves: TC egress records the m= ports of the SDP our VoIP
 * system sends, XDP records the c= address per m= line of the SDP a live
 * trunk sends, under the hash of their Call-ID; whichever comes second
 * admits each {far-end address, our port} and {..., port + 1} (RTCP) for
 * announce_ttl_s, in vfw_admissions. The daemon opens the call's own
 * pinholes meanwhile; these entries only bridge the gap.
 */
#define NSEC_PER_SEC 1000000000ULL

/* The reader's per-CPU state, zeroed for a new message. */
static __always_inline struct sip_scan *scan_scratch(void)
{
	__u32 zero = 0;
	struct sip_scan *st = bpf_map_lookup_elem(&vfw_scan_scratch, &zero);

	if (st)
		__builtin_memset(st, 0, sizeof(*st));
	return st;
}

static __always_inline int addr_unset(const __u8 a[16])
{
	__u64 hi, lo;

	__builtin_memcpy(&hi, a, 8);
	__builtin_memcpy(&lo, a + 8, 8);
	return !hi && !lo;
}

/*
 * Admits the far end of m= line i to our UDP port until expires. Returns 1
 * when it opened. Global, so its key and value are not on the stack of its
 * caller's frame.
 */
__noinline int vfw_admit_media(const struct vfw_negotiation *e, __u32 i,
			       __u32 port, __u64 call_hash, __u64 expires)
{
	__u64 now = bpf_ktime_get_ns();
	struct vfw_pinhole_key key = { .local_port = port, .proto = IPPROTO_UDP };
	struct vfw_pinhole *ph, val = {
		.expires_ns = expires,
		.created_ns = now,
		.last_seen_ns = now,
		.call_hash = call_hash,
		.origin = VFW_ORIGIN_ANNOUNCED,
	};

	if (!e)
		return 0;
	/* our SDP names the port: only a media port may be opened by it */
	if (port > 0xffff || class_of_port(port, IPPROTO_UDP) != VFW_CLASS_MEDIA) {
		tap_count(VFW_TAP_SDP_REFUSED);
		return 0;
	}
	__builtin_memcpy(key.addr, e->remote_addr[i & (VFW_SDP_MAX_MEDIA - 1)], 16);
	ph = bpf_map_lookup_elem(&vfw_admissions, &key);
	if (ph) {
		if (ph->expires_ns < val.expires_ns)
			ph->expires_ns = val.expires_ns;
		ph->call_hash = call_hash;
		return 0;
	}
	if (bpf_map_update_elem(&vfw_admissions, &key, &val, BPF_NOEXIST))
		return 0;
	tap_count(VFW_TAP_NEGOTIATED);
	return 1;
}

/* The far-end address the scanned SDP gives m= line i, or :: for none. */
static __always_inline void line_addr(const struct sip_scan *st, __u32 i,
				      __u8 out[16])
{
	__u32 bit = 1U << i;

	__builtin_memset(out, 0, 16);
	if (st->own_addr & bit) {
		if (st->addr_ok & bit)
			__builtin_memcpy(out, st->addr[i], 16);
	} else if (st->addr_ok & SCAN_SESSION_OK) {
		__builtin_memcpy(out, st->session, 16);
	}
}

/* Admits every pair both sides have named. Returns how many entries opened. */
static __always_inline int admit_pairs(const struct vfw_negotiation *e,
				       __u64 call_hash, __u64 now, __u64 ttl)
{
	int opened = 0;
	__u32 i, port;

	for (i = 0; i < VFW_SDP_MAX_MEDIA; i++) {
		if (i >= e->n_local || i >= e->n_remote)
			break;
		port = e->local_port[i];
		if (!port || addr_unset(e->remote_addr[i]))
			continue;
		opened += vfw_admit_media(e, i, port, call_hash, now + ttl);
		opened += vfw_admit_media(e, i, port + 1, call_hash, now + ttl);
	}
	return opened;
}

/*
 * Records one side's SDP (ours = sent by our VoIP system) under the
 * message's Call-ID and, for an answer, admits what the pair allows. A message that ends
 * the call (BYE, CANCEL, a 3xx-6xx response) forgets the pair. Global:
 * verified once, shared by XDP and TC egress.
 */
/* What a new pair starts from; read-only data, not the stack. */
static const struct vfw_negotiation no_negotiation;

__noinline int vfw_negotiate(const struct sip_scan *st, __u32 ours)
{
	struct vfw_negotiation *e;
	struct vfw_runtime *rt;
	__u64 hash, now;
	__u32 i, n;

	if (!st || !st->call_hash)
		return 0;
	hash = st->call_hash;
	if (st->kind == SIP_ENDS_CALL) {
		bpf_map_delete_elem(&vfw_negotiations, &hash);
		return 0;
	}
	if (!kind_carries_sdp(st->kind) || st->phase != SCAN_BODY || !st->sdp ||
	    !st->media_seen)
		return 0;
	rt = runtime();
	if (!rt || !rt->announce_ttl_s)
		return 0;
	e = bpf_map_lookup_elem(&vfw_negotiations, &hash);
	if (!e) {
		bpf_map_update_elem(&vfw_negotiations, &hash, &no_negotiation,
				    BPF_NOEXIST);
		e = bpf_map_lookup_elem(&vfw_negotiations, &hash);
		if (!e)
			return 0;
	}
	n = st->media_seen < VFW_SDP_MAX_MEDIA ? st->media_seen : VFW_SDP_MAX_MEDIA;
	now = bpf_ktime_get_ns();
	for (i = 0; i < VFW_SDP_MAX_MEDIA; i++) {
		if (ours)
			e->local_port[i] = i < n ? st->port[i] : 0;
		else
			line_addr(st, i, e->remote_addr[i]);
	}
	if (ours) {
		e->n_local = n;
		e->local_ns = now;
	} else {
		e->n_remote = n;
		e->remote_ns = now;
	}
	/*
	 * Only an answer admits, against the other side's last SDP: an offer
	 * is not accepted yet, and an INVITE under a live call's Call-ID (a
	 * new dialog, say) must not reach that call's ports unanswered.
	 */
	if (st->kind == SIP_OFFER)
		return 0;
	return admit_pairs(e, hash, now, rt->announce_ttl_s * NSEC_PER_SEC);
}

/*
 * Verdict for a packet to a protected port; the SDP of SIP a live trunk
 * sends is recorded for the offer/answer pairing. Global: the verifier
 * walks it once, not once for every header path (VLAN, QinQ, PPPoE, IPv6
 * extensions ...) that leads here.
 */
__noinline __u32 vfw_judge_ports(struct xdp_md *ctx, const struct packet *p,
				 __u32 class, __u32 payload_off)
{
	struct sip_scan *st;
	__u32 reason;

	if (!p)
		return VFW_DROP_MALFORMED;
	reason = judge_protected(ctx, p, class, payload_off);
	/* answers to our own requests pass by their reply pinhole first */
	if (class == VFW_CLASS_SIP && !is_drop(reason) && live_sip_trunk(p->saddr)) {
		st = scan_scratch();
		if (!st)
			return reason;
		sip_scan_xdp(ctx, payload_off, st);
		vfw_negotiate(st, 0);
	}
	return reason;
}

/*
 * SCTP, UDP-Lite and DCCP carry their ports where UDP does. voipfw follows
 * no signalling over them and opens nothing for them, so at a port that is
 * protected (for UDP or TCP) only a trunk admitting that class gets in.
 */
static __always_inline __u32 judge_other_transport(const struct packet *p)
{
	__u32 idx = p->dport;
	struct vfw_port_class_entry *e = bpf_map_lookup_elem(&vfw_ports, &idx);
	struct vfw_trunk *t;
	__u8 class;

	if (!e)
		return VFW_PASS_UNPROTECTED;
	class = e->udp != VFW_CLASS_NONE ? e->udp : e->tcp;
	if (class == VFW_CLASS_NONE)
		return VFW_PASS_UNPROTECTED;
	t = trunk_lookup(p->saddr);
	if (t && trunk_live(t))
		return t->admit & admit_bit(class) ? VFW_PASS_TRUNK :
						     VFW_DROP_NO_TRUST;
	return t ? VFW_DROP_TRUNK_EXPIRED : VFW_DROP_NO_TRUST;
}

/* Verdict for a whole datagram or a first fragment, cursor at L4. */
static __always_inline __u32 judge_l4(struct xdp_md *ctx, struct cursor *c,
				      struct packet *p)
{
	__u8 class;
	int err;

	/* UDP and TCP have protected ports; SCTP & co. are judged by trunk. */
	if (p->l4proto == IPPROTO_UDP)
		err = parse_udp(c, p);
	else if (p->l4proto == IPPROTO_TCP)
		err = parse_tcp(c, p);
	else if (is_port_transport(p->l4proto))
		return parse_udp(c, p) < 0 ? VFW_DROP_MALFORMED :
					     judge_other_transport(p);
	else
		return VFW_PASS_UNPROTECTED;
	if (err < 0)
		return parse_error_reason(err);

	class = port_class(p);
	if (class == VFW_CLASS_NONE)
		return VFW_PASS_UNPROTECTED;
	return vfw_judge_ports(ctx, p, class,
			       c->pos - (void *)(long)ctx->data);
}

static __always_inline __u32 classify(struct xdp_md *ctx, struct packet *p)
{
	struct cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	__u32 reason;
	int proto;

	proto = cfg_l2 == VFW_L2_NONE ? parse_l3_start(&c) : parse_l2(&c);
	if (proto < 0)
		return parse_error_reason(proto);
	if (proto == ETH_P_IP)
		proto = parse_ipv4(&c, p);
	else if (proto == ETH_P_IPV6)
		proto = parse_ipv6(&c, p);
	else
		return VFW_PASS_NOT_IP;
	if (proto < 0)
		return parse_error_reason(proto);

	if (p->frag == FRAG_LATER)
		return frag_tracked(p->frag_proto) ? judge_later_fragment(p) :
						    VFW_PASS_UNPROTECTED;
	reason = judge_l4(ctx, &c, p);
	if (p->frag == FRAG_FIRST && frag_tracked(p->frag_proto))
		remember_first_fragment(p, reason);
	return reason;
}

SEC("xdp")
int voipfw_xdp(struct xdp_md *ctx)
{
	struct packet p = {};
	__u32 reason = classify(ctx, &p);

	return finish(ctx, reason, p.saddr);
}

/* ---- TC: the SIP tap, reply pinholes, egress media learning ---- */

/* Headers up to L4 from the linear part of the skb; returns the L4 protocol. */
static __always_inline int tc_parse(struct __sk_buff *skb, struct cursor *c,
				    struct packet *p, __u32 *l3_off)
{
	void *data = (void *)(long)skb->data;
	int proto;

	c->pos = data;
	c->end = (void *)(long)skb->data_end;
	proto = cfg_l2 == VFW_L2_NONE ? parse_l3_start(c) : parse_l2(c);
	if (proto < 0)
		return proto;
	*l3_off = c->pos - data;
	if (proto == ETH_P_IP)
		return parse_ipv4(c, p);
	if (proto == ETH_P_IPV6)
		return parse_ipv6(c, p);
	return PARSE_MALFORMED;
}

/* Copies the packet from its IP header into the ring buffer. */
static __always_inline void tap_copy(struct __sk_buff *skb, __u32 l3_off,
				     __u8 dir)
{
	struct vfw_runtime *rt = runtime();
	struct vfw_tap_event *ev;
	__u32 len;

	if (!rt || !rt->tap || skb->len <= l3_off)
		return;
	len = skb->len - l3_off;
	if (len > VFW_TAP_SNAPLEN)
		len = VFW_TAP_SNAPLEN;
	/*
	 * Restate 1 <= len <= SNAPLEN in a form the verifier tracks through
	 * the compiler's register moves (SNAPLEN is a power of two).
	 */
	asm volatile("" : "+r"(len));
	len = ((len - 1) & (VFW_TAP_SNAPLEN - 1)) + 1;
	ev = bpf_ringbuf_reserve(&vfw_tap, sizeof(*ev), 0);
	if (!ev) {
		tap_count(VFW_TAP_LOST);
		return;
	}
	if (bpf_skb_load_bytes(skb, l3_off, ev->data, len)) {
		bpf_ringbuf_discard(ev, 0);
		return;
	}
	ev->hdr.ts_ns = bpf_ktime_get_ns();
	ev->hdr.ifindex = skb->ifindex;
	ev->hdr.orig_len = skb->len - l3_off;
	ev->hdr.cap_len = len;
	ev->hdr.dir = dir;
	bpf_ringbuf_submit(ev, 0);
	tap_count(dir == VFW_TAP_EGRESS ? VFW_TAP_SIP_OUT : VFW_TAP_SIP_IN);
}

/* Marks a first fragment's datagram as SIP, so its later fragments follow. */
static __always_inline void mark_frag_tap(const struct packet *p)
{
	struct vfw_frag_key key = {};
	struct vfw_frag *f, val = {
		.seen_ns = bpf_ktime_get_ns(),
		.reason = VFW_PASS_UNPROTECTED,
		.flags = VFW_FRAG_TAP,
	};

	frag_key(&key, p);
	f = bpf_map_lookup_elem(&vfw_frags, &key);
	if (f)
		f->flags |= VFW_FRAG_TAP;
	else
		bpf_map_update_elem(&vfw_frags, &key, &val, BPF_ANY);
}

static __always_inline int frag_is_tapped(const struct packet *p)
{
	struct vfw_frag_key key = {};
	struct vfw_frag *f;

	frag_key(&key, p);
	f = bpf_map_lookup_elem(&vfw_frags, &key);
	return f && (f->flags & VFW_FRAG_TAP) &&
	       bpf_ktime_get_ns() - f->seen_ns < VFW_FRAG_TTL_NS;
}

static __always_inline int parse_ports(struct cursor *c, struct packet *p)
{
	if (p->l4proto == IPPROTO_UDP)
		return parse_udp(c, p);
	if (p->l4proto == IPPROTO_TCP)
		return parse_tcp(c, p);
	return PARSE_MALFORMED;
}

static __always_inline int is_sip_flow(const struct packet *p)
{
	return class_of_port(p->dport, p->l4proto) == VFW_CLASS_SIP ||
	       class_of_port(p->sport, p->l4proto) == VFW_CLASS_SIP;
}

/*
 * Whose SIP the daemon may believe: a live SIP trunk's, or what a reply
 * pinhole admits (a response from where our request went). A media pinhole
 * does not count: its holder could otherwise send "SIP" from source port
 * 5060 to his RTP port and have the daemon follow it. Checked here too
 * because XDP may run in monitor mode. Global, reading the payload (at
 * payload_off) by copy: verified once, not once per header path.
 */
__noinline int vfw_source_trusted(struct __sk_buff *skb, const struct packet *p,
				  __u32 payload_off)
{
	struct vfw_pinhole *ph;
	char start[8] = {};

	if (!p)
		return 0;
	if (live_sip_trunk(p->saddr))
		return 1;
	if (class_of_port(p->dport, p->l4proto) != VFW_CLASS_SIP)
		return 0;
	ph = reply_entry(p);
	if (!ph || !pinhole_live(ph, bpf_ktime_get_ns()))
		return 0;
	/* too short to hold a status line: start stays zero, not a response */
	bpf_skb_load_bytes(skb, payload_off, start, sizeof(start));
	return reply_admits(p, start, start + sizeof(start));
}

/*
 * What both TC hooks do first: parse up to L4 and hand later fragments of a
 * tapped datagram to the daemon. Returns 1 when the packet needs nothing
 * more, 0 with the cursor at the ports.
 */
static __always_inline int tc_begin(struct __sk_buff *skb, struct cursor *c,
				    struct packet *p, __u32 *l3_off, __u8 dir)
{
	if (tc_parse(skb, c, p, l3_off) < 0)
		return 1;
	if (p->frag == FRAG_LATER) {
		if (frag_tracked(p->frag_proto) && frag_is_tapped(p))
			tap_copy(skb, *l3_off, dir);
		return 1;
	}
	return parse_ports(c, p) < 0;
}

SEC("tc")
int voipfw_tc_ingress(struct __sk_buff *skb)
{
	struct packet p = {};
	struct cursor c;
	__u32 l3_off = 0;

	if (tc_begin(skb, &c, &p, &l3_off, VFW_TAP_INGRESS) || !is_sip_flow(&p))
		return TC_ACT_OK;
	if (!vfw_source_trusted(skb, &p, c.pos - (void *)(long)skb->data)) {
		tap_count(VFW_TAP_UNTRUSTED);
		return TC_ACT_OK;
	}
	if (p.frag == FRAG_FIRST)
		mark_frag_tap(&p);
	tap_copy(skb, l3_off, VFW_TAP_INGRESS);
	return TC_ACT_OK;
}

/*
 * A SIP request starts with its method, an upper-case token (RFC 3261
 * 25.1: in practice letters); a response with "SIP/". Keep-alive CRLFs
 * and the rest of a TCP stream are neither.
 */
static __always_inline int is_sip_request(const struct cursor *c)
{
	const char *s = c->pos;

	if ((void *)(s + 4) > c->end)
		return 0;
	if (s[0] < 'A' || s[0] > 'Z')
		return 0;
	return !(s[0] == 'S' && s[1] == 'I' && s[2] == 'P' && s[3] == '/');
}

/* Egress media: a return pinhole from the packet's destination to its source port. */
static __always_inline void open_media_return(const struct packet *p, __u64 idle_ns)
{
	struct vfw_pinhole_key key = {};

	__builtin_memcpy(key.addr, p->daddr, 16);
	key.local_port = p->sport;
	key.proto = p->l4proto;
	if (keep_pinhole_open(&vfw_pinholes, &key, 0, idle_ns, VFW_ORIGIN_EGRESS))
		tap_count(VFW_TAP_EGRESS_MEDIA);
}

/* Our SIP request: a reply pinhole for exactly where it went, or a longer life. */
static __always_inline void open_reply_pinhole(const struct packet *p, __u64 ttl_ns)
{
	struct vfw_reply_key key = {};

	__builtin_memcpy(key.ph.addr, p->daddr, 16);
	key.ph.local_port = p->sport;
	key.ph.proto = p->l4proto;
	key.remote_port = p->dport;
	if (keep_pinhole_open(&vfw_replies, &key, ttl_ns, 0, VFW_ORIGIN_REPLY))
		tap_count(VFW_TAP_REPLY_PINHOLE);
}

/*
 * Where the L4 payload starts, from the IP header at l3_off: IPv4 with any
 * options, IPv6 without extension headers (SIP with those is left to the
 * daemon), then UDP or TCP. 0 when it is neither.
 */
static __always_inline __u32 payload_offset(struct __sk_buff *skb, __u32 l3_off)
{
	int first = byte_at_tc(skb, l3_off), proto, doff;
	__u32 off;

	if (first < 0)
		return 0;
	if (first >> 4 == 4) {
		proto = byte_at_tc(skb, l3_off + 9);
		off = l3_off + (first & 0xf) * 4;
	} else if (first >> 4 == 6) {
		proto = byte_at_tc(skb, l3_off + 6);
		off = l3_off + 40;
	} else {
		return 0;
	}
	if (proto == IPPROTO_UDP)
		return off + 8;
	doff = byte_at_tc(skb, off + 12);
	return proto == IPPROTO_TCP && doff >= 0x50 ? off + (doff >> 4) * 4 : 0;
}

/*
 * Records the SDP our VoIP system sends for the offer/answer pairing. The
 * reader needs the message in the linear part of the skb: pulled first (a
 * no-op for the usual small datagram; the caller's packet pointers are void
 * after this). It finds the payload again from l3_off: a packet offset the
 * caller kept alive would stop the verifier from pruning the caller's many
 * header paths into one. Global: verified once.
 */
__noinline int vfw_sdp_from_us(struct __sk_buff *skb, __u32 l3_off)
{
	struct sip_scan *st;
	__u32 off;

	if (skb->data_end - skb->data < skb->len && bpf_skb_pull_data(skb, skb->len))
		return 0;
	off = payload_offset(skb, l3_off);
	st = scan_scratch();
	if (!off || !st)
		return 0;
	sip_scan_tc(skb, off, st);
	return vfw_negotiate(st, 1);
}

SEC("tc")
int voipfw_tc_egress(struct __sk_buff *skb)
{
	struct vfw_runtime *rt;
	struct packet p = {};
	struct cursor c;
	__u32 l3_off = 0;
	__u8 sport_class;

#ifdef VFW_TEST_REFUSE_TC
	/*
	 * Test builds only (make's refused build): a context read every
	 * verifier refuses, so the load-failure report and --xdp-only are
	 * tested against a real refusal on any kernel.
	 */
	if (*(volatile __u32 *)((void *)skb + 4000))
		return TC_ACT_SHOT;
#endif
	if (tc_begin(skb, &c, &p, &l3_off, VFW_TAP_EGRESS))
		return TC_ACT_OK;
	rt = runtime();
	sport_class = class_of_port(p.sport, p.l4proto);
	if (sport_class == VFW_CLASS_MEDIA) {
		if (rt && rt->egress_media_idle_ns && p.l4proto == IPPROTO_UDP)
			open_media_return(&p, rt->egress_media_idle_ns);
		return TC_ACT_OK;
	}
	if (!is_sip_flow(&p))
		return TC_ACT_OK;
	if (sport_class == VFW_CLASS_SIP && rt && rt->reply_ttl_ns &&
	    is_sip_request(&c))
		open_reply_pinhole(&p, rt->reply_ttl_ns);
	if (p.frag == FRAG_FIRST)
		mark_frag_tap(&p);
	tap_copy(skb, l3_off, VFW_TAP_EGRESS);
	/* last: it may pull the skb, and nothing after it reads the packet */
	if (rt && rt->announce_ttl_s)
		vfw_sdp_from_us(skb, l3_off);
	return TC_ACT_OK;
}
