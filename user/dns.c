// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Trunks by DNS name: our own small stub resolver (UDP, A + AAAA, all names
 * of a round in parallel) and the reconciliation of its answers with the
 * pinned trunks map. See dns.h for the rules.
 */
#include "dns.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "dnsmsg.h"
#include "log.h"
#include "names.h"
#include "maps.h"

#define NSEC               1000000000ULL
#define QUERY_TIMEOUT_NS   (2 * NSEC)
#define ATTEMPTS           2          /* rounds over the nameservers */
#define RETRY_MAX_S        300        /* failed lookups back off up to this */
/*
 * An address outlives its TTL by at least the longest a refresh can take
 * (every attempt at every server timing out), so a refresh never leaves a
 * gap in which the trunk is expired; registration_grace may add more.
 */
#define REFRESH_GRACE_S    (ATTEMPTS * VFW_DNS_MAX_SERVERS * QUERY_TIMEOUT_NS / NSEC)
#define RECV_BURST         16         /* datagrams read per wakeup per query */
#define NAME_ADDRS         (2 * VFW_DNS_MAX_ADDRS)   /* A + AAAA */
#define DEFAULT_RESOLV     "/etc/resolv.conf"
#define RXBUF_SIZE         65536      /* a DNS message; >= VFW_RESOLV_CONF_MAX */

struct dns_addr {
	__u8 addr[16];
	__u32 ttl;          /* clamped, as logged */
	__u64 expires_ns;
	bool conflict;      /* an equal key of another origin: logged once */
};

struct dns_name {
	char host[VFW_CONFIG_HOST_MAX + 2];
	__u32 admit;
	bool answered;      /* both families answered at least once this run */
	unsigned failures;  /* consecutive rounds with a failed lookup */
	__u64 next_ns;      /* next lookup; 0 = at once */
	__u32 n;
	struct dns_addr addr[NAME_ADDRS];
};

/* A DNS entry found in the map at start (a previous run's). */
struct legacy {
	__u8 addr[16];
	struct vfw_trunk val;
};

struct vfw_dns {
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock;
	int wake[2];                 /* pipe: reload and stop poke the thread */
	bool stop;                   /* under lock */
	struct vfw_config *pending;  /* under lock: a reload not yet applied */

	/* Owned by the resolving thread (by vfw_dns_start before it runs). */
	int trunks_fd;
	char resolv_conf[PATH_MAX];
	__u32 min_ttl, max_ttl, grace;
	struct vfw_port_list udp_sip, udp_media;  /* protected: never a source port */
	__u32 n_names;
	struct dns_name *names;      /* [VFW_CONFIG_MAX_DNS] */
	struct legacy *legacy;
	__u32 n_legacy;
	__u8 *rxbuf;                 /* 64 KiB */
};

enum qstate { Q_WAIT, Q_OK, Q_FAIL };

struct query {
	struct dns_name *name;
	__u16 qtype;
	enum qstate state;
	int fd;
	__u16 id;
	int try;                     /* 0 .. ATTEMPTS * servers - 1 */
	__u64 deadline;
	const char *why;             /* last failure, for the warning */
	struct vfw_dns_answer ans;
};

struct servers {
	int n;
	struct vfw_dns_server s[VFW_DNS_MAX_SERVERS];
	struct sockaddr_storage sa[VFW_DNS_MAX_SERVERS];
	socklen_t salen[VFW_DNS_MAX_SERVERS];
};

static const char *qtype_name(__u16 qtype)
{
	return qtype == VFW_DNS_TYPE_A ? "A" : "AAAA";
}

static const char *astr(const __u8 a[16], char *buf)
{
	return vfw_addr_str(a, buf, VFW_ADDR_STRLEN);
}

static int random_bytes(void *buf, size_t len)
{
	ssize_t n;

	do
		n = getrandom(buf, len, 0);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -EIO;
}

static __u32 clamp_ttl(const struct vfw_dns *d, __u32 ttl)
{
	if (ttl < d->min_ttl)
		return d->min_ttl;
	return ttl > d->max_ttl ? d->max_ttl : ttl;
}

/* Same name, ignoring case and a final dot (as the config parser does). */
static bool same_host(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	la -= la && a[la - 1] == '.';
	lb -= lb && b[lb - 1] == '.';
	return la == lb && !strncasecmp(a, b, la);
}

/* ---- nameservers ---- */

