// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * voipfw doctor: every check of the router's state that decides whether
 * SIP and RTP can work behind it and whether voipfw guards what is
 * forwarded. Gathering in doctor_facts.c, verdicts in user/lib/doctor.c;
 * this file renders them. Only reads: no ruleset, sysctl or map changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "daemon.h"
#include "doctor.h"
#include "doctor_facts.h"
#include "log.h"

enum { D_IFACE, D_CONFIG, D_STUN, D_PCAP };

static void print_plain(const struct doc_result *res)
{
	unsigned c, e;

	for (c = 0; c < DOC_CHECK_COUNT; c++) {
		const struct doc_result *r = &res[c];

		printf("%-4s %-20s %s\n", doc_status_name(r->status),
		       doc_check_name(r->check), r->detail);
		if (r->fix[0])
			printf("     %-20s fix: %s\n", "", r->fix);
		for (e = 0; cli.verbose && e < r->n_evidence; e++)
			printf("     %-20s evidence: %s\n", "", r->evidence[e]);
	}
}

static void print_json(const struct doc_result *res)
{
	struct json *j = &cli.jw;
	unsigned c, e;

	json_array_start(j);
	for (c = 0; c < DOC_CHECK_COUNT; c++) {
		const struct doc_result *r = &res[c];

		json_object_start(j);
		json_kv_string(j, "check", doc_check_name(r->check));
		json_kv_string(j, "status", doc_status_name(r->status));
		json_kv_string(j, "detail", r->detail);
		json_key(j, "fix");
		if (r->fix[0])
			json_string(j, r->fix);
		else
			json_null(j);
		json_key(j, "evidence");
		json_array_start(j);
		for (e = 0; e < r->n_evidence; e++)
			json_string(j, r->evidence[e]);
		json_array_end(j);
		json_object_end(j);
	}
	json_array_end(j);
	json_finish(j);
}

static int do_doctor(int argc, char **argv)
{
	const char *iface = cli.opt.val[D_IFACE], *config = cli.opt.val[D_CONFIG];
	const char *pin_dir = cli.pin_dir;
	struct doc_result res[DOC_CHECK_COUNT];
	struct vfw_config *cfg = NULL;
	struct doc_facts *f;
	int rc = EXIT_OK;
	unsigned c;

	if (iface && (strlen(iface) >= VFW_CONFIG_IFNAMSIZ || strchr(iface, '/') ||
		      strchr(iface, ',')))
		return usage_error("'%s' is not an interface name", iface);
	if (config) {
		cfg = calloc(1, sizeof(*cfg));
		if (!cfg)
			return EXIT_FAIL;
		if (vfw_config_load(config, cfg)) {
			free(cfg);
			return EXIT_FAIL;
		}
		if (!cli.pin_dir_set)
			pin_dir = cfg->pin_dir;
	}
	f = calloc(1, sizeof(*f));
	if (cli.opt.n_many > DOC_MAX_STUN) {
		free(f);
		free(cfg);
		return usage_error("at most %d --stun servers", DOC_MAX_STUN);
	}
	if (!f || doc_facts_gather(f, iface, pin_dir, cfg, cli.opt.many, cli.opt.n_many)) {
		pr_err("out of memory");
		free(f);
		free(cfg);
		return EXIT_FAIL;
	}
	f->pcap = cli.opt.val[D_PCAP] != NULL;
	doc_run(f, res);
	if (cli.json)
		print_json(res);
	else
		print_plain(res);
	for (c = 0; c < DOC_CHECK_COUNT; c++)
		if (res[c].status == DOC_FAIL)
			rc = EXIT_FAIL;
	doc_facts_free(f);
	free(f);
	free(cfg);
	return rc;
}

const struct args_cmd doctor_cmd = {
	.name = "doctor", .fn = do_doctor,
	.summary = "checks the router for what breaks SIP/RTP or leaves forwards unguarded",
	.text = "One line per check: ok, warn, fail or skip, what was found and a fix.\n"
		"Reads netlink, the nftables ruleset, sysctls, conntrack and voipfw's maps;\n"
		"changes nothing (--stun sends one STUN request per server). Works without\n"
		"the daemon. With --json: an array of\n"
		"{check, status, detail, fix, evidence}; -v adds the evidence to the text.\n"
		"Exit status: 0 nothing failed, 1 a check failed, 2 usage error.",
	.opts = (const struct args_opt[]) {
		[D_IFACE] = { "iface", 'i', "IF", "the WAN (default: the config's, voipfw's, "
						 "the default route's)" },
		[D_CONFIG] = { "config", 'c', "FILE", "voipfw's settings: ports, voip_hosts" },
		[D_STUN] = { "stun", 0, "HOST[:PORT]", "a STUN server (repeat: two tell the NAT type)",
			     NULL, ARGS_MANY },
		[D_PCAP] = { "pcap", 0, "FILE", "a capture of SIP (not yet used)" },
		{ NULL },
	},
};
