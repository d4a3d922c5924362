// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * SIP message parser. See sip.h for the contract: bounded, allocation-free,
 * views into the caller's buffer, never reads past len.
 *
 * Every loop here walks forward through a view and stops at its end, so the
 * work is linear in the input size whatever the input holds.
 */
#include <arpa/inet.h>
#include <string.h>

#include "sip.h"

/* ---- character classes ---------------------------------------------- */

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* RFC 3261 "token" characters. */
static int is_token_char(char c)
{
	if (is_alpha(c) || sv_is_digit(c))
		return 1;
	return c != '\0' && strchr("-.!%*_+`'~", c) != NULL;
}

static int is_token(struct sv v)
{
	size_t i;

	if (v.len == 0)
		return 0;
	for (i = 0; i < v.len; i++)
		if (!is_token_char(v.p[i]))
			return 0;
	return 1;
}

static struct sv skip_ws(struct sv v)
{
	while (v.len && sv_is_ws(v.p[0]))
		v = sv_skip(v, 1);
	return v;
}

/* Leading run of token characters of v. */
static struct sv take_token(struct sv v)
{
	size_t i = 0;

	while (i < v.len && is_token_char(v.p[i]))
		i++;
	return sv_make(v.p, i);
}

/*
 * Length of the quoted string at the start of v (v.p[0] == '"'), closing
 * quote included, honouring backslash escapes; 0 when unterminated.
 */
static size_t quoted_len(struct sv v)
{
	size_t i;

	for (i = 1; i < v.len; i++) {
		if (v.p[i] == '\\')
			i++;
		else if (v.p[i] == '"')
			return i + 1;
	}
	return 0;
}

/* ---- methods -------------------------------------------------------- */

static const char *const method_names[SIP_METHOD_COUNT] = {
	[SIP_METHOD_OTHER] = "OTHER",
	[SIP_INVITE] = "INVITE",
	[SIP_ACK] = "ACK",
	[SIP_BYE] = "BYE",
	[SIP_CANCEL] = "CANCEL",
	[SIP_REGISTER] = "REGISTER",
	[SIP_OPTIONS] = "OPTIONS",
	[SIP_UPDATE] = "UPDATE",
	[SIP_PRACK] = "PRACK",
	[SIP_INFO] = "INFO",
	[SIP_NOTIFY] = "NOTIFY",
	[SIP_SUBSCRIBE] = "SUBSCRIBE",
	[SIP_MESSAGE] = "MESSAGE",
	[SIP_REFER] = "REFER",
	[SIP_PUBLISH] = "PUBLISH",
};

const char *sip_method_name(enum sip_method m)
{
	if ((unsigned)m >= SIP_METHOD_COUNT)
		return "OTHER";
	return method_names[m];
}

/* Methods are case-sensitive (RFC 3261 7.1). */
enum sip_method sip_method_from_sv(struct sv token)
{
	int m;

	for (m = SIP_METHOD_OTHER + 1; m < SIP_METHOD_COUNT; m++)
		if (sv_eq_cstr(token, method_names[m]))
			return (enum sip_method)m;
	return SIP_METHOD_OTHER;
}

/* ---- errors --------------------------------------------------------- */

static const char *const error_texts[SIP_ERR_COUNT] = {
	[SIP_OK] = "ok",
	[SIP_ERR_EMPTY] = "empty message",
	[SIP_ERR_START_LINE] = "malformed start line",
	[SIP_ERR_VERSION] = "unsupported SIP version",
	[SIP_ERR_STATUS_CODE] = "invalid status code",
	[SIP_ERR_REQUEST_URI] = "invalid request-URI",
	[SIP_ERR_HEADER_SYNTAX] = "malformed header line",
	[SIP_ERR_NO_HEADER_END] = "headers not terminated by a blank line",
	[SIP_ERR_MISSING_HEADER] = "mandatory header missing",
	[SIP_ERR_DUPLICATE_HEADER] = "conflicting duplicate header",
	[SIP_ERR_VIA] = "malformed Via",
	[SIP_ERR_CSEQ] = "malformed CSeq",
	[SIP_ERR_CSEQ_METHOD] = "CSeq method does not match request method",
	[SIP_ERR_CALL_ID] = "malformed Call-ID",
	[SIP_ERR_FROM_TO] = "malformed From or To",
	[SIP_ERR_CONTACT] = "malformed Contact",
	[SIP_ERR_EXPIRES] = "malformed Expires",
	[SIP_ERR_CONTENT_LENGTH] = "malformed Content-Length",
	[SIP_ERR_NO_CONTENT_LENGTH] = "Content-Length required on stream transport",
	[SIP_ERR_TRUNCATED] = "truncated: body shorter than Content-Length",
	[SIP_ERR_MULTIPART] = "malformed multipart body",
};

