// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests for the pipeline: L3 packets in, tracker events out. Checks
 * the direction mapping (outbound: local = source), that RTP and junk are
 * counted and not errors, fragments through to the tracker, malformed
 * input counted, expiry through vfw_pipeline_tick, and that the current
 * observation is visible to the sink.
 *
 * Cast: PBX 203.0.113.10, registrar/trunk 198.51.100.1, media 198.51.100.50.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pipeline.h"
#include "pktbuild.h"

#define SEC VFW_NS_PER_SEC
#define T0 (1000 * SEC)
#define PBX "203.0.113.10"
#define TRUNK "198.51.100.1"

struct fx {
	struct vfw_pipeline *p;
	char log[4096];
	unsigned n_events;
	int saw_obs;             /* events that had a current observation */
	__u16 obs_local_port;
};

static uint8_t l4buf[PB_MAX], pktbuf[PB_MAX];

static void on_event(void *ctx, const struct vfw_event *ev)
{
	struct fx *fx = ctx;
	const struct vfw_sip_obs *obs = vfw_pipeline_current_obs(fx->p);
	char a[SIP_ADDR_STRLEN];
	size_t n = strlen(fx->log);

	sip_addr_format(ev->addr, a, sizeof(a));
	snprintf(fx->log + n, sizeof(fx->log) - n, "%s%s %s:%u", n ? "; " : "",
		 vfw_event_type_name(ev->type), a, ev->local_port);
	fx->n_events++;
	if (obs) {
		fx->saw_obs++;
		fx->obs_local_port = obs->local_port;
	}
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct vfw_tracker_config cfg;
	struct vfw_sink sink = { fx, on_event };

	vfw_tracker_config_defaults(&cfg);
	fx->p = vfw_pipeline_new(&cfg, sink);
	*state = fx;
	return fx->p ? 0 : -1;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	vfw_pipeline_free(fx->p);
	free(fx);
	return 0;
}

/* Feeds an exact-size heap copy. */
static int feed(struct fx *fx, const uint8_t *pkt, size_t len, int outbound,
		__u64 now)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, pkt, len);
	rc = vfw_pipeline_packet(fx->p, copy, len, outbound, now);
	free(copy);
	return rc;
}

/* One UDP datagram between the PBX and addr, direction from outbound. */
static int send_udp(struct fx *fx, int outbound, const char *remote,
		    unsigned lport, unsigned rport, const char *payload, __u64 now)
{
	const char *src = outbound ? PBX : remote, *dst = outbound ? remote : PBX;
	size_t n = pb_udp(l4buf, outbound ? lport : rport, outbound ? rport : lport,
			  payload, strlen(payload));
	size_t len = pb_ipv4(pktbuf, src, dst, IPPROTO_UDP, l4buf, n, 1, 0, 0, 0);

	return feed(fx, pktbuf, len, outbound, now);
}

#define REG_HDRS \
	"From: <sip:1000@198.51.100.1>;tag=a\r\n" \
	"To: <sip:1000@198.51.100.1>\r\n" \
	"Call-ID: reg-77\r\n" \
	"CSeq: 1 REGISTER\r\n"

static const char *reg_req =
	"REGISTER sip:198.51.100.1 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 203.0.113.10:5060;branch=z9hG4bKr1\r\n"
	REG_HDRS
	"Contact: <sip:1000@203.0.113.10:5060>\r\n"
	"Expires: 300\r\n"
	"Content-Length: 0\r\n\r\n";

static const char *reg_ok =
	"SIP/2.0 200 OK\r\n"
	"Via: SIP/2.0/UDP 203.0.113.10:5060;branch=z9hG4bKr1;received=203.0.113.10;rport=5060\r\n"
	REG_HDRS
	"Contact: <sip:1000@203.0.113.10:5060>;expires=300\r\n"
	"Content-Length: 0\r\n\r\n";

