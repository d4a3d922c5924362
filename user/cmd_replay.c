// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* voipfw replay FILE.pcap: not implemented yet. */
#include "cli.h"

int do_replay(int argc, char **argv)
{
	return usage_error("replay is not implemented yet");
}
