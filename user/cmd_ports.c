// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* voipfw ports list | set | clear | reset */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "cli.h"
#include "log.h"
#include "names.h"
#include "maps.h"

static int apply_class(__u8 proto, __u16 first, __u16 last, __u8 class)
{
	int fd, err;

	fd = vfw_map_open(cli.pin_dir, VFW_MAP_PORTS);
	if (fd < 0)
		return EXIT_FAIL;
	err = vfw_ports_set(fd, proto, first, last, class);
	if (err)
		pr_err("cannot update ports %u-%u: %s", first, last,
		       strerror(-err));
	close(fd);
	return exit_code(err);
}

static int parse_proto_range(char **argv, __u8 *proto, __u16 *first,
			     __u16 *last)
{
	if (vfw_parse_proto(argv[0], proto))
		return usage_error("protocol must be udp or tcp, not '%s'", argv[0]);
	if (vfw_parse_port_range(argv[1], first, last))
		return usage_error("bad port or range '%s' (ports are 1-65535, FIRST-LAST with FIRST <= LAST)",
				   argv[1]);
	return EXIT_OK;
}

static int ports_set(int argc, char **argv)
{
	__u16 first, last;
	__u8 proto, class;
	int rc;

	if (vfw_parse_class(argv[0], &class))
		return usage_error("port class must be sip or media, not '%s'",
				   argv[0]);
	rc = parse_proto_range(argv + 1, &proto, &first, &last);
	if (rc)
		return rc;
	return apply_class(proto, first, last, class);
}

static int ports_clear(int argc, char **argv)
{
	__u16 first, last;
	__u8 proto;
	int rc;

	rc = parse_proto_range(argv, &proto, &first, &last);
	if (rc)
		return rc;
	return apply_class(proto, first, last, VFW_CLASS_NONE);
}

static int ports_reset(int argc, char **argv)
{
	int fd, err;

	fd = vfw_map_open(cli.pin_dir, VFW_MAP_PORTS);
	if (fd < 0)
		return EXIT_FAIL;
	err = vfw_ports_set_defaults(fd);
	if (err)
		pr_err("cannot reset ports: %s", strerror(-err));
	close(fd);
	return exit_code(err);
}

static __u8 class_of(const struct vfw_port_class_entry *e, __u8 proto)
{
	return proto == IPPROTO_UDP ? e->udp : e->tcp;
}

static void print_range(__u8 proto, __u32 first, __u32 last, __u8 class)
{
	struct json *j = &cli.jw;

	if (!cli.json) {
		if (first == last)
			printf("%-6s %-4s %u\n", vfw_class_name(class),
			       vfw_proto_name(proto), first);
		else
			printf("%-6s %-4s %u-%u\n", vfw_class_name(class),
			       vfw_proto_name(proto), first, last);
		return;
	}
	json_object_start(j);
	json_kv_string(j, "class", vfw_class_name(class));
	json_kv_string(j, "proto", vfw_proto_name(proto));
	json_kv_uint(j, "first", first);
	json_kv_uint(j, "last", last);
	json_object_end(j);
}

/* Prints runs of equal, protected classes as ranges. */
static void print_proto_ranges(const struct vfw_port_class_entry *all,
			       __u8 proto)
{
	__u32 port, start = 0;
	__u8 cur = VFW_CLASS_NONE, c;

	for (port = 0; port <= VFW_PORT_SLOTS; port++) {
		c = port < VFW_PORT_SLOTS ? class_of(&all[port], proto) :
					    VFW_CLASS_NONE;
		if (c == cur)
			continue;
		if (cur != VFW_CLASS_NONE)
			print_range(proto, start, port - 1, cur);
		cur = c;
		start = port;
	}
}

static int ports_list(int argc, char **argv)
{
	struct vfw_port_class_entry *all;
	int fd, err;

	all = calloc(VFW_PORT_SLOTS, sizeof(*all));
	if (!all)
		return EXIT_FAIL;
	fd = vfw_map_open(cli.pin_dir, VFW_MAP_PORTS);
	if (fd < 0) {
		free(all);
		return EXIT_FAIL;
	}
	err = vfw_ports_read(fd, all);
	close(fd);
	if (err) {
		pr_err("cannot read ports: %s", strerror(-err));
		free(all);
		return EXIT_FAIL;
	}
	if (cli.json)
		json_array_start(&cli.jw);
	else
		printf("%-6s %-4s %s\n", "CLASS", "PROTO", "PORTS");
	print_proto_ranges(all, IPPROTO_UDP);
	print_proto_ranges(all, IPPROTO_TCP);
	if (cli.json) {
		json_array_end(&cli.jw);
		json_finish(&cli.jw);
	}
	free(all);
	return EXIT_OK;
}

const struct args_cmd ports_cmd = {
	.name = "ports", .summary = "which destination ports are protected",
	.text = "Changes take effect on the next packet.",
	.sub = (const struct args_cmd *const[]) {
		&(const struct args_cmd) {
			.name = "list", .alias = "show", .fn = ports_list,
			.summary = "the protected ports, as ranges",
		},
		&(const struct args_cmd) {
			.name = "set", .words = "sip|media udp|tcp PORT[-PORT]", .fn = ports_set,
			.summary = "protect ports: sip admits trunks, media trunks and pinholes",
		},
		&(const struct args_cmd) {
			.name = "clear", .words = "udp|tcp PORT[-PORT]", .fn = ports_clear,
			.summary = "make ports unprotected",
		},
		&(const struct args_cmd) {
			.name = "reset", .fn = ports_reset,
			.summary = "restore the defaults: sip udp 5060, sip tcp 5060-5061, media udp "
				   CLI_STR(VFW_DEFAULT_MEDIA_FIRST) "-" CLI_STR(VFW_DEFAULT_MEDIA_LAST),
		},
		NULL,
	},
};
