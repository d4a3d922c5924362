// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "loader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <net/if_arp.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "maps.h"
#include "voipfw.skel.h"

const char *vfw_xdp_mode_name(enum vfw_xdp_mode mode)
{
	return mode == VFW_XDP_GENERIC ? "generic" : "native";
}

/*
 * Devices without an Ethernet header (ppp, wireguard, tun, ip tunnels)
 * hand XDP the IP header first. The link type is read with an ioctl rather
 * than from /sys, which may belong to another network namespace.
 */
static int device_l2(const char *ifname, enum vfw_l2 *l2)
{
	struct ifreq ifr = {};
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	close(fd);
	if (err)
		return err;
	switch (ifr.ifr_hwaddr.sa_family) {
	case ARPHRD_ETHER:
	case ARPHRD_LOOPBACK:
		*l2 = VFW_L2_ETHERNET;
		break;
	default:
		*l2 = VFW_L2_NONE;
	}
	return 0;
}

struct pinned_before {
	bool map[VFW_MAP_COUNT];
};

static struct bpf_map *skel_map(struct voipfw_bpf *skel, enum vfw_map_id id)
{
	switch (id) {
#define VFW_MAP_SKEL(id, pin, member, ...) \
	case VFW_MAP_##id: return skel->maps.member;
	VFW_MAP_LIST(VFW_MAP_SKEL)
#undef VFW_MAP_SKEL
	default:
		return NULL;
	}
}

/*
 * Points every map at its pin. Existing pins are reused by libbpf; their
 * size is adopted so a daemon-resized map is not rejected as incompatible.
 */
static __u32 wanted_size(const struct vfw_attach_opts *o, enum vfw_map_id id)
{
	switch (id) {
	case VFW_MAP_TRUNKS:
		return o->max_trunks;
	case VFW_MAP_PINHOLES:
		return o->max_pinholes;
	case VFW_MAP_CALLS:
		return o->max_calls;
	default:
		return 0;
	}
}

static int setup_pins(struct voipfw_bpf *skel, const struct vfw_attach_opts *o,
		      struct pinned_before *before)
{
	const char *dir = o->pin_dir;
	char path[PATH_MAX];
	__u32 max;
	int id, fd, err;

	for (id = 0; id < VFW_MAP_COUNT; id++) {
		struct bpf_map *map = skel_map(skel, id);

		/* the map list (maps.h) against what the BPF code defines */
		err = vfw_map_check(id, bpf_map__type(map), bpf_map__key_size(map),
				    bpf_map__value_size(map), bpf_map__name(map));
		err = err ?: vfw_pin_path(path, sizeof(path), dir, vfw_map_pin_name(id));
		if (err)
			return err;
		fd = bpf_obj_get(path);
		before->map[id] = fd >= 0;
		if (fd >= 0) {
			err = vfw_map_check_layout(fd, id, path);
			err = err ?: vfw_map_max_entries(fd, &max);
			close(fd);
			if (err)
				return err;
			bpf_map__set_max_entries(map, max);
		} else if (wanted_size(o, id)) {
			bpf_map__set_max_entries(map, wanted_size(o, id));
		}
		err = bpf_map__set_pin_path(map, path);
		if (err)
			return err;
	}
	return 0;
}

/* Removes the pins this attach created, so a failure leaves nothing behind. */
static void unpin_new_maps(struct voipfw_bpf *skel,
			   const struct pinned_before *before)
{
	int id;

	for (id = 0; id < VFW_MAP_COUNT; id++) {
		if (!before->map[id])
			bpf_map__unpin(skel_map(skel, id), NULL);
	}
}

static int record_iface(int ifaces_fd, const struct vfw_attach_opts *o,
			int ifindex, enum vfw_l2 l2)
{
	struct vfw_iface rec = {
		.ifindex = ifindex,
		.xdp_mode = o->mode,
		.l2 = l2,
		.monitor = o->monitor,
		.attached_unix = time(NULL),
	};

	snprintf((char *)rec.name, sizeof(rec.name), "%s", o->ifname);
	return vfw_iface_put(ifaces_fd, &rec);
}

/*
 * An existing link pin for this interface name: returns its fd when it
 * still drives this very interface, or -ENOENT (a stale pin is removed).
 */
static int open_live_link(const char *link_path, int ifindex)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd;

	fd = bpf_obj_get(link_path);
	if (fd < 0)
		return -ENOENT;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
	    info.type == BPF_LINK_TYPE_XDP && (int)info.xdp.ifindex == ifindex)
		return fd;
	close(fd);
	pr_info("removing stale link pin %s", link_path);
	unlink(link_path);
	return -ENOENT;
}

