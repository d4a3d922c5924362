/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The pinned state of voipfw: where it lives on bpffs, opening it with its
 * layout checked, and the map operations the CLI and the daemon share.
 */
#ifndef VOIPFW_STATE_H
#define VOIPFW_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "voipfw.h"
#include "addr.h"

#define VFW_DEFAULT_PIN_DIR "/sys/fs/bpf/voipfw"

enum vfw_map_id {
	VFW_MAP_STATS,
	VFW_MAP_PORTS,
	VFW_MAP_TRUNKS,
	VFW_MAP_PINHOLES,
	VFW_MAP_FRAGS,
	VFW_MAP_IFACES,
	VFW_MAP_RUNTIME,
	VFW_MAP_TAP,
	VFW_MAP_TAP_STATS,
	VFW_MAP_CALLS,
	VFW_MAP_DROP_SRC,
	VFW_MAP_NEGOTIATIONS,
	VFW_MAP_ADMISSIONS,
	VFW_MAP_REPLIES,
	VFW_MAP_COUNT,
};

/* File name of a map under the pin dir ("trunks", ...). */
const char *vfw_map_pin_name(enum vfw_map_id id);

/* "<dir>/<name>"; -ENAMETOOLONG when it does not fit. */
int vfw_pin_path(char *buf, size_t len, const char *dir, const char *name);

/* The pin of the XDP link for one interface: "<dir>/link_xdp_<ifname>". */
int vfw_link_pin_path(char *buf, size_t len, const char *dir,
		      const char *ifname);

/* Makes dir exist on a bpffs, mounting one if needed. */
int vfw_pin_dir_prepare(const char *dir);

/*
 * Opens a pinned map and checks that it has the layout this build expects.
 * Logs a message naming the path on failure. Returns an fd or -errno.
 */
int vfw_map_open(const char *dir, enum vfw_map_id id);

/* Checks an open map fd's type and key/value sizes against the build. */
int vfw_map_check_layout(int fd, enum vfw_map_id id, const char *path);

/* All maps at once; on failure none stay open. */
int vfw_maps_open(const char *dir, int fds[VFW_MAP_COUNT]);
void vfw_maps_close(int fds[VFW_MAP_COUNT]);

__u64 vfw_now_ns(void);

/* Past its hard expiry or idle timeout, as the XDP program judges it. */
bool vfw_pinhole_expired(const struct vfw_pinhole *v, __u64 now);   /* CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns */

/* Port classes. */
int vfw_ports_set(int fd, __u8 proto, __u16 first, __u16 last, __u8 class);
int vfw_ports_set_defaults(int fd);
int vfw_ports_read(int fd, struct vfw_port_class_entry *all /* [65536] */);

/* The TC programs' switches. */
int vfw_runtime_read(int fd, struct vfw_runtime *rt);
int vfw_runtime_write(int fd, const struct vfw_runtime *rt);
void vfw_runtime_defaults(struct vfw_runtime *rt);

/* TC counters summed over CPUs. */
int vfw_tap_stats_read(int fd, __u64 out[VFW_TAP_COUNTER_MAX]);

/* Per-reason counters summed over CPUs. */
int vfw_stats_read(int fd, struct vfw_counter out[VFW_REASON_MAX]);

/* Number of entries of a map, by walking its keys (bounded by max). */
int vfw_map_count(int fd, __u32 key_size, __u32 max, __u32 *count);
int vfw_map_max_entries(int fd, __u32 *max);

#endif /* VOIPFW_STATE_H */
