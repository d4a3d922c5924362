// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Per-packet cost of the real XDP program, by path and by map size, measured
 * with BPF_PROG_TEST_RUN against bare XDP_DROP / XDP_PASS programs run on the
 * identical packet in the same rounds.
 *
 *   xdp_bench paths BARE.o ROUNDS REPEAT            > raw.tsv
 *   xdp_bench scale BARE.o ROUNDS REPEAT            > raw.tsv
 *   xdp_bench profile BARE.o PATH SECONDS           (for perf record)
 *
 * Every test run is timed with CLOCK_THREAD_CPUTIME_ID around the syscall
 * (the kernel's `duration` is an integer average and hides fractions of a
 * nanosecond) and divided by the repeat count. The thread is pinned to one
 * CPU. Each round runs every (case, program) pair once, in an order rotated
 * from round to round, so slow drifts of the machine hit all of them alike.
 *
 * Output, one line per measurement (tab separated):
 *   run  GROUP CASE PROG ROUND NS_PER_PKT KERNEL_DURATION
 *   mem  GROUP CASE MAP ENTRIES MEMLOCK_BYTES
 *   check GROUP CASE ok|FAIL detail
 * Nothing here judges a number; run.sh/report.py turn them into tables.
 */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "../tests/bpf/pkt.h"   /* the BPF tests' packet builder */
#include "voipfw.h"
#include "addr.h"
#include "voipfw.skel.h"
#include "fdinfo.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NSEC 1000000000ULL

/* Addresses as in tests/bpf/test_verdict.c. */
#define TRUNK4 "198.51.100.10"
#define TRUNK6 "2001:db8:100::10"
#define SCAN4  "203.0.113.66"
#define PEER4  "203.0.113.20"
#define WAN4   "192.0.2.1"
#define WAN6   "2001:db8:1::1"
#define PAYLOAD 200

struct fw {
	struct voipfw_bpf *skel;
	int prog, stats, ports, trunks, pinholes;
};

struct bare {
	struct bpf_object *obj;
	int drop, pass;
};

static __u64 now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (__u64)ts.tv_sec * NSEC + ts.tv_nsec;
}

static void pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("sched_setaffinity");
}

