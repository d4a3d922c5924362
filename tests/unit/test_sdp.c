// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Unit tests for the SDP parser (user/lib/sdp.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sdp.h"
#include "sip.h"

#define assert_sv(view, str) do {					\
	struct sv v_ = (view);						\
	const char *s_ = (str);						\
	if (!sv_eq_cstr(v_, s_))					\
		fail_msg("expected \"%s\", got \"%.*s\"", s_,		\
			 (int)v_.len, v_.p ? v_.p : "");		\
} while (0)

static char *held;

/* Parses an exact-size heap copy so ASan sees any over-read. */
static enum sdp_error parse(const char *text, struct sdp_session *s)
{
	size_t len = strlen(text);

	free(held);
	held = malloc(len ? len : 1);
	memcpy(held, text, len);
	return sdp_parse(held, len, s);
}

static void assert_addr(const uint8_t addr[16], const char *text)
{
	uint8_t want[16];

	assert_int_equal(sip_host_to_addr(sv_from_cstr(text), want), 0);
	assert_memory_equal(addr, want, 16);
}

static void test_basic_audio(void **state)
{
	struct sdp_session s;

	assert_int_equal(parse("v=0\r\n"
			       "o=alice 2890844526 2890844527 IN IP4 198.51.100.7\r\n"
			       "s=-\r\n"
			       "c=IN IP4 198.51.100.7\r\n"
			       "t=0 0\r\n"
			       "m=audio 49170 RTP/AVP 0 8 101\r\n"
			       "a=rtpmap:101 telephone-event/8000\r\n", &s), SDP_OK);
	assert_sv(s.origin_username, "alice");
	assert_sv(s.origin_sess_id, "2890844526");
	assert_int_equal(s.origin_version, 2890844527ULL);
	assert_addr(s.origin_addr.addr, "198.51.100.7");
	assert_int_equal(s.n_media, 1);
	assert_int_equal(s.media[0].type, SDP_MEDIA_AUDIO);
	assert_int_equal(s.media[0].port, 49170);
	assert_int_equal(s.media[0].rtp_port, 49170);
	assert_int_equal(s.media[0].rtcp_port, 49171);
	assert_true(s.media[0].is_rtp);
	assert_false(s.media[0].rejected);
	assert_true(s.media[0].has_addr);
	assert_addr(s.media[0].addr, "198.51.100.7");
	assert_int_equal(s.media[0].direction, SDP_SENDRECV);
	assert_sv(s.media[0].proto, "RTP/AVP");
}

static void test_media_level_conn_overrides(void **state)
{
	struct sdp_session s;

	assert_int_equal(parse("v=0\n"
			       "o=- 1 1 IN IP6 2001:db8::1\n"
			       "c=IN IP6 2001:db8::1\n"
			       "m=audio 4000 RTP/AVP 0\n"
			       "c=IN IP4 192.0.2.44\n"
			       "m=video 4002 RTP/AVPF 96\n", &s), SDP_OK);
	assert_int_equal(s.n_media, 2);
	assert_addr(s.media[0].addr, "192.0.2.44");
	assert_true(s.media[0].has_media_conn);
	assert_addr(s.media[1].addr, "2001:db8::1");
	assert_false(s.media[1].has_media_conn);
	assert_int_equal(s.media[1].type, SDP_MEDIA_VIDEO);
}

static void test_rtcp_attribute_and_mux(void **state)
{
	struct sdp_session s;

	assert_int_equal(parse("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nc=IN IP4 192.0.2.1\r\n"
			       "m=audio 5000 RTP/AVP 0\r\na=rtcp:5011\r\n"
			       "m=audio 6000 RTP/SAVPF 0\r\na=rtcp:6001 IN IP4 203.0.113.9\r\n"
			       "m=audio 7000 UDP/TLS/RTP/SAVPF 111\r\na=rtcp-mux\r\n"
			       "m=audio 65535 RTP/AVP 0\r\n", &s), SDP_OK);
	assert_int_equal(s.n_media, 4);
	assert_int_equal(s.media[0].rtcp_port, 5011);
	assert_false(s.media[0].rtcp_conn.present);
	assert_int_equal(s.media[1].rtcp_port, 6001);
	assert_true(s.media[1].rtcp_conn.present);
	assert_addr(s.media[1].rtcp_conn.addr, "203.0.113.9");
	assert_true(s.media[2].rtcp_mux);
	assert_int_equal(s.media[2].rtp_port, 7000);
	assert_int_equal(s.media[2].rtcp_port, 0);
	assert_int_equal(s.media[3].rtcp_port, 0);	/* no room for port + 1 */
}

