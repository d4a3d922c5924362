// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* voipfw stats | status */
#include <bpf/bpf.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "loader.h"
#include "log.h"
#include "names.h"
#include "maps.h"
#include "status_read.h"

static const char *verdict_name(__u32 reason)
{
	return reason >= VFW_FIRST_DROP_REASON ? "drop" : "pass";
}

static void print_stats_plain(const struct vfw_counter *c)
{
	__u32 r;

	printf("%-26s %-7s %14s %16s\n", "REASON", "VERDICT", "PACKETS", "BYTES");
	for (r = 0; r < VFW_REASON_MAX; r++)
		printf("%-26s %-7s %14llu %16llu\n", vfw_reason_name(r),
		       verdict_name(r), (unsigned long long)c[r].packets,
		       (unsigned long long)c[r].bytes);
}

static void print_stats_json(const struct vfw_counter *c)
{
	struct json *j = &cli.jw;
	__u32 r;

	json_array_start(j);
	for (r = 0; r < VFW_REASON_MAX; r++) {
		json_object_start(j);
		json_kv_string(j, "reason", vfw_reason_name(r));
		json_kv_string(j, "verdict", verdict_name(r));
		json_kv_uint(j, "packets", c[r].packets);
		json_kv_uint(j, "bytes", c[r].bytes);
		json_object_end(j);
	}
	json_array_end(j);
	json_finish(j);
}

static int do_stats(int argc, char **argv)
{
	struct vfw_counter counters[VFW_REASON_MAX];
	int fd, err;

	fd = vfw_map_open(cli.pin_dir, VFW_MAP_STATS);
	if (fd < 0)
		return EXIT_FAIL;
	err = vfw_stats_read(fd, counters);
	close(fd);
	if (err) {
		pr_err("cannot read counters: %s", strerror(-err));
		return EXIT_FAIL;
	}
	if (cli.json)
		print_stats_json(counters);
	else
		print_stats_plain(counters);
	return EXIT_OK;
}

static void print_status_plain(const struct vfw_status *st)
{
	char when[32];
	int i;

	printf("pin dir: %s\n", cli.pin_dir);
	if (!st->n_ifaces)
		printf("interfaces: none attached\n");
	for (i = 0; i < st->n_ifaces; i++) {
		const struct vfw_iface *r = &st->ifaces[i];
		time_t t = r->attached_unix;

		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&t));
		printf("interface %s (ifindex %u): %s XDP, %s%s, attached %s%s\n",
		       (const char *)r->name, r->ifindex,
		       vfw_xdp_mode_name(r->xdp_mode),
		       r->monitor ? "monitor (counts, drops nothing)" : "enforcing",
		       r->l2 == VFW_L2_NONE ? ", no link-layer header" : "", when,
		       st->link_ok[i] ? "" : " [link pin missing]");
	}
	for (i = 0; i < VFW_STATUS_FILL_MAPS; i++)
		printf("%-9s %u/%u\n", st->fill[i].name, st->fill[i].used,
		       st->fill[i].max);
	printf("protected ports: %u udp, %u tcp\n", st->protected_udp,
	       st->protected_tcp);
	printf("daemon SIP feed: %s; reply pinholes %s; egress media learning %s\n",
	       st->rt.tap ? "on" : "off (no daemon)",
	       st->rt.reply_ttl_ns ? "on" : "off",
	       st->rt.egress_media_idle_ns ? "on" : "off");
	printf("tc:");
	for (i = 0; i < VFW_TAP_COUNTER_MAX; i++)
		printf(" %s %llu", vfw_tap_counter_names[i], (unsigned long long)st->tap[i]);
	printf("\n");
}

static void print_status_json(const struct vfw_status *st)
{
	struct json *j = &cli.jw;
	int i;

	json_object_start(j);
	json_kv_string(j, "pin_dir", cli.pin_dir);
	json_key(j, "interfaces");
	json_array_start(j);
	for (i = 0; i < st->n_ifaces; i++) {
		const struct vfw_iface *r = &st->ifaces[i];

		json_object_start(j);
		json_kv_string(j, "name", (const char *)r->name);
		json_kv_uint(j, "ifindex", r->ifindex);
		json_kv_string(j, "mode", vfw_xdp_mode_name(r->xdp_mode));
		json_kv_bool(j, "monitor", r->monitor);
		json_kv_bool(j, "l3_device", r->l2 == VFW_L2_NONE);
		json_kv_uint(j, "attached_unix", r->attached_unix);
		json_kv_bool(j, "link_pinned", st->link_ok[i]);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "maps");
	json_object_start(j);
	for (i = 0; i < VFW_STATUS_FILL_MAPS; i++) {
		json_key(j, st->fill[i].name);
		json_object_start(j);
		json_kv_uint(j, "entries", st->fill[i].used);
		json_kv_uint(j, "max_entries", st->fill[i].max);
		json_object_end(j);
	}
	json_object_end(j);
	json_key(j, "protected_ports");
	json_object_start(j);
	json_kv_uint(j, "udp", st->protected_udp);
	json_kv_uint(j, "tcp", st->protected_tcp);
	json_object_end(j);
	json_key(j, "runtime");
	json_object_start(j);
	json_kv_bool(j, "daemon_feed", st->rt.tap);
	json_kv_uint(j, "reply_ttl", st->rt.reply_ttl_ns / 1000000000ULL);
	json_kv_uint(j, "egress_media_idle", st->rt.egress_media_idle_ns / 1000000000ULL);
	json_object_end(j);
	json_key(j, "tc");
	json_object_start(j);
	for (i = 0; i < VFW_TAP_COUNTER_MAX; i++)
		json_kv_uint(j, vfw_tap_counter_names[i], st->tap[i]);
	json_object_end(j);
	json_object_end(j);
	json_finish(j);
}

static int do_status(int argc, char **argv)
{
	struct vfw_status *st;
	int rc;

	st = calloc(1, sizeof(*st));
	if (!st)
		return EXIT_FAIL;
	rc = exit_code(vfw_status_read(cli.pin_dir, st, NULL));
	if (!rc && cli.json)
		print_status_json(st);
	else if (!rc)
		print_status_plain(st);
	free(st);
	return rc;
}

const struct args_cmd stats_cmd = {
	.name = "stats", .fn = do_stats,
	.summary = "packets and bytes per verdict reason, summed over CPUs",
};

const struct args_cmd status_cmd = {
	.name = "status", .fn = do_status,
	.summary = "attached interfaces, map fill levels, protected ports, the daemon's feed",
};
