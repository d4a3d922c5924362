// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Traffic generator and A/B batch driver of the "against nftables on real
 * interfaces" benchmark (bench/nft_compare.sh sets up the namespaces).
 *
 *   live_gen [-s SRC] [-d DST] [-m DSTMAC] [-p DPORT] [-c CPU] [-t BATCH_MS]
 *            [-b GEN_BATCH] [-w]
 *            BARE.o CYCLES IF_A PID_A LABEL_A IF_B PID_B LABEL_B
 *
 * Runs in the generator namespace, which holds the sending ends IF_A and IF_B
 * of two veth pairs; their peers sit in receiver namespaces, each with its
 * ruleset and a threaded NAPI kthread (PID_A, PID_B). Start it with
 * `ip netns exec`: that also mounts the namespace's /sys, where the
 * delivered counts are read.
 *
 * Why this generator: an skb-based one (AF_PACKET, trafgen, sockets) costs
 * more per packet than the receivers do, and its cost would mix with theirs.
 * BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES runs bare_tx
 * (bench/bare.bpf.c) on frames it builds in a page pool and turns XDP_TX
 * into a transmit out of the device given as ingress_ifindex: veth's
 * ndo_xdp_xmit puts the frames straight into the peer's ring, and the peer's
 * NAPI poll - in its kthread - does all of the receive work: the XDP
 * program, or the skb, GRO, the netfilter hooks and conntrack.
 *
 * Lockstep: the generator runs on the receivers' CPU (-c), and the kthreads
 * are SCHED_FIFO there. Every GEN_BATCH frames the generator flushes, which
 * wakes the receiver's NAPI; the kthread preempts the generator at its next
 * batch boundary and takes the whole batch, so the 256-slot ring never
 * overflows and the receiver never waits for a wake-up on another CPU.
 * Driven from the other CPU instead (measured on a 2-vCPU VM), the receiver
 * sleeps between flushes and is woken late (an idle vCPU), the ring
 * overflows, the refused frames go back to the generator's page pool, whose
 * ring the receiver returns its frames to, and the receiver's profile fills
 * with that ring's contended lock: the cost then follows the generator's
 * dynamics more than the ruleset. The price of lockstep is one context
 * switch per batch in every ruleset's figure, and frames still warm in the
 * cache (a NIC's DMA leaves them cold).
 *
 * A batch sends for BATCH_MS to one pair. It reads the kthread's CPU time
 * (/proc/PID/schedstat, first field) and the frames the peer's NAPI consumed
 * (IF's tx_packets: veth reports its peer's XDP receive count there) before
 * the first frame and after the peer's ring has drained. Frames a full ring
 * refused (IF's tx_dropped; none in lockstep) are reported, never counted as
 * received. Batches alternate between the pairs, A B B A in even cycles and
 * B A A B in odd ones, so a drift of the machine hits both alike.
 *
 * Output (tab separated): "frame BYTES" (the frame's length), then one line
 * per batch:
 *   batch LABEL SIDE CYCLE SEQ DELIVERED REFUSED KTHREAD_NS WALL_NS
 * -w first runs one batch per pair, reported as "warm" instead of "batch".
 * Nothing here judges a number; bench/report.py does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
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
#include <linux/if_ether.h>
#include <netinet/ip.h>
#include <netinet/udp.h>

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define NSEC           1000000000ULL
#define CHUNK_FRAMES   16384        /* frames per test run: a few ms */
#define GEN_BATCH      128          /* frames per flush: half the veth ring */
#define GEN_BATCH_MAX  256          /* TEST_XDP_MAX_BATCH, the kernel's limit */
#define DRAIN_POLL_US  200
#define DRAIN_STABLE   3            /* unchanged reads in a row = drained */
#define DRAIN_MAX_MS   200
#define FRAME_MAX      512

/* What a SIP scanner sends: an OPTIONS probe (a "friendly-scanner" one). */
static const char scan_payload[] =
	"OPTIONS sip:100@192.0.2.1 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 203.0.113.66:5070;branch=z9hG4bK-1234;rport\r\n"
	"From: \"sipvicious\"<sip:100@1.1.1.1>;tag=6434396633\r\n"
	"To: \"sipvicious\"<sip:100@1.1.1.1>\r\n"
	"Call-ID: 1234567890\r\n"
	"CSeq: 1 OPTIONS\r\n"
	"Max-Forwards: 70\r\n"
	"User-Agent: friendly-scanner\r\n"
	"Content-Length: 0\r\n\r\n";

struct opts {
	const char *src, *dst, *mac;
	unsigned int dport, sport;
	int cpu;
	unsigned int batch_ms, gen_batch;
	bool warm;
};

struct side {
	const char *ifname, *label;
	int ifindex;
	int kpid;              /* the receiver's NAPI kthread */
	char name;             /* 'a' or 'b' */
};

struct frame {
	unsigned char data[FRAME_MAX];
	__u32 len;
};

struct sample {
	__u64 delivered, refused, kthread_ns, wall_ns;
};

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NSEC + ts.tv_nsec;
}

/* ---- the frame ---- */

static __u32 csum_add(__u32 sum, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	return sum;
}

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

static int parse_mac(const char *text, unsigned char mac[ETH_ALEN])
{
	unsigned int b[ETH_ALEN];
	int i;

	if (sscanf(text, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5]) != ETH_ALEN)
		return -EINVAL;
	for (i = 0; i < ETH_ALEN; i++) {
		if (b[i] > 0xff)
			return -EINVAL;
		mac[i] = b[i];
	}
	return 0;
}

/*
 * Ethernet + IPv4 + UDP + scanner payload, with valid checksums: conntrack
 * verifies the UDP checksum in PREROUTING (nf_conntrack_checksum), and a
 * frame built from an xdp_frame carries no checksum-offload verdict, so a
 * bad one would turn ruleset (b)'s packets into "invalid" ones.
 */
static int build_frame(struct frame *f, const struct opts *o)
{
	size_t plen = sizeof(scan_payload) - 1;
	struct ethhdr *eth = (struct ethhdr *)f->data;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	__u32 sum;

	memset(f, 0, sizeof(*f));
	if (parse_mac(o->mac, eth->h_dest))
		return -EINVAL;
	memcpy(eth->h_source, "\x02\x76\x66\x00\x00\xfe", ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons(sizeof(*ip) + sizeof(*udp) + plen);
	ip->id = htons(4242);
	if (inet_pton(AF_INET, o->src, &ip->saddr) != 1 ||
	    inet_pton(AF_INET, o->dst, &ip->daddr) != 1)
		return -EINVAL;
	ip->check = csum_fold(csum_add(0, ip, sizeof(*ip)));
	udp->source = htons(o->sport);
	udp->dest = htons(o->dport);
	udp->len = htons(sizeof(*udp) + plen);
	memcpy(udp + 1, scan_payload, plen);
	/* pseudo header: addresses, protocol, UDP length */
	sum = csum_add(0, &ip->saddr, 8);
	sum += IPPROTO_UDP + sizeof(*udp) + plen;
	sum = csum_add(sum, udp, sizeof(*udp) + plen);
	udp->check = csum_fold(sum);
	if (!udp->check)
		udp->check = 0xffff;
	f->len = sizeof(*eth) + sizeof(*ip) + sizeof(*udp) + plen;
	return 0;
}

/* ---- counters ---- */

static int read_u64(const char *path, __u64 *out)
{
	unsigned long long v;
	FILE *f = fopen(path, "r");
	int n;

	if (!f)
		return -errno;
	n = fscanf(f, "%llu", &v);
	fclose(f);
	if (n != 1)
		return -EIO;
	*out = v;
	return 0;
}

/* CPU time the kthread has run, ns (schedstat's first field). */
static int kthread_ns(int pid, __u64 *out)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
	return read_u64(path, out);
}

static int dev_stat(const char *ifname, const char *stat, __u64 *out)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", ifname, stat);
	return read_u64(path, out);
}

