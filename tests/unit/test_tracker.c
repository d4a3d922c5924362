// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests for the registration and dialog trackers: whole SIP flows fed
 * message by message, asserting the exact event sequence each one emits.
 *
 * Cast: our PBX's public address 203.0.113.10 (media ports 10000+), the
 * trunk/SBC 198.51.100.1 (SIP peer), a media server 198.51.100.50.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "sip.h"
#include "eventfmt.h"
#include "tracker.h"
#include "addr.h"

#define SEC VFW_NS_PER_SEC
#define T0 (1000 * SEC)

#define PBX    "203.0.113.10"
#define TRUNK  "198.51.100.1"
#define MEDIA  "198.51.100.50"

/* ---- fixture -------------------------------------------------------- */

struct fx {
	struct vfw_tracker *t;
	struct vfw_tracker_config cfg;
	char log[8192];         /* events since the last check, "; "-separated */
	struct vfw_event last;
	unsigned n_events;
	__u64 now;
	char peer[64];          /* remote address of observed messages */
	__u8 proto;             /* transport of observed messages (UDP) */
	__u16 remote_port;      /* their remote port (5060) */
	char *bufs[4];          /* messages are parsed from exact-size heap copies */
};

static void addr_of(const char *text, __u8 out[16])
{
	assert_int_equal(sip_host_to_addr(sv_from_cstr(text), out), 0);
}

/* Short, stable text form of an event for sequence assertions. */
static void event_text(const struct vfw_event *ev, __u64 t0, char *buf, size_t len)
{
	char a[SIP_ADDR_STRLEN];

	sip_addr_format(ev->addr, a, sizeof(a));
	switch (ev->type) {
	case VFW_EV_TRUNK_LEARN:
	case VFW_EV_TRUNK_REFRESH:
		snprintf(buf, len, "%s %s exp=+%llu", vfw_event_type_name(ev->type), a,
			 (unsigned long long)((ev->expires_ns - t0) / SEC));
		break;
	case VFW_EV_TRUNK_EXPIRE:
		snprintf(buf, len, "%s %s", vfw_event_type_name(ev->type), a);
		break;
	case VFW_EV_PINHOLE_OPEN:
	case VFW_EV_PINHOLE_UPDATE:
	case VFW_EV_PINHOLE_CLOSE:
		snprintf(buf, len, "%s %s%s>%u%s%s",
			 vfw_event_type_name(ev->type) + strlen("pinhole_"),
			 ev->proto == IPPROTO_TCP ? "tcp:" : "", a, ev->local_port,
			 ev->provisional ? " prov" : "", ev->idle_ns ? "" : " noidle");
		break;
	default:
		snprintf(buf, len, "warning(%s)", ev->reason);
		break;
	}
}

static void on_event(void *ctx, const struct vfw_event *ev)
{
	struct fx *fx = ctx;
	char line[256];
	size_t n = strlen(fx->log);

	/* invariants every pinhole event must keep */
	if (ev->type >= VFW_EV_PINHOLE_OPEN && ev->type <= VFW_EV_PINHOLE_CLOSE) {
		assert_true(ev->call_hash != 0);
		assert_int_equal(ev->call_hash, vfw_call_hash(sv_from_cstr(ev->call_id)));
		assert_true(ev->expires_ns > 0);
		assert_non_null(ev->reason);
	}
	event_text(ev, T0, line, sizeof(line));
	snprintf(fx->log + n, sizeof(fx->log) - n, "%s%s", n ? "; " : "", line);
	fx->last = *ev;
	fx->n_events++;
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	vfw_tracker_config_defaults(&fx->cfg);
	fx->t = vfw_tracker_new(&fx->cfg, (struct vfw_sink){ fx, on_event });
	assert_non_null(fx->t);
	fx->now = T0;
	strcpy(fx->peer, TRUNK);
	fx->proto = IPPROTO_UDP;
	fx->remote_port = 5060;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	unsigned i;

	vfw_tracker_free(fx->t);
	for (i = 0; i < 4; i++)
		free(fx->bufs[i]);
	free(fx);
	return 0;
}

static void reconfigure(struct fx *fx)
{
	vfw_tracker_free(fx->t);
	fx->t = vfw_tracker_new(&fx->cfg, (struct vfw_sink){ fx, on_event });
	assert_non_null(fx->t);
}

#define expect(fx, text) do {						\
	if (strcmp((fx)->log, (text)) != 0)				\
		fail_msg("events:\n  got:  \"%s\"\n  want: \"%s\"",	\
			 (fx)->log, (text));				\
	(fx)->log[0] = '\0';						\
} while (0)

/* Parses text (must be valid SIP) and feeds it as seen on the WAN. */
static void feed(struct fx *fx, int outbound, const char *text)
{
	static unsigned slot;
	struct sip_msg msg;
	struct vfw_sip_obs obs;
	size_t len = strlen(text);
	char **buf = &fx->bufs[slot++ % 4];
	enum sip_error err;

	free(*buf);
	*buf = malloc(len);
	memcpy(*buf, text, len);
	err = sip_parse(*buf, len, 0, &msg);
	if (err != SIP_OK)
		fail_msg("test message does not parse: %s\n%s", sip_strerror(err), text);

	memset(&obs, 0, sizeof(obs));
	obs.outbound = outbound;
	obs.proto = fx->proto;
	addr_of(PBX, obs.local_addr);
	addr_of(fx->peer, obs.remote_addr);
	obs.local_port = 5060;
	obs.remote_port = fx->remote_port;
	obs.now_ns = fx->now;
	obs.msg = &msg;
	vfw_tracker_observe(fx->t, &obs);
}

/* ---- message builders ----------------------------------------------- */

static char sdp_bufs[8][512];
static unsigned sdp_slot;

/* One audio stream (plus optional extra m= sections / attributes). */
static const char *sdp(const char *addr, int port, const char *extra)
{
	char *b = sdp_bufs[sdp_slot++ % 8];
	int v6 = strchr(addr, ':') != NULL;

	snprintf(b, 512, "v=0\r\no=- 1 1 IN IP%c %s\r\ns=-\r\nc=IN IP%c %s\r\nt=0 0\r\n"
		 "m=audio %d RTP/AVP 0 101\r\n%s",
		 v6 ? '6' : '4', addr, v6 ? '6' : '4', addr, port, extra ? extra : "");
	return b;
}

static char msg_buf[4096];

/*
 * A request: method, Call-ID, CSeq, From tag, To tag ("" for none), body
 * (SDP or NULL), extra header lines.
 */
static const char *req(const char *method, const char *cid, int cseq,
		       const char *ftag, const char *ttag, const char *body,
		       const char *extra)
{
	snprintf(msg_buf, sizeof(msg_buf),
		 "%s sip:peer@" TRUNK " SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP " PBX ":5060;branch=z9hG4bK%s%d%s\r\n"
		 "From: <sip:a@example.org>;tag=%s\r\n"
		 "To: <sip:b@example.org>%s%s\r\n"
		 "Call-ID: %s\r\nCSeq: %d %s\r\n%s%s"
		 "Content-Length: %zu\r\n\r\n%s",
		 method, cid, cseq, method, ftag, *ttag ? ";tag=" : "", ttag, cid, cseq,
		 method, extra ? extra : "",
		 body ? "Content-Type: application/sdp\r\n" : "",
		 body ? strlen(body) : 0, body ? body : "");
	return msg_buf;
}

static const char *resp(int code, const char *method, const char *cid, int cseq,
			const char *ftag, const char *ttag, const char *body,
			const char *extra)
{
	snprintf(msg_buf, sizeof(msg_buf),
		 "SIP/2.0 %d Whatever\r\n"
		 "Via: SIP/2.0/UDP " PBX ":5060;branch=z9hG4bK%s%d\r\n"
		 "From: <sip:a@example.org>;tag=%s\r\n"
		 "To: <sip:b@example.org>%s%s\r\n"
		 "Call-ID: %s\r\nCSeq: %d %s\r\n%s%s"
		 "Content-Length: %zu\r\n\r\n%s",
		 code, cid, cseq, ftag, *ttag ? ";tag=" : "", ttag, cid, cseq, method,
		 extra ? extra : "",
		 body ? "Content-Type: application/sdp\r\n" : "",
		 body ? strlen(body) : 0, body ? body : "");
	return msg_buf;
}

#define OUT 1
#define IN  0

/* ---- registrations -------------------------------------------------- */

#define REG_CONTACT "Contact: <sip:100@" PBX ":5060>\r\n"
#define REG_VIA_OK "Via: SIP/2.0/UDP " PBX ":5060;branch=z9hG4bKr;received=" PBX ";rport=5060\r\n"

static const char *register_req(int cseq, const char *extra)
{
	return req("REGISTER", "reg-1", cseq, "r1", "", NULL, extra);
}

static void test_register_learn_refresh_unregister(void **state)
{
	struct fx *fx = *state;

	feed(fx, OUT, register_req(1, REG_CONTACT "Expires: 600\r\n"));
	expect(fx, "");
	feed(fx, IN, resp(100, "REGISTER", "reg-1", 1, "r1", "", NULL, NULL));
	expect(fx, "");
	feed(fx, IN, resp(200, "REGISTER", "reg-1", 1, "r1", "s1", NULL,
			  "Contact: <sip:100@" PBX ":5060>;expires=300\r\n"
			  "Contact: <sip:100@192.0.2.99:5060>;expires=900\r\n"));
	expect(fx, "trunk_learn 198.51.100.1 exp=+360");	/* ours: 300 + 60 grace */
	assert_int_equal(vfw_tracker_n_registrations(fx->t), 1);

	/* a retransmitted 200 matches no open transaction: nothing */
	feed(fx, IN, resp(200, "REGISTER", "reg-1", 1, "r1", "s1", NULL, NULL));
	expect(fx, "");

	fx->now = T0 + 200 * SEC;
	feed(fx, OUT, register_req(2, REG_CONTACT "Expires: 600\r\n"));
	feed(fx, IN, resp(200, "REGISTER", "reg-1", 2, "r1", "s1", NULL,
			  "Expires: 600\r\n"));
	expect(fx, "trunk_refresh 198.51.100.1 exp=+860");

	feed(fx, OUT, register_req(3, REG_CONTACT "Expires: 0\r\n"));
	expect(fx, "");
	feed(fx, IN, resp(200, "REGISTER", "reg-1", 3, "r1", "s1", NULL, NULL));
	expect(fx, "trunk_expire 198.51.100.1");
	assert_int_equal(vfw_tracker_n_registrations(fx->t), 0);
}

static void test_register_challenge_then_ok(void **state)
{
	struct fx *fx = *state;

	feed(fx, OUT, register_req(1, REG_CONTACT));
	feed(fx, IN, resp(401, "REGISTER", "reg-1", 1, "r1", "s1", NULL,
			  "WWW-Authenticate: Digest realm=\"x\", nonce=\"y\"\r\n"));
	expect(fx, "");
	feed(fx, OUT, register_req(2, REG_CONTACT "Authorization: Digest username=\"100\"\r\n"));
	feed(fx, IN, resp(200, "REGISTER", "reg-1", 2, "r1", "s1", NULL, "Expires: 120\r\n"));
	expect(fx, "trunk_learn 198.51.100.1 exp=+180");
}

static void test_register_default_expiry_and_contact_star(void **state)
{
	struct fx *fx = *state;

	feed(fx, OUT, register_req(1, REG_CONTACT));
	feed(fx, IN, resp(200, "REGISTER", "reg-1", 1, "r1", "s1", NULL, NULL));
	expect(fx, "trunk_learn 198.51.100.1 exp=+3660");
	feed(fx, OUT, register_req(2, "Contact: *\r\nExpires: 0\r\n"));
	feed(fx, IN, resp(200, "REGISTER", "reg-1", 2, "r1", "s1", NULL, NULL));
	expect(fx, "trunk_expire 198.51.100.1");
}

/*
 * The registrar is trusted for what it granted, but never longer than our
 * system asked for, nor than max_reg_trust_s (4 h): an Expires of 2^32-1
 * (or beyond, clamped to it) is not 136 years of trust.
 */
static void test_register_trust_capped(void **state)
{
	struct fx *fx = *state;

	feed(fx, OUT, register_req(1, REG_CONTACT "Expires: 600\r\n"));
	feed(fx, IN, resp(200, "REGISTER", "reg-1", 1, "r1", "s1", NULL,
			  "Expires: 4294967295\r\n"));
	expect(fx, "trunk_learn 198.51.100.1 exp=+660");	/* as asked + grace */
	feed(fx, OUT, register_req(2, REG_CONTACT));		/* nothing asked */
	feed(fx, IN, resp(200, "REGISTER", "reg-1", 2, "r1", "s1", NULL,
			  "Contact: <sip:100@" PBX ":5060>;expires=99999999999\r\n"));
	expect(fx, "trunk_refresh 198.51.100.1 exp=+14460");	/* 4 h + grace */
}

/* Fuzzer find: a Contact without a host (tel: URI) copied from a NULL view. */
static void test_register_hostless_contact(void **state)
{
	struct fx *fx = *state;

	feed(fx, OUT, register_req(1, "Contact: <tel:+15551234>\r\n"));
	feed(fx, IN, resp(200, "REGISTER", "reg-1", 1, "r1", "s1", NULL, "Expires: 30\r\n"));
	expect(fx, "trunk_learn 198.51.100.1 exp=+90");
}

static void test_register_failure(void **state)
{
	struct fx *fx = *state;

	/* failure with nothing learned: a warning only */
	feed(fx, OUT, register_req(1, REG_CONTACT));
	feed(fx, IN, resp(403, "REGISTER", "reg-1", 1, "r1", "s1", NULL, NULL));
	expect(fx, "warning(registration rejected)");
	assert_non_null(strstr(fx->last.text, "403"));

	/* learned, then a refresh is refused: the trunk goes */
	feed(fx, OUT, register_req(2, REG_CONTACT));
	feed(fx, IN, resp(200, "REGISTER", "reg-1", 2, "r1", "s1", NULL, "Expires: 60\r\n"));
	expect(fx, "trunk_learn 198.51.100.1 exp=+120");
	feed(fx, OUT, register_req(3, REG_CONTACT));
	feed(fx, IN, resp(407, "REGISTER", "reg-1", 3, "r1", "s1", NULL, NULL));
	expect(fx, "");
	feed(fx, OUT, register_req(4, REG_CONTACT));
	feed(fx, IN, resp(503, "REGISTER", "reg-1", 4, "r1", "s1", NULL, NULL));
	expect(fx, "trunk_expire 198.51.100.1");
}

