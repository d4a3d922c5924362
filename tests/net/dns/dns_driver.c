// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Test driver for user/dns.c until `voipfw run` drives it: reads a voipfw
 * config file, runs the DNS trunk resolver against a pinned trunks map and
 * maps signals like the daemon will (HUP = reload the file, TERM/INT = stop).
 * Built by tests/net/test_dns_trunks.sh, not by the Makefile.
 *
 *   dns_driver --trunks PINNED_MAP --config FILE [--resolv FILE]
 *              [--min-ttl S] [--debug]
 * --min-ttl overrides dns_min_ttl below the config's lower bound (tests).
 * Prints "ready" on stderr once the first round is in the map.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "dns.h"
#include "log.h"

static const char *config_path;
static long min_ttl = -1;

static int load_config(struct vfw_config *c)
{
	char text[65536], err[256];
	ssize_t n;
	int fd;

	fd = open(config_path, O_RDONLY);
	if (fd < 0) {
		pr_err("%s: %s", config_path, strerror(errno));
		return -1;
	}
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return -1;
	text[n] = '\0';
	vfw_config_defaults(c);
	if (vfw_config_parse(c, text, err, sizeof(err))) {
		pr_err("%s:%s", config_path, err);
		return -1;
	}
	if (min_ttl >= 0)
		c->dns_min_ttl = (__u32)min_ttl;
	return 0;
}

int main(int argc, char **argv)
{
	const char *trunks = NULL, *resolv = NULL;
	enum vfw_log_level level = VFW_LOG_INFO;
	static struct vfw_config cfg;
	struct vfw_dns *d;
	sigset_t set;
	int i, fd, sig;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--trunks") && i + 1 < argc)
			trunks = argv[++i];
		else if (!strcmp(argv[i], "--config") && i + 1 < argc)
			config_path = argv[++i];
		else if (!strcmp(argv[i], "--resolv") && i + 1 < argc)
			resolv = argv[++i];
		else if (!strcmp(argv[i], "--min-ttl") && i + 1 < argc)
			min_ttl = atol(argv[++i]);
		else if (!strcmp(argv[i], "--debug"))
			level = VFW_LOG_DEBUG;
		else {
			fprintf(stderr, "usage: dns_driver --trunks MAP --config FILE "
				"[--resolv FILE] [--min-ttl S] [--debug]\n");
			return 2;
		}
	}
	if (!trunks || !config_path)
		return 2;
	vfw_log_init("dns_driver", level);
	if (load_config(&cfg))
		return 1;
	fd = bpf_obj_get(trunks);
	if (fd < 0) {
		pr_err("%s: %s", trunks, strerror(errno));
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);

	d = vfw_dns_start(&cfg, fd, resolv);
	if (!d)
		return 1;
	fprintf(stderr, "ready\n");
	for (;;) {
		if (sigwait(&set, &sig))
			continue;
		if (sig != SIGHUP)
			break;
		if (load_config(&cfg) == 0)
			vfw_dns_reload(d, &cfg);
		fprintf(stderr, "reloaded\n");
	}
	vfw_dns_stop(d);
	close(fd);
	fprintf(stderr, "stopped\n");
	return 0;
}
