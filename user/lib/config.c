// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Config file parser. libinih splits sections from "key = value" lines,
 * but it is fed through our own line reader rather than ini_parse_string():
 * libinih's string reader cuts a line longer than its buffer and hands the
 * tail back as a new line (so the end of a long comment could set a key),
 * and it treats an indented line as the continuation of the previous value.
 * The reader below gives libinih exactly one normalised line per call --
 * comments and blanks removed, sections checked, over-long lines refused --
 * which also makes the line number known to the key handler.
 */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "names.h"

#define WHY_MAX 160

#define CONFIG_STR_(x) #x
#define CONFIG_STR(x) CONFIG_STR_(x)

/* Sets why and returns -EINVAL, for the setters' refusals. */
static int why_is(char *why, const char *text)
{
	snprintf(why, WHY_MAX, "%s", text);
	return -EINVAL;
}

/* Room for any value: content lines are at most VFW_CONFIG_LINE_MAX long. */
#define VALUE_MAX (VFW_CONFIG_LINE_MAX + 1)

enum key_id {
	K_INTERFACE, K_PIN_DIR, K_MODE, K_XDP_MODE, K_VOIP_HOSTS,
	K_SIP_UDP, K_SIP_TCP, K_MEDIA_UDP, K_MEDIA_TCP,
	K_STATIC, K_DNS, K_DNS_MIN_TTL, K_DNS_MAX_TTL,
	K_REGISTRATIONS, K_REPLY_PINHOLES, K_REPLY_TTL, K_EGRESS_MEDIA,
	K_EGRESS_MEDIA_IDLE, K_PROVISIONAL, K_ANY_SOURCE, K_ANNOUNCED_MEDIA,
	K_REG_GRACE, K_REG_TRUST, K_PINHOLE_IDLE, K_CALL_MAX, K_SETUP_TIMEOUT,
	K_MAX_CALLS, K_MAX_UNANSWERED, K_MAX_PINHOLES, K_MAX_TRUNKS,
	K_LOG_LEVEL, K_DROP_SUMMARY,
	K_COUNT,
};

struct parse;
struct key_def;

/* Returns 0, or -EINVAL after writing the reason into why. */
typedef int (*setter_fn)(struct parse *p, const struct key_def *k,
			 const char *value, char *why);

struct key_def {
	const char *section;
	const char *name;
	setter_fn set;
	size_t off;         /* field in struct vfw_config, for generic setters */
	__u32 min, max;     /* numeric bounds */
	bool zero_off;      /* 0 is accepted below min and means "off" */
	bool repeatable;
};

struct parse {
	struct vfw_config c;        /* working copy, committed on success */
	const char *pos;            /* reader cursor in the text */
	unsigned lineno;            /* line the handler is looking at */
	unsigned err_line;          /* first error, 0 = none yet */
	bool failed;
	char *err;
	size_t errlen;
	unsigned key_line[K_COUNT]; /* where each key was set, 0 = not in text */
	bool voip_hosts_seen;       /* the first voip_hosts line replaces the default */
};

static const char *const sections[] = {
	"general", "ports", "trunks", "learning", "timeouts", "limits", "log",
};

/* ---- small helpers ---- */

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

static bool is_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9');
}

static void *field(struct parse *p, const struct key_def *k)
{
	return (char *)&p->c + k->off;
}

/* Quote untrusted text for a message: printable ASCII as is, the rest \xHH, cut at 64. */
static void quote(char *out, size_t outlen, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	for (i = 0; s[i] && o + 8 < outlen; i++) {
		unsigned char ch = s[i];

		if (i >= 64) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (ch < 0x20 || ch >= 0x7f || ch == '\'' || ch == '\\') {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		} else {
			out[o++] = ch;
		}
	}
	out[o] = '\0';
}

/* Records the first error only; later lines are never read after it. */
static void fail(struct parse *p, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct parse *p, unsigned line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (p->failed)
		return;
	p->failed = true;
	p->err_line = line;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "%u: %s", line, msg);
}

static void fail_key(struct parse *p, unsigned line, const struct key_def *k,
		     const char *value, const char *why)
{
	char q[300];

	quote(q, sizeof(q), value);
	fail(p, line, "[%s] %s = '%s': %s", k->section, k->name, q, why);
}