static void servers_load(const struct vfw_dns *d, struct servers *sv)
{
	char *text = (char *)d->rxbuf;   /* free until the queries go out */
	size_t len = 0;
	ssize_t r;
	int fd, i;

	fd = open(d->resolv_conf, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		while (len < VFW_RESOLV_CONF_MAX) {
			r = read(fd, text + len, VFW_RESOLV_CONF_MAX - len);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			len += (size_t)r;
		}
		close(fd);
	} else {
		pr_debug("dns: cannot read %s: %s", d->resolv_conf, strerror(errno));
	}
	memset(sv, 0, sizeof(*sv));
	sv->n = vfw_resolv_conf_parse(text, len, sv->s, VFW_DNS_MAX_SERVERS);
	if (sv->n == 0) {
		/* what the C library does without nameserver lines */
		static const __u8 lo[4] = { 127, 0, 0, 1 };

		vfw_map_ipv4(sv->s[0].addr, lo);
		sv->s[0].ipv4 = true;
		sv->n = 1;
	}
	for (i = 0; i < sv->n; i++) {
		const struct vfw_dns_server *s = &sv->s[i];

		if (s->ipv4) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&sv->sa[i];

			sin->sin_family = AF_INET;
			sin->sin_port = htons(53);
			memcpy(&sin->sin_addr, s->addr + 12, 4);
			sv->salen[i] = sizeof(*sin);
		} else {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&sv->sa[i];

			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons(53);
			memcpy(&sin6->sin6_addr, s->addr, 16);
			sin6->sin6_scope_id = s->zone[0] ? if_nametoindex(s->zone) :
							   s->scope_id;
			sv->salen[i] = sizeof(*sin6);
		}
	}
}

static bool same_sockaddr(const struct sockaddr_storage *a,
			  const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		       !memcmp(&x->sin6_addr, &y->sin6_addr, 16);
	}
	return false;
}

/* ---- one query's attempts ---- */

/*
 * A random source port; the kernel's choice if we keep colliding. Never a
 * protected UDP port: the XDP program judges the answer by its destination
 * port, and an answer to a SIP or media port from a server that is not a
 * trunk would be dropped (with the default media range, one in six).
 */