static void test_directions(void **state)
{
	struct sdp_session s;

	assert_int_equal(parse("v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\nc=IN IP4 192.0.2.1\r\n"
			       "a=sendonly\r\n"
			       "m=audio 5000 RTP/AVP 0\r\n"
			       "m=audio 5002 RTP/AVP 0\r\na=inactive\r\n"
			       "m=audio 5004 RTP/AVP 0\r\na=recvonly\r\n"
			       "m=audio 5006 RTP/AVP 0\r\na=sendrecv\r\n", &s), SDP_OK);
	assert_true(s.has_direction);
	assert_int_equal(s.direction, SDP_SENDONLY);
	assert_int_equal(s.media[0].direction, SDP_SENDONLY);
	assert_int_equal(s.media[1].direction, SDP_INACTIVE);
	assert_int_equal(s.media[2].direction, SDP_RECVONLY);
	assert_int_equal(s.media[3].direction, SDP_SENDRECV);
	assert_true(sdp_direction_sends(SDP_SENDONLY));
	assert_false(sdp_direction_sends(SDP_RECVONLY));
	assert_true(sdp_direction_receives(SDP_RECVONLY));
	assert_false(sdp_direction_receives(SDP_INACTIVE));
	assert_string_equal(sdp_direction_name(SDP_INACTIVE), "inactive");
}

static void test_rejected_and_t38(void **state)
{
	struct sdp_session s;

	assert_int_equal(parse("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nc=IN IP4 192.0.2.1\r\n"
			       "m=audio 0 RTP/AVP 0\r\n"
			       "m=image 6000 udptl t38\r\n"
			       "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
			       "m=audio 8000/2 RTP/AVP 0\r\n", &s), SDP_OK);
	assert_true(s.media[0].rejected);
	assert_int_equal(s.media[0].rtp_port, 0);
	assert_int_equal(s.media[0].rtcp_port, 0);
	assert_int_equal(s.media[1].type, SDP_MEDIA_IMAGE);
	assert_false(s.media[1].is_rtp);
	assert_int_equal(s.media[1].rtp_port, 6000);
	assert_int_equal(s.media[1].rtcp_port, 0);
	assert_int_equal(s.media[2].type, SDP_MEDIA_APPLICATION);
	assert_false(s.media[2].is_rtp);
	assert_int_equal(s.media[3].port_count, 2);
	assert_int_equal(s.media[3].rtp_port, 8000);
}

static void test_hold_null_address_and_fqdn(void **state)
{
	struct sdp_session s;

	assert_int_equal(parse("v=0\r\no=- 1 1 IN IP4 pbx.example\r\nc=IN IP4 0.0.0.0\r\n"
			       "m=audio 5000 RTP/AVP 0\r\n"
			       "m=audio 5002 RTP/AVP 0\r\nc=IN IP4 media.example\r\n"
			       "m=audio 5004 RTP/AVP 0\r\nc=IN IP4 233.252.0.1/127\r\n", &s),
			 SDP_OK);
	assert_false(s.origin_addr.resolved);
	assert_true(s.media[0].conn.is_null);
	assert_false(s.media[0].has_addr);
	assert_false(s.media[1].conn.resolved);
	assert_sv(s.media[1].conn.addr_text, "media.example");
	assert_false(s.media[1].has_addr);
	assert_true(s.media[2].has_addr);
	assert_addr(s.media[2].addr, "233.252.0.1");
}

static void test_no_connection_anywhere(void **state)
{
	struct sdp_session s;

	assert_int_equal(parse("v=0\r\nm=audio 5000 RTP/AVP 0\r\n", &s), SDP_OK);
	assert_false(s.media[0].has_addr);
	assert_false(s.media[0].conn.present);
}

static void test_media_bound(void **state)
{
	char buf[2048];
	size_t n = 0;
	struct sdp_session s;
	int i;

	n += (size_t)snprintf(buf, sizeof(buf), "v=0\r\nc=IN IP4 192.0.2.1\r\n");
	for (i = 0; i < 12; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
				      "m=audio %d RTP/AVP 0\r\na=rtcp:bogus-but-ignored\r\n",
				      10000 + 2 * i);
	assert_int_equal(parse(buf, &s), SDP_ERR_RTCP);	/* first 8 are checked */

	n = (size_t)snprintf(buf, sizeof(buf), "v=0\r\nc=IN IP4 192.0.2.1\r\n");
	for (i = 0; i < 12; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
				      "m=audio %d RTP/AVP 0\r\n%s", 10000 + 2 * i,
				      i >= SDP_MAX_MEDIA ? "a=rtcp:junk\r\n" : "");
	assert_int_equal(parse(buf, &s), SDP_OK);
	assert_int_equal(s.n_media, SDP_MAX_MEDIA);
	assert_int_equal(s.n_media_seen, 12);
	assert_int_equal(s.media[7].port, 10014);
}