static void die(const char *what)
{
	fprintf(stderr, "xdp_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ---- loading ---- */

static void write_default_ports(int fd)
{
	struct vfw_port_class_entry e;
	__u32 port;

	for (port = VFW_DEFAULT_SIP_PORT; port <= VFW_DEFAULT_SIPS_PORT; port++) {
		e.udp = port == VFW_DEFAULT_SIP_PORT ? VFW_CLASS_SIP : 0;
		e.tcp = VFW_CLASS_SIP;
		if (bpf_map_update_elem(fd, &port, &e, BPF_ANY))
			die("ports");
	}
	e.udp = VFW_CLASS_MEDIA;
	e.tcp = 0;
	for (port = VFW_DEFAULT_MEDIA_FIRST; port <= VFW_DEFAULT_MEDIA_LAST; port++)
		if (bpf_map_update_elem(fd, &port, &e, BPF_ANY))
			die("ports");
}

static void add_trunk(const struct fw *fw, const char *cidr)
{
	struct vfw_trunk val = { .admit = VFW_ADMIT_ALL };
	struct vfw_prefix prefix;
	struct vfw_lpm_key key;
	const char *why;

	if (vfw_parse_prefix(cidr, &prefix, &why))
		die(cidr);
	vfw_prefix_to_lpm_key(&prefix, &key);
	if (bpf_map_update_elem(fw->trunks, &key, &val, BPF_ANY))
		die("trunk");
}

static void live_pinhole(struct vfw_pinhole *val)
{
	__u64 now = now_ns(CLOCK_MONOTONIC);

	memset(val, 0, sizeof(*val));
	val->expires_ns = now + 3600 * NSEC;
	val->idle_ns = 3600 * NSEC;
	val->created_ns = now;
	val->last_seen_ns = now;
	val->origin = VFW_ORIGIN_CALL;
}

static void add_pinhole(const struct fw *fw, const char *addr, __u16 port)
{
	struct vfw_pinhole_key key;
	struct vfw_pinhole val;
	__u8 a[16];
	bool v4;

	if (vfw_parse_addr(addr, a, &v4))
		die(addr);
	vfw_pinhole_key_make(&key, a, port, IPPROTO_UDP);
	live_pinhole(&val);
	if (bpf_map_update_elem(fw->pinholes, &key, &val, BPF_ANY))
		die("pinhole");
}

static void fw_load(struct fw *fw, __u32 max_trunks, __u32 max_pinholes)
{
	fw->skel = voipfw_bpf__open();
	if (!fw->skel)
		die("open skeleton");
	if (max_trunks &&
	    bpf_map__set_max_entries(fw->skel->maps.vfw_trunks, max_trunks))
		die("max trunks");
	if (max_pinholes &&
	    bpf_map__set_max_entries(fw->skel->maps.vfw_pinholes, max_pinholes))
		die("max pinholes");
	if (voipfw_bpf__load(fw->skel))
		die("load skeleton");
	fw->prog = bpf_program__fd(fw->skel->progs.voipfw_xdp);
	fw->stats = bpf_map__fd(fw->skel->maps.vfw_stats);
	fw->ports = bpf_map__fd(fw->skel->maps.vfw_ports);
	fw->trunks = bpf_map__fd(fw->skel->maps.vfw_trunks);
	fw->pinholes = bpf_map__fd(fw->skel->maps.vfw_pinholes);
	write_default_ports(fw->ports);
	add_trunk(fw, "198.51.100.0/24");
	add_trunk(fw, "2001:db8:100::/48");
	add_pinhole(fw, PEER4, 10000);
}

static void bare_load(struct bare *b, const char *path)
{
	b->obj = bpf_object__open_file(path, NULL);
	if (!b->obj || bpf_object__load(b->obj))
		die(path);
	b->drop = bpf_program__fd(bpf_object__find_program_by_name(b->obj, "bare_drop"));
	b->pass = bpf_program__fd(bpf_object__find_program_by_name(b->obj, "bare_pass"));
	if (b->drop < 0 || b->pass < 0)
		die("bare programs");
}

/* ---- running ---- */

/* ns per packet of one test run; *kdur gets the kernel's own average. */
static double run_once(int prog, const struct pkt *p, __u32 repeat,
		       __u32 *retval, __u32 *kdur)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = p->data,
		.data_size_in = p->len,
		.repeat = repeat,
	);
	__u64 t0, t1;

	t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	if (bpf_prog_test_run_opts(prog, &opts))
		die("test run");
	t1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	if (retval)
		*retval = opts.retval;
	if (kdur)
		*kdur = opts.duration;
	return (double)(t1 - t0) / repeat;
}

static __u64 reason_packets(int stats_fd, __u32 reason)
{
	static struct vfw_counter *buf;
	static int ncpus;
	__u64 sum = 0;
	int i;

	if (!buf) {
		ncpus = libbpf_num_possible_cpus();
		buf = calloc(ncpus, sizeof(*buf));
		if (!buf)
			die("calloc");
	}
	if (bpf_map_lookup_elem(stats_fd, &reason, buf))
		die("stats");
	for (i = 0; i < ncpus; i++)
		sum += buf[i].packets;
	return sum;
}

/* Runs the packet once and says whether the program took the expected path. */
static void check_path(const char *group, const char *name, const struct fw *fw,
		       const struct pkt *p, int action, __u32 reason)
{
	__u64 before = reason_packets(fw->stats, reason);
	__u32 ret;

	run_once(fw->prog, p, 1, &ret, NULL);
	if ((int)ret == action && reason_packets(fw->stats, reason) == before + 1)
		printf("check\t%s\t%s\tok\treason %u action %d\n", group, name,
		       reason, action);
	else
		printf("check\t%s\t%s\tFAIL\twant reason %u action %d, got action %u\n",
		       group, name, reason, action, ret);
}

/* One (case, program) pair of a round. */
struct job {
	const char *group, *name, *prog_name;
	int prog;
	const struct pkt *pkt;
	void (*before)(void *arg);  /* run before each measurement, untimed */
	void *arg;
};

