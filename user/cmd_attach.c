// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* voipfw attach / detach */
#include <string.h>

#include "cli.h"
#include "loader.h"

enum { A_IFACE, A_MODE, A_MONITOR, A_XDP_ONLY };

/* --iface IF, the first option of both commands. */
static int take_iface(const char **ifname)
{
	*ifname = cli.opt.val[A_IFACE];
	if (!**ifname || strlen(*ifname) >= 16 || strchr(*ifname, '/'))
		return usage_error("'%s' is not a valid interface name", *ifname);
	return EXIT_OK;
}

static int do_attach(int argc, char **argv)
{
	struct vfw_attach_opts o = { .pin_dir = cli.pin_dir };
	int rc;

	rc = take_iface(&o.ifname);
	if (rc)
		return rc;
	o.mode = strcmp(cli.opt.val[A_MODE], "generic") ? VFW_XDP_NATIVE :
							   VFW_XDP_GENERIC;
	o.monitor = cli.opt.val[A_MONITOR];
	o.xdp_only = cli.opt.val[A_XDP_ONLY];
	if (!have_privileges())
		return EXIT_FAIL;
	return exit_code(vfw_attach(&o));
}

static int do_detach(int argc, char **argv)
{
	const char *ifname;
	int rc;

	rc = take_iface(&ifname);
	if (rc)
		return rc;
	if (!have_privileges())
		return EXIT_FAIL;
	return exit_code(vfw_detach(cli.pin_dir, ifname));
}

#define IFACE_OPT { "iface", 'i', "IF", "the WAN interface", NULL, ARGS_REQUIRED }

const struct args_cmd attach_cmd = {
	.name = "attach", .fn = do_attach,
	.summary = "load the XDP filter (and the TC programs) on the WAN interface IF",
	.text = "Attaching again swaps the program atomically (e.g. to switch --monitor);\n"
		"switching native/generic needs a detach first.",
	.opts = (const struct args_opt[]) {
		[A_IFACE] = IFACE_OPT,
		[A_MODE] = { "mode", 0, "native|generic", "XDP mode: in the driver, or generic",
			     "native" },
		[A_MONITOR] = { "monitor", 0, NULL, "count what would be dropped, drop nothing" },
		[A_XDP_ONLY] = { "xdp-only", 0, NULL,
				 "the XDP filter alone, no SIP learning (a kernel refusing TC)" },
		{ NULL },
	},
};

const struct args_cmd detach_cmd = {
	.name = "detach", .fn = do_detach,
	.summary = "remove it from IF (trunks and pinholes stay pinned)",
	.opts = (const struct args_opt[]) { [A_IFACE] = IFACE_OPT, { NULL } },
};