static void registered(struct fx *fx)
{
	assert_int_equal(send_udp(fx, 1, TRUNK, 5060, 5060, reg_req, T0), 0);
	assert_int_equal(send_udp(fx, 0, TRUNK, 5060, 5060, reg_ok, T0 + SEC / 10), 0);
}

static void test_register_learns_trunk(void **state)
{
	struct fx *fx = *state;
	struct vfw_pipeline_stats st;

	registered(fx);
	assert_string_equal(fx->log, "trunk_learn 198.51.100.1:0");
	assert_int_equal(fx->saw_obs, 1);
	assert_int_equal(fx->obs_local_port, 5060);
	vfw_pipeline_get_stats(fx->p, &st);
	assert_int_equal(st.packets, 2);
	assert_int_equal(st.sip_messages, 2);
	assert_int_equal(vfw_tracker_n_registrations(vfw_pipeline_tracker(fx->p)), 1);
}

static void test_direction_matters(void **state)
{
	struct fx *fx = *state;

	/* The same two messages with the directions swapped teach nothing:
	 * a REGISTER from the internet is not ours. */
	assert_int_equal(send_udp(fx, 0, TRUNK, 5060, 5060, reg_req, T0), 0);
	assert_int_equal(send_udp(fx, 1, TRUNK, 5060, 5060, reg_ok, T0 + 1), 0);
	assert_int_equal(fx->n_events, 0);
}

static bool refuse_all(void *ctx, const struct vfw_datagram *d)
{
	int *asked = ctx;

	(*asked)++;
	assert_int_equal(d->sport, 5060);
	return false;
}

static void test_sender_filter(void **state)
{
	struct fx *fx = *state;
	struct vfw_pipeline_stats st;
	int asked = 0;

	/* SIP that is not the VoIP system's: its REGISTER teaches nothing */
	vfw_pipeline_set_sender_filter(fx->p, refuse_all, &asked);
	registered(fx);
	assert_int_equal(asked, 1);               /* outbound only: the 200 is not asked */
	assert_int_equal(fx->n_events, 0);
	vfw_pipeline_get_stats(fx->p, &st);
	assert_int_equal(st.not_ours, 1);
	assert_int_equal(vfw_tracker_n_registrations(vfw_pipeline_tracker(fx->p)), 0);
	/* without the filter the same exchange learns the trunk */
	vfw_pipeline_set_sender_filter(fx->p, NULL, NULL);
	registered(fx);
	assert_string_equal(fx->log, "trunk_learn 198.51.100.1:0");
}

static void test_rtp_and_junk_counted(void **state)
{
	struct fx *fx = *state;
	struct vfw_pipeline_stats st;
	const char rtp[] = "\x80\x00\x00\x01rtp-payload";

	assert_int_equal(send_udp(fx, 0, "198.51.100.50", 10000, 40000, rtp, T0), 0);
	assert_int_equal(send_udp(fx, 0, TRUNK, 5060, 5060, "\r\n\r\n", T0), 0);
	/* Shaped like SIP, refused by the parser (no Call-ID etc.). */
	assert_int_equal(send_udp(fx, 0, TRUNK, 5060, 5060,
				  "OPTIONS sip:x@203.0.113.10 SIP/2.0\r\n\r\n", T0), 0);
	vfw_pipeline_get_stats(fx->p, &st);
	assert_int_equal(st.non_sip, 2);
	assert_int_equal(st.sip_rejected, 1);
	assert_int_equal(st.sip_messages, 0);
	assert_int_equal(st.malformed, 0);
}

static void test_malformed_counted(void **state)
{
	struct fx *fx = *state;
	struct vfw_pipeline_stats st;
	size_t n = pb_udp(l4buf, 1, 2, "x", 1);
	size_t len = pb_ipv4(pktbuf, TRUNK, PBX, IPPROTO_UDP, l4buf, n, 1, 0, 0, 0);

	assert_int_equal(feed(fx, pktbuf, len - 1, 0, T0), -EMSGSIZE);
	pktbuf[0] = 0x41;
	assert_int_equal(feed(fx, pktbuf, len, 0, T0), -EINVAL);
	vfw_pipeline_get_stats(fx->p, &st);
	assert_int_equal(st.packets, 2);
	assert_int_equal(st.malformed, 2);
	assert_int_equal(st.truncated, 1);
}

