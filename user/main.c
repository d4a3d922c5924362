// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* voipfw: the command-line entry point and its subcommand table. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "log.h"
#include "maps.h"

struct cli cli = {
	.pin_dir = VFW_DEFAULT_PIN_DIR,
};

enum { G_PIN_DIR, G_JSON, G_VERBOSE, G_HELP, G_VERSION };

static const struct args_opt global_opts[] = {
	[G_PIN_DIR] = { "pin-dir", 0, "DIR", "bpffs directory of voipfw's state",
			VFW_DEFAULT_PIN_DIR },
	[G_JSON] = { "json", 'j', NULL,
		     "machine-readable output; errors as {\"error\": MESSAGE}" },
	[G_VERBOSE] = { "verbose", 'v', NULL,
			"more logging (libbpf and verifier messages)" },
	[G_HELP] = { "help", 'h', NULL, "this help, or a command's" },
	[G_VERSION] = { "version", 0, NULL, "print the version" },
	{ NULL },
};

static const struct args_cmd *const top_cmds[] = {
	&attach_cmd, &detach_cmd, &trunk_cmd, &ports_cmd, &pinhole_cmd,
	&stats_cmd, &status_cmd, &run_cmd, &replay_cmd, &doctor_cmd, NULL,
};

static const struct args_cmd voipfw_cmd = {
	.name = "voipfw",
	.summary = "Keeps a VoIP system's forwarded SIP and RTP ports closed to everyone but\n"
		   "its SIP trunks and the media endpoints of live calls.",
	.text = "Options stand anywhere on the line; commands may be abbreviated.\n"
		"'voipfw COMMAND help' (or --help) describes a command and its options.\n"
		"Exit status: 0 success, 1 failure, 2 usage error.",
	.opts = global_opts,
	.sub = top_cmds,
};

/* "trunk add CIDR [--ttl SECONDS]", or for a group "trunk add|del|list". */
static void print_synopsis(FILE *f, const char *lead, const char *path,
			   const struct args_cmd *c)
{
	const struct args_cmd *const *s;
	const struct args_opt *o;

	fprintf(f, "%s%s%s%s", lead, path, c->alias ? "|" : "", c->alias ? c->alias : "");
	for (s = c->sub; s && *s; s++)
		fprintf(f, "%c%s", s == c->sub ? ' ' : '|', (*s)->name);
	if (c->words)
		fprintf(f, " %s", c->words);
	for (o = c->opts; !c->sub && o && o->name; o++) {
		bool req = o->flags & ARGS_REQUIRED;

		fprintf(f, " %s--%s%s%s%s%s", req ? "" : "[", o->name,
			o->metavar ? " " : "", o->metavar ? o->metavar : "",
			req ? "" : "]", o->flags & ARGS_MANY ? "..." : "");
	}
	fputc('\n', f);
}

/* One line per option: what the parser accepts, nothing else. */
static void print_options(const struct args_opt *o, const char *indent)
{
	char head[64];
	int n;

	for (; o && o->name; o++) {
		n = o->short_name ? snprintf(head, sizeof(head), "-%c, ", o->short_name) : 0;
		snprintf(head + n, sizeof(head) - n, "--%s%s%s", o->name,
			 o->metavar ? " " : "", o->metavar ? o->metavar : "");
		printf("%s%-22s  %s", indent, head, o->help);
		if (o->def)
			printf(" (default: %s)", o->def);
		printf("\n");
	}
}

/* The help of cli.cmd, from its table. */
static int print_help(int rc)
{
	const struct args_cmd *c = cli.cmd, *const *s;

	if (c->sub) {
		printf("Usage: %s%s COMMAND ...\n%s\n\nCommands:\n", cli.path,
		       c->opts ? " [OPTIONS]" : "", c->summary);
		for (s = c->sub; *s; s++) {
			print_synopsis(stdout, "  ", (*s)->name, *s);
			printf("      %s\n", (*s)->summary);
			if (c != &voipfw_cmd)   /* the top lists commands only */
				print_options((*s)->opts, "      ");
		}
	} else {
		print_synopsis(stdout, "Usage: ", cli.path, c);
		printf("%s\n", c->summary);
	}
	if (c->opts && c->opts->name) {
		printf("\nOptions:\n");
		print_options(c->opts, "  ");
	}
	if (c->text)
		printf("\n%s\n", c->text);
	return rc;
}

/* --json: the first error is stdout's JSON document (json_error()). */
static bool error_to_json(const char *msg)
{
	bool taken;

	flockfile(stdout);   /* the daemon's DNS thread logs too */
	taken = json_error(&cli.jw, msg);
	funlockfile(stdout);
	return taken;
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfw_vlog(VFW_LOG_ERROR, fmt, ap);
	va_end(ap);
	if (!cli.json && cli.cmd->sub)
		fprintf(stderr, "Try '%s help'.\n", cli.path);
	else if (!cli.json)
		print_synopsis(stderr, "usage: ", cli.path, cli.cmd);
	return EXIT_USAGE;
}

/* Walks the table down argv's words to a leaf, parses its options, runs it. */
static int dispatch(int argc, char **argv)
{
	const struct args_cmd *sub;
	bool ambiguous;
	size_t n;

	if ((argc > 0 && strcmp(argv[0], "help") == 0) ||
	    (cli.help && (argc < 1 || !cli.cmd->sub)))
		return print_help(EXIT_OK);
	if (!cli.cmd->sub) {
		if (args_parse_cmd(cli.cmd, &argc, argv, &cli.opt))
			return usage_error("%s", cli.opt.err);
		return cli.cmd->fn(argc, argv);
	}
	if (argc < 1)
		return cli.json ? usage_error("%s needs a command", cli.path) :
				  print_help(EXIT_USAGE);
	sub = args_find_cmd(cli.cmd, argv[0], &ambiguous);
	if (!sub && cli.help)
		return print_help(EXIT_OK);
	if (!sub && ambiguous)
		return usage_error("'%s' is ambiguous", argv[0]);
	if (!sub)
		return usage_error("unknown command '%s'", argv[0]);
	n = strlen(cli.path);
	snprintf(cli.path + n, sizeof(cli.path) - n, " %s", sub->name);
	cli.cmd = sub;
	return dispatch(argc - 1, argv + 1);
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

int main(int argc, char **argv)
{
	struct args_res g;
	int rc;

	/* Global options may stand anywhere; take them out first. */
	argc--;
	argv++;
	rc = args_parse(global_opts, ARGS_PARTIAL, &argc, argv, &g);
	cli.json = g.val[G_JSON];
	cli.verbose = g.val[G_VERBOSE];
	cli.help = g.val[G_HELP];
	cli.cmd = &voipfw_cmd;
	snprintf(cli.path, sizeof(cli.path), "voipfw");
	vfw_log_init("voipfw", cli.verbose ? VFW_LOG_DEBUG : VFW_LOG_WARN);
	json_init(&cli.jw, stdout);
	if (cli.json)
		vfw_log_set_error_hook(error_to_json);
	if (rc)
		return usage_error("%s", g.err);
	if (g.val[G_VERSION]) {
		printf("voipfw %s\n", VOIPFW_VERSION);
		return EXIT_OK;
	}
	cli.pin_dir = g.val[G_PIN_DIR];
	cli.pin_dir_set = cli.pin_dir != global_opts[G_PIN_DIR].def;
	if (cli.pin_dir[0] != '/')
		return usage_error("--pin-dir must be an absolute path, not '%s'",
				   cli.pin_dir);
	rc = dispatch(argc, argv);
	fflush(stdout);
	return rc;
}
