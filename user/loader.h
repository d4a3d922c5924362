/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Loading, attaching, replacing and detaching the XDP program. */
#ifndef VOIPFW_LOADER_H
#define VOIPFW_LOADER_H

#include <stdbool.h>

#include "voipfw.h"

struct vfw_attach_opts {
	const char *ifname;
	const char *pin_dir;
	enum vfw_xdp_mode mode;
	bool monitor;
	/* Load and attach the XDP filter alone, without the TC programs. */
	bool xdp_only;
	/* Sizes for maps created by this attach (0 = built-in default). */
	__u32 max_trunks, max_pinholes, max_calls;
};

/*
 * Loads the program with the pinned maps (creating and pinning them on first
 * use) and attaches it to the interface through a pinned bpf_link. When the
 * interface already carries voipfw, the program is swapped atomically
 * through the link, so the interface is never left unfiltered. On failure
 * nothing this call created is left behind. Returns 0 or -errno.
 */
int vfw_attach(const struct vfw_attach_opts *opts);

/* Removes voipfw from the interface; the maps (the state) stay pinned. */
int vfw_detach(const char *pin_dir, const char *ifname);

const char *vfw_xdp_mode_name(enum vfw_xdp_mode mode);

#endif /* VOIPFW_LOADER_H */
