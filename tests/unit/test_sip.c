// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Unit tests for the SIP parser (user/lib/sip.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sip.h"

/* Asserts that a view equals a C string. */
#define assert_sv(view, str) do {					\
	struct sv v_ = (view);						\
	const char *s_ = (str);						\
	if (!sv_eq_cstr(v_, s_))					\
		fail_msg("expected \"%s\", got \"%.*s\"", s_,		\
			 (int)v_.len, v_.p ? v_.p : "");		\
} while (0)

/*
 * Parses a copy of text in a heap buffer of exactly strlen(text) bytes, so
 * AddressSanitizer catches any read past the end. The copy is kept alive in
 * a static slot until the next call, for the views to stay valid.
 */
static char *held;
static size_t held_len;

static enum sip_error parse_exact(const char *text, int is_stream,
				  struct sip_msg *m)
{
	size_t len = strlen(text);

	free(held);
	held_len = len;
	held = malloc(len ? len : 1);
	memcpy(held, text, len);
	return sip_parse(held, len, is_stream, m);
}

static enum sip_error parse(const char *text, struct sip_msg *m)
{
	return parse_exact(text, 0, m);
}

#define INVITE_SDP							\
	"v=0\r\n"							\
	"o=- 1 1 IN IP4 198.51.100.7\r\n"				\
	"s=-\r\n"							\
	"c=IN IP4 198.51.100.7\r\n"					\
	"t=0 0\r\n"							\
	"m=audio 20000 RTP/AVP 0\r\n"

static const char invite[] =
	"INVITE sip:bob@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK776asdhds;rport\r\n"
	"Max-Forwards: 70\r\n"
	"To: Bob <sip:bob@example.com>\r\n"
	"From: \"Alice, A.\" <sip:alice@example.org>;tag=1928301774\r\n"
	"Call-ID: a84b4c76e66710@pc33.example.org\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Contact: <sip:alice@203.0.113.5:5062;transport=udp>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 94\r\n"
	"\r\n"
	INVITE_SDP;

static void test_invite_basic(void **state)
{
	struct sip_msg m;

	assert_int_equal(strlen(INVITE_SDP), 94);
	assert_int_equal(parse(invite, &m), SIP_OK);
	assert_true(m.is_request);
	assert_int_equal(m.method, SIP_INVITE);
	assert_sv(m.request_uri_text, "sip:bob@example.com");
	assert_sv(m.request_uri.user, "bob");
	assert_sv(m.request_uri.host, "example.com");
	assert_int_equal(m.n_vias, 1);
	assert_int_equal(m.vias[0].transport, SIP_TRANSPORT_UDP);
	assert_sv(m.vias[0].host, "203.0.113.5");
	assert_int_equal(m.vias[0].port, 5060);
	assert_sv(m.vias[0].branch, "z9hG4bK776asdhds");
	assert_true(m.vias[0].has_rport);
	assert_int_equal(m.vias[0].rport, 0);
	assert_sv(m.from.display, "\"Alice, A.\"");
	assert_sv(m.from.tag, "1928301774");
	assert_sv(m.to.uri.user, "bob");
	assert_int_equal(m.to.tag.len, 0);
	assert_sv(m.call_id, "a84b4c76e66710@pc33.example.org");
	assert_int_equal(m.cseq, 314159);
	assert_int_equal(m.cseq_method, SIP_INVITE);
	assert_int_equal(m.n_contacts, 1);
	assert_sv(m.contacts[0].uri.host, "203.0.113.5");
	assert_int_equal(m.contacts[0].uri.port, 5062);
	assert_sv(m.contacts[0].uri.params, "transport=udp");
	assert_sv(m.content_type, "application/sdp");
	assert_true(m.has_content_length);
	assert_int_equal(m.body.len, 94);
	assert_sv(m.sdp, INVITE_SDP);
	assert_int_equal(m.msg_len, strlen(invite));
}

