// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Drives a real `voipfw run` with SIP over real sockets and measures how
 * long a call's pinhole takes to appear, and what the daemon costs in memory.
 *
 *   sip_load ISP_NETNS RTR_NETNS PIN_DIR DAEMON_PID LAT_CALLS HOLD_CALLS
 *
 * The carrier socket (203.0.113.10:5060) lives in ISP_NETNS, the PBX socket
 * (203.0.113.1:5060) in RTR_NETNS, whose wan0 carries the daemon's XDP and
 * TC programs. Per call: the carrier sends an INVITE with an SDP offer; once
 * the PBX socket has it, the PBX answers 200 OK with SDP. The TC egress hook
 * hands that answer to the daemon, which opens pinholes from the carrier's
 * media address to the answered RTP/RTCP ports.
 *
 * Latency phase (LAT_CALLS calls, one at a time, each ended by a BYE): t0 is
 * CLOCK_MONOTONIC just before sendto() of the 200 OK; the pinned pinholes map
 * is then polled for the RTP pinhole. Reported per call: created_ns - t0
 * (the daemon's own stamp, taken just before it writes the entry) and
 * seen - t0 (when this process, polling every ~20 us, found the entry). Both include the
 * way through the stack, the TC hook, the ring buffer wake-up, parsing,
 * tracking and the map update; the tap record's ts_ns lies between t0 and
 * created_ns.
 *
 * Hold phase (HOLD_CALLS calls, no BYE): the calls stay up; then the
 * daemon's VmRSS/VmHWM and the memory of every map under PIN_DIR.
 *
 * Output lines (tab separated):
 *   lat  CALL CREATED_MINUS_T0_NS SEEN_MINUS_T0_NS
 *   rss  PHASE VMRSS_KB VMHWM_KB
 *   map  NAME MEMLOCK_BYTES ENTRIES
 *   info KEY VALUE
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <netinet/in.h>

#include "voipfw.h"
#include "fdinfo.h"

#define ISP_ADDR  "203.0.113.10"
#define RTR_ADDR  "203.0.113.1"
#define SIP_PORT  5060
#define NSEC      1000000000ULL
#define WAIT_NS   (2 * NSEC)       /* give up on one step after this */

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NSEC + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "sip_load: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* A UDP socket bound to ADDR:5060 inside the named network namespace. */
static int ns_socket(const char *ns, const char *addr)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(SIP_PORT) };
	char path[256];
	int nsfd, s;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	nsfd = open(path, O_RDONLY);
	if (nsfd < 0 || setns(nsfd, CLONE_NEWNET))
		die(path);
	close(nsfd);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	inet_pton(AF_INET, addr, &sa.sin_addr);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)))
		die("bind");
	return s;
}

static void send_to(int s, const char *addr, const char *msg, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(SIP_PORT) };

	inet_pton(AF_INET, addr, &sa.sin_addr);
	if (sendto(s, msg, len, 0, (struct sockaddr *)&sa, sizeof(sa)) != (ssize_t)len)
		die("sendto");
}

/* Waits for one datagram on s; 0 when one came. */
static int recv_one(int s, int timeout_ms)
{
	struct pollfd pfd = { .fd = s, .events = POLLIN };
	char buf[4096];

	if (poll(&pfd, 1, timeout_ms) != 1)
		return -1;
	return recv(s, buf, sizeof(buf), 0) > 0 ? 0 : -1;
}