static void run_rounds(struct job *jobs, int n, int rounds, __u32 repeat)
{
	int r, i;

	/* One untimed pass warms caches, JIT images and map entries. */
	for (i = 0; i < n; i++)
		run_once(jobs[i].prog, jobs[i].pkt, repeat / 10 + 1, NULL, NULL);
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < n; i++) {
			/* Rotate, and reverse every other round. */
			int k = (r & 1) ? (n - 1 - (i + r) % n) : (i + r) % n;
			struct job *j = &jobs[k];
			__u32 kdur;
			double ns;

			if (j->before)
				j->before(j->arg);
			ns = run_once(j->prog, j->pkt, repeat, NULL, &kdur);
			printf("run\t%s\t%s\t%s\t%d\t%.3f\t%u\n", j->group, j->name,
			       j->prog_name, r, ns, kdur);
		}
		fflush(stdout);
	}
}

/* ---- the paths ---- */

#define UDP(p)   .proto = IPPROTO_UDP, .sport = 5060, .dport = (p), .payload = PAYLOAD
#define V4(s)    .family = 4, .src = (s), .dst = WAN4
#define V6(s)    .family = 6, .src = (s), .dst = WAN6

struct path {
	const char *name;
	struct pkt_spec spec;
	int action;
	__u32 reason;
	bool baseline_drop;       /* compared with bare XDP_DROP, else XDP_PASS */
};

static const struct path paths[] = {
	{ "scanner-drop", { V4(SCAN4), UDP(5060) }, XDP_DROP, VFW_DROP_NO_TRUST, true },
	{ "trunk-hit", { V4(TRUNK4), UDP(5060) }, XDP_PASS, VFW_PASS_TRUNK },
	{ "pinhole-hit", { V4(PEER4), UDP(10000) }, XDP_PASS, VFW_PASS_PINHOLE },
	{ "unprotected-pass", { V4(SCAN4), UDP(443) }, XDP_PASS, VFW_PASS_UNPROTECTED },
	{ "ipv6-trunk-hit", { V6(TRUNK6), UDP(5060) }, XDP_PASS, VFW_PASS_TRUNK },
	{ "vlan-trunk-hit", { .tpid = { ETH_P_8021Q }, V4(TRUNK4), UDP(5060) },
	  XDP_PASS, VFW_PASS_TRUNK },
	{ "pppoe-trunk-hit", { .pppoe = true, V4(TRUNK4), UDP(5060) },
	  XDP_PASS, VFW_PASS_TRUNK },
	{ "later-fragment", { V4(TRUNK4), .proto = IPPROTO_UDP, .frag_id = 77,
			      .frag_offset = 26, .payload = PAYLOAD },
	  XDP_PASS, VFW_PASS_FRAGMENT },
};

/* The first fragment of "later-fragment": its verdict is what the later one follows. */
static const struct pkt_spec first_frag = {
	V4(TRUNK4), UDP(5060), .frag_id = 77, .frag_more = true,
};

struct frag_arg {
	const struct fw *fw;
	struct pkt first;
};

static void send_first_fragment(void *arg)
{
	struct frag_arg *fa = arg;

	run_once(fa->fw->prog, &fa->first, 1, NULL, NULL);
}

static int bench_paths(const struct bare *b, int rounds, __u32 repeat)
{
	static struct pkt pkts[ARRAY_SIZE(paths)];
	struct job jobs[ARRAY_SIZE(paths) * 3];
	struct frag_arg fa;
	struct fw fw;
	int n = 0;
	size_t i;

	fw_load(&fw, 0, 0);
	fa.fw = &fw;
	pkt_build(&fa.first, &first_frag, true);
	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		const struct path *pa = &paths[i];
		bool frag = pa->reason == VFW_PASS_FRAGMENT;

		pkt_build(&pkts[i], &pa->spec, true);
		if (frag)
			send_first_fragment(&fa);
		check_path("paths", pa->name, &fw, &pkts[i], pa->action, pa->reason);
		jobs[n++] = (struct job){ "paths", pa->name, "voipfw", fw.prog,
					  &pkts[i], frag ? send_first_fragment : NULL, &fa };
		jobs[n++] = (struct job){ "paths", pa->name, "bare-drop", b->drop, &pkts[i] };
		jobs[n++] = (struct job){ "paths", pa->name, "bare-pass", b->pass, &pkts[i] };
	}
	run_rounds(jobs, n, rounds, repeat);
	voipfw_bpf__destroy(fw.skel);
	return 0;
}

