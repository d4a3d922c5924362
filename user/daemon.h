/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* voipfw run: the daemon that follows SIP and keeps trunks and pinholes. */
#ifndef VOIPFW_DAEMON_H
#define VOIPFW_DAEMON_H

#include <stdbool.h>

#include "config.h"

struct vfw_daemon_opts {
	const char *config_path;   /* NULL: built-in defaults */
	struct vfw_config cfg;     /* parsed file + command-line overrides */
	bool json_events;          /* events as JSON lines on stdout (global --json) */
};

/* Built-in defaults, then the file (if any) on top; logs errors. */
int vfw_config_load(const char *path, struct vfw_config *cfg);

/* Runs until SIGTERM/SIGINT. Returns 0 or -errno (already logged). */
int vfw_daemon_run(const struct vfw_daemon_opts *opts);

#endif /* VOIPFW_DAEMON_H */