struct snapshot {
	__u64 delivered, refused, kns;
};

static int snap(const struct side *s, struct snapshot *x)
{
	int err;

	err = dev_stat(s->ifname, "tx_packets", &x->delivered);
	if (!err)
		err = dev_stat(s->ifname, "tx_dropped", &x->refused);
	if (!err)
		err = kthread_ns(s->kpid, &x->kns);
	return err;
}

/*
 * Waits until the receiver has consumed everything in its ring: the
 * delivered count stops moving. Only then is the kthread asleep and its
 * schedstat complete (a running task's time is not yet accounted).
 */
static int wait_drained(const struct side *s, struct snapshot *x)
{
	__u64 deadline = mono_ns() + DRAIN_MAX_MS * 1000000ULL;
	struct snapshot prev;
	int stable = 0, err;

	err = snap(s, &prev);
	while (!err && stable < DRAIN_STABLE) {
		usleep(DRAIN_POLL_US);
		err = snap(s, x);
		if (err)
			break;
		if (x->delivered == prev.delivered && x->kns == prev.kns)
			stable++;
		else
			stable = 0;
		prev = *x;
		if (mono_ns() > deadline)
			break;   /* a trickle of other traffic; take what we have */
	}
	if (!err)
		*x = prev;
	return err;
}