static void test_status_line(void **state)
{
	struct sip_msg m;

	assert_int_equal(parse("SIP/2.0 180 Ringing\r\n"
			       "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx;received=192.0.2.9;rport=40000\r\n"
			       "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\n"
			       "Call-ID: x\r\nCSeq: 1 INVITE\r\n\r\n", &m), SIP_OK);
	assert_false(m.is_request);
	assert_int_equal(m.status, 180);
	assert_sv(m.reason, "Ringing");
	assert_sv(m.vias[0].received, "192.0.2.9");
	assert_true(m.vias[0].has_rport);
	assert_int_equal(m.vias[0].rport, 40000);
	assert_int_equal(m.vias[0].port, 0);
	assert_sv(m.to.tag, "2");
	assert_int_equal(m.body.len, 0);
	assert_null(m.sdp.p);
}

static void test_status_without_reason(void **state)
{
	struct sip_msg m;

	assert_int_equal(parse("SIP/2.0 200\r\nVia: SIP/2.0/TCP h\r\n"
			       "f: <sip:a@b>\r\nt: <sip:c@d>\r\ni: x\r\nCSeq: 1 BYE\r\n\r\n", &m),
			 SIP_OK);
	assert_int_equal(m.status, 200);
	assert_int_equal(m.reason.len, 0);
	assert_int_equal(m.vias[0].transport, SIP_TRANSPORT_TCP);
}

static void test_bad_status_codes(void **state)
{
	struct sip_msg m;
	static const char *const lines[] = {
		"SIP/2.0 099 Low\r\n", "SIP/2.0 700 High\r\n",
		"SIP/2.0 20 Short\r\n", "SIP/2.0 2000 Long\r\n",
		"SIP/2.0 2x0 Hex\r\n",
	};
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char buf[256];

		snprintf(buf, sizeof(buf), "%sVia: SIP/2.0/UDP h\r\n"
			 "f: <sip:a@b>\r\nt: <sip:c@d>\r\ni: x\r\nCSeq: 1 BYE\r\n\r\n",
			 lines[i]);
		assert_int_equal(parse(buf, &m), SIP_ERR_STATUS_CODE);
	}
	assert_int_equal(parse("SIP/3.0 200 OK\r\n\r\n", &m), SIP_ERR_VERSION);
}

static void test_compact_forms_and_spacing(void **state)
{
	struct sip_msg m;

	assert_int_equal(parse("BYE sip:x@192.0.2.1 SIP/2.0\r\n"
			       "v : SIP / 2.0 / UDP   [2001:db8::1]:5070 ; branch = z9hG4bKa ; rport\r\n"
			       "f:<sip:a@b>;tag=9\r\n"
			       "T   :   <sip:c@d>  ;  tag=8\r\n"
			       "i:abc\r\n"
			       "cseq:  7   BYE\r\n"
			       "m: <sip:a@[2001:db8::2]:5080>\r\n"
			       "l: 0\r\n"
			       "k: timer\r\n"
			       "\r\n", &m), SIP_OK);
	assert_int_equal(m.method, SIP_BYE);
	assert_sv(m.vias[0].host, "2001:db8::1");
	assert_true(m.vias[0].host_is_ipv6);
	assert_int_equal(m.vias[0].port, 5070);
	assert_sv(m.vias[0].branch, "z9hG4bKa");
	assert_sv(m.from.tag, "9");
	assert_sv(m.to.tag, "8");
	assert_sv(m.call_id, "abc");
	assert_int_equal(m.cseq, 7);
	assert_sv(m.contacts[0].uri.host, "2001:db8::2");
	assert_int_equal(m.contacts[0].uri.port, 5080);
	assert_true(m.has_content_length);
	assert_int_equal(m.content_length, 0);
}

static void test_multiple_vias_and_lines(void **state)
{
	struct sip_msg m;

	assert_int_equal(parse("SIP/2.0 200 OK\r\n"
			       "Via: SIP/2.0/UDP a.example;branch=z9hG4bK1, SIP/2.0/TCP b.example:5061;branch=z9hG4bK2\r\n"
			       "Via: SIP/2.0/TLS c.example;branch=z9hG4bK3\r\n"
			       "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 2 REGISTER\r\n\r\n",
			       &m), SIP_OK);
	assert_int_equal(m.n_vias, 3);
	assert_sv(m.vias[0].host, "a.example");
	assert_sv(m.vias[1].host, "b.example");
	assert_int_equal(m.vias[1].port, 5061);
	assert_int_equal(m.vias[1].transport, SIP_TRANSPORT_TCP);
	assert_sv(m.vias[2].branch, "z9hG4bK3");
	assert_int_equal(m.vias[2].transport, SIP_TRANSPORT_TLS);
	assert_int_equal(m.cseq_method, SIP_REGISTER);
}

