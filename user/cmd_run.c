// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* voipfw run [--config FILE] [--iface IF[,IF...]] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "daemon.h"
#include "log.h"

#define CONFIG_MAX_BYTES (1U << 20)

enum { R_CONFIG, R_IFACE };

/* Reads a whole (small) file; NUL-terminated. */
static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (!f) {
		pr_err("cannot open config %s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(CONFIG_MAX_BYTES + 1);
	if (!buf) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, CONFIG_MAX_BYTES + 1, f);
	fclose(f);
	if (n > CONFIG_MAX_BYTES) {
		pr_err("config %s is larger than %u bytes", path, CONFIG_MAX_BYTES);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (memchr(buf, '\0', n)) {
		pr_err("config %s contains a NUL byte; not a text file", path);
		free(buf);
		return NULL;
	}
	return buf;
}

/* Defaults, then the file on top. Logs and returns -errno on failure. */
int vfw_config_load(const char *path, struct vfw_config *cfg)
{
	char err[256];
	char *text;
	int rc;

	vfw_config_defaults(cfg);
	if (!path)
		return 0;
	text = read_file(path);
	if (!text)
		return -EINVAL;
	rc = vfw_config_parse(cfg, text, err, sizeof(err));
	free(text);
	if (rc)
		pr_err("%s:%s", path, err);
	return rc;
}

/* "--iface a,b" or repeated: replaces the file's interface list. */
static int set_ifaces(struct vfw_config *cfg, const char *list)
{
	char buf[256], *save = NULL, *tok;

	if (strlen(list) >= sizeof(buf))
		return usage_error("--iface list too long");
	snprintf(buf, sizeof(buf), "%s", list);
	cfg->n_ifaces = 0;
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (cfg->n_ifaces >= VFW_CONFIG_MAX_IFACES)
			return usage_error("at most %d interfaces", VFW_CONFIG_MAX_IFACES);
		if (strlen(tok) >= VFW_CONFIG_IFNAMSIZ || strchr(tok, '/'))
			return usage_error("'%s' is not a valid interface name", tok);
		snprintf(cfg->ifaces[cfg->n_ifaces++], VFW_CONFIG_IFNAMSIZ, "%s", tok);
	}
	if (!cfg->n_ifaces)
		return usage_error("--iface needs an interface name");
	return EXIT_OK;
}

static int do_run(int argc, char **argv)
{
	struct vfw_daemon_opts o = { .config_path = cli.opt.val[R_CONFIG],
				     .json_events = cli.json };
	const char *iface = cli.opt.val[R_IFACE];
	int rc;

	if (vfw_config_load(o.config_path, &o.cfg))
		return EXIT_FAIL;
	if (iface) {
		rc = set_ifaces(&o.cfg, iface);
		if (rc)
			return rc;
	}
	if (cli.pin_dir_set || !o.config_path)
		snprintf(o.cfg.pin_dir, sizeof(o.cfg.pin_dir), "%s", cli.pin_dir);
	if (!o.cfg.n_ifaces)
		return usage_error("no interface: give --iface IF or 'interface =' in the config");
	if (!have_privileges())
		return EXIT_FAIL;
	return exit_code(vfw_daemon_run(&o));
}

const struct args_cmd run_cmd = {
	.name = "run", .fn = do_run,
	.summary = "the daemon: follows SIP, learns trunks, opens per-call media pinholes",
	.text = "Attaches to the interfaces (reusing pinned state), applies the config and\n"
		"follows SIP. Options override the file (--pin-dir too); without a file,\n"
		"built-in defaults apply and --iface is required. SIGHUP reloads the file\n"
		"without touching live calls; SIGTERM exits and leaves the firewall\n"
		"attached and enforcing.",
	.opts = (const struct args_opt[]) {
		[R_CONFIG] = { "config", 'c', "FILE", "the settings (see voipfw(8))" },
		[R_IFACE] = { "iface", 'i', "IF[,IF...]", "the WAN interfaces, instead of the file's" },
		{ NULL },
	},
};