/* Splits s in place at any of seps; returns the tokens' count or -E2BIG. */
static int split(char *s, const char *seps, char **tok, int max, bool keep_empty)
{
	int n = 0;
	char *cur = s;

	for (;;) {
		size_t len = strcspn(cur, seps);
		char *end = cur + len, sep = *end, *t = cur, *e = end;

		while (t < e && is_blank(*t))
			t++;
		while (e > t && is_blank(e[-1]))
			e--;
		*e = '\0';
		if (*t || keep_empty) {
			if (n == max)
				return -E2BIG;
			tok[n++] = t;
		}
		if (!sep)
			return n;
		cur = end + 1;
	}
}

/* ---- value parsers ---- */

/* yes/no and friends into *b; -EINVAL with the reason in why. */
static int parse_bool(const char *v, bool *b, char *why)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(v, yes[i])) {
			*b = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*b = false;
			return 0;
		}
	}
	snprintf(why, WHY_MAX, "expected yes/no, true/false, on/off or 1/0");
	return -EINVAL;
}

static int set_bool(struct parse *p, const struct key_def *k, const char *v,
		    char *why)
{
	return parse_bool(v, field(p, k), why);
}

/*
 * provisional_any_source (an outbound call's offered ports open to any
 * source until the answer) is gone: anyone could reach a ringing call's
 * ports. "no" is what voipfw does now, so files that say so still load.
 */
static int set_removed_any_source(struct parse *p, const struct key_def *k,
				  const char *v, char *why)
{
	bool any_source;

	(void)p;
	(void)k;
	if (parse_bool(v, &any_source, why))
		return -EINVAL;
	if (any_source)
		return why_is(why, "no longer supported: media is admitted only from the address the call's SDP names; remove the line");
	return 0;
}

static int set_u32(struct parse *p, const struct key_def *k, const char *v,
		   char *why)
{
	__u32 *out = field(p, k);
	__u64 n;

	if (vfw_parse_u64(v, k->max, &n) ||
	    (n < k->min && !(k->zero_off && n == 0))) {
		if (k->zero_off)
			snprintf(why, WHY_MAX, "expected 0 (off) or a whole number %u-%u",
				 k->min, k->max);
		else
			snprintf(why, WHY_MAX, "expected a whole number %u-%u",
				 k->min, k->max);
		return -EINVAL;
	}
	*out = n;
	return 0;
}

/* Matches v against a NULL-terminated list of words; index or -EINVAL. */
static int pick_word(const char *v, const char *const *words, char *why)
{
	int i;

	for (i = 0; words[i]; i++)
		if (!strcasecmp(v, words[i]))
			return i;
	snprintf(why, WHY_MAX, "expected %s", words[0]);
	for (i = 1; words[i]; i++)
		snprintf(why + strlen(why), WHY_MAX - strlen(why), "%s%s",
			 words[i + 1] ? ", " : " or ", words[i]);
	return -EINVAL;
}

static int set_mode(struct parse *p, const struct key_def *k, const char *v,
		    char *why)
{
	static const char *const words[] = { "enforce", "monitor", NULL };
	int i = pick_word(v, words, why);

	if (i < 0)
		return i;
	p->c.monitor = i == 1;
	return 0;
}

static int set_xdp_mode(struct parse *p, const struct key_def *k,
			const char *v, char *why)
{
	static const char *const words[] = { "native", "generic", NULL };
	int i = pick_word(v, words, why);

	if (i < 0)
		return i;
	p->c.xdp_mode = i == 0 ? VFW_XDP_NATIVE : VFW_XDP_GENERIC;
	return 0;
}

static const char *const level_names[] = { "error", "warn", "info", "debug", NULL };

static int set_level(struct parse *p, const struct key_def *k, const char *v,
		     char *why)
{
	int i = pick_word(v, level_names, why);

	if (i < 0)
		return i;
	p->c.log_level = i;
	return 0;
}

/*
 * Like the kernel's dev_valid_name() but narrower: letters, digits and
 * ._-@+ only, so a name can never smuggle separators, paths or escapes.
 */
static const char *ifname_why(const char *s)
{
	size_t i, len = strlen(s);

	if (len >= VFW_CONFIG_IFNAMSIZ)
		return "interface names are at most 15 characters";
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return "not an interface name";
	for (i = 0; i < len; i++)
		if (!is_alnum(s[i]) && !strchr("._-@+", s[i]))
			return "interface names are letters, digits and ._-@+";
	return NULL;
}