static void test_too_many_vias_are_counted(void **state)
{
	char buf[2048];
	size_t n = 0;
	struct sip_msg m;
	int i;

	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "SIP/2.0 200 OK\r\n");
	for (i = 0; i < 12; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
				      "Via: SIP/2.0/UDP h%d;branch=z9hG4bK%d\r\n", i, i);
	snprintf(buf + n, sizeof(buf) - n,
		 "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 2 INVITE\r\n\r\n");
	assert_int_equal(parse(buf, &m), SIP_OK);
	assert_int_equal(m.n_vias, SIP_MAX_VIAS);
	assert_int_equal(m.n_vias_seen, 12);
	assert_sv(m.vias[7].host, "h7");
}

static void test_contacts_commas_in_quotes_and_uris(void **state)
{
	struct sip_msg m;

	assert_int_equal(parse("REGISTER sip:registrar.example SIP/2.0\r\n"
			       "Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKr\r\n"
			       "From: <sip:100@registrar.example>;tag=a\r\n"
			       "To: <sip:100@registrar.example>\r\n"
			       "Call-ID: reg1\r\nCSeq: 1 REGISTER\r\n"
			       "Contact: \"Doe, John <x>\" <sip:100@192.0.2.4:5060;foo=a,b>;expires=120, sip:100@198.51.100.2;expires=60\r\n"
			       "Contact: <sip:100@[2001:db8::5]>;q=0.5\r\n"
			       "Expires: 3600\r\n"
			       "Content-Length: 0\r\n\r\n", &m), SIP_OK);
	assert_int_equal(m.method, SIP_REGISTER);
	assert_int_equal(m.n_contacts, 3);
	assert_sv(m.contacts[0].display, "\"Doe, John <x>\"");
	assert_sv(m.contacts[0].uri.host, "192.0.2.4");
	assert_int_equal(m.contacts[0].uri.port, 5060);
	assert_sv(m.contacts[0].uri.params, "foo=a,b");
	assert_true(m.contacts[0].has_expires);
	assert_int_equal(m.contacts[0].expires, 120);
	assert_sv(m.contacts[1].uri_text, "sip:100@198.51.100.2");
	assert_int_equal(m.contacts[1].expires, 60);
	assert_sv(m.contacts[2].uri.host, "2001:db8::5");
	assert_false(m.contacts[2].has_expires);
	assert_true(m.has_expires);
	assert_int_equal(m.expires, 3600);
}

static void test_contact_star(void **state)
{
	struct sip_msg m;

	assert_int_equal(parse("REGISTER sip:r SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
			       "From: <sip:a@r>;tag=1\r\nTo: <sip:a@r>\r\nCall-ID: x\r\n"
			       "CSeq: 3 REGISTER\r\nContact: *\r\nExpires: 0\r\n\r\n", &m),
			 SIP_OK);
	assert_true(m.contact_star);
	assert_int_equal(m.n_contacts, 0);
	assert_int_equal(m.expires, 0);
}

static void test_header_folding(void **state)
{
	struct sip_msg m;
	struct sv v;

	assert_int_equal(parse("OPTIONS sip:x@h SIP/2.0\r\n"
			       "Via: SIP/2.0/UDP h1;branch=z9hG4bK1,\r\n"
			       "  SIP/2.0/UDP h2;branch=z9hG4bK2\r\n"
			       "Subject: I know you're there,\r\n"
			       "\tpick up the phone\r\n"
			       "From: <sip:a@h>\r\n  ;tag=77\r\n"
			       "To: <sip:x@h>\r\nCall-ID: fold\r\nCSeq: 1\r\n OPTIONS\r\n\r\n", &m),
			 SIP_OK);
	assert_int_equal(m.n_vias, 2);
	assert_sv(m.vias[1].host, "h2");
	assert_sv(m.from.tag, "77");
	assert_int_equal(m.cseq_method, SIP_OPTIONS);
	assert_true(sip_header_find(&m, "subject", &v));
	assert_sv(v, "I know you're there,\r\n\tpick up the phone");
	assert_true(sip_header_find(&m, "s", &v));
	assert_true(sip_header_find(&m, "Call-ID", &v));
	assert_sv(v, "fold");
	assert_false(sip_header_find(&m, "Route", &v));
}