const char *sip_strerror(enum sip_error err)
{
	if ((unsigned)err >= SIP_ERR_COUNT)
		return "unknown error";
	return error_texts[err];
}

/* ---- addresses ------------------------------------------------------ */

int sip_addr_is_v4mapped(const uint8_t addr[16])
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(addr, prefix, sizeof(prefix)) == 0;
}

int sip_host_to_addr(struct sv host, uint8_t out[16])
{
	char text[INET6_ADDRSTRLEN + 1];
	struct in_addr v4;

	host = sv_trim(host);
	if (host.len >= 2 && host.p[0] == '[' && host.p[host.len - 1] == ']')
		host = sv_make(host.p + 1, host.len - 2);
	if (host.len == 0 || host.len >= sizeof(text))
		return -1;
	memcpy(text, host.p, host.len);
	text[host.len] = '\0';
	if (strlen(text) != host.len)	/* embedded NUL */
		return -1;

	if (inet_pton(AF_INET, text, &v4) == 1) {
		memset(out, 0, 10);
		out[10] = 0xff;
		out[11] = 0xff;
		memcpy(out + 12, &v4, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, text, out) == 1)
		return 0;
	return -1;
}

char *sip_addr_format(const uint8_t addr[16], char *buf, size_t buflen)
{
	if (buflen == 0)
		return buf;
	buf[0] = '\0';
	if (sip_addr_is_v4mapped(addr))
		inet_ntop(AF_INET, addr + 12, buf, (socklen_t)buflen);
	else
		inet_ntop(AF_INET6, addr, buf, (socklen_t)buflen);
	return buf;
}

/* ---- parameters ----------------------------------------------------- */

/*
 * Splits off the next ';'-separated element of *rest (quotes respected).
 * Returns 0 when nothing is left.
 */
static int next_param(struct sv *rest, struct sv *item)
{
	size_t i = 0;

	if (rest->len == 0)
		return 0;
	while (i < rest->len && rest->p[i] != ';') {
		if (rest->p[i] == '"') {
			size_t q = quoted_len(sv_skip(*rest, i));

			i += q ? q : rest->len - i;
		} else {
			i++;
		}
	}
	*item = sv_make(rest->p, i);
	*rest = sv_skip(*rest, i + 1);
	return 1;
}

int sip_param_find(struct sv params, const char *name, struct sv *value)
{
	struct sv item;

	while (next_param(&params, &item)) {
		struct sv pname;
		struct sv pval = sv_split(item, '=', &pname);

		if (sv_case_eq(sv_trim(pname), name)) {
			*value = sv_trim(pval);
			return 1;
		}
	}
	return 0;
}

/* Strips one level of surrounding double quotes. */
static struct sv unquote(struct sv v)
{
	if (v.len >= 2 && v.p[0] == '"' && v.p[v.len - 1] == '"')
		return sv_make(v.p + 1, v.len - 2);
	return v;
}

/* ---- URIs ----------------------------------------------------------- */

static int parse_port(struct sv text, uint16_t *port)
{
	uint64_t n;

	if (sv_to_u64(text, 65535, &n) != 0 || n == 0)
		return -1;
	*port = (uint16_t)n;
	return 0;
}

static int host_chars_ok(struct sv host)
{
	size_t i;

	for (i = 0; i < host.len; i++) {
		char c = host.p[i];

		if (!(is_alpha(c) || sv_is_digit(c) || c == '.' || c == '-' ||
		      c == ':' || c == '_'))
			return 0;
	}
	return 1;
}

/*
 * Parses host[:port] at the start of v; returns the rest. IPv6 references
 * keep their brackets out of *host. Returns -1 on syntax errors.
 */
static int parse_hostport(struct sv v, struct sv *host, uint16_t *port,
			  uint8_t *is_ipv6, struct sv *rest, const char *stops)
{
	size_t i = 0;

	*port = 0;
	*is_ipv6 = 0;
	if (v.len && v.p[0] == '[') {
		i = sv_find(v, ']');
		if (i == v.len)
			return -1;
		*host = sv_make(v.p + 1, i - 1);
		*is_ipv6 = 1;
		i++;
	} else {
		while (i < v.len && v.p[i] != ':' && !strchr(stops, v.p[i]))
			i++;
		*host = sv_make(v.p, i);
	}
	if (host->len == 0 || !host_chars_ok(*host))
		return -1;
	if (*is_ipv6 && sv_find(*host, ':') == host->len)
		return -1;

	v = sv_skip(v, i);
	if (v.len && v.p[0] == ':') {
		size_t j = 1;

		while (j < v.len && sv_is_digit(v.p[j]))
			j++;
		if (parse_port(sv_make(v.p + 1, j - 1), port) != 0)
			return -1;
		v = sv_skip(v, j);
	}
	*rest = v;
	return 0;
}