static int set_interface(struct parse *p, const struct key_def *k,
			 const char *v, char *why)
{
	char buf[VALUE_MAX], *tok[VFW_CONFIG_MAX_IFACES];
	struct vfw_config *c = &p->c;
	int n, i;
	__u32 j;

	snprintf(buf, sizeof(buf), "%s", v);
	n = split(buf, ", \t", tok, VFW_CONFIG_MAX_IFACES, false);
	if (n == 0)
		return why_is(why, "no interface name");
	if (n == -E2BIG || (n > 0 && c->n_ifaces + n > VFW_CONFIG_MAX_IFACES)) {
		snprintf(why, WHY_MAX, "more than %d interfaces", VFW_CONFIG_MAX_IFACES);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		const char *bad = ifname_why(tok[i]);

		if (bad) {
			snprintf(why, WHY_MAX, "%s", bad);
			return -EINVAL;
		}
		for (j = 0; j < c->n_ifaces; j++) {
			if (!strcmp(c->ifaces[j], tok[i]))
				return why_is(why, "interface listed twice");
		}
		snprintf(c->ifaces[c->n_ifaces++], VFW_CONFIG_IFNAMSIZ, "%s", tok[i]);
	}
	return 0;
}

/* An absolute path of printable, non-blank ASCII, without "." or ".." parts. */
static int set_pin_dir(struct parse *p, const struct key_def *k, const char *v,
		       char *why)
{
	size_t i, j, len = strlen(v);

	while (len > 1 && v[len - 1] == '/')
		len--;          /* "/sys/fs/bpf/voipfw/" is the same directory */
	if (v[0] != '/' || len < 2)
		return why_is(why, "expected an absolute directory path (not /)");
	if (len >= VFW_CONFIG_PATH_MAX) {
		snprintf(why, WHY_MAX, "path longer than %d characters",
			 VFW_CONFIG_PATH_MAX - 1);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		if (v[i] <= ' ' || v[i] >= 0x7f)
			return why_is(why, "path contains blanks or non-ASCII bytes");
	}
	/* Each component between slashes: not empty, not "." or "..". */
	for (i = 1; i <= len; i = j + 1) {
		for (j = i; j < len && v[j] != '/'; j++)
			;
		if (j == i || (j - i == 1 && v[i] == '.') ||
		    (j - i == 2 && v[i] == '.' && v[i + 1] == '.'))
			return why_is(why, "path contains '.', '..' or '//'");
	}
	memcpy(p->c.pin_dir, v, len);
	p->c.pin_dir[len] = '\0';
	return 0;
}

static bool ranges_overlap(const struct vfw_port_range *a,
			   const struct vfw_port_range *b)
{
	return a->first <= b->last && b->first <= a->last;
}

