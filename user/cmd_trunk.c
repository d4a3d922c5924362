// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* voipfw trunk add | del | list */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "args.h"
#include "cli.h"
#include "log.h"
#include "names.h"
#include "maps.h"

#define MAX_TTL_SECONDS (10ULL * 365 * 24 * 3600)

static void trunk_usage(void)
{
	printf("Usage: voipfw trunk add CIDR [--admit sip|media|all] [--ttl SECONDS]\n"
	       "       voipfw trunk del CIDR\n"
	       "       voipfw trunk list\n"
	       "CIDR is an IPv4 or IPv6 prefix (a bare address means one host).\n"
	       "--admit limits the trunk to SIP or media ports (default all);\n"
	       "--ttl makes the entry expire (default: never).\n");
}

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
	const char *admit_s = "all", *ttl_s = NULL;
	struct vfw_trunk val = { .origin = VFW_ORIGIN_STATIC };
	struct vfw_lpm_key key;
	__u64 ttl = 0;
	int fd, rc;

	if (args_take_value(&argc, argv, "admit", 0, &admit_s) < 0)
		return usage_error("--admit needs sip, media or all");
	if (args_take_value(&argc, argv, "ttl", 0, &ttl_s) < 0)
		return usage_error("--ttl needs a number of seconds");
	if (args_first_option(argc, argv))
		return expect_no_more(argc, argv);
	if (argc < 1)
		return usage_error("trunk add needs a CIDR");
	rc = parse_cidr_arg(argv[0], &key);
	if (rc)
		return rc;
	rc = expect_no_more(argc - 1, argv + 1);
	if (rc)
		return rc;
	if (vfw_parse_admit(admit_s, &val.admit))
		return usage_error("--admit must be sip, media or all, not '%s'",
				   admit_s);
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

	if (argc < 1)
		return usage_error("trunk del needs a CIDR");
	rc = parse_cidr_arg(argv[0], &key);
	rc = rc ?: expect_no_more(argc - 1, argv + 1);
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
	int fd, rc;

	rc = expect_no_more(argc, argv);
	if (rc)
		return rc;
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

int do_trunk(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "add", trunk_add },
		{ "del", trunk_del },
		{ "list", trunk_list },
		{ "show", trunk_list },
		{ NULL, NULL },
	};

	return cmd_dispatch("trunk", cmds, argc, argv, trunk_usage);
}