int sip_uri_parse(struct sv text, struct sip_uri *out)
{
	struct sv rest, scheme, hostpart;
	size_t i, at;

	memset(out, 0, sizeof(*out));
	text = sv_trim(text);
	rest = sv_split(text, ':', &scheme);
	if (scheme.len == 0 || scheme.len == text.len || !is_alpha(scheme.p[0]))
		return -1;
	for (i = 0; i < scheme.len; i++)
		if (!(is_alpha(scheme.p[i]) || sv_is_digit(scheme.p[i]) ||
		      scheme.p[i] == '+' || scheme.p[i] == '-' || scheme.p[i] == '.'))
			return -1;
	for (i = 0; i < rest.len; i++)
		if (sv_is_ws(rest.p[i]) || rest.p[i] == '<' || rest.p[i] == '>')
			return -1;
	out->scheme = scheme;

	if (!sv_case_eq(scheme, "sip") && !sv_case_eq(scheme, "sips")) {
		/* tel:, urn: ...: no host, keep the number as "user". */
		out->params = sv_split(rest, ';', &out->user);
		return out->user.len ? 0 : -1;
	}

	at = sv_find(rest, '@');
	if (at < rest.len) {
		out->user = sv_make(rest.p, at);
		rest = sv_skip(rest, at + 1);
	}
	if (parse_hostport(rest, &out->host, &out->port, &out->host_is_ipv6,
			   &hostpart, ";?") != 0)
		return -1;
	if (hostpart.len && hostpart.p[0] == ';') {
		size_t q = sv_find(hostpart, '?');

		out->params = sv_make(hostpart.p + 1, q - 1);
	} else if (hostpart.len && hostpart.p[0] != '?') {
		return -1;
	}
	return 0;
}

/* ---- list values ---------------------------------------------------- */

/*
 * Splits off the next comma-separated value of a header that may hold a
 * list. Commas inside quoted strings and <...> do not split. Returns 0 when
 * no non-empty value is left.
 */
static int next_list_item(struct sv *rest, struct sv *item)
{
	for (;;) {
		size_t i = 0;
		int angle = 0;

		*rest = skip_ws(*rest);
		if (rest->len == 0)
			return 0;
		while (i < rest->len && (angle || rest->p[i] != ',')) {
			char c = rest->p[i];

			if (c == '"') {
				size_t q = quoted_len(sv_skip(*rest, i));

				i += q ? q : rest->len - i;
				continue;
			}
			if (c == '<')
				angle = 1;
			else if (c == '>')
				angle = 0;
			i++;
		}
		*item = sv_trim(sv_make(rest->p, i));
		*rest = sv_skip(*rest, i + 1);
		if (item->len)
			return 1;
	}
}

/* ---- header values -------------------------------------------------- */

static enum sip_transport transport_from_sv(struct sv t)
{
	if (sv_case_eq(t, "UDP"))
		return SIP_TRANSPORT_UDP;
	if (sv_case_eq(t, "TCP"))
		return SIP_TRANSPORT_TCP;
	if (sv_case_eq(t, "TLS"))
		return SIP_TRANSPORT_TLS;
	if (sv_case_eq(t, "SCTP"))
		return SIP_TRANSPORT_SCTP;
	if (sv_case_eq(t, "WS"))
		return SIP_TRANSPORT_WS;
	if (sv_case_eq(t, "WSS"))
		return SIP_TRANSPORT_WSS;
	return SIP_TRANSPORT_OTHER;
}

/* Expects optional whitespace, then c, then optional whitespace. */
static int expect_sep(struct sv *v, char c)
{
	*v = skip_ws(*v);
	if (v->len == 0 || v->p[0] != c)
		return -1;
	*v = skip_ws(sv_skip(*v, 1));
	return 0;
}

/* "SIP / 2.0 / UDP host:port ;params" */
static int parse_via(struct sv v, struct sip_via *via)
{
	struct sv name, version, params, value;
	const char *start = v.p;

	memset(via, 0, sizeof(*via));
	name = take_token(v);
	v = sv_skip(v, name.len);
	if (!sv_case_eq(name, "SIP") || expect_sep(&v, '/') != 0)
		return -1;
	version = take_token(v);
	v = sv_skip(v, version.len);
	if (!sv_eq_cstr(version, "2.0") || expect_sep(&v, '/') != 0)
		return -1;
	via->transport_name = take_token(v);
	if (via->transport_name.len == 0)
		return -1;
	v = sv_skip(v, via->transport_name.len);
	via->protocol = sv_make(start, (size_t)(v.p - start));
	via->transport = transport_from_sv(via->transport_name);

	if (v.len == 0 || !sv_is_ws(v.p[0]))
		return -1;
	v = skip_ws(v);
	if (parse_hostport(v, &via->host, &via->port, &via->host_is_ipv6, &v,
			   "; \t\r\n(") != 0)
		return -1;
	v = skip_ws(v);
	if (v.len && v.p[0] == '(')	/* trailing comment, ignored */
		v = sv_make(v.p, 0);
	if (v.len && v.p[0] != ';')
		return -1;
	params = sv_skip(v, 1);	/* empty when there are no params */

	if (sip_param_find(params, "branch", &value))
		via->branch = value;
	if (sip_param_find(params, "received", &value))
		via->received = value;
	if (sip_param_find(params, "rport", &value)) {
		via->has_rport = 1;
		if (value.len && parse_port(value, &via->rport) != 0)
			return -1;
	}
	return 0;
}

