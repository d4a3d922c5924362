/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What every CLI command shares: global options, dispatch, exit codes. */
#ifndef VOIPFW_CLI_H
#define VOIPFW_CLI_H

#include <stdbool.h>
#include <linux/types.h>

#include "args.h"
#include "json.h"

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,    /* runtime failure */
	EXIT_USAGE = 2,   /* bad command line */
};

struct cli {
	const char *pin_dir;
	bool pin_dir_set;   /* given on the command line */
	bool json;
	bool verbose;
	bool help;        /* -h/--help: the command's help instead of running it */
	struct json jw;   /* the --json writer, on stdout */
	/*
	 * The command being run, its path ("voipfw trunk add") and its options
	 * in the order of its table (args.h). Handlers read cli.opt instead of
	 * taking it as an argument, so all keep the (argc, argv) signature.
	 */
	const struct args_cmd *cmd;
	char path[64];
	struct args_res opt;
};

extern struct cli cli;

/*
 * Reports a bad command line (with --json as {"error": ...} on stdout, else
 * on stderr with the command's synopsis), returns EXIT_USAGE.
 */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Root, or CAP_BPF/CAP_SYS_ADMIN + CAP_NET_ADMIN; logs and returns false. */
bool have_privileges(void);

/* Maps an -errno from the lower layers to an exit code. */
static inline int exit_code(int err)
{
	return err ? EXIT_FAIL : EXIT_OK;
}

/* A number's macro as a string, for the tables' texts and defaults. */
#define CLI_STR_(x) #x
#define CLI_STR(x) CLI_STR_(x)

/* The commands' tables, in their cmd_*.c. */
extern const struct args_cmd attach_cmd, detach_cmd, trunk_cmd, ports_cmd,
	pinhole_cmd, stats_cmd, status_cmd, run_cmd, replay_cmd, doctor_cmd;

/* "12s", "4m10s", "never": remaining time until a CLOCK_MONOTONIC deadline. */
const char *fmt_remaining(__u64 deadline_ns, __u64 now_ns, char *buf,
			  unsigned long len);

#endif /* VOIPFW_CLI_H */
