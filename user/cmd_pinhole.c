// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* voipfw pinhole add | del | list | flush */
#include <bpf/bpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "cli.h"
#include "log.h"
#include "names.h"
#include "maps.h"
#include "voipfw_call.h"

#define DEFAULT_TTL_SECONDS 3600
#define MAX_TTL_SECONDS (10ULL * 365 * 24 * 3600)
#define NSEC 1000000000ULL

enum { P_PROTO, P_TTL, P_IDLE };

static bool addr_unspecified(const __u8 addr[16])
{
	static const __u8 zero[16];
	__u8 v4zero[16];

	vfw_map_ipv4(v4zero, zero);
	return !memcmp(addr, zero, 16) || !memcmp(addr, v4zero, 16);
}

/* REMOTE_IP LOCAL_PORT [--proto P] */
static int parse_pinhole_key(char **argv, struct vfw_pinhole_key *key)
{
	__u8 addr[16], proto;
	__u16 port;
	bool ipv4;

	vfw_parse_proto(cli.opt.val[P_PROTO], &proto); /* the table's choices */
	if (vfw_parse_addr(argv[0], addr, &ipv4))
		return usage_error("bad remote address '%s' (one IPv4 or IPv6 address)",
				   argv[0]);
	if (addr_unspecified(addr))
		return usage_error("bad remote address '%s' (the unspecified address sends nothing)",
				   argv[0]);
	if (vfw_parse_port(argv[1], &port))
		return usage_error("bad local port '%s' (1-65535)", argv[1]);
	vfw_pinhole_key_make(key, addr, port, proto);
	return EXIT_OK;
}

static int parse_seconds(const char *opt, const char *s, bool zero_ok,
			 __u64 *out)
{
	if (vfw_parse_u64(s, MAX_TTL_SECONDS, out) || (!zero_ok && !*out))
		return usage_error("%s must be %s-%llu seconds, not '%s'", opt,
				   zero_ok ? "0" : "1", MAX_TTL_SECONDS, s);
	return EXIT_OK;
}

static int pinhole_add(int argc, char **argv)
{
	const char *idle_s = cli.opt.val[P_IDLE];
	struct vfw_pinhole_key key;
	struct vfw_pinhole val = { .origin = VFW_ORIGIN_STATIC };
	__u64 ttl, idle = 0, now;
	int fd, rc;

	rc = parse_pinhole_key(argv, &key);
	rc = rc ?: parse_seconds("--ttl", cli.opt.val[P_TTL], true, &ttl);
	if (!rc && idle_s)
		rc = parse_seconds("--idle", idle_s, false, &idle);
	if (rc)
		return rc;

	now = vfw_now_ns();
	val.created_ns = now;
	val.last_seen_ns = now;
	val.expires_ns = ttl ? now + ttl * NSEC : 0;
	val.idle_ns = idle * NSEC;
	fd = vfw_map_open(cli.pin_dir, VFW_MAP_PINHOLES);
	if (fd < 0)
		return EXIT_FAIL;
	rc = vfw_pinhole_put(fd, &key, &val);
	if (rc < 0)
		/* STATIC is the operator's: it replaces any entry, so no "kept" case */
		pr_err("cannot add pinhole: %s%s", strerror(-rc),
		       rc == -E2BIG ? " (pinhole table full)" : "");
	rc = rc < 0 ? EXIT_FAIL : EXIT_OK;
	close(fd);
	return rc;
}

static int pinhole_del(int argc, char **argv)
{
	struct vfw_pinhole_key key;
	int fd, rc = parse_pinhole_key(argv, &key);

	if (rc)
		return rc;
	fd = vfw_map_open(cli.pin_dir, VFW_MAP_PINHOLES);
	if (fd < 0)
		return EXIT_FAIL;
	rc = vfw_pinhole_del(fd, &key);
	if (rc == -ENOENT)
		pr_err("no %s pinhole from %s to port %s",
		       vfw_proto_name(key.proto), argv[0], argv[1]);
	else if (rc)
		pr_err("cannot delete pinhole: %s", strerror(-rc));
	rc = rc ? EXIT_FAIL : EXIT_OK;
	close(fd);
	return rc;
}