static void test_register_expires_in_tick(void **state)
{
	struct fx *fx = *state;

	feed(fx, OUT, register_req(1, REG_CONTACT));
	feed(fx, IN, resp(200, "REGISTER", "reg-1", 1, "r1", "s1", NULL, "Expires: 60\r\n"));
	expect(fx, "trunk_learn 198.51.100.1 exp=+120");
	vfw_tracker_tick(fx->t, T0 + 119 * SEC);
	expect(fx, "");
	vfw_tracker_tick(fx->t, T0 + 120 * SEC);
	expect(fx, "trunk_expire 198.51.100.1");
	vfw_tracker_tick(fx->t, T0 + 500 * SEC);
	expect(fx, "");
}

static void test_register_unanswered_is_forgotten(void **state)
{
	struct fx *fx = *state;

	feed(fx, OUT, register_req(1, REG_CONTACT));
	vfw_tracker_tick(fx->t, T0 + 33 * SEC);
	feed(fx, IN, resp(200, "REGISTER", "reg-1", 1, "r1", "s1", NULL, NULL));
	expect(fx, "");
}

static void test_register_two_accounts_one_registrar(void **state)
{
	struct fx *fx = *state;

	feed(fx, OUT, req("REGISTER", "acct-a", 1, "a", "", NULL, REG_CONTACT "Expires: 100\r\n"));
	feed(fx, IN, resp(200, "REGISTER", "acct-a", 1, "a", "s", NULL, NULL));
	expect(fx, "trunk_learn 198.51.100.1 exp=+160");
	feed(fx, OUT, req("REGISTER", "acct-b", 1, "b", "", NULL, REG_CONTACT "Expires: 300\r\n"));
	feed(fx, IN, resp(200, "REGISTER", "acct-b", 1, "b", "s", NULL, NULL));
	expect(fx, "trunk_refresh 198.51.100.1 exp=+360");
	/* account A leaves: the trunk stays, for B */
	feed(fx, OUT, req("REGISTER", "acct-a", 2, "a", "", NULL, REG_CONTACT "Expires: 0\r\n"));
	feed(fx, IN, resp(200, "REGISTER", "acct-a", 2, "a", "s", NULL, NULL));
	expect(fx, "trunk_refresh 198.51.100.1 exp=+360");
	vfw_tracker_tick(fx->t, T0 + 360 * SEC);
	expect(fx, "trunk_expire 198.51.100.1");
}

static void test_register_nat_warnings(void **state)
{
	struct fx *fx = *state;

	/* The PBX advertises its LAN address; the registrar sees the WAN one. */
	feed(fx, OUT, register_req(1, "Contact: <sip:100@192.168.1.10:5060>;expires=60\r\n"));
	snprintf(msg_buf, sizeof(msg_buf),
		 "SIP/2.0 200 OK\r\n"
		 "Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bKr;received=" PBX ";rport=40000\r\n"
		 "From: <sip:100@example.org>;tag=r1\r\nTo: <sip:100@example.org>;tag=s1\r\n"
		 "Call-ID: reg-1\r\nCSeq: 1 REGISTER\r\n"
		 "Contact: <sip:100@192.168.1.10:5060>;expires=60\r\nContent-Length: 0\r\n\r\n");
	feed(fx, IN, msg_buf);
	expect(fx, "trunk_learn 198.51.100.1 exp=+120; warning(contact differs from public address)");
	assert_non_null(strstr(fx->last.text, PBX ":40000"));
	assert_non_null(strstr(fx->last.text, "192.168.1.10:5060"));

	/*
	 * ...and its SDP carries the LAN address too: only a suspicion, no
	 * warning until the media check (test_nat_* below) finds no RTP.
	 */
	feed(fx, OUT, req("INVITE", "c1", 1, "a1", "", sdp("192.168.1.10", 10000, NULL), NULL));
	expect(fx, "open 198.51.100.1>10000 prov noidle; open 198.51.100.1>10001 prov noidle");
}

/* ---- the advertised-address check ----------------------------------- */

#define LAN "192.168.1.10"

/* A registration through NAT whose registrar sees us as PBX (received=). */
static void register_public(struct fx *fx)
{
	feed(fx, OUT, register_req(1, REG_CONTACT));
	snprintf(msg_buf, sizeof(msg_buf),
		 "SIP/2.0 200 OK\r\n" REG_VIA_OK
		 "From: <sip:100@example.org>;tag=r1\r\nTo: <sip:100@example.org>;tag=s1\r\n"
		 "Call-ID: reg-1\r\nCSeq: 1 REGISTER\r\n"
		 REG_CONTACT "Expires: 600\r\nContent-Length: 0\r\n\r\n");
	feed(fx, IN, msg_buf);
	expect(fx, "trunk_learn 198.51.100.1 exp=+660");
}

/* Our outbound call advertising addr, answered by the trunk at T0 + 1 s. */
static void call_out_answered(struct fx *fx, const char *cid, const char *addr)
{
	feed(fx, OUT, req("INVITE", cid, 1, "pbx", "", sdp(addr, 10000, NULL), NULL));
	fx->now = T0 + 1 * SEC;
	feed(fx, IN, resp(200, "INVITE", cid, 1, "pbx", "callee", sdp(TRUNK, 40000, NULL), NULL));
	feed(fx, OUT, req("ACK", cid, 1, "pbx", "callee", NULL, NULL));
	fx->log[0] = '\0';
}

/* The calls due for a media check at `at`; *hash the first one. */
static unsigned media_due(struct fx *fx, __u64 at, __u64 *hash)
{
	__u64 h[4] = { 0 };
	unsigned n = vfw_tracker_media_due(fx->t, at, h, 4);

	if (hash)
		*hash = h[0];
	return n;
}

/* Through a NAT-fixing relay the far end's RTP arrives: no warning, ever. */
static void test_nat_suspect_media_seen(void **state)
{
	struct fx *fx = *state;
	__u64 h;

	register_public(fx);
	call_out_answered(fx, "nat-ok", LAN);
	/* the check waits VFW_MEDIA_CHECK_NS from the answer, not the INVITE */
	assert_int_equal(media_due(fx, T0 + 5 * SEC, NULL), 0);
	assert_int_equal(media_due(fx, T0 + 6 * SEC, &h), 1);
	assert_int_equal(h, vfw_call_hash(sv_from_cstr("nat-ok")));
	vfw_tracker_media_seen(fx->t, h);
	expect(fx, "");
	/* asked once; a stray late verdict changes nothing */
	assert_int_equal(media_due(fx, T0 + 60 * SEC, NULL), 0);
	vfw_tracker_media_missing(fx->t, h);
	expect(fx, "");
}

/* No RTP reached our port: one warning naming the evidence and the addresses. */
static void test_nat_suspect_media_missing(void **state)
{
	struct fx *fx = *state;
	__u64 h;

	register_public(fx);
	call_out_answered(fx, "nat-bad", LAN);
	assert_int_equal(media_due(fx, T0 + 6 * SEC, &h), 1);
	vfw_tracker_media_missing(fx->t, h);
	expect(fx, "warning(SDP address differs from public address)");
	assert_string_equal(fx->last.call_id, "nat-bad");
	assert_string_equal(fx->last.text,
			    "no RTP from the far end reached port 10000 within 5 s of the "
			    "answer; our SDP advertises " LAN " but the registrar sees us as " PBX);
	/* once per call */
	vfw_tracker_media_missing(fx->t, h);
	assert_int_equal(media_due(fx, T0 + 60 * SEC, NULL), 0);
	/* a re-INVITE from the same address does not ask again */
	feed(fx, OUT, req("INVITE", "nat-bad", 2, "pbx", "callee", sdp(LAN, 10000, NULL), NULL));
	feed(fx, IN, resp(200, "INVITE", "nat-bad", 2, "pbx", "callee", sdp(TRUNK, 40000, NULL), NULL));
	assert_int_equal(media_due(fx, T0 + 120 * SEC, NULL), 0);
	/* its completed offer/answer re-asserts the pinholes, and warns of nothing */
	expect(fx, "update 198.51.100.1>10000; update 198.51.100.1>10001");
}

/* Nothing to compare with, or nothing differs, or no answer: never asked. */
static void test_nat_no_suspicion(void **state)
{
	struct fx *fx = *state;

	/* no registration: no public address known (and the 2xx's Via agrees) */
	call_out_answered(fx, "no-pub", LAN);
	assert_int_equal(media_due(fx, T0 + 60 * SEC, NULL), 0);
	vfw_tracker_media_missing(fx->t, vfw_call_hash(sv_from_cstr("no-pub")));
	expect(fx, "");

	fx->now = T0;
	register_public(fx);
	/* our SDP advertises the public address: nothing to check */
	call_out_answered(fx, "pub-ok", PBX);
	assert_int_equal(media_due(fx, T0 + 60 * SEC, NULL), 0);

	/* suspect but never answered: ringing is silent, no check */
	fx->now = T0;
	feed(fx, OUT, req("INVITE", "ringing", 1, "pbx", "", sdp(LAN, 10002, NULL), NULL));
	feed(fx, IN, resp(180, "INVITE", "ringing", 1, "pbx", "callee", NULL, NULL));
	assert_int_equal(media_due(fx, T0 + 60 * SEC, NULL), 0);

	/* suspect, answered, but ended before the check: nothing left to ask */
	fx->now = T0;
	call_out_answered(fx, "short", LAN);
	feed(fx, OUT, req("BYE", "short", 2, "pbx", "callee", NULL, NULL));
	assert_int_equal(media_due(fx, T0 + 60 * SEC, NULL), 0);
}

/* The far end answers on hold (it will not send): silence is no evidence. */
static void test_nat_held_from_answer(void **state)
{
	struct fx *fx = *state;

	register_public(fx);
	feed(fx, OUT, req("INVITE", "held", 1, "pbx", "", sdp(LAN, 10000, NULL), NULL));
	feed(fx, IN, resp(200, "INVITE", "held", 1, "pbx", "callee",
			  sdp(TRUNK, 40000, "a=recvonly\r\n"), NULL));
	assert_int_equal(media_due(fx, T0 + 60 * SEC, NULL), 0);
	expect(fx, "open 198.51.100.1>10000 prov noidle; open 198.51.100.1>10001 prov noidle; "
		   "update 198.51.100.1>10000 noidle; update 198.51.100.1>10001 noidle");
}

/* Inbound: the clock starts at our 2xx; our SDP in it is the suspect one. */
static void test_nat_inbound_missing(void **state)
{
	struct fx *fx = *state;
	__u64 h;

	register_public(fx);
	feed(fx, IN, req("INVITE", "in-nat", 1, "caller", "", sdp(MEDIA, 30000, NULL), NULL));
	fx->now = T0 + 30 * SEC;	/* rang for 30 s */
	feed(fx, OUT, resp(200, "INVITE", "in-nat", 1, "caller", "pbx", sdp(LAN, 10004, NULL), NULL));
	fx->log[0] = '\0';
	assert_int_equal(media_due(fx, T0 + 34 * SEC, NULL), 0);
	assert_int_equal(media_due(fx, T0 + 35 * SEC, &h), 1);
	vfw_tracker_media_missing(fx->t, h);
	expect(fx, "warning(SDP address differs from public address)");
	assert_non_null(strstr(fx->last.text, "reached port 10004 within 5 s"));
}

/*
 * No registration (a trunk by IP), but the 2xx to our INVITE says, by its
 * Via received= and rport=, that the far end saw us elsewhere than our
 * SDP says; no RTP follows. Media arriving would have cleared it.
 */
static void test_nat_via_received(void **state)
{
	struct fx *fx = *state;
	const char *via_lan = "Via: SIP/2.0/UDP " LAN ":5060;branch=z9hG4bKv1;rport\r\n";
	__u64 h;
	int i;

	for (i = 0; i < 3; i++) {
		const char *cid = i == 0 ? "via-bad" : i == 1 ? "via-ok" : "via-agrees";
		const char *rcv = i < 2 ? ";received=" PBX ";rport=40000" : ";rport=5060";

		fx->now = T0;
		snprintf(msg_buf, sizeof(msg_buf),
			 "INVITE sip:peer@" TRUNK " SIP/2.0\r\n%s"
			 "From: <sip:a@example.org>;tag=pbx\r\nTo: <sip:b@example.org>\r\n"
			 "Call-ID: %s\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\n"
			 "Content-Length: %zu\r\n\r\n%s", via_lan, cid,
			 strlen(sdp(LAN, 10000 + 2 * i, NULL)), sdp(LAN, 10000 + 2 * i, NULL));
		feed(fx, OUT, msg_buf);
		fx->now = T0 + SEC;
		snprintf(msg_buf, sizeof(msg_buf),
			 "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP " LAN ":5060;branch=z9hG4bKv1%s\r\n"
			 "From: <sip:a@example.org>;tag=pbx\r\nTo: <sip:b@example.org>;tag=far\r\n"
			 "Call-ID: %s\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\n"
			 "Content-Length: %zu\r\n\r\n%s", rcv, cid,
			 strlen(sdp(TRUNK, 40000, NULL)), sdp(TRUNK, 40000, NULL));
		feed(fx, IN, msg_buf);
	}
	fx->log[0] = '\0';
	/* the third call's Via came back as sent: not suspect */
	assert_int_equal(vfw_tracker_media_due(fx->t, T0 + 6 * SEC, (__u64[4]){ 0 }, 4), 2);
	vfw_tracker_media_seen(fx->t, vfw_call_hash(sv_from_cstr("via-ok")));
	expect(fx, "");
	h = vfw_call_hash(sv_from_cstr("via-bad"));
	vfw_tracker_media_missing(fx->t, h);
	expect(fx, "warning(SDP address differs from Via received)");
	assert_string_equal(fx->last.call_id, "via-bad");
	assert_string_equal(fx->last.text,
			    "no RTP from the far end reached port 10000 within 5 s of the "
			    "answer; our SDP advertises " LAN " but the far end sees us as "
			    PBX " (Via)");
}

