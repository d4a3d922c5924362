/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The map layer: the one list of voipfw's pinned maps, opening them with
 * their layout checked, walking them, and the only code that writes them.
 * The daemon, its DNS thread, the loader and the CLI all write through the
 * functions below, so the rules between writers (whose entry wins, who
 * may delete what) are here and in user/lib/trunk_rules.h, nowhere else.
 *
 * Concurrency. Every writer in one process (the daemon's main thread and
 * its DNS thread) shares a mutex for each read-modify-write of the trunks
 * map. Across processes (the CLI, a second daemon) trunk writes are
 * conditional (BPF_NOEXIST when the key was absent, BPF_EXIST when
 * present) and retried, so a key created or deleted in between is noticed;
 * what remains is a value changing between our lookup and our write (an
 * operator's `trunk add` racing a daemon write of the same address by
 * microseconds): the later write wins. Pinholes have one automatic writer,
 * the daemon's main thread; the XDP program only updates their counters.
 * Creating the pins is serialised by the pin directory's lock (pindir.h).
 */
#ifndef VOIPFW_MAPS_H
#define VOIPFW_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/types.h>

#include "voipfw.h"
#include "voipfw_call.h"
#include "addr.h"
#include "pindir.h"

/*
 * Every pinned map, once: its id, the file name under the pin dir, the
 * skeleton's name for it (bpf/voipfw.bpf.c), its type, key and value size.
 * The enum, the layout check of a pin and the skeleton lookup of the loader
 * are generated from this list; the loader also checks it against the
 * compiled object, so a map changed in the BPF code and not here is
 * refused at attach, naming the map.
 */
#define VFW_MAP_LIST(X)                                                       \
	X(STATS, "stats", vfw_stats, BPF_MAP_TYPE_PERCPU_ARRAY,               \
	  sizeof(__u32), sizeof(struct vfw_counter))                          \
	X(PORTS, "ports", vfw_ports, BPF_MAP_TYPE_ARRAY,                      \
	  sizeof(__u32), sizeof(struct vfw_port_class_entry))                 \
	X(TRUNKS, "trunks", vfw_trunks, BPF_MAP_TYPE_LPM_TRIE,                \
	  sizeof(struct vfw_lpm_key), sizeof(struct vfw_trunk))               \
	X(PINHOLES, "pinholes", vfw_pinholes, BPF_MAP_TYPE_HASH,              \
	  sizeof(struct vfw_pinhole_key), sizeof(struct vfw_pinhole))         \
	X(FRAGS, "frags", vfw_frags, BPF_MAP_TYPE_LRU_HASH,                   \
	  sizeof(struct vfw_frag_key), sizeof(struct vfw_frag))               \
	X(IFACES, "ifaces", vfw_ifaces, BPF_MAP_TYPE_HASH,                    \
	  sizeof(__u32), sizeof(struct vfw_iface))                            \
	X(RUNTIME, "runtime", vfw_runtime, BPF_MAP_TYPE_ARRAY,                \
	  sizeof(__u32), sizeof(struct vfw_runtime))                          \
	X(TAP, "tap", vfw_tap, BPF_MAP_TYPE_RINGBUF, 0, 0)                    \
	X(TAP_STATS, "tap_stats", vfw_tap_stats, BPF_MAP_TYPE_PERCPU_ARRAY,   \
	  sizeof(__u32), sizeof(__u64))                                       \
	X(CALLS, "calls", vfw_calls, BPF_MAP_TYPE_HASH,                       \
	  sizeof(__u64), sizeof(struct vfw_call_record))                      \
	X(DROP_SRC, "drop_sources", vfw_drop_src, BPF_MAP_TYPE_LRU_HASH,      \
	  sizeof(struct vfw_drop_key), sizeof(struct vfw_drop_val))           \
	X(NEGOTIATIONS, "negotiations", vfw_negotiations,                     \
	  BPF_MAP_TYPE_LRU_HASH, sizeof(__u64), sizeof(struct vfw_negotiation)) \
	X(ADMISSIONS, "admissions", vfw_admissions, BPF_MAP_TYPE_LRU_HASH,    \
	  sizeof(struct vfw_pinhole_key), sizeof(struct vfw_pinhole))         \
	X(REPLIES, "replies", vfw_replies, BPF_MAP_TYPE_LRU_HASH,             \
	  sizeof(struct vfw_reply_key), sizeof(struct vfw_pinhole))

enum vfw_map_id {
#define VFW_MAP_ENUM(id, ...) VFW_MAP_##id,
	VFW_MAP_LIST(VFW_MAP_ENUM)
#undef VFW_MAP_ENUM
	VFW_MAP_COUNT,
};

struct vfw_map_layout {
	const char *pin_name;
	__u32 type;
	__u32 key_size;
	__u32 value_size;
};

const struct vfw_map_layout *vfw_map_layout(enum vfw_map_id id);

/* File name of a map under the pin dir ("trunks", ...). */
const char *vfw_map_pin_name(enum vfw_map_id id);

/*
 * Opens a pinned map and checks that it has the layout this build expects.
 * Logs a message naming the path on failure. Returns an fd or -errno.
 */
int vfw_map_open(const char *dir, enum vfw_map_id id);

/* Checks a map's type and key/value sizes against the list; logs, -EPROTO. */
int vfw_map_check(enum vfw_map_id id, __u32 type, __u32 key_size,
		  __u32 value_size, const char *what);
/* The same for an open fd (a pin), read from the kernel. */
int vfw_map_check_layout(int fd, enum vfw_map_id id, const char *path);

/* All maps at once; on failure none stay open. */
int vfw_maps_open(const char *dir, int fds[VFW_MAP_COUNT]);
void vfw_maps_close(int fds[VFW_MAP_COUNT]);