static void test_errors(void **state)
{
	struct sdp_session s;

	assert_int_equal(parse("", &s), SDP_ERR_EMPTY);
	assert_int_equal(parse("\r\n\r\n", &s), SDP_ERR_EMPTY);
	assert_int_equal(sdp_parse(NULL, 0, &s), SDP_ERR_EMPTY);
	assert_int_equal(parse("v=1\r\n", &s), SDP_ERR_VERSION);
	assert_int_equal(parse("o=- 1 1 IN IP4 1.2.3.4\r\nv=0\r\n", &s), SDP_ERR_VERSION);
	assert_int_equal(parse("v=0\r\nxyz\r\n", &s), SDP_ERR_LINE);
	assert_int_equal(parse("v=0\r\nM=audio 1 RTP/AVP 0\r\n", &s), SDP_ERR_LINE);
	assert_int_equal(parse("v=0\r\no=- 1 x IN IP4 1.2.3.4\r\n", &s), SDP_ERR_ORIGIN);
	assert_int_equal(parse("v=0\r\no=- 1\r\n", &s), SDP_ERR_ORIGIN);
	assert_int_equal(parse("v=0\r\nc=IN IP5 1.2.3.4\r\n", &s), SDP_ERR_CONNECTION);
	assert_int_equal(parse("v=0\r\nc=ATM NSAP 47\r\n", &s), SDP_ERR_CONNECTION);
	assert_int_equal(parse("v=0\r\nc=IN IP4\r\n", &s), SDP_ERR_CONNECTION);
	assert_int_equal(parse("v=0\r\nc=IN IP4 2001:db8::1\r\n", &s), SDP_ERR_CONNECTION);
	assert_int_equal(parse("v=0\r\nc=IN IP6 192.0.2.1\r\n", &s), SDP_ERR_CONNECTION);
	assert_int_equal(parse("v=0\r\nc=IN IP4 1.2.3.4 junk\r\n", &s), SDP_ERR_CONNECTION);
	assert_int_equal(parse("v=0\r\nm=audio\r\n", &s), SDP_ERR_MEDIA);
	assert_int_equal(parse("v=0\r\nm=audio 70000 RTP/AVP 0\r\n", &s), SDP_ERR_MEDIA);
	assert_int_equal(parse("v=0\r\nm=audio 5000/0 RTP/AVP 0\r\n", &s), SDP_ERR_MEDIA);
	assert_int_equal(parse("v=0\r\nm=audio x RTP/AVP 0\r\n", &s), SDP_ERR_MEDIA);
	assert_int_equal(parse("v=0\r\nm=audio 1 RTP/AVP 0\r\na=rtcp:0\r\n", &s), SDP_ERR_RTCP);
	assert_int_equal(parse("v=0\r\nm=audio 1 RTP/AVP 0\r\na=rtcp:9 IN IP4\r\n", &s),
			 SDP_ERR_RTCP);
	assert_string_equal(sdp_strerror(SDP_ERR_MEDIA), "malformed m= line");
	assert_string_equal(sdp_strerror((enum sdp_error)99), "unknown error");
}

/* Every prefix parses or fails cleanly; ASan checks that nothing reads past it. */
static void test_every_prefix_is_safe(void **state)
{
	static const char text[] =
		"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nc=IN IP6 2001:db8::7\r\n"
		"a=recvonly\r\nm=audio 5000/2 RTP/AVP 0\r\na=rtcp:5011 IN IP4 192.0.2.9\r\n"
		"a=rtcp-mux\r\nm=image 0 udptl t38\r\n";
	size_t i;

	for (i = 0; i <= sizeof(text) - 1; i++) {
		char *copy = malloc(i ? i : 1);
		struct sdp_session s;

		memcpy(copy, text, i);
		(void)sdp_parse(copy, i, &s);
		assert_true(s.n_media <= SDP_MAX_MEDIA);
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_audio),
		cmocka_unit_test(test_media_level_conn_overrides),
		cmocka_unit_test(test_rtcp_attribute_and_mux),
		cmocka_unit_test(test_directions),
		cmocka_unit_test(test_rejected_and_t38),
		cmocka_unit_test(test_hold_null_address_and_fqdn),
		cmocka_unit_test(test_no_connection_anywhere),
		cmocka_unit_test(test_media_bound),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_every_prefix_is_safe),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);

	free(held);
	return r;
}