/* The longest warning (two full-length IPv6 addresses) is not cut short. */
static void test_nat_warning_fits(void **state)
{
	struct fx *fx = *state;
	const char *lan6 = "fd00:1111:2222:3333:4444:5555:6666:7777";
	const char *pub6 = "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff";
	char want[VFW_EVENT_TEXT_MAX + 64];

	snprintf(msg_buf, sizeof(msg_buf),
		 "INVITE sip:peer@" TRUNK " SIP/2.0\r\nVia: SIP/2.0/UDP [%s]:5060;branch=z9hG4bKv6\r\n"
		 "From: <sip:a@example.org>;tag=pbx\r\nTo: <sip:b@example.org>\r\n"
		 "Call-ID: v6\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\n"
		 "Content-Length: %zu\r\n\r\n%s", lan6,
		 strlen(sdp(lan6, 65534, NULL)), sdp(lan6, 65534, NULL));
	feed(fx, OUT, msg_buf);
	snprintf(msg_buf, sizeof(msg_buf),
		 "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP [%s]:5060;branch=z9hG4bKv6;received=%s\r\n"
		 "From: <sip:a@example.org>;tag=pbx\r\nTo: <sip:b@example.org>;tag=far\r\n"
		 "Call-ID: v6\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\n"
		 "Content-Length: %zu\r\n\r\n%s", lan6, pub6,
		 strlen(sdp(TRUNK, 40000, NULL)), sdp(TRUNK, 40000, NULL));
	feed(fx, IN, msg_buf);
	fx->log[0] = '\0';
	assert_int_equal(vfw_tracker_media_due(fx->t, T0 + 5 * SEC, (__u64[1]){ 0 }, 1), 1);
	vfw_tracker_media_missing(fx->t, vfw_call_hash(sv_from_cstr("v6")));
	expect(fx, "warning(SDP address differs from Via received)");
	snprintf(want, sizeof(want),
		 "no RTP from the far end reached port 65534 within 5 s of the answer; "
		 "our SDP advertises %s but the far end sees us as %s (Via)", lan6, pub6);
	assert_true(strlen(want) < VFW_EVENT_TEXT_MAX);
	assert_string_equal(fx->last.text, want);
}

/* Many suspect calls: handed out max at a time, each once. */
static void test_nat_due_batches(void **state)
{
	struct fx *fx = *state;
	__u64 h[4];
	char cid[16];
	int i;

	register_public(fx);
	for (i = 0; i < 6; i++) {
		snprintf(cid, sizeof(cid), "batch-%d", i);
		fx->now = T0;
		call_out_answered(fx, cid, LAN);
	}
	assert_int_equal(vfw_tracker_media_due(fx->t, T0 + 6 * SEC, h, 4), 4);
	assert_int_equal(vfw_tracker_media_due(fx->t, T0 + 6 * SEC, h, 4), 2);
	assert_int_equal(vfw_tracker_media_due(fx->t, T0 + 7 * SEC, h, 4), 0);
}

/* ---- calls ---------------------------------------------------------- */

/* Inbound call, remote offer: pinholes open the moment our answer leaves. */
static void test_inbound_call(void **state)
{
	struct fx *fx = *state;

	feed(fx, IN, req("INVITE", "in-1", 1, "caller", "", sdp(MEDIA, 30000, NULL), NULL));
	expect(fx, "");
	feed(fx, OUT, resp(100, "INVITE", "in-1", 1, "caller", "", NULL, NULL));
	feed(fx, OUT, resp(180, "INVITE", "in-1", 1, "caller", "pbx", NULL, NULL));
	expect(fx, "");
	feed(fx, OUT, resp(200, "INVITE", "in-1", 1, "caller", "pbx", sdp(PBX, 10000, NULL), NULL));
	expect(fx, "open 198.51.100.50>10000; open 198.51.100.50>10001");
	assert_int_equal(fx->last.expires_ns, T0 + 4 * 3600 * SEC);
	assert_int_equal(fx->last.idle_ns, 60 * SEC);
	assert_int_equal(fx->last.proto, IPPROTO_UDP);
	feed(fx, IN, req("ACK", "in-1", 1, "caller", "pbx", NULL, NULL));
	expect(fx, "");
	assert_int_equal(vfw_tracker_n_calls(fx->t), 1);

	feed(fx, IN, req("BYE", "in-1", 2, "caller", "pbx", NULL, NULL));
	expect(fx, "close 198.51.100.50>10000; close 198.51.100.50>10001");
	feed(fx, OUT, resp(200, "BYE", "in-1", 2, "caller", "pbx", NULL, NULL));
	expect(fx, "");
	assert_int_equal(vfw_tracker_n_calls(fx->t), 0);
}

/* Outbound call: provisional pinholes from the trunk, confirmed by the answer. */
static void test_outbound_call_answer_from_peer(void **state)
{
	struct fx *fx = *state;

	feed(fx, OUT, req("INVITE", "out-1", 1, "pbx", "", sdp(PBX, 10000, NULL), NULL));
	expect(fx, "open 198.51.100.1>10000 prov noidle; open 198.51.100.1>10001 prov noidle");
	feed(fx, IN, resp(100, "INVITE", "out-1", 1, "pbx", "", NULL, NULL));
	feed(fx, IN, resp(180, "INVITE", "out-1", 1, "pbx", "callee", NULL, NULL));
	expect(fx, "");
	feed(fx, IN, resp(200, "INVITE", "out-1", 1, "pbx", "callee", sdp(TRUNK, 40000, NULL), NULL));
	expect(fx, "update 198.51.100.1>10000; update 198.51.100.1>10001");
	assert_string_equal(fx->last.reason, "confirmed by answer");
	feed(fx, OUT, req("ACK", "out-1", 1, "pbx", "callee", NULL, NULL));
	expect(fx, "");
	feed(fx, OUT, req("BYE", "out-1", 2, "pbx", "callee", NULL, NULL));
	expect(fx, "close 198.51.100.1>10000; close 198.51.100.1>10001");
	assert_string_equal(fx->last.reason, "BYE sent");
}

/*
 * Inbound call whose 183 carries our SDP, answered 90 s later (longer than
 * the idle timeout): the pinholes open without idle timeout, the 200 gives
 * them one, so the kernel resets last-seen at answer time.
 */
static void test_inbound_ringing_then_answer(void **state)
{
	struct fx *fx = *state;

	feed(fx, IN, req("INVITE", "ring-in", 1, "caller", "", sdp(MEDIA, 30000, NULL), NULL));
	feed(fx, OUT, resp(180, "INVITE", "ring-in", 1, "caller", "pbx", NULL, NULL));
	expect(fx, "");
	feed(fx, OUT, resp(183, "INVITE", "ring-in", 1, "caller", "pbx", sdp(PBX, 10000, NULL), NULL));
	expect(fx, "open 198.51.100.50>10000 noidle; open 198.51.100.50>10001 noidle");
	assert_int_equal(fx->last.idle_ns, 0);
	assert_false(fx->last.provisional);

	fx->now = T0 + 90 * SEC;
	vfw_tracker_tick(fx->t, fx->now);
	expect(fx, "");
	feed(fx, OUT, resp(200, "INVITE", "ring-in", 1, "caller", "pbx", sdp(PBX, 10000, NULL), NULL));
	expect(fx, "update 198.51.100.50>10000; update 198.51.100.50>10001");
	assert_int_equal(fx->last.idle_ns, 60 * SEC);
	/* call_max from the latest in-dialog message */
	assert_int_equal(fx->last.expires_ns, T0 + 90 * SEC + 4 * 3600 * SEC);
	assert_string_equal(fx->last.reason, "call answered: idle timeout starts");

	/* the 200 retransmitted until the ACK arrives: nothing more */
	feed(fx, OUT, resp(200, "INVITE", "ring-in", 1, "caller", "pbx", sdp(PBX, 10000, NULL), NULL));
	feed(fx, IN, req("ACK", "ring-in", 1, "caller", "pbx", NULL, NULL));
	feed(fx, OUT, resp(200, "INVITE", "ring-in", 1, "caller", "pbx", sdp(PBX, 10000, NULL), NULL));
	expect(fx, "");
	feed(fx, IN, req("BYE", "ring-in", 2, "caller", "pbx", NULL, NULL));
	expect(fx, "close 198.51.100.50>10000; close 198.51.100.50>10001");
}

/* The answer was in the reliable 183; the 200 carries no SDP and still starts the clock. */
static void test_inbound_answer_without_sdp(void **state)
{
	struct fx *fx = *state;

	feed(fx, IN, req("INVITE", "ring-100rel", 1, "caller", "", sdp(MEDIA, 30000, NULL), NULL));
	feed(fx, OUT, resp(183, "INVITE", "ring-100rel", 1, "caller", "pbx", sdp(PBX, 10000, NULL),
			   "Require: 100rel\r\nRSeq: 1\r\n"));
	feed(fx, IN, req("PRACK", "ring-100rel", 2, "caller", "pbx", NULL, "RAck: 1 1 INVITE\r\n"));
	feed(fx, OUT, resp(200, "PRACK", "ring-100rel", 2, "caller", "pbx", NULL, NULL));
	expect(fx, "open 198.51.100.50>10000 noidle; open 198.51.100.50>10001 noidle");
	feed(fx, OUT, resp(200, "INVITE", "ring-100rel", 1, "caller", "pbx", NULL, NULL));
	expect(fx, "update 198.51.100.50>10000; update 198.51.100.50>10001");
}

/* Ringing pinholes have no idle timeout; the setup timeout still bounds them. */
static void test_ringing_bounded_by_setup_timeout(void **state)
{
	struct fx *fx = *state;

	feed(fx, IN, req("INVITE", "ring-long", 1, "caller", "", sdp(MEDIA, 30000, NULL), NULL));
	feed(fx, OUT, resp(183, "INVITE", "ring-long", 1, "caller", "pbx", sdp(PBX, 10000, NULL), NULL));
	expect(fx, "open 198.51.100.50>10000 noidle; open 198.51.100.50>10001 noidle");
	vfw_tracker_tick(fx->t, T0 + 299 * SEC);
	expect(fx, "");
	vfw_tracker_tick(fx->t, T0 + 300 * SEC);
	expect(fx, "close 198.51.100.50>10000 noidle; close 198.51.100.50>10001 noidle");
	assert_string_equal(fx->last.reason, "call setup timed out");
	assert_int_equal(vfw_tracker_n_calls(fx->t), 0);
}

/*
 * Outbound call ringing for 90 s on provisional pinholes, answered from the
 * SIP peer's address: one UPDATE per pinhole, both confirmed and with the
 * idle timeout.
 */
static void test_outbound_ringing_then_answer_from_peer(void **state)
{
	struct fx *fx = *state;

	feed(fx, OUT, req("INVITE", "ring-out", 1, "pbx", "", sdp(PBX, 10000, NULL), NULL));
	expect(fx, "open 198.51.100.1>10000 prov noidle; open 198.51.100.1>10001 prov noidle");
	feed(fx, IN, resp(180, "INVITE", "ring-out", 1, "pbx", "callee", NULL, NULL));
	fx->now = T0 + 90 * SEC;
	vfw_tracker_tick(fx->t, fx->now);
	expect(fx, "");
	feed(fx, IN, resp(200, "INVITE", "ring-out", 1, "pbx", "callee", sdp(TRUNK, 40000, NULL), NULL));
	expect(fx, "update 198.51.100.1>10000; update 198.51.100.1>10001");
	assert_false(fx->last.provisional);
	assert_int_equal(fx->last.idle_ns, 60 * SEC);
	assert_string_equal(fx->last.reason, "confirmed by answer");
	feed(fx, OUT, req("ACK", "ring-out", 1, "pbx", "callee", NULL, NULL));
	feed(fx, IN, resp(200, "INVITE", "ring-out", 1, "pbx", "callee", sdp(TRUNK, 40000, NULL), NULL));
	feed(fx, OUT, req("ACK", "ring-out", 1, "pbx", "callee", NULL, NULL));
	expect(fx, "");
}

/* Early media from the SIP peer confirms the address first, the 200 the call. */
static void test_outbound_early_media_from_peer_then_answer(void **state)
{
	struct fx *fx = *state;

	feed(fx, OUT, req("INVITE", "ring-em", 1, "pbx", "", sdp(PBX, 10000, NULL), NULL));
	expect(fx, "open 198.51.100.1>10000 prov noidle; open 198.51.100.1>10001 prov noidle");
	feed(fx, IN, resp(183, "INVITE", "ring-em", 1, "pbx", "callee", sdp(TRUNK, 40000, NULL), NULL));
	expect(fx, "update 198.51.100.1>10000 noidle; update 198.51.100.1>10001 noidle");
	assert_string_equal(fx->last.reason, "confirmed by answer");
	feed(fx, IN, resp(183, "INVITE", "ring-em", 1, "pbx", "callee", sdp(TRUNK, 40000, NULL), NULL));
	expect(fx, "");
	feed(fx, IN, resp(200, "INVITE", "ring-em", 1, "pbx", "callee", sdp(TRUNK, 40000, NULL), NULL));
	expect(fx, "update 198.51.100.1>10000; update 198.51.100.1>10001");
	assert_string_equal(fx->last.reason, "call answered: idle timeout starts");
}

/* A fork's early media arriving after another fork answered on the same pinhole. */
static void test_late_fork_keeps_idle_timeout(void **state)
{
	struct fx *fx = *state;

	feed(fx, OUT, req("INVITE", "late-fork", 1, "pbx", "", sdp(PBX, 10000, "a=rtcp-mux\r\n"), NULL));
	feed(fx, IN, resp(200, "INVITE", "late-fork", 1, "pbx", "A", sdp(MEDIA, 30000, NULL), NULL));
	expect(fx, "open 198.51.100.1>10000 prov noidle; "
		   "open 198.51.100.50>10000; close 198.51.100.1>10000 prov noidle");
	/* the answered dialog's media keeps it alive; a stale fork must not disable that */
	feed(fx, IN, resp(183, "INVITE", "late-fork", 1, "pbx", "C", sdp(MEDIA, 30002, NULL), NULL));
	/* C's answer completes an offer/answer: the call's pinholes are re-asserted */
	expect(fx, "update 198.51.100.50>10000");
	assert_string_equal(fx->last.reason, "re-asserted");
	assert_int_equal(fx->last.idle_ns, 60 * SEC);
	feed(fx, IN, resp(487, "INVITE", "late-fork", 1, "pbx", "C", NULL, NULL));
	expect(fx, "");
}