static void test_bare_lf_and_leading_crlf(void **state)
{
	struct sip_msg m;

	assert_int_equal(parse("\r\n\r\nACK sip:x@h SIP/2.0\n"
			       "Via: SIP/2.0/UDP h\nFrom: <sip:a@h>;tag=1\n"
			       "To: <sip:x@h>;tag=2\nCall-ID: lf\nCSeq: 5 ACK\n\nBODY", &m),
			 SIP_OK);
	assert_int_equal(m.method, SIP_ACK);
	assert_sv(m.body, "BODY");
	assert_null(m.sdp.p);
}

static void test_methods(void **state)
{
	static const struct { const char *name; enum sip_method m; } t[] = {
		{ "INVITE", SIP_INVITE }, { "ACK", SIP_ACK }, { "BYE", SIP_BYE },
		{ "CANCEL", SIP_CANCEL }, { "REGISTER", SIP_REGISTER },
		{ "OPTIONS", SIP_OPTIONS }, { "UPDATE", SIP_UPDATE },
		{ "PRACK", SIP_PRACK }, { "INFO", SIP_INFO }, { "NOTIFY", SIP_NOTIFY },
		{ "SUBSCRIBE", SIP_SUBSCRIBE }, { "MESSAGE", SIP_MESSAGE },
		{ "REFER", SIP_REFER }, { "PUBLISH", SIP_PUBLISH },
		{ "FOOBAR", SIP_METHOD_OTHER }, { "invite", SIP_METHOD_OTHER },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char buf[512];
		struct sip_msg m;

		snprintf(buf, sizeof(buf), "%s sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
			 "From: <sip:a@h>;tag=1\r\nTo: <sip:x@h>\r\nCall-ID: m\r\n"
			 "CSeq: 1 %s\r\n\r\n", t[i].name, t[i].name);
		assert_int_equal(parse(buf, &m), SIP_OK);
		assert_int_equal(m.method, t[i].m);
		assert_int_equal(m.cseq_method, t[i].m);
		assert_sv(m.method_name, t[i].name);
	}
	assert_string_equal(sip_method_name(SIP_PRACK), "PRACK");
}

static const char *hdrs_ok =
	"Via: SIP/2.0/UDP h\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:x@h>\r\n"
	"Call-ID: c\r\nCSeq: 1 INVITE\r\n";

static enum sip_error parse_invite_with(const char *extra, const char *body,
					struct sip_msg *m)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "INVITE sip:x@h SIP/2.0\r\n%s%s\r\n%s",
		 hdrs_ok, extra, body);
	return parse(buf, m);
}

static void test_content_length_rules(void **state)
{
	struct sip_msg m;

	/* missing over UDP: rest of the datagram */
	assert_int_equal(parse_invite_with("", "hello", &m), SIP_OK);
	assert_sv(m.body, "hello");
	/* smaller: body cut */
	assert_int_equal(parse_invite_with("Content-Length: 3\r\n", "hello", &m), SIP_OK);
	assert_sv(m.body, "hel");
	assert_int_equal(m.msg_len, held_len - 2);
	/* larger: truncated */
	assert_int_equal(parse_invite_with("Content-Length: 6\r\n", "hello", &m),
			 SIP_ERR_TRUNCATED);
	assert_int_equal(parse_invite_with("Content-Length: 99999999999\r\n", "", &m),
			 SIP_ERR_CONTENT_LENGTH);
	assert_int_equal(parse_invite_with("Content-Length: -1\r\n", "", &m),
			 SIP_ERR_CONTENT_LENGTH);
	assert_int_equal(parse_invite_with("Content-Length: 2\r\nl: 3\r\n", "hello", &m),
			 SIP_ERR_DUPLICATE_HEADER);
	assert_int_equal(parse_invite_with("Content-Length: 2\r\nContent-Length: 2\r\n",
					   "hello", &m), SIP_OK);
}

