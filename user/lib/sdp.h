/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * SDP parser (RFC 4566), limited to what decides which media may reach us:
 * connection addresses, media ports, RTCP ports and directions.
 *
 * Like the SIP parser it reads a buffer that need not be NUL-terminated,
 * never reads past len, never allocates; strings are views into the input.
 * At most SDP_MAX_MEDIA m= sections are kept (the rest are counted).
 */
#ifndef VOIPFW_SDP_H
#define VOIPFW_SDP_H

#include <stddef.h>
#include <stdint.h>

#include "strview.h"

#define SDP_MAX_MEDIA 8

enum sdp_error {
	SDP_OK = 0,
	SDP_ERR_EMPTY,
	SDP_ERR_VERSION,      /* first line is not v=0 */
	SDP_ERR_LINE,         /* a line not of the form <letter>=<value> */
	SDP_ERR_ORIGIN,       /* o= malformed */
	SDP_ERR_CONNECTION,   /* c= malformed */
	SDP_ERR_MEDIA,        /* m= malformed */
	SDP_ERR_RTCP,         /* a=rtcp: malformed */
	SDP_ERR_COUNT,
};

/* Stream direction (RFC 4566 6 / RFC 3264 5.1), from the sender of this SDP. */
enum sdp_direction {
	SDP_SENDRECV = 0,
	SDP_SENDONLY,
	SDP_RECVONLY,
	SDP_INACTIVE,
};

enum sdp_media_type {
	SDP_MEDIA_OTHER = 0,
	SDP_MEDIA_AUDIO,
	SDP_MEDIA_VIDEO,
	SDP_MEDIA_IMAGE,      /* T.38 fax (udptl) */
	SDP_MEDIA_TEXT,
	SDP_MEDIA_APPLICATION,
	SDP_MEDIA_MESSAGE,
};

/* A c= line. */
struct sdp_conn {
	uint8_t present;
	uint8_t resolved;     /* addr holds a literal address (not an FQDN) */
	uint8_t is_null;      /* 0.0.0.0 or :: -- RFC 2543-style hold */
	uint8_t addr[16];     /* IPv4-mapped for IN IP4 */
	struct sv addr_text;  /* as written, without /ttl */
};

struct sdp_media {
	enum sdp_media_type type;
	struct sv media;      /* "audio" */
	uint16_t port;        /* as written; 0 = stream rejected/disabled */
	uint16_t port_count;  /* m=audio 4000/2 -> 2; 1 when absent */
	struct sv proto;      /* "RTP/AVP", "udptl", ... */
	uint8_t is_rtp;       /* the proto carries RTP (and so RTCP) */
	uint8_t rejected;     /* port == 0 */

	struct sdp_conn conn; /* effective: media-level c=, else session-level */
	uint8_t has_media_conn; /* the section had its own c= */

	uint8_t rtcp_mux;     /* a=rtcp-mux */
	uint8_t has_rtcp_attr;/* a=rtcp:PORT [...] */
	uint16_t rtcp_attr_port;
	struct sdp_conn rtcp_conn; /* a=rtcp:PORT IN IP4 addr, present when given */

	enum sdp_direction direction; /* media attribute, else session, else sendrecv */

	/* Computed: */
	uint16_t rtp_port;    /* = port (0 when rejected) */
	/*
	 * Where RTCP goes: a=rtcp port, else port+1 for RTP streams; 0 when
	 * there is no separate RTCP port (rtcp-mux, non-RTP, rejected, or
	 * port+1 would overflow).
	 */
	uint16_t rtcp_port;
	uint8_t addr[16];     /* = conn.addr; valid when has_addr */
	uint8_t has_addr;     /* a literal, non-null connection address applies */
};

struct sdp_session {
	struct sv origin_username;
	struct sv origin_sess_id;
	uint64_t origin_version;
	struct sdp_conn origin_addr;   /* o= unicast-address (present if literal) */

	struct sdp_conn conn;          /* session-level c= */
	enum sdp_direction direction;  /* session-level attribute, default sendrecv */
	uint8_t has_direction;

	struct sdp_media media[SDP_MAX_MEDIA];
	unsigned n_media;
	unsigned n_media_seen;
};

enum sdp_error sdp_parse(const void *buf, size_t len, struct sdp_session *out);
const char *sdp_strerror(enum sdp_error err);
const char *sdp_direction_name(enum sdp_direction d);

/* What a direction means for RTP flowing *from* the side that wrote it. */
static inline int sdp_direction_sends(enum sdp_direction d)
{
	return d == SDP_SENDRECV || d == SDP_SENDONLY;
}

static inline int sdp_direction_receives(enum sdp_direction d)
{
	return d == SDP_SENDRECV || d == SDP_RECVONLY;
}

#endif /* VOIPFW_SDP_H */
