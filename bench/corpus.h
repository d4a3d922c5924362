/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A corpus of typical SIP messages for the parser benchmark: one
 * registration (REGISTER, 401, REGISTER with credentials' 200) and one call
 * (INVITE with SDP, 180, 200 with SDP, ACK, BYE), plus an OPTIONS ping, as
 * a PBX and a carrier exchange them. Header sets and lengths follow what
 * common UAs send (several Vias, Record-Route, Allow, Supported, User-Agent).
 *
 * Entries hold the message without Content-Length; corpus_build() appends
 * the header and the body, so the length is always right.
 */
#ifndef VFW_BENCH_CORPUS_H
#define VFW_BENCH_CORPUS_H

#include <stdio.h>
#include <string.h>

struct corpus_msg {
	const char *name;
	const char *head;   /* start line and headers, each ending in CRLF */
	const char *body;   /* "" for none */
};

#define C_SDP_OFFER							\
	"v=0\r\n"							\
	"o=- 3912871123 3912871123 IN IP4 198.51.100.20\r\n"		\
	"s=carrier\r\n"							\
	"c=IN IP4 198.51.100.20\r\n"					\
	"t=0 0\r\n"							\
	"m=audio 31000 RTP/AVP 8 0 18 101\r\n"				\
	"a=rtpmap:8 PCMA/8000\r\n"					\
	"a=rtpmap:0 PCMU/8000\r\n"					\
	"a=rtpmap:18 G729/8000\r\n"					\
	"a=fmtp:18 annexb=no\r\n"					\
	"a=rtpmap:101 telephone-event/8000\r\n"				\
	"a=fmtp:101 0-16\r\n"						\
	"a=ptime:20\r\n"						\
	"a=sendrecv\r\n"

#define C_SDP_ANSWER							\
	"v=0\r\n"							\
	"o=pbx 1804289383 1804289384 IN IP4 192.0.2.1\r\n"		\
	"s=pbx\r\n"							\
	"c=IN IP4 192.0.2.1\r\n"					\
	"t=0 0\r\n"							\
	"m=audio 10000 RTP/AVP 8 101\r\n"				\
	"a=rtpmap:8 PCMA/8000\r\n"					\
	"a=rtpmap:101 telephone-event/8000\r\n"				\
	"a=fmtp:101 0-16\r\n"						\
	"a=ptime:20\r\n"						\
	"a=maxptime:150\r\n"						\
	"a=sendrecv\r\n"

#define C_CALL_VIAS							\
	"Via: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK-524287-1---a6b1c2d3e4f5a6b7;rport\r\n" \
	"Via: SIP/2.0/UDP 198.51.100.40:5060;branch=z9hG4bK3f9a.8c1e2d7b.0;received=198.51.100.40\r\n"

#define C_CALL_DIALOG							\
	"From: \"+4930123456\" <sip:+4930123456@carrier.example.net>;tag=as5f2c9e1a\r\n" \
	"To: <sip:+4989555123@pbx.example.org>;tag=pbx-7a3c9e21\r\n"	\
	"Call-ID: 6b8b4567327b23c6643c9869@198.51.100.10\r\n"

static const struct corpus_msg corpus[] = {
	{ "REGISTER",
	  "REGISTER sip:carrier.example.net SIP/2.0\r\n"
	  "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-d8754z-1f9e3c2a7b6d5e4f;rport\r\n"
	  "Max-Forwards: 70\r\n"
	  "From: <sip:4989555123@carrier.example.net>;tag=4a5b6c7d\r\n"
	  "To: <sip:4989555123@carrier.example.net>\r\n"
	  "Call-ID: reg-9f8e7d6c5b4a39281706@192.0.2.1\r\n"
	  "CSeq: 2 REGISTER\r\n"
	  "Contact: <sip:4989555123@192.0.2.1:5060;transport=udp>;expires=600\r\n"
	  "Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE\r\n"
	  "Supported: replaces, path, timer\r\n"
	  "User-Agent: PBX 18.20.2\r\n"
	  "Authorization: Digest username=\"4989555123\", realm=\"carrier.example.net\", "
	  "nonce=\"5f2c9e1a6b8b4567\", uri=\"sip:carrier.example.net\", "
	  "response=\"0a4f113eeaf6f1e5c0d3b9a4f0c1e2d3\", algorithm=MD5\r\n"
	  "Expires: 600\r\n",
	  "" },
	{ "401",
	  "SIP/2.0 401 Unauthorized\r\n"
	  "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-d8754z-1f9e3c2a7b6d5e40;rport=5060;received=192.0.2.1\r\n"
	  "From: <sip:4989555123@carrier.example.net>;tag=4a5b6c7d\r\n"
	  "To: <sip:4989555123@carrier.example.net>;tag=as1c2d3e4f\r\n"
	  "Call-ID: reg-9f8e7d6c5b4a39281706@192.0.2.1\r\n"
	  "CSeq: 1 REGISTER\r\n"
	  "Server: carrier-sbc\r\n"
	  "WWW-Authenticate: Digest algorithm=MD5, realm=\"carrier.example.net\", nonce=\"5f2c9e1a6b8b4567\"\r\n",
	  "" },
	{ "200-REGISTER",
	  "SIP/2.0 200 OK\r\n"
	  "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-d8754z-1f9e3c2a7b6d5e4f;rport=5060;received=192.0.2.1\r\n"
	  "From: <sip:4989555123@carrier.example.net>;tag=4a5b6c7d\r\n"
	  "To: <sip:4989555123@carrier.example.net>;tag=as7e8f9a0b\r\n"
	  "Call-ID: reg-9f8e7d6c5b4a39281706@192.0.2.1\r\n"
	  "CSeq: 2 REGISTER\r\n"
	  "Contact: <sip:4989555123@192.0.2.1:5060;transport=udp>;expires=600\r\n"
	  "Date: Tue, 04 Mar 2025 10:00:00 GMT\r\n"
	  "Server: carrier-sbc\r\n"
	  "Expires: 600\r\n",
	  "" },
	{ "INVITE",
	  "INVITE sip:+4989555123@192.0.2.1:5060 SIP/2.0\r\n"
	  C_CALL_VIAS
	  "Record-Route: <sip:198.51.100.40;lr;ftag=as5f2c9e1a>\r\n"
	  "Max-Forwards: 68\r\n"
	  "From: \"+4930123456\" <sip:+4930123456@carrier.example.net>;tag=as5f2c9e1a\r\n"
	  "To: <sip:+4989555123@pbx.example.org>\r\n"
	  "Contact: <sip:+4930123456@198.51.100.10:5060>\r\n"
	  "Call-ID: 6b8b4567327b23c6643c9869@198.51.100.10\r\n"
	  "CSeq: 102 INVITE\r\n"
	  "User-Agent: carrier-sbc\r\n"
	  "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, SUBSCRIBE, NOTIFY, INFO, PUBLISH, MESSAGE\r\n"
	  "Supported: replaces, timer\r\n"
	  "Session-Expires: 1800;refresher=uac\r\n"
	  "Min-SE: 90\r\n"
	  "P-Asserted-Identity: <sip:+4930123456@carrier.example.net>\r\n"
	  "Content-Type: application/sdp\r\n",
	  C_SDP_OFFER },
	{ "180",
	  "SIP/2.0 180 Ringing\r\n"
	  C_CALL_VIAS
	  "Record-Route: <sip:198.51.100.40;lr;ftag=as5f2c9e1a>\r\n"
	  C_CALL_DIALOG
	  "CSeq: 102 INVITE\r\n"
	  "Contact: <sip:+4989555123@192.0.2.1:5060>\r\n"
	  "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, INFO\r\n"
	  "Server: PBX 18.20.2\r\n",
	  "" },
	{ "200-INVITE",
	  "SIP/2.0 200 OK\r\n"
	  C_CALL_VIAS
	  "Record-Route: <sip:198.51.100.40;lr;ftag=as5f2c9e1a>\r\n"
	  C_CALL_DIALOG
	  "CSeq: 102 INVITE\r\n"
	  "Contact: <sip:+4989555123@192.0.2.1:5060>\r\n"
	  "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, INFO\r\n"
	  "Supported: replaces, timer\r\n"
	  "Session-Expires: 1800;refresher=uac\r\n"
	  "Require: timer\r\n"
	  "Server: PBX 18.20.2\r\n"
	  "Content-Type: application/sdp\r\n",
	  C_SDP_ANSWER },
	{ "ACK",
	  "ACK sip:+4989555123@192.0.2.1:5060 SIP/2.0\r\n"
	  "Via: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK-524287-1---b7c8d9e0f1a2b3c4;rport\r\n"
	  "Max-Forwards: 69\r\n"
	  C_CALL_DIALOG
	  "CSeq: 102 ACK\r\n"
	  "Contact: <sip:+4930123456@198.51.100.10:5060>\r\n",
	  "" },
	{ "BYE",
	  "BYE sip:+4930123456@198.51.100.10:5060 SIP/2.0\r\n"
	  "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-d8754z-0c1d2e3f4a5b6c7d;rport\r\n"
	  "Route: <sip:198.51.100.40;lr;ftag=as5f2c9e1a>\r\n"
	  "Max-Forwards: 70\r\n"
	  "From: <sip:+4989555123@pbx.example.org>;tag=pbx-7a3c9e21\r\n"
	  "To: \"+4930123456\" <sip:+4930123456@carrier.example.net>;tag=as5f2c9e1a\r\n"
	  "Call-ID: 6b8b4567327b23c6643c9869@198.51.100.10\r\n"
	  "CSeq: 2 BYE\r\n"
	  "User-Agent: PBX 18.20.2\r\n"
	  "Reason: Q.850;cause=16;text=\"Normal call clearing\"\r\n",
	  "" },
	{ "OPTIONS",
	  "OPTIONS sip:192.0.2.1:5060 SIP/2.0\r\n"
	  "Via: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK-524287-1---c9d0e1f2a3b4c5d6;rport\r\n"
	  "Max-Forwards: 70\r\n"
	  "From: <sip:ping@198.51.100.10>;tag=op1a2b3c\r\n"
	  "To: <sip:192.0.2.1:5060>\r\n"
	  "Call-ID: opt-1a2b3c4d5e6f@198.51.100.10\r\n"
	  "CSeq: 7001 OPTIONS\r\n"
	  "Accept: application/sdp\r\n"
	  "User-Agent: carrier-sbc\r\n",
	  "" },
};

#define CORPUS_N (sizeof(corpus) / sizeof(corpus[0]))

/* Writes the whole message to buf; returns its length, or 0 if it does not fit. */
static inline size_t corpus_build(const struct corpus_msg *m, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%sContent-Length: %zu\r\n\r\n%s", m->head,
			 strlen(m->body), m->body);

	return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

#endif /* VFW_BENCH_CORPUS_H */
