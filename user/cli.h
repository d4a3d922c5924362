/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What every CLI command shares: global options, dispatch, exit codes. */
#ifndef VOIPFW_CLI_H
#define VOIPFW_CLI_H

#include <stdbool.h>
#include <linux/types.h>

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
	struct json jw;   /* the --json writer, on stdout */
};

extern struct cli cli;

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
};

/*
 * Runs the command named by argv[0] (unique prefixes allowed); with no
 * words, or "help", prints usage. Returns an exit code.
 */
int cmd_dispatch(const char *group, const struct cmd *cmds, int argc,
		 char **argv, void (*usage)(void));

/* Prints "error: ..." and a hint, returns EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Fails with a usage error when words or options are left over. */
int expect_no_more(int argc, char **argv);

/* Root, or CAP_BPF/CAP_SYS_ADMIN + CAP_NET_ADMIN; logs and returns false. */
bool have_privileges(void);

/* Maps an -errno from the lower layers to an exit code. */
static inline int exit_code(int err)
{
	return err ? EXIT_FAIL : EXIT_OK;
}

int do_attach(int argc, char **argv);
int do_detach(int argc, char **argv);
int do_trunk(int argc, char **argv);
int do_ports(int argc, char **argv);
int do_pinhole(int argc, char **argv);
int do_stats(int argc, char **argv);
int do_status(int argc, char **argv);
int do_run(int argc, char **argv);
int do_replay(int argc, char **argv);

/* "12s", "4m10s", "never": remaining time until a CLOCK_MONOTONIC deadline. */
const char *fmt_remaining(__u64 deadline_ns, __u64 now_ns, char *buf,
			  unsigned long len);

#endif /* VOIPFW_CLI_H */