/* Early media from another address: open it before closing the provisional one. */
static void test_outbound_call_early_media_elsewhere(void **state)
{
	struct fx *fx = *state;

	feed(fx, OUT, req("INVITE", "out-2", 1, "pbx", "", sdp(PBX, 10000, NULL), NULL));
	expect(fx, "open 198.51.100.1>10000 prov noidle; open 198.51.100.1>10001 prov noidle");
	feed(fx, IN, resp(183, "INVITE", "out-2", 1, "pbx", "callee", sdp(MEDIA, 30000, NULL), NULL));
	expect(fx, "open 198.51.100.50>10000 noidle; open 198.51.100.50>10001 noidle; "
		   "close 198.51.100.1>10001 prov noidle; close 198.51.100.1>10000 prov noidle");
	/* the 200 repeats the answer: same pinholes, now with the idle timeout */
	feed(fx, IN, resp(200, "INVITE", "out-2", 1, "pbx", "callee", sdp(MEDIA, 30000, NULL), NULL));
	expect(fx, "update 198.51.100.50>10000; update 198.51.100.50>10001");
	assert_string_equal(fx->last.reason, "call answered: idle timeout starts");
	feed(fx, OUT, req("ACK", "out-2", 1, "pbx", "callee", NULL, NULL));
	expect(fx, "");
	/* BYE from the far end */
	feed(fx, IN, req("BYE", "out-2", 5, "callee", "pbx", NULL, NULL));
	expect(fx, "close 198.51.100.50>10000; close 198.51.100.50>10001");
	assert_string_equal(fx->last.reason, "BYE received");
	assert_int_equal(vfw_tracker_n_calls(fx->t), 0);
}

/* Two forks with early media, a 2xx from one, then a forked 2xx from the other. */
static void test_forked_early_media_and_2xx(void **state)
{
	struct fx *fx = *state;

	feed(fx, OUT, req("INVITE", "fork", 1, "pbx", "", sdp(PBX, 10000, "a=rtcp-mux\r\n"), NULL));
	expect(fx, "open 198.51.100.1>10000 prov noidle");
	feed(fx, IN, resp(183, "INVITE", "fork", 1, "pbx", "A", sdp("192.0.2.1", 1000, NULL), NULL));
	expect(fx, "open 192.0.2.1>10000 noidle; close 198.51.100.1>10000 prov noidle");
	feed(fx, IN, resp(183, "INVITE", "fork", 1, "pbx", "B", sdp("192.0.2.2", 2000, NULL), NULL));
	/* B's answer completes an offer/answer: A's pinhole is written again too */
	expect(fx, "update 192.0.2.1>10000 noidle; open 192.0.2.2>10000 noidle");
	/* A answers: its pinhole gets the idle timeout, B's early media ends */
	feed(fx, IN, resp(200, "INVITE", "fork", 1, "pbx", "A", sdp("192.0.2.1", 1000, NULL), NULL));
	expect(fx, "update 192.0.2.1>10000; close 192.0.2.2>10000 noidle");
	feed(fx, IN, resp(200, "INVITE", "fork", 1, "pbx", "B", sdp("192.0.2.2", 2000, NULL), NULL));
	expect(fx, "update 192.0.2.1>10000; open 192.0.2.2>10000");
	feed(fx, OUT, req("ACK", "fork", 1, "pbx", "B", NULL, NULL));
	feed(fx, OUT, req("BYE", "fork", 2, "pbx", "B", NULL, NULL));
	expect(fx, "close 192.0.2.2>10000");
	assert_int_equal(vfw_tracker_n_calls(fx->t), 1);
	feed(fx, IN, req("BYE", "fork", 7, "A", "pbx", NULL, NULL));
	expect(fx, "close 192.0.2.1>10000");
	assert_int_equal(vfw_tracker_n_calls(fx->t), 0);
}

/* Late offer: INVITE without SDP, we offer in the 200, the remote answers in the ACK. */
static void test_late_offer(void **state)
{
	struct fx *fx = *state;

	feed(fx, IN, req("INVITE", "late", 1, "caller", "", NULL, NULL));
	/* the 200 that carries our offer also answers the call: idle timeout at once */
	feed(fx, OUT, resp(200, "INVITE", "late", 1, "caller", "pbx", sdp(PBX, 12000, NULL), NULL));
	expect(fx, "open 198.51.100.1>12000 prov; open 198.51.100.1>12001 prov");
	feed(fx, IN, req("ACK", "late", 1, "caller", "pbx", sdp(MEDIA, 30000, NULL), NULL));
	expect(fx, "open 198.51.100.50>12000; open 198.51.100.50>12001; "
		   "close 198.51.100.1>12001 prov; close 198.51.100.1>12000 prov");
}

/* Establishes an inbound call "c" with remote MEDIA:30000 and our 10000. */
static void establish_inbound(struct fx *fx, const char *cid)
{
	feed(fx, IN, req("INVITE", cid, 1, "caller", "", sdp(MEDIA, 30000, NULL), NULL));
	feed(fx, OUT, resp(200, "INVITE", cid, 1, "caller", "pbx", sdp(PBX, 10000, NULL), NULL));
	feed(fx, IN, req("ACK", cid, 1, "caller", "pbx", NULL, NULL));
	expect(fx, "open 198.51.100.50>10000; open 198.51.100.50>10001");
}

/* We hold (sendonly / remote recvonly): pinholes kept, idle off; resume on a new port. */
static void test_hold_and_resume_with_new_port(void **state)
{
	struct fx *fx = *state;

	establish_inbound(fx, "hold");
	feed(fx, OUT, req("INVITE", "hold", 1, "pbx", "caller", sdp(PBX, 10000, "a=sendonly\r\n"), NULL));
	/* media may stop as soon as the offer is out: no idle timeout from now */
	expect(fx, "update 198.51.100.50>10000 noidle; update 198.51.100.50>10001 noidle");
	assert_string_equal(fx->last.reason, "hold: no idle timeout");
	assert_int_equal(fx->last.idle_ns, 0);
	feed(fx, IN, resp(200, "INVITE", "hold", 1, "pbx", "caller", sdp(MEDIA, 30000, "a=recvonly\r\n"), NULL));
	expect(fx, "update 198.51.100.50>10000 noidle; update 198.51.100.50>10001 noidle");
	assert_string_equal(fx->last.reason, "re-asserted");
	assert_int_equal(fx->last.idle_ns, 0);
	feed(fx, OUT, req("ACK", "hold", 1, "pbx", "caller", NULL, NULL));
	expect(fx, "");

	/*
	 * Resume, moving our media to port 10002: the new port opens with the
	 * offer, still without idle timeout, which comes back with the answer.
	 */
	feed(fx, OUT, req("INVITE", "hold", 2, "pbx", "caller", sdp(PBX, 10002, NULL), NULL));
	expect(fx, "open 198.51.100.50>10002 noidle; open 198.51.100.50>10003 noidle");
	feed(fx, IN, resp(200, "INVITE", "hold", 2, "pbx", "caller", sdp(MEDIA, 30000, NULL), NULL));
	expect(fx, "update 198.51.100.50>10002; update 198.51.100.50>10003; "
		   "close 198.51.100.50>10001 noidle; close 198.51.100.50>10000 noidle");
	feed(fx, IN, req("BYE", "hold", 2, "caller", "pbx", NULL, NULL));
	expect(fx, "close 198.51.100.50>10002; close 198.51.100.50>10003");
}

/* The remote holds with c=0.0.0.0 (RFC 2543 style) and resumes from a new address. */
static void test_remote_hold_null_address(void **state)
{
	struct fx *fx = *state;

	establish_inbound(fx, "h0");
	feed(fx, IN, req("INVITE", "h0", 2, "caller", "pbx", sdp("0.0.0.0", 30000, NULL), NULL));
	expect(fx, "update 198.51.100.50>10000 noidle; update 198.51.100.50>10001 noidle");
	feed(fx, OUT, resp(200, "INVITE", "h0", 2, "caller", "pbx", sdp(PBX, 10000, NULL), NULL));
	expect(fx, "update 198.51.100.50>10000 noidle; update 198.51.100.50>10001 noidle");
	feed(fx, IN, req("INVITE", "h0", 3, "caller", "pbx", sdp("198.51.100.60", 30000, NULL), NULL));
	expect(fx, "open 198.51.100.60>10000 noidle; open 198.51.100.60>10001 noidle");
	feed(fx, OUT, resp(200, "INVITE", "h0", 3, "caller", "pbx", sdp(PBX, 10000, NULL), NULL));
	expect(fx, "update 198.51.100.60>10000; update 198.51.100.60>10001; "
		   "close 198.51.100.50>10001 noidle; close 198.51.100.50>10000 noidle");
}

/* A refused re-INVITE drops what its offer opened; the old session stays. */
static void test_reinvite_refused(void **state)
{
	struct fx *fx = *state;

	establish_inbound(fx, "r488");
	feed(fx, IN, req("INVITE", "r488", 2, "caller", "pbx",
			 sdp("198.51.100.70", 30000, "m=video 30002 RTP/AVP 96\r\n"), NULL));
	/* the offerer may switch address at once: its new address opens now */
	expect(fx, "open 198.51.100.70>10000; open 198.51.100.70>10001");
	feed(fx, OUT, resp(488, "INVITE", "r488", 2, "caller", "pbx", NULL, NULL));
	expect(fx, "close 198.51.100.70>10001; close 198.51.100.70>10000");
	/* now an UPDATE offer from us, answered: ports move to 10010 */
	feed(fx, OUT, req("UPDATE", "r488", 1, "pbx", "caller", sdp(PBX, 10010, NULL), NULL));
	expect(fx, "open 198.51.100.50>10010; open 198.51.100.50>10011");
	feed(fx, IN, resp(200, "UPDATE", "r488", 1, "pbx", "caller", sdp(MEDIA, 30000, NULL), NULL));
	expect(fx, "update 198.51.100.50>10010; update 198.51.100.50>10011; "
		   "close 198.51.100.50>10001; close 198.51.100.50>10000");
}

static void test_cancel(void **state)
{
	struct fx *fx = *state;

	feed(fx, OUT, req("INVITE", "cx", 1, "pbx", "", sdp(PBX, 10000, NULL), NULL));
	feed(fx, IN, resp(180, "INVITE", "cx", 1, "pbx", "callee", NULL, NULL));
	expect(fx, "open 198.51.100.1>10000 prov noidle; open 198.51.100.1>10001 prov noidle");
	feed(fx, OUT, req("CANCEL", "cx", 1, "pbx", "", NULL, NULL));
	expect(fx, "close 198.51.100.1>10000 prov noidle; close 198.51.100.1>10001 prov noidle");
	assert_string_equal(fx->last.reason, "CANCEL");
	feed(fx, IN, resp(200, "CANCEL", "cx", 1, "pbx", "callee", NULL, NULL));
	feed(fx, IN, resp(487, "INVITE", "cx", 1, "pbx", "callee", NULL, NULL));
	feed(fx, OUT, req("ACK", "cx", 1, "pbx", "callee", NULL, NULL));
	expect(fx, "");
	assert_int_equal(vfw_tracker_n_calls(fx->t), 0);
}

static void test_busy_486(void **state)
{
	struct fx *fx = *state;

	feed(fx, OUT, req("INVITE", "busy", 1, "pbx", "", sdp(PBX, 10000, NULL), NULL));
	expect(fx, "open 198.51.100.1>10000 prov noidle; open 198.51.100.1>10001 prov noidle");
	feed(fx, IN, resp(486, "INVITE", "busy", 1, "pbx", "callee", NULL, NULL));
	expect(fx, "close 198.51.100.1>10000 prov noidle; close 198.51.100.1>10001 prov noidle");
	assert_string_equal(fx->last.reason, "INVITE failed");
	feed(fx, OUT, req("ACK", "busy", 1, "pbx", "callee", NULL, NULL));
	expect(fx, "");

	/* inbound INVITE we refuse: nothing was ever opened */
	feed(fx, IN, req("INVITE", "busy2", 1, "caller", "", sdp(MEDIA, 30000, NULL), NULL));
	feed(fx, OUT, resp(486, "INVITE", "busy2", 1, "caller", "pbx", NULL, NULL));
	expect(fx, "");
	assert_int_equal(vfw_tracker_n_calls(fx->t), 0);
}

static void test_invite_challenge_keeps_call(void **state)
{
	struct fx *fx = *state;

	feed(fx, OUT, req("INVITE", "auth", 1, "pbx", "", sdp(PBX, 10000, NULL), NULL));
	expect(fx, "open 198.51.100.1>10000 prov noidle; open 198.51.100.1>10001 prov noidle");
	feed(fx, IN, resp(407, "INVITE", "auth", 1, "pbx", "x", NULL, NULL));
	feed(fx, OUT, req("ACK", "auth", 1, "pbx", "x", NULL, NULL));
	feed(fx, OUT, req("INVITE", "auth", 2, "pbx", "", sdp(PBX, 10000, NULL), NULL));
	expect(fx, "");
	feed(fx, IN, resp(200, "INVITE", "auth", 2, "pbx", "callee", sdp(MEDIA, 30000, NULL), NULL));
	expect(fx, "open 198.51.100.50>10000; open 198.51.100.50>10001; "
		   "close 198.51.100.1>10001 prov noidle; close 198.51.100.1>10000 prov noidle");
}

/* Every message twice: the second copy never emits anything. */
static void test_retransmissions(void **state)
{
	struct fx *fx = *state;
	const char *sdp_in = sdp(MEDIA, 30000, NULL);
	const char *sdp_out = sdp(PBX, 10000, NULL);
	int i;

	for (i = 0; i < 2; i++)
		feed(fx, IN, req("INVITE", "rtx", 1, "caller", "", sdp_in, NULL));
	expect(fx, "");
	for (i = 0; i < 2; i++)
		feed(fx, OUT, resp(183, "INVITE", "rtx", 1, "caller", "pbx", sdp_out, NULL));
	expect(fx, "open 198.51.100.50>10000 noidle; open 198.51.100.50>10001 noidle");
	for (i = 0; i < 3; i++) {
		feed(fx, IN, req("INVITE", "rtx", 1, "caller", "", sdp_in, NULL));
		feed(fx, OUT, resp(200, "INVITE", "rtx", 1, "caller", "pbx", sdp_out, NULL));
		feed(fx, IN, req("ACK", "rtx", 1, "caller", "pbx", NULL, NULL));
		/* only the first 200 answers the call */
		expect(fx, i == 0 ? "update 198.51.100.50>10000; update 198.51.100.50>10001" : "");
	}
	for (i = 0; i < 2; i++)
		feed(fx, OUT, req("BYE", "rtx", 1, "pbx", "caller", NULL, NULL));
	expect(fx, "close 198.51.100.50>10000; close 198.51.100.50>10001");
}

static void test_ipv6_call(void **state)
{
	struct fx *fx = *state;

	strcpy(fx->peer, "2001:db8::1");
	feed(fx, OUT, req("INVITE", "v6", 1, "pbx", "", sdp("2001:db8:f::10", 10000, NULL), NULL));
	expect(fx, "open 2001:db8::1>10000 prov noidle; open 2001:db8::1>10001 prov noidle");
	feed(fx, IN, resp(200, "INVITE", "v6", 1, "pbx", "callee",
			  sdp("2001:db8::50", 30000, "a=rtcp:30011 IN IP6 2001:db8::51\r\n"), NULL));
	expect(fx, "open 2001:db8::50>10000; open 2001:db8::51>10001; "
		   "close 2001:db8::1>10001 prov noidle; close 2001:db8::1>10000 prov noidle");
	feed(fx, IN, req("BYE", "v6", 9, "callee", "pbx", NULL, NULL));
	expect(fx, "close 2001:db8::50>10000; close 2001:db8::51>10001");
}

