// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The JSON and plain renderings of a tracker event; both forms are in eventfmt.h. */
#include "eventfmt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "jsonesc.h"
#include "sip.h"

int vfw_event_is_trunk(enum vfw_event_type t)
{
	return t == VFW_EV_TRUNK_LEARN || t == VFW_EV_TRUNK_REFRESH ||
	       t == VFW_EV_TRUNK_EXPIRE;
}

int vfw_event_is_pinhole(enum vfw_event_type t)
{
	return t == VFW_EV_PINHOLE_OPEN || t == VFW_EV_PINHOLE_UPDATE ||
	       t == VFW_EV_PINHOLE_CLOSE;
}

int vfw_event_has_expiry(const struct vfw_event *ev, __u64 now_ns)
{
	return (ev->type == VFW_EV_TRUNK_LEARN || ev->type == VFW_EV_TRUNK_REFRESH ||
		ev->type == VFW_EV_PINHOLE_OPEN || ev->type == VFW_EV_PINHOLE_UPDATE) &&
	       ev->expires_ns > now_ns;
}

void vfw_fmt_seconds(__u64 ns, char *buf, size_t len)
{
	size_t n;

	snprintf(buf, len, "%llu.%03llu", (unsigned long long)(ns / VFW_NS_PER_SEC),
		 (unsigned long long)(ns % VFW_NS_PER_SEC) / 1000000);
	n = strlen(buf);
	while (n && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n && buf[n - 1] == '.')
		buf[--n] = '\0';
}

/*
 * snprintf that appends, keeping the total needed like snprintf does. Once a
 * piece did not fit whole nothing more is written (the count goes on), so a
 * cut output ends at a boundary.
 */
struct out {
	char *buf;
	size_t len, n;
	int cut;
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
	size_t room = o->cut || o->n >= o->len ? 0 : o->len - o->n;
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(room ? o->buf + o->n : NULL, room, fmt, ap);
	va_end(ap);
	/* a plain field may be cut as snprintf cuts it: it is ASCII and no escape */
	if ((size_t)k >= room)
		o->cut = 1;
	o->n += (size_t)k;
}

/*
 * pre, then s escaped unit by unit (esc: one unit, as vfw_json_escape_unit),
 * each whole or not at all, then post.
 */
static void put_escaped(struct out *o, const char *pre, const char *s,
			size_t (*esc)(const char *, size_t, char *, size_t *),
			const char *post)
{
	size_t n = strlen(s), used, k;
	char unit[VFW_JSON_ESC_MAX];

	put(o, "%s", pre);
	for (; n; s += used, n -= used) {
		k = esc(s, n, unit, &used);
		if (o->n + k >= o->len)
			o->cut = 1;   /* not even a part of it */
		put(o, "%.*s", (int)k, unit);
	}
	put(o, "%s", post);
}

/* The plain escape of eventfmt.h: printable ASCII but '\' as is, else \xNN. */
static size_t text_escape_unit(const char *s, size_t n, char out[VFW_JSON_ESC_MAX],
			       size_t *used)
{
	unsigned char c = (unsigned char)s[0];

	*used = 1;
	if (c >= 0x20 && c <= 0x7e && c != '\\') {
		out[0] = (char)c;
		return 1;
	}
	return (size_t)snprintf(out, VFW_JSON_ESC_MAX, c == '\\' ? "\\\\" : "\\x%02x", c);
}

static void put_seconds(struct out *o, const char *fmt, __u64 ns)
{
	char secs[32];

	vfw_fmt_seconds(ns, secs, sizeof(secs));
	put(o, fmt, secs);
}

int vfw_event_to_json(const struct vfw_event *ev, __u64 now_ns,
		      const struct vfw_sip_obs *obs, char *buf, size_t len)
{
	struct out o = { buf, len, 0, 0 };   /* the first put NUL-terminates */
	char addr[SIP_ADDR_STRLEN];

	put(&o, "{\"event\":\"%s\"", vfw_event_type_name(ev->type));
	put_seconds(&o, ",\"time\":%s", now_ns);
	if (vfw_event_is_trunk(ev->type) || vfw_event_is_pinhole(ev->type))
		put(&o, ",\"proto\":\"%s\",\"remote\":\"%s\"", vfw_proto_name(ev->proto),
		    sip_addr_format(ev->addr, addr, sizeof(addr)));
	/* A trunk event caused by a packet: that packet names the registrar's port and ours. */
	if (vfw_event_is_trunk(ev->type) && obs)
		put(&o, ",\"remote_port\":%u,\"local_port\":%u",
		    obs->remote_port, obs->local_port);
	if (vfw_event_is_pinhole(ev->type))
		put(&o, ",\"local_port\":%u,\"provisional\":%s,\"idle\":%llu",
		    ev->local_port, ev->provisional ? "true" : "false",
		    (unsigned long long)(ev->idle_ns / VFW_NS_PER_SEC));
	if (ev->call_id[0])
		put_escaped(&o, ",\"call_id\":\"", ev->call_id, vfw_json_escape_unit, "\"");
	if (vfw_event_has_expiry(ev, now_ns))
		put_seconds(&o, ",\"expires\":%s", ev->expires_ns - now_ns);
	if (ev->type == VFW_EV_WARNING)
		put_escaped(&o, ",\"text\":\"", ev->text, vfw_json_escape_unit, "\"");
	put_escaped(&o, ",\"reason\":\"", ev->reason ? ev->reason : "", vfw_json_escape_unit,
		    "\"");
	put(&o, "}");
	return (int)o.n;
}

int vfw_event_to_text(const struct vfw_event *ev, __u64 now_ns,
		      char *buf, size_t len)
{
	struct out o = { buf, len, 0, 0 };   /* the first put NUL-terminates */
	char addr[SIP_ADDR_STRLEN];

	sip_addr_format(ev->addr, addr, sizeof(addr));
	if (vfw_event_is_trunk(ev->type)) {
		put(&o, "%s %s", vfw_event_type_name(ev->type), addr);
	} else if (vfw_event_is_pinhole(ev->type)) {
		put(&o, "%s %s %s -> port %u%s idle %llus",
		    vfw_event_type_name(ev->type), vfw_proto_name(ev->proto), addr,
		    ev->local_port, ev->provisional ? " provisional" : "",
		    (unsigned long long)(ev->idle_ns / VFW_NS_PER_SEC));
	} else {
		put_escaped(&o, VFW_EVENT_WARNING_TAG, ev->text, text_escape_unit, "");
	}
	if (ev->call_id[0])
		put_escaped(&o, " call ", ev->call_id, text_escape_unit, "");
	if (vfw_event_has_expiry(ev, now_ns))
		put_seconds(&o, " expires in %ss", ev->expires_ns - now_ns);
	put_escaped(&o, " (", ev->reason ? ev->reason : "", text_escape_unit, ")");
	return (int)o.n;
}
