// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer harness for the config parser. Checks what the daemon relies
 * on: a failed parse changes nothing and explains itself in one printable
 * line starting with a line number; a successful one yields a struct
 * within every documented bound.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Config files are small; longer inputs only slow the fuzzer down. */
#define MAX_INPUT 16384

static void check_list(const struct vfw_port_list *l)
{
	__u32 i, j;

	if (l->n > VFW_CONFIG_MAX_RANGES)
		abort();
	for (i = 0; i < l->n; i++) {
		if (!l->r[i].first || l->r[i].first > l->r[i].last)
			abort();
		for (j = 0; j < i; j++)
			if (l->r[i].first <= l->r[j].last && l->r[j].first <= l->r[i].last)
				abort();
	}
}

static void check_apart(const struct vfw_port_list *a, const struct vfw_port_list *b)
{
	__u32 i, j;

	for (i = 0; i < a->n; i++)
		for (j = 0; j < b->n; j++)
			if (a->r[i].first <= b->r[j].last && b->r[j].first <= a->r[i].last)
				abort();
}

static void check_bounded(__u32 v, __u32 lo, __u32 hi, int zero_ok)
{
	if ((v < lo && !(zero_ok && v == 0)) || v > hi)
		abort();
}

/* An empty, "." or ".." component, or a trailing slash. */
static int bad_component(const char *path)
{
	const char *p = path + 1;

	for (;;) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return 1;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

static void check_config(const struct vfw_config *c)
{
	__u32 i;

	if (c->n_ifaces > VFW_CONFIG_MAX_IFACES || c->n_static > VFW_CONFIG_MAX_STATIC ||
	    c->n_dns > VFW_CONFIG_MAX_DNS)
		abort();
	for (i = 0; i < c->n_ifaces; i++)
		if (!memchr(c->ifaces[i], 0, VFW_CONFIG_IFNAMSIZ) || !c->ifaces[i][0])
			abort();
	if (!memchr(c->pin_dir, 0, sizeof(c->pin_dir)) || c->pin_dir[0] != '/' ||
	    bad_component(c->pin_dir))
		abort();
	for (i = 0; i < c->n_dns; i++)
		if (!memchr(c->dns[i].host, 0, sizeof(c->dns[i].host)) || !c->dns[i].host[0] ||
		    (c->dns[i].admit & ~VFW_ADMIT_ALL) || !c->dns[i].admit)
			abort();
	for (i = 0; i < c->n_static; i++)
		if (c->statics[i].prefix.len > (c->statics[i].prefix.ipv4 ? 32 : 128) ||
		    !c->statics[i].admit || (c->statics[i].admit & ~VFW_ADMIT_ALL))
			abort();
	check_list(&c->sip_udp);
	check_list(&c->sip_tcp);
	check_list(&c->media_udp);
	check_list(&c->media_tcp);
	check_apart(&c->sip_udp, &c->media_udp);
	check_apart(&c->sip_tcp, &c->media_tcp);
	if (c->dns_min_ttl > c->dns_max_ttl)
		abort();
	check_bounded(c->dns_min_ttl, VFW_CONFIG_DNS_TTL_MIN, VFW_CONFIG_DNS_TTL_MAX, 0);
	check_bounded(c->reply_ttl, VFW_CONFIG_REPLY_TTL_MIN, VFW_CONFIG_REPLY_TTL_MAX, 0);
	check_bounded(c->registration_grace, 0, VFW_CONFIG_REG_GRACE_MAX, 0);
	check_bounded(c->pinhole_idle, VFW_CONFIG_PINHOLE_IDLE_MIN,
		      VFW_CONFIG_PINHOLE_IDLE_MAX, 1);
	check_bounded(c->call_max, VFW_CONFIG_CALL_MAX_MIN, VFW_CONFIG_CALL_MAX_MAX, 0);
	check_bounded(c->max_calls, 1, VFW_CONFIG_MAX_CALLS_MAX, 0);
	check_bounded(c->max_trunks, VFW_CONFIG_MAX_TRUNKS_MIN, VFW_CONFIG_MAX_TRUNKS_MAX, 0);
	check_bounded(c->drop_summary_interval, VFW_CONFIG_DROP_SUMMARY_MIN,
		      VFW_CONFIG_DROP_SUMMARY_MAX, 1);
	if (c->log_level > VFW_CONFIG_LOG_DEBUG || c->xdp_mode > VFW_XDP_GENERIC)
		abort();
}

/* "LINE: ..." with only printable ASCII: safe to put in a log line. */
static void check_err(const char *err)
{
	const char *p = err;

	if (*p < '0' || *p > '9')
		abort();
	while (*p >= '0' && *p <= '9')
		p++;
	if (p[0] != ':' || p[1] != ' ')
		abort();
	for (p = err; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vfw_config c, before;
	char err[256], *text;

	if (size > MAX_INPUT)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	vfw_config_defaults(&c);
	before = c;
	memset(err, 'X', sizeof(err));
	if (vfw_config_parse(&c, text, err, sizeof(err)) == 0) {
		if (err[0])
			abort();
		check_config(&c);
	} else {
		if (memcmp(&c, &before, sizeof(c)))
			abort();
		check_err(err);
	}
	free(text);
	return 0;
}