static void addr_read_params(struct sip_addr *a)
{
	struct sv value;
	uint64_t n;

	if (sip_param_find(a->params, "tag", &value))
		a->tag = value;
	if (sip_param_find(a->params, "expires", &value) &&
	    sv_to_u64_clamp(value, UINT32_MAX, &n) == 0) {
		a->has_expires = 1;
		a->expires = (uint32_t)n;
	}
}

/* name-addr ("Bob" <sip:bob@host>;tag=1) or addr-spec (sip:bob@host;tag=1). */
static int parse_addr(struct sv v, struct sip_addr *a)
{
	size_t i = 0, lt;

	memset(a, 0, sizeof(*a));
	v = sv_trim(v);
	if (v.len && v.p[0] == '"') {
		i = quoted_len(v);
		if (i == 0)
			return -1;
		a->display = sv_make(v.p, i);
	}
	lt = i + sv_find(sv_skip(v, i), '<');
	if (lt < v.len) {
		struct sv after = sv_skip(v, lt + 1);
		size_t gt = sv_find(after, '>');

		if (gt == after.len)
			return -1;
		if (!a->display.len)
			a->display = sv_trim(sv_make(v.p, lt));
		else if (sv_trim(sv_make(v.p + i, lt - i)).len)
			return -1;	/* junk between quotes and '<' */
		a->uri_text = sv_make(after.p, gt);
		v = skip_ws(sv_skip(after, gt + 1));
	} else {
		size_t semi = sv_find(v, ';');

		if (a->display.len)
			return -1;	/* quoted name without <uri> */
		/* addr-spec: every ';' after the URI starts a header param */
		a->uri_text = sv_trim(sv_make(v.p, semi));
		v = sv_skip(v, semi);
	}
	if (sip_uri_parse(a->uri_text, &a->uri) != 0)
		return -1;
	if (v.len) {
		if (v.p[0] != ';')
			return -1;
		a->params = sv_skip(v, 1);
	}
	addr_read_params(a);
	return 0;
}

static int parse_cseq(struct sv v, struct sip_msg *m)
{
	struct sv num, method;
	uint64_t n;
	size_t i = 0;

	v = sv_trim(v);
	while (i < v.len && sv_is_digit(v.p[i]))
		i++;
	num = sv_make(v.p, i);
	if (sv_to_u64(num, UINT32_MAX, &n) != 0)
		return -1;
	v = sv_skip(v, i);
	if (v.len == 0 || !sv_is_ws(v.p[0]))
		return -1;
	method = sv_trim(v);
	if (!is_token(method))
		return -1;
	m->cseq = (uint32_t)n;
	m->cseq_method_name = method;
	m->cseq_method = sip_method_from_sv(method);
	return 0;
}

static int parse_call_id(struct sv v, struct sv *out)
{
	size_t i;

	v = sv_trim(v);
	if (v.len == 0)
		return -1;
	for (i = 0; i < v.len; i++)
		if (sv_is_ws(v.p[i]) || (unsigned char)v.p[i] < 0x21 ||
		    (unsigned char)v.p[i] == 0x7f)
			return -1;
	*out = v;
	return 0;
}

/* ---- header dispatch ------------------------------------------------ */

enum hdr_kind {
	HDR_OTHER = 0,
	HDR_VIA,
	HDR_FROM,
	HDR_TO,
	HDR_CALL_ID,
	HDR_CSEQ,
	HDR_CONTACT,
	HDR_EXPIRES,
	HDR_CONTENT_LENGTH,
	HDR_CONTENT_TYPE,
	HDR_SESSION_EXPIRES,
};

struct hdr_name {
	const char *full;
	char compact;	/* RFC 3261 20 / IANA compact form, 0 when none */
	enum hdr_kind kind;
};