/* ---- sending ---- */

static int send_chunk(int prog, const struct side *s, const struct frame *f,
		      unsigned int gen_batch)
{
	struct xdp_md ctx = {
		.data_end = f->len,
		.ingress_ifindex = s->ifindex,
	};
	LIBBPF_OPTS(bpf_test_run_opts, topts,
		.data_in = f->data,
		.data_size_in = f->len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = CHUNK_FRAMES,
		.flags = BPF_F_TEST_XDP_LIVE_FRAMES,
		.batch_size = gen_batch,
	);

	/* In live mode retval says nothing; the frames' fate is in the counters. */
	return bpf_prog_test_run_opts(prog, &topts) ? -errno : 0;
}

/* One batch to one pair: what its receiver spent on what it received. */
static int run_batch(int prog, const struct side *s, const struct frame *f,
		     const struct opts *o, struct sample *out)
{
	struct snapshot a, b;
	__u64 t0, end;
	int err;

	err = wait_drained(s, &a);
	if (err)
		return err;
	t0 = mono_ns();
	end = t0 + o->batch_ms * 1000000ULL;
	do
		err = send_chunk(prog, s, f, o->gen_batch);
	while (!err && mono_ns() < end);
	if (!err)
		err = wait_drained(s, &b);
	if (err)
		return err;
	out->delivered = b.delivered - a.delivered;
	out->refused = b.refused - a.refused;
	out->kthread_ns = b.kns - a.kns;
	out->wall_ns = mono_ns() - t0;
	return 0;
}

/* ---- setup ---- */

static int load_generator(const char *path, struct bpf_object **objp)
{
	struct bpf_program *p;
	struct bpf_object *obj;
	int err;

	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return -errno;
	err = bpf_object__load(obj);
	p = bpf_object__find_program_by_name(obj, "bare_tx");
	if (!err && !p)
		err = -ENOENT;
	if (err) {
		bpf_object__close(obj);
		return err;
	}
	*objp = obj;
	return bpf_program__fd(p);
}

static int side_init(struct side *s, char name, const char *ifname,
		     const char *pid, const char *label)
{
	char path[64];

	s->name = name;
	s->ifname = ifname;
	s->label = label;
	s->ifindex = if_nametoindex(ifname);
	if (!s->ifindex) {
		fprintf(stderr, "live_gen: no interface %s in this namespace\n", ifname);
		return -ENODEV;
	}
	s->kpid = atoi(pid);
	snprintf(path, sizeof(path), "/proc/%d/schedstat", s->kpid);
	if (s->kpid <= 0 || access(path, R_OK)) {
		fprintf(stderr, "live_gen: no kthread with pid %s\n", pid);
		return -ESRCH;
	}
	return 0;
}