/* ---- scale ---- */

static __u64 rng_state = 0x9e3779b97f4a7c15ULL;

static __u32 rnd(void)
{
	/* xorshift64*: reproducible, good enough to spread keys */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (rng_state * 0x2545f4914f6cdd1dULL) >> 32;
}

static bool covers(__u32 net, __u32 len, const char *addr)
{
	struct in_addr a;
	__u32 mask = len ? ~0U << (32 - len) : 0;

	inet_pton(AF_INET, addr, &a);
	return (ntohl(a.s_addr) & mask) == net;
}

/* n random IPv4 prefixes /16../32 that contain neither the trunk nor the scanner. */
static void fill_trunks(const struct fw *fw, __u32 n)
{
	struct vfw_trunk val = { .admit = VFW_ADMIT_ALL };
	struct vfw_lpm_key key;
	__u32 added = 0;

	while (added < n) {
		__u32 len = 16 + rnd() % 17;
		__u32 net = rnd() & (~0U << (32 - len));
		__u32 be = htonl(net);

		if (covers(net, len, TRUNK4) || covers(net, len, SCAN4) ||
		    covers(net, len, PEER4))
			continue;
		memset(&key, 0, sizeof(key));
		key.prefixlen = 96 + len;
		key.addr[10] = key.addr[11] = 0xff;
		memcpy(key.addr + 12, &be, 4);
		if (bpf_map_update_elem(fw->trunks, &key, &val, BPF_NOEXIST) == 0)
			added++;
		else if (errno != EEXIST)
			die("fill trunks");
	}
}

/* n pinholes from random 10/8 sources to random media ports, batched. */
static void fill_pinholes(const struct fw *fw, __u32 n)
{
	enum { CHUNK = 8192 };
	static struct vfw_pinhole_key keys[CHUNK];
	static struct vfw_pinhole vals[CHUNK];
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	__u32 done = 0, i, cnt;

	/* Sequential sources in 10/8 with random ports: distinct by construction. */
	while (done < n) {
		cnt = n - done < CHUNK ? n - done : CHUNK;
		for (i = 0; i < cnt; i++) {
			__u32 a = htonl(0x0a000000 | (done + i + 1));
			__u8 v4[4];

			memcpy(v4, &a, 4);
			memset(&keys[i], 0, sizeof(keys[i]));
			vfw_map_ipv4(keys[i].addr, v4);
			keys[i].local_port = VFW_DEFAULT_MEDIA_FIRST + rnd() % 10000;
			keys[i].proto = IPPROTO_UDP;
			live_pinhole(&vals[i]);
		}
		if (bpf_map_update_batch(fw->pinholes, keys, vals, &cnt, &opts))
			die("fill pinholes");
		done += cnt;
	}
}

struct scale_case {
	const char *group;      /* "trunks" or "pinholes" */
	const char *name;
	__u32 n;
	struct fw fw;
};