static const char *invite =
	"INVITE sip:1000@203.0.113.10 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKi1\r\n"
	"From: <sip:+15550001@198.51.100.1>;tag=f1\r\n"
	"To: <sip:1000@203.0.113.10>\r\n"
	"Call-ID: frag-call-1\r\n"
	"CSeq: 1 INVITE\r\n"
	"Contact: <sip:gw@198.51.100.1:5060>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 118\r\n\r\n"
	"v=0\r\no=- 1 1 IN IP4 198.51.100.50\r\ns=-\r\nc=IN IP4 198.51.100.50\r\n"
	"t=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

static const char *answer =
	"SIP/2.0 200 OK\r\n"
	"Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKi1\r\n"
	"From: <sip:+15550001@198.51.100.1>;tag=f1\r\n"
	"To: <sip:1000@203.0.113.10>;tag=t1\r\n"
	"Call-ID: frag-call-1\r\n"
	"CSeq: 1 INVITE\r\n"
	"Contact: <sip:1000@203.0.113.10:5060>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 116\r\n\r\n"
	"v=0\r\no=- 2 1 IN IP4 203.0.113.10\r\ns=-\r\nc=IN IP4 203.0.113.10\r\n"
	"t=0 0\r\nm=audio 10000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

/* Sends the INVITE from the trunk in IPv4 fragments of 128 bytes, last first. */
static void send_invite_fragmented(struct fx *fx, __u64 now, int skip_one)
{
	size_t n = pb_udp(l4buf, 5060, 5060, invite, strlen(invite));
	size_t off = (n - 1) / 128 * 128;

	for (;; off -= 128) {
		size_t chunk = n - off < 128 ? n - off : 128;
		size_t len = pb_ipv4(pktbuf, TRUNK, PBX, IPPROTO_UDP, l4buf + off,
				     chunk, 4242, (unsigned)off, off + chunk < n, 0);

		if (!(skip_one && off == 128))
			assert_int_equal(feed(fx, pktbuf, len, 0, now), 0);
		if (off == 0)
			break;
	}
}

static void test_fragmented_invite_opens_pinholes(void **state)
{
	struct fx *fx = *state;
	struct vfw_pipeline_stats st;

	assert_int_equal(strlen(invite) > 300, 1);
	send_invite_fragmented(fx, T0, 0);
	assert_int_equal(send_udp(fx, 1, TRUNK, 5060, 5060, answer, T0 + SEC), 0);
	assert_string_equal(fx->log,
			    "pinhole_open 198.51.100.50:10000; pinhole_open 198.51.100.50:10001");
	vfw_pipeline_get_stats(fx->p, &st);
	assert_true(st.fragments >= 3);
	assert_int_equal(st.reassembled, 1);
	assert_int_equal(st.sip_messages, 2);
}

static void test_lost_fragment_then_tick(void **state)
{
	struct fx *fx = *state;
	struct vfw_pipeline_stats st;

	/* Without one fragment the INVITE never exists: no call, no pinholes. */
	send_invite_fragmented(fx, T0, 1);
	assert_int_equal(send_udp(fx, 1, TRUNK, 5060, 5060, answer, T0 + SEC), 0);
	assert_int_equal(fx->n_events, 0);
	vfw_pipeline_get_stats(fx->p, &st);
	assert_int_equal(st.reassembled, 0);
	/* The leftovers go at the reassembly timeout, through the pipeline's tick. */
	vfw_pipeline_tick(fx->p, T0 + 29 * SEC);
	assert_int_equal(vfw_reasm_pending(vfw_pkt_reasm(vfw_pipeline_pkt(fx->p))), 1);
	vfw_pipeline_tick(fx->p, T0 + 30 * SEC);
	assert_int_equal(vfw_reasm_pending(vfw_pkt_reasm(vfw_pipeline_pkt(fx->p))), 0);
	assert_int_equal(vfw_reasm_stats(vfw_pkt_reasm(vfw_pipeline_pkt(fx->p)))->timeouts, 1);
}