static const struct hdr_name hdr_names[] = {
	{ "Via", 'v', HDR_VIA },
	{ "From", 'f', HDR_FROM },
	{ "To", 't', HDR_TO },
	{ "Call-ID", 'i', HDR_CALL_ID },
	{ "CSeq", 0, HDR_CSEQ },
	{ "Contact", 'm', HDR_CONTACT },
	{ "Expires", 0, HDR_EXPIRES },
	{ "Content-Length", 'l', HDR_CONTENT_LENGTH },
	{ "Content-Type", 'c', HDR_CONTENT_TYPE },
	{ "Content-Encoding", 'e', HDR_OTHER },
	{ "Subject", 's', HDR_OTHER },
	{ "Supported", 'k', HDR_OTHER },
	{ "Event", 'o', HDR_OTHER },
	{ "Refer-To", 'r', HDR_OTHER },
	{ "Referred-By", 'b', HDR_OTHER },
	{ "Allow-Events", 'u', HDR_OTHER },
	{ "Session-Expires", 'x', HDR_SESSION_EXPIRES },
	{ "Accept-Contact", 'a', HDR_OTHER },
	{ "Reject-Contact", 'j', HDR_OTHER },
	{ "Request-Disposition", 'd', HDR_OTHER },
	{ "Identity", 'y', HDR_OTHER },
	{ "Identity-Info", 'n', HDR_OTHER },
};

#define N_HDR_NAMES (sizeof(hdr_names) / sizeof(hdr_names[0]))

/* Index into hdr_names for a header name written in full or compact form, or -1. */
static int hdr_lookup(struct sv name)
{
	size_t i;

	for (i = 0; i < N_HDR_NAMES; i++) {
		if (sv_case_eq(name, hdr_names[i].full))
			return (int)i;
		if (name.len == 1 && hdr_names[i].compact &&
		    sv_lower(name.p[0]) == hdr_names[i].compact)
			return (int)i;
	}
	return -1;
}

static enum hdr_kind hdr_kind_of(struct sv name)
{
	int i = hdr_lookup(name);

	return i < 0 ? HDR_OTHER : hdr_names[i].kind;
}

/* Same header, either form: "Call-ID" vs "i". */
static int hdr_same(struct sv a, struct sv b)
{
	int ia, ib;

	if (sv_casecmp_eq(a, b))
		return 1;
	ia = hdr_lookup(a);
	ib = hdr_lookup(b);
	return ia >= 0 && ia == ib;
}

/* ---- line and header iteration ---------------------------------------- */

struct hdr_iter {
	struct sv rest;
};

enum { HDR_ITER_END = 0, HDR_ITER_HEADER = 1, HDR_ITER_BLANK = 2,
       HDR_ITER_ERROR = -1 };

/* The line at the start of v without its CR LF; *next gets what follows the LF. */
static struct sv take_line(struct sv v, struct sv *next, int *has_lf)
{
	size_t i = sv_find(v, '\n');
	struct sv line = sv_make(v.p, i);

	*has_lf = i < v.len;
	*next = sv_skip(v, i + 1);
	if (line.len && line.p[line.len - 1] == '\r')
		line.len--;
	return line;
}

/*
 * Next logical header: a line plus any continuation lines (starting with SP
 * or HT, RFC 3261 7.3.1 folding). HDR_ITER_BLANK when the blank line that
 * ends the headers was consumed; HDR_ITER_END when the view ran out first.
 */
static int hdr_next(struct hdr_iter *it, struct sv *name, struct sv *value)
{
	struct sv line, next, rawname;
	int has_lf;
	size_t i;

	if (it->rest.len == 0)
		return HDR_ITER_END;
	line = take_line(it->rest, &next, &has_lf);
	if (line.len == 0 && has_lf) {
		it->rest = next;
		return HDR_ITER_BLANK;
	}
	if (line.len == 0)
		return HDR_ITER_END;	/* a lone CR at the end */
	if (sv_is_ws(line.p[0]))
		return HDR_ITER_ERROR;	/* continuation with nothing to continue */

	/* Pull in continuation lines; the value keeps their CRLF inside. */
	while (has_lf && next.len && (next.p[0] == ' ' || next.p[0] == '\t')) {
		struct sv cont = take_line(next, &next, &has_lf);

		line.len = (size_t)(cont.p + cont.len - line.p);
	}
	it->rest = next;

	i = sv_find(line, ':');
	if (i == line.len)
		return HDR_ITER_ERROR;
	rawname = sv_trim(sv_make(line.p, i));	/* "Via  :" is tolerated */
	if (!is_token(rawname))
		return HDR_ITER_ERROR;
	*name = rawname;
	*value = sv_trim(sv_skip(line, i + 1));
	return HDR_ITER_HEADER;
}

int sip_header_find(const struct sip_msg *msg, const char *name,
		    struct sv *value)
{
	struct hdr_iter it = { msg->headers };
	struct sv want = sv_from_cstr(name), hname, hvalue;
	int r;