static int bench_scale(const struct bare *b, int rounds, __u32 repeat)
{
	static struct scale_case cases[] = {
		{ "trunks", "10", 10 }, { "trunks", "1k", 1000 },
		{ "trunks", "100k", 100000 },
		{ "pinholes", "10", 10 }, { "pinholes", "10k", 10000 },
		{ "pinholes", "1M", 1000000 },
	};
	static const struct pkt_spec hit_t = { V4(TRUNK4), UDP(5060) };
	static const struct pkt_spec hit_p = { V4(PEER4), UDP(10000) };
	static const struct pkt_spec miss = { V4(SCAN4), UDP(5060) };
	static struct pkt p_hit_t, p_hit_p, p_miss;
	struct job jobs[ARRAY_SIZE(cases) * 2 + 2];
	char name[ARRAY_SIZE(cases) * 2][48];
	int n = 0;
	size_t i;

	pkt_build(&p_hit_t, &hit_t, true);
	pkt_build(&p_hit_p, &hit_p, true);
	pkt_build(&p_miss, &miss, true);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct scale_case *c = &cases[i];
		bool trunks = c->group[0] == 't';
		__u64 t0;

		/* The fixed entries of fw_load come on top of the n generated ones. */
		fw_load(&c->fw, trunks ? c->n + 2 : 0, trunks ? 0 : c->n + 1);
		t0 = now_ns(CLOCK_MONOTONIC);
		if (trunks)
			fill_trunks(&c->fw, c->n);
		else
			fill_pinholes(&c->fw, c->n - 1);   /* + the one that hits */
		fprintf(stderr, "  filled %s %s in %.2f s\n", c->group, c->name,
			(now_ns(CLOCK_MONOTONIC) - t0) / 1e9);
		printf("mem\t%s\t%s\t%s\t%u\t%llu\n", c->group, c->name,
		       trunks ? "trunks" : "pinholes", c->n,
		       fd_memlock(trunks ? c->fw.trunks : c->fw.pinholes));
		check_path(c->group, c->name, &c->fw, trunks ? &p_hit_t : &p_hit_p,
			   XDP_PASS, trunks ? VFW_PASS_TRUNK : VFW_PASS_PINHOLE);
		check_path(c->group, c->name, &c->fw, &p_miss, XDP_DROP,
			   VFW_DROP_NO_TRUST);
		snprintf(name[2 * i], sizeof(name[0]), "%s-hit", c->name);
		snprintf(name[2 * i + 1], sizeof(name[0]), "%s-miss", c->name);
		jobs[n++] = (struct job){ c->group, name[2 * i], "voipfw", c->fw.prog,
					  trunks ? &p_hit_t : &p_hit_p };
		jobs[n++] = (struct job){ c->group, name[2 * i + 1], "voipfw",
					  c->fw.prog, &p_miss };
	}
	jobs[n++] = (struct job){ "base", "base", "bare-drop", b->drop, &p_miss };
	jobs[n++] = (struct job){ "base", "base", "bare-pass", b->pass, &p_hit_t };
	run_rounds(jobs, n, rounds, repeat);
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		voipfw_bpf__destroy(cases[i].fw.skel);
	return 0;
}

/* Runs one path for about `seconds`, for a sampling profiler to look at. */
static int bench_profile(const char *name, double seconds)
{
	struct frag_arg fa;
	struct pkt p;
	struct fw fw;
	__u64 end;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(paths); i++)
		if (!strcmp(paths[i].name, name))
			break;
	if (i == ARRAY_SIZE(paths)) {
		fprintf(stderr, "xdp_bench: no path %s\n", name);
		return 2;
	}
	fw_load(&fw, 0, 0);
	fa.fw = &fw;
	pkt_build(&fa.first, &first_frag, true);
	pkt_build(&p, &paths[i].spec, true);
	end = now_ns(CLOCK_MONOTONIC) + (__u64)(seconds * NSEC);
	while (now_ns(CLOCK_MONOTONIC) < end) {
		send_first_fragment(&fa);
		run_once(fw.prog, &p, 1000000, NULL, NULL);
	}
	voipfw_bpf__destroy(fw.skel);
	return 0;
}

int main(int argc, char **argv)
{
	struct bare b;
	int rounds;
	__u32 repeat;
	int cpu;

	if (argc != 5) {
		fprintf(stderr, "usage: xdp_bench paths|scale BARE.o ROUNDS REPEAT\n");
		return 2;
	}
	rounds = atoi(argv[3]);
	repeat = strtoul(argv[4], NULL, 10);
	/* The last CPU: the first one takes most of the housekeeping. */
	cpu = sysconf(_SC_NPROCESSORS_ONLN) - 1;
	pin_cpu(cpu);
	printf("cpu\t%d\n", cpu);
	bare_load(&b, argv[2]);
	if (!strcmp(argv[1], "paths"))
		return bench_paths(&b, rounds, repeat);
	if (!strcmp(argv[1], "profile"))
		return bench_profile(argv[3], atof(argv[4]));
	if (!strcmp(argv[1], "scale"))
		return bench_scale(&b, rounds, repeat);
	fprintf(stderr, "xdp_bench: unknown mode %s\n", argv[1]);
	return 2;
}
