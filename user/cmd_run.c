// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* voipfw run: not implemented yet. */
#include "cli.h"

int do_run(int argc, char **argv)
{
	return usage_error("run is not implemented yet");
}