/* Our a=rtcp port and a rejected video stream in the answer. */
static void test_rtcp_attr_and_rejected_stream(void **state)
{
	struct fx *fx = *state;

	feed(fx, IN, req("INVITE", "rej", 1, "caller", "",
			 sdp(MEDIA, 30000, "m=video 30002 RTP/AVP 96\r\n"), NULL));
	feed(fx, OUT, resp(200, "INVITE", "rej", 1, "caller", "pbx",
			   sdp(PBX, 10000, "a=rtcp:10101\r\nm=video 0 RTP/AVP 96\r\n"), NULL));
	expect(fx, "open 198.51.100.50>10000; open 198.51.100.50>10101");
}

/* T.38 re-INVITE: udptl carries no RTCP. */
static void test_t38_switch(void **state)
{
	struct fx *fx = *state;
	static const char t38_in[] =
		"v=0\r\no=- 1 2 IN IP4 " MEDIA "\r\ns=-\r\nc=IN IP4 " MEDIA "\r\nt=0 0\r\n"
		"m=image 31000 udptl t38\r\n";
	static const char t38_out[] =
		"v=0\r\no=- 1 2 IN IP4 " PBX "\r\ns=-\r\nc=IN IP4 " PBX "\r\nt=0 0\r\n"
		"m=image 11000 udptl t38\r\n";

	establish_inbound(fx, "fax");
	feed(fx, IN, req("INVITE", "fax", 2, "caller", "pbx", t38_in, NULL));
	feed(fx, OUT, resp(200, "INVITE", "fax", 2, "caller", "pbx", t38_out, NULL));
	expect(fx, "open 198.51.100.50>11000; close 198.51.100.50>10001; close 198.51.100.50>10000");
}

static void test_setup_timeout_and_hard_cap(void **state)
{
	struct fx *fx = *state;

	feed(fx, OUT, req("INVITE", "stale", 1, "pbx", "", sdp(PBX, 10000, NULL), NULL));
	expect(fx, "open 198.51.100.1>10000 prov noidle; open 198.51.100.1>10001 prov noidle");
	vfw_tracker_tick(fx->t, T0 + 299 * SEC);
	expect(fx, "");
	vfw_tracker_tick(fx->t, T0 + 300 * SEC);
	expect(fx, "close 198.51.100.1>10000 prov noidle; close 198.51.100.1>10001 prov noidle");
	assert_string_equal(fx->last.reason, "call setup timed out");

	establish_inbound(fx, "long");
	vfw_tracker_tick(fx->t, T0 + 3600 * SEC);
	expect(fx, "");
	vfw_tracker_tick(fx->t, T0 + 4 * 3600 * SEC);
	expect(fx, "close 198.51.100.50>10000; close 198.51.100.50>10001");
	assert_string_equal(fx->last.reason, "call_max without signalling or media");
	assert_int_equal(vfw_tracker_n_calls(fx->t), 0);
}

static void test_call_table_full(void **state)
{
	struct fx *fx = *state;

	fx->cfg.max_calls = 1;
	reconfigure(fx);
	establish_inbound(fx, "one");
	feed(fx, IN, req("INVITE", "two", 1, "caller", "", sdp(MEDIA, 30002, NULL), NULL));
	expect(fx, "warning(call table full)");
	feed(fx, OUT, resp(200, "INVITE", "two", 1, "caller", "pbx", sdp(PBX, 10002, NULL), NULL));
	expect(fx, "");
	feed(fx, IN, req("BYE", "one", 2, "caller", "pbx", NULL, NULL));
	expect(fx, "close 198.51.100.50>10000; close 198.51.100.50>10001");
}

/*
 * The call table allocates on demand: fill it to max_calls, end every
 * call, fill it again. Under LeakSanitizer this also shows nothing leaks;
 * with this many calls, hash buckets are surely shared.
 */
static void fill_calls(struct fx *fx, unsigned n, int round)
{
	char cid[32];
	unsigned i;

	for (i = 0; i < n; i++) {
		snprintf(cid, sizeof(cid), "fill-%d-%u@trunk", round, i);
		feed(fx, IN, req("INVITE", cid, 1, "caller", "", sdp(MEDIA, 30000, NULL), NULL));
		feed(fx, OUT, resp(200, "INVITE", cid, 1, "caller", "pbx",
				   sdp(PBX, 10000 + 2 * (int)(i % 1000), NULL), NULL));
		fx->log[0] = '\0';
	}
}

static void end_calls(struct fx *fx, unsigned n, int round)
{
	char cid[32];
	unsigned i;

	for (i = 0; i < n; i++) {
		snprintf(cid, sizeof(cid), "fill-%d-%u@trunk", round, i);
		feed(fx, IN, req("BYE", cid, 2, "caller", "pbx", NULL, NULL));
		assert_string_equal(fx->last.call_id, cid);
		assert_int_equal(fx->last.type, VFW_EV_PINHOLE_CLOSE);
		fx->log[0] = '\0';
	}
}

static void test_call_table_reusable(void **state)
{
	struct fx *fx = *state;
	const unsigned n = 2000;

	fx->cfg.max_calls = n;
	reconfigure(fx);
	fill_calls(fx, n, 0);
	assert_int_equal(vfw_tracker_n_calls(fx->t), n);
	assert_int_equal(fx->n_events, 2 * n);
	feed(fx, IN, req("INVITE", "one-too-many", 1, "caller", "", sdp(MEDIA, 30000, NULL), NULL));
	expect(fx, "warning(call table full)");
	end_calls(fx, n, 0);
	assert_int_equal(vfw_tracker_n_calls(fx->t), 0);
	assert_int_equal(fx->n_events, 4 * n + 1);

	fill_calls(fx, n, 1);
	assert_int_equal(vfw_tracker_n_calls(fx->t), n);
	/* every call is still found by its own Call-ID */
	end_calls(fx, n / 2, 1);
	assert_int_equal(vfw_tracker_n_calls(fx->t), n - n / 2);
	/* the rest end in tick, oldest first; teardown frees nothing live then */
	fx->n_events = 0;
	vfw_tracker_tick(fx->t, T0 + 4 * 3600 * SEC);
	assert_int_equal(fx->n_events, 2 * (n - n / 2));
	assert_int_equal(vfw_tracker_n_calls(fx->t), 0);
	/* and the tracker is freed with calls live (teardown): no leak either */
	fill_calls(fx, 10, 2);
}

/*
 * Two calls with the same 64-bit hash, hence the same bucket whatever the
 * index does: an imported record with a truncated Call-ID keeps the hash
 * it was given, here the one of "short". They must stay apart by Call-ID,
 * and ending either one must leave the other findable. (The record has
 * no pinholes: the fixture checks every pinhole event's hash against its
 * Call-ID, which this forged record would fail.)
 */
static void test_call_hash_collision(void **state)
{
	struct fx *fx = *state;
	struct vfw_call_record rec, out;
	__u64 hash = vfw_call_hash(sv_from_cstr("short"));

	memset(&rec, 0, sizeof(rec));
	rec.version = VFW_CALL_RECORD_VERSION;
	rec.flags = VFW_CALL_F_CONFIRMED;
	rec.call_hash = hash;
	rec.call_id_len = VFW_CALL_ID_MAX;
	memset(rec.call_id, 'x', VFW_CALL_ID_MAX);
	rec.proto = IPPROTO_UDP;
	rec.created_ns = T0;
	rec.expires_ns = T0 + 100 * SEC;
	assert_int_equal(vfw_tracker_import_call(fx->t, &rec), 0);

	/* "short" does not match the imported call: a new one, same bucket */
	establish_inbound(fx, "short");
	assert_int_equal(vfw_tracker_n_calls(fx->t), 2);
	assert_int_equal(vfw_tracker_import_call(fx->t, &rec), -EEXIST);
	/* by hash alone, the older call answers */
	assert_int_equal(vfw_tracker_export_call(fx->t, hash, &out), 0);
	assert_int_equal(out.call_id_len, VFW_CALL_ID_MAX);

	/* ending the second in the chain leaves the first */
	feed(fx, IN, req("BYE", "short", 2, "caller", "pbx", NULL, NULL));
	expect(fx, "close 198.51.100.50>10000; close 198.51.100.50>10001");
	assert_int_equal(vfw_tracker_n_calls(fx->t), 1);
	assert_int_equal(vfw_tracker_export_call(fx->t, hash, &out), 0);
	assert_int_equal(out.call_id_len, VFW_CALL_ID_MAX);

	/* again behind it, then the first (the chain's head) ends in tick */
	establish_inbound(fx, "short");
	assert_int_equal(vfw_tracker_n_calls(fx->t), 2);
	vfw_tracker_tick(fx->t, T0 + 100 * SEC);
	expect(fx, "");
	assert_int_equal(vfw_tracker_n_calls(fx->t), 1);
	assert_int_equal(vfw_tracker_export_call(fx->t, hash, &out), 0);
	assert_int_equal(out.call_id_len, 5);
	feed(fx, IN, req("BYE", "short", 2, "caller", "pbx", NULL, NULL));
	expect(fx, "close 198.51.100.50>10000; close 198.51.100.50>10001");
	assert_int_equal(vfw_tracker_n_calls(fx->t), 0);
	assert_int_equal(vfw_tracker_export_call(fx->t, hash, &out), -ENOENT);
}

static void test_provisional_off(void **state)
{
	struct fx *fx = *state;

	fx->cfg.provisional_pinholes = 0;
	reconfigure(fx);
	feed(fx, OUT, req("INVITE", "np", 1, "pbx", "", sdp(PBX, 10000, NULL), NULL));
	expect(fx, "");
	feed(fx, IN, resp(200, "INVITE", "np", 1, "pbx", "callee", sdp(MEDIA, 30000, NULL), NULL));
	expect(fx, "open 198.51.100.50>10000; open 198.51.100.50>10001");
}

static void test_unknown_dialog_messages_ignored(void **state)
{
	struct fx *fx = *state;

	feed(fx, IN, req("BYE", "nobody", 1, "x", "y", NULL, NULL));
	feed(fx, IN, resp(200, "INVITE", "nobody", 1, "x", "y", sdp(MEDIA, 1, NULL), NULL));
	feed(fx, OUT, req("OPTIONS", "opt", 1, "x", "", NULL, NULL));
	expect(fx, "");
	assert_int_equal(vfw_tracker_n_calls(fx->t), 0);
}

static void test_bad_sdp_warns(void **state)
{
	struct fx *fx = *state;

	feed(fx, IN, req("INVITE", "bad", 1, "caller", "", "v=0\r\nm=audio x RTP/AVP 0\r\n", NULL));
	expect(fx, "warning(bad SDP)");
	assert_non_null(strstr(fx->last.text, "malformed m= line"));
}

/* Export, restart (new tracker), import: the BYE still closes the pinholes. */
static void test_export_import_then_bye(void **state)
{
	struct fx *fx = *state;
	struct vfw_call_record rec, again;
	__u64 hash = vfw_call_hash(sv_from_cstr("persist"));

	establish_inbound(fx, "persist");
	assert_int_equal(vfw_tracker_export_call(fx->t, hash, &rec), 0);
	assert_int_equal(rec.version, VFW_CALL_RECORD_VERSION);
	assert_int_equal(rec.call_hash, hash);
	assert_int_equal(rec.n_pinholes, 2);
	assert_int_equal(rec.call_id_len, 7);
	assert_memory_equal(rec.call_id, "persist", 7);
	assert_true(rec.flags & VFW_CALL_F_CONFIRMED);
	assert_false(rec.flags & VFW_CALL_F_LOCAL_CALLER);
	assert_int_equal(rec.expires_ns, T0 + 4 * 3600 * SEC);
	assert_int_equal(vfw_tracker_export_call(fx->t, 12345, &again), -ENOENT);

	reconfigure(fx);	/* the daemon restarts */
	assert_int_equal(vfw_tracker_import_call(fx->t, &rec), 0);
	assert_int_equal(vfw_tracker_import_call(fx->t, &rec), -EEXIST);
	expect(fx, "");
	assert_int_equal(vfw_tracker_n_calls(fx->t), 1);
	assert_int_equal(vfw_tracker_export_call(fx->t, hash, &again), 0);
	assert_memory_equal(&rec, &again, sizeof(rec));

	/* in-dialog chatter without SDP changes nothing */
	feed(fx, IN, req("INFO", "persist", 3, "caller", "pbx", NULL, NULL));
	feed(fx, OUT, req("BYE", "persist", 1, "pbx", "caller", NULL, NULL));
	expect(fx, "close 198.51.100.50>10000; close 198.51.100.50>10001");
	assert_int_equal(vfw_tracker_n_calls(fx->t), 0);
	assert_int_equal(vfw_tracker_export_call(fx->t, hash, &again), -ENOENT);
}

/* After an import, a completed re-INVITE replaces the restored pinholes. */
static void test_import_then_reinvite(void **state)
{
	struct fx *fx = *state;
	struct vfw_call_record rec;

	establish_inbound(fx, "persist2");
	assert_int_equal(vfw_tracker_export_call(fx->t, vfw_call_hash(sv_from_cstr("persist2")),
						 &rec), 0);
	reconfigure(fx);
	assert_int_equal(vfw_tracker_import_call(fx->t, &rec), 0);
	feed(fx, IN, req("INVITE", "persist2", 2, "caller", "pbx", sdp(MEDIA, 30000, NULL), NULL));
	expect(fx, "");
	feed(fx, OUT, resp(200, "INVITE", "persist2", 2, "caller", "pbx", sdp(PBX, 10004, NULL), NULL));
	expect(fx, "open 198.51.100.50>10004; open 198.51.100.50>10005; "
		   "close 198.51.100.50>10001; close 198.51.100.50>10000");
}

