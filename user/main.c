// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* voipfw: the command-line entry point and its subcommand table. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "log.h"
#include "maps.h"

struct cli cli = {
	.pin_dir = VFW_DEFAULT_PIN_DIR,
};

static void usage(void)
{
	printf(
"Usage: voipfw [OPTIONS] COMMAND ...\n"
"\n"
"Keeps a VoIP system's forwarded SIP and RTP ports closed to everyone but\n"
"its SIP trunks and the media endpoints of live calls.\n"
"\n"
"Commands:\n"
"  attach  --iface IF [--mode native|generic] [--monitor] [--xdp-only]\n"
"                        load the XDP filter on the WAN interface IF\n"
"  detach  --iface IF    remove it (trunks and pinholes stay pinned)\n"
"  trunk   add CIDR [--admit sip|media|all] [--ttl SECONDS]\n"
"          del CIDR | list\n"
"                        trusted trunk prefixes (IPv4 and IPv6)\n"
"  ports   list | set sip|media udp|tcp PORT[-PORT]\n"
"          clear udp|tcp PORT[-PORT] | reset\n"
"                        which destination ports are protected\n"
"  pinhole add REMOTE_IP LOCAL_PORT [--proto udp|tcp] [--ttl SECONDS]\n"
"              [--idle SECONDS]\n"
"          del REMOTE_IP LOCAL_PORT [--proto udp|tcp] | list | flush\n"
"                        per-source openings of one local port\n"
"  stats                 packets and bytes per verdict reason\n"
"  status                attached interfaces and map fill levels\n"
"  run     [--config FILE] [--iface IF[,IF]]\n"
"                        the daemon: follows SIP, learns trunks from\n"
"                        registrations, opens per-call media pinholes\n"
"  replay  FILE.pcap [--local ADDR]...\n"
"                        run a WAN capture through the SIP trackers and\n"
"                        print their decisions (why did a call lose audio?)\n"
"\n"
"Options:\n"
"  --pin-dir DIR   bpffs directory of voipfw's state (default %s)\n"
"  -j, --json      machine-readable output\n"
"  -v, --verbose   more logging (libbpf and verifier messages)\n"
"  -h, --help      this help\n"
"  --version       print the version\n"
"\n"
"Exit status: 0 success, 1 failure, 2 usage error.\n",
	VFW_DEFAULT_PIN_DIR);
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("voipfw: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'voipfw --help'.\n", stderr);
	return EXIT_USAGE;
}

int expect_no_more(int argc, char **argv)
{
	const char *opt = args_first_option(argc, argv);

	if (opt)
		return usage_error("unknown option '%s'", opt);
	if (argc > 0)
		return usage_error("unexpected argument '%s'", argv[0]);
	return EXIT_OK;
}

int cmd_dispatch(const char *group, const struct cmd *cmds, int argc,
		 char **argv, void (*print_usage)(void))
{
	const struct cmd *c, *match = NULL;

	if (argc < 1 || strcmp(argv[0], "help") == 0) {
		print_usage();
		return argc < 1 ? EXIT_USAGE : EXIT_OK;
	}
	for (c = cmds; c->name; c++) {
		if (strcmp(argv[0], c->name) == 0) {
			match = c;
			break;
		}
		if (args_is_prefix(argv[0], c->name)) {
			if (match)
				return usage_error("'%s%s%s' is ambiguous",
						   group, *group ? " " : "",
						   argv[0]);
			match = c;
		}
	}
	if (!match)
		return usage_error("unknown command '%s%s%s'", group,
				   *group ? " " : "", argv[0]);
	return match->fn(argc - 1, argv + 1);
}

/* Effective capability bits, from /proc/self/status. */
static unsigned long long effective_caps(void)
{
	unsigned long long caps = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	}
	fclose(f);
	return caps;
}

bool have_privileges(void)
{
	const unsigned long long cap_net_admin = 1ULL << 12;
	const unsigned long long cap_sys_admin = 1ULL << 21;
	const unsigned long long cap_bpf = 1ULL << 39;
	unsigned long long caps = effective_caps();

	if ((caps & cap_net_admin) && (caps & (cap_bpf | cap_sys_admin)))
		return true;
	pr_err("voipfw needs root (CAP_BPF or CAP_SYS_ADMIN, and CAP_NET_ADMIN)");
	return false;
}

const char *fmt_remaining(__u64 deadline_ns, __u64 now_ns, char *buf,
			  unsigned long len)
{
	__u64 s;

	if (!deadline_ns)
		snprintf(buf, len, "never");
	else if (deadline_ns <= now_ns)
		snprintf(buf, len, "expired");
	else if ((s = (deadline_ns - now_ns) / 1000000000ULL) < 120)
		snprintf(buf, len, "%llus", (unsigned long long)s);
	else if (s < 7200)
		snprintf(buf, len, "%llum%02llus", (unsigned long long)s / 60,
			 (unsigned long long)s % 60);
	else
		snprintf(buf, len, "%lluh%02llum", (unsigned long long)s / 3600,
			 (unsigned long long)(s % 3600) / 60);
	return buf;
}

static const struct cmd top_cmds[] = {
	{ "attach", do_attach },
	{ "detach", do_detach },
	{ "trunk", do_trunk },
	{ "ports", do_ports },
	{ "pinhole", do_pinhole },
	{ "stats", do_stats },
	{ "status", do_status },
	{ "run", do_run },
	{ "replay", do_replay },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	const char *pin_dir = NULL;
	int rc;

	/* Global options may stand anywhere; take them out first. */
	argc--;
	argv++;
	if (args_take_value(&argc, argv, "pin-dir", 0, &pin_dir) < 0)
		return usage_error("--pin-dir needs a directory");
	cli.json = args_take_flag(&argc, argv, "json", 'j');
	cli.verbose = args_take_flag(&argc, argv, "verbose", 'v');
	vfw_log_init("voipfw", cli.verbose ? VFW_LOG_DEBUG : VFW_LOG_WARN);
	if (args_take_flag(&argc, argv, "version", 0)) {
		printf("voipfw %s\n", VOIPFW_VERSION);
		return EXIT_OK;
	}
	if (args_take_flag(&argc, argv, "help", 'h')) {
		usage();
		return EXIT_OK;
	}
	if (pin_dir) {
		if (pin_dir[0] != '/')
			return usage_error("--pin-dir must be an absolute path, not '%s'",
					   pin_dir);
		cli.pin_dir = pin_dir;
		cli.pin_dir_set = true;
	}
	json_init(&cli.jw, stdout);
	rc = cmd_dispatch("", top_cmds, argc, argv, usage);
	fflush(stdout);
	return rc;
}
