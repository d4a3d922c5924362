// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * SDP parser. See sdp.h. One pass over the lines; the media-level values
 * that depend on session-level ones (c=, direction) are resolved at the end,
 * because RFC 4566 lets session attributes appear in any order before the
 * first m= line but we only know a section lacks its own c= once it ends.
 */
#include <string.h>

#include "sdp.h"
#include "sip.h"

static const char *const error_texts[SDP_ERR_COUNT] = {
	[SDP_OK] = "ok",
	[SDP_ERR_EMPTY] = "empty session description",
	[SDP_ERR_VERSION] = "first line is not v=0",
	[SDP_ERR_LINE] = "malformed line",
	[SDP_ERR_ORIGIN] = "malformed o= line",
	[SDP_ERR_CONNECTION] = "malformed c= line",
	[SDP_ERR_MEDIA] = "malformed m= line",
	[SDP_ERR_RTCP] = "malformed a=rtcp attribute",
};

const char *sdp_strerror(enum sdp_error err)
{
	if ((unsigned)err >= SDP_ERR_COUNT)
		return "unknown error";
	return error_texts[err];
}

const char *sdp_direction_name(enum sdp_direction d)
{
	switch (d) {
	case SDP_SENDRECV: return "sendrecv";
	case SDP_SENDONLY: return "sendonly";
	case SDP_RECVONLY: return "recvonly";
	case SDP_INACTIVE: return "inactive";
	}
	return "unknown";
}

/* Next space-separated field of *rest (runs of SP/HT tolerated). */
static struct sv next_field(struct sv *rest)
{
	size_t i = 0;
	struct sv field;

	while (rest->len && (rest->p[0] == ' ' || rest->p[0] == '\t'))
		*rest = sv_skip(*rest, 1);
	while (i < rest->len && rest->p[i] != ' ' && rest->p[i] != '\t')
		i++;
	field = sv_make(rest->p, i);
	*rest = sv_skip(*rest, i);
	return field;
}

static int is_null_addr(const uint8_t addr[16])
{
	static const uint8_t zero[16];

	if (sip_addr_is_v4mapped(addr))
		return memcmp(addr + 12, zero, 4) == 0;
	return memcmp(addr, zero, 16) == 0;
}

/*
 * "IN IP4 192.0.2.1[/ttl[/n]]" (c=, the tail of o= and a=rtcp). An FQDN is
 * accepted but left unresolved: we never do DNS on the packet path.
 */
static int parse_conn_fields(struct sv rest, struct sdp_conn *c)
{
	struct sv nettype = next_field(&rest);
	struct sv addrtype = next_field(&rest);
	struct sv addr = next_field(&rest);
	int v4;

	memset(c, 0, sizeof(*c));
	if (!sv_eq_cstr(nettype, "IN") || addr.len == 0 || next_field(&rest).len)
		return -1;
	if (sv_eq_cstr(addrtype, "IP4"))
		v4 = 1;
	else if (sv_eq_cstr(addrtype, "IP6"))
		v4 = 0;
	else
		return -1;
	sv_split(addr, '/', &addr);	/* multicast TTL / count */
	if (addr.len == 0)
		return -1;
	c->present = 1;
	c->addr_text = addr;
	if (sip_host_to_addr(addr, c->addr) == 0) {
		if (sip_addr_is_v4mapped(c->addr) != v4)
			return -1;	/* IP4 with an IPv6 literal or vice versa */
		c->resolved = 1;
		c->is_null = (uint8_t)is_null_addr(c->addr);
	}
	return 0;
}

/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address> */
static int parse_origin(struct sv v, struct sdp_session *s)
{
	struct sv version;

	s->origin_username = next_field(&v);
	s->origin_sess_id = next_field(&v);
	version = next_field(&v);
	if (s->origin_sess_id.len == 0 ||
	    sv_to_u64(version, UINT64_MAX, &s->origin_version) != 0)
		return -1;
	return parse_conn_fields(v, &s->origin_addr);
}