static void test_tick_reaches_tracker(void **state)
{
	struct fx *fx = *state;

	send_invite_fragmented(fx, T0, 0);
	assert_int_equal(send_udp(fx, 1, TRUNK, 5060, 5060, answer, T0 + SEC), 0);
	fx->log[0] = '\0';
	fx->saw_obs = 0;
	/* call_max (4 h) after its last message closes the call from the tick, with no packet in sight. */
	vfw_pipeline_tick(fx->p, T0 + 4 * 3600 * SEC);
	assert_string_equal(fx->log, "");
	vfw_pipeline_tick(fx->p, T0 + SEC + 4 * 3600 * SEC);
	assert_string_equal(fx->log,
			    "pinhole_close 198.51.100.50:10000; pinhole_close 198.51.100.50:10001");
	assert_int_equal(fx->saw_obs, 0);
}

/* ---- SIP over TCP ------------------------------------------------------------ */

/* One TCP segment between the PBX's 5060 and the trunk's 5060. */
static int send_tcp(struct fx *fx, int outbound, uint32_t seq, uint8_t flags,
		    const char *data, size_t len, __u64 now)
{
	size_t n = pb_tcp(l4buf, 5060, 5060, seq, flags, data, len);
	size_t plen = pb_ipv4(pktbuf, outbound ? PBX : TRUNK, outbound ? TRUNK : PBX,
			      IPPROTO_TCP, l4buf, n, 1, 0, 0, 0);

	return feed(fx, pktbuf, plen, outbound, now);
}

#define TCP_DIALOG \
	"Via: SIP/2.0/TCP 203.0.113.10:5060;branch=z9hG4bKt1\r\n" \
	"From: <sip:1000@203.0.113.10>;tag=pbx\r\n" \
	"To: <sip:+15550001@198.51.100.1>%s\r\n" \
	"Call-ID: tcp-call-1\r\nCSeq: 1 INVITE\r\n" \
	"Contact: <sip:%s:5060;transport=tcp>\r\n"
#define TCP_SDP(addr) \
	"v=0\r\no=- 1 1 IN IP4 " addr "\r\ns=-\r\nc=IN IP4 " addr "\r\n" \
	"t=0 0\r\nm=audio 40000 RTP/AVP 0\r\n"

static char tcp_msg[3][1024];

/* tcp_msg[0]: our INVITE; [1]: the trunk's 200 OK; [2]: its 183, both from MEDIA. */
static void tcp_messages(void)
{
	const char *sdp_pbx = TCP_SDP("203.0.113.10"), *sdp_media = TCP_SDP("198.51.100.50");
	char hdr[512];

	snprintf(hdr, sizeof(hdr), TCP_DIALOG, "", PBX);
	snprintf(tcp_msg[0], sizeof(tcp_msg[0]),
		 "INVITE sip:+15550001@198.51.100.1;transport=tcp SIP/2.0\r\n%s"
		 "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
		 hdr, strlen(sdp_pbx), sdp_pbx);
	snprintf(hdr, sizeof(hdr), TCP_DIALOG, ";tag=callee", TRUNK);
	snprintf(tcp_msg[1], sizeof(tcp_msg[1]), "SIP/2.0 200 OK\r\n%s"
		 "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
		 hdr, strlen(sdp_media), sdp_media);
	snprintf(tcp_msg[2], sizeof(tcp_msg[2]), "SIP/2.0 183 Session Progress\r\n%s"
		 "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
		 hdr, strlen(sdp_media), sdp_media);
}