static void test_stream_needs_content_length(void **state)
{
	struct sip_msg m;
	char buf[1024];

	snprintf(buf, sizeof(buf), "INVITE sip:x@h SIP/2.0\r\n%s\r\n", hdrs_ok);
	assert_int_equal(parse_exact(buf, 1, &m), SIP_ERR_NO_CONTENT_LENGTH);

	/* two pipelined messages on a stream: msg_len frames the first */
	snprintf(buf, sizeof(buf), "INVITE sip:x@h SIP/2.0\r\n%sl: 2\r\n\r\nabINVITE",
		 hdrs_ok);
	assert_int_equal(parse_exact(buf, 1, &m), SIP_OK);
	assert_sv(m.body, "ab");
	assert_int_equal(m.msg_len, strlen(buf) - strlen("INVITE"));
}

static void test_multipart_sdp(void **state)
{
	struct sip_msg m;
	const char *body =
		"preamble\r\n"
		"--unique-boundary-1\r\n"
		"Content-Type: application/isup;version=itu-t92+\r\n"
		"\r\n"
		"\x01\x02\x03\r\n"
		"--unique-boundary-1\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Disposition: session\r\n"
		"\r\n"
		"v=0\r\nm=audio 4000 RTP/AVP 0\r\n"
		"\r\n--unique-boundary-1--\r\n";
	char hdr[256];

	snprintf(hdr, sizeof(hdr),
		 "Content-Type: multipart/mixed; boundary=\"unique-boundary-1\"\r\n"
		 "Content-Length: %zu\r\n", strlen(body));
	assert_int_equal(parse_invite_with(hdr, body, &m), SIP_OK);
	assert_sv(m.content_type, "multipart/mixed");
	assert_sv(m.sdp, "v=0\r\nm=audio 4000 RTP/AVP 0\r\n");
}

static void test_multipart_errors(void **state)
{
	struct sip_msg m;

	assert_int_equal(parse_invite_with("Content-Type: multipart/mixed\r\n",
					   "--x\r\n\r\n--x--\r\n", &m), SIP_ERR_MULTIPART);
	assert_int_equal(parse_invite_with("Content-Type: multipart/mixed;boundary=x\r\n",
					   "no delimiter here", &m), SIP_ERR_MULTIPART);
	assert_int_equal(parse_invite_with("Content-Type: multipart/mixed;boundary=x\r\n",
					   "--x\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n",
					   &m), SIP_ERR_MULTIPART);
	/* no SDP part is not an error: just no SDP */
	assert_int_equal(parse_invite_with("Content-Type: multipart/mixed;boundary=x\r\n",
					   "--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n--x--\r\n",
					   &m), SIP_OK);
	assert_null(m.sdp.p);
}

static void test_missing_and_conflicting_headers(void **state)
{
	struct sip_msg m;

	assert_int_equal(parse("INVITE sip:x@h SIP/2.0\r\nFrom: <sip:a@h>\r\nTo: <sip:x@h>\r\n"
			       "Call-ID: c\r\nCSeq: 1 INVITE\r\n\r\n", &m),
			 SIP_ERR_MISSING_HEADER);
	assert_int_equal(parse("INVITE sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
			       "From: <sip:a@h>\r\nTo: <sip:x@h>\r\nCSeq: 1 INVITE\r\n\r\n", &m),
			 SIP_ERR_MISSING_HEADER);
	assert_int_equal(parse_invite_with("Call-ID: other\r\n", "", &m),
			 SIP_ERR_DUPLICATE_HEADER);
	assert_int_equal(parse_invite_with("i: c\r\n", "", &m), SIP_OK);
	assert_int_equal(parse("INVITE sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
			       "From: <sip:a@h>\r\nTo: <sip:x@h>\r\nCall-ID: c\r\n"
			       "CSeq: 1 BYE\r\n\r\n", &m), SIP_ERR_CSEQ_METHOD);
}