/* A restart while ringing: the record keeps idle 0, the 200 after it starts the clock. */
static void test_import_ringing_then_answer(void **state)
{
	struct fx *fx = *state;
	struct vfw_call_record rec;

	feed(fx, IN, req("INVITE", "persist3", 1, "caller", "", sdp(MEDIA, 30000, NULL), NULL));
	feed(fx, OUT, resp(183, "INVITE", "persist3", 1, "caller", "pbx", sdp(PBX, 10000, NULL), NULL));
	expect(fx, "open 198.51.100.50>10000 noidle; open 198.51.100.50>10001 noidle");
	assert_int_equal(vfw_tracker_export_call(fx->t, vfw_call_hash(sv_from_cstr("persist3")),
						 &rec), 0);
	assert_false(rec.flags & VFW_CALL_F_CONFIRMED);
	assert_int_equal(rec.n_pinholes, 2);
	assert_int_equal(rec.pinholes[0].idle_ns, 0);
	assert_int_equal(rec.pinholes[0].flags, 0);

	reconfigure(fx);
	assert_int_equal(vfw_tracker_import_call(fx->t, &rec), 0);
	fx->now = T0 + 90 * SEC;
	feed(fx, OUT, resp(200, "INVITE", "persist3", 1, "caller", "pbx", sdp(PBX, 10000, NULL), NULL));
	/* and no provisional pinhole: the restored ones show the remote's SDP was seen */
	expect(fx, "update 198.51.100.50>10000; update 198.51.100.50>10001");
	assert_int_equal(fx->last.idle_ns, 60 * SEC);
	feed(fx, OUT, resp(200, "INVITE", "persist3", 1, "caller", "pbx", sdp(PBX, 10000, NULL), NULL));
	feed(fx, IN, req("ACK", "persist3", 1, "caller", "pbx", NULL, NULL));
	expect(fx, "");
	feed(fx, IN, req("BYE", "persist3", 2, "caller", "pbx", NULL, NULL));
	expect(fx, "close 198.51.100.50>10000; close 198.51.100.50>10001");
}

/*
 * Restored unanswered and never answered since: the 2xx may have gone by
 * during the restart, so the setup timeout hands the pinholes to the
 * kernel's idle timeout instead of closing a possibly live call.
 */
static void test_import_ringing_setup_timeout(void **state)
{
	struct fx *fx = *state;
	struct vfw_call_record rec;
	__u64 hash = vfw_call_hash(sv_from_cstr("persist4"));

	feed(fx, IN, req("INVITE", "persist4", 1, "caller", "", sdp(MEDIA, 30000, NULL), NULL));
	feed(fx, OUT, resp(183, "INVITE", "persist4", 1, "caller", "pbx", sdp(PBX, 10000, NULL), NULL));
	expect(fx, "open 198.51.100.50>10000 noidle; open 198.51.100.50>10001 noidle");
	assert_int_equal(vfw_tracker_export_call(fx->t, hash, &rec), 0);

	reconfigure(fx);
	assert_int_equal(vfw_tracker_import_call(fx->t, &rec), 0);
	vfw_tracker_tick(fx->t, T0 + 299 * SEC);
	expect(fx, "");
	vfw_tracker_tick(fx->t, T0 + 300 * SEC);
	expect(fx, "update 198.51.100.50>10000; update 198.51.100.50>10001");
	assert_int_equal(vfw_tracker_n_calls(fx->t), 1);
	vfw_tracker_tick(fx->t, T0 + 301 * SEC);
	expect(fx, "");
	assert_int_equal(vfw_tracker_export_call(fx->t, hash, &rec), 0);
	assert_true(rec.flags & VFW_CALL_F_CONFIRMED);
	assert_int_equal(rec.pinholes[1].idle_ns, 60 * SEC);
	vfw_tracker_tick(fx->t, T0 + 4 * 3600 * SEC);
	expect(fx, "close 198.51.100.50>10000; close 198.51.100.50>10001");
}

/* The TCP connection trunk:40123 <-> PBX:5060 lost data, told either way round. */
static unsigned tcp_lost(struct fx *fx, __u16 trunk_port, int swapped)
{
	__u8 trunk[16], pbx[16];

	addr_of(TRUNK, trunk);
	addr_of(PBX, pbx);
	return swapped ? vfw_tracker_tcp_lost(fx->t, pbx, 5060, trunk, trunk_port, "test")
		       : vfw_tracker_tcp_lost(fx->t, trunk, trunk_port, pbx, 5060, "test");
}

/*
 * An outbound call over TCP rings with early media; then its connection
 * loses data (the 200 OK may have been in it). At the setup timeout the
 * call is kept as answered: its pinholes get the idle timeout, and BYE
 * still ends it.
 */
static void test_tcp_loss_keeps_unanswered_call(void **state)
{
	struct fx *fx = *state;

	fx->proto = IPPROTO_TCP;
	fx->remote_port = 40123;
	feed(fx, OUT, req("INVITE", "tcp-lost", 1, "pbx", "", sdp(PBX, 10000, NULL), NULL));
	feed(fx, IN, resp(183, "INVITE", "tcp-lost", 1, "pbx", "callee", sdp(MEDIA, 30000, NULL), NULL));
	expect(fx, "open 198.51.100.1>10000 prov noidle; open 198.51.100.1>10001 prov noidle; "
		   "open 198.51.100.50>10000 noidle; open 198.51.100.50>10001 noidle; "
		   "close 198.51.100.1>10001 prov noidle; close 198.51.100.1>10000 prov noidle");
	/* another connection of the same trunk, and a UDP call: not marked */
	assert_int_equal(tcp_lost(fx, 40124, 0), 0);
	expect(fx, "warning(TCP stream lost data)");
	assert_int_equal(tcp_lost(fx, 40123, 1), 1);
	expect(fx, "warning(TCP stream lost data)");
	assert_non_null(strstr(fx->last.text, "1 unanswered call(s)"));
	assert_int_equal(vfw_tracker_stats(fx->t)->calls_answer_maybe_lost, 1);

	vfw_tracker_tick(fx->t, T0 + 299 * SEC);
	expect(fx, "");
	vfw_tracker_tick(fx->t, T0 + 300 * SEC);
	expect(fx, "update 198.51.100.50>10000; update 198.51.100.50>10001");
	assert_int_equal(fx->last.idle_ns, 60 * SEC);
	assert_string_equal(fx->last.reason, "call answered: idle timeout starts");
	assert_int_equal(vfw_tracker_n_calls(fx->t), 1);
	assert_int_equal(vfw_tracker_stats(fx->t)->calls_assumed_answered, 1);
	vfw_tracker_tick(fx->t, T0 + 3600 * SEC);
	expect(fx, "");
	feed(fx, IN, req("BYE", "tcp-lost", 2, "callee", "pbx", NULL, NULL));
	expect(fx, "close 198.51.100.50>10000; close 198.51.100.50>10001");
	assert_int_equal(vfw_tracker_n_calls(fx->t), 0);
}

/* Unmarked calls still end at the setup timeout, on TCP and UDP alike. */
static void test_tcp_loss_elsewhere_still_times_out(void **state)
{
	struct fx *fx = *state;

	fx->proto = IPPROTO_TCP;
	fx->remote_port = 40123;
	feed(fx, OUT, req("INVITE", "tcp-ok", 1, "pbx", "", sdp(PBX, 10000, NULL), NULL));
	fx->proto = IPPROTO_UDP;
	fx->remote_port = 40123;
	feed(fx, OUT, req("INVITE", "udp-ring", 1, "pbx", "", sdp(PBX, 10002, NULL), NULL));
	/* an answered call on the lossy connection needs nothing */
	fx->proto = IPPROTO_TCP;
	fx->remote_port = 40200;
	feed(fx, OUT, req("INVITE", "tcp-answered", 1, "pbx", "", sdp(PBX, 10004, NULL), NULL));
	feed(fx, IN, resp(200, "INVITE", "tcp-answered", 1, "pbx", "callee", sdp(TRUNK, 40000, NULL), NULL));
	fx->log[0] = '\0';
	assert_int_equal(tcp_lost(fx, 40200, 0), 0);
	expect(fx, "warning(TCP stream lost data)");
	vfw_tracker_tick(fx->t, T0 + 300 * SEC);
	expect(fx, "close 198.51.100.1>10000 prov noidle; close 198.51.100.1>10001 prov noidle; "
		   "close 198.51.100.1>10002 prov noidle; close 198.51.100.1>10003 prov noidle");
	assert_string_equal(fx->last.reason, "call setup timed out");
	assert_int_equal(vfw_tracker_n_calls(fx->t), 1);
	assert_int_equal(vfw_tracker_stats(fx->t)->calls_assumed_answered, 0);
}

/* ---- who is believed ------------------------------------------------- */

#define STRANGER "192.0.2.66"

/* A re-INVITE and a BYE from another host than the call's peer change nothing. */
static void test_peer_mismatch_ignored(void **state)
{
	struct fx *fx = *state;

	establish_inbound(fx, "peer-1");
	strcpy(fx->peer, STRANGER);
	feed(fx, IN, req("INVITE", "peer-1", 2, "caller", "pbx", sdp(STRANGER, 5000, NULL), NULL));
	expect(fx, "warning(not from the call's SIP peer)");
	assert_non_null(strstr(fx->last.text, "INVITE from 192.0.2.66 ignored"));
	assert_string_equal(fx->last.call_id, "peer-1");
	feed(fx, IN, req("BYE", "peer-1", 3, "caller", "pbx", NULL, NULL));
	feed(fx, IN, resp(200, "INVITE", "peer-1", 1, "caller", "pbx", sdp(STRANGER, 5000, NULL), NULL));
	expect(fx, "warning(not from the call's SIP peer); warning(not from the call's SIP peer)");
	assert_int_equal(vfw_tracker_stats(fx->t)->peer_mismatch, 3);
	assert_int_equal(vfw_tracker_n_calls(fx->t), 1);
	/* IPv6 from a stranger is no closer */
	strcpy(fx->peer, "2001:db8::66");
	feed(fx, IN, req("BYE", "peer-1", 3, "caller", "pbx", NULL, NULL));
	expect(fx, "warning(not from the call's SIP peer)");
	/* our own messages are always believed, and the peer still ends the call */
	strcpy(fx->peer, STRANGER);
	feed(fx, OUT, req("INVITE", "peer-1", 1, "pbx", "caller", sdp(PBX, 10000, NULL), NULL));
	expect(fx, "");
	strcpy(fx->peer, TRUNK);
	feed(fx, IN, req("BYE", "peer-1", 3, "caller", "pbx", NULL, NULL));
	expect(fx, "close 198.51.100.50>10000; close 198.51.100.50>10001");
}

/* The peer, a sibling of it, the remote Contact and our requests' destinations are believed. */
static void test_peer_match_applied(void **state)
{
	struct fx *fx = *state;

	/* The peer moves the media. */
	establish_inbound(fx, "peer-2");
	feed(fx, IN, req("INVITE", "peer-2", 2, "caller", "pbx", sdp("198.51.100.60", 30000, NULL), NULL));
	feed(fx, OUT, resp(200, "INVITE", "peer-2", 2, "caller", "pbx", sdp(PBX, 10000, NULL), NULL));
	expect(fx, "open 198.51.100.60>10000; open 198.51.100.60>10001; "
		   "update 198.51.100.60>10000; update 198.51.100.60>10001; "
		   "close 198.51.100.50>10001; close 198.51.100.50>10000");
	/* Another server of the trunk's /24 sends the BYE. */
	strcpy(fx->peer, "198.51.100.2");
	feed(fx, IN, req("BYE", "peer-2", 3, "caller", "pbx", NULL, NULL));
	expect(fx, "close 198.51.100.60>10000; close 198.51.100.60>10001");

	/* Inbound call whose caller's Contact is a gateway: it may send the BYE. */
	strcpy(fx->peer, TRUNK);
	feed(fx, IN, req("INVITE", "peer-3", 1, "caller", "", sdp(MEDIA, 30000, NULL),
			 "Contact: <sip:gw@192.0.2.90:5060>\r\n"));
	feed(fx, OUT, resp(200, "INVITE", "peer-3", 1, "caller", "pbx", sdp(PBX, 10000, NULL), NULL));
	expect(fx, "open 198.51.100.50>10000; open 198.51.100.50>10001");
	strcpy(fx->peer, "192.0.2.90");
	feed(fx, IN, req("BYE", "peer-3", 2, "caller", "pbx", NULL, NULL));
	expect(fx, "close 198.51.100.50>10000; close 198.51.100.50>10001");

	/* Outbound call; our re-INVITE goes to another host, whose 200 counts. */
	strcpy(fx->peer, TRUNK);
	feed(fx, OUT, req("INVITE", "peer-4", 1, "pbx", "", sdp(PBX, 10000, NULL), NULL));
	feed(fx, IN, resp(200, "INVITE", "peer-4", 1, "pbx", "callee", sdp(TRUNK, 40000, NULL), NULL));
	feed(fx, OUT, req("ACK", "peer-4", 1, "pbx", "callee", NULL, NULL));
	fx->log[0] = '\0';
	strcpy(fx->peer, STRANGER);
	feed(fx, OUT, req("INVITE", "peer-4", 2, "pbx", "callee", sdp(PBX, 10000, NULL), NULL));
	/* a response to another of our requests is not its to give */
	feed(fx, IN, resp(200, "INVITE", "peer-4", 7, "pbx", "callee", sdp(STRANGER, 41000, NULL), NULL));
	expect(fx, "warning(not from the call's SIP peer)");
	feed(fx, IN, resp(200, "INVITE", "peer-4", 2, "pbx", "callee", sdp(STRANGER, 41000, NULL), NULL));
	expect(fx, "open 192.0.2.66>10000; open 192.0.2.66>10001; "
		   "close 198.51.100.1>10001; close 198.51.100.1>10000");
}

/* ---- new calls per source ---------------------------------------------- */

static void invite_from(struct fx *fx, const char *from, const char *cid)
{
	strcpy(fx->peer, from);
	feed(fx, IN, req("INVITE", cid, 1, "caller", "", sdp(MEDIA, 30000, NULL), NULL));
}

/*
 * One source relays a flood of INVITEs: it gets max_calls / 4 unanswered
 * calls, then is refused; another source and our outbound calls still
 * get through; an answer frees a place.
 */
