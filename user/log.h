/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* One logger for voipfw and for libbpf's own output. */
#ifndef VOIPFW_LOG_H
#define VOIPFW_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum vfw_log_level {
	VFW_LOG_ERROR = 0,
	VFW_LOG_WARN,
	VFW_LOG_INFO,
	VFW_LOG_DEBUG,
};

void vfw_log_init(const char *progname, enum vfw_log_level level);
void vfw_log_set_level(enum vfw_log_level level);
/*
 * Errors go to hook instead of stderr when it takes them (returns true):
 * the CLI's --json mode prints them as JSON on stdout.
 */
void vfw_log_set_error_hook(bool (*hook)(const char *msg));
void vfw_vlog(enum vfw_log_level level, const char *fmt, va_list ap);
void vfw_log(enum vfw_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_err(...)   vfw_log(VFW_LOG_ERROR, __VA_ARGS__)
#define pr_warn(...)  vfw_log(VFW_LOG_WARN, __VA_ARGS__)
#define pr_info(...)  vfw_log(VFW_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) vfw_log(VFW_LOG_DEBUG, __VA_ARGS__)

#endif /* VOIPFW_LOG_H */