	while ((r = hdr_next(&it, &hname, &hvalue)) == HDR_ITER_HEADER) {
		if (hdr_same(hname, want)) {
			*value = hvalue;
			return 1;
		}
	}
	return 0;
}

/* ---- start line ----------------------------------------------------- */

static int is_sip_version(struct sv v)
{
	return sv_case_eq(v, "SIP/2.0");
}

/* Next space-separated word of *rest (runs of SP/HT tolerated). */
static struct sv next_word(struct sv *rest)
{
	size_t i = 0;
	struct sv word;

	*rest = skip_ws(*rest);
	while (i < rest->len && rest->p[i] != ' ' && rest->p[i] != '\t')
		i++;
	word = sv_make(rest->p, i);
	*rest = sv_skip(*rest, i);
	return word;
}

static enum sip_error parse_status_line(struct sv line, struct sip_msg *m)
{
	struct sv version = next_word(&line), code;
	uint64_t n;

	if (!is_sip_version(version))
		return SIP_ERR_VERSION;
	code = next_word(&line);
	if (code.len != 3 || sv_to_u64(code, 699, &n) != 0 || n < 100)
		return SIP_ERR_STATUS_CODE;
	m->status = (uint16_t)n;
	m->reason = sv_trim(line);
	return SIP_OK;
}

static enum sip_error parse_request_line(struct sv line, struct sip_msg *m)
{
	struct sv method = next_word(&line);
	struct sv uri = next_word(&line);
	struct sv version = next_word(&line);

	if (!is_token(method) || uri.len == 0)
		return SIP_ERR_START_LINE;
	if (!is_sip_version(version) || skip_ws(line).len)
		return SIP_ERR_VERSION;
	m->is_request = 1;
	m->method_name = method;
	m->method = sip_method_from_sv(method);
	m->request_uri_text = uri;
	if (sip_uri_parse(uri, &m->request_uri) != 0)
		return SIP_ERR_REQUEST_URI;
	return SIP_OK;
}

static enum sip_error parse_start_line(struct sv line, struct sip_msg *m)
{
	struct sv first = line;

	if (sv_case_starts(first, "SIP/"))
		return parse_status_line(line, m);
	return parse_request_line(line, m);
}

/* ---- headers -------------------------------------------------------- */

/* Which single-valued headers were seen, to catch conflicting duplicates. */
struct seen {
	struct sv from, to, call_id, cseq, content_length, content_type, expires;
};

static enum sip_error parse_vias(struct sv value, struct sip_msg *m)
{
	struct sv item;

	while (next_list_item(&value, &item)) {
		struct sip_via via;

		if (parse_via(item, &via) != 0)
			return SIP_ERR_VIA;
		if (m->n_vias < SIP_MAX_VIAS)
			m->vias[m->n_vias++] = via;
		m->n_vias_seen++;
	}
	return SIP_OK;
}

static enum sip_error parse_contacts(struct sv value, struct sip_msg *m)
{
	struct sv item;

	if (sv_eq_cstr(value, "*")) {
		m->contact_star = 1;
		return SIP_OK;
	}
	while (next_list_item(&value, &item)) {
		struct sip_addr a;

		if (parse_addr(item, &a) != 0)
			return SIP_ERR_CONTACT;
		if (m->n_contacts < SIP_MAX_CONTACTS)
			m->contacts[m->n_contacts++] = a;
		m->n_contacts_seen++;
	}
	return SIP_OK;
}

/*
 * A header that must appear once. A verbatim repeat is tolerated (some
 * middleboxes duplicate lines); a different second value is an attack or a
 * bug and the message is refused.
 */
static int first_or_same(struct sv *slot, struct sv value)
{
	if (slot->p == NULL) {
		*slot = value;
		return 1;
	}
	return sv_eq(*slot, value) ? 0 : -1;
}

static enum sip_error parse_single(enum hdr_kind kind, struct sv value,
				   struct sip_msg *m, struct seen *seen)
{
	struct sv *slot;
	uint64_t n;
	int first;

	switch (kind) {
	case HDR_FROM: slot = &seen->from; break;
	case HDR_TO: slot = &seen->to; break;
	case HDR_CALL_ID: slot = &seen->call_id; break;
	case HDR_CSEQ: slot = &seen->cseq; break;
	case HDR_EXPIRES: slot = &seen->expires; break;
	case HDR_CONTENT_LENGTH: slot = &seen->content_length; break;
	case HDR_CONTENT_TYPE: slot = &seen->content_type; break;
	default: return SIP_OK;
	}
	first = first_or_same(slot, value);
	if (first < 0)
		return SIP_ERR_DUPLICATE_HEADER;
	if (!first)
		return SIP_OK;