/*
 * The Call-ID of the call that opened a pinhole, from the daemon's call
 * records; "" when there is none. Records are map data: length-checked.
 */
static const char *call_id_of(int calls_fd, __u64 call_hash, char *buf,
			      size_t len)
{
	struct vfw_call_record rec;
	size_t n;

	buf[0] = '\0';
	if (!call_hash ||
	    bpf_map_lookup_elem(calls_fd, &call_hash, &rec))
		return buf;
	n = rec.call_id_len;
	if (n > sizeof(rec.call_id))
		n = sizeof(rec.call_id);
	if (n >= len)
		n = len - 1;
	memcpy(buf, rec.call_id, n);
	buf[n] = '\0';
	return buf;
}

/*
 * The Call-ID for the table: printable ASCII only, so the peer's bytes cannot
 * move the terminal's cursor or break the columns. JSON gets the real bytes
 * (its escaper makes them valid UTF-8).
 */
static const char *printable(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++)
		buf[i] = (unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e ?
			 '?' : s[i];
	buf[i] = '\0';
	return buf;
}

/* "addr", or for a reply pinhole "addr:port" ("[v6]:port"). */
static const char *remote_str(const struct vfw_reply_key *k, char *buf, size_t len)
{
	char addr[VFW_ADDR_STRLEN];

	vfw_addr_str(k->ph.addr, addr, sizeof(addr));
	if (!k->remote_port)
		snprintf(buf, len, "%s", addr);
	else if (vfw_addr_is_ipv4(k->ph.addr))
		snprintf(buf, len, "%s:%u", addr, k->remote_port);
	else
		snprintf(buf, len, "[%s]:%u", addr, k->remote_port);
	return buf;
}

static void print_pinhole_plain(const struct vfw_reply_key *rk,
				const struct vfw_pinhole *v, __u64 now,
				const char *call_id)
{
	const struct vfw_pinhole_key *k = &rk->ph;
	char remote[VFW_ADDR_STRLEN + 8], left[32], port[8];
	char id[VFW_CALL_ID_MAX + 1];

	snprintf(port, sizeof(port), "%u", k->local_port);
	if (vfw_pinhole_expired(v, now))
		snprintf(left, sizeof(left), "expired");
	else
		fmt_remaining(v->expires_ns, now, left, sizeof(left));
	printf("%-40s %-5s %-6s %-9s %10llu %12llu %8llus %-9s %s\n",
	       remote_str(rk, remote, sizeof(remote)),
	       vfw_proto_name(k->proto), port,
	       vfw_origin_name(v->origin), (unsigned long long)v->packets,
	       (unsigned long long)v->bytes,
	       (unsigned long long)(now > v->last_seen_ns ?
				    (now - v->last_seen_ns) / NSEC : 0),
	       left, *call_id ? printable(call_id, id, sizeof(id)) : "-");
}