static int check_same_mode(int ifaces_fd, int ifindex,
			   const struct vfw_attach_opts *o)
{
	struct vfw_iface rec;
	__u32 key = ifindex;

	if (bpf_map_lookup_elem(ifaces_fd, &key, &rec))
		return 0;
	if (rec.xdp_mode != (__u32)o->mode) {
		pr_err("%s is attached in %s mode; 'voipfw detach --iface %s' first to change to %s mode",
		       o->ifname, vfw_xdp_mode_name(rec.xdp_mode), o->ifname,
		       vfw_xdp_mode_name(o->mode));
		return -EBUSY;
	}
	return 0;
}

static int new_link(struct voipfw_bpf *skel, const struct vfw_attach_opts *o,
		    int ifindex, const char *link_path)
{
	LIBBPF_OPTS(bpf_link_create_opts, lopts);
	int fd, err;

	lopts.flags = o->mode == VFW_XDP_GENERIC ? XDP_FLAGS_SKB_MODE :
						   XDP_FLAGS_DRV_MODE;
	fd = bpf_link_create(bpf_program__fd(skel->progs.voipfw_xdp), ifindex,
			     BPF_XDP, &lopts);
	if (fd < 0) {
		err = -errno;
		if (err == -EBUSY || err == -EEXIST)
			pr_err("%s already has an XDP program that is not voipfw's (see 'bpftool net')",
			       o->ifname);
		else if (err == -EOPNOTSUPP && o->mode == VFW_XDP_NATIVE)
			pr_err("%s has no native XDP support; use --mode generic",
			       o->ifname);
		else
			pr_err("cannot attach to %s: %s", o->ifname, strerror(-err));
		return err;
	}
	if (bpf_obj_pin(fd, link_path)) {
		err = -errno;
		pr_err("cannot pin link at %s: %s", link_path, strerror(-err));
		close(fd); /* closing the only reference detaches again */
		return err;
	}
	close(fd);
	return 0;
}

static int replace_program(struct voipfw_bpf *skel, int link_fd,
			   const char *ifname)
{
	if (bpf_link_update(link_fd, bpf_program__fd(skel->progs.voipfw_xdp),
			    NULL)) {
		int err = -errno;

		pr_err("cannot replace the program on %s: %s", ifname,
		       strerror(-err));
		return err;
	}
	return 0;
}

/* Our TC filters: fixed handle and priority, so re-attach replaces them. */
#define VFW_TC_HANDLE 0x5646
#define VFW_TC_PRIO   0x5646

static int tc_attach_one(int ifindex, enum bpf_tc_attach_point point,
			 int prog_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = VFW_TC_HANDLE,
			    .priority = VFW_TC_PRIO, .prog_fd = prog_fd,
			    .flags = BPF_TC_F_REPLACE);
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	return bpf_tc_attach(&hook, &opts);
}

static void tc_detach_one(int ifindex, enum bpf_tc_attach_point point)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = VFW_TC_HANDLE,
			    .priority = VFW_TC_PRIO);

	bpf_tc_detach(&hook, &opts);
}

static void detach_tc(int ifindex)
{
	tc_detach_one(ifindex, BPF_TC_INGRESS);
	tc_detach_one(ifindex, BPF_TC_EGRESS);
}

/*
 * The SIP tap and the egress pinhole learning, on clsact of the interface.
 * XDP only: ours are removed, so none from an earlier attach keeps running.
 */
static int attach_tc(struct voipfw_bpf *skel, const struct vfw_attach_opts *o,
		     int ifindex)
{
	const char *ifname = o->ifname;
	int err;

	if (o->xdp_only) {
		detach_tc(ifindex);
		return 0;
	}
	err = tc_attach_one(ifindex, BPF_TC_INGRESS,
			    bpf_program__fd(skel->progs.voipfw_tc_ingress));
	err = err ?: tc_attach_one(ifindex, BPF_TC_EGRESS,
				   bpf_program__fd(skel->progs.voipfw_tc_egress));
	if (err)
		pr_err("cannot attach the TC programs to %s: %s", ifname,
		       strerror(-err));
	return err;
}

/*
 * One verifier log per program. libbpf loads without a log first and only
 * on a refusal loads that program again with log level 1 into its buffer,
 * so the buffers stay untouched (and unbacked) unless a program is refused.
 * Level 1 keeps only the path being walked, but 6.1 walks the global
 * functions first and one path through the SIP reader's byte loop alone
 * logs about 1 MiB: with a smaller buffer 6.1 stops logging there (ENOSPC)
 * and the real reason, found later, is lost. 16 MiB holds it.
 */
#define VFW_VERIFIER_LOG_SIZE (16u << 20)
#define VFW_VERIFIER_TAIL_LINES 6
/* as many as the skeleton has programs */
#define VFW_PROGRAM_COUNT \
	(sizeof(((struct voipfw_bpf *)0)->progs) / sizeof(struct bpf_program *))

