// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* voipfw attach / detach */
#include <string.h>

#include "args.h"
#include "cli.h"
#include "loader.h"

static int take_iface(int *argc, char **argv, const char **ifname)
{
	int found = args_take_value(argc, argv, "iface", 'i', ifname);

	if (found < 0)
		return usage_error("--iface needs an interface name");
	if (!found)
		return usage_error("missing --iface IF");
	if (!**ifname || strlen(*ifname) >= 16 || strchr(*ifname, '/'))
		return usage_error("'%s' is not a valid interface name", *ifname);
	return EXIT_OK;
}

int do_attach(int argc, char **argv)
{
	struct vfw_attach_opts o = { .pin_dir = cli.pin_dir };
	const char *mode = "native";
	int rc;

	rc = take_iface(&argc, argv, &o.ifname);
	if (rc)
		return rc;
	if (args_take_value(&argc, argv, "mode", 0, &mode) < 0)
		return usage_error("--mode needs native or generic");
	if (strcmp(mode, "native") == 0)
		o.mode = VFW_XDP_NATIVE;
	else if (strcmp(mode, "generic") == 0)
		o.mode = VFW_XDP_GENERIC;
	else
		return usage_error("--mode must be native or generic, not '%s'",
				   mode);
	o.monitor = args_take_flag(&argc, argv, "monitor", 0);
	o.xdp_only = args_take_flag(&argc, argv, "xdp-only", 0);
	rc = expect_no_more(argc, argv);
	if (rc)
		return rc;
	if (!have_privileges())
		return EXIT_FAIL;
	return exit_code(vfw_attach(&o));
}

int do_detach(int argc, char **argv)
{
	const char *ifname;
	int rc;

	rc = take_iface(&argc, argv, &ifname);
	rc = rc ?: expect_no_more(argc, argv);
	if (rc)
		return rc;
	if (!have_privileges())
		return EXIT_FAIL;
	return exit_code(vfw_detach(cli.pin_dir, ifname));
}