int vfw_map_max_entries(int fd, __u32 *max);

/* ---- reading ---- */

/*
 * Calls fn(key, value, ctx) for every entry of a hash, LRU, LPM or array
 * map; a nonzero return stops the walk and is returned. An entry deleted
 * during the walk is skipped; the walk is bounded by the map's size, so
 * concurrent deletes (which may restart a hash walk) cannot loop it.
 * Returns 0, fn's value, or -errno.
 */
typedef int (*vfw_map_each_fn)(const void *key, const void *value, void *ctx);
int vfw_map_each(int fd, enum vfw_map_id id, vfw_map_each_fn fn, void *ctx);

/* Entries of a map, counted by walking it. */
int vfw_map_count(int fd, enum vfw_map_id id, __u32 *count);

__u64 vfw_now_ns(void);   /* CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns */

/* Past its hard expiry or idle timeout, as the XDP program judges it. */
bool vfw_pinhole_expired(const struct vfw_pinhole *v, __u64 now);

int vfw_ports_read(int fd, struct vfw_port_class_entry *all /* [65536] */);
int vfw_runtime_read(int fd, struct vfw_runtime *rt);
/* Per-reason counters and TC counters, summed over CPUs. */
int vfw_stats_read(int fd, struct vfw_counter out[VFW_REASON_MAX]);
int vfw_tap_stats_read(int fd, __u64 out[VFW_TAP_COUNTER_MAX]);

/*
 * Packets the kernel passed to each of n calls (by call hash): the sum of
 * `packets` over their pinholes and media admissions, one walk of each
 * map for all n. packets[i] is call_hashes[i]'s; 0 or -errno.
 */
int vfw_calls_packets_read(int pinholes_fd, int admissions_fd,
			   const __u64 *call_hashes, unsigned n, __u64 *packets);

/* ---- writing ---- */

/* Deletes every entry; returns how many, or -errno. */
int vfw_map_clear(int fd, enum vfw_map_id id);

/* Port classes: writes only the ports whose class changes, so live traffic sees no gap. */
int vfw_ports_write(int fd, const struct vfw_port_class_entry *want /* [65536] */);
int vfw_ports_set(int fd, __u8 proto, __u16 first, __u16 last, __u8 class);
int vfw_ports_set_defaults(int fd);

/* The TC programs' switches. */
void vfw_runtime_defaults(struct vfw_runtime *rt);
int vfw_runtime_write(int fd, const struct vfw_runtime *rt);

/* What `status` shows of an attached interface; forget removes it by name. */
int vfw_iface_put(int fd, const struct vfw_iface *rec);
void vfw_iface_forget(int fd, const char *ifname);

/*
 * Trunks. Each call reads the key's exact entry, asks the precedence rule
 * (user/lib/trunk_rules.h: operator > config > DNS > learned) and writes
 * or deletes only what it allows, so no writer takes over or removes
 * another's entry.
 *
 * put proposes `want` (its origin names the writer) for exactly `key`.
 * A learned host entry is also not created where a permanent prefix of
 * another origin covers it: once the narrower entry expired it would
 * shadow the wider one. Returns 1 if written, 0 if the map keeps what it
 * holds (then *held, if not NULL, is that entry), or -errno.
 */
int vfw_trunk_put(int fd, const struct vfw_lpm_key *key,
		  const struct vfw_trunk *want, struct vfw_trunk *held);

/*
 * Deletes exactly `key` if the rule lets `by_origin` delete it. Returns 1
 * if deleted, 0 if kept (*held, if not NULL, is the entry), -ENOENT if
 * there is no such entry, or another -errno.
 */
int vfw_trunk_del(int fd, const struct vfw_lpm_key *key, __u32 by_origin,
		  struct vfw_trunk *held);

/*
 * Deletes up to `max` entries expired at `now` whose origin is in the mask
 * `owned` (VFW_ORIGIN_BIT). Returns how many were deleted.
 */
unsigned vfw_trunks_gc(int fd, __u32 owned, __u64 now, unsigned max);

/*
 * Pinholes. put writes `want` for key, except over an operator's permanent
 * pinhole (origin static, no expiry), which only the operator replaces or
 * deletes. An entry of the same origin keeps its counters and creation time.
 * Returns 1 if written, 0 if kept, or -errno (-E2BIG: the table is full).
 */
int vfw_pinhole_put(int fd, const struct vfw_pinhole_key *key,
		    const struct vfw_pinhole *want);

/* The operator's delete, whatever the origin; -ENOENT when there is none. */
int vfw_pinhole_del(int fd, const struct vfw_pinhole_key *key);

/*
 * A call's pinhole is over: its own entry goes (origin call, same call),
 * and the kernel's admission of the same address and port for the same
 * call, which would otherwise outlive the call by up to announced_media s.
 */
void vfw_call_pinhole_close(int pinholes_fd, int admissions_fd,
			    const struct vfw_pinhole_key *key, __u64 call_hash);

/*
 * Deletes up to `max` pinholes expired at `now`; closed(), if not NULL,
 * is told of each one removed. Returns how many.
 */
typedef void (*vfw_pinhole_closed_fn)(const struct vfw_pinhole_key *key,
				      const struct vfw_pinhole *val, void *ctx);
unsigned vfw_pinholes_gc(int fd, __u64 now, unsigned max,
			 vfw_pinhole_closed_fn closed, void *ctx);

/* The daemon's record of a live call, for a restart; forget when it ends. */
int vfw_call_save(int fd, __u64 call_hash, const struct vfw_call_record *rec);
void vfw_call_forget(int fd, __u64 call_hash);

#endif /* VOIPFW_MAPS_H */