struct verifier_logs {
	struct bpf_program *prog[VFW_PROGRAM_COUNT];
	char *buf[VFW_PROGRAM_COUNT];
};

static int verifier_logs_setup(struct voipfw_bpf *skel,
			       struct verifier_logs *logs)
{
	struct bpf_program *prog;
	size_t i = 0;

	bpf_object__for_each_program(prog, skel->obj) {
		if (i == VFW_PROGRAM_COUNT || !bpf_program__autoload(prog))
			continue;
		logs->buf[i] = calloc(1, VFW_VERIFIER_LOG_SIZE);
		if (!logs->buf[i])
			return -ENOMEM;
		logs->prog[i] = prog;
		bpf_program__set_log_buf(prog, logs->buf[i],
					 VFW_VERIFIER_LOG_SIZE);
		i++;
	}
	return 0;
}

static void verifier_logs_free(struct verifier_logs *logs)
{
	for (size_t i = 0; i < VFW_PROGRAM_COUNT; i++)
		free(logs->buf[i]);
}

/* Logs the last lines of a verifier log, the ones that say why. */
static void log_verifier_tail(const char *log)
{
	const char *start = log + strlen(log), *end;
	int lines = 0;

	while (start > log && start[-1] == '\n')
		start--;
	end = start;
	while (start > log && lines < VFW_VERIFIER_TAIL_LINES) {
		start--;
		if (start == log || start[-1] == '\n')
			lines++;
	}
	pr_err("the verifier's last lines (all of them with -v):");
	while (start < end) {
		const char *nl = memchr(start, '\n', end - start);
		int len = nl ? (int)(nl - start) : (int)(end - start);

		pr_err("  %.*s", len, start);
		start += len + 1;
	}
}

/*
 * Names the program the kernel refused, the kernel, and the verifier's
 * reason. A refusal that is not the verifier's (no log) is said as such.
 */
static void report_load_failure(const struct verifier_logs *logs, int err)
{
	struct utsname uts = {};
	const char *name;

	uname(&uts);
	for (size_t i = 0; i < VFW_PROGRAM_COUNT; i++) {
		if (!logs->buf[i] || !logs->buf[i][0])
			continue;
		name = bpf_program__name(logs->prog[i]);
		pr_err("the kernel (Linux %s) refused the BPF program %s: %s",
		       uts.release, name, strerror(-err));
		pr_debug("verifier log of %s:\n%s", name, logs->buf[i]);
		log_verifier_tail(logs->buf[i]);
		if (bpf_program__type(logs->prog[i]) == BPF_PROG_TYPE_SCHED_CLS)
			pr_err("nothing was attached; 'voipfw attach --xdp-only' runs the XDP filter alone (static trunks and pinholes, no SIP learning)");
		else
			pr_err("nothing was attached");
		return;
	}
	pr_err("cannot load the BPF programs on Linux %s: %s (nothing was attached; run with -v for libbpf's log)",
	       uts.release, strerror(-err));
}

static int init_new_maps(struct voipfw_bpf *skel,
			 const struct pinned_before *before)
{
	struct vfw_runtime rt;
	int err = 0;

	if (!before->map[VFW_MAP_PORTS]) {
		err = vfw_ports_set_defaults(bpf_map__fd(skel->maps.vfw_ports));
		if (err)
			pr_err("cannot write the default ports: %s", strerror(-err));
	}
	if (!err && !before->map[VFW_MAP_RUNTIME]) {
		vfw_runtime_defaults(&rt);
		err = vfw_runtime_write(bpf_map__fd(skel->maps.vfw_runtime), &rt);
		if (err)
			pr_err("cannot write the run-time defaults: %s",
			       strerror(-err));
	}
	return err;
}

