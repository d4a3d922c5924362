// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The JSON rendering of a tracker event; the schema is in eventjson.h. */
#include "eventjson.h"

#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jsonesc.h"
#include "sip.h"

#define NS_PER_MS  1000000ULL

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
		 (unsigned long long)(ns % VFW_NS_PER_SEC) / NS_PER_MS);
	n = strlen(buf);
	while (n && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n && buf[n - 1] == '.')
		buf[--n] = '\0';
}

/* snprintf that appends, keeping the total needed like snprintf does. */
struct out {
	char *buf;
	size_t len, n;
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(o->n < o->len ? o->buf + o->n : NULL,
		      o->n < o->len ? o->len - o->n : 0, fmt, ap);
	va_end(ap);
	if (k > 0)
		o->n += (size_t)k;
}

/* ,"key":"s" with s escaped by the one escaper. */
static void put_string(struct out *o, const char *key, const char *s)
{
	char esc[VFW_JSON_ESC_BUFLEN(VFW_EVENT_TEXT_MAX)];

	vfw_json_escape(esc, sizeof(esc), s, strlen(s), NULL);
	put(o, ",\"%s\":\"%s\"", key, esc);
}

static void put_seconds(struct out *o, const char *key, __u64 ns)
{
	char secs[32];

	vfw_fmt_seconds(ns, secs, sizeof(secs));
	put(o, ",\"%s\":%s", key, secs);
}

int vfw_event_to_json(const struct vfw_event *ev, __u64 now_ns,
		      const struct vfw_sip_obs *obs, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };
	char addr[SIP_ADDR_STRLEN], secs[32];

	if (len)
		buf[0] = '\0';
	vfw_fmt_seconds(now_ns, secs, sizeof(secs));
	put(&o, "{\"event\":\"%s\",\"time\":%s", vfw_event_type_name(ev->type), secs);
	if (vfw_event_is_trunk(ev->type) || vfw_event_is_pinhole(ev->type))
		put(&o, ",\"proto\":\"%s\",\"remote\":\"%s\"",
		    ev->proto == IPPROTO_TCP ? "tcp" : "udp",
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
		put_string(&o, "call_id", ev->call_id);
	if (vfw_event_has_expiry(ev, now_ns))
		put_seconds(&o, "expires", ev->expires_ns - now_ns);
	if (ev->type == VFW_EV_WARNING)
		put_string(&o, "text", ev->text);
	put_string(&o, "reason", ev->reason ? ev->reason : "");
	put(&o, "}");
	return (int)o.n;
}
