/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Registration and dialog trackers: pure state machines fed one observed
 * SIP message at a time (vfw_tracker_observe) plus a clock (vfw_tracker_tick).
 * They never touch the kernel; they emit decisions as events through a
 * sink, and the daemon turns those into map updates. Everything is bounded
 * by the config; nothing is global.
 *
 * Vocabulary: "local" is our VoIP system (behind NAT, seen on the WAN after
 * NAT), "remote" is the internet side (trunk, SBC, peer).
 *
 * == Registrations -> trusted trunks ==
 * An outbound REGISTER is remembered by (Call-ID, CSeq) with the address it
 * was sent to. The inbound response with the same Call-ID and CSeq decides:
 *  - 2xx granting N > 0 seconds: TRUNK_LEARN (first time) or TRUNK_REFRESH
 *    for the registrar's address, expires = now + N + grace. N is the
 *    expires param of our own Contact in the 2xx, else the Expires header,
 *    else what we asked for, else 3600.
 *  - 2xx to a de-registration (Expires: 0, ;expires=0, Contact: *), or a
 *    2xx granting 0: TRUNK_EXPIRE.
 *  - 401/407: a challenge, the UA will retry with credentials: nothing.
 *  - any other final >= 300: TRUNK_EXPIRE if the registration was live.
 * Several registrations (accounts) may point at one registrar address; the
 * trunk events are per address: learn when the first goes live, refresh
 * with the latest expiry of any of them, expire when the last one ends.
 * The top Via of the 2xx carries received=/rport= (what the registrar saw
 * as our public address). If our Contact advertised something else, a
 * WARNING says so (the classic one-way-audio cause). A call whose outbound
 * SDP c= differs from that public address (or, on our own INVITE, from
 * where the 2xx's Via received=/rport= say the far end saw us) is only
 * suspect: a NAT-fixing proxy with a media relay makes such calls work.
 * It gets a WARNING only with evidence -- no RTP from the far end reached
 * its pinholes within VFW_MEDIA_CHECK_NS of the answer, which the daemon
 * reads from the kernel (vfw_tracker_media_due below).
 *
 * == Calls -> media pinholes ==
 * A call is keyed by Call-ID; inside it, each callee tag is one dialog
 * ("fork": several 18x/2xx with different To tags). Each dialog keeps the
 * committed local and remote session descriptions plus any offer in
 * flight (re-INVITE, UPDATE, PRACK, late offer). SDP the remote side sent
 * gives remote media addresses; SDP we sent gives our local RTP/RTCP ports
 * (we assume, as the rest of voipfw does, that the VoIP system advertises
 * its WAN address and that media ports are forwarded 1:1).
 *
 * After every message the tracker computes the set of pinholes the call
 * needs and reconciles it with the set it has open: new ones are OPENed
 * first, changed ones (provisional -> confirmed, answered, hold on/off)
 * are UPDATEd, then the ones no longer needed are CLOSEd -- so a change of
 * address never leaves a gap. A retransmission changes nothing, so it
 * emits nothing.
 * For media stream i (m-line i of both sides, RFC 3264), when neither side
 * rejected it (port 0), the call needs:
 *   {UDP, remote addr of stream i, our RTP port}
 *   {UDP, remote RTCP addr (a=rtcp addr, else the same), our RTCP port}
 *     -- unless our side uses rtcp-mux or a non-RTP transport (T.38 udptl)
 * While an offer is in flight the pinholes of both the old and the offered
 * descriptions are kept, so nothing is dropped whichever side switches
 * first; a failed re-INVITE drops the offer.
 *
 * == The setup race: no RTP dropped at call setup ==
 * The far end can send media as soon as it knows our port, i.e. as soon as
 * it has our SDP. So pinholes must exist when our SDP leaves, not when the
 * remote's SDP arrives:
 *  - Inbound call, remote offer: the remote address is known from the
 *    INVITE; our ports become known when our answer (18x/2xx) goes out.
 *    We open at that moment, while the answer is still on its way to the
 *    far end, which cannot send to our port before it has it.
 *  - Outbound call (we offer): our ports leave in the INVITE, but the
 *    remote media address only arrives with the answer -- and the far end
 *    may start sending before or together with its 18x/2xx (media servers
 *    commonly do). So when our offer goes out we open PROVISIONAL pinholes
 *    from the address of the SIP peer we sent the INVITE to (a trunk or SBC
 *    that usually anchors media itself) to our RTP/RTCP ports. When the
 *    answer arrives: same address -> PINHOLE_UPDATE (no longer
 *    provisional); different address -> PINHOLE_OPEN for it, then
 *    PINHOLE_CLOSE for the provisional one.
 *  - Late offer (INVITE without SDP): the remote offers in its 18x/2xx, we
 *    answer in PRACK/ACK: covered by the first rule.
 *  Residual window: the daemon opens all of these after the TC tap hands
 *  it the message, so a packet right behind the answer can still overtake
 *  it, and on an outbound call whose media comes from an address other
 *  than the SIP peer only the answer names that address. The BPF programs
 *  close that window in the kernel for calls through trunks: they pair
 *  offer and answer by Call-ID and admit exactly the negotiated
 *  {address, port} for a few seconds (vfw_negotiate, bpf/voipfw.bpf.c).
 *
 * == Ringing: no idle timeout before the answer ==
 * Pinholes opened before the call is answered (our 18x with SDP on an
 * inbound call, provisional or early-media pinholes on an outbound one)
 * may see no RTP for as long as the callee lets it ring, easily longer
 * than the idle timeout. Were the kernel to idle them out, the 2xx would
 * change nothing in the needed set and the answered call's first RTP
 * would be dropped. So a pinhole needed by a dialog that has no 2xx to
 * its INVITE yet ("early") gets idle_ns = 0; setup_timeout_ns and the
 * hard cap bound it meanwhile. The 2xx that confirms the dialog changes
 * its pinholes' idle_ns to pinhole_idle_ns, which is a PINHOLE_UPDATE
 * (together with provisional -> confirmed when the answer comes from the
 * SIP peer); applying it resets the kernel's last-seen time, so the idle
 * clock starts at answer time. A pinhole several dialogs need gets the
 * idle timeout once one of them is answered (as with hold: that dialog's
 * media keeps it alive). Provisional pinholes belong to no dialog: they
 * are early until the call's first 2xx. A retransmitted 2xx finds nothing
 * to change and emits nothing.
 *
 * == Hold ==
 * A re-INVITE or UPDATE to sendonly/recvonly/inactive, or c=0.0.0.0 with
 * the port kept, by either side, keeps the pinholes open (closing would
 * race the resume) with idle_ns = 0 via PINHOLE_UPDATE, from the hold
 * offer on: whoever holds, media may stop both ways (a held softphone
 * often sends nothing, and RTCP may or may not go on), so silence says
 * nothing. The resume's completed offer/answer restores the idle timeout
 * (a new port or address on resume is a normal OPEN/CLOSE). Held
 * pinholes are bounded by the call's end (below).
 *
 * == One truth, lifetimes ==
 * The daemon tells vfw_tracker_pinhole_gone() of every call pinhole the
 * kernel map lost (idle or time expiry, a failed write), and every
 * completed offer/answer re-asserts all the call's wanted pinholes (an
 * UPDATE even when nothing changed), so a lost one is back with the next
 * re-INVITE, UPDATE, PRACK or ACK with SDP. Every believed message of the
 * call moves its end (expires_ns) to now + call_max, or, once the 2xx to
 * an INVITE or UPDATE negotiated a session timer (RFC 4028
 * Session-Expires, bounded to [90 s, call_max]), to now + that interval +
 * 32 s. The kernel's copy is written again when it lags by more than a
 * sixteenth of that, and by the tick just before the kernel would act on
 * it. Without session timers, flowing media keeps a call alive
 * (vfw_tracker_media_seen). So a call whose BYE was lost ends call_max
 * after its last signalling (session interval + 32 s with session
 * timers); its streams not on hold close sooner, at the kernel's idle
 * timeout. BYE (either side), CANCEL, a final failure to the initial
 * INVITE, a 481 to an in-dialog request, that end, or setup_timeout_ns
 * without a 2xx close the call's pinholes.
 * The number of calls is bounded by max_calls; a new call beyond it is
 * refused with a WARNING. So is a new inbound call when its source already
 * has max_unanswered_per_source calls without a 2xx, or when unanswered
 * inbound calls of all sources would take the last max_calls / 8 slots,
 * which stay for our outbound calls (counted in vfw_tracker_stats).
 *
 * == Who is believed ==
 * Our own messages always. A message from the internet for a call we
 * track counts only when it comes from the call's SIP peer (the address
 * its INVITE came from or went to), another address of the peer's /24 or
 * /48 (a provider's cluster, see sender_believed() in tracker.c), the
 * remote party's Contact (a request), or the address our request with the
 * same CSeq went to (a response). Anything else is ignored with a WARNING
 * and counted (peer_mismatch), so a trusted host cannot move or end
 * another peer's calls. Call state is allocated when a call starts and
 * freed when it ends (memory follows live calls, not max_calls); calls are
 * found through a hash index on the call hash sized from max_calls, and
 * the tick walks only live calls, oldest first.
 *
 * == Restart ==
 * vfw_tracker_export_call() writes a call as struct vfw_call_record
 * (include/voipfw_call.h) for the daemon to keep in a pinned map after
 * each event with that call_hash (or delete the record when it returns
 * -ENOENT). vfw_tracker_import_call() restores one at start: its pinholes
 * are known open (no events), and BYE/CANCEL/expiry close them as usual;
 * they are kept until a new offer/answer has completed in that call.
 * The record has no "early" flag: a pinhole with idle_ns 0 that is not
 * HELD was waiting for the answer, and the call's next 2xx UPDATEs it as
 * above. A call restored unanswered may have been answered while the
 * daemon was down, so at setup_timeout_ns it is taken as answered (its
 * pinholes get the idle timeout) rather than closed. So is a call whose
 * TCP connection lost stream data while it was unanswered
 * (vfw_tracker_tcp_lost): its 2xx may have been in the lost bytes.
 * Registrations need no record: the kernel's trunk entries carry their own
 * expiry and the next REGISTER refresh re-learns them.
 */
#ifndef VOIPFW_TRACKER_H
#define VOIPFW_TRACKER_H

#include <stddef.h>
#include <linux/types.h>

#include "sip.h"
#include "voipfw_call.h"

#define VFW_NS_PER_SEC 1000000000ULL

struct vfw_tracker_config {
	__u64 reg_grace_ns;        /* added to a granted registration expiry */
	__u32 max_reg_trust_s;     /* a registration trusts its registrar at most this long */
	__u64 reg_txn_timeout_ns;  /* forget an unanswered REGISTER after this */
	__u64 pinhole_idle_ns;     /* idle timeout passed to the kernel, 0 = off */
	__u64 call_max_ns;         /* hard cap on a call's pinholes */
	__u64 setup_timeout_ns;    /* a call without 2xx is dropped after this */
	__u32 max_calls;
	__u32 max_registrations;
	__u8 provisional_pinholes; /* 1: open from the SIP peer while our offer waits */
	/*
	 * Inbound calls without a 2xx yet from one source address; 0 =
	 * max_calls / 4 (at least 1). Besides, unanswered inbound calls
	 * together never take the last max_calls / 8 slots (at least one
	 * once max_calls >= 2): those stay for our own outbound calls.
	 */
	__u32 max_unanswered_per_source;
};

/*
 * reg_grace 60 s, txn 32 s, idle 60 s, cap 4 h, registration trust 4 h,
 * setup 300 s, 1024 calls, 64 regs, provisional on, unanswered per source
 * max_calls / 4.
 */
void vfw_tracker_config_defaults(struct vfw_tracker_config *cfg);

/* One SIP message seen on the WAN interface. */
struct vfw_sip_obs {
	int outbound;       /* 1 = sent by our VoIP system, 0 = received from the internet */
	__u8 proto;         /* IPPROTO_UDP / IPPROTO_TCP */
	__u8 local_addr[16], remote_addr[16]; /* IPv4-mapped for IPv4 */
	__u16 local_port, remote_port;        /* host order */
	__u64 now_ns;       /* CLOCK_MONOTONIC */
	const struct sip_msg *msg;
};

enum vfw_event_type {
	VFW_EV_TRUNK_LEARN = 0,
	VFW_EV_TRUNK_REFRESH,
	VFW_EV_TRUNK_EXPIRE,
	VFW_EV_PINHOLE_OPEN,
	VFW_EV_PINHOLE_UPDATE,
	VFW_EV_PINHOLE_CLOSE,
	VFW_EV_WARNING,
	VFW_EV_COUNT,
};

#define VFW_EVENT_TEXT_MAX 200

/*
 * Trunk events: addr (registrar), proto (of the registration), expires_ns.
 * Pinhole events: proto, addr (remote), local_port, expires_ns, idle_ns,
 *   provisional, call_hash, call_id.
 * Warnings: text, and call_hash/call_id when about a call.
 * reason: a static string saying why, for every type.
 */
struct vfw_event {
	enum vfw_event_type type;
	__u8 proto;
	__u8 provisional;
	__u16 local_port;
	__u8 addr[16];
	__u64 expires_ns;
	__u64 idle_ns;
	__u64 call_hash;
	const char *reason;
	char call_id[VFW_CALL_ID_MAX + 1];   /* NUL-terminated, truncated */
	char text[VFW_EVENT_TEXT_MAX];       /* WARNING only, NUL-terminated */
};

struct vfw_sink {
	void *ctx;
	void (*event)(void *ctx, const struct vfw_event *ev);
};

/* "trunk_learn", "trunk_refresh", "trunk_expire", "pinhole_open", ... "warning" */
const char *vfw_event_type_name(enum vfw_event_type type);

/* The JSON and plain-text renderings of an event: eventfmt.h. */

/* Stable 64-bit hash (FNV-1a) of a Call-ID; never 0. */
__u64 vfw_call_hash(struct sv call_id);

struct vfw_tracker;

/* NULL when out of memory. The config is copied; the sink is kept. */
struct vfw_tracker *vfw_tracker_new(const struct vfw_tracker_config *cfg,
				    struct vfw_sink sink);
void vfw_tracker_free(struct vfw_tracker *t);

void vfw_tracker_observe(struct vfw_tracker *t, const struct vfw_sip_obs *obs);
void vfw_tracker_tick(struct vfw_tracker *t, __u64 now_ns);

unsigned vfw_tracker_n_calls(const struct vfw_tracker *t);

unsigned vfw_tracker_n_registrations(const struct vfw_tracker *t); /* live ones */

struct vfw_tracker_stats {
	__u64 tcp_losses;              /* vfw_tracker_tcp_lost() calls */
	__u64 calls_answer_maybe_lost; /* unanswered calls on a connection that lost data */
	__u64 calls_assumed_answered;  /* such (or restored) calls kept at setup_timeout_ns */
	__u64 peer_mismatch;           /* messages of a call not from its SIP peer: ignored */
	__u64 refused_per_source;      /* new inbound calls over max_unanswered_per_source */
	__u64 refused_inbound_share;   /* ... that would take the outbound reserve */
	__u64 refused_table_full;      /* new calls with max_calls tracked */
};

const struct vfw_tracker_stats *vfw_tracker_stats(const struct vfw_tracker *t);

/*
 * The TCP connection between addr_a:port_a and addr_b:port_b (either end
 * ours; IPv4-mapped addresses) lost stream data: the packet layer gave up
 * on a hole (vfw_tcp_set_loss_fn). Every unanswered call whose INVITE, or
 * latest message, went over that connection may have missed its answer in
 * the lost bytes; at setup_timeout_ns it is then taken as answered (its
 * pinholes get the idle timeout, the kernel closes them if no media flows)
 * instead of ended -- as a call restored unanswered after a restart is.
 * why says what was lost, for the WARNING this emits. Returns the number
 * of calls marked.
 */
unsigned vfw_tracker_tcp_lost(struct vfw_tracker *t, const __u8 addr_a[16],
			      __u16 port_a, const __u8 addr_b[16], __u16 port_b,
			      const char *why);

/*
 * The advertised-address check (see the top of this file). A call whose
 * own address is suspect is due VFW_MEDIA_CHECK_NS after its answer:
 * media_due() writes up to max such call hashes (each once; the rest on a
 * later call) and returns how many. For each, the caller looks at what the
 * kernel passed to the call's pinholes and admissions and answers with
 * media_seen() (nothing happens) or media_missing(), which emits the
 * WARNING naming the evidence -- once per call. A call not answered for
 * never warns, and neither does one held from its answer on (silence
 * expected) nor one without a public address to compare with.
 */
#define VFW_MEDIA_CHECK_NS (5 * VFW_NS_PER_SEC)

unsigned vfw_tracker_media_due(struct vfw_tracker *t, __u64 now_ns,
			       __u64 *call_hashes, unsigned max);
void vfw_tracker_media_seen(struct vfw_tracker *t, __u64 call_hash);
void vfw_tracker_media_missing(struct vfw_tracker *t, __u64 call_hash);

/*
 * The daemon removed, or could not write, this pinhole of the call (idle
 * or time expiry in the kernel map, a full table): the tracker no longer
 * counts it as open, so the call's next completed offer/answer opens it
 * again. Emits nothing. 0, or -ENOENT when no such call or pinhole.
 * Not to be called from inside the sink.
 */
int vfw_tracker_pinhole_gone(struct vfw_tracker *t, __u64 call_hash,
			     const __u8 addr[16], __u16 port, __u8 proto);

/*
 * A pinhole of the call passed media at seen_ns (the kernel's last-seen):
 * an answered call without session timers then lives call_max past it,
 * and its pinholes are written with the new expiry (PINHOLE_UPDATE).
 * Returns 1 when the expiry moved, 0 when not, -ENOENT. Not from the sink.
 */
int vfw_tracker_media_flowing(struct vfw_tracker *t, __u64 call_hash, __u64 seen_ns);

/*
 * The earliest expiry of an answered call without session timers (the
 * ones media can keep alive), 0 when none: the daemon looks at their
 * pinholes' last-seen times only when one is near.
 */
__u64 vfw_tracker_next_expiry(const struct vfw_tracker *t);

/* 0, or -ENOENT when no such call is tracked. */
int vfw_tracker_export_call(const struct vfw_tracker *t, __u64 call_hash,
			    struct vfw_call_record *out);
/*
 * 0; -EINVAL for a malformed record; -ENOSPC when the call table is full;
 * -EEXIST; -ENOMEM.
 */
int vfw_tracker_import_call(struct vfw_tracker *t,
			    const struct vfw_call_record *rec);

#endif /* VOIPFW_TRACKER_H */