static void test_per_source_cap(void **state)
{
	struct fx *fx = *state;
	char cid[32];
	unsigned i;

	fx->cfg.max_calls = 16;		/* 4 per source, 2 kept for outbound */
	reconfigure(fx);
	for (i = 0; i < 4; i++) {
		snprintf(cid, sizeof(cid), "flood-%u", i);
		invite_from(fx, TRUNK, cid);
	}
	expect(fx, "");
	invite_from(fx, TRUNK, "flood-4");
	expect(fx, "warning(unanswered calls per source)");
	assert_non_null(strstr(fx->last.text, "from 198.51.100.1 not tracked"));
	invite_from(fx, TRUNK, "flood-4");	/* its retransmission */
	expect(fx, "warning(unanswered calls per source)");
	assert_int_equal(vfw_tracker_stats(fx->t)->refused_per_source, 2);
	assert_int_equal(vfw_tracker_n_calls(fx->t), 4);

	/* a legitimate call through another trunk is tracked and opens media */
	invite_from(fx, "203.0.113.77", "legit-in");
	feed(fx, OUT, resp(200, "INVITE", "legit-in", 1, "caller", "pbx", sdp(PBX, 10000, NULL), NULL));
	expect(fx, "open 198.51.100.50>10000; open 198.51.100.50>10001");
	/* and so is our own outbound call through the flooded trunk */
	strcpy(fx->peer, TRUNK);
	feed(fx, OUT, req("INVITE", "legit-out", 1, "pbx", "", sdp(PBX, 10002, NULL), NULL));
	expect(fx, "open 198.51.100.1>10002 prov noidle; open 198.51.100.1>10003 prov noidle");

	/* one flood call answered: the source may ring one more */
	feed(fx, OUT, resp(200, "INVITE", "flood-0", 1, "caller", "pbx", sdp(PBX, 10004, NULL), NULL));
	fx->log[0] = '\0';
	invite_from(fx, TRUNK, "flood-5");
	expect(fx, "");
	invite_from(fx, TRUNK, "flood-6");
	expect(fx, "warning(unanswered calls per source)");
	/* the setup timeout ends the unanswered ones and frees their places */
	vfw_tracker_tick(fx->t, T0 + 300 * SEC);
	fx->log[0] = '\0';
	invite_from(fx, TRUNK, "flood-7");
	expect(fx, "");
	assert_int_equal(vfw_tracker_n_calls(fx->t), 3);	/* flood-0, legit-in, flood-7 */
}

/* Unanswered inbound calls of all sources leave the outbound reserve free. */
static void test_outbound_reserve(void **state)
{
	struct fx *fx = *state;
	char cid[32], src[32];
	unsigned i;

	fx->cfg.max_calls = 8;			/* reserve 1 */
	fx->cfg.max_unanswered_per_source = 100;
	reconfigure(fx);
	for (i = 0; i < 7; i++) {
		snprintf(cid, sizeof(cid), "many-%u", i);
		snprintf(src, sizeof(src), "198.51.100.%u", 10 + i);
		invite_from(fx, src, cid);
	}
	expect(fx, "");
	invite_from(fx, "198.51.100.99", "many-7");
	expect(fx, "warning(unanswered inbound calls)");
	assert_int_equal(vfw_tracker_stats(fx->t)->refused_inbound_share, 1);
	strcpy(fx->peer, TRUNK);
	feed(fx, OUT, req("INVITE", "ours", 1, "pbx", "", sdp(PBX, 10000, NULL), NULL));
	expect(fx, "open 198.51.100.1>10000 prov noidle; open 198.51.100.1>10001 prov noidle");
	feed(fx, OUT, req("INVITE", "ours-2", 1, "pbx", "", sdp(PBX, 10002, NULL), NULL));
	expect(fx, "warning(call table full)");
	assert_int_equal(vfw_tracker_stats(fx->t)->refused_table_full, 1);
	assert_int_equal(vfw_tracker_n_calls(fx->t), 8);
}

/* A restored unanswered inbound call counts against its source too. */
static void test_import_counts_unanswered(void **state)
{
	struct fx *fx = *state;
	struct vfw_call_record rec;

	fx->cfg.max_calls = 4;			/* 1 per source */
	reconfigure(fx);
	invite_from(fx, TRUNK, "ring-r");
	assert_int_equal(vfw_tracker_export_call(fx->t, vfw_call_hash(sv_from_cstr("ring-r")), &rec), 0);
	reconfigure(fx);
	assert_int_equal(vfw_tracker_import_call(fx->t, &rec), 0);
	invite_from(fx, TRUNK, "ring-s");
	expect(fx, "warning(unanswered calls per source)");
	feed(fx, IN, req("CANCEL", "ring-r", 1, "caller", "", NULL, NULL));
	invite_from(fx, TRUNK, "ring-s");
	expect(fx, "");
	assert_int_equal(vfw_tracker_n_calls(fx->t), 1);
}

static void test_import_rejects_bad_records(void **state)
{
	struct fx *fx = *state;
	struct vfw_call_record rec;

	memset(&rec, 0, sizeof(rec));
	rec.version = VFW_CALL_RECORD_VERSION;
	memcpy(rec.call_id, "x", 1);
	rec.call_id_len = 1;
	rec.call_hash = vfw_call_hash(sv_from_cstr("x"));
	rec.expires_ns = T0 + SEC;
	assert_int_equal(vfw_tracker_import_call(fx->t, &rec), 0);
	rec.call_hash++;
	assert_int_equal(vfw_tracker_import_call(fx->t, &rec), -EINVAL);
	rec.call_hash--;
	rec.n_pinholes = VFW_CALL_MAX_PINHOLES + 1;
	assert_int_equal(vfw_tracker_import_call(fx->t, &rec), -EINVAL);
	rec.n_pinholes = 0;
	rec.version = 99;
	assert_int_equal(vfw_tracker_import_call(fx->t, &rec), -EINVAL);
	rec.version = VFW_CALL_RECORD_VERSION;
	rec.call_id_len = VFW_CALL_ID_MAX + 1;
	assert_int_equal(vfw_tracker_import_call(fx->t, &rec), -EINVAL);
}

/* ---- call lifecycle: hold, lost pinholes, session timers ------------- */

/*
 * One hold: `holder_out` says who sends the hold offer (1 = we do),
 * offer_sdp/answer_sdp are its SDP. While held the call's pinholes have
 * no idle timeout, whoever holds and whatever the held party answers; the
 * resume's completed offer/answer restores it.
 */
static void hold_and_resume(struct fx *fx, const char *cid, int holder_out, int cseq,
			    const char *offer_sdp, const char *answer_sdp)
{
	const char *ft = holder_out ? "pbx" : "caller", *tt = holder_out ? "caller" : "pbx";
	const char *resume_offer = holder_out ? sdp(PBX, 10000, NULL) : sdp(MEDIA, 30000, NULL);
	const char *resume_answer = holder_out ? sdp(MEDIA, 30000, NULL) : sdp(PBX, 10000, NULL);
	int o = holder_out ? OUT : IN, a = holder_out ? IN : OUT;

	feed(fx, o, req("INVITE", cid, cseq, ft, tt, offer_sdp, NULL));
	expect(fx, "update 198.51.100.50>10000 noidle; update 198.51.100.50>10001 noidle");
	feed(fx, a, resp(200, "INVITE", cid, cseq, ft, tt, answer_sdp, NULL));
	expect(fx, "update 198.51.100.50>10000 noidle; update 198.51.100.50>10001 noidle");
	assert_int_equal(fx->last.idle_ns, 0);
	feed(fx, o, req("ACK", cid, cseq, ft, tt, NULL, NULL));
	expect(fx, "");
	/* a long hold: nothing the tracker does in the meantime */
	fx->now += 600 * SEC;
	vfw_tracker_tick(fx->t, fx->now);
	expect(fx, "");

	/* resume: idle timeout still off while the offer is in flight */
	feed(fx, o, req("INVITE", cid, cseq + 1, ft, tt, resume_offer, NULL));
	expect(fx, "");
	feed(fx, a, resp(200, "INVITE", cid, cseq + 1, ft, tt, resume_answer, NULL));
	expect(fx, "update 198.51.100.50>10000; update 198.51.100.50>10001");
	assert_string_equal(fx->last.reason, "resumed");
	assert_int_equal(fx->last.idle_ns, 60 * SEC);
	feed(fx, o, req("ACK", cid, cseq + 1, ft, tt, NULL, NULL));
	expect(fx, "");
}

static void test_hold_by_either_side(void **state)
{
	struct fx *fx = *state;
	static const struct {
		int holder_out;
		const char *dir_offer, *dir_answer;
	} cases[] = {
		/* the far end holds: the issue's case, its sendonly kept our idle timeout */
		{ 0, "a=sendonly\r\n", "a=recvonly\r\n" },
		{ 0, "a=recvonly\r\n", "a=sendonly\r\n" },
		{ 0, "a=inactive\r\n", "a=inactive\r\n" },
		/* we hold */
		{ 1, "a=sendonly\r\n", "a=recvonly\r\n" },
		{ 1, "a=recvonly\r\n", "a=sendonly\r\n" },
		{ 1, "a=inactive\r\n", "a=inactive\r\n" },
	};
	char cid[32];
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *l = cases[i].holder_out ? cases[i].dir_offer : cases[i].dir_answer;
		const char *r = cases[i].holder_out ? cases[i].dir_answer : cases[i].dir_offer;
		char lsdp[512], rsdp[512];

		snprintf(cid, sizeof(cid), "hold-%u", i);
		establish_inbound(fx, cid);
		snprintf(lsdp, sizeof(lsdp), "%s", sdp(PBX, 10000, l));
		snprintf(rsdp, sizeof(rsdp), "%s", sdp(MEDIA, 30000, r));
		hold_and_resume(fx, cid, cases[i].holder_out, 2,
				cases[i].holder_out ? lsdp : rsdp,
				cases[i].holder_out ? rsdp : lsdp);
		/* and once more: hold again, resume again */
		hold_and_resume(fx, cid, cases[i].holder_out, 4,
				cases[i].holder_out ? lsdp : rsdp,
				cases[i].holder_out ? rsdp : lsdp);
		feed(fx, IN, req("BYE", cid, 9, "caller", "pbx", NULL, NULL));
		expect(fx, "close 198.51.100.50>10000; close 198.51.100.50>10001");
	}
}

/* Old-style hold, c=0.0.0.0 with the port kept, by either side. */
static void test_hold_null_address_either_side(void **state)
{
	struct fx *fx = *state;

	establish_inbound(fx, "null-r");
	hold_and_resume(fx, "null-r", 0, 2, sdp("0.0.0.0", 30000, NULL), sdp(PBX, 10000, NULL));
	establish_inbound(fx, "null-l");
	hold_and_resume(fx, "null-l", 1, 2, sdp("0.0.0.0", 10000, NULL), sdp(MEDIA, 30000, NULL));
}

/*
 * The kernel lost a pinhole (idle expiry, a failed write): once told, the
 * tracker no longer counts it open, and the next offer/answer opens it
 * again -- here a re-INVITE identical to the last one, which before only
 * found "nothing changed" and left the far end's RTP dropped.
 */
static void test_pinhole_gone_then_reinvite(void **state)
{
	struct fx *fx = *state;
	__u64 hash = vfw_call_hash(sv_from_cstr("gone"));
	struct vfw_call_record rec;
	__u8 media[16], other[16];

	addr_of(MEDIA, media);
	addr_of(TRUNK, other);
	establish_inbound(fx, "gone");
	assert_int_equal(vfw_tracker_pinhole_gone(fx->t, hash, media, 10000, IPPROTO_UDP), 0);
	assert_int_equal(vfw_tracker_pinhole_gone(fx->t, hash, media, 10000, IPPROTO_UDP), -ENOENT);
	assert_int_equal(vfw_tracker_pinhole_gone(fx->t, hash, other, 10001, IPPROTO_UDP), -ENOENT);
	assert_int_equal(vfw_tracker_pinhole_gone(fx->t, hash + 1, media, 10001, IPPROTO_UDP), -ENOENT);
	expect(fx, "");
	assert_int_equal(vfw_tracker_export_call(fx->t, hash, &rec), 0);
	assert_int_equal(rec.n_pinholes, 1);

	fx->now += 70 * SEC;
	feed(fx, IN, req("INVITE", "gone", 2, "caller", "pbx", sdp(MEDIA, 30000, NULL), NULL));
	expect(fx, "open 198.51.100.50>10000");
	feed(fx, OUT, resp(200, "INVITE", "gone", 2, "caller", "pbx", sdp(PBX, 10000, NULL), NULL));
	/* completed: both written again, with the call's new expiry */
	expect(fx, "update 198.51.100.50>10000; update 198.51.100.50>10001");
	assert_string_equal(fx->last.reason, "re-asserted");
	assert_int_equal(fx->last.expires_ns, fx->now + 4 * 3600 * SEC);
	/* the ACK and a retransmitted 200 write nothing */
	feed(fx, IN, req("ACK", "gone", 2, "caller", "pbx", NULL, NULL));
	feed(fx, OUT, resp(200, "INVITE", "gone", 2, "caller", "pbx", sdp(PBX, 10000, NULL), NULL));
	expect(fx, "");

	/* all gone (the far end stopped sending): the call stays until its bound */
	assert_int_equal(vfw_tracker_pinhole_gone(fx->t, hash, media, 10000, IPPROTO_UDP), 0);
	assert_int_equal(vfw_tracker_pinhole_gone(fx->t, hash, media, 10001, IPPROTO_UDP), 0);
	assert_int_equal(vfw_tracker_n_calls(fx->t), 1);
	feed(fx, OUT, req("UPDATE", "gone", 1, "pbx", "caller", sdp(PBX, 10000, NULL), NULL));
	expect(fx, "open 198.51.100.50>10000; open 198.51.100.50>10001");
	feed(fx, IN, resp(200, "UPDATE", "gone", 1, "pbx", "caller", sdp(MEDIA, 30000, NULL), NULL));
	expect(fx, "update 198.51.100.50>10000; update 198.51.100.50>10001");
	/* a BYE closes only what is open */
	assert_int_equal(vfw_tracker_pinhole_gone(fx->t, hash, media, 10001, IPPROTO_UDP), 0);
	feed(fx, IN, req("BYE", "gone", 3, "caller", "pbx", NULL, NULL));
	expect(fx, "close 198.51.100.50>10000");
}

#define SE_HDR(n) "Session-Expires: " #n ";refresher=uac\r\n"

/*
 * RFC 4028: the 2xx's Session-Expires sets the interval; every refresh
 * (re-INVITE or UPDATE, with or without SDP) moves the call's end, and
 * the pinholes are written again with it. No refresh: the call ends at
 * the interval plus 32 s of grace.
 */