static void test_malformed(void **state)
{
	struct sip_msg m;
	char buf[512];

	assert_int_equal(parse("", &m), SIP_ERR_EMPTY);
	assert_int_equal(parse("\r\n\r\n", &m), SIP_ERR_EMPTY);
	assert_int_equal(sip_parse(NULL, 0, 0, &m), SIP_ERR_EMPTY);
	assert_int_equal(parse("INVITE sip:x@h SIP/2.0", &m), SIP_ERR_NO_HEADER_END);
	assert_int_equal(parse("INVITE sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n", &m),
			 SIP_ERR_NO_HEADER_END);
	assert_int_equal(parse("INVITE sip:x@h\r\n\r\n", &m), SIP_ERR_VERSION);
	assert_int_equal(parse("INVITE sip:x@h HTTP/1.1\r\n\r\n", &m), SIP_ERR_VERSION);
	assert_int_equal(parse("INVITE sip:x@h SIP/2.0 extra\r\n\r\n", &m), SIP_ERR_VERSION);
	assert_int_equal(parse("INVITE nouri SIP/2.0\r\n\r\n", &m), SIP_ERR_REQUEST_URI);
	assert_int_equal(parse("INVITE sip: SIP/2.0\r\n\r\n", &m), SIP_ERR_REQUEST_URI);
	assert_int_equal(parse("INV@TE sip:x@h SIP/2.0\r\n\r\n", &m), SIP_ERR_START_LINE);
	assert_int_equal(parse("INVITE sip:x@h SIP/2.0\r\nNo colon here\r\n\r\n", &m),
			 SIP_ERR_HEADER_SYNTAX);
	assert_int_equal(parse("INVITE sip:x@h SIP/2.0\r\n continuation\r\n\r\n", &m),
			 SIP_ERR_HEADER_SYNTAX);
	assert_int_equal(parse("INVITE sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP\r\n\r\n", &m),
			 SIP_ERR_VIA);
	assert_int_equal(parse("INVITE sip:x@h SIP/2.0\r\nVia: SIP/3.0/UDP h\r\n\r\n", &m),
			 SIP_ERR_VIA);
	assert_int_equal(parse("INVITE sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h:70000\r\n\r\n", &m),
			 SIP_ERR_VIA);
	assert_int_equal(parse("INVITE sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP [::1\r\n\r\n", &m),
			 SIP_ERR_VIA);
	assert_int_equal(parse("INVITE sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h;rport=x\r\n\r\n", &m),
			 SIP_ERR_VIA);
	assert_int_equal(parse_invite_with("Contact: <sip:x@h\r\n", "", &m), SIP_ERR_CONTACT);
	assert_int_equal(parse_invite_with("Contact: \"unterminated <sip:x@h>\r\n", "", &m),
			 SIP_ERR_CONTACT);
	assert_int_equal(parse_invite_with("Expires: soon\r\n", "", &m), SIP_ERR_EXPIRES);

	snprintf(buf, sizeof(buf), "INVITE sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
		 "From: <sip:a@h>\r\nTo: <sip:x@h>\r\nCall-ID: c d\r\nCSeq: 1 INVITE\r\n\r\n");
	assert_int_equal(parse(buf, &m), SIP_ERR_CALL_ID);
	snprintf(buf, sizeof(buf), "INVITE sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
		 "From: <sip:a@h>\r\nTo: <sip:x@h>\r\nCall-ID: c\r\nCSeq: INVITE\r\n\r\n");
	assert_int_equal(parse(buf, &m), SIP_ERR_CSEQ);
	snprintf(buf, sizeof(buf), "INVITE sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
		 "From: nonsense\r\nTo: <sip:x@h>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n");
	assert_int_equal(parse(buf, &m), SIP_ERR_FROM_TO);
}