static int set_ports(struct parse *p, const struct key_def *k, const char *v,
		     char *why)
{
	char buf[VALUE_MAX], *tok[VFW_CONFIG_MAX_RANGES];
	struct vfw_port_list list = { 0 }, *out = field(p, k);
	int n, i, j;

	if (!strcasecmp(v, "none")) {
		*out = list;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", v);
	n = split(buf, ",", tok, VFW_CONFIG_MAX_RANGES, true);
	if (n == -E2BIG) {
		snprintf(why, WHY_MAX, "more than %d port ranges", VFW_CONFIG_MAX_RANGES);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		struct vfw_port_range *r = &list.r[i];

		if (vfw_parse_port_range(tok[i], &r->first, &r->last)) {
			snprintf(why, WHY_MAX,
				 "expected 'none' or PORT[-PORT],... with 1 <= first <= last <= 65535");
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			if (ranges_overlap(r, &list.r[j]))
				return why_is(why, "ranges overlap each other");
		}
	}
	list.n = n;
	*out = list;
	return 0;
}

/* Optional second word of a trunk line: which port classes it admits. */
static int parse_admit_word(char **tok, int n, __u32 *admit, char *why)
{
	if (n > 2 || n < 1)
		return why_is(why, "expected one address and optionally sip, media or all");
	*admit = VFW_ADMIT_ALL;
	if (n == 2 && vfw_parse_admit(tok[1], admit))
		return why_is(why, "second word must be sip, media or all");
	return 0;
}

/* A prefix of a list entry; the parser's reason, and hint, when it is none. */
static int parse_new_prefix(const char *s, const char *hint,
			    struct vfw_prefix *pfx, char *why)
{
	const char *bad = NULL;

	memset(pfx, 0, sizeof(*pfx));
	if (!vfw_parse_prefix(s, pfx, &bad))
		return 0;
	snprintf(why, WHY_MAX, "%s%s", bad ? bad : "not a prefix", hint);
	return -EINVAL;
}

static int set_static(struct parse *p, const struct key_def *k, const char *v,
		      char *why)
{
	char buf[VALUE_MAX], *tok[3];
	struct vfw_config *c = &p->c;
	struct vfw_config_static s;
	int n;
	__u32 i;

	snprintf(buf, sizeof(buf), "%s", v);
	n = split(buf, " \t", tok, 3, false);
	if (parse_admit_word(tok, n == -E2BIG ? 3 : n, &s.admit, why))
		return -EINVAL;
	if (parse_new_prefix(tok[0], "", &s.prefix, why))
		return -EINVAL;
	for (i = 0; i < c->n_static; i++)
		if (vfw_prefix_equal(&c->statics[i].prefix, &s.prefix))
			return why_is(why, "prefix listed twice");
	if (c->n_static == VFW_CONFIG_MAX_STATIC)
		return why_is(why, "more than " CONFIG_STR(VFW_CONFIG_MAX_STATIC) " static trunks");
	c->statics[c->n_static++] = s;
	return 0;
}

/*
 * voip_hosts = PREFIX | local: one per line. The first line replaces the
 * default (local alone), so "voip_hosts = 192.168.1.10" means that PBX
 * and not this host unless a "local" line says so too.
 */
static int set_voip_hosts(struct parse *p, const struct key_def *k,
			  const char *v, char *why)
{
	struct vfw_config *c = &p->c;
	struct vfw_prefix pfx;
	__u32 i;

	(void)k;
	if (!p->voip_hosts_seen) {
		p->voip_hosts_seen = true;
		c->voip_local = false;
	}
	if (!strcmp(v, "local")) {
		c->voip_local = true;
		return 0;
	}
	if (parse_new_prefix(v, " (expected an address, a prefix or 'local')", &pfx, why))
		return -EINVAL;
	for (i = 0; i < c->n_voip_hosts; i++)
		if (vfw_prefix_equal(&c->voip_hosts[i], &pfx))
			return why_is(why, "prefix listed twice");
	if (c->n_voip_hosts == VFW_CONFIG_MAX_VOIP_HOSTS)
		return why_is(why, "more than " CONFIG_STR(VFW_CONFIG_MAX_VOIP_HOSTS) " voip_hosts");
	c->voip_hosts[c->n_voip_hosts++] = pfx;
	return 0;
}

/*
 * RFC 1123 host names: dot-separated labels of 1-63 letters, digits and
 * hyphens, not starting or ending with a hyphen, at most 253 characters
 * (a final root dot allowed). An all-numeric last label is refused so that
 * an IP address (or a typo of one) is never looked up as a name.
 */
static const char *hostname_why(const char *h)
{
	size_t len = strlen(h), i, label = 0, digits = 0;

	if (len && h[len - 1] == '.')
		len--;
	if (len == 0)
		return "empty host name";
	if (len > VFW_CONFIG_HOST_MAX)
		return "host name longer than 253 characters";
	for (i = 0; i < len; i++) {
		char ch = h[i];

		if (ch == '.') {
			if (label == 0)
				return "empty label in host name";
			if (h[i - 1] == '-')
				return "host name label ends with '-'";
			label = digits = 0;
			continue;
		}
		if (!is_alnum(ch) && ch != '-')
			return "host names are letters, digits, '-' and '.' (addresses go in static =)";
		if (label == 0 && ch == '-')
			return "host name label starts with '-'";
		if (++label > 63)
			return "host name label longer than 63 characters";
		digits += ch >= '0' && ch <= '9';
	}
	if (h[len - 1] == '-')
		return "host name label ends with '-'";
	if (digits == label)
		return "last label is all digits (addresses go in static =)";
	return NULL;
}

/* Same name, ignoring case and a final dot. */
static bool same_host(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	la -= la && a[la - 1] == '.';
	lb -= lb && b[lb - 1] == '.';
	return la == lb && !strncasecmp(a, b, la);
}

static int set_dns(struct parse *p, const struct key_def *k, const char *v,
		   char *why)
{
	char buf[VALUE_MAX], *tok[3];
	struct vfw_config *c = &p->c;
	struct vfw_config_dns d;
	const char *bad;
	int n;
	__u32 i;

	snprintf(buf, sizeof(buf), "%s", v);
	n = split(buf, " \t", tok, 3, false);
	if (parse_admit_word(tok, n == -E2BIG ? 3 : n, &d.admit, why))
		return -EINVAL;
	bad = hostname_why(tok[0]);
	if (bad) {
		snprintf(why, WHY_MAX, "%s", bad);
		return -EINVAL;
	}
	for (i = 0; i < c->n_dns; i++) {
		if (same_host(c->dns[i].host, tok[0]))
			return why_is(why, "host name listed twice");
	}
	if (c->n_dns == VFW_CONFIG_MAX_DNS) {
		snprintf(why, WHY_MAX, "more than %d dns trunks", VFW_CONFIG_MAX_DNS);
		return -EINVAL;
	}
	snprintf(d.host, sizeof(d.host), "%s", tok[0]);
	c->dns[c->n_dns++] = d;
	return 0;
}

/* ---- the key table ---- */

#define OFF(f) offsetof(struct vfw_config, f)
#define KEY(sec, key, fn) { .section = sec, .name = key, .set = fn }
#define LIST(sec, key, fn) \
	{ .section = sec, .name = key, .set = fn, .repeatable = true }
#define PORTS(key) \
	{ .section = "ports", .name = #key, .set = set_ports, .off = OFF(key) }
#define BOOL(sec, key) \
	{ .section = sec, .name = #key, .set = set_bool, .off = OFF(key) }
#define NUM(sec, key, lo, hi) { .section = sec, .name = #key, .set = set_u32, \
	.off = OFF(key), .min = lo, .max = hi }
/* 0 is accepted below lo and means "off". */
#define NUM_OFF(sec, key, lo, hi) { .section = sec, .name = #key, .set = set_u32, \
	.off = OFF(key), .min = lo, .max = hi, .zero_off = true }

static const struct key_def keys[K_COUNT] = {
	[K_INTERFACE] = LIST("general", "interface", set_interface),
	[K_PIN_DIR] = KEY("general", "pin_dir", set_pin_dir),
	[K_VOIP_HOSTS] = LIST("general", "voip_hosts", set_voip_hosts),
	[K_MODE] = KEY("general", "mode", set_mode),
	[K_XDP_MODE] = KEY("general", "xdp_mode", set_xdp_mode),
	[K_SIP_UDP] = PORTS(sip_udp),
	[K_SIP_TCP] = PORTS(sip_tcp),
	[K_MEDIA_UDP] = PORTS(media_udp),
	[K_MEDIA_TCP] = PORTS(media_tcp),
	[K_STATIC] = LIST("trunks", "static", set_static),
	[K_DNS] = LIST("trunks", "dns", set_dns),
	[K_DNS_MIN_TTL] = NUM("trunks", dns_min_ttl,
			      VFW_CONFIG_DNS_TTL_MIN, VFW_CONFIG_DNS_TTL_MAX),
	[K_DNS_MAX_TTL] = NUM("trunks", dns_max_ttl,
			      VFW_CONFIG_DNS_TTL_MIN, VFW_CONFIG_DNS_TTL_MAX),
	[K_REGISTRATIONS] = BOOL("learning", registrations),
	[K_REPLY_PINHOLES] = BOOL("learning", reply_pinholes),
	[K_REPLY_TTL] = NUM("learning", reply_ttl,
			    VFW_CONFIG_REPLY_TTL_MIN, VFW_CONFIG_REPLY_TTL_MAX),
	[K_EGRESS_MEDIA] = BOOL("learning", egress_media),
	[K_EGRESS_MEDIA_IDLE] = NUM("learning", egress_media_idle,
				    VFW_CONFIG_EGRESS_IDLE_MIN, VFW_CONFIG_EGRESS_IDLE_MAX),
	[K_PROVISIONAL] = BOOL("learning", provisional_pinholes),
	[K_ANY_SOURCE] = KEY("learning", "provisional_any_source", set_removed_any_source),
	[K_ANNOUNCED_MEDIA] = NUM_OFF("learning", announced_media,
				      VFW_CONFIG_ANNOUNCED_MIN, VFW_CONFIG_ANNOUNCED_MAX),
	[K_REG_GRACE] = NUM("timeouts", registration_grace, 0, VFW_CONFIG_REG_GRACE_MAX),
	[K_REG_TRUST] = NUM("timeouts", max_registration_trust,
			    VFW_CONFIG_REG_TRUST_MIN, VFW_CONFIG_REG_TRUST_MAX),
	[K_PINHOLE_IDLE] = NUM_OFF("timeouts", pinhole_idle,
				   VFW_CONFIG_PINHOLE_IDLE_MIN, VFW_CONFIG_PINHOLE_IDLE_MAX),
	[K_CALL_MAX] = NUM("timeouts", call_max,
			   VFW_CONFIG_CALL_MAX_MIN, VFW_CONFIG_CALL_MAX_MAX),
	[K_SETUP_TIMEOUT] = NUM("timeouts", setup_timeout,
				VFW_CONFIG_SETUP_TIMEOUT_MIN, VFW_CONFIG_SETUP_TIMEOUT_MAX),
	[K_MAX_CALLS] = NUM("limits", max_calls, 1, VFW_CONFIG_MAX_CALLS_MAX),
	/* 0: a quarter of max_calls, whatever max_calls is set to */
	[K_MAX_UNANSWERED] = NUM("limits", max_unanswered_per_source, 0,
				 VFW_CONFIG_MAX_CALLS_MAX),
	[K_MAX_PINHOLES] = NUM("limits", max_pinholes,
			       VFW_CONFIG_MAX_PINHOLES_MIN, VFW_CONFIG_MAX_PINHOLES_MAX),
	[K_MAX_TRUNKS] = NUM("limits", max_trunks,
			     VFW_CONFIG_MAX_TRUNKS_MIN, VFW_CONFIG_MAX_TRUNKS_MAX),
	[K_LOG_LEVEL] = KEY("log", "level", set_level),
	[K_DROP_SUMMARY] = NUM_OFF("log", drop_summary_interval,
				   VFW_CONFIG_DROP_SUMMARY_MIN, VFW_CONFIG_DROP_SUMMARY_MAX),
};

int vfw_config_defaults(struct vfw_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->pin_dir, sizeof(c->pin_dir), "/sys/fs/bpf/voipfw");
	c->monitor = false;
	c->xdp_mode = VFW_XDP_NATIVE;
	c->sip_udp.n = 1;
	c->sip_udp.r[0] = (struct vfw_port_range){ VFW_DEFAULT_SIP_PORT,
						   VFW_DEFAULT_SIP_PORT };
	c->sip_tcp.n = 1;
	c->sip_tcp.r[0] = (struct vfw_port_range){ VFW_DEFAULT_SIP_PORT,
						   VFW_DEFAULT_SIPS_PORT };
	c->media_udp.n = 1;
	c->media_udp.r[0] = (struct vfw_port_range){ VFW_DEFAULT_MEDIA_FIRST,
						     VFW_DEFAULT_MEDIA_LAST };
	c->media_tcp.n = 0;
	c->dns_min_ttl = 30;
	c->dns_max_ttl = 3600;
	c->voip_local = true;
	c->registrations = true;
	c->reply_pinholes = true;
	c->reply_ttl = 32;          /* RFC 3261 Timer F: a transaction's lifetime */
	c->egress_media = false;
	c->egress_media_idle = 60;
	c->provisional_pinholes = true;
	c->announced_media = VFW_DEFAULT_ANNOUNCE_TTL_S;
	c->registration_grace = 60;
	c->max_registration_trust = 14400;
	c->pinhole_idle = 60;
	c->call_max = 14400;
	c->setup_timeout = 300;
	c->max_calls = 1024;
	c->max_pinholes = VFW_MAX_PINHOLES;
	c->max_trunks = VFW_MAX_TRUNKS;
	c->log_level = VFW_CONFIG_LOG_INFO;
	c->drop_summary_interval = 60;
	return 0;
}