static void drain(int s)
{
	char buf[4096];

	while (recv(s, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static size_t with_body(char *buf, size_t len, const char *head, const char *body)
{
	int n = snprintf(buf, len, "%sContent-Length: %zu\r\n\r\n%s", head,
			 strlen(body), body);

	if (n <= 0 || (size_t)n >= len)
		die("message too long");
	return n;
}

static size_t invite(char *buf, size_t len, unsigned call)
{
	char head[1024], body[512];

	snprintf(body, sizeof(body),
		 "v=0\r\no=- %u 1 IN IP4 " ISP_ADDR "\r\ns=-\r\nc=IN IP4 " ISP_ADDR
		 "\r\nt=0 0\r\nm=audio %u RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n"
		 "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n",
		 call, 40000 + (call % 10000) * 2);
	snprintf(head, sizeof(head),
		 "INVITE sip:100@" RTR_ADDR " SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP " ISP_ADDR ":5060;branch=z9hG4bK-i%u;rport\r\n"
		 "Max-Forwards: 70\r\n"
		 "From: <sip:caller@" ISP_ADDR ">;tag=c%u\r\n"
		 "To: <sip:100@" RTR_ADDR ">\r\n"
		 "Call-ID: bench-%u@" ISP_ADDR "\r\n"
		 "CSeq: 1 INVITE\r\n"
		 "Contact: <sip:caller@" ISP_ADDR ":5060>\r\n"
		 "Content-Type: application/sdp\r\n", call, call, call);
	return with_body(buf, len, head, body);
}

static size_t answer(char *buf, size_t len, unsigned call, unsigned rtp)
{
	char head[1024], body[512];

	snprintf(body, sizeof(body),
		 "v=0\r\no=pbx %u 1 IN IP4 " RTR_ADDR "\r\ns=-\r\nc=IN IP4 " RTR_ADDR
		 "\r\nt=0 0\r\nm=audio %u RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n"
		 "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n", call, rtp);
	snprintf(head, sizeof(head),
		 "SIP/2.0 200 OK\r\n"
		 "Via: SIP/2.0/UDP " ISP_ADDR ":5060;branch=z9hG4bK-i%u;rport=5060\r\n"
		 "From: <sip:caller@" ISP_ADDR ">;tag=c%u\r\n"
		 "To: <sip:100@" RTR_ADDR ">;tag=p%u\r\n"
		 "Call-ID: bench-%u@" ISP_ADDR "\r\n"
		 "CSeq: 1 INVITE\r\n"
		 "Contact: <sip:100@" RTR_ADDR ":5060>\r\n"
		 "Content-Type: application/sdp\r\n", call, call, call, call);
	return with_body(buf, len, head, body);
}

static size_t bye(char *buf, size_t len, unsigned call)
{
	char head[1024];

	snprintf(head, sizeof(head),
		 "BYE sip:100@" RTR_ADDR ":5060 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP " ISP_ADDR ":5060;branch=z9hG4bK-b%u;rport\r\n"
		 "Max-Forwards: 70\r\n"
		 "From: <sip:caller@" ISP_ADDR ">;tag=c%u\r\n"
		 "To: <sip:100@" RTR_ADDR ">;tag=p%u\r\n"
		 "Call-ID: bench-%u@" ISP_ADDR "\r\n"
		 "CSeq: 2 BYE\r\n", call, call, call, call);
	return with_body(buf, len, head, "");
}

static void pinhole_key(struct vfw_pinhole_key *key, unsigned port)
{
	struct in_addr a;

	memset(key, 0, sizeof(*key));
	inet_pton(AF_INET, ISP_ADDR, &a);
	key->addr[10] = key->addr[11] = 0xff;
	memcpy(key->addr + 12, &a, 4);
	key->local_port = port;
	key->proto = IPPROTO_UDP;
}

/* Polls until the pinhole exists (want = 1) or is gone (want = 0); 0 on success. */
static int wait_pinhole(int fd, unsigned port, int want, struct vfw_pinhole *val,
			__u64 *seen)
{
	struct vfw_pinhole_key key;
	struct vfw_pinhole tmp;
	__u64 start = mono_ns();

	pinhole_key(&key, port);
	if (!val)
		val = &tmp;
	for (;;) {
		int found = bpf_map_lookup_elem(fd, &key, val) == 0;

		if (found == want) {
			if (seen)
				*seen = mono_ns();
			return 0;
		}
		if (mono_ns() - start > WAIT_NS)
			return -1;
		/*
		 * Sleep between looks: a busy loop would compete with the
		 * daemon for the CPU it was woken on. created_ns does not
		 * depend on how often we look.
		 */
		nanosleep(&(struct timespec){ .tv_nsec = 20000 }, NULL);
	}
}

/* One call up to its pinhole; returns 0 and the two delays, or -1. */
static int call_up(int isp, int rtr, int ph_fd, unsigned call, unsigned rtp,
		   __u64 *created, __u64 *seen)
{
	struct vfw_pinhole val;
	char msg[2048];
	size_t len;
	__u64 t0, t_seen;

	len = invite(msg, sizeof(msg), call);
	send_to(isp, RTR_ADDR, msg, len);
	if (recv_one(rtr, 1000))
		return -1;
	len = answer(msg, sizeof(msg), call, rtp);
	t0 = mono_ns();
	send_to(rtr, ISP_ADDR, msg, len);
	if (wait_pinhole(ph_fd, rtp, 1, &val, &t_seen))
		return -1;
	*created = val.created_ns > t0 ? val.created_ns - t0 : 0;
	*seen = t_seen - t0;
	return 0;
}

static void report_rss(const char *phase, int pid)
{
	char path[64], line[256];
	long rss = -1, hwm = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		die(path);
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "VmRSS: %ld", &rss);
		sscanf(line, "VmHWM: %ld", &hwm);
	}
	fclose(f);
	printf("rss\t%s\t%ld\t%ld\n", phase, rss, hwm);
}

/* Memory and fill of every map pinned under dir. */
static void report_maps(const char *dir)
{
	struct bpf_map_info info;
	__u32 info_len;
	char path[512];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		die(dir);
	while ((de = readdir(d))) {
		__u8 key[64], next[64];
		unsigned n = 0;
		int fd;

		if (de->d_name[0] == '.' || !strncmp(de->d_name, "link", 4))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		info_len = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &info_len)) {
			close(fd);
			continue;
		}
		/* Entry counts of the hash-like maps (arrays are always full). */
		if (info.type == BPF_MAP_TYPE_HASH || info.type == BPF_MAP_TYPE_LRU_HASH ||
		    info.type == BPF_MAP_TYPE_LPM_TRIE) {
			void *prev = NULL;

			while (info.key_size <= sizeof(key) &&
			       !bpf_map_get_next_key(fd, prev, next)) {
				memcpy(key, next, info.key_size);
				prev = key;
				n++;
			}
		}
		printf("map\t%s\t%llu\t%u\n", de->d_name, fd_memlock(fd), n);
		close(fd);
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	char path[512], msg[2048];
	unsigned lat_calls, hold_calls, i, failed = 0, stuck = 0;
	int isp, rtr, ph_fd, pid;
	__u64 created, seen;

	if (argc != 7) {
		fprintf(stderr, "usage: sip_load ISP_NETNS RTR_NETNS PIN_DIR DAEMON_PID "
			"LAT_CALLS HOLD_CALLS\n");
		return 2;
	}
	pid = atoi(argv[4]);
	lat_calls = strtoul(argv[5], NULL, 10);
	hold_calls = strtoul(argv[6], NULL, 10);
	snprintf(path, sizeof(path), "%s/pinholes", argv[3]);
	ph_fd = bpf_obj_get(path);
	if (ph_fd < 0)
		die(path);
	isp = ns_socket(argv[1], ISP_ADDR);
	rtr = ns_socket(argv[2], RTR_ADDR);
	report_rss("start", pid);

	for (i = 0; i < lat_calls; i++) {
		unsigned rtp = 10000 + (i % 2) * 2;
		size_t len;

		if (call_up(isp, rtr, ph_fd, i, rtp, &created, &seen)) {
			failed++;
			continue;
		}
		printf("lat\t%u\t%llu\t%llu\n", i, (unsigned long long)created,
		       (unsigned long long)seen);
		len = bye(msg, sizeof(msg), i);
		send_to(isp, RTR_ADDR, msg, len);
		if (wait_pinhole(ph_fd, rtp, 0, NULL, NULL))
			stuck++;
		drain(isp);
		drain(rtr);
	}
	report_rss("after-latency", pid);

	/* Calls that stay up: RTP ports 20000, 20002, ... (RTCP the odd ones). */
	for (i = 0; i < hold_calls; i++) {
		if (call_up(isp, rtr, ph_fd, 1000000 + i, 20000 + 2 * i, &created, &seen))
			failed++;
		drain(isp);
	}
	report_rss("held", pid);
	report_maps(argv[3]);
	printf("info\tfailed_calls\t%u\n", failed);
	printf("info\tpinholes_not_closed_by_bye\t%u\n", stuck);
	return 0;
}
