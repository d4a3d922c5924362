// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "state.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <linux/magic.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "voipfw_call.h"

struct map_layout {
	const char *pin_name;
	__u32 type;
	__u32 key_size;
	__u32 value_size;
};

static const struct map_layout layouts[VFW_MAP_COUNT] = {
	[VFW_MAP_STATS] = { "stats", BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32),
			    sizeof(struct vfw_counter) },
	[VFW_MAP_PORTS] = { "ports", BPF_MAP_TYPE_ARRAY, sizeof(__u32),
			    sizeof(struct vfw_port_class_entry) },
	[VFW_MAP_TRUNKS] = { "trunks", BPF_MAP_TYPE_LPM_TRIE,
			     sizeof(struct vfw_lpm_key),
			     sizeof(struct vfw_trunk) },
	[VFW_MAP_PINHOLES] = { "pinholes", BPF_MAP_TYPE_HASH,
			       sizeof(struct vfw_pinhole_key),
			       sizeof(struct vfw_pinhole) },
	[VFW_MAP_FRAGS] = { "frags", BPF_MAP_TYPE_LRU_HASH,
			    sizeof(struct vfw_frag_key),
			    sizeof(struct vfw_frag) },
	[VFW_MAP_IFACES] = { "ifaces", BPF_MAP_TYPE_HASH, sizeof(__u32),
			     sizeof(struct vfw_iface) },
	[VFW_MAP_RUNTIME] = { "runtime", BPF_MAP_TYPE_ARRAY, sizeof(__u32),
			      sizeof(struct vfw_runtime) },
	[VFW_MAP_TAP] = { "tap", BPF_MAP_TYPE_RINGBUF, 0, 0 },
	[VFW_MAP_TAP_STATS] = { "tap_stats", BPF_MAP_TYPE_PERCPU_ARRAY,
				sizeof(__u32), sizeof(__u64) },
	[VFW_MAP_CALLS] = { "calls", BPF_MAP_TYPE_HASH, sizeof(__u64),
			    sizeof(struct vfw_call_record) },
	[VFW_MAP_DROP_SRC] = { "drop_sources", BPF_MAP_TYPE_LRU_HASH,
			       sizeof(struct vfw_drop_key),
			       sizeof(struct vfw_drop_val) },
	[VFW_MAP_NEGOTIATIONS] = { "negotiations", BPF_MAP_TYPE_LRU_HASH,
				   sizeof(__u64), sizeof(struct vfw_negotiation) },
	[VFW_MAP_ADMISSIONS] = { "admissions", BPF_MAP_TYPE_LRU_HASH,
				 sizeof(struct vfw_pinhole_key),
				 sizeof(struct vfw_pinhole) },
	[VFW_MAP_REPLIES] = { "replies", BPF_MAP_TYPE_LRU_HASH,
			      sizeof(struct vfw_reply_key),
			      sizeof(struct vfw_pinhole) },
};

const char *vfw_map_pin_name(enum vfw_map_id id)
{
	return id < VFW_MAP_COUNT ? layouts[id].pin_name : "?";
}

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

int vfw_map_check_layout(int fd, enum vfw_map_id id, const char *path)
{
	const struct map_layout *want = &layouts[id];
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		pr_err("%s: cannot read map info: %s", path, strerror(errno));
		return -errno;
	}
	if (info.type != want->type || info.key_size != want->key_size ||
	    info.value_size != want->value_size) {
		pr_err("%s is not a voipfw %s map of this version (type %u, key %u, value %u bytes); "
		       "detach every interface and remove the pin directory",
		       path, want->pin_name, info.type, info.key_size,
		       info.value_size);
		return -EPROTO;
	}
	return 0;
}