const char *vfw_config_log_level_name(__u32 level)
{
	return level <= VFW_CONFIG_LOG_DEBUG ? level_names[level] : "?";
}

/* ---- the line reader libinih pulls from ---- */

static const char *find_section(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (strlen(sections[i]) == len && !strncasecmp(name, sections[i], len))
			return sections[i];
	return NULL;
}

/* Checks a "[name]" line and rewrites it with the canonical name. */
static int section_line(struct parse *p, const char *s, size_t len, char *buf,
			size_t num)
{
	const char *close = memchr(s, ']', len), *name = s + 1, *canon;
	char q[300], raw[VALUE_MAX];
	size_t nlen;

	if (!close || close != s + len - 1) {
		fail(p, p->lineno, "expected '[section]' alone on the line");
		return -EINVAL;
	}
	nlen = close - name;
	while (nlen && is_blank(*name))
		name++, nlen--;
	while (nlen && is_blank(name[nlen - 1]))
		nlen--;
	canon = find_section(name, nlen);
	if (!canon) {
		snprintf(raw, sizeof(raw), "%.*s", (int)nlen, name);
		quote(q, sizeof(q), raw);
		fail(p, p->lineno,
		     "[%s]: unknown section (known: general, ports, trunks, learning, timeouts, limits, log)",
		     q);
		return -EINVAL;
	}
	snprintf(buf, num, "[%s]", canon);
	return 0;
}