/* Both directions open, our INVITE sent: the provisional pinholes open. */
static void tcp_call_started(struct fx *fx)
{
	tcp_messages();
	assert_int_equal(send_tcp(fx, 1, 99, 0x02, NULL, 0, T0), 0);
	assert_int_equal(send_tcp(fx, 0, 499, 0x02, NULL, 0, T0), 0);
	assert_int_equal(send_tcp(fx, 1, 100, 0, tcp_msg[0], strlen(tcp_msg[0]), T0), 0);
	assert_string_equal(fx->log, "pinhole_open 198.51.100.1:40000; pinhole_open 198.51.100.1:40001");
	fx->log[0] = '\0';
}

/* The 200 OK in two segments, the second first: the answer still opens the media. */
static void test_tcp_reordered_answer(void **state)
{
	struct fx *fx = *state;
	struct vfw_pipeline_stats st;
	size_t n, cut = 120;

	tcp_call_started(fx);
	n = strlen(tcp_msg[1]);
	assert_int_equal(send_tcp(fx, 0, 500 + cut, 0, tcp_msg[1] + cut, n - cut, T0 + SEC), 0);
	assert_string_equal(fx->log, "");
	assert_int_equal(send_tcp(fx, 0, 500, 0, tcp_msg[1], cut, T0 + SEC), 0);
	assert_string_equal(fx->log,
			    "pinhole_open 198.51.100.50:40000; pinhole_open 198.51.100.50:40001; "
			    "pinhole_close 198.51.100.1:40001; pinhole_close 198.51.100.1:40000");
	vfw_pipeline_get_stats(fx->p, &st);
	assert_int_equal(st.tcp_reordered, 1);
	assert_int_equal(st.tcp_losses, 0);
	assert_int_equal(st.tcp_resyncs, 0);
}

/*
 * Bytes before the 183 never arrive (the tap missed them): the tick gives
 * the hole up, delivers the 183 as the trunk's (the last packet fed was
 * ours), and tells the tracker, so the setup timeout keeps the call.
 */
static void test_tcp_lost_bytes_keep_call(void **state)
{
	struct fx *fx = *state;
	struct vfw_pipeline_stats st;
	static char stream[2048];
	size_t lost = 30, n;

	tcp_call_started(fx);
	n = (size_t)snprintf(stream, sizeof(stream), "SIP/2.0 180 Ringing\r\nContent-Length: 0\r\n\r\n%s",
			     tcp_msg[2]);
	assert_int_equal(send_tcp(fx, 0, 500 + lost, 0, stream + lost, n - lost, T0 + SEC), 0);
	assert_int_equal(send_udp(fx, 1, TRUNK, 10000, 40000, "\x80rtp", T0 + SEC), 0);
	assert_string_equal(fx->log, "");
	vfw_pipeline_tick(fx->p, T0 + 2 * SEC);
	assert_string_equal(fx->log, "");
	vfw_pipeline_tick(fx->p, T0 + 3 * SEC);
	assert_string_equal(fx->log,
			    "warning :::0; "
			    "pinhole_open 198.51.100.50:40000; pinhole_open 198.51.100.50:40001; "
			    "pinhole_close 198.51.100.1:40001; pinhole_close 198.51.100.1:40000");
	vfw_pipeline_get_stats(fx->p, &st);
	assert_int_equal(st.tcp_losses, 1);
	assert_int_equal(vfw_tracker_stats(vfw_pipeline_tracker(fx->p))->calls_answer_maybe_lost, 1);
	fx->log[0] = '\0';
	vfw_pipeline_tick(fx->p, T0 + 300 * SEC);
	assert_string_equal(fx->log,
			    "pinhole_update 198.51.100.50:40000; pinhole_update 198.51.100.50:40001");
	assert_int_equal(vfw_tracker_n_calls(vfw_pipeline_tracker(fx->p)), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_register_learns_trunk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_direction_matters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sender_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rtp_and_junk_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fragmented_invite_opens_pinholes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_fragment_then_tick, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tick_reaches_tracker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_reordered_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_lost_bytes_keep_call, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
