// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* What `status` and `doctor` read of the pinned maps (status_read.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader.h"
#include "log.h"
#include "maps.h"
#include "status_read.h"

const char *const vfw_tap_counter_names[VFW_TAP_COUNTER_MAX] = {
	[VFW_TAP_SIP_IN] = "sip_in",
	[VFW_TAP_SIP_OUT] = "sip_out",
	[VFW_TAP_UNTRUSTED] = "sip_untrusted_ignored",
	[VFW_TAP_LOST] = "sip_lost",
	[VFW_TAP_REPLY_PINHOLE] = "reply_pinholes",
	[VFW_TAP_EGRESS_MEDIA] = "egress_media_pinholes",
	[VFW_TAP_NEGOTIATED] = "negotiated_admissions",
	[VFW_TAP_SDP_REFUSED] = "sdp_ports_refused",
};

struct walk {
	struct vfw_status *st;
	const char *pin_dir;
};

static bool link_pin_exists(const char *pin_dir, const char *ifname)
{
	char path[PATH_MAX];

	return vfw_link_pin_path(path, sizeof(path), pin_dir, ifname) == 0 &&
	       access(path, F_OK) == 0;
}

static int add_iface(const void *key, const void *value, void *ctx)
{
	struct walk *w = ctx;
	struct vfw_status *st = w->st;
	struct vfw_iface *rec = &st->ifaces[st->n_ifaces];

	*rec = *(const struct vfw_iface *)value;
	rec->name[sizeof(rec->name) - 1] = '\0'; /* map data is untrusted */
	st->link_ok[st->n_ifaces] = link_pin_exists(w->pin_dir, (char *)rec->name);
	return ++st->n_ifaces == VFW_MAX_IFACES;
}

/* The maps whose fill `status` shows, in its order. */
static const enum vfw_map_id fill_ids[] = {
	VFW_MAP_TRUNKS, VFW_MAP_PINHOLES, VFW_MAP_FRAGS, VFW_MAP_CALLS,
	VFW_MAP_ADMISSIONS, VFW_MAP_REPLIES,
};
_Static_assert(sizeof(fill_ids) / sizeof(fill_ids[0]) == VFW_STATUS_FILL_MAPS,
	       "one per fill");

static int read_fill(const int fds[VFW_MAP_COUNT], enum vfw_map_id id,
		     struct vfw_map_fill *f)
{
	f->name = vfw_map_pin_name(id);
	return vfw_map_max_entries(fds[id], &f->max) ?:
	       vfw_map_count(fds[id], id, &f->used);
}

static int count_protected(int fd, struct vfw_status *st,
			   struct vfw_port_class_entry *keep)
{
	struct vfw_port_class_entry *all = keep ?: calloc(VFW_PORT_SLOTS, sizeof(*all));
	__u32 port;
	int err;

	if (!all)
		return -ENOMEM;
	err = vfw_ports_read(fd, all);
	for (port = 0; !err && port < VFW_PORT_SLOTS; port++) {
		st->protected_udp += all[port].udp != VFW_CLASS_NONE;
		st->protected_tcp += all[port].tcp != VFW_CLASS_NONE;
	}
	if (all != keep)
		free(all);
	return err;
}

int vfw_status_read(const char *pin_dir, struct vfw_status *st,
		    struct vfw_port_class_entry *ports)
{
	struct walk w = { st, pin_dir };
	int fds[VFW_MAP_COUNT], i, err;

	err = vfw_maps_open(pin_dir, fds);
	if (err)
		return err;
	err = vfw_map_each(fds[VFW_MAP_IFACES], VFW_MAP_IFACES, add_iface, &w);
	for (i = 0; i < VFW_STATUS_FILL_MAPS && err >= 0; i++)
		err = read_fill(fds, fill_ids[i], &st->fill[i]);
	err = err < 0 ? err : vfw_tap_stats_read(fds[VFW_MAP_TAP_STATS], st->tap);
	err = err ?: vfw_runtime_read(fds[VFW_MAP_RUNTIME], &st->rt);
	err = err ?: count_protected(fds[VFW_MAP_PORTS], st, ports);
	vfw_maps_close(fds);
	if (err)
		pr_err("cannot read state in %s: %s", pin_dir, strerror(-err));
	return err;
}