/* The content of a line: no leading/trailing blanks, no comment. */
static void trim_line(const char **s, size_t *len)
{
	const char *b = *s, *e = *s + *len, *c;

	while (b < e && is_blank(*b))
		b++;
	if (b < e && (*b == ';' || *b == '#')) {
		e = b;
	} else {
		for (c = b + 1; c < e; c++) {
			if ((*c == ';' || *c == '#') && is_blank(c[-1])) {
				e = c;
				break;
			}
		}
	}
	while (e > b && is_blank(e[-1]))
		e--;
	*s = b;
	*len = e - b;
}

static char *line_reader(char *buf, int num, void *stream)
{
	struct parse *p = stream;
	const char *s = p->pos, *nl;
	size_t len, eq;

	if (p->failed || !*s || num < 2)
		return NULL;
	nl = strchr(s, '\n');
	len = nl ? (size_t)(nl - s) : strlen(s);
	p->pos = s + len + (nl ? 1 : 0);
	p->lineno++;
	if (p->lineno == 1 && len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
		s += 3, len -= 3;      /* a UTF-8 byte-order mark, as editors write */
	trim_line(&s, &len);

	if (len > VFW_CONFIG_LINE_MAX || len + 1 > (size_t)num) {
		fail(p, p->lineno, "line longer than %d characters (comments may be longer)",
		     VFW_CONFIG_LINE_MAX < num - 1 ? VFW_CONFIG_LINE_MAX : num - 1);
		return NULL;
	}
	if (len && *s == '[')
		return section_line(p, s, len, buf, num) ? NULL : buf;
	eq = strcspn(s, "=");
	/* libinih also splits at ':', which would misread "key:x = v". */
	if (len && (eq >= len || memchr(s, ':', eq) || eq == 0)) {
		fail(p, p->lineno, "expected 'key = value' or '[section]'");
		return NULL;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	return buf;
}

/* ---- the key handler ---- */

static const struct key_def *find_key(const char *section, const char *name)
{
	int i;

	for (i = 0; i < K_COUNT; i++)
		if (!strcmp(keys[i].section, section) && !strcasecmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

static void unknown_key(struct parse *p, const char *section, const char *name,
			const char *value)
{
	char qs[300], qn[300], qv[300], known[WHY_MAX * 2] = "";
	int i;

	quote(qs, sizeof(qs), section);
	quote(qn, sizeof(qn), name);
	quote(qv, sizeof(qv), value);
	if (!*section) {
		fail(p, p->lineno, "%s = '%s': key before any [section]", qn, qv);
		return;
	}
	for (i = 0; i < K_COUNT; i++)
		if (!strcmp(keys[i].section, section))
			snprintf(known + strlen(known), sizeof(known) - strlen(known),
				 "%s%s", *known ? ", " : "", keys[i].name);
	fail(p, p->lineno, "[%s] %s = '%s': unknown key (known here: %s)",
	     qs, qn, qv, known);
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct parse *p = user;
	const struct key_def *k;
	char why[WHY_MAX] = "";
	unsigned *seen;

	if (p->failed)
		return 0;
	if (!value)
		value = "";
	k = find_key(section, name);
	if (!k) {
		unknown_key(p, section, name, value);
		return 0;
	}
	seen = &p->key_line[k - keys];
	if (*seen && !k->repeatable) {
		snprintf(why, sizeof(why), "already set on line %u", *seen);
		fail_key(p, p->lineno, k, value, why);
		return 0;
	}
	if (!*value) {
		fail_key(p, p->lineno, k, value,
			 k->set == set_ports ? "empty value (write none)" : "empty value");
		return 0;
	}
	/* The text's first interface/static/dns line replaces the earlier list. */
	if (!*seen) {
		if (k == &keys[K_INTERFACE])
			p->c.n_ifaces = 0;
		else if (k == &keys[K_STATIC])
			p->c.n_static = 0;
		else if (k == &keys[K_DNS])
			p->c.n_dns = 0;
	}
	if (k->set(p, k, value, why)) {
		fail_key(p, p->lineno, k, value, why);
		return 0;
	}
	*seen = p->lineno;
	return 1;
}

/* ---- checks across keys ---- */

static void port_list_str(const struct vfw_port_list *l, char *buf, size_t len)
{
	size_t o = 0;
	__u32 i;

	snprintf(buf, len, "none");
	for (i = 0; i < l->n && o < len; i++) {
		if (l->r[i].first == l->r[i].last)
			o += snprintf(buf + o, len - o, "%s%u", i ? "," : "", l->r[i].first);
		else
			o += snprintf(buf + o, len - o, "%s%u-%u", i ? "," : "",
				      l->r[i].first, l->r[i].last);
	}
}

/* The later of two keys' lines: where the conflict became true. */
static enum key_id later(struct parse *p, enum key_id a, enum key_id b)
{
	return p->key_line[b] >= p->key_line[a] ? b : a;
}

static void check_overlap(struct parse *p, enum key_id sip, enum key_id media)
{
	const struct vfw_port_list *a = (const void *)((char *)&p->c + keys[sip].off);
	const struct vfw_port_list *b = (const void *)((char *)&p->c + keys[media].off);
	enum key_id at = later(p, sip, media), other = at == sip ? media : sip;
	char val[VFW_CONFIG_MAX_RANGES * 12 + 8], why[WHY_MAX];
	__u32 i, j;

	for (i = 0; i < a->n; i++) {
		for (j = 0; j < b->n; j++) {
			if (!ranges_overlap(&a->r[i], &b->r[j]))
				continue;
			port_list_str(at == sip ? a : b, val, sizeof(val));
			snprintf(why, sizeof(why), "overlaps %s (a port is either SIP or media)",
				 keys[other].name);
			fail_key(p, p->key_line[at], &keys[at], val, why);
			return;
		}
	}
}

static void check_all(struct parse *p)
{
	const struct vfw_config *c = &p->c;
	char val[16];

	check_overlap(p, K_SIP_UDP, K_MEDIA_UDP);
	check_overlap(p, K_SIP_TCP, K_MEDIA_TCP);
	if (c->dns_min_ttl > c->dns_max_ttl) {
		enum key_id at = later(p, K_DNS_MIN_TTL, K_DNS_MAX_TTL);

		snprintf(val, sizeof(val), "%u",
			 at == K_DNS_MIN_TTL ? c->dns_min_ttl : c->dns_max_ttl);
		fail_key(p, p->key_line[at], &keys[at], val,
			 "dns_min_ttl must not exceed dns_max_ttl");
	}
	if (c->n_static + c->n_dns > c->max_trunks) {
		snprintf(val, sizeof(val), "%u", c->max_trunks);
		fail_key(p, p->key_line[K_MAX_TRUNKS], &keys[K_MAX_TRUNKS], val,
			 "fewer than the configured static and dns trunks");
	}
}

int vfw_config_parse(struct vfw_config *c, const char *text, char *err,
		     size_t errlen)
{
	struct parse *p;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!c || !text) {
		if (err && errlen)
			snprintf(err, errlen, "0: no configuration given");
		return -EINVAL;
	}
	/* Heap, not stack: the working copy is about 20 KiB. */
	p = calloc(1, sizeof(*p));
	if (!p) {
		if (err && errlen)
			snprintf(err, errlen, "0: out of memory");
		return -ENOMEM;
	}
	p->c = *c;
	p->pos = text;
	p->err = err;
	p->errlen = errlen;
	ret = ini_parse_stream(line_reader, p, handler, p);
	/* Our reader refuses what libinih would call a syntax error, so
	 * ret != 0 with no error of ours would be a libinih surprise. */
	if (!p->failed && ret)
		fail(p, ret > 0 ? (unsigned)ret : 0, "unreadable line");
	if (!p->failed)
		check_all(p);
	ret = p->failed ? -EINVAL : 0;
	if (!ret)
		*c = p->c;
	free(p);
	return ret;
}

void vfw_config_tracker(const struct vfw_config *c, struct vfw_tracker_config *t)
{
	vfw_tracker_config_defaults(t);
	t->reg_grace_ns = (__u64)c->registration_grace * VFW_NS_PER_SEC;
	t->max_reg_trust_s = c->max_registration_trust;
	t->pinhole_idle_ns = (__u64)c->pinhole_idle * VFW_NS_PER_SEC;
	t->call_max_ns = (__u64)c->call_max * VFW_NS_PER_SEC;
	t->setup_timeout_ns = (__u64)c->setup_timeout * VFW_NS_PER_SEC;
	t->max_calls = c->max_calls;
	t->max_unanswered_per_source = c->max_unanswered_per_source;
	t->provisional_pinholes = c->provisional_pinholes ? 1 : 0;
}

__u8 vfw_port_class_in(const struct vfw_port_list *sip,
		       const struct vfw_port_list *media, __u32 port)
{
	__u32 i;

	for (i = 0; i < sip->n && i < VFW_CONFIG_MAX_RANGES; i++)
		if (port >= sip->r[i].first && port <= sip->r[i].last)
			return VFW_CLASS_SIP;
	for (i = 0; i < media->n && i < VFW_CONFIG_MAX_RANGES; i++)
		if (port >= media->r[i].first && port <= media->r[i].last)
			return VFW_CLASS_MEDIA;
	return VFW_CLASS_NONE;
}