static void print_pinhole_json(const struct vfw_reply_key *rk,
			       const struct vfw_pinhole *v, __u64 now,
			       const char *call_id)
{
	const struct vfw_pinhole_key *k = &rk->ph;
	char addr[VFW_ADDR_STRLEN];
	struct json *j = &cli.jw;

	json_object_start(j);
	json_kv_string(j, "remote", vfw_addr_str(k->addr, addr, sizeof(addr)));
	if (rk->remote_port)
		json_kv_uint(j, "remote_port", rk->remote_port);
	json_kv_string(j, "proto", vfw_proto_name(k->proto));
	json_kv_uint(j, "local_port", k->local_port);
	json_kv_string(j, "origin", vfw_origin_name(v->origin));
	json_kv_uint(j, "packets", v->packets);
	json_kv_uint(j, "bytes", v->bytes);
	json_kv_uint(j, "idle_for", now > v->last_seen_ns ?
				    (now - v->last_seen_ns) / NSEC : 0);
	json_key(j, "idle_timeout");
	if (v->idle_ns)
		json_uint(j, v->idle_ns / NSEC);
	else
		json_null(j);
	json_key(j, "expires_in");
	if (v->expires_ns)
		json_uint(j, v->expires_ns > now ? (v->expires_ns - now) / NSEC : 0);
	else
		json_null(j);
	json_kv_bool(j, "expired", vfw_pinhole_expired(v, now));
	if (v->call_hash)
		json_kv_uint(j, "call_hash", v->call_hash);
	if (*call_id)
		json_kv_string(j, "call_id", call_id);
	json_object_end(j);
}

struct listing {
	enum vfw_map_id id;
	int calls_fd;
	__u64 now;
};

/*
 * One entry of a pinhole, admission or reply map. A reply key is a pinhole
 * key and the remote port, so it reads all three (remote_port 0 for two).
 */
static int print_entry(const void *key, const void *value, void *ctx)
{
	struct vfw_reply_key rk = {};
	const struct listing *l = ctx;
	const struct vfw_pinhole *val = value;
	char call_id[VFW_CALL_ID_MAX + 1];

	memcpy(&rk, key, l->id == VFW_MAP_REPLIES ? sizeof(rk) : sizeof(rk.ph));
	call_id_of(l->calls_fd, val->call_hash, call_id, sizeof(call_id));
	if (cli.json)
		print_pinhole_json(&rk, val, l->now, call_id);
	else
		print_pinhole_plain(&rk, val, l->now, call_id);
	return 0;
}

/* The maps of what may reach a protected port besides trunks. */
enum { ENTRY_PINHOLES, ENTRY_ADMISSIONS, ENTRY_REPLIES, ENTRY_MAPS };

static const enum vfw_map_id entry_map_ids[ENTRY_MAPS] = {
	[ENTRY_PINHOLES] = VFW_MAP_PINHOLES,
	[ENTRY_ADMISSIONS] = VFW_MAP_ADMISSIONS,
	[ENTRY_REPLIES] = VFW_MAP_REPLIES,
};

static void close_entry_maps(int fds[ENTRY_MAPS], int n)
{
	while (n-- > 0)
		close(fds[n]);
}

/* All of them, or none (the error is logged). */
static int open_entry_maps(int fds[ENTRY_MAPS])
{
	int i;

	for (i = 0; i < ENTRY_MAPS; i++) {
		fds[i] = vfw_map_open(cli.pin_dir, entry_map_ids[i]);
		if (fds[i] < 0) {
			close_entry_maps(fds, i);
			return -1;
		}
	}
	return 0;
}

static int pinhole_list(int argc, char **argv)
{
	struct listing l = { .now = vfw_now_ns() };
	int fds[ENTRY_MAPS], i;

	if (open_entry_maps(fds))
		return EXIT_FAIL;
	/* the Call-IDs: without them the listing would be wrong, not shorter */
	l.calls_fd = vfw_map_open(cli.pin_dir, VFW_MAP_CALLS);
	if (l.calls_fd < 0) {
		close_entry_maps(fds, ENTRY_MAPS);
		return EXIT_FAIL;
	}
	if (cli.json)
		json_array_start(&cli.jw);
	else
		printf("%-40s %-5s %-6s %-9s %10s %12s %9s %-9s %s\n", "REMOTE",
		       "PROTO", "LOCAL", "ORIGIN", "PACKETS", "BYTES", "IDLE",
		       "EXPIRES", "CALL");
	for (i = 0; i < ENTRY_MAPS; i++) {
		l.id = entry_map_ids[i];
		vfw_map_each(fds[i], l.id, print_entry, &l);
	}
	if (cli.json) {
		json_array_end(&cli.jw);
		json_finish(&cli.jw);
	}
	close(l.calls_fd);
	close_entry_maps(fds, ENTRY_MAPS);
	return EXIT_OK;
}