int vfw_map_open(const char *dir, enum vfw_map_id id)
{
	char path[PATH_MAX];
	int fd, err;

	err = vfw_pin_path(path, sizeof(path), dir, layouts[id].pin_name);
	if (err) {
		pr_err("pin directory name too long: %s", dir);
		return err;
	}
	fd = bpf_obj_get(path);
	if (fd < 0) {
		err = -errno;
		if (err == -ENOENT)
			pr_err("nothing attached: %s does not exist (run 'voipfw attach --iface IF'%s)",
			       path, strcmp(dir, VFW_DEFAULT_PIN_DIR) ?
			       " with the same --pin-dir" : "");
		else if (err == -EACCES || err == -EPERM)
			pr_err("permission denied opening %s: voipfw needs root (CAP_BPF, CAP_NET_ADMIN)",
			       path);
		else
			pr_err("cannot open %s: %s", path, strerror(-err));
		return err;
	}
	err = vfw_map_check_layout(fd, id, path);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

void vfw_maps_close(int fds[VFW_MAP_COUNT])
{
	int i;

	for (i = 0; i < VFW_MAP_COUNT; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

int vfw_maps_open(const char *dir, int fds[VFW_MAP_COUNT])
{
	int i;

	for (i = 0; i < VFW_MAP_COUNT; i++)
		fds[i] = -1;
	for (i = 0; i < VFW_MAP_COUNT; i++) {
		fds[i] = vfw_map_open(dir, i);
		if (fds[i] < 0) {
			int err = fds[i];

			vfw_maps_close(fds);
			return err;
		}
	}
	return 0;
}

__u64 vfw_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

bool vfw_pinhole_expired(const struct vfw_pinhole *v, __u64 now)
{
	/* last_seen may be newer than now: XDP writes it concurrently */
	return (v->expires_ns && now >= v->expires_ns) ||
	       (v->idle_ns && now > v->last_seen_ns &&
		now - v->last_seen_ns > v->idle_ns);
}

static int set_class(struct vfw_port_class_entry *e, __u8 proto, __u8 class)
{
	if (proto == IPPROTO_UDP)
		e->udp = class;
	else if (proto == IPPROTO_TCP)
		e->tcp = class;
	else
		return -EINVAL;
	return 0;
}

int vfw_ports_set(int fd, __u8 proto, __u16 first, __u16 last, __u8 class)
{
	struct vfw_port_class_entry e;
	__u32 port;

	for (port = first; port <= last; port++) {
		if (bpf_map_lookup_elem(fd, &port, &e))
			return -errno;
		if (set_class(&e, proto, class))
			return -EINVAL;
		if (bpf_map_update_elem(fd, &port, &e, BPF_ANY))
			return -errno;
	}
	return 0;
}

int vfw_ports_set_defaults(int fd)
{
	struct vfw_port_class_entry none = {};
	__u32 port;
	int err;

	for (port = 0; port < VFW_PORT_SLOTS; port++) {
		if (bpf_map_update_elem(fd, &port, &none, BPF_ANY))
			return -errno;
	}
	err = vfw_ports_set(fd, IPPROTO_UDP, VFW_DEFAULT_SIP_PORT,
			    VFW_DEFAULT_SIP_PORT, VFW_CLASS_SIP);
	err = err ?: vfw_ports_set(fd, IPPROTO_TCP, VFW_DEFAULT_SIP_PORT,
				   VFW_DEFAULT_SIPS_PORT, VFW_CLASS_SIP);
	err = err ?: vfw_ports_set(fd, IPPROTO_UDP, VFW_DEFAULT_MEDIA_FIRST,
				   VFW_DEFAULT_MEDIA_LAST, VFW_CLASS_MEDIA);
	return err;
}

int vfw_ports_read(int fd, struct vfw_port_class_entry *all)
{
	__u32 port;

	for (port = 0; port < VFW_PORT_SLOTS; port++) {
		if (bpf_map_lookup_elem(fd, &port, &all[port]))
			return -errno;
	}
	return 0;
}

void vfw_runtime_defaults(struct vfw_runtime *rt)
{
	memset(rt, 0, sizeof(*rt));
	rt->reply_ttl_ns = VFW_DEFAULT_REPLY_TTL_NS;
	rt->announce_ttl_s = VFW_DEFAULT_ANNOUNCE_TTL_S;
}

int vfw_runtime_read(int fd, struct vfw_runtime *rt)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(fd, &zero, rt) ? -errno : 0;
}

int vfw_runtime_write(int fd, const struct vfw_runtime *rt)
{
	__u32 zero = 0;

	return bpf_map_update_elem(fd, &zero, rt, BPF_ANY) ? -errno : 0;
}

/*
 * Sums a per-CPU array over CPUs: n_keys entries whose values are `width`
 * __u64 counters each; out holds n_keys * width sums.
 */
static int percpu_sum(int fd, __u32 n_keys, __u32 width, __u64 *out)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *percpu;
	__u32 key, f;
	int cpu, err = 0;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	percpu = calloc((size_t)ncpu * width, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	memset(out, 0, (size_t)n_keys * width * sizeof(*out));
	for (key = 0; key < n_keys; key++) {
		if (bpf_map_lookup_elem(fd, &key, percpu)) {
			err = -errno;
			break;
		}
		for (cpu = 0; cpu < ncpu; cpu++)
			for (f = 0; f < width; f++)
				out[key * width + f] += percpu[cpu * width + f];
	}
	free(percpu);
	return err;
}

int vfw_stats_read(int fd, struct vfw_counter out[VFW_REASON_MAX])
{
	_Static_assert(sizeof(struct vfw_counter) == 2 * sizeof(__u64),
		       "vfw_counter is two __u64 counters");
	return percpu_sum(fd, VFW_REASON_MAX, 2, (__u64 *)out);
}

int vfw_tap_stats_read(int fd, __u64 out[VFW_TAP_COUNTER_MAX])
{
	return percpu_sum(fd, VFW_TAP_COUNTER_MAX, 1, out);
}

int vfw_map_max_entries(int fd, __u32 *max)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*max = info.max_entries;
	return 0;
}

int vfw_map_count(int fd, __u32 key_size, __u32 max, __u32 *count)
{
	unsigned char key[64], next[64];
	void *prev = NULL;
	__u32 n = 0;

	if (key_size > sizeof(key))
		return -EINVAL;
	while (n <= max && bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, key_size);
		prev = key;
		n++;
	}
	*count = n;
	return 0;
}