static void test_session_timer_refresh_and_expiry(void **state)
{
	struct fx *fx = *state;
	__u64 hash = vfw_call_hash(sv_from_cstr("st"));
	struct vfw_call_record rec;

	feed(fx, IN, req("INVITE", "st", 1, "caller", "", sdp(MEDIA, 30000, NULL), SE_HDR(120)));
	feed(fx, OUT, resp(200, "INVITE", "st", 1, "caller", "pbx", sdp(PBX, 10000, NULL),
			   SE_HDR(120)));
	expect(fx, "open 198.51.100.50>10000; open 198.51.100.50>10001");
	assert_int_equal(fx->last.expires_ns, T0 + 152 * SEC);
	feed(fx, IN, req("ACK", "st", 1, "caller", "pbx", NULL, NULL));
	expect(fx, "");
	assert_int_equal(vfw_tracker_export_call(fx->t, hash, &rec), 0);
	assert_int_equal(rec.session_expires_s, 120);
	assert_int_equal(vfw_tracker_next_expiry(fx->t), 0);	/* media cannot keep it */

	/* refresh by re-INVITE at half the interval */
	fx->now = T0 + 60 * SEC;
	feed(fx, IN, req("INVITE", "st", 2, "caller", "pbx", sdp(MEDIA, 30000, NULL), SE_HDR(120)));
	feed(fx, OUT, resp(200, "INVITE", "st", 2, "caller", "pbx", sdp(PBX, 10000, NULL),
			   SE_HDR(120)));
	expect(fx, "update 198.51.100.50>10000; update 198.51.100.50>10001");
	assert_int_equal(fx->last.expires_ns, T0 + 212 * SEC);
	feed(fx, IN, req("ACK", "st", 2, "caller", "pbx", NULL, NULL));
	vfw_tracker_tick(fx->t, T0 + 200 * SEC);	/* past the first expiry */
	expect(fx, "");

	/* refresh by UPDATE without SDP */
	fx->now = T0 + 120 * SEC;
	feed(fx, IN, req("UPDATE", "st", 3, "caller", "pbx", NULL, SE_HDR(120)));
	expect(fx, "update 198.51.100.50>10000; update 198.51.100.50>10001");
	fx->now = T0 + 121 * SEC;
	feed(fx, OUT, resp(200, "UPDATE", "st", 3, "caller", "pbx", NULL, SE_HDR(120)));
	expect(fx, "");	/* moved by less than 1/16 of the interval: not written again */
	vfw_tracker_tick(fx->t, T0 + 269 * SEC);
	expect(fx, "");
	/* ... until the kernel would cut at the older expiry */
	vfw_tracker_tick(fx->t, T0 + 270 * SEC);
	expect(fx, "update 198.51.100.50>10000; update 198.51.100.50>10001");
	assert_string_equal(fx->last.reason, "expiry refreshed");
	assert_int_equal(fx->last.expires_ns, T0 + 273 * SEC);
	vfw_tracker_tick(fx->t, T0 + 272 * SEC);
	expect(fx, "");

	/* no refresh: the session ends, pinholes and all */
	vfw_tracker_tick(fx->t, T0 + 273 * SEC);
	expect(fx, "close 198.51.100.50>10000; close 198.51.100.50>10001");
	assert_string_equal(fx->last.reason, "session timer expired");
	assert_int_equal(vfw_tracker_n_calls(fx->t), 0);
}

/* Hostile intervals are bounded: at least 90 s, at most call_max. */
static void test_session_expires_bounded(void **state)
{
	struct fx *fx = *state;
	__u64 hash = vfw_call_hash(sv_from_cstr("sb"));
	struct vfw_call_record rec;

	feed(fx, IN, req("INVITE", "sb", 1, "caller", "", sdp(MEDIA, 30000, NULL), NULL));
	feed(fx, OUT, resp(200, "INVITE", "sb", 1, "caller", "pbx", sdp(PBX, 10000, NULL),
			   "x: 1\r\n"));
	assert_int_equal(fx->last.expires_ns, T0 + (90 + 32) * SEC);
	assert_int_equal(vfw_tracker_export_call(fx->t, hash, &rec), 0);
	assert_int_equal(rec.session_expires_s, 90);
	fx->now += 10 * SEC;
	feed(fx, IN, req("UPDATE", "sb", 2, "caller", "pbx", NULL, NULL));
	feed(fx, OUT, resp(200, "UPDATE", "sb", 2, "caller", "pbx", NULL,
			   "Session-Expires: 99999999999999\r\n"));
	assert_int_equal(vfw_tracker_export_call(fx->t, hash, &rec), 0);
	assert_int_equal(rec.session_expires_s, 4 * 3600);
	/* a 2xx without Session-Expires turns the timer off: call_max again */
	feed(fx, IN, req("UPDATE", "sb", 3, "caller", "pbx", NULL, NULL));
	feed(fx, OUT, resp(200, "UPDATE", "sb", 3, "caller", "pbx", NULL, NULL));
	assert_int_equal(vfw_tracker_export_call(fx->t, hash, &rec), 0);
	assert_int_equal(rec.session_expires_s, 0);
	assert_int_equal(rec.expires_ns, fx->now + 4 * 3600 * SEC);

	/* records are hostile too */
	rec.session_expires_s = 89;
	reconfigure(fx);
	assert_int_equal(vfw_tracker_import_call(fx->t, &rec), -EINVAL);
	rec.session_expires_s = 4 * 3600 + 1;
	assert_int_equal(vfw_tracker_import_call(fx->t, &rec), -EINVAL);
	rec.session_expires_s = 1800;
	assert_int_equal(vfw_tracker_import_call(fx->t, &rec), 0);
	rec.version = 1;	/* an older daemon's record */
	rec.call_hash = 7;
	assert_int_equal(vfw_tracker_import_call(fx->t, &rec), -EINVAL);
}

/*
 * A lost BYE. Without session timers the call ends call_max after its
 * last in-dialog message (the pinholes of streams not on hold close at
 * the kernel's idle timeout before that); held pinholes have no idle
 * timeout, so this is their bound. Media that flows keeps the call (not
 * a lost BYE then), each report moving the end to call_max past it.
 */
static void test_lost_bye_bound(void **state)
{
	struct fx *fx = *state;
	__u64 hash = vfw_call_hash(sv_from_cstr("lost"));
	__u64 last;

	establish_inbound(fx, "lost");
	fx->now = T0 + 3600 * SEC;	/* an hour in: held */
	feed(fx, IN, req("INVITE", "lost", 2, "caller", "pbx", sdp(MEDIA, 30000, "a=sendonly\r\n"), NULL));
	feed(fx, OUT, resp(200, "INVITE", "lost", 2, "caller", "pbx", sdp(PBX, 10000, "a=recvonly\r\n"), NULL));
	feed(fx, IN, req("ACK", "lost", 2, "caller", "pbx", NULL, NULL));
	last = fx->now;
	fx->log[0] = '\0';
	assert_int_equal(fx->last.expires_ns, last + 4 * 3600 * SEC);
	assert_int_equal(vfw_tracker_next_expiry(fx->t), last + 4 * 3600 * SEC);
	/* past the old cap from the call's start: a live call is not cut */
	vfw_tracker_tick(fx->t, T0 + 4 * 3600 * SEC);
	expect(fx, "");
	/* media reported: no earlier than the current end, nothing moves */
	assert_int_equal(vfw_tracker_media_flowing(fx->t, hash, last - SEC), 0);
	assert_int_equal(vfw_tracker_media_flowing(fx->t, hash + 1, last), -ENOENT);
	expect(fx, "");
	/* RTCP still flowing while held: the end moves, pinholes written again */
	assert_int_equal(vfw_tracker_media_flowing(fx->t, hash, last + 3600 * SEC), 1);
	expect(fx, "update 198.51.100.50>10000 noidle; update 198.51.100.50>10001 noidle");
	assert_string_equal(fx->last.reason, "media flows");
	assert_int_equal(fx->last.expires_ns, last + 5 * 3600 * SEC);
	vfw_tracker_tick(fx->t, last + 5 * 3600 * SEC - 1);
	expect(fx, "");
	vfw_tracker_tick(fx->t, last + 5 * 3600 * SEC);
	expect(fx, "close 198.51.100.50>10000 noidle; close 198.51.100.50>10001 noidle");
	assert_string_equal(fx->last.reason, "call_max without signalling or media");
	assert_int_equal(vfw_tracker_n_calls(fx->t), 0);
	assert_int_equal(vfw_tracker_next_expiry(fx->t), 0);
}

/*
 * In-dialog messages that move the end by less than call_max / 16 write
 * nothing; the tick writes the new expiry before the kernel would cut.
 */
static void test_expiry_written_before_kernel_cut(void **state)
{
	struct fx *fx = *state;

	establish_inbound(fx, "drift");
	fx->now = T0 + 600 * SEC;
	feed(fx, IN, req("UPDATE", "drift", 2, "caller", "pbx", NULL, NULL));
	feed(fx, OUT, resp(200, "UPDATE", "drift", 2, "caller", "pbx", NULL, NULL));
	expect(fx, "");
	vfw_tracker_tick(fx->t, T0 + 4 * 3600 * SEC - 3 * SEC);
	expect(fx, "");
	vfw_tracker_tick(fx->t, T0 + 4 * 3600 * SEC - 2 * SEC);
	expect(fx, "update 198.51.100.50>10000; update 198.51.100.50>10001");
	assert_int_equal(fx->last.expires_ns, T0 + 600 * SEC + 4 * 3600 * SEC);
	vfw_tracker_tick(fx->t, T0 + 4 * 3600 * SEC);
	expect(fx, "");
	/* a restart keeps the session timer and the end */
}

static void test_call_hash_and_json(void **state)
{
	struct fx *fx = *state;
	char json[1024];
	int n;

	assert_true(vfw_call_hash(sv_from_cstr("")) != 0);
	assert_true(vfw_call_hash(sv_from_cstr("a")) != vfw_call_hash(sv_from_cstr("b")));
	/* FNV-1a 64 of "a" */
	assert_int_equal(vfw_call_hash(sv_from_cstr("a")), 0xaf63dc4c8601ec8cULL);

	establish_inbound(fx, "j\"s");
	n = vfw_event_to_json(&fx->last, 0, NULL, json, sizeof(json));
	assert_true(n > 0 && (size_t)n < sizeof(json));
	assert_non_null(strstr(json, "{\"event\":\"pinhole_open\",\"time\":0,"));
	assert_non_null(strstr(json, "\"remote\":\"198.51.100.50\""));
	assert_non_null(strstr(json, "\"local_port\":10001"));
	assert_non_null(strstr(json, "\"call_id\":\"j\\\"s\""));
	assert_non_null(strstr(json, "\"provisional\":false"));
	/* snprintf's contract: a short buffer still gets the length needed */
	assert_int_equal(vfw_event_to_json(&fx->last, 0, NULL, json, 10), n);
	assert_int_equal(strlen(json), 9);

	/* issue 11: the one escaper -- valid UTF-8 kept, a bad byte one U+FFFD */
	strcpy(fx->last.call_id, "caf\xc3\xa9\xff@x");
	vfw_event_to_json(&fx->last, 0, NULL, json, sizeof(json));
	assert_non_null(strstr(json, "\"call_id\":\"caf\xc3\xa9\xef\xbf\xbd@x\""));

	fx->last.type = VFW_EV_WARNING;
	strcpy(fx->last.text, "line\nbreak");
	vfw_event_to_json(&fx->last, 0, NULL, json, sizeof(json));
	assert_non_null(strstr(json, "{\"event\":\"warning\",\"time\":0,\"call_id\":"));
	assert_non_null(strstr(json, "\"text\":\"line\\nbreak\""));

	fx->last.type = VFW_EV_TRUNK_LEARN;
	fx->last.expires_ns = 2500 * 1000000ULL;
	vfw_event_to_json(&fx->last, 1000 * 1000000ULL, NULL, json, sizeof(json));
	assert_non_null(strstr(json, "{\"event\":\"trunk_learn\",\"time\":1,"));
	assert_non_null(strstr(json, "\"expires\":1.5,"));
	assert_string_equal(vfw_event_type_name(VFW_EV_PINHOLE_UPDATE), "pinhole_update");
	assert_string_equal(vfw_event_type_name(VFW_EV_TRUNK_EXPIRE), "trunk_expire");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_register_learn_refresh_unregister),
		T(test_register_challenge_then_ok),
		T(test_register_default_expiry_and_contact_star),
		T(test_register_hostless_contact),
		T(test_register_failure),
		T(test_register_trust_capped),
		T(test_register_expires_in_tick),
		T(test_register_unanswered_is_forgotten),
		T(test_register_two_accounts_one_registrar),
		T(test_register_nat_warnings),
		T(test_nat_suspect_media_seen),
		T(test_nat_suspect_media_missing),
		T(test_nat_no_suspicion),
		T(test_nat_held_from_answer),
		T(test_nat_inbound_missing),
		T(test_nat_via_received),
		T(test_nat_warning_fits),
		T(test_nat_due_batches),
		T(test_inbound_call),
		T(test_outbound_call_answer_from_peer),
		T(test_inbound_ringing_then_answer),
		T(test_inbound_answer_without_sdp),
		T(test_ringing_bounded_by_setup_timeout),
		T(test_tcp_loss_keeps_unanswered_call),
		T(test_tcp_loss_elsewhere_still_times_out),
		T(test_peer_mismatch_ignored),
		T(test_peer_match_applied),
		T(test_per_source_cap),
		T(test_outbound_reserve),
		T(test_import_counts_unanswered),
		T(test_outbound_ringing_then_answer_from_peer),
		T(test_outbound_early_media_from_peer_then_answer),
		T(test_late_fork_keeps_idle_timeout),
		T(test_outbound_call_early_media_elsewhere),
		T(test_forked_early_media_and_2xx),
		T(test_late_offer),
		T(test_hold_and_resume_with_new_port),
		T(test_remote_hold_null_address),
		T(test_reinvite_refused),
		T(test_cancel),
		T(test_busy_486),
		T(test_invite_challenge_keeps_call),
		T(test_retransmissions),
		T(test_ipv6_call),
		T(test_rtcp_attr_and_rejected_stream),
		T(test_t38_switch),
		T(test_setup_timeout_and_hard_cap),
		T(test_call_table_full),
		T(test_call_table_reusable),
		T(test_call_hash_collision),
		T(test_provisional_off),
		T(test_unknown_dialog_messages_ignored),
		T(test_bad_sdp_warns),
		T(test_export_import_then_bye),
		T(test_import_then_reinvite),
		T(test_import_ringing_then_answer),
		T(test_import_ringing_setup_timeout),
		T(test_import_rejects_bad_records),
		T(test_hold_by_either_side),
		T(test_hold_null_address_either_side),
		T(test_pinhole_gone_then_reinvite),
		T(test_session_timer_refresh_and_expiry),
		T(test_session_expires_bounded),
		T(test_lost_bye_bound),
		T(test_expiry_written_before_kernel_cut),
		T(test_call_hash_and_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