/* Fuzzer find: a Via comment right after the host left a NULL view. */
static void test_via_comment(void **state)
{
	struct sip_msg m;

	assert_int_equal(parse("BYE sip:x@h SIP/2.0\r\n"
			       "Via: SIP/2.0/UDP 203.0.113.5(~5060;branch=z9hG4bK776;rport\r\n"
			       "Via: SIP/2.0/UDP h2 (a comment)\r\n"
			       "From: <sip:a@h>;tag=1\r\nTo: <sip:x@h>\r\nCall-ID: c\r\n"
			       "CSeq: 1 BYE\r\n\r\n", &m), SIP_OK);
	assert_sv(m.vias[0].host, "203.0.113.5");
	assert_int_equal(m.vias[0].branch.len, 0);
	assert_false(m.vias[0].has_rport);
	assert_sv(m.vias[1].host, "h2");
}

static void test_expires_clamped(void **state)
{
	struct sip_msg m;

	assert_int_equal(parse_invite_with("Expires: 99999999999999999999999\r\n", "", &m),
			 SIP_OK);
	assert_int_equal(m.expires, UINT32_MAX);
}

static void test_session_expires(void **state)
{
	struct sip_msg m;

	assert_int_equal(parse_invite_with("Session-Expires: 1800;refresher=uac\r\n", "", &m),
			 SIP_OK);
	assert_true(m.has_session_expires);
	assert_int_equal(m.session_expires, 1800);
	assert_int_equal(m.se_refresher, SIP_REFRESHER_UAC);
	assert_int_equal(parse_invite_with("x: 90 ; Refresher=UAS\r\n", "", &m), SIP_OK);
	assert_int_equal(m.session_expires, 90);
	assert_int_equal(m.se_refresher, SIP_REFRESHER_UAS);
	/* the first counts; a huge one is clamped; a bad one is skipped, not an error */
	assert_int_equal(parse_invite_with("Session-Expires: 99999999999999999999\r\n"
					   "Session-Expires: 100\r\n", "", &m), SIP_OK);
	assert_int_equal(m.session_expires, UINT32_MAX);
	assert_int_equal(m.se_refresher, SIP_REFRESHER_NONE);
	assert_int_equal(parse_invite_with("Session-Expires: soon\r\n", "", &m), SIP_OK);
	assert_false(m.has_session_expires);
	assert_int_equal(parse_invite_with("Session-Expires: \r\n", "", &m), SIP_OK);
	assert_false(m.has_session_expires);
}

static void test_strerror(void **state)
{
	int e;

	for (e = 0; e < SIP_ERR_COUNT; e++) {
		assert_non_null(sip_strerror((enum sip_error)e));
		assert_true(strlen(sip_strerror((enum sip_error)e)) > 0);
	}
	assert_string_equal(sip_strerror(SIP_ERR_TRUNCATED),
			    "truncated: body shorter than Content-Length");
	assert_string_equal(sip_strerror((enum sip_error)1000), "unknown error");
}

static void test_uri_parse(void **state)
{
	struct sip_uri u;

	assert_int_equal(sip_uri_parse(sv_from_cstr("sips:alice:pw@[2001:db8::9]:5061;transport=tls?subject=x"), &u), 0);
	assert_sv(u.scheme, "sips");
	assert_sv(u.user, "alice:pw");
	assert_sv(u.host, "2001:db8::9");
	assert_true(u.host_is_ipv6);
	assert_int_equal(u.port, 5061);
	assert_sv(u.params, "transport=tls");
	assert_int_equal(sip_uri_parse(sv_from_cstr("sip:example.com"), &u), 0);
	assert_int_equal(u.user.len, 0);
	assert_int_equal(u.port, 0);
	assert_int_equal(sip_uri_parse(sv_from_cstr("tel:+15551234;phone-context=x"), &u), 0);
	assert_sv(u.user, "+15551234");
	assert_int_equal(u.host.len, 0);
	assert_int_equal(sip_uri_parse(sv_from_cstr("sip:h:0"), &u), -1);
	assert_int_equal(sip_uri_parse(sv_from_cstr("sip:h:65536"), &u), -1);
	assert_int_equal(sip_uri_parse(sv_from_cstr("sip:[zz]"), &u), -1);
	assert_int_equal(sip_uri_parse(sv_from_cstr("sip:h x"), &u), -1);
	assert_int_equal(sip_uri_parse(sv_from_cstr(":x"), &u), -1);
	assert_int_equal(sip_uri_parse(sv_from_cstr("sip:h:5060junk"), &u), -1);
}