int vfw_attach(const struct vfw_attach_opts *o)
{
	struct pinned_before before = {};
	struct verifier_logs logs = {};
	struct voipfw_bpf *skel = NULL;
	char link_path[PATH_MAX];
	int ifindex, link_fd = -1, lock_fd, ifaces_fd, err;
	bool loaded = false;
	enum vfw_l2 l2 = VFW_L2_ETHERNET;

	ifindex = if_nametoindex(o->ifname);
	if (!ifindex) {
		pr_err("unknown interface '%s'", o->ifname);
		return -ENODEV;
	}
	err = device_l2(o->ifname, &l2);
	if (err) {
		pr_err("cannot read the link type of %s: %s", o->ifname,
		       strerror(-err));
		return err;
	}
	err = vfw_link_pin_path(link_path, sizeof(link_path), o->pin_dir,
				o->ifname);
	if (err) {
		pr_err("pin directory name too long: %s", o->pin_dir);
		return err;
	}
	err = vfw_pin_dir_prepare(o->pin_dir);
	if (err)
		return err;
	/* from "which maps are pinned" to the last pin and its first values */
	lock_fd = vfw_pin_dir_lock(o->pin_dir);
	if (lock_fd < 0)
		return lock_fd;

	skel = voipfw_bpf__open();
	if (!skel) {
		err = -errno;
		pr_err("cannot open the BPF object: %s", strerror(-err));
		goto cleanup;
	}
	skel->rodata->cfg_l2 = l2;
	skel->rodata->cfg_monitor = o->monitor;
	if (o->xdp_only) {
		bpf_program__set_autoload(skel->progs.voipfw_tc_ingress, false);
		bpf_program__set_autoload(skel->progs.voipfw_tc_egress, false);
	}
	err = setup_pins(skel, o, &before);
	err = err ?: verifier_logs_setup(skel, &logs);
	if (err)
		goto cleanup;
	err = voipfw_bpf__load(skel);
	if (err) {
		report_load_failure(&logs, err);
		goto cleanup;
	}
	loaded = true;
	ifaces_fd = bpf_map__fd(skel->maps.vfw_ifaces);
	err = init_new_maps(skel, &before);
	if (err)
		goto cleanup;

	link_fd = open_live_link(link_path, ifindex);
	if (link_fd >= 0) {
		err = check_same_mode(ifaces_fd, ifindex, o);
		err = err ?: replace_program(skel, link_fd, o->ifname);
		err = err ?: attach_tc(skel, o, ifindex);
	} else {
		err = new_link(skel, o, ifindex, link_path);
		if (!err && attach_tc(skel, o, ifindex)) {
			/* Undo the new link: its pin is the last reference. */
			unlink(link_path);
			detach_tc(ifindex);
			err = -EIO;
		}
	}
	if (err)
		goto cleanup;
	err = record_iface(ifaces_fd, o, ifindex, l2);
	if (err)
		pr_warn("attached, but cannot record %s for 'status': %s",
			o->ifname, strerror(-err));
	err = 0;
	pr_info("attached to %s (%s%s%s%s)", o->ifname, vfw_xdp_mode_name(o->mode),
		l2 == VFW_L2_NONE ? ", no link-layer header" : "",
		o->monitor ? ", monitor mode" : "",
		o->xdp_only ? ", XDP only" : "");
	if (o->xdp_only)
		pr_warn("XDP only on %s: no SIP tap and no egress learning; only static trunks and pinholes admit anything ('voipfw trunk add', 'voipfw pinhole add'), and 'voipfw run' learns nothing here",
			o->ifname);
cleanup:
	if (err && loaded)
		unpin_new_maps(skel, &before);
	if (link_fd >= 0)
		close(link_fd);
	voipfw_bpf__destroy(skel);
	verifier_logs_free(&logs);
	vfw_pin_dir_unlock(lock_fd);
	return err;
}

static void forget_iface(const char *pin_dir, const char *ifname)
{
	int fd = vfw_map_open(pin_dir, VFW_MAP_IFACES);

	if (fd < 0)
		return;
	vfw_iface_forget(fd, ifname);
	close(fd);
}

static int detach_locked(const char *pin_dir, const char *ifname)
{
	char link_path[PATH_MAX];
	int fd, err;

	err = vfw_link_pin_path(link_path, sizeof(link_path), pin_dir, ifname);
	if (err) {
		pr_err("pin directory name too long: %s", pin_dir);
		return err;
	}
	fd = bpf_obj_get(link_path);
	if (fd < 0) {
		err = -errno;
		if (err == -ENOENT)
			pr_err("voipfw is not attached to %s (no %s)", ifname,
			       link_path);
		else
			pr_err("cannot open %s: %s", link_path, strerror(-err));
		return err;
	}
	/* A link whose interface is gone is already detached: just unpin. */
	if (bpf_link_detach(fd) && errno != ENOLINK && errno != EINVAL) {
		err = -errno;
		pr_err("cannot detach from %s: %s", ifname, strerror(-err));
		close(fd);
		return err;
	}
	close(fd);
	if (if_nametoindex(ifname))
		detach_tc(if_nametoindex(ifname));
	if (unlink(link_path)) {
		err = -errno;
		pr_err("detached, but cannot remove %s: %s", link_path,
		       strerror(-err));
		return err;
	}
	forget_iface(pin_dir, ifname);
	pr_info("detached from %s", ifname);
	return 0;
}

int vfw_detach(const char *pin_dir, const char *ifname)
{
	int lock_fd = vfw_pin_dir_lock(pin_dir), err;

	/* no directory: detach_locked says that nothing is attached */
	if (lock_fd < 0 && lock_fd != -ENOENT)
		return lock_fd;
	err = detach_locked(pin_dir, ifname);
	vfw_pin_dir_unlock(lock_fd);
	return err;
}
