// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Loads each program of the voipfw object on its own into the running
 * kernel, once per link-layer setting the loader can choose, and prints
 * what the verifier spent on it:
 *
 *   kernel 6.1.0-57-amd64 program voipfw_xdp l2 ethernet insns 380306 ok
 *
 * one line per program and setting ("rejected" and the log's last line
 * when the verifier refuses it). The count is the verifier's own
 * "processed N insns" from the stats log level (BPF_LOG_STATS), which every
 * kernel since 5.2 prints; bpf_prog_info.verified_insns needs 5.16.
 * Exit status: 0 when every program loads within the limit given with
 * --max-insns (default: half the verifier's 1M budget), 1 otherwise.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "voipfw.h"
#include "voipfw.skel.h"

#define LOG_SIZE (1U << 20)   /* stats output and, on a refusal, the tail */

static int quiet_print(enum libbpf_print_level level, const char *fmt,
		       va_list ap)
{
	return 0;
}

/* The verifier's count from "processed N insns (limit ...)". */
static long processed_insns(const char *log)
{
	const char *p = strstr(log, "processed ");

	return p ? strtol(p + strlen("processed "), NULL, 10) : -1;
}

static int is_stats_line(const char *line, size_t len)
{
	static const char *const stats[] = { "processed ", "verification time",
					     "stack depth" };
	size_t i;

	for (i = 0; i < sizeof(stats) / sizeof(stats[0]); i++)
		if (len >= strlen(stats[i]) && !strncmp(line, stats[i], strlen(stats[i])))
			return 1;
	return 0;
}

/* The log's last line that is not a statistic: where the verifier gave up. */
static void last_line(const char *log, char *out, size_t size)
{
	const char *line = log, *nl;

	out[0] = '\0';
	for (; *line; line = nl + 1) {
		size_t len;

		nl = strchrnul(line, '\n');
		len = nl - line;
		if (len && !is_stats_line(line, len))
			snprintf(out, size, "%.*s", (int)len, line);
		if (!*nl)
			break;
	}
}

/* The object with only the program named `which` to load, its log in log. */
static struct voipfw_bpf *open_only(const char *which, __u32 l2, char *log,
				    __u32 log_level)
{
	struct voipfw_bpf *skel = voipfw_bpf__open();
	struct bpf_program *prog;

	if (!skel)
		return NULL;
	skel->rodata->cfg_l2 = l2;
	bpf_object__for_each_program(prog, skel->obj) {
		int mine = strcmp(bpf_program__name(prog), which) == 0;

		bpf_program__set_autoload(prog, mine);
		if (mine) {
			bpf_program__set_log_buf(prog, log, LOG_SIZE);
			bpf_program__set_log_level(prog, log_level);
		}
	}
	log[0] = '\0';
	return skel;
}

/*
 * Loads only the program named `which`, at the stats log level; when the
 * verifier refuses it before printing stats, again with the verbose log.
 */
static int load_one(const char *which, __u32 l2, char *log, long *insns,
		    char *why, size_t why_size)
{
	static const __u32 levels[] = { 4 /* BPF_LOG_STATS */, 1 };
	struct voipfw_bpf *skel;
	int err = -EINVAL;
	size_t i;

	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		skel = open_only(which, l2, log, levels[i]);
		if (!skel)
			return -errno;
		err = voipfw_bpf__load(skel);
		voipfw_bpf__destroy(skel);
		if (!err || strstr(log, "processed "))
			break;
	}
	*insns = processed_insns(log);
	why[0] = '\0';
	if (err)
		last_line(log, why, why_size);
	return err;
}

int main(int argc, char **argv)
{
	static const struct { __u32 l2; const char *name; } l2s[] = {
		{ VFW_L2_ETHERNET, "ethernet" },
		{ VFW_L2_NONE, "l3" },
	};
	const char *progs[] = { "voipfw_xdp", "voipfw_tc_ingress",
				"voipfw_tc_egress" };
	long max_insns = 500000, insns = -1;
	char *log = malloc(LOG_SIZE), why[256];
	struct utsname uts;
	int bad = 0;
	size_t i, j;

	if (argc == 3 && strcmp(argv[1], "--max-insns") == 0) {
		max_insns = strtol(argv[2], NULL, 10);
	} else if (argc != 1) {
		fprintf(stderr, "usage: %s [--max-insns N]\n", argv[0]);
		return 2;
	}
	if (!log || uname(&uts))
		return 1;
	libbpf_set_print(quiet_print);
	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		for (j = 0; j < sizeof(l2s) / sizeof(l2s[0]); j++) {
			int err = load_one(progs[i], l2s[j].l2, log, &insns,
					   why, sizeof(why));
			int over = !err && insns > max_insns;

			printf("kernel %s program %s l2 %s insns %ld %s%s%s\n",
			       uts.release, progs[i], l2s[j].name, insns,
			       err ? "rejected" : over ? "over-limit" : "ok",
			       err ? ": " : "", err ? why : "");
			bad |= err || over;
		}
	}
	free(log);
	return bad;
}
