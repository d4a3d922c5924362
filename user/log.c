// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "log.h"

#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *log_prog = "voipfw";
static enum vfw_log_level log_level = VFW_LOG_WARN;
static bool (*error_hook)(const char *msg);

static const char *const level_tags[] = {
	[VFW_LOG_ERROR] = "error: ",
	[VFW_LOG_WARN] = "warning: ",
	[VFW_LOG_INFO] = "",
	[VFW_LOG_DEBUG] = "debug: ",
};

void vfw_vlog(enum vfw_log_level level, const char *fmt, va_list ap)
{
	char msg[4096];
	size_t n;

	if (level > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	if (n && msg[n - 1] == '\n')
		msg[n - 1] = '\0';   /* the line is ours to end */
	if (level == VFW_LOG_ERROR && error_hook && error_hook(msg))
		return;
	/* one fprintf: one line, even with the DNS thread logging */
	fprintf(stderr, "%s: %s%s\n", log_prog, level_tags[level], msg);
}

void vfw_log(enum vfw_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfw_vlog(level, fmt, ap);
	va_end(ap);
}

/* libbpf warnings are mostly noise for users; they show with -v. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	enum vfw_log_level ours = level == LIBBPF_WARN ? VFW_LOG_INFO :
							  VFW_LOG_DEBUG;
	char line[1024];

	if (ours > log_level)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	/* bpf_tc_hook_create() on an existing clsact qdisc: expected. */
	if (strstr(line, "Exclusivity flag on"))
		return 0;
	/* libbpf prefixes its own lines with "libbpf: ". */
	return fprintf(stderr, "%s: %s", log_prog, line);
}

void vfw_log_init(const char *progname, enum vfw_log_level level)
{
	log_prog = progname;
	log_level = level;
	libbpf_set_print(libbpf_print);
}

void vfw_log_set_error_hook(bool (*hook)(const char *msg))
{
	error_hook = hook;
}

void vfw_log_set_level(enum vfw_log_level level)
{
	log_level = level;
}