	switch (kind) {
	case HDR_FROM:
		return parse_addr(value, &m->from) ? SIP_ERR_FROM_TO : SIP_OK;
	case HDR_TO:
		return parse_addr(value, &m->to) ? SIP_ERR_FROM_TO : SIP_OK;
	case HDR_CALL_ID:
		return parse_call_id(value, &m->call_id) ? SIP_ERR_CALL_ID : SIP_OK;
	case HDR_CSEQ:
		return parse_cseq(value, m) ? SIP_ERR_CSEQ : SIP_OK;
	case HDR_EXPIRES:
		if (sv_to_u64_clamp(value, UINT32_MAX, &n) != 0)
			return SIP_ERR_EXPIRES;
		m->has_expires = 1;
		m->expires = (uint32_t)n;
		return SIP_OK;
	case HDR_CONTENT_LENGTH:
		if (sv_to_u64(value, UINT32_MAX, &n) != 0)
			return SIP_ERR_CONTENT_LENGTH;
		m->has_content_length = 1;
		m->content_length = (uint32_t)n;
		return SIP_OK;
	case HDR_CONTENT_TYPE: {
		struct sv type;

		m->content_type_params = sv_trim(sv_split(value, ';', &type));
		m->content_type = sv_trim(type);
		return SIP_OK;
	}
	default:
		return SIP_OK;
	}
}

/*
 * Session-Expires: delta-seconds *(;param), e.g. "1800;refresher=uac".
 * Only the first one counts, and a bad one is skipped rather than
 * refused: refusing would drop the message (a BYE, a re-INVITE) that
 * carries it.
 */
static void parse_session_expires(struct sv value, struct sip_msg *m)
{
	struct sv delta, params = sv_split(value, ';', &delta), r;
	uint64_t n;

	if (m->has_session_expires ||
	    sv_to_u64_clamp(sv_trim(delta), UINT32_MAX, &n) != 0)
		return;
	m->has_session_expires = 1;
	m->session_expires = (uint32_t)n;
	if (sip_param_find(params, "refresher", &r)) {
		if (sv_case_eq(r, "uac"))
			m->se_refresher = SIP_REFRESHER_UAC;
		else if (sv_case_eq(r, "uas"))
			m->se_refresher = SIP_REFRESHER_UAS;
	}
}

static enum sip_error parse_header(struct sv name, struct sv value,
				   struct sip_msg *m, struct seen *seen)
{
	enum hdr_kind kind = hdr_kind_of(name);

	switch (kind) {
	case HDR_VIA:
		return parse_vias(value, m);
	case HDR_CONTACT:
		return parse_contacts(value, m);
	case HDR_SESSION_EXPIRES:
		parse_session_expires(value, m);
		return SIP_OK;
	case HDR_OTHER:
		return SIP_OK;
	default:
		return parse_single(kind, value, m, seen);
	}
}

static enum sip_error check_mandatory(const struct sip_msg *m,
				      const struct seen *seen)
{
	if (m->n_vias == 0 || !seen->from.p || !seen->to.p ||
	    !seen->call_id.p || !seen->cseq.p)
		return SIP_ERR_MISSING_HEADER;
	/* RFC 3261 8.1.1.5: the CSeq method matches the request's. */
	if (m->is_request && !sv_eq(m->method_name, m->cseq_method_name))
		return SIP_ERR_CSEQ_METHOD;
	return SIP_OK;
}

/* ---- body ----------------------------------------------------------- */

/* First occurrence of needle in hay at or after from, or hay.len. */
static size_t find_str(struct sv hay, size_t from, struct sv needle)
{
	size_t i;

	if (needle.len == 0 || hay.len < needle.len)
		return hay.len;
	for (i = from; i + needle.len <= hay.len; i++)
		if (hay.p[i] == needle.p[0] &&
		    memcmp(hay.p + i, needle.p, needle.len) == 0)
			return i;
	return hay.len;
}

/* Next "--boundary" that starts a line, at or after from; hay.len if none. */
static size_t find_delimiter(struct sv body, size_t from, struct sv boundary)
{
	for (;;) {
		size_t i = find_str(body, from, boundary);

		if (i == body.len || i < 2)
			return body.len;
		if (body.p[i - 1] == '-' && body.p[i - 2] == '-' &&
		    (i == 2 || body.p[i - 3] == '\n'))
			return i - 2;
		from = i + 1;
	}
}

/* Content-Type of one MIME part: scans the part's headers. */
static int part_is_sdp(struct sv part_headers)
{
	struct hdr_iter it = { part_headers };
	struct sv name, value, type;

	while (hdr_next(&it, &name, &value) == HDR_ITER_HEADER) {
		if (hdr_kind_of(name) == HDR_CONTENT_TYPE) {
			sv_split(value, ';', &type);
			return sv_case_eq(sv_trim(type), "application/sdp");
		}
	}
	return 0;
}

