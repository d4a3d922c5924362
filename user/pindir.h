/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The pin directory on bpffs that holds voipfw's maps and XDP links: its
 * paths, making it exist safely, and the lock of whoever creates pins in it.
 */
#ifndef VOIPFW_PINDIR_H
#define VOIPFW_PINDIR_H

#include <stddef.h>

#define VFW_DEFAULT_PIN_DIR "/sys/fs/bpf/voipfw"

/* "<dir>/<name>"; -ENAMETOOLONG when it does not fit. */
int vfw_pin_path(char *buf, size_t len, const char *dir, const char *name);

/* The pin of the XDP link for one interface: "<dir>/link_xdp_<ifname>". */
int vfw_link_pin_path(char *buf, size_t len, const char *dir,
		      const char *ifname);

/*
 * Makes dir exist on a bpffs, mounting one if needed, and refuses a
 * directory (or one above it) that someone other than root could change.
 */
int vfw_pin_dir_prepare(const char *dir);

/*
 * The lock of an attach or detach (xdp-tools takes the same kind): an
 * exclusive flock on the directory, so two voipfw processes never decide
 * at once which maps are new. Without it the loser of a pin race has
 * libbpf unpin maps the winner already uses, and an attach that found no
 * pins resets maps a concurrent `run` has just configured. Waits for a
 * holder up to two minutes. Returns the fd holding it, -ENOENT when dir
 * does not exist (not logged), or another -errno (logged).
 */
int vfw_pin_dir_lock(const char *dir);
void vfw_pin_dir_unlock(int lock_fd);

#endif /* VOIPFW_PINDIR_H */
