/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * SIP message parser (RFC 3261 syntax, the parts a firewall needs).
 *
 * sip_parse() reads one message from a byte buffer that need not be
 * NUL-terminated, never reads past len and never allocates: every string in
 * struct sip_msg is a view into the caller's buffer, valid while that buffer
 * is. Lists are bounded (SIP_MAX_VIAS, SIP_MAX_CONTACTS); entries beyond the
 * bound are counted but not kept.
 *
 * Header values may contain folded lines (CRLF followed by whitespace); the
 * views keep them, and every helper here treats CR/LF as whitespace.
 */
#ifndef VOIPFW_SIP_H
#define VOIPFW_SIP_H

#include <stddef.h>
#include <stdint.h>

#include "strview.h"

#define SIP_MAX_VIAS     8
#define SIP_MAX_CONTACTS 8
/* Parts of a multipart body examined while looking for application/sdp. */
#define SIP_MAX_PARTS    8

enum sip_method {
	SIP_METHOD_OTHER = 0,   /* a valid token we don't know */
	SIP_INVITE,
	SIP_ACK,
	SIP_BYE,
	SIP_CANCEL,
	SIP_REGISTER,
	SIP_OPTIONS,
	SIP_UPDATE,
	SIP_PRACK,
	SIP_INFO,
	SIP_NOTIFY,
	SIP_SUBSCRIBE,
	SIP_MESSAGE,
	SIP_REFER,
	SIP_PUBLISH,
	SIP_METHOD_COUNT,
};

enum sip_error {
	SIP_OK = 0,
	SIP_ERR_EMPTY,            /* nothing but whitespace */
	SIP_ERR_START_LINE,       /* neither request line nor status line */
	SIP_ERR_VERSION,          /* not SIP/2.0 */
	SIP_ERR_STATUS_CODE,      /* status code not 100-699 */
	SIP_ERR_REQUEST_URI,      /* request-URI missing or without scheme */
	SIP_ERR_HEADER_SYNTAX,    /* header line without a name or colon */
	SIP_ERR_NO_HEADER_END,    /* no blank line after the headers */
	SIP_ERR_MISSING_HEADER,   /* Via, From, To, Call-ID or CSeq absent */
	SIP_ERR_DUPLICATE_HEADER, /* a single-valued header given twice, differently */
	SIP_ERR_VIA,
	SIP_ERR_CSEQ,
	SIP_ERR_CSEQ_METHOD,      /* CSeq method differs from the request method */
	SIP_ERR_CALL_ID,
	SIP_ERR_FROM_TO,          /* From or To not a parseable address */
	SIP_ERR_CONTACT,
	SIP_ERR_EXPIRES,
	SIP_ERR_CONTENT_LENGTH,
	SIP_ERR_NO_CONTENT_LENGTH, /* stream transport needs Content-Length */
	SIP_ERR_TRUNCATED,        /* Content-Length larger than the data */
	SIP_ERR_MULTIPART,        /* multipart body without boundary or closing */
	SIP_ERR_COUNT,
};

enum sip_transport {
	SIP_TRANSPORT_OTHER = 0,
	SIP_TRANSPORT_UDP,
	SIP_TRANSPORT_TCP,
	SIP_TRANSPORT_TLS,
	SIP_TRANSPORT_SCTP,
	SIP_TRANSPORT_WS,
	SIP_TRANSPORT_WSS,
};

/* A parsed SIP/SIPS/TEL URI. host is without brackets for IPv6. */
struct sip_uri {
	struct sv scheme;     /* "sip", "sips", "tel", ... */
	struct sv user;
	struct sv host;       /* empty for tel: and other host-less URIs */
	uint16_t port;        /* 0 = not given */
	uint8_t host_is_ipv6; /* host was written as [..] */
	struct sv params;     /* ";a=b;c" after host[:port], without the leading ';' */
};

struct sip_via {
	struct sv protocol;   /* "SIP/2.0/UDP" as written (may hold spaces) */
	struct sv transport_name; /* "UDP" */
	enum sip_transport transport;
	struct sv host;       /* sent-by host, brackets stripped */
	uint16_t port;        /* 0 = not given */
	uint8_t host_is_ipv6;
	struct sv branch;
	struct sv received;
	uint8_t has_rport;    /* ;rport present, with or without value */
	uint16_t rport;       /* 0 when given without value */
};