static int pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: live_gen [-s SRC] [-d DST] [-m DSTMAC] [-p DPORT] [-c CPU] [-t BATCH_MS]\n"
		"                [-b GEN_BATCH] [-w]\n"
		"                BARE.o CYCLES IF_A PID_A LABEL_A IF_B PID_B LABEL_B\n");
	exit(2);
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){ .src = "203.0.113.66", .dst = "192.0.2.1",
			    .mac = "02:76:66:00:00:01", .dport = 5060, .sport = 5070,
			    .cpu = 0, .batch_ms = 100, .gen_batch = GEN_BATCH };
	while ((c = getopt(argc, argv, "s:d:m:p:c:t:b:w")) != -1) {
		switch (c) {
		case 's': o->src = optarg; break;
		case 'd': o->dst = optarg; break;
		case 'm': o->mac = optarg; break;
		case 'p': o->dport = atoi(optarg); break;
		case 'c': o->cpu = atoi(optarg); break;
		case 't': o->batch_ms = atoi(optarg); break;
		case 'b': o->gen_batch = atoi(optarg); break;
		case 'w': o->warm = true; break;
		default: usage();
		}
	}
	if (argc - optind != 8 || !o->batch_ms || o->dport > 65535 ||
	    !o->gen_batch || o->gen_batch > GEN_BATCH_MAX || atoi(argv[optind + 1]) < 0)
		usage();
}

static int report(const char *kind, const struct side *s, int cycle, int seq,
		  const struct sample *x)
{
	return printf("%s\t%s\t%c\t%d\t%d\t%llu\t%llu\t%llu\t%llu\n",
		      kind, s->label, s->name, cycle, seq,
		      (unsigned long long)x->delivered, (unsigned long long)x->refused,
		      (unsigned long long)x->kthread_ns,
		      (unsigned long long)x->wall_ns) < 0 ? -EIO : 0;
}

/* A B B A, then B A A B: each side's mean position in time is the same. */
static int run_cycles(const struct opts *o, int prog, const struct side sides[2],
		      const struct frame *f, int cycles)
{
	static const int order[2][4] = { { 0, 1, 1, 0 }, { 1, 0, 0, 1 } };
	struct sample x;
	int c, i, err;

	for (c = 0; c < cycles; c++) {
		for (i = 0; i < 4; i++) {
			const struct side *s = &sides[order[c & 1][i]];

			err = run_batch(prog, s, f, o, &x);
			if (!err)
				err = report("batch", s, c, i, &x);
			if (err)
				return err;
		}
		fflush(stdout);
	}
	return 0;
}

/* One batch per pair first, reported apart: caches, page pool, JIT images. */
static int warm_up(const struct opts *o, int prog, const struct side sides[2],
		   const struct frame *f)
{
	struct sample x;
	int i, err = 0;

	for (i = 0; i < 2 && !err; i++) {
		err = run_batch(prog, &sides[i], f, o, &x);
		if (!err)
			err = report("warm", &sides[i], -1, i, &x);
	}
	return err;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj = NULL;
	struct side sides[2];
	struct frame f;
	struct opts o;
	int prog, err;

	parse_opts(argc, argv, &o);
	if (build_frame(&f, &o)) {
		fprintf(stderr, "live_gen: bad address or MAC\n");
		return 2;
	}
	if (side_init(&sides[0], 'a', argv[optind + 2], argv[optind + 3], argv[optind + 4]) ||
	    side_init(&sides[1], 'b', argv[optind + 5], argv[optind + 6], argv[optind + 7]))
		return 1;
	prog = load_generator(argv[optind], &obj);
	if (prog < 0) {
		fprintf(stderr, "live_gen: cannot load bare_tx from %s: %s\n",
			argv[optind], strerror(-prog));
		return 1;
	}
	err = pin_cpu(o.cpu);
	if (err)
		fprintf(stderr, "live_gen: cannot run on CPU %d: %s\n", o.cpu, strerror(-err));
	if (!err && printf("frame\t%u\n", f.len) < 0)
		err = -EIO;
	if (!err && o.warm)
		err = warm_up(&o, prog, sides, &f);
	if (!err)
		err = run_cycles(&o, prog, sides, &f, atoi(argv[optind + 1]));
	if (err)
		fprintf(stderr, "live_gen: %s\n", strerror(-err));
	bpf_object__close(obj);
	return err ? 1 : 0;
}