static void bind_random_port(const struct vfw_dns *d, int fd, int family)
{
	struct sockaddr_storage ss;
	int i;

	for (i = 0; i < 16; i++) {
		__u16 r;
		__u16 port;

		if (random_bytes(&r, sizeof(r)))
			return;
		port = 1024 + r % (65536 - 1024);
		if (vfw_port_class_in(&d->udp_sip, &d->udp_media, port) != VFW_CLASS_NONE)
			continue;
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = (sa_family_t)family;
		if (family == AF_INET)
			((struct sockaddr_in *)&ss)->sin_port = htons(port);
		else
			((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		if (bind(fd, (struct sockaddr *)&ss, family == AF_INET ?
			 sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) == 0)
			return;
		if (errno != EADDRINUSE)
			return;
	}
}

static void query_close(struct query *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
}

/* Sends the next attempt, moving on while sending fails; Q_FAIL at the end. */
static void query_next_try(const struct vfw_dns *d, struct query *q,
			   const struct servers *sv)
{
	__u8 msg[VFW_DNS_QUERY_MAX];
	char buf[VFW_ADDR_STRLEN];
	int len;

	query_close(q);
	for (; q->try < ATTEMPTS * sv->n; q->try++) {
		int i = q->try % sv->n;

		q->fd = socket(sv->s[i].ipv4 ? AF_INET : AF_INET6,
			       SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (q->fd < 0) {
			q->why = strerror(errno);
			continue;
		}
		bind_random_port(d, q->fd, sv->s[i].ipv4 ? AF_INET : AF_INET6);
		if (random_bytes(&q->id, sizeof(q->id))) {
			q->why = "no random numbers";
			query_close(q);
			continue;
		}
		len = vfw_dns_build_query(msg, sizeof(msg), q->id, q->name->host,
					  q->qtype, true);
		if (len < 0) {
			q->why = "bad name";
			query_close(q);
			break;
		}
		/* connected: the kernel drops datagrams from anyone else */
		if (connect(q->fd, (const struct sockaddr *)&sv->sa[i], sv->salen[i]) ||
		    send(q->fd, msg, (size_t)len, 0) != len) {
			q->why = strerror(errno);
			pr_debug("dns: %s %s to %s: %s", q->name->host, qtype_name(q->qtype),
				 astr(sv->s[i].addr, buf), q->why);
			query_close(q);
			continue;
		}
		q->deadline = vfw_now_ns() + QUERY_TIMEOUT_NS;
		q->try++;
		return;
	}
	q->state = Q_FAIL;
}

static const char *rcode_name(__u8 rcode)
{
	switch (rcode) {
	case 1: return "FORMERR";
	case 2: return "SERVFAIL";
	case 4: return "NOTIMP";
	case 5: return "REFUSED";
	default: return "error rcode";
	}
}

/* Reads what arrived for q. */
static void query_receive(struct vfw_dns *d, struct query *q,
			  const struct servers *sv)
{
	int srv = (q->try - 1) % sv->n, i, rc;
	char buf[VFW_ADDR_STRLEN];

	for (i = 0; i < RECV_BURST && q->state == Q_WAIT && q->fd >= 0; i++) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		ssize_t n;

		memset(&from, 0, sizeof(from));
		n = recvfrom(q->fd, d->rxbuf, RXBUF_SIZE, 0, (struct sockaddr *)&from,
			     &fromlen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			/* ECONNREFUSED and friends: ICMP said no, next server */
			q->why = strerror(errno);
			query_next_try(d, q, sv);
			return;
		}
		if (!same_sockaddr(&from, &sv->sa[srv])) {
			pr_debug("dns: %s: datagram from an unexpected source ignored",
				 q->name->host);
			continue;
		}
		rc = vfw_dns_parse_response(d->rxbuf, (size_t)n, q->id, q->name->host,
					    q->qtype, &q->ans);
		if (rc) {
			/* spoofed, stale or broken: the real answer may still come */
			pr_debug("dns: %s %s: %s answer from %s ignored", q->name->host,
				 qtype_name(q->qtype),
				 rc == -ENOMSG ? "unrelated" : "malformed",
				 astr(sv->s[srv].addr, buf));
			continue;
		}
		if (q->ans.truncated) {
			q->why = "answer truncated (too many records for UDP)";
			query_close(q);
			q->state = Q_FAIL;
			return;
		}
		if (q->ans.rcode == VFW_DNS_RCODE_NOERROR ||
		    q->ans.rcode == VFW_DNS_RCODE_NXDOMAIN) {
			query_close(q);
			q->state = Q_OK;
			return;
		}
		q->why = rcode_name(q->ans.rcode);
		query_next_try(d, q, sv);
		return;
	}
}

static bool stop_requested(struct vfw_dns *d)
{
	bool stop;
	char c[64];

	while (read(d->wake[0], c, sizeof(c)) > 0)
		;
	pthread_mutex_lock(&d->lock);
	stop = d->stop;
	pthread_mutex_unlock(&d->lock);
	return stop;
}

/*
 * Looks up A and AAAA of every name in due[] at once. Bounded by
 * ATTEMPTS x servers x QUERY_TIMEOUT_NS. Returns -ECANCELED on stop.
 */
static int run_queries(struct vfw_dns *d, struct query *qs, int nq)
{
	struct pollfd pfd[1 + 2 * VFW_CONFIG_MAX_DNS];
	struct query *idx[2 * VFW_CONFIG_MAX_DNS];
	struct servers sv;
	int i, np, rc = 0;

	servers_load(d, &sv);
	for (i = 0; i < nq; i++)
		query_next_try(d, &qs[i], &sv);

	for (;;) {
		__u64 now = vfw_now_ns(), first = UINT64_MAX;
		int timeout_ms;

		np = 0;
		pfd[np].fd = d->wake[0];
		pfd[np++].events = POLLIN;
		for (i = 0; i < nq; i++) {
			struct query *q = &qs[i];

			if (q->state != Q_WAIT)
				continue;
			if (q->deadline <= now) {
				q->why = "timeout";
				query_next_try(d, q, &sv);
				if (q->state != Q_WAIT)
					continue;
			}
			if (q->deadline < first)
				first = q->deadline;
			idx[np - 1] = q;
			pfd[np].fd = q->fd;
			pfd[np++].events = POLLIN;
		}
		if (np == 1)
			break;
		timeout_ms = (int)((first - now + 999999) / 1000000);
		if (poll(pfd, (nfds_t)np, timeout_ms) < 0 && errno != EINTR) {
			rc = -errno;
			break;
		}
		if ((pfd[0].revents & POLLIN) && stop_requested(d)) {
			rc = -ECANCELED;
			break;
		}
		for (i = 1; i < np; i++)
			if (pfd[i].revents)
				query_receive(d, idx[i - 1], &sv);
	}
	for (i = 0; i < nq; i++) {
		query_close(&qs[i]);
		if (qs[i].state == Q_WAIT) {
			qs[i].state = Q_FAIL;
			qs[i].why = "interrupted";
		}
	}
	return rc;
}

/* ---- applying answers to a name ---- */

static struct dns_addr *find_addr(struct dns_name *n, const __u8 a[16])
{
	__u32 i;

	for (i = 0; i < n->n; i++)
		if (!memcmp(n->addr[i].addr, a, 16))
			return &n->addr[i];
	return NULL;
}

static __u64 retry_delay_ns(const struct vfw_dns *d, unsigned failures)
{
	__u64 s = d->min_ttl ? d->min_ttl : 1;
	__u64 cap = d->min_ttl > RETRY_MAX_S ? d->min_ttl : RETRY_MAX_S;

	while (failures-- > 1 && s < cap)
		s *= 2;
	return (s < cap ? s : cap) * NSEC;
}

static const char *keeping(const struct dns_name *n)
{
	if (n->n == 0)
		return "";
	return n->n == 1 ? "; keeping its address until it expires" :
			   "; keeping its addresses until they expire";
}

static void name_apply(struct vfw_dns *d, struct dns_name *n,
		       const struct query *qa, const struct query *q6)
{
	const struct query *q[2] = { qa, q6 };
	struct dns_addr next[NAME_ADDRS];
	__u64 now = vfw_now_ns(), next_ns = UINT64_MAX;
	char buf[VFW_ADDR_STRLEN];
	__u32 nn = 0, i, f;
	bool ok_a = qa->state == Q_OK, ok6 = q6->state == Q_OK;

	if (!ok_a && !ok6) {
		n->failures++;
		n->next_ns = now + retry_delay_ns(d, n->failures);
		pr_warn("trunk dns %s: lookup failed (%s)%s", n->host,
			qa->why ? qa->why : "?", keeping(n));
		return;
	}
	/* Per family: the new answer, or what the failed family had. */
	for (f = 0; f < 2; f++) {
		bool v4 = f == 0;

		if (q[f]->state == Q_OK) {
			for (i = 0; i < q[f]->ans.n && nn < NAME_ADDRS; i++) {
				const struct vfw_dns_addr *a = &q[f]->ans.addr[i];
				struct dns_addr *old = find_addr(n, a->addr);
				__u32 ttl = clamp_ttl(d, a->ttl);

				next[nn] = (struct dns_addr){ .ttl = ttl,
					.expires_ns = now + (ttl + (__u64)d->grace) * NSEC,
					.conflict = old && old->conflict };
				memcpy(next[nn++].addr, a->addr, 16);
				if (now + ttl * NSEC < next_ns)
					next_ns = now + ttl * NSEC;
			}
			if (q[f]->ans.n_dropped)
				pr_warn("trunk dns %s: %u %s records beyond the first %u ignored",
					n->host, q[f]->ans.n_dropped, qtype_name(q[f]->qtype),
					VFW_DNS_MAX_ADDRS);
		} else {
			for (i = 0; i < n->n && nn < NAME_ADDRS; i++)
				if (vfw_addr_is_ipv4(n->addr[i].addr) == v4)
					next[nn++] = n->addr[i];
		}
	}
	if (nn == 0) {
		if (ok_a && ok6)
			n->answered = true;
		n->failures++;
		n->next_ns = now + retry_delay_ns(d, n->failures);
		pr_warn("trunk dns %s: no address in the answer (%s)%s", n->host,
			ok_a && qa->ans.rcode == VFW_DNS_RCODE_NXDOMAIN ? "NXDOMAIN" : "no data",
			keeping(n));
		return;
	}

	for (i = 0; i < nn; i++) {
		struct dns_addr *old = find_addr(n, next[i].addr);

		if (!old)
			pr_info("trunk dns %s -> %s (ttl %us)", n->host,
				astr(next[i].addr, buf), next[i].ttl);
		else if (old->expires_ns != next[i].expires_ns)
			pr_debug("trunk dns %s -> %s refreshed (ttl %us)", n->host,
				 astr(next[i].addr, buf), next[i].ttl);
	}
	for (i = 0; i < n->n; i++) {
		bool kept = false;
		__u32 j;

		for (j = 0; j < nn && !kept; j++)
			kept = !memcmp(next[j].addr, n->addr[i].addr, 16);
		if (!kept)
			pr_info("trunk dns %s -/-> %s (no longer in the answer)",
				n->host, astr(n->addr[i].addr, buf));
	}
	memcpy(n->addr, next, nn * sizeof(next[0]));
	n->n = nn;

	if (ok_a && ok6) {
		n->failures = 0;
		n->answered = true;
	} else {
		const struct query *bad = ok_a ? q6 : qa;

		n->failures++;
		if (now + retry_delay_ns(d, n->failures) < next_ns)
			next_ns = now + retry_delay_ns(d, n->failures);
		pr_warn("trunk dns %s: %s lookup failed (%s); keeping its previous addresses",
			n->host, qtype_name(bad->qtype), bad->why ? bad->why : "?");
	}
	if (next_ns == UINT64_MAX)   /* answered, but empty for both families */
		next_ns = now + (__u64)d->max_ttl * NSEC;
	n->next_ns = next_ns;
}

/* Drops addresses whose lookups kept failing until they expired. */
static void names_expire(struct vfw_dns *d, __u64 now)
{
	char buf[VFW_ADDR_STRLEN];
	__u32 i, j, k;

	for (i = 0; i < d->n_names; i++) {
		struct dns_name *n = &d->names[i];

		for (j = k = 0; j < n->n; j++) {
			if (n->addr[j].expires_ns > now) {
				n->addr[k++] = n->addr[j];
				continue;
			}
			pr_info("trunk dns %s -/-> %s (expired, no answer since)",
				n->host, astr(n->addr[j].addr, buf));
		}
		n->n = k;
	}
}

/* Resolves every due name (all when all). Returns -ECANCELED on stop. */
static int resolve_due(struct vfw_dns *d, bool all)
{
	struct query *qs;
	__u64 now = vfw_now_ns();
	int nq = 0, rc;
	__u32 i;

	qs = calloc(2 * VFW_CONFIG_MAX_DNS, sizeof(*qs));
	if (!qs) {
		pr_warn("dns: out of memory, lookups postponed");
		for (i = 0; i < d->n_names; i++)
			if (d->names[i].next_ns <= now)
				d->names[i].next_ns = now + retry_delay_ns(d, 1);
		return 0;
	}
	for (i = 0; i < d->n_names; i++) {
		struct dns_name *n = &d->names[i];

		if (!all && n->next_ns > now)
			continue;
		qs[nq] = (struct query){ .name = n, .qtype = VFW_DNS_TYPE_A, .fd = -1 };
		qs[nq + 1] = (struct query){ .name = n, .qtype = VFW_DNS_TYPE_AAAA, .fd = -1 };
		nq += 2;
	}
	rc = nq ? run_queries(d, qs, nq) : 0;
	if (rc != -ECANCELED)
		for (i = 0; i < (__u32)nq; i += 2)
			name_apply(d, qs[i].name, &qs[i], &qs[i + 1]);
	free(qs);
	return rc == -ECANCELED ? rc : 0;
}

/* ---- the map ---- */

struct want {
	__u8 addr[16];
	struct vfw_trunk val;
	struct dns_addr *owner[VFW_CONFIG_MAX_DNS];  /* whose conflict flag */
	const char *host;            /* the first name, for messages */
	__u32 n_owner;
	bool legacy;
};

struct have {
	__u8 addr[16];
	struct vfw_trunk val;
	bool wanted;
};

struct snapshot {
	struct have *h;
	__u32 n, max;
};

static int snap_host(const void *key, const void *value, void *ctx)
{
	const struct vfw_lpm_key *k = key;
	struct snapshot *sn = ctx;

	if (k->prefixlen != 128)
		return 0;
	sn->h[sn->n].val = *(const struct vfw_trunk *)value;
	memcpy(sn->h[sn->n].addr, k->addr, 16);
	return ++sn->n > sn->max;
}

/* The map's host entries (prefixlen 128; a lookup of those is exact). */
static int map_snapshot(int fd, struct have **out, __u32 *n_out)
{
	struct snapshot sn = {};
	int err;

	if (vfw_map_max_entries(fd, &sn.max))
		return -errno;
	sn.h = calloc(sn.max + 1, sizeof(*sn.h));
	if (!sn.h)
		return -ENOMEM;
	err = vfw_map_each(fd, VFW_MAP_TRUNKS, snap_host, &sn);
	if (err < 0) {
		free(sn.h);
		return err;
	}
	*out = sn.h;
	*n_out = sn.n;
	return 0;
}

static struct have *have_find(struct have *h, __u32 n, const __u8 addr[16])
{
	__u32 i;

	for (i = 0; i < n; i++)
		if (!memcmp(h[i].addr, addr, 16))
			return &h[i];
	return NULL;
}

static bool all_answered(const struct vfw_dns *d)
{
	__u32 i;

	for (i = 0; i < d->n_names; i++)
		if (!d->names[i].answered)
			return false;
	return true;
}

/* What the DNS entries of the map should be. */
static struct want *wanted_set(struct vfw_dns *d, __u64 now, __u32 *n_out)
{
	__u32 cap = d->n_names * NAME_ADDRS + d->n_legacy, n = 0, i, j, k;
	bool keep_legacy = !all_answered(d);
	struct want *w;

	w = calloc(cap ? cap : 1, sizeof(*w));
	if (!w)
		return NULL;
	for (i = 0; i < d->n_names; i++) {
		struct dns_name *nm = &d->names[i];

		for (j = 0; j < nm->n; j++) {
			struct dns_addr *a = &nm->addr[j];

			for (k = 0; k < n && memcmp(w[k].addr, a->addr, 16); k++)
				;
			if (k == n) {
				memcpy(w[n].addr, a->addr, 16);
				w[n].val.origin = VFW_ORIGIN_DNS;
				w[n].host = nm->host;
				n++;
			}
			w[k].val.admit |= nm->admit;
			if (a->expires_ns > w[k].val.expires_ns)
				w[k].val.expires_ns = a->expires_ns;
			if (w[k].n_owner < VFW_CONFIG_MAX_DNS)
				w[k].owner[w[k].n_owner++] = a;
		}
	}
	for (i = j = 0; i < d->n_legacy; i++)   /* expired ones are gone for good */
		if (!d->legacy[i].val.expires_ns || d->legacy[i].val.expires_ns > now)
			d->legacy[j++] = d->legacy[i];
	d->n_legacy = j;
	for (i = 0; keep_legacy && i < d->n_legacy; i++) {
		const struct legacy *l = &d->legacy[i];

		for (k = 0; k < n && memcmp(w[k].addr, l->addr, 16); k++)
			;
		if (k < n)
			continue;
		memcpy(w[n].addr, l->addr, 16);
		w[n].val = l->val;
		w[n].legacy = true;
		n++;
	}
	if (!keep_legacy && d->n_legacy) {
		pr_debug("dns: every name answered; entries of an earlier run no longer kept");
		free(d->legacy);
		d->legacy = NULL;
		d->n_legacy = 0;
	}
	*n_out = n;
	return w;
}

static void reconcile(struct vfw_dns *d)
{
	char buf[VFW_ADDR_STRLEN];
	struct vfw_lpm_key key;
	struct have *h = NULL;
	struct want *w;
	__u32 nh = 0, nw = 0, i, j;
	int rc;

	w = wanted_set(d, vfw_now_ns(), &nw);
	if (!w) {
		pr_warn("dns: out of memory, trunks map not updated");
		return;
	}
	rc = map_snapshot(d->trunks_fd, &h, &nh);
	if (rc) {
		pr_warn("dns: cannot read the trunks map: %s", strerror(-rc));
		free(w);
		return;
	}
	for (i = 0; i < nw; i++) {
		struct have *cur = have_find(h, nh, w[i].addr);
		struct vfw_trunk held;
		bool conflict;

		if (cur)
			cur->wanted = true;
		if (cur && !memcmp(&cur->val, &w[i].val, sizeof(cur->val)))
			continue;   /* ours already, as wanted */
		/* the rule decides against the entry as it is now, not the snapshot */
		vfw_lpm_host_key(&key, w[i].addr);
		rc = vfw_trunk_put(d->trunks_fd, &key, &w[i].val, &held);
		conflict = rc == 0 && held.origin != VFW_ORIGIN_DNS;
		for (j = 0; j < w[i].n_owner; j++) {
			if (conflict && !w[i].owner[j]->conflict)
				pr_info("trunk dns %s -> %s: already a %s trunk, left alone",
					w[i].host, astr(w[i].addr, buf),
					vfw_origin_name(held.origin));
			w[i].owner[j]->conflict = conflict;
		}
		if (rc < 0) {
			pr_warn("trunk dns %s -> %s: cannot write the trunks map: %s%s",
				w[i].host, astr(w[i].addr, buf), strerror(-rc),
				rc == -E2BIG || rc == -ENOMEM ? " (trunk table full)" : "");
			continue;
		}
		if (rc > 0)
			pr_debug("dns: map %s %s admit %s%s", cur ? "updated" : "added",
				 astr(w[i].addr, buf), vfw_admit_name(w[i].val.admit),
				 cur && cur->val.origin != VFW_ORIGIN_DNS ?
				 " (was a lower-ranked trunk)" : "");
	}
	for (i = 0; i < nh; i++) {
		if (h[i].wanted || h[i].val.origin != VFW_ORIGIN_DNS)
			continue;
		/* only if it is still ours: an operator may have taken the key meanwhile */
		vfw_lpm_host_key(&key, h[i].addr);
		rc = vfw_trunk_del(d->trunks_fd, &key, VFW_ORIGIN_DNS, NULL);
		if (rc < 0 && rc != -ENOENT)
			pr_warn("dns: cannot delete %s from the trunks map: %s",
				astr(h[i].addr, buf), strerror(-rc));
		else if (rc > 0)
			pr_debug("dns: map deleted %s", astr(h[i].addr, buf));
	}
	free(h);
	free(w);
}

static void legacy_load(struct vfw_dns *d)
{
	struct have *h = NULL;
	__u32 nh = 0, i;

	if (map_snapshot(d->trunks_fd, &h, &nh))
		return;
	d->legacy = calloc(nh ? nh : 1, sizeof(*d->legacy));
	for (i = 0; d->legacy && i < nh; i++) {
		if (h[i].val.origin != VFW_ORIGIN_DNS)
			continue;
		memcpy(d->legacy[d->n_legacy].addr, h[i].addr, 16);
		d->legacy[d->n_legacy++].val = h[i].val;
	}
	if (d->n_legacy)
		pr_debug("dns: %u entries of an earlier run kept until every name answered",
			 d->n_legacy);
	free(h);
}

/* ---- configuration ---- */

static void config_apply(struct vfw_dns *d, const struct vfw_config *cfg)
{
	struct dns_name *names = calloc(VFW_CONFIG_MAX_DNS, sizeof(*names));
	char buf[VFW_ADDR_STRLEN];
	__u32 i, j, n = 0;

	if (!names) {
		pr_warn("dns: out of memory, configuration change ignored");
		return;
	}
	d->min_ttl = cfg->dns_min_ttl ? cfg->dns_min_ttl : 1;
	d->max_ttl = cfg->dns_max_ttl > d->min_ttl ? cfg->dns_max_ttl : d->min_ttl;
	d->grace = cfg->registration_grace > REFRESH_GRACE_S ?
		   cfg->registration_grace : REFRESH_GRACE_S;
	d->udp_sip = cfg->sip_udp;
	d->udp_media = cfg->media_udp;

	for (i = 0; i < cfg->n_dns && n < VFW_CONFIG_MAX_DNS; i++) {
		const struct vfw_config_dns *c = &cfg->dns[i];
		struct dns_name *nm = &names[n];

		for (j = 0; j < n && !same_host(names[j].host, c->host); j++)
			;
		if (j < n)
			continue;   /* listed twice */
		for (j = 0; j < d->n_names && !same_host(d->names[j].host, c->host); j++)
			;
		if (j < d->n_names)
			*nm = d->names[j];      /* keeps addresses and schedule */
		else
			memset(nm, 0, sizeof(*nm));   /* next_ns 0: resolve at once */
		snprintf(nm->host, sizeof(nm->host), "%s", c->host);
		if (j < d->n_names && nm->admit != c->admit && nm->n)
			pr_info("trunk dns %s: admit %s (was %s)", nm->host,
				vfw_admit_name(c->admit), vfw_admit_name(nm->admit));
		nm->admit = c->admit;
		n++;
	}
	for (j = 0; j < d->n_names; j++) {
		struct dns_name *old = &d->names[j];

		for (i = 0; i < n && !same_host(names[i].host, old->host); i++)
			;
		if (i < n)
			continue;
		for (i = 0; i < old->n; i++)
			pr_info("trunk dns %s -/-> %s (name removed from the config)",
				old->host, astr(old->addr[i].addr, buf));
	}
	free(d->names);
	d->names = names;
	d->n_names = n;
}

/* ---- the thread ---- */

static __u64 next_event_ns(const struct vfw_dns *d)
{
	__u64 t = UINT64_MAX;
	__u32 i, j;

	for (i = 0; i < d->n_names; i++) {
		const struct dns_name *n = &d->names[i];

		if (n->next_ns < t)
			t = n->next_ns;
		for (j = 0; j < n->n; j++)
			if (n->addr[j].expires_ns < t)
				t = n->addr[j].expires_ns;
	}
	for (i = 0; i < d->n_legacy; i++)
		if (d->legacy[i].val.expires_ns && d->legacy[i].val.expires_ns < t)
			t = d->legacy[i].val.expires_ns + 1;
	return t;
}

static void *dns_thread(void *arg)
{
	struct vfw_dns *d = arg;

	for (;;) {
		struct vfw_config *cfg;
		struct pollfd pfd;
		__u64 now, next;
		int timeout_ms;
		bool stop;

		pthread_mutex_lock(&d->lock);
		stop = d->stop;
		cfg = d->pending;
		d->pending = NULL;
		pthread_mutex_unlock(&d->lock);
		if (stop) {
			free(cfg);
			break;
		}
		if (cfg) {
			config_apply(d, cfg);
			free(cfg);
		}
		names_expire(d, vfw_now_ns());
		if (resolve_due(d, false) == -ECANCELED)
			break;
		names_expire(d, vfw_now_ns());
		reconcile(d);

		next = next_event_ns(d);
		now = vfw_now_ns();
		if (next == UINT64_MAX)
			timeout_ms = -1;
		else if (next <= now)
			timeout_ms = 0;
		else if (next - now > (__u64)INT_MAX * 1000000ULL)
			timeout_ms = INT_MAX;
		else
			timeout_ms = (int)((next - now + 999999) / 1000000);
		pthread_mutex_lock(&d->lock);
		if (d->pending || d->stop)
			timeout_ms = 0;   /* came in while we were busy */
		pthread_mutex_unlock(&d->lock);
		pfd.fd = d->wake[0];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, timeout_ms) > 0) {
			char c[64];

			while (read(d->wake[0], c, sizeof(c)) > 0)
				;
		}
	}
	return NULL;
}