static enum sdp_media_type media_type_from_sv(struct sv m)
{
	if (sv_eq_cstr(m, "audio"))
		return SDP_MEDIA_AUDIO;
	if (sv_eq_cstr(m, "video"))
		return SDP_MEDIA_VIDEO;
	if (sv_eq_cstr(m, "image"))
		return SDP_MEDIA_IMAGE;
	if (sv_eq_cstr(m, "text"))
		return SDP_MEDIA_TEXT;
	if (sv_eq_cstr(m, "application"))
		return SDP_MEDIA_APPLICATION;
	if (sv_eq_cstr(m, "message"))
		return SDP_MEDIA_MESSAGE;
	return SDP_MEDIA_OTHER;
}

/* RTP/AVP, RTP/SAVP, RTP/AVPF, UDP/TLS/RTP/SAVPF ... all carry RTP + RTCP. */
static int proto_is_rtp(struct sv proto)
{
	size_t i;

	for (i = 0; i + 3 <= proto.len; i++)
		if (memcmp(proto.p + i, "RTP", 3) == 0 &&
		    (i == 0 || proto.p[i - 1] == '/'))
			return 1;
	return 0;
}

/* m=<media> <port>[/<number of ports>] <proto> <fmt> ... */
static int parse_media_line(struct sv v, struct sdp_media *m)
{
	struct sv port_text, count_text;
	uint64_t n;
	int has_count;

	memset(m, 0, sizeof(*m));
	m->media = next_field(&v);
	port_text = next_field(&v);
	m->proto = next_field(&v);
	if (m->media.len == 0 || m->proto.len == 0)
		return -1;
	m->type = media_type_from_sv(m->media);
	m->is_rtp = (uint8_t)proto_is_rtp(m->proto);

	has_count = sv_find(port_text, '/') < port_text.len;
	count_text = sv_split(port_text, '/', &port_text);
	if (sv_to_u64(port_text, 65535, &n) != 0)
		return -1;
	m->port = (uint16_t)n;
	m->port_count = 1;
	if (has_count) {
		if (sv_to_u64(count_text, 65535, &n) != 0 || n == 0)
			return -1;
		m->port_count = (uint16_t)n;
	}
	m->rejected = m->port == 0;
	return 0;
}

/* a=rtcp:<port> [<nettype> <addrtype> <connection-address>] (RFC 3605) */
static int parse_rtcp_attr(struct sv v, struct sdp_media *m)
{
	struct sv port = next_field(&v);
	uint64_t n;

	if (sv_to_u64(port, 65535, &n) != 0 || n == 0)
		return -1;
	m->has_rtcp_attr = 1;
	m->rtcp_attr_port = (uint16_t)n;
	while (v.len && (v.p[0] == ' ' || v.p[0] == '\t'))
		v = sv_skip(v, 1);
	if (v.len == 0)
		return 0;
	return parse_conn_fields(v, &m->rtcp_conn);
}

static int direction_from_sv(struct sv name, enum sdp_direction *d)
{
	if (sv_eq_cstr(name, "sendrecv"))
		*d = SDP_SENDRECV;
	else if (sv_eq_cstr(name, "sendonly"))
		*d = SDP_SENDONLY;
	else if (sv_eq_cstr(name, "recvonly"))
		*d = SDP_RECVONLY;
	else if (sv_eq_cstr(name, "inactive"))
		*d = SDP_INACTIVE;
	else
		return 0;
	return 1;
}

/* Per-section parse state kept beside the output. */
struct media_state {
	uint8_t has_direction;
};

static enum sdp_error parse_attribute(struct sv v, struct sdp_session *s,
				      struct sdp_media *m, struct media_state *ms)
{
	struct sv name, value = sv_split(v, ':', &name);
	enum sdp_direction d;

	if (direction_from_sv(name, &d)) {
		if (m) {
			m->direction = d;
			ms->has_direction = 1;
		} else {
			s->direction = d;
			s->has_direction = 1;
		}
		return SDP_OK;
	}
	if (!m)
		return SDP_OK;
	if (sv_eq_cstr(name, "rtcp-mux")) {
		m->rtcp_mux = 1;
		return SDP_OK;
	}
	if (sv_eq_cstr(name, "rtcp"))
		return parse_rtcp_attr(value, m) ? SDP_ERR_RTCP : SDP_OK;
	return SDP_OK;
}

