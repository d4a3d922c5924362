// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* voipfw trunk add | del | list */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "cli.h"
#include "log.h"
#include "names.h"
#include "maps.h"

#define MAX_TTL_SECONDS (10ULL * 365 * 24 * 3600)

enum { T_ADMIT, T_TTL };

static int parse_cidr_arg(const char *s, struct vfw_lpm_key *key)
{
	struct vfw_prefix p;
	const char *why;

	if (vfw_parse_prefix(s, &p, &why))
		return usage_error("bad CIDR '%s': %s", s, why);
	vfw_prefix_to_lpm_key(&p, key);
	return EXIT_OK;
}

static int trunk_add(int argc, char **argv)
{
	const char *ttl_s = cli.opt.val[T_TTL];
	struct vfw_trunk val = { .origin = VFW_ORIGIN_STATIC };
	struct vfw_lpm_key key;
	__u64 ttl = 0;
	int fd, rc;

	rc = parse_cidr_arg(argv[0], &key);
	if (rc)
		return rc;
	vfw_parse_admit(cli.opt.val[T_ADMIT], &val.admit); /* the table's choices */
	if (ttl_s && (vfw_parse_u64(ttl_s, MAX_TTL_SECONDS, &ttl) || !ttl))
		return usage_error("--ttl must be 1-%llu seconds, not '%s'",
				   MAX_TTL_SECONDS, ttl_s);
	if (ttl)
		val.expires_ns = vfw_now_ns() + ttl * 1000000000ULL;

	fd = vfw_map_open(cli.pin_dir, VFW_MAP_TRUNKS);
	if (fd < 0)
		return EXIT_FAIL;
	rc = vfw_trunk_put(fd, &key, &val, NULL);
	if (rc < 0) {
		/* STATIC is the top rank: it replaces any entry, so no "kept" case */
		pr_err("cannot add trunk %s: %s%s", argv[0], strerror(-rc),
		       rc == -E2BIG || rc == -ENOMEM ? " (trunk table full)" : "");
		rc = EXIT_FAIL;
	} else {
		rc = EXIT_OK;
	}
	close(fd);
	return rc;
}

static int trunk_del(int argc, char **argv)
{
	struct vfw_lpm_key key;
	int fd, rc;

	rc = parse_cidr_arg(argv[0], &key);
	if (rc)
		return rc;
	fd = vfw_map_open(cli.pin_dir, VFW_MAP_TRUNKS);
	if (fd < 0)
		return EXIT_FAIL;
	/*
	 * The operator's delete removes the entry whatever its origin, as it
	 * always did: a DNS entry until the resolver's next pass writes it
	 * again (at its next lookup, within the name's TTL), a learned one
	 * until the registration's next refresh. To keep an address out for
	 * good, remove the name from the config or stop the registration.
	 */
	rc = vfw_trunk_del(fd, &key, VFW_ORIGIN_STATIC, NULL);
	if (rc < 0) {
		if (rc == -ENOENT)
			pr_err("no trunk %s", argv[0]);
		else
			pr_err("cannot delete trunk %s: %s", argv[0], strerror(-rc));
		rc = EXIT_FAIL;
	} else {
		rc = EXIT_OK;
	}
	close(fd);
	return rc;
}

static void print_trunk_plain(const struct vfw_lpm_key *key,
			      const struct vfw_trunk *t, __u64 now)
{
	char prefix[VFW_ADDR_STRLEN], left[32];

	printf("%-44s %-6s %-8s %s\n", vfw_lpm_key_str(key, prefix, sizeof(prefix)),
	       vfw_admit_name(t->admit), vfw_origin_name(t->origin),
	       fmt_remaining(t->expires_ns, now, left, sizeof(left)));
}

static void print_trunk_json(const struct vfw_lpm_key *key,
			     const struct vfw_trunk *t, __u64 now)
{
	char prefix[VFW_ADDR_STRLEN];
	struct json *j = &cli.jw;

	json_object_start(j);
	json_kv_string(j, "prefix", vfw_lpm_key_str(key, prefix, sizeof(prefix)));
	json_kv_string(j, "admit", vfw_admit_name(t->admit));
	json_kv_string(j, "origin", vfw_origin_name(t->origin));
	json_key(j, "expires_in");
	if (!t->expires_ns)
		json_null(j);
	else
		json_uint(j, t->expires_ns > now ?
			     (t->expires_ns - now) / 1000000000ULL : 0);
	json_kv_bool(j, "expired", t->expires_ns && t->expires_ns <= now);
	json_object_end(j);
}

static int print_trunk(const void *key, const void *value, void *ctx)
{
	__u64 now = *(const __u64 *)ctx;

	if (cli.json)
		print_trunk_json(key, value, now);
	else
		print_trunk_plain(key, value, now);
	return 0;
}

static int trunk_list(int argc, char **argv)
{
	__u64 now = vfw_now_ns();
	int fd;

	fd = vfw_map_open(cli.pin_dir, VFW_MAP_TRUNKS);
	if (fd < 0)
		return EXIT_FAIL;
	if (cli.json)
		json_array_start(&cli.jw);
	else
		printf("%-44s %-6s %-8s %s\n", "PREFIX", "ADMIT", "ORIGIN",
		       "EXPIRES");
	vfw_map_each(fd, VFW_MAP_TRUNKS, print_trunk, &now);
	if (cli.json) {
		json_array_end(&cli.jw);
		json_finish(&cli.jw);
	}
	close(fd);
	return EXIT_OK;
}

const struct args_cmd trunk_cmd = {
	.name = "trunk", .summary = "trusted source prefixes (SIP trunks)",
	.sub = (const struct args_cmd *const[]) {
		&(const struct args_cmd) {
			.name = "add", .words = "CIDR", .fn = trunk_add,
			.summary = "trust the prefix CIDR, IPv4 or IPv6 (a bare address is one host)",
			.opts = (const struct args_opt[]) {
				[T_ADMIT] = { "admit", 0, "sip|media|all", "admit it to these ports only",
					      "all" },
				[T_TTL] = { "ttl", 0, "SECONDS", "remove it after SECONDS (default: never)" },
				{ NULL },
			},
		},
		&(const struct args_cmd) {
			.name = "del", .words = "CIDR", .fn = trunk_del,
			.summary = "remove the trunk CIDR, whatever added it",
		},
		&(const struct args_cmd) {
			.name = "list", .alias = "show", .fn = trunk_list,
			.summary = "the trunks: prefix, admitted ports, origin, remaining time",
		},
		NULL,
	},
};