/*
 * Finds the application/sdp part of a multipart body (RFC 2046 5.1): parts
 * sit between "--boundary" lines, the last one closed by "--boundary--".
 * The CRLF before a delimiter belongs to the delimiter, not the part.
 */
static enum sip_error find_sdp_part(struct sip_msg *m)
{
	struct sv boundary, body = m->body;
	size_t pos;
	unsigned parts;

	if (!sip_param_find(m->content_type_params, "boundary", &boundary))
		return SIP_ERR_MULTIPART;
	boundary = unquote(boundary);
	if (boundary.len == 0 || boundary.len > 70)
		return SIP_ERR_MULTIPART;

	pos = find_delimiter(body, 0, boundary);
	if (pos == body.len)
		return SIP_ERR_MULTIPART;
	for (parts = 0; parts < SIP_MAX_PARTS; parts++) {
		struct sv after = sv_skip(body, pos + 2 + boundary.len);
		struct sv part, next_view;
		size_t start, end, part_end;
		int has_lf;
		struct hdr_iter it;
		struct sv name, value;
		int r;

		if (after.len >= 2 && after.p[0] == '-' && after.p[1] == '-')
			return SIP_OK;	/* closing delimiter */
		take_line(after, &next_view, &has_lf);
		if (!has_lf)
			return SIP_ERR_MULTIPART;
		start = (size_t)(next_view.p - body.p);
		end = find_delimiter(body, start, boundary);
		if (end == body.len)
			return SIP_ERR_MULTIPART;
		part_end = end;
		if (part_end > start && body.p[part_end - 1] == '\n')
			part_end--;
		if (part_end > start && body.p[part_end - 1] == '\r')
			part_end--;
		part = sv_make(body.p + start, part_end - start);

		/* headers of the part, then its content */
		it.rest = part;
		while ((r = hdr_next(&it, &name, &value)) == HDR_ITER_HEADER)
			;
		if (r == HDR_ITER_BLANK &&
		    part_is_sdp(sv_make(part.p, (size_t)(it.rest.p - part.p))) &&
		    !m->sdp.p)
			m->sdp = it.rest;
		pos = end;
	}
	return SIP_OK;
}

static enum sip_error set_body(struct sip_msg *m, struct sv after_headers,
			       const char *buf, int is_stream)
{
	if (m->has_content_length) {
		if (m->content_length > after_headers.len)
			return SIP_ERR_TRUNCATED;
		m->body = sv_make(after_headers.p, m->content_length);
	} else {
		if (is_stream)
			return SIP_ERR_NO_CONTENT_LENGTH;
		m->body = after_headers;
	}
	m->msg_len = (size_t)(m->body.p + m->body.len - buf);

	if (m->body.len == 0)
		return SIP_OK;
	if (sv_case_eq(m->content_type, "application/sdp"))
		m->sdp = m->body;
	else if (sv_case_starts(m->content_type, "multipart/"))
		return find_sdp_part(m);
	return SIP_OK;
}

/* ---- entry point ---------------------------------------------------- */

static struct sv drop_blank_line(struct sv block)
{
	if (block.len && block.p[block.len - 1] == '\n')
		block.len--;
	if (block.len && block.p[block.len - 1] == '\r')
		block.len--;
	return block;
}

enum sip_error sip_parse(const void *buf, size_t len, int is_stream,
			 struct sip_msg *out)
{
	struct sv v = sv_make(buf, len), line, name, value;
	struct hdr_iter it;
	struct seen seen;
	enum sip_error err;
	int has_lf, r;

	memset(out, 0, sizeof(*out));
	memset(&seen, 0, sizeof(seen));
	if (buf == NULL)
		return SIP_ERR_EMPTY;

	/* RFC 3261 7.5: CRLFs before the start line are ignored (keep-alives). */
	while (v.len && (v.p[0] == '\r' || v.p[0] == '\n'))
		v = sv_skip(v, 1);
	if (v.len == 0)
		return SIP_ERR_EMPTY;

	line = take_line(v, &v, &has_lf);
	if (!has_lf)
		return SIP_ERR_NO_HEADER_END;
	err = parse_start_line(line, out);
	if (err)
		return err;

	it.rest = v;
	while ((r = hdr_next(&it, &name, &value)) == HDR_ITER_HEADER) {
		err = parse_header(name, value, out, &seen);
		if (err)
			return err;
	}
	if (r == HDR_ITER_ERROR)
		return SIP_ERR_HEADER_SYNTAX;
	if (r != HDR_ITER_BLANK)
		return SIP_ERR_NO_HEADER_END;
	/* headers: from the first header line up to, not including, the blank line */
	out->headers = drop_blank_line(sv_make(v.p, (size_t)(it.rest.p - v.p)));

	err = check_mandatory(out, &seen);
	if (err)
		return err;
	return set_body(out, it.rest, buf, is_stream);
}