static int pinhole_flush(int argc, char **argv)
{
	int fds[ENTRY_MAPS], n[ENTRY_MAPS] = { 0 }, i, rc = EXIT_OK;

	if (open_entry_maps(fds))
		return EXIT_FAIL;
	for (i = 0; i < ENTRY_MAPS && rc == EXIT_OK; i++) {
		n[i] = vfw_map_clear(fds[i], entry_map_ids[i]);
		if (n[i] < 0) {
			pr_err("cannot delete pinhole: %s", strerror(-n[i]));
			rc = EXIT_FAIL;
		}
	}
	close_entry_maps(fds, ENTRY_MAPS);
	if (rc)
		return rc;
	if (cli.json) {
		json_object_start(&cli.jw);
		json_kv_uint(&cli.jw, "flushed", n[ENTRY_PINHOLES]);
		json_kv_uint(&cli.jw, "admissions_flushed", n[ENTRY_ADMISSIONS]);
		json_kv_uint(&cli.jw, "replies_flushed", n[ENTRY_REPLIES]);
		json_object_end(&cli.jw);
		json_finish(&cli.jw);
	} else {
		printf("flushed %d pinhole%s", n[ENTRY_PINHOLES],
		       n[ENTRY_PINHOLES] == 1 ? "" : "s");
		if (n[ENTRY_ADMISSIONS])
			printf(", %d admission%s", n[ENTRY_ADMISSIONS],
			       n[ENTRY_ADMISSIONS] == 1 ? "" : "s");
		if (n[ENTRY_REPLIES])
			printf(", %d reply pinhole%s", n[ENTRY_REPLIES],
			       n[ENTRY_REPLIES] == 1 ? "" : "s");
		printf("\n");
	}
	return EXIT_OK;
}

#define PROTO_OPT { "proto", 0, "udp|tcp", "the local port's protocol", "udp" }

const struct args_cmd pinhole_cmd = {
	.name = "pinhole", .summary = "per-source openings of one local port",
	.text = "A pinhole lets REMOTE_IP reach LOCAL_PORT (a protected port) on the WAN\n"
		"interface. list also shows what the kernel opens itself, for seconds:\n"
		"media admissions (origin announced: a call's offer and answer paired\n"
		"them) and reply pinholes (origin reply: SIP responses from where one of\n"
		"our requests went, REMOTE_IP:PORT).",
	.sub = (const struct args_cmd *const[]) {
		&(const struct args_cmd) {
			.name = "add", .words = "REMOTE_IP LOCAL_PORT", .fn = pinhole_add,
			.summary = "let REMOTE_IP reach LOCAL_PORT (a protected port)",
			.opts = (const struct args_opt[]) {
				[P_PROTO] = PROTO_OPT,
				[P_TTL] = { "ttl", 0, "SECONDS", "close it after SECONDS, 0 = never",
					    CLI_STR(DEFAULT_TTL_SECONDS) },
				[P_IDLE] = { "idle", 0, "SECONDS",
					     "close it after SECONDS without a packet (default: never)" },
				{ NULL },
			},
		},
		&(const struct args_cmd) {
			.name = "del", .words = "REMOTE_IP LOCAL_PORT", .fn = pinhole_del,
			.summary = "close that pinhole",
			.opts = (const struct args_opt[]) { [P_PROTO] = PROTO_OPT, { NULL } },
		},
		&(const struct args_cmd) {
			.name = "list", .alias = "show", .fn = pinhole_list,
			.summary = "pinholes, admissions and reply pinholes, with their counters",
		},
		&(const struct args_cmd) {
			.name = "flush", .fn = pinhole_flush,
			.summary = "remove all three kinds",
		},
		NULL,
	},
};