/* A name-addr or addr-spec header value (From, To, Contact). */
struct sip_addr {
	struct sv display;    /* display name, quotes kept */
	struct sv uri_text;   /* the URI as written */
	struct sip_uri uri;
	struct sv params;     /* header params after the URI, without leading ';' */
	struct sv tag;        /* ;tag= (From/To) */
	uint8_t has_expires;  /* ;expires= (Contact) */
	uint32_t expires;
};

struct sip_msg {
	uint8_t is_request;

	/* request line */
	enum sip_method method;
	struct sv method_name;
	struct sv request_uri_text;
	struct sip_uri request_uri;

	/* status line */
	uint16_t status;
	struct sv reason;

	struct sip_via vias[SIP_MAX_VIAS];
	unsigned n_vias;       /* kept, <= SIP_MAX_VIAS */
	unsigned n_vias_seen;  /* in the message */

	struct sip_addr from, to;
	struct sv call_id;

	uint32_t cseq;
	enum sip_method cseq_method;
	struct sv cseq_method_name;

	struct sip_addr contacts[SIP_MAX_CONTACTS];
	unsigned n_contacts;
	unsigned n_contacts_seen;
	uint8_t contact_star;  /* Contact: * (REGISTER removing all bindings) */

	uint8_t has_expires;
	uint32_t expires;

	/*
	 * Session-Expires (RFC 4028, compact x): delta-seconds, clamped to
	 * UINT32_MAX; the first one counts. A malformed value is ignored
	 * (has_session_expires 0), never an error: the header only ever
	 * lengthens what the tracker keeps open, so the caller bounds it.
	 */
	uint8_t has_session_expires;
	uint8_t se_refresher;  /* enum sip_refresher */
	uint32_t session_expires;

	uint8_t has_content_length;
	uint32_t content_length;
	struct sv content_type;  /* media type only, e.g. "application/sdp" */
	struct sv content_type_params;

	struct sv headers;     /* the header block, from the first header to the blank line */
	struct sv body;        /* bounded by Content-Length when present */
	struct sv sdp;         /* the application/sdp part (whole body or one multipart part) */
	size_t msg_len;        /* bytes of the buffer this message used (stream framing) */
};

enum sip_refresher { SIP_REFRESHER_NONE = 0, SIP_REFRESHER_UAC, SIP_REFRESHER_UAS };

/*
 * Parses one message. is_stream: the message came over a stream transport
 * (TCP/TLS), where Content-Length is mandatory and the buffer may hold more
 * than one message (msg_len tells where this one ends). Over a datagram
 * transport a missing Content-Length means "the rest of the datagram".
 */
enum sip_error sip_parse(const void *buf, size_t len, int is_stream,
			 struct sip_msg *out);

const char *sip_strerror(enum sip_error err);
const char *sip_method_name(enum sip_method m);
enum sip_method sip_method_from_sv(struct sv token);

/* Parses a URI (no surrounding <>). Returns 0 or -1. */
int sip_uri_parse(struct sv text, struct sip_uri *out);

/*
 * Looks up a ;name[=value] parameter in a ';'-separated list (URI or header
 * params, without the leading ';'). Returns 1 and sets *value (empty when
 * the parameter has no value), or 0 when absent.
 */
int sip_param_find(struct sv params, const char *name, struct sv *value);

/*
 * Finds the first header named name (full or compact form, case-insensitive)
 * and returns its whole value (all comma-joined values of that line).
 * Returns 1 when found. Works on any header, known or not.
 */
int sip_header_find(const struct sip_msg *msg, const char *name,
		    struct sv *value);

/*
 * Converts a literal address ("192.0.2.1", "2001:db8::1", "[2001:db8::1]")
 * to 16 bytes, IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d). No name
 * resolution. Returns 0, or -1 when host is not a literal address.
 */
int sip_host_to_addr(struct sv host, uint8_t out[16]);

/* 1 when addr is IPv4-mapped (::ffff:0:0/96). */
int sip_addr_is_v4mapped(const uint8_t addr[16]);

/* Writes addr as text (dotted quad for IPv4-mapped) into buf; returns buf. */
char *sip_addr_format(const uint8_t addr[16], char *buf, size_t buflen);

#define SIP_ADDR_STRLEN 46

#endif /* VOIPFW_SIP_H */
