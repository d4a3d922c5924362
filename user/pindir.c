// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The pin directory: its paths, making it safely, and its lock. See pindir.h. */
#include "pindir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

int vfw_pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int vfw_link_pin_path(char *buf, size_t len, const char *dir,
		      const char *ifname)
{
	int n = snprintf(buf, len, "%s/link_xdp_%s", dir, ifname);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

static int mkdir_p(const char *dir)
{
	char buf[PATH_MAX];
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		buf[i] = dir[i];
	}
	return 0;
}

static int mount_bpffs(const char *where)
{
	if (mount("bpf", where, "bpf", 0, "mode=0700")) {
		int err = -errno;

		pr_err("cannot mount bpffs on %s: %s", where, strerror(-err));
		return err;
	}
	return 0;
}

/*
 * Whoever can write to the pin directory, or replace it or a directory
 * above it, can unlink voipfw's links and maps and so switch the filter
 * off. So the pin directory must be owned by root and writable by nobody
 * else, every directory above it owned by root and not writable by others
 * unless sticky (bpffs is often mounted 1777), and no part of the path a
 * symlink. Refuses with the reason otherwise.
 */
static int pin_dir_component_safe(const char *path, bool last)
{
	struct stat st;

	if (lstat(path, &st)) {
		pr_err("cannot check %s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		pr_err("pin directory: %s is not a directory", path);
		return -ENOTDIR;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		pr_err("pin directory: %s is owned by uid %u, so that user can remove voipfw's links and maps; remove it or choose another --pin-dir",
		       path, (unsigned)st.st_uid);
		return -EPERM;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) &&
	    (last || !(st.st_mode & S_ISVTX))) {
		pr_err("pin directory: %s is writable by others (mode %04o), who could remove voipfw's links and maps; 'chmod go-w %s' or choose another --pin-dir",
		       path, (unsigned)(st.st_mode & 07777), path);
		return -EPERM;
	}
	return 0;
}

static int check_path_safe(const char *dir, bool is_pin_dir)
{
	char real[PATH_MAX], want[PATH_MAX];
	size_t n = strlen(dir), i;
	int err;

	if (n >= sizeof(want))
		return -ENAMETOOLONG;
	memcpy(want, dir, n + 1);
	while (n > 1 && want[n - 1] == '/')
		want[--n] = '\0';
	if (!realpath(want, real)) {
		pr_err("cannot resolve pin directory %s: %s", dir, strerror(errno));
		return -errno;
	}
	if (strcmp(real, want) != 0) {
		pr_err("pin directory %s is not a plain path (it resolves to %s); give the real path, without symlinks or '..'",
		       dir, real);
		return -EINVAL;
	}
	err = pin_dir_component_safe("/", false);
	for (i = 1, n = strlen(real); !err && i <= n; i++) {
		if (real[i] != '/' && real[i] != '\0')
			continue;
		real[i] = '\0';
		err = pin_dir_component_safe(real, is_pin_dir && i == n);
		real[i] = want[i];
	}
	return err;
}

/*
 * Before mkdir: the deepest directory above DIR that exists, so nothing is
 * created under a bad parent. An existing DIR is left to the full check
 * that follows mkdir.
 */
static int check_existing_parent_safe(const char *dir)
{
	char above[PATH_MAX];
	struct stat st;
	char *slash;

	if (strlen(dir) >= sizeof(above))
		return -ENAMETOOLONG;
	strcpy(above, dir);
	while (stat(above, &st) && (slash = strrchr(above, '/')) && slash != above)
		*slash = '\0';
	if (strcmp(above, dir) == 0)
		return 0;
	return check_path_safe(above[0] ? above : "/", false);
}

/*
 * The usual place, /sys/fs/bpf, gets the system-wide bpffs mounted on it
 * when missing (as systemd does). Any other directory that is not on a
 * bpffs gets a bpffs of its own.
 */
int vfw_pin_dir_prepare(const char *dir)
{
	static const char sysfs_bpf[] = "/sys/fs/bpf";
	int err;

	if (strncmp(dir, sysfs_bpf, strlen(sysfs_bpf)) == 0 &&
	    (dir[strlen(sysfs_bpf)] == '/' || dir[strlen(sysfs_bpf)] == '\0') &&
	    !is_bpffs(sysfs_bpf)) {
		err = mount_bpffs(sysfs_bpf);
		if (err)
			return err;
	}
	err = check_existing_parent_safe(dir);
	if (err)
		return err;
	err = mkdir_p(dir);
	if (err) {
		pr_err("cannot create pin directory %s: %s", dir, strerror(-err));
		return err;
	}
	err = check_path_safe(dir, true);
	if (err)
		return err;
	if (!is_bpffs(dir))
		return mount_bpffs(dir);
	return 0;
}

/*
 * Waits this long for another voipfw's attach or detach of the same pin
 * directory; under emulation one attach (the verifier's pass) has taken
 * tens of seconds.
 */
#define LOCK_WAIT_MS   120000
#define LOCK_POLL_MS   20

int vfw_pin_dir_lock(const char *dir)
{
	struct timespec poll = { 0, LOCK_POLL_MS * 1000000L };
	int fd, waited = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return -ENOENT;   /* the caller says what that means */
	if (fd < 0) {
		pr_err("cannot open pin directory %s: %s", dir, strerror(errno));
		return -errno;
	}
	/* polled rather than blocking, so a stuck holder is named, not waited on forever */
	while (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno != EWOULDBLOCK || waited >= LOCK_WAIT_MS) {
			int err = errno == EWOULDBLOCK ? -EBUSY : -errno;

			pr_err("pin directory %s is locked by another voipfw attach or detach for %d s; try again when it is done",
			       dir, waited / 1000);
			close(fd);
			return err;
		}
		if (waited == 0)
			pr_info("waiting for another voipfw to finish with %s", dir);
		nanosleep(&poll, NULL);
		waited += LOCK_POLL_MS;
	}
	return fd;
}

void vfw_pin_dir_unlock(int lock_fd)
{
	if (lock_fd >= 0)
		close(lock_fd);   /* releases the flock */
}