static void poke(struct vfw_dns *d)
{
	char c = 1;

	/* a full pipe already holds a wakeup */
	if (write(d->wake[1], &c, 1) < 0 && errno != EAGAIN)
		pr_warn("dns: cannot wake the resolver: %s", strerror(errno));
}

static void dns_free(struct vfw_dns *d)
{
	if (d->wake[0] >= 0)
		close(d->wake[0]);
	if (d->wake[1] >= 0)
		close(d->wake[1]);
	pthread_mutex_destroy(&d->lock);
	free(d->pending);
	free(d->names);
	free(d->legacy);
	free(d->rxbuf);
	free(d);
}

struct vfw_dns *vfw_dns_start(const struct vfw_config *cfg, int trunks_fd,
			      const char *resolv_conf)
{
	sigset_t all, old;
	struct vfw_dns *d;
	int rc;

	if (!cfg || trunks_fd < 0) {
		errno = EINVAL;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->wake[0] = d->wake[1] = -1;
	pthread_mutex_init(&d->lock, NULL);
	d->trunks_fd = trunks_fd;
	snprintf(d->resolv_conf, sizeof(d->resolv_conf), "%s",
		 resolv_conf ? resolv_conf : DEFAULT_RESOLV);
	d->rxbuf = malloc(RXBUF_SIZE);
	if (!d->rxbuf || pipe2(d->wake, O_CLOEXEC | O_NONBLOCK)) {
		rc = errno ? errno : ENOMEM;
		pr_err("dns: cannot start the resolver: %s", strerror(rc));
		dns_free(d);
		errno = rc;
		return NULL;
	}

	legacy_load(d);
	config_apply(d, cfg);
	resolve_due(d, true);
	reconcile(d);

	/* the thread takes no signals: the daemon's main loop handles them */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&d->thread, NULL, dns_thread, d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		pr_err("dns: cannot start the resolver thread: %s", strerror(rc));
		dns_free(d);
		errno = rc;
		return NULL;
	}
	d->thread_started = true;
	return d;
}

void vfw_dns_reload(struct vfw_dns *d, const struct vfw_config *cfg)
{
	struct vfw_config *copy;

	if (!d || !cfg)
		return;
	copy = malloc(sizeof(*copy));
	if (!copy) {
		pr_warn("dns: out of memory, reload ignored");
		return;
	}
	*copy = *cfg;
	pthread_mutex_lock(&d->lock);
	free(d->pending);
	d->pending = copy;
	pthread_mutex_unlock(&d->lock);
	poke(d);
}

void vfw_dns_stop(struct vfw_dns *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	d->stop = true;
	pthread_mutex_unlock(&d->lock);
	poke(d);
	if (d->thread_started)
		pthread_join(d->thread, NULL);
	dns_free(d);
}