/* Fills the computed fields of one media section once the whole SDP is read. */
static void resolve_media(const struct sdp_session *s, struct sdp_media *m,
			  const struct media_state *ms)
{
	if (!m->has_media_conn)
		m->conn = s->conn;
	if (!ms->has_direction)
		m->direction = s->direction;
	m->has_addr = m->conn.present && m->conn.resolved && !m->conn.is_null;
	if (m->has_addr)
		memcpy(m->addr, m->conn.addr, 16);
	if (m->rejected)
		return;
	m->rtp_port = m->port;
	if (m->rtcp_mux || !m->is_rtp)
		m->rtcp_port = 0;
	else if (m->has_rtcp_attr)
		m->rtcp_port = m->rtcp_attr_port;
	else if (m->port < 65535)
		m->rtcp_port = (uint16_t)(m->port + 1);
}

/* The line at the start of v without CR LF; *next gets what follows. */
static struct sv take_line(struct sv v, struct sv *next)
{
	size_t i = sv_find(v, '\n');
	struct sv line = sv_make(v.p, i);

	*next = sv_skip(v, i + 1);
	if (line.len && line.p[line.len - 1] == '\r')
		line.len--;
	return line;
}

static enum sdp_error parse_line(char type, struct sv value,
				 struct sdp_session *s, struct sdp_media *m,
				 struct media_state *ms)
{
	switch (type) {
	case 'o':
		return parse_origin(value, s) ? SDP_ERR_ORIGIN : SDP_OK;
	case 'c':
		if (m) {
			m->has_media_conn = 1;
			return parse_conn_fields(value, &m->conn) ?
				SDP_ERR_CONNECTION : SDP_OK;
		}
		return parse_conn_fields(value, &s->conn) ? SDP_ERR_CONNECTION : SDP_OK;
	case 'a':
		return parse_attribute(value, s, m, ms);
	default:
		return SDP_OK;	/* s=, t=, b=, i= ... don't affect filtering */
	}
}

enum sdp_error sdp_parse(const void *buf, size_t len, struct sdp_session *out)
{
	struct sv rest = sv_make(buf, len), line;
	struct media_state states[SDP_MAX_MEDIA];
	struct sdp_media *cur = NULL;
	struct media_state *cur_state = NULL;
	int in_media = 0, seen_version = 0;
	unsigned i;

	memset(out, 0, sizeof(*out));
	memset(states, 0, sizeof(states));
	if (buf == NULL)
		return SDP_ERR_EMPTY;

	while (rest.len) {
		enum sdp_error err;
		struct sv value;

		line = take_line(rest, &rest);
		if (sv_trim(line).len == 0)
			continue;
		if (line.len < 2 || line.p[1] != '=' || line.p[0] < 'a' || line.p[0] > 'z')
			return SDP_ERR_LINE;
		value = sv_skip(line, 2);
		if (!seen_version) {
			if (line.p[0] != 'v' || !sv_eq_cstr(sv_trim(value), "0"))
				return SDP_ERR_VERSION;
			seen_version = 1;
			continue;
		}
		if (line.p[0] == 'm') {
			struct sdp_media m;

			if (parse_media_line(value, &m) != 0)
				return SDP_ERR_MEDIA;
			in_media = 1;
			out->n_media_seen++;
			cur = NULL;
			cur_state = NULL;
			if (out->n_media < SDP_MAX_MEDIA) {
				cur_state = &states[out->n_media];
				cur = &out->media[out->n_media++];
				*cur = m;
			}
			continue;
		}
		if (in_media && !cur)
			continue;	/* a section beyond SDP_MAX_MEDIA */
		err = parse_line(line.p[0], value, out, cur, cur_state);
		if (err)
			return err;
	}
	if (!seen_version)
		return SDP_ERR_EMPTY;
	for (i = 0; i < out->n_media; i++)
		resolve_media(out, &out->media[i], &states[i]);
	return SDP_OK;
}