static void test_param_find(void **state)
{
	struct sv v;

	assert_true(sip_param_find(sv_from_cstr("a=1; B = \"x;y\" ;c"), "b", &v));
	assert_sv(v, "\"x;y\"");
	assert_true(sip_param_find(sv_from_cstr("a=1;c"), "c", &v));
	assert_int_equal(v.len, 0);
	assert_false(sip_param_find(sv_from_cstr("a=1;cc"), "c", &v));
	assert_false(sip_param_find(SV_NULL, "c", &v));
}

static void test_host_to_addr(void **state)
{
	uint8_t a[16];
	char text[SIP_ADDR_STRLEN];
	static const uint8_t v4[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
					192, 0, 2, 1 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					0, 0, 0, 0, 0, 0, 0, 1 };

	assert_int_equal(sip_host_to_addr(sv_from_cstr("192.0.2.1"), a), 0);
	assert_memory_equal(a, v4, 16);
	assert_true(sip_addr_is_v4mapped(a));
	assert_string_equal(sip_addr_format(a, text, sizeof(text)), "192.0.2.1");
	assert_int_equal(sip_host_to_addr(sv_from_cstr("[2001:db8::1]"), a), 0);
	assert_memory_equal(a, v6, 16);
	assert_false(sip_addr_is_v4mapped(a));
	assert_string_equal(sip_addr_format(a, text, sizeof(text)), "2001:db8::1");
	assert_int_equal(sip_host_to_addr(sv_from_cstr("2001:db8::1"), a), 0);
	assert_memory_equal(a, v6, 16);
	assert_int_equal(sip_host_to_addr(sv_from_cstr("example.com"), a), -1);
	assert_int_equal(sip_host_to_addr(sv_from_cstr("192.0.2.256"), a), -1);
	assert_int_equal(sip_host_to_addr(sv_from_cstr(""), a), -1);
	assert_int_equal(sip_host_to_addr(sv_make("1.2.3.4\0", 8), a), -1);
	assert_int_equal(sip_host_to_addr(sv_from_cstr(
		"1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa"), a), -1);
}

/* Every prefix of a valid message must parse or fail cleanly (ASan checks reads). */
static void test_every_prefix_is_safe(void **state)
{
	size_t len = strlen(invite), i;
	struct sip_msg m;

	for (i = 0; i <= len; i++) {
		char *copy = malloc(i ? i : 1);
		enum sip_error e;

		memcpy(copy, invite, i);
		e = sip_parse(copy, i, 0, &m);
		if (i < len)
			assert_int_not_equal(e, SIP_OK);
		else
			assert_int_equal(e, SIP_OK);
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invite_basic),
		cmocka_unit_test(test_status_line),
		cmocka_unit_test(test_status_without_reason),
		cmocka_unit_test(test_bad_status_codes),
		cmocka_unit_test(test_compact_forms_and_spacing),
		cmocka_unit_test(test_multiple_vias_and_lines),
		cmocka_unit_test(test_too_many_vias_are_counted),
		cmocka_unit_test(test_contacts_commas_in_quotes_and_uris),
		cmocka_unit_test(test_contact_star),
		cmocka_unit_test(test_header_folding),
		cmocka_unit_test(test_bare_lf_and_leading_crlf),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_content_length_rules),
		cmocka_unit_test(test_stream_needs_content_length),
		cmocka_unit_test(test_multipart_sdp),
		cmocka_unit_test(test_multipart_errors),
		cmocka_unit_test(test_missing_and_conflicting_headers),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_via_comment),
		cmocka_unit_test(test_expires_clamped),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_uri_parse),
		cmocka_unit_test(test_param_find),
		cmocka_unit_test(test_session_expires),
		cmocka_unit_test(test_host_to_addr),
		cmocka_unit_test(test_every_prefix_is_safe),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);

	free(held);
	return r;
}
